"""回头看 through the real workflow on a time-skipping server (000 三（五）): the look-back sheet's findings are filed
as problems with the deadline, the unit reports them rectified, the city verifies them 不到位 twice, the process
raises the 多次整改不到位 flag (published as zdz.workflow.look_back.flagged) and the city orders re-acceptance."""

from __future__ import annotations

from datetime import date

from tests.integration.workflow.harness import CITY, TOWN, TOWN_OFFICE, Driver, Harness, at, signed
from tests.integration.workflow.scenarios import MIXED_CONNECTION
from zdz.workflow.v1 import events_pb2, workflow_pb2
from zdz_common.vocabulary import Stage
from zdz_workflow.adapters.event_mapping import LOOK_BACK_FLAGGED
from zdz_workflow.domain.commands import (
    ImportProcess,
    OrderReacceptance,
    RecordLookBackVerdict,
    ReportLookBackRectified,
    StartLookBack,
    VerifyLookBackRectification,
)
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.values import Campaign, FindingVerification, FlagRule
from zdz_workflow.temporal.payloads import process_id
from zdz_workflow.temporal.workflows import ProcessWorkflow as W

CAMPAIGN = Campaign(name="2025")


async def accepted(h: Harness) -> Driver:
    """高笋塘街道, imported as accepted on 2025-03-20 with its district-acceptance sheet."""
    sheet = signed(TOWN, SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2025-03-10", imported=True)
    command = ImportProcess(
        actor=CITY,
        request_id="import-town",
        at=at("2025-04-01", 9),
        unit_id=TOWN.unit_id,
        unit_kind=TOWN.kind,
        campaign=CAMPAIGN,
        stage=Stage.ACCEPTED,
        stage_since=at("2025-03-20"),
        sheet_ids=(sheet.sheet_id,),
        sheets=(sheet,),
        filing_number="万州零直排备〔2025〕1号",
    )
    return await h.start(TOWN, clock_starts=at("2025-04-01", 9), imported=command)


async def not_in_place(d: Driver, day: str, rectify_by: date) -> None:
    """The unit reports its open problems rectified at 10:30; the city finds them 不到位 at 16:00 (reminders ring at
    09:00: a step at the same instant as a timer trips the test server)."""
    await d.do(W.report_look_back_rectified, ReportLookBackRectified, TOWN_OFFICE, at(day, 10, 30))
    view = await d.view()
    assert view.state is not None
    lines = tuple(
        FindingVerification(p.code, in_place=False, note="混接点仍有污水入雨水管")
        for p in view.state.look_back_problems
        if p.open
    )
    await d.do(
        W.verify_look_back_rectification,
        VerifyLookBackRectification,
        CITY,
        at(day, 16),
        verifications=lines,
        rectify_by=rectify_by,
    )


async def test_a_look_back_rectified_not_in_place_twice_raises_the_flag_and_the_city_orders_re_acceptance(
    running: Harness,
) -> None:
    d = await accepted(running)
    await d.do(W.start_look_back, StartLookBack, CITY, at("2025-05-12", 9))
    view = await d.do(
        W.record_look_back_verdict,
        RecordLookBackVerdict,
        CITY,
        at("2025-05-12", 17),
        sheet_id=d.sheet(SheetKind.LOOK_BACK, "76.00", "2025-05-12"),
        findings=(MIXED_CONNECTION,),
        rectify_by=date(2025, 6, 30),
    )
    assert view.state is not None and view.state.stage is Stage.ACCEPTED
    [problem] = view.state.look_back_problems
    assert problem.rectify_by == date(2025, 6, 30)
    # The same code in the registry's problem list, with its task due on the deadline.
    filed = await d.settled(lambda v: bool(v.filings))
    assert [f.code for f in filed.filings] == [problem.code]
    assert running.ledger.tasks[filed.filings[0].problem_id][1] == date(2025, 6, 30)

    await not_in_place(d, "2025-06-25", date(2025, 8, 31))
    view = await d.view()
    assert view.state is not None and view.state.flags == ()
    await not_in_place(d, "2025-08-25", date(2025, 10, 31))

    view = await d.view()
    assert view.state is not None
    [flag] = view.state.flags
    assert (flag.rule, flag.rule_id) == (
        FlagRule.REPEATED_FAILED_RECTIFICATION,
        "look-back-2024.repeated-failed-rectification",
    )
    assert view.state.stage is Stage.ACCEPTED  # flagged, not moved: the city decides

    view = await d.do(
        W.order_reacceptance,
        OrderReacceptance,
        CITY,
        at("2025-09-01"),
        rule=FlagRule.REPEATED_FAILED_RECTIFICATION,
        reason="市级工作专班决定：多次整改不到位，督促区县重新实施建设验收",
        evidence=("渝零直排专班〔2025〕12号",),
    )
    assert view.state is not None and view.state.stage is Stage.REACCEPTANCE

    events = await running.published(process_id(TOWN.district_code, TOWN.unit_id, CAMPAIGN.name), 10)
    [flagged] = [e for e in events if e.type == LOOK_BACK_FLAGGED]
    message = flagged.payload(events_pb2.ReacceptanceFlagRaised)
    assert message.flag.rule == workflow_pb2.FLAG_RULE_REPEATED_FAILED_RECTIFICATION
    assert message.flag.rule_id == "look-back-2024.repeated-failed-rectification"
    assert "两次不到位" in message.flag.rule_text and message.campaign == "2025"
