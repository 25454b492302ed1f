"""The stages of a unit's process (000 三 步骤安排 and 附件3/附件4 三 评估验收), grades, and the rules' names."""

from __future__ import annotations

import enum
from decimal import Decimal


class UnitKind(enum.StrEnum):
    # Same values as the registry's UnitKind, so a unit's kind crosses the boundary unchanged.
    TOWN = "TOWN"  # 镇街: 附件3
    PARK_GROUP = "PARK_GROUP"  # 工业园区组团: 附件4


class Stage(enum.StrEnum):
    SURVEY = "SURVEY"  # 排查
    PLAN = "PLAN"  # 方案
    RECTIFICATION = "RECTIFICATION"  # 整改
    SELF_CHECK = "SELF_CHECK"  # 自查评估
    DISTRICT_ACCEPTANCE = "DISTRICT_ACCEPTANCE"  # 区县验收
    PUBLIC_NOTICE = "PUBLIC_NOTICE"  # 公示 (sub-state: running or suspended, see Notice)
    FILED = "FILED"  # 备案
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查
    RE_REVIEW = "RE_REVIEW"  # 复核
    ACCEPTED = "ACCEPTED"  # 验收通过
    LOOK_BACK = "LOOK_BACK"  # 回头看
    REACCEPTANCE = "REACCEPTANCE"  # 重新实施建设验收: ordered, waiting for the district to restart

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]


_STAGE_LABELS = {
    Stage.SURVEY: "排查",
    Stage.PLAN: "方案",
    Stage.RECTIFICATION: "整改",
    Stage.SELF_CHECK: "自查评估",
    Stage.DISTRICT_ACCEPTANCE: "区县验收",
    Stage.PUBLIC_NOTICE: "公示",
    Stage.FILED: "备案",
    Stage.SPOT_CHECK: "市级抽查",
    Stage.RE_REVIEW: "复核",
    Stage.ACCEPTED: "验收通过",
    Stage.LOOK_BACK: "回头看",
    Stage.REACCEPTANCE: "重新实施建设验收",
}


class DeadlineKind(enum.StrEnum):
    SURVEY = "SURVEY"  # 排查摸底 (000 三（一）)
    PLAN = "PLAN"  # 建设方案编制 (000 三（二）)
    RECTIFICATION = "RECTIFICATION"  # 限期整改 set by a verdict in the acceptance path
    LOOK_BACK_RECTIFICATION = "LOOK_BACK_RECTIFICATION"  # 回头看 findings to rectify (000 三（五）)


class Grade(enum.StrEnum):
    EXCELLENT = "EXCELLENT"  # 优秀
    PASS = "PASS"  # 合格
    FAIL = "FAIL"  # 不合格


PASS_MARK = Decimal(80)
EXCELLENT_MARK = Decimal(90)


def grade_for(score: Decimal) -> Grade:
    """附件3/附件4 三（一）: ≥ 90 优秀, 80 ≤ s < 90 合格, < 80 不合格."""
    if score >= EXCELLENT_MARK:
        return Grade.EXCELLENT
    return Grade.PASS if score >= PASS_MARK else Grade.FAIL


def annex(kind: UnitKind) -> str:
    """The attachment of 000 holding the unit kind's acceptance rules."""
    return "附件3" if kind is UnitKind.TOWN else "附件4"


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


def notice_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）3"  # 结果公示


def spot_check_rule(kind: UnitKind) -> str:
    return f"{annex(kind)} 三（二）4"  # 市级抽查
