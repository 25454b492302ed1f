"""The running programme as its people reach it: one gRPC channel per service of `make run`, a token per
organisation (signed with make run's development key), and the checks a story ends with: every service's event
chain, every JetStream consumer caught up, the dead-letter stream empty."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import grpc
import nats
from sqlalchemy import create_engine
from sqlmodel import Session

from tests.e2e.make_run import token_issuer
from zdz.notify.v1 import notify_pb2, notify_pb2_grpc
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.auth import Principal, Role
from zdz_common.consumer import DEAD_LETTER_STREAM
from zdz_common.eventstore import EventStore, VerifyResult
from zdz_local.services import GRPC_SERVICES

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the programme's days (deadlines end at 24:00 Asia/Shanghai)
T = TypeVar("T")


def shanghai_day(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """The first truthy value `probe` returns within `timeout`: the services follow each other's events."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f}s: {what} (last seen: {last!r})")


@dataclass(frozen=True)
class Caller:
    """An organisation's person with a token; each call carries a fresh request id."""

    principal: Principal
    token: str

    @property
    def organisation(self) -> str:
        return self.principal.organisation

    def metadata(self, *, request_id: str = "", traceparent: str = "") -> tuple[tuple[str, str], ...]:
        """The call's bearer token and request id; `traceparent` as a traced client would send it."""
        sent = (
            ("authorization", f"Bearer {self.token}"),
            ("x-request-id", request_id or f"e2e-{uuid.uuid4()}"),
        )
        return (*sent, ("traceparent", traceparent)) if traceparent else sent


