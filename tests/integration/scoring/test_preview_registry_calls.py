"""A score sheet's preview asks the registry once: the facts answer carries the unit and its district's name
(issue 15: one facts call per preview instead of three)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.unit.scoring.records_factories import TOWN, snapshot
from zdz.scoring.v1 import scoring_pb2 as pb
from zdz_scoring.adapters.registry import LedgerSnapshot, UnitLedger
from zdz_scoring.bootstrap import bootstrap
from zdz_scoring.domain.records import UnitRef
from zdz_scoring.entrypoints.grpc_api import score_unit


class RecordingRegistry:
    """The registry port from memory, writing down each question asked of it."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self._answer = UnitLedger(TOWN, "万州区", snapshot())

    def unit(self, unit_id: str) -> UnitRef:
        self.asked.append("unit")
        return self._answer.unit

    def unit_ledger(self, unit_id: str, found_since: date | None = None) -> UnitLedger:
        self.asked.append("unit_ledger")
        return self._answer

    def ledger(self, unit_id: str, found_since: date | None = None) -> LedgerSnapshot:
        self.asked.append("ledger")
        return self._answer.ledger


def test_a_preview_reads_unit_district_and_ledger_in_one_registry_call(tmp_path: Path) -> None:
    registry = RecordingRegistry()
    service = bootstrap(f"sqlite:///{tmp_path / 'scoring.db'}", registry)  # type: ignore[arg-type]
    sheet_input = pb.SheetInput(
        unit_id=TOWN.id,
        sheet_kind=pb.SHEET_KIND_SELF_CHECK,
        assessor="街道办",
        assessed_on="2025-05-01",
        entries=pb.AssessorEntries(residential_sample_pass_rate="95", non_residential_sample_pass_rate="90"),
    )
    content = service.preview(score_unit(sheet_input))
    assert registry.asked == ["unit_ledger"]
    assert (content.header.unit, content.header.district_name) == (TOWN, "万州区")
    service.engine.dispose()
