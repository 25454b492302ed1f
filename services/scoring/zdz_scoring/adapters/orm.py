"""Read models (projections) of the scoring service, updated in the same transaction as the events.

Each keeps the record's protobuf body as stored in its event, so a read is one row, not a replay.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class SheetView(SQLModel, table=True):
    """A score sheet, draft or signed; `body` is the content (zdz.scoring.v1.ScoreSheet) of its last event."""

    __tablename__ = "scoring_sheet"

    id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    unit_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
    district_code: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    unit_kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    unit_name: str = Field(sa_column=sa.Column(sa.String(120), nullable=False))
    sheet_kind: str = Field(sa_column=sa.Column(sa.String(30), nullable=False))
    rubric_version: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    state: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    assessor: str = Field(sa_column=sa.Column(sa.String(200), nullable=False))
    assessed_on: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    total: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    grade: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    replaces_sheet_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))
    superseded_by: str = Field(default="", sa_column=sa.Column(sa.String(64), nullable=False))
    created_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    signed_at: str = Field(default="", sa_column=sa.Column(sa.String(40), nullable=False))
    signed_by: str = Field(default="", sa_column=sa.Column(sa.String(300), nullable=False))
    version: int
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class SheetReplacement(SQLModel, table=True):
    """A signed correction and the sheet it replaces: the key lets only one correction replace a sheet."""

    __tablename__ = "scoring_sheet_replacement"

    replaced_sheet_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    sheet_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class PlanUse(SQLModel, table=True):
    """The signed district acceptance a sampling plan serves (its round), the latest of its corrections: a new
    round of acceptance draws a new plan (000 附件3/附件4 三(三))."""

    __tablename__ = "scoring_plan_use"

    plan_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    sheet_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class RoundPlanKey(SQLModel, table=True):
    """The plan of a unit's open acceptance round (issue 16: one plan per unit and round): its key refuses a second
    first draw even from a concurrent transaction; an approved redraw takes the row over, a signed district
    acceptance naming the plan ends the round and frees it."""

    __tablename__ = "scoring_round_plan"

    unit_id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    plan_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


class SamplingPlanView(SQLModel, table=True):
    """A recorded sampling plan; `body` is its zdz.scoring.v1.SamplingPlan (population included)."""

    __tablename__ = "scoring_sampling_plan"

    id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    unit_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, index=True))
    unit_kind: str = Field(sa_column=sa.Column(sa.String(20), nullable=False))
    seed: str = Field(sa_column=sa.Column(sa.String(24), nullable=False))
    items: int
    drawn_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class SpotCheckView(SQLModel, table=True):
    """A recorded spot-check draw; `body` is its zdz.scoring.v1.SpotCheck (candidates included)."""

    __tablename__ = "scoring_spot_check"

    id: str = Field(sa_column=sa.Column(sa.String(64), primary_key=True))
    seed: str = Field(sa_column=sa.Column(sa.String(24), nullable=False))
    drawn_at: str = Field(sa_column=sa.Column(sa.String(40), nullable=False))
    body: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))


class RoundDrawKey(SQLModel, table=True):
    """A spot-check round's draw in force, by the round's name (issue 16: one draw per round): its key refuses a
    second first draw even from a concurrent transaction; an approved redraw takes the row over."""

    __tablename__ = "scoring_round_draw"

    round: str = Field(sa_column=sa.Column(sa.String(100), primary_key=True))
    draw_id: str = Field(sa_column=sa.Column(sa.String(64), nullable=False))


SCORING_TABLES = [
    SheetView.__table__,
    SheetReplacement.__table__,
    PlanUse.__table__,
    RoundPlanKey.__table__,
    SamplingPlanView.__table__,
    SpotCheckView.__table__,
    RoundDrawKey.__table__,
]
