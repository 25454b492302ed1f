"""The ledger's read models written per batch (one statement per table, issue 15) read exactly as if each event
had been projected on its own; and the facts answer names its unit and district. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from zdz.registry.v1 import ledger_pb2 as pb
from zdz_common.context import CommandContext
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, UnitDetails
from zdz_registry.ledger.adapters.orm import LEDGER_TABLES, ProblemView
from zdz_registry.ledger.entrypoints.messages import row_command
from zdz_registry.ledger.service_layer.batch import problem_id_of
from zdz_registry.ledger.service_layer.services import LedgerService

CONTEXT = CommandContext()


@dataclass
class Ledgers:
    service: LedgerService
    engine: sa.Engine
    town: str
    twin: str  # a second town, fed the same rows one by one


@pytest.fixture
def ledgers(database_url: str) -> Iterator[Ledgers]:
    registry = bootstrap(database_url)
    registry.create_district(CreateDistrict("wanzhou", "万州区", "500101", DistrictTargets(35, 80)), CONTEXT)
    town, twin = (
        registry.create_unit(CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails(name, True, 2027)), CONTEXT)
        for name in ("高笋塘街道", "牌楼街道")
    )
    yield Ledgers(bootstrap_ledger(registry), registry.engine, town.id, twin.id)
    registry.engine.dispose()


def compound(code: str, name: str, surveyed: bool = False) -> pb.LedgerRow:
    household = pb.SourceHousehold(
        code=code,
        name=name,
        kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
        building=pb.BUILDING_NON_SINGLE,
        surveyed=surveyed,
    )
    return pb.LedgerRow(source_household=household)


def pipe(code: str, length_m: float) -> pb.LedgerRow:
    return pb.LedgerRow(
        pipe_segment=pb.PipeSegment(code=code, network=pb.NETWORK_TYPE_SEWAGE, length_m=length_m)
    )


def problem(code: str, location: str) -> pb.LedgerRow:
    details = pb.Problem(
        code=code,
        entity_class=pb.ENTITY_CLASS_PIPE_SEGMENT,
        entity_code="P-1",
        type=pb.PROBLEM_TYPE_BLOCKAGE,
        location=location,
        found_by=pb.FOUND_BY_SURVEY,
        found_on="2025-01-10",
    )
    return pb.LedgerRow(problem=details)


def task(code: str, action: int, on: str, **fields: Any) -> pb.LedgerRow:
    step = pb.TaskStep(problem_code=code, action=action, step=pb.Step(by="街道办", on=on), **fields)  # type: ignore[arg-type]
    return pb.LedgerRow(task_step=step)


# A sheet that states rows twice, revises a problem after its task moved, moves a new problem's task last, and
# notes a defect in a revised row.
SHEET = [
    compound("H-1", "小区甲"),
    pipe("P-1", 100),
    compound("H-1", "小区甲（更名）", surveyed=True),
    problem("Q-1", "解放路"),
    task("Q-1", pb.TASK_ACTION_OPEN, "2025-02-01", owner="街道办", deadline="2025-06-30"),
    task("Q-1", pb.TASK_ACTION_ASSIGN, "2025-02-02", assignee="渝东市政公司"),
    problem("Q-1", "解放路 12 号"),
    problem("Q-2", "人民路"),
    task("Q-2", pb.TASK_ACTION_OPEN, "2025-02-04", owner="街道办", deadline="2025-07-31"),
    pipe("P-1", 120),
    pb.LedgerRow(
        information_defect=pb.InformationDefect(
            entity_class=pb.ENTITY_CLASS_PIPE_SEGMENT,
            entity_code="P-1",
            field="length_m",
            description="长度失真",
            found_by=pb.FOUND_BY_ACCEPTANCE,
            found_on="2025-02-03",
        )
    ),
]


def _import(ledgers: Ledgers, unit_id: str, rows: list[pb.LedgerRow]) -> None:
    commands = [row_command(unit_id, row) for row in rows]
    report = ledgers.service.import_rows(unit_id, commands, all_or_nothing=True, context=CONTEXT)
    assert report.written and report.rejected == 0, report.results


def _read_models(engine: sa.Engine, unit_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every ledger table's rows of the unit, without what names the unit or the event (ids differ by unit)."""
    problems = ProblemView.__table__  # type: ignore[attr-defined]
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in LEDGER_TABLES:
            if "unit_id" in table.c:
                where = table.c.unit_id == unit_id
            else:  # the task steps, by their problem
                where = table.c.problem_id.in_(sa.select(problems.c.id).where(problems.c.unit_id == unit_id))
            rows = [
                {
                    k: v
                    for k, v in row._mapping.items()
                    if k not in ("id", "unit_id", "event_id", "entity_id", "problem_id", "position")
                }
                for row in connection.execute(sa.select(table).where(where))
            ]
            tables[table.name] = sorted(rows, key=repr)
    return tables


def test_one_import_writes_the_read_models_that_recording_row_by_row_writes(ledgers: Ledgers) -> None:
    _import(ledgers, ledgers.town, SHEET)
    for row in SHEET:
        ledgers.service.record_row(ledgers.twin, row_command(ledgers.twin, row), CONTEXT)
    batched, one_by_one = (
        _read_models(ledgers.engine, ledgers.town),
        _read_models(ledgers.engine, ledgers.twin),
    )
    assert batched == one_by_one
    assert batched["registry_ledger_household"][0]["name"] == "小区甲（更名）"
    assert [p["length_m"] for p in batched["registry_ledger_pipe"]] == [120.0]


def test_a_problems_row_carries_its_streams_last_version_whichever_event_came_last(ledgers: Ledgers) -> None:
    _import(ledgers, ledgers.town, SHEET)
    problems = ProblemView.__table__  # type: ignore[attr-defined]
    with ledgers.engine.connect() as connection:
        q1, q2 = (
            connection.execute(
                sa.select(problems).where(problems.c.id == problem_id_of(ledgers.town, code))
            ).one()
            for code in ("Q-1", "Q-2")
        )
    # recorded, opened, assigned, recorded again: four events, the last a revision of the problem itself.
    assert (q1.location, q1.task_state, q1.owner, q1.assignee, q1.version) == (
        "解放路 12 号",
        "ASSIGNED",
        "街道办",
        "渝东市政公司",
        4,
    )
    # recorded, then opened: the task step is the stream's second event.
    assert (q2.task_state, q2.deadline, q2.version) == ("OPEN", "2025-07-31", 2)


def test_the_facts_answer_names_the_unit_and_its_district(ledgers: Ledgers) -> None:
    _import(ledgers, ledgers.town, SHEET)
    answer = ledgers.service.unit_facts(ledgers.town)
    assert (answer.unit.id, answer.unit.kind, answer.unit.name, answer.district_name) == (
        ledgers.town,
        UnitKind.TOWN,
        "高笋塘街道",
        "万州区",
    )
    assert answer.facts.household_survey.part == 1 and answer.facts.inspection_points == 0
