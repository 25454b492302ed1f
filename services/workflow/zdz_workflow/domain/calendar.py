"""Working days under the State Council holiday schedule (国务院办公厅 部分节假日安排), held as data.

DESIGN "Periods": the day of publication does not count (民法典第二百零一条); a notice of N working days
published on day D ends at 24:00 Asia/Shanghai of the Nth working day after D. Working days follow the
schedule, adjusted working weekends (调休) included. For a year the schedule does not cover the calendar falls
back to Monday–Friday and marks the result provisional. The schedule is data: the installed `chinesecalendar`
package supplies the years it knows, a JSON document adds or corrects years without a release.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar

from zdz_workflow.domain.errors import InvalidSchedule

# China has kept UTC+8 without daylight saving since 1991; a fixed offset is exact for every date the programme
# touches and spares the domain a tz-database read (deterministic in the Temporal sandbox, no tzdata needed).
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of a timezone-aware instant."""
    return moment.astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """24:00 Asia/Shanghai of `day`, i.e. 00:00 of the next day."""
    return datetime.combine(day + _ONE_DAY, time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class HolidayYear:
    """One year of the schedule: the days off and the weekend days worked in exchange (调休上班)."""

    year: int
    holidays: tuple[date, ...]  # 放假: statutory holidays and the weekend days joined to them
    workdays: tuple[date, ...]  # 调休: Saturdays and Sundays that are working days

    def __post_init__(self) -> None:
        where = f"years.{self.year}"
        for name, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            for day in days:
                if day.year != self.year:
                    raise InvalidSchedule(f"{day.isoformat()} 不属于 {self.year} 年", field=f"{where}.{name}")
        for day in self.workdays:
            if day.weekday() < _SATURDAY:
                raise InvalidSchedule(
                    f"{day.isoformat()} 是周一至周五，本就是工作日，不能列为调休上班日",
                    field=f"{where}.workdays",
                )
        both = set(self.holidays) & set(self.workdays)
        if both:
            listed = "、".join(sorted(d.isoformat() for d in both))
            raise InvalidSchedule(f"{listed} 同时列为放假日和调休上班日", field=where)


@dataclass(frozen=True)
class HolidaySchedule:
    """The years the calendar knows, under one version string recorded with every result computed from it."""

    version: str
    years: tuple[HolidayYear, ...]

    def __post_init__(self) -> None:
        if not self.version.strip():
            raise InvalidSchedule("节假日安排须有版本号", field="version")
        numbers = [y.year for y in self.years]
        if len(numbers) != len(set(numbers)):
            raise InvalidSchedule("同一年份出现多次", field="years")

    def merged_with(self, update: HolidaySchedule) -> HolidaySchedule:
        """This schedule with `update`'s years added, each replacing the same year here entirely."""
        replaced = {y.year for y in update.years}
        kept = tuple(y for y in self.years if y.year not in replaced)
        return HolidaySchedule(
            version=f"{self.version}+{update.version}",
            years=tuple(sorted(kept + update.years, key=lambda y: y.year)),
        )

    def to_json(self) -> str:
        document = {
            "version": self.version,
            "years": {
                str(y.year): {
                    "holidays": [d.isoformat() for d in sorted(y.holidays)],
                    "workdays": [d.isoformat() for d in sorted(y.workdays)],
                }
                for y in sorted(self.years, key=lambda y: y.year)
            },
        }
        return json.dumps(document, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> HolidaySchedule:
        """Parse `{"version": "...", "years": {"2027": {"holidays": [...], "workdays": [...]}}}`."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as err:
            raise InvalidSchedule(f"不是有效的 JSON：{err}") from err
        if not isinstance(document, dict) or not isinstance(document.get("years"), dict):
            raise InvalidSchedule('须为 {"version": ..., "years": {"2027": {...}}} 形式', field="years")
        version = document.get("version")
        if not isinstance(version, str):
            raise InvalidSchedule("须为字符串", field="version")
        years = []
        for key, entry in document["years"].items():
            if not key.isdigit() or not isinstance(entry, dict):
                raise InvalidSchedule(
                    '年份须为数字，内容须为 {"holidays": [...], "workdays": [...]}', field=key
                )
            years.append(
                HolidayYear(
                    year=int(key),
                    holidays=_dates(entry.get("holidays", []), f"years.{key}.holidays"),
                    workdays=_dates(entry.get("workdays", []), f"years.{key}.workdays"),
                )
            )
        return cls(version=version, years=tuple(years))


def _dates(values: object, field: str) -> tuple[date, ...]:
    if not isinstance(values, list):
        raise InvalidSchedule("须为日期列表（YYYY-MM-DD）", field=field)
    try:
        return tuple(date.fromisoformat(v) for v in values)
    except (TypeError, ValueError) as err:
        raise InvalidSchedule(f"日期须为 YYYY-MM-DD 格式：{err}", field=field) from err


def schedule_from_chinesecalendar() -> HolidaySchedule:
    """Every year the installed `chinesecalendar` package knows, versioned "chinesecalendar-<package version>"."""
    first = min(chinese_calendar.holidays).year
    last = max(chinese_calendar.holidays).year
    return HolidaySchedule(
        version=f"chinesecalendar-{chinese_calendar.__version__}",
        years=tuple(
            HolidayYear(
                year=year,
                holidays=_in_year(chinese_calendar.holidays, year),
                workdays=_in_year(chinese_calendar.workdays, year),
            )
            for year in range(first, last + 1)
        ),
    )


def _in_year(days: Iterable[date], year: int) -> tuple[date, ...]:
    return tuple(sorted(d for d in days if d.year == year))


@dataclass(frozen=True)
class WorkingDay:
    day: date
    provisional: bool  # some day counted lies in a year the schedule does not cover (Monday–Friday assumed)
    calendar_version: str


@dataclass(frozen=True)
class PeriodEnd:
    """When a period of working days runs out."""

    last_day: date  # the last working day of the period
    ends_at: datetime  # 24:00 Asia/Shanghai of last_day, i.e. 00:00 the next day
    provisional: bool
    calendar_version: str


class WorkingDayCalendar:
    """Answers working-day questions from a HolidaySchedule; Monday–Friday, provisional, outside its years."""

    def __init__(self, schedule: HolidaySchedule) -> None:
        self.schedule = schedule
        self._years = frozenset(y.year for y in schedule.years)
        self._holidays = frozenset(d for y in schedule.years for d in y.holidays)
        self._workdays = frozenset(d for y in schedule.years for d in y.workdays)

    @property
    def version(self) -> str:
        return self.schedule.version

    def covers(self, day: date) -> bool:
        return day.year in self._years

    def is_working_day(self, day: date) -> bool:
        if day in self._workdays:
            return True
        return day.weekday() < _SATURDAY and day not in self._holidays

    def add_working_days(self, start: date, count: int) -> WorkingDay:
        """The `count`-th working day after `start` (before it when `count` < 0); `start` itself never counts."""
        step = _ONE_DAY if count >= 0 else -_ONE_DAY
        day, left, provisional = start, abs(count), False
        while left:
            day += step
            provisional = provisional or not self.covers(day)
            if self.is_working_day(day):
                left -= 1
        return WorkingDay(day=day, provisional=provisional, calendar_version=self.version)

    def working_days_between(self, after: date, until: date) -> int:
        """Working days d with after < d <= until; 0 when `until` is not after `after`."""
        return sum(1 for n in range(1, (until - after).days + 1) if self.is_working_day(after + timedelta(n)))

    def notice_period_end(self, published_on: date, working_days: int = 5) -> PeriodEnd:
        """End of a notice of `working_days` working days published on `published_on` (DESIGN "Periods")."""
        last = self.add_working_days(published_on, working_days)
        return PeriodEnd(
            last_day=last.day,
            ends_at=end_of_day(last.day),
            provisional=last.provisional,
            calendar_version=self.version,
        )
