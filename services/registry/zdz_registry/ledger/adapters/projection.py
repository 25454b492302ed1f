"""Keeps the ledger's read models in step with its events, inside the appending transaction.

Why it is shaped this way: an import appends thousands of events in one transaction, and building one ORM
object per row was the largest cost of the whole import (issue 15's profile: 37 %). The projection is therefore
written with SQLAlchemy Core. The events a batch produced are folded into their final rows first, then written
with one executemany per table: an upsert (`INSERT … ON CONFLICT (id) DO UPDATE`, the dialect's own) for the
rows, problems and acceptance standings, an UPDATE for the task columns of problems, an INSERT for the
defects, task steps and acceptance history. A single command projects the same way, with a batch of one.

The domain events arrive as the command produced them (no decoding of what was just encoded).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
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
_TASK_COLUMNS = {
    "task_state": "",
    "owner": "",
    "deadline": "",
    "assignee": "",
}  # a problem's, before any task


def _reader(event_class: type) -> Callable[[object], dict[str, Any]]:
    """The event's fields but its unit, as a dict: the columns of its read model carry the same names."""
    names = tuple(f.name for f in dataclasses.fields(event_class) if f.name != "unit")
    read = attrgetter(*names)
    return lambda event: dict(zip(names, read(event), strict=True))


_FIELDS_OF = {cls: _reader(cls) for cls in (*_VIEW_OF, ev.InformationDefectRecorded)}

Pair = tuple[ev.LedgerEvent, RecordedEvent]
_BATCH = "zdz_ledger_projection_batch"


def project(session: Session, event: ev.LedgerEvent, recorded: RecordedEvent) -> None:
    """`zdz_common.unit_of_work.Projector` for the ledger: one new event. Inside a `batched` block it is kept
    for the block's end; otherwise it is written at once."""
    pending: list[Pair] | None = session.info.get(_BATCH)
    if pending is None:
        project_all(session, [(event, recorded)])
    else:
        pending.append((event, recorded))


@contextmanager
def batched(session: Session) -> Iterator[None]:
    """Collect the events projected inside the block and write them together when it ends without error."""
    if _BATCH in session.info:
        raise RuntimeError("ledger projection batches do not nest")
    pending: list[Pair] = []
    session.info[_BATCH] = pending
    try:
        yield
    finally:
        del session.info[_BATCH]
    project_all(session, pending)


def project_all(session: Session, pairs: Sequence[Pair]) -> None:
    """Write the read models of `pairs` (in the order appended): one statement per table and kind of write."""
    writes = _Writes()
    for event, recorded in pairs:
        writes.add(event, recorded)
    writes.execute(session)


