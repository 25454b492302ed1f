"""The working-day calendar: DESIGN "Periods" on the State Council schedule, with 调休 and provisional years."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import chinese_calendar
import pytest

from tests.unit.workflow.factories import LIBRARY_SCHEDULE, SCHEDULE_2027_JSON
from zdz_workflow.domain.calendar import (
    SHANGHAI,
    HolidaySchedule,
    HolidayYear,
    WorkingDayCalendar,
)
from zdz_workflow.domain.errors import InvalidSchedule

CALENDAR = WorkingDayCalendar(LIBRARY_SCHEDULE)


def midnight(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0), tzinfo=SHANGHAI)


def test_library_schedule_covers_its_years_under_the_package_version():
    assert LIBRARY_SCHEDULE.version == f"chinesecalendar-{chinese_calendar.__version__}"
    years = [y.year for y in LIBRARY_SCHEDULE.years]
    assert years[0] == 2004 and 2024 in years and 2025 in years and 2026 in years
    assert not CALENDAR.covers(date(2027, 1, 4))


def test_adjusted_sunday_is_a_working_day_and_golden_week_is_not():
    assert CALENDAR.is_working_day(date(2024, 9, 29))  # Sunday, 调休上班
    assert not CALENDAR.is_working_day(date(2024, 9, 28))  # ordinary Saturday
    assert not CALENDAR.is_working_day(date(2024, 10, 4))  # Friday inside National Day
    assert CALENDAR.is_working_day(date(2024, 10, 12))  # Saturday, 调休上班


def test_notice_published_the_friday_before_national_day_2024_ends_on_the_fifth_working_day_after():
    # Published Friday 2024-09-27; the day of publication does not count (民法典第二百零一条).
    #   09-28 Sat  off
    #   09-29 Sun  调休上班   → 1
    #   09-30 Mon            → 2
    #   10-01..10-07 国庆节   off
    #   10-08 Tue            → 3
    #   10-09 Wed            → 4
    #   10-10 Thu            → 5  last day; the notice ends at 24:00 that day = 2024-10-11 00:00 +08:00
    # (Monday–Friday alone would have given 09-30, 10-01, 10-02, 10-03, 10-04.)
    end = CALENDAR.notice_period_end(date(2024, 9, 27))
    assert end.last_day == date(2024, 10, 10)
    assert end.ends_at == midnight("2024-10-11")
    assert end.ends_at.utcoffset().total_seconds() == 8 * 3600
    assert end.provisional is False
    assert end.calendar_version == LIBRARY_SCHEDULE.version


def test_notice_published_after_national_day_2024_counts_the_adjusted_saturday():
    # Published Tuesday 2024-10-08: 10-09 → 1, 10-10 → 2, 10-11 → 3, Sat 10-12 调休上班 → 4, 10-13 Sun off,
    # 10-14 Mon → 5; ends 2024-10-15 00:00.
    end = CALENDAR.notice_period_end(date(2024, 10, 8))
    assert end.last_day == date(2024, 10, 14)
    assert end.ends_at == midnight("2024-10-15")


def test_notice_over_spring_festival_2025_skips_the_holiday_and_counts_saturday_february_8():
    # Published Monday 2025-01-27. 春节 2025: 01-28..02-04 off; Sun 01-26 and Sat 02-08 worked.
    #   01-28..02-04 off
    #   02-05 Wed → 1, 02-06 Thu → 2, 02-07 Fri → 3, 02-08 Sat 调休上班 → 4, 02-09 Sun off, 02-10 Mon → 5
    # Ends 2025-02-11 00:00.
    end = CALENDAR.notice_period_end(date(2025, 1, 27))
    assert end.last_day == date(2025, 2, 10)
    assert end.ends_at == midnight("2025-02-11")
    assert end.provisional is False


def test_a_longer_notice_counts_the_same_way():
    # Published Friday 2025-01-24, 7 working days: Sun 01-26 → 1, 01-27 → 2, 02-05 → 3, 02-06 → 4, 02-07 → 5,
    # Sat 02-08 → 6, Mon 02-10 → 7.
    assert CALENDAR.notice_period_end(date(2025, 1, 24), working_days=7).last_day == date(2025, 2, 10)


def test_year_beyond_the_schedule_falls_back_to_monday_to_friday_and_is_provisional():
    # 2027 is not in the library. Published Thursday 2027-09-30, Monday–Friday assumed:
    # 10-01 Fri → 1, 10-04 Mon → 2, 10-05 → 3, 10-06 → 4, 10-07 Thu → 5; ends 2027-10-08 00:00, provisional.
    end = CALENDAR.notice_period_end(date(2027, 9, 30))
    assert end.last_day == date(2027, 10, 7)
    assert end.ends_at == midnight("2027-10-08")
    assert end.provisional is True


def test_a_period_running_from_a_known_year_into_an_unknown_one_is_provisional():
    # Published Monday 2026-12-28: 12-29 → 1, 12-30 → 2, 12-31 → 3 (2026, known), 2027-01-01 Fri → 4 (assumed),
    # 01-04 Mon → 5: the result leans on two assumed days.
    end = CALENDAR.notice_period_end(date(2026, 12, 28))
    assert end.last_day == date(2027, 1, 4)
    assert end.provisional is True


def test_loading_a_future_year_as_json_changes_the_result_and_clears_provisional():
    # With the 2027 data: 10-01..10-07 off, 10-08 Fri → 1, Sat 10-09 调休上班 → 2, 10-11 Mon → 3, 10-12 → 4,
    # 10-13 Wed → 5; ends 2027-10-14 00:00 instead of the provisional 10-08 00:00.
    update = HolidaySchedule.from_json(SCHEDULE_2027_JSON)
    calendar = WorkingDayCalendar(LIBRARY_SCHEDULE.merged_with(update))
    end = calendar.notice_period_end(date(2027, 9, 30))
    assert end.last_day == date(2027, 10, 13)
    assert end.ends_at == midnight("2027-10-14")
    assert end.provisional is False
    assert end.calendar_version == f"{LIBRARY_SCHEDULE.version}+gov-2027-illustrative"


def test_a_year_in_the_data_file_replaces_the_library_year_entirely():
    # A (fictitious) correction of 2024 that keeps only New Year's Day: National Day 2024 becomes ordinary.
    correction = HolidaySchedule(
        version="fix-2024", years=(HolidayYear(year=2024, holidays=(date(2024, 1, 1),), workdays=()),)
    )
    calendar = WorkingDayCalendar(LIBRARY_SCHEDULE.merged_with(correction))
    assert calendar.is_working_day(date(2024, 10, 8))
    assert calendar.is_working_day(date(2024, 10, 4))  # a Friday again
    assert not calendar.is_working_day(date(2024, 9, 29))  # Sunday, no longer 调休
    assert calendar.is_working_day(date(2025, 2, 8))  # other years untouched


def test_schedule_survives_a_json_round_trip():
    assert HolidaySchedule.from_json(LIBRARY_SCHEDULE.to_json()) == LIBRARY_SCHEDULE


def test_schedule_refuses_a_weekday_listed_as_adjusted_working_day():
    text = json.dumps({"version": "bad", "years": {"2027": {"holidays": [], "workdays": ["2027-10-08"]}}})
    with pytest.raises(InvalidSchedule, match="本就是工作日") as refused:
        HolidaySchedule.from_json(text)
    assert refused.value.field == "years.2027.workdays"


def test_schedule_refuses_a_date_filed_under_another_year():
    text = json.dumps({"version": "bad", "years": {"2027": {"holidays": ["2026-10-01"], "workdays": []}}})
    with pytest.raises(InvalidSchedule, match="不属于 2027 年"):
        HolidaySchedule.from_json(text)


def test_schedule_refuses_a_malformed_date():
    text = json.dumps({"version": "bad", "years": {"2027": {"holidays": ["2027/10/01"]}}})
    with pytest.raises(InvalidSchedule, match="YYYY-MM-DD"):
        HolidaySchedule.from_json(text)


def test_working_days_between_counts_after_the_first_day_up_to_and_including_the_last():
    # (2024-09-27, 2024-10-08]: 09-29 Sun 调休, 09-30, 10-08 = 3 working days.
    assert CALENDAR.working_days_between(date(2024, 9, 27), date(2024, 10, 8)) == 3
    assert CALENDAR.working_days_between(date(2024, 9, 27), date(2024, 9, 27)) == 0
    assert CALENDAR.working_days_between(date(2024, 10, 8), date(2024, 9, 27)) == 0


def test_counting_backwards_lands_on_the_adjusted_sunday():
    # One working day before Monday 2024-09-30 is Sunday 09-29 (调休上班), not Friday 09-27.
    # Seven before: 09-29 → 1, 09-27 → 2, 09-26 → 3, 09-25 → 4, 09-24 → 5, 09-23 → 6, (21/22 weekend) 09-20 → 7.
    assert CALENDAR.add_working_days(date(2024, 9, 30), -1).day == date(2024, 9, 29)
    assert CALENDAR.add_working_days(date(2024, 9, 30), -7).day == date(2024, 9, 20)
