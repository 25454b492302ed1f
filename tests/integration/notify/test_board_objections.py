"""The 公示栏 of issue 11, over real HTTP against the running notify service: where each notice appears, its
objections and their outcomes, filings (备案), the published 示范园区清单, and the public objection form.

The form forwards to a real gRPC endpoint: a minimal WorkflowService serving RaiseObjection that records each
request, its metadata and the verified caller. It stands in for the workflow service, whose own tests cover
what the workflow does with the objection (recording it, suspending the notice, applying an idempotency key
once, accepting OBJECTION_SOURCE_PUBLIC_BOARD only from a SERVICE caller).
"""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import grpc
import httpx
import pytest

from tests.integration.notify.conftest import RunningNotify, StartNotify
from tests.integration.notify.factories import envelope, publish, shanghai, timestamp, unit_ref, until
from zdz.events.v1.refs_pb2 import UnitRef
from zdz.registry.v1 import events_pb2 as registry
from zdz.workflow.v1 import events_pb2 as workflow
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.auth import Principal, Role, TokenIssuer, TokenVerifier, generate_key_pair
from zdz_common.errors import Unauthenticated
from zdz_notify.config import ObjectionSettings

CONTACT = "璧山区污水零直排区建设工作专班办公室，电话 023-41412345"
PORTAL = "https://www.bishan.gov.cn/zwgk/gsgg/202412/t2024.html"
OBJECTION = "青杠街道某小区仍有雨污混接，雨水口晴天有污水流出，请核查。"


@dataclass
class Recorded:
    request: wf.RaiseObjectionRequest
    idempotency_key: str
    caller: Principal | None


@dataclass
class RecordingWorkflow(workflow_pb2_grpc.WorkflowServiceServicer):
    """RaiseObjection only: records what the board sends and who it says it is."""

    verifier: TokenVerifier
    received: list[Recorded] = field(default_factory=list)

    async def RaiseObjection(
        self, request: wf.RaiseObjectionRequest, context: grpc.aio.ServicerContext
    ) -> wf.RaiseObjectionResponse:
        metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        scheme, _, token = metadata.get("authorization", "").partition(" ")
        try:
            caller = self.verifier.verify(token) if scheme == "Bearer" else None
        except Unauthenticated:
            caller = None
        self.received.append(Recorded(request, metadata.get("x-idempotency-key", ""), caller))
        return wf.RaiseObjectionResponse()


@dataclass
class Workflow:
    address: str
    recorder: RecordingWorkflow
    token: str


