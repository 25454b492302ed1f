"""What happens to a unit's ledger, in the past tense. Wire form: zdz/registry/v1/ledger_events.proto.

A `...Recorded` event states the whole row as the clerk recorded it (first time or a revision): consumers never
need an older event to know a row's current content. Enum values travel as their names (the unit's kind as
`zdz.events.v1.UnitKind`), dates as ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.vocabulary import UnitKind


@dataclass(frozen=True)
class UnitRef:
    """The unit an event concerns; every event about a unit carries it (zdz/events/v1/refs.proto)."""

    id: str
    district_code: str
    kind: UnitKind
    name: str


@dataclass(frozen=True)
class SourceHouseholdRecorded:
    unit: UnitRef
    id: str
    code: str
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
    households: int
    medical_wastewater_facility: bool
    medical_discharge: str


@dataclass(frozen=True)
class PipeSegmentRecorded:
    unit: UnitRef
    id: str
    code: str
    network: str
    length_m: float
    location: str
    surveyed: bool


@dataclass(frozen=True)
class InspectionPointRecorded:
    unit: UnitRef
    id: str
    code: str
    network: str
    pipe_code: str
    location: str
    surveyed: bool


@dataclass(frozen=True)
class FacilityRecorded:
    unit: UnitRef
    id: str
    code: str
    name: str
    capacity_m3_per_day: float
    load_m3_per_day: float
    takes_industrial_wastewater: bool
    industrial_share_percent: float
    online_monitoring: bool
    surveyed: bool


@dataclass(frozen=True)
class OutfallRecorded:
    unit: UnitRef
    id: str
    code: str
    name: str
    attached_to: str
    facility_code: str
    network: str
    standardised: bool
    surveyed: bool


@dataclass(frozen=True)
class InformationDefectRecorded:
    unit: UnitRef
    entity_id: str
    entity_class: str
    entity_code: str
    field: str
    description: str
    found_by: str
    found_on: str


@dataclass(frozen=True)
class ProblemRecorded:
    unit: UnitRef
    id: str
    code: str
    entity_class: str
    entity_code: str
    type: str
    grade: int
    location: str
    description: str
    found_by: str
    found_on: str
    finder: str


@dataclass(frozen=True)
class TaskOpened:
    unit: UnitRef
    problem_id: str
    owner: str
    deadline: str
    by: str
    on: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class TaskAssigned:
    unit: UnitRef
    problem_id: str
    assignee: str
    by: str
    on: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class TaskRectified:
    unit: UnitRef
    problem_id: str
    by: str
    on: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class TaskVerified:
    unit: UnitRef
    problem_id: str
    by: str
    on: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class AcceptanceStateSet:
    unit: UnitRef
    state: str
    on: str
    reason: str
    stage: str = ""  # the process stage that set it; "" when a clerk did
    step: str = ""  # the process step that set it, e.g. "SpotCheckFailed"


EntryEvent = (
    SourceHouseholdRecorded
    | PipeSegmentRecorded
    | InspectionPointRecorded
    | FacilityRecorded
    | OutfallRecorded
    | InformationDefectRecorded
)
TaskEvent = TaskOpened | TaskAssigned | TaskRectified | TaskVerified
LedgerEvent = EntryEvent | ProblemRecorded | TaskEvent | AcceptanceStateSet
