"""Builders for the workflow domain tests: actors, Asia/Shanghai instants, and a unit driven as the workflow will."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from zdz_common.auth import Role
from zdz_common.context import SYSTEM, Actor
from zdz_common.vocabulary import Grade, Stage, UnitKind
from zdz_workflow.domain.calendar import SHANGHAI, WorkingDayCalendar, schedule_from_chinesecalendar
from zdz_workflow.domain.commands import (
    CloseNotice,
    CloseSpotCheckWindow,
    Command,
    CompleteSurvey,
    DeclareRectificationDone,
    FileResult,
    OpenProcess,
    PublishNotice,
    RecordDistrictVerdict,
    SubmitPlan,
    SubmitSelfCheck,
)
from zdz_workflow.domain.events import Event
from zdz_workflow.domain.process import ProcessRules, ProcessState, handle
from zdz_workflow.domain.sheets import SheetKind, SignedSheet
from zdz_workflow.domain.values import FIRST_CAMPAIGN, NoticeChannel, NoticeChannelKind, ObjectionSource
from zdz_workflow.domain.verdicts import SIGNER_ROLES

TOWN_OFFICE = Actor(organisation="璧山区璧城街道办事处", role="UNIT_ADMIN", person="张敏")
PARK_OFFICE = Actor(organisation="璧山高新区管委会", role="UNIT_ADMIN", person="陈静")
DISTRICT = Actor(organisation="璧山区污水零直排区工作专班", role="DISTRICT_TASK_FORCE", person="李强")
CITY = Actor(organisation="重庆市污水零直排区工作专班", role="CITY_TASK_FORCE", person="王芳")
CLOCK = SYSTEM  # the workflow's own timers

LIBRARY_SCHEDULE = schedule_from_chinesecalendar()

# Illustrative data for 2027 in the shape a State Council notice takes (NOT the real 2027 schedule, which is not
# published as these tests are written): National Day 10-01..10-07 off, Sunday 09-26 and Saturday 10-09 worked.
SCHEDULE_2027_JSON = json.dumps(
    {
        "version": "gov-2027-illustrative",
        "years": {
            "2027": {
                "holidays": [f"2027-10-0{d}" for d in range(1, 8)],
                "workdays": ["2027-09-26", "2027-10-09"],
            }
        },
    }
)


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """An instant in Asia/Shanghai on ISO date `day`."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=SHANGHAI)


UNIT_ID = "bishan/bicheng"
_SHEET_NUMBERS = itertools.count(1)


def sheet(sheet_kind: SheetKind, total: str, on: str, **fields: Any) -> SignedSheet:
    """A signed sheet of `sheet_kind` for the unit under test, scored `total` on ISO date `on` by the role the kind
    needs, on the 2024 town rubric's marks (合格 80, 优秀 90); district acceptance refers to a plan drawn that
    morning. `fields` override any of it."""
    score = Decimal(total)
    role = SIGNER_ROLES[sheet_kind]
    signer = {Role.UNIT: TOWN_OFFICE, Role.DISTRICT_TASK_FORCE: DISTRICT}.get(role, CITY)
    values: dict[str, Any] = {
        "sheet_id": f"sheet-{sheet_kind.value.lower()}-{next(_SHEET_NUMBERS)}",
        "unit_id": UNIT_ID,
        "kind": sheet_kind,
        "signed": True,
        "total": score,
        "grade": Grade.EXCELLENT if score >= 90 else Grade.PASS if score >= 80 else Grade.FAIL,
        "assessed_on": date.fromisoformat(on),
        "signer_organisation": signer.organisation,
        "signer_role": role.value,
        "signer_person": signer.person,
        "signed_at": at(on, 17),
        "pass_mark": Decimal(80),
        "excellent_mark": Decimal(90),
    }
    if sheet_kind is SheetKind.DISTRICT_ACCEPTANCE:
        values |= {"sampling_plan_id": f"plan-{on}", "sampling_plan_drawn_at": at(on, 9)}
    return SignedSheet(**(values | fields))