@pytest.fixture
async def recording_workflow() -> AsyncIterator[Workflow]:
    private, public = generate_key_pair()
    token = TokenIssuer(private).issue(Principal(Role.SERVICE, person="zdz-notify", system="notify"))
    recorder = RecordingWorkflow(TokenVerifier(public))
    server = grpc.aio.server()
    workflow_pb2_grpc.add_WorkflowServiceServicer_to_server(recorder, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield Workflow(f"127.0.0.1:{port}", recorder, token)
    await server.stop(0)


class Browser:
    """A client with cookies, as a person's browser keeps the form's same-site cookie."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.headers = Message()  # of the last answer (names case-insensitive, as HTTP has them)

    def _open(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, headers=headers or {})
        try:
            with self._opener.open(request, timeout=20) as response:
                self.headers = response.headers
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            self.headers = error.headers
            return error.code, error.read().decode("utf-8")

    async def get(self, path: str) -> tuple[int, str]:
        return await asyncio.to_thread(self._open, path)

    async def post(
        self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        return await asyncio.to_thread(self._open, path, urlencode(fields).encode(), headers)


def form_token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "the page has no objection form"
    return found.group(1)


@dataclass
class OnTheBoard:
    notice_id: str
    unit: UnitRef


async def _running_notice(notify: RunningNotify, *, campaign: str = "2024") -> OnTheBoard:
    """青杠街道 of 璧山区 in its notice period, published on the district's government portal."""
    await publish(
        notify.js,
        envelope(
            "zdz.registry.district.registered", registry.DistrictRegistered(code="bishan", name="璧山区")
        ),
    )
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    start = shanghai(today.year, today.month, today.day)
    unit = unit_ref(2, name="青杠街道")
    event = envelope(
        "zdz.workflow.notice.published",
        workflow.NoticePublished(
            unit=unit,
            score=88.25,
            grade="PASS",
            period_start=timestamp(start),
            period_end=timestamp(start + timedelta(days=7)),
            objection_contact=CONTACT,
            channel=wf.NoticeChannel(
                kind=wf.NOTICE_CHANNEL_KIND_GOVERNMENT_PORTAL, name="璧山区人民政府网", url=PORTAL
            ),
            sheet_id="sheet-qinggang-district",
            campaign=campaign,
        ),
        at=start - timedelta(hours=9),
    )
    await publish(notify.js, event)
    await until(lambda: notify.app.service.notice(event.id) is not None, what="the notice on the board")
    await until(
        lambda: notify.app.service.district_name("bishan") == "璧山区",
        what="the district's name from the registry",
    )
    return OnTheBoard(event.id, unit)


def _objection_fields(form_token: str, **overrides: str) -> dict[str, str]:
    return {
        "token": form_token,
        "name": "张三丰",
        "contact": "13800138000",
        "text": OBJECTION,
        "website": "",
        **overrides,
    }


async def _start(start_notify: StartNotify, workflow_: Workflow, **settings: object) -> RunningNotify:
    return await start_notify(
        workflow_address=workflow_.address,
        service_token=workflow_.token,
        objections=ObjectionSettings(**settings),  # type: ignore[arg-type]
    )


async def test_the_board_shows_where_a_notice_appears_and_links_its_objection_form(
    notify: RunningNotify,
) -> None:
    board = await _running_notice(notify)
    status, page = await Browser(notify.app.board_url).get("/board")
    assert status == 200
    assert "政府网站" in page and "璧山区人民政府网" in page and f'href="{PORTAL}"' in page
    assert f"/board/notices/{board.notice_id}/objection" in page


async def test_an_objection_on_the_board_is_forwarded_to_the_workflow_as_the_notify_service_once_per_form(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow)
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    status, form = await browser.get(path)
    assert status == 200 and "青杠街道" in form and "实名提出" in form
    fields = _objection_fields(form_token(form))
    status, page = await browser.post(path, fields)
    assert status == 200, page
    assert "已收到您的异议" in page and "核查期间该公示暂停" in page
    # The browser sends the form twice (a double click): the same objection id under the same key.
    status, again = await browser.post(path, fields)
    assert status == 200 and "已收到您的异议" in again
    first, second = recording_workflow.recorder.received
    request = first.request
    assert request.source == wf.OBJECTION_SOURCE_PUBLIC_BOARD
    assert (request.objector.name, request.objector.contact) == ("张三丰", "13800138000")
    assert request.reason == OBJECTION
    assert (request.process.district_code, request.process.unit_id, request.process.campaign) == (
        "bishan",
        board.unit.id,
        "2024",
    )
    assert request.objection_id.startswith("GSL-") and request.objection_id in page
    assert first.caller is not None and first.caller.role is Role.SERVICE
    assert first.idempotency_key and second.idempotency_key == first.idempotency_key
    assert second.request.objection_id == request.objection_id


async def test_the_board_shows_each_objection_and_its_outcome_with_the_name_shortened_and_no_contact(
    notify: RunningNotify,
) -> None:
    board = await _running_notice(notify)
    raised_at = datetime.now(UTC) - timedelta(hours=2)
    events = [
        envelope(
            "zdz.workflow.objection.raised",
            workflow.ObjectionRaised(
                unit=board.unit,
                campaign="2024",
                objection_id="GSL-0001",
                source=wf.OBJECTION_SOURCE_PUBLIC_BOARD,
                objector_name="张三丰",
                text=OBJECTION,
                at=timestamp(raised_at),
            ),
        ),
        envelope(
            "zdz.workflow.objection.raised",
            workflow.ObjectionRaised(
                unit=board.unit,
                campaign="2024",
                objection_id="璧山来信〔2024〕12号",
                source=wf.OBJECTION_SOURCE_RECEIVED,
                objector_name="李四",
                text="青杠街道污水处理站出水异味明显。",
                at=timestamp(raised_at + timedelta(minutes=5)),
            ),
        ),
        envelope(
            "zdz.workflow.notice.suspended",
            workflow.NoticeSuspended(
                unit=board.unit, objection="GSL-0001：" + OBJECTION, working_days_left=4
            ),
        ),
        envelope(
            "zdz.workflow.objection.resolved",
            workflow.ObjectionResolved(
                unit=board.unit,
                campaign="2024",
                objection_id="GSL-0001",
                upheld=False,
                answer="经现场核查，该小区雨污分流改造已于11月完成，晴天出流系施工临时排水，已封堵。",
                at=timestamp(raised_at + timedelta(hours=1)),
            ),
        ),
    ]
    for event in events:
        await publish(notify.js, event)

    def shown() -> bool:
        notice = notify.app.service.notice(board.notice_id)
        return notice is not None and len(notice.objections) == 2 and bool(notice.objections[0].answer)

    await until(shown, what="both objections and the first's outcome on the board")
    _, page = await Browser(notify.app.board_url).get("/board")
    assert "张**" in page and "李*" in page and "张三丰" not in page and "13800138000" not in page
    assert "异议不成立，恢复公示" in page and "晴天出流系施工临时排水" in page  # dismissed, with the answer
    assert "核查中" in page and "区县受理" in page and "公示栏在线提出" in page  # the second still open


async def test_the_board_shows_a_filing_with_the_sheets_total_and_grade_and_its_acknowledgement(
    notify: RunningNotify,
) -> None:
    board = await _running_notice(notify)
    filed_at = datetime.now(UTC) - timedelta(days=1)
    for event in (
        envelope(
            "zdz.workflow.filing.filed",
            workflow.ResultFiled(
                unit=board.unit,
                campaign="2024",
                filing_number="璧山零直排〔2024〕3号",
                sheet_id="sheet-qinggang-district",
                total="88.25",
                grade=wf.GRADE_PASS,
                at=timestamp(filed_at),
            ),
        ),
        envelope(
            "zdz.workflow.filing.acknowledged",
            workflow.FilingAcknowledged(
                unit=board.unit,
                campaign="2024",
                filing_number="璧山零直排〔2024〕3号",
                at=timestamp(filed_at + timedelta(hours=5)),
            ),
        ),
    ):
        await publish(notify.js, event)

    def acknowledged() -> bool:
        notice = notify.app.service.notice(board.notice_id)
        return notice is not None and notice.filing is not None and notice.filing.acknowledged_at is not None

    await until(acknowledged, what="the acknowledged filing on the board")
    _, page = await Browser(notify.app.board_url).get("/board")
    assert "璧山零直排〔2024〕3号" in page and "备案得分88.25分（合格）" in page
    assert "市级工作专班已于" in page and "确认备案" in page


async def test_the_published_demonstration_list_and_its_commendation_have_their_own_page(
    notify: RunningNotify,
) -> None:
    await publish(
        notify.js,
        envelope(
            "zdz.registry.district.registered", registry.DistrictRegistered(code="wanzhou", name="万州区")
        ),
    )
    gaofeng = unit_ref(4, district="wanzhou", name="万州经开区高峰园组团", kind="PARK_GROUP")
    listed = envelope(
        "zdz.workflow.demonstration.list_published",
        workflow.DemonstrationListPublished(
            title="2024年重庆市工业园区“污水零直排区”示范园区（组团）清单",
            commendation="对以上示范园区（组团）予以通报表扬，并在全市推广其典型做法。",
            units=[gaofeng],
            at=timestamp(datetime.now(UTC)),
        ),
    )
    await publish(notify.js, listed)
    await until(
        lambda: (
            [u for lst in notify.app.service.demonstration_lists() for u in lst.units]
            == [("万州经开区高峰园组团", "万州区")]
        ),
        what="the list on the board, with the district's name from the registry",
    )
    browser = Browser(notify.app.board_url)
    status, page = await browser.get("/board/demonstration")
    assert status == 200
    assert "示范园区（组团）清单" in page and "通报表扬" in page
    assert "万州经开区高峰园组团" in page and "万州区" in page
    _, board = await browser.get("/board")
    assert "/board/demonstration" in board and "共 1 个工业园区组团" in board


async def test_an_objection_from_one_address_past_the_rate_limit_is_refused_with_429(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow, rate_limit="2/hour")
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    statuses = []
    for n in range(3):
        _, form = await browser.get(path)
        status, page = await browser.post(
            path, _objection_fields(form_token(form), text=f"{OBJECTION}（第{n}次）")
        )
        statuses.append(status)
    assert statuses == [200, 200, 429]
    assert "提交过于频繁，请稍后再试" in page and browser.headers["Retry-After"] == "3600"
    assert len(recording_workflow.recorder.received) == 2


async def test_behind_a_trusted_proxy_the_rate_limit_counts_the_forwarded_client_address(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow, rate_limit="1/hour", trust_forwarded_for=True)
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    statuses = []
    for n, client in enumerate(("203.0.113.7", "203.0.113.8", "203.0.113.7")):
        _, form = await browser.get(path)
        fields = _objection_fields(form_token(form), text=f"{OBJECTION}（第{n}次）")
        status, _ = await browser.post(path, fields, {"X-Forwarded-For": f"198.51.100.1, {client}"})
        statuses.append(status)
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"website": "http://spam.example"}, 400, "提交未通过校验"),  # the hidden honeypot was filled in
        ({"contact": ""}, 400, "请填写联系方式"),
        ({"contact": "12345"}, 400, "联系电话“12345”格式不正确"),
        ({"name": ""}, 400, "请填写姓名：异议须实名提出"),
        ({"text": "有问题"}, 400, "不少于10个字"),
        ({"text": OBJECTION + " http://a.cn http://b.cn http://c.cn"}, 400, "网址不超过2个"),
        ({"token": "forged.token"}, 403, "表单已失效"),
    ],
)
async def test_an_objection_that_fails_the_checks_is_refused_in_chinese_and_not_forwarded(
    start_notify: StartNotify,
    recording_workflow: Workflow,
    overrides: dict[str, str],
    status: int,
    message: str,
) -> None:
    notify = await _start(start_notify, recording_workflow)
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    _, form = await browser.get(path)
    answered, page = await browser.post(path, _objection_fields(form_token(form), **overrides))
    assert (answered, message in page) == (status, True), page
    assert "未能受理" in page
    assert recording_workflow.recorder.received == []


