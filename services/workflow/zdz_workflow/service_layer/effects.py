"""The workflow's effects on the world: its events into the service's event store, its findings into the registry.

Both are safe to repeat, because Temporal retries an activity whose result it did not hear: an append names the
stream version it expects and recognises its own earlier success; a problem is filed under a code the registry
keeps once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session

from zdz_common.context import CommandContext
from zdz_common.errors import ConcurrencyConflict
from zdz_common.eventstore import EventStore, NewEvent
from zdz_common.eventstore.engine import write_transaction_slot
from zdz_common.transaction import committed
from zdz_workflow.domain.findings import FindingFiling, FindingsToFile
from zdz_workflow.domain.ports import ProblemLedger, ProblemRefused, ProblemToFile

NO_LEDGER_POINT = "未指明问题在台账中的点位（台账行类别、编号、问题类型、位置），不能登记为问题点位"


def append_to_stream(
    engine: Engine,
    store: EventStore,
    stream_id: str,
    expected_version: int,
    steps: Sequence[tuple[CommandContext, list[NewEvent]]],
) -> int:
    """Append each step's events (and their outbox rows) in one transaction, after `expected_version`; return
    the stream's new version."""
    total = sum(len(events) for _, events in steps)
    with write_transaction_slot(engine), Session(engine) as session:
        current = store.version(session, stream_id)
        if current == expected_version + total:
            return current  # an earlier attempt committed and its answer was lost
        if current != expected_version:
            raise ConcurrencyConflict(
                f"stream {stream_id} is at version {current}, the workflow expected "
                f"{expected_version}: another writer appended to it",
                field="expected_version",
            )
        for context, events in steps:
            store.append(session, stream_id, None, events, context)
        session.commit()
    committed(engine)  # wakes the outbox relay
    return current + total


async def file_findings(ledger: ProblemLedger, request: FindingsToFile) -> tuple[FindingFiling, ...]:
    """File each finding as a problem point of the unit, with its task when a deadline was set."""
    filings = []
    for code, finding in zip(request.codes, request.findings, strict=True):
        if finding.point is None:
            filings.append(FindingFiling(code, finding.description, refused=NO_LEDGER_POINT))
            continue
        problem = ProblemToFile(
            code=code,
            point=finding.point,
            description=finding.description,
            found_by=request.found_by.value,
            found_on=request.found_on,
            finder=request.finder,
        )
        try:
            problem_id = await ledger.record_problem(request.unit.unit_id, problem)
        except ProblemRefused as refused:
            filings.append(FindingFiling(code, finding.description, refused=refused.reason))
            continue
        if request.rectify_by is not None:
            try:
                await ledger.open_task(
                    request.unit.unit_id,
                    problem_id,
                    owner=request.unit.name,
                    deadline=request.rectify_by,
                    on=request.found_on,
                )
            except ProblemRefused as refused:
                reason = f"问题已登记，整改任务未能建立：{refused.reason}"
                filings.append(FindingFiling(code, finding.description, problem_id, refused=reason))
                continue
        filings.append(FindingFiling(code, finding.description, problem_id))
    return tuple(filings)
