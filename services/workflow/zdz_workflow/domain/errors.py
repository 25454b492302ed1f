"""Why the process refuses a command, in words a district clerk understands, naming the rule applied."""

from __future__ import annotations

from zdz_common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound


class RuleViolation(FailedPrecondition):
    """The command is well formed but the rules forbid it now; `rule` names the article, e.g. "附件3 三（二）1"."""

    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(f"{message}（{rule}）", field=field)
        self.rule = rule


class OutOfOrder(RuleViolation):
    """The command belongs to another stage than the one the unit is in."""


class BelowPassMark(RuleViolation):
    """A score under 80 where the rules require a pass (合格)."""


class InvalidCommand(InvalidArgument):
    """The command itself is malformed: a missing finding, a score out of range, a naive timestamp."""


class InvalidSchedule(InvalidArgument):
    """A holiday schedule (节假日安排) that cannot be right: a date outside its year, a weekday marked 调休."""


class ProcessNotFound(NotFound):
    """No process has been opened (or imported) for the unit yet."""


class ProcessAlreadyOpen(AlreadyExists):
    """The unit already has a process for this campaign."""
