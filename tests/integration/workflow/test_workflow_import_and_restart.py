"""A unit imported part-way through, a worker shut down while a timer runs, a holiday schedule loaded for a new
year: the process carries on."""

from __future__ import annotations

from datetime import date

from tests.integration.workflow import scenarios
from tests.integration.workflow.harness import CITY, DISTRICT, TOWN, TOWN_OFFICE, YANJIA, Harness, at, signed
from zdz.workflow.v1 import events_pb2
from zdz_common.context import SYSTEM
from zdz_common.vocabulary import Stage
from zdz_workflow.domain.commands import ImportProcess
from zdz_workflow.domain.sheets import SheetKind
from zdz_workflow.domain.values import FIRST_CAMPAIGN, NoticeStatus


async def test_a_park_group_accepted_in_2024_is_registered_at_accepted_with_its_past_dates(
    running: Harness,
) -> None:
    [handle] = await scenarios.imported_park_accepted(running)

    # The registry follows district progress from stage_entered: the import says ACCEPTED, from nothing.
    [entered] = await running.published(handle.id, 1)
    message = events_pb2.StageEntered.FromString(entered.data)
    assert (message.from_stage, message.to_stage, message.step) == ("", "ACCEPTED", "ProcessImported")
    assert (message.unit.id, message.unit.district_code, message.latest_grade) == (
        YANJIA.unit_id,
        "changshou",
        "EXCELLENT",
    )
    attributes = await running.search_attributes(handle.id)
    assert (attributes["ZdzStage"], attributes["ZdzLatestScore"]) == ("ACCEPTED", 92.0)
    assert entered.actor == CITY


async def test_a_unit_imported_during_its_notice_is_filed_when_the_notice_ends_on_the_calendar(
    running: Harness,
) -> None:
    # On 2024-10-08 a town whose district acceptance passed on 09-20 is brought in mid-notice: published 09-27,
    # so it ends 10-10 24:00 (see the town's path), and the workflow's timer takes it from there to 备案.
    acceptance = signed(TOWN, SheetKind.DISTRICT_ACCEPTANCE, "88.00", "2024-09-20")
    command = ImportProcess(
        actor=DISTRICT,
        request_id="import-town-notice",
        at=at("2024-10-08", 9),
        unit_id=TOWN.unit_id,
        unit_kind=TOWN.kind,
        campaign=FIRST_CAMPAIGN,
        stage=Stage.PUBLIC_NOTICE,
        stage_since=at("2024-09-20"),
        sheet_ids=(acceptance.sheet_id,),
        sheets=(acceptance,),
        notice_published_on=date(2024, 9, 27),
    )
    d = await running.start(TOWN, clock_starts=at("2024-10-08", 9), imported=command)
    view = await d.view()
    assert view.state and view.state.notice_status is NoticeStatus.RUNNING
    view = await scenarios.file_after_notice(d, at("2024-10-11"))
    assert view.state and view.state.history[-2].at == at("2024-10-11", 0)  # NoticeElapsed, then ResultFiled


async def test_a_worker_shut_down_while_the_notice_timer_runs_leaves_a_new_worker_to_complete_it(
    skipping: Harness,
) -> None:
    # A first worker takes the town to its public notice (ends 10-10 24:00), then shuts down with the notice's
    # timer armed on the server. (It keeps no workflow cache: see Harness.worker.)
    async with skipping.worker(sticky=False):
        d = await scenarios.open_town(skipping)
        await scenarios.to_notice(d, TOWN_OFFICE)
        await skipping.published(d.handle.id, 7)

    # A week of the notice passes with no worker anywhere (National Day: nothing is due until 10-11 00:00).
    await d.wait_until(at("2024-10-07", 9))

    # A new worker, over a new engine on the same database, knows nothing of the process; when the timer fires
    # it replays the history and completes it: the notice elapses at the moment it ended (the district is to
    # file the result), and its event joins the same chain.
    restarted = skipping.restarted()
    async with restarted.worker():
        await d.wait_until(at("2024-10-11", 0, 1))
        view = await d.settled(
            lambda v: v.state is not None and v.state.notice_status is NoticeStatus.ELAPSED
        )
        elapsed = view.state.history[-1]  # type: ignore[union-attr]
        assert (elapsed.event, elapsed.at, elapsed.actor) == ("NoticeElapsed", at("2024-10-11", 0), SYSTEM)
        events = await restarted.published(d.handle.id, 8)
    assert [e.version for e in events] == list(range(1, 9))
    assert events[-1].type == "zdz.workflow.process.step_recorded"
    restarted.app.engine.dispose()


async def test_a_new_years_holiday_schedule_loaded_as_data_recomputes_a_provisional_deadline(
    running: Harness,
) -> None:
    [handle] = await scenarios.calendar_refreshed_with_a_new_year(running)

    # The reminder went out on 09-30 as the loaded schedule has it, naming that schedule's version.
    events = await running.published(handle.id, 6)
    [reminder] = [e for e in events if e.type == "zdz.workflow.deadline.approaching"]
    message = events_pb2.DeadlineApproaching.FromString(reminder.data)
    assert (message.working_days_left, message.provisional) == (7, False)
    assert message.calendar_version == "chinesecalendar-1.11.0+gov-2027-illustrative"
    assert "zdz.workflow.process.step_recorded" in [e.type for e in events]  # CalendarRefreshed, in the trail
