"""Chinese labels of the services' enum names (the part after the enum's prefix), as the documents word them.
Stages, grades and unit kinds come from `zdz_common.vocabulary`, the programme's one vocabulary."""

from __future__ import annotations

from zdz_common.vocabulary import GRADE_LABELS, STAGE_LABELS, UNIT_KIND_LABELS, Grade, Stage, UnitKind

ACCEPTANCE_STATES = {
    "IN_PROGRESS": "建设中",
    "ACCEPTED": "区县验收通过",
    "FILED": "已备案，待市级抽查",
    "REOPENED": "须重新验收",
    "UNDER_SPOT_CHECK": "市级抽查中",
    "MEETS_STANDARD": "已达标",
    "FAILURE_OPEN": "限期整改中",
}
TASK_STATES = {"OPEN": "已立项", "ASSIGNED": "已交办", "RECTIFIED": "已整改", "VERIFIED": "已核验销号"}
FOUND_BY = {"SURVEY": "排查", "ACCEPTANCE": "区县验收", "SPOT_CHECK": "市级抽查", "LOOK_BACK": "回头看"}
ENTITY_CLASSES = {
    "SOURCE_HOUSEHOLD": "源头排水户",
    "PIPE_SEGMENT": "管段",
    "INSPECTION_POINT": "检查井",
    "FACILITY": "污水集中处理设施",
    "OUTFALL": "排污口",
}
NETWORKS = {"RAIN": "雨水", "SEWAGE": "污水", "COMBINED": "合流"}
HOUSEHOLD_KINDS = {"RESIDENTIAL": "生活小区", "NON_RESIDENTIAL": "非生活小区", "ENTERPRISE": "工业企业"}
PROBLEM_TYPES = {
    "MIXED_CONNECTION": "混接",
    "WRONG_CONNECTION": "错接",
    "SEWAGE_INTO_RAIN": "污水接入雨水管",
    "RAIN_INTO_SEWAGE": "雨水接入污水管",
    "UNCONNECTED": "漏接",
    "MISSING": "缺失",
    "LEAKAGE": "渗漏",
    "DAMAGE": "破损",
    "BLOCKAGE": "淤堵、堵塞",
    "COLLAPSE": "塌陷",
    "MISALIGNMENT": "错位",
    "DEDICATED_PIPE": "化工园区未建专管、明管",
    "OVERFLOW": "污水溢流、外渗",
    "DRY_WEATHER_DISCHARGE": "主雨水管晴天排水",
    "SEPTIC_TANK": "化粪池问题",
    "HIDDEN_PIPE": "私设暗管",
    "INITIAL_RAINWATER": "初期雨水未收集处理",
    "NO_PERMIT": "未取得排水、排污许可",
    "FACILITY_MALFUNCTION": "设施运行不正常",
    "INSUFFICIENT_CAPACITY": "处理能力不足",
    "MONITORING": "自动监测设备问题",
    "OUTFALL_NOT_STANDARDISED": "排污口未规范化",
    "PL": "PL 破裂",
    "BX": "BX 变形",
    "FS": "FS 腐蚀",
    "CK": "CK 错口",
    "QF": "QF 起伏",
    "TJ": "TJ 脱节",
    "TL": "TL 接口材料脱落",
    "AJ": "AJ 支管暗接",
    "CR": "CR 异物穿入",
    "SL": "SL 渗漏",
    "CJ": "CJ 沉积",
    "JG": "JG 结垢",
    "ZW": "ZW 障碍物",
    "CQ": "CQ 残墙、坝根",
    "SG": "SG 树根",
    "FZ": "FZ 浮渣",
    "OTHER": "其他",
    "MEDICAL_WASTEWATER": "医疗废水未达标",
}
SHEET_KINDS = {
    "SELF_CHECK": "自查评估",
    "DISTRICT_ACCEPTANCE": "区县验收",
    "SPOT_CHECK": "市级抽查",
    "RE_REVIEW": "复核",
    "LOOK_BACK": "回头看",
}
SHEET_STATES = {"DRAFT": "草稿", "SIGNED": "已签署"}
DEADLINE_KINDS = {
    "SURVEY": "排查摸底",
    "PLAN": "建设方案编制",
    "RECTIFICATION": "限期整改",
    "LOOK_BACK_RECTIFICATION": "回头看整改",
    "FILING": "备案",
}
NOTICE_STATUSES = {
    "AWAITING_PUBLICATION": "待发布",
    "RUNNING": "公示中",
    "SUSPENDED": "因异议暂停",
    "ELAPSED": "公示期满",
}
STANDINGS = {
    "IN_PROGRESS": "建设中（不计入）",
    "IN_NOTICE": "公示/待备案（暂不计入）",
    "MEETS_STANDARD": "已达标（计入）",
    "FAILURE_OPEN": "限期整改中（不计入）",
    "REACCEPTANCE_ORDERED": "须重新验收（不计入）",
}


