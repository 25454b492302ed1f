"""Score sheets per second over gRPC against the same scoring done in-process, measured in the same run.

A town's ledger (households, pipes, a plant, problems with tasks) is built in a real registry server; then:
- in-process engine: `engine.score` on the ledger's facts, read once (the baseline);
- in-process service: `ScoringService.preview`, the ledger served from memory (validation, mapping, no network);
- gRPC PreviewSheet: client → scoring server → registry server over gRPC (one GetUnitFacts call: the unit, its
  district's name and the ledger's facts) → score;
- gRPC SaveSheetDraft + SignSheet: the same, plus two event-sourced writes (draft, signature) per sheet.
- raw gRPC echo: bytes in and out of PreviewSheet's request and response sizes (the baseline of PreviewSheet).
Both servers run in this process on loopback, each on its own SQLite file. `python -m bench.scoring_sheets [N]`.
"""

from __future__ import annotations

import asyncio
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import grpc

from bench.common import print_table, scale_argument, timed
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap as bootstrap_registry
from zdz_registry.bootstrap import bootstrap_ledger
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer
from zdz_scoring.adapters.registry import GrpcRegistry, LedgerSnapshot, UnitLedger
from zdz_scoring.adapters.wire import entries_from_pb
from zdz_scoring.bootstrap import bootstrap
from zdz_scoring.domain.engine import score
from zdz_scoring.domain.records import UnitRef
from zdz_scoring.domain.rubrics import get_rubric
from zdz_scoring.domain.sheet import SheetKind
from zdz_scoring.entrypoints.grpc_api import ScoringServicer, score_unit
from zdz_scoring.service_layer.ledger_inputs import ledger_facts, ledger_findings

DEFAULT_SHEETS = 400
CONCURRENCY = 8


def town_ledger() -> list[ledger_pb2.LedgerRow]:
    """120 households (one in ten not yet surveyed), 60 pipes, 40 inspection points, a plant, 30 problems."""
    rows = [
        ledger_pb2.LedgerRow(
            source_household=ledger_pb2.SourceHousehold(
                code=f"H-{n:03}",
                name=f"小区{n}",
                kind=ledger_pb2.HOUSEHOLD_KIND_RESIDENTIAL
                if n % 3
                else ledger_pb2.HOUSEHOLD_KIND_NON_RESIDENTIAL,
                category=0 if n % 3 else ledger_pb2.CATEGORY_MALL,
                building=ledger_pb2.BUILDING_NON_SINGLE,
                floor_area_m2=1000 + n,
                year_built=1980 + n % 40,
                drainage_complexity=1 + n % 3,
                surveyed=n % 10 != 0,
                self_check=ledger_pb2.SELF_CHECK_PASSED,
            )
        )
        for n in range(120)
    ]
    rows += [
        ledger_pb2.LedgerRow(
            pipe_segment=ledger_pb2.PipeSegment(
                code=f"P-{n:03}", network=1 + n % 2, length_m=50 + n, surveyed=True
            )
        )
        for n in range(60)
    ]
    rows += [
        ledger_pb2.LedgerRow(inspection_point=ledger_pb2.InspectionPoint(code=f"J-{n:03}", network=1 + n % 2))
        for n in range(40)
    ]
    rows.append(
        ledger_pb2.LedgerRow(
            treatment_facility=ledger_pb2.TreatmentFacility(
                code="F-01", name="污水处理厂", capacity_m3_per_day=8000, surveyed=True
            )
        )
    )
    for n in range(30):
        code = f"Q-{n:03}"
        rows.append(
            ledger_pb2.LedgerRow(
                problem=ledger_pb2.Problem(
                    code=code,
                    entity_class=ledger_pb2.ENTITY_CLASS_PIPE_SEGMENT,
                    entity_code=f"P-{n:03}",
                    type=ledger_pb2.PROBLEM_TYPE_BLOCKAGE,
                    location="某路",
                    found_by=ledger_pb2.FOUND_BY_SURVEY,
                    found_on="2025-01-10",
                )
            )
        )
        rows.append(
            ledger_pb2.LedgerRow(
                task_step=ledger_pb2.TaskStep(
                    problem_code=code,
                    action=ledger_pb2.TASK_ACTION_OPEN,
                    owner="街道办",
                    deadline="2025-06-30",
                    step=ledger_pb2.Step(by="街道办", on="2025-02-01"),
                )
            )
        )
    return rows


