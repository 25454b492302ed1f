"""000 二（三）千村示范: villages are a unit kind of their own, with no rubric and no acceptance process (DESIGN);
every part that would score or run one refuses a village with the same clerk's message."""

import pytest

from zdz_common.errors import FailedPrecondition
from zdz_common.vocabulary import NoAcceptanceForVillages, UnitKind
from zdz_scoring.domain.rubrics import get_rubric
from zdz_workflow.domain.demonstration import has_track
from zdz_workflow.domain.stages import annex


def test_no_rubric_is_invented_for_villages() -> None:
    with pytest.raises(NoAcceptanceForVillages, match="没有评分细则和建设验收流程"):
        get_rubric(UnitKind.VILLAGE)


def test_a_village_has_no_acceptance_annex_so_no_process_starts() -> None:
    with pytest.raises(FailedPrecondition, match="千村示范"):
        annex(UnitKind.VILLAGE)


def test_a_village_has_no_demonstration_park_track() -> None:
    assert has_track(UnitKind.VILLAGE) is False
    assert has_track(UnitKind.PARK_GROUP) is True


def test_every_unit_kind_has_a_label() -> None:
    assert UnitKind.VILLAGE.label == "行政村"
