"""The permission matrix of issue 7, cell by cell, through real gRPC servers with real tokens.

Each row: a command, on the caller's own unit/district ("own") or another's ("other"), and the roles allowed.
Every role is tried on every row: an allowed role must get past the permission check (whatever the command then
says about its input: INVALID_ARGUMENT, NOT_FOUND, ... but never PERMISSION_DENIED); every other role gets
PERMISSION_DENIED naming the rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest

from tests.integration.auth.harness import ROLES, System, bearer
from zdz.events.v1 import refs_pb2
from zdz.notify.v1 import notify_pb2 as npb
from zdz.registry.v1 import ledger_pb2 as lpb
from zdz.registry.v1 import registry_pb2 as rpb
from zdz.scoring.v1 import scoring_pb2 as spb

Call = Callable[[System, str], Awaitable[Any]]
UNIT = {"own": "own-unit", "other": "other-unit"}
DISTRICT = {"own": "wanzhou", "other": "fuling"}
_ORGANISATION = {
    "unit": "unit:own-unit",
    "district": "district:wanzhou",
    "municipal": "municipal",
    "integration": "integration:bayu",
    "integration+ledger": "integration:bayu",
    "public": "public",
    "service": "service:zdz",
}

CITY_ETC = {"municipal", "integration", "integration+ledger", "service"}
READS_UNIT_OWN = {"unit", "district", *CITY_ETC}
SIGNED_IN = set(ROLES) - {"public"}


def _sheet(kind: int, whose: str) -> Call:
    return lambda s, role: s.scoring.SaveSheetDraft(
        spb.SaveSheetDraftRequest(
            input=spb.SheetInput(unit_id=UNIT[whose], sheet_kind=kind, assessed_on="2025-06-01")
        ),
        metadata=bearer(role),
    )


# (name, call, roles allowed)
MATRIX: list[tuple[str, Call, set[str]]] = [
    # registry: the directory (000 附件1/2) is the city's to change and everyone's to read
    (
        "CreateDistrict",
        lambda s, r: s.registry.CreateDistrict(
            rpb.CreateDistrictRequest(district=rpb.District(code=f"new-{r}", name="新区")), metadata=bearer(r)
        ),
        {"municipal", "service"},
    ),
    (
        "UpdateUnit other",
        lambda s, r: s.registry.UpdateUnit(
            rpb.UpdateUnitRequest(unit=rpb.Unit(id="other-unit", name="other-unit镇", target_year=2027)),
            metadata=bearer(r),
        ),
        {"municipal", "service"},
    ),
    # issue 12: the official data stays the city's; a district keeps its own units' details and 千村示范 villages
    (
        "MoveUnit own",
        lambda s, r: s.registry.MoveUnit(
            rpb.MoveUnitRequest(unit_id="own-unit", district_code="nowhere", source="某公告"),
            metadata=bearer(r),
        ),
        {"municipal", "service"},
    ),
    (
        "UpdateUnitProfile own",
        lambda s, r: s.registry.UpdateUnitProfile(
            rpb.UpdateUnitProfileRequest(unit_id="own-unit", profile=rpb.UnitProfile(contact_person="王")),
            metadata=bearer(r),
        ),
        {"district", *CITY_ETC} - {"integration", "integration+ledger"},
    ),
    (
        "UpdateUnitProfile other",
        lambda s, r: s.registry.UpdateUnitProfile(
            rpb.UpdateUnitProfileRequest(unit_id="other-unit", profile=rpb.UnitProfile(contact_person="王")),
            metadata=bearer(r),
        ),
        {"municipal", "service"},
    ),
    (
        "DesignateDemonstrationVillage own",
        lambda s, r: s.registry.DesignateDemonstrationVillage(
            rpb.DesignateDemonstrationVillageRequest(
                unit_id="own-unit", designated_on="2025-03-01", reason="规划"
            ),
            metadata=bearer(r),
        ),
        {"district", "municipal", "service"},
    ),
    (
        "RecordVillageCompletion other",
        lambda s, r: s.registry.RecordVillageCompletion(
            rpb.RecordVillageCompletionRequest(
                unit_id="other-unit", completed_on="2025-09-01", evidence=["e"]
            ),
            metadata=bearer(r),
        ),
        {"municipal", "service"},
    ),
    (
        "GetUnit other",
        lambda s, r: s.registry.GetUnit(rpb.GetUnitRequest(id="other-unit"), metadata=bearer(r)),
        SIGNED_IN,
    ),
    (
        "ListDistricts",
        lambda s, r: s.registry.ListDistricts(rpb.ListDistrictsRequest(), metadata=bearer(r)),
        SIGNED_IN,
    ),
    (
        "GetAuditTrail",
        lambda s, r: s.registry.GetAuditTrail(
            rpb.GetAuditTrailRequest(stream_id="district/wanzhou"), metadata=bearer(r)
        ),
        CITY_ETC,
    ),
    (
        "VerifyChain",
        lambda s, r: s.registry.VerifyChain(rpb.VerifyChainRequest(), metadata=bearer(r)),
        CITY_ETC,
    ),
    # ledger: a unit edits only its own (issue 7); integrations only when granted registry.ledger.write
    *[
        (
            f"RecordLedgerRow {w}",
            (
                lambda w: (
                    lambda s, r, w=w: s.ledger.RecordLedgerRow(
                        lpb.RecordLedgerRowRequest(unit_id=UNIT[w]), metadata=bearer(r)
                    )
                )
            )(w),
            ({"unit"} if w == "own" else set()) | {"service", "integration+ledger"},
        )
        for w in ("own", "other")
    ],
    *[
        (
            f"VerifyTask {w}",
            (
                lambda w: (
                    lambda s, r, w=w: s.ledger.VerifyTask(
                        lpb.VerifyTaskRequest(unit_id=UNIT[w], problem_id="p-1"), metadata=bearer(r)
                    )
                )
            )(w),
            # Nobody accepts their own work (issue 11): the unit's district task force verifies, never the unit.
            ({"district"} if w == "own" else set()) | {"service"},
        )
        for w in ("own", "other")
    ],
    *[
        (
            f"ListLedgerRows {w}",
            (
                lambda w: (
                    lambda s, r, w=w: s.ledger.ListLedgerRows(
                        lpb.ListLedgerRowsRequest(unit_id=UNIT[w]), metadata=bearer(r)
                    )
                )
            )(w),
            READS_UNIT_OWN if w == "own" else CITY_ETC,
        )
        for w in ("own", "other")
    ],
    *[
        (
            f"{rpc} {w}",
            lambda s, r, rpc=rpc, request=request, w=w: getattr(s.ledger, rpc)(
                request(district_code=DISTRICT[w]), metadata=bearer(r)
            ),
            ({"district"} if w == "own" else set()) | CITY_ETC,
        )
        # the 调度表 is read like the progress it reports
        for rpc, request in (
            ("GetDistrictProgress", lpb.GetDistrictProgressRequest),
            ("GetProgressReport", lpb.GetProgressReportRequest),
        )
        for w in ("own", "other")
    ],
    (
        "SetAcceptanceState",
        lambda s, r: s.ledger.SetAcceptanceState(
            lpb.SetAcceptanceStateRequest(unit_id="own-unit"), metadata=bearer(r)
        ),
        {"municipal", "service"},
    ),
    # scoring: who drafts (and so signs) which sheet
    *[
        (
            f"SaveSheetDraft SELF_CHECK {w}",
            _sheet(spb.SHEET_KIND_SELF_CHECK, w),
            {"unit"} if w == "own" else set(),
        )
        for w in ("own", "other")
    ],
    *[
        (
            f"SaveSheetDraft DISTRICT_ACCEPTANCE {w}",
            _sheet(spb.SHEET_KIND_DISTRICT_ACCEPTANCE, w),
            {"district"} if w == "own" else set(),
        )
        for w in ("own", "other")
    ],
    *[
        (f"SaveSheetDraft {kind} {w}", _sheet(getattr(spb, f"SHEET_KIND_{kind}"), w), {"municipal"})
        for kind in ("SPOT_CHECK", "RE_REVIEW", "LOOK_BACK")
        for w in ("own", "other")
    ],
    *[
        (
            f"DrawSamplingPlan {w}",
            (
                lambda w: (
                    lambda s, r, w=w: s.scoring.DrawSamplingPlan(
                        spb.DrawSamplingPlanRequest(unit_id=UNIT[w]), metadata=bearer(r)
                    )
                )
            )(w),
            ({"district"} if w == "own" else set()) | {"service"},
        )
        for w in ("own", "other")
    ],
    # one sampling plan per unit and round: drawing it again is the city's to approve (issue 16)
    (
        "ApproveSamplingPlanRedraw",
        lambda s, r: s.scoring.ApproveSamplingPlanRedraw(
            spb.ApproveSamplingPlanRedrawRequest(plan_id="no-such-plan", reason="样本失真"),
            metadata=bearer(r),
        ),
        {"municipal"},
    ),
    # one draw per spot-check round: drawing it again is the city's to approve, with a reason (issue 16)
    (
        "ApproveSpotCheckRedraw",
        lambda s, r: s.scoring.ApproveSpotCheckRedraw(
            spb.ApproveSpotCheckRedrawRequest(draw_id="no-such-draw", reason="候选名单有误"),
            metadata=bearer(r),
        ),
        {"municipal"},
    ),
    (
        "DrawSpotCheck",
        lambda s, r: s.scoring.DrawSpotCheck(
            spb.DrawSpotCheckRequest(),
            metadata=bearer(r),
        ),
        {"municipal", "service"},
    ),
    # a paper sheet signed outside the system is imported by the city alone (issue 11)
    (
        "ImportSignedSheet own",
        lambda s, r: s.scoring.ImportSignedSheet(
            spb.ImportSignedSheetRequest(
                input=spb.SheetInput(
                    unit_id="own-unit", sheet_kind=spb.SHEET_KIND_SELF_CHECK, assessed_on="2025-06-01"
                ),
                signer_organisation="own-unit镇人民政府",
                signer_role="UNIT",
                signer_person="张三",
                signed_on="2025-06-02",
                evidence=["scan.pdf"],
            ),
            metadata=bearer(r),
        ),
        {"municipal"},
    ),
    *[
        (
            f"ListSheets {w}",
            (
                lambda w: (
                    lambda s, r, w=w: s.scoring.ListSheets(
                        spb.ListSheetsRequest(unit_id=UNIT[w]), metadata=bearer(r)
                    )
                )
            )(w),
            READS_UNIT_OWN if w == "own" else CITY_ETC,
        )
        for w in ("own", "other")
    ],
    (
        "GetRubric",
        lambda s, r: s.scoring.GetRubric(
            spb.GetRubricRequest(unit_kind=refs_pb2.UNIT_KIND_TOWN), metadata=bearer(r)
        ),
        SIGNED_IN,
    ),
    # notify: each organisation its own inbox and endpoints; the city reads every inbox and manages endpoints
    (
        "ListNotifications own",
        lambda s, r: s.notify.ListNotifications(
            npb.ListNotificationsRequest(recipient=_ORGANISATION[r]), metadata=bearer(r)
        ),
        SIGNED_IN,
    ),
    (
        "ListNotifications other",
        lambda s, r: s.notify.ListNotifications(
            npb.ListNotificationsRequest(recipient="unit:other-unit"), metadata=bearer(r)
        ),
        {"municipal", "service"},
    ),
    (
        "RegisterWebhook other",
        lambda s, r: s.notify.RegisterWebhook(
            npb.RegisterWebhookRequest(recipient="integration:other"), metadata=bearer(r)
        ),
        {"municipal", "service"},
    ),
    (
        "RegisterIntegration",
        lambda s, r: s.notify.RegisterIntegration(
            npb.RegisterIntegrationRequest(name=f"sys-{len(r)}"), metadata=bearer(r)
        ),
        {"municipal", "service"},
    ),
    (
        "ListEventTypes",
        lambda s, r: s.notify.ListEventTypes(npb.ListEventTypesRequest(), metadata=bearer(r)),
        SIGNED_IN,
    ),
]

CELLS = [(name, call, role, role in allowed) for name, call, allowed in MATRIX for role in ROLES]


@pytest.mark.parametrize(("name", "call", "role", "allowed"), CELLS, ids=[f"{c[0]}-{c[2]}" for c in CELLS])
async def test_permission_matrix_cell(
    system: System, name: str, call: Call, role: str, allowed: bool
) -> None:
    try:
        await call(system, role)
        code, details = grpc.StatusCode.OK, ""
    except grpc.aio.AioRpcError as error:
        code, details = error.code(), error.details() or ""
    assert code not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAUTHENTICATED)
    if allowed:
        assert code != grpc.StatusCode.PERMISSION_DENIED, details
    else:
        assert code == grpc.StatusCode.PERMISSION_DENIED, f"{name} by {role}: {code} {details}"
        assert any(f"issue{n}." in details for n in (7, 11, 12, 16))
