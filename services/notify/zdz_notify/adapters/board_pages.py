"""The notice board as a web page (HTML, embeddable in a portal's iframe) and as an Atom feed, in Chinese.

Every text shown comes from events and forms, so it is made fit for where it goes: characters that no HTML page
or XML document may carry, or that disguise what a reader sees (control characters but line breaks and tabs,
surrogates, non-characters such as U+FFFF, bidirectional overrides and isolates), are dropped (`shown`); then
Jinja escapes for HTML and feedgen (lxml) for XML. The edges refuse such characters already; this keeps a page
and a feed well-formed whatever a store holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from feedgen.feed import FeedGenerator

from zdz_common.validation import refused_character, without_refused_characters
from zdz_notify.domain.messages import Moment
from zdz_notify.domain.notices import (
    BoardObjection,
    DemonstrationList,
    Notice,
    NoticeStatus,
    ObjectionOutcome,
)
from zdz_notify.domain.objections import ObjectionLimits

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
GENERATOR = "zdz-notify 公示栏"
BOARD_TITLE = "重庆市“污水零直排区”建设验收结果公示"
PUBLISHER = "重庆市“污水零直排区”建设工作专班"

_STATUS_CLASS = {
    NoticeStatus.IN_NOTICE: "status-in",
    NoticeStatus.SUSPENDED: "status-suspended",
    NoticeStatus.ENDED: "status-ended",
}


_OUTCOME_CLASS = {
    ObjectionOutcome.OPEN: "status-suspended",
    ObjectionOutcome.DISMISSED: "status-in",
    ObjectionOutcome.UPHELD: "status-ended",
}


@dataclass(frozen=True)
class ObjectionRow:
    objection_id: str
    objector: str  # shortened
    source: str
    text: str
    raised: str
    outcome: str
    outcome_class: str
    answer: str
    resolved: str


@dataclass(frozen=True)
class NoticeRow:
    """A notice as people read it."""

    id: str
    unit_name: str
    district_name: str
    kind: str
    score: str
    grade: str
    period: str
    status: str
    status_class: str
    objection_contact: str
    objection: str
    provisional: bool
    channel_kind: str  # 当地媒体 / 政府网站; empty when the notice did not say
    channel_name: str
    channel_url: str  # shown as a link only when http(s)
    objections: tuple[ObjectionRow, ...]
    filing: str  # 备案: number, filed, acknowledged; empty until filed
    open_for_objections: bool


def shown(text: str) -> str:
    """`text` without the characters no page or feed may carry (see the module's docstring)."""
    if refused_character(text, prose=True) is None:
        return text
    return without_refused_characters(text, prose=True)


def _shown_fields(row: NoticeRow) -> NoticeRow:
    """Every text of the row (and of its objections) through `shown`."""

    def clean(item):  # type: ignore[no-untyped-def]
        return replace(
            item, **{f.name: shown(v) for f in fields(item) if isinstance(v := getattr(item, f.name), str)}
        )

    return replace(clean(row), objections=tuple(clean(o) for o in row.objections))


def _link(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def _objection_row(o: BoardObjection, labels: Mapping[str, str]) -> ObjectionRow:
    return ObjectionRow(
        objection_id=o.objection_id,
        objector=o.objector or "匿名",
        source=labels.get(o.source, o.source),
        text=o.text,
        raised=Moment(o.raised_at).time,
        outcome=o.outcome.value,
        outcome_class=_OUTCOME_CLASS[o.outcome],
        answer=o.answer,
        resolved=Moment(o.resolved_at).time,
    )


def _filing_text(notice: Notice, labels: Mapping[str, str]) -> str:
    filing = notice.filing
    if filing is None:
        return ""
    text = (
        f"已于{Moment(filing.filed_at).date}报市级工作专班备案（{filing.filing_number}），"
        f"备案得分{filing.total:.2f}分（{labels.get(filing.grade, filing.grade)}）"
    )
    if filing.acknowledged_at is not None:
        return text + f"；市级工作专班已于{Moment(filing.acknowledged_at).date}确认备案"
    return text + "；待市级工作专班确认"


def notice_row(notice: Notice, now: datetime, labels: Mapping[str, str]) -> NoticeRow:
    """The notice as people read it, every text `shown`."""
    status = notice.status(now)
    channel = notice.channel
    row = NoticeRow(
        id=notice.id,
        unit_name=notice.unit_name,
        district_name=notice.district_name,
        kind=labels.get(notice.unit_kind, notice.unit_kind),
        score=f"{notice.score:.2f}",
        grade=labels.get(notice.grade, notice.grade),
        period=f"{Moment(notice.period_start).date}至{Moment(notice.period_end).day_end}",
        status=status.value,
        status_class=_STATUS_CLASS[status],
        objection_contact=notice.objection_contact,
        objection=notice.objection if status is NoticeStatus.SUSPENDED else "",
        provisional=notice.provisional,
        channel_kind=labels.get(channel.kind, channel.kind) if channel else "",
        channel_name=channel.name if channel else "",
        channel_url=_link(channel.url) if channel else "",
        objections=tuple(_objection_row(o, labels) for o in notice.objections),
        filing=_filing_text(notice, labels),
        open_for_objections=status is not NoticeStatus.ENDED and bool(notice.campaign),
    )
    return _shown_fields(row)


def heading(district_name: str) -> str:
    return f"{shown(district_name)}{BOARD_TITLE}" if district_name else BOARD_TITLE


class BoardPages:
    def __init__(self, labels: Mapping[str, str]) -> None:
        self._labels = dict(labels)
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
        )
        self._page = environment.get_template("board.html")
        self._objection = environment.get_template("objection.html")
        self._demonstration = environment.get_template("demonstration.html")

    def objection_page(
        self,
        notice: Notice | None,
        *,
        now: datetime,
        limits: ObjectionLimits,
        token: str = "",
        values: Mapping[str, str] | None = None,
        error: str = "",
        received: str = "",
    ) -> str:
        """The objection form of a notice (with `token`), a refusal (`error`) or the confirmation (`received`:
        the objection's id)."""
        return self._objection.render(
            heading=BOARD_TITLE,
            updated=Moment(now),
            notice=notice_row(notice, now, self._labels) if notice else None,
            token=token,
            values={
                "name": "",
                "contact": "",
                "text": "",
                **{k: shown(v) for k, v in (values or {}).items()},
            },
            error=shown(error),
            received=shown(received),
            limits=limits,
        )

    def demonstration_page(self, lists: Sequence[DemonstrationList], *, now: datetime) -> str:
        """The published 示范园区清单 (001 四), newest first."""
        return self._demonstration.render(
            heading=f"{BOARD_TITLE} · 示范园区清单",
            updated=Moment(now),
            lists=[
                {
                    "id": shown(item.id),
                    "title": shown(item.title),
                    "commendation": shown(item.commendation),
                    "units": _shown_units(item.units),
                    "published": Moment(item.published_at).date,
                }
                for item in lists
            ],
        )

    def html(
        self,
        notices: Sequence[Notice],
        *,
        now: datetime,
        base_url: str,
        district_code: str = "",
        district_name: str = "",
        embed: bool = False,
        demonstration: DemonstrationList | None = None,
    ) -> str:
        """`demonstration`: the latest 示范园区清单, linked from its own section."""
        rows = [notice_row(n, now, self._labels) for n in notices]
        query = {"district": district_code} if district_code else {}
        return self._page.render(
            heading=heading(district_name),
            updated=Moment(now),
            current=[r for r in rows if r.status != NoticeStatus.ENDED.value],
            past=[r for r in rows if r.status == NoticeStatus.ENDED.value],
            embed=embed,
            base_url=base_url,
            demonstration={
                "title": shown(demonstration.title),
                "published": Moment(demonstration.published_at).date,
                "units": _shown_units(demonstration.units),
            }
            if demonstration
            else None,
            feed_url=f"{base_url}/board/feed.atom" + (f"?{urlencode(query)}" if query else ""),
            embed_url=f"{base_url}/board?{urlencode({**query, 'embed': '1'})}",
        )

    def atom(
        self,
        notices: Sequence[Notice],
        *,
        now: datetime,
        base_url: str,
        district_code: str = "",
        district_name: str = "",
    ) -> bytes:
        """An Atom 1.0 feed (RFC 4287, built by feedgen): one entry per notice in the order given (newest
        first), updated when it is suspended or resumed."""
        query = f"?{urlencode({'district': district_code})}" if district_code else ""
        feed_url = f"{base_url}/board/feed.atom{query}"
        feed = FeedGenerator()
        feed.id(feed_url)
        feed.title(heading(district_name))
        feed.updated(_utc(max((n.updated_at for n in notices), default=now)))
        feed.link(href=feed_url, rel="self")
        feed.link(href=f"{base_url}/board{query}", rel="alternate", type="text/html")
        feed.author(name=PUBLISHER)
        feed.language("zh-CN")  # the feed's xml:lang
        feed.generator(GENERATOR)
        for notice in notices:
            row = notice_row(notice, now, self._labels)
            entry = feed.add_entry(order="append")
            entry.id(f"urn:uuid:{notice.id}")
            entry.title(f"【{row.status}】{row.district_name}{row.unit_name}验收结果公示")
            entry.published(_utc(notice.published_at))
            entry.updated(_utc(notice.updated_at))
            # feedgen 1.0.0 writes an entry's link with its href only: rel defaults to "alternate" (RFC 4287).
            entry.link(href=f"{base_url}/board{query}#notice-{notice.id}", rel="alternate", type="text/html")
            if notice.district_code:
                entry.category(term=shown(notice.district_code), label=row.district_name)
            entry.summary(_summary(row), type="text")
        return feed.atom_str(pretty=False)


def _shown_units(units: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((shown(name), shown(district)) for name, district in units)


def _summary(row: NoticeRow) -> str:
    summary = (
        f"{row.district_name}{row.unit_name}（{row.kind}）区县验收得分{row.score}分，等级{row.grade}。"
        f"公示期：{row.period}。状态：{row.status}。异议受理：{row.objection_contact}"
    )
    if row.channel_kind:
        summary += f"。公示渠道：{row.channel_kind} {row.channel_name} {row.channel_url}".rstrip()
    if row.objection:
        summary += f"。已收到异议，正在核查：{row.objection}"
    for o in row.objections:
        summary += f"。异议（{o.objector}）：{o.outcome}" + (f"，区县答复：{o.answer}" if o.answer else "")
    if row.filing:
        summary += f"。备案：{row.filing}"
    return summary


def _utc(moment: datetime) -> datetime:
    """RFC 3339 in UTC, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0)
