"""Nobody accepts their own work (issue 11), in the registry's permission table: a task's rectification is
verified by the unit's district task force, not by the unit that did it (no I/O)."""

from __future__ import annotations

import pytest

from zdz_common.auth import Principal, Role
from zdz_common.authorisation import Target, decide
from zdz_registry.domain.permissions import LEDGER_POLICY

UNIT = Principal(role=Role.UNIT, person="u", unit_id="u1", district_code="wanzhou")
DISTRICT = Principal(role=Role.DISTRICT_TASK_FORCE, person="d", district_code="wanzhou")
OTHER_DISTRICT = Principal(role=Role.DISTRICT_TASK_FORCE, person="f", district_code="fuling")
LEDGER_INTEGRATION = Principal(
    role=Role.INTEGRATION, person="i", system="bayu", permissions=frozenset({"registry.ledger.write"})
)
SERVICE = Principal(role=Role.SERVICE, person="zdz", system="zdz")
OWN = Target(unit_id="u1", district_code="wanzhou")


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [
        (UNIT, False),  # the unit that rectified
        (LEDGER_INTEGRATION, False),  # the unit's ledger system writes rows, it does not verify them
        (DISTRICT, True),
        (OTHER_DISTRICT, False),
        (SERVICE, True),
    ],
)
def test_a_task_is_verified_by_the_units_district_task_force_not_by_the_unit(
    caller: Principal, allowed: bool
) -> None:
    refused = decide(LEDGER_POLICY, "VerifyTask", caller, OWN)
    assert (refused is None) is allowed
    if refused is not None:
        assert refused.name == "issue11.verify-not-own-work"


def test_the_unit_still_reports_its_own_rectification() -> None:
    assert decide(LEDGER_POLICY, "RectifyTask", UNIT, OWN) is None
    assert decide(LEDGER_POLICY, "RectifyTask", DISTRICT, OWN) is not None
