"""The unit a process is about, as the registry describes it."""

from __future__ import annotations

from dataclasses import dataclass

from zdz_common.vocabulary import UnitKind


@dataclass(frozen=True)
class UnitInfo:
    """The unit as the registry describes it; the workflow shows it to operators and puts it on every event."""

    unit_id: str
    district_code: str
    kind: UnitKind
    name: str
    along_river: bool = False  # 000 附件2
    target_year: int = 0  # 2025 or 2027