def stage(name: str) -> str:
    return STAGE_LABELS[Stage(name)] if name in Stage.__members__ else (name or "—")


def grade(name: str) -> str:
    return GRADE_LABELS[Grade(name)] if name in Grade.__members__ else (name or "—")


def unit_kind(name: str) -> str:
    return UNIT_KIND_LABELS[UnitKind(name)] if name in UnitKind.__members__ else (name or "—")


TABLES = {
    "acceptance": ACCEPTANCE_STATES,
    "task": TASK_STATES,
    "found_by": FOUND_BY,
    "entity_class": ENTITY_CLASSES,
    "network": NETWORKS,
    "household_kind": HOUSEHOLD_KINDS,
    "problem_type": PROBLEM_TYPES,
    "sheet_kind": SHEET_KINDS,
    "sheet_state": SHEET_STATES,
    "deadline": DEADLINE_KINDS,
    "notice": NOTICE_STATUSES,
    "standing": STANDINGS,
}


def label(table: str, name: str) -> str:
    return TABLES[table].get(name, name or "—")


# The process history's events (zdz_workflow's event names, as GetProcessHistory gives them).
PROCESS_EVENTS = {
    "ProcessOpened": "启动建设流程",
    "ProcessImported": "导入在建流程",
    "SurveyCompleted": "排查摸底完成",
    "PlanSubmitted": "报送建设方案",
    "RectificationDeclaredDone": "整改完成",
    "SelfCheckPassed": "自查评估合格",
    "SelfCheckFailed": "自查评估不合格",
    "SheetCorrected": "评分表更正",
    "DistrictAcceptancePassed": "区县验收通过",
    "DistrictAcceptanceFailed": "区县验收不通过",
    "NoticePublished": "发布公示",
    "ObjectionRaised": "收到异议",
    "ObjectionUpheld": "异议成立",
    "ObjectionDismissed": "异议不成立",
    "NoticeElapsed": "公示期满",
    "ResultFiled": "报市级备案",
    "FilingAcknowledged": "市级确认备案",
    "DemonstrationReportSubmitted": "提交建设总结报告",
    "DemonstrationChecked": "专家现场核实",
    "DemonstrationListed": "列入示范园区清单",
    "SpotCheckDrawn": "被市级抽查抽中",
    "SpotCheckWindowClosed": "抽查轮次结束",
    "SpotCheckPassed": "市级抽查合格",
    "SpotCheckFailed": "市级抽查不合格",
    "ReReviewPassed": "复核合格",
    "ReReviewFailed": "复核不合格",
    "LookBackStarted": "启动回头看",
    "LookBackPassed": "回头看合格",
    "LookBackFailed": "回头看发现问题",
    "LookBackRectified": "回头看问题已整改",
    "LookBackRectificationVerified": "回头看整改核查",
    "ReacceptanceFlagRaised": "提示重新验收",
    "ReacceptanceOrdered": "决定重新实施建设验收",
    "ReacceptanceStarted": "重新实施建设验收",
    "DeadlineMissed": "逾期未完成",
    "CalendarRefreshed": "更新节假日安排",
}
TABLES["event"] = PROCESS_EVENTS
