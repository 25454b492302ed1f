"""Who may call which scoring RPC (issue 7), one line per RPC, and per sheet kind for drafting and signing.
Checked by the servicer through `zdz_common.authorisation.Guard`; a method without a line is refused.

Sheets (000 附件3/附件4 三(二)): a unit's self-check (自查评估, 1) is its own assessment, so the unit drafts and
signs it; the district acceptance (2) is its district's task force's; the spot-check, re-review (4) and look-back
(000 §三(五)) are the municipal task force's. No unit signs a district or municipal sheet (NOT_OWN_SHEET). A score
sheet is a person's judgement: services and integrations draft and sign none. A paper sheet signed outside the
system is imported by the municipal task force, and names a signer of the role the kind requires
(`SIGNER_ROLES`). A sheet keeps its kind, its unit and its owner for life: only the organisation and role that
saved its first draft revise or sign it (issue16.sheet-owner, checked on the sheet itself, whatever kind a
request names). A unit's sampling plan is drawn once per round by its district, with the system's seed; a redraw
needs the municipal task force's approval and a reason (issue 16). The 验收小组's verdicts on a sampling plan are recorded by the unit's district task force. Reads of a sheet or a plan follow its
unit: the unit, its district's task force, the municipal task force, integrations and services. A sheet, plan
or draw id that does not exist is NOT_FOUND whoever asks. PUBLIC reads nothing over gRPC.
"""

from __future__ import annotations

from zdz_common.auth import Role
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
    "附件3/附件4 三（二）1：自查评分表由本单元签署，单元只能提交本单元的自查评估 (a unit signs only its own self-check)",
    OWN_UNIT,
)
_DISTRICT_ACCEPTANCE = Rule(
    "issue7.district-acceptance",
    "附件3/附件4 三（二）2：区县验收评分表由本区县工作专班签署，单元不得签署 (its own district's task force signs the acceptance sheet)",
    OWN_DISTRICT & NOT_OWN_SHEET,
)
_MUNICIPAL_SHEET = Rule(
    "issue7.municipal-sheet",
    "附件3/附件4 三（二）4、000 三（五）：市级抽查、复核、回头看评分表由市级工作专班签署 (only the municipal task force signs spot-check, re-review and look-back sheets)",
    MUNICIPAL & NOT_OWN_SHEET,
)

# Who signs each kind (the rules above), for a paper sheet imported with the signer written on it.
SIGNER_ROLES = {
    "SELF_CHECK": Role.UNIT,
    "DISTRICT_ACCEPTANCE": Role.DISTRICT_TASK_FORCE,
    "SPOT_CHECK": Role.MUNICIPAL_TASK_FORCE,
    "RE_REVIEW": Role.MUNICIPAL_TASK_FORCE,
    "LOOK_BACK": Role.MUNICIPAL_TASK_FORCE,
}
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
        "验收抽样方案由本区县工作专班抽取，每个单元每轮一次，种子由系统生成 "
        "(only its own district's task force draws the sampling plan: once per unit and round, the seed the system's)",
        OWN_DISTRICT | SERVICE,
    ),
    # One plan per unit and round (issue 16): drawing it again needs the city's approval and a reason.
    "ApproveSamplingPlanRedraw": Rule(
        "issue16.sampling-redraw",
        "重新抽取验收抽样方案须经市级工作专班批准并说明理由 "
        "(a sampling plan is drawn again only with the municipal task force's approval and a reason)",
        MUNICIPAL,
    ),
    "RecordSampleVerdicts": Rule(
        "issue11.sample-verdicts",
        "附件3/附件4 三（二）2、三（三）：抽查样本的核查结论由本区县工作专班（验收小组）录入 (the unit's district task force records the verdicts)",
        OWN_DISTRICT,
    ),
    "ImportSignedSheet": Rule(
        "issue11.import-signed-sheet",
        "线下签署的纸质评分表由市级工作专班连同证明材料导入 (the municipal task force imports paper sheets with their evidence)",
        MUNICIPAL,
    ),
    "GetSamplingPlan": _READ,
    "RedrawSamplingPlan": _READ,
    "DrawSpotCheck": Rule(
        "issue7.spot-check",
        "市级抽查由市级工作专班抽取 (only the municipal task force draws spot-checks)",
        MUNICIPAL | SERVICE,
    ),
    "ApproveSpotCheckRedraw": Rule(
        "issue16.spot-check-redraw",
        "重新抽取市级抽查须经市级工作专班批准并说明理由 "
        "(a spot-check round is drawn again only with the municipal task force's approval and a reason)",
        MUNICIPAL,
    ),
    "GetSpotCheck": Rule(
        "issue7.spot-check-read",
        "抽查抽取记录由市级专班及集成系统查阅 (the city's draws are read by the city and integrations)",
        AUDITORS,
    ),
}
