"""The protobuf edge: a request's entries parsed with errors that name the field and the item; sheets, rubrics
and sampling populations survive the round trip through their stored form unchanged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.unit.scoring.records_factories import PARK, content, header
from zdz.events.v1 import refs_pb2
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_common.errors import InvalidArgument
from zdz_common.vocabulary import UnitKind, UnknownUnitKind
from zdz_scoring.adapters.wire import (
    content_from_pb,
    content_to_pb,
    entries_from_pb,
    population_from_pb,
    population_to_pb,
    rubric_to_pb,
    unit_from_pb,
    unit_to_pb,
)
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import AssessorEntries, DatedEvent, EventKind, Finding, FindingKind, UnitFacts
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.sampling import (
    Community,
    Facility,
    InspectionPoint,
    Network,
    PipeSegment,
    TownPopulation,
)
from zdz_scoring.domain.sheet import SheetKind


def _error(entries: pb.AssessorEntries) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        entries_from_pb(entries)
    return error.value


def test_rates_and_dates_parse_from_text() -> None:
    entries = entries_from_pb(
        pb.AssessorEntries(application_date="2025-06-30", residential_sample_pass_rate="87.5")
    )
    assert entries.application_date == date(2025, 6, 30)
    assert entries.residential_sample_pass_rate == Decimal("87.5")
    assert entries.non_residential_sample_pass_rate is None  # empty text: not given


@pytest.mark.parametrize(
    ("entries", "field", "item"),
    [
        (pb.AssessorEntries(residential_sample_pass_rate="120"), "entries.residential_sample_pass_rate", None),
        (pb.AssessorEntries(residential_sample_pass_rate="九成"), "entries.residential_sample_pass_rate", None),
        (pb.AssessorEntries(application_date="30/06/2025"), "entries.application_date", None),
        (pb.AssessorEntries(findings=[pb.Finding(item=1, kind=pb.FINDING_KIND_INFO_DEFECT, count=-2)]), "finding.count", 1),
        (pb.AssessorEntries(findings=[pb.Finding(item=2, kind=pb.FINDING_KIND_INFO_DEFECT)]), "entries.findings[0].count", 2),
        (pb.AssessorEntries(findings=[pb.Finding(item=2, count=1)]), "entries.findings[0].kind", 2),
        (pb.AssessorEntries(discretionary=[pb.DiscretionaryDeduction(item=4, reason="x")]), "entries.discretionary[0].points", 4),
        (pb.AssessorEntries(discretionary=[pb.DiscretionaryDeduction(item=4, points="-1", reason="x")]), "discretionary.points", 4),
        (pb.AssessorEntries(discretionary=[pb.DiscretionaryDeduction(item=4, points="1")]), "discretionary.reason", 4),
        (pb.AssessorEntries(events=[pb.DatedEvent(item=14, kind=pb.EVENT_KIND_MEDIA_EXPOSURE)]), "entries.events[0].occurred_on", 14),
    ],
    ids=[
        "rate above 100",
        "rate not a number",
        "date not YYYY-MM-DD",
        "negative count",
        "count zero",
        "finding without a kind",
        "discretionary without points",
        "discretionary below zero",
        "discretionary without a reason",
        "event without a date",
    ],
)  # fmt: skip
def test_bad_entries_are_invalid_naming_the_field_and_the_item(
    entries: pb.AssessorEntries, field: str, item: int | None
) -> None:
    error = _error(entries)
    assert (error.field, error.item) == (field, item)
    if item is not None:
        assert f"第{item}项" in str(error)


def test_a_town_sheet_survives_its_stored_form(town_facts: UnitFacts, town_entries: AssessorEntries) -> None:
    entries = AssessorEntries(
        **{
            **town_entries.__dict__,
            "residential_sample_pass_rate": Decimal("87.5"),
            "findings": (Finding(1, FindingKind.INFO_DEFECT, 2, "A、B小区"),),
        }
    )
    sheet = content(header(kind=SheetKind.DISTRICT_ACCEPTANCE, replaces_sheet_id="s0"), town_facts, entries)
    assert content_from_pb(pb.ScoreSheet.FromString(content_to_pb(sheet).SerializeToString())) == sheet


def test_a_park_sheet_with_its_window_survives_its_stored_form(
    park_facts: UnitFacts, park_entries: AssessorEntries
) -> None:
    entries = AssessorEntries(
        **{
            **park_entries.__dict__,
            "events": (*park_entries.events, DatedEvent(14, EventKind.WARNING_FILM, date(2025, 1, 5))),
        }
    )
    sheet = content(header(unit=PARK), park_facts, entries)
    again = content_from_pb(content_to_pb(sheet))
    assert again == sheet and again.result.window == sheet.result.window


def test_a_rubric_travels_with_every_item_and_its_text_verbatim(town_rubric: Rubric) -> None:
    message = rubric_to_pb(town_rubric)
    assert [i.number for i in message.items] == list(range(1, 15))
    assert message.items[0].criteria == town_rubric.items[0].criteria
    rate_rule = message.items[0].rules[0]
    assert (rate_rule.kind, rate_rule.points, rate_rule.per, list(rate_rule.figures)) == (
        pb.RULE_KIND_RATE_SHORTFALL,
        "1",
        "10",
        ["household_survey_rate"],
    )


def test_the_park_penalty_item_travels_with_its_points_per_event(park_rubric: Rubric) -> None:
    penalty = rubric_to_pb(park_rubric).items[13]
    assert penalty.penalty and penalty.max_points == "10.00"
    assert dict(penalty.rules[1].points_by_event) == {
        "SUPERVISION_INTERVIEW": "5",
        "MEDIA_EXPOSURE": "5",
        "REPEATED_COMPLAINTS": "5",
        "SERIOUS_POLLUTION": "5",
    }


def test_a_population_survives_its_stored_form_to_the_digit() -> None:
    # A re-draw must see exactly what was drawn from: "400.0" stays "400.0", not "400".
    population = TownPopulation(
        communities=(Community("H-01", 52000, 1995, 3),),
        inspection_points=(InspectionPoint("J-01", Network.RAIN),),
        pipe_segments=(PipeSegment("P-01", Network.SEWAGE, Decimal("400.0")),),
        facilities=(Facility("F-01", True, ("O-01",)),),
    )
    again = population_from_pb(population_to_pb(population), UnitKind.TOWN)
    assert again == population and str(again.pipe_segments[0].length_m) == "400.0"


def test_a_unit_travels_with_its_kind_as_the_one_unit_kind_enum(town_rubric: Rubric) -> None:
    message = unit_to_pb(PARK)
    assert message.kind == refs_pb2.UNIT_KIND_PARK_GROUP
    assert unit_from_pb(message, "unit") == PARK
    assert rubric_to_pb(town_rubric).unit_kind == refs_pb2.UNIT_KIND_TOWN


@pytest.mark.parametrize("kind", [refs_pb2.UNIT_KIND_UNSPECIFIED, 9])
def test_a_unit_without_a_known_kind_is_refused_naming_the_field(kind: int) -> None:
    message = refs_pb2.UnitRef(id="u1", district_code="wanzhou", kind=kind)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument) as error:
        unit_from_pb(message, "candidates[0]")
    assert error.value.field == "candidates[0].kind"


def test_a_population_of_a_kind_with_no_sampling_rule_is_refused() -> None:
    with pytest.raises(UnknownUnitKind, match="抽样"):
        population_from_pb(pb.SamplingPopulation(), "VILLAGE")  # type: ignore[arg-type]
