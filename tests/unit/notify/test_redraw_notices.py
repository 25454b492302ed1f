"""A redraw the municipal task force approves (issue 16) is told with its reason: a sampling plan's to the unit's
district, which draws it again; a spot-check round's to the city; both to integrating systems."""

from __future__ import annotations

import pytest

from zdz.events.v1 import refs_pb2
from zdz.scoring.v1 import events_pb2, scoring_pb2
from zdz_notify.adapters.payloads import template_fields
from zdz_notify.adapters.routing_file import load_routing_table
from zdz_notify.domain.messages import render
from zdz_notify.domain.routing import RoutingTable

APPROVAL = scoring_pb2.SamplingRedrawApproval(reason="台账导入有误", approver_role="MUNICIPAL_TASK_FORCE")
TOWN = refs_pb2.UnitRef(id="t1", district_code="wanzhou", kind=refs_pb2.UNIT_KIND_TOWN, name="高笋塘街道")


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return load_routing_table()


def _told(table: RoutingTable, event_type: str, payload: object) -> tuple[str, set[str]]:
    rule = table.rule_for(event_type)
    assert rule is not None
    fields = {**template_fields(payload, dict(table.vocabulary)), "district_name": "万州区", "event_time": ""}  # type: ignore[arg-type]
    return render(rule.text, fields), {route.audience.value for route in rule.routes}


def test_a_sampling_redraw_approval_is_told_to_the_district_with_its_reason(table: RoutingTable) -> None:
    approved = events_pb2.SamplingPlanRedrawApproved(unit=TOWN, plan_id="plan-1", approval=APPROVAL)
    text, audiences = _told(table, "zdz.scoring.sampling_plan.redraw_approved", approved)
    assert "高笋塘街道" in text and "plan-1" in text and "台账导入有误" in text
    assert audiences == {"district", "integrations"}


def test_a_spot_check_redraw_approval_is_told_to_the_city_with_its_reason(table: RoutingTable) -> None:
    approved = events_pb2.SpotCheckRedrawApproved(draw_id="draw-1", round="2025-1", approval=APPROVAL)
    text, audiences = _told(table, "zdz.scoring.spot_check.redraw_approved", approved)
    assert "2025-1" in text and "draw-1" in text and "台账导入有误" in text
    assert audiences == {"municipal", "integrations"}
