"""Who may call which workflow RPC (issue 7), one line per RPC. Checked by the servicer through
`zdz_common.authorisation.Guard`; a method without a line is refused.

The unit reports its own progress (survey, plan, rectification, self-check); its district's task force accepts it,
publishes its notice and handles objections (000 附件3/附件4 三（二）2–3); the municipal task force spot-checks,
re-reviews and looks back (三（二）4, 000 §三(五)). Services act for the system; integrations read.
"""

from __future__ import annotations

from zdz_common.authorisation import (
    MUNICIPAL,
    OWN_DISTRICT,
    OWN_UNIT,
    READS_DISTRICT,
    READS_UNIT,
    SERVICE,
    Policy,
    Rule,
)

_UNIT_REPORTS = Rule(
    "issue7.unit-reports-own-progress",
    "单元只能报送本单元的排查、方案、整改和自查评估 (a unit reports only its own progress and self-check)",
    OWN_UNIT | SERVICE,
)
_DISTRICT_ACCEPTS = Rule(
    "issue7.district-accepts-own-units",
    "本区县工作专班验收本辖区单元、发布公示、处理异议 (only its own district's task force accepts, publishes the notice, handles objections)",
    OWN_DISTRICT | SERVICE,
)
_CITY_CHECKS = Rule(
    "issue7.municipal-spot-check-and-look-back",
    "市级工作专班负责抽查、复核和回头看 (only the municipal task force spot-checks, re-reviews and looks back)",
    MUNICIPAL | SERVICE,
)

WORKFLOW_POLICY: Policy = {
    "StartProcess": Rule(
        "issue7.start-process",
        "本区县工作专班或市级工作专班启动单元的建设流程 (the unit's district or the city starts its process)",
        OWN_DISTRICT | MUNICIPAL | SERVICE,
    ),
    "ImportProcess": Rule(
        "issue7.import-process",
        "由市级工作专班导入已在进行或已验收的单元 (the city imports units already under way or accepted)",
        MUNICIPAL | SERVICE,
    ),
    "CompleteSurvey": _UNIT_REPORTS,
    "SubmitPlan": _UNIT_REPORTS,
    "DeclareRectificationDone": _UNIT_REPORTS,
    "SubmitSelfCheck": _UNIT_REPORTS,
    "ReportLookBackRectified": _UNIT_REPORTS,
    "RecordDistrictVerdict": _DISTRICT_ACCEPTS,
    "PublishNotice": _DISTRICT_ACCEPTS,
    "RaiseObjection": _DISTRICT_ACCEPTS,
    "ResolveObjection": _DISTRICT_ACCEPTS,
    "DrawForSpotCheck": _CITY_CHECKS,
    "CloseSpotCheckWindow": _CITY_CHECKS,
    "RecordSpotCheckVerdict": _CITY_CHECKS,
    "RecordReReviewVerdict": _CITY_CHECKS,
    "StartLookBack": _CITY_CHECKS,
    "RecordLookBackVerdict": _CITY_CHECKS,
    "StartReacceptance": Rule(
        "issue7.reacceptance",
        "重新实施建设验收由区县组织、市级督促 (re-acceptance: the unit's district, or the city)",
        OWN_DISTRICT | MUNICIPAL | SERVICE,
    ),
    "RefreshCalendars": _CITY_CHECKS,
    "GetProcess": Rule(
        "issue7.process-read",
        "流程由本单元、所属区县专班、市级专班及集成系统查阅 (read by the unit, its district, the city and integrations)",
        READS_UNIT,
    ),
    "GetProcessHistory": Rule(
        "issue7.process-read",
        "流程由本单元、所属区县专班、市级专班及集成系统查阅 (read by the unit, its district, the city and integrations)",
        READS_UNIT,
    ),
    "ListProcesses": Rule(
        "issue7.process-list",
        "按区县列出流程：本区县专班、市级专班及集成系统 (listing: the district's own task force, the city, integrations)",
        READS_DISTRICT,
    ),
}
