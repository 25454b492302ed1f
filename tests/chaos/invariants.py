"""What must hold after the campaign, each checked against the stores themselves (the services' PostgreSQL
databases and the JetStream streams) and against what readers see over gRPC. Each check gives its figures and
the anomalies it found (an empty list: it holds)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import grpc
import nats
import sqlalchemy as sa
from google.protobuf import symbol_database
from sqlmodel import Session

from tests.chaos.system import SERVICES, System
from tests.chaos.workload import Clients, Command, Town
from zdz.ops.v1 import operations_pb2, operations_pb2_grpc
from zdz.registry.v1 import events_pb2, ledger_events_pb2, ledger_pb2  # noqa: F401 (payload types by name)
from zdz.scoring.v1 import events_pb2 as scoring_events  # noqa: F401
from zdz.scoring.v1 import scoring_pb2 as sc
from zdz.workflow.v1 import events_pb2 as workflow_events  # noqa: F401
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz_common.consumer import DEAD_LETTER_STREAM
from zdz_common.eventstore import EventStore
from zdz_common.nats_streams import stream_name
from zdz_notify.adapters.routing_file import load_routing_table
from zdz_notify.domain.recipients import MUNICIPAL, Channel, district_recipient, unit_recipient
from zdz_notify.domain.routing import Audience
from zdz_registry.ledger.domain.progress import AcceptanceState, state_after_step

APPLIED = ("acked", "applied-answer-lost")
DENIED = ".access.denied"  # a refusal's own audit record (zdz_common.authorisation): expected, not a trace


@dataclass
class Check:
    name: str
    figures: dict[str, object] = field(default_factory=dict)
    anomalies: list[str] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.anomalies


def _engine(system: System, service: str) -> sa.Engine:
    return sa.create_engine(system.database_url(service))


def stored_events(system: System) -> dict[str, list[sa.Row]]:  # type: ignore[type-arg]
    found = {}
    for service in SERVICES:
        engine = _engine(system, service)
        with engine.connect() as connection:
            found[service] = list(
                connection.execute(
                    sa.text(
                        "SELECT position, event_id, stream_id, version, type, request_id, data_type, data "
                        "FROM es_event ORDER BY position"
                    )
                )
            )
        engine.dispose()
    return found


def _key_of(request_id: str) -> str:
    """The idempotency key a stored request id carries: itself, or in the workflow `idem/<caller>/<key>#<request
    fingerprint>` (its Temporal update id)."""
    if not request_id.startswith("idem/"):
        return request_id
    return request_id.rsplit("/", 1)[-1].split("#", 1)[0]


def settle(system: System, timeout: float = 240.0) -> dict[str, object]:
    """Wait until every outbox is sent and every durable consumer has acknowledged everything."""
    began = time.monotonic()
    unsent: dict[str, int] = {}
    pending: dict[str, int] = {}
    while time.monotonic() - began < timeout:
        unsent = {}
        for service in SERVICES:
            engine = _engine(system, service)
            with engine.connect() as connection:
                unsent[service] = connection.execute(
                    sa.text("SELECT count(*) FROM es_outbox WHERE sent_at IS NULL")
                ).scalar_one()
            engine.dispose()
        pending = asyncio.run(_pending(system.nats.url))
        if not any(unsent.values()) and not any(pending.values()):
            break
        time.sleep(1.0)
    return {"seconds": round(time.monotonic() - began, 1), "unsent": unsent, "pending": pending}


async def _pending(url: str) -> dict[str, int]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        pending = {}
        for stream in await js.streams_info():
            for consumer in await js.consumers_info(stream.config.name):
                pending[f"{stream.config.name}/{consumer.name}"] = (
                    consumer.num_pending + consumer.num_ack_pending
                )
        return pending
    finally:
        await nc.drain()


def acknowledged_once(commands: list[Command], events: dict[str, list[sa.Row]], system: System) -> Check:  # type: ignore[type-arg]
    """Every acknowledged command's events are in its service's store exactly once: each key of a kind of
    command carries as many events as every other key of that kind (one application), never none; where the
    service keeps idempotency keys, the key's stored answer is the answer the client got, byte for byte."""
    check = Check("every acknowledged command appears exactly once in its store")
    by_key: dict[str, dict[str, int]] = {s: Counter() for s in SERVICES}  # type: ignore[misc]
    for service, rows in events.items():
        for row in rows:
            by_key[service][_key_of(row.request_id)] += 1
    per_kind: dict[str, Counter[int]] = defaultdict(Counter)
    applied = [c for c in commands if c.outcome in APPLIED and not c.must_refuse]
    for command in applied:
        per_kind[command.what][by_key[command.service].get(command.key, 0)] += 1
    for what, counts in per_kind.items():
        usual = counts.most_common(1)[0][0]
        check.figures[what] = dict(sorted(counts.items()))
        if usual == 0:
            check.anomalies.append(f"{what}: most acknowledged commands left no event in the store")
        for command in applied:
            if command.what == what and by_key[command.service].get(command.key, 0) != usual:
                check.anomalies.append(
                    f"{what} {command.key} (unit {command.unit_id}): {by_key[command.service].get(command.key, 0)} "
                    f"events, one application is {usual}"
                )
    answers = 0
    for service in ("registry", "scoring"):
        engine = _engine(system, service)
        with engine.connect() as connection:
            stored = {
                (row.caller, row.key): row.response
                for row in connection.execute(sa.text("SELECT caller, key, response FROM es_idempotency"))
            }
        engine.dispose()
        for command in applied:
            if command.service != service or command.outcome != "acked":
                continue
            answers += 1
            if (command.caller, command.key) not in stored:
                check.anomalies.append(f"{command.what} {command.key}: its idempotency key is not stored")
            elif stored[(command.caller, command.key)] != command.answer:
                check.anomalies.append(
                    f"{command.what} {command.key}: the stored answer differs from the one sent"
                )
    check.figures["commands applied"] = len(applied)
    check.figures["stored answers compared"] = answers
    return check


