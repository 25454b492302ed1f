"""Schema migrations (issue 14) on SQLite and on a real PostgreSQL: the previous release's store, with its data,
is upgraded in place; every chain verifies and the read models answer afterwards; the head is the models.

The previous release (c8b9760) made its store at start with `create_all` and had no version table: such a store
is the baseline revision's schema without `alembic_version_<service>`. Its registry data are real: a district,
towns and a park group, ledger rows and acceptance states recorded by today's commands on a scratch store, then
copied into the previous release's tables column by column (its events, chains and outbox are unchanged).
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from zdz.registry.v1 import ledger_pb2 as pb
from zdz.scoring.v1 import scoring_pb2
from zdz_common import migrations
from zdz_common.context import CommandContext
from zdz_common.eventstore import EventStore, NewEvent, create_store_engine
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import TABLES as REGISTRY_TABLES
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, ParkLevel, UnitDetails
from zdz_registry.directory.service_layer.services import UnitFilter
from zdz_registry.ledger.domain.commands import SetAcceptanceState
from zdz_registry.ledger.domain.rows import EntityClass
from zdz_registry.ledger.entrypoints.messages import row_command

BASELINE = "0001_baseline"
CONTEXT = CommandContext()


def _previous_release_store(url: str, package: str) -> sa.Engine:
    """The store as the release before migrations left it: the baseline's tables, no version table."""
    migrations.upgrade(url, package, revision=BASELINE)
    engine = create_store_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {migrations.version_table(package)}"))
    return engine


def _copy_rows(source: sa.Engine, target: sa.Engine) -> dict[str, int]:
    """Every row of `source` into the tables `target` has, in the columns it has; PostgreSQL's position
    sequence is moved past the copied events. Returns the rows copied per table."""
    old, new = sa.MetaData(), sa.MetaData()
    old.reflect(target)
    new.reflect(source)
    copied = {}
    with source.connect() as read, target.begin() as write:
        for name, table in old.tables.items():
            if name not in new.tables:
                continue
            columns = [new.tables[name].c[column.name] for column in table.columns]
            rows = [dict(row._mapping) for row in read.execute(sa.select(*columns))]
            if rows:
                write.execute(sa.insert(table), rows)
            copied[name] = len(rows)
        if target.dialect.name == "postgresql":
            write.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('es_event', 'position'), "
                    "(SELECT max(position) FROM es_event))"
                )
            )
    return copied


def _household(code: str) -> pb.LedgerRow:
    return pb.LedgerRow(
        source_household=pb.SourceHousehold(
            code=code, name=f"小区{code}", kind=pb.HOUSEHOLD_KIND_RESIDENTIAL, building=pb.BUILDING_NON_SINGLE
        )
    )


def _pipe(code: str, length_m: float) -> pb.LedgerRow:
    return pb.LedgerRow(
        pipe_segment=pb.PipeSegment(code=code, network=pb.NETWORK_TYPE_SEWAGE, length_m=length_m)
    )


def _registry_data(url: str) -> dict[str, str]:
    """A district with two towns and a park group, a town's ledger rows and its acceptance up to the standard."""
    registry = bootstrap(url)
    ledger = bootstrap_ledger(registry)
    registry.create_district(CreateDistrict("wanzhou", "万州区", "500101", DistrictTargets(35, 80)), CONTEXT)
    town = registry.create_unit(
        CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails("高笋塘街道", True, 2025)), CONTEXT
    )
    other = registry.create_unit(
        CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails("牌楼街道", True, 2027)), CONTEXT
    )
    park = registry.create_unit(
        CreateUnit(
            "wanzhou",
            UnitKind.PARK_GROUP,
            UnitDetails("九龙园", True, 2025, park="万州经济技术开发区", level=ParkLevel.NATIONAL),
        ),
        CONTEXT,
    )
    for row in (_household("H1"), _household("H2"), _pipe("P1", 120.5)):
        ledger.record_row(town.id, row_command(town.id, row), CONTEXT)
    for state, on in (("ACCEPTED", "2025-06-30"), ("FILED", "2025-07-10"), ("MEETS_STANDARD", "2025-09-01")):
        ledger.set_acceptance_state(SetAcceptanceState(town.id, state, on), CONTEXT)
    # The other town met the standard, then failed the look-back (回头看): its current state alone hides the pass.
    for state, on in (
        ("ACCEPTED", "2025-05-20"),
        ("FILED", "2025-06-10"),
        ("MEETS_STANDARD", "2025-07-15"),
        ("FAILURE_OPEN", "2025-09-20"),
    ):
        reason = "回头看发现问题反弹" if state == "FAILURE_OPEN" else ""
        ledger.set_acceptance_state(SetAcceptanceState(other.id, state, on, reason), CONTEXT)
    registry.engine.dispose()
    return {"town": town.id, "other": other.id, "park": park.id}


