"""The scoring domain to and from its protobuf form (zdz.scoring.v1), for the gRPC API and the stored events.

Decimals travel as text ("7.75"), dates as YYYY-MM-DD, enums by name (`SHEET_KIND_SELF_CHECK` ↔ "SELF_CHECK").
Parsing a request raises `InvalidInput` naming the field (and the rubric item, when there is one), with the checks
every service applies at its edge (zdz_common.validation): decimal text in ASCII digits only, free text clean and
bounded, ids that are codes, repeated fields bounded.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.timestamp_pb2 import Timestamp

from zdz.events.v1 import refs_pb2
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common import pb_enums
from zdz_common.errors import InvalidArgument
from zdz_common.pb_enums import enum_name, enum_to_pb
from zdz_common.validation import (
    MAX_NOTE_LENGTH,
    MAX_SHORT_TEXT,
    bounded_items,
    code_id,
    decimal_text,
    optional_text,
)
from zdz_common.vocabulary import Grade, UnitKind, UnknownUnitKind
from zdz_scoring.domain.compare import ItemDifference, SheetComparison
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import (
    AssessorEntries,
    DatedEvent,
    DiscretionaryDeduction,
    EventKind,
    Finding,
    FindingKind,
    SampleFigures,
    UnitFacts,
)
from zdz_scoring.domain.records import PanelMember, SheetContent, SheetHeader, UnitRef
from zdz_scoring.domain.rubric import Rubric, Rule, RuleKind
from zdz_scoring.domain.sampling import (
    Candidate,
    Community,
    Facility,
    InspectionPoint,
    Network,
    NonResidential,
    ParkPopulation,
    PipeSegment,
    SampleObject,
    SamplingPlan,
    TownPopulation,
)
from zdz_scoring.domain.sheet import (
    Deduction,
    ItemResult,
    ScoreSheetResult,
    SectionResult,
    SheetKind,
    Source,
)
from zdz_scoring.domain.spot_check import KindDraw, SpotCheckDraw
from zdz_scoring.domain.verdicts import SampleVerdict
from zdz_scoring.domain.window import Window

CENT = Decimal("0.01")
E = TypeVar("E", bound=enum.Enum)
MAX_ENTRIES = (
    200  # findings, discretionary deductions or events on one sheet (a rubric has at most ~30 items)
)
MAX_PANEL = 50
MAX_VERDICTS = 5000  # a sampling plan draws at most a few hundred items
MAX_CANDIDATES = 20_000  # the spot check's candidates: every accepted unit of the city
MAX_COUNT = 1_000_000

# --- scalars -------------------------------------------------------------------------------------------------


def points_text(value: Decimal) -> str:
    """Points with two decimals (DESIGN ruling): "7.75", "10.00"."""
    return format(value.quantize(CENT), "f")


def number_text(value: Decimal) -> str:
    """A quantity or rate without trailing zeros: "12.5", "2"."""
    return format(value.normalize(), "f") if value else "0"


def parse_decimal(text: str, field: str, *, item: int | None = None) -> Decimal | None:
    """Decimal text in ASCII digits ("7.75"; not "٥٠", "1e308" or "NaN"); "" → None."""
    try:
        return decimal_text(text, field)
    except InvalidArgument as error:
        raise InvalidInput(error.message, field=field, item=item) from None


def text_of(value: str, field: str, *, max_length: int = MAX_SHORT_TEXT, item: int | None = None) -> str:
    """Free text of a request, stripped, clean and bounded (prose: line breaks allowed)."""
    try:
        return optional_text(value, field, max_length=max_length, prose=True)
    except InvalidArgument as error:
        raise InvalidInput(error.message, field=field, item=item) from None


def id_of(value: str, field: str, *, required: bool = False) -> str:
    """An id that is a code (a unit, sheet, plan or draw id), unchanged (padding refused, as every service refuses
    it); "" when not given and not required."""
    return code_id(value, field, required=required)


def items_of(values: Sequence[Any], field: str, max_items: int) -> Sequence[Any]:
    """A repeated field of a request, refused (naming it) beyond `max_items`."""
    try:
        return bounded_items(values, field, max_items=max_items)
    except InvalidArgument as error:
        raise InvalidInput(error.message, field=field) from None


def parse_date(text: str, field: str, *, item: int | None = None) -> date | None:
    """YYYY-MM-DD; "" → None."""
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"日期格式须为 YYYY-MM-DD (a date), 收到 {text!r}", field=field, item=item
        ) from None


def date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def enum_from_pb(
    wrapper: EnumTypeWrapper, number: int, domain: type[E], field: str, item: int | None = None
) -> E:
    """`zdz_common.pb_enums.enum_from_pb`, naming the rubric item too when the enum belongs to one."""
    try:
        return pb_enums.enum_from_pb(wrapper, number, domain, field)
    except InvalidArgument as error:
        if item is None:
            raise
        raise InvalidInput(error.message, field=field, item=item) from None


def unit_kind_from_pb(number: int, field: str) -> UnitKind:
    """A required `zdz.events.v1.UnitKind`; a kind the wire lists but the vocabulary does not know is refused."""
    try:
        return pb_enums.enum_from_pb(refs_pb2.UnitKind, number, UnitKind, field)
    except ValueError:  # listed on the wire, not (yet) in `zdz_common.vocabulary`
        raise UnknownUnitKind(enum_name(refs_pb2.UnitKind, number, field), where="评分服务") from None


# --- units ---------------------------------------------------------------------------------------------------


def unit_to_pb(unit: UnitRef) -> refs_pb2.UnitRef:
    return refs_pb2.UnitRef(
        id=unit.id,
        district_code=unit.district_code,
        kind=enum_to_pb(refs_pb2.UnitKind, unit.kind),
        name=unit.name,
    )


def unit_from_pb(message: refs_pb2.UnitRef, field: str) -> UnitRef:
    if not message.id.strip() or not message.district_code.strip():
        raise InvalidInput("须有单元编号和区县代码 (id and district_code are required)", field=field)
    kind = unit_kind_from_pb(message.kind, f"{field}.kind")
    return UnitRef(
        code_id(message.id, f"{field}.id"),
        code_id(message.district_code, f"{field}.district_code"),
        kind,
        text_of(message.name, f"{field}.name"),
    )


# --- rubric --------------------------------------------------------------------------------------------------


def rubric_to_pb(rubric: Rubric) -> pb.Rubric:
    return pb.Rubric(
        unit_kind=enum_to_pb(refs_pb2.UnitKind, rubric.unit_kind),
        version=rubric.version,
        title=rubric.title,
        source=rubric.source,
        sections=[
            pb.RubricSection(name=s.name, max_points=points_text(s.max_points)) for s in rubric.sections
        ],
        items=[
            pb.RubricItem(
                number=item.number,
                section=item.section,
                max_points=points_text(item.max_points),
                content=item.content,
                criteria=item.criteria,
                method=item.method,
                rules=[_rule_to_pb(index, rule) for index, rule in enumerate(item.rules, start=1)],
                penalty=item.penalty,
                printed_content=item.printed_content or "",
                note=item.note,
            )
            for item in rubric.items
        ],
        excellent_from=points_text(rubric.excellent_from),
        pass_from=points_text(rubric.pass_from),
        summary_report_from=points_text(rubric.summary_report_from) if rubric.summary_report_from else "",
        window_note=rubric.window_note,
    )


def _rule_to_pb(index: int, rule: Rule) -> pb.Rule:
    message = pb.Rule(index=index, kind=enum_to_pb(pb.RuleKind, rule.kind.value), text=rule.text)
    figures = getattr(rule, "figures", ()) or (
        (rule.ledger_figure,) if getattr(rule, "ledger_figure", None) else ()
    )
    message.figures.extend(f.value for f in figures)
    if (finding := getattr(rule, "finding", None)) is not None:
        message.finding = enum_to_pb(pb.FindingKind, finding.value)
    if (points := getattr(rule, "points", None)) is not None:
        message.points = number_text(points)
    if (per := getattr(rule, "per", None)) is not None:
        message.per = number_text(per)
    for kind, kind_points in getattr(rule, "points_by_kind", ()):
        message.points_by_event[kind.value] = number_text(kind_points)
    message.in_window = bool(getattr(rule, "in_window", False))
    if (event := getattr(rule, "event", None)) is not None:
        message.event = enum_to_pb(pb.EventKind, event.value)
        message.required = rule.required  # type: ignore[union-attr]
    message.list_findings.extend(enum_to_pb(pb.FindingKind, f.value) for f in getattr(rule, "findings", ()))
    return message


# --- inputs --------------------------------------------------------------------------------------------------


def entries_from_pb(message: pb.AssessorEntries, path: str = "entries") -> AssessorEntries:
    """The assessor's entries; each value checked as it is built (rates 0–100, counts ≥ 1, reasons, dates)."""
    rates = {
        name: parse_decimal(getattr(message, name), f"{path}.{name}")
        for name in ("residential_sample_pass_rate", "non_residential_sample_pass_rate")
    }
    for name in ("findings", "discretionary", "events"):
        items_of(getattr(message, name), f"{path}.{name}", MAX_ENTRIES)
    return AssessorEntries(
        application_date=parse_date(message.application_date, f"{path}.application_date"),
        findings=tuple(_finding_from_pb(f, f"{path}.findings[{i}]") for i, f in enumerate(message.findings)),
        discretionary=tuple(
            _discretionary_from_pb(d, f"{path}.discretionary[{i}]")
            for i, d in enumerate(message.discretionary)
        ),
        events=tuple(_event_from_pb(e, f"{path}.events[{i}]") for i, e in enumerate(message.events)),
        **rates,  # type: ignore[arg-type]
    )


