"""The Chinese words clerks read for the API's enums, and the reading of an enum value typed on the command line."""

from __future__ import annotations

from typing import Any

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2
from zdz.workflow.v1 import workflow_pb2
from zdz_cli.connection import UsageError

STAGES = {
    workflow_pb2.STAGE_SURVEY: "排查",
    workflow_pb2.STAGE_PLAN: "方案",
    workflow_pb2.STAGE_RECTIFICATION: "整改",
    workflow_pb2.STAGE_SELF_CHECK: "自查评估",
    workflow_pb2.STAGE_DISTRICT_ACCEPTANCE: "区县验收",
    workflow_pb2.STAGE_PUBLIC_NOTICE: "公示",
    workflow_pb2.STAGE_FILED: "备案",
    workflow_pb2.STAGE_SPOT_CHECK: "市级抽查",
    workflow_pb2.STAGE_RE_REVIEW: "复核",
    workflow_pb2.STAGE_ACCEPTED: "验收通过",
    workflow_pb2.STAGE_LOOK_BACK: "回头看",
    workflow_pb2.STAGE_REACCEPTANCE: "重新实施建设验收",
}
UNIT_KINDS = {
    refs_pb2.UNIT_KIND_TOWN: "镇街",
    refs_pb2.UNIT_KIND_PARK_GROUP: "工业园区组团",
    refs_pb2.UNIT_KIND_VILLAGE: "行政村",
}
# `--kind town|park|village`
KIND_OPTIONS = {
    "town": refs_pb2.UNIT_KIND_TOWN,
    "镇街": refs_pb2.UNIT_KIND_TOWN,
    "park": refs_pb2.UNIT_KIND_PARK_GROUP,
    "园区": refs_pb2.UNIT_KIND_PARK_GROUP,
    "village": refs_pb2.UNIT_KIND_VILLAGE,
    "村": refs_pb2.UNIT_KIND_VILLAGE,
}
GRADES = {
    workflow_pb2.GRADE_EXCELLENT: "优秀",
    workflow_pb2.GRADE_PASS: "合格",
    workflow_pb2.GRADE_FAIL: "不合格",
}
DEADLINES = {
    workflow_pb2.DEADLINE_KIND_SURVEY: "排查摸底",
    workflow_pb2.DEADLINE_KIND_PLAN: "建设方案编制",
    workflow_pb2.DEADLINE_KIND_RECTIFICATION: "限期整改",
    workflow_pb2.DEADLINE_KIND_LOOK_BACK_RECTIFICATION: "回头看整改",
    workflow_pb2.DEADLINE_KIND_FILING: "备案",
}
ACCEPTANCE_STATES = {
    ledger_pb2.ACCEPTANCE_STATE_IN_PROGRESS: "建设中",
    ledger_pb2.ACCEPTANCE_STATE_ACCEPTED: "区县验收通过",
    ledger_pb2.ACCEPTANCE_STATE_FILED: "已备案",
    ledger_pb2.ACCEPTANCE_STATE_REOPENED: "须重新验收",
    ledger_pb2.ACCEPTANCE_STATE_UNDER_SPOT_CHECK: "市级抽查中",
    ledger_pb2.ACCEPTANCE_STATE_MEETS_STANDARD: "已达标",
    ledger_pb2.ACCEPTANCE_STATE_FAILURE_OPEN: "限期整改中",
}
TASK_STATES = {
    ledger_pb2.TASK_STATE_OPEN: "已立项",
    ledger_pb2.TASK_STATE_ASSIGNED: "已交办",
    ledger_pb2.TASK_STATE_RECTIFIED: "已整改",
    ledger_pb2.TASK_STATE_VERIFIED: "已核验销号",
}


def label(table: dict[int, str], value: int, default: str = "—") -> str:
    return table.get(value, default)


def enum_value(text: str, enum: Any, prefix: str, words: dict[int, str] | None = None, what: str = "") -> int:
    """An enum value from its name ("self-check", "SELF_CHECK", "STAGE_SELF_CHECK") or its Chinese word ("自查评估")."""
    raw = text.strip()
    for value, word in (words or {}).items():
        if raw == word:
            return value
    name = raw.upper().replace("-", "_")
    if not name.startswith(prefix):
        name = prefix + name
    if name in enum.keys() and not name.endswith("_UNSPECIFIED"):
        return int(enum.Value(name))
    choices = [
        n.removeprefix(prefix).lower().replace("_", "-") for n in enum.keys() if not n.endswith("UNSPECIFIED")
    ]
    raise UsageError(f"无效的{what or '取值'}“{text}”：可选 {', '.join(choices)}")


def stage_value(text: str) -> int:
    return enum_value(text, workflow_pb2.Stage, "STAGE_", STAGES, "阶段")


def kind_value(text: str) -> int:
    key = text.strip().lower()
    if key in KIND_OPTIONS:
        return KIND_OPTIONS[key]
    return enum_value(text, refs_pb2.UnitKind, "UNIT_KIND_", UNIT_KINDS, "单元类型")
