"""One campaign: start the system, drive the programme while the nemesis injects its faults one at a time,
settle, check every invariant, stop everything."""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.chaos import invariants
from tests.chaos.report import Outcome
from tests.chaos.system import FAULT_KINDS, SERVICES, TARGETS, Fault, System
from tests.chaos.workload import Clients, Programme, towns_of_the_city

# What can hit the system: every kind of fault on every part (`make chaos`). The campaign inside `make test` keeps
# to the faults a part recovers from in about a second (every fault of the servers, pauses of the services), as a
# service's restart takes 5–15 s of Python start-up on two cores.
EVERY_FAULT = tuple((target, kind) for target in TARGETS for kind in FAULT_KINDS)
QUICK_FAULTS = tuple(
    (target, kind) for target, kind in EVERY_FAULT if target not in SERVICES or kind == "pause"
)


def draw_faults(
    rng: random.Random, count: int, gap: float, longest: float, menu: Sequence[tuple[str, str]] = EVERY_FAULT
) -> list[Fault]:
    """`count` faults drawn uniformly from `menu`, each down or paused 0.2 s to `longest`, after about `gap`
    seconds of quiet."""
    faults = []
    for _ in range(count):
        after, seconds = round(rng.uniform(0.5, 1.5) * gap, 1), round(rng.uniform(0.2, longest), 1)
        target, kind = rng.choice(menu)
        faults.append(Fault(after, target, kind, seconds))
    return faults


class Nemesis(threading.Thread):
    """Injects the faults in order, one at a time, each after its quiet time."""

    def __init__(self, system: System, faults: list[Fault], started: float) -> None:
        super().__init__(daemon=True)
        self.system, self.faults, self.started = system, faults, started
        self.errors: list[str] = []

    def run(self) -> None:
        for fault in self.faults:
            time.sleep(fault.after)
            fault.at = time.monotonic() - self.started
            try:
                self.system.inject(fault)
            except Exception as error:  # a part that would not come back is the report's anomaly
                fault.note = f"{type(error).__name__}: {error}"[:600]
                self.errors.append(f"fault {fault.kind} {fault.target} at {fault.at:.1f}s: {fault.note}")


def checked(check: Callable[[], invariants.Check]) -> invariants.Check:
    """The check's result with its time; a check that could not be made says so (the report is always written)."""
    began = time.monotonic()
    try:
        result = check()
    except Exception as error:
        result = invariants.Check(
            "a check", anomalies=[f"could not be made: {type(error).__name__}: {error}"]
        )
    result.figures["seconds to check"] = round(time.monotonic() - began, 1)
    return result


def run(
    *,
    seed: int,
    towns: int,
    faults: int,
    threads: int,
    gap: float,
    longest: float = 4.0,
    patience: float = 300.0,
    menu: Sequence[tuple[str, str]] = EVERY_FAULT,
    keep: bool = False,
) -> Outcome:
    rng = random.Random(seed)
    base = Path(tempfile.mkdtemp(prefix="zdz-chaos-"))
    system = System(base)
    timings: dict[str, float] = {}
    began = time.monotonic()
    try:
        system.start()
        timings["start (PostgreSQL, NATS, Temporal, migrations, services, official load)"] = (
            time.monotonic() - began
        )
        started = time.monotonic()
        clients = Clients(system, seed, started, patience=patience)
        chosen = towns_of_the_city(clients, towns, rng)
        programme = Programme(clients, chosen)
        schedule = draw_faults(rng, faults, gap, longest, menu)
        nemesis = Nemesis(system, schedule, started)
        nemesis.start()
        programme.run(threads)
        timings["programme"] = time.monotonic() - started
        nemesis.join()
        timings["programme and faults"] = time.monotonic() - started
        timings["faults injected while the programme ran"] = sum(
            1 for f in schedule if f.at <= timings["programme"]
        )
        notes = list(nemesis.errors) + programme.failures
        dead = [part for part, up in system.alive().items() if not up]
        notes += [f"{part} was not running after the faults (it died on its own)" for part in dead]
        mark = time.monotonic()
        settled = invariants.settle(system)
        timings["settle"] = time.monotonic() - mark
        if any(settled["unsent"].values()) or any(settled["pending"].values()):  # type: ignore[attr-defined]
            notes.append(f"not settled within the bound: {settled}")
        mark = time.monotonic()
        events = invariants.stored_events(system)
        commands = clients.commands
        checks = [
            checked(lambda: invariants.acknowledged_once(commands, events, system)),
            checked(lambda: invariants.projections(clients, chosen, commands)),
            checked(lambda: invariants.stages_agree(clients, chosen, system)),
            checked(lambda: invariants.notifications(events, system)),
            checked(lambda: invariants.chains(system)),
            checked(lambda: invariants.refeed(clients, events, system)),
            checked(lambda: invariants.no_trace_of_refusals(commands, events, system)),
        ]
        timings["checks"] = time.monotonic() - mark
        clients.close()
        undecided = [c for c in commands if c.outcome == "undecided"]
        notes += [
            f"undecided after {c.attempts} attempts: {c.what} {c.key} ({c.code} {c.detail})"
            for c in undecided
        ]
        return Outcome(seed, len(chosen), threads, schedule, commands, checks, timings, notes)
    finally:
        system.stop()
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