def _finding_from_pb(message: pb.Finding, path: str) -> Finding:
    kind = enum_from_pb(pb.FindingKind, message.kind, FindingKind, f"{path}.kind", message.item)
    if message.count == 0:
        raise InvalidInput("数量须至少为1 (count is at least 1)", field=f"{path}.count", item=message.item)
    if message.count > MAX_COUNT:
        raise InvalidInput(
            f"数量最多为 {MAX_COUNT} (at most {MAX_COUNT})", field=f"{path}.count", item=message.item
        )
    note = text_of(message.note, f"{path}.note", max_length=MAX_NOTE_LENGTH, item=message.item)
    return Finding(message.item, kind, message.count, note)


def _discretionary_from_pb(message: pb.DiscretionaryDeduction, path: str) -> DiscretionaryDeduction:
    points = parse_decimal(message.points, f"{path}.points", item=message.item)
    if points is None:
        raise InvalidInput(
            "须填写酌情扣分分值 (points are required)", field=f"{path}.points", item=message.item
        )
    reason = text_of(message.reason, f"{path}.reason", max_length=MAX_NOTE_LENGTH, item=message.item)
    return DiscretionaryDeduction(message.item, points, reason)


def _event_from_pb(message: pb.DatedEvent, path: str) -> DatedEvent:
    kind = enum_from_pb(pb.EventKind, message.kind, EventKind, f"{path}.kind", message.item)
    occurred_on = parse_date(message.occurred_on, f"{path}.occurred_on", item=message.item)
    if occurred_on is None:
        raise InvalidInput(
            "须注明发生日期 (the date is required)", field=f"{path}.occurred_on", item=message.item
        )
    description = text_of(
        message.description, f"{path}.description", max_length=MAX_NOTE_LENGTH, item=message.item
    )
    return DatedEvent(message.item, kind, occurred_on, description)


