"""District progress follows the process: the registry consumes the workflow's stage events (StageEntered, and
ProcessStepRecorded for steps that change the unit's standing but not its stage), each once, through real NATS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlmodel import Session

from zdz.events.v1.envelope_pb2 import Actor, Envelope
from zdz.events.v1.refs_pb2 import UNIT_KIND_TOWN, UnitRef
from zdz.registry.v1 import ledger_events_pb2
from zdz.workflow.v1 import events_pb2 as workflow_events
from zdz.workflow.v1 import workflow_pb2
from zdz_common.consumer import ConsumerSettings, EventConsumer
from zdz_common.context import Actor as CommandActor
from zdz_common.errors import InvalidArgument
from zdz_common.nats_streams import ensure_stream
from zdz_common.validation import MAX_REASON_LENGTH
from zdz_common.vocabulary import UnitKind
from zdz_local.nats_server import NatsServer
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.service_layer.official_data import load_official_data
from zdz_registry.directory.service_layer.services import RegistryService, UnitFilter
from zdz_registry.ledger.adapters.orm import AcceptanceView
from zdz_registry.ledger.entrypoints import workflow_events as follower
from zdz_registry.ledger.service_layer.services import LedgerService
from zdz_workflow.domain.calendar import WorkingDayCalendar, schedule_from_chinesecalendar
from zdz_workflow.domain.commands import OpenProcess
from zdz_workflow.domain.process import ProcessRules, handle
from zdz_workflow.domain.values import FIRST_CAMPAIGN

# CJK and full-width punctuation, an astral emoji, a zero-width joiner (a format character, not a control one),
# a line break and a tab (prose pasted from a document), inner double spaces.
_UNUSUAL = "限期整改：第①项🚧 «ümlaut»  \u200d\n\t"
DISTRICT_ACTOR = Actor(organisation="district:wanzhou", role="DISTRICT_TASK_FORCE", person="li")


def _moment(at: datetime) -> Timestamp:
    moment = Timestamp()
    moment.FromDatetime(at)
    return moment


def _envelope(event_id: str, event_type: str, payload: Message) -> Envelope:
    return Envelope(
        id=event_id,
        source="zdz/workflow",
        type=event_type,
        actor=DISTRICT_ACTOR,
        data=AnyMessage(
            type_url=f"type.googleapis.com/{payload.DESCRIPTOR.full_name}", value=payload.SerializeToString()
        ),
    )


def _stage_entered(
    event_id: str,
    unit: UnitRef,
    to_stage: str,
    at: datetime,
    *,
    standing: int = workflow_pb2.STANDING_UNSPECIFIED,
    step: str = "",
    reason: str = "测试",
) -> Envelope:
    payload = workflow_events.StageEntered(
        unit=unit,
        campaign="2024",
        to_stage=to_stage,
        at=_moment(at),
        reason=reason,
        standing=standing,
        step=step,
    )
    return _envelope(event_id, follower.STAGE_ENTERED, payload)


def _step_recorded(
    event_id: str, unit: UnitRef, stage: str, at: datetime, *, standing: int, step: str
) -> Envelope:
    payload = workflow_events.ProcessStepRecorded(
        unit=unit, campaign="2024", step=step, stage=stage, reason="测试", at=_moment(at), standing=standing
    )
    return _envelope(event_id, follower.STEP_RECORDED, payload)


@dataclass
class Followed:
    registry: RegistryService
    ledger: LedgerService
    unit: UnitRef
    nats_url: str

    async def publish(self, envelopes: Sequence[Envelope], *, again: bool = False) -> None:
        """Publish; `again`: under another broker message id, as a re-feed after a broker loss does."""
        nc = await nats.connect(self.nats_url)
        js = nc.jetstream()
        await ensure_stream(js, "workflow")
        for envelope in envelopes:
            msg_id = f"{envelope.id}-again" if again else envelope.id
            await js.publish(envelope.type, envelope.SerializeToString(), headers={"Nats-Msg-Id": msg_id})
        await nc.drain()

    def acceptance(self) -> AcceptanceView:
        with Session(self.registry.engine) as session:
            view = session.get(AcceptanceView, self.unit.id)
            assert view is not None
            session.expunge(view)
            return view

    def towns_done(self) -> int:
        return self.ledger.district_progress("wanzhou").towns_done


@pytest.fixture
async def followed(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[Followed]:
    registry = bootstrap(f"sqlite:///{tmp_path / 'registry.db'}")
    ledger = bootstrap_ledger(registry)
    load_official_data(registry, villages=False)
    # 万州 has 20 along-river towns in 附件2; take the first and follow it through its process.
    town = next(
        u
        for u in registry.list_units(UnitFilter(district_code="wanzhou"), page_size=100).items
        if u.kind == "TOWN" and u.along_river
    )
    unit = UnitRef(id=town.id, district_code="wanzhou", kind=UNIT_KIND_TOWN, name=town.name)
    yield Followed(registry, ledger, unit, nats_server.url)
    registry.engine.dispose()


async def _run_until(consumer: EventConsumer, nats_url: str, processed: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(nats_url, stop))
    for _ in range(200):
        if consumer.processed >= processed:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    stop.set()
    await task
    assert consumer.processed == processed


async def test_stage_events_of_older_workflow_code_move_the_state_by_their_stage(followed: Followed) -> None:
    before = followed.ledger.district_progress("wanzhou")
    notice = _stage_entered("e-1", followed.unit, "PUBLIC_NOTICE", datetime(2024, 9, 27, 2, tzinfo=UTC))
    filed = _stage_entered("e-2", followed.unit, "FILED", datetime(2024, 10, 15, 2, tzinfo=UTC))
    look_back = _stage_entered("e-3", followed.unit, "LOOK_BACK", datetime(2025, 3, 1, 2, tzinfo=UTC))
    await followed.publish([notice, filed, look_back])
    # The same event delivered again (a re-feed after a broker loss) must not be applied twice.
    await followed.publish([filed], again=True)

    consumer = EventConsumer(
        followed.registry.engine, follower.SETTINGS, follower.stage_follower(followed.ledger)
    )
    await _run_until(consumer, followed.nats_url, 3)

    acceptance = followed.acceptance()
    # Accepted by the district when its notice was published, filed (Shanghai date): the standard is met from
    # filing (DESIGN "Progress counts"); the look-back without a standing changes nothing; the duplicate added
    # no event.
    assert (acceptance.state, acceptance.accepted_on) == ("FILED", "2024-10-15")
    with Session(followed.registry.engine) as session:
        assert len(followed.registry.store.read(session, f"acceptance/{followed.unit.id}")) == 2
    after = followed.ledger.district_progress("wanzhou")
    assert after.along_river_towns_done == before.along_river_towns_done + 1
    assert after.towns_done == before.towns_done + 1


def _longest_reason_the_workflow_accepts() -> str:
    """A reason at the workflow's limit, of unusual characters, that the workflow's own command check accepts
    (and one character more it refuses): what the follower must never refuse."""
    reason = (_UNUSUAL * MAX_REASON_LENGTH)[: MAX_REASON_LENGTH - 1] + "。"
    rules = ProcessRules(calendar=WorkingDayCalendar(schedule_from_chinesecalendar()))

    def open_with(text: str) -> None:
        command = OpenProcess(
            actor=CommandActor("district:wanzhou", "DISTRICT_TASK_FORCE", "li"),
            request_id="open-1",
            at=datetime(2024, 7, 1, 2, tzinfo=UTC),
            reason=text,
            unit_id="wanzhou/some-town",
            unit_kind=UnitKind.TOWN,
            campaign=FIRST_CAMPAIGN,
        )
        handle(None, command, rules)

    open_with(reason)
    with pytest.raises(InvalidArgument):
        open_with(reason + "整")
    return reason


async def test_the_acceptance_state_follows_the_standing_through_spot_check_look_back_and_reacceptance(
    followed: Followed,
) -> None:
    unit, S = followed.unit, workflow_pb2
    consumer = EventConsumer(
        followed.registry.engine, follower.SETTINGS, follower.stage_follower(followed.ledger)
    )
    before = followed.towns_done()
    reason = _longest_reason_the_workflow_accepts()

    def day(month: int, dom: int, year: int = 2025) -> datetime:
        return datetime(year, month, dom, 2, tzinfo=UTC)

    phases: list[tuple[list[Envelope], str, str, int]] = [
        # (events, state after them, accepted_on shown by the view, towns counted beyond `before`)
        (
            [
                _stage_entered("s-1", unit, "PUBLIC_NOTICE", day(3, 1), standing=S.STANDING_IN_NOTICE),
                _stage_entered("s-2", unit, "FILED", day(3, 12), standing=S.STANDING_MEETS_STANDARD),
            ],
            "FILED",
            "2025-03-12",
            1,
        ),
        (
            [_stage_entered("s-3", unit, "SPOT_CHECK", day(5, 6), standing=S.STANDING_MEETS_STANDARD)],
            "UNDER_SPOT_CHECK",
            "2025-03-12",
            1,
        ),
        (
            [
                _stage_entered(
                    "s-4",
                    unit,
                    "RECTIFICATION",
                    day(5, 20),
                    standing=S.STANDING_FAILURE_OPEN,
                    step="SpotCheckFailed",
                    reason=reason,
                )
            ],
            "FAILURE_OPEN",
            "2025-03-12",
            0,
        ),
        (
            [_stage_entered("s-5", unit, "ACCEPTED", day(8, 1), standing=S.STANDING_MEETS_STANDARD)],
            "MEETS_STANDARD",
            "2025-03-12",
            1,
        ),
        (
            [
                _stage_entered("s-6", unit, "LOOK_BACK", day(3, 1, 2026), standing=S.STANDING_MEETS_STANDARD),
                # Look-back findings: the stage stays, the standing changes.
                _step_recorded(
                    "s-7",
                    unit,
                    "LOOK_BACK",
                    day(3, 10, 2026),
                    standing=S.STANDING_FAILURE_OPEN,
                    step="LookBackFindingsRecorded",
                ),
            ],
            "FAILURE_OPEN",
            "2025-03-12",
            0,
        ),
        (
            [
                _step_recorded(
                    "s-8",
                    unit,
                    "LOOK_BACK",
                    day(5, 10, 2026),
                    standing=S.STANDING_MEETS_STANDARD,
                    step="LookBackRectificationVerified",
                )
            ],
            "MEETS_STANDARD",
            "2025-03-12",
            1,
        ),
        (
            [
                _stage_entered(
                    "s-9",
                    unit,
                    "REACCEPTANCE",
                    day(9, 1, 2026),
                    standing=S.STANDING_REACCEPTANCE_ORDERED,
                    step="ReacceptanceOrdered",
                )
            ],
            "REOPENED",
            "",
            0,
        ),
    ]
    published = 0
    for envelopes, state, accepted_on, counted in phases:
        await followed.publish(envelopes)
        published += len(envelopes)
        await _run_until(consumer, followed.nats_url, published)
        acceptance = followed.acceptance()
        assert (acceptance.state, acceptance.accepted_on) == (state, accepted_on), envelopes[-1].id
        assert followed.towns_done() == before + counted, envelopes[-1].id

    # The spot-check failure's reason is kept exactly as the workflow accepted it, the stage and step beside it.
    with Session(followed.registry.engine) as session:
        recorded = followed.registry.store.read(session, f"acceptance/{unit.id}")
    failure = recorded[3].payload(ledger_events_pb2.AcceptanceStateSet)  # after notice, filing, draw
    assert (failure.state, failure.reason, failure.stage, failure.step) == (
        "FAILURE_OPEN",
        reason,
        "RECTIFICATION",
        "SpotCheckFailed",
    )
    # The directory's filter serves the new states (the scoring service's draw asks for FILED only).
    reopened = followed.registry.list_units(
        UnitFilter(district_code="wanzhou", acceptance_states=frozenset({"REOPENED"})), page_size=100
    )
    assert [u.id for u in reopened.items] == [unit.id]


async def test_a_follower_deployed_before_issue_11_also_receives_the_steps_that_change_the_standing(
    followed: Followed,
) -> None:
    # The durable consumer as deployed before: stage_entered only. Re-created with the new filter, it keeps its
    # place in the stream and now receives step_recorded events too.
    old = ConsumerSettings(
        name=follower.SETTINGS.name, stream=follower.SETTINGS.stream, filter_subject=follower.STAGE_ENTERED
    )
    handler = follower.stage_follower(followed.ledger)
    await followed.publish(
        [_stage_entered("o-1", followed.unit, "FILED", datetime(2025, 3, 12, 2, tzinfo=UTC))]
    )
    await _run_until(EventConsumer(followed.registry.engine, old, handler), followed.nats_url, 1)
    await followed.publish(
        [
            _step_recorded(
                "o-2",
                followed.unit,
                "LOOK_BACK",
                datetime(2026, 3, 10, 2, tzinfo=UTC),
                standing=workflow_pb2.STANDING_FAILURE_OPEN,
                step="LookBackFindingsRecorded",
            )
        ]
    )
    await _run_until(
        EventConsumer(followed.registry.engine, follower.SETTINGS, handler), followed.nats_url, 1
    )
    assert followed.acceptance().state == "FAILURE_OPEN"
