"""Acceptance standing of units and a district's progress against its targets (000 一 and 附件1).

Aggregate boundary: one `Acceptance` stream per unit ("acceptance/<unit_id>"), apart from the unit's own stream:
its states are imported by clerks now and will arrive from the workflow service later, and neither should
contend with edits of the unit's name or flags.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import Stage, UnitKind, UnknownUnitKind
from zdz_registry.ledger.domain.checks import as_date, as_enum, optional_text, require
from zdz_registry.ledger.domain.events import AcceptanceStateSet, UnitRef

PLAN_ISSUED = date(2024, 6, 18)  # 渝环规〔2024〕5号: no unit was accepted under it before this day
CITY_TOWN_SHARES = (30, 80)  # 000 一: ≥ 30 % of towns by end 2025, ≥ 80 % by end 2027
ALONG_RIVER_TOWN_SHARES = (80, 100)  # 000 一: 80 % of along-river towns by end 2025, all by end 2027


class AcceptanceState(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"  # 建设中
    ACCEPTED = "ACCEPTED"  # 区县验收通过
    FILED = "FILED"  # 公示期满，已报市级工作专班备案
    REOPENED = "REOPENED"  # 问题频发或多次整改不到位，重新实施建设验收 (000 §三(五))


D = TypeVar("D", date, str)
DONE = frozenset({AcceptanceState.ACCEPTED, AcceptanceState.FILED})


# How a unit's process stage (services/workflow) bears on whether it has reached the standard (000 §三(五)).
_STATE_AFTER_STAGE: dict[str, AcceptanceState] = {
    Stage.SURVEY: AcceptanceState.IN_PROGRESS,
    Stage.PLAN: AcceptanceState.IN_PROGRESS,
    Stage.RECTIFICATION: AcceptanceState.IN_PROGRESS,
    Stage.SELF_CHECK: AcceptanceState.IN_PROGRESS,
    Stage.DISTRICT_ACCEPTANCE: AcceptanceState.IN_PROGRESS,
    Stage.PUBLIC_NOTICE: AcceptanceState.ACCEPTED,  # 区县验收通过, in notice
    Stage.FILED: AcceptanceState.FILED,  # 公示期满，报市级工作专班备案
    Stage.ACCEPTED: AcceptanceState.FILED,  # filed and past the municipal spot-check
    Stage.REACCEPTANCE: AcceptanceState.REOPENED,  # 重新实施建设验收
}


def state_after_stage(stage: str) -> AcceptanceState | None:
    """The acceptance state a process stage implies; None where the stage changes nothing (spot-check,
    re-review and look-back leave a filed unit filed until a verdict moves it)."""
    return _STATE_AFTER_STAGE.get(stage)


def acceptance_stream(unit_id: str) -> str:
    return f"acceptance/{unit_id}"


def accepted_on_after(previous: D | None, state: str, on: D) -> D | None:
    """When the unit reached the standard once `state` is set on `on`: kept while it stays done, else cleared."""
    if AcceptanceState(state) not in DONE:
        return None
    return previous or on


@dataclass
class Acceptance:
    unit: UnitRef
    state: AcceptanceState = AcceptanceState.IN_PROGRESS
    on: date | None = None
    reason: str = ""
    accepted_on: date | None = None  # when the unit reached the standard; None while it has not
    version: int = 0
    pending: list[AcceptanceStateSet] = field(default_factory=list)

    def set_state(
        self, state: AcceptanceState | str | None, on: date | str | None, reason: str, today: date
    ) -> None:
        new_state = require(as_enum(AcceptanceState, state, "acceptance.state"), "acceptance.state")
        day: date = require(as_date(on, "acceptance.on"), "acceptance.on")  # type: ignore[assignment]
        if not PLAN_ISSUED <= day <= today:
            raise InvalidArgument(
                f"日期须在 {PLAN_ISSUED} 与今天 {today} 之间，收到 {day} (not before the plan, not in the future)",
                field="acceptance.on",
            )
        reason = optional_text(reason, "acceptance.reason")
        if new_state is AcceptanceState.REOPENED and not reason:
            raise InvalidArgument("重新验收须说明原因 (a reason is required)", field="acceptance.reason")
        if self.version and (new_state, day, reason) == (self.state, self.on, self.reason):
            return
        self._record(AcceptanceStateSet(self.unit, new_state.value, day.isoformat(), reason))

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


@dataclass(frozen=True)
class Standing:
    """What progress needs of a unit."""

    kind: UnitKind
    along_river: bool
    target_year: int
    accepted_on: date | None


@dataclass(frozen=True)
class Target:
    """By the end of `year`, `required` units must be done; `done` were done by then (or so far)."""

    year: int
    required: int
    done: int

    @property
    def met(self) -> bool:
        return self.done >= self.required


@dataclass(frozen=True)
class Progress:
    towns: int  # registered towns/streets: the shares are taken of these
    towns_done: int
    town_targets: tuple[Target, Target]  # 000 附件1 shares of the district (or 000 一 for the city)
    along_river_towns: int
    along_river_towns_done: int
    along_river_targets: tuple[Target, Target]  # 000 一: 80 % by 2025, all by 2027
    park_groups: int
    park_groups_done: int
    park_targets: tuple[Target, Target]  # 000 附件1: the groups listed for 2025; all groups by 2027


def _required(total: int, share_percent: int) -> int:
    return -(-total * share_percent // 100)  # "以上": round up, so 35 % of 12 towns is 5


def _done_by(units: Sequence[Standing], year: int) -> int:
    return sum(1 for u in units if u.accepted_on is not None and u.accepted_on <= date(year, 12, 31))


def progress(units: Sequence[Standing], town_shares: tuple[int, int]) -> Progress:
    """A district's (or the city's) progress: towns against its shares, along-river towns, park groups due."""
    towns: list[Standing] = []
    parks: list[Standing] = []
    for unit in units:
        match unit.kind:
            case UnitKind.TOWN:  # 000 一 and 附件1: the shares are of towns/streets
                towns.append(unit)
            case UnitKind.PARK_GROUP:  # 附件1: the groups listed for 2025, all groups by 2027
                parks.append(unit)
            case _:
                raise UnknownUnitKind(unit.kind, where="区县进度")
    along = [u for u in towns if u.along_river]
    due_2025 = [u for u in parks if u.target_year <= 2025]

    def targets(group: list[Standing], shares: tuple[int, int]) -> tuple[Target, Target]:
        return (
            Target(2025, _required(len(group), shares[0]), _done_by(group, 2025)),
            Target(2027, _required(len(group), shares[1]), _done_by(group, 2027)),
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
    )
