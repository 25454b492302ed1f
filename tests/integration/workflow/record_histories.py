"""Record the history of every path of the process workflow for the replay test.

`.venv/bin/python -m tests.integration.workflow.record_histories` runs each scenario of scenarios.py on its own
time-skipping server and writes the history of every run of every workflow it drove to histories/ as JSON
(`<scenario>.json`; `-w<n>` for a scenario's further workflows, `-r<n>` for runs after a continue-as-new).
Run it after adding a path, and commit the files: test_workflow_replay.py replays them against the code, so a
change that would break a running workflow fails there until it goes through `workflow.patched`. Name scenarios
to record only those (`… record_histories town_accepted_over_national_day`).

histories/before-issue-11/ holds the histories recorded before verdicts were sheets (typed scores, the notice
without its channel): never re-recorded, they stand for the processes that were running when the change shipped.
histories/before-issue-13/ likewise holds those recorded before the unit's name and official code joined the search
attributes (workflows.UNIT_ATTRIBUTES_PATCH).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tests.integration.workflow.harness import Harness, time_skipping_server
from tests.integration.workflow.scenarios import SCENARIOS

HISTORIES = Path(__file__).parent / "histories"


async def record(name: str) -> list[Path]:
    written = []
    with tempfile.TemporaryDirectory() as folder:
        async with time_skipping_server() as env:
            harness = Harness.over(env.client, Path(folder), env=env)
            async with harness.worker():
                handles = await SCENARIOS[name](harness)
                for n, handle in enumerate(handles):
                    for m, history in enumerate(await harness.runs(handle.id)):
                        suffix = (f"-w{n}" if n else "") + (f"-r{m}" if m else "")
                        path = HISTORIES / f"{name}{suffix}.json"
                        path.write_text(history.to_json(), encoding="utf-8")
                        written.append(path)
            harness.app.engine.dispose()
    return written


async def main(names: list[str]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    for name in names:
        if name not in SCENARIOS:
            raise SystemExit(f"no scenario {name!r}; scenarios: {', '.join(SCENARIOS)}")
    for stale in HISTORIES.glob("*.json"):
        if not names or stale.stem.split("-")[0] in names:
            stale.unlink()
    for name in names or SCENARIOS:
        for path in await record(name):
            print(f"recorded {path.relative_to(Path.cwd())}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
