"""What a notification says: a title and a text rendered from the routing table's templates.

Templates use `str.format` fields over the event's payload: `{unit.name}`, `{working_days_left}`,
`{to_stage.label}` (a code's Chinese label, from `zdz_common.vocabulary` or the table's own [vocabulary]),
`{due.day_end}` (a deadline in Beijing time, "2024年9月30日24时"), `{period_start.date}`, and `{district_name}`
(the unit's district).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from zdz_common.errors import InvalidArgument

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991


class Term(str):
    """A value from an event that also knows its Chinese label: `{grade}` → EXCELLENT, `{grade.label}` → 优秀."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> Term:
        term = super().__new__(cls, value)
        term.label = value if label is None else label
        return term


def _day(moment: datetime) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


class Moment(str):
    """A point in time in Beijing time: `{t}` and `{t.time}` → "2024年10月1日 09:30", `{t.date}` → the day,
    `{t.day_end}` → a deadline at midnight as the end of the previous day, "2024年9月30日24时"."""

    date: str
    time: str
    day_end: str

    def __new__(cls, moment: datetime | None) -> Moment:
        if moment is None:  # an unset timestamp
            text = date = day_end = ""
        else:
            local = moment.astimezone(BEIJING)
            text = f"{_day(local)} {local:%H:%M}"
            date = _day(local)
            midnight = (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
            day_end = f"{_day(local - timedelta(days=1))}24时" if midnight else text
        value = super().__new__(cls, text)
        value.date, value.time, value.day_end = date, text, day_end
        return value


class TemplateError(InvalidArgument):
    """A template names a field the payload does not have, or is malformed."""


def check_template(template: str, field: str) -> None:
    """Refuse templates that reach into Python internals; the fields themselves are checked by rendering."""
    for _, name, _, _ in string.Formatter().parse(template):
        if name and "__" in name:
            raise TemplateError(f"模板字段 {{{name}}} 不允许 (no dunder fields)", field=field)


def render(template: str, fields: Mapping[str, Any], field: str = "template") -> str:
    """The template filled in from `fields`; TemplateError naming the placeholder that does not resolve."""
    try:
        return template.format_map(fields)
    except (KeyError, AttributeError, IndexError) as exc:
        raise TemplateError(f"模板引用了事件中不存在的字段 {exc} (unknown field)", field=field) from exc
    except ValueError as exc:
        raise TemplateError(f"模板格式错误：{exc} (malformed template)", field=field) from exc
