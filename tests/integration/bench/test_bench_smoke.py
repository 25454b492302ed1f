"""The benchmarks cannot rot: every bench module runs at a tiny size inside `make test` and prints its table(s).

Nothing here asserts a timing; only that each module completes against its real servers (nats-server, the Temporal
dev server, gRPC on loopback) and prints every table with its baseline and ratio, or its percentiles.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.__main__ import modules
from bench.city import build_city
from zdz_common.vocabulary import UnitKind

ROOT = Path(__file__).resolve().parents[3]

# Each module's table titles, as printed: a ratio table has "vs baseline", a latency table "p99 ms".
EXPECTED = {
    "city_queries": ["registry: the synthetic city", "district progress and unit listing", "p99 ms"],
    "notify_throughput": ["notify: events per second", "vs baseline"],
    "registry_events": ["registry: events per second", "vs baseline"],
    "registry_import": ["registry: ledger rows imported per second", "vs baseline"],
    "scoring_sheets": ["score sheets per second", "PreviewSheet over gRPC against a raw gRPC echo"],
    "workflow_lifecycles": ["lifecycles per second", "a full lifecycle against a workflow of the same shape"],
    "workflow_memory": ["memory per 1,000 open workflows", "opening a process", "p99 ms"],
    "workflow_pacing": ["Temporal at city scale", "p99 ms"],
}


def test_every_bench_module_completes_at_a_tiny_size_and_prints_its_tables() -> None:
    assert modules() == sorted(EXPECTED), "a new bench module needs its expected tables listed here"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    output = done.stdout
    # Each module's output ends with its "[bench.NAME: … s]" line.
    sections = {name: body for body, name in re.findall(r"(.*?)\[bench\.(\w+): [\d.]+ s\]\n", output, re.S)}
    for name, titles in EXPECTED.items():
        assert name in sections, f"bench.{name} did not finish:\n{output[-2000:]}"
        for title in titles:
            assert title in sections[name], f"bench.{name} printed no {title!r}:\n{sections[name]}"
    # Every ratio printed is a number: each table measured its baseline in the same run.
    assert re.search(r"\d+\.\d{3}x", output)


def test_the_synthetic_city_at_full_scale_is_the_real_registry_data() -> None:
    city = build_city(100, seed=15)
    assert city.count(UnitKind.TOWN) == 1031
    assert city.count(UnitKind.PARK_GROUP) == 107
    assert len({d.code for d in city.districts}) == len(city.districts) >= 38
    assert {u.district_code for u in city.units} <= {d.code for d in city.districts}


def test_the_synthetic_city_is_deterministic_from_its_seed_and_sized_by_its_scale() -> None:
    one, again, other = build_city(10, seed=15), build_city(10, seed=15), build_city(10, seed=16)
    assert one.units == again.units and one.units != other.units
    assert [u.size for u in one.synthetic_units] == [u.size for u in again.synthetic_units]
    first = one.synthetic_units[0]
    assert [r.SerializeToString() for r in first.ledger(15)] == [
        r.SerializeToString() for r in again.synthetic_units[0].ledger(15)
    ]
    assert build_city(1).count(UnitKind.TOWN) == 10 and one.count(UnitKind.TOWN) == 103
    assert build_city(1).count(UnitKind.PARK_GROUP) >= 1


def test_synthetic_ledgers_are_sized_like_the_park_group_cases() -> None:
    # 002: from a few dozen to several hundred source households per unit (36 to 667), with pipes, plants,
    # outfalls and problems in proportion.
    city = build_city(10, seed=15)
    for unit in city.synthetic_units:
        assert 36 <= unit.size <= 667
        kinds = [row.WhichOneof("row") for row in unit.ledger(15)]
        assert kinds.count("source_household") == unit.size
        assert 50 <= kinds.count("pipe_segment") <= 300
        assert 1 <= kinds.count("treatment_facility") <= 4
        assert 5 <= kinds.count("outfall") <= 80
        assert 10 <= kinds.count("problem") == kinds.count("task_step") <= 30
