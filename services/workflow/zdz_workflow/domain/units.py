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
    # 统计用区划代码 (9 digits for a town/street, 12 for a village); "" for park groups
    official_code: str = ""

    @property
    def id_key(self) -> str:
        """What a new process's workflow id carries to be found by: the official code, else (park groups have
        none) the official name, as stable as the unit id the registry derives from it."""
        return self.official_code or self.name.replace("/", "／").strip()
