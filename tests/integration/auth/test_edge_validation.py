"""Issue 16's malformed requests, one named regression each, against the real servers behind authentication: every
one is INVALID_ARGUMENT naming the field (never UNKNOWN, never stored), and a caller without permission hears
PERMISSION_DENIED before any rule about the request's content (zdz_common.validation: permission first)."""

from __future__ import annotations

import base64
from typing import Any

import grpc
import pytest
from sqlmodel import Session, select

from tests.hostile import FOREIGN_DIGITS, HOSTILE_IDS
from tests.integration.auth.harness import System, bearer
from zdz.events.v1 import refs_pb2
from zdz.events.v1.access_pb2 import AccessDenied
from zdz.notify.v1 import notify_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import scoring_pb2
from zdz_common.eventstore import EventRecord

HUGE_TOKEN = base64.urlsafe_b64encode(str(10**30).encode()).decode()


async def _refusal(call: Any) -> tuple[grpc.StatusCode, str]:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


# Every list method of registry, scoring and notify, with a request that passes its permission.
LIST_METHODS: dict[str, tuple[str, str, Any, str]] = {
    "RegistryService.ListDistricts": ("registry", "ListDistricts", registry_pb2.ListDistrictsRequest(), "municipal"),
    "RegistryService.ListUnits": ("registry", "ListUnits", registry_pb2.ListUnitsRequest(), "municipal"),
    "LedgerService.ListLedgerRows": (
        "ledger",
        "ListLedgerRows",
        ledger_pb2.ListLedgerRowsRequest(unit_id="own-unit", entity_class=ledger_pb2.ENTITY_CLASS_PIPE_SEGMENT),
        "municipal",
    ),
    "LedgerService.ListProblems": (
        "ledger",
        "ListProblems",
        ledger_pb2.ListProblemsRequest(unit_id="own-unit"),
        "municipal",
    ),
    "ScoringService.ListSheets": ("scoring", "ListSheets", scoring_pb2.ListSheetsRequest(unit_id="own-unit"), "municipal"),
    "NotifyService.ListNotifications": (
        "notify",
        "ListNotifications",
        notify_pb2.ListNotificationsRequest(recipient="unit:own-unit"),
        "unit",
    ),
    "NotifyService.ListDeliveries": (
        "notify",
        "ListDeliveries",
        notify_pb2.ListDeliveriesRequest(recipient="unit:own-unit"),
        "unit",
    ),
}  # fmt: skip


def test_the_table_holds_every_list_method() -> None:
    paged = {
        f"{service.name}.{method.name}"
        for module, name in (
            (registry_pb2, "RegistryService"),
            (ledger_pb2, "LedgerService"),
            (scoring_pb2, "ScoringService"),
            (notify_pb2, "NotifyService"),
        )
        for service in [module.DESCRIPTOR.services_by_name[name]]
        for method in service.methods
        if "page_token" in method.input_type.fields_by_name
    }
    assert paged == set(LIST_METHODS)


@pytest.mark.parametrize("name", list(LIST_METHODS))
async def test_a_page_token_of_a_huge_integer_is_invalid_argument_in_every_list_method(
    system: System, name: str
) -> None:
    stub_name, method, request, role = LIST_METHODS[name]
    request = type(request).FromString(request.SerializeToString())
    request.page_token = HUGE_TOKEN
    call = getattr(getattr(system, stub_name), method)(request, metadata=bearer(role), timeout=10)
    code, details = await _refusal(call)
    assert (code, details.split(":")[0]) == (grpc.StatusCode.INVALID_ARGUMENT, "page_token"), details


