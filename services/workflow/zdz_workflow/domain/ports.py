"""What the workflow service needs from the world, as small protocols the adapters (and the tests' fakes) fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from zdz_common.context import Actor
from zdz_workflow.domain.calendar import HolidaySchedule
from zdz_workflow.domain.demonstration import DemonstrationList
from zdz_workflow.domain.sheets import SignedSheet
from zdz_workflow.domain.units import UnitInfo
from zdz_workflow.domain.values import LedgerPoint


class ProblemRefused(Exception):
    """The registry will not take a problem point as given (unknown ledger row, bad type); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ProblemToFile:
    """One problem point (问题点位) for the unit's problem list."""

    code: str
    point: LedgerPoint
    description: str
    found_by: str  # the registry's FoundBy name
    found_on: date
    finder: str


class ProblemLedger(Protocol):
    """The registry's problem and task lists (问题清单, 任务清单)."""

    async def record_problem(self, unit_id: str, problem: ProblemToFile) -> str:
        """File the problem (the same code again changes nothing) and return its id; ProblemRefused if refused."""
        ...

    async def open_task(self, unit_id: str, problem_id: str, *, owner: str, deadline: date, on: date) -> None:
        """Open the problem's task with its deadline; nothing when it is open already."""
        ...


class UnitDirectory(Protocol):
    """The registry's units."""

    async def unit(self, unit_id: str) -> UnitInfo:
        """The unit; zdz_common.errors.NotFound when the registry does not know it."""
        ...


class SheetSource(Protocol):
    """The scoring service's signed sheets (DESIGN "Verdicts are sheets")."""

    async def sheet(self, sheet_id: str) -> SignedSheet:
        """The sheet with its rubric's marks and its plan's draw time; zdz_common.errors.NotFound when unknown."""
        ...


class HolidayScheduleSource(Protocol):
    """Where the working-day calendar's holiday schedule comes from."""

    def load(self) -> HolidaySchedule: ...


class ListAnnouncer(Protocol):
    """Events that belong to no single process, into the service's event store (and on to JetStream)."""

    async def demonstration_list_published(
        self, listing: DemonstrationList, *, actor: Actor, request_id: str
    ) -> None:
        """Record the published 示范园区清单 once (the same request id again changes nothing)."""
        ...