def sheet_input(unit_id: str) -> pb.SheetInput:
    return pb.SheetInput(
        unit_id=unit_id,
        sheet_kind=pb.SHEET_KIND_SELF_CHECK,
        assessor="bench",
        assessed_on="2025-05-01",
        entries=pb.AssessorEntries(
            residential_sample_pass_rate="95",
            non_residential_sample_pass_rate="90",
            findings=[pb.Finding(item=2, kind=pb.FINDING_KIND_INFO_DEFECT, count=2)],
            discretionary=[pb.DiscretionaryDeduction(item=4, points="1.5", reason="进度安排不够具体")],
        ),
    )


class MemoryRegistry:
    """The registry port answered from memory: the service layer's own cost, without the network."""

    def __init__(self, unit: UnitRef, district_name: str, snapshot: LedgerSnapshot) -> None:
        self._answer = UnitLedger(unit, district_name, snapshot)

    def unit(self, unit_id: str) -> UnitRef:
        return self._answer.unit

    def unit_ledger(self, unit_id: str, found_since: date | None = None) -> UnitLedger:
        # A self-check sheet reads the whole ledger; the bench scores no other kind, so `found_since` is None.
        assert found_since is None, "the bench's in-memory ledger holds no round's findings"
        return self._answer

    def ledger(self, unit_id: str, found_since: date | None = None) -> LedgerSnapshot:
        return self.unit_ledger(unit_id, found_since).ledger

    def population(self, unit: UnitRef):  # type: ignore[no-untyped-def]
        raise NotImplementedError


async def _concurrently(count: int, call) -> None:  # type: ignore[no-untyped-def]
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            await call()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


ECHO_METHOD = "/bench.Echo/Echo"


async def raw_echo(count: int, request_size: int, response_size: int) -> float:
    """The baseline of PreviewSheet: a raw gRPC unary call (bytes in, bytes out, no (de)serialisation) whose request
    and response have PreviewSheet's sizes, at the same concurrency, on loopback in this process."""
    response = b"r" * response_size

    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return response

    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
            ),
        )
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(ECHO_METHOD)
            payload = b"q" * request_size
            assert len(await call(payload)) == response_size
            with timed() as timer:
                await _concurrently(count, lambda: call(payload))
    finally:
        await server.stop(0)
    return timer.seconds


