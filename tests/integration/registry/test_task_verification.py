"""Nobody accepts their own work (issue 11): a task's rectification is verified by the unit's district task force,
never by the unit that did it — by VerifyTask, or by a VERIFY step sent as a ledger row. Real gRPC, real tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest

from tests.integration.auth.harness import System, bearer, start_system
from zdz.registry.v1 import ledger_pb2 as pb


@pytest.fixture
async def system(tmp_path) -> AsyncIterator[System]:  # type: ignore[no-untyped-def]
    running, [stop] = await start_system(tmp_path)
    yield running
    await stop()


async def _rectified_task(system: System) -> str:
    """The unit records a problem, opens, assigns and rectifies its task; returns the problem's id."""
    unit = bearer("unit")
    ledger = system.ledger
    household = pb.SourceHousehold(
        code="H-001", name="小区H-001", kind=pb.HOUSEHOLD_KIND_RESIDENTIAL, building=pb.BUILDING_NON_SINGLE
    )
    await ledger.RecordLedgerRow(
        pb.RecordLedgerRowRequest(unit_id="own-unit", row=pb.LedgerRow(source_household=household)),
        metadata=unit,
    )
    problem = pb.Problem(
        code="Q-001",
        entity_class=pb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
        entity_code="H-001",
        type=pb.PROBLEM_TYPE_MIXED_CONNECTION,
        location="小区北门雨水井",
        found_by=pb.FOUND_BY_SURVEY,
        found_on="2024-08-20",
    )
    recorded = await ledger.RecordLedgerRow(
        pb.RecordLedgerRowRequest(unit_id="own-unit", row=pb.LedgerRow(problem=problem)), metadata=unit
    )
    problem_id = recorded.id
    await ledger.OpenTask(
        pb.OpenTaskRequest(unit_id="own-unit", problem_id=problem_id, owner="街道办", deadline="2099-12-31"),
        metadata=unit,
    )
    await ledger.AssignTask(
        pb.AssignTaskRequest(unit_id="own-unit", problem_id=problem_id, assignee="渝东市政公司"),
        metadata=unit,
    )
    await ledger.RectifyTask(
        pb.RectifyTaskRequest(
            unit_id="own-unit", problem_id=problem_id, step=pb.Step(evidence=["photo://1"])
        ),
        metadata=unit,
    )
    return problem_id


async def _denied(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    return caught.value.details() or ""


async def test_a_unit_verifying_its_own_task_is_denied_and_its_district_task_force_verifies_it(
    system: System,
) -> None:
    problem_id = await _rectified_task(system)
    verify = pb.VerifyTaskRequest(
        unit_id="own-unit", problem_id=problem_id, step=pb.Step(evidence=["核验记录-1"])
    )
    details = await _denied(system.ledger.VerifyTask(verify, metadata=bearer("unit")))
    assert "issue11.verify-not-own-work" in details
    assert "单元不能核验本单元的整改" in details and "not by the unit that did it" in details
    # Nor through the ledger's row API: a VERIFY step is a verification whichever way it is sent.
    row = pb.LedgerRow(
        task_step=pb.TaskStep(
            problem_code="Q-001", action=pb.TASK_ACTION_VERIFY, step=pb.Step(by="街道办", evidence=["自证"])
        )
    )
    details = await _denied(
        system.ledger.RecordLedgerRow(
            pb.RecordLedgerRowRequest(unit_id="own-unit", row=row), metadata=bearer("unit")
        )
    )
    assert "issue11.verify-not-own-work" in details

    async def one_batch() -> AsyncIterator[pb.ImportLedgerRowsRequest]:
        yield pb.ImportLedgerRowsRequest(options=pb.ImportOptions(unit_id="own-unit"), rows=[row])

    details = await _denied(system.ledger.ImportLedgerRows(one_batch(), metadata=bearer("unit")))
    assert "issue11.verify-not-own-work" in details
    # The district task force of the unit's district verifies it.
    verified = await system.ledger.VerifyTask(verify, metadata=bearer("district"))
    assert verified.problem.task.state == pb.TASK_STATE_VERIFIED
