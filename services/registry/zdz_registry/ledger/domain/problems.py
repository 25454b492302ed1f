"""问题清单 and 任务清单: one problem per point, exactly one task per problem (000 附件4 附表 item 4:
"以单个问题点位为最小单位建立问题清单和任务清单，问题清单与任务清单一一对应").

Aggregate boundary: a `Problem` and its task share one stream ("problem/<id>"), so "one task per problem" is a
single-stream invariant that optimistic concurrency enforces, and a task step replays a handful of events.
A task moves open → assigned → rectified → verified; each step records who, when and evidence references. A
verification is never the unit's own (issue 11), on any path, and records who verified (issue 16).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, replace
from datetime import date

from zdz_common.auth import Role
from zdz_common.context import Actor
from zdz_common.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from zdz_registry.directory.domain.validation import require_text
from zdz_registry.domain.permissions import VERIFY_NOT_OWN_WORK
from zdz_registry.ledger.domain.checks import (
    as_date,
    optional_text,
    require,
    require_code,
    require_evidence,
)
from zdz_registry.ledger.domain.events import (
    ProblemRecorded,
    TaskAssigned,
    TaskEvent,
    TaskOpened,
    TaskRectified,
    TaskVerified,
    UnitRef,
)
from zdz_registry.ledger.domain.rows import EntityClass, Exists, FoundBy, coerce_enums, wire_fields


class ProblemGroup(enum.StrEnum):
    CONNECTION = "CONNECTION"  # 混错接
    NETWORK = "NETWORK"  # 管网缺失与病害 (the documents' words)
    STRUCTURAL = "STRUCTURAL"  # 结构性缺陷 (CJJ 181-2012), graded Ⅰ–Ⅳ
    FUNCTIONAL = "FUNCTIONAL"  # 功能性缺陷 (CJJ 181-2012), graded Ⅰ–Ⅳ
    SOURCE = "SOURCE"  # 源头排水户
    FACILITY = "FACILITY"  # 设施与排口
    OTHER = "OTHER"


class ProblemType(enum.StrEnum):
    """The documents' problem words (000 二(一)(二), 附件3/4 §二) and CJJ 181-2012's defect codes (DESIGN.md)."""

    MIXED_CONNECTION = "MIXED_CONNECTION"  # 混接 (雨污混接、混流)
    WRONG_CONNECTION = "WRONG_CONNECTION"  # 错接
    SEWAGE_INTO_RAIN = "SEWAGE_INTO_RAIN"  # 污水接入雨水管
    RAIN_INTO_SEWAGE = "RAIN_INTO_SEWAGE"  # 雨水接入污水管
    UNCONNECTED = "UNCONNECTED"  # 漏接
    MISSING = "MISSING"  # 缺失 (管网空白)
    LEAKAGE = "LEAKAGE"  # 渗漏
    DAMAGE = "DAMAGE"  # 破损
    BLOCKAGE = "BLOCKAGE"  # 淤堵、堵塞
    COLLAPSE = "COLLAPSE"  # 塌陷
    MISALIGNMENT = "MISALIGNMENT"  # 错位
    DEDICATED_PIPE = "DEDICATED_PIPE"  # 化工园区未建专管、明管
    OVERFLOW = "OVERFLOW"  # 污水溢流、外渗
    DRY_WEATHER_DISCHARGE = "DRY_WEATHER_DISCHARGE"  # 主雨水管晴天排水
    SEPTIC_TANK = "SEPTIC_TANK"  # 化粪池未按规范建设或堵塞、破损、泄漏
    HIDDEN_PIPE = "HIDDEN_PIPE"  # 私设暗管
    INITIAL_RAINWATER = "INITIAL_RAINWATER"  # 初期雨水未收集处理
    NO_PERMIT = "NO_PERMIT"  # 未取得排水、排污许可
    FACILITY_MALFUNCTION = "FACILITY_MALFUNCTION"  # 设施运行不正常、不稳定或未达标排放
    INSUFFICIENT_CAPACITY = "INSUFFICIENT_CAPACITY"  # 满负荷、超负荷、处理能力不足
    MONITORING = "MONITORING"  # 自动监测设备未安装、未联网或运维不规范
    OUTFALL_NOT_STANDARDISED = "OUTFALL_NOT_STANDARDISED"  # 排污口设置审批不符或未规范化
    PL = "PL"  # 破裂
    BX = "BX"  # 变形
    FS = "FS"  # 腐蚀
    CK = "CK"  # 错口
    QF = "QF"  # 起伏
    TJ = "TJ"  # 脱节
    TL = "TL"  # 接口材料脱落
    AJ = "AJ"  # 支管暗接
    CR = "CR"  # 异物穿入
    SL = "SL"  # 渗漏 (CJJ)
    CJ = "CJ"  # 沉积
    JG = "JG"  # 结垢
    ZW = "ZW"  # 障碍物
    CQ = "CQ"  # 残墙、坝根
    SG = "SG"  # 树根
    FZ = "FZ"  # 浮渣
    MEDICAL_WASTEWATER = (
        "MEDICAL_WASTEWATER"  # 医疗废水设施未建成或出水未稳定达标 GB18466—2005 (附件3 二（二）2)
    )
    OTHER = "OTHER"  # 其他 (description required)


_T = ProblemType
GROUP_OF: dict[ProblemType, ProblemGroup] = {
    **dict.fromkeys([_T.MIXED_CONNECTION, _T.WRONG_CONNECTION, _T.SEWAGE_INTO_RAIN, _T.RAIN_INTO_SEWAGE],
                    ProblemGroup.CONNECTION),
    **dict.fromkeys([_T.UNCONNECTED, _T.MISSING, _T.LEAKAGE, _T.DAMAGE, _T.BLOCKAGE, _T.COLLAPSE,
                     _T.MISALIGNMENT, _T.DEDICATED_PIPE], ProblemGroup.NETWORK),
    **dict.fromkeys([_T.OVERFLOW, _T.DRY_WEATHER_DISCHARGE, _T.SEPTIC_TANK, _T.HIDDEN_PIPE,
                     _T.INITIAL_RAINWATER, _T.NO_PERMIT, _T.MEDICAL_WASTEWATER], ProblemGroup.SOURCE),
    **dict.fromkeys([_T.FACILITY_MALFUNCTION, _T.INSUFFICIENT_CAPACITY, _T.MONITORING,
                     _T.OUTFALL_NOT_STANDARDISED], ProblemGroup.FACILITY),
    **dict.fromkeys([_T.PL, _T.BX, _T.FS, _T.CK, _T.QF, _T.TJ, _T.TL, _T.AJ, _T.CR, _T.SL],
                    ProblemGroup.STRUCTURAL),
    **dict.fromkeys([_T.CJ, _T.JG, _T.ZW, _T.CQ, _T.SG, _T.FZ], ProblemGroup.FUNCTIONAL),
    _T.OTHER: ProblemGroup.OTHER,
}  # fmt: skip
GRADED_GROUPS = {ProblemGroup.STRUCTURAL, ProblemGroup.FUNCTIONAL}


def is_major(problem_type: ProblemType, grade: int) -> bool:
    """重大病害 (DESIGN.md, "Pipe findings"): grade Ⅲ–Ⅳ, 支管暗接, 异物穿入, 塌陷 and every 混错接 point."""
    return (
        grade >= 3
        or problem_type in (ProblemType.AJ, ProblemType.CR, ProblemType.COLLAPSE)
        or GROUP_OF[problem_type] is ProblemGroup.CONNECTION
    )


@dataclass(frozen=True)
class ProblemDetails:
    """One problem point (问题点位): what, where, on which ledger row, who found it and when."""

    code: str
    entity_class: EntityClass | None
    entity_code: str
    type: ProblemType | None
    location: str
    found_by: FoundBy | None
    found_on: date | None
    grade: int = 0  # CJJ 181-2012 grade 1–4 (Ⅰ–Ⅳ) for structural and functional defects, else 0
    description: str = ""
    finder: str = ""  # the organisation or person who found it, e.g. "区县验收组"

    def __post_init__(self) -> None:
        coerce_enums(self, "problem", entity_class=EntityClass, type=ProblemType, found_by=FoundBy)
        object.__setattr__(self, "found_on", as_date(self.found_on, "problem.found_on"))

    def checked(self, exists: Exists) -> ProblemDetails:
        f = "problem"
        entity_class = require(self.entity_class, f"{f}.entity_class")
        entity_code = require_code(self.entity_code, f"{f}.entity_code")
        if not exists(entity_class, entity_code):
            raise NotFound(
                f"台账中没有 {entity_class} {entity_code!r}：问题须挂在台账的一行上 (no such ledger row)",
                field=f"{f}.entity_code",
            )
        problem_type = require(self.type, f"{f}.type")
        if (
            problem_type is ProblemType.MEDICAL_WASTEWATER
            and entity_class is not EntityClass.SOURCE_HOUSEHOLD
        ):
            raise InvalidArgument(
                "医疗废水问题须挂在医疗机构（源头排水户）一行上 (a medical wastewater problem is a household's)",
                field=f"{f}.entity_class",
            )
        if GROUP_OF[problem_type] in GRADED_GROUPS:
            if not 1 <= self.grade <= 4:
                raise InvalidArgument(
                    f"CJJ 181-2012 缺陷须定级 1–4（Ⅰ–Ⅳ级），收到 {self.grade} (grade 1 to 4)",
                    field=f"{f}.grade",
                )
        elif self.grade:
            raise InvalidArgument(
                f"{problem_type} 不是 CJJ 181-2012 缺陷，不定级 (grade only for CJJ codes)",
                field=f"{f}.grade",
            )
        require(self.found_by, f"{f}.found_by")
        require(self.found_on, f"{f}.found_on")
        description = optional_text(self.description, f"{f}.description")
        if problem_type is ProblemType.OTHER and not description:
            raise InvalidArgument("“其他”类问题须说明 (describe an OTHER problem)", field=f"{f}.description")
        return replace(
            self,
            code=require_code(self.code, f"{f}.code"),
            entity_code=entity_code,
            location=require_text(self.location, f"{f}.location", max_length=500),
            description=description,
            finder=optional_text(self.finder, f"{f}.finder", max_length=200),
        )


class TaskState(enum.StrEnum):
    OPEN = "OPEN"  # 已立项
    ASSIGNED = "ASSIGNED"  # 已交办
    RECTIFIED = "RECTIFIED"  # 已整改
    VERIFIED = "VERIFIED"  # 已核验销号


_PREVIOUS = {
    TaskState.ASSIGNED: TaskState.OPEN,
    TaskState.RECTIFIED: TaskState.ASSIGNED,
    TaskState.VERIFIED: TaskState.RECTIFIED,
}


@dataclass(frozen=True)
class Step:
    """Who took a step, when, and the evidence references (document numbers, photo URIs) behind it."""

    by: str
    on: date | None
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "on", as_date(self.on, "step.on"))
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def checked(self, *, evidence_required: bool) -> Step:
        return Step(
            by=require_text(self.by, "step.by", max_length=200),
            on=require(self.on, "step.on"),  # type: ignore[arg-type]
            evidence=require_evidence(self.evidence, "step.evidence", required=evidence_required),
        )


@dataclass(frozen=True)
class TaskStep:
    state: TaskState
    step: Step
    detail: tuple[str, ...] = ()  # (owner, deadline) when opened, (assignee,) when assigned


@dataclass(frozen=True)
class Task:
    """The 任务清单 entry of a problem: the responsible owner (责任单位), the deadline and the steps so far."""

    owner: str
    deadline: date
    state: TaskState
    assignee: str = ""
    steps: tuple[TaskStep, ...] = ()


@dataclass
class Problem:
    id: str
    unit: UnitRef | None = None
    details: ProblemDetails | None = None
    task: Task | None = None
    version: int = 0
    pending: list[ProblemRecorded | TaskEvent] = field(default_factory=list)

    def record(self, unit: UnitRef, details: ProblemDetails, exists: Exists) -> None:
        """State the problem (first time or corrected); an unchanged problem records nothing."""
        details = details.checked(exists)
        if details != self.details:
            self._record(ProblemRecorded(unit=unit, id=self.id, **wire_fields(details)))

    def open_task(self, unit_id: str, owner: str, deadline: date | str | None, step: Step) -> None:
        self._require_own(unit_id)
        owner = require_text(owner, "task.owner", max_length=200)
        due = require(as_date(deadline, "task.deadline"), "task.deadline")
        step = step.checked(evidence_required=False)
        if due < step.on:  # type: ignore[operator]
            raise InvalidArgument(
                f"整改期限 {due} 早于立项日期 {step.on} (deadline before opening)", field="task.deadline"
            )
        opened = TaskStep(TaskState.OPEN, step, (owner, due.isoformat()))  # type: ignore[union-attr]
        if self.task is not None:
            if self.task.steps[0] == opened:
                return
            raise FailedPrecondition(
                "该问题已有任务：一个问题对应一项任务 (the problem has its task already)",
                field="task.problem_id",
            )
        self._record(TaskOpened(self.unit, self.id, owner, due.isoformat(), *_step_fields(step)))  # type: ignore[union-attr]

    def assign(self, unit_id: str, assignee: str, step: Step) -> None:
        assignee = require_text(assignee, "task.assignee", max_length=200)
        step = self._next_step(unit_id, TaskState.ASSIGNED, step, (assignee,), evidence_required=False)
        if step:
            self._record(TaskAssigned(self.unit, self.id, assignee, *_step_fields(step)))

    def rectify(self, unit_id: str, step: Step) -> None:
        step = self._next_step(unit_id, TaskState.RECTIFIED, step, (), evidence_required=True)
        if step:
            self._record(TaskRectified(self.unit, self.id, *_step_fields(step)))

    def verify(self, unit_id: str, step: Step, verifier: Actor | None) -> None:
        """核验销号 by someone other than the unit that rectified (issue 11), whichever path the verification
        takes (issue 16); the step records who verified: `verified_by`."""
        step = replace(step, by=verified_by(unit_id, step.by, verifier))
        step = self._next_step(unit_id, TaskState.VERIFIED, step, (), evidence_required=True)
        if step:
            self._record(TaskVerified(self.unit, self.id, *_step_fields(step)))

    def apply(self, event: ProblemRecorded | TaskEvent) -> None:
        match event:
            case ProblemRecorded():
                self.unit = event.unit
                self.details = ProblemDetails(
                    **{f.name: getattr(event, f.name) for f in fields(ProblemDetails)}
                )
            case TaskOpened():
                opened = TaskStep(TaskState.OPEN, _step_of(event), (event.owner, event.deadline))
                self.task = Task(
                    event.owner, date.fromisoformat(event.deadline), TaskState.OPEN, steps=(opened,)
                )
            case TaskAssigned():
                self._advance(
                    TaskStep(TaskState.ASSIGNED, _step_of(event), (event.assignee,)), event.assignee
                )
            case TaskRectified():
                self._advance(TaskStep(TaskState.RECTIFIED, _step_of(event)))
            case TaskVerified():
                self._advance(TaskStep(TaskState.VERIFIED, _step_of(event)))
        self.version += 1

    def _advance(self, done: TaskStep, assignee: str | None = None) -> None:
        assert self.task is not None
        self.task = replace(
            self.task,
            state=done.state,
            assignee=self.task.assignee if assignee is None else assignee,
            steps=(*self.task.steps, done),
        )

    def _require_own(self, unit_id: str) -> None:
        if self.details is None or self.unit is None:
            raise NotFound(f"没有问题 {self.id!r} (no such problem)", field="task.problem_id")
        if unit_id != self.unit.id:
            raise FailedPrecondition(
                "该问题属于其他单元，不能为其建立或推进任务 (the problem belongs to another unit)",
                field="task.unit_id",
            )

    def _next_step(
        self, unit_id: str, state: TaskState, step: Step, detail: tuple[str, ...], *, evidence_required: bool
    ) -> Step | None:
        """The checked step when it is the task's next one; None when the same step was recorded already."""
        self._require_own(unit_id)
        if self.task is None:
            raise FailedPrecondition(
                "该问题尚无任务，须先建立任务 (open the task first)", field="task.problem_id"
            )
        step = step.checked(evidence_required=evidence_required)
        if TaskStep(state, step, detail) in self.task.steps:
            return None
        if self.task.state is not _PREVIOUS[state]:
            raise FailedPrecondition(
                f"任务当前为 {self.task.state}，须先到 {_PREVIOUS[state]} 才能 {state} "
                f"(task is {self.task.state}; {state} needs {_PREVIOUS[state]})",
                field="task.state",
            )
        last = self.task.steps[-1].step.on
        if step.on < last:  # type: ignore[operator]
            raise InvalidArgument(
                f"日期 {step.on} 早于上一步 {last} (before the previous step)", field="step.on"
            )
        return step

    def _record(self, event: ProblemRecorded | TaskEvent) -> None:
        self.apply(event)
        self.pending.append(event)


