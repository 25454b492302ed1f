"""The public notice board (公示栏): every current and past notice as an HTML page and an Atom feed, in Chinese,
embeddable by a portal; rendered in headless Chromium, the screenshot kept under test-artifacts/."""

from __future__ import annotations

import asyncio
import shutil
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest

from tests.integration.notify.conftest import RunningNotify
from tests.integration.notify.factories import envelope, publish, shanghai, timestamp, unit_ref, until
from zdz.registry.v1 import events_pb2 as registry
from zdz.workflow.v1 import events_pb2 as workflow

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "notify"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTACT = "璧山区污水零直排区建设工作专班办公室，电话 023-41412345，地址：璧山区璧泉路1号"


def _get(url: str) -> tuple[str, Message, bytes]:
    """Content type, headers (names case-insensitive, as HTTP has them) and body."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get_content_type(), response.headers, response.read()


async def _put_notices_on_the_board(notify: RunningNotify) -> None:
    """Two districts; in Bishan one town in its notice period and one held by an objection; two notices past."""
    for code, name in (("bishan", "璧山区"), ("wanzhou", "万州区")):
        await publish(
            notify.js,
            envelope("zdz.registry.district.registered", registry.DistrictRegistered(code=code, name=name)),
        )
    now = datetime.now(UTC)
    today = (now + timedelta(hours=8)).date()  # Beijing date
    start = shanghai(today.year, today.month, today.day)  # published yesterday: the notice counts from today
    end = start + timedelta(days=7)  # 5 working days and a weekend, ending at 24:00

    def notice(
        unit: object, score: float, grade: str, start_at: datetime, end_at: datetime
    ) -> workflow.NoticePublished:
        return workflow.NoticePublished(
            unit=unit,  # type: ignore[arg-type]
            score=score,
            grade=grade,
            period_start=timestamp(start_at),
            period_end=timestamp(end_at),
            objection_contact=CONTACT,
        )

    bicheng = unit_ref(1, name="璧城街道")
    qinggang = unit_ref(2, name="青杠街道")
    laifeng = unit_ref(3, name="来凤街道")
    gaofeng = unit_ref(4, district="wanzhou", name="万州经开区高峰园组团", kind="PARK_GROUP")
    past_start = start - timedelta(days=60)
    events = [
        envelope(
            "zdz.workflow.notice.published",
            notice(gaofeng, 86.0, "PASS", past_start, past_start + timedelta(days=7)),
            at=past_start - timedelta(hours=10),
        ),
        envelope(
            "zdz.workflow.notice.published",
            notice(laifeng, 90.0, "EXCELLENT", past_start, past_start + timedelta(days=7)),
            at=past_start - timedelta(hours=9),
        ),
        envelope(
            "zdz.workflow.notice.published",
            notice(qinggang, 88.25, "PASS", start, end),
            at=start - timedelta(hours=9),
        ),
        envelope(
            "zdz.workflow.notice.published",
            notice(bicheng, 92.5, "EXCELLENT", start, end),
            at=start - timedelta(hours=8),
        ),
        envelope(
            "zdz.workflow.notice.suspended",
            workflow.NoticeSuspended(
                unit=qinggang, objection="群众反映青杠街道某小区雨污混接点尚未整改", working_days_left=4
            ),
        ),
    ]
    for event in events:
        await publish(notify.js, event)

    def settled() -> bool:
        notices = notify.app.service.notices()
        return (
            len(notices) == 4
            and any(n.suspended for n in notices)
            and all(n.district_name.endswith("区") for n in notices)
        )

    await until(settled, what="four notices on the board")


async def test_the_board_page_lists_current_and_past_notices_with_everything_a_citizen_needs(
    notify: RunningNotify,
) -> None:
    await _put_notices_on_the_board(notify)
    content_type, headers, body = await asyncio.to_thread(_get, f"{notify.app.board_url}/board")
    page = body.decode("utf-8")
    assert content_type == "text/html" and headers["Content-Security-Policy"] == "frame-ancestors *"
    current, past = page.split("往期公示")
    # In notice: unit, district, kind, score, grade, period, how to object.
    for text in ("璧城街道", "璧山区", "镇街", "92.50", "优秀", "公示中", CONTACT, "24时"):
        assert text in current, text
    assert "暂停公示（异议核查中）" in current and "雨污混接点尚未整改" in current
    for text in ("来凤街道", "万州经开区高峰园组团", "万州区", "工业园区组团", "86.00", "合格", "公示期满"):
        assert text in past, text
    # One district's board, compact, for its own portal's iframe.
    _, _, wanzhou = await asyncio.to_thread(_get, f"{notify.app.board_url}/board?district=wanzhou&embed=1")
    assert "万州经开区高峰园组团" in wanzhou.decode() and "璧城街道" not in wanzhou.decode()
    assert "渝环规〔2024〕5号" not in wanzhou.decode()  # the introduction is left to the embedding page


async def test_the_atom_feed_has_one_entry_per_notice_newest_first(notify: RunningNotify) -> None:
    await _put_notices_on_the_board(notify)
    content_type, _, body = await asyncio.to_thread(_get, f"{notify.app.board_url}/board/feed.atom")
    assert content_type == "application/atom+xml"
    feed = ET.fromstring(body)
    entries = feed.findall(f"{ATOM}entry")
    assert feed.findtext(f"{ATOM}title") == "重庆市“污水零直排区”建设验收结果公示"
    assert [e.findtext(f"{ATOM}title") for e in entries] == [
        "【公示中】璧山区璧城街道验收结果公示",
        "【暂停公示（异议核查中）】璧山区青杠街道验收结果公示",
        "【公示期满】璧山区来凤街道验收结果公示",
        "【公示期满】万州区万州经开区高峰园组团验收结果公示",
    ]
    summary = entries[0].findtext(f"{ATOM}summary") or ""
    assert "区县验收得分92.50分，等级优秀" in summary and CONTACT in summary
    assert all(e.findtext(f"{ATOM}id", "").startswith("urn:uuid:") for e in entries)


async def test_one_districts_atom_feed_links_itself_and_its_board_and_lists_only_that_districts_notices(
    notify: RunningNotify,
) -> None:
    await _put_notices_on_the_board(notify)
    board = notify.app.board_url
    content_type, headers, body = await asyncio.to_thread(_get, f"{board}/board/feed.atom?district=wanzhou")
    assert (
        content_type == "application/atom+xml" and headers["Content-Security-Policy"] == "frame-ancestors *"
    )
    feed = ET.fromstring(body)
    assert body.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert feed.findtext(f"{ATOM}title") == "万州区重庆市“污水零直排区”建设验收结果公示"
    assert feed.findtext(f"{ATOM}id") == f"{board}/board/feed.atom?district=wanzhou"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "self": f"{board}/board/feed.atom?district=wanzhou",
        "alternate": f"{board}/board?district=wanzhou",
    }
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "重庆市“污水零直排区”建设工作专班"
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "【公示期满】万州区万州经开区高峰园组团验收结果公示"
    category = entry.find(f"{ATOM}category")
    assert category is not None and (category.get("term"), category.get("label")) == ("wanzhou", "万州区")
    link = entry.find(f"{ATOM}link")  # rel "alternate" by default (RFC 4287 4.2.7.2)
    assert link is not None and link.get("rel") in {None, "alternate"}
    assert (link.get("href") or "").startswith(f"{board}/board?district=wanzhou#notice-")
    published = datetime.fromisoformat(entry.findtext(f"{ATOM}published") or "")
    updated = datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")
    assert published.utcoffset() == timedelta(0) and updated >= published
    assert feed.findtext(f"{ATOM}updated") == entry.findtext(f"{ATOM}updated")  # the latest change


async def test_the_board_rendered_in_headless_chromium_shows_a_unit_in_its_notice_period(
    notify: RunningNotify, tmp_path: Path
) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium not found: apt-get install -y chromium fonts-noto-cjk (the CI script does)")
    await _put_notices_on_the_board(notify)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "public_board.png"
    screenshot.unlink(missing_ok=True)
    process = await asyncio.create_subprocess_exec(
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        f"--screenshot={screenshot}",
        "--window-size=1280,900",
        f"{notify.app.board_url}/board",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode == 0, output.decode(errors="replace")
    # A PNG of the requested size (IHDR width and height, big-endian, at bytes 16–24).
    png = screenshot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1280, 900)
