"""The aggregates one request touches: loaded once (in bulk for an import), changed row by row, saved together."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlmodel import select

from zdz_common.errors import NotFound
from zdz_common.eventstore import EventRecord, RecordedEvent
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import UnitView
from zdz_registry.ledger.adapters.event_mapping import CODEC
from zdz_registry.ledger.domain.commands import AssignTask, OpenTask, RectifyTask, RowCommand, VerifyTask
from zdz_registry.ledger.domain.events import UnitRef
from zdz_registry.ledger.domain.problems import Problem, ProblemDetails
from zdz_registry.ledger.domain.rows import (
    EntityClass,
    InformationDefect,
    LedgerEntry,
    entry_stream,
    record_id,
)
from zdz_registry.ledger.service_layer.unit_of_work import LedgerUnitOfWork, projected_together

PRELOAD_CHUNK = 500
PROBLEM = "PROBLEM"


def problem_id_of(unit_id: str, code: str) -> str:
    return record_id(unit_id, PROBLEM, code.strip())


def problem_stream(problem_id: str) -> str:
    return f"problem/{problem_id}"


def unit_ref(uow: LedgerUnitOfWork, unit_id: str) -> UnitRef:
    view = uow.session.get(UnitView, unit_id) if unit_id else None
    if view is None:
        raise NotFound(f"未知单元 {unit_id!r} (unknown unit)", field="unit_id")
    return UnitRef(id=view.id, district_code=view.district_code, kind=UnitKind(view.kind), name=view.name)


Aggregate = LedgerEntry | Problem


class LedgerBatch:
    def __init__(self, uow: LedgerUnitOfWork, unit: UnitRef) -> None:
        self._uow = uow
        self.unit = unit
        self._aggregates: dict[str, Aggregate] = {}  # by stream, in the order first touched
        self._entry_streams: dict[tuple[EntityClass, str], str] = {}  # preload and apply name the same rows

    def preload(self, commands: Iterable[RowCommand]) -> None:
        """Load every stream the commands name, a few hundred per query instead of one query per row."""
        wanted = [s for c in commands for s in self._streams_of(c) if s not in self._aggregates]
        missing = list(dict.fromkeys(wanted))
        for start in range(0, len(missing), PRELOAD_CHUNK):
            chunk = missing[start : start + PRELOAD_CHUNK]
            events: dict[str, list[RecordedEvent]] = defaultdict(list)
            records = self._uow.session.exec(
                select(EventRecord)
                .where(EventRecord.stream_id.in_(chunk))  # type: ignore[attr-defined]
                .order_by(EventRecord.stream_id, EventRecord.version)  # type: ignore[arg-type]
            )
            for record in records:
                events[record.stream_id].append(RecordedEvent.from_record(record))
            for stream in chunk:
                self._aggregates[stream] = _rebuild(stream, [CODEC.decode(e) for e in events[stream]])

    def apply(self, command: RowCommand) -> tuple[str, bool]:
        """Carry out one command; returns the id of the row or problem concerned and whether anything changed."""
        aggregate = self._target(command)
        before = len(aggregate.pending)
        match command:
            case InformationDefect():
                aggregate.note_defect(self.unit, command)  # type: ignore[union-attr]
            case ProblemDetails():
                aggregate.record(self.unit, command, self.exists)  # type: ignore[arg-type]
            case OpenTask():
                aggregate.open_task(command.unit_id, command.owner, command.deadline, command.step)  # type: ignore[union-attr]
            case AssignTask():
                aggregate.assign(command.unit_id, command.assignee, command.step)  # type: ignore[union-attr]
            case RectifyTask():
                aggregate.rectify(command.unit_id, command.step)  # type: ignore[union-attr]
            case VerifyTask():
                aggregate.verify(command.unit_id, command.step, command.verifier)  # type: ignore[union-attr]
            case _:
                aggregate.record(self.unit, command, self.exists)  # type: ignore[arg-type]
        return aggregate.id, len(aggregate.pending) > before

    def exists(self, entity_class: EntityClass, code: str) -> bool:
        return self._entry(entity_class, code).row is not None  # type: ignore[union-attr]

    def problem(self, problem_id: str) -> Problem:
        return self._get(problem_stream(problem_id))  # type: ignore[return-value]

    def save(self) -> None:
        """Append every aggregate's new events, each stream guarded by the version it was loaded at; the read
        models of all of them are written together afterwards (one statement per table)."""
        changed = [(stream, a) for stream, a in self._aggregates.items() if a.pending]
        with projected_together(self._uow):
            self._uow.save_all(
                [(stream, a.version - len(a.pending), list(a.pending)) for stream, a in changed]
            )  # type: ignore[misc]
        for _, aggregate in changed:
            aggregate.pending = []

    def _target(self, command: RowCommand) -> Aggregate:
        match command:
            case InformationDefect():
                if command.entity_class is None:
                    command.checked()  # names the missing field
                return self._entry(command.entity_class, command.entity_code)  # type: ignore[arg-type]
            case ProblemDetails():
                return self.problem(problem_id_of(self.unit.id, command.code))
            case OpenTask() | AssignTask() | RectifyTask() | VerifyTask():
                return self.problem(command.problem_id)
            case _:
                return self._entry(command.entity_class, command.code)

    def _streams_of(self, command: RowCommand) -> Iterator[str]:
        unit_id = self.unit.id
        match command:
            case InformationDefect() if command.entity_class is not None:
                yield self._entry_stream(command.entity_class, command.entity_code)
            case ProblemDetails():
                yield problem_stream(problem_id_of(unit_id, command.code))
                if command.entity_class is not None:
                    yield self._entry_stream(command.entity_class, command.entity_code)
            case OpenTask() | AssignTask() | RectifyTask() | VerifyTask():
                yield problem_stream(command.problem_id)
            case InformationDefect():
                return
            case _:
                yield self._entry_stream(command.entity_class, command.code)

    def _entry_stream(self, entity_class: EntityClass, code: str) -> str:
        key = (entity_class, code)
        if key not in self._entry_streams:
            self._entry_streams[key] = entry_stream(
                entity_class, record_id(self.unit.id, entity_class, code.strip())
            )
        return self._entry_streams[key]

    def _entry(self, entity_class: EntityClass, code: str) -> LedgerEntry:
        return self._get(self._entry_stream(entity_class, code))  # type: ignore[return-value]

    def _get(self, stream: str) -> Aggregate:
        if stream not in self._aggregates:
            self._aggregates[stream] = _rebuild(stream, self._uow.load(stream))
        return self._aggregates[stream]


def _rebuild(stream: str, events: list) -> Aggregate:  # type: ignore[type-arg]
    aggregate_id = stream.split("/", 1)[1]
    aggregate: Aggregate = (
        Problem(id=aggregate_id) if stream.startswith("problem/") else LedgerEntry(id=aggregate_id)
    )
    for event in events:
        aggregate.apply(event)
    return aggregate
