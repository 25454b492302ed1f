"""Ledger rows imported per second over gRPC, against the same rows inserted with raw SQL, in the same run.

The gRPC path validates each row, appends one event per row (hash chain, stream head, outbox row) and projects it
into the read model, batch by batch in one transaction each. The baseline inserts the same rows straight into the
same read-model tables with the driver's executemany: no validation, no events, no outbox.
`python -m bench.registry_import [ROWS]` (default 3000).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import grpc

from bench.common import print_table, scale_argument, timed
from zdz.registry.v1 import ledger_pb2 as pb
from zdz.registry.v1 import ledger_pb2_grpc
from zdz_common.context import CommandContext
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.domain.commands import CreateDistrict, CreateUnit
from zdz_registry.directory.domain.model import DistrictTargets, ParkLevel, UnitDetails
from zdz_registry.directory.service_layer.services import RegistryService
from zdz_registry.ledger.domain.rows import record_id
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer

BATCH = 1000  # rows per ImportLedgerRows call (the API allows up to 5000)
MESSAGE = 250  # rows per stream message


def _rows(count: int) -> list[pb.LedgerRow]:
    """Two thirds source households, one third pipe segments, as a park group's survey sheet."""
    rows = []
    for n in range(count):
        if n % 3 == 2:
            segment = pb.PipeSegment(
                code=f"P-{n:06d}", network=pb.NETWORK_TYPE_SEWAGE, length_m=40.0 + n % 60, surveyed=n % 4 != 0
            )
            rows.append(pb.LedgerRow(pipe_segment=segment))
        else:
            household = pb.SourceHousehold(
                code=f"H-{n:06d}",
                name=f"企业{n:06d}",
                kind=pb.HOUSEHOLD_KIND_ENTERPRISE,
                water_related=n % 5 == 0,
                discharge_permit=n % 10 == 0,
                floor_area_m2=1000.0 + n,
                year_built=1990 + n % 30,
                surveyed=True,
            )
            rows.append(pb.LedgerRow(source_household=household))
    return rows


def _database_with_unit(path: Path) -> tuple[RegistryService, str]:
    registry = bootstrap(f"sqlite:///{path}")
    context = CommandContext()
    registry.create_district(CreateDistrict("bench", "基准区", "", DistrictTargets(30, 80)), context)
    # Enterprises belong to a park group's ledger (a town's carries only key water-related ones).
    unit = registry.create_unit(
        CreateUnit(
            "bench", UnitKind.PARK_GROUP, UnitDetails("基准园区组团", False, 2027, level=ParkLevel.PROVINCIAL)
        ),
        context,
    )
    return registry, unit.id


async def grpc_import(path: Path, rows: list[pb.LedgerRow]) -> float:
    registry, unit_id = _database_with_unit(path)
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[
            lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(
                LedgerServicer(bootstrap_ledger(registry)), s
            )
        ],
        service_names=["zdz.registry.v1.LedgerService"],
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    stub = ledger_pb2_grpc.LedgerServiceStub(channel)

    async def batch(part: list[pb.LedgerRow]) -> AsyncIterator[pb.ImportLedgerRowsRequest]:
        yield pb.ImportLedgerRowsRequest(options=pb.ImportOptions(unit_id=unit_id, all_or_nothing=True))
        for start in range(0, len(part), MESSAGE):
            yield pb.ImportLedgerRowsRequest(rows=part[start : start + MESSAGE])

    with timed() as timer:
        for start in range(0, len(rows), BATCH):
            response = await stub.ImportLedgerRows(batch(rows[start : start + BATCH]))
            assert response.written and response.rejected == 0, response.results
    await channel.close()
    await server.stop(0)
    registry.engine.dispose()
    return timer.seconds


HOUSEHOLD_SQL = (
    "INSERT INTO registry_ledger_household (id, unit_id, code, name, kind, building, category, floor_area_m2, "
    "year_built, drainage_complexity, water_related, key_discharger, petrochemical, discharge_permit, "
    "online_monitoring, surveyed, self_check, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
PIPE_SQL = (
    "INSERT INTO registry_ledger_pipe (id, unit_id, code, network, length_m, location, surveyed, version) "
    "VALUES (?,?,?,?,?,?,?,?)"
)


def _household_values(unit_id: str, h: pb.SourceHousehold) -> tuple[object, ...]:
    hid = record_id(unit_id, "SOURCE_HOUSEHOLD", h.code)
    flags = (h.water_related, False, False, h.discharge_permit, False, h.surveyed)
    return (
        hid,
        unit_id,
        h.code,
        h.name,
        "ENTERPRISE",
        "",
        "",
        h.floor_area_m2,
        h.year_built,
        "",
        *flags,
        "NOT_DONE",
        1,
    )


def _pipe_values(unit_id: str, p: pb.PipeSegment) -> tuple[object, ...]:
    pid = record_id(unit_id, "PIPE_SEGMENT", p.code)
    return (pid, unit_id, p.code, "SEWAGE", p.length_m, p.location, p.surveyed, 1)


def raw_sql_insert(path: Path, rows: list[pb.LedgerRow]) -> float:
    """The same rows into the same read-model tables with executemany, one transaction per batch."""
    registry, unit_id = _database_with_unit(path)
    engine = registry.engine
    with timed() as timer:
        for start in range(0, len(rows), BATCH):
            part = rows[start : start + BATCH]
            households = [
                _household_values(unit_id, r.source_household) for r in part if r.HasField("source_household")
            ]
            pipes = [_pipe_values(unit_id, r.pipe_segment) for r in part if r.HasField("pipe_segment")]
            with engine.begin() as connection:
                connection.exec_driver_sql(HOUSEHOLD_SQL, households)
                connection.exec_driver_sql(PIPE_SQL, pipes)
    with engine.connect() as connection:
        stored = connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM registry_ledger_household) + (SELECT count(*) FROM registry_ledger_pipe)"
        ).scalar()
    assert stored == len(rows), (stored, len(rows))
    engine.dispose()
    return timer.seconds


async def run(count: int) -> None:
    rows = _rows(count)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        raw = raw_sql_insert(base / "raw.db", rows)
        full = await grpc_import(base / "grpc.db", rows)
    baseline = "raw SQL executemany into the read model (baseline)"
    print_table(
        f"registry: ledger rows imported per second, SQLite, batches of {BATCH} rows",
        [(baseline, count, raw), ("gRPC ImportLedgerRows → events+outbox+read model", count, full)],
        baseline=baseline,
    )
    print(f"raw SQL is {full / raw:.1f}x faster than the event-sourced gRPC import")


def main(argv: list[str] | None = None) -> None:
    count, _, _, tiny = scale_argument(argv, 3000)
    asyncio.run(run(30 if tiny else count))


if __name__ == "__main__":
    main()
