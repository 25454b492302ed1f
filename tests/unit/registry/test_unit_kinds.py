"""Every rule that depends on a unit's kind names each kind and refuses one it does not know; stored events from
before the one UnitKind enum stay readable; the directory knows nothing of the ledger."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import events_pb2, ledger_events_pb2
from zdz_common.context import Actor
from zdz_common.eventstore import RecordedEvent
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_registry.directory.adapters.event_mapping import CODEC as DIRECTORY_CODEC
from zdz_registry.directory.domain.events import UnitRegistered
from zdz_registry.directory.domain.model import ParkLevel, Unit, UnitDetails
from zdz_registry.ledger.adapters.event_mapping import CODEC as LEDGER_CODEC
from zdz_registry.ledger.domain.events import AcceptanceStateSet, UnitRef
from zdz_registry.ledger.domain.progress import Standing, progress

REGISTRY = Path(__file__).resolve().parents[3] / "services/registry/zdz_registry"


def _recorded(event_type: str, data: bytes) -> RecordedEvent:
    return RecordedEvent(
        position=1,
        event_id="e-1",
        stream_id="s/1",
        version=1,
        type=event_type,
        source="zdz/registry",
        subject="",
        recorded_at=datetime(2024, 7, 1, tzinfo=UTC),
        data_type="",
        data=data,
        actor=Actor(),
        request_id="r-1",
        traceparent="",
        prev_hash="",
        hash="",
    )


def test_a_unit_of_a_kind_without_a_rule_is_refused_not_registered_as_another_kind() -> None:
    with pytest.raises(UnknownUnitKind):
        Unit.register(
            unit_id="", district_code="wanzhou", kind="HAMLET", details=UnitDetails("某村", False, 2027)
        )


def test_each_kind_has_its_own_rule_for_park_and_level() -> None:
    park = Unit.register(
        unit_id="",
        district_code="wanzhou",
        kind=UnitKind.PARK_GROUP,
        details=UnitDetails("某组团", False, 2025, park="某园区", level=ParkLevel.PROVINCIAL),
    )
    town = Unit.register(
        unit_id="", district_code="wanzhou", kind=UnitKind.TOWN, details=UnitDetails("某镇", True, 2027)
    )
    assert (park.kind, town.kind) == (UnitKind.PARK_GROUP, UnitKind.TOWN)


def test_progress_refuses_a_kind_it_has_no_targets_for() -> None:
    with pytest.raises(UnknownUnitKind):
        progress([Standing("HAMLET", False, 2027, None)], (30, 80))  # type: ignore[arg-type]


def test_events_carry_the_kind_as_the_one_wire_enum_and_back() -> None:
    registered = UnitRegistered(
        "u-1", "wanzhou", UnitKind.PARK_GROUP, "某组团", False, 2025, "某园区", "NATIONAL"
    )
    new = DIRECTORY_CODEC.encode(registered)
    assert new.data.kind == refs_pb2.UNIT_KIND_PARK_GROUP
    assert DIRECTORY_CODEC.decode(_recorded(new.type, new.data.SerializeToString())) == registered

    state_set = AcceptanceStateSet(
        UnitRef("u-1", "wanzhou", UnitKind.TOWN, "某镇"), "FILED", "2024-07-01", ""
    )
    new = LEDGER_CODEC.encode(state_set)
    assert new.data.unit.kind == refs_pb2.UNIT_KIND_TOWN
    assert LEDGER_CODEC.decode(_recorded(new.type, new.data.SerializeToString())) == state_set


def test_events_stored_with_the_kind_as_text_are_read_as_they_were_written() -> None:
    # Before the one UnitKind enum, UnitRegistered and UnitRef carried the kind as text in field 3 (now reserved).
    legacy_kind = b"\x1a\x0aPARK_GROUP"
    registered = events_pb2.UnitRegistered(id="u-1", district_code="wanzhou", name="某组团", target_year=2025)
    event = DIRECTORY_CODEC.decode(
        _recorded("zdz.registry.unit.registered", registered.SerializeToString() + legacy_kind)
    )
    assert event.kind is UnitKind.PARK_GROUP

    unit = (
        refs_pb2.UnitRef(id="u-1", district_code="wanzhou", name="某组团").SerializeToString() + legacy_kind
    )
    state_set = ledger_events_pb2.AcceptanceStateSet(state="FILED", on="2024-07-01")
    state_set.unit.ParseFromString(unit)
    decoded = LEDGER_CODEC.decode(
        _recorded("zdz.registry.acceptance.state_set", state_set.SerializeToString())
    )
    assert decoded.unit.kind is UnitKind.PARK_GROUP


def test_the_directory_does_not_import_the_ledger() -> None:
    for path in (REGISTRY / "directory").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("zdz_registry.ledger"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("zdz_registry.ledger") for a in node.names), path
