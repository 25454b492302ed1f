"""The permission tables as data: every RPC has a line, and the sheet rules of issue 7 hold (no I/O)."""

from __future__ import annotations

import pytest

from zdz.notify.v1 import notify_pb2
from zdz.registry.v1 import ledger_pb2, registry_pb2
from zdz.scoring.v1 import scoring_pb2
from zdz.workflow.v1 import workflow_pb2
from zdz_common.auth import Principal, Role
from zdz_common.authorisation import Target, decide
from zdz_notify.domain.permissions import NOTIFY_POLICY
from zdz_registry.domain.permissions import LEDGER_POLICY, REGISTRY_POLICY
from zdz_scoring.domain.permissions import SCORING_POLICY, sheet_action
from zdz_workflow.domain.permissions import WORKFLOW_POLICY, objection_action

TABLES = [
    (registry_pb2.DESCRIPTOR.services_by_name["RegistryService"], REGISTRY_POLICY),
    (ledger_pb2.DESCRIPTOR.services_by_name["LedgerService"], LEDGER_POLICY),
    (notify_pb2.DESCRIPTOR.services_by_name["NotifyService"], NOTIFY_POLICY),
    (workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"], WORKFLOW_POLICY),
]
SHEET_RPCS = {"SaveSheetDraft", "SignSheet"}
KINDS = ["SELF_CHECK", "DISTRICT_ACCEPTANCE", "SPOT_CHECK", "RE_REVIEW", "LOOK_BACK"]
UNIT = Principal(role=Role.UNIT, person="u", unit_id="u1", district_code="wanzhou")
DISTRICT = Principal(role=Role.DISTRICT_TASK_FORCE, person="d", district_code="wanzhou")
CITY = Principal(role=Role.MUNICIPAL_TASK_FORCE, person="m")
SERVICE = Principal(role=Role.SERVICE, person="zdz", system="zdz")
OWN = Target(unit_id="u1", district_code="wanzhou", sheet_unit_id="u1")


@pytest.mark.parametrize(("service", "policy"), TABLES, ids=[t[0].name for t in TABLES])
def test_every_rpc_has_a_line_in_its_permission_table(service, policy) -> None:  # type: ignore[no-untyped-def]
    assert {m.name for m in service.methods} == {action for action in policy if "[" not in action}


def test_the_workflows_only_finer_line_is_the_objection_from_the_public_board() -> None:
    finer = {action for action in WORKFLOW_POLICY if "[" in action}
    assert finer == {objection_action("PUBLIC_BOARD")}


def test_every_scoring_rpc_and_every_sheet_kind_has_a_line() -> None:
    methods = {m.name for m in scoring_pb2.DESCRIPTOR.services_by_name["ScoringService"].methods}
    expected = (methods - SHEET_RPCS) | {sheet_action(m, k) for m in SHEET_RPCS for k in KINDS}
    assert set(SCORING_POLICY) == expected


def test_an_action_without_a_line_is_refused_by_default() -> None:
    assert decide(REGISTRY_POLICY, "DropEverything", CITY, OWN) is not None


@pytest.mark.parametrize(
    ("kind", "signer", "allowed"),
    [
        ("SELF_CHECK", UNIT, True),  # a unit's own assessment
        ("SELF_CHECK", DISTRICT, False),
        ("DISTRICT_ACCEPTANCE", UNIT, False),  # nobody signs for their own organisation
        ("DISTRICT_ACCEPTANCE", DISTRICT, True),
        ("DISTRICT_ACCEPTANCE", CITY, False),
        ("SPOT_CHECK", CITY, True),
        ("SPOT_CHECK", DISTRICT, False),
        ("RE_REVIEW", CITY, True),
        ("LOOK_BACK", CITY, True),
        ("SPOT_CHECK", SERVICE, False),  # a signature is a person's act
    ],
)
def test_who_signs_which_sheet(kind: str, signer: Principal, allowed: bool) -> None:
    refused = decide(SCORING_POLICY, sheet_action("SignSheet", kind), signer, OWN)
    assert (refused is None) is allowed


def test_a_district_task_force_signs_no_acceptance_sheet_of_another_district() -> None:
    other = Target(unit_id="u9", district_code="fuling", sheet_unit_id="u9")
    assert (
        decide(SCORING_POLICY, sheet_action("SignSheet", "DISTRICT_ACCEPTANCE"), DISTRICT, other) is not None
    )


OTHER = Target(unit_id="u2", district_code="fuling")
INTEGRATION = Principal(role=Role.INTEGRATION, person="i", system="bayu")


@pytest.mark.parametrize(
    ("action", "caller", "target", "allowed"),
    [
        # 附件3/4 三（二）1: the unit reports its own progress and self-check, nobody else's
        ("SubmitSelfCheck", UNIT, OWN, True),
        ("SubmitSelfCheck", UNIT, OTHER, False),
        ("SubmitSelfCheck", DISTRICT, OWN, False),
        # 三（二）2–3: its own district accepts and publishes the notice
        ("RecordDistrictVerdict", DISTRICT, OWN, True),
        ("RecordDistrictVerdict", DISTRICT, OTHER, False),
        ("PublishNotice", UNIT, OWN, False),
        ("PublishNotice", CITY, OWN, False),
        # 三（二）4 and 000 §三(五): the city spot-checks, re-reviews and looks back
        ("RecordSpotCheckVerdict", CITY, OWN, True),
        ("RecordSpotCheckVerdict", DISTRICT, OWN, False),
        ("StartLookBack", CITY, OWN, True),
        ("StartLookBack", DISTRICT, OWN, False),
        # integrations read, change nothing
        ("GetProcess", INTEGRATION, OWN, True),
        ("RecordDistrictVerdict", INTEGRATION, OWN, False),
        ("ImportProcess", DISTRICT, OWN, False),
        ("ImportProcess", CITY, OWN, True),
        ("ListProcesses", DISTRICT, Target(district_code="wanzhou"), True),
        ("ListProcesses", DISTRICT, Target(district_code="fuling"), False),
        # issue 11: the 公示栏's objections come only through the notify service; the district records the rest
        (objection_action("PUBLIC_BOARD"), SERVICE, OWN, True),
        (objection_action("PUBLIC_BOARD"), DISTRICT, OWN, False),
        (objection_action("PUBLIC_BOARD"), CITY, OWN, False),
        ("RaiseObjection", DISTRICT, OWN, True),
        ("RaiseObjection", UNIT, OWN, False),
        # 附件3/附件4 三（二）3: the district files (备案), the city acknowledges
        ("FileResult", DISTRICT, OWN, True),
        ("FileResult", DISTRICT, OTHER, False),
        ("FileResult", UNIT, OWN, False),
        ("AcknowledgeFiling", CITY, OWN, True),
        ("AcknowledgeFiling", DISTRICT, OWN, False),
        # 001 四: the district submits the summary report, the city checks on site and publishes the list
        ("SubmitDemonstrationReport", DISTRICT, OWN, True),
        ("SubmitDemonstrationReport", DISTRICT, OTHER, False),
        ("SubmitDemonstrationReport", UNIT, OWN, False),
        ("RecordDemonstrationCheck", CITY, OWN, True),
        ("RecordDemonstrationCheck", DISTRICT, OWN, False),
        ("PublishDemonstrationList", CITY, Target(), True),
        ("PublishDemonstrationList", DISTRICT, Target(district_code="wanzhou"), False),
    ],
)
def test_who_drives_which_workflow_step(
    action: str, caller: Principal, target: Target, allowed: bool
) -> None:
    assert (decide(WORKFLOW_POLICY, action, caller, target) is None) is allowed
