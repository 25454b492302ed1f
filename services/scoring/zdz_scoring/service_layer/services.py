"""The scoring service's use cases: score, keep and sign sheets, import paper sheets signed outside the system;
compare and render them; draw and record sampling plans, the verdicts on their samples, and spot-check draws.
Commands load → call → save in one transaction; queries read projections.

The registry is read before a transaction opens (never while holding the database), and a sheet is scored
before anything is written: bad input raises `InvalidInput` naming the item and nothing is stored.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, func, select

from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common.context import CommandContext
from zdz_common.errors import FailedPrecondition, InvalidArgument, NotFound
from zdz_common.eventstore.store import utc_now
from zdz_common.paging import Page, checked_page_size, decode_token, next_token
from zdz_common.unit_of_work import UnitOfWork, UnitOfWorkFactory
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_scoring.adapters import documents
from zdz_scoring.adapters.event_mapping import (
    approval_from_pb,
    plan_stream,
    sheet_stream,
    spot_check_stream,
)
from zdz_scoring.adapters.orm import PlanUse, RoundDrawKey, SamplingPlanView, SheetView, SpotCheckView
from zdz_scoring.adapters.registry import Registry
from zdz_scoring.adapters.wire import (
    content_from_pb,
    drawn_of,
    plan_to_pb,
    population_from_pb,
    unit_from_pb,
    verdict_from_pb,
)
from zdz_scoring.domain.commands import (
    ApproveSamplingPlanRedraw,
    ApproveSpotCheckRedraw,
    DrawSamplingPlan,
    DrawSpotCheck,
    ImportSignedSheet,
    RecordSampleVerdicts,
    SaveSheetDraft,
    ScoreUnit,
    SignSheet,
)
from zdz_scoring.domain.compare import SheetComparison, compare
from zdz_scoring.domain.engine import score
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import SampleFigures
from zdz_scoring.domain.records import (
    Event,
    RedrawApproval,
    RoundPlan,
    SampleVerdictsRecorded,
    SamplingPlanDrawn,
    SamplingPlanRedrawApproved,
    ScoreSheet,
    SheetContent,
    SheetDraftSaved,
    SheetHeader,
    SheetSigned,
    SheetState,
    Signer,
    SpotCheckDrawn,
    SpotCheckRedrawApproved,
    UnitRef,
    check_correction,
    check_district_acceptance,
    plan_to_replace,
    redraw_approval,
    redraw_reason,
)
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.rubrics import CURRENT_VERSION, get_rubric
from zdz_scoring.domain.sampling import (
    ParkPopulation,
    SamplingPlan,
    TownPopulation,
    plan_park_sample,
    plan_town_sample,
)
from zdz_scoring.domain.sheet import SheetKind
from zdz_scoring.domain.spot_check import (
    FILED_RULE,
    AcceptedUnit,
    RoundDraw,
    check_redraw_approvable,
    check_round,
    draw_spot_check,
    draw_to_replace,
)
from zdz_scoring.domain.verdicts import check_verdicts, latest, sample_figures
from zdz_scoring.service_layer.ledger_inputs import ledger_facts, ledger_findings

_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SEED_BITS = 53  # fresh seeds stay exact in JSON and JavaScript


def fresh_seed() -> int:
    return secrets.randbits(SEED_BITS)


@dataclass(frozen=True)
class SheetFilter:
    unit_id: str
    sheet_kind: SheetKind | None = None
    state: SheetState | None = None


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    file_name: str


@dataclass(frozen=True)
class Redrawn:
    """A recorded plan drawn again from its recorded seed and population."""

    unit: UnitRef
    plan_id: str
    plan: SamplingPlan
    population: TownPopulation | ParkPopulation
    identical: bool


class ScoringService:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory[Event],
        registry: Registry,
        *,
        clock: Callable[[], datetime] = utc_now,
        new_seed: Callable[[], int] = fresh_seed,
    ) -> None:
        self._unit_of_work = unit_of_work
        self.engine = unit_of_work.engine
        self.store = unit_of_work.store
        self.registry = registry
        self._clock = clock
        self._new_seed = new_seed

    # --- rubrics ---------------------------------------------------------------------------------------------

    @staticmethod
    def rubric(unit_kind: UnitKind, version: str = "") -> Rubric:
        return get_rubric(unit_kind, version or CURRENT_VERSION)

    # --- sheets ----------------------------------------------------------------------------------------------

    def preview(self, command: ScoreUnit, *, imported: bool = False) -> SheetContent:
        """Score a sheet from the ledger as it stands now, the verdicts on its sampling plan and the assessor's
        entries; store nothing. A district acceptance names its plan and panel (a paper sheet imported with its
        evidence names no plan of this system)."""
        if not command.unit_id.strip():
            raise InvalidInput("须指明单元 (unit_id is required)", field="input.unit_id")
        # One registry call: the unit, its district's name and its ledger's facts for this sheet's round.
        subject = self.registry.unit_ledger(command.unit_id, found_since=self._round_start(command))
        unit, snapshot = subject.unit, subject.ledger
        rubric = self.rubric(unit.kind, command.rubric_version)
        header = SheetHeader(
            unit=unit,
            sheet_kind=command.sheet_kind,
            rubric_version=rubric.version,
            assessor=command.assessor,
            assessed_on=command.assessed_on,
            replaces_sheet_id=command.replaces_sheet_id.strip(),
            district_name=subject.district_name,
            sampling_plan_id=command.sampling_plan_id.strip(),
            panel_members=command.panel_members,
        )
        check_district_acceptance(header, imported=imported)
        sample = None
        if header.sampling_plan_id:
            with Session(self.engine) as session:
                sample = self._sample(session, rubric, header)
        facts = ledger_facts(rubric, snapshot)
        found = ledger_findings(rubric, command.sheet_kind, snapshot)
        # The assessor's own findings first, so an error names the index they entered.
        entries = replace(command.entries, findings=command.entries.findings + found)
        result = score(rubric, facts, entries, sheet_kind=command.sheet_kind, sample=sample)
        return SheetContent(header, facts, found, command.entries, snapshot.read_at, result, sample)

    @staticmethod
    def _sample(session: Session, rubric: Rubric, header: SheetHeader, sheet_id: str = "") -> SampleFigures:
        """The sheet's plan (of the same unit, drawn for this round: not serving another signed acceptance than
        the one this sheet corrects) and the sample pass rates its verdicts give (000 附件3/附件4 三(三))."""
        plan_id = header.sampling_plan_id
        view = session.get(SamplingPlanView, plan_id)
        use = session.get(PlanUse, plan_id)
        if view is None:
            raise NotFound(f"没有抽样方案 {plan_id!r} (no such plan)", field="input.sampling_plan_id")
        plan = pb.SamplingPlan.FromString(view.body)
        if plan.unit.id != header.unit.id:
            raise FailedPrecondition(
                f"抽样方案 {plan_id} 是{plan.unit.name}的，不是{header.unit.name}的；区县验收须引用本单元的验收抽样方案"
                "（附件3/附件4 三（三））(the plan is another unit's)",
                field="input.sampling_plan_id",
            )
        _require_not_replaced(plan, "input.sampling_plan_id")
        if use is not None and use.sheet_id not in {sheet_id, header.replaces_sheet_id}:
            raise FailedPrecondition(
                f"抽样方案 {plan_id} 已用于已签署的区县验收评分表 {use.sheet_id}；新一轮验收须重新抽取抽样方案，"
                f"更正该评分表请在 replaces_sheet_id 中注明 {use.sheet_id}（附件3/附件4 三（三））"
                "(the plan serves another round: draw a new one)",
                field="input.sampling_plan_id",
            )
        verdicts = latest(verdict_from_pb(v, "plan.verdicts") for v in plan.verdicts)
        return sample_figures(rubric, plan_id, drawn_of(plan), verdicts)

    def _round_start(self, command: ScoreUnit) -> date | None:
        """The first day whose findings belong to this sheet: the day after the unit's previous signed sheet of
        the same kind (a correction shares the round of the sheet it replaces), so a second district acceptance
        does not count the first one's findings again."""
        with Session(self.engine) as session:
            previous = session.exec(
                select(SheetView.assessed_on)
                .where(
                    SheetView.unit_id == command.unit_id,
                    SheetView.sheet_kind == command.sheet_kind.value,
                    SheetView.state == SheetState.SIGNED.value,
                    SheetView.assessed_on < command.assessed_on.isoformat(),
                    SheetView.id != command.replaces_sheet_id.strip(),
                )
                .order_by(SheetView.assessed_on.desc())  # type: ignore[attr-defined]
                .limit(1)
            ).first()
        return date.fromisoformat(previous) + timedelta(days=1) if previous else None

    @staticmethod
    def _new_sheet_id(sheet_id: str) -> str:
        sheet_id = sheet_id.strip() or str(uuid.uuid4())
        if not _ID.fullmatch(sheet_id):
            raise InvalidInput(
                "评分表编号只能含字母、数字、'-'、'_'、'.'，最长64位 (letters, digits, '-', '_', '.'; at most 64)",
                field="sheet_id",
            )
        return sheet_id

    def save_draft(self, command: SaveSheetDraft, context: CommandContext) -> SheetView:
        sheet_id = self._new_sheet_id(command.sheet_id)
        content = self.preview(command.sheet)
        with self._unit_of_work(context) as uow:
            sheet = self._sheet(uow.load(sheet_stream(sheet_id)), sheet_id)
            loaded = sheet.version
            self._check_correction(uow, content.header)
            actor = context.actor
            sheet.save_draft(content, Signer(actor.organisation, actor.role, actor.person))
            uow.save(sheet_stream(sheet_id), command.expected_version or loaded, sheet.pending)
            return self._sheet_view(uow.session, sheet_id)

    def sign(self, command: SignSheet, context: CommandContext) -> SheetView:
        """Sign a draft exactly as last saved: what the assessor reviewed is what is signed, by whom the call's
        identity says. A draft scored on its plan's verdicts is signed only while they still give its rates."""
        with self._unit_of_work(context) as uow:
            sheet = self._sheet(uow.load(sheet_stream(command.sheet_id)), command.sheet_id)
            if sheet.content is None:
                raise NotFound(f"没有评分表 {command.sheet_id!r} (no such sheet)", field="sheet_id")
            loaded = sheet.version
            self._check_correction(uow, sheet.content.header)
            self._check_sample_unchanged(uow.session, command.sheet_id, sheet.content)
            actor = context.actor
            sheet.sign(self._clock(), Signer(actor.organisation, actor.role, actor.person))
            uow.save(sheet_stream(command.sheet_id), command.expected_version or loaded, sheet.pending)
            return self._sheet_view(uow.session, command.sheet_id)

    def _check_sample_unchanged(self, session: Session, sheet_id: str, content: SheetContent) -> None:
        if content.sample is None:
            return
        rubric = self.rubric(content.header.unit.kind, content.header.rubric_version)
        if self._sample(session, rubric, content.header, sheet_id) != content.sample:
            raise FailedPrecondition(
                f"草稿保存后，抽样方案 {content.sample.plan_id} 的核查结论有变动；请重新保存草稿后再签署"
                "（附件3 三（三））(the plan's verdicts changed since the draft was saved: save it again)",
                field="sheet_id",
            )

    def import_signed(self, command: ImportSignedSheet, context: CommandContext) -> SheetView:
        """A paper sheet signed outside the system, scored like any sheet and stored signed with its signer,
        date and evidence (imported)."""
        sheet_id = self._new_sheet_id(command.sheet_id)
        if command.signed_on > self._clock().date():
            raise InvalidInput("签署日期不能晚于今天 (signed in the future)", field="signed_on")
        content = self.preview(command.sheet, imported=True)
        signed_at = datetime.combine(command.signed_on, time(), tzinfo=UTC)
        with self._unit_of_work(context) as uow:
            sheet = self._sheet(uow.load(sheet_stream(sheet_id)), sheet_id)
            self._check_correction(uow, content.header)
            sheet.import_signed(content, signed_at, command.signer, command.evidence)
            uow.save(sheet_stream(sheet_id), 0, sheet.pending)
            return self._sheet_view(uow.session, sheet_id)

    def get_sheet(self, sheet_id: str) -> SheetView:
        with Session(self.engine) as session:
            return self._sheet_view(session, sheet_id)

    def list_sheets(
        self, sheet_filter: SheetFilter, page_size: int = 0, page_token: str = ""
    ) -> Page[SheetView]:
        if not sheet_filter.unit_id.strip():
            raise InvalidArgument("须指明单元 (unit_id is required)", field="unit_id")
        size, offset = checked_page_size(page_size, 50), decode_token(page_token)
        conditions = [SheetView.unit_id == sheet_filter.unit_id]
        if sheet_filter.sheet_kind is not None:
            conditions.append(SheetView.sheet_kind == sheet_filter.sheet_kind.value)
        if sheet_filter.state is not None:
            conditions.append(SheetView.state == sheet_filter.state.value)
        with Session(self.engine) as session:
            total = session.exec(select(func.count()).select_from(SheetView).where(*conditions)).one()
            rows = session.exec(
                select(SheetView)
                .where(*conditions)
                .order_by(SheetView.assessed_on, SheetView.created_at, SheetView.id)  # type: ignore[arg-type]
                .offset(offset)
                .limit(size)
            ).all()
        return Page(list(rows), next_token(offset, size, total), total)

    def compare(self, sheet_id_a: str, sheet_id_b: str) -> tuple[SheetComparison, SheetView, SheetView]:
        a, b = self.get_sheet(sheet_id_a), self.get_sheet(sheet_id_b)
        return compare(_content(a).result, _content(b).result), a, b

    def render(self, sheet_id: str, document_format: str) -> Document:
        """The signed sheet as the rubric's own table, points and deductions filled in: "html" or "xlsx"."""
        view = self._signed(sheet_id)
        sheet = documents.SheetDocument.of(view, _content(view))
        rubric = self.rubric(sheet.content.header.unit.kind, sheet.content.header.rubric_version)
        name = f"{sheet.content.header.unit.name}-{sheet.content.header.sheet_kind.label}评分表-{view.id}"
        if document_format == "xlsx":
            return Document(
                documents.sheet_xlsx(rubric, sheet),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"{name}.xlsx",
            )
        return Document(
            documents.sheet_html(rubric, sheet).encode(), "text/html; charset=utf-8", f"{name}.html"
        )

    def self_assessment_report(self, sheet_id: str) -> Document:
        """The 自评估报告 draft (000 附件3/附件4 三(二)1) from a signed self-check sheet and the ledger now."""
        view = self._signed(sheet_id)
        content = _content(view)
        if content.header.sheet_kind is not SheetKind.SELF_CHECK:
            raise FailedPrecondition(
                f"自评估报告依据自查评分表编制，{view.id} 是{content.header.sheet_kind.label}评分表 "
                "(the report is drafted from a self-check sheet)",
                field="sheet_id",
            )
        snapshot = self.registry.ledger(content.header.unit.id)
        rubric = self.rubric(content.header.unit.kind, content.header.rubric_version)
        markdown = documents.self_assessment_markdown(
            rubric, documents.SheetDocument.of(view, content), snapshot.summary, snapshot.read_at
        )
        return Document(
            markdown.encode(),
            "text/markdown; charset=utf-8",
            f"{content.header.unit.name}-自评估报告（草稿）.md",
        )

    # --- sampling --------------------------------------------------------------------------------------------

    def draw_sampling_plan(self, command: DrawSamplingPlan, context: CommandContext) -> SamplingPlanView:
        """Draw the unit's acceptance sample from its ledger as it stands, with a seed the system chooses, and
        record it with that seed. One plan per unit and round: a second draw replaces the round's plan only when
        the municipal task force approved it, and records the approval (issue 16)."""
        if not command.unit_id.strip():
            raise InvalidArgument("须指明单元 (unit_id is required)", field="unit_id")
        unit = self.registry.unit(command.unit_id)
        population = self.registry.population(unit)
        plan = _plan(unit.kind, population, self._new_seed())
        plan_id = str(uuid.uuid4())
        with self._unit_of_work(context) as uow:
            replaced = plan_to_replace(_round_plan(uow.session, unit.id))
            drawn = SamplingPlanDrawn(
                plan_id,
                unit,
                population,
                plan,
                replaces_plan_id=replaced.plan_id if replaced else "",
                approval=replaced.approval if replaced else None,
            )
            uow.save(plan_stream(plan_id), 0, [drawn])
            view = uow.session.get(SamplingPlanView, plan_id)
            assert view is not None
            return view

    def approve_sampling_redraw(
        self, command: ApproveSamplingPlanRedraw, context: CommandContext
    ) -> SamplingPlanView:
        """The municipal task force lets the round's plan be drawn again, with its reason, both recorded."""
        with self._unit_of_work(context) as uow:
            view = uow.session.get(SamplingPlanView, command.plan_id)
            if view is None:
                raise NotFound(f"没有抽样方案 {command.plan_id!r} (no such plan)", field="plan_id")
            plan = pb.SamplingPlan.FromString(view.body)
            use = uow.session.get(PlanUse, command.plan_id)
            actor = context.actor
            approval = redraw_approval(
                command.plan_id,
                serves_sheet=use.sheet_id if use else "",
                replaced_by=plan.replaced_by_plan_id,
                approved=plan.HasField("redraw_approval"),
                reason=command.reason,
                by=Signer(actor.organisation, actor.role, actor.person),
                at=self._clock(),
            )
            unit = unit_from_pb(plan.unit, "plan.unit")
            uow.save(
                plan_stream(command.plan_id),
                None,
                [SamplingPlanRedrawApproved(command.plan_id, unit, approval)],
            )
            return view

    def record_sample_verdicts(
        self, command: RecordSampleVerdicts, context: CommandContext
    ) -> SamplingPlanView:
        """The 验收小组's verdicts on items drawn in the plan; a later verdict on an item replaces the earlier."""
        with self._unit_of_work(context) as uow:
            view = uow.session.get(SamplingPlanView, command.plan_id)
            if view is None:
                raise NotFound(f"没有抽样方案 {command.plan_id!r} (no such plan)", field="plan_id")
            plan = pb.SamplingPlan.FromString(view.body)
            _require_not_replaced(plan, "plan_id")
            check_verdicts(drawn_of(plan), command.verdicts)
            unit = unit_from_pb(plan.unit, "plan.unit")
            uow.save(
                plan_stream(command.plan_id),
                None,
                [SampleVerdictsRecorded(command.plan_id, unit, command.verdicts)],
            )
            return view

    def get_sampling_plan(self, plan_id: str) -> SamplingPlanView:
        with Session(self.engine) as session:
            view = session.get(SamplingPlanView, plan_id)
        if view is None:
            raise NotFound(f"没有抽样方案 {plan_id!r} (no such plan)", field="plan_id")
        return view

    def redraw_sampling_plan(self, plan_id: str) -> Redrawn:
        recorded = pb.SamplingPlan.FromString(self.get_sampling_plan(plan_id).body)
        unit = unit_from_pb(recorded.unit, "plan.unit")
        population = population_from_pb(recorded.population, unit.kind)
        plan = _plan(unit.kind, population, recorded.seed)
        again = plan_to_pb(plan_id, unit, plan, population)
        identical = list(again.groups) == list(recorded.groups) and again.population == recorded.population
        return Redrawn(unit, plan_id, plan, population, identical)

    def draw_spot_check(self, command: DrawSpotCheck, context: CommandContext) -> SpotCheckView:
        """Draw the municipal spot-check of a named round among the units filed and awaiting it (those given, each
        of which the registry must list as filed, or else every filed unit) with a seed the system chooses, and
        record it with that seed, its candidates, round and deadline. One draw per round: a second draw replaces the
        round's draw only when the municipal task force approved it, and records the approval (issue 16)."""
        check_round(command.round, command.closes_on, self._clock().date())
        filed = self.registry.filed_units()
        filed_by_id = {unit.id: unit for unit in filed}
        not_filed = [unit for unit in command.candidates if unit.id not in filed_by_id]
        if not_filed:
            raise FailedPrecondition(
                f"以下单元不在“已备案，待市级抽查”状态，不能抽取：{'、'.join(u.name or u.id for u in not_filed)}"
                f"（{FILED_RULE}）(only units filed and awaiting the round are drawn)",
                field="candidates",
            )
        # The units as the registry names them (district, kind), whatever the caller wrote.
        candidates = tuple(filed_by_id[unit.id] for unit in command.candidates) or tuple(filed)
        if not candidates:
            raise FailedPrecondition(
                f"登记系统中尚无已备案、待市级抽查的单元，无可抽查（{FILED_RULE}）(no filed units to draw from)",
                field="candidates",
            )
        command = replace(command, candidates=candidates)
        draw = draw_spot_check(
            (AcceptedUnit(u.id, u.district_code, u.kind) for u in command.candidates),
            seed=self._new_seed(),
            towns_per_district=command.towns_per_district,
            parks_per_district=command.parks_per_district,
        )
        draw_id, round_name = str(uuid.uuid4()), command.round.strip()
        with self._unit_of_work(context) as uow:
            replaced = draw_to_replace(round_name, _round_draw(uow.session, round_name))
            approval = None
            if replaced is not None:
                recorded = pb.SpotCheck.FromString(_spot_check_view(uow.session, replaced.draw_id).body)
                approval = approval_from_pb(recorded.redraw_approval)
            drawn = SpotCheckDrawn(
                draw_id,
                command.candidates,
                draw,
                round_name,
                command.closes_on,
                replaces_draw_id=replaced.draw_id if replaced else "",
                approval=approval,
            )
            uow.save(spot_check_stream(draw_id), 0, [drawn])
            view = uow.session.get(SpotCheckView, draw_id)
            assert view is not None
            return view

    def approve_spot_check_redraw(
        self, command: ApproveSpotCheckRedraw, context: CommandContext
    ) -> SpotCheckView:
        """The municipal task force lets the round be drawn again, with its reason, both recorded."""
        with self._unit_of_work(context) as uow:
            view = _spot_check_view(uow.session, command.draw_id)
            recorded = pb.SpotCheck.FromString(view.body)
            check_redraw_approvable(
                command.draw_id,
                replaced_by=recorded.replaced_by_draw_id,
                approved=recorded.HasField("redraw_approval"),
            )
            actor = context.actor
            approval = RedrawApproval(
                redraw_reason(command.reason),
                Signer(actor.organisation, actor.role, actor.person),
                self._clock(),
            )
            uow.save(
                spot_check_stream(command.draw_id),
                None,
                [SpotCheckRedrawApproved(command.draw_id, recorded.round, approval)],
            )
            return view

    def get_spot_check(self, draw_id: str) -> SpotCheckView:
        with Session(self.engine) as session:
            view = session.get(SpotCheckView, draw_id)
        if view is None:
            raise NotFound(f"没有抽查抽取记录 {draw_id!r} (no such draw)", field="draw_id")
        return view

    # --- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _sheet(events: Iterable[SheetDraftSaved | SheetSigned], sheet_id: str) -> ScoreSheet:
        sheet = ScoreSheet(id=sheet_id)
        for event in events:
            sheet.apply(event)
        return sheet

    def _check_correction(self, uow: UnitOfWork[Event], header: SheetHeader) -> None:
        if not header.replaces_sheet_id:
            return
        replaced_id = header.replaces_sheet_id
        original = self._sheet(uow.load(sheet_stream(replaced_id)), replaced_id)
        if original.content is None:
            raise NotFound(
                f"没有被更正的评分表 {replaced_id!r} (no such sheet)", field="input.replaces_sheet_id"
            )
        view = uow.session.get(SheetView, replaced_id)
        check_correction(original, header, view.superseded_by if view else "")

    @staticmethod
    def _sheet_view(session: Session, sheet_id: str) -> SheetView:
        view = session.get(SheetView, sheet_id)
        if view is None:
            raise NotFound(f"没有评分表 {sheet_id!r} (no such sheet)", field="sheet_id")
        return view

    def _signed(self, sheet_id: str) -> SheetView:
        view = self.get_sheet(sheet_id)
        if view.state != SheetState.SIGNED.value:
            raise FailedPrecondition(
                f"评分表 {sheet_id} 尚未签署，签署后方可打印、归档 (only a signed sheet is rendered)",
                field="sheet_id",
            )
        return view


