"""Read models of the ledgers, problems, tasks and acceptance states, updated in the events' transaction.

Columns carry the event fields' names, so projecting a `...Recorded` event is a copy.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel, col, select

from zdz_registry.directory.adapters.orm import UnitView
from zdz_registry.ledger.domain.progress import AcceptanceState


def _row_key(table: str) -> tuple[sa.UniqueConstraint]:
    return (sa.UniqueConstraint("unit_id", "code", name=f"uq_{table}_unit_code"),)


class HouseholdView(SQLModel, table=True):
    __tablename__ = "registry_ledger_household"
    __table_args__ = _row_key("registry_ledger_household")

    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    code: str = Field(max_length=64)
    name: str
    kind: str
    building: str
    category: str
    floor_area_m2: float
    year_built: int
    drainage_complexity: str
    water_related: bool
    key_discharger: bool
    petrochemical: bool
    discharge_permit: bool
    online_monitoring: bool
    surveyed: bool
    self_check: str
    households: int = 0  # 户数 (residential compounds)
    medical_wastewater_facility: bool = False  # 医疗废水收集处理设施 (medical institutions)
    medical_discharge: str = ""  # GB18466—2005: NOT_ASSESSED, COMPLIANT, NON_COMPLIANT
    version: int


class PipeView(SQLModel, table=True):
    __tablename__ = "registry_ledger_pipe"
    __table_args__ = _row_key("registry_ledger_pipe")

    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    code: str = Field(max_length=64)
    network: str
    length_m: float
    location: str
    surveyed: bool
    version: int


class PointView(SQLModel, table=True):
    __tablename__ = "registry_ledger_point"
    __table_args__ = _row_key("registry_ledger_point")

    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    code: str = Field(max_length=64)
    network: str
    pipe_code: str
    location: str
    surveyed: bool
    version: int


class FacilityView(SQLModel, table=True):
    __tablename__ = "registry_ledger_facility"
    __table_args__ = _row_key("registry_ledger_facility")

    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    code: str = Field(max_length=64)
    name: str
    capacity_m3_per_day: float
    load_m3_per_day: float
    takes_industrial_wastewater: bool
    industrial_share_percent: float
    online_monitoring: bool
    surveyed: bool
    version: int


class OutfallView(SQLModel, table=True):
    __tablename__ = "registry_ledger_outfall"
    __table_args__ = _row_key("registry_ledger_outfall")

    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    code: str = Field(max_length=64)
    name: str
    attached_to: str
    facility_code: str
    network: str
    standardised: bool
    surveyed: bool
    version: int


class DefectView(SQLModel, table=True):
    """One information defect; keyed by the event that recorded it."""

    __tablename__ = "registry_ledger_defect"

    event_id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    entity_id: str = Field(max_length=36)
    entity_class: str
    entity_code: str
    field: str
    description: str
    found_by: str
    found_on: str


class ProblemView(SQLModel, table=True):
    """A problem with its task's current state: the problem list and the task list in one row each."""

    __tablename__ = "registry_problem"
    __table_args__ = _row_key("registry_problem")

    id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    code: str = Field(max_length=64)
    entity_class: str
    entity_code: str
    type: str
    grade: int
    location: str
    description: str
    found_by: str
    found_on: str
    finder: str
    major: bool
    task_state: str = Field(default="", index=True)  # "" while no task is open
    owner: str = ""
    deadline: str = ""
    assignee: str = ""
    version: int


class TaskStepView(SQLModel, table=True):
    """One step of a task, keyed by the event that recorded it."""

    __tablename__ = "registry_task_step"

    event_id: str = Field(primary_key=True, max_length=36)
    problem_id: str = Field(index=True, max_length=36)
    position: int
    state: str
    step_by: str
    step_on: str
    evidence: list[str] = Field(sa_column=sa.Column(sa.JSON, nullable=False))


class AcceptanceView(SQLModel, table=True):
    __tablename__ = "registry_acceptance"

    unit_id: str = Field(primary_key=True, max_length=36)
    state: str
    effective_on: str
    reason: str
    accepted_on: str = ""  # "" while the unit has not reached the standard
    version: int


class AcceptanceHistoryView(SQLModel, table=True):
    """Every state a unit's acceptance was set to, keyed by its event, so progress can be read as of a past day."""

    __tablename__ = "registry_acceptance_history"

    event_id: str = Field(primary_key=True, max_length=36)
    unit_id: str = Field(index=True, max_length=36)
    position: int
    state: str
    effective_on: str


def units_in_states(states: frozenset[str]) -> ColumnElement[bool]:
    """The directory's ListUnits filter: units whose acceptance state is one of `states`; a unit without one yet
    is IN_PROGRESS."""
    in_states = col(UnitView.id).in_(
        select(AcceptanceView.unit_id).where(col(AcceptanceView.state).in_(sorted(states)))
    )
    if AcceptanceState.IN_PROGRESS not in states:
        return in_states
    return sa.or_(in_states, col(UnitView.id).not_in(select(AcceptanceView.unit_id)))


ENTRY_VIEWS: dict[str, type[SQLModel]] = {
    "SOURCE_HOUSEHOLD": HouseholdView,
    "PIPE_SEGMENT": PipeView,
    "INSPECTION_POINT": PointView,
    "FACILITY": FacilityView,
    "OUTFALL": OutfallView,
}

LEDGER_TABLES = [
    HouseholdView.__table__,
    PipeView.__table__,
    PointView.__table__,
    FacilityView.__table__,
    OutfallView.__table__,
    DefectView.__table__,
    ProblemView.__table__,
    TaskStepView.__table__,
    AcceptanceView.__table__,
    AcceptanceHistoryView.__table__,
]
