"""Issue 16, one sampling plan per unit and round, one spot-check draw per round: the rounds' keys.

`scoring_round_plan` (unit → its open acceptance round's plan) and `scoring_round_draw` (spot-check round's name →
its draw in force). The service checks for a round's plan or draw inside the drawing transaction; on PostgreSQL
two first draws could both find none. The keys let only one of them commit (zdz_scoring.adapters.projection).

Filled from what was drawn before: a unit's round plan is its latest plan that no signed district acceptance
names and no approved redraw replaced (as service_layer.services._round_plan reads it); a round's draw is its
latest draw that no approved redraw replaced. A store that has the keys already (made with create_all from
today's models) is adopted as it is.

Revision ID: 0003_round_keys
Revises: 0002_outbox_parking
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from zdz.scoring.v1 import scoring_pb2

revision = "0003_round_keys"
down_revision = "0002_outbox_parking"
branch_labels = None
depends_on = None

_PLANS = "scoring_round_plan"
_DRAWS = "scoring_round_draw"


def upgrade() -> None:
    connection = op.get_bind()
    present = set(sa.inspect(connection).get_table_names())
    if _PLANS not in present:
        op.create_table(
            _PLANS,
            sa.Column("unit_id", sa.String(length=64), nullable=False),
            sa.Column("plan_id", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("unit_id"),
        )
        _fill(_PLANS, ("unit_id", "plan_id"), _round_plans())
    if _DRAWS not in present:
        op.create_table(
            _DRAWS,
            sa.Column("round", sa.String(length=100), nullable=False),
            sa.Column("draw_id", sa.String(length=64), nullable=False),
            sa.PrimaryKeyConstraint("round"),
        )
        _fill(_DRAWS, ("round", "draw_id"), _round_draws())


def _round_plans() -> dict[str, str]:
    """Each unit's open round's plan: its latest plan no signed acceptance names and no redraw replaced."""
    plans = sa.table(
        "scoring_sampling_plan",
        sa.column("id", sa.String),
        sa.column("unit_id", sa.String),
        sa.column("drawn_at", sa.String),
        sa.column("body", sa.LargeBinary),
    )
    uses = sa.table("scoring_plan_use", sa.column("plan_id", sa.String))
    unused = (
        sa.select(plans.c.id, plans.c.unit_id, plans.c.body)
        .where(plans.c.id.not_in(sa.select(uses.c.plan_id)))
        .order_by(plans.c.drawn_at.desc())
    )
    round_plans: dict[str, str] = {}
    for plan_id, unit_id, body in op.get_bind().execute(unused):
        if unit_id not in round_plans and not scoring_pb2.SamplingPlan.FromString(body).replaced_by_plan_id:
            round_plans[unit_id] = plan_id
    return round_plans


def _round_draws() -> dict[str, str]:
    """Each spot-check round's draw in force: its latest draw no redraw replaced."""
    draws = sa.table(
        "scoring_spot_check",
        sa.column("id", sa.String),
        sa.column("drawn_at", sa.String),
        sa.column("body", sa.LargeBinary),
    )
    round_draws: dict[str, str] = {}
    for draw_id, body in op.get_bind().execute(
        sa.select(draws.c.id, draws.c.body).order_by(draws.c.drawn_at.desc())
    ):
        spot_check = scoring_pb2.SpotCheck.FromString(body)
        if spot_check.round not in round_draws and not spot_check.replaced_by_draw_id:
            round_draws[spot_check.round] = draw_id
    return round_draws


def _fill(name: str, columns: tuple[str, str], rows: dict[str, str]) -> None:
    if rows:
        table = sa.table(name, *(sa.column(column, sa.String) for column in columns))
        op.get_bind().execute(
            sa.insert(table), [dict(zip(columns, row, strict=True)) for row in rows.items()]
        )


def downgrade() -> None:
    op.drop_table(_DRAWS)
    op.drop_table(_PLANS)