class _Writes:
    """The batch's events folded into the rows they leave behind."""

    def __init__(self) -> None:
        self.upserts: dict[type[SQLModel], dict[str, dict[str, Any]]] = {}  # by view, by primary key
        self.inserts: dict[type[SQLModel], list[dict[str, Any]]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}  # a problem's task columns, by problem id
        self.problem_versions: dict[str, int] = {}  # the last event of each problem's stream
        self.acceptance: list[tuple[ev.AcceptanceStateSet, RecordedEvent]] = []

    def add(self, event: ev.LedgerEvent, recorded: RecordedEvent) -> None:
        match event:
            case ev.InformationDefectRecorded():
                values = _FIELDS_OF[ev.InformationDefectRecorded](event)
                self._insert(DefectView, {"event_id": recorded.event_id, "unit_id": event.unit.id, **values})
            case ev.ProblemRecorded():
                values = _FIELDS_OF[ev.ProblemRecorded](event)
                values["major"] = is_major(ProblemType(event.type), event.grade)
                self._upsert(ProblemView, event.unit.id, values, recorded)
                self.problem_versions[event.id] = recorded.version
            case ev.TaskOpened() | ev.TaskAssigned() | ev.TaskRectified() | ev.TaskVerified():
                self._task_step(event, recorded)
            case ev.AcceptanceStateSet():
                self.acceptance.append((event, recorded))
            case _ if type(event) in _VIEW_OF:
                self._upsert(_VIEW_OF[type(event)], event.unit.id, _FIELDS_OF[type(event)](event), recorded)

    def _insert(self, view: type[SQLModel], values: dict[str, Any]) -> None:
        self.inserts.setdefault(view, []).append(values)

    def _upsert(
        self, view: type[SQLModel], unit_id: str, values: dict[str, Any], recorded: RecordedEvent
    ) -> None:
        """A row stated again later in the batch replaces its earlier statement: the last one stands."""
        self.upserts.setdefault(view, {})[values["id"]] = {
            **values,
            "unit_id": unit_id,
            "version": recorded.version,
        }

    def _task_step(self, event: ev.TaskEvent, recorded: RecordedEvent) -> None:
        state = _STATE_OF[type(event)]
        columns = self.tasks.setdefault(event.problem_id, {})
        columns["task_state"] = state.value
        if isinstance(event, ev.TaskOpened):
            columns["owner"], columns["deadline"] = event.owner, event.deadline
        if isinstance(event, ev.TaskAssigned):
            columns["assignee"] = event.assignee
        self.problem_versions[event.problem_id] = recorded.version
        self._insert(
            TaskStepView,
            {
                "event_id": recorded.event_id,
                "problem_id": event.problem_id,
                "position": recorded.position,
                "state": state.value,
                "step_by": event.by,
                "step_on": event.on,
                "evidence": list(event.evidence),
            },
        )

    def _fold_acceptance(self, session: Session) -> None:
        """Each unit's standing after its last state set in the batch; accepted_on follows from the one before."""
        if not self.acceptance:
            return
        table = AcceptanceView.__table__  # type: ignore[attr-defined]
        unit_ids = sorted({event.unit.id for event, _ in self.acceptance})
        accepted_on: dict[str, str] = dict(
            session.execute(  # type: ignore[arg-type]
                sa.select(table.c.unit_id, table.c.accepted_on).where(table.c.unit_id.in_(unit_ids))
            ).all()
        )
        standings = self.upserts.setdefault(AcceptanceView, {})
        for event, recorded in self.acceptance:
            previous = accepted_on.get(event.unit.id) or None
            accepted_on[event.unit.id] = accepted_on_after(previous, event.state, event.on) or ""
            standings[event.unit.id] = {
                "unit_id": event.unit.id,
                "state": event.state,
                "effective_on": event.on,
                "reason": event.reason,
                "accepted_on": accepted_on[event.unit.id],
                "version": recorded.version,
            }
            self._insert(
                AcceptanceHistoryView,
                {
                    "event_id": recorded.event_id,
                    "unit_id": event.unit.id,
                    "position": recorded.position,
                    "state": event.state,
                    "effective_on": event.on,
                },
            )

    def execute(self, session: Session) -> None:
        self._fold_acceptance(session)
        insert = _dialect_insert(session)
        for problem_id, version in self.problem_versions.items():  # the stream's last event, whichever wrote
            if problem_id in self.tasks:
                self.tasks[problem_id]["version"] = version
        written: dict[type[SQLModel], set[str]] = {}
        for view, rows in self.upserts.items():
            key = "unit_id" if view is AcceptanceView else "id"
            values = list(rows.values())
            statement = insert(view.__table__)  # type: ignore[attr-defined]
            changed = {c: statement.excluded[c] for c in values[0] if c != key}
            if view is ProblemView:  # a new problem has no task yet; the task events set those columns
                values = [_TASK_COLUMNS | v for v in values]
            session.execute(statement.on_conflict_do_update(index_elements=[key], set_=changed), values)
            written[view] = set(rows)
        problems = ProblemView.__table__  # type: ignore[attr-defined]
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for problem_id, columns in self.tasks.items():
            by_columns.setdefault(tuple(sorted(columns)), []).append({"problem": problem_id, **columns})
        for updates in by_columns.values():
            session.execute(sa.update(problems).where(problems.c.id == sa.bindparam("problem")), updates)
        if self.tasks:
            written.setdefault(ProblemView, set()).update(self.tasks)
        for view, rows in self.inserts.items():
            session.execute(sa.insert(view.__table__), rows)  # type: ignore[attr-defined]
        _expire_copies(session, written)


def _dialect_insert(session: Session) -> Callable[[sa.Table], Any]:
    name = session.get_bind().dialect.name
    match name:
        case "sqlite":
            return sqlite.insert
        case "postgresql":
            return postgresql.insert
        case _:
            raise RuntimeError(f"the ledger's projection has no upsert for the {name!r} dialect")


def _expire_copies(session: Session, written: dict[type[SQLModel], set[str]]) -> None:
    """ORM copies of rows just written with Core are stale: expire them, so the next read loads them again."""
    for instance in list(session.identity_map.values()):
        keys = written.get(type(instance))
        if keys and sa.inspect(instance).identity[0] in keys:
            session.expire(instance)
