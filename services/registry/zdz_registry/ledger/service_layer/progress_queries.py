"""Progress as of a day, read from the directory and the acceptance history (000 一, 附件1; DESIGN "Progress
counts"): a district's, the city's, and their 调度表."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from zdz_common.errors import InvalidArgument, NotFound
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.orm import DistrictView, UnitView
from zdz_registry.ledger.adapters.orm import AcceptanceHistoryView
from zdz_registry.ledger.domain.progress import (
    CITY_NAME,
    CITY_TOWN_SHARES,
    CITY_VILLAGE_TARGET_YEAR,
    PLAN_ISSUED,
    HistoryEntry,
    Progress,
    ProgressReport,
    Standing,
    progress,
    report_rows,
    standing_as_of,
)


def checked_as_of(as_of: date | None, today: date) -> date:
    """The report's day: today when not given; never before the plan, never in the future."""
    day = as_of or today
    if not PLAN_ISSUED <= day <= today:
        raise InvalidArgument(
            f"调度日期须在 {PLAN_ISSUED}（方案印发）与今天 {today} 之间，收到 {day} "
            "(the report's day is between the plan and today)",
            field="as_of",
        )
    return day


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


class _Units:
    """The units of a district (or of the city) with their acceptance histories, read in one session."""

    def __init__(self, session: Session, district_code: str) -> None:
        units = select(UnitView)
        history = select(AcceptanceHistoryView).order_by(col(AcceptanceHistoryView.position))
        if district_code:
            in_district = select(UnitView.id).where(UnitView.district_code == district_code)
            units = units.where(UnitView.district_code == district_code)
            history = history.where(col(AcceptanceHistoryView.unit_id).in_(in_district))
        self.views = list(session.exec(units).all())
        self.history: dict[str, list[HistoryEntry]] = defaultdict(list)
        for entry in session.exec(history).all():
            self.history[entry.unit_id].append(
                HistoryEntry(entry.state, date.fromisoformat(entry.effective_on))
            )

    def standing(self, unit: UnitView, as_of: date) -> Standing:
        kind = UnitKind(unit.kind)
        match kind:
            case UnitKind.VILLAGE:  # 000 二（三）: designation and completion, no acceptance
                return Standing(
                    kind,
                    False,
                    CITY_VILLAGE_TARGET_YEAR,
                    None,
                    designated_on=_day(unit.designated_on),
                    completed_on=_day(unit.completed_on),
                )
            case UnitKind.TOWN | UnitKind.PARK_GROUP:
                state, since = standing_as_of(self.history.get(unit.id, ()), as_of)
                return Standing(kind, unit.along_river, unit.target_year, since, state, unit.out_of_scope)


def _district(session: Session, district_code: str) -> DistrictView:
    district = session.get(DistrictView, district_code)
    if district is None:
        raise NotFound(f"未知区县 {district_code!r} (unknown district)", field="district_code")
    return district


def _district_progress(district: DistrictView, standings: list[Standing], as_of: date) -> Progress:
    return progress(
        standings,
        (district.town_share_2025, district.town_share_2027),
        as_of=as_of,
        name=district.name,
        code=district.code,
    )


def progress_report(engine: Engine, district_code: str, as_of: date) -> ProgressReport:
    """A district's 调度表 as of `as_of`, its units listed; with an empty code, the city's, its districts listed
    in 附件1's order and the sum of their requirements beside the city's goals."""
    with Session(engine) as session:
        if district_code:
            district = _district(session, district_code)
            units = _Units(session, district_code)
            standings = [units.standing(u, as_of) for u in units.views]
            rows = report_rows(
                [
                    (u.id, u.name, u.official_code, u.note, s)
                    for u, s in zip(units.views, standings, strict=True)
                ],
                as_of,
            )
            return ProgressReport(_district_progress(district, standings, as_of), units=tuple(rows))
        units = _Units(session, "")
        districts = session.exec(select(DistrictView).order_by(col(DistrictView.ordinal))).all()
    standings_of: dict[str, list[Standing]] = defaultdict(list)
    for unit in units.views:
        standings_of[unit.district_code].append(units.standing(unit, as_of))
    by_district = [_district_progress(d, standings_of[d.code], as_of) for d in districts]
    city = progress(
        [s for d in districts for s in standings_of[d.code]],
        CITY_TOWN_SHARES,
        as_of=as_of,
        name=CITY_NAME,
        city=True,
        district_requirements=by_district,
    )
    return ProgressReport(city, districts=tuple(by_district))
