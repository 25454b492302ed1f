"""The programme's vocabulary, in one place: unit kinds, process stages and grades, with their Chinese labels.

Every service, the routing table, the workflow's summaries and the rendered documents read these; the wire
carries the same names (`zdz.events.v1.UnitKind`, the `Stage` and `Grade` enums of the APIs).

How to add a unit kind (a checklist; the type checker and the tests find the places you miss):
1. `proto/zdz/events/v1/refs.proto`: a value in `UnitKind`, with its doc comment.
2. Here: a member of `UnitKind` and its label in `UNIT_KIND_LABELS` (a test checks every member has one).
3. Every `match` on a unit kind raises `UnknownUnitKind` in its `case _`: run the tests, then give the new
   kind its own `case` in each (the rubric it is scored by, its annex, its spot-check quota, its documents),
   or refuse it with a clerk's message where the documents give it no such rule.
"""

from __future__ import annotations

import enum

from zdz_common.errors import FailedPrecondition, InvalidArgument


class UnitKind(enum.StrEnum):
    TOWN = "TOWN"  # 镇街: 000 附件3
    PARK_GROUP = "PARK_GROUP"  # 工业园区组团: 000 附件4
    VILLAGE = "VILLAGE"  # 行政村 (村民委员会): 千村示范, 000 二（三）; no rubric, no acceptance process

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]


UNIT_KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.TOWN: "镇街",
    UnitKind.PARK_GROUP: "工业园区组团",
    UnitKind.VILLAGE: "行政村",
}


class UnknownUnitKind(InvalidArgument):
    """A unit kind that a rule has no branch for: refused rather than treated as some other kind."""

    def __init__(self, kind: object, *, where: str) -> None:
        super().__init__(
            f"{where}没有适用于单元类型 {kind!r} 的规定 (no rule for this unit kind)", field="kind"
        )


class NoAcceptanceForVillages(FailedPrecondition):
    """000 二（三）千村示范: a village is designated and completed by its district and counted by the city; the
    documents give villages no rubric and no acceptance process, so none is invented."""

    def __init__(self, *, where: str) -> None:
        super().__init__(
            f"{where}：行政村（千村示范，000 二（三））没有评分细则和建设验收流程，由区县认定示范村并记录完成 "
            "(villages have no rubric and no acceptance process)",
            field="kind",
        )


class Stage(enum.StrEnum):
    """The stages of a unit's process (000 三 步骤安排; 附件3/附件4 三 评估验收)."""

    SURVEY = "SURVEY"  # 排查
    PLAN = "PLAN"  # 方案
    RECTIFICATION = "RECTIFICATION"  # 整改
    SELF_CHECK = "SELF_CHECK"  # 自查评估
    DISTRICT_ACCEPTANCE = "DISTRICT_ACCEPTANCE"  # 区县验收
    PUBLIC_NOTICE = "PUBLIC_NOTICE"  # 公示 (sub-state: running or suspended)
    FILED = "FILED"  # 备案
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查
    RE_REVIEW = "RE_REVIEW"  # 复核
    ACCEPTED = "ACCEPTED"  # 验收通过
    LOOK_BACK = "LOOK_BACK"  # 回头看
    REACCEPTANCE = "REACCEPTANCE"  # 重新实施建设验收: ordered, waiting for the district to restart

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS: dict[Stage, str] = {
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


class Grade(enum.StrEnum):
    EXCELLENT = "EXCELLENT"  # 优秀
    PASS = "PASS"  # 合格
    FAIL = "FAIL"  # 不合格

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_LABELS: dict[Grade, str] = {Grade.EXCELLENT: "优秀", Grade.PASS: "合格", Grade.FAIL: "不合格"}


def labels() -> dict[str, dict[str, str]]:
    """Every label table by the name its values go by in events and routing templates."""
    return {
        "unit_kind": {kind.value: label for kind, label in UNIT_KIND_LABELS.items()},
        "stage": {stage.value: label for stage, label in STAGE_LABELS.items()},
        "grade": {grade.value: label for grade, label in GRADE_LABELS.items()},
    }
