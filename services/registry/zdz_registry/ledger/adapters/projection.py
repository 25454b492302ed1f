"""Keeps the ledger's read models in step with its events, inside the appending transaction."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, SQLModel

from zdz_common.eventstore import RecordedEvent
from zdz_registry.ledger.adapters.orm import (
    AcceptanceHistoryView,
    AcceptanceView,
    DefectView,
    FacilityView,
    HouseholdView,
    OutfallView,
    PipeView,
    PointView,
    ProblemView,
    TaskStepView,
)
from zdz_registry.ledger.domain import events as ev
from zdz_registry.ledger.domain.problems import ProblemType, TaskState, is_major
from zdz_registry.ledger.domain.progress import accepted_on_after

_VIEW_OF: dict[type, type[SQLModel]] = {
    ev.SourceHouseholdRecorded: HouseholdView,
    ev.PipeSegmentRecorded: PipeView,
    ev.InspectionPointRecorded: PointView,
    ev.FacilityRecorded: FacilityView,
    ev.OutfallRecorded: OutfallView,
    ev.ProblemRecorded: ProblemView,
}
_STATE_OF: dict[type, TaskState] = {
    ev.TaskOpened: TaskState.OPEN,
    ev.TaskAssigned: TaskState.ASSIGNED,
    ev.TaskRectified: TaskState.RECTIFIED,
    ev.TaskVerified: TaskState.VERIFIED,
}


def _upsert(
    session: Session, view_class: type[SQLModel], recorded: RecordedEvent, values: dict[str, object]
) -> None:
    if recorded.version == 1:  # the stream's first event: the row is new, no need to look for it
        session.add(view_class(**values, version=recorded.version))
        return
    view = session.get(view_class, values["id"])
    assert view is not None, f"read model lost {values['id']}"
    for name, value in values.items():
        setattr(view, name, value)
    view.version = recorded.version  # type: ignore[attr-defined]
    session.add(view)


def project(session: Session, event: ev.LedgerEvent, recorded: RecordedEvent) -> None:
    """`zdz_common.unit_of_work.Projector` for the ledger: one new event, as the command produced it."""
    match event:
        case ev.InformationDefectRecorded():
            values = {f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.name != "unit"}
            session.add(DefectView(event_id=recorded.event_id, unit_id=event.unit.id, **values))
        case ev.ProblemRecorded():
            values = {f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.name != "unit"}
            major = is_major(ProblemType(event.type), event.grade)
            _upsert(session, ProblemView, recorded, {**values, "unit_id": event.unit.id, "major": major})
        case ev.TaskOpened() | ev.TaskAssigned() | ev.TaskRectified() | ev.TaskVerified():
            _project_task_step(session, recorded, event)
        case ev.AcceptanceStateSet():
            view = session.get(AcceptanceView, event.unit.id)
            previous = view.accepted_on if view else ""
            standing = {
                "state": event.state,
                "effective_on": event.on,
                "reason": event.reason,
                "accepted_on": accepted_on_after(previous or None, event.state, event.on) or "",
                "version": recorded.version,
            }
            if view is None:
                session.add(AcceptanceView(unit_id=event.unit.id, **standing))
            else:
                for name, value in standing.items():
                    setattr(view, name, value)
                session.add(view)
            session.add(
                AcceptanceHistoryView(
                    event_id=recorded.event_id,
                    unit_id=event.unit.id,
                    position=recorded.position,
                    state=event.state,
                    effective_on=event.on,
                )
            )
        case _ if type(event) in _VIEW_OF:
            values = {f.name: getattr(event, f.name) for f in dataclasses.fields(event) if f.name != "unit"}  # type: ignore[arg-type]
            _upsert(session, _VIEW_OF[type(event)], recorded, {**values, "unit_id": event.unit.id})  # type: ignore[attr-defined]


def _project_task_step(session: Session, recorded: RecordedEvent, event: ev.TaskEvent) -> None:
    problem = session.get(ProblemView, event.problem_id)
    assert problem is not None, f"read model lost problem {event.problem_id}"
    state = _STATE_OF[type(event)]
    problem.task_state = state.value
    problem.version = recorded.version
    if isinstance(event, ev.TaskOpened):
        problem.owner, problem.deadline = event.owner, event.deadline
    if isinstance(event, ev.TaskAssigned):
        problem.assignee = event.assignee
    session.add(problem)
    session.add(
        TaskStepView(
            event_id=recorded.event_id,
            problem_id=event.problem_id,
            position=recorded.position,
            state=state.value,
            step_by=event.by,
            step_on=event.on,
            evidence=list(event.evidence),
        )
    )