def verdict(signed: SignedSheet) -> dict[str, Any]:
    """The fields a verdict command carries once the workflow has read its sheet."""
    return {"sheet_id": signed.sheet_id, "sheet": signed}


PORTAL = NoticeChannel(
    kind=NoticeChannelKind.GOVERNMENT_PORTAL,
    name="璧山区人民政府网",
    url="https://www.cqbs.gov.cn/gs/2024-09",
)
FILING_NUMBER = "璧山零直排〔2024〕3号"
# An objection received by letter and recorded by the district, and a district's answer dismissing one.
LETTER: dict[str, Any] = {"source": ObjectionSource.RECEIVED, "reason": "群众来信反映小区雨水管仍有污水"}
ANSWER = "经现场核查，该处为雨水排口，异议不成立"


def rules(**settings: Any) -> ProcessRules:
    return ProcessRules(calendar=WorkingDayCalendar(LIBRARY_SCHEDULE), **settings)


class UnitUnderTest:
    """One unit's process, driven through decide/evolve exactly as the Temporal workflow will drive it."""

    def __init__(self, process_rules: ProcessRules | None = None) -> None:
        self.rules = process_rules or rules()
        self._state: ProcessState | None = None
        self.events: list[Event] = []

    @property
    def state(self) -> ProcessState:
        assert self._state is not None, "open or import the process first"
        return self._state

    def do(self, command_type: type[Command], actor: Actor, when: datetime, **fields: Any) -> list[Event]:
        command = command_type(actor=actor, request_id=str(uuid.uuid4()), at=when, **fields)
        return self.send(command)

    def send(self, command: Command) -> list[Event]:
        self._state, events = handle(self._state, command, self.rules)
        self.events += events
        return events


def walk(unit: UnitUnderTest, until: Stage, kind: UnitKind = UnitKind.TOWN) -> UnitUnderTest:
    """Take a fresh unit along the passing path of the 2024 campaign until it reaches `until`.

    Dates: opened 2024-07-01, survey 07-26, plan 08-09, rectified 09-02, self-check 86.50 on 09-06, district
    88.00 on 09-20 (stops here for PUBLIC_NOTICE, before publication), notice published 2024-09-27 (ends
    2024-10-11 00:00, see test_workflow_calendar) on the district's portal, filed (备案) 10-14, not drawn for
    spot-check: accepted 2024-12-20.
    """
    office = TOWN_OFFICE if kind is UnitKind.TOWN else PARK_OFFICE
    steps = [
        lambda: unit.do(
            OpenProcess,
            DISTRICT,
            at("2024-07-01"),
            unit_id=UNIT_ID,
            unit_kind=kind,
            campaign=FIRST_CAMPAIGN,
        ),
        lambda: unit.do(CompleteSurvey, office, at("2024-07-26"), evidence=("ledger:bicheng-2024",)),
        lambda: unit.do(SubmitPlan, office, at("2024-08-09"), evidence=("plan:bicheng-2024",)),
        lambda: unit.do(DeclareRectificationDone, office, at("2024-09-02")),
        lambda: unit.do(
            SubmitSelfCheck,
            office,
            at("2024-09-06"),
            **verdict(sheet(SheetKind.SELF_CHECK, "86.50", "2024-09-06")),
        ),
        lambda: unit.do(
            RecordDistrictVerdict,
            DISTRICT,
            at("2024-09-20"),
            **verdict(sheet(SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20")),
        ),
        lambda: unit.do(
            PublishNotice, DISTRICT, at("2024-09-27"), published_on=date(2024, 9, 27), channel=PORTAL
        ),
        lambda: unit.do(CloseNotice, CLOCK, at("2024-10-11", 0)),
        lambda: unit.do(FileResult, DISTRICT, at("2024-10-14"), filing_number=FILING_NUMBER),
        lambda: unit.do(CloseSpotCheckWindow, CITY, at("2024-12-20")),
    ]
    for step in steps:
        step()
        if unit.state.stage is until:  # PUBLIC_NOTICE: stops before publication
            return unit
    raise AssertionError(f"the passing path never reaches {until}")
