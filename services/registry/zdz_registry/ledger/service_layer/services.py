"""The ledger's use cases: record and import rows, move tasks, set acceptance states; and the queries the
score sheets and progress reports read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, func, select

from zdz_common.context import CommandContext
from zdz_common.errors import DomainError, InvalidArgument, NotFound
from zdz_common.eventstore import EventStore
from zdz_common.paging import Page, checked_page_size, decode_token, next_token
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import DistrictView, UnitView
from zdz_registry.ledger.adapters.orm import (
    ENTRY_VIEWS,
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
from zdz_registry.ledger.domain.commands import RowCommand, SetAcceptanceState, TaskCommand, VerifyTask
from zdz_registry.ledger.domain.events import UnitRef
from zdz_registry.ledger.domain.facts import Ledger, LedgerFacts, ListedProblem, summarise
from zdz_registry.ledger.domain.problems import ProblemDetails, Step, TaskState
from zdz_registry.ledger.domain.progress import (
    Acceptance,
    AcceptanceState,
    ProcessStep,
    Progress,
    ProgressReport,
    acceptance_stream,
    state_after_step,
)
from zdz_registry.ledger.domain.rows import (
    EntityClass,
    InformationDefect,
    InspectionPoint,
    Outfall,
    PipeSegment,
    SourceHousehold,
    TreatmentFacility,
)
from zdz_registry.ledger.service_layer import progress_queries
from zdz_registry.ledger.service_layer.batch import LedgerBatch, unit_ref
from zdz_registry.ledger.service_layer.progress_queries import checked_as_of
from zdz_registry.ledger.service_layer.unit_of_work import (
    LedgerUnitOfWork,
    LedgerUnitOfWorkFactory,
    ledger_unit_of_work_in,
)

MAX_IMPORT_ROWS = 5000  # one batch, one transaction; a larger sheet is sent as several batches
SHANGHAI = ZoneInfo("Asia/Shanghai")
V = TypeVar("V")


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


@dataclass(frozen=True)
class RowResult:
    row: int  # from 1
    id: str = ""
    error: DomainError | None = None


@dataclass(frozen=True)
class ImportReport:
    results: list[RowResult]
    written: bool

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.results if r.error is not None)

    @property
    def accepted(self) -> int:
        return len(self.results) - self.rejected


@dataclass(frozen=True)
class ProblemListing:
    problem: ProblemView
    steps: list[TaskStepView]


def _unit_rows(view_class: type[SQLModel], value_class: type, *extra: str) -> sa.Select[Any]:
    """The columns of a unit's rows that `value_class` is made of, in its fields' order (then `extra`)."""
    table = view_class.__table__  # type: ignore[attr-defined]
    names = (*(f.name for f in fields(value_class)), *extra)
    return sa.select(*(table.c[n] for n in names)).where(table.c.unit_id == sa.bindparam("unit_id"))


_ROWS_OF: dict[type, sa.Select[Any]] = {
    SourceHousehold: _unit_rows(HouseholdView, SourceHousehold),
    PipeSegment: _unit_rows(PipeView, PipeSegment),
    InspectionPoint: _unit_rows(PointView, InspectionPoint),
    TreatmentFacility: _unit_rows(FacilityView, TreatmentFacility),
    Outfall: _unit_rows(OutfallView, Outfall),
    InformationDefect: _unit_rows(DefectView, InformationDefect),
}
_PROBLEM_ROWS = _unit_rows(ProblemView, ProblemDetails, "task_state")
_UNIT_AND_DISTRICT = (
    sa.select(
        UnitView.id,
        UnitView.district_code,
        UnitView.kind,
        UnitView.name,
        col(DistrictView.name).label("district_name"),
    )
    .join(DistrictView, DistrictView.code == UnitView.district_code)  # type: ignore[arg-type]
    .where(UnitView.id == sa.bindparam("unit_id"))
)


@dataclass(frozen=True)
class UnitLedgerFacts:
    """A unit's ledger facts with the unit they are of and its district's name."""

    unit: UnitRef
    district_name: str
    facts: LedgerFacts


class LedgerService:
    """Units' ledgers: commands append events through per-row aggregates; queries read the projections."""

    def __init__(self, uow: LedgerUnitOfWorkFactory, *, today: Callable[[], date] = shanghai_today) -> None:
        self._uow = uow
        self._today = today

    @property
    def engine(self) -> Engine:
        return self._uow.engine

    @property
    def store(self) -> EventStore:
        return self._uow.store

    # --- commands --------------------------------------------------------------------------------------------

    def record_row(self, unit_id: str, command: RowCommand, context: CommandContext) -> tuple[str, bool]:
        """Record one row, defect, problem or task step; returns the id concerned and whether anything changed."""
        with self._uow(context) as uow:
            batch = LedgerBatch(uow, unit_ref(uow, unit_id))
            row_id, changed = batch.apply(self._with_defaults(command, context))
            batch.save()
            return row_id, changed

    def import_rows(
        self,
        unit_id: str,
        rows: Sequence[RowCommand | DomainError],
        *,
        all_or_nothing: bool,
        context: CommandContext,
    ) -> ImportReport:
        """Apply the rows in order in one transaction; a row the transport could not parse arrives as its error.

        Rejected rows are reported with their field and reason; the others are written, unless `all_or_nothing`
        and any row was rejected, in which case nothing is written."""
        if len(rows) > MAX_IMPORT_ROWS:
            raise InvalidArgument(
                f"每批最多 {MAX_IMPORT_ROWS} 行，收到 {len(rows)} 行，请分批导入 (split the batch)",
                field="rows",
            )
        with self._uow(context) as uow:
            batch = LedgerBatch(uow, unit_ref(uow, unit_id))
            commands = [
                self._with_defaults(r, context) if not isinstance(r, DomainError) else r for r in rows
            ]
            batch.preload(c for c in commands if not isinstance(c, DomainError))
            results = []
            for number, command in enumerate(commands, start=1):
                if isinstance(command, DomainError):
                    results.append(RowResult(number, error=command))
                    continue
                try:
                    row_id, _ = batch.apply(command)
                except DomainError as error:
                    results.append(RowResult(number, error=error))
                else:
                    results.append(RowResult(number, id=row_id))
            written = not (all_or_nothing and any(r.error for r in results))
            if written:
                batch.save()
            return ImportReport(results, written)

    def move_task(self, command: TaskCommand, context: CommandContext) -> ProblemListing:
        """Open, assign, rectify or verify a task of one of the caller's unit's problems."""
        with self._uow(context) as uow:
            batch = LedgerBatch(uow, unit_ref(uow, command.unit_id))
            batch.apply(self._with_defaults(command, context))
            batch.save()
            return self._problem_listing(uow.session, command.problem_id)

    def set_acceptance_state(self, command: SetAcceptanceState, context: CommandContext) -> AcceptanceView:
        with self._uow(context) as uow:
            return self._set_acceptance(uow, command)

    def follow_step(
        self,
        session: Session,
        unit_id: str,
        step: ProcessStep,
        context: CommandContext,
    ) -> None:
        """Apply a process step (a stage event of services/workflow) to the unit's acceptance state, inside the
        consumer's transaction; steps that bear on nothing, or that repeat the state, record nothing."""
        state = state_after_step(step.stage, step.standing)
        if state is None:
            return
        uow = ledger_unit_of_work_in(session, self.store, context)
        current = session.get(AcceptanceView, unit_id)
        if current is not None and current.state == state.value:
            return
        if current is None and state is AcceptanceState.IN_PROGRESS:
            return  # in progress is where every unit starts
        command = SetAcceptanceState(unit_id, state.value, step.on.isoformat(), step.reason)
        self._set_acceptance(uow, command, stage=step.stage, step=step.name)

    def _set_acceptance(
        self, uow: LedgerUnitOfWork, command: SetAcceptanceState, *, stage: str = "", step: str = ""
    ) -> AcceptanceView:
        acceptance = Acceptance(unit_ref(uow, command.unit_id))
        for event in uow.load(acceptance_stream(command.unit_id)):
            acceptance.apply(event)  # type: ignore[arg-type]
        loaded = acceptance.version
        acceptance.set_state(command.state, command.on, command.reason, self._today(), stage=stage, step=step)
        uow.save(acceptance_stream(command.unit_id), loaded, acceptance.pending)  # type: ignore[arg-type]
        view = uow.session.get(AcceptanceView, command.unit_id)
        assert view is not None
        return view

    # --- queries ---------------------------------------------------------------------------------------------

    def list_rows(
        self, unit_id: str, entity_class: EntityClass | None, page_size: int = 0, page_token: str = ""
    ) -> Page[SQLModel]:
        if entity_class is None:
            raise InvalidArgument("须指明台账类别 (entity_class is required)", field="entity_class")
        view_class = ENTRY_VIEWS[entity_class.value]
        size, offset = checked_page_size(page_size, 100), decode_token(page_token)
        with Session(self.engine) as session:
            self._require_unit(session, unit_id)
            where = view_class.unit_id == unit_id  # type: ignore[attr-defined]
            total = session.exec(select(func.count()).select_from(view_class).where(where)).one()
            rows = session.exec(
                select(view_class).where(where).order_by(view_class.code).offset(offset).limit(size)  # type: ignore[attr-defined]
            ).all()
        return Page(list(rows), next_token(offset, size, total), total)

    def get_problem(self, problem_id: str) -> ProblemListing:
        with Session(self.engine) as session:
            return self._problem_listing(session, problem_id)

    def list_problems(
        self, unit_id: str, task_state: TaskState | None, page_size: int = 0, page_token: str = ""
    ) -> Page[ProblemListing]:
        size, offset = checked_page_size(page_size, 100), decode_token(page_token)
        conditions = [ProblemView.unit_id == unit_id]
        if task_state is not None:
            conditions.append(ProblemView.task_state == task_state.value)
        with Session(self.engine) as session:
            self._require_unit(session, unit_id)
            total = session.exec(select(func.count()).select_from(ProblemView).where(*conditions)).one()
            problems = session.exec(
                select(ProblemView).where(*conditions).order_by(ProblemView.code).offset(offset).limit(size)
            ).all()
            steps = self._steps(session, [p.id for p in problems])
        listings = [ProblemListing(p, steps.get(p.id, [])) for p in problems]
        return Page(listings, next_token(offset, size, total), total)

    def unit_facts(self, unit_id: str, *, found_since: date | None = None) -> UnitLedgerFacts:
        """The facts of the unit's ledger, with the unit and its district's name (a score sheet needs all three:
        one call). The rows are read with Core, straight into the value objects: no ORM object per row."""
        with Session(self.engine) as session:
            unit = session.execute(_UNIT_AND_DISTRICT, {"unit_id": unit_id}).first()
            if not unit_id or unit is None:
                raise NotFound(f"未知单元 {unit_id!r} (unknown unit)", field="unit_id")

            def values(value_class: type[V]) -> list[V]:
                return [
                    value_class(*row) for row in session.execute(_ROWS_OF[value_class], {"unit_id": unit_id})
                ]

            kind = UnitKind(unit.kind)
            ledger = Ledger(
                unit_kind=kind,
                households=values(SourceHousehold),
                pipes=values(PipeSegment),
                points=values(InspectionPoint),
                facilities=values(TreatmentFacility),
                outfalls=values(Outfall),
                defects=values(InformationDefect),
                problems=[
                    ListedProblem(ProblemDetails(*details), TaskState(state) if state else None)
                    for *details, state in session.execute(_PROBLEM_ROWS, {"unit_id": unit_id})
                ],
            )
        return UnitLedgerFacts(
            UnitRef(unit.id, unit.district_code, kind, unit.name),
            district_name=unit.district_name,
            facts=summarise(ledger, found_since=found_since),
        )

    def district_progress(self, district_code: str, as_of: date | None = None) -> Progress:
        """A district's progress against its 附件1 shares as of `as_of` (today if not given); with an empty
        code, the city's against 000 一."""
        return self.progress_report(district_code, as_of).summary

    def progress_report(self, district_code: str, as_of: date | None = None) -> ProgressReport:
        """The 调度表 of a district, or with an empty code of the city, as of `as_of` (today if not given)."""
        return progress_queries.progress_report(
            self.engine, district_code, checked_as_of(as_of, self._today())
        )

    # --- helpers ---------------------------------------------------------------------------------------------

    def _with_defaults(self, command: RowCommand, context: CommandContext) -> RowCommand:
        """A task step without who or when was taken by the caller, today; a verification carries its caller,
        whom the ledger's domain checks and records as the verifier (issue 16)."""
        step = getattr(command, "step", None)
        if not isinstance(step, Step):
            return command
        if isinstance(command, VerifyTask):
            return replace(command, step=replace(step, on=step.on or self._today()), verifier=context.actor)
        by = step.by.strip() or f"{context.actor.organisation}/{context.actor.person}"
        return replace(command, step=replace(step, by=by, on=step.on or self._today()))  # type: ignore[type-var]

    @staticmethod
    def _require_unit(session: Session, unit_id: str) -> None:
        if not unit_id or session.get(UnitView, unit_id) is None:
            raise NotFound(f"未知单元 {unit_id!r} (unknown unit)", field="unit_id")

    @staticmethod
    def _steps(session: Session, problem_ids: list[str]) -> dict[str, list[TaskStepView]]:
        steps: dict[str, list[TaskStepView]] = {}
        if problem_ids:
            for step in session.exec(
                select(TaskStepView)
                .where(TaskStepView.problem_id.in_(problem_ids))  # type: ignore[attr-defined]
                .order_by(TaskStepView.position)  # type: ignore[arg-type]
            ).all():
                steps.setdefault(step.problem_id, []).append(step)
        return steps

    def _problem_listing(self, session: Session, problem_id: str) -> ProblemListing:
        problem = session.get(ProblemView, problem_id)
        if problem is None:
            raise NotFound(f"没有问题 {problem_id!r} (no such problem)", field="problem_id")
        return ProblemListing(problem, self._steps(session, [problem_id]).get(problem_id, []))
