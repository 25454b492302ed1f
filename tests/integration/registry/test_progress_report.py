"""Issue 12: district and city progress over the whole official load, as of a day, and the 调度表 over a real
gRPC server as rows, .xlsx (opened with openpyxl) and CSV. Requirements are checked by hand: ⌈share × towns⌉."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import grpc
import openpyxl
import pytest

from zdz.registry.v1 import ledger_pb2 as pb
from zdz.registry.v1 import ledger_pb2_grpc
from zdz_common.context import CommandContext
from zdz_common.errors import InvalidArgument
from zdz_common.grpc_server import GrpcServer
from zdz_common.vocabulary import UnitKind
from zdz_registry.bootstrap import bootstrap, bootstrap_ledger
from zdz_registry.directory.service_layer.official_data import load_official_data
from zdz_registry.directory.service_layer.services import RegistryService, UnitFilter
from zdz_registry.ledger.domain.commands import SetAcceptanceState
from zdz_registry.ledger.entrypoints.grpc_api import LedgerServicer
from zdz_registry.ledger.service_layer.services import LedgerService

CITY = (("x-zdz-organisation", "municipal"), ("x-zdz-role", "MUNICIPAL_TASK_FORCE"), ("x-zdz-person", "zhou"))
D = date.fromisoformat


@dataclass
class City:
    registry: RegistryService
    ledger: LedgerService
    towns: list[str]  # 万州's first three towns: A, B, C
    park: str  # a 万州 group due 2025
    villages: list[str]  # two 万州 villages
    stub: ledger_pb2_grpc.LedgerServiceStub | None = None


def _units(registry: RegistryService, kind: UnitKind) -> list:  # type: ignore[type-arg]
    page = registry.list_units(UnitFilter(district_code="wanzhou", kind=kind), page_size=1000)
    assert not page.next_page_token
    return list(page.items)


def _ids(registry: RegistryService, kind: UnitKind) -> list[str]:
    return [u.id for u in _units(registry, kind)]


@pytest.fixture(scope="module")
async def city(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[City]:
    registry = bootstrap(f"sqlite:///{Path(tmp_path_factory.mktemp('progress')) / 'registry.db'}")
    load_official_data(registry)
    ledger = bootstrap_ledger(registry)
    ctx = CommandContext()
    towns = _ids(registry, UnitKind.TOWN)[:3]
    park = next(u.id for u in _units(registry, UnitKind.PARK_GROUP) if u.target_year == 2025)
    steps = {
        towns[0]: [  # A: filed, drawn, failed, re-review passed
            ("ACCEPTED", "2025-03-01", ""),
            ("FILED", "2025-03-12", ""),
            ("UNDER_SPOT_CHECK", "2025-05-01", ""),
            ("FAILURE_OPEN", "2025-06-01", "市级抽查不合格，限期整改"),
            ("MEETS_STANDARD", "2025-08-01", ""),
        ],
        towns[1]: [  # B: filed in 2025, re-acceptance ordered by a look-back in 2026
            ("FILED", "2025-11-20", ""),
            ("MEETS_STANDARD", "2025-12-20", ""),
            ("REOPENED", "2026-04-02", "回头看问题频发，重新实施建设验收"),
        ],
        towns[2]: [("FILED", "2026-02-01", "")],  # C
        park: [("MEETS_STANDARD", "2024-12-20", "")],
    }
    for unit_id, states in steps.items():
        for state, on, reason in states:
            ledger.set_acceptance_state(SetAcceptanceState(unit_id, state, on, reason), ctx)
    villages = _ids(registry, UnitKind.VILLAGE)[:2]
    registry.change_unit(
        villages[0], lambda u, today: u.designate("2025-03-01", "区级计划", today=today), ctx
    )
    registry.change_unit(
        villages[0],
        lambda u, today: u.record_completion("2025-10-01", ("验收照片.jpg",), "", today=today),
        ctx,
    )
    registry.change_unit(
        villages[1], lambda u, today: u.designate("2025-04-01", "区级计划", today=today), ctx
    )
    server = GrpcServer(
        address="127.0.0.1:0",
        register=[lambda s: ledger_pb2_grpc.add_LedgerServiceServicer_to_server(LedgerServicer(ledger), s)],
        service_names=["zdz.registry.v1.LedgerService"],
    )
    await server.start()
    channel = grpc.aio.insecure_channel(server.address)
    yield City(registry, ledger, towns, park, villages, ledger_pb2_grpc.LedgerServiceStub(channel))
    await channel.close()
    await server.stop(0)
    registry.engine.dispose()


@pytest.mark.parametrize(
    ("district", "towns", "required_2025", "required_2027"),
    [
        ("wanzhou", 52, 19, 42),  # 35 %: 18.2 → 19;  80 %: 41.6 → 42
        ("qianjiang", 30, 6, 24),  # 20 %: 6;  80 %: 24
        ("fuling", 27, 11, 22),  # 40 %: 10.8 → 11;  80 %: 21.6 → 22
        ("changshou", 19, 6, 16),  # 30 %: 5.7 → 6;  80 %: 15.2 → 16
        ("chengkou", 25, 7, 20),  # 25 %: 6.25 → 7;  80 %: 20
        ("yuzhong", 11, 5, 11),  # 40 %: 4.4 → 5;  100 %
        ("shuangqiao", 3, 2, 3),  # 50 %: 1.5 → 2;  100 % (a functional zone, its towns from the zones file)
    ],
)
async def test_district_requirements_are_the_share_of_all_its_towns_rounded_up(
    city: City, district: str, towns: int, required_2025: int, required_2027: int
) -> None:
    result = city.ledger.district_progress(district, D("2026-06-30"))
    assert result.towns == towns
    assert [t.required for t in result.town_targets] == [required_2025, required_2027]


async def test_the_city_goals_are_over_all_1031_towns_beside_the_sum_of_district_requirements(
    city: City,
) -> None:
    result = city.ledger.district_progress("", D("2026-06-30"))
    assert result.name == "重庆市" and result.towns == 1031
    assert [t.required for t in result.town_targets] == [310, 825]  # 30 % → 309.3 → 310;  80 % → 824.8 → 825
    districts = city.ledger.progress_report("", D("2026-06-30")).districts
    assert len(districts) == 42 and districts[0].name == "万州区"  # 附件1's order
    assert [t.required for t in result.district_town_requirements] == [
        sum(d.town_targets[0].required for d in districts),
        sum(d.town_targets[1].required for d in districts),
    ]
    assert [t.required for t in result.along_river_targets] == [118, 147]  # 80 % of 147 → 117.6 → 118; all
    assert result.demonstration_village_target.required == 1000
    assert result.villages == sum(d.villages for d in districts)


async def test_progress_as_of_a_day_follows_filing_open_failures_and_re_acceptance(city: City) -> None:
    mid_2025 = city.ledger.district_progress("wanzhou", D("2025-07-01"))
    assert (mid_2025.towns_done, mid_2025.failures_open) == (0, 1)  # A's failure is open
    end_2025 = city.ledger.district_progress("wanzhou", D("2025-12-31"))
    assert end_2025.towns_done == 2 and end_2025.town_targets[0].done == 2  # A since 2025-03-12, B
    mid_2026 = city.ledger.district_progress("wanzhou", D("2026-06-30"))
    # B was re-ordered to acceptance: not counted; C counts from 2026, so the 2025 column has A only.
    assert (mid_2026.towns_done, mid_2026.reacceptance_ordered, mid_2026.town_targets[0].done) == (2, 1, 1)
    assert mid_2026.park_targets[0].done >= 1
    # Villages: the district's target is its designations.
    assert (end_2025.demonstration_villages, end_2025.demonstration_villages_done) == (2, 1)
    assert city.ledger.district_progress("wanzhou", D("2025-03-15")).demonstration_villages == 1


async def test_a_report_day_in_the_future_or_before_the_plan_is_refused(city: City) -> None:
    for day in (date(2099, 1, 1), date(2024, 6, 17)):
        with pytest.raises(InvalidArgument) as refused:
            city.ledger.district_progress("wanzhou", day)
        assert refused.value.field == "as_of" and "调度日期" in str(refused.value)


async def test_the_district_report_opened_with_openpyxl_has_a_line_per_unit(city: City) -> None:
    assert city.stub is not None
    response = await city.stub.GetProgressReport(
        pb.GetProgressReportRequest(
            district_code="wanzhou", as_of="2026-06-30", format=pb.REPORT_FORMAT_XLSX
        ),
        metadata=CITY,
    )
    assert response.filename == "调度表-wanzhou-2026-06-30.xlsx"
    assert response.media_type.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    lines = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert lines[0][0] == "万州区污水零直排区建设进度调度表（截至2026-06-30）"
    header = next(i for i, line in enumerate(lines) if line[0] == "序号")
    rows = lines[header + 1 :]
    assert len(rows) == 52 + 6 + 2  # towns, park groups, the two designated villages
    by_name = {r[1]: r for r in rows}
    names = {u.id: u.name for kind in UnitKind for u in _units(city.registry, kind)}
    a, b, c = (by_name[names[t]] for t in city.towns)
    assert (a[6], a[7]) == ("已达标", "2025-03-12")
    assert (b[6], b[7]) == ("须重新验收", None)
    assert (c[6], c[7]) == ("已备案，待市级抽查", "2026-02-01")
    village = by_name[names[city.villages[0]]]
    assert (village[2], village[9], village[10]) == ("行政村", "示范村（已完成）", "2025-10-01")
    assert len(response.report.units) == len(rows)  # the same rows over gRPC
    assert response.report.summary.towns == 52


async def test_the_city_report_has_a_line_per_district_then_the_sum_and_the_city_goal(city: City) -> None:
    assert city.stub is not None
    response = await city.stub.GetProgressReport(
        pb.GetProgressReportRequest(as_of="2026-06-30", format=pb.REPORT_FORMAT_XLSX), metadata=CITY
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    lines = list(sheet.iter_rows(values_only=True))
    header = next(i for i, line in enumerate(lines) if line[0] == "序号")
    rows = lines[header + 1 :]
    assert len(rows) == 42 + 2
    assert rows[0][:6] == (1, "万州区", 52, 19, 1, 42)
    summed, goal = rows[-2], rows[-1]
    assert summed[1] == "各区县合计" and summed[3] == sum(r[3] for r in rows[:-2])
    assert goal[1].startswith("全市目标") and (goal[2], goal[3], goal[5]) == (1031, 310, 825)
    assert len(response.report.districts) == 42 and response.report.title.startswith("重庆市")


async def test_the_csv_report_carries_a_byte_order_mark_and_the_same_rows(city: City) -> None:
    assert city.stub is not None
    response = await city.stub.GetProgressReport(
        pb.GetProgressReportRequest(district_code="wanzhou", as_of="2026-06-30", format=pb.REPORT_FORMAT_CSV),
        metadata=CITY,
    )
    assert response.content.startswith(b"\xef\xbb\xbf") and response.filename.endswith(".csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = next(i for i, line in enumerate(lines) if line[0] == "序号")
    assert len(lines) - header - 1 == 60


async def test_bad_report_requests_are_refused_in_words_a_clerk_reads(city: City) -> None:
    assert city.stub is not None
    cases = [
        (
            pb.GetProgressReportRequest(district_code="wanzhou", as_of="2026-13-01"),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            pb.GetProgressReportRequest(district_code="wanzhou", as_of="2099-01-01"),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (pb.GetProgressReportRequest(district_code="nowhere"), grpc.StatusCode.NOT_FOUND),
        (pb.GetProgressReportRequest(district_code="wanzhou", format=99), grpc.StatusCode.INVALID_ARGUMENT),  # type: ignore[arg-type]
    ]
    for request, code in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await city.stub.GetProgressReport(request, metadata=CITY)
        assert refused.value.code() == code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.details() or ""), (
            refused.value.details()
        )
    progress = await city.stub.GetDistrictProgress(
        pb.GetDistrictProgressRequest(district_code="wanzhou", as_of="2025-12-31"), metadata=CITY
    )
    assert progress.progress.as_of == "2025-12-31" and progress.progress.towns_done == 2
