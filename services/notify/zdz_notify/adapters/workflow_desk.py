"""The workflow service's RaiseObjection, called by the 公示栏 on the public's behalf as the notify service
(its SERVICE token; the workflow takes OBJECTION_SOURCE_PUBLIC_BOARD only from a SERVICE caller)."""

from __future__ import annotations

import logging

import grpc

from zdz.workflow.v1 import workflow_pb2 as pb
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.errors import FailedPrecondition
from zdz_common.idempotency import METADATA_KEY
from zdz_common.tls import TlsFiles, channel
from zdz_notify.domain.objections import DeskUnavailable, Forwarded, Objection

log = logging.getLogger(__name__)

CALL_TIMEOUT_SECONDS = 15.0
# The workflow's answers that mean "not this objection, now" (say why to the person); anything else is ours.
_REFUSALS = {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}


class WorkflowObjectionDesk:
    """RaiseObjection over gRPC on one channel (built by the app, closed by `close`)."""

    def __init__(
        self,
        address: str,
        *,
        token: str = "",
        tls: TlsFiles | None = None,
        timeout: float = CALL_TIMEOUT_SECONDS,
    ) -> None:
        self._channel = channel(address, tls)
        self._stub = workflow_pb2_grpc.WorkflowServiceStub(self._channel)
        self._token = token
        self._timeout = timeout

    def close(self) -> None:
        self._channel.close()

    def raise_objection(
        self,
        *,
        district_code: str,
        unit_id: str,
        campaign: str,
        objection_id: str,
        objection: Objection,
        idempotency_key: str,
    ) -> Forwarded:
        request = pb.RaiseObjectionRequest(
            process=pb.ProcessRef(district_code=district_code, unit_id=unit_id, campaign=campaign),
            reason=objection.text,
            objection_id=objection_id,
            source=pb.OBJECTION_SOURCE_PUBLIC_BOARD,
            objector=pb.Objector(name=objection.name, contact=objection.contact),
        )
        metadata = [(METADATA_KEY, idempotency_key)]
        if self._token:
            metadata.append(("authorization", f"Bearer {self._token}"))
        try:
            self._stub.RaiseObjection(request, timeout=self._timeout, metadata=metadata)
        except grpc.RpcError as error:
            code, details = error.code(), error.details() or ""  # type: ignore[attr-defined]
            if code is grpc.StatusCode.ALREADY_EXISTS:
                return Forwarded(objection_id)  # recorded by an earlier submit of the same form
            if code in _REFUSALS:
                raise FailedPrecondition(f"异议未能受理：{details}", field="notice") from error
            log.warning("board: RaiseObjection for %s failed: %s %s", unit_id, code, details)
            raise DeskUnavailable("暂时无法受理异议，请稍后再试，或通过公示所列方式反映") from error
        return Forwarded(objection_id)
