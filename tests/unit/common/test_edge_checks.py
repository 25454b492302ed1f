"""The shared checks at every service's edge (zdz_common.validation, issue 16): which characters no text may hold,
ids that are codes, bounded lists and numbers, decimal text in ASCII digits, enum values from the descriptor; and
the registry's follower of stage events applies every reason the workflow accepts, old ones included."""

from __future__ import annotations

from decimal import Decimal

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import BIDI, CONTROL, FOREIGN_DIGITS, HOSTILE_IDS, NONCHARACTERS
from zdz.registry.v1 import ledger_pb2
from zdz_common.errors import InvalidArgument
from zdz_common.validation import (
    MAX_REASON_LENGTH,
    bounded_items,
    bounded_number,
    code_id,
    command_reason,
    decimal_text,
    instant,
    known_enums,
    label_code,
    require_text,
    target_id,
)
from zdz_registry.directory.domain.validation import require_code
from zdz_registry.ledger.entrypoints.workflow_events import followed_reason


@pytest.mark.parametrize("ch", CONTROL + NONCHARACTERS + BIDI, ids=lambda ch: f"U+{ord(ch):04X}")
def test_text_with_a_control_non_character_or_bidi_control_is_refused_naming_the_field(ch: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        require_text(f"正常{ch}文本", "note", max_length=100)
    assert refused.value.field == "note" and f"U+{ord(ch):04X}" in refused.value.message


def test_prose_keeps_its_line_breaks_and_tabs_and_nothing_else() -> None:
    assert command_reason("第一行\n第二行\t附注\r\n") == "第一行\n第二行\t附注"
    with pytest.raises(InvalidArgument):
        command_reason("第一行\x0b第二行")


def test_text_past_its_bound_is_refused_naming_the_limit_in_chinese_first() -> None:
    with pytest.raises(InvalidArgument) as refused:
        require_text("界" * 121, "unit.name", max_length=120)
    assert refused.value.field == "unit.name" and refused.value.message.startswith("不能超过 120 个字符")


@pytest.mark.parametrize("value", [*HOSTILE_IDS, "", "-leading", "x" * 65], ids=lambda v: repr(v[:20]))
def test_an_id_that_is_a_code_refuses_slash_space_quote_control_foreign_digits_and_length(value: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        code_id(value, "unit_id")
    assert refused.value.field == "unit_id"
    assert target_id(value) == ""  # names nothing for the permission check


@pytest.mark.parametrize(
    "value", ["own-unit", "613a265b-9d02-51bb-9dd7-6e30374da9c4", "wanzhou", "s1", "a.b:c_d"]
)
def test_real_ids_are_codes(value: str) -> None:
    assert code_id(value, "id") == value == target_id(value)


def test_a_campaign_or_ledger_code_may_be_written_in_chinese_but_not_with_a_slash_or_foreign_digits() -> None:
    assert label_code("2026-重新验收", "campaign") == "2026-重新验收"
    for value in ("2026/重新验收", "2026 重新验收", "٢٠٢٦", "界" * 65, "-2026"):
        with pytest.raises(InvalidArgument):
            label_code(value, "campaign")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e308, -1.0, 1_000_001])
def test_a_number_outside_its_bounds_or_not_finite_is_refused(value: float) -> None:
    with pytest.raises(InvalidArgument) as refused:
        bounded_number(value, "pipe_segment.length_m", maximum=1_000_000)
    assert "1000000" in refused.value.message


@pytest.mark.parametrize("text", [*FOREIGN_DIGITS, "1e308", "NaN", "Infinity", "0x10", "1_000", "9" * 40])
def test_decimal_text_is_ascii_digits_only(text: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        decimal_text(text, "entries.residential_sample_pass_rate")
    assert refused.value.field == "entries.residential_sample_pass_rate"


def test_python_reads_foreign_digits_which_is_why_the_check_matches_ascii_first() -> None:
    assert int("٥٠") == 50 and Decimal("٥٠") == 50 and Decimal("1e308").is_finite()


def test_decimal_text_within_bounds() -> None:
    assert decimal_text(" 87.5 ", "rate", minimum=Decimal(0), maximum=Decimal(100)) == Decimal("87.5")
    assert decimal_text("", "rate") is None
    with pytest.raises(InvalidArgument):
        decimal_text("100.01", "rate", maximum=Decimal(100))


def test_an_unknown_enum_number_in_a_list_filter_is_refused_naming_its_place() -> None:
    assert known_enums(ledger_pb2.AcceptanceState, [0, 1], "acceptance_states") == (0, 1)
    with pytest.raises(InvalidArgument) as refused:
        known_enums(ledger_pb2.AcceptanceState, [1, 99], "acceptance_states")
    assert refused.value.field == "acceptance_states[1]"


def test_a_repeated_field_past_its_bound_is_refused_naming_the_limit() -> None:
    with pytest.raises(InvalidArgument) as refused:
        bounded_items(["x"] * 21, "evidence", max_items=20)
    assert (refused.value.field, "20" in refused.value.message) == ("evidence", True)


@given(st.text(max_size=600))
def test_the_follower_applies_every_reason_the_workflow_accepts_unchanged(text: str) -> None:
    try:
        accepted = command_reason(text)
    except InvalidArgument:
        return
    assert followed_reason(text) == accepted


@given(
    st.text(alphabet=st.sampled_from(["原", "因", " ", "\n", *BIDI, *NONCHARACTERS, *CONTROL]), max_size=900)
)
def test_the_follower_applies_a_reason_recorded_under_older_rules(text: str) -> None:
    """An event recorded before the workflow refused these characters: the follower never refuses its reason."""
    assert command_reason(followed_reason(text)) == followed_reason(text)
    assert len(followed_reason(text)) <= MAX_REASON_LENGTH


def test_a_timestamp_outside_the_calendar_is_invalid_argument_not_a_value_error() -> None:
    with pytest.raises(InvalidArgument) as refused:
        instant(Timestamp(seconds=2**53 + 1), "at")
    assert refused.value.field == "at"
    assert instant(Timestamp(seconds=0), "at").year == 1970


def test_a_district_code_with_a_trailing_line_break_is_refused() -> None:
    """The pattern was anchored with "$", which lets one trailing "\\n" through."""
    with pytest.raises(InvalidArgument):
        require_code("wanzhou\n", "district.code")
    assert require_code("wanzhou", "district.code") == "wanzhou"
