"""Whether a unit counts as meeting the standard (DESIGN, rulings: "Progress counts a unit as meeting the standard
from filing, except while a spot-check or look-back failure is open under 限期整改, and from a re-acceptance
order until it is re-accepted"). Every stage event carries it; the registry's district progress follows it."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from zdz_common.vocabulary import Stage
from zdz_workflow.domain.stages import DeadlineKind

if TYPE_CHECKING:
    from zdz_workflow.domain.process import ProcessState


class Standing(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"  # under construction or acceptance: not counted
    IN_NOTICE = "IN_NOTICE"  # passed by the district, in 公示 or awaiting 备案: not counted yet
    MEETS_STANDARD = "MEETS_STANDARD"  # filed: counted
    FAILURE_OPEN = "FAILURE_OPEN"  # a spot-check, re-review or look-back failure open under 限期整改
    REACCEPTANCE_ORDERED = "REACCEPTANCE_ORDERED"  # 重新实施建设验收 ordered: not counted until re-accepted


def standing(state: ProcessState) -> Standing:
    """The unit's standing in `state`; the exceptions of the ruling take precedence over the stage."""
    if state.reaccepting:
        return Standing.REACCEPTANCE_ORDERED  # the new campaign, until its result is filed
    if state.awaiting_re_review or _look_back_failure_open(state):
        return Standing.FAILURE_OPEN  # 附件3/附件4 三（二）4 限期整改; 000 三（五）
    match state.stage:
        case Stage.SURVEY | Stage.PLAN | Stage.RECTIFICATION | Stage.SELF_CHECK | Stage.DISTRICT_ACCEPTANCE:
            return Standing.IN_PROGRESS
        case Stage.PUBLIC_NOTICE:
            return Standing.IN_NOTICE
        case Stage.FILED | Stage.SPOT_CHECK | Stage.ACCEPTED | Stage.LOOK_BACK:
            return Standing.MEETS_STANDARD
        case Stage.RE_REVIEW:
            return Standing.FAILURE_OPEN  # reached only after a failed spot-check
        case Stage.REACCEPTANCE:
            return Standing.REACCEPTANCE_ORDERED
        case _:
            raise ValueError(f"no standing for stage {state.stage}")


def _look_back_failure_open(state: ProcessState) -> bool:
    """A failed 回头看 whose findings are still to be rectified under their deadline."""
    return state.consecutive_look_back_failures > 0 and any(
        d.kind is DeadlineKind.LOOK_BACK_RECTIFICATION for d in state.deadlines
    )