# The task forces, whose people verify in person: the caller is the verifier.
VERIFYING_PEOPLE = frozenset({Role.DISTRICT_TASK_FORCE.value, Role.MUNICIPAL_TASK_FORCE.value})


def verified_by(unit_id: str, written: str, verifier: Actor | None) -> str:
    """Who a verification step names. A caller unknown or the unit itself never (PERMISSION_DENIED,
    VERIFY_NOT_OWN_WORK): a path that forgets to say who calls records no verification. A task
    force's person verifies in person: the step names them (organisation/person), and a `by` naming anyone else
    is refused. A service recording a verification done elsewhere (a unit's history imported mid-process) is not
    the verifier: the record names who verified, `by` is required, never the service."""
    written = written.strip()
    if verifier is None or verifier.role == Role.UNIT.value or verifier.organisation == f"unit:{unit_id}":
        raise PermissionDenied(
            f"单元不能核验本单元的整改 (the unit may not verify its own rectification) — {VERIFY_NOT_OWN_WORK}",
            field="step.by",
        )
    if verifier.role not in VERIFYING_PEOPLE:
        return written  # required by Step.checked: the verifier as the record names them
    caller = f"{verifier.organisation}/{verifier.person}"
    if written and written != caller:
        raise InvalidArgument(
            f"核验人即本次核验的调用者 {caller}，不能代他人登记 {written!r}；step.by 可留空 "
            "(the verifier is the caller: leave step.by empty or name the caller)",
            field="step.by",
        )
    return caller


def _step_fields(step: Step) -> tuple[str, str, tuple[str, ...]]:
    return step.by, step.on.isoformat(), step.evidence  # type: ignore[union-attr]


def _step_of(event: TaskEvent) -> Step:
    return Step(event.by, event.on, tuple(event.evidence))