async def test_the_same_text_from_another_form_within_the_window_is_refused_as_a_duplicate(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow)
    board = await _running_notice(notify)
    path = f"/board/notices/{board.notice_id}/objection"
    statuses = []
    for browser in (Browser(notify.app.board_url), Browser(notify.app.board_url)):
        _, form = await browser.get(path)
        status, page = await browser.post(path, _objection_fields(form_token(form)))
        statuses.append(status)
    assert statuses == [200, 409]
    assert "相同内容的异议已经提交" in page
    assert len(recording_workflow.recorder.received) == 1


async def test_a_form_posted_without_its_same_site_cookie_is_refused(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow)
    board = await _running_notice(notify)
    path = f"/board/notices/{board.notice_id}/objection"
    _, form = await Browser(notify.app.board_url).get(path)
    # Another site's page posts the token it scraped: the person's browser holds no cookie for that form.
    status, page = await Browser(notify.app.board_url).post(path, _objection_fields(form_token(form)))
    assert status == 403 and "表单已失效" in page
    assert recording_workflow.recorder.received == []


async def test_an_objection_is_refused_when_the_workflow_cannot_be_reached(notify: RunningNotify) -> None:
    board = await _running_notice(notify)  # the default test config points at a port where nothing listens
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    _, form = await browser.get(path)
    status, page = await browser.post(path, _objection_fields(form_token(form)))
    assert status == 503 and "暂时无法受理异议，请稍后再试" in page


