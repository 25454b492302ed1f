"""Events in, inbox notifications out: each party told once, in Chinese; paging, marking read, following."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlmodel import Session, select

from tests.integration.notify.conftest import RunningNotify
from tests.integration.notify.factories import envelope, publish, shanghai, timestamp, unit_ref, until
from zdz.notify.v1 import notify_pb2 as pb
from zdz.registry.v1 import events_pb2 as registry
from zdz.scoring.v1 import events_pb2 as scoring
from zdz.workflow.v1 import events_pb2 as workflow
from zdz_common.eventstore import TrackingRecord
from zdz_notify.adapters.orm import RecipientRecord


async def _inbox(notify: RunningNotify, recipient: str, **options: object) -> pb.ListNotificationsResponse:
    return await notify.stub.ListNotifications(pb.ListNotificationsRequest(recipient=recipient, **options))  # type: ignore[arg-type]


async def _inbox_size(notify: RunningNotify, recipient: str, size: int) -> None:
    async def reached() -> bool:
        return (await _inbox(notify, recipient)).total_size >= size

    await until(reached, what=f"{size} notifications for {recipient}")


def _district_name(notify: RunningNotify, code: str) -> str:
    with Session(notify.app.service.engine) as session:
        record = session.get(RecipientRecord, f"district:{code}")
        return record.name if record else ""


async def test_a_missed_deadline_is_told_to_the_unit_and_its_district_in_chinese(
    notify: RunningNotify,
) -> None:
    # The registry has told the district's official name; then the survey deadline of 30 September passes.
    await publish(
        notify.js,
        envelope(
            "zdz.registry.district.registered",
            registry.DistrictRegistered(code="bishan", name="璧山区", town_share_2025=30, town_share_2027=80),
        ),
    )
    await until(lambda: _district_name(notify, "bishan") == "璧山区", what="the registry's district")
    unit = unit_ref(1, name="璧城街道")
    due = shanghai(2024, 10, 1)  # 24:00 on 30 September, Beijing time
    await publish(
        notify.js,
        envelope(
            "zdz.workflow.deadline.missed",
            workflow.DeadlineMissed(unit=unit, deadline_kind="SURVEY", due=timestamp(due)),
        ),
    )
    await _inbox_size(notify, "district:bishan", 1)
    (for_unit,) = (await _inbox(notify, f"unit:{unit.id}")).notifications
    (for_district,) = (await _inbox(notify, "district:bishan")).notifications
    assert for_unit.title == "【逾期】璧城街道排查已超过期限"
    assert for_unit.text == (
        "璧山区璧城街道的排查工作期限（2024年9月30日24时）已过，尚未完成。请单元尽快完成并说明原因，区县工作专班督促落实。"
    )
    assert (for_district.title, for_district.event_id) == (for_unit.title, for_unit.event_id)
    assert for_unit.id != for_district.id
    # The municipal task force is not told of one unit's missed deadline.
    assert (await _inbox(notify, "municipal")).total_size == 0


async def test_the_inbox_pages_newest_first_and_marks_read_only_its_own(notify: RunningNotify) -> None:
    unit = unit_ref(2)
    for n in range(5):
        sheet = scoring.ScoreSheetSigned(
            unit=unit, sheet_id=f"s{n}", sheet_kind="SELF_CHECK", total=80 + n, grade="PASS"
        )
        await publish(notify.js, envelope("zdz.scoring.score_sheet.signed", sheet))
    me = f"unit:{unit.id}"
    await _inbox_size(notify, me, 5)
    # Pages of two: 2 + 2 + 1, newest first (totals 84, 83 | 82, 81 | 80).
    first = await _inbox(notify, me, page_size=2)
    second = await _inbox(notify, me, page_size=2, page_token=first.next_page_token)
    third = await _inbox(notify, me, page_size=2, page_token=second.next_page_token)
    titles = [n.title for page in (first, second, third) for n in page.notifications]
    assert [t.split("：")[1][:5] for t in titles] == ["84.00", "83.00", "82.00", "81.00", "80.00"]
    assert third.next_page_token == "" and first.total_size == 5
    # Mark the two newest read: three stay unread.
    marked = await notify.stub.MarkRead(
        pb.MarkReadRequest(recipient=me, notification_ids=[n.id for n in first.notifications]),
        metadata=(("x-zdz-person", "li.jing"),),
    )
    assert marked.marked == 2
    unread = await _inbox(notify, me, unread_only=True)
    assert (unread.total_size, unread.unread_count) == (3, 3)
    read = (await _inbox(notify, me, page_size=1)).notifications[0]
    assert read.read_by == "li.jing" and read.HasField("read_at")
    # Another inbox's notification cannot be marked from here; nothing changes.
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await notify.stub.MarkRead(
            pb.MarkReadRequest(recipient="district:bishan", notification_ids=[unread.notifications[0].id])
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert (await notify.stub.MarkRead(pb.MarkReadRequest(recipient=me, all=True))).marked == 3
    assert (await _inbox(notify, me)).unread_count == 0


async def test_subscribe_replays_what_is_unread_then_streams_new_notifications(notify: RunningNotify) -> None:
    unit = unit_ref(3)
    me = f"unit:{unit.id}"
    for kind in ("SURVEY", "PLAN", "RECTIFICATION"):
        missed = workflow.DeadlineMissed(unit=unit, deadline_kind=kind, due=timestamp(shanghai(2024, 10, 1)))
        await publish(notify.js, envelope("zdz.workflow.deadline.missed", missed))
    await _inbox_size(notify, me, 3)
    oldest = (await _inbox(notify, me)).notifications[-1]
    await notify.stub.MarkRead(pb.MarkReadRequest(recipient=me, notification_ids=[oldest.id]))
    # Following the inbox: the two unread come first, oldest first, marked as replayed …
    stream = notify.stub.Subscribe(pb.SubscribeRequest(recipient=me))
    replayed = [await asyncio.wait_for(stream.read(), 10) for _ in range(2)]
    assert [r.replayed for r in replayed] == [True, True]
    assert [r.notification.title for r in replayed] == [
        f"【逾期】{unit.name}方案已超过期限",
        f"【逾期】{unit.name}整改已超过期限",
    ]
    # … then a new one, as it arrives.
    selected = workflow.SelectedForSpotCheck(unit=unit, draw_id="2025-1")
    await publish(notify.js, envelope("zdz.workflow.spot_check.selected", selected))
    live = await asyncio.wait_for(stream.read(), 10)
    assert (live.replayed, live.notification.title) == (False, f"{unit.name}被抽中参加市级抽查")
    stream.cancel()


async def test_a_reminder_handled_after_its_deadline_tells_no_one(notify: RunningNotify) -> None:
    unit = unit_ref(4)
    now = datetime.now(UTC)
    # A "3 working days left" reminder arrives after the deadline itself (say, after an outage): it would mislead.
    late = workflow.DeadlineApproaching(
        unit=unit, deadline_kind="PLAN", due=timestamp(now - timedelta(hours=1)), working_days_left=3
    )
    timely = workflow.DeadlineApproaching(
        unit=unit, deadline_kind="PLAN", due=timestamp(now + timedelta(days=5)), working_days_left=3
    )
    late_event = envelope("zdz.workflow.deadline.approaching", late)
    await publish(notify.js, late_event)
    await publish(notify.js, envelope("zdz.workflow.deadline.approaching", timely))
    await _inbox_size(notify, f"unit:{unit.id}", 1)
    (told,) = (await _inbox(notify, f"unit:{unit.id}")).notifications
    assert told.event_id != late_event.id and "还剩3个工作日" in told.title
    with Session(notify.app.service.engine) as session:  # the late one was handled (and will not come back)
        assert session.get(TrackingRecord, ("notify", late_event.id)) is not None


async def test_an_event_type_no_rule_routes_is_marked_processed_and_tells_no_one(
    notify: RunningNotify,
) -> None:
    unit = unit_ref(5)
    unknown = envelope("zdz.workflow.process.paused", workflow.StageEntered(unit=unit, to_stage="PLAN"))
    await publish(notify.js, unknown)
    await publish(
        notify.js,
        envelope("zdz.workflow.process.stage_entered", workflow.StageEntered(unit=unit, to_stage="PLAN")),
    )
    await _inbox_size(notify, f"unit:{unit.id}", 1)
    with Session(notify.app.service.engine) as session:
        assert session.get(TrackingRecord, ("notify", unknown.id)) is not None
        assert len(session.exec(select(TrackingRecord)).all()) == 2


async def test_following_a_malformed_recipient_is_refused(notify: RunningNotify) -> None:
    stream = notify.stub.Subscribe(pb.SubscribeRequest(recipient="town:璧城"))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stream.read()
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "recipient: 接收方须为" in (error.value.details() or "")