def test_the_previous_release_registry_with_its_data_is_upgraded_in_place_chains_and_read_models_intact(
    database_url: str, tmp_path: Path
) -> None:
    scratch = f"sqlite:///{tmp_path / 'today.db'}"
    ids = _registry_data(scratch)
    target = _previous_release_store(database_url, "zdz_registry")
    copied = _copy_rows(create_store_engine(scratch), target)
    assert copied["registry_unit"] == 3 and copied["registry_ledger_household"] == 2
    assert copied["registry_acceptance"] == 2
    assert "registry_acceptance_history" not in copied  # not in that release
    events = copied["es_event"]

    found = migrations.status(target, "zdz_registry")
    assert found.legacy and not found.current
    assert "make migrate" in (migrations.refusal("zdz_registry", found) or "")
    with pytest.raises(SystemExit, match="zdz-registry migrate"):
        bootstrap(database_url, migrate=False)

    migrations.upgrade(target, "zdz_registry")
    assert migrations.current_revisions(target, "zdz_registry") == set(migrations.heads("zdz_registry"))
    assert migrations.differences(target, REGISTRY_TABLES, "zdz_registry") == []  # the head is the models

    registry = bootstrap(database_url, migrate=False)  # current: the service starts
    ledger = bootstrap_ledger(registry)
    verified = registry.verify_chain()
    assert verified.ok and verified.events_checked == events
    units = {unit.id: unit for unit in registry.list_units(UnitFilter(district_code="wanzhou")).items}
    assert {u.name for u in units.values()} == {"高笋塘街道", "牌楼街道", "九龙园"}
    town, park = units[ids["town"]], units[ids["park"]]
    assert (town.town_id, town.official_code, park.out_of_scope) == ("", "", False)  # issue 12's, empty
    households = ledger.list_rows(ids["town"], EntityClass.SOURCE_HOUSEHOLD)
    assert sorted(h.code for h in households.items) == ["H1", "H2"]
    assert all(h.households == 0 and h.medical_discharge == "" for h in households.items)
    progress = ledger.district_progress("wanzhou")
    assert (progress.towns, progress.towns_done, progress.failures_open) == (2, 1, 1)
    assert (progress.park_groups, progress.park_groups_done) == (1, 0)
    # The states set before the upgrade got their history from their events: progress as of a past day reads
    # as on the store that kept it all along.
    kept = bootstrap_ledger(bootstrap(scratch))
    for day in (date(2025, 7, 1), date(2025, 8, 1), date(2025, 10, 1)):
        assert ledger.district_progress("wanzhou", day) == kept.district_progress("wanzhou", day)
    august = ledger.district_progress("wanzhou", date(2025, 8, 1))
    assert (august.towns_done, august.failures_open) == (2, 0)  # both filed or met, before the look-back
    kept.engine.dispose()

    # Today's commands write the new columns and the history on the upgraded store, and the chains still hold.
    ledger.record_row(ids["other"], row_command(ids["other"], _household("H9")), CONTEXT)
    ledger.set_acceptance_state(SetAcceptanceState(ids["park"], "ACCEPTED", "2025-10-01"), CONTEXT)
    with target.connect() as connection:
        history = connection.execute(
            sa.text("SELECT unit_id, state FROM registry_acceptance_history ORDER BY position")
        ).all()
    assert [tuple(row) for row in history] == [
        (ids["town"], "ACCEPTED"),
        (ids["town"], "FILED"),
        (ids["town"], "MEETS_STANDARD"),
        *[(ids["other"], state) for state in ("ACCEPTED", "FILED", "MEETS_STANDARD", "FAILURE_OPEN")],
        (ids["park"], "ACCEPTED"),
    ]
    assert registry.verify_chain().ok and registry.verify_chain().events_checked > events
    registry.engine.dispose()
    target.dispose()


@pytest.mark.parametrize("service", ["scoring", "workflow", "notify"])
def test_the_previous_release_store_of_every_other_service_is_adopted_with_its_events(
    database_url: str, service: str
) -> None:
    package = f"zdz_{service}"
    target = _previous_release_store(database_url, package)
    store = EventStore(f"zdz/{service}")
    event = NewEvent("zdz.test.Recorded.v1", scoring_pb2.ScoreSheet(id="s1"))
    with Session(target) as session, session.begin():
        store.append(session, "sheet-s1", 0, [event, event], CONTEXT)
        store.append(session, "sheet-s2", 0, [event], CONTEXT)
    with pytest.raises(SystemExit, match=f"zdz-{service} migrate"):
        migrations.check_current(target, package)

    migrations.upgrade(target, package)
    migrations.upgrade(target, package)  # twice: nothing more to do
    migrations.check_current(target, package)
    tables = importlib.import_module(f"{package}.bootstrap").TABLES
    assert migrations.differences(target, tables, package) == []
    with Session(target) as session:
        verified = store.verify(session)
    assert (verified.ok, verified.events_checked) == (True, 3)
    with Session(target) as session, session.begin():
        store.append(session, "sheet-s2", 1, [event], CONTEXT)  # the upgraded store takes new events
    with Session(target) as session:
        assert store.verify(session).events_checked == 4
    target.dispose()


@pytest.mark.parametrize("service", ["registry", "scoring", "workflow", "notify"])
def test_a_store_made_at_start_by_the_code_of_issue_13_is_adopted_as_it_is(
    database_url: str, service: str
) -> None:
    # Issues 12 and 13 still made the store with create_all at start: today's tables, no version table.
    package = f"zdz_{service}"
    tables = importlib.import_module(f"{package}.bootstrap").TABLES
    engine = create_store_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=tables)
    assert migrations.status(engine, package).legacy
    migrations.upgrade(engine, package)
    assert migrations.current_revisions(engine, package) == set(migrations.heads(package))
    assert migrations.differences(engine, tables, package) == []
    engine.dispose()