def projections(clients: Clients, towns: list[Town], commands: list[Command]) -> Check:
    """Every acknowledged command as readers see it: the ledger's problems and verified tasks (registry), the
    process's stage (workflow), the signed sheet (scoring)."""
    check = Check("every acknowledged command appears in every projection")
    c = clients
    unsure = {c_.unit_id for c_ in commands if c_.outcome in ("applied-answer-lost", "undecided")}
    imported = {c_.unit_id for c_ in commands if c_.what == "ImportLedgerRows" and c_.outcome in APPLIED}
    figures: Counter[str] = Counter()
    for town in towns:
        try:
            _project(c, town, imported, unsure, figures, check)
        except grpc.RpcError as error:  # a read that keeps failing is the town's anomaly
            check.anomalies.append(f"{town.unit.id}: read failed: {error.code().name} {error.details()}")  # type: ignore[attr-defined]
    check.figures.update(figures)
    check.figures["towns with an undecided or answer-lost command (stage not compared)"] = len(unsure)
    return check


def _project(
    c: Clients, town: Town, imported: set[str], unsure: set[str], figures: Counter[str], check: Check
) -> None:
    """One town as the registry, the workflow and scoring show it."""
    unit = town.unit.id
    if unit in imported:
        problems = c.read(
            c.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=unit), c.city
        ).problems
        figures["ledgers read"] += 1
        if len(problems) != 4:
            check.anomalies.append(f"{unit}: {len(problems)} problems in the ledger, the import had 4")
        verified = {p.id for p in problems if p.task.state == ledger_pb2.TASK_STATE_VERIFIED}
        if not town.problems_verified <= verified:
            check.anomalies.append(
                f"{unit}: verified tasks {sorted(town.problems_verified - verified)} not shown"
            )
        figures["tasks verified shown"] += len(town.problems_verified & verified)
    if town.stage:
        process = c.read(c.workflow.GetProcess, wf.GetProcessRequest(process=town.ref), c.city).process
        figures["processes read"] += 1
        seen = wf.Stage.Name(process.stage)
        if seen != town.stage and unit not in unsure:
            check.anomalies.append(
                f"{unit}: the process is in {seen}, the last acknowledged answer said {town.stage}"
            )
    if town.sheet_id:
        sheet = c.read(c.scoring.GetSheet, sc.GetSheetRequest(sheet_id=town.sheet_id), c.city).sheet
        figures["signed sheets read"] += 1
        if sheet.state != sc.SHEET_STATE_SIGNED:
            check.anomalies.append(f"{unit}: sheet {town.sheet_id} is {sc.SheetState.Name(sheet.state)}")


def stages_agree(clients: Clients, towns: list[Town], system: System) -> Check:
    """Every process's stage (workflow) gives the unit's acceptance state in the registry (its follower)."""
    check = Check("every workflow's stage equals the registry's acceptance state")
    c = clients
    engine = _engine(system, "registry")
    with engine.connect() as connection:
        states = dict(connection.execute(sa.text("SELECT unit_id, state FROM registry_acceptance")).all())
    engine.dispose()
    compared = 0
    per_state: Counter[str] = Counter()
    for town in towns:
        try:
            process = c.read(c.workflow.GetProcess, wf.GetProcessRequest(process=town.ref), c.city).process
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                check.anomalies.append(f"{town.unit.id}: read failed: {error.code().name} {error.details()}")  # type: ignore[attr-defined]
            continue
        stage = wf.Stage.Name(process.stage).removeprefix("STAGE_")
        wanted = state_after_step(stage, None)
        compared += 1
        held = states.get(town.unit.id, AcceptanceState.IN_PROGRESS.value)  # no row yet: IN_PROGRESS
        per_state[held] += 1
        if wanted is not None and held != wanted.value:
            check.anomalies.append(
                f"{town.unit.id}: stage {stage} means {wanted.value}, the registry has {held}"
            )
    check.figures["processes compared"] = compared
    check.figures["registry states seen"] = dict(per_state)
    return check


