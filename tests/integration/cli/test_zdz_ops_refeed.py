"""`zdz ops refeed` against the real registry runtime with token authentication and a real nats-server: the
events queued again as `--json` and as text, the exit codes of a refused role, a bad position, bad usage and a
service that is down."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

from typer.testing import CliRunner, Result

from tests.integration.common.refeed_runtime import UNITS, RunningStore, running_store, until
from zdz_cli import exit_codes
from zdz_cli.app import app
from zdz_common.auth import Principal, Role, TokenIssuer, generate_key_pair
from zdz_local.nats_server import NatsServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def zdz(registry: str, token: Path, *args: str) -> Result:
    """`zdz --registry <address> --token-file <token> …`, in a thread so that the servers keep serving."""
    command = ["--registry", registry, "--token-file", str(token), "--timeout", "10", *args]
    return await asyncio.to_thread(
        CliRunner().invoke, app, command, env={"ZDZ_TOKEN": None, "COLUMNS": "200"}
    )


def _tokens(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    private_pem, public_pem = generate_key_pair()
    public_key = tmp_path / "public.pem"
    public_key.write_bytes(public_pem)
    issuer = TokenIssuer(private_pem)
    principals = {
        "city": Principal(role=Role.MUNICIPAL_TASK_FORCE, person="zhou"),
        "district": Principal(role=Role.DISTRICT_TASK_FORCE, person="li.si", district_code="wanzhou"),
    }
    tokens = {}
    for name, principal in principals.items():
        tokens[name] = tmp_path / f"{name}.token"
        tokens[name].write_text(issuer.issue(principal))
    return public_key, tokens


async def test_zdz_ops_refeed_queues_the_events_again_and_refuses_what_it_must(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    public_key, tokens = _tokens(tmp_path)
    async with running_store(tmp_path, nats_server.url, public_key_file=public_key) as store:
        refeed = ("ops", "refeed", "--service", "registry")

        done = await zdz(store.address, tokens["city"], *refeed, "--from-position", "2", "--json")

        assert done.exit_code == exit_codes.OK, done.output
        document = json.loads(done.stdout)
        assert document == {
            "ok": True,
            "service": "registry",
            "stream": "ZDZ_REGISTRY",
            "queued": UNITS,
            "first_position": 2,
            "last_position": 1 + UNITS,
            "store_last_position": 1 + UNITS,
        }
        await until(lambda: store.unsent() == 0)
        assert store.consumer.processed == 1 + UNITS

        text = await zdz(store.address, tokens["city"], *refeed, "--from-position", "1", "--to-position", "2")
        assert text.exit_code == exit_codes.OK, text.output
        assert "已重新排队 2 个事件（存储位置 1–2" in text.stdout

        await _refusals(store, tokens, refeed)


async def _refusals(store: RunningStore, tokens: dict[str, Path], refeed: tuple[str, ...]) -> None:
    district = await zdz(store.address, tokens["district"], *refeed, "--from-position", "1", "--json")
    assert district.exit_code == exit_codes.REFUSED
    assert json.loads(district.stdout)["error"]["code"] == "PERMISSION_DENIED"
    assert "只有市级工作专班或系统服务可以重新投递事件流" in district.stderr

    past_the_end = await zdz(store.address, tokens["city"], *refeed, "--from-position", "99", "--json")
    assert past_the_end.exit_code == exit_codes.REFUSED
    error = json.loads(past_the_end.stdout)["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert f"超出存储的最后位置 {len(store.event_ids())}" in error["message"]  # the refusal was recorded too

    zero = await zdz(store.address, tokens["city"], *refeed, "--from-position", "0")
    assert zero.exit_code == exit_codes.USAGE
    unknown = await zdz(
        store.address, tokens["city"], "ops", "refeed", "--service", "ledger", "--from-position", "1"
    )
    assert unknown.exit_code == exit_codes.USAGE
    assert "未知服务 ledger" in unknown.stderr

    down = await zdz(f"127.0.0.1:{_free_port()}", tokens["city"], *refeed, "--from-position", "1", "--json")
    assert down.exit_code == exit_codes.UNAVAILABLE
    assert json.loads(down.stdout)["error"]["code"] == "UNAVAILABLE"
