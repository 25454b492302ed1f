"""Temporal out of reach answers UNAVAILABLE ("retry"), also when the connection drops in the middle of a call:
the SDK then raises UNKNOWN "transport error", which the fault campaign met as INTERNAL answers (issue 16)."""

from __future__ import annotations

from temporalio.service import RPCError, RPCStatusCode

from zdz_workflow.temporal.client import UNAVAILABLE, _unavailable


def test_a_connection_dropped_mid_call_answers_unavailable() -> None:
    assert _unavailable(RPCError("transport error", RPCStatusCode.UNKNOWN, b"")) == UNAVAILABLE


def test_server_down_and_out_of_time_answer_unavailable() -> None:
    assert _unavailable(RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")) == UNAVAILABLE
    assert _unavailable(RPCError("deadline", RPCStatusCode.DEADLINE_EXCEEDED, b"")) == UNAVAILABLE


def test_other_unknown_errors_are_not_taken_for_an_outage() -> None:
    assert _unavailable(RPCError("workflow task failed", RPCStatusCode.UNKNOWN, b"")) is None
    assert _unavailable(RPCError("not found", RPCStatusCode.NOT_FOUND, b"")) is None
