"""The Temporal worker of the workflow service: the process and spot-check round workflows and their activities on
one task queue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from zdz_workflow.config import TemporalLimits
from zdz_workflow.temporal.activities import ProcessActivities
from zdz_workflow.temporal.round_activities import SpotCheckRoundActivities
from zdz_workflow.temporal.round_workflow import SpotCheckRoundWorkflow
from zdz_workflow.temporal.workflows import ProcessWorkflow

TASK_QUEUE = "zdz-workflow"
EMBEDDED = TemporalLimits()


def build_worker(
    client: Client,
    activities: ProcessActivities,
    *,
    rounds: SpotCheckRoundActivities,
    task_queue: str = TASK_QUEUE,
    graceful_shutdown: timedelta = timedelta(seconds=5),
    limits: TemporalLimits = EMBEDDED,
    **options: Any,
) -> Worker:
    """A worker for `client` (which must use the pydantic data converter, see temporal.client), its slots and
    cache from `limits` (ZDZ_WORKFLOW_TEMPORAL_*); `options` go to temporalio's Worker and win over `limits`."""
    sized = {
        "max_concurrent_workflow_tasks": limits.workflow_tasks,
        "max_concurrent_activities": limits.activities,
        "max_cached_workflows": limits.cached_workflows,
    }
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[ProcessWorkflow, SpotCheckRoundWorkflow],
        activities=[*activities.all(), *rounds.all()],
        graceful_shutdown_timeout=graceful_shutdown,
        **(sized | options),
    )
