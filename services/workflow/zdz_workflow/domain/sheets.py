"""The signed score sheet a verdict rests on, as the process sees it (DESIGN, rulings: "Verdicts are sheets").

The scoring service keeps the sheet; an activity reads it over gRPC when a verdict is recorded and the process
keeps this copy in its history, so replay never calls scoring again. The process takes total and grade from it,
and the marks from the rubric that scored it (`pass_mark`, `excellent_mark`), never from constants of its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from zdz_common.vocabulary import Grade


class SheetKind(enum.StrEnum):
    """zdz.scoring.v1.SheetKind, by name: who scores, at which stage."""

    SELF_CHECK = "SELF_CHECK"  # 自查: signed by the unit
    DISTRICT_ACCEPTANCE = "DISTRICT_ACCEPTANCE"  # 区县验收: signed by the district task force
    SPOT_CHECK = "SPOT_CHECK"  # 市级抽查: signed by the municipal task force
    RE_REVIEW = "RE_REVIEW"  # 复核: signed by the municipal task force
    LOOK_BACK = "LOOK_BACK"  # 回头看: signed by the municipal task force


@dataclass(frozen=True)
class SignedSheet:
    """What the process needs of a sheet to accept it as a verdict, and what it shows of it afterwards."""

    sheet_id: str
    unit_id: str
    kind: SheetKind
    signed: bool
    total: Decimal  # two decimals, after the park penalty item
    grade: Grade
    assessed_on: date
    signer_organisation: str
    signer_role: str  # zdz_common.auth.Role name of the signing call
    signer_person: str
    signed_at: datetime | None
    pass_mark: Decimal  # the rubric's 合格 from (also the mark needed to apply for acceptance)
    excellent_mark: Decimal  # the rubric's 优秀 from
    summary_report_from: Decimal | None = (
        None  # parks: the rubric's mark for the 建设总结报告 (001 四); towns None
    )
    replaces_sheet_id: str = ""
    superseded_by_sheet_id: str = ""  # a correction replaced it: no longer a valid verdict
    sampling_plan_id: str = ""  # district acceptance: the plan the 验收小组 checked
    sampling_plan_drawn_at: datetime | None = None  # when that plan was drawn (it must be drawn in the stage)
    imported: bool = False  # a paper sheet imported with its evidence

    @property
    def passed(self) -> bool:
        return self.total >= self.pass_mark

    @property
    def signed_by(self) -> str:
        return f"{self.signer_organisation}/{self.signer_role}/{self.signer_person}"