async def test_an_ended_notice_takes_no_objection_on_the_board(notify: RunningNotify) -> None:
    unit = unit_ref(3, name="来凤街道")
    start = datetime.now(UTC) - timedelta(days=30)
    event = envelope(
        "zdz.workflow.notice.published",
        workflow.NoticePublished(
            unit=unit,
            score=90.0,
            grade="EXCELLENT",
            period_start=timestamp(start),
            period_end=timestamp(start + timedelta(days=7)),
            objection_contact=CONTACT,
            campaign="2024",
        ),
        at=start - timedelta(hours=9),
    )
    await publish(notify.js, event)
    await until(lambda: notify.app.service.notice(event.id) is not None, what="the notice on the board")
    status, page = await Browser(notify.app.board_url).get(f"/board/notices/{event.id}/objection")
    assert status == 409 and "公示期已结束" in page and 'name="token"' not in page


async def test_the_objection_form_and_its_answers_may_not_be_framed_or_cached_while_the_board_may_be_framed(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow)
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    _, form = await browser.get(path)
    framing = (browser.headers["Content-Security-Policy"], browser.headers["X-Frame-Options"])
    assert framing == ("frame-ancestors 'none'", "DENY") and browser.headers["Cache-Control"] == "no-store"
    cookie = browser.headers["Set-Cookie"]
    assert f"Path=/board/notices/{board.notice_id}/" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    status, _ = await browser.post(path, _objection_fields(form_token(form)))
    assert status == 200 and browser.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert browser.headers["X-Frame-Options"] == "DENY" and browser.headers["Cache-Control"] == "no-store"
    await browser.get("/board")  # a portal's iframe may show the board itself
    assert browser.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert browser.headers["X-Frame-Options"] is None


