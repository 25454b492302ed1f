"""The recorded history of every path replays against the current workflow code (STYLE 8).

A change that alters what a running workflow does fails here until it is guarded with `workflow.patched`.
Regenerate the histories with `python -m tests.integration.workflow.record_histories` after adding a path.
The histories recorded before issue 11 (typed scores; histories/before-issue-11/) replay too: the processes
running when verdicts became sheets take the old branches of `workflows.SHEETS_PATCH` and `NOTICE_PATCH`.
"""

from __future__ import annotations

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.integration.workflow.scenarios import SCENARIOS
from zdz_workflow.temporal.round_workflow import SpotCheckRoundWorkflow
from zdz_workflow.temporal.workflows import ProcessWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
BEFORE_ISSUE_11 = sorted((Path(__file__).parent / "histories" / "before-issue-11").glob("*.json"))


def test_every_path_has_a_recorded_history() -> None:
    recorded = {path.stem.split("-")[0] for path in HISTORIES}
    assert recorded == set(SCENARIOS)


async def test_every_recorded_history_replays_against_the_current_workflow_code() -> None:
    replayer = Replayer(
        workflows=[ProcessWorkflow, SpotCheckRoundWorkflow], data_converter=pydantic_data_converter
    )
    failures = {}
    for path in HISTORIES + BEFORE_ISSUE_11:
        history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            failures[path.name] = str(result.replay_failure)
    assert failures == {}
    assert BEFORE_ISSUE_11, "the histories of processes running before issue 11 are kept"
    assert len(HISTORIES) > len(SCENARIOS)  # the continue-as-new and hand-over paths add runs