def _content(view: SheetView) -> SheetContent:
    return content_from_pb(pb.ScoreSheet.FromString(view.body))


def _require_not_replaced(plan: pb.SamplingPlan, field: str) -> None:
    """A plan drawn again in its round (approved redraw) serves nothing more: its replacement is the round's."""
    if plan.replaced_by_plan_id:
        raise FailedPrecondition(
            f"抽样方案 {plan.id} 已经市级工作专班批准重新抽取，由 {plan.replaced_by_plan_id} 替代；"
            f"请使用 {plan.replaced_by_plan_id} (the plan was drawn again: use its replacement)",
            field=field,
        )


def _spot_check_view(session: Session, draw_id: str) -> SpotCheckView:
    view = session.get(SpotCheckView, draw_id)
    if view is None:
        raise NotFound(f"没有抽查抽取记录 {draw_id!r} (no such draw)", field="draw_id")
    return view


def _round_draw(session: Session, round_name: str) -> RoundDraw | None:
    """The round's draw in force, with whether the municipal task force approved drawing it again."""
    key = session.get(RoundDrawKey, round_name)
    if key is None:
        return None
    view = _spot_check_view(session, key.draw_id)
    recorded = pb.SpotCheck.FromString(view.body)
    return RoundDraw(view.id, view.drawn_at, approved=recorded.HasField("redraw_approval"))


