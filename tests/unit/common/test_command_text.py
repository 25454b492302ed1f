"""The one check of a command's reason and evidence (zdz_common.validation), applied by the workflow to every
command and by the registry's follower to what it receives."""

from __future__ import annotations

import pytest

from zdz_common.errors import InvalidArgument
from zdz_common.validation import (
    MAX_EVIDENCE_REFS,
    MAX_REASON_LENGTH,
    command_evidence,
    command_reason,
)


def _refused_field(check, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as caught:
        check(*args)
    return caught.value.field  # type: ignore[return-value]


def test_a_reason_is_optional_trimmed_and_kept_up_to_the_limit() -> None:
    assert command_reason("") == ""
    assert command_reason("  公示无异议  ") == "公示无异议"
    at_limit = "整" * MAX_REASON_LENGTH
    assert command_reason(f" {at_limit} ") == at_limit


def test_a_reason_keeps_its_line_breaks_and_tabs() -> None:
    assert command_reason("一、管网错接\r\n二、\t化粪池") == "一、管网错接\r\n二、\t化粪池"


def test_a_reason_over_the_limit_or_with_other_control_characters_is_refused_naming_the_field() -> None:
    assert _refused_field(command_reason, "整" * (MAX_REASON_LENGTH + 1)) == "reason"
    assert _refused_field(command_reason, "响铃\x07", "acceptance.reason") == "acceptance.reason"
    assert _refused_field(command_reason, "空字符\x00") == "reason"


def test_evidence_is_at_most_the_limit_of_non_empty_references() -> None:
    assert command_evidence(("sheet:abc", " 渝环〔2025〕12号 ")) == ("sheet:abc", "渝环〔2025〕12号")
    assert _refused_field(command_evidence, ("",)) == "evidence[0]"
    assert (
        _refused_field(command_evidence, tuple(f"ref-{n}" for n in range(MAX_EVIDENCE_REFS + 1)))
        == "evidence"
    )
    with pytest.raises(InvalidArgument):
        command_evidence((), "step.evidence", required=True)
