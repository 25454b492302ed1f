"""The municipal spot-check draw (市级抽查): per district, 2–3 of its accepted towns (000 附件3 三(二)4) and
at least 1 of its accepted park groups (000 附件4 三(二)4), seeded and reproducible (DESIGN ruling).

The seed is the system's, recorded with the draw, never the caller's; a round is drawn once: drawing it again
needs the municipal task force's approval and a reason, both recorded (issue 16), so a draw cannot be repeated
until it spares a unit.

The number of towns defaults to 2, the least the article allows; the municipal team may raise it to 3.
Parks default to 1. A district with fewer accepted units than that gets all of them, and the draw says so.
Each district and kind is drawn with `random.Random(f"{seed}:{district}:{kind}")` from its units sorted by
id, so the same seed and the same accepted units give the same draw whatever their order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from zdz_common.errors import FailedPrecondition
from zdz_common.vocabulary import NoAcceptanceForVillages, UnitKind, UnknownUnitKind
from zdz_scoring.domain.errors import InvalidInput

TOWN_RULE = "附件3 三(二)4：每个区县随机抽取2—3个镇街进行复查"
PARK_RULE = "附件4 三(二)4：每个区县抽查数量不少于1个"
# 000 附件3/附件4 三(二)4: 对已完成验收的镇街（工业园区）进行抽查 — the units filed (备案) and awaiting a round.
FILED_RULE = "附件3/附件4 三（二）4：市级工作专班对已完成验收（已备案）的镇街、工业园区进行抽查"
REDRAW_RULE = "issue16.spot-check-redraw"
TOWNS_ALLOWED = (2, 3)
DEFAULT_TOWNS = 2
DEFAULT_PARKS = 1


def check_round(round_name: str, closes_on: date | None, today: date) -> None:
    """A draw belongs to a named round; its deadline, when the city sets one, is not in the past."""
    if not round_name.strip():
        raise InvalidInput("须填写抽查轮次名称，如“2025-1” (the round's name is required)", field="round")
    if closes_on is not None and closes_on < today:
        raise InvalidInput(
            f"抽查轮次截止日期 {closes_on.isoformat()} 早于今天 {today.isoformat()} (the deadline is in the past)",
            field="closes_on",
        )


@dataclass(frozen=True)
class RoundDraw:
    """A named round's draw in force (none replaced it); `approved` once the municipal task force approved drawing
    the round again."""

    draw_id: str
    drawn_at: str
    approved: bool = False


def draw_to_replace(round_name: str, current: RoundDraw | None) -> RoundDraw | None:
    """Whether the round may be drawn: yes when it has no draw yet (None: nothing replaced), or in place of its draw
    the municipal task force approved drawing again (that draw); otherwise refused."""
    if current is None or current.approved:
        return current
    raise FailedPrecondition(
        f"市级抽查轮次「{round_name}」已抽取（{current.draw_id}，{current.drawn_at}）；每轮只抽取一次，"
        f"重新抽取须经市级工作专班批准并说明理由（{REDRAW_RULE}）"
        " (one draw per round: a redraw needs the municipal task force's approval and a reason)",
        field="round",
    )


def check_redraw_approvable(draw_id: str, *, replaced_by: str, approved: bool) -> None:
    """Only the round's draw in force is approved for a redraw, and only once."""
    if replaced_by:
        raise FailedPrecondition(
            f"抽查抽取 {draw_id} 已由 {replaced_by} 替代 (the draw was replaced already)", field="draw_id"
        )
    if approved:
        raise FailedPrecondition(
            f"抽查抽取 {draw_id} 已获准重新抽取，尚未抽取 (a redraw is approved already)", field="draw_id"
        )


@dataclass(frozen=True)
class AcceptedUnit:
    """A town or park group that has passed district acceptance and been filed (已完成验收)."""

    id: str
    district_code: str
    kind: UnitKind


