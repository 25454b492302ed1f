"""The stage commands of a unit's process (000 三; 附件3/附件4 三), who issues each and at which stage, so that the
console offers a person only the commands their role issues for this unit now.

This is the console's courtesy, not the rule: the workflow service decides (its permission table names the
clause), and when it refuses, the console shows its PERMISSION_DENIED message as it came.
"""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.vocabulary import Stage
from zdz_console.domain.viewer import Viewer

UNIT = "UNIT"
DISTRICT = "DISTRICT_TASK_FORCE"
CITY = "MUNICIPAL_TASK_FORCE"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, date, number, url, select
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()


SHEET = Field("sheet_id", "评分表编号（已签署）")
RECTIFY_BY = Field("rectify_by", "限期整改日期（不合格时必填）", "date", required=False)


@dataclass(frozen=True)
class Command:
    name: str  # the WorkflowService RPC
    label: str
    issuer: str  # the role that issues it (zdz_common.auth.Role value)
    stages: frozenset[Stage]  # stages it applies to; empty: the unit has no process yet
    fields: tuple[Field, ...] = ()
    source: str = ""  # the article

    def applies_to(self, stage: Stage | None) -> bool:
        return stage in self.stages if stage is not None else not self.stages


COMMANDS: tuple[Command, ...] = (
    Command(
        "StartProcess",
        "启动建设流程",
        DISTRICT,
        frozenset(),
        (Field("campaign", "批次（如 2026）"),),
        "000 三（一）",
    ),
    Command("CompleteSurvey", "排查摸底完成", UNIT, frozenset({Stage.SURVEY}), (), "000 三（一）"),
    Command(
        "SubmitPlan", "报送建设方案（一镇一策/一园一策）", UNIT, frozenset({Stage.PLAN}), (), "000 三（二）"
    ),
    Command(
        "DeclareRectificationDone",
        "整改完成，申请自查",
        UNIT,
        frozenset({Stage.RECTIFICATION}),
        (),
        "000 三（三）",
    ),
    Command(
        "SubmitSelfCheck",
        "提交自查评估",
        UNIT,
        frozenset({Stage.SELF_CHECK}),
        (SHEET,),
        "附件3/附件4 三（二）1",
    ),
    Command(
        "RecordDistrictVerdict",
        "录入区县验收结论",
        DISTRICT,
        frozenset({Stage.DISTRICT_ACCEPTANCE}),
        (SHEET, RECTIFY_BY),
        "附件3/附件4 三（二）2",
    ),
    Command(
        "PublishNotice",
        "发布公示",
        DISTRICT,
        frozenset({Stage.PUBLIC_NOTICE}),
        (
            Field("published_on", "公示发布日期", "date"),
            Field("working_days", "公示期（工作日，至少5）", "number"),
            Field(
                "channel_kind",
                "公示渠道",
                "select",
                choices=(("GOVERNMENT_PORTAL", "政府网站"), ("LOCAL_MEDIA", "当地媒体")),
            ),
            Field("channel_name", "渠道名称（如 万州区人民政府网）"),
            Field("channel_url", "公示网址", "url"),
        ),
        "附件3/附件4 三（二）3",
    ),
    Command(
        "FileResult",
        "报市级备案",
        DISTRICT,
        frozenset({Stage.PUBLIC_NOTICE}),
        (Field("filing_number", "备案文号"),),
        "附件3/附件4 三（二）3",
    ),
    Command("AcknowledgeFiling", "确认备案", CITY, frozenset({Stage.FILED}), (), "附件3/附件4 三（二）3"),
    Command(
        "RecordSpotCheckVerdict",
        "录入市级抽查结论",
        CITY,
        frozenset({Stage.SPOT_CHECK}),
        (SHEET, RECTIFY_BY),
        "附件3/附件4 三（二）4",
    ),
    Command(
        "RecordReReviewVerdict",
        "录入复核结论",
        CITY,
        frozenset({Stage.RE_REVIEW}),
        (SHEET, RECTIFY_BY),
        "附件3/附件4 三（二）4",
    ),
    Command(
        "StartLookBack", "启动回头看", CITY, frozenset({Stage.FILED, Stage.ACCEPTED}), (), "000 三（五）"
    ),
    Command(
        "RecordLookBackVerdict",
        "录入回头看结论",
        CITY,
        frozenset({Stage.LOOK_BACK}),
        (SHEET, RECTIFY_BY),
        "000 三（五）",
    ),
    Command(
        "ReportLookBackRectified", "回头看问题已整改", UNIT, frozenset({Stage.LOOK_BACK}), (), "000 三（五）"
    ),
)

BY_NAME = {command.name: command for command in COMMANDS}

# Who signs each kind of score sheet (附件3/附件4 三（二）): the sheet form offers a person only these.
SHEET_KINDS: dict[str, tuple[str, str]] = {
    "SELF_CHECK": (UNIT, "自查评估"),
    "DISTRICT_ACCEPTANCE": (DISTRICT, "区县验收"),
    "SPOT_CHECK": (CITY, "市级抽查"),
    "RE_REVIEW": (CITY, "复核"),
    "LOOK_BACK": (CITY, "回头看"),
}


def speaks_for(viewer: Viewer, issuer: str, unit_id: str, district_code: str) -> bool:
    """The viewer is the organisation that issues `issuer`'s commands for this unit."""
    match issuer:
        case "UNIT":
            return viewer.role == UNIT and viewer.unit_id == unit_id
        case "DISTRICT_TASK_FORCE":
            return viewer.role == DISTRICT and viewer.district_code == district_code
        case "MUNICIPAL_TASK_FORCE":
            return viewer.role == CITY
        case _:
            raise ValueError(f"unknown issuer {issuer!r}")


def commands_for(viewer: Viewer, unit_id: str, district_code: str, stage: Stage | None) -> list[Command]:
    """The commands this viewer issues for this unit at this stage (StartProcess: the city may start one too)."""
    offered = []
    for command in COMMANDS:
        if not command.applies_to(stage):
            continue
        issuers = {command.issuer, CITY} if command.name == "StartProcess" else {command.issuer}
        if any(speaks_for(viewer, issuer, unit_id, district_code) for issuer in issuers):
            offered.append(command)
    return offered


def sheet_kinds_for(viewer: Viewer, unit_id: str, district_code: str) -> list[tuple[str, str]]:
    """(kind, label) of the sheets this viewer signs for this unit."""
    return [
        (kind, label)
        for kind, (issuer, label) in SHEET_KINDS.items()
        if speaks_for(viewer, issuer, unit_id, district_code)
    ]
