"""The search attributes operators find units by, in the Temporal UI and with `temporal workflow list --query`.

e.g. `temporal workflow list --query "ZdzDistrict='wanzhou' AND ZdzStage='PUBLIC_NOTICE'"`. The workflow keeps
them current from its state; `visible(unit, state)` says what they should be.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

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
)


def next_deadline(state: ProcessState) -> datetime | None:
    """The earliest moment the process is waiting for: a running deadline or the end of the public notice."""
    moments = [d.due_at for d in state.deadlines if not d.missed]
    notice = state.notice
    if state.notice_status is not None and notice is not None and notice.ends is not None:
        moments.append(notice.ends.ends_at)
    return min(moments, default=None)


def visible(unit: UnitInfo, state: ProcessState) -> dict[str, Any]:
    """Each search attribute's value (None: unset) for the unit in `state`."""
    return {
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
