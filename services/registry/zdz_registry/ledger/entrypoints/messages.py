"""Protobuf ↔ domain for the ledger API. Enum values map by name (`zdz_common.pb_enums`):
`HOUSEHOLD_KIND_RESIDENTIAL` ↔ "RESIDENTIAL".

Parsing checks at the edge what the aggregates do not (zdz_common.validation): every number of a row finite and
within NUMBER_LIMITS (a pipe of 1e308 m once broke every later reader of that unit's facts), every text clean
and bounded; the rows' own rules (codes, dates, kinds) are the domain's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date
from decimal import Decimal

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from sqlmodel import SQLModel

from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2 as pb
from zdz_common.errors import InvalidArgument
from zdz_common.pb_enums import enum_name, enum_to_pb
from zdz_common.validation import (
    MAX_NOTE_LENGTH,
    bounded_number,
    command_evidence,
    label_code,
    optional_text,
)
from zdz_registry.ledger.adapters.orm import AcceptanceView
from zdz_registry.ledger.domain.commands import AssignTask, OpenTask, RectifyTask, RowCommand, VerifyTask
from zdz_registry.ledger.domain.facts import FactClass, LedgerFacts, Ratio, score_figures
from zdz_registry.ledger.domain.problems import ProblemDetails, Step
from zdz_registry.ledger.domain.progress import Progress, ProgressReport, Target, UnitRow, counted_since
from zdz_registry.ledger.domain.rows import (
    EntityClass,
    FoundBy,
    InformationDefect,
    InspectionPoint,
    Outfall,
    PipeSegment,
    SourceHousehold,
    TreatmentFacility,
)
from zdz_registry.ledger.service_layer.batch import problem_id_of
from zdz_registry.ledger.service_layer.services import ProblemListing

# LedgerRow's oneof field of each row class, with the message and the domain value class.
ROW_FIELDS: dict[EntityClass, tuple[str, type[Message], type]] = {
    EntityClass.SOURCE_HOUSEHOLD: ("source_household", pb.SourceHousehold, SourceHousehold),
    EntityClass.PIPE_SEGMENT: ("pipe_segment", pb.PipeSegment, PipeSegment),
    EntityClass.INSPECTION_POINT: ("inspection_point", pb.InspectionPoint, InspectionPoint),
    EntityClass.FACILITY: ("treatment_facility", pb.TreatmentFacility, TreatmentFacility),
    EntityClass.OUTFALL: ("outfall", pb.Outfall, Outfall),
}
_VALUE_OF_ONEOF = {name: value_class for name, _, value_class in ROW_FIELDS.values()} | {
    "information_defect": InformationDefect,
    "problem": ProblemDetails,
}


# The largest value each number of a ledger row may hold (the smallest is 0); a field not listed takes MAX_NUMBER.
NUMBER_LIMITS: dict[str, float] = {
    "floor_area_m2": 10_000_000,  # 10 km² of floor
    "length_m": 1_000_000,  # one segment of 1,000 km (002: 278 km of pipes in a whole park group)
    "capacity_m3_per_day": 10_000_000,  # 重庆's largest plant treats ~1.2 million m³ a day
    "load_m3_per_day": 10_000_000,
    "industrial_share_percent": 100,
    "year_built": 2100,
    "households": 1_000_000,
    "grade": 4,
}
MAX_NUMBER = 1_000_000_000
_NUMBERS = (
    FieldDescriptor.TYPE_DOUBLE,
    FieldDescriptor.TYPE_FLOAT,
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_UINT64,
)


# A row's fields that are codes (its own, and those naming other rows): letters of any script, ASCII digits and
# . _ : - ("解放路-YS-03"), no "/", space or quote (zdz_common.validation.label_code; the workflow files problems
# against these codes with the same check).
CODE_FIELDS = frozenset({"code", "pipe_code", "facility_code", "entity_code"})


def _checked_scalar(descriptor: FieldDescriptor, value: object, path: str) -> object:
    """A row's number finite and bounded, its codes codes, its text clean and bounded (the domain applies the
    tighter rules)."""
    if descriptor.name in CODE_FIELDS:
        return label_code(value.strip(), path, required=False)  # type: ignore[union-attr]
    if descriptor.type in _NUMBERS:
        return bounded_number(value, path, maximum=NUMBER_LIMITS.get(descriptor.name, MAX_NUMBER))  # type: ignore[arg-type]
    if descriptor.type == FieldDescriptor.TYPE_STRING:
        return optional_text(value, path, max_length=MAX_NOTE_LENGTH, prose=True)  # type: ignore[arg-type]
    return value


def enum_arg(message: Message, field_name: str, path: str) -> str:
    """A request's enum field as its domain name."""
    enum_type = message.DESCRIPTOR.fields_by_name[field_name].enum_type
    return enum_name(enum_type, getattr(message, field_name), path)


