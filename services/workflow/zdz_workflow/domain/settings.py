"""What the documents leave open for a process, and the rules built from it: the one place `ProcessRules` is made."""

from __future__ import annotations

from dataclasses import dataclass, field

from zdz_workflow.domain.calendar import HolidaySchedule, WorkingDayCalendar
from zdz_workflow.domain.process import ProcessRules
from zdz_workflow.domain.values import ReminderPolicy


@dataclass(frozen=True)
class ProcessSettings:
    """What the documents leave open, and when a long history continues as new."""

    # 000 三（五）"多次整改不到位": this many consecutive failed 回头看 rounds order 重新实施建设验收.
    look_back_failure_limit: int = 2
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    # Continue as new past this many history events, or earlier when Temporal suggests it.
    history_limit: int = 5000

    def rules(self, schedule: HolidaySchedule) -> ProcessRules:
        """The rules a process decides by, with the working-day calendar of `schedule`."""
        return ProcessRules(
            calendar=WorkingDayCalendar(schedule),
            look_back_failure_limit=self.look_back_failure_limit,
            reminders=self.reminders,
        )
