"""The fault campaign in small, inside `make test` (alone: `make chaos-small`, about 45 s): 40 towns driven
over gRPC while 20 faults drawn from a fixed seed hit nats-server, Temporal, PostgreSQL and the four services;
every invariant must hold (`make chaos` runs it at 1,000 towns and 100 faults, service restarts and kill -9
included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos import campaign, report
from zdz_local.postgres import postgres_available


@pytest.mark.postgres
@pytest.mark.chaos
def test_a_small_fault_campaign_loses_nothing_doubles_nothing_and_leaves_no_trace_of_refusals(
    tmp_path: Path,
) -> None:
    if not postgres_available():
        pytest.fail("initdb/pg_ctl not found: install Debian's postgresql package (the CI script does)")
    outcome = campaign.run(
        seed=16, towns=40, faults=20, threads=6, gap=0.5, longest=1.5, patience=60, menu=campaign.QUICK_FAULTS
    )
    written = report.write(outcome, tmp_path)
    assert len(outcome.faults) == 20 and outcome.towns == 40
    assert {c.outcome for c in outcome.commands} >= {"acked", "refused"}
    assert outcome.holds, written.read_text(encoding="utf-8")
