"""A redraw of a spot-check round (issue 16) reaches the round as the scoring service recorded it: the system's
seed and the draw it replaces, which each process it moves records as evidence."""

from __future__ import annotations

from dataclasses import replace

from google.protobuf.any_pb2 import Any

from tests.unit.workflow.test_workflow_spot_check_round_rules import DRAW
from zdz.events.v1.envelope_pb2 import Envelope
from zdz.scoring.v1 import events_pb2, scoring_pb2
from zdz_workflow.entrypoints.spot_check_draws import draw_of


def test_a_redraw_names_the_draw_it_replaces_in_the_evidence_of_what_it_moves() -> None:
    redraw = replace(DRAW, draw_id="draw-2", replaces_draw_id="draw-1")
    assert redraw.evidence == ("draw-2", "seed=42", "replaces=draw-1")
    assert DRAW.evidence == (
        "draw-1",
        "seed=42",
    )  # a first draw's steps as before (recorded histories replay)


def test_the_round_takes_the_seed_and_the_replaced_draw_from_the_event() -> None:
    event = events_pb2.SpotCheckDrawn(
        draw_id="draw-2",
        seed="9001",
        round="2025-1",
        replaces_draw_id="draw-1",
        spot_check=scoring_pb2.SpotCheck(id="draw-2", round="2025-1"),
    )
    data = Any()
    data.Pack(event)
    envelope = Envelope(data=data)
    envelope.time.GetCurrentTime()
    draw = draw_of(envelope)
    assert (draw.draw_id, draw.seed, draw.replaces_draw_id) == ("draw-2", "9001", "draw-1")
