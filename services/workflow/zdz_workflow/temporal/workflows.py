"""One unit's process in one campaign as a durable Temporal workflow (000 三 步骤安排; 附件3/附件4 三 评估验收).

Why it is shaped this way:
- Determinism. The workflow holds the pure domain's ProcessState and a HolidaySchedule that an activity loaded
  (so it is recorded in the history), and decides every command with `domain.process.decide`. It never reads the
  installed `chinesecalendar`, the wall clock or anything else outside its history: a replay under another
  library version computes the same deadlines, and each deadline records the calendar version it came from.
- Commands are Updates. Each validator runs `decide` on the current state and refuses with the domain's message
  (a refused update leaves no trace in the history); the handler decides again, because another handler may have
  moved the state in between, applies the events and returns the new view.
- Timers come from `domain.process.alarms`: reminders before each deadline, escalation after it, the end of the
  public notice. One timer is armed at a time, the earliest; any state change re-arms it. A timer whose moment
  has passed (a worker was down, a process imported late) fires at once, and what it records carries the
  moment it was due, not the moment it ran.
- Effects go through activities from two queues drained in order: events to the service's event store (and on
  to JetStream through the outbox), findings to the registry's problem list. Updates return before the effects
  finish; a continue-as-new or a hand-over waits for both queues to empty.
- Changing this code. Anything that alters the commands a running workflow issues (activities, timers, child
  workflows, search-attribute upserts) must keep the old behaviour for histories recorded before it, behind
  `if workflow.patched("<change-id>"):`, then `workflow.deprecate_patch` once no such history is running.
  tests/integration/workflow/test_workflow_replay.py replays a recorded history of every path against the code.
- Verdicts are sheets (issue 11, `SHEETS_PATCH`). A verdict update names a sheet; its handler reads the sheet
  through the ReadSheets activity (recorded, so a replay never calls scoring), then decides with it. Running
  processes are not migrated: they replay. An update recorded before the change carries a typed `score` and
  scheduled no activity; `workflow.patched` is False for it on replay and the handler decides on the score
  (the LEGACY branches of domain.process). Because `patched` is memoised per run, a run begun before the change
  also reads the sheet of every later verdict that names one: the typed score, not the marker alone, picks the
  old branch, and a new run (marker recorded) never takes it. The validator refuses a verdict without a sheet
  id, so no new update reaches the old branch. Imports read their sheets before the workflow starts
  (temporal.processes), so the start input records them. Remove the LEGACY code with `deprecate_patch` once no
  run from before the change is open.
- Names are explicit and never change: the workflow type `ZdzProcess`, each update, query and activity name, the
  search attributes. Running processes and the clients that call them know them by these names.

How to add a stage command (the type checker and the tests find the places you miss):
1. domain/commands.py: the command as a frozen dataclass (imperative name), added to the `Command` union; the
   event it causes in domain/events.py (past tense), added to `Event`.
2. domain/process.py: its line in `_STEPS` (what the clerk is doing, the article that places it), its branch in
   `_decide` and in `evolve`; each refusal worded as an official would word it, naming the article
   (`RuleViolation(..., rule=notice_rule(kind))`). Unit tests in tests/unit/workflow/.
3. domain/permissions.py: the RPC's line in `WORKFLOW_POLICY` (who may send it).
4. Here: an update named after the command, with its validator (`self._decided`) and handler (`self._apply`);
   temporal/processes.py: the command's line in `_UPDATES`.
5. proto/zdz/workflow/v1/workflow.proto: the rpc with its doc comment, its request and response; `make proto`.
6. entrypoints/grpc_api.py: the servicer method (`@maps_domain_errors`, `@_permission_on_process`, then
   `self._send`); entrypoints/pb_mapping.py: the mapping of any new fields.
7. Tests: a path through it in tests/integration/workflow/scenarios.py; if the commands a running workflow
   issues change, a `workflow.patched` branch and a recorded history (record_histories.py) that replays.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

# The sandbox resolves a payload's nested dataclasses through the modules it imported itself, so every module
# defining a dataclass that travels in a payload (settings, units too) is imported here, not only by the payloads.
with workflow.unsafe.imports_passed_through():
    from zdz_common.context import SYSTEM
    from zdz_common.errors import DomainError
    from zdz_workflow.domain.calendar import HolidaySchedule, local_date
    from zdz_workflow.domain.commands import (
        AcknowledgeFiling,
        ApplySheetCorrection,
        CloseNotice,
        CloseSpotCheckWindow,
        Command,
        CompleteSurvey,
        DeclareRectificationDone,
        DrawForSpotCheck,
        FileResult,
        ListAsDemonstration,
        OrderReacceptance,
        PublishNotice,
        RaiseObjection,
        RecordDeadlineMissed,
        RecordDemonstrationCheck,
        RecordDistrictVerdict,
        RecordLookBackVerdict,
        RecordReReviewVerdict,
        RecordSpotCheckVerdict,
        RefreshCalendar,
        ReportLookBackRectified,
        ResolveObjection,
        StartLookBack,
        StartReacceptance,
        SubmitDemonstrationReport,
        SubmitPlan,
        SubmitSelfCheck,
        VerifyLookBackRectification,
    )
    from zdz_workflow.domain.demonstration import Demonstration  # noqa: F401
    from zdz_workflow.domain.errors import InvalidCommand, ProcessNotFound
    from zdz_workflow.domain.events import DeadlineMissed, Event
    from zdz_workflow.domain.findings import FOUND_BY, FindingFiling, FindingsToFile, finding_codes
    from zdz_workflow.domain.look_back import LookBackThresholds  # noqa: F401
    from zdz_workflow.domain.process import (
        Alarm,
        AlarmKind,
        ProcessRules,
        ProcessState,
        VerdictCommand,
        admit,
        alarms,
        decide,
        evolve,
    )
    from zdz_workflow.domain.settings import ProcessSettings
    from zdz_workflow.domain.sheets import SignedSheet
    from zdz_workflow.domain.spot_check_rounds import SpotCheckRound  # noqa: F401
    from zdz_workflow.domain.standing import Standing  # noqa: F401
    from zdz_workflow.domain.units import UnitInfo
    from zdz_workflow.domain.values import Deadline, HistoryEntry
    from zdz_workflow.temporal import search_attributes, summaries
    from zdz_workflow.temporal.activities import ProcessActivities
    from zdz_workflow.temporal.payloads import (
        Carried,
        Outgoing,
        ProcessInput,
        ProcessView,
        PublishBatch,
        ReminderDue,
        StepTaken,
        successor_id,
    )
    from zdz_workflow.temporal.refusals import domain_error_of, refusal

# A clerk's clock may run a little ahead of the server's; beyond this a command dated in the future is refused.
CLOCK_TOLERANCE = timedelta(minutes=5)
PUBLISH_BATCH = 100
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Issue 11: the notice names its channel, objections their source and answer, and the notice's end awaits 备案
# (a FILING deadline with its reminders) instead of filing at once. Histories recorded before replay without it,
# and a run that had decided any command or timer before the change keeps the old rules to its end (the answer
# is memoized per run): its notice files at its end as before; its next run (continue-as-new) takes the new ones.
# The API still asks every PublishNotice for its channel: the update validators decide with the current rules.
NOTICE_PATCH = "notice-channel-and-filing"
# Issue 11: a verdict names its signed sheet, which the handler reads through the ReadSheets activity. Updates
# recorded before carry a typed `score` and read nothing; their replay decides on the score (see the docstring).
SHEETS_PATCH = "verdicts-are-sheets"
# Issue 13: the search attributes carry the unit's name and official code (ZdzUnitName, ZdzOfficialCode). Histories
# recorded before upsert without them and replay so; a run that takes the marker upserts them at its next step.
UNIT_ATTRIBUTES_PATCH = "unit-name-and-code-attributes"
_Verdict = TypeVar(
    "_Verdict", SubmitSelfCheck, RecordDistrictVerdict, RecordSpotCheckVerdict, RecordReReviewVerdict
)


@workflow.defn(name="ZdzProcess")
class ProcessWorkflow:
    @workflow.init
    def __init__(self, input: ProcessInput) -> None:
        self._unit: UnitInfo = input.unit
        self._settings: ProcessSettings = input.settings
        self._offset = input.clock_offset
        carried = input.carried
        self._state: ProcessState | None = carried.state if carried else None
        self._schedule: HolidaySchedule | None = None
        self._rules: ProcessRules | None = None
        if carried is not None:
            self._use(carried.schedule)
        start = input.open or input.imported
        self._campaign = carried.state.campaign.name if carried else start.campaign.name if start else ""
        self._stream_version = carried.stream_version if carried else 0
        self._filings: list[FindingFiling] = list(carried.filings) if carried else []
        self._outbox: list[Outgoing] = []
        self._to_file: list[FindingsToFile] = []
        self._changed = False
        self._rung_until = _EPOCH  # the latest reminder sent, so a timer firing on its instant is not resent
        self._continued_by = ""
        # What the visibility store shows already: a run continued as new keeps the search attributes its
        # predecessor set last, from the state it carries; a new campaign's process starts with none.
        continued = carried is not None and workflow.info().continued_run_id is not None
        self._visible: dict[str, Any] = (
            search_attributes.visible(self._unit, carried.state) if carried and continued else {}
        )
        self._effects: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, input: ProcessInput) -> ProcessView:
        self._effects = [
            asyncio.create_task(self._publish_forever()),
            asyncio.create_task(self._file_forever()),
        ]
        if self._state is None:
            await self._open(input)
        while True:
            self._show()
            if self._current().campaign.name != self._campaign:
                return await self._hand_over()
            if self._history_is_long():
                await self._continue_as_new()
            await self._until_next_alarm()

    # --- queries ---------------------------------------------------------------------------------------------

    @workflow.query(name="View")
    def view(self) -> ProcessView:
        return ProcessView(
            process_id=workflow.info().workflow_id,
            unit=self._unit,
            state=self._state,
            filings=tuple(self._filings),
            continued_by=self._continued_by,
        )

    @workflow.query(name="State")
    def state(self) -> ProcessState | None:
        return self._state

    @workflow.query(name="Deadlines")
    def deadlines(self) -> tuple[Deadline, ...]:
        return self._state.deadlines if self._state else ()

    @workflow.query(name="History")
    def history(self) -> tuple[HistoryEntry, ...]:
        return self._state.history if self._state else ()

    # --- updates: one per command, each validated by the domain before it is accepted --------------------------

    @workflow.update(name="Opened")
    async def opened(self) -> ProcessView:
        """The process once its first step is recorded (the starter waits on this)."""
        await workflow.wait_condition(lambda: self._state is not None)
        return self.view()

    @workflow.update(name="CompleteSurvey")
    def complete_survey(self, command: CompleteSurvey) -> ProcessView:
        return self._apply(command)

    @complete_survey.validator
    def _validate_complete_survey(self, command: CompleteSurvey) -> None:
        self._decided(command)

    @workflow.update(name="SubmitPlan")
    def submit_plan(self, command: SubmitPlan) -> ProcessView:
        return self._apply(command)

    @submit_plan.validator
    def _validate_submit_plan(self, command: SubmitPlan) -> None:
        self._decided(command)

    @workflow.update(name="DeclareRectificationDone")
    def declare_rectification_done(self, command: DeclareRectificationDone) -> ProcessView:
        return self._apply(command)

    @declare_rectification_done.validator
    def _validate_declare_rectification_done(self, command: DeclareRectificationDone) -> None:
        self._decided(command)

    @workflow.update(name="SubmitSelfCheck")
    async def submit_self_check(self, command: SubmitSelfCheck) -> ProcessView:
        return self._apply(await self._with_sheet(command))

    @submit_self_check.validator
    def _validate_submit_self_check(self, command: SubmitSelfCheck) -> None:
        self._admitted(command)

    @workflow.update(name="RecordDistrictVerdict")
    async def record_district_verdict(self, command: RecordDistrictVerdict) -> ProcessView:
        return self._apply(await self._with_sheet(command))

    @record_district_verdict.validator
    def _validate_record_district_verdict(self, command: RecordDistrictVerdict) -> None:
        self._admitted(command)

    @workflow.update(name="PublishNotice")
    def publish_notice(self, command: PublishNotice) -> ProcessView:
        return self._apply(command)

    @publish_notice.validator
    def _validate_publish_notice(self, command: PublishNotice) -> None:
        self._decided(command)

    @workflow.update(name="RaiseObjection")
    def raise_objection(self, command: RaiseObjection) -> ProcessView:
        return self._apply(command)

    @raise_objection.validator
    def _validate_raise_objection(self, command: RaiseObjection) -> None:
        self._decided(command)

    @workflow.update(name="ResolveObjection")
    def resolve_objection(self, command: ResolveObjection) -> ProcessView:
        return self._apply(command)

    @resolve_objection.validator
    def _validate_resolve_objection(self, command: ResolveObjection) -> None:
        self._decided(command)

    @workflow.update(name="FileResult")
    def file_result(self, command: FileResult) -> ProcessView:
        return self._apply(command)

    @file_result.validator
    def _validate_file_result(self, command: FileResult) -> None:
        self._decided(command)

    @workflow.update(name="AcknowledgeFiling")
    def acknowledge_filing(self, command: AcknowledgeFiling) -> ProcessView:
        return self._apply(command)

    @acknowledge_filing.validator
    def _validate_acknowledge_filing(self, command: AcknowledgeFiling) -> None:
        self._decided(command)

    @workflow.update(name="SubmitDemonstrationReport")
    def submit_demonstration_report(self, command: SubmitDemonstrationReport) -> ProcessView:
        return self._apply(command)

    @submit_demonstration_report.validator
    def _validate_submit_demonstration_report(self, command: SubmitDemonstrationReport) -> None:
        self._decided(command)

    @workflow.update(name="RecordDemonstrationCheck")
    def record_demonstration_check(self, command: RecordDemonstrationCheck) -> ProcessView:
        return self._apply(command)

    @record_demonstration_check.validator
    def _validate_record_demonstration_check(self, command: RecordDemonstrationCheck) -> None:
        self._decided(command)

    @workflow.update(name="ListAsDemonstration")
    def list_as_demonstration(self, command: ListAsDemonstration) -> ProcessView:
        return self._apply(command)

    @list_as_demonstration.validator
    def _validate_list_as_demonstration(self, command: ListAsDemonstration) -> None:
        self._decided(command)

    @workflow.update(name="DrawForSpotCheck")
    def draw_for_spot_check(self, command: DrawForSpotCheck) -> ProcessView:
        return self._apply(command)

    @draw_for_spot_check.validator
    def _validate_draw_for_spot_check(self, command: DrawForSpotCheck) -> None:
        self._decided(command)

    @workflow.update(name="CloseSpotCheckWindow")
    def close_spot_check_window(self, command: CloseSpotCheckWindow) -> ProcessView:
        return self._apply(command)

    @close_spot_check_window.validator
    def _validate_close_spot_check_window(self, command: CloseSpotCheckWindow) -> None:
        self._decided(command)

    @workflow.update(name="RecordSpotCheckVerdict")
    async def record_spot_check_verdict(self, command: RecordSpotCheckVerdict) -> ProcessView:
        return self._apply(await self._with_sheet(command))

    @record_spot_check_verdict.validator
    def _validate_record_spot_check_verdict(self, command: RecordSpotCheckVerdict) -> None:
        self._admitted(command)

    @workflow.update(name="RecordReReviewVerdict")
    async def record_re_review_verdict(self, command: RecordReReviewVerdict) -> ProcessView:
        return self._apply(await self._with_sheet(command))

    @record_re_review_verdict.validator
    def _validate_record_re_review_verdict(self, command: RecordReReviewVerdict) -> None:
        self._admitted(command)

    @workflow.update(name="StartLookBack")
    def start_look_back(self, command: StartLookBack) -> ProcessView:
        return self._apply(command)

    @start_look_back.validator
    def _validate_start_look_back(self, command: StartLookBack) -> None:
        self._decided(command)

    @workflow.update(name="RecordLookBackVerdict")
    async def record_look_back_verdict(self, command: RecordLookBackVerdict) -> ProcessView:
        # SHEETS_PATCH as in `_with_sheet`: an update recorded before verdicts were sheets carries the typed
        # `passed` (and maybe `order_reacceptance`) and read no sheet; its replay decides as the code then did.
        if not workflow.patched(SHEETS_PATCH) and command.passed is not None:
            return self._apply(command)
        if not self._current().handled(command.request_id):
            [sheet] = await self._read_sheets((command.sheet_id,))
            command = replace(command, sheet=sheet)
        return self._apply(command)

    @record_look_back_verdict.validator
    def _validate_record_look_back_verdict(self, command: RecordLookBackVerdict) -> None:
        self._admitted(command)

    @workflow.update(name="ReportLookBackRectified")
    def report_look_back_rectified(self, command: ReportLookBackRectified) -> ProcessView:
        return self._apply(command)

    @report_look_back_rectified.validator
    def _validate_report_look_back_rectified(self, command: ReportLookBackRectified) -> None:
        self._decided(command)

    @workflow.update(name="VerifyLookBackRectification")
    def verify_look_back_rectification(self, command: VerifyLookBackRectification) -> ProcessView:
        return self._apply(command)

    @verify_look_back_rectification.validator
    def _validate_verify_look_back_rectification(self, command: VerifyLookBackRectification) -> None:
        self._decided(command)

    @workflow.update(name="OrderReacceptance")
    def order_reacceptance(self, command: OrderReacceptance) -> ProcessView:
        return self._apply(command)

    @order_reacceptance.validator
    def _validate_order_reacceptance(self, command: OrderReacceptance) -> None:
        self._decided(command)

    @workflow.update(name="StartReacceptance")
    async def start_reacceptance(self, command: StartReacceptance) -> ProcessView:
        """重新实施建设验收 under a new campaign: answered once the new campaign's process has started."""
        self._apply(command)
        await workflow.wait_condition(lambda: bool(self._continued_by))
        return self.view()

    @start_reacceptance.validator
    def _validate_start_reacceptance(self, command: StartReacceptance) -> None:
        self._decided(command)

    @workflow.update(name="ApplySheetCorrection")
    def apply_sheet_correction(self, command: ApplySheetCorrection) -> ProcessView:
        """A correction the scoring service signed (its event): recorded when it replaces a verdict's sheet."""
        return self._apply(self._stamped(command))

    @apply_sheet_correction.validator
    def _validate_apply_sheet_correction(self, command: ApplySheetCorrection) -> None:
        self._decided(self._stamped(command))

    @workflow.update(name="RefreshCalendar")
    async def refresh_calendar(self, command: RefreshCalendar) -> ProcessView:
        """Load the holiday schedule again (a new year was published) and recompute what depends on it."""
        self._use(await self._load_schedule())
        return self._apply(command)

    @refresh_calendar.validator
    def _validate_refresh_calendar(self, command: RefreshCalendar) -> None:
        self._decided(command)

    # --- deciding and recording --------------------------------------------------------------------------------

    def _now(self) -> datetime:
        """The process's clock: the server's, shifted in drills and tests."""
        return workflow.now() + self._offset

    def _current(self) -> ProcessState:
        assert self._state is not None, "the process is opened before anything reads its state"
        return self._state

    def _decided(self, command: Command, rules: ProcessRules | None = None) -> list[Event]:
        """The events `command` causes now, or the refusal a clerk reads (`rules`: the handler's, see
        `_recorded_rules`; a validator runs only live, with the current rules)."""
        if self._state is None or self._rules is None:
            raise refusal(ProcessNotFound("流程正在建立，请稍后再试"))
        try:
            events = decide(self._state, command, rules or self._rules)
        except DomainError as error:
            raise refusal(error) from None
        self._refuse_future(command)
        return events

    def _refuse_future(self, command: Command) -> None:
        now = self._now()
        if command.at > now + CLOCK_TOLERANCE:
            late = InvalidCommand(
                f"时间 {command.at.isoformat()} 晚于当前时间 {now.isoformat()}，不能登记尚未发生的事",
                field="at",
            )
            raise refusal(late)

    def _admitted(self, command: VerdictCommand) -> None:
        """A verdict's validator: what can be refused before its sheet is read (domain.process.admit)."""
        try:
            admit(self._state, command)
        except DomainError as error:
            raise refusal(error) from None
        self._refuse_future(command)

    async def _with_sheet(self, command: _Verdict) -> _Verdict:
        """The verdict with its signed sheet, read from the scoring service (DESIGN "Verdicts are sheets")."""
        # SHEETS_PATCH: an update recorded before verdicts were sheets carries a typed score and read no sheet;
        # replaying it (no marker) decides on that score as the code then did. `patched` answers once per run, so
        # a run begun before the change still reads the sheet of every verdict that names one.
        if not workflow.patched(SHEETS_PATCH) and command.score is not None:
            return command
        if self._current().handled(command.request_id):
            return command  # a retry: decide records nothing, there is nothing to read
        [sheet] = await self._read_sheets((command.sheet_id,))
        return replace(command, sheet=sheet)

    async def _read_sheets(self, sheet_ids: tuple[str, ...]) -> tuple[SignedSheet, ...]:
        """Read through an activity (recorded: a replay never calls scoring); unknown sheets are refused, an
        unreachable scoring service is retried until it answers."""
        try:
            return await workflow.execute_activity_method(
                ProcessActivities.read_sheets,
                sheet_ids,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=_RETRY,
                summary=f"读取评分表：{'、'.join(sheet_ids)}",
            )
        except ActivityError as failure:
            cause = failure.cause
            error = domain_error_of(cause) if isinstance(cause, ApplicationError) else None
            if error is None:
                raise
            raise refusal(error) from None

    def _stamped(self, command: ApplySheetCorrection) -> ApplySheetCorrection:
        """A correction is recorded when the process learns of it, on the process's clock."""
        now = self._now()
        return replace(command, at=max(now, self._state.updated_at) if self._state else now)

    def _apply(self, command: Command) -> ProcessView:
        self._record(self._decided(command, self._recorded_rules()))
        return self.view()

    def _recorded_rules(self) -> ProcessRules:
        """The rules a handler or a timer decides by: a history recorded before NOTICE_PATCH replays the notice as
        it was decided then (domain.process.ProcessRules.legacy_notice). Never called from a validator."""
        assert self._rules is not None
        if workflow.patched(NOTICE_PATCH):
            return self._rules
        return replace(self._rules, legacy_notice=True)

    def _record(self, events: list[Event]) -> None:
        for event in events:
            before = self._state
            after = evolve(before, event)
            missed = before.deadline(event.kind) if isinstance(event, DeadlineMissed) and before else None
            step = StepTaken.of(event, before, after, missed)
            self._outbox.append(Outgoing(event.actor, event.request_id, step=step))
            self._queue_findings(event, after)
            self._state = after
        self._changed = True

    def _queue_findings(self, event: Event, state: ProcessState) -> None:
        found_by = FOUND_BY.get(type(event))
        findings = getattr(event, "findings", ())
        if found_by is None or not findings:
            return
        deadline: Deadline | None = getattr(event, "deadline", None)
        self._to_file.append(
            FindingsToFile(
                unit=self._unit,
                found_by=found_by,
                found_on=local_date(event.at),
                finder=event.actor.organisation,
                findings=findings,
                codes=finding_codes(found_by, state.campaign.name, event.request_id, len(findings)),
                rectify_by=deadline.due_on if deadline else None,
            )
        )

    def _use(self, schedule: HolidaySchedule) -> None:
        self._schedule = schedule
        self._rules = self._settings.rules(schedule)

    async def _load_schedule(self) -> HolidaySchedule:
        return await workflow.execute_activity_method(
            ProcessActivities.load_holiday_schedule,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_RETRY,
            summary="读取节假日安排（国务院办公厅部分节假日安排）",
        )

    async def _open(self, input: ProcessInput) -> None:
        start = input.open or input.imported
        if start is None:
            raise ApplicationError("须给出建立（open）或导入（imported）流程的命令", non_retryable=True)
        self._use(await self._load_schedule())
        assert self._rules is not None
        try:
            events = decide(None, start, self._rules)
        except DomainError as error:
            raise refusal(error) from None  # the process cannot start: the workflow fails with the reason
        self._record(events)

    # --- timers ------------------------------------------------------------------------------------------------

    def _next_alarm(self) -> Alarm | None:
        found = alarms(self._current(), max(self._now(), self._rung_until))
        return found[0] if found else None

    async def _until_next_alarm(self) -> None:
        """Sleep until the next alarm rings, or until the state changes (then the caller re-arms)."""
        alarm = self._next_alarm()
        self._changed = False

        def woken() -> bool:
            return self._changed or self._history_is_long()

        if alarm is None:
            await workflow.wait_condition(woken)
            return
        delay = alarm.at - self._now()
        if delay > timedelta(0):
            try:
                summary = summaries.alarm_summary(alarm, self._current())
                await workflow.wait_condition(woken, timeout=delay, timeout_summary=summary)
                return
            except TimeoutError:
                pass
        self._ring(alarm)

    def _ring(self, alarm: Alarm) -> None:
        state = self._current()
        assert self._rules is not None
        if alarm.kind is AlarmKind.REMINDER:
            deadline = state.deadline(alarm.deadline_kind) if alarm.deadline_kind else None
            assert deadline is not None and alarm.working_days_before is not None
            self._rung_until = max(self._rung_until, alarm.at)
            request_id = f"timer/reminder/{deadline.kind.value}/{deadline.due_on}/{alarm.working_days_before}"
            reminder = ReminderDue(deadline, alarm.working_days_before, alarm.at)
            self._outbox.append(Outgoing(SYSTEM, request_id, reminder=reminder))
            return
        # What a timer records carries the moment it was due, even when it runs late.
        at = max(alarm.at, state.updated_at)
        command: Command
        if alarm.kind is AlarmKind.ESCALATION:
            assert alarm.deadline_kind is not None
            due = state.deadline(alarm.deadline_kind)
            assert due is not None
            label = summaries.DEADLINE_LABELS[alarm.deadline_kind]
            command = RecordDeadlineMissed(
                actor=SYSTEM,
                request_id=f"timer/deadline-missed/{alarm.deadline_kind.value}/{due.due_on}",
                at=at,
                reason=f"{label}期限 {due.due_on} 24:00 已过，尚未完成",
                kind=alarm.deadline_kind,
            )
        else:
            command = CloseNotice(
                actor=SYSTEM,
                request_id=f"timer/notice-ended/{alarm.at.isoformat()}",
                at=at,
                reason="公示期满",
            )
        # A refusal here is a bug, not a clerk's mistake: let it fail the workflow task (retried after a fix)
        # rather than the process.
        events = decide(state, command, self._recorded_rules())
        if not events:
            raise RuntimeError(f"timer command {command.request_id} changed nothing; it would ring for ever")
        self._record(events)

    # --- effects -----------------------------------------------------------------------------------------------

    async def _publish_forever(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._outbox))
            items = tuple(self._outbox[:PUBLISH_BATCH])
            batch = PublishBatch(
                stream_id=workflow.info().workflow_id,
                unit=self._unit,
                expected_version=self._stream_version,
                items=items,
            )
            self._stream_version = await workflow.execute_activity_method(
                ProcessActivities.publish_events,
                batch,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=_RETRY,
                summary=f"事件入库并发布：{len(items)} 项",
            )
            del self._outbox[: len(items)]

    async def _file_forever(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._to_file))
            request = self._to_file[0]
            filed = await workflow.execute_activity_method(
                ProcessActivities.file_findings,
                request,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=_RETRY,
                summary=f"发现的问题登记入问题清单：{len(request.findings)} 条",
            )
            self._filings.extend(filed)
            del self._to_file[0]
            self._show()

    def _effects_done(self) -> bool:
        return not self._outbox and not self._to_file

    # --- visibility --------------------------------------------------------------------------------------------

    def _show(self) -> None:
        """Keep the search attributes and the current details in step with the state."""
        state = self._current()
        wanted = search_attributes.visible(self._unit, state, named=workflow.patched(UNIT_ATTRIBUTES_PATCH))
        updates = search_attributes.changes(self._visible, wanted)
        if updates:
            workflow.upsert_search_attributes(updates)
        self._visible = wanted
        workflow.set_current_details(summaries.current_details(state, tuple(self._filings)))

    # --- long histories and new campaigns ----------------------------------------------------------------------

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self._settings.history_limit
        )

    def _carried(self, *, new_stream: bool) -> Carried:
        assert self._schedule is not None
        return Carried(
            state=self._current(),
            schedule=self._schedule,
            stream_version=0 if new_stream else self._stream_version,
            filings=() if new_stream else tuple(self._filings),
        )

    async def _continue_as_new(self) -> None:
        # Handlers finish and effects drain first: nothing accepted may be lost between the runs.
        await workflow.wait_condition(lambda: self._effects_done() and workflow.all_handlers_finished())
        self._show()
        workflow.continue_as_new(
            ProcessInput(
                unit=self._unit,
                settings=self._settings,
                clock_offset=self._offset,
                carried=self._carried(new_stream=False),
            )
        )

    async def _hand_over(self) -> ProcessView:
        """000 三（五）重新实施建设验收: the new campaign continues in its own process; this one closes."""
        await workflow.wait_condition(self._effects_done)
        state = self._current()
        successor = successor_id(workflow.info().workflow_id, self._unit, state.campaign.name)
        await workflow.start_child_workflow(
            ProcessWorkflow.run,
            ProcessInput(
                unit=self._unit,
                settings=self._settings,
                clock_offset=self._offset,
                carried=self._carried(new_stream=True),
            ),
            id=successor,
            parent_close_policy=ParentClosePolicy.ABANDON,
            static_summary=summaries.static_summary(self._unit, state.campaign.name),
            static_details=summaries.static_details(self._unit),
        )
        self._continued_by = successor
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()
