"""Printing and filing: a signed sheet as the rubric's own table (HTML, .xlsx) and the 自评估报告 draft."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tests.unit.scoring.records_factories import PARK, content, header, summary
from zdz_scoring.adapters.documents import (
    SheetDocument,
    self_assessment_markdown,
    sheet_html,
    sheet_xlsx,
    table_rows,
)
from zdz_scoring.domain.facts import (
    AssessorEntries,
    DatedEvent,
    DiscretionaryDeduction,
    EventKind,
    Finding,
    FindingKind,
    UnitFacts,
)
from zdz_scoring.domain.rubric import Rubric
from zdz_scoring.domain.sheet import SheetKind

SIGNED = "2025-05-02T01:00:00.000000Z"


@pytest.fixture
def town_sheet(town_facts: UnitFacts, town_entries: AssessorEntries) -> SheetDocument:
    # Item 1: 87.5 % surveyed (−1.25) and 2 information defects (−1.00); item 4: −1.5 at the assessor's discretion.
    # 100 − 1.25 − 1.00 − 1.50 = 96.25
    entries = replace(
        town_entries,
        findings=(Finding(1, FindingKind.INFO_DEFECT, 2, "A、B小区"),),
        discretionary=(DiscretionaryDeduction(4, Decimal("1.5"), "进度安排<不够>具体"),),
    )
    facts = replace(town_facts, household_survey_rate=Decimal("87.5"))
    return SheetDocument("s1", content(header(), facts, entries), SIGNED, "office/TOWN_OFFICE/zhang-san", "")


def test_the_html_sheet_is_the_rubrics_table_with_every_text_verbatim(
    town_rubric: Rubric, town_sheet: SheetDocument
) -> None:
    html = sheet_html(town_rubric, town_sheet)
    for column in ("序号", "建设项目", "考核内容及标准", "分值", "评分细则", "验收方法", "得分", "扣分情况"):
        assert f">{column}</th>" in html
    for item in town_rubric.items:
        assert item.criteria.split("\n")[-1] in html  # the 评分细则 of all 14 items
    assert "万州区" in html and "高笋塘街道" in html


def test_the_html_sheet_fills_in_points_and_every_deduction_with_its_reason(
    town_rubric: Rubric, town_sheet: SheetDocument
) -> None:
    html = sheet_html(town_rubric, town_sheet)
    assert ">7.75</td>" in html  # item 1: 10 − 1.25 − 1.00
    assert "扣1.25分" in html and "扣1.00分" in html and "A、B小区" in html
    assert "96.25" in html and "优秀" in html
    assert "进度安排&lt;不够&gt;具体" in html  # an assessor's words are escaped, never markup


def test_the_html_sheet_merges_cells_like_the_printed_rubric(
    town_rubric: Rubric, town_sheet: SheetDocument
) -> None:
    rows = table_rows(town_rubric, town_sheet.content)
    # 基础工作 spans items 1–5, 项目建设 6–9, 长效监管机制 10–14.
    assert [row.section_rowspan for row in rows] == [5, 0, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 0]
    # Items 10–11 share the pipe-maintenance 考核内容, 13–14 the facility-management one (DESIGN ruling).
    assert [row.content_rowspan for row in rows][9:] == [2, 0, 1, 2, 0]
    assert 'rowspan="5">基础工作（40分）' in sheet_html(town_rubric, town_sheet)


def test_the_workbook_reads_back_with_the_right_totals_and_every_deduction(
    town_rubric: Rubric, town_sheet: SheetDocument
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(sheet_xlsx(town_rubric, town_sheet)))
    table = book["评分表"]
    totals = {
        row[0].value: row[6].value for row in table.iter_rows() if row[0].value and row[6].value is not None
    }
    assert Decimal(str(totals["总分"])) == Decimal("96.25")
    assert totals["等级"] == "优秀" and totals["可否提交验收申请"] == "可以"
    assert Decimal(str(totals["基础工作（40分）"])) == Decimal("36.25")  # 7.75 + 10 + 5 + 8.5 + 5
    items = {row[0].value: row[6].value for row in table.iter_rows() if row[0].value in {"1", "4"}}
    assert (items["1"], items["4"]) == (7.75, 8.5)
    details = list(book["扣分明细"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[5]) for row in details] == [(1, 1.25), (1, 1.0), (4, 1.5)]


def _park_workbook_totals(
    park_rubric: Rubric, park_facts: UnitFacts, park_entries: AssessorEntries, kind: SheetKind
) -> dict[str, object]:
    # A warning-film event in the window: 100 − 10 = 90.00 exactly → 优秀.
    film = DatedEvent(14, EventKind.WARNING_FILM, date(2025, 1, 5), "长江警示片")
    entries = replace(park_entries, events=(*park_entries.events, film))
    sheet = content(header(unit=PARK, kind=kind), park_facts, entries)
    book = openpyxl.load_workbook(
        io.BytesIO(sheet_xlsx(park_rubric, SheetDocument("p1", sheet, SIGNED, "x", "")))
    )
    return {row[0].value: row[6].value for row in book["评分表"].iter_rows() if row[0].value}


def test_a_park_district_acceptance_workbook_shows_the_penalty_and_the_summary_report(
    park_rubric: Rubric, park_facts: UnitFacts, park_entries: AssessorEntries
) -> None:
    totals = _park_workbook_totals(park_rubric, park_facts, park_entries, SheetKind.DISTRICT_ACCEPTANCE)
    assert (totals["扣分项*"], totals["总分"], totals["可否提交建设总结报告"]) == (-10, 90, "可以")


def test_a_park_self_check_of_90_does_not_decide_the_summary_report(
    park_rubric: Rubric, park_facts: UnitFacts, park_entries: AssessorEntries
) -> None:
    # 001 四 / DESIGN: the district-acceptance sheet's total decides, never the self-check's.
    totals = _park_workbook_totals(park_rubric, park_facts, park_entries, SheetKind.SELF_CHECK)
    assert totals["总分"] == 90 and "可否提交建设总结报告" not in totals


def test_the_self_assessment_report_draft_tells_the_ledger_and_the_score(
    town_rubric: Rubric, town_sheet: SheetDocument
) -> None:
    report = self_assessment_markdown(town_rubric, town_sheet, summary(), town_sheet.content.facts_read_at)
    assert report.startswith("# 高笋塘街道“污水零直排区”建设自评估报告（草稿）")
    assert "| 源头排水户 | 10 户 | 9 户 | 90.00% |" in report
    assert "| 1 | 基础工作 | 10.00 | 7.75 |" in report
    assert "自查得分 **96.25** 分，等级 **优秀**" in report
    assert "符合向区县工作专班提交验收申请的条件" in report
    assert "【待补充" in report  # what the town must still write itself
    assert not re.search(r"\n{3,}", report)  # no runs of blank lines


def test_a_report_below_80_says_the_unit_may_not_apply(town_rubric: Rubric, town_facts: UnitFacts) -> None:
    # Every pass rate at 0: items 6 and 7 lose 10 each (lowest of three rates). Pipe and facility rectification
    # at 0 %: 100 points short × 0.1 = 10 off item 8 (keeps 2 of 12) and off item 9 (8, 扣完为止 at 0).
    # 100 − 10 − 10 − 10 − 8 = 62 → 不合格
    zero = Decimal(0)
    facts = replace(
        town_facts,
        pipe_rectification_rate=zero,
        facility_rectification_rate=zero,
        residential_self_check_pass_rate=zero,
        non_residential_self_check_pass_rate=zero,
    )
    entries = AssessorEntries(residential_sample_pass_rate=zero, non_residential_sample_pass_rate=zero)
    sheet = SheetDocument("s2", content(header(kind=SheetKind.SELF_CHECK), facts, entries), SIGNED, "x", "")
    report = self_assessment_markdown(town_rubric, sheet, summary(), sheet.content.facts_read_at)
    assert "62.00 分，未达到合格等级（80分），暂不具备提交验收申请的条件" in report


def test_a_park_self_assessment_report_leaves_the_summary_report_to_the_district_acceptance(
    park_rubric: Rubric, park_facts: UnitFacts, park_entries: AssessorEntries
) -> None:
    # A perfect self-check (100) does not let the park submit its 建设总结报告: 001 四 / DESIGN.
    sheet = SheetDocument("p2", content(header(unit=PARK), park_facts, park_entries), SIGNED, "x", "")
    report = self_assessment_markdown(park_rubric, sheet, summary(), sheet.content.facts_read_at)
    assert "以区县验收评分表得分（90分及以上）为准，自查得分不作依据（001 四）" in report
    assert "可提交建设总结报告" not in report
