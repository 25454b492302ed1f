"""The two 2024 rubrics as data: shape, points and texts checked against 000 附件3/附件4 附表, read by hand."""

from __future__ import annotations

import copy
from dataclasses import fields
from decimal import Decimal

import pytest

from zdz_common.vocabulary import UnitKind
from zdz_scoring.domain.errors import RubricDataError, UnknownRubric
from zdz_scoring.domain.facts import AssessorEntries, Figure, SampleFigures, UnitFacts
from zdz_scoring.domain.rubric import Discretionary, Rubric, load_rubric
from zdz_scoring.domain.rubrics import get_rubric, park_2024, town_2024


def test_town_rubric_has_14_items_worth_40_40_20_in_three_sections(town_rubric: Rubric) -> None:
    # 000 附件3 附表: items 1–5 = 10+10+5+10+5 = 40, items 6–9 = 10+10+12+8 = 40, items 10–14 = 5+4+5+3+3 = 20.
    assert [item.max_points for item in town_rubric.items] == [
        Decimal(n) for n in (10, 10, 5, 10, 5, 10, 10, 12, 8, 5, 4, 5, 3, 3)
    ]
    assert [(s.name, s.max_points) for s in town_rubric.sections] == [
        ("基础工作", 40),
        ("项目建设", 40),
        ("长效监管机制", 20),
    ]
    assert [item.section for item in town_rubric.items] == ["基础工作"] * 5 + ["项目建设"] * 4 + [
        "长效监管机制"
    ] * 5
    assert not any(item.penalty for item in town_rubric.items)


def test_park_rubric_has_13_scored_items_and_penalty_item_14_capped_at_10(park_rubric: Rubric) -> None:
    # 000 附件4 附表: items 1–5 = 5×8 = 40, items 6–8 = 10+15+15 = 40, items 9–13 = 5×4 = 20; item 14 扣分项 10.
    assert [item.max_points for item in park_rubric.items] == [
        Decimal(n) for n in (8, 8, 8, 8, 8, 10, 15, 15, 4, 4, 4, 4, 4, 10)
    ]
    penalty = park_rubric.item(14)
    assert penalty is not None and penalty.penalty and penalty.section == "扣分项"
    assert [item.number for item in park_rubric.items if item.penalty] == [14]
    assert park_rubric.window_years == 1
    assert "建设申请之日前溯1年" in park_rubric.window_note


@pytest.mark.parametrize("unit_kind", [UnitKind.TOWN, UnitKind.PARK_GROUP])  # villages: none (000 二（三）)
def test_every_rule_quotes_the_words_of_its_item(unit_kind: UnitKind) -> None:
    rubric = get_rubric(unit_kind)
    for item in rubric.items:
        for rule in item.rules:
            assert rule.text in item.criteria or rule.text in item.content, (item.number, rule.text)


def test_grades_and_summary_report_thresholds_follow_the_documents(
    town_rubric: Rubric, park_rubric: Rubric
) -> None:
    # 000 附件3/附件4 三(一): 优秀 ≥ 90, 合格 ≥ 80; 001: a park group ≥ 90 may submit a summary report.
    for rubric in (town_rubric, park_rubric):
        assert (rubric.excellent_from, rubric.pass_from) == (Decimal(90), Decimal(80))
    assert town_rubric.summary_report_from is None
    assert park_rubric.summary_report_from == Decimal(90)


def test_town_items_11_and_12_record_their_shifted_printed_content(town_rubric: Rubric) -> None:
    # The printed row 11 carries the permits text that row 12's 评分细则 scores (DESIGN ruling).
    item_11, item_12 = town_rubric.item(11), town_rubric.item(12)
    assert item_11 is not None and item_12 is not None
    assert item_11.printed_content is not None and item_11.printed_content.startswith("严格执行许可管理")
    assert item_12.content.startswith("严格执行许可管理")
    assert "排水许可" in item_12.criteria
    assert "shifted" in item_11.note and "shifted" in item_12.note


def test_town_items_10_to_14_are_discretionary_except_the_permit_item_12(town_rubric: Rubric) -> None:
    discretionary = [item.number for item in town_rubric.items[9:] if item.accepts_discretionary]
    assert discretionary == [10, 11, 13, 14]


def test_park_item_12_shares_the_merged_content_of_item_11(park_rubric: Rubric) -> None:
    item_11, item_12 = park_rubric.item(11), park_rubric.item(12)
    assert item_11 is not None and item_12 is not None
    assert item_12.content == item_11.content and item_12.printed_content == ""


def test_each_rubric_reads_only_its_own_figures(town_rubric: Rubric, park_rubric: Rubric) -> None:
    assert Figure.PERMIT_ISSUANCE_RATE in park_rubric.figures
    assert Figure.PERMIT_ISSUANCE_RATE not in town_rubric.figures
    assert Figure.PIPE_SURVEY_RATE in town_rubric.figures
    assert Figure.PIPE_SURVEY_RATE not in park_rubric.figures
    assert Figure.UNMATCHED_LIST_ENTRIES in park_rubric.figures
    assert town_rubric.items_reading(Figure.PIPE_RECTIFICATION_RATE) == (8,)


def test_every_figure_names_a_field_of_the_facts_or_of_the_entries_and_the_sample() -> None:
    fact_fields = {f.name for f in fields(UnitFacts)}
    entry_fields = {f.name for f in fields(AssessorEntries)}
    sample_fields = {f.name for f in fields(SampleFigures)}
    for figure in Figure:
        if figure.from_sample:
            assert figure.value in entry_fields & sample_fields
        else:
            assert figure.value in fact_fields


def test_discretionary_rules_exist_exactly_where_the_criteria_allow_discretion(
    town_rubric: Rubric, park_rubric: Rubric
) -> None:
    for rubric in (town_rubric, park_rubric):
        for item in rubric.items:
            says_so = "酌情扣分" in item.criteria
            assert says_so == any(isinstance(rule, Discretionary) for rule in item.rules), item.number


def test_loader_rejects_a_section_whose_items_do_not_add_up() -> None:
    # Item 1 raised from 10 to 11: 基础工作 would add up to 41, not 40.
    data = copy.deepcopy(town_2024.DATA)
    data["items"][0]["max_points"] = "11"
    with pytest.raises(RubricDataError, match="基础工作"):
        load_rubric(data)


def test_loader_reads_a_new_version_from_data_alone() -> None:
    # A later version is data: the same literal under another version number loads without code changes.
    data = copy.deepcopy(park_2024.DATA)
    data["version"] = "2026"
    rubric = load_rubric(data)
    assert (rubric.unit_kind, rubric.version, len(rubric.items)) == (UnitKind.PARK_GROUP, "2026", 14)


def test_an_unknown_rubric_version_is_not_found() -> None:
    with pytest.raises(UnknownRubric):
        get_rubric(UnitKind.TOWN, "2019")
