"""`make bench` / `python -m bench [--scale 1|10|100] [--seed N] [--tiny]`: every benchmark module in bench/, each
printing its table(s) against a raw baseline measured in the same run.

The throughput benches (events, import, notify, scoring, lifecycles) run at their default sizes whatever the
scale; the city benches (city_queries, workflow_memory) build the synthetic Chongqing at `--scale` per cent.
`--tiny` runs each at a handful of items: the smoke test in `make test` (tests/integration/bench/).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

import bench

NOT_BENCHES = {"common", "city", "__main__"}


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in NOT_BENCHES)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    # Only the shared options go to every module (no module's own COUNT).
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scale", type=float, default=10.0, help="per cent of the real city (1, 10, 100)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args(argv)
    options = ["--scale", str(args.scale), "--seed", str(args.seed)] + (["--tiny"] if args.tiny else [])
    started = time.perf_counter()
    for name in modules():
        module = importlib.import_module(f"bench.{name}")
        begun = time.perf_counter()
        module.main(options)
        print(f"[bench.{name}: {time.perf_counter() - begun:.1f} s]", flush=True)
    print(f"\n[make bench: {time.perf_counter() - started:.1f} s in all]")


if __name__ == "__main__":
    main()
