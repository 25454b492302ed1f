"""Migration 0003 of the scoring store fills the rounds' keys (issue 16) from what was drawn before: each unit's
open round's plan and each spot-check round's draw in force, so the first draw after the upgrade is refused
where the round has its plan or draw already."""

from __future__ import annotations

import sqlalchemy as sa

from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common import migrations
from zdz_common.eventstore import create_store_engine


def test_the_upgrade_keys_each_units_open_plan_and_each_rounds_draw_in_force(database_url: str) -> None:
    engine = create_store_engine(database_url)
    migrations.upgrade(engine, "zdz_scoring", revision="0002_outbox_parking")
    plans = [
        ("used", "u1", "2025-05-01T00:00:00Z", ""),  # its round ended with a signed acceptance
        ("open", "u1", "2025-06-01T00:00:00Z", ""),
        ("replaced", "u2", "2025-05-01T00:00:00Z", "redrawn"),
        ("redrawn", "u2", "2025-05-02T00:00:00Z", ""),
        ("only-used", "u3", "2025-05-01T00:00:00Z", ""),
    ]
    draws = [
        ("first", "2025-1", "2025-05-01T00:00:00Z", "second"),
        ("second", "2025-1", "2025-05-02T00:00:00Z", ""),
        ("other", "2025-2", "2025-05-03T00:00:00Z", ""),
    ]
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO scoring_sampling_plan (id, unit_id, unit_kind, seed, items, drawn_at, body) "
                "VALUES (:id, :unit_id, 'TOWN', '1', 0, :drawn_at, :body)"
            ),
            [
                {
                    "id": plan_id,
                    "unit_id": unit_id,
                    "drawn_at": at,
                    "body": pb.SamplingPlan(id=plan_id, replaced_by_plan_id=by).SerializeToString(),
                }
                for plan_id, unit_id, at, by in plans
            ],
        )
        connection.execute(
            sa.text("INSERT INTO scoring_plan_use (plan_id, sheet_id) VALUES (:plan_id, 'sheet')"),
            [{"plan_id": "used"}, {"plan_id": "only-used"}],
        )
        connection.execute(
            sa.text(
                "INSERT INTO scoring_spot_check (id, seed, drawn_at, body) VALUES (:id, '1', :at, :body)"
            ),
            [
                {
                    "id": draw_id,
                    "at": at,
                    "body": pb.SpotCheck(id=draw_id, round=name, replaced_by_draw_id=by).SerializeToString(),
                }
                for draw_id, name, at, by in draws
            ],
        )
    migrations.upgrade(engine, "zdz_scoring")
    with engine.connect() as connection:
        round_plans = dict(
            connection.execute(sa.text("SELECT unit_id, plan_id FROM scoring_round_plan")).all()
        )
        round_draws = dict(connection.execute(sa.text("SELECT round, draw_id FROM scoring_round_draw")).all())
    assert round_plans == {"u1": "open", "u2": "redrawn"}
    assert round_draws == {"2025-1": "second", "2025-2": "other"}
    engine.dispose()
