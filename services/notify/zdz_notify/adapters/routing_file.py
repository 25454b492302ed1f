"""Loading the routing table from its TOML file and checking it against the event contracts."""

from __future__ import annotations

import tomllib
from pathlib import Path

from zdz_notify.adapters.board import BOARD_PAYLOADS
from zdz_notify.adapters.payloads import import_event_contracts, shape_of
from zdz_notify.domain.routing import (
    RoutingTable,
    RoutingTableError,
    check_against_contracts,
    parse_routing_table,
)

DEFAULT_ROUTING_FILE = Path(__file__).resolve().parent.parent / "data" / "routing.toml"


def load_routing_table(path: Path = DEFAULT_ROUTING_FILE) -> RoutingTable:
    """The table in `path`, checked; RoutingTableError saying which entry is wrong and why."""
    import_event_contracts()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RoutingTableError(f"无法读取路由表 {path}：{exc}", field="routing") from exc
    table = parse_routing_table(document)
    vocabulary = dict(table.vocabulary)
    shapes = {rule.payload: shape_of(rule.payload, vocabulary) for rule in table.rules.values()}
    check_against_contracts(table, shapes, BOARD_PAYLOADS)
    return table
