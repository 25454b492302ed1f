"""Acceptance standing of units and a district's progress against its targets (000 一 and 附件1).

Aggregate boundary: one `Acceptance` stream per unit ("acceptance/<unit_id>"), apart from the unit's own stream:
its states follow the unit's process (the workflow's stage events) or are imported by clerks, and neither
should contend with edits of the unit's name or flags.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from zdz_common.errors import InvalidArgument
from zdz_common.validation import command_reason
from zdz_common.vocabulary import Stage, UnitKind, UnknownUnitKind
from zdz_registry.ledger.domain.checks import as_date, as_enum, require
from zdz_registry.ledger.domain.events import AcceptanceStateSet, UnitRef

PLAN_ISSUED = date(2024, 6, 18)  # 渝环规〔2024〕5号: no unit was accepted under it before this day
CITY_TOWN_SHARES = (30, 80)  # 000 一: ≥ 30 % of towns by end 2025, ≥ 80 % by end 2027
ALONG_RIVER_TOWN_SHARES = (80, 100)  # 000 一: 80 % of along-river towns by end 2025, all by end 2027


class AcceptanceState(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"  # 建设中
    ACCEPTED = "ACCEPTED"  # 区县验收通过, in notice or awaiting filing
    FILED = "FILED"  # 公示期满，已报市级工作专班备案，待市级抽查: the municipal draw takes only these
    REOPENED = "REOPENED"  # 问题频发或多次整改不到位，重新实施建设验收 (000 §三(五))
    UNDER_SPOT_CHECK = "UNDER_SPOT_CHECK"  # 市级抽查中 (drawn)
    MEETS_STANDARD = "MEETS_STANDARD"  # 已备案并经市级抽查（或本轮未被抽中）
    FAILURE_OPEN = "FAILURE_OPEN"  # 抽查、复核或回头看不合格，限期整改中

    @property
    def label(self) -> str:
        return ACCEPTANCE_STATE_LABELS[self]


ACCEPTANCE_STATE_LABELS: dict[AcceptanceState, str] = {
    AcceptanceState.IN_PROGRESS: "建设中",
    AcceptanceState.ACCEPTED: "区县验收通过（公示、备案中）",
    AcceptanceState.FILED: "已备案，待市级抽查",
    AcceptanceState.REOPENED: "须重新验收",
    AcceptanceState.UNDER_SPOT_CHECK: "市级抽查中",
    AcceptanceState.MEETS_STANDARD: "已达标",
    AcceptanceState.FAILURE_OPEN: "限期整改中",
}


class ProcessStanding(enum.StrEnum):
    """Whether the workflow counts the unit as meeting the standard after a step (zdz.workflow.v1.Standing)."""

    IN_PROGRESS = "IN_PROGRESS"
    IN_NOTICE = "IN_NOTICE"
    MEETS_STANDARD = "MEETS_STANDARD"
    FAILURE_OPEN = "FAILURE_OPEN"
    REACCEPTANCE_ORDERED = "REACCEPTANCE_ORDERED"


@dataclass(frozen=True)
class ProcessStep:
    """A step of the unit's process as the registry receives it (the workflow's StageEntered or
    ProcessStepRecorded): the stage the unit is in after it, and its standing."""

    stage: str  # e.g. "SPOT_CHECK"
    standing: ProcessStanding | None  # None: recorded by workflow code older than issue 11
    name: str  # e.g. "SpotCheckFailed"
    on: date
    reason: str  # as the workflow accepted it (zdz_common.validation.command_reason)


D = TypeVar("D", date, str)
# DESIGN "Progress counts": a unit meets the standard from filing, except while a spot-check or look-back failure
# is open under 限期整改, and from a re-acceptance order until it is re-accepted.
COUNTED = frozenset({AcceptanceState.FILED, AcceptanceState.UNDER_SPOT_CHECK, AcceptanceState.MEETS_STANDARD})
NEEDS_REASON = frozenset({AcceptanceState.REOPENED, AcceptanceState.FAILURE_OPEN})

# Events recorded by workflow code older than issue 11 carry no standing: the stage implies one. Re-review and
# look-back imply none (a filed unit stays as it was until a verdict moves it).
_STANDING_OF_STAGE: dict[str, ProcessStanding] = {
    Stage.SURVEY: ProcessStanding.IN_PROGRESS,
    Stage.PLAN: ProcessStanding.IN_PROGRESS,
    Stage.RECTIFICATION: ProcessStanding.IN_PROGRESS,
    Stage.SELF_CHECK: ProcessStanding.IN_PROGRESS,
    Stage.DISTRICT_ACCEPTANCE: ProcessStanding.IN_PROGRESS,
    Stage.PUBLIC_NOTICE: ProcessStanding.IN_NOTICE,  # 区县验收通过, in notice
    Stage.FILED: ProcessStanding.MEETS_STANDARD,  # 公示期满，报市级工作专班备案
    Stage.SPOT_CHECK: ProcessStanding.MEETS_STANDARD,
    Stage.ACCEPTED: ProcessStanding.MEETS_STANDARD,  # filed and past the municipal spot-check
    Stage.REACCEPTANCE: ProcessStanding.REACCEPTANCE_ORDERED,  # 重新实施建设验收
}


def state_after_step(stage: str, standing: ProcessStanding | None) -> AcceptanceState | None:
    """The acceptance state after a process step at `stage` with `standing`; None where it changes nothing
    (an event without a standing at a stage that implies none)."""
    if standing is None:
        standing = _STANDING_OF_STAGE.get(stage)
    match standing:
        case None:
            return None
        case ProcessStanding.IN_PROGRESS:
            return AcceptanceState.IN_PROGRESS
        case ProcessStanding.IN_NOTICE:
            return AcceptanceState.ACCEPTED
        case ProcessStanding.MEETS_STANDARD if stage == Stage.FILED:
            return AcceptanceState.FILED  # awaiting the round's draw
        case ProcessStanding.MEETS_STANDARD if stage == Stage.SPOT_CHECK:
            return AcceptanceState.UNDER_SPOT_CHECK
        case ProcessStanding.MEETS_STANDARD:  # past the round: accepted, or look-back with no failure open
            return AcceptanceState.MEETS_STANDARD
        case ProcessStanding.FAILURE_OPEN:
            return AcceptanceState.FAILURE_OPEN
        case ProcessStanding.REACCEPTANCE_ORDERED:
            return AcceptanceState.REOPENED


def acceptance_stream(unit_id: str) -> str:
    return f"acceptance/{unit_id}"


def accepted_on_after(previous: D | None, state: str, on: D) -> D | None:
    """The unit's filing date once `state` is set on `on`: kept while the filing stands, else cleared; the first
    counted day when none was known (a clerk importing a unit already past the spot-check). An open failure keeps
    the filing's day and dates none of its own."""
    current = AcceptanceState(state)
    if current in COUNTED:
        return previous or on
    if current is AcceptanceState.FAILURE_OPEN:
        return previous  # a re-review passed counts the unit again from its filing
    return None  # re-acceptance, or a return to construction, starts over


