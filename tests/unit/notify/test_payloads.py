"""Payloads decoded generically for templates and routes: enums by their domain name (a unit's kind reads
"TOWN", as routing and the directory expect), labels from the one vocabulary, and maps as maps."""

from __future__ import annotations

import pytest

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import events_pb2 as registry_events
from zdz.registry.v1 import ledger_events_pb2
from zdz.scoring.v1 import events_pb2 as scoring_events
from zdz.scoring.v1 import scoring_pb2
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz_notify.adapters.payloads import scalar_values, template_fields, unit_of
from zdz_notify.adapters.routing_file import load_routing_table
from zdz_notify.domain.messages import render
from zdz_notify.domain.routing import RoutingTable

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
