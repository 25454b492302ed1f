"""A score sheet's life: a draft is saved and revised, then signed; a signed sheet never changes, and a correction
is a new sheet of the same unit and kind naming it (issue 4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.unit.scoring.records_factories import OTHER_TOWN, content, header
from zdz_common.errors import FailedPrecondition, PermissionDenied
from zdz_scoring.domain.errors import InvalidInput
from zdz_scoring.domain.facts import AssessorEntries, DiscretionaryDeduction, UnitFacts
from zdz_scoring.domain.records import (
    NOT_THE_OWNER_RULE,
    NotTheOwner,
    ScoreSheet,
    SheetDraftSaved,
    SheetIsSigned,
    SheetSigned,
    SheetState,
    Signer,
    check_correction,
)
from zdz_scoring.domain.sheet import SheetKind

SIGNED_AT = datetime(2025, 5, 2, 1, 0, tzinfo=UTC)
TOWN_CLERK = Signer("unit:town-1", "UNIT", "张三")


@pytest.fixture
def draft(town_facts: UnitFacts, town_entries: AssessorEntries):  # type: ignore[no-untyped-def]
    return content(header(), town_facts, town_entries)


def _signed(sheet_id: str, sheet_content) -> ScoreSheet:  # type: ignore[no-untyped-def]
    sheet = ScoreSheet(sheet_id)
    sheet.save_draft(sheet_content, TOWN_CLERK)
    sheet.sign(SIGNED_AT, TOWN_CLERK)
    return sheet


def test_saving_a_new_sheet_records_a_draft(draft) -> None:  # type: ignore[no-untyped-def]
    sheet = ScoreSheet("s1")
    sheet.save_draft(draft, TOWN_CLERK)
    assert sheet.state is SheetState.DRAFT and sheet.version == 1
    assert sheet.pending == [SheetDraftSaved("s1", draft, TOWN_CLERK)]


def test_a_draft_can_be_revised_any_number_of_times(draft, town_facts, town_entries) -> None:  # type: ignore[no-untyped-def]
    # The assessor saves, then takes 1.5 off item 4 with a reason: the revision replaces the draft's content.
    sheet = ScoreSheet("s1")
    sheet.save_draft(draft, TOWN_CLERK)
    entries = replace(
        town_entries, discretionary=(DiscretionaryDeduction(4, Decimal("1.5"), "进度安排不够具体"),)
    )
    revised = content(header(), town_facts, entries)
    sheet.save_draft(revised, TOWN_CLERK)
    assert sheet.version == 2 and sheet.state is SheetState.DRAFT
    assert sheet.content is not None and sheet.content.result.total == Decimal("98.50")


def test_signing_seals_the_draft_exactly_as_saved(draft) -> None:  # type: ignore[no-untyped-def]
    sheet = _signed("s1", draft)
    assert sheet.state is SheetState.SIGNED
    assert sheet.pending[-1] == SheetSigned("s1", draft, SIGNED_AT, TOWN_CLERK)


def test_a_signed_sheet_cannot_be_revised(draft) -> None:  # type: ignore[no-untyped-def]
    sheet = _signed("s1", draft)
    with pytest.raises(SheetIsSigned) as error:
        sheet.save_draft(draft, TOWN_CLERK)
    assert isinstance(error.value, FailedPrecondition) and "replaces_sheet_id" in error.value.message


def test_a_signed_sheet_cannot_be_signed_again(draft) -> None:  # type: ignore[no-untyped-def]
    sheet = _signed("s1", draft)
    with pytest.raises(SheetIsSigned):
        sheet.sign(SIGNED_AT, TOWN_CLERK)


def test_a_draft_keeps_its_unit(draft, town_facts, town_entries) -> None:  # type: ignore[no-untyped-def]
    sheet = ScoreSheet("s1")
    sheet.save_draft(draft, TOWN_CLERK)
    with pytest.raises(InvalidInput) as error:
        sheet.save_draft(content(header(unit=OTHER_TOWN), town_facts, town_entries), TOWN_CLERK)
    assert error.value.field == "input.unit_id"


def test_a_sheet_without_an_assessor_is_invalid() -> None:
    with pytest.raises(InvalidInput) as error:
        header(assessor="  ")
    assert error.value.field == "input.assessor"


def test_a_correction_replaces_a_signed_sheet_of_the_same_unit_and_kind(draft) -> None:  # type: ignore[no-untyped-def]
    original = _signed("s1", draft)
    check_correction(original, header(replaces_sheet_id="s1"), superseded_by="")  # no error


def test_a_draft_is_not_corrected_by_another_sheet(draft) -> None:  # type: ignore[no-untyped-def]
    original = ScoreSheet("s1")
    original.save_draft(draft, TOWN_CLERK)
    with pytest.raises(FailedPrecondition, match="尚未签署"):
        check_correction(original, header(replaces_sheet_id="s1"), superseded_by="")


@pytest.mark.parametrize(
    "correction",
    [
        header(unit=OTHER_TOWN, replaces_sheet_id="s1"),
        header(kind=SheetKind.DISTRICT_ACCEPTANCE, replaces_sheet_id="s1"),
    ],
    ids=["other unit", "other kind"],
)
def test_a_correction_keeps_the_unit_and_the_kind_of_sheet(draft, correction) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FailedPrecondition, match="同一单元、同一类型"):
        check_correction(_signed("s1", draft), correction, superseded_by="")


def test_a_sheet_already_corrected_is_not_corrected_twice(draft) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FailedPrecondition, match="已由 s2 更正"):
        check_correction(_signed("s1", draft), header(replaces_sheet_id="s1"), superseded_by="s2")


# --- a sheet keeps its kind, its unit and its owner for life (issue 16) ------------------------------------------

DISTRICT_CLERK = Signer("district:wanzhou", "DISTRICT_TASK_FORCE", "李四")


def test_a_district_draft_cannot_be_resaved_or_signed_by_the_unit(town_facts, town_entries) -> None:  # type: ignore[no-untyped-def]
    acceptance = content(header(kind=SheetKind.DISTRICT_ACCEPTANCE), town_facts, town_entries)
    sheet = ScoreSheet("d1")
    sheet.save_draft(acceptance, DISTRICT_CLERK)
    # The unit re-saves it as its own self-check: refused, naming the rule; nothing recorded.
    with pytest.raises(NotTheOwner) as resaved:
        sheet.save_draft(content(header(), town_facts, town_entries), TOWN_CLERK)
    assert isinstance(resaved.value, PermissionDenied) and NOT_THE_OWNER_RULE in resaved.value.message
    with pytest.raises(NotTheOwner):
        sheet.sign(SIGNED_AT, TOWN_CLERK)
    assert sheet.pending == [SheetDraftSaved("d1", acceptance, DISTRICT_CLERK)]
    # Another clerk of the same task force revises it (the organisation and role own it, not the person).
    sheet.save_draft(acceptance, replace(DISTRICT_CLERK, person="王五"))
    assert sheet.owner == DISTRICT_CLERK and sheet.version == 2


def test_a_sheet_keeps_its_kind(draft, town_facts, town_entries) -> None:  # type: ignore[no-untyped-def]
    sheet = ScoreSheet("s1")
    sheet.save_draft(draft, TOWN_CLERK)
    with pytest.raises(FailedPrecondition) as error:
        sheet.save_draft(
            content(header(kind=SheetKind.DISTRICT_ACCEPTANCE), town_facts, town_entries), TOWN_CLERK
        )
    assert error.value.field == "input.sheet_kind" and sheet.version == 1
