"""`make chaos`: the full fault campaign (1,000 towns, 100 faults by default), its report under
tests/chaos/reports/. Exit status 1 when an invariant does not hold."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from tests.chaos import campaign, report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--seed", type=int, default=None, help="default: drawn, and printed")
    parser.add_argument("--towns", type=int, default=1000)
    parser.add_argument("--faults", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--gap", type=float, default=4.0, help="mean seconds between two faults")
    parser.add_argument("--longest", type=float, default=4.0, help="longest down or paused time, seconds")
    parser.add_argument("--patience", type=float, default=300.0, help="seconds a command is retried")
    parser.add_argument("--quick", action="store_true", help="only faults recovered from in about a second")
    parser.add_argument("--reports", type=Path, default=Path(__file__).parent / "reports")
    parser.add_argument("--keep", action="store_true", help="keep the data and logs folder")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    print(f"chaos: seed {seed}, {args.towns} towns, {args.faults} faults", flush=True)
    outcome = campaign.run(
        seed=seed,
        towns=args.towns,
        faults=args.faults,
        threads=args.threads,
        gap=args.gap,
        longest=args.longest,
        patience=args.patience,
        menu=campaign.QUICK_FAULTS if args.quick else campaign.EVERY_FAULT,
        keep=args.keep,
    )
    path = report.write(outcome, args.reports)
    print(f"chaos: {'every invariant holds' if outcome.holds else 'ANOMALIES'}; report {path}", flush=True)
    return 0 if outcome.holds else 1


if __name__ == "__main__":
    sys.exit(main())
