"""Checks of free text at the edges of every service's domain: each names the field and says what is allowed."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from zdz_common.errors import InvalidArgument

MAX_REASON_LENGTH = 500
LINE_BREAKS = frozenset("\n\r\t")  # allowed in prose: a reason is often pasted from a document
MAX_EVIDENCE_REFS = 20
MAX_EVIDENCE_REF_LENGTH = 500
# An objection to a 公示 (RaiseObjection): who raised it, as the workflow records it and the 公示栏's form takes it.
MAX_OBJECTOR_NAME = 50
MAX_OBJECTOR_CONTACT = 100


def require_text(
    value: str, field: str, *, max_length: int, required: bool = True, prose: bool = False
) -> str:
    """`value` stripped; refused when empty (if required), longer than `max_length`, or holding control characters
    (other than line breaks and tabs in `prose`)."""
    text = value.strip()
    if required and not text:
        raise InvalidArgument("必填 (required)", field=field)
    if len(text) > max_length:
        raise InvalidArgument(f"不能超过 {max_length} 个字符 (at most {max_length} characters)", field=field)
    allowed = LINE_BREAKS if prose else frozenset()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise InvalidArgument("不能包含控制字符 (control characters are not allowed)", field=field)
    return text


def command_reason(value: str, field: str = "reason") -> str:
    """A command's reason, as every service checks it: the producer on each command (services/workflow) and each
    consumer on what it receives (the registry's follower of stage events), so text one accepts the other never
    refuses. Optional; stripped; at most MAX_REASON_LENGTH characters; no control characters but line breaks and
    tabs."""
    return require_text(value, field, max_length=MAX_REASON_LENGTH, required=False, prose=True)


def command_evidence(
    refs: Sequence[str], field: str = "evidence", *, required: bool = False
) -> tuple[str, ...]:
    """A command's evidence references (document numbers, sheet ids, photo URIs; the files live elsewhere): at most
    MAX_EVIDENCE_REFS, each a non-empty text of at most MAX_EVIDENCE_REF_LENGTH characters."""
    if required and not refs:
        raise InvalidArgument("须附至少一项佐证材料 (at least one evidence reference)", field=field)
    if len(refs) > MAX_EVIDENCE_REFS:
        raise InvalidArgument(
            f"佐证材料最多 {MAX_EVIDENCE_REFS} 项 (at most {MAX_EVIDENCE_REFS})", field=field
        )
    return tuple(
        require_text(ref, f"{field}[{i}]", max_length=MAX_EVIDENCE_REF_LENGTH) for i, ref in enumerate(refs)
    )
