"""The campaign's clients: concurrent threads, each taking towns of the official load through their programme over
gRPC, as their people would: the unit's clerk imports its ledger (台账: households, pipes, a plant, four problems
with their tasks reported rectified), the district task force starts the process, the clerk completes the
survey and submits the plan, the district verifies each task, the clerk declares the rectification done, saves
and signs its self-check sheet and submits it (to 区县验收). A town accepted in 2024 has its district's sheet
imported signed and its process imported as accepted by the city instead. How far a town goes is drawn from the
seed.

Every command carries an idempotency key (`x-idempotency-key`, also its `x-request-id`) and is retried with the
same key on UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, UNKNOWN, INTERNAL and RESOURCE_EXHAUSTED until it is answered or
its time is up. Each is recorded: acknowledged (with its answer), refused (a definite refusal), applied with
its answer lost (the idempotency table's FAILED_PRECONDITION for a retry after a crash), or undecided.
A share of towns also gets commands that must be refused (an oversized reason, a clerk verifying its own task):
they must leave no trace.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from tests.chaos.system import System
from tests.e2e.ledgers import SURVEY_2025, Survey, town_rows
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import ledger_pb2, ledger_pb2_grpc, registry_pb2, registry_pb2_grpc
from zdz.scoring.v1 import scoring_pb2 as sc
from zdz.scoring.v1 import scoring_pb2_grpc
from zdz.workflow.v1 import workflow_pb2 as wf
from zdz.workflow.v1 import workflow_pb2_grpc
from zdz_common.auth import Principal, Role

SURVEY_2024 = Survey(
    "2024-03-10", "2024-04-01", "2024-09-30", "2024-04-05", "2024-08-01"
)  # the accepted towns'
CAMPAIGN = "2026"
ACCEPTED_CAMPAIGN = "2024"  # towns accepted before the system: their sheet and process imported by the city
RETRIED = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,  # a server shutting down cancels the calls it is serving
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)
ANSWER_LOST = "first answer was lost"  # zdz_common.idempotency's FAILED_PRECONDITION after a crash
# How far a town is taken (the last command of its programme), and how many towns of 10 go that far.
DEPTHS = (
    ("StartProcess", 1),
    ("SubmitPlan", 2),
    ("DeclareRectificationDone", 3),
    ("SubmitSelfCheck", 3),
    ("ImportProcess", 1),
)


@dataclass
class Command:
    """One command as its client saw it."""

    what: str  # the RPC
    service: str  # whose store must hold it
    unit_id: str
    key: str
    caller: str  # organisation/person, as the idempotency table scopes keys
    outcome: str = ""  # acked | refused | applied-answer-lost | undecided
    code: str = "OK"
    detail: str = ""
    attempts: int = 0
    retried_codes: Counter[str] = field(default_factory=Counter)
    first_details: dict[str, str] = field(default_factory=dict)  # per retried code, the first answer's text
    answer: bytes = b""
    must_refuse: bool = False  # a hostile command: acked would be an anomaly
    at: float = 0.0  # seconds since the campaign started, when it was first sent
    seconds: float = 0.0


@dataclass
class Town:
    unit: registry_pb2.Unit
    depth: str
    clerk: str = ""
    district: str = ""
    stage: str = ""  # the stage its last acknowledged stage command reached
    sheet_id: str = ""
    problems_verified: set[str] = field(default_factory=set)
    hostile: bool = False

    @property
    def ref(self) -> wf.ProcessRef:
        campaign = ACCEPTED_CAMPAIGN if self.depth == "ImportProcess" else CAMPAIGN
        return wf.ProcessRef(district_code=self.unit.district_code, unit_id=self.unit.id, campaign=campaign)


def _ts(day: date) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime(day.year, day.month, day.day, 2, tzinfo=UTC))
    return stamp


class Clients:
    """The services' stubs, the tokens of the campaign's people and the record of every command."""

    def __init__(self, system: System, seed: int, started: float, *, patience: float = 300.0) -> None:
        self.system = system
        self.patience = patience  # seconds: a command still unanswered after this is undecided
        self.stopping = threading.Event()  # set: every command still retrying gives up (undecided)
        self.seed = seed
        self.started = started
        self.channels = {
            name: grpc.insecure_channel(system.address(name)) for name in ("registry", "scoring", "workflow")
        }
        self.registry = registry_pb2_grpc.RegistryServiceStub(self.channels["registry"])
        self.ledger = ledger_pb2_grpc.LedgerServiceStub(self.channels["registry"])
        self.scoring = scoring_pb2_grpc.ScoringServiceStub(self.channels["scoring"])
        self.workflow = workflow_pb2_grpc.WorkflowServiceStub(self.channels["workflow"])
        self.commands: list[Command] = []
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[Principal, str]] = {}
        self.city = self.token(Principal(role=Role.MUNICIPAL_TASK_FORCE, person="市级专班-混沌"))

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()

    def token(self, principal: Principal) -> str:
        name = f"{principal.organisation}/{principal.person}"
        if name not in self._tokens:
            self._tokens[name] = (principal, self.system.issuer.issue(principal, ttl_seconds=7 * 86400))
        return name

    def read(self, method: Callable[..., Any], request: Message, caller: str) -> Any:
        """A query, retried on the same codes as a command (reads leave no trace to check)."""
        deadline = time.monotonic() + self.patience
        while True:
            try:
                return method(request, metadata=self._metadata(caller, ""), timeout=20)
            except grpc.RpcError as error:
                given_up = time.monotonic() > deadline or self.stopping.is_set()
                if error.code() not in RETRIED or given_up:  # type: ignore[attr-defined]
                    raise
                time.sleep(0.5)

    def _metadata(self, caller: str, key: str) -> tuple[tuple[str, str], ...]:
        sent = (("authorization", f"Bearer {self._tokens[caller][1]}"),)
        if key:
            sent += (("x-idempotency-key", key), ("x-request-id", key))
        return sent

    def command(
        self,
        service: str,
        method: Callable[..., Any],
        request: Message | Callable[[], Any],
        caller: str,
        unit_id: str,
        *,
        must_refuse: bool = False,
    ) -> Command:
        """Send a command with a fresh idempotency key; retry it with the same key until it is answered."""
        with self._lock:
            key = f"chaos-{self.seed}-{len(self.commands):06d}"
            name = method._method.decode().rsplit("/", 1)[-1]  # type: ignore[attr-defined]
            command = Command(name, service, unit_id, key, caller, must_refuse=must_refuse)
            self.commands.append(command)
        began = time.monotonic()
        command.at = began - self.started
        pause = 0.2
        while True:
            command.attempts += 1
            try:
                answer = method(
                    request() if callable(request) else request,
                    metadata=self._metadata(caller, key),
                    timeout=30,
                )
                command.outcome, command.answer = "acked", answer.SerializeToString(deterministic=True)
                break
            except grpc.RpcError as error:
                code, detail = error.code(), error.details() or ""  # type: ignore[attr-defined]
                command.code, command.detail = code.name, detail[:300]
                if (
                    code in RETRIED
                    and time.monotonic() - began < self.patience
                    and not self.stopping.is_set()
                ):
                    command.retried_codes[code.name] += 1
                    command.first_details.setdefault(code.name, detail[:300])
                    time.sleep(pause)
                    pause = min(pause * 2, 3.0)
                    continue
                if code in RETRIED:
                    command.outcome = "undecided"
                elif code == grpc.StatusCode.FAILED_PRECONDITION and ANSWER_LOST in detail:
                    command.outcome = "applied-answer-lost"
                else:
                    command.outcome = "refused"
                break
        command.seconds = time.monotonic() - began
        return command


class Programme:
    """Takes every town through its programme with `clients` threads."""

    def __init__(self, clients: Clients, towns: list[Town]) -> None:
        self.c = clients
        self.towns = towns
        self.done = 0
        self.failures: list[str] = []  # a client step that could not go on (its town stops there)

    def run(self, threads: int) -> None:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            try:
                for _ in pool.map(self._drive, self.towns):
                    pass
            except KeyboardInterrupt:  # the threads give up their retries and the towns not begun
                self.c.stopping.set()
                raise

    def _drive(self, town: Town) -> None:
        if self.c.stopping.is_set():
            return
        try:
            self.drive(town)
        except grpc.RpcError as error:  # a read that kept failing: recorded, the town stops
            self.failures.append(f"{town.unit.id}: {error.code().name} {error.details()}")  # type: ignore[attr-defined]
        self.done += 1

    def drive(self, town: Town) -> None:
        c, unit = self.c, town.unit
        town.clerk = c.token(
            Principal(role=Role.UNIT, person="填报员", unit_id=unit.id, district_code=unit.district_code)
        )
        town.district = c.token(
            Principal(role=Role.DISTRICT_TASK_FORCE, person="区县专班", district_code=unit.district_code)
        )
        start = date.today() - timedelta(days=40)
        last = [name for name, _ in DEPTHS].index(town.depth)

        def request() -> Any:
            return iter(
                [
                    ledger_pb2.ImportLedgerRowsRequest(
                        options=ledger_pb2.ImportOptions(unit_id=unit.id, all_or_nothing=True),
                        rows=town_rows(SURVEY_2024 if town.depth == "ImportProcess" else SURVEY_2025),
                    )
                ]
            )

        imported = c.command("registry", c.ledger.ImportLedgerRows, request, town.clerk, unit.id)
        if imported.outcome != "acked":
            return
        if town.depth == "ImportProcess":
            self.accepted_before(town, date(2024, 11, 15))
            return
        started = c.command(
            "workflow",
            c.workflow.StartProcess,
            wf.StartProcessRequest(
                unit_id=unit.id,
                campaign=wf.Campaign(name=CAMPAIGN),
                reason="纳入2026年污水零直排区建设",
                at=_ts(start),
            ),
            town.district,
            unit.id,
        )
        if not self._moved(town, started):
            return
        if town.hostile:
            self.hostile(town, start)
        if last < 1:
            return
        for method, message in (
            (
                c.workflow.CompleteSurvey,
                wf.CompleteSurveyRequest(
                    process=town.ref, reason="排查摸底完成，台账已建立", at=_ts(start + timedelta(days=1))
                ),
            ),
            (
                c.workflow.SubmitPlan,
                wf.SubmitPlanRequest(
                    process=town.ref, reason="一镇一策已报送", at=_ts(start + timedelta(days=2))
                ),
            ),
        ):
            if not self._moved(town, c.command("workflow", method, message, town.clerk, unit.id)):
                return
        if last < 2:
            return
        self.verify_tasks(town, start + timedelta(days=3))
        done = c.command(
            "workflow",
            c.workflow.DeclareRectificationDone,
            wf.DeclareRectificationDoneRequest(
                process=town.ref, reason="整改任务全部销号", at=_ts(start + timedelta(days=4))
            ),
            town.clerk,
            unit.id,
        )
        if not self._moved(town, done) or last < 3:
            return
        draft = c.command(
            "scoring",
            c.scoring.SaveSheetDraft,
            sc.SaveSheetDraftRequest(
                input=sc.SheetInput(
                    unit_id=unit.id,
                    sheet_kind=sc.SHEET_KIND_SELF_CHECK,
                    assessor=f"{unit.name}-填报员",
                    assessed_on=(start + timedelta(days=5)).isoformat(),
                    entries=sc.AssessorEntries(
                        residential_sample_pass_rate="100", non_residential_sample_pass_rate="100"
                    ),
                )
            ),
            town.clerk,
            unit.id,
        )
        if draft.outcome != "acked":
            return
        sheet = sc.SaveSheetDraftResponse.FromString(draft.answer).sheet
        signed = c.command(
            "scoring",
            c.scoring.SignSheet,
            sc.SignSheetRequest(sheet_id=sheet.id, expected_version=sheet.version),
            town.clerk,
            unit.id,
        )
        if signed.outcome != "acked":
            return
        town.sheet_id = sheet.id
        submitted = c.command(
            "workflow",
            c.workflow.SubmitSelfCheck,
            wf.SubmitSelfCheckRequest(
                process=town.ref,
                sheet_id=sheet.id,
                reason="自查评估达到合格",
                evidence=[sheet.id],
                at=_ts(start + timedelta(days=6)),
            ),
            town.clerk,
            unit.id,
        )
        self._moved(town, submitted)

    def verify_tasks(self, town: Town, on: date) -> None:
        """The district verifies each task the unit reported rectified (nobody accepts their own work)."""
        c, unit = self.c, town.unit
        problems = c.read(
            c.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=unit.id), town.district
        )
        for problem in problems.problems:
            if problem.task.state != ledger_pb2.TASK_STATE_RECTIFIED:
                continue
            verified = c.command(
                "registry",
                c.ledger.VerifyTask,
                ledger_pb2.VerifyTaskRequest(
                    unit_id=unit.id,
                    problem_id=problem.id,
                    step=ledger_pb2.Step(on=on.isoformat(), evidence=[f"区县核验-{problem.code}"]),
                ),
                town.district,
                unit.id,
            )
            if verified.outcome in ("acked", "applied-answer-lost"):
                town.problems_verified.add(problem.id)

    def accepted_before(self, town: Town, on: date) -> None:
        """A town accepted in 2024: its tasks verified, the district's paper sheet imported signed by the city and
        its process imported as accepted (验收通过; the registry follows it to MEETS_STANDARD)."""
        c, unit = self.c, town.unit
        self.verify_tasks(town, on)
        sheet = c.command(
            "scoring",
            c.scoring.ImportSignedSheet,
            sc.ImportSignedSheetRequest(
                input=sc.SheetInput(
                    unit_id=unit.id,
                    sheet_kind=sc.SHEET_KIND_DISTRICT_ACCEPTANCE,
                    assessor="区县工作专班",
                    assessed_on=(on + timedelta(days=10)).isoformat(),
                    entries=sc.AssessorEntries(
                        residential_sample_pass_rate="100", non_residential_sample_pass_rate="100"
                    ),
                    panel_members=[sc.PanelMember(name="验收组长", organisation="区生态环境局", duty="组长")],
                ),
                signer_organisation=f"district:{unit.district_code}",
                signer_role="DISTRICT_TASK_FORCE",
                signer_person="验收组长",
                signed_on=(on + timedelta(days=10)).isoformat(),
                evidence=["区县验收意见（扫描件）"],
            ),
            c.city,
            unit.id,
        )
        if sheet.outcome != "acked":
            return
        town.sheet_id = sc.ImportSignedSheetResponse.FromString(sheet.answer).sheet.id
        imported = c.command(
            "workflow",
            c.workflow.ImportProcess,
            wf.ImportProcessRequest(
                unit_id=unit.id,
                campaign=wf.Campaign(name=ACCEPTED_CAMPAIGN),
                stage=wf.STAGE_ACCEPTED,
                stage_since=_ts(on + timedelta(days=15)),
                sheet_ids=[town.sheet_id],
                filing_number=f"零直排备〔2024〕{unit.official_code}号",
                reason="2024年达到“污水零直排区”建设标准",
                evidence=["验收文件"],
            ),
            c.city,
            unit.id,
        )
        self._moved(town, imported)

    def _moved(self, town: Town, command: Command) -> bool:
        """Whether a stage command went through; the town's expected stage follows its acknowledged answers."""
        if command.outcome != "acked":
            return False
        answer = getattr(wf, f"{command.what}Response").FromString(command.answer)
        town.stage = wf.Stage.Name(answer.process.stage)
        return True

    def hostile(self, town: Town, start: date) -> None:
        """Commands that must be refused and leave no trace: an oversized reason, and the clerk verifying its own
        town's task (nobody accepts their own work)."""
        c = self.c
        c.command(
            "workflow",
            c.workflow.CompleteSurvey,
            wf.CompleteSurveyRequest(
                process=town.ref, reason="很长的理由" * 4000, at=_ts(start + timedelta(days=1))
            ),
            town.clerk,
            town.unit.id,
            must_refuse=True,
        )
        problems = c.read(
            c.ledger.ListProblems, ledger_pb2.ListProblemsRequest(unit_id=town.unit.id), town.clerk
        )
        if problems.problems:
            c.command(
                "registry",
                c.ledger.VerifyTask,
                ledger_pb2.VerifyTaskRequest(
                    unit_id=town.unit.id,
                    problem_id=problems.problems[0].id,
                    step=ledger_pb2.Step(on=start.isoformat(), evidence=["自己核验自己"]),
                ),
                town.clerk,
                town.unit.id,
                must_refuse=True,
            )


def towns_of_the_city(clients: Clients, count: int, rng: random.Random) -> list[Town]:
    """`count` towns of the official load (all 1,031 at most), drawn with `rng`, each with its depth."""
    c = clients
    districts = c.read(c.registry.ListDistricts, registry_pb2.ListDistrictsRequest(page_size=500), c.city)
    towns: list[registry_pb2.Unit] = []
    for district in districts.districts:
        token = ""
        while True:
            page = c.read(
                c.registry.ListUnits,
                registry_pb2.ListUnitsRequest(
                    district_code=district.code,
                    kind=refs_pb2.UNIT_KIND_TOWN,
                    page_size=1000,
                    page_token=token,
                ),
                c.city,
            )
            towns += [u for u in page.units if not u.out_of_scope]
            token = page.next_page_token
            if not token:
                break
    chosen = rng.sample(towns, min(count, len(towns)))
    depths = [name for name, weight in DEPTHS for _ in range(weight)]
    return [Town(unit, rng.choice(depths), hostile=rng.random() < 0.1) for unit in chosen]
