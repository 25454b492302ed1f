"""问题清单 and 任务清单: one problem per point on a ledger row, one task per problem, and the task's steps
open → assigned → rectified → verified, each with who, when and evidence; every refusal names its field."""

from __future__ import annotations

import pytest

from tests.unit.registry.ledger_factories import (
    OTHER_TOWN,
    TOWN,
    LedgerIndex,
    compound,
    opened_task,
    pipe,
    problem_on,
    recorded_problem,
    step,
)
from zdz_common.context import Actor
from zdz_common.errors import FailedPrecondition, InvalidArgument, NotFound
from zdz_registry.ledger.domain.events import (
    ProblemRecorded,
    TaskAssigned,
    TaskOpened,
    TaskRectified,
    TaskVerified,
)
from zdz_registry.ledger.domain.problems import Problem, ProblemType, TaskState, is_major

HISTORY = Actor("zdz", "SERVICE", "zdz")  # a service recording verifications done elsewhere, as written
LEDGER = LedgerIndex().add(compound("H-001"), pipe("P-001"))


def _on_pipe(**changes) -> Problem:  # type: ignore[no-untyped-def]
    return recorded_problem(problem_on("PIPE_SEGMENT", "P-001", **changes), LEDGER)


def _refusal(error_class: type[Exception], action) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(error_class) as caught:
        action()
    return caught.value.field  # type: ignore[attr-defined,no-any-return]


# --- problems ------------------------------------------------------------------------------------------------


def test_a_problem_is_recorded_on_a_row_of_the_ledger_with_who_found_it_and_when() -> None:
    problem = _on_pipe(found_by="ACCEPTANCE", found_on="2025-03-02", finder="区县验收组")
    [event] = problem.pending
    assert isinstance(event, ProblemRecorded) and event.unit == TOWN
    assert (event.entity_class, event.entity_code, event.found_by, event.found_on, event.finder) == (
        "PIPE_SEGMENT",
        "P-001",
        "ACCEPTANCE",
        "2025-03-02",
        "区县验收组",
    )


def test_a_problem_on_a_row_the_ledger_does_not_hold_is_not_found() -> None:
    details = problem_on("PIPE_SEGMENT", "P-404")
    assert _refusal(NotFound, lambda: Problem(id="q").record(TOWN, details, LEDGER)) == "problem.entity_code"


def test_a_problem_point_needs_its_location() -> None:
    details = problem_on("PIPE_SEGMENT", "P-001", location=" ")
    assert (
        _refusal(InvalidArgument, lambda: Problem(id="q").record(TOWN, details, LEDGER)) == "problem.location"
    )


def test_a_problem_type_outside_the_list_is_invalid_argument() -> None:
    assert _refusal(InvalidArgument, lambda: problem_on("PIPE_SEGMENT", "P-001", type="XX")) == "problem.type"


def test_a_cjj_181_defect_is_graded_1_to_4_and_the_documents_words_are_not_graded() -> None:
    graded = problem_on("PIPE_SEGMENT", "P-001", type="PL", grade=0)
    assert _refusal(InvalidArgument, lambda: Problem(id="q").record(TOWN, graded, LEDGER)) == "problem.grade"
    too_high = problem_on("PIPE_SEGMENT", "P-001", type="CJ", grade=5)
    assert (
        _refusal(InvalidArgument, lambda: Problem(id="q").record(TOWN, too_high, LEDGER)) == "problem.grade"
    )
    ungraded = problem_on("PIPE_SEGMENT", "P-001", type="LEAKAGE", grade=2)
    assert (
        _refusal(InvalidArgument, lambda: Problem(id="q").record(TOWN, ungraded, LEDGER)) == "problem.grade"
    )
    assert _on_pipe(type="PL", grade=3).version == 1


def test_an_other_problem_must_be_described() -> None:
    details = problem_on("PIPE_SEGMENT", "P-001", type="OTHER")
    assert (
        _refusal(InvalidArgument, lambda: Problem(id="q").record(TOWN, details, LEDGER))
        == "problem.description"
    )


@pytest.mark.parametrize(
    ("problem_type", "grade", "major"),
    [
        ("PL", 3, True),  # grade Ⅲ
        ("CJ", 4, True),  # grade Ⅳ, functional
        ("PL", 2, False),  # grade Ⅱ
        ("AJ", 1, True),  # 支管暗接 at any grade
        ("CR", 1, True),  # 异物穿入 at any grade
        ("COLLAPSE", 0, True),  # 塌陷
        ("SEWAGE_INTO_RAIN", 0, True),  # every 混错接 point
        ("MIXED_CONNECTION", 0, True),
        ("BLOCKAGE", 0, False),
        ("FACILITY_MALFUNCTION", 0, False),
    ],
)
def test_major_defects_are_grade_3_4_dark_branches_foreign_bodies_collapses_and_misconnections(
    problem_type: str, grade: int, major: bool
) -> None:
    assert is_major(ProblemType(problem_type), grade) is major


# --- the task's steps ----------------------------------------------------------------------------------------


