"""The ledger's gRPC API over a real server and database: bulk import with good and bad rows, all-or-nothing
batches, the size bound, task steps and their refusals, facts and progress."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest

from zdz.registry.v1 import ledger_pb2 as pb
from zdz.registry.v1 import ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz_common.context import CommandContext
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, ParkLevel, UnitDetails
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.directory.service_layer.services import RegistryService
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer

# gRPC metadata values are ASCII: organisations and people travel as codes.
CLERK = (
    ("x-zdz-organisation", "gaosuntang-office"),
    ("x-zdz-role", "TOWN_OFFICE"),
    ("x-zdz-person", "zhang-san"),
)


@dataclass
class RunningLedger:
    registry: RegistryService
    ledger: ledger_pb2_grpc.LedgerServiceStub
    units: registry_pb2_grpc.RegistryServiceStub
    town: str
    other_town: str
    park: str


@pytest.fixture
async def running(database_url: str) -> AsyncIterator[RunningLedger]:
    registry = bootstrap(database_url)
    ledger = bootstrap_ledger(registry)
    context = CommandContext()
    registry.create_district(CreateDistrict("wanzhou", "万州区", "500101", DistrictTargets(35, 80)), context)
    town = registry.create_unit(
        CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails("高笋塘街道", True, 2027)), context
    )
    other = registry.create_unit(
        CreateUnit("wanzhou", UnitKind.TOWN, UnitDetails("牌楼街道", True, 2027)), context
    )
    park = registry.create_unit(
        CreateUnit(
            "wanzhou",
            UnitKind.PARK_GROUP,
            UnitDetails("九龙园", True, 2025, park="万州经济技术开发区", level=ParkLevel.NATIONAL),
        ),
        context,
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger), s),
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(registry), s),
        ],
        service_names=["zdz.registry.v1.LedgerService", "zdz.registry.v1.RegistryService"],
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield RunningLedger(
        registry,
        ledger_pb2_grpc.LedgerServiceStub(channel),
        registry_pb2_grpc.RegistryServiceStub(channel),
        town.id,
        other.id,
        park.id,
    )
    await channel.close()
    await server.stop(0)
    registry.engine.dispose()


# --- rows ----------------------------------------------------------------------------------------------------


def compound(code: str, **more) -> pb.LedgerRow:  # type: ignore[no-untyped-def]
    household = pb.SourceHousehold(
        code=code,
        name=f"小区{code}",
        kind=pb.HOUSEHOLD_KIND_RESIDENTIAL,
        building=pb.BUILDING_NON_SINGLE,
        **more,
    )
    return pb.LedgerRow(source_household=household)


def pipe(code: str, length_m: float, **more) -> pb.LedgerRow:  # type: ignore[no-untyped-def]
    return pb.LedgerRow(
        pipe_segment=pb.PipeSegment(code=code, network=pb.NETWORK_TYPE_SEWAGE, length_m=length_m, **more)
    )


def plant(code: str, **more) -> pb.LedgerRow:  # type: ignore[no-untyped-def]
    return pb.LedgerRow(
        treatment_facility=pb.TreatmentFacility(
            **({"code": code, "name": f"污水厂{code}", "capacity_m3_per_day": 8000} | more)
        )
    )


def problem(code: str, household: str, **more) -> pb.LedgerRow:  # type: ignore[no-untyped-def]
    values = {
        "code": code,
        "entity_class": pb.ENTITY_CLASS_SOURCE_HOUSEHOLD,
        "entity_code": household,
        "type": pb.PROBLEM_TYPE_MIXED_CONNECTION,
        "location": "小区北门雨水井",
        "found_by": pb.FOUND_BY_SURVEY,
        "found_on": "2024-08-20",
    }
    return pb.LedgerRow(problem=pb.Problem(**(values | more)))


def task_step(problem_code: str, action: int, on: str, *evidence: str, **more) -> pb.LedgerRow:  # type: ignore[no-untyped-def]
    step = pb.Step(by="街道办", on=on, evidence=evidence)
    return pb.LedgerRow(task_step=pb.TaskStep(problem_code=problem_code, action=action, step=step, **more))


async def _import(
    stub: ledger_pb2_grpc.LedgerServiceStub,
    unit_id: str,
    rows: list[pb.LedgerRow],
    *,
    atomic: bool = False,
    chunk: int = 3,
) -> pb.ImportLedgerRowsResponse:
    async def requests() -> AsyncIterator[pb.ImportLedgerRowsRequest]:
        yield pb.ImportLedgerRowsRequest(options=pb.ImportOptions(unit_id=unit_id, all_or_nothing=atomic))
        for start in range(0, len(rows), chunk):
            yield pb.ImportLedgerRowsRequest(rows=rows[start : start + chunk])

    return await stub.ImportLedgerRows(requests(), metadata=CLERK)  # type: ignore[no-any-return]


async def _status(call) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await call
    return error.value.code(), error.value.details() or ""


async def _count(running: RunningLedger, unit_id: str, entity_class: int) -> int:
    response = await running.ledger.ListLedgerRows(
        pb.ListLedgerRowsRequest(unit_id=unit_id, entity_class=entity_class)
    )
    return response.total_size  # type: ignore[no-any-return]


def _outcomes(response: pb.ImportLedgerRowsResponse) -> list[tuple[int, str, str, str]]:
    return [(r.row, pb.RowOutcome.Name(r.outcome), r.code, r.field) for r in response.results]


MIXED_BATCH = [
    compound("H-001", surveyed=True),  # 1 good
    pipe("P-001", -5.0),  # 2 negative length
    pb.LedgerRow(  # 3 a category number outside the list
        source_household=pb.SourceHousehold(
            code="N-001",
            name="某宾馆",
            kind=pb.HOUSEHOLD_KIND_NON_RESIDENTIAL,
            building=pb.BUILDING_SINGLE,
            category=99,
        )
    ),
    plant("F-001", surveyed=True),  # 4 good
    pb.LedgerRow(  # 5 an outfall of a facility the ledger does not hold
        outfall=pb.Outfall(
            code="O-404", name="排口", attached_to=pb.ATTACHMENT_FACILITY, facility_code="F-404"
        )
    ),
    pb.LedgerRow(  # 6 good, on the facility of row 4
        outfall=pb.Outfall(
            code="O-001", name="厂排口", attached_to=pb.ATTACHMENT_FACILITY, facility_code="F-001"
        )
    ),
    problem("Q-001", "H-001"),  # 7 good, on the compound of row 1
    task_step(
        "Q-001", pb.TASK_ACTION_OPEN, "2024-09-01", owner="高笋塘街道办事处", deadline="2024-12-31"
    ),  # 8 good
    task_step("Q-001", pb.TASK_ACTION_VERIFY, "2024-09-02", "记录"),  # 9 verify before rectified
    plant("F-002", takes_industrial_wastewater=True, industrial_share_percent=120),  # 10 share over 100 %
]


async def test_import_writes_the_good_rows_and_names_the_row_and_field_of_each_bad_one(running) -> None:  # type: ignore[no-untyped-def]
    response = await _import(running.ledger, running.town, MIXED_BATCH)
    assert _outcomes(response) == [
        (1, "ROW_OUTCOME_ACCEPTED", "", ""),
        (2, "ROW_OUTCOME_REJECTED", "INVALID_ARGUMENT", "pipe_segment.length_m"),
        (3, "ROW_OUTCOME_REJECTED", "INVALID_ARGUMENT", "source_household.category"),
        (4, "ROW_OUTCOME_ACCEPTED", "", ""),
        (5, "ROW_OUTCOME_REJECTED", "NOT_FOUND", "outfall.facility_code"),
        (6, "ROW_OUTCOME_ACCEPTED", "", ""),
        (7, "ROW_OUTCOME_ACCEPTED", "", ""),
        (8, "ROW_OUTCOME_ACCEPTED", "", ""),
        (9, "ROW_OUTCOME_REJECTED", "FAILED_PRECONDITION", "task.state"),
        (10, "ROW_OUTCOME_REJECTED", "INVALID_ARGUMENT", "treatment_facility.industrial_share_percent"),
    ]
    assert (response.accepted, response.rejected, response.written) == (5, 5, True)
    assert "0" in response.results[1].reason  # the clerk is told what is allowed
    # The good rows are there, the bad ones are not.
    assert await _count(running, running.town, pb.ENTITY_CLASS_SOURCE_HOUSEHOLD) == 1
    assert await _count(running, running.town, pb.ENTITY_CLASS_PIPE_SEGMENT) == 0
    assert await _count(running, running.town, pb.ENTITY_CLASS_OUTFALL) == 1
    [listed] = (await running.ledger.ListProblems(pb.ListProblemsRequest(unit_id=running.town))).problems
    assert listed.code == "Q-001" and listed.task.state == pb.TASK_STATE_OPEN and listed.major
    assert listed.id == response.results[6].id


async def test_an_all_or_nothing_batch_with_one_bad_row_writes_nothing(running) -> None:  # type: ignore[no-untyped-def]
    good = [compound("H-001"), compound("H-002"), plant("F-001")]
    response = await _import(running.ledger, running.town, [*good, pipe("P-001", -1.0)], atomic=True)
    assert [pb.RowOutcome.Name(r.outcome) for r in response.results] == [
        "ROW_OUTCOME_NOT_WRITTEN",
        "ROW_OUTCOME_NOT_WRITTEN",
        "ROW_OUTCOME_NOT_WRITTEN",
        "ROW_OUTCOME_REJECTED",
    ]
    assert not response.written
    assert await _count(running, running.town, pb.ENTITY_CLASS_SOURCE_HOUSEHOLD) == 0
    assert await _count(running, running.town, pb.ENTITY_CLASS_FACILITY) == 0
    # The same batch without the bad row goes in whole.
    response = await _import(running.ledger, running.town, good, atomic=True)
    assert response.written and response.accepted == 3


async def test_an_oversized_batch_is_invalid_argument_and_nothing_is_written(running) -> None:  # type: ignore[no-untyped-def]
    rows = [compound(f"H-{n:05d}") for n in range(5001)]
    code, details = await _status(_import(running.ledger, running.town, rows, chunk=1000))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "5000" in details and "rows" in details
    assert await _count(running, running.town, pb.ENTITY_CLASS_SOURCE_HOUSEHOLD) == 0


async def test_an_import_names_an_existing_unit_in_its_first_message(running) -> None:  # type: ignore[no-untyped-def]
    code, details = await _status(_import(running.ledger, "no-such-unit", [compound("H-001")]))
    assert code == grpc.StatusCode.NOT_FOUND and "unit_id" in details

    async def without_options() -> AsyncIterator[pb.ImportLedgerRowsRequest]:
        yield pb.ImportLedgerRowsRequest(rows=[compound("H-001")])

    code, details = await _status(running.ledger.ImportLedgerRows(without_options()))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "options.unit_id" in details


async def test_importing_the_same_sheet_twice_records_nothing_new(running) -> None:  # type: ignore[no-untyped-def]
    sheet = [compound("H-001"), pipe("P-001", 120.0), problem("Q-001", "H-001")]
    await _import(running.ledger, running.town, sheet)
    first = await running.units.VerifyChain(registry_pb2.VerifyChainRequest())
    again = await _import(running.ledger, running.town, sheet)
    second = await running.units.VerifyChain(registry_pb2.VerifyChainRequest())
    assert again.accepted == 3 and second.ok and second.events_checked == first.events_checked


async def test_a_unit_imported_mid_process_brings_its_task_history(running) -> None:  # type: ignore[no-untyped-def]
    # A town accepted in 2025 arrives with its problem and every step of its task, in order.
    rows = [
        compound("H-001", surveyed=True),
        problem("Q-001", "H-001"),
        task_step("Q-001", pb.TASK_ACTION_OPEN, "2024-09-01", owner="街道办", deadline="2024-12-31"),
        task_step("Q-001", pb.TASK_ACTION_ASSIGN, "2024-09-03", assignee="渝东市政公司"),
        task_step("Q-001", pb.TASK_ACTION_RECTIFY, "2024-10-20", "photo://Q-001/after.jpg"),
        task_step("Q-001", pb.TASK_ACTION_VERIFY, "2024-10-28", "验收记录-1028"),
    ]
    response = await _import(running.ledger, running.town, rows, atomic=True)
    assert response.written and response.rejected == 0
    [listed] = (await running.ledger.ListProblems(pb.ListProblemsRequest(unit_id=running.town))).problems
    assert [s.state for s in listed.task.steps] == [1, 2, 3, 4]
    assert (
        listed.task.steps[2].evidence == ["photo://Q-001/after.jpg"]
        and listed.task.assignee == "渝东市政公司"
    )


# --- single rows and task steps ------------------------------------------------------------------------------


async def test_a_negative_capacity_is_invalid_argument_naming_the_field(running) -> None:  # type: ignore[no-untyped-def]
    request = pb.RecordLedgerRowRequest(unit_id=running.town, row=plant("F-001", capacity_m3_per_day=-1))
    code, details = await _status(running.ledger.RecordLedgerRow(request))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "treatment_facility.capacity_m3_per_day" in details
    code, details = await _status(
        running.ledger.RecordLedgerRow(pb.RecordLedgerRowRequest(unit_id=running.town))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("row:")


async def test_recording_a_row_answers_its_id_and_whether_it_changed(running) -> None:  # type: ignore[no-untyped-def]
    request = pb.RecordLedgerRowRequest(unit_id=running.town, row=compound("H-001"))
    first = await running.ledger.RecordLedgerRow(request)
    second = await running.ledger.RecordLedgerRow(request)
    assert first.changed and not second.changed and first.id == second.id


async def _recorded_problem(running: RunningLedger, unit_id: str) -> str:
    response = await _import(
        running.ledger, unit_id, [compound("H-001"), problem("Q-001", "H-001")], atomic=True
    )
    return response.results[1].id  # type: ignore[no-any-return]


async def test_a_task_walks_its_steps_over_grpc_recording_the_caller_as_who(running) -> None:  # type: ignore[no-untyped-def]
    problem_id = await _recorded_problem(running, running.town)
    ledger = running.ledger
    # Opened and assigned by the town office (who and when default to the caller and today).
    opened = await ledger.OpenTask(
        pb.OpenTaskRequest(
            unit_id=running.town, problem_id=problem_id, owner="高笋塘街道办事处", deadline="2099-12-31"
        ),
        metadata=CLERK,
    )
    assert opened.problem.task.state == pb.TASK_STATE_OPEN
    assert opened.problem.task.steps[0].by == "gaosuntang-office/zhang-san"
    await ledger.AssignTask(
        pb.AssignTaskRequest(unit_id=running.town, problem_id=problem_id, assignee="渝东市政公司")
    )
    # Verifying before the rectification is reported is out of order.
    early = pb.Step(by="区住建委 王五", evidence=["x"])
    code, details = await _status(
        ledger.VerifyTask(pb.VerifyTaskRequest(unit_id=running.town, problem_id=problem_id, step=early))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "task.state" in details
    # A rectification without evidence is refused; with a photo it is recorded.
    code, details = await _status(
        ledger.RectifyTask(pb.RectifyTaskRequest(unit_id=running.town, problem_id=problem_id))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "step.evidence" in details
    await ledger.RectifyTask(
        pb.RectifyTaskRequest(
            unit_id=running.town, problem_id=problem_id, step=pb.Step(evidence=["photo://1"])
        )
    )
    verified = await ledger.VerifyTask(
        pb.VerifyTaskRequest(
            unit_id=running.town, problem_id=problem_id, step=pb.Step(by="区住建委 王五", evidence=["记录-1"])
        )
    )
    task = verified.problem.task
    assert task.state == pb.TASK_STATE_VERIFIED and [s.state for s in task.steps] == [1, 2, 3, 4]
    assert task.steps[3].by == "区住建委 王五" and task.steps[3].evidence == ["记录-1"]


async def test_a_task_for_another_units_problem_is_failed_precondition(running) -> None:  # type: ignore[no-untyped-def]
    problem_id = await _recorded_problem(running, running.other_town)
    request = pb.OpenTaskRequest(
        unit_id=running.town, problem_id=problem_id, owner="高笋塘街道办事处", deadline="2099-12-31"
    )
    code, details = await _status(running.ledger.OpenTask(request))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "task.unit_id" in details
    got = await running.ledger.GetProblem(pb.GetProblemRequest(id=problem_id))
    assert not got.problem.HasField("task")


async def test_a_task_for_an_unknown_problem_is_not_found(running) -> None:  # type: ignore[no-untyped-def]
    request = pb.OpenTaskRequest(
        unit_id=running.town, problem_id="nope", owner="街道办", deadline="2099-12-31"
    )
    code, details = await _status(running.ledger.OpenTask(request))
    assert code == grpc.StatusCode.NOT_FOUND and "task.problem_id" in details


# --- facts and progress --------------------------------------------------------------------------------------


async def test_unit_facts_after_an_import(running) -> None:  # type: ignore[no-untyped-def]
    rows = [
        compound("H-001", surveyed=True),
        compound("H-002"),
        pipe("P-001", 750.0, surveyed=True),
        pipe("P-002", 250.0),
        plant("F-001", surveyed=True),
        problem("Q-001", "H-001"),
        problem("Q-002", "H-002", type=pb.PROBLEM_TYPE_SEPTIC_TANK),
        task_step("Q-001", pb.TASK_ACTION_OPEN, "2024-09-01", owner="街道办", deadline="2024-12-31"),
        task_step("Q-001", pb.TASK_ACTION_ASSIGN, "2024-09-03", assignee="施工队"),
        task_step("Q-001", pb.TASK_ACTION_RECTIFY, "2024-10-20", "photo"),
        task_step("Q-001", pb.TASK_ACTION_VERIFY, "2024-10-28", "记录"),
    ]
    assert (await _import(running.ledger, running.town, rows, atomic=True)).written
    facts = (await running.ledger.GetUnitFacts(pb.GetUnitFactsRequest(unit_id=running.town))).facts
    figures = facts.figures
    # Households: 1 of 2 surveyed → 50.00 %; pipes: 750 of 1000 m → 75.00 %; the one facility → 100.00 %.
    assert (figures.household_survey_rate, figures.pipe_survey_rate, figures.facility_survey_rate) == (
        "50.00",
        "75.00",
        "100.00",
    )
    # Two compound problems, Q-001 verified → 50.00 %; Q-002 has no task: the lists do not match one to one.
    assert figures.residential_rectification_rate == "50.00" and figures.unmatched_list_entries == 1
    assert facts.residential.rectification.problems == 2 and not facts.lists_match
    assert figures.pipe_rectification_rate == "100.00"  # nothing found on the pipes, nothing left to rectify
    assert dict(facts.problems_by_type) == {"MIXED_CONNECTION": 1, "SEPTIC_TANK": 1}
    assert dict(facts.pipe_length_m) == {"SEWAGE": "1000.00"}


async def test_acceptance_states_drive_the_district_progress(running) -> None:  # type: ignore[no-untyped-def]
    ledger = running.ledger
    # DESIGN "Progress counts": from filing (备案), not from the district's verdict.
    accepted = await ledger.SetAcceptanceState(
        pb.SetAcceptanceStateRequest(
            unit_id=running.town, state=pb.ACCEPTANCE_STATE_ACCEPTED, on="2025-02-20"
        )
    )
    assert accepted.standing.accepted_on == ""
    filed = await ledger.SetAcceptanceState(
        pb.SetAcceptanceStateRequest(unit_id=running.town, state=pb.ACCEPTANCE_STATE_FILED, on="2025-03-01")
    )
    assert filed.standing.accepted_on == "2025-03-01"
    # A clerk records a park group filed and past the municipal spot-check before the system existed.
    await ledger.SetAcceptanceState(
        pb.SetAcceptanceStateRequest(
            unit_id=running.park, state=pb.ACCEPTANCE_STATE_MEETS_STANDARD, on="2024-12-20"
        )
    )
    # A failure open under 限期整改 needs its reason, and is not counted.
    failure = pb.SetAcceptanceStateRequest(
        unit_id=running.other_town, state=pb.ACCEPTANCE_STATE_FAILURE_OPEN, on="2025-05-20"
    )
    code, details = await _status(ledger.SetAcceptanceState(failure))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "acceptance.reason" in details
    failure.reason = "市级抽查不合格，限期整改"
    assert (await ledger.SetAcceptanceState(failure)).standing.accepted_on == ""
    code, details = await _status(
        ledger.SetAcceptanceState(
            pb.SetAcceptanceStateRequest(
                unit_id=running.other_town, state=pb.ACCEPTANCE_STATE_ACCEPTED, on="2099-01-01"
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "acceptance.on" in details
    progress = (
        await ledger.GetDistrictProgress(pb.GetDistrictProgressRequest(district_code="wanzhou"))
    ).progress
    # 2 towns (both along-river), 1 filed in 2025, 1 with a failure open. 35 % of 2 = 0.7 → 1 required by 2025: met; 80 % → 2 by 2027.
    assert (progress.towns, progress.towns_done) == (2, 1)
    assert [(t.year, t.required, t.done, t.met) for t in progress.town_targets] == [
        (2025, 1, 1, True),
        (2027, 2, 1, False),
    ]
    # Along-river: 80 % of 2 = 1.6 → 2 by 2025; the park group due 2025 was filed in 2024.
    assert [(t.required, t.done) for t in progress.along_river_targets] == [(2, 1), (2, 1)]
    assert [(t.required, t.done) for t in progress.park_targets] == [(1, 1), (1, 1)]
    code, _ = await _status(
        ledger.GetDistrictProgress(pb.GetDistrictProgressRequest(district_code="nowhere"))
    )
    assert code == grpc.StatusCode.NOT_FOUND


async def test_list_units_filters_by_the_acceptance_states_of_the_spot_check_and_look_back(running) -> None:  # type: ignore[no-untyped-def]
    states = {
        running.town: pb.ACCEPTANCE_STATE_FILED,  # 已备案，待市级抽查: the draw's only candidates
        running.other_town: pb.ACCEPTANCE_STATE_UNDER_SPOT_CHECK,
        running.park: pb.ACCEPTANCE_STATE_MEETS_STANDARD,
    }
    for unit_id, state in states.items():
        await running.ledger.SetAcceptanceState(
            pb.SetAcceptanceStateRequest(unit_id=unit_id, state=state, on="2025-03-01")
        )

    async def listed(*wanted: int) -> set[str]:
        request = registry_pb2.ListUnitsRequest(district_code="wanzhou", acceptance_states=wanted)
        return {unit.id for unit in (await running.units.ListUnits(request)).units}

    assert await listed(pb.ACCEPTANCE_STATE_FILED) == {running.town}
    assert await listed(pb.ACCEPTANCE_STATE_UNDER_SPOT_CHECK, pb.ACCEPTANCE_STATE_MEETS_STANDARD) == {
        running.other_town,
        running.park,
    }
    assert await listed(pb.ACCEPTANCE_STATE_FAILURE_OPEN) == set()


async def test_every_ledger_event_is_chained_and_waits_in_the_outbox(running) -> None:  # type: ignore[no-untyped-def]
    await _import(running.ledger, running.town, MIXED_BATCH)
    verified = await running.units.VerifyChain(registry_pb2.VerifyChainRequest())
    assert verified.ok
    with running.registry.engine.connect() as connection:
        subjects = {row[0] for row in connection.exec_driver_sql("SELECT subject FROM es_outbox").all()}
    assert {
        "zdz.registry.household.recorded",
        "zdz.registry.problem.recorded",
        "zdz.registry.task.opened",
    } <= subjects