def notifications(events: dict[str, list[sa.Row]], system: System) -> Check:  # type: ignore[type-arg]
    """Every event the routing table sends to an inbox without condition (unit, district, municipal) is in
    notify's inbox store exactly once per recipient; no notification names an event no store holds."""
    check = Check("every expected notification exists exactly once")
    table = load_routing_table()
    engine = _engine(system, "notify")
    with engine.connect() as connection:
        stored = Counter(
            (row.event_id, row.recipient)
            for row in connection.execute(
                sa.text("SELECT event_id, recipient FROM notify_notification WHERE channel = 'inbox'")
            )
        )
    engine.dispose()
    pool = symbol_database.Default()
    expected = 0
    known: set[str] = set()
    for service in ("registry", "scoring", "workflow"):
        for row in events[service]:
            known.add(row.event_id)
            rule = table.rule_for(row.type)
            if rule is None or rule.stale_after:
                continue
            routes = [
                r
                for r in rule.routes
                if Channel.INBOX in r.channels
                and not r.when
                and not r.each
                and r.audience in (Audience.UNIT, Audience.DISTRICT, Audience.MUNICIPAL)
            ]
            if not routes:
                continue
            payload = pool.GetSymbol(row.data_type)()
            payload.ParseFromString(row.data)
            unit = getattr(payload, "unit", None)
            for route in routes:
                if route.audience is Audience.MUNICIPAL:
                    recipient = MUNICIPAL
                elif unit is None or not unit.id:
                    continue
                elif route.audience is Audience.UNIT:
                    recipient = unit_recipient(unit.id)
                else:
                    recipient = district_recipient(unit.district_code)
                expected += 1
                count = stored.get((row.event_id, str(recipient)), 0)
                if count != 1:
                    check.anomalies.append(f"{row.type} {row.event_id} → {recipient}: {count} notifications")
    orphans = [key for key in stored if key[0] not in known]
    check.anomalies += [f"notification of unknown event {event} → {who}" for event, who in orphans[:20]]
    check.figures.update(
        {"expected": expected, "inbox notifications stored": sum(stored.values()), "orphans": len(orphans)}
    )
    return check


def chains(system: System) -> Check:
    check = Check("every chain verifies")
    for service in SERVICES:
        engine = _engine(system, service)
        with Session(engine) as session:
            result = EventStore(f"zdz/{service}").verify(session)
        engine.dispose()
        check.figures[service] = f"{result.events_checked} events"
        if not result.ok:
            check.anomalies.append(f"{service}: broken at {result.first_broken_link}")
    return check