@dataclass(frozen=True)
class KindDraw:
    kind: UnitKind
    quota: int
    available: int  # accepted units of this kind in the district
    drawn: tuple[str, ...]  # unit ids, sorted
    rule: str  # the article text behind the quota
    short: bool  # fewer accepted units than the quota: all of them are drawn
    note: str = ""


@dataclass(frozen=True)
class DistrictDraw:
    district_code: str
    towns: KindDraw
    parks: KindDraw


@dataclass(frozen=True)
class SpotCheckDraw:
    seed: int
    towns_per_district: int
    parks_per_district: int
    districts: tuple[DistrictDraw, ...]  # sorted by district code

    def district(self, code: str) -> DistrictDraw | None:
        return next((d for d in self.districts if d.district_code == code), None)


def draw_spot_check(
    units: Iterable[AcceptedUnit],
    *,
    seed: int,
    towns_per_district: int = DEFAULT_TOWNS,
    parks_per_district: int = DEFAULT_PARKS,
) -> SpotCheckDraw:
    """Draw the units the municipal task force re-checks, district by district."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidInput(f"随机种子须为整数 (the seed is an integer), 收到 {seed!r}", field="seed")
    if towns_per_district not in TOWNS_ALLOWED:
        raise InvalidInput(
            f"每个区县抽取2—3个镇街 (2 or 3 towns per district), 收到 {towns_per_district}",
            field="towns_per_district",
        )
    if (
        isinstance(parks_per_district, bool)
        or not isinstance(parks_per_district, int)
        or parks_per_district < 1
    ):
        raise InvalidInput(
            f"每个区县抽查园区不少于1个 (at least 1 park group), 收到 {parks_per_district}",
            field="parks_per_district",
        )
    by_district = _by_district(units)
    districts = tuple(
        DistrictDraw(
            code,
            _draw(seed, code, UnitKind.TOWN, by_district[code], towns_per_district),
            _draw(seed, code, UnitKind.PARK_GROUP, by_district[code], parks_per_district),
        )
        for code in sorted(by_district)
    )
    return SpotCheckDraw(seed, towns_per_district, parks_per_district, districts)


def _rule(kind: UnitKind) -> str:
    """The article behind a kind's quota; a kind the articles give no spot-check quota is refused."""
    match kind:
        case UnitKind.TOWN:
            return TOWN_RULE
        case UnitKind.PARK_GROUP:
            return PARK_RULE
        case UnitKind.VILLAGE:
            raise NoAcceptanceForVillages(where="市级抽查")
        case _:
            raise UnknownUnitKind(kind, where="市级抽查")


def _by_district(units: Iterable[AcceptedUnit]) -> dict[str, list[AcceptedUnit]]:
    grouped: dict[str, list[AcceptedUnit]] = {}
    seen: set[str] = set()
    for index, unit in enumerate(units):
        if not unit.id.strip() or not unit.district_code.strip():
            raise InvalidInput(
                "须有单位编号和区县代码 (id and district code are required)", field=f"units[{index}]"
            )
        if unit.id in seen:
            raise InvalidInput(f"单位 {unit.id} 重复 (duplicate unit)", field=f"units[{index}].id")
        _rule(unit.kind)  # a unit of a kind with no quota would otherwise never be drawn, silently
        seen.add(unit.id)
        grouped.setdefault(unit.district_code, []).append(unit)
    return grouped


def _draw(seed: int, district: str, kind: UnitKind, units: list[AcceptedUnit], quota: int) -> KindDraw:
    rule = _rule(kind)
    pool = sorted(unit.id for unit in units if unit.kind is kind)
    if len(pool) <= quota:
        short = len(pool) < quota
        note = (
            f"已验收{kind.label} {len(pool)} 个，少于 {quota} 个：全部抽取 (fewer than the quota: all drawn)"
        )
        return KindDraw(kind, quota, len(pool), tuple(pool), rule, short, note if short else "")
    drawn = random.Random(f"{seed}:{district}:{kind.value}").sample(pool, quota)
    return KindDraw(kind, quota, len(pool), tuple(sorted(drawn)), rule, short=False)
