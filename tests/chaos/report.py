"""The campaign's markdown report: seed, scale, every fault with its time, every invariant with its figures, and
the anomalies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.chaos.invariants import Check
from tests.chaos.system import Fault
from tests.chaos.workload import Command


@dataclass
class Outcome:
    seed: int
    towns: int
    threads: int
    faults: list[Fault]
    commands: list[Command]
    checks: list[Check]
    timings: dict[str, float]
    notes: list[str] = field(
        default_factory=list
    )  # anomalies outside the invariants (a part died, a client gave up)

    @property
    def holds(self) -> bool:
        return all(check.holds for check in self.checks) and not self.notes


def markdown(outcome: Outcome) -> str:
    o = outcome
    lines = [
        f"# Fault campaign, seed {o.seed}",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (`python -m tests.chaos --seed {o.seed} --towns {o.towns} "
        f"--faults {len(o.faults)}`): {o.towns} towns of the official load driven by {o.threads} concurrent "
        "clients over gRPC against registry, scoring, workflow and notify (each its own OS process on its own "
        "PostgreSQL database), nats-server (JetStream, file store) and the Temporal dev server, all on loopback.",
        "",
        f"**Result: {'every invariant holds' if o.holds else 'ANOMALIES FOUND'}.**",
        "",
        "## Timings (seconds)",
        "",
        *[f"- {name}: {seconds:.1f}" for name, seconds in o.timings.items()],
        "",
        "## Commands",
        "",
        "| command | sent | acked | refused | applied, answer lost | undecided | retries |",
        "|---|---|---|---|---|---|---|",
    ]
    kinds = sorted({c.what for c in o.commands})
    for what in kinds:
        mine = [c for c in o.commands if c.what == what]
        outcomes = Counter(c.outcome for c in mine)
        retries: Counter[str] = Counter()
        for c in mine:
            retries.update(c.retried_codes)
        lines.append(
            f"| {what} | {len(mine)} | {outcomes['acked']} | {outcomes['refused']} | "
            f"{outcomes['applied-answer-lost']} | {outcomes['undecided']} | "
            f"{', '.join(f'{k} {v}' for k, v in sorted(retries.items())) or '–'} |"
        )
    total = Counter(c.outcome for c in o.commands)
    lines += [
        f"| **all** | {len(o.commands)} | {total['acked']} | {total['refused']} | "
        f"{total['applied-answer-lost']} | {total['undecided']} | |",
        "",
        "## Faults",
        "",
        f"{len(o.faults)} faults, one at a time, drawn from the seed: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(f"{f.kind} {f.target}" for f in o.faults).items())),
        "",
        "| # | at (s) | target | fault | down/paused (s) | answering again after (s) | note |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {i} | {f.at:.1f} | {f.target} | {f.kind} | {f.seconds:.1f} | {f.recovered_in:.1f} | {f.note} |"
            for i, f in enumerate(o.faults, start=1)
        ],
        "",
        "## Invariants",
        "",
    ]
    for check in o.checks:
        lines += [f"### {'✓' if check.holds else '✗'} {check.name}", ""]
        lines += [f"- {name}: {value}" for name, value in check.figures.items()]
        if check.anomalies:
            lines += ["", f"Anomalies ({len(check.anomalies)}):", ""]
            lines += [f"- {a}" for a in check.anomalies[:50]]
            if len(check.anomalies) > 50:
                lines.append(f"- … and {len(check.anomalies) - 50} more")
        lines.append("")
    lines += [
        "## Answers that were not the status of a fault",
        "",
        "A part down or paused must answer UNAVAILABLE (or the client's deadline passes); UNKNOWN and INTERNAL "
        "mean an error the service did not classify (retried with the same key all the same). First text of each:",
        "",
    ]
    odd = Counter(
        (what, code, detail)
        for c in o.commands
        for code, detail in c.first_details.items()
        if code in ("UNKNOWN", "INTERNAL")
        for what in [c.what]
    )
    lines += [f"- {what} {code} ×{n}: {detail!r}" for (what, code, detail), n in odd.most_common(20)] or [
        "None."
    ]
    lines += ["", "## Other anomalies", ""]
    lines += [f"- {note}" for note in o.notes] or ["None."]
    return "\n".join(lines) + "\n"


def write(outcome: Outcome, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"campaign-seed{outcome.seed}-{outcome.towns}towns-{len(outcome.faults)}faults.md"
    path.write_text(markdown(outcome), encoding="utf-8")
    return path
