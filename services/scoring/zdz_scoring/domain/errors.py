"""Errors the scoring domain raises. Each names the offending input (and the rubric item, when there is one)
in words a district clerk understands; transport maps them to gRPC status codes."""

from __future__ import annotations

from zdz_common.errors import InvalidArgument, NotFound


class InvalidInput(InvalidArgument):
    """A score-sheet, sampling or draw input is out of range or does not fit the rubric (INVALID_ARGUMENT).

    `field` names the input (``facts.pipe_survey_rate``, ``entries.findings[2].count``); `item` is the rubric
    item number the input belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str, item: int | None = None) -> None:
        super().__init__(f"第{item}项 (item {item}): {message}" if item is not None else message, field=field)
        self.item = item


class UnknownRubric(NotFound):
    """No rubric of that unit kind and version is known (NOT_FOUND)."""


class RubricDataError(ValueError):
    """A rubric data module does not add up (a defect in the data, found by the loader and the tests)."""