def entries_to_pb(entries: AssessorEntries) -> pb.AssessorEntries:
    return pb.AssessorEntries(
        application_date=date_text(entries.application_date),
        residential_sample_pass_rate=_optional_number(entries.residential_sample_pass_rate),
        non_residential_sample_pass_rate=_optional_number(entries.non_residential_sample_pass_rate),
        findings=findings_to_pb(entries.findings),
        discretionary=[
            pb.DiscretionaryDeduction(item=d.item, points=points_text(d.points), reason=d.reason)
            for d in entries.discretionary
        ],
        events=[
            pb.DatedEvent(
                item=e.item,
                kind=enum_to_pb(pb.EventKind, e.kind.value),
                occurred_on=e.occurred_on.isoformat(),
                description=e.description,
            )
            for e in entries.events
        ],
    )


def findings_to_pb(findings: Sequence[Finding]) -> list[pb.Finding]:
    return [
        pb.Finding(item=f.item, kind=enum_to_pb(pb.FindingKind, f.kind.value), count=f.count, note=f.note)
        for f in findings
    ]


def _optional_number(value: Decimal | None) -> str:
    return "" if value is None else number_text(value)


def facts_to_map(facts: UnitFacts) -> dict[str, str]:
    """The ledger figures used, by `UnitFacts` field name; figures not supplied are left out."""
    values = {}
    for spec in fields(facts):
        value = getattr(facts, spec.name)
        if value is None:
            continue
        values[spec.name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return values


def facts_from_map(values: Mapping[str, str]) -> UnitFacts:
    parsed: dict[str, Decimal | bool | int | None] = {}
    for name, text in values.items():
        if name.endswith("_rate"):
            parsed[name] = Decimal(text)
        elif name.startswith("has_"):
            parsed[name] = text == "true"
        else:
            parsed[name] = int(text)
    return UnitFacts(**parsed)  # type: ignore[arg-type]


# --- results -------------------------------------------------------------------------------------------------


def deduction_to_pb(line: Deduction) -> pb.Deduction:
    return pb.Deduction(
        rule_index=line.rule_index,
        rule_kind=enum_to_pb(pb.RuleKind, line.rule_kind.value),
        rule_text=line.rule_text,
        quantity=number_text(line.quantity),
        points=points_text(line.points),
        reason=line.reason,
        source=enum_to_pb(pb.Source, line.source.value),
    )


def result_to_pb(result: ScoreSheetResult) -> pb.ScoreResult:
    return pb.ScoreResult(
        items=[
            pb.ItemResult(
                number=item.number,
                section=item.section,
                max_points=points_text(item.max_points),
                points=points_text(item.points),
                deductions=[deduction_to_pb(line) for line in item.deductions],
                limit_reached=item.limit_reached,
                penalty=item.penalty,
                notes=list(item.notes),
            )
            for item in result.items
        ],
        sections=[
            pb.SectionResult(name=s.name, max_points=points_text(s.max_points), points=points_text(s.points))
            for s in result.sections
        ],
        subtotal=points_text(result.subtotal),
        penalty=points_text(result.penalty),
        total=points_text(result.total),
        grade=enum_to_pb(pb.Grade, result.grade.value),
        grade_label=result.grade.label,
        may_apply_for_acceptance=result.may_apply_for_acceptance,
        may_submit_summary_report=result.may_submit_summary_report,
        window_first=date_text(result.window.first if result.window else None),
        window_last=date_text(result.window.last if result.window else None),
    )


def result_from_pb(message: pb.ScoreResult, header: SheetHeader) -> ScoreSheetResult:
    window = (
        Window(date.fromisoformat(message.window_first), date.fromisoformat(message.window_last))
        if message.window_first
        else None
    )
    return ScoreSheetResult(
        unit_kind=header.unit.kind,
        rubric_version=header.rubric_version,
        sheet_kind=header.sheet_kind,
        window=window,
        items=tuple(
            ItemResult(
                number=item.number,
                section=item.section,
                max_points=Decimal(item.max_points),
                points=Decimal(item.points),
                deductions=tuple(_deduction_from_pb(line) for line in item.deductions),
                limit_reached=item.limit_reached,
                penalty=item.penalty,
                notes=tuple(item.notes),
            )
            for item in message.items
        ),
        sections=tuple(
            SectionResult(s.name, Decimal(s.max_points), Decimal(s.points)) for s in message.sections
        ),
        subtotal=Decimal(message.subtotal),
        penalty=Decimal(message.penalty),
        total=Decimal(message.total),
        grade=enum_from_pb(pb.Grade, message.grade, Grade, "grade"),
        may_apply_for_acceptance=message.may_apply_for_acceptance,
        may_submit_summary_report=message.may_submit_summary_report,
    )


def _deduction_from_pb(message: pb.Deduction) -> Deduction:
    return Deduction(
        rule_index=message.rule_index,
        rule_kind=enum_from_pb(pb.RuleKind, message.rule_kind, RuleKind, "rule_kind"),
        rule_text=message.rule_text,
        quantity=Decimal(message.quantity),
        points=Decimal(message.points),
        reason=message.reason,
        source=enum_from_pb(pb.Source, message.source, Source, "source"),
    )


# --- sheets --------------------------------------------------------------------------------------------------


def content_to_pb(content: SheetContent) -> pb.ScoreSheet:
    """The sheet's content: header, inputs, result (id, state and record fields are the caller's to add)."""
    header = content.header
    return pb.ScoreSheet(
        unit=unit_to_pb(header.unit),
        sheet_kind=enum_to_pb(pb.SheetKind, header.sheet_kind.value),
        rubric_version=header.rubric_version,
        assessor=header.assessor,
        assessed_on=header.assessed_on.isoformat(),
        replaces_sheet_id=header.replaces_sheet_id,
        district_name=header.district_name,
        entries=entries_to_pb(content.entries),
        ledger_figures=facts_to_map(content.facts),
        ledger_findings=findings_to_pb(content.ledger_findings),
        facts_read_at=timestamp(content.facts_read_at),
        result=result_to_pb(content.result),
        sampling_plan_id=header.sampling_plan_id,
        panel_members=[
            pb.PanelMember(name=m.name, organisation=m.organisation, duty=m.duty)
            for m in header.panel_members
        ],
        sample_figures=_sample_to_map(content.sample),
    )


def panel_from_pb(members: Sequence[pb.PanelMember], path: str = "panel_members") -> tuple[PanelMember, ...]:
    items_of(members, path, MAX_PANEL)
    return tuple(
        PanelMember(
            text_of(m.name, f"{path}[{i}].name"),
            text_of(m.organisation, f"{path}[{i}].organisation"),
            text_of(m.duty, f"{path}[{i}].duty"),
        )
        for i, m in enumerate(members)
    )


def _sample_to_map(sample: SampleFigures | None) -> dict[str, str]:
    if sample is None:
        return {}
    values = {name: getattr(sample, name) for name in _SAMPLE_FIELDS}
    return {name: number_text(value) for name, value in values.items() if value is not None}


def _sample_from_map(plan_id: str, values: Mapping[str, str]) -> SampleFigures | None:
    if not plan_id:
        return None
    return SampleFigures(plan_id, **{name: Decimal(text) for name, text in values.items()})  # type: ignore[arg-type]


_SAMPLE_FIELDS = ("residential_sample_pass_rate", "non_residential_sample_pass_rate")


def content_from_pb(message: pb.ScoreSheet) -> SheetContent:
    header = SheetHeader(
        unit=unit_from_pb(message.unit, "unit"),
        sheet_kind=enum_from_pb(pb.SheetKind, message.sheet_kind, SheetKind, "sheet_kind"),
        rubric_version=message.rubric_version,
        assessor=message.assessor,
        assessed_on=date.fromisoformat(message.assessed_on),
        replaces_sheet_id=message.replaces_sheet_id,
        district_name=message.district_name,
        sampling_plan_id=message.sampling_plan_id,
        panel_members=panel_from_pb(message.panel_members),
    )
    return SheetContent(
        header=header,
        facts=facts_from_map(message.ledger_figures),
        ledger_findings=tuple(_finding_from_pb(f, "ledger_findings") for f in message.ledger_findings),
        entries=entries_from_pb(message.entries),
        facts_read_at=from_timestamp(message.facts_read_at),
        result=result_from_pb(message.result, header),
        sample=_sample_from_map(message.sampling_plan_id, message.sample_figures),
    )


def comparison_to_pb(
    comparison: SheetComparison, a: pb.ScoreSheetSummary, b: pb.ScoreSheetSummary
) -> pb.SheetComparison:
    label_a = _sheet_label(a)
    label_b = _sheet_label(b)
    return pb.SheetComparison(
        a=a,
        b=b,
        identical=comparison.identical,
        total_change=_signed(comparison.total_b - comparison.total_a),
        items=[
            pb.ItemDifference(
                number=item.number,
                points_a=points_text(item.points_a),
                points_b=points_text(item.points_b),
                change=_signed(item.change),
                rules=[
                    pb.RuleDifference(
                        rule_index=rule.rule_index,
                        rule_text=rule.rule_text,
                        a=[deduction_to_pb(line) for line in rule.a],
                        b=[deduction_to_pb(line) for line in rule.b],
                    )
                    for rule in item.rules
                ],
                summary=_summary(item, label_a, label_b),
            )
            for item in comparison.items
        ],
    )


def _sheet_label(summary: pb.ScoreSheetSummary) -> str:
    kind = enum_from_pb(pb.SheetKind, summary.sheet_kind, SheetKind, "sheet_kind")
    return f"{kind.label}（{summary.id}）"


def _summary(item: ItemDifference, label_a: str, label_b: str) -> str:
    # e.g. 第1项：自查（s1）10.00分，区县验收（s2）7.75分（-2.25）。“排查率每降低10%扣1分”：自查未扣分；区县验收 …扣1.25分
    parts = [
        f"第{item.number}项：{label_a} {points_text(item.points_a)}分，{label_b} {points_text(item.points_b)}分"
        f"（{_signed(item.change)}）"
    ]
    for rule in item.rules:
        parts.append(f"“{rule.rule_text}”：{label_a}{_lines(rule.a)}；{label_b}{_lines(rule.b)}")
    return "。".join(parts)


def _lines(lines: Sequence[Deduction]) -> str:
    if not lines:
        return "未扣分"
    return "、".join(f"{line.reason} 扣{points_text(line.points)}分" for line in lines)


def _signed(value: Decimal) -> str:
    text = points_text(value)
    return text if text.startswith("-") else f"+{text}"


# --- sampling ------------------------------------------------------------------------------------------------


def population_to_pb(population: TownPopulation | ParkPopulation) -> pb.SamplingPopulation:
    message = pb.SamplingPopulation(
        inspection_points=[
            pb.SampledPoint(id=p.id, network=enum_to_pb(pb.Network, p.network.value))
            for p in population.inspection_points
        ],
        pipe_segments=[
            pb.SampledSegment(
                id=s.id, network=enum_to_pb(pb.Network, s.network.value), length_m=str(s.length_m)
            )
            for s in population.pipe_segments
        ],
        facilities=[
            pb.SampledFacility(
                id=f.id, takes_industrial_wastewater=f.takes_industrial_wastewater, outfall_ids=f.outfall_ids
            )
            for f in population.facilities
        ],
    )
    match population:
        case TownPopulation():
            message.communities.extend(
                pb.Community(
                    id=c.id, size=c.size, year_built=c.year_built, drainage_complexity=c.drainage_complexity
                )
                for c in population.communities
            )
            message.non_residential.extend(
                pb.NonResidentialUnit(id=n.id, category=n.category) for n in population.non_residential
            )
            message.tasks.extend(t.id for t in population.pipe_tasks)
        case ParkPopulation():
            message.source_households.extend(h.id for h in population.source_households)
            message.tasks.extend(t.id for t in population.tasks)
        case _:
            raise UnknownUnitKind(type(population).__name__, where="抽样对象的记录")
    return message


def population_from_pb(message: pb.SamplingPopulation, kind: UnitKind) -> TownPopulation | ParkPopulation:
    points = tuple(
        InspectionPoint(p.id, enum_from_pb(pb.Network, p.network, Network, "network"))
        for p in message.inspection_points
    )
    segments = tuple(
        PipeSegment(s.id, enum_from_pb(pb.Network, s.network, Network, "network"), Decimal(s.length_m))
        for s in message.pipe_segments
    )
    facilities = tuple(
        Facility(f.id, f.takes_industrial_wastewater, tuple(f.outfall_ids)) for f in message.facilities
    )
    tasks = tuple(Candidate(code) for code in message.tasks)
    match kind:
        case UnitKind.TOWN:
            return TownPopulation(
                communities=tuple(
                    Community(c.id, c.size, c.year_built, c.drainage_complexity) for c in message.communities
                ),
                non_residential=tuple(NonResidential(n.id, n.category) for n in message.non_residential),
                pipe_tasks=tasks,
                inspection_points=points,
                pipe_segments=segments,
                facilities=facilities,
            )
        case UnitKind.PARK_GROUP:
            return ParkPopulation(
                source_households=tuple(Candidate(code) for code in message.source_households),
                tasks=tasks,
                inspection_points=points,
                pipe_segments=segments,
                facilities=facilities,
            )
        case _:
            raise UnknownUnitKind(kind, where="抽样对象的记录")


def plan_to_pb(
    plan_id: str, unit: UnitRef, plan: SamplingPlan, population: TownPopulation | ParkPopulation
) -> pb.SamplingPlan:
    return pb.SamplingPlan(
        id=plan_id,
        unit=unit_to_pb(unit),
        seed=plan.seed,
        groups=[
            pb.SampleGroup(
                object=enum_to_pb(pb.SampleObject, group.object.value),
                population=group.population,
                required=group.required,
                draws=[
                    pb.SampleDraw(
                        id=draw.id,
                        reasons=[enum_to_pb(pb.DrawReason, r.value) for r in draw.reasons],
                        rule=draw.rule,
                        detail=draw.detail,
                        outfall_ids=draw.outfall_ids,
                        length_m=number_text(draw.length_m) if draw.length_m is not None else "",
                    )
                    for draw in group.draws
                ],
                shortfall=group.shortfall,
                note=group.note,
            )
            for group in plan.groups
        ],
        population=population_to_pb(population),
        items=sum(len(group.draws) for group in plan.groups),
    )


def verdict_to_pb(verdict: SampleVerdict) -> pb.SampleVerdict:
    return pb.SampleVerdict(
        object=enum_to_pb(pb.SampleObject, verdict.object.value),
        id=verdict.id,
        passed=verdict.passed,
        note=verdict.note,
    )


def verdict_from_pb(message: pb.SampleVerdict, field: str) -> SampleVerdict:
    return SampleVerdict(
        enum_from_pb(pb.SampleObject, message.object, SampleObject, f"{field}.object"),
        text_of(message.id, f"{field}.id", max_length=64),
        message.passed,
        text_of(message.note, f"{field}.note", max_length=MAX_NOTE_LENGTH),
    )


def drawn_of(plan: pb.SamplingPlan) -> dict[SampleObject, tuple[str, ...]]:
    """A recorded plan's drawn item ids by group."""
    return {
        enum_from_pb(pb.SampleObject, g.object, SampleObject, "plan.groups.object"): tuple(
            d.id for d in g.draws
        )
        for g in plan.groups
    }


def spot_check_to_pb(
    draw_id: str,
    candidates: Sequence[UnitRef],
    draw: SpotCheckDraw,
    round_name: str,
    closes_on: date | None,
) -> pb.SpotCheck:
    by_id = {unit.id: unit for unit in candidates}

    def kind_draw(result: KindDraw) -> pb.KindDraw:
        return pb.KindDraw(
            kind=enum_to_pb(refs_pb2.UnitKind, result.kind),
            quota=result.quota,
            available=result.available,
            drawn=[unit_to_pb(by_id[unit_id]) for unit_id in result.drawn],
            rule=result.rule,
            short=result.short,
            note=result.note,
        )

    return pb.SpotCheck(
        id=draw_id,
        seed=draw.seed,
        towns_per_district=draw.towns_per_district,
        parks_per_district=draw.parks_per_district,
        candidates=[unit_to_pb(unit) for unit in candidates],
        round=round_name,
        closes_on=date_text(closes_on),
        districts=[
            pb.DistrictDraw(
                district_code=district.district_code,
                towns=kind_draw(district.towns),
                parks=kind_draw(district.parks),
            )
            for district in draw.districts
        ],
    )
