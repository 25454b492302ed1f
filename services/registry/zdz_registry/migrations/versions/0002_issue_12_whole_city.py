"""Issue 12, the whole city: the units' new columns and name key, 户数 and medical wastewater, acceptance history.

Units carry their official code, scope, note, source, town, profile and 千村示范 state; a unit's name is unique within its district, kind and town (villages repeat names); ledger households
carry 户数 and the medical institution's wastewater facility and GB18466—2005 compliance; every acceptance state
is kept in `registry_acceptance_history` so progress can be read as of a past day.

A store made at start by the code of issue 12 or 13 (before migrations) already has these: each step adds only
what is missing, so such a store is adopted as it is.

Revision ID: 0002_issue_12_whole_city
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_issue_12_whole_city"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

# (name, type, server default for the rows already there, indexed)
_UNIT_COLUMNS = (
    ("official_code", sa.String(length=12), "", True),
    ("out_of_scope", sa.Boolean(), sa.false(), True),
    ("note", sa.Text(), "", False),
    ("source", sa.Text(), "", False),
    ("town_id", sa.String(length=36), "", True),
    ("coded_under", sa.String(length=6), "", True),
    ("demonstration_state", sa.String(length=20), "", True),
    ("designated_on", sa.String(length=10), "", False),
    ("completed_on", sa.String(length=10), "", False),
    ("built_up_area_km2", sa.Float(), "0", False),
    ("built_up_scope", sa.Text(), "", False),
    ("resident_population", sa.Integer(), "0", False),
    ("lead_organisation", sa.String(length=120), "", False),
    ("contact_person", sa.String(length=60), "", False),
    ("contact_phone", sa.String(length=40), "", False),
)
_HOUSEHOLD_COLUMNS = (
    ("households", sa.Integer(), "0"),  # 户数 (residential compounds)
    ("medical_wastewater_facility", sa.Boolean(), sa.false()),  # 医疗废水收集处理设施
    ("medical_discharge", sa.String(), ""),  # GB18466—2005; "" on rows recorded before
)
_UNIT_NAME_KEY = "uq_registry_unit_name"


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def _unit_name_key() -> list[str] | None:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("registry_unit"):
        if constraint["name"] == _UNIT_NAME_KEY:
            return list(constraint["column_names"])
    return None


def upgrade() -> None:
    present = _columns("registry_unit")
    key = _unit_name_key()
    new_key = ["district_code", "kind", "name", "town_id"]
    with op.batch_alter_table("registry_unit") as batch:  # SQLite: the table is copied, rows and all
        for name, kind, default, _indexed in _UNIT_COLUMNS:
            if name not in present:
                batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))
        if key != new_key:
            if key is not None:
                batch.drop_constraint(_UNIT_NAME_KEY, type_="unique")
            batch.create_unique_constraint(_UNIT_NAME_KEY, new_key)
    for name, _kind, _default, indexed in _UNIT_COLUMNS:
        if indexed:
            op.create_index(f"ix_registry_unit_{name}", "registry_unit", [name], if_not_exists=True)

    present = _columns("registry_ledger_household")
    missing = [column for column in _HOUSEHOLD_COLUMNS if column[0] not in present]
    if missing:
        with op.batch_alter_table("registry_ledger_household") as batch:
            for name, kind, default in missing:
                batch.add_column(sa.Column(name, kind, nullable=False, server_default=default))

    # Filled by the projection from issue 12 on; the states set before are taken from their events below.
    op.create_table(
        "registry_acceptance_history",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("effective_on", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
        if_not_exists=True,
    )
    op.create_index(
        "ix_registry_acceptance_history_unit_id",
        "registry_acceptance_history",
        ["unit_id"],
        if_not_exists=True,
    )
    _history_from_events()


# The CloudEvents type of AcceptanceStateSet (zdz_registry.ledger.adapters.event_mapping), as recorded.
_STATE_SET = "zdz.registry.acceptance.state_set"


def _history_from_events() -> None:
    """Every acceptance state already recorded (an AcceptanceStateSet event, zdz.registry.v1 on the wire) gets its
    history row, as the projection writes it, so progress as of a day before the upgrade is read as it was; rows
    already there (a store made by issue 12's code) are kept."""
    from zdz.registry.v1 import ledger_events_pb2

    bind = op.get_bind()
    history = sa.table(
        "registry_acceptance_history",
        sa.column("event_id", sa.String),
        sa.column("unit_id", sa.String),
        sa.column("position", sa.Integer),
        sa.column("state", sa.String),
        sa.column("effective_on", sa.String),
    )
    events = sa.table(
        "es_event",
        sa.column("event_id", sa.String),
        sa.column("position", sa.Integer),
        sa.column("type", sa.String),
        sa.column("data", sa.LargeBinary),
    )
    present = set(bind.execute(sa.select(history.c.event_id)).scalars())
    rows = []
    for event_id, position, data in bind.execute(
        sa.select(events.c.event_id, events.c.position, events.c.data)
        .where(events.c.type == _STATE_SET)
        .order_by(events.c.position)
    ):
        if event_id in present:
            continue
        message = ledger_events_pb2.AcceptanceStateSet.FromString(data)
        rows.append(
            {
                "event_id": event_id,
                "unit_id": message.unit.id,
                "position": position,
                "state": message.state,
                "effective_on": message.on,
            }
        )
    if rows:
        bind.execute(sa.insert(history), rows)


def downgrade() -> None:
    op.drop_index("ix_registry_acceptance_history_unit_id", table_name="registry_acceptance_history")
    op.drop_table("registry_acceptance_history")
    with op.batch_alter_table("registry_ledger_household") as batch:
        for name, _kind, _default in _HOUSEHOLD_COLUMNS:
            batch.drop_column(name)
    for name, _kind, _default, indexed in _UNIT_COLUMNS:
        if indexed:
            op.drop_index(f"ix_registry_unit_{name}", table_name="registry_unit")
    with op.batch_alter_table("registry_unit") as batch:
        batch.drop_constraint(_UNIT_NAME_KEY, type_="unique")
        batch.create_unique_constraint(_UNIT_NAME_KEY, ["district_code", "kind", "name"])
        for name, _kind, _default, _indexed in _UNIT_COLUMNS:
            batch.drop_column(name)
