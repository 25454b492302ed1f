"""Routing as data: the shipped table says who hears what; a wrong table is refused with the entry named."""

from __future__ import annotations

from typing import Any

import pytest

from zdz_common.errors import InvalidArgument
from zdz_notify.adapters.routing_file import load_routing_table
from zdz_notify.domain.messages import Moment, Term
from zdz_notify.domain.recipients import Channel, integration_recipient
from zdz_notify.domain.routing import (
    Addressee,
    PayloadShape,
    RoutingTable,
    RoutingTableError,
    Subscriber,
    UnitRef,
    check_against_contracts,
    parse_routing_table,
    subject_matches,
)

UNIT = UnitRef(id="u1", district_code="bishan", kind="TOWN", name="璧城街道")
BAYU = Subscriber(integration_recipient("bayu"), ("zdz.workflow.>",))


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return load_routing_table()


def _heard(table: RoutingTable, event_type: str, **values: str) -> set[tuple[str, str]]:
    rule = table.rule_for(event_type)
    assert rule is not None, event_type
    addressees = table.addressees(rule, unit=UNIT, values=values, subscribers=[])
    return {(str(a.recipient), a.channel.value) for a in addressees}


def test_the_shipped_table_routes_what_the_issue_asks(table: RoutingTable) -> None:
    unit, district = "unit:u1", "district:bishan"
    # sampling plan drawn → the district task force (not the unit: it must not know the sample in advance)
    assert _heard(table, "zdz.scoring.sampling_plan.drawn") == {(district, "inbox"), (district, "email")}
    # notice published → the public board (and the unit and district, in their inboxes)
    assert ("public", "board") in _heard(table, "zdz.workflow.notice.published")
    # deadline approaching → the unit
    assert _heard(table, "zdz.workflow.deadline.approaching") == {(unit, "inbox"), (unit, "email")}
    # deadline missed, drawn for the spot-check, look-back findings → the unit and the district
    for event_type in (
        "zdz.workflow.deadline.missed",
        "zdz.workflow.spot_check.selected",
        "zdz.workflow.look_back.findings_recorded",
    ):
        assert {r for r, _ in _heard(table, event_type)} == {unit, district}, event_type
    # score sheet signed → the unit
    assert {r for r, _ in _heard(table, "zdz.scoring.score_sheet.signed")} == {unit}


def test_a_district_hears_a_stage_change_only_when_it_must_accept(table: RoutingTable) -> None:
    assert ("district:bishan", "inbox") in _heard(
        table, "zdz.workflow.process.stage_entered", to_stage="DISTRICT_ACCEPTANCE"
    )
    assert _heard(table, "zdz.workflow.process.stage_entered", to_stage="RECTIFICATION") == {
        ("unit:u1", "inbox")
    }
    assert ("municipal", "email") in _heard(table, "zdz.workflow.process.stage_entered", to_stage="FILED")


def test_an_integration_hears_the_types_its_patterns_match(table: RoutingTable) -> None:
    rule = table.rule_for("zdz.workflow.deadline.missed")
    assert rule is not None
    addressees = table.addressees(rule, unit=UNIT, values={}, subscribers=[BAYU])
    assert Addressee(integration_recipient("bayu"), Channel.WEBHOOK) in addressees
    scoring = table.rule_for("zdz.scoring.score_sheet.signed")
    assert scoring is not None
    assert all(
        a.channel is not Channel.WEBHOOK
        for a in table.addressees(scoring, unit=UNIT, values={}, subscribers=[BAYU])
    )


def test_an_event_without_a_unit_cannot_be_routed_to_a_unit(table: RoutingTable) -> None:
    rule = table.rule_for("zdz.workflow.deadline.missed")
    assert rule is not None
    with pytest.raises(InvalidArgument, match="未注明单元"):
        table.addressees(rule, unit=UnitRef(id="", district_code=""), values={}, subscribers=[])


def test_subscriptions_must_name_types_offered_to_integrating_systems(table: RoutingTable) -> None:
    assert table.check_subscriptions(["zdz.workflow.>", "zdz.scoring.score_sheet.signed"])
    with pytest.raises(InvalidArgument, match="未知事件类型") as unknown:
        table.check_subscriptions(["zdz.workflow.deadline.forgotten"])
    assert unknown.value.field == "event_types[0]"
    with pytest.raises(InvalidArgument, match="NATS"):
        table.check_subscriptions(["zdz.>.missed"])
    with pytest.raises(InvalidArgument, match="至少订阅"):
        table.check_subscriptions([])