async def test_a_posted_form_over_32_kib_is_refused_unread_with_413_whether_or_not_it_says_its_length(
    start_notify: StartNotify, recording_workflow: Workflow
) -> None:
    notify = await _start(start_notify, recording_workflow)
    board = await _running_notice(notify)
    browser = Browser(notify.app.board_url)
    path = f"/board/notices/{board.notice_id}/objection"
    _, form = await browser.get(path)
    fields = _objection_fields(form_token(form), text="很长的异议" * 3000)
    status, page = await browser.post(path, fields)  # with Content-Length
    assert (status, page) == (413, "提交内容过长\n")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        body = urlencode(fields).encode()
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    async with httpx.AsyncClient(base_url=notify.app.board_url) as client:
        chunked = await client.post(
            path, content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    assert chunked.request.headers["Transfer-Encoding"] == "chunked"
    assert (chunked.status_code, chunked.text) == (413, "提交内容过长\n")
    assert recording_workflow.recorder.received == []


async def test_unknown_pages_are_answered_in_chinese_and_the_site_root_leads_to_the_board(
    notify: RunningNotify,
) -> None:
    async with httpx.AsyncClient(base_url=notify.app.board_url) as client:
        missing = await client.get("/board/nothing-here")
        assert (missing.status_code, missing.text) == (404, "未找到该页面\n")
        not_a_notice = await client.get("/board/notices/not-a-notice-id/objection")
        assert not_a_notice.status_code == 404
        wrong_method = await client.post("/board")
        assert (wrong_method.status_code, wrong_method.text) == (405, "不支持该请求方法\n")
        root = await client.get("/")
        assert (root.status_code, root.headers["Location"]) == (302, "/board")
        head = await client.head("/board")
        assert head.status_code == 200 and head.headers["Content-Type"] == "text/html; charset=utf-8"
        assert head.content == b""
        health = await client.get("/healthz")
        assert (health.status_code, health.text) == (200, "ok\n")
