"""The rubric catalogue: every version's data module, loaded once, looked up by unit kind and version.

A new version is a new data module listed in `_DATA`; the engine does not change.
"""

from __future__ import annotations

from functools import cache

from zdz_common.vocabulary import NoAcceptanceForVillages, UnitKind
from zdz_scoring.domain.errors import UnknownRubric
from zdz_scoring.domain.rubric import Rubric, load_rubric
from zdz_scoring.domain.rubrics import park_2024, town_2024

_DATA = (town_2024.DATA, park_2024.DATA)
CURRENT_VERSION = "2024"


@cache
def all_rubrics() -> tuple[Rubric, ...]:
    return tuple(load_rubric(data) for data in _DATA)


def get_rubric(unit_kind: UnitKind, version: str = CURRENT_VERSION) -> Rubric:
    """The rubric for a unit kind and version; `UnknownRubric` when there is none."""
    if unit_kind is UnitKind.VILLAGE:
        raise NoAcceptanceForVillages(where="评分细则")
    for rubric in all_rubrics():
        if rubric.unit_kind is unit_kind and rubric.version == version:
            return rubric
    raise UnknownRubric(f"没有{unit_kind}的{version}版评分细则 (no such rubric)", field="rubric_version")
