"""`make run`'s supervisor: a service that exits is restarted with a doubling delay (1 s, 2 s … at most 30 s), reset
once it has run healthy for a while; the console says so; the others run on; only stop_all stops them."""

from __future__ import annotations

import signal
import subprocess
import sys

from zdz_local.processes import Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _python(code: str):  # type: ignore[no-untyped-def]
    return lambda: subprocess.Popen([sys.executable, "-S", "-c", code])


def test_a_crashing_service_is_restarted_with_doubling_delays_and_the_others_run_on() -> None:
    clock, lines = Clock(), []
    supervisor = Supervisor(lines.append, first_delay=1, max_delay=30, healthy_after=60, clock=clock)
    steady = supervisor.start("notify", _python("import time; time.sleep(60)"))
    crashing = supervisor.start("registry", _python("raise SystemExit(1)"))
    delays = []
    for _ in range(7):
        crashing.wait()
        supervisor.check()
        said = lines[-1]
        assert said.startswith("zdz: registry exited with 1; restarting in "), said
        delays.append(float(said.rsplit(" ", 2)[1]))
        clock.now += delays[-1] - 0.1
        supervisor.check()
        assert supervisor.restarts("registry") == len(delays) - 1  # not before its delay is over
        clock.now += 0.1
        supervisor.check()
        assert lines[-1].startswith("zdz: registry restarted (pid ")
        crashing = supervisor.processes[1]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert supervisor.processes[0] is steady and steady.poll() is None  # never touched
    supervisor.stop_all()
    assert all(p.poll() is not None for p in supervisor.processes)
    supervisor.check()
    assert supervisor.restarts("notify") == 0


def test_the_delay_starts_again_after_a_service_ran_healthy_and_a_kill_9_is_named() -> None:
    clock, lines = Clock(), []
    supervisor = Supervisor(lines.append, first_delay=1, max_delay=30, healthy_after=60, clock=clock)
    supervisor.start("scoring", _python("import time; time.sleep(60)"))

    def kill_after(seconds: float) -> str:
        clock.now += seconds
        process = supervisor.processes[0]
        process.send_signal(signal.SIGKILL)
        process.wait()
        supervisor.check()
        said = lines[-1]
        clock.now += 30
        supervisor.check()  # restarted
        return said

    assert kill_after(5) == "zdz: scoring was killed by signal 9; restarting in 1 s"
    assert kill_after(5) == "zdz: scoring was killed by signal 9; restarting in 2 s"
    assert kill_after(61) == "zdz: scoring was killed by signal 9; restarting in 1 s"  # it had run healthy
    assert supervisor.restarts("scoring") == 3
    supervisor.stop_all()
