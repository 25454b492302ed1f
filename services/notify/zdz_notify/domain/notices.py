"""The public notice board (公示栏): acceptance results on notice, their period and whether an objection holds them.

000 附件3、附件4 §三（二）3 结果公示: a unit that passed district acceptance has its result published "在当地主要媒体
或政府门户网站上", for at least 5 working days, then files with the municipal task force; an objection during
the notice suspends it for investigation (DESIGN: workflow stage PUBLIC_NOTICE).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


class NoticeStatus(enum.StrEnum):
    IN_NOTICE = "公示中"
    SUSPENDED = "暂停公示（异议核查中）"
    ENDED = "公示期满"


@dataclass(frozen=True)
class Notice:
    id: str
    unit_id: str
    unit_name: str
    unit_kind: str  # TOWN or PARK_GROUP
    district_code: str
    district_name: str
    score: Decimal  # two decimals (DESIGN ruling)
    grade: str  # EXCELLENT or PASS
    period_start: datetime
    period_end: datetime  # 24:00 Asia/Shanghai of the 5th working day
    objection_contact: str  # how to object: office, telephone, address
    provisional: bool  # end computed past the published holiday schedule
    suspended: bool
    objection: str
    published_at: datetime
    updated_at: datetime

    def status(self, now: datetime) -> NoticeStatus:
        if self.suspended:
            return NoticeStatus.SUSPENDED
        return NoticeStatus.IN_NOTICE if now < self.period_end else NoticeStatus.ENDED
