"""The console's scene: one `make run` on free ports (real services, NATS, Temporal), the console served by
uvicorn on a free port, and a 万州 programme in motion: a town at self-check (its ledger imported, its
tasks verified by the district), a town with no ledger yet (for the upload), and tokens for each organisation.

One system serves every console test of a pytest run; each test module takes fresh towns from it.
The programme is moved with the end-to-end driver's own steps (tests/e2e), over gRPC, as its people would.
`make run` starts the console itself (last, on ZDZ_CONSOLE_HTTP_ADDRESS): the browser tests drive that one; the
integration tests run the same app in-process (`console_config`) against the same services."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.ledgers import town_rows
from tests.e2e.make_run import environment, start, stop
from tests.e2e.programme import Caller, Programme
from tests.e2e.test_acceptance_programme_e2e import Backdated, Story, Subject
from zdz.events.v1 import refs_pb2
from zdz.registry.v1 import registry_pb2
from zdz_common.auth import Principal, Role
from zdz_console.config import ConsoleConfig
from zdz_local.services import GRPC_SERVICES

DISTRICT = "wanzhou"


@dataclass
class Scene:
    env: dict[str, str]
    data: Path
    programme: Programme
    console_url: str
    at_self_check: Subject
    no_ledger: registry_pb2.Unit
    city: Caller
    district: Caller
    other_district: Caller

    def unit_caller(self, unit: registry_pb2.Unit) -> Caller:
        return self.programme.unit_caller(unit)


def console_config(env: dict[str, str], data: Path, address: str = "127.0.0.1:0") -> ConsoleConfig:
    """The console's settings as `make run` gives them, for an in-process app."""
    saved = dict(os.environ)
    os.environ.update(env)
    os.environ["ZDZ_CONSOLE_HTTP_ADDRESS"] = address
    os.environ["ZDZ_AUTH_PUBLIC_KEY_FILE"] = str(data / "keys" / "dev-signing-key.pub.pem")
    os.environ["ZDZ_TEMPORAL_UI_URL"] = f"http://127.0.0.1:{env['ZDZ_TEMPORAL_UI_PORT']}"
    try:
        return ConsoleConfig.from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _towns(programme: Programme) -> list[registry_pb2.Unit]:
    page = programme.call(
        programme.registry.ListUnits,
        registry_pb2.ListUnitsRequest(district_code=DISTRICT, kind=refs_pb2.UNIT_KIND_TOWN, page_size=1000),
        programme.city,
    )
    return list(page.units)


@dataclass
class System:
    """One `make run` shared by every console test of a pytest run (starting it is most of their time); each
    test module takes its own towns from it (`cast`), so that no module sees another's changes."""

    env: dict[str, str]
    data: Path
    process: object
    programme: Programme
    story: Story
    towns: list[registry_pb2.Unit]
    printed: list[str]  # what `make run` printed up to "all up"
    users: int = 0

    def cast(self) -> Scene:
        at_self_check, no_ledger = self.towns.pop(0), self.towns.pop(0)
        subject = self.story.subject(at_self_check.name, town_rows())
        self.story.to_self_check(subject)
        programme = self.programme
        return Scene(
            env=self.env,
            data=self.data,
            programme=programme,
            console_url=f"http://{self.env['ZDZ_CONSOLE_HTTP_ADDRESS']}",
            at_self_check=subject,
            no_ledger=no_ledger,
            city=programme.city,
            district=programme.district_caller(DISTRICT),
            other_district=programme.caller(
                Principal(role=Role.DISTRICT_TASK_FORCE, person="区县专班-赵六", district_code="fuling")
            ),
        )


_SHARED: list[System] = []


def _migrate(env: dict[str, str]) -> None:
    """Each service's store upgraded before the first start (`python -m zdz_<service> migrate`), as `make
    migrate` does; a no-op once `make run` migrates by itself."""
    for spec in GRPC_SERVICES:
        subprocess.run(
            [sys.executable, "-m", spec.module, "migrate"], env=env, check=True, capture_output=True
        )


def shared_system(folder: Path) -> System:
    """The console tests' system (one per test folder, package-scoped), started on first use under `folder`."""
    if not _SHARED:
        data = folder / "data"
        env = environment(data)
        _migrate(env)
        process, lines = start(env)
        programme = Programme(env, data)
        story = Story(programme, Backdated())
        _SHARED.append(System(env, data, process, programme, story, _towns(programme), lines))
    system = _SHARED[0]
    system.users += 1
    return system


def release(system: System) -> None:
    """Stops the system when its last user is done."""
    system.users -= 1
    if system.users == 0:
        system.programme.close()
        stop(system.process)  # type: ignore[arg-type]
        _SHARED.clear()
