"""The 公示栏 under hostile text (issue 16): control characters, non-characters and bidirectional overrides are
refused on its objection form and never reach its page or its Atom feed when events carry them; the page parses
as HTML, the feed as strict XML and as a feed; links come from the configured base URL, whatever Host says."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import feedparser
import lxml.etree
import lxml.html

from tests.integration.notify.conftest import RunningNotify, StartNotify
from tests.integration.notify.factories import envelope, publish, timestamp, until
from tests.integration.notify.test_board_objections import (
    Browser,
    _objection_fields,
    _running_notice,
    form_token,
)
from zdz.workflow.v1 import events_pb2 as workflow
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_common.validation import refused_character

PUBLIC_BASE = "https://gsl.cq.gov.cn/zdz"
HOSTILE = (
    "\x00\x08\x0b\x1b\x7f\ufffe\uffff\ufdd0\U0001ffff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
SPELT = "异议：雨污混接严重请核查"  # what stays of each hostile text


def _get(url: str, host: str) -> bytes:
    request = urllib.request.Request(url, headers={"Host": host})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def _clean(text: str) -> bool:
    return refused_character(text, prose=True) is None


async def test_hostile_text_on_the_objection_form_is_refused_and_never_echoed(
    start_notify: StartNotify,
) -> None:
    notify = await start_notify()
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    for field, value in (
        ("text", f"{SPELT}\x0b{SPELT}"),
        ("text", f"{SPELT}\uffff{SPELT}"),
        ("text", f"{SPELT}\u202e{SPELT}"),
        ("name", "张\u2066三"),
    ):
        _, form = await browser.get(path)
        status, page = await browser.post(path, _objection_fields(form_token(form), **{field: value}))
        assert status == 400, (field, value)
        assert "未能受理" in page and _clean(page)
        lxml.html.document_fromstring(page)


async def test_hostile_text_from_events_leaves_page_and_feed_well_formed_and_links_ignore_the_host_header(
    start_notify: StartNotify,
) -> None:
    notify: RunningNotify = await start_notify(board_public_url=PUBLIC_BASE)
    board = await _running_notice(notify)
    raised_at = datetime.now(UTC) - timedelta(hours=1)
    hostile = f"{SPELT[:3]}{HOSTILE}{SPELT[3:]}"
    for event in (
        envelope(
            "zdz.workflow.objection.raised",
            workflow.ObjectionRaised(
                unit=board.unit,
                campaign="2024",
                objection_id="GSL-0001",
                source=wf.OBJECTION_SOURCE_PUBLIC_BOARD,
                objector_name=f"张{HOSTILE}三",
                text=hostile,
                at=timestamp(raised_at),
            ),
        ),
        envelope(
            "zdz.workflow.notice.suspended",
            workflow.NoticeSuspended(unit=board.unit, objection=hostile, working_days_left=4),
        ),
        envelope(
            "zdz.workflow.objection.resolved",
            workflow.ObjectionResolved(
                unit=board.unit,
                campaign="2024",
                objection_id="GSL-0001",
                upheld=False,
                answer=hostile,
                at=timestamp(raised_at + timedelta(minutes=5)),
            ),
        ),
    ):
        await publish(notify.js, event)

    def answered() -> bool:
        notice = notify.app.service.notice(board.notice_id)
        return notice is not None and bool(notice.objections) and bool(notice.objections[0].answer)

    await until(answered, what="the hostile objection and its answer on the board")
    evil = "evil.example:666"
    page = (await asyncio.to_thread(_get, f"{notify.app.board_url}/board", evil)).decode("utf-8")
    assert _clean(page) and SPELT in page and "evil.example" not in page
    document = lxml.html.document_fromstring(page)
    assert SPELT in document.text_content()
    assert all(
        link.startswith(PUBLIC_BASE)
        for link in document.xpath("//link/@href | //a/@href")
        if link.startswith(("http://", "https://")) and "bishan.gov.cn" not in link
    )

    feed = await asyncio.to_thread(_get, f"{notify.app.board_url}/board/feed.atom", evil)
    root = lxml.etree.fromstring(feed, lxml.etree.XMLParser(recover=False))  # strict: ill-formed raises
    summary = root.findtext(".//{http://www.w3.org/2005/Atom}summary") or ""
    assert SPELT in summary and _clean(feed.decode("utf-8"))
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    links = [link.href for link in parsed.feed.links] + [
        link.href for e in parsed.entries for link in e.links
    ]
    assert links and all(href.startswith(PUBLIC_BASE) for href in links)
    assert b"evil.example" not in feed


async def test_a_district_filter_that_is_not_a_code_finds_no_page(notify: RunningNotify) -> None:
    for path in ("/board?district=%E2%80%AEevil", "/board/feed.atom?district=a%0Bb"):
        try:
            await asyncio.to_thread(_get, f"{notify.app.board_url}{path}", "localhost")
        except urllib.error.HTTPError as error:
            assert error.code == 404
        else:
            raise AssertionError(f"{path} answered")
