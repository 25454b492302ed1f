"""What callers ask of a unit's ledger, in the imperative. Ledger rows, defects and problems are recorded as the
value objects themselves (`LedgerRow`, `InformationDefect`, `ProblemDetails`); task steps and acceptance states
are the commands below."""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.context import Actor
from zdz_registry.ledger.domain.problems import ProblemDetails, Step
from zdz_registry.ledger.domain.rows import InformationDefect, LedgerRow


@dataclass(frozen=True)
class OpenTask:
    unit_id: str  # the caller's unit: the problem must be one of its own
    problem_id: str
    owner: str  # 责任单位
    deadline: str
    step: Step


@dataclass(frozen=True)
class AssignTask:
    unit_id: str
    problem_id: str
    assignee: str
    step: Step


@dataclass(frozen=True)
class RectifyTask:
    unit_id: str
    problem_id: str
    step: Step


@dataclass(frozen=True)
class VerifyTask:
    unit_id: str
    problem_id: str
    step: Step
    verifier: Actor | None = None  # who calls: set by the service layer from the command's context (issue 16)


@dataclass(frozen=True)
class SetAcceptanceState:
    unit_id: str
    state: str
    on: str
    reason: str = ""


TaskCommand = OpenTask | AssignTask | RectifyTask | VerifyTask
RowCommand = LedgerRow | InformationDefect | ProblemDetails | TaskCommand