def _to_value(message: Message, value_class: type, path: str) -> object:
    values = {}
    for spec in fields(value_class):
        descriptor = message.DESCRIPTOR.fields_by_name[spec.name]
        value = getattr(message, spec.name)
        values[spec.name] = (
            enum_name(descriptor.enum_type, value, f"{path}.{spec.name}")
            if descriptor.enum_type
            else _checked_scalar(descriptor, value, f"{path}.{spec.name}")
        )
    return value_class(**values)


def fill(message_class: type[Message], source: object) -> Message:
    """A message from an object (a read-model row) with attributes of the message's field names."""
    values = {}
    for descriptor in message_class.DESCRIPTOR.fields:
        if not hasattr(source, descriptor.name):
            continue
        value = getattr(source, descriptor.name)
        values[descriptor.name] = enum_to_pb(descriptor.enum_type, value) if descriptor.enum_type else value
    return message_class(**values)


def step_of(step: pb.Step) -> Step:
    return Step(
        by=optional_text(step.by, "step.by"),
        on=optional_text(step.on, "step.on", max_length=10),
        evidence=command_evidence(step.evidence, "step.evidence"),
    )


def row_command(unit_id: str, row: pb.LedgerRow) -> RowCommand:
    """The command a LedgerRow asks for; a task step names its problem by code in `unit_id`'s list."""
    which = row.WhichOneof("row")
    if which is None:
        raise InvalidArgument("空行：须填写台账、问题或任务步骤之一 (an empty row)", field="row")
    message = getattr(row, which)
    if which != "task_step":
        return _to_value(message, _VALUE_OF_ONEOF[which], which)  # type: ignore[return-value]
    if not label_code(message.problem_code.strip(), "task_step.problem_code", required=False):
        raise InvalidArgument("须注明问题编号 (required)", field="task_step.problem_code")
    problem_id = problem_id_of(unit_id, message.problem_code)
    step = step_of(message.step)
    match enum_name(pb.TaskAction, message.action, "task_step.action"):
        case "OPEN":
            owner = optional_text(message.owner, "task_step.owner")
            return OpenTask(
                unit_id, problem_id, owner, optional_text(message.deadline, "task_step.deadline"), step
            )
        case "ASSIGN":
            return AssignTask(
                unit_id, problem_id, optional_text(message.assignee, "task_step.assignee"), step
            )
        case "RECTIFY":
            return RectifyTask(unit_id, problem_id, step)
        case "VERIFY":
            return VerifyTask(unit_id, problem_id, step)
    raise InvalidArgument(
        "须为 OPEN、ASSIGN、RECTIFY 或 VERIFY (action is required)", field="task_step.action"
    )


def ledger_row(entity_class: EntityClass, view: SQLModel) -> pb.LedgerRow:
    field_name, message_class, _ = ROW_FIELDS[entity_class]
    return pb.LedgerRow(**{field_name: fill(message_class, view)})


def problem_to_pb(listing: ProblemListing) -> pb.Problem:
    problem = fill(pb.Problem, listing.problem)
    view = listing.problem
    if view.task_state:
        problem.task.CopyFrom(  # type: ignore[attr-defined]
            pb.Task(
                state=enum_to_pb(pb.TaskState, view.task_state),
                owner=view.owner,
                deadline=view.deadline,
                assignee=view.assignee,
                steps=[
                    pb.TaskStepRecord(
                        state=enum_to_pb(pb.TaskState, s.state),
                        by=s.step_by,
                        on=s.step_on,
                        evidence=s.evidence,
                    )
                    for s in listing.steps
                ],
            )
        )
    return problem  # type: ignore[return-value]


