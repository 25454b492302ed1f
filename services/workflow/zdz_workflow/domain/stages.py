"""The rules' names and marks of a unit's process (000 三 步骤安排 and 附件3/附件4 三 评估验收).

The vocabulary itself (unit kinds, stages, grades and their labels) is `zdz_common.vocabulary`, shared by every
service.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from zdz_common.vocabulary import Grade, NoAcceptanceForVillages, UnitKind, UnknownUnitKind


class DeadlineKind(enum.StrEnum):
    SURVEY = "SURVEY"  # 排查摸底 (000 三（一）)
    PLAN = "PLAN"  # 建设方案编制 (000 三（二）)
    RECTIFICATION = "RECTIFICATION"  # 限期整改 set by a verdict in the acceptance path
    LOOK_BACK_RECTIFICATION = "LOOK_BACK_RECTIFICATION"  # 回头看 findings to rectify (000 三（五）)
    FILING = "FILING"  # 备案 after the notice (附件3/附件4 三（二）3 "公示期满后，报市级工作专班备案")


# LEGACY (replay only): the marks the process applied to typed scores before verdicts were sheets. A verdict now
# takes pass and grade from its sheet and the rubric that scored it (domain.sheets); these serve only the
# replay of histories recorded before that change, and go with the `verdicts-are-sheets` patch.
LEGACY_PASS_MARK = Decimal(80)
LEGACY_EXCELLENT_MARK = Decimal(90)


def legacy_grade_for(score: Decimal) -> Grade:
    """LEGACY (replay only). 附件3/附件4 三（一）: ≥ 90 优秀, 80 ≤ s < 90 合格, < 80 不合格."""
    if score >= LEGACY_EXCELLENT_MARK:
        return Grade.EXCELLENT
    return Grade.PASS if score >= LEGACY_PASS_MARK else Grade.FAIL


def annex(kind: UnitKind) -> str:
    """The attachment of 000 holding the unit kind's acceptance rules."""
    match kind:
        case UnitKind.TOWN:
            return "附件3"  # 镇街污水零直排区建设验收
        case UnitKind.PARK_GROUP:
            return "附件4"  # 工业园区组团污水零直排区建设验收
        case UnitKind.VILLAGE:
            raise NoAcceptanceForVillages(where="建设验收流程")
        case _:
            raise UnknownUnitKind(kind, where="000 的验收附件")


# The articles each step implements, as quoted in refusals.
STEPS = "000 三 步骤安排"
SURVEY_RULE = "000 三（一）"
PLAN_RULE = "000 三（二）"
RECTIFICATION_RULE = "000 三（三）"
LOOK_BACK_RULE = "000 三（五）"
PERIOD_RULE = "民法典第二百零一条"


def standard_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（一）"  # 验收标准


def application_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）1"  # 提交申请


def district_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）2"  # 组织验收


def sampling_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（三）"  # 验收抽样


def notice_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）3"  # 结果公示


def filing_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）3"  # 结果公示 … "公示期满后，报市级工作专班备案"


# 001 四（一）4 / （二）3 评审验收: "得分在90分以上（含90分）的组团即可由区县生态环境局向市生态环境局提交建设总结报告，
# 报告中需总结典型做法、建设亮点及突出成效"; 四（一）5 表扬推广: "组织专家开展现场核实抽查并最终确定示范园区清单".
DEMONSTRATION_REPORT_RULE = "001 四（一）4、（二）3"
DEMONSTRATION_LIST_RULE = "001 四（一）5"


def spot_check_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）4"  # 市级抽查
