"""Payloads decoded generically for templates and routes: enums by their domain name (a unit's kind reads
"TOWN", as routing and the directory expect), labels from the one vocabulary, and maps as maps."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from google.protobuf import any_pb2

from tests.unit.scoring.records_factories import content, header
from zdz.events.v1 import envelope_pb2, refs_pb2
from zdz.registry.v1 import events_pb2 as registry_events
from zdz.registry.v1 import ledger_events_pb2
from zdz.scoring.v1 import events_pb2 as scoring_events
from zdz.scoring.v1 import scoring_pb2
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz_notify.adapters.payloads import cloudevent_document, decode, scalar_values, template_fields, unit_of
from zdz_notify.adapters.routing_file import load_routing_table
from zdz_notify.domain.messages import render
from zdz_notify.domain.routing import RoutingTable
from zdz_scoring.adapters.event_mapping import to_new_event
from zdz_scoring.domain.facts import AssessorEntries, UnitFacts
from zdz_scoring.domain.records import SheetSigned, Signer

PARK = refs_pb2.UnitRef(
    id="p1", district_code="wanzhou", kind=refs_pb2.UNIT_KIND_PARK_GROUP, name="万州经开区高峰园组团"
)


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return load_routing_table()


def _rendered(table: RoutingTable, event_type: str, payload: object) -> tuple[str, str]:
    rule = table.rule_for(event_type)
    assert rule is not None
    fields = {**template_fields(payload, dict(table.vocabulary)), "district_name": "万州区", "event_time": ""}  # type: ignore[arg-type]
    return render(rule.title, fields), render(rule.text, fields)


def test_the_unit_an_event_is_about_carries_its_kind_by_name() -> None:
    unit = unit_of(workflow_events.StageEntered(unit=PARK, to_stage="PLAN"))
    assert unit is not None and (unit.id, unit.kind) == ("p1", "PARK_GROUP")
    assert unit_of(workflow_events.StageEntered()).kind == ""  # type: ignore[union-attr]


def test_a_top_level_enum_is_compared_and_labelled_by_its_domain_name(table: RoutingTable) -> None:
    registered = registry_events.UnitRegistered(
        id="p1",
        district_code="wanzhou",
        kind=refs_pb2.UNIT_KIND_PARK_GROUP,
        name="高峰园组团",
        target_year=2027,
    )
    assert scalar_values(registered)["kind"] == "PARK_GROUP"
    _, text = _rendered(table, "zdz.registry.unit.registered", registered)
    assert text == "高峰园组团（工业园区组团，区县 wanzhou）已登记，目标年份2027年。"


def test_stage_labels_are_the_vocabulary_s(table: RoutingTable) -> None:
    # zdz_common.vocabulary: PLAN is 方案, ACCEPTED is 验收通过, as the workflow says them
    title, _ = _rendered(
        table, "zdz.workflow.process.stage_entered", workflow_events.StageEntered(unit=PARK, to_stage="PLAN")
    )
    assert title == "万州经开区高峰园组团进入方案阶段"
    accepted = ledger_events_pb2.AcceptanceStateSet(unit=PARK, state="ACCEPTED", on="2025-06-30")
    title, _ = _rendered(table, "zdz.registry.acceptance.state_set", accepted)
    assert title == "万州经开区高峰园组团建设验收状态：验收通过"


def test_a_signed_score_sheet_with_its_ledger_figures_is_told(table: RoutingTable) -> None:
    # The whole sheet travels with the event; its ledger figures are a map, which is not a list of messages.
    sheet = scoring_pb2.ScoreSheet(unit=PARK, ledger_figures={"pipe_survey_rate": "97.5", "has_plan": "true"})
    signed = scoring_events.ScoreSheetSigned(
        unit=PARK, sheet_id="s1", sheet_kind="SELF_CHECK", total=91.5, grade="EXCELLENT", sheet=sheet
    )
    fields = template_fields(signed, dict(table.vocabulary))
    assert fields["sheet"].ledger_figures == {"pipe_survey_rate": "97.5", "has_plan": "true"}
    assert fields["sheet"].unit.kind.label == "工业园区组团"
    title, _ = _rendered(table, "zdz.scoring.score_sheet.signed", signed)
    assert title == "万州经开区高峰园组团自查评估评分已签署：91.50分（优秀）"


def test_a_signed_sheet_as_the_scoring_service_publishes_it_is_decoded_told_and_sent(
    table: RoutingTable,
) -> None:
    # The real event: scoring's own sheet, scored by its engine and mapped by its event mapping, with every map
    # field (ledger figures, the rubric's points per event) filled; decoded from the wire as the consumer does.
    hundred = Decimal(100)
    rates = (
        "household_survey_rate pipe_survey_rate facility_survey_rate residential_rectification_rate "
        "non_residential_rectification_rate pipe_rectification_rate facility_rectification_rate "
        "residential_self_check_pass_rate non_residential_self_check_pass_rate"
    ).split()
    facts = UnitFacts(**dict.fromkeys(rates, hundred), has_problem_list=True, has_task_list=True)
    entries = AssessorEntries(residential_sample_pass_rate=hundred, non_residential_sample_pass_rate=hundred)
    signed = SheetSigned(
        "sheet-1",
        content(header(), facts, entries),
        datetime(2025, 5, 2, tzinfo=UTC),
        Signer("unit:town-1", "UNIT", "张三"),
    )
    published = to_new_event(signed)
    data = any_pb2.Any()
    data.Pack(published.data)
    payload = decode(any_pb2.Any.FromString(data.SerializeToString()))
    assert payload.sheet.ledger_figures["pipe_survey_rate"] == "100"  # type: ignore[attr-defined]
    title, text = _rendered(table, published.type, payload)
    assert title == "高笋塘街道自查评估评分已签署：100.00分（优秀）" and "高笋塘街道办 张三" in text
    document = json.loads(
        cloudevent_document(
            envelope_pb2.Envelope(id="e1", type=published.type),
            payload,
            recipient="integration:bayu",
            title=title,
        )
    )
    assert document["data"]["sheet"]["ledger_figures"]["has_task_list"] == "true"
