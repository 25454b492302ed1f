"""A municipal spot-check round (附件3/附件4 三（二）4 市级抽查): one draw recorded by the scoring service, the
processes it moves, and the candidates it releases when it closes.

The draw moves each drawn unit's process FILED → SPOT_CHECK by itself (DESIGN stage 8, "the draw moves each drawn
unit's process into spot-check"); closing the round, by the city's command or at 24:00 Asia/Shanghai of its
deadline, releases every candidate not drawn that is still filed: FILED → ACCEPTED. Pure: the Temporal workflow
holds this state and does the moving.

A round is drawn once, with the system's seed; the municipal task force may approve drawing it again, and the
redraw, a draw of its own, names the draw it replaces (issue 16). The replaced draw's moves stand: a unit it took
into spot-check stays there (its step records the draw), so a redraw can add units to the round's spot-check but
never spare one; the redraw's own moves refuse such a unit as no longer filed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from zdz_common.context import Actor
from zdz_workflow.domain.calendar import end_of_day
from zdz_workflow.domain.errors import RuleViolation
from zdz_workflow.domain.units import UnitInfo

ROUND_RULE = "附件3/附件4 三（二）4"


@dataclass(frozen=True)
class SpotCheckDraw:
    """The draw as the scoring service recorded it (zdz.scoring.v1.SpotCheckDrawn)."""

    draw_id: str
    round: str
    seed: str
    drawn_by: Actor
    drawn_at: datetime
    candidates: tuple[UnitInfo, ...]  # the filed units drawn from
    drawn: tuple[UnitInfo, ...]
    closes_on: date | None = None  # the city's deadline; None: closed by command only
    replaces_draw_id: str = ""  # a redraw approved by the municipal task force: the draw it replaces

    @property
    def closes_at(self) -> datetime | None:
        return None if self.closes_on is None else end_of_day(self.closes_on)

    @property
    def not_drawn(self) -> tuple[UnitInfo, ...]:
        drawn = {u.unit_id for u in self.drawn}
        return tuple(u for u in self.candidates if u.unit_id not in drawn)

    @property
    def evidence(self) -> tuple[str, ...]:
        """What each moved process records as evidence: the draw's id first, then its seed (and, for a redraw, the
        draw it replaces)."""
        replaces = (f"replaces={self.replaces_draw_id}",) if self.replaces_draw_id else ()
        return (self.draw_id, f"seed={self.seed}", *replaces)


@dataclass(frozen=True)
class Moved:
    """A unit the round moved, with the id of the process it moved."""

    unit: UnitInfo
    process_id: str


@dataclass(frozen=True)
class Unmoved:
    """A unit the round could not move, and why (no process, no longer filed, …), in the clerk's words."""

    unit: UnitInfo
    why: str

    @property
    def text(self) -> str:
        return f"{self.unit.name}（{self.unit.unit_id}）：{self.why}"


@dataclass(frozen=True)
class SpotCheckRound:
    draw: SpotCheckDraw
    located: tuple[Moved, ...] = ()  # each unit of the draw with its current process ("" when it has none)
    drawn: tuple[Moved, ...] = ()  # moved FILED → SPOT_CHECK
    released: tuple[Moved, ...] = ()  # moved FILED → ACCEPTED at the close
    refused: tuple[Unmoved, ...] = ()  # drawn or released, but not moved
    closed_at: datetime | None = None
    closed_by: Actor | None = None
    close_reason: str = ""

    @property
    def waiting(self) -> tuple[Moved, ...]:
        """Candidates not drawn that the round has still to release, with their processes."""
        if self.closed_at is not None:
            return ()
        not_drawn = {u.unit_id for u in self.draw.not_drawn}
        return tuple(m for m in self.located if m.unit.unit_id in not_drawn and m.process_id)

    def process_of(self, unit: UnitInfo) -> str:
        return next((m.process_id for m in self.located if m.unit.unit_id == unit.unit_id), "")

    def with_drawn(self, moved: Moved | Unmoved) -> SpotCheckRound:
        if isinstance(moved, Moved):
            return replace(self, drawn=(*self.drawn, moved))
        return replace(self, refused=(*self.refused, moved))

    def with_released(self, moved: Moved | Unmoved) -> SpotCheckRound:
        if isinstance(moved, Moved):
            return replace(self, released=(*self.released, moved))
        return replace(self, refused=(*self.refused, moved))

    def closed(self, at: datetime, by: Actor, reason: str) -> SpotCheckRound:
        return replace(self, closed_at=at, closed_by=by, close_reason=reason)


def check_close(round: SpotCheckRound, closing: bool) -> None:
    """Refuse a second close: the round releases its candidates once."""
    if round.closed_at is not None or closing:
        when = f"已于 {round.closed_at.isoformat()} " if round.closed_at else "正在"
        raise RuleViolation(f"市级抽查轮次「{round.draw.round}」{when}结束，不能再次结束", rule=ROUND_RULE)


def deadline_reason(draw: SpotCheckDraw) -> str:
    assert draw.closes_on is not None
    return f"市级抽查轮次「{draw.round}」于 {draw.closes_on.isoformat()} 24:00 截止，未抽中的单元验收通过"