def counted_since(state: str, accepted_on: D | None) -> D | None:
    """Since when progress counts the unit as meeting the standard; None while it does not."""
    return accepted_on if AcceptanceState(state) in COUNTED else None


@dataclass
class Acceptance:
    unit: UnitRef
    state: AcceptanceState = AcceptanceState.IN_PROGRESS
    on: date | None = None
    reason: str = ""
    accepted_on: date | None = None  # its filing, kept while the filing stands (accepted_on_after)
    version: int = 0
    pending: list[AcceptanceStateSet] = field(default_factory=list)

    def set_state(
        self,
        state: AcceptanceState | str | None,
        on: date | str | None,
        reason: str,
        today: date,
        *,
        stage: str = "",
        step: str = "",
    ) -> None:
        """Set by a clerk, or by the process (`stage` and `step` given: the step then says why, if the reason
        is empty)."""
        new_state = require(as_enum(AcceptanceState, state, "acceptance.state"), "acceptance.state")
        day: date = require(as_date(on, "acceptance.on"), "acceptance.on")  # type: ignore[assignment]
        if not PLAN_ISSUED <= day <= today:
            raise InvalidArgument(
                f"日期须在 {PLAN_ISSUED} 与今天 {today} 之间，收到 {day} (not before the plan, not in the future)",
                field="acceptance.on",
            )
        reason = command_reason(reason, "acceptance.reason")
        if new_state in NEEDS_REASON and not (reason or step):
            raise InvalidArgument(
                "重新验收或限期整改须说明原因（000 三（五））(a reason is required)",
                field="acceptance.reason",
            )
        if self.version and (new_state, day, reason) == (self.state, self.on, self.reason):
            return
        self._record(AcceptanceStateSet(self.unit, new_state.value, day.isoformat(), reason, stage, step))

    def apply(self, event: AcceptanceStateSet) -> None:
        self.unit = event.unit
        self.state = AcceptanceState(event.state)
        self.on = date.fromisoformat(event.on)
        self.reason = event.reason
        self.accepted_on = accepted_on_after(self.accepted_on, event.state, self.on)
        self.version += 1

    def _record(self, event: AcceptanceStateSet) -> None:
        self.apply(event)
        self.pending.append(event)


CITY_VILLAGE_TARGET = 1000  # 000 二（三）千村示范: 1,000 demonstration villages completed by end 2027
CITY_VILLAGE_TARGET_YEAR = 2027


