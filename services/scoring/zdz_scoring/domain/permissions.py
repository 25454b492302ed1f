"""Who may call which scoring RPC (issue 7), one line per RPC, and per sheet kind for drafting and signing.
Checked by the servicer through `zdz_common.authorisation.Guard`; a method without a line is refused.

Sheets: a unit's self-check (自查评估) is its own assessment, so the unit drafts and signs it; every other sheet
is a signature on someone else's work and is never signed by the unit scored (NOT_OWN_SHEET). A score sheet is
a person's judgement: services and integrations draft and sign none. Reads of a sheet or a plan follow its
unit: the unit, its district's task force, the municipal task force, integrations and services. A sheet, plan
or draw id that does not exist is NOT_FOUND whoever asks. PUBLIC reads nothing over gRPC.
"""

from __future__ import annotations

from zdz_common.authorisation import (
    AUDITORS,
    MUNICIPAL,
    NOT_OWN_SHEET,
    OWN_DISTRICT,
    OWN_UNIT,
    READS_UNIT,
    SERVICE,
    SIGNED_IN,
    Policy,
    Rule,
)

_SELF_CHECK = Rule(
    "issue7.own-self-check",
    "单元只能提交本单元的自查评估 (a unit submits only its own self-check)",
    OWN_UNIT,
)
_DISTRICT_ACCEPTANCE = Rule(
    "issue7.district-acceptance",
    "区县验收评分表由本区县工作专班签署，不得为本单位签署 (its own district's task force signs the acceptance sheet)",
    OWN_DISTRICT & NOT_OWN_SHEET,
)
_MUNICIPAL_SHEET = Rule(
    "issue7.municipal-sheet",
    "市级抽查、复核、回头看评分表由市级工作专班签署 (only the municipal task force signs spot-check, re-review and look-back sheets)",
    MUNICIPAL & NOT_OWN_SHEET,
)
_READ = Rule(
    "issue7.sheet-read",
    "评分资料由本单元、所属区县专班、市级专班及集成系统查阅 (read by the unit, its district, the city and integrations)",
    READS_UNIT,
)


def sheet_action(method: str, sheet_kind: str) -> str:
    """The table key of drafting or signing a sheet of this kind, e.g. "SignSheet[SPOT_CHECK]"."""
    return f"{method}[{sheet_kind}]"


SCORING_POLICY: Policy = {
    "GetRubric": Rule(
        "issue7.rubric-read",
        "评分细则供已登录的机构查阅 (rubrics are read by signed-in organisations)",
        SIGNED_IN,
    ),
    "PreviewSheet": _READ,
    **{
        sheet_action(method, kind): rule
        for method in ("SaveSheetDraft", "SignSheet")
        for kind, rule in {
            "SELF_CHECK": _SELF_CHECK,  # 000 §三(五) 自查评估
            "DISTRICT_ACCEPTANCE": _DISTRICT_ACCEPTANCE,  # 000 §三(五) 区县验收
            "SPOT_CHECK": _MUNICIPAL_SHEET,  # 000 §三(六) 市级抽查
            "RE_REVIEW": _MUNICIPAL_SHEET,  # 复核
            "LOOK_BACK": _MUNICIPAL_SHEET,  # 回头看, started by the municipal task force
        }.items()
    },
    "GetSheet": _READ,
    "ListSheets": _READ,
    "CompareSheets": _READ,
    "RenderSheet": _READ,
    "DraftSelfAssessmentReport": _READ,
    "DrawSamplingPlan": Rule(
        "issue7.sampling-plan",
        "验收抽样方案由本区县工作专班抽取 (only its own district's task force draws the sampling plan)",
        OWN_DISTRICT | SERVICE,
    ),
    "GetSamplingPlan": _READ,
    "RedrawSamplingPlan": _READ,
    "DrawSpotCheck": Rule(
        "issue7.spot-check",
        "市级抽查由市级工作专班抽取 (only the municipal task force draws spot-checks)",
        MUNICIPAL | SERVICE,
    ),
    "GetSpotCheck": Rule(
        "issue7.spot-check-read",
        "抽查抽取记录由市级专班及集成系统查阅 (the city's draws are read by the city and integrations)",
        AUDITORS,
    ),
}
