"""What the documents leave open for a process, and the rules built from it: the one place `ProcessRules` is made."""

from __future__ import annotations

from dataclasses import dataclass, field

from zdz_workflow.domain.calendar import HolidaySchedule, WorkingDayCalendar
from zdz_workflow.domain.look_back import LookBackThresholds, thresholds
from zdz_workflow.domain.process import ProcessRules
from zdz_workflow.domain.values import ReminderPolicy


@dataclass(frozen=True)
class ProcessSettings:
    """What the documents leave open, and when a long history continues as new."""

    # LEGACY (replay only): the consecutive failed 回头看 rounds that ordered 重新实施建设验收 by themselves before
    # issue 11; read only by verdicts recorded then. The thresholds that flag a unit now: `look_back_thresholds`.
    look_back_failure_limit: int = 2
    # 000 三（五）"问题频发或多次整改不到位" as versioned data (data/look_back_thresholds_<version>.toml); a process
    # keeps the thresholds it started with (they travel in its input).
    look_back_thresholds: LookBackThresholds = field(default_factory=thresholds)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    # 备案: 附件3/附件4 三（二）3 say only "公示期满后，报市级工作专班备案", with no period. Ten working days (two working
    # weeks after the notice's last day) leave the district time to assemble the file and send it through its
    # office, and let the reminders (7, 3, 1 working days before) start soon after the notice ends. A setting,
    # not a rule of the documents: change it here when the municipal task force sets a period.
    filing_working_days: int = 10
    # Continue as new past this many history events, or earlier when Temporal suggests it.
    history_limit: int = 5000

    def rules(self, schedule: HolidaySchedule) -> ProcessRules:
        """The rules a process decides by, with the working-day calendar of `schedule`."""
        return ProcessRules(
            calendar=WorkingDayCalendar(schedule),
            look_back_failure_limit=self.look_back_failure_limit,
            reminders=self.reminders,
            look_back_thresholds=self.look_back_thresholds,
            filing_working_days=self.filing_working_days,
        )