def _round_plan(session: Session, unit_id: str) -> RoundPlan | None:
    """The plan of the unit's current round: the latest drawn that no signed acceptance names and none replaced."""
    rows = session.exec(
        select(SamplingPlanView)
        .outerjoin(PlanUse, PlanUse.plan_id == SamplingPlanView.id)  # type: ignore[arg-type]
        .where(SamplingPlanView.unit_id == unit_id, PlanUse.plan_id.is_(None))  # type: ignore[union-attr]
        .order_by(SamplingPlanView.drawn_at.desc())  # type: ignore[attr-defined]
    ).all()
    for view in rows:
        plan = pb.SamplingPlan.FromString(view.body)
        if not plan.replaced_by_plan_id:
            approval = approval_from_pb(plan.redraw_approval) if plan.HasField("redraw_approval") else None
            return RoundPlan(view.id, view.drawn_at, approval)
    return None


def _plan(kind: UnitKind, population: TownPopulation | ParkPopulation, seed: int) -> SamplingPlan:
    match kind, population:
        case UnitKind.TOWN, TownPopulation():
            return plan_town_sample(population, seed=seed)  # 000 附件3 三(三)
        case UnitKind.PARK_GROUP, ParkPopulation():
            return plan_park_sample(population, seed=seed)  # 000 附件4 三(三)
        case _:
            raise UnknownUnitKind(kind, where="验收抽样")
