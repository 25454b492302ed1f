"""The search attributes operators find units by, in the Temporal UI and with `temporal workflow list --query`.

e.g. `temporal workflow list --query "ZdzDistrict='wanzhou' AND ZdzStage='PUBLIC_NOTICE'"`, or one unit by its
name or official code: `ZdzUnitName='高笋塘街道'`, `ZdzOfficialCode='500101001'`. The workflow keeps them current
from its state; `visible(unit, state)` says what they should be. A process started since issue 13 carries the
unit's name and code from its start (`at_start`); one started before gains its name at its next step (its unit
record, taken at its start, has no code).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

from zdz_workflow.domain.process import ProcessState
from zdz_workflow.domain.units import UnitInfo

DISTRICT = SearchAttributeKey.for_keyword("ZdzDistrict")
UNIT_KIND = SearchAttributeKey.for_keyword("ZdzUnitKind")
UNIT_ID = SearchAttributeKey.for_keyword("ZdzUnitId")
CAMPAIGN = SearchAttributeKey.for_keyword("ZdzCampaign")
STAGE = SearchAttributeKey.for_keyword("ZdzStage")
ALONG_RIVER = SearchAttributeKey.for_bool("ZdzAlongRiver")
TARGET_YEAR = SearchAttributeKey.for_int("ZdzTargetYear")
LATEST_SCORE = SearchAttributeKey.for_float("ZdzLatestScore")
GRADE = SearchAttributeKey.for_keyword("ZdzGrade")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("ZdzNextDeadline")
UNIT_NAME = SearchAttributeKey.for_keyword("ZdzUnitName")  # exact: ZdzUnitName='九龙园'
OFFICIAL_CODE = SearchAttributeKey.for_keyword("ZdzOfficialCode")  # 统计用区划代码; unset for park groups

ALL: tuple[SearchAttributeKey[Any], ...] = (
    DISTRICT,
    UNIT_KIND,
    UNIT_ID,
    CAMPAIGN,
    STAGE,
    ALONG_RIVER,
    TARGET_YEAR,
    LATEST_SCORE,
    GRADE,
    NEXT_DEADLINE,
    UNIT_NAME,
    OFFICIAL_CODE,
)
# Set by processes that recorded the UNIT_ATTRIBUTES patch marker (histories recorded before issue 13 replay
# without these upserts).
NAMED: tuple[SearchAttributeKey[Any], ...] = (UNIT_NAME, OFFICIAL_CODE)


def next_deadline(state: ProcessState) -> datetime | None:
    """The earliest moment the process is waiting for: a running deadline or the end of the public notice."""
    moments = [d.due_at for d in state.deadlines if not d.missed]
    notice = state.notice
    if state.notice_status is not None and notice is not None and notice.ends is not None:
        moments.append(notice.ends.ends_at)
    return min(moments, default=None)


def at_start(unit: UnitInfo, campaign: str) -> TypedSearchAttributes:
    """What a process shows from its start, before its first step: the unit, its campaign and how to find it."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(DISTRICT, unit.district_code),
        SearchAttributePair(CAMPAIGN, campaign),
        SearchAttributePair(UNIT_KIND, unit.kind.value),
        SearchAttributePair(UNIT_ID, unit.unit_id),
        SearchAttributePair(UNIT_NAME, unit.name),
    ]
    if unit.official_code:
        pairs.append(SearchAttributePair(OFFICIAL_CODE, unit.official_code))
    return TypedSearchAttributes(pairs)


def visible(unit: UnitInfo, state: ProcessState, *, named: bool = False) -> dict[str, Any]:
    """Each search attribute's value (None: unset) for the unit in `state`; `named`: with the unit's name and
    official code (see NAMED)."""
    found_by = {UNIT_NAME.name: unit.name, OFFICIAL_CODE.name: unit.official_code or None} if named else {}
    return {
        **found_by,
        DISTRICT.name: unit.district_code,
        UNIT_KIND.name: unit.kind.value,
        UNIT_ID.name: unit.unit_id,
        CAMPAIGN.name: state.campaign.name,
        STAGE.name: state.stage.value,
        ALONG_RIVER.name: unit.along_river,
        TARGET_YEAR.name: unit.target_year,
        LATEST_SCORE.name: None if state.latest_score is None else float(state.latest_score),
        GRADE.name: None if state.latest_grade is None else state.latest_grade.value,
        NEXT_DEADLINE.name: next_deadline(state),
    }


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[SearchAttributeUpdate[Any]]:
    """The upserts that turn `before` into `after` (none for an unchanged attribute: each upsert is history)."""
    updates: list[SearchAttributeUpdate[Any]] = []
    for key in ALL:
        value = after.get(key.name)
        if before.get(key.name) == value:
            continue
        updates.append(key.value_unset() if value is None else key.value_set(value))
    return updates
