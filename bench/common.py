"""Helpers shared by the benchmarks: timing and the printed table."""

from __future__ import annotations

import argparse
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
    width = max(48, *(len(name) for name, _, _ in rows))
    print(f"{'measurement':<{width}} {'count':>8} {'seconds':>9} {'per second':>12} {'vs baseline':>12}")
    for name, count, seconds in rows:
        print(f"{name:<{width}} {count:>8} {seconds:>9.3f} {rates[name]:>12.1f} {rates[name] / base:>11.3f}x")


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` in 0..100) of `samples`."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(share / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def print_latencies(title: str, rows: list[tuple[str, list[float]]]) -> None:
    """Rows of (what, latencies in seconds): count, p50, p99 and max in milliseconds."""
    print(f"\n{title}")
    print(f"{'measurement':<60} {'calls':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for name, samples in rows:
        p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
        print(f"{name:<60} {len(samples):>6} {p50:>9.1f} {p99:>9.1f} {max(samples) * 1000:>9.1f}")


def scale_argument(argv: list[str] | None, default_count: int) -> tuple[int, float, int, bool]:
    """The arguments every bench module takes: `[COUNT] [--scale PCT] [--seed N] [--tiny]`.

    Returns (count, scale, seed, tiny); `--tiny` is the smoke test's size (a handful of each)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("count", nargs="?", type=int, default=default_count)
    parser.add_argument("--scale", type=float, default=10.0, help="per cent of the real city (1, 10, 100)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--tiny", action="store_true", help="a handful of each: the smoke test in make test")
    args = parser.parse_args(argv)
    return args.count, args.scale, args.seed, args.tiny