async def _stream_ids(url: str, service: str) -> list[str]:
    """The event ids (Nats-Msg-Id) of every message in the service's stream, in stream order."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        name = stream_name(service)
        count = (await js.stream_info(name)).state.messages
        ids: list[str] = []
        if not count:
            return ids
        subscription = await js.subscribe(f"zdz.{service}.>", stream=name, ordered_consumer=True)
        while len(ids) < count:
            message = await subscription.next_msg(timeout=10)
            ids.append((message.headers or {}).get("Nats-Msg-Id", ""))
        await subscription.unsubscribe()
        return ids
    finally:
        await nc.drain()


async def _dead_letters(url: str) -> int:
    nc = await nats.connect(url)
    try:
        try:
            return (await nc.jetstream().stream_info(DEAD_LETTER_STREAM)).state.messages
        except nats.js.errors.NotFoundError:
            return 0
    finally:
        await nc.drain()


def refeed(clients: Clients, events: dict[str, list[sa.Row]], system: System) -> Check:
    """Each stream holds exactly its store's events, once each, every event stream's in version order (the relay
    keeps order per stream; the store's global position order is not commit order). Re-feeding it from the
    store's first position (zdz.ops.v1 Refeed) queues every stored event, appends to the stream only stored
    events (those older than the de-duplication window), and changes no consumer's effects (notify's
    notifications, every follower's tracking)."""
    check = Check("re-feeding each stream from its store yields exactly the stored events")
    url = system.nats.url

    def effects() -> tuple[int, int]:
        tracked = 0
        for service in SERVICES:
            engine = _engine(system, service)
            with engine.connect() as connection:
                tracked += connection.execute(sa.text("SELECT count(*) FROM es_tracking")).scalar_one()
                if service == "notify":
                    told = connection.execute(
                        sa.text("SELECT count(*) FROM notify_notification")
                    ).scalar_one()
            engine.dispose()
        return tracked, told

    def exactly_the_store(service: str, published: list[str], what: str) -> list[str]:
        """`published` holds each stored event once, nothing else, every event stream's in version order."""
        stored = {row.event_id: row for row in events[service]}
        problems = []
        doubled = [i for i, n in Counter(published).items() if n > 1]
        if doubled:
            problems.append(f"{service} ({what}): {len(doubled)} events twice, e.g. {doubled[0]}")
        if set(published) != set(stored):
            missing, extra = set(stored) - set(published), set(published) - set(stored)
            problems.append(
                f"{service} ({what}): {len(missing)} stored events missing, {len(extra)} not stored"
            )
        seen: dict[str, int] = {}
        for event in (e for e in dict.fromkeys(published) if e in stored):
            row = stored[event]
            if row.version < seen.get(row.stream_id, 0):
                problems.append(f"{service} ({what}): stream {row.stream_id} out of order at {event}")
                break
            seen[row.stream_id] = row.version
        return problems

    published = {service: asyncio.run(_stream_ids(url, service)) for service in SERVICES}
    for service in SERVICES:
        check.anomalies += exactly_the_store(service, published[service], "the stream")
        check.figures[f"{service}"] = (
            f"{len(events[service])} stored, {len(published[service])} in the stream"
        )
    before = effects()
    for service in (s for s in SERVICES if events[s]):  # a store without events has nothing to re-feed
        with grpc.insecure_channel(system.address(service)) as channel:
            stub = operations_pb2_grpc.OperationsServiceStub(channel)
            answer = clients.read(stub.Refeed, operations_pb2.RefeedRequest(from_position=1), clients.city)
        if answer.queued != len(events[service]):
            check.anomalies.append(
                f"{service}: re-feed queued {answer.queued} of {len(events[service])} events"
            )
    check.figures["settled after re-feed"] = settle(system)
    # Re-fed events JetStream still holds inside its de-duplication window are dropped; older ones are appended
    # again (operations.py): what the re-feed appended must be stored events, once each, in order per stream.
    for service in (s for s in SERVICES if events[s]):
        appended = asyncio.run(_stream_ids(url, service))[len(published[service]) :]
        within = {row.event_id for row in events[service]}
        if len(appended) != len(set(appended)) or not set(appended) <= within:
            check.anomalies.append(f"{service}: the re-feed appended events twice or events the store lacks")
        check.figures[f"{service} re-fed"] = (
            f"{len(appended)} appended (older than the de-duplication window)"
        )
    after = effects()
    check.figures["tracking rows, notifications before/after"] = f"{before} / {after}"
    if after != before:
        check.anomalies.append(f"re-feed changed consumers' effects: {before} → {after}")
    dead = asyncio.run(_dead_letters(url))
    check.figures["dead letters"] = dead
    if dead:
        check.anomalies.append(f"{dead} events in the dead-letter stream")
    return check


def no_trace_of_refusals(commands: list[Command], events: dict[str, list[sa.Row]], system: System) -> Check:  # type: ignore[type-arg]
    """A refused command leaves nothing: no event carries its key (but the refusal's own AccessDenied record),
    no idempotency key is stored; a command that had to be refused was refused."""
    check = Check("no refused command left a trace")
    traces: dict[str, list[str]] = defaultdict(list)
    for rows in events.values():
        for row in rows:
            traces[_key_of(row.request_id)].append(row.type)
    keys: dict[str, str] = {}  # key → where it is kept, and whether with an answer
    for service in SERVICES:
        engine = _engine(system, service)
        with engine.connect() as connection:
            for row in connection.execute(sa.text("SELECT key, method, response FROM es_idempotency")):
                answered = "with an answer" if row.response is not None else "without an answer"
                keys[row.key] = f"{service}'s es_idempotency ({row.method}, {answered})"
        engine.dispose()
    refused = [c for c in commands if c.outcome == "refused"]
    denials = 0
    for command in refused:
        left = [t for t in traces.get(command.key, []) if not t.endswith(DENIED)]
        denials += len(traces.get(command.key, [])) - len(left)
        if left:
            check.anomalies.append(
                f"refused {command.what} {command.key} ({command.code}) left events {left}"
            )
        if command.key in keys:
            check.anomalies.append(
                f"refused {command.what} {command.key} ({command.code}, after retries on "
                f"{dict(command.retried_codes)}) left its idempotency key in {keys[command.key]}"
            )
    for command in commands:
        if command.must_refuse and command.outcome != "refused":
            check.anomalies.append(f"hostile {command.what} {command.key} was not refused: {command.outcome}")
    check.figures["refused"] = dict(Counter(f"{c.what} {c.code}" for c in refused))
    check.figures["hostile commands sent"] = sum(1 for c in commands if c.must_refuse)
    check.figures["refusals recorded as AccessDenied (expected)"] = denials
    return check