class DemonstrationState(enum.StrEnum):
    """Where a village stands in 千村示范 (000 二（三）); the directory keeps it on the unit."""

    NONE = "NONE"
    DESIGNATED = "DESIGNATED"
    COMPLETED = "COMPLETED"

    @property
    def label(self) -> str:
        return DEMONSTRATION_STATE_LABELS[self]


DEMONSTRATION_STATE_LABELS: dict[DemonstrationState, str] = {
    DemonstrationState.NONE: "未确定",
    DemonstrationState.DESIGNATED: "示范村（建设中）",
    DemonstrationState.COMPLETED: "示范村（已完成）",
}


@dataclass(frozen=True)
class Standing:
    """What progress needs of a unit, as of the report's day."""

    kind: UnitKind
    along_river: bool
    target_year: int
    accepted_on: date | None  # counted as meeting the standard since (counted_since); None while not counted
    state: AcceptanceState = AcceptanceState.IN_PROGRESS
    out_of_scope: bool = False  # park groups without enterprises (001 一): in no denominator
    designated_on: date | None = None  # villages: designated a demonstration village (千村示范)
    completed_on: date | None = None  # villages: completed, with evidence


@dataclass(frozen=True)
class HistoryEntry:
    """One AcceptanceStateSet of a unit, in the order recorded."""

    state: str
    on: date


def standing_as_of(history: Sequence[HistoryEntry], as_of: date) -> tuple[AcceptanceState, date | None]:
    """The unit's acceptance state and since when it was counted, as they stood at the end of `as_of`: the
    states set on or before that day, replayed in the order recorded (DESIGN "Progress counts")."""
    state = AcceptanceState.IN_PROGRESS
    accepted_on: date | None = None
    for entry in history:
        if entry.on > as_of:
            continue
        state = AcceptanceState(entry.state)
        accepted_on = accepted_on_after(accepted_on, entry.state, entry.on)
    return state, counted_since(state, accepted_on)


@dataclass(frozen=True)
class Target:
    """By the end of `year`, `required` units must be done; `done` were done by then (or so far)."""

    year: int
    required: int
    done: int

    @property
    def met(self) -> bool:
        return self.done >= self.required


NO_TARGETS: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Progress:
    towns: int  # registered towns/streets: the shares are taken of these (all towns, not only along-river)
    towns_done: int
    town_targets: tuple[Target, Target]  # 000 附件1 shares of the district (or 000 一 for the city)
    along_river_towns: int
    along_river_towns_done: int
    along_river_targets: tuple[Target, Target]  # 000 一: 80 % by 2025, all by 2027
    park_groups: int  # in scope only (001 一)
    park_groups_done: int
    park_targets: tuple[Target, Target]  # due 2025: 附件1's 2025 list, along-river, national-level (DESIGN)
    park_groups_out_of_scope: int = 0
    villages: int = 0
    demonstration_villages: int = 0
    demonstration_villages_done: int = 0
    demonstration_village_target: Target = Target(CITY_VILLAGE_TARGET_YEAR, 0, 0)
    district_town_requirements: tuple[Target, ...] = NO_TARGETS  # the city: Σ of the districts' requirements
    failures_open: int = 0
    reacceptance_ordered: int = 0
    as_of: date | None = None
    name: str = ""
    code: str = ""  # the district's code; "" for the city