class Programme:
    """The services of one `make run`, reached over gRPC as their callers reach them."""

    def __init__(self, env: dict[str, str], data: Path) -> None:
        self.env = env
        self.data = data
        self._issuer = token_issuer(data)
        self._channels = {
            spec.name: grpc.insecure_channel(env[spec.address_variable]) for spec in GRPC_SERVICES
        }
        self.registry = registry_pb2_grpc.RegistryServiceStub(self._channels["registry"])
        self.ledger = ledger_pb2_grpc.LedgerServiceStub(self._channels["registry"])
        self.scoring = scoring_pb2_grpc.ScoringServiceStub(self._channels["scoring"])
        self.workflow = workflow_pb2_grpc.WorkflowServiceStub(self._channels["workflow"])
        self.notify = notify_pb2_grpc.NotifyServiceStub(self._channels["notify"])
        self.city = self.caller(Principal(role=Role.MUNICIPAL_TASK_FORCE, person="市级专班-王五"))

    @property
    def board_url(self) -> str:
        return f"http://{self.env['ZDZ_NOTIFY_HTTP_ADDRESS']}/board"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.env['ZDZ_NATS_PORT']}"

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()

    def caller(self, principal: Principal) -> Caller:
        return Caller(principal, self._issuer.issue(principal))

    def unit_caller(self, unit: registry_pb2.Unit) -> Caller:
        return self.caller(
            Principal(
                role=Role.UNIT,
                person=f"{unit.name}-填报员",
                unit_id=unit.id,
                district_code=unit.district_code,
            )
        )

    def district_caller(self, district_code: str) -> Caller:
        return self.caller(
            Principal(role=Role.DISTRICT_TASK_FORCE, person="区县专班-李四", district_code=district_code)
        )

    @staticmethod
    def call(method: Callable[..., T], request: object, caller: Caller) -> T:
        return method(request, metadata=caller.metadata(), timeout=60)

    # --- registry -------------------------------------------------------------------------------------------

    def official_unit(self, district_code: str, name: str) -> registry_pb2.Unit:
        """A unit of the official listing make run loaded (000 附件1/附件2), by name."""
        page = self.call(
            self.registry.ListUnits,
            registry_pb2.ListUnitsRequest(district_code=district_code, page_size=1000),
            self.city,
        )
        return next(unit for unit in page.units if unit.name == name)

    def import_ledger(self, unit: registry_pb2.Unit, rows: list[ledger_pb2.LedgerRow]) -> None:
        """The unit's clerk imports its ledger, all or nothing."""
        request = ledger_pb2.ImportLedgerRowsRequest(
            options=ledger_pb2.ImportOptions(unit_id=unit.id, all_or_nothing=True), rows=rows
        )
        response = self.ledger.ImportLedgerRows(
            iter([request]), metadata=self.unit_caller(unit).metadata(), timeout=60
        )
        rejected = [r for r in response.results if r.outcome == ledger_pb2.ROW_OUTCOME_REJECTED]
        assert response.written, rejected

    def progress(self, district_code: str) -> tuple[int, int]:
        """(towns done, park groups done) as the registry counts them for the district."""
        progress = self.call(
            self.ledger.GetDistrictProgress,
            ledger_pb2.GetDistrictProgressRequest(district_code=district_code),
            self.city,
        ).progress
        return progress.towns_done, progress.park_groups_done

    def progress_becomes(self, district_code: str, done: tuple[int, int], what: str) -> None:
        eventually(lambda: self.progress(district_code) == done, f"{what}: progress (towns, parks) == {done}")

    # --- scoring --------------------------------------------------------------------------------------------

    def signed_sheet(
        self, signer: Caller, input_: scoring_pb2.SheetInput, expected_total: Callable[[str], bool]
    ) -> scoring_pb2.ScoreSheet:
        """Draft a sheet and sign it as `signer`; `expected_total` states what the story needs of the total."""
        draft = self.call(
            self.scoring.SaveSheetDraft, scoring_pb2.SaveSheetDraftRequest(input=input_), signer
        )
        sheet = self.call(
            self.scoring.SignSheet,
            scoring_pb2.SignSheetRequest(sheet_id=draft.sheet.id, expected_version=draft.sheet.version),
            signer,
        ).sheet
        assert sheet.state == scoring_pb2.SHEET_STATE_SIGNED
        assert expected_total(sheet.result.total), (
            scoring_pb2.SheetKind.Name(sheet.sheet_kind),
            sheet.result,
        )
        return sheet

    # --- notify ---------------------------------------------------------------------------------------------

    def inbox(self, caller: Caller) -> list[notify_pb2.Notification]:
        return list(
            self.call(
                self.notify.ListNotifications,
                notify_pb2.ListNotificationsRequest(recipient=caller.organisation, page_size=1000),
                caller,
            ).notifications
        )

    def told(
        self, caller: Caller, event_type: str, unit_ids: Iterable[str] = (), title_has: str = ""
    ) -> None:
        """`caller`'s inbox holds a notification of `event_type` (its title naming `title_has`) about each of
        `unit_ids`, or at least one when none are named."""
        wanted = set(unit_ids)

        def heard() -> bool:
            about = {
                n.unit_id for n in self.inbox(caller) if n.event_type == event_type and title_has in n.title
            }
            return wanted <= about if wanted else bool(about)

        eventually(heard, f"{caller.organisation} told {event_type} about {sorted(wanted) or 'anything'}")

    # --- the end of a story ---------------------------------------------------------------------------------

    def chains(self) -> dict[str, VerifyResult]:
        """Every service's event store, hash chain by hash chain (the registry's also over its VerifyChain)."""
        over_grpc = self.call(self.registry.VerifyChain, registry_pb2.VerifyChainRequest(), self.city)
        assert over_grpc.ok, over_grpc.first_broken_link
        results = {}
        for spec in GRPC_SERVICES:
            engine = create_engine(f"sqlite:///{self.data / spec.name}.db")
            try:
                with Session(engine) as session:
                    results[spec.name] = EventStore(f"zdz/{spec.name}").verify(session)
            finally:
                engine.dispose()
        return results

    def settle(self) -> None:
        """Wait until every JetStream consumer has processed and acknowledged every event so far."""
        eventually(lambda: not any(self.queues()[1].values()), "every consumer caught up", timeout=60)

    def queues(self) -> tuple[int | None, dict[str, int]]:
        """(dead letters, None without a dead-letter stream; events each durable consumer has still to process or
        acknowledge)."""
        return asyncio.run(_queues(self.nats_url))


async def _queues(url: str) -> tuple[int | None, dict[str, int]]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        dead: int | None = None
        pending: dict[str, int] = {}
        for stream in await js.streams_info():
            name = stream.config.name
            if name == DEAD_LETTER_STREAM:
                dead = stream.state.messages
                continue
            for consumer in await js.consumers_info(name):
                pending[f"{name}/{consumer.name}"] = consumer.num_pending + consumer.num_ack_pending
        return dead, pending
    finally:
        await nc.drain()
