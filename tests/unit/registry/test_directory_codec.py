"""The directory's new events survive the wire; a UnitRegistered stored before issue 12 still decodes."""

from __future__ import annotations

from zdz.registry.v1 import events_pb2
from zdz_common.eventstore import RecordedEvent
from zdz_common.vocabulary import UnitKind
from zdz_registry.directory.adapters.event_mapping import CODEC
from zdz_registry.directory.domain.events import (
    DemonstrationVillageCompleted,
    DemonstrationVillageDesignated,
    UnitMoved,
    UnitProfileUpdated,
    UnitRegistered,
)


def _recorded(event_type: str, data: bytes) -> RecordedEvent:
    """The two parts of a stored event the codec reads: its type and its payload."""
    stored = RecordedEvent.__new__(RecordedEvent)
    object.__setattr__(stored, "type", event_type)
    object.__setattr__(stored, "data", data)
    return stored


def _round_trip(event: object) -> object:
    new = CODEC.encode(event)  # type: ignore[arg-type]
    return CODEC.decode(_recorded(new.type, new.data.SerializeToString()))


def test_new_events_round_trip() -> None:
    for event in (
        UnitMoved("u", "yubei", "liangjiang", "functional_zones_2024-06-18.toml"),
        UnitProfileUpdated("u", 12.5, "城区", 30000, "某镇政府", "张三", "023-1234"),
        DemonstrationVillageDesignated("u", "wanzhou", "某村民委员会", "2025-01-10", "区计划"),
        DemonstrationVillageCompleted("u", "wanzhou", "某村民委员会", "2025-05-01", ("照片",), ""),
    ):
        assert _round_trip(event) == event


def test_a_unit_registered_without_the_new_fields_decodes_with_defaults() -> None:
    old = events_pb2.UnitRegistered(id="u", district_code="wanzhou", name="某镇", target_year=2027)
    old.kind = 1  # UNIT_KIND_TOWN
    event = CODEC.decode(_recorded("zdz.registry.unit.registered", old.SerializeToString()))
    assert isinstance(event, UnitRegistered)
    assert (event.kind, event.official_code, event.town_id, event.out_of_scope) == (
        UnitKind.TOWN,
        "",
        "",
        False,
    )