def required(total: int, share_percent: int) -> int:
    """DESIGN "X%以上": required = ⌈X % × total⌉, so 35 % of 52 towns is 19."""
    return -(-total * share_percent // 100)


def _done_by(units: Sequence[Standing], year: int) -> int:
    return sum(1 for u in units if u.accepted_on is not None and u.accepted_on <= date(year, 12, 31))


def progress(
    units: Sequence[Standing],
    town_shares: tuple[int, int],
    *,
    as_of: date | None = None,
    name: str = "",
    code: str = "",
    city: bool = False,
    district_requirements: Sequence[Progress] = (),
) -> Progress:
    """A district's (or, `city` true, the city's) progress as of `as_of`: towns against its shares, along-river
    towns, park groups due, demonstration villages. The city's requirements summed over `district_requirements`
    are shown beside its goals."""
    towns: list[Standing] = []
    parks: list[Standing] = []
    out_of_scope = 0
    villages: list[Standing] = []
    for unit in units:
        match unit.kind:
            case UnitKind.TOWN:  # 000 一 and 附件1: the shares are of towns/streets
                towns.append(unit)
            case UnitKind.PARK_GROUP:  # 001 一: groups without enterprises are in no denominator
                if unit.out_of_scope:
                    out_of_scope += 1
                else:
                    parks.append(unit)
            case UnitKind.VILLAGE:  # 000 二（三）千村示范: no acceptance, designation and completion only
                villages.append(unit)
            case _:
                raise UnknownUnitKind(unit.kind, where="区县进度")
    along = [u for u in towns if u.along_river]
    due_2025 = [u for u in parks if u.target_year <= 2025]
    day = as_of or date.max
    designated = [v for v in villages if v.designated_on is not None and v.designated_on <= day]
    completed = [v for v in designated if v.completed_on is not None and v.completed_on <= day]
    # 000 二（三）: the city counts 1,000 by 2027; a district is held to its own designations.
    village_required = CITY_VILLAGE_TARGET if city else len(designated)
    processed = towns + parks

    def targets(group: list[Standing], shares: tuple[int, int]) -> tuple[Target, Target]:
        return (
            Target(2025, required(len(group), shares[0]), _done_by(group, 2025)),
            Target(2027, required(len(group), shares[1]), _done_by(group, 2027)),
        )

    summed = NO_TARGETS
    if city:
        summed = tuple(
            Target(
                year,
                sum(d.town_targets[i].required for d in district_requirements),
                sum(d.town_targets[i].done for d in district_requirements),
            )
            for i, year in enumerate((2025, 2027))
        )
    return Progress(
        towns=len(towns),
        towns_done=_done_by(towns, 9999),
        town_targets=targets(towns, town_shares),
        along_river_towns=len(along),
        along_river_towns_done=_done_by(along, 9999),
        along_river_targets=targets(along, ALONG_RIVER_TOWN_SHARES),
        park_groups=len(parks),
        park_groups_done=_done_by(parks, 9999),
        park_targets=(
            Target(2025, len(due_2025), _done_by(due_2025, 2025)),
            Target(2027, len(parks), _done_by(parks, 2027)),
        ),
        park_groups_out_of_scope=out_of_scope,
        villages=len(villages),
        demonstration_villages=len(designated),
        demonstration_villages_done=len(completed),
        demonstration_village_target=Target(
            CITY_VILLAGE_TARGET_YEAR,
            village_required,
            sum(1 for v in completed if v.completed_on <= date(CITY_VILLAGE_TARGET_YEAR, 12, 31)),  # type: ignore[operator]
        ),
        district_town_requirements=summed,
        failures_open=sum(1 for u in processed if u.state is AcceptanceState.FAILURE_OPEN),
        reacceptance_ordered=sum(1 for u in processed if u.state is AcceptanceState.REOPENED),
        as_of=as_of,
        name=name,
        code=code,
    )


@dataclass(frozen=True)
class UnitRow:
    """One unit's line in a district's 调度表."""

    unit_id: str
    name: str
    kind: UnitKind
    official_code: str
    along_river: bool
    target_year: int
    state: AcceptanceState | None  # villages: None (no acceptance process)
    counted_since: date | None
    out_of_scope: bool
    demonstration_state: DemonstrationState | None
    completed_on: date | None
    note: str


def report_rows(units: Sequence[tuple[str, str, str, str, Standing]], as_of: date) -> list[UnitRow]:
    """A district's report lines, from (unit_id, name, official_code, note, standing): every town and park group
    (out-of-scope ones marked) and every village designated by `as_of`."""
    rows: list[UnitRow] = []
    for unit_id, name, code, note, s in units:
        match s.kind:
            case UnitKind.TOWN | UnitKind.PARK_GROUP:
                rows.append(
                    UnitRow(
                        unit_id,
                        name,
                        s.kind,
                        code,
                        s.along_river,
                        s.target_year,
                        s.state,
                        s.accepted_on,
                        s.out_of_scope,
                        None,
                        None,
                        note,
                    )
                )
            case UnitKind.VILLAGE:
                if s.designated_on is None or s.designated_on > as_of:
                    continue
                done = s.completed_on is not None and s.completed_on <= as_of
                rows.append(
                    UnitRow(
                        unit_id,
                        name,
                        s.kind,
                        code,
                        False,
                        CITY_VILLAGE_TARGET_YEAR,
                        None,
                        None,
                        False,
                        DemonstrationState.COMPLETED if done else DemonstrationState.DESIGNATED,
                        s.completed_on if done else None,
                        note,
                    )
                )
            case _:
                raise UnknownUnitKind(s.kind, where="调度表")
    order = {UnitKind.TOWN: 0, UnitKind.PARK_GROUP: 1, UnitKind.VILLAGE: 2}
    return sorted(rows, key=lambda r: (order[r.kind], r.official_code, r.name))


CITY_NAME = "重庆市"


@dataclass(frozen=True)
class ProgressReport:
    """A 调度表 as of a day: generated from the registry, never typed. The city's lists its districts in 附件1's
    order; a district's lists its units."""

    summary: Progress
    districts: tuple[Progress, ...] = ()
    units: tuple[UnitRow, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.summary.name}污水零直排区建设进度调度表（截至{self.summary.as_of}）"
