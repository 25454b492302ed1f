"""Who hears what: the routing table, as data (data/routing.toml), and the recipients it gives for an event.

For each event type the table names its payload, a title and text template, and routes: an audience (the
unit, its district task force, the municipal task force, the integrating systems that subscribe to the
type, the public) with the channels it hears the event on, optionally only when payload fields have given
values. A route with `each` names repeated UnitRef fields of an event about several units (a spot-check round,
the 示范园区清单): its unit or district audience is every listed unit, or their districts, each told once.
Integrating systems subscribe to the types whose routes include "integrations". Types the services publish that
tell no one are listed as `ignored`, so that a type neither routed nor ignored is noticed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zdz_common.errors import InvalidArgument
from zdz_common.validation import bounded_items
from zdz_common.vocabulary import labels
from zdz_notify.domain.messages import TemplateError, check_template, render
from zdz_notify.domain.recipients import (
    CHANNELS_OF,
    MUNICIPAL,
    PUBLIC,
    Channel,
    RecipientId,
    RecipientKind,
    district_recipient,
    unit_recipient,
)

MAX_SUBSCRIPTIONS = 200  # event types or patterns one integration subscribes to
MAX_PATTERN_LENGTH = 200


class RoutingTableError(InvalidArgument):
    """The routing table is malformed or does not fit the event contracts; the service refuses to start."""


class Audience(enum.StrEnum):
    UNIT = "unit"  # the unit the event is about
    DISTRICT = "district"  # its district task force (区县工作专班)
    MUNICIPAL = "municipal"  # the municipal task force (市级工作专班)
    INTEGRATIONS = "integrations"  # every integrating system subscribed to the event type
    PUBLIC = "public"  # the public notice board (公示栏)


_KIND_OF: dict[Audience, RecipientKind] = {
    Audience.UNIT: RecipientKind.UNIT,
    Audience.DISTRICT: RecipientKind.DISTRICT,
    Audience.MUNICIPAL: RecipientKind.MUNICIPAL,
    Audience.INTEGRATIONS: RecipientKind.INTEGRATION,
    Audience.PUBLIC: RecipientKind.PUBLIC,
}
NEEDS_UNIT = frozenset({Audience.UNIT, Audience.DISTRICT})
_EVENT_TYPE = re.compile(r"^zdz(\.[a-z][a-z0-9_]*){3}$")
_PATTERN_TOKEN = re.compile(r"^([a-z][a-z0-9_]*|\*|>)$")


@dataclass(frozen=True)
class UnitRef:
    """The unit an event is about (zdz.events.v1.UnitRef)."""

    id: str
    district_code: str
    kind: str = ""
    name: str = ""


@dataclass(frozen=True)
class Route:
    audience: Audience
    channels: tuple[Channel, ...]
    when: tuple[tuple[str, str], ...] = ()
    each: tuple[str, ...] = ()  # repeated UnitRef fields whose units (or their districts) are the audience

    def applies(self, values: Mapping[str, str]) -> bool:
        return all(values.get(name) == wanted for name, wanted in self.when)


@dataclass(frozen=True)
class EventRule:
    event_type: str
    payload: str  # full protobuf message name
    title: str
    text: str
    routes: tuple[Route, ...]
    stale_after: str = ""  # a timestamp field: once it has passed, the event is no longer worth telling

    @property
    def offered_to_integrations(self) -> bool:
        return any(route.audience is Audience.INTEGRATIONS for route in self.routes)

    @property
    def needs_unit(self) -> bool:
        return any(route.audience in NEEDS_UNIT and not route.each for route in self.routes)

    @property
    def unit_lists(self) -> tuple[str, ...]:
        """The repeated UnitRef fields its routes fan out over."""
        return tuple(dict.fromkeys(name for route in self.routes for name in route.each))

    @property
    def to_board(self) -> bool:
        return any(Channel.BOARD in route.channels for route in self.routes)


@dataclass(frozen=True)
class PayloadShape:
    """What the routing table needs to know of a payload message to check its rules against it."""

    name: str
    has_unit: bool  # a field `unit` of type zdz.events.v1.UnitRef
    scalar_fields: frozenset[str]
    timestamp_fields: frozenset[str]
    sample: Mapping[str, Any]  # template fields of a default instance
    unit_lists: frozenset[str] = frozenset()  # fields of type `repeated zdz.events.v1.UnitRef`


@dataclass(frozen=True)
class Subscriber:
    """An integrating system and the event types (or patterns) it subscribes to."""

    recipient: RecipientId
    patterns: tuple[str, ...]

    def hears(self, event_type: str) -> bool:
        return any(subject_matches(pattern, event_type) for pattern in self.patterns)


@dataclass(frozen=True)
class Addressee:
    recipient: RecipientId
    channel: Channel
    about: UnitRef | None = None  # the listed unit a fanned-out route reached it through


class MissingUnit(InvalidArgument):
    """An event routed to a unit or its district does not say which unit it is about."""


@dataclass(frozen=True)
class RoutingTable:
    rules: Mapping[str, EventRule]
    vocabulary: Mapping[str, str] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()  # published types that tell no one, on purpose

    def rule_for(self, event_type: str) -> EventRule | None:
        return self.rules.get(event_type)

    def offered(self) -> list[str]:
        return sorted(t for t, rule in self.rules.items() if rule.offered_to_integrations)

    def check_subscriptions(self, patterns: Sequence[str], field: str = "event_types") -> tuple[str, ...]:
        """The patterns, each checked to match an event type offered to integrating systems."""
        if not patterns:
            raise InvalidArgument("至少订阅一种事件类型 (subscribe to at least one event type)", field=field)
        bounded_items(patterns, field, max_items=MAX_SUBSCRIPTIONS)
        offered = self.offered()
        for index, pattern in enumerate(patterns):
            where = f"{field}[{index}]"
            if len(pattern) > MAX_PATTERN_LENGTH:
                raise InvalidArgument(
                    f"事件类型不能超过 {MAX_PATTERN_LENGTH} 个字符 (at most {MAX_PATTERN_LENGTH} characters)",
                    field=where,
                )
            tokens = pattern.split(".")
            if not all(_PATTERN_TOKEN.match(t) for t in tokens) or ">" in tokens[:-1]:
                raise InvalidArgument(
                    f"{pattern!r} 不是事件类型或 NATS 式通配 (e.g. zdz.workflow.notice.published, zdz.workflow.>)",
                    field=where,
                )
            if not any(subject_matches(pattern, t) for t in offered):
                if any(subject_matches(pattern, t) for t in self.rules):
                    reason = "不向外部系统开放 (not offered to integrating systems)"
                else:
                    reason = "未知事件类型 (unknown event type)"
                raise InvalidArgument(f"{pattern!r}：{reason}，见 ListEventTypes", field=where)
        return tuple(patterns)

    def addressees(
        self,
        rule: EventRule,
        *,
        unit: UnitRef | None,
        values: Mapping[str, str],
        subscribers: Sequence[Subscriber],
        unit_lists: Mapping[str, Sequence[UnitRef]] | None = None,
    ) -> list[Addressee]:
        """Everyone who hears an event of `rule`, once per recipient and channel, in route order;
        `unit_lists`: the units of the repeated UnitRef fields that `each` routes name."""
        found: dict[tuple[RecipientId, Channel], UnitRef | None] = {}
        for route in rule.routes:
            if not route.applies(values):
                continue
            if route.each:
                listed = [u for name in route.each for u in (unit_lists or {}).get(name, ())]
                for about in listed:
                    if not about.id or not about.district_code:
                        continue  # a listed unit without id or district cannot be told
                    recipient = (
                        unit_recipient(about.id)
                        if route.audience is Audience.UNIT
                        else district_recipient(about.district_code)
                    )
                    for channel in route.channels:
                        found.setdefault((recipient, channel), about)
                continue
            if route.audience in NEEDS_UNIT and (unit is None or not unit.id or not unit.district_code):
                raise MissingUnit(
                    f"事件 {rule.event_type} 未注明单元及其区县，无法通知单元或区县 (event carries no unit)",
                    field="unit",
                )
            recipients: list[RecipientId]
            match route.audience:
                case Audience.UNIT:
                    recipients = [unit_recipient(unit.id)]  # type: ignore[union-attr]
                case Audience.DISTRICT:
                    recipients = [district_recipient(unit.district_code)]  # type: ignore[union-attr]
                case Audience.MUNICIPAL:
                    recipients = [MUNICIPAL]
                case Audience.PUBLIC:
                    recipients = [PUBLIC]
                case Audience.INTEGRATIONS:
                    recipients = [s.recipient for s in subscribers if s.hears(rule.event_type)]
            for recipient in recipients:
                for channel in route.channels:
                    found.setdefault((recipient, channel), None)
        return [Addressee(recipient, channel, about) for (recipient, channel), about in found.items()]


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, a final `>` one or more."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or (token != "*" and token != tokens[index]):
            return False
    return len(tokens) == len(wanted)


# --- parsing the table ---------------------------------------------------------------------------------------


def _text(entry: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise RoutingTableError(
            f"须为非空字符串 (a non-empty string is required), got {value!r}", field=f"{where}.{key}"
        )
    return value


def _route(entry: Any, where: str) -> Route:
    if not isinstance(entry, Mapping):
        raise RoutingTableError("须为表 (a table with `to` and `channels`)", field=where)
    unknown = set(entry) - {"to", "channels", "when", "each"}
    if unknown:
        raise RoutingTableError(f"未知的键 {sorted(unknown)} (unknown keys)", field=where)
    try:
        audience = Audience(entry.get("to"))
    except ValueError:
        raise RoutingTableError(
            f"接收对象须为 {[a.value for a in Audience]} 之一，收到 {entry.get('to')!r}", field=f"{where}.to"
        ) from None
    raw_channels = entry.get("channels")
    if not isinstance(raw_channels, list) or not raw_channels:
        raise RoutingTableError("须列出至少一个渠道 (at least one channel)", field=f"{where}.channels")
    channels: list[Channel] = []
    for raw in raw_channels:
        try:
            channel = Channel(raw)
        except ValueError:
            raise RoutingTableError(
                f"未知渠道 {raw!r}，可选 {[c.value for c in Channel]}", field=f"{where}.channels"
            ) from None
        if channel not in CHANNELS_OF[_KIND_OF[audience]]:
            allowed = sorted(c.value for c in CHANNELS_OF[_KIND_OF[audience]])
            raise RoutingTableError(
                f"{audience.value} 只能通过 {allowed} 接收，不能用 {channel.value}", field=f"{where}.channels"
            )
        channels.append(channel)
    when = entry.get("when", {})
    if not isinstance(when, Mapping) or not all(isinstance(v, str | bool | int) for v in when.values()):
        raise RoutingTableError("须为字段名到取值的表 (field = value)", field=f"{where}.when")
    pairs = tuple(sorted((k, str(v).lower() if isinstance(v, bool) else str(v)) for k, v in when.items()))
    each = entry.get("each", [])
    each = [each] if isinstance(each, str) else each
    if not isinstance(each, list) or not all(isinstance(name, str) and name for name in each):
        raise RoutingTableError("须为字段名或字段名数组 (repeated UnitRef fields)", field=f"{where}.each")
    if each and audience not in NEEDS_UNIT:
        raise RoutingTableError(
            f"each 只用于 unit 或 district，不能用于 {audience.value} (each fans out to units or districts)",
            field=f"{where}.each",
        )
    return Route(audience, tuple(dict.fromkeys(channels)), pairs, tuple(each))


def parse_routing_table(document: Mapping[str, Any]) -> RoutingTable:
    """The table from its TOML document; RoutingTableError naming the entry and key that are wrong."""
    unknown = set(document) - {"event", "vocabulary", "ignored"}
    if unknown:
        raise RoutingTableError(
            f"未知的顶层键 {sorted(unknown)} (expected [[event]], [vocabulary] and ignored)", field="routing"
        )
    vocabulary = document.get("vocabulary", {})
    if not isinstance(vocabulary, Mapping) or not all(isinstance(v, str) for v in vocabulary.values()):
        raise RoutingTableError('须为代码到中文名称的表 (CODE = "名称")', field="vocabulary")
    shared = shared_vocabulary()
    relabelled = sorted(set(vocabulary) & set(shared))
    if relabelled:
        raise RoutingTableError(
            f"{relabelled} 的中文名称由 zdz_common.vocabulary 统一规定，路由表中不得另写 "
            "(stages, grades and unit kinds are labelled in one place)",
            field="vocabulary",
        )
    entries = document.get("event", [])
    if not isinstance(entries, list) or not entries:
        raise RoutingTableError("路由表为空 (no [[event]] entries)", field="event")
    rules: dict[str, EventRule] = {}
    for index, entry in enumerate(entries):
        where = f"event[{index}]"
        if not isinstance(entry, Mapping):
            raise RoutingTableError("须为表 (a table)", field=where)
        unknown = set(entry) - {"type", "payload", "title", "text", "routes", "stale_after"}
        if unknown:
            raise RoutingTableError(f"未知的键 {sorted(unknown)} (unknown keys)", field=where)
        event_type = _text(entry, "type", where)
        where = f"event[{index}] ({event_type})"
        if not _EVENT_TYPE.match(event_type):
            raise RoutingTableError(
                f"事件类型须为 zdz.<服务>.<聚合>.<事件>，收到 {event_type!r}", field=f"{where}.type"
            )
        if event_type in rules:
            raise RoutingTableError(f"事件类型 {event_type} 重复 (listed twice)", field=f"{where}.type")
        routes = entry.get("routes", [])
        if not isinstance(routes, list):
            raise RoutingTableError("须为数组 (an array of routes)", field=f"{where}.routes")
        rule = EventRule(
            event_type=event_type,
            payload=_text(entry, "payload", where),
            title=_text(entry, "title", where),
            text=_text(entry, "text", where),
            routes=tuple(_route(route, f"{where}.routes[{n}]") for n, route in enumerate(routes)),
            stale_after=_text(entry, "stale_after", where, required=False),
        )
        for key in ("title", "text"):
            try:
                check_template(getattr(rule, key), f"{where}.{key}")
            except TemplateError as exc:
                raise RoutingTableError(exc.message, field=exc.field) from exc
        rules[event_type] = rule
    ignored = document.get("ignored", [])
    if not isinstance(ignored, list) or not all(isinstance(t, str) and _EVENT_TYPE.match(t) for t in ignored):
        raise RoutingTableError("须为事件类型数组 (zdz.<服务>.<聚合>.<事件>)", field="ignored")
    both = sorted(set(ignored) & set(rules))
    if both:
        raise RoutingTableError(f"{both} 既有路由又列为不通知 (routed and ignored)", field="ignored")
    return RoutingTable(rules, {**shared, **vocabulary}, frozenset(ignored))


def shared_vocabulary() -> dict[str, str]:
    """Every code `zdz_common.vocabulary` labels (unit kinds, stages, grades), in one flat table as templates
    look codes up: `{to_stage.label}`, `{grade.label}`, `{unit.kind.label}`."""
    return {code: label for table in labels().values() for code, label in table.items()}


def check_against_contracts(
    table: RoutingTable, shapes: Mapping[str, PayloadShape | None], board_payloads: frozenset[str]
) -> None:
    """Check each rule against its payload's shape (None: no such message): RoutingTableError when a rule
    names a missing payload or field, routes to a unit without one, or puts an unknown notice on the board."""
    for event_type, rule in table.rules.items():
        where = f"event ({event_type})"
        shape = shapes.get(rule.payload)
        if shape is None:
            raise RoutingTableError(
                f"事件契约中没有消息 {rule.payload} (no such protobuf message)", field=f"{where}.payload"
            )
        if rule.needs_unit and not shape.has_unit:
            raise RoutingTableError(
                f"{rule.payload} 没有 unit 字段，不能发给单元或区县 (no `unit: zdz.events.v1.UnitRef` field)",
                field=f"{where}.routes",
            )
        for route in rule.routes:
            for name in route.each:
                if name not in shape.unit_lists:
                    raise RoutingTableError(
                        f"{rule.payload} 没有 repeated zdz.events.v1.UnitRef 字段 {name!r} (each: unknown field)",
                        field=f"{where}.each",
                    )
            for name, _ in route.when:
                if name not in shape.scalar_fields:
                    raise RoutingTableError(
                        f"{rule.payload} 没有可比较的字段 {name!r} (when: unknown scalar field)",
                        field=f"{where}.when",
                    )
        if rule.stale_after and rule.stale_after not in shape.timestamp_fields:
            raise RoutingTableError(
                f"{rule.payload} 没有时间字段 {rule.stale_after!r} (stale_after needs a Timestamp field)",
                field=f"{where}.stale_after",
            )
        if rule.to_board and rule.payload not in board_payloads:
            raise RoutingTableError(
                f"公示栏只接收 {sorted(board_payloads)}，不能接收 {rule.payload}", field=f"{where}.routes"
            )
        sample = {**shape.sample, "district_name": "", "event_time": ""}
        for key in ("title", "text"):
            try:
                render(getattr(rule, key), sample, field=f"{where}.{key}")
            except TemplateError as exc:
                raise RoutingTableError(exc.message, field=exc.field) from exc
