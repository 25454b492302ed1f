"""The holiday schedule: what the installed `chinesecalendar` knows, corrected and extended by JSON files.

An operator adds a year the State Council has published (国务院办公厅 部分节假日安排) by dropping a file such as
`2027.json` (`{"version": "国办发明电〔2026〕X号", "years": {"2027": {"holidays": [...], "workdays": [...]}}}`)
into the holidays folder, then asks the running processes to refresh their calendars (RefreshCalendars). Files
apply in name order, each replacing the years it lists.
"""

from __future__ import annotations

from pathlib import Path

from zdz_workflow.domain.calendar import HolidaySchedule, schedule_from_chinesecalendar
from zdz_workflow.domain.errors import InvalidSchedule


class HolidayScheduleFiles:
    """The library's schedule merged with every `*.json` in `folder` (which need not exist)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self) -> HolidaySchedule:
        schedule = schedule_from_chinesecalendar()
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else ():
            try:
                update = HolidaySchedule.from_json(path.read_text(encoding="utf-8"))
            except InvalidSchedule as error:
                raise InvalidSchedule(f"{path.name}：{error.message}", field=error.field) from error
            schedule = schedule.merged_with(update)
        return schedule