def _decimal(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _ratio(ratio: Ratio) -> pb.Ratio:
    return pb.Ratio(part=str(ratio.part), whole=str(ratio.whole), percent=_decimal(ratio.percent))


def _stages(counts: Mapping[FoundBy, int]) -> pb.StageCounts:
    return pb.StageCounts(**{stage.value.lower(): count for stage, count in counts.items()})


def facts_to_pb(unit_id: str, facts: LedgerFacts) -> pb.UnitFacts:
    def class_facts(fact_class: FactClass) -> pb.ClassFacts:
        rectification = facts.rectification[fact_class]
        message = pb.ClassFacts(
            rectification=pb.Rectification(
                problems=rectification.problems,
                with_task=rectification.with_task,
                rectified=rectification.rectified,
                verified=rectification.verified,
                rate=_ratio(rectification.rate),
            ),
            problems_found=_stages(facts.problems_found[fact_class]),
            information_defects=_stages(facts.information_defects[fact_class]),
        )
        if fact_class in facts.self_check:
            message.self_check.CopyFrom(_ratio(facts.self_check[fact_class]))
        return message

    figures = score_figures(facts)
    return pb.UnitFacts(
        unit_id=unit_id,
        household_survey=_ratio(facts.household_survey),
        pipe_survey=_ratio(facts.pipe_survey),
        facility_survey=_ratio(facts.facility_survey),
        households=class_facts(FactClass.HOUSEHOLDS),
        residential=class_facts(FactClass.RESIDENTIAL),
        non_residential=class_facts(FactClass.NON_RESIDENTIAL),
        pipes=class_facts(FactClass.PIPES),
        facilities=class_facts(FactClass.FACILITIES),
        problem_list_exists=facts.problem_list_exists,
        task_list_exists=facts.task_list_exists,
        problems_without_task=facts.problems_without_task,
        lists_match=facts.lists_match,
        permit_coverage=_ratio(facts.permit_coverage),
        enterprises=pb.EnterpriseCounts(**vars(facts.enterprises)),
        households_by_kind={k.value: v for k, v in facts.households_by_kind.items()},
        non_residential_by_category={k.value: v for k, v in facts.non_residential_by_category.items()},
        pipe_length_m={k.value: str(v) for k, v in facts.pipe_length_m.items()},
        inspection_points=facts.inspection_points,
        facilities_count=facts.facilities,
        facilities_taking_industrial=facts.facilities_taking_industrial,
        outfalls=facts.outfalls,
        outfalls_standardised=facts.outfalls_standardised,
        problems_by_type={k.value: v for k, v in facts.problems_by_type.items()},
        major_defects=facts.major_defects,
        residential_households=facts.residential_households,
        medical=pb.MedicalFacts(**vars(facts.medical)),
        key_enterprises_as_cells=facts.key_enterprises_as_cells,
        figures=pb.ScoreFigures(
            **{
                spec.name: _decimal(value) if isinstance(value, Decimal | None) else value
                for spec in fields(figures)
                for value in [getattr(figures, spec.name)]
            }
        ),
    )


def standing_to_pb(view: AcceptanceView) -> pb.AcceptanceStanding:
    return pb.AcceptanceStanding(
        unit_id=view.unit_id,
        state=enum_to_pb(pb.AcceptanceState, view.state),
        on=view.effective_on,
        reason=view.reason,
        accepted_on=counted_since(view.state, view.accepted_on or None) or "",
    )


def _target(t: Target) -> pb.Target:
    return pb.Target(year=t.year, required=t.required, done=t.done, met=t.met)


def _targets(targets: tuple[Target, ...]) -> list[pb.Target]:
    return [_target(t) for t in targets]


def progress_to_pb(progress: Progress) -> pb.DistrictProgress:
    return pb.DistrictProgress(
        district_code=progress.code,
        towns=progress.towns,
        towns_done=progress.towns_done,
        town_targets=_targets(progress.town_targets),
        along_river_towns=progress.along_river_towns,
        along_river_towns_done=progress.along_river_towns_done,
        along_river_targets=_targets(progress.along_river_targets),
        park_groups=progress.park_groups,
        park_groups_done=progress.park_groups_done,
        park_targets=_targets(progress.park_targets),
        park_groups_out_of_scope=progress.park_groups_out_of_scope,
        villages=progress.villages,
        demonstration_villages=progress.demonstration_villages,
        demonstration_villages_done=progress.demonstration_villages_done,
        demonstration_village_target=_target(progress.demonstration_village_target),
        district_town_requirements=_targets(progress.district_town_requirements),
        as_of=progress.as_of.isoformat() if progress.as_of else "",
        name=progress.name,
        failures_open=progress.failures_open,
        reacceptance_ordered=progress.reacceptance_ordered,
    )


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def unit_row_to_pb(row: UnitRow) -> pb.UnitProgressRow:
    return pb.UnitProgressRow(
        unit_id=row.unit_id,
        name=row.name,
        kind=enum_to_pb(refs_pb2.UnitKind, row.kind),  # type: ignore[arg-type]
        official_code=row.official_code,
        along_river=row.along_river,
        target_year=row.target_year,
        state=enum_to_pb(pb.AcceptanceState, row.state),  # type: ignore[arg-type]
        counted_since=_day(row.counted_since),
        out_of_scope=row.out_of_scope,
        demonstration_state=enum_to_pb(pb.DemonstrationState, row.demonstration_state),  # type: ignore[arg-type]
        completed_on=_day(row.completed_on),
        note=row.note,
    )


def report_to_pb(report: ProgressReport) -> pb.ProgressReport:
    return pb.ProgressReport(
        district_code=report.summary.code,
        title=report.title,
        as_of=_day(report.summary.as_of),
        summary=progress_to_pb(report.summary),
        districts=[progress_to_pb(d) for d in report.districts],
        units=[unit_row_to_pb(r) for r in report.units],
    )
