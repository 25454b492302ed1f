"""Who may call which workflow RPC (issue 7), one line per RPC. Checked by the servicer through
`zdz_common.authorisation.Guard`; a method without a line is refused.

The unit reports its own progress (survey, plan, rectification, self-check); its district's task force accepts it,
publishes its notice and handles objections (000 附件3/附件4 三（二）2–3); the municipal task force spot-checks,
re-reviews and looks back (三（二）4, 000 §三(五)). Services act for the system; integrations read.
Issue 11: the district files the result (备案) and the city acknowledges it; an objection from the 公示栏 arrives
only through the notify service (`objection_action`); the park group's district submits the 建设总结报告 and
the city checks it on site and publishes the 示范园区清单 (001 四).
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

_FILING = Rule(
    "issue11.district-files-result",
    "本区县工作专班在公示期满后报市级工作专班备案 (the unit's own district task force files the result, 附件3/附件4 三（二）3)",
    OWN_DISTRICT | SERVICE,
)
_ACKNOWLEDGE = Rule(
    "issue11.municipal-acknowledges-filing",
    "市级工作专班确认备案 (only the municipal task force acknowledges a filing)",
    MUNICIPAL | SERVICE,
)
_DEMONSTRATION_REPORT = Rule(
    "issue11.district-submits-demonstration-report",
    "区县向市级提交园区组团的建设总结报告 (001 四: the park group's own district submits the summary report)",
    OWN_DISTRICT | SERVICE,
)
_DEMONSTRATION_CITY = Rule(
    "issue11.municipal-checks-and-lists-demonstrations",
    "市级组织专家现场核实并确定示范园区清单 (001 四（一）5: only the city checks on site and publishes the list)",
    MUNICIPAL | SERVICE,
)


def objection_action(source: str) -> str:
    """The table key of raising an objection from `source`, checked beyond RaiseObjection itself."""
    return f"RaiseObjection[{source}]"


# An objection from the 公示栏 is the public's: the notify service forwards it (rate-limited, checked for abuse);
# no clerk may enter one in the public's name. The district records an objection received another way.
PUBLIC_BOARD_OBJECTION = Rule(
    "issue11.public-objection-through-the-board",
    "公示栏的群众异议只能经通知服务提交，区县专班登记其他途径收到的异议 (objections from the 公示栏 arrive only through the notify service)",
    SERVICE,
)

# 附件3/附件4 三（二）4: the draw (recorded by the scoring service) moves the drawn processes; the city closes its
# round, or the round's deadline does. Nobody moves a process into or out of spot-check by hand.
_ROUND_CLOSE = Rule(
    "issue11.municipal-closes-spot-check-round",
    "市级工作专班结束抽查轮次，未抽中的单元验收通过 (only the municipal task force closes a spot-check round)",
    MUNICIPAL | SERVICE,
)
_ROUND_READ = Rule(
    "issue11.spot-check-round-read",
    "抽查轮次跨区县，由市级工作专班及集成系统查阅 (a round spans districts: read by the city and integrations)",
    AUDITORS,
)
# 000 三（五）: the unit reports its look-back problems rectified (ReportLookBackRectified); the city verifies them
# (nobody verifies its own rectification) and alone decides 重新实施建设验收 on a flag.
_LOOK_BACK_VERIFY = Rule(
    "issue11.municipal-verifies-look-back-rectification",
    "回头看问题整改是否到位由市级工作专班核查，单元不能核查本单元的整改 (only the municipal task force verifies look-back rectification)",
    MUNICIPAL | SERVICE,
)
_REACCEPTANCE_ORDER = Rule(
    "issue11.municipal-orders-reacceptance",
    "问题频发或多次整改不到位的，由市级工作专班决定重新实施建设验收 (only the municipal task force orders re-acceptance, on a flag)",
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
    objection_action("PUBLIC_BOARD"): PUBLIC_BOARD_OBJECTION,
    "FileResult": _FILING,
    "AcknowledgeFiling": _ACKNOWLEDGE,
    "SubmitDemonstrationReport": _DEMONSTRATION_REPORT,
    "RecordDemonstrationCheck": _DEMONSTRATION_CITY,
    "PublishDemonstrationList": _DEMONSTRATION_CITY,
    "CloseSpotCheckRound": _ROUND_CLOSE,
    "GetSpotCheckRound": _ROUND_READ,
    "RecordSpotCheckVerdict": _CITY_CHECKS,
    "RecordReReviewVerdict": _CITY_CHECKS,
    "StartLookBack": _CITY_CHECKS,
    "RecordLookBackVerdict": _CITY_CHECKS,
    "VerifyLookBackRectification": _LOOK_BACK_VERIFY,
    "OrderReacceptance": _REACCEPTANCE_ORDER,
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
