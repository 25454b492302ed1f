"""Issue 11's new workflow steps through the running service: each event type reaches the recipients the routing
table names, in Chinese, and none is dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from sqlmodel import Session, select

from tests.integration.notify.conftest import RunningNotify
from tests.integration.notify.factories import envelope, publish, timestamp, unit_ref, until
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.scoring.v1 import events_pb2 as scoring
from zdz.workflow.v1 import events_pb2 as workflow
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_common.consumer import DEAD_LETTER_STREAM
from zdz_notify.adapters.orm import NotificationRecord

TOWN = unit_ref(1, name="璧城街道")
PARK = unit_ref(5, name="璧山高新区组团", kind="PARK_GROUP")
OTHER = unit_ref(6, district="wanzhou", name="高笋塘街道")
NOW = datetime.now(UTC)
SOON = timestamp(NOW + timedelta(days=5))
AT = timestamp(NOW)


def _told(notify: RunningNotify, event: Envelope) -> dict[tuple[str, str], str]:
    with Session(notify.app.service.engine) as session:
        rows = session.exec(select(NotificationRecord).where(NotificationRecord.event_id == event.id)).all()
    return {(r.recipient, r.channel): r.text for r in rows}


async def _published(notify: RunningNotify, event_type: str, payload: Message) -> dict[tuple[str, str], str]:
    event = envelope(event_type, payload)
    await publish(notify.js, event)
    await until(lambda: _told(notify, event), what=f"the notifications of {event_type}")
    return _told(notify, event)


def _who(told: dict[tuple[str, str], str]) -> set[tuple[str, str]]:
    return {key for key in told if key[1] != "webhook"}


async def test_each_new_step_reaches_its_recipients_and_none_is_dead_lettered(notify: RunningNotify) -> None:
    town, district, municipal = f"unit:{TOWN.id}", "district:bishan", "municipal"

    # 备案 reminder and escalation: the district files, the city waits for it.
    told = await _published(
        notify,
        "zdz.workflow.deadline.approaching",
        workflow.DeadlineApproaching(unit=TOWN, deadline_kind="FILING", due=SOON, working_days_left=3),
    )
    assert {(district, "inbox"), (district, "email")} <= _who(told)
    assert "备案工作须于" in told[(district, "inbox")]
    told = await _published(
        notify,
        "zdz.workflow.deadline.missed",
        workflow.DeadlineMissed(unit=TOWN, deadline_kind="FILING", due=timestamp(NOW - timedelta(days=1))),
    )
    assert {(district, "email"), (municipal, "inbox")} <= _who(told)

    # The notice names its channel; an objection raised → the district, which must answer it.
    told = await _published(
        notify,
        "zdz.workflow.notice.published",
        workflow.NoticePublished(
            unit=TOWN,
            score=92.5,
            grade="EXCELLENT",
            period_start=AT,
            period_end=SOON,
            objection_contact="023-41412345",
            channel=wf.NoticeChannel(
                kind=wf.NOTICE_CHANNEL_KIND_LOCAL_MEDIA, name="璧山日报", url="https://bsrb.example.cn/gs"
            ),
            sheet_id="sheet-1",
            campaign="2024",
        ),
    )
    assert "当地媒体“璧山日报”" in told[(district, "inbox")]
    told = await _published(
        notify,
        "zdz.workflow.objection.raised",
        workflow.ObjectionRaised(
            unit=TOWN,
            campaign="2024",
            objection_id="GSL-1",
            source=wf.OBJECTION_SOURCE_PUBLIC_BOARD,
            objector_name="王五",
            text="某路段仍有污水直排。",
            at=AT,
        ),
    )
    assert {(district, "inbox"), (district, "email"), ("public", "board")} <= _who(told)
    told = await _published(
        notify,
        "zdz.workflow.objection.resolved",
        workflow.ObjectionResolved(
            unit=TOWN, campaign="2024", objection_id="GSL-1", upheld=True, answer="属实，退回整改。", at=AT
        ),
    )
    assert {(town, "email"), ("public", "board")} <= _who(told) and "异议是否成立：是" in told[
        (town, "email")
    ]

    # Filing → the municipal task force; its acknowledgement → the district.
    told = await _published(
        notify,
        "zdz.workflow.filing.filed",
        workflow.ResultFiled(
            unit=TOWN,
            campaign="2024",
            filing_number="璧山〔2024〕3号",
            total="92.50",
            grade=wf.GRADE_EXCELLENT,
            at=AT,
        ),
    )
    assert {(municipal, "inbox"), (municipal, "email")} <= _who(told)
    assert "92.50分，等级优秀" in told[(municipal, "inbox")]
    told = await _published(
        notify,
        "zdz.workflow.filing.acknowledged",
        workflow.FilingAcknowledged(unit=TOWN, campaign="2024", filing_number="璧山〔2024〕3号", at=AT),
    )
    assert {(district, "inbox"), (district, "email")} <= _who(told)

    # The draw (the city) and the drawn unit's process (the unit and its district); the round closed → districts.
    told = await _published(
        notify,
        "zdz.scoring.spot_check.drawn",
        scoring.SpotCheckDrawn(draw_id="draw-1", seed="42", round="2024-2", closes_on="2025-03-31"),
    )
    assert (municipal, "inbox") in _who(told) and "2025-03-31" in told[(municipal, "inbox")]
    told = await _published(
        notify, "zdz.workflow.spot_check.selected", workflow.SelectedForSpotCheck(unit=TOWN, draw_id="draw-1")
    )
    assert {(town, "inbox"), (district, "inbox")} <= _who(told)
    told = await _published(
        notify,
        "zdz.workflow.spot_check.round_closed",
        workflow.SpotCheckRoundClosed(
            draw_id="draw-1",
            round="2024-2",
            drawn=[TOWN],
            released=[PARK, OTHER],
            reason="市级工作专班结束本轮",
            at=AT,
        ),
    )
    assert {(district, "email"), ("district:wanzhou", "email"), (f"unit:{OTHER.id}", "inbox")} <= _who(told)
    assert (town, "inbox") not in told  # the drawn unit goes on with its spot-check

    # A look-back flag → the municipal task force, which decides.
    told = await _published(
        notify,
        "zdz.workflow.look_back.flagged",
        workflow.ReacceptanceFlagRaised(
            unit=TOWN,
            campaign="2024",
            flag=wf.ReacceptanceFlag(
                rule=wf.FLAG_RULE_REPEATED_FAILED_RECTIFICATION,
                rule_id="look-back-2024.repeated-failed-rectification",
                rule_text="同一问题整改两次核验不到位",
                reason="问题 P-3 两次核验不到位",
            ),
        ),
    )
    assert {(municipal, "inbox"), (municipal, "email")} <= _who(told)
    assert "“多次整改不到位”" in told[(municipal, "inbox")]

    # The demonstration track → the park's district; the list → the board and every listed park's district.
    told = await _published(
        notify,
        "zdz.workflow.demonstration.updated",
        workflow.DemonstrationUpdated(
            unit=PARK,
            campaign="2024",
            demonstration=wf.Demonstration(status=wf.DEMONSTRATION_STATUS_ELIGIBLE, sheet_id="sheet-9"),
            at=AT,
        ),
    )
    assert {(district, "inbox"), (district, "email")} <= _who(told)
    assert "可提交建设总结报告" in told[(district, "inbox")]
    told = await _published(
        notify,
        "zdz.workflow.demonstration.list_published",
        workflow.DemonstrationListPublished(
            title="2024年示范园区（组团）清单", commendation="予以通报表扬。", units=[PARK], at=AT
        ),
    )
    assert {("public", "board"), (district, "inbox"), (f"unit:{PARK.id}", "inbox")} <= _who(told)

    info = await notify.js.stream_info(DEAD_LETTER_STREAM)
    assert info.state.messages == 0
