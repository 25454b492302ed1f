"""Nobody accepts their own work, on any path (issue 16): the ledger's domain refuses a verification by the unit
or by nobody known, and the step records who verified, not a name the caller wrote (no I/O)."""

from __future__ import annotations

import pytest

from tests.unit.registry.ledger_factories import (
    TOWN,
    LedgerIndex,
    opened_task,
    pipe,
    problem_on,
    recorded_problem,
    step,
)
from zdz_common.context import Actor
from zdz_common.errors import InvalidArgument, PermissionDenied
from zdz_registry.ledger.domain.events import TaskVerified
from zdz_registry.ledger.domain.problems import Problem

UNIT_CLERK = Actor("unit:town-1", "UNIT", "u.clerk")
DISTRICT_CLERK = Actor("district:wanzhou", "DISTRICT_TASK_FORCE", "d.clerk")
IMPORTER = Actor("zdz", "SERVICE", "zdz")


def _rectified() -> Problem:
    problem = opened_task(
        recorded_problem(problem_on("PIPE_SEGMENT", "P-001"), LedgerIndex().add(pipe("P-001")))
    )
    problem.assign(TOWN.id, "渝东市政公司", step("2024-09-05"))
    problem.rectify(TOWN.id, step("2024-10-20", "photo://after.jpg"))
    return problem


@pytest.mark.parametrize("verifier", [UNIT_CLERK, Actor("unit:town-1", "unknown", "x"), None])
def test_the_unit_or_an_unknown_caller_never_verifies_a_task(verifier: Actor | None) -> None:
    problem = _rectified()
    with pytest.raises(PermissionDenied) as refused:
        problem.verify(TOWN.id, step("2024-10-28", "记录", by="区住建委 王五"), verifier)
    assert "issue11.verify-not-own-work" in refused.value.message and len(problem.pending) == 4


def test_a_task_force_verification_records_the_caller_as_verifier() -> None:
    problem = _rectified()
    problem.verify(TOWN.id, step("2024-10-28", "记录", by=""), DISTRICT_CLERK)
    verified = problem.pending[-1]
    assert isinstance(verified, TaskVerified) and verified.by == "district:wanzhou/d.clerk"


def test_a_task_force_cannot_record_a_verification_in_someone_elses_name() -> None:
    problem = _rectified()
    with pytest.raises(InvalidArgument) as refused:
        problem.verify(TOWN.id, step("2024-10-28", "记录", by="市级专班 李四"), DISTRICT_CLERK)
    assert refused.value.field == "step.by" and len(problem.pending) == 4


def test_a_service_recording_a_verification_done_elsewhere_names_the_verifier_not_itself() -> None:
    problem = _rectified()
    with pytest.raises(InvalidArgument) as unnamed:
        problem.verify(TOWN.id, step("2024-10-28", "记录", by=" "), IMPORTER)
    assert unnamed.value.field == "step.by"
    problem.verify(TOWN.id, step("2024-10-28", "记录", by="区住建委 王五"), IMPORTER)
    assert problem.pending[-1].by == "区住建委 王五"  # type: ignore[union-attr]
