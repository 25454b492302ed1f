"""The synthetic Chongqing in a real registry server: its ledgers imported over gRPC, then district progress and
unit listing latencies (p50 / p99) at the chosen scale.

- every district and `scale` % of the towns and park groups registered (bench/city.py), in-process;
- each unit's ledger (households, pipes, inspection points, plants, outfalls, problems and tasks) sent with
  ImportLedgerRows over gRPC, all or nothing, four units in flight: rows per second at the city's own shape;
- GetDistrictProgress for every district and for the whole city (empty district code), several rounds;
- ListUnits: each district's first page, and the whole city's towns walked page by page (100 a page).

`python -m bench.city_queries [--scale 10] [--seed 15] [--tiny]`.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

from bench.city import build_city
from bench.common import print_latencies, scale_argument, timed
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.entrypoints.grpc_api import RegistryServicer
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer

IMPORTS_IN_FLIGHT = 4
MESSAGE = 250  # rows per stream message


async def _timed_call(samples: list[float], call) -> object:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = await call
    samples.append(time.perf_counter() - start)
    return result


async def run(scale: float, seed: int, rounds: int, folder: Path) -> None:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=16))
    city = build_city(scale, seed)
    service = bootstrap(f"sqlite:///{folder / 'registry.db'}")
    with timed() as directory_timer:
        city.register(service)
    ledger_service = bootstrap_ledger(service)
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: registry_pb2_grpc.add_RegistryServiceServicer_to_server(RegistryServicer(service), s),
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger_service), s),
        ],
        service_names=["zdz.registry.v1.RegistryService", "zdz.registry.v1.LedgerService"],
    )
    await server.start()
    imported_rows = 0
    try:
        async with grpc.aio.insecure_channel(server.address) as channel:
            ledger = ledger_pb2_grpc.LedgerServiceStub(channel)
            units = registry_pb2_grpc.RegistryServiceStub(channel)
            work = list(city.ledgers())
            queue = iter(work)

            async def importer() -> None:
                nonlocal imported_rows
                for unit, rows in queue:

                    async def messages(
                        unit_id: str = unit.unit_id, rows: list[ledger_pb2.LedgerRow] = rows
                    ) -> AsyncIterator[ledger_pb2.ImportLedgerRowsRequest]:
                        yield ledger_pb2.ImportLedgerRowsRequest(
                            options=ledger_pb2.ImportOptions(unit_id=unit_id, all_or_nothing=True)
                        )
                        for start in range(0, len(rows), MESSAGE):
                            yield ledger_pb2.ImportLedgerRowsRequest(rows=rows[start : start + MESSAGE])

                    response = await ledger.ImportLedgerRows(messages())
                    rejected = [r for r in response.results if r.reason][:3]
                    assert response.written and not rejected, (unit.kind, rejected)
                    imported_rows += len(rows)

            with timed() as import_timer:
                await asyncio.gather(*(importer() for _ in range(IMPORTS_IN_FLIGHT)))

            progress: dict[str, list[float]] = {"district": [], "city": []}
            listing: dict[str, list[float]] = {"page": [], "walk": []}
            for _ in range(rounds):
                for district in city.districts:
                    await _timed_call(
                        progress["district"],
                        ledger.GetDistrictProgress(
                            ledger_pb2.GetDistrictProgressRequest(district_code=district.code)
                        ),
                    )
                    await _timed_call(
                        listing["page"],
                        units.ListUnits(
                            registry_pb2.ListUnitsRequest(district_code=district.code, page_size=100)
                        ),
                    )
                city_progress = await _timed_call(
                    progress["city"], ledger.GetDistrictProgress(ledger_pb2.GetDistrictProgressRequest())
                )
                start, token, seen = time.perf_counter(), "", 0
                while True:
                    page = await units.ListUnits(
                        registry_pb2.ListUnitsRequest(
                            kind=refs_pb2.UNIT_KIND_TOWN, page_size=100, page_token=token
                        )
                    )
                    seen += len(page.units)
                    token = page.next_page_token
                    if not token:
                        break
                listing["walk"].append(time.perf_counter() - start)
                assert seen == city.count(UnitKind.TOWN), (seen, city.count(UnitKind.TOWN))
            assert city_progress.progress.name == "重庆市"  # type: ignore[attr-defined]
    finally:
        await server.stop(0)
        service.engine.dispose()
    towns, parks = city.count(UnitKind.TOWN), city.count(UnitKind.PARK_GROUP)
    shape = f"{scale:g} % city: {len(city.districts)} districts, {towns} towns, {parks} park groups"
    print(
        f"\nregistry: the synthetic city ({shape}, seed {seed}): {len(city.units)} units registered in "
        f"{directory_timer.seconds:.2f} s; {imported_rows} ledger rows imported over gRPC in "
        f"{import_timer.seconds:.2f} s ({imported_rows / import_timer.seconds:.0f} rows/s, whole ledgers, "
        f"{IMPORTS_IN_FLIGHT} imports in flight)"
    )
    print_latencies(
        f"registry: district progress and unit listing over gRPC ({shape}, seed {seed}, {rounds} rounds)",
        [
            ("GetDistrictProgress, one district", progress["district"]),
            ("GetDistrictProgress, the whole city", progress["city"]),
            ("ListUnits, a district's first page (100)", listing["page"]),
            (f"ListUnits, every town of the city, {-(-towns // 100)} pages", listing["walk"]),
        ],
    )


def main(argv: list[str] | None = None) -> None:
    rounds, scale, seed, tiny = scale_argument(argv, 5)
    if tiny:
        scale, rounds = min(scale, 1.0), 1
    with tempfile.TemporaryDirectory(prefix="zdz-bench-city-") as folder:
        asyncio.run(run(scale, seed, rounds, Path(folder)))


if __name__ == "__main__":
    main()
