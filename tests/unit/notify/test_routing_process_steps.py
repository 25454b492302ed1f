"""Routing of issue 11's steps: 备案 reminders, objections, filings, spot-check rounds, look-back flags and the
demonstration track; routes that fan out over an event's listed units; every published type routed or ignored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from zdz.registry.v1 import events_pb2 as registry_events
from zdz.registry.v1 import ledger_events_pb2 as ledger_events
from zdz.workflow.v1 import events_pb2
from zdz_notify.adapters.routing_file import load_routing_table
from zdz_notify.domain.routing import (
    PayloadShape,
    RoutingTable,
    RoutingTableError,
    UnitRef,
    check_against_contracts,
    parse_routing_table,
)

PROTO = Path(__file__).resolve().parents[3] / "proto" / "zdz"
UNIT, DISTRICT, MUNICIPAL = "unit:u1", "district:bishan", "municipal"
TOWN = UnitRef(id="u1", district_code="bishan", kind="TOWN", name="璧城街道")


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return load_routing_table()


def _heard(
    table: RoutingTable, event_type: str, unit_lists: dict[str, list[UnitRef]] | None = None, **values: str
) -> set[tuple[str, str]]:
    rule = table.rule_for(event_type)
    assert rule is not None, event_type
    addressees = table.addressees(rule, unit=TOWN, values=values, subscribers=[], unit_lists=unit_lists)
    return {(str(a.recipient), a.channel.value) for a in addressees}


def test_a_filing_reminder_reaches_the_district_that_must_file_and_other_reminders_do_not(
    table: RoutingTable,
) -> None:
    filing = _heard(table, "zdz.workflow.deadline.approaching", deadline_kind="FILING")
    assert {(DISTRICT, "inbox"), (DISTRICT, "email")} <= filing
    assert not any(
        r == DISTRICT for r, _ in _heard(table, "zdz.workflow.deadline.approaching", deadline_kind="PLAN")
    )
    missed = _heard(table, "zdz.workflow.deadline.missed", deadline_kind="FILING")
    assert {(DISTRICT, "email"), (MUNICIPAL, "inbox")} <= missed
    assert (MUNICIPAL, "inbox") not in _heard(table, "zdz.workflow.deadline.missed", deadline_kind="SURVEY")


def test_an_objection_raised_reaches_the_district_that_must_answer_and_the_board(table: RoutingTable) -> None:
    assert {(DISTRICT, "inbox"), (DISTRICT, "email"), ("public", "board")} <= _heard(
        table, "zdz.workflow.objection.raised"
    )
    assert {(UNIT, "email"), ("public", "board")} <= _heard(table, "zdz.workflow.objection.resolved")


def test_a_filing_reaches_the_municipal_task_force_and_its_acknowledgement_the_district(
    table: RoutingTable,
) -> None:
    assert {(MUNICIPAL, "inbox"), (MUNICIPAL, "email"), ("public", "board")} <= _heard(
        table, "zdz.workflow.filing.filed"
    )
    assert {(DISTRICT, "inbox"), (DISTRICT, "email"), ("public", "board")} <= _heard(
        table, "zdz.workflow.filing.acknowledged"
    )


def test_a_look_back_flag_reaches_the_municipal_task_force_that_decides(table: RoutingTable) -> None:
    assert {(MUNICIPAL, "inbox"), (MUNICIPAL, "email")} <= _heard(table, "zdz.workflow.look_back.flagged")


def test_a_demonstration_step_reaches_the_parks_district(table: RoutingTable) -> None:
    assert {(DISTRICT, "inbox"), (DISTRICT, "email")} <= _heard(table, "zdz.workflow.demonstration.updated")


def test_a_closed_round_reaches_each_district_with_a_unit_drawn_or_released_once(table: RoutingTable) -> None:
    drawn = [TOWN]
    released = [
        UnitRef(id="u2", district_code="bishan", kind="TOWN", name="青杠街道"),
        UnitRef(id="u3", district_code="wanzhou", kind="PARK_GROUP", name="高峰园组团"),
    ]
    rule = table.rule_for("zdz.workflow.spot_check.round_closed")
    assert rule is not None
    addressees = table.addressees(
        rule, unit=None, values={}, subscribers=[], unit_lists={"drawn": drawn, "released": released}
    )
    heard = [(str(a.recipient), a.channel.value) for a in addressees]
    assert heard.count((DISTRICT, "email")) == 1 and ("district:wanzhou", "email") in heard
    assert {("unit:u2", "inbox"), ("unit:u3", "inbox")} <= set(heard) and (UNIT, "inbox") not in heard
    wanzhou = next(a for a in addressees if str(a.recipient) == "district:wanzhou")
    assert wanzhou.about == released[1]  # the notification is filed under the unit that reached it


def test_the_demonstration_list_reaches_the_board_and_each_listed_parks_district(table: RoutingTable) -> None:
    park = UnitRef(id="p1", district_code="wanzhou", kind="PARK_GROUP", name="高峰园组团")
    heard = _heard(table, "zdz.workflow.demonstration.list_published", {"units": [park]})
    assert {("public", "board"), ("district:wanzhou", "inbox"), ("unit:p1", "inbox")} <= heard


def _published_types(service: str) -> set[str]:
    text = (PROTO / service / "v1" / "events.proto").read_text(encoding="utf-8")
    return set(re.findall(r"\(type (zdz\.[a-z_]+\.[a-z_]+\.[a-z_]+)\)", text))


@pytest.mark.parametrize("service", ["workflow", "scoring"])
def test_every_event_type_a_service_publishes_is_routed_or_explicitly_ignored(
    table: RoutingTable, service: str
) -> None:
    published = _published_types(service)
    assert published, service
    assert published - set(table.rules) - table.ignored == set()


def test_every_workflow_and_registry_event_message_has_a_rule(table: RoutingTable) -> None:
    payloads = {rule.payload for rule in table.rules.values()}
    messages = {
        m.full_name
        for module in (events_pb2, registry_events, ledger_events)
        for m in module.DESCRIPTOR.message_types_by_name.values()
    }
    assert messages - payloads == set()


def _document(**route: Any) -> dict[str, Any]:
    return {
        "event": [
            {
                "type": "zdz.workflow.spot_check.round_closed",
                "payload": "zdz.workflow.v1.SpotCheckRoundClosed",
                "title": "t",
                "text": "{round}",
                "routes": [{"to": "district", "channels": ["inbox"], **route}],
            }
        ]
    }


ROUND = PayloadShape(
    name="zdz.workflow.v1.SpotCheckRoundClosed",
    has_unit=False,
    scalar_fields=frozenset({"round"}),
    timestamp_fields=frozenset(),
    sample={"round": ""},
    unit_lists=frozenset({"drawn", "released"}),
)


def test_a_route_may_fan_out_only_over_a_repeated_unit_field_and_only_to_units_or_districts() -> None:
    check_against_contracts(parse_routing_table(_document(each="drawn")), {ROUND.name: ROUND}, frozenset())
    with pytest.raises(RoutingTableError, match=r"没有 repeated zdz\.events\.v1\.UnitRef 字段 'round'"):
        check_against_contracts(
            parse_routing_table(_document(each="round")), {ROUND.name: ROUND}, frozenset()
        )
    with pytest.raises(
        RoutingTableError, match="没有 unit 字段"
    ):  # a district route without `each` needs a unit
        check_against_contracts(parse_routing_table(_document()), {ROUND.name: ROUND}, frozenset())
    document = _document(each="drawn")
    document["event"][0]["routes"][0]["to"] = "municipal"
    with pytest.raises(RoutingTableError, match="each 只用于 unit 或 district"):
        parse_routing_table(document)


def test_a_type_both_routed_and_ignored_is_refused() -> None:
    with pytest.raises(RoutingTableError, match="既有路由又列为不通知"):
        parse_routing_table({**_document(each="drawn"), "ignored": ["zdz.workflow.spot_check.round_closed"]})