async def run(count: int, folder: Path) -> list[tuple[str, int, float]]:
    # Both servers share this process and its default thread pool: the scoring server's worker threads wait on
    # the registry, whose own database work needs threads too. Enough of them for both, as two processes have.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=4 * CONCURRENCY))
    registry_service = bootstrap_registry(f"sqlite:///{folder / 'registry.db'}")
    ledger_service = bootstrap_ledger(registry_service)
    registry_server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(
                RegistryServicer(registry_service), s
            ),
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger_service), s),
        ],
        service_names=["zdz.registry.v1.RegistryService", "zdz.registry.v1.LedgerService"],
    )
    await registry_server.start()
    registry = GrpcRegistry(registry_server.address)
    service = bootstrap(f"sqlite:///{folder / 'scoring.db'}", registry)
    scoring_server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: scoring_pb2_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(service), s)
        ],
        service_names=["zdz.scoring.v1.ScoringService"],
    )
    await scoring_server.start()
    try:
        async with (
            grpc.aio.insecure_channel(registry_server.address) as registry_channel,
            grpc.aio.insecure_channel(scoring_server.address) as scoring_channel,
        ):
            units = registry_pb2_grpc.RegistryServiceStub(registry_channel)
            await units.CreateDistrict(
                registry_pb2.CreateDistrictRequest(
                    district=registry_pb2.District(
                        code="bench", name="基准区", town_share_2025=30, town_share_2027=80
                    )
                )
            )
            unit = (
                await units.CreateUnit(
                    registry_pb2.CreateUnitRequest(
                        unit=registry_pb2.Unit(
                            district_code="bench",
                            kind=refs_pb2.UNIT_KIND_TOWN,
                            name="基准镇",
                            target_year=2027,
                        )
                    )
                )
            ).unit

            async def rows():  # type: ignore[no-untyped-def]
                yield ledger_pb2.ImportLedgerRowsRequest(
                    options=ledger_pb2.ImportOptions(unit_id=unit.id, all_or_nothing=True), rows=town_ledger()
                )

            imported = await ledger_pb2_grpc.LedgerServiceStub(registry_channel).ImportLedgerRows(rows())
            assert imported.written, [r for r in imported.results if r.reason][:3]
            scoring = scoring_pb2_grpc.ScoringServiceStub(scoring_channel)
            request = sheet_input(unit.id)

            # The same sheet every way; check they agree before timing anything.
            command = score_unit(request)
            snapshot = await asyncio.to_thread(registry.ledger, unit.id)
            rubric = get_rubric(UnitKind.TOWN)
            facts = ledger_facts(rubric, snapshot)
            entries = replace(
                entries_from_pb(request.entries),
                findings=command.entries.findings + ledger_findings(rubric, SheetKind.SELF_CHECK, snapshot),
            )
            in_memory = bootstrap(
                f"sqlite:///{folder / 'scoring-memory.db'}",
                MemoryRegistry(
                    UnitRef(unit.id, unit.district_code, UnitKind.TOWN, unit.name), "基准区", snapshot
                ),
            )
            expected = score(rubric, facts, entries, sheet_kind=SheetKind.SELF_CHECK).total
            preview_request = pb.PreviewSheetRequest(input=request)
            preview_response = await scoring.PreviewSheet(preview_request)
            remote = preview_response.sheet.result.total
            assert in_memory.preview(command).result.total == expected and remote == f"{expected:.2f}"

            with timed() as engine_timer:
                for _ in range(count):
                    score(rubric, facts, entries, sheet_kind=SheetKind.SELF_CHECK)
            with timed() as service_timer:
                for _ in range(count):
                    in_memory.preview(command)
            with timed() as preview_timer:
                await _concurrently(
                    count, lambda: scoring.PreviewSheet(pb.PreviewSheetRequest(input=request))
                )
            echo_seconds = await raw_echo(count, preview_request.ByteSize(), preview_response.ByteSize())
            signed = max(count // 4, 1)

            async def sign() -> None:
                draft = await scoring.SaveSheetDraft(pb.SaveSheetDraftRequest(input=request))
                await scoring.SignSheet(pb.SignSheetRequest(sheet_id=draft.sheet.id))

            with timed() as sign_timer:
                await _concurrently(signed, sign)
            in_memory.engine.dispose()
    finally:
        await scoring_server.stop(0)
        await registry_server.stop(0)
        registry.close()
        service.engine.dispose()
        registry_service.engine.dispose()
    return [
        ("in-process engine.score (baseline)", count, engine_timer.seconds),
        ("in-process service preview (ledger in memory)", count, service_timer.seconds),
        (f"gRPC PreviewSheet → registry gRPC, {CONCURRENCY} in flight", count, preview_timer.seconds),
        (f"gRPC SaveSheetDraft + SignSheet, {CONCURRENCY} in flight", signed, sign_timer.seconds),
        (
            f"raw gRPC echo, PreviewSheet's sizes ({preview_request.ByteSize()} B → "
            f"{preview_response.ByteSize()} B), {CONCURRENCY} in flight",
            count,
            echo_seconds,
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    count, _, _, tiny = scale_argument(argv, DEFAULT_SHEETS)
    count = 8 if tiny else count
    with tempfile.TemporaryDirectory(prefix="zdz-bench-scoring-") as folder:
        rows = asyncio.run(run(count, Path(folder)))
    print_table(
        f"score sheets per second: town rubric, {count} sheets, gRPC against in-process",
        rows[:4],
        baseline="in-process engine.score (baseline)",
    )
    rates = {name: n / seconds for name, n, seconds in rows}
    grpc_rate = rates[rows[2][0]]
    print(f"gRPC preview is {rates[rows[0][0]] / grpc_rate:.1f}× slower than the in-process engine")
    echo = rows[4][0] + " (baseline)"
    print_table(
        "scoring: PreviewSheet over gRPC against a raw gRPC echo of the same sizes",
        [(echo, rows[4][1], rows[4][2]), rows[2]],
        baseline=echo,
    )


if __name__ == "__main__":
    main()
