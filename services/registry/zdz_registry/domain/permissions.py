"""Who may call which registry RPC (issue 7), one line per RPC. Checked by the servicers through
`zdz_common.authorisation.Guard`; a method without a line is refused.

Task verification (销号) is the district task force's: a unit never verifies its own rectification (issue 11), on
no path (issue 16: the ledger's domain refuses it too), and the step records who verified.

Reads: the directory of districts and units is the published list (000 附件1/附件2), so every signed-in
organisation reads it; a unit's ledger, problems and facts are read by the unit, its district's task force, the
municipal task force, integrations and services; a district's progress by its task force and those above; the
audit trail by the municipal task force, integrations and services. PUBLIC reads nothing over gRPC.
"""

from __future__ import annotations

from zdz_common.authorisation import (
    AUDITORS,
    MUNICIPAL,
    OWN_DISTRICT,
    OWN_UNIT,
    READS_DISTRICT,
    READS_UNIT,
    SERVICE,
    SIGNED_IN,
    Policy,
    Rule,
    granted,
)

DIRECTORY_WRITE = "registry.directory.write"
LEDGER_WRITE = "registry.ledger.write"
ACCEPTANCE_WRITE = "registry.acceptance.write"

_DIRECTORY = Rule(
    "issue7.directory-write",
    "区县和单元名录由市级工作专班维护 (districts and units are set by the municipal task force)",
    MUNICIPAL | SERVICE | granted(DIRECTORY_WRITE),
)
_OWN_DISTRICT_UNITS = Rule(
    "issue12.own-district-units",
    "区县工作专班维护本区县单元的基本情况和千村示范村，名录等官方数据由市级工作专班维护 "
    "(a district keeps its own units' details and demonstration villages; the official data is the city's)",
    OWN_DISTRICT | MUNICIPAL | SERVICE | granted(DIRECTORY_WRITE),
)
_DIRECTORY_READ = Rule(
    "issue7.directory-read",
    "名录供已登录的机构查阅 (the directory is read by signed-in organisations)",
    SIGNED_IN,
)
_OWN_LEDGER = Rule(
    "issue7.own-ledger",
    "单元只能编辑本单元台账 (a unit edits only its own ledger)",
    OWN_UNIT | SERVICE | granted(LEDGER_WRITE),
)
_LEDGER_READ = Rule(
    "issue7.ledger-read",
    "台账由本单元、所属区县专班、市级专班及集成系统查阅 (a ledger is read by its unit, its district, the city and integrations)",
    READS_UNIT,
)

# Nobody accepts their own work (issue 11), whichever way a verification arrives (VerifyTask, a VERIFY task step
# as a ledger row or in an import): the table checks it at the call, the ledger's domain on the task itself, and
# the step records who verified (the calling task force, or the verifier written on a record a service imports).
VERIFY_NOT_OWN_WORK = Rule(
    "issue11.verify-not-own-work",
    "整改销号由单元所属区县工作专班核验，单元不能核验本单元的整改 "
    "(a task's rectification is verified by the unit's district task force, not by the unit that did it)",
    OWN_DISTRICT | SERVICE,
)

REGISTRY_POLICY: Policy = {
    "CreateDistrict": _DIRECTORY,
    "UpdateDistrict": _DIRECTORY,
    "CreateUnit": _DIRECTORY,
    "UpdateUnit": _DIRECTORY,
    "MoveUnit": _DIRECTORY,
    # What a district keeps about its own units, and its 千村示范 villages (000 二（三）): its task force, or the
    # city. The official data (name, code, flags, district) stays the city's (issue 12).
    "UpdateUnitProfile": _OWN_DISTRICT_UNITS,
    "DesignateDemonstrationVillage": _OWN_DISTRICT_UNITS,
    "WithdrawDemonstrationVillage": _OWN_DISTRICT_UNITS,
    "RecordVillageCompletion": _OWN_DISTRICT_UNITS,
    "GetDistrict": _DIRECTORY_READ,
    "ListDistricts": _DIRECTORY_READ,
    "GetUnit": _DIRECTORY_READ,
    "ListUnits": _DIRECTORY_READ,
    "GetAuditTrail": Rule(
        "issue7.audit-read",
        "审计记录由市级专班、集成系统查阅 (the audit trail is read by the city and integrations)",
        AUDITORS,
    ),
    "VerifyChain": Rule(
        "issue7.audit-read",
        "审计记录由市级专班、集成系统查阅 (the audit trail is read by the city and integrations)",
        AUDITORS,
    ),
}

_DISTRICT_READ = Rule(
    "issue7.district-read",
    "区县进度由本区县专班、市级专班及集成系统查阅 (a district's progress is read by its task force and above)",
    READS_DISTRICT,
)

LEDGER_POLICY: Policy = {
    "RecordLedgerRow": _OWN_LEDGER,
    "ImportLedgerRows": _OWN_LEDGER,
    "OpenTask": _OWN_LEDGER,
    "AssignTask": _OWN_LEDGER,
    "RectifyTask": _OWN_LEDGER,
    # Nobody accepts their own work (issue 11): the unit rectifies, its district's task force verifies. The
    # ledger's domain refuses the unit again on every path that records a verification (issue 16).
    "VerifyTask": VERIFY_NOT_OWN_WORK,
    "ListLedgerRows": _LEDGER_READ,
    "GetProblem": _LEDGER_READ,
    "ListProblems": _LEDGER_READ,
    "GetUnitFacts": _LEDGER_READ,
    # The acceptance state follows the workflow (a SERVICE); the city records units imported mid-process.
    "SetAcceptanceState": Rule(
        "issue7.acceptance-state",
        "验收状态随流程推进，或由市级专班登记 (the acceptance state follows the workflow or the city)",
        MUNICIPAL | SERVICE | granted(ACCEPTANCE_WRITE),
    ),
    "GetDistrictProgress": _DISTRICT_READ,
    "GetProgressReport": _DISTRICT_READ,  # the 调度表 is the same figures as a report (issue 12)
}