def test_a_task_walks_open_assigned_rectified_verified_recording_who_when_and_evidence() -> None:
    problem = _on_pipe()
    problem.open_task(TOWN.id, "高笋塘街道办事处", "2024-12-31", step("2024-09-01", by="街道办 张三"))
    problem.assign(TOWN.id, "渝东市政公司", step("2024-09-05", "交办单-0905", by="街道办 张三"))
    problem.rectify(TOWN.id, step("2024-10-20", "photo://P-001/after.jpg", by="渝东市政公司 李四"))
    problem.verify(TOWN.id, step("2024-10-28", "验收记录-1028", by="区住建委 王五"), HISTORY)
    opened, assigned, rectified, verified = problem.pending[1:]
    assert isinstance(opened, TaskOpened) and (opened.owner, opened.deadline) == (
        "高笋塘街道办事处",
        "2024-12-31",
    )
    assert isinstance(assigned, TaskAssigned) and assigned.assignee == "渝东市政公司"
    assert isinstance(rectified, TaskRectified) and rectified.evidence == ("photo://P-001/after.jpg",)
    assert isinstance(verified, TaskVerified) and (verified.by, verified.on) == (
        "区住建委 王五",
        "2024-10-28",
    )
    assert problem.task is not None and problem.task.state is TaskState.VERIFIED
    assert [s.state for s in problem.task.steps] == list(TaskState)


def test_replaying_a_problems_events_rebuilds_its_task() -> None:
    problem = opened_task(_on_pipe())
    problem.assign(TOWN.id, "渝东市政公司", step("2024-09-05"))
    replayed = Problem(id=problem.id)
    for event in problem.pending:
        replayed.apply(event)
    assert replayed.task == problem.task and replayed.details == problem.details and replayed.version == 3


def test_a_task_cannot_be_verified_before_it_is_rectified() -> None:
    problem = opened_task(_on_pipe())
    problem.assign(TOWN.id, "渝东市政公司", step("2024-09-05"))
    refused = _refusal(
        FailedPrecondition, lambda: problem.verify(TOWN.id, step("2024-09-06", "记录"), HISTORY)
    )
    assert refused == "task.state" and problem.task.state is TaskState.ASSIGNED  # type: ignore[union-attr]


def test_a_task_cannot_be_rectified_before_it_is_assigned() -> None:
    problem = opened_task(_on_pipe())
    assert (
        _refusal(FailedPrecondition, lambda: problem.rectify(TOWN.id, step("2024-09-06", "photo")))
        == "task.state"
    )


def test_no_step_before_the_task_is_opened() -> None:
    problem = _on_pipe()
    refused = _refusal(
        FailedPrecondition, lambda: problem.assign(TOWN.id, "渝东市政公司", step("2024-09-05"))
    )
    assert refused == "task.problem_id"


def test_a_problem_has_exactly_one_task() -> None:
    problem = opened_task(_on_pipe())
    second = lambda: problem.open_task(TOWN.id, "另一单位", "2025-06-30", step("2024-09-02"))  # noqa: E731
    assert _refusal(FailedPrecondition, second) == "task.problem_id"


def test_opening_the_same_task_again_records_nothing_so_a_reimport_is_harmless() -> None:
    problem = opened_task(_on_pipe())
    before = len(problem.pending)
    opened_task(problem)
    assert len(problem.pending) == before


def test_a_task_cannot_be_opened_for_another_units_problem() -> None:
    problem = recorded_problem(problem_on("PIPE_SEGMENT", "P-001"), LEDGER, unit=OTHER_TOWN)
    opening = lambda: problem.open_task(TOWN.id, "高笋塘街道办事处", "2024-12-31", step("2024-09-01"))  # noqa: E731
    assert _refusal(FailedPrecondition, opening) == "task.unit_id" and problem.task is None


def test_a_task_for_an_unknown_problem_is_not_found() -> None:
    opening = lambda: Problem(id="nope").open_task(TOWN.id, "街道办", "2024-12-31", step("2024-09-01"))  # noqa: E731
    assert _refusal(NotFound, opening) == "task.problem_id"


def test_rectification_and_verification_need_evidence() -> None:
    problem = opened_task(_on_pipe())
    problem.assign(TOWN.id, "渝东市政公司", step("2024-09-05"))
    assert _refusal(InvalidArgument, lambda: problem.rectify(TOWN.id, step("2024-10-20"))) == "step.evidence"


def test_a_task_needs_an_owner_and_a_deadline_not_before_its_opening() -> None:
    problem = _on_pipe()
    no_owner = lambda: problem.open_task(TOWN.id, " ", "2024-12-31", step("2024-09-01"))  # noqa: E731
    assert _refusal(InvalidArgument, no_owner) == "task.owner"
    early = lambda: problem.open_task(TOWN.id, "街道办", "2024-08-31", step("2024-09-01"))  # noqa: E731
    assert _refusal(InvalidArgument, early) == "task.deadline"
    no_date = lambda: problem.open_task(TOWN.id, "街道办", "2024-12-31", step(""))  # noqa: E731
    assert _refusal(InvalidArgument, no_date) == "step.on"


def test_a_step_dated_before_the_previous_one_is_refused() -> None:
    problem = opened_task(_on_pipe(), on="2024-09-10")
    assert (
        _refusal(InvalidArgument, lambda: problem.assign(TOWN.id, "渝东市政公司", step("2024-09-09")))
        == "step.on"
    )
