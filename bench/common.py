"""Helpers shared by the benchmarks: timing and the printed table."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Timer:
    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)


@contextmanager
def timed() -> Iterator[Timer]:
    timer = Timer()
    timer._start = time.perf_counter()
    yield timer
    timer.seconds = time.perf_counter() - timer._start


def print_table(title: str, rows: list[tuple[str, int, float]], *, baseline: str) -> None:
    """Rows of (what, count, seconds); the ratio of each rate to the baseline row's rate is printed."""
    rates = {name: count / seconds for name, count, seconds in rows}
    base = rates[baseline]
    print(f"\n{title}")
    print(f"{'measurement':<48} {'count':>8} {'seconds':>9} {'per second':>12} {'vs baseline':>12}")
    for name, count, seconds in rows:
        print(f"{name:<48} {count:>8} {seconds:>9.3f} {rates[name]:>12.1f} {rates[name] / base:>11.3f}x")