def test_nats_patterns_match_one_token_per_star_and_the_rest_for_a_final_gt() -> None:
    assert subject_matches("zdz.workflow.*.missed", "zdz.workflow.deadline.missed")
    assert not subject_matches("zdz.workflow.*", "zdz.workflow.deadline.missed")
    assert subject_matches("zdz.>", "zdz.workflow.deadline.missed")
    assert not subject_matches("zdz.workflow.deadline.missed.>", "zdz.workflow.deadline.missed")


# --- a wrong table is refused -------------------------------------------------------------------------------

SHAPE = PayloadShape(
    name="zdz.workflow.v1.DeadlineMissed",
    has_unit=True,
    scalar_fields=frozenset({"deadline_kind"}),
    timestamp_fields=frozenset({"due"}),
    sample={"unit": type("U", (), {"name": Term("")})(), "deadline_kind": Term(""), "due": Moment(None)},
)
NO_UNIT = PayloadShape(
    "zdz.scoring.v1.SpotCheckDrawn", False, frozenset({"draw_id"}), frozenset(), {"draw_id": ""}
)


def _document(**changes: Any) -> dict[str, Any]:
    entry = {
        "type": "zdz.workflow.deadline.missed",
        "payload": "zdz.workflow.v1.DeadlineMissed",
        "title": "{unit.name}逾期",
        "text": "{deadline_kind.label}期限{due.day_end}已过",
        "routes": [{"to": "unit", "channels": ["inbox"]}],
    }
    entry.update(changes)
    return {"event": [entry]}


def _check(document: dict[str, Any], shapes: dict[str, PayloadShape | None] | None = None) -> None:
    table = parse_routing_table(document)
    check_against_contracts(
        table,
        shapes if shapes is not None else {SHAPE.name: SHAPE},
        frozenset({"zdz.workflow.v1.NoticePublished"}),
    )


def test_a_well_formed_rule_passes_the_checks() -> None:
    _check(_document())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"type": "workflow.deadline.missed"}, "type", "zdz.<服务>"),
        ({"routes": [{"to": "everyone", "channels": ["inbox"]}]}, "routes[0].to", "接收对象"),
        ({"routes": [{"to": "unit", "channels": ["sms"]}]}, "routes[0].channels", "未知渠道"),
        ({"routes": [{"to": "public", "channels": ["email"]}]}, "routes[0].channels", "public 只能通过"),
        ({"routes": [{"to": "integrations", "channels": ["inbox"]}]}, "routes[0].channels", "只能通过"),
        ({"title": "{unit.__class__}"}, "title", "不允许"),
        ({"colour": "red"}, "event[0]", "未知的键"),
    ],
)
def test_a_malformed_rule_is_refused_naming_the_entry_and_key(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(RoutingTableError, match=message) as error:
        _check(_document(**changes))
    assert field in (error.value.field or "")


@pytest.mark.parametrize(
    ("changes", "shapes", "message"),
    [
        ({"payload": "zdz.workflow.v1.DeadlineForgotten"}, None, "没有消息"),
        ({"payload": NO_UNIT.name}, {NO_UNIT.name: NO_UNIT}, "没有 unit 字段"),
        ({"text": "{deadline_kinds}"}, None, "不存在的字段"),
        ({"routes": [{"to": "unit", "channels": ["inbox"], "when": {"stage": "X"}}]}, None, "stage"),
        ({"stale_after": "deadline_kind"}, None, "没有时间字段"),
        ({"routes": [{"to": "public", "channels": ["board"]}]}, None, "公示栏只接收"),
    ],
)
def test_a_rule_that_does_not_fit_the_event_contract_is_refused(
    changes: dict[str, Any], shapes: dict[str, PayloadShape | None] | None, message: str
) -> None:
    with pytest.raises(RoutingTableError, match=message):
        _check(_document(**changes), shapes)


def test_a_type_listed_twice_is_refused() -> None:
    document = _document()
    document["event"].append(dict(document["event"][0]))
    with pytest.raises(RoutingTableError, match="重复"):
        parse_routing_table(document)


def test_the_table_takes_stage_grade_and_kind_labels_from_the_one_vocabulary(table: RoutingTable) -> None:
    assert (table.vocabulary["PLAN"], table.vocabulary["ACCEPTED"]) == ("方案", "验收通过")
    assert (table.vocabulary["PARK_GROUP"], table.vocabulary["PASS"]) == ("工业园区组团", "合格")
    assert table.vocabulary["REOPENED"] == "重新实施建设验收"  # the table's own: an acceptance state


def test_a_table_that_relabels_a_vocabulary_code_is_refused() -> None:
    with pytest.raises(RoutingTableError, match="由 zdz_common") as refused:
        parse_routing_table({**_document(), "vocabulary": {"PLAN": "方案编制"}})
    assert refused.value.field == "vocabulary"