async def test_a_pipe_of_1e308_metres_is_refused_and_not_stored(system: System) -> None:
    row = ledger_pb2.LedgerRow(
        pipe_segment=ledger_pb2.PipeSegment(
            code="P-1e308", network=ledger_pb2.NETWORK_TYPE_SEWAGE, length_m=1e308
        )
    )
    code, details = await _refusal(
        system.ledger.RecordLedgerRow(
            ledger_pb2.RecordLedgerRowRequest(unit_id="own-unit", row=row), metadata=bearer("unit")
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("pipe_segment.length_m"), details
    assert "1000000" in details  # the limit is named
    with Session(system.engines["registry"]) as session:  # type: ignore[arg-type]
        stored = session.exec(select(EventRecord).where(EventRecord.stream_id.startswith("ledger/"))).all()  # type: ignore[union-attr]
    assert not any(b"P-1e308" in (event.data or b"") for event in stored)


@pytest.mark.parametrize("length", [float("nan"), float("inf"), -1.0])
async def test_a_pipe_length_that_is_not_a_finite_number_in_range_is_refused(
    system: System, length: float
) -> None:
    row = ledger_pb2.LedgerRow(
        pipe_segment=ledger_pb2.PipeSegment(
            code="P-odd", network=ledger_pb2.NETWORK_TYPE_SEWAGE, length_m=length
        )
    )
    code, details = await _refusal(
        system.ledger.RecordLedgerRow(
            ledger_pb2.RecordLedgerRowRequest(unit_id="own-unit", row=row), metadata=bearer("unit")
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("pipe_segment.length_m"), details


@pytest.mark.parametrize("rate", [*FOREIGN_DIGITS, "1e308", "NaN"])
async def test_a_rate_in_arabic_indic_or_other_foreign_digits_is_refused(system: System, rate: str) -> None:
    sheet = scoring_pb2.SheetInput(
        unit_id="own-unit",
        sheet_kind=scoring_pb2.SHEET_KIND_SELF_CHECK,
        assessed_on="2025-06-30",
        entries=scoring_pb2.AssessorEntries(residential_sample_pass_rate=rate),
    )
    code, details = await _refusal(
        system.scoring.PreviewSheet(
            scoring_pb2.PreviewSheetRequest(input=sheet), metadata=bearer("municipal")
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT, details
    assert details.startswith("entries.residential_sample_pass_rate"), details


@pytest.mark.parametrize(
    ("name", "call"),
    [
        (
            "ListUnits.acceptance_states",
            lambda s, m: s.registry.ListUnits(registry_pb2.ListUnitsRequest(acceptance_states=[1, 99]), metadata=m),
        ),
        (
            "ListUnits.kind",
            lambda s, m: s.registry.ListUnits(registry_pb2.ListUnitsRequest(kind=77), metadata=m),
        ),
        (
            "ListUnits.demonstration_state",
            lambda s, m: s.registry.ListUnits(registry_pb2.ListUnitsRequest(demonstration_state=-3), metadata=m),
        ),
        (
            "ListLedgerRows.entity_class",
            lambda s, m: s.ledger.ListLedgerRows(
                ledger_pb2.ListLedgerRowsRequest(unit_id="own-unit", entity_class=99), metadata=m
            ),
        ),
        (
            "ListProblems.task_state",
            lambda s, m: s.ledger.ListProblems(
                ledger_pb2.ListProblemsRequest(unit_id="own-unit", task_state=99), metadata=m
            ),
        ),
        (
            "ListSheets.sheet_kind",
            lambda s, m: s.scoring.ListSheets(
                scoring_pb2.ListSheetsRequest(unit_id="own-unit", sheet_kind=99), metadata=m
            ),
        ),
        (
            "ListSheets.state",
            lambda s, m: s.scoring.ListSheets(scoring_pb2.ListSheetsRequest(unit_id="own-unit", state=99), metadata=m),
        ),
        (
            "ListDeliveries.status",
            lambda s, m: s.notify.ListDeliveries(
                notify_pb2.ListDeliveriesRequest(recipient="unit:own-unit", status=99), metadata=m
            ),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)  # fmt: skip
async def test_an_unknown_enum_value_in_a_list_filter_is_refused(
    system: System, name: str, call: Any
) -> None:
    role = (
        "unit" if name.startswith("ListDeliveries") else "municipal"
    )  # an inbox's own unit reads its deliveries
    code, details = await _refusal(call(system, bearer(role)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT, details
    assert details.startswith(name.split(".")[1]), details


@pytest.mark.parametrize("unit_id", HOSTILE_IDS, ids=lambda v: repr(v[:20]))
async def test_an_id_with_a_slash_space_quote_control_or_5000_characters_is_refused(
    system: System, unit_id: str
) -> None:
    municipal = bearer("municipal")
    for call in (
        system.registry.GetUnit(registry_pb2.GetUnitRequest(id=unit_id), metadata=municipal),
        system.ledger.GetUnitFacts(ledger_pb2.GetUnitFactsRequest(unit_id=unit_id), metadata=municipal),
        system.scoring.ListSheets(scoring_pb2.ListSheetsRequest(unit_id=unit_id), metadata=municipal),
        system.registry.CreateUnit(
            registry_pb2.CreateUnitRequest(
                unit=registry_pb2.Unit(
                    id=unit_id,
                    district_code="wanzhou",
                    kind=refs_pb2.UNIT_KIND_TOWN,
                    name="某镇",
                    target_year=2027,
                )
            ),
            metadata=municipal,
        ),
    ):
        code, details = await _refusal(call)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, details
        assert "编号须为" in details, details


@pytest.mark.parametrize("unit_id", [*HOSTILE_IDS[:4], "x" * 5000], ids=lambda v: repr(v[:20]))
async def test_a_caller_without_permission_hears_permission_denied_before_any_rule_about_the_request(
    system: System, unit_id: str
) -> None:
    """A unit asking about another unit by a malformed id: PERMISSION_DENIED, and the recorded denial does not carry
    the id (a malformed id names nothing)."""
    code, _ = await _refusal(
        system.ledger.GetUnitFacts(ledger_pb2.GetUnitFactsRequest(unit_id=unit_id), metadata=bearer("unit"))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    with Session(system.engines["registry"]) as session:  # type: ignore[arg-type]
        denials = session.exec(select(EventRecord).where(EventRecord.stream_id.startswith("access/"))).all()  # type: ignore[union-attr]
    targets = [AccessDenied.FromString(event.data).target for event in denials]
    assert targets and not any(unit_id.strip() in target for target in targets if unit_id.strip())


@pytest.mark.parametrize(
    "text",
    ["原因\x00", "原因\ufffe", "原因\uffff", "原因\u202e反转", "原因\u2066", "界" * 5000],
    ids=["control", "U+FFFE", "U+FFFF", "bidi override", "bidi isolate", "5,000 characters"],
)
async def test_free_text_with_control_non_characters_bidi_or_past_its_bound_is_refused(
    system: System, text: str
) -> None:
    code, details = await _refusal(
        system.ledger.SetAcceptanceState(
            ledger_pb2.SetAcceptanceStateRequest(
                unit_id="own-unit", state=ledger_pb2.ACCEPTANCE_STATE_ACCEPTED, on="2025-06-30", reason=text
            ),
            metadata=bearer("municipal"),
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("reason"), details
