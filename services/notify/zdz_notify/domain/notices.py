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


class ObjectionOutcome(enum.StrEnum):
    OPEN = "核查中"
    DISMISSED = "异议不成立，恢复公示"
    UPHELD = "异议成立，退回整改"


@dataclass(frozen=True)
class NoticeChannel:
    """Where the notice appears: 当地媒体 (LOCAL_MEDIA) or 政府网站 (GOVERNMENT_PORTAL), its name and address."""

    kind: str
    name: str
    url: str


@dataclass(frozen=True)
class BoardObjection:
    """An objection as the board shows it: the objector's name shortened, no contact details."""

    objection_id: str
    source: str  # PUBLIC_BOARD or RECEIVED
    objector: str
    text: str
    raised_at: datetime
    outcome: ObjectionOutcome
    answer: str  # the district's answer, once resolved
    resolved_at: datetime | None


@dataclass(frozen=True)
class Filing:
    """备案 with the municipal task force (附件3/附件4 三（二）3), with the total and grade of the sheet filed."""

    unit_id: str
    unit_name: str
    unit_kind: str
    district_code: str
    district_name: str
    campaign: str
    filing_number: str
    total: Decimal
    grade: str
    filed_at: datetime
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class DemonstrationList:
    """A published 示范园区清单 (001 四) with its commendation; `units` are (name, district name) pairs."""

    id: str
    title: str
    commendation: str
    units: tuple[tuple[str, str], ...]
    published_at: datetime


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
    channel: NoticeChannel | None = None  # None for notices published before channels were recorded
    sheet_id: str = ""  # the district-acceptance sheet behind the score
    campaign: str = ""
    objections: tuple[BoardObjection, ...] = ()
    filing: Filing | None = None

    def status(self, now: datetime) -> NoticeStatus:
        if self.suspended:
            return NoticeStatus.SUSPENDED
        return NoticeStatus.IN_NOTICE if now < self.period_end else NoticeStatus.ENDED
