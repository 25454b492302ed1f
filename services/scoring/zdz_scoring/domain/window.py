"""The one-year window of 000 附件4 附表 ("建设申请之日前溯1年": the starred item 14 and item 13's drills)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Window:
    """The one year before the application date ("建设申请之日前溯1年", 000 附件4 附表 注 and item 13).

    Counted like every period in the system (DESIGN ruling, Civil Code art. 201–202): the day it is counted
    from, the application date, does not count; the year ends on the corresponding day one year earlier,
    which counts (29 February → 28 February). Applying on 2025-06-30: 2024-06-30 … 2025-06-29.
    """

    first: date
    last: date

    @classmethod
    def before(cls, application_date: date, *, years: int) -> Window:
        year = application_date.year - years
        try:
            first = application_date.replace(year=year)
        except ValueError:  # 29 February in a year without one
            first = date(year, 2, 28)
        return cls(first=first, last=application_date - timedelta(days=1))

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first.isoformat()}至{self.last.isoformat()}"
