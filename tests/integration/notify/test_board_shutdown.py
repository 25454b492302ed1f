"""`python -m zdz_notify` on SIGTERM or SIGINT stops its 公示栏 (uvicorn, in the service's event loop) together with
the gRPC server: both stop listening and the process exits 0, even with a browser's idle keep-alive connection
open to the board."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration.notify.test_restarts import NotifyProcess
from zdz_local.nats_server import NatsServer


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_board_with_the_grpc_server_and_the_process_exits_cleanly(
    tmp_path: Path, nats_server: NatsServer, sig: signal.Signals
) -> None:
    notify = NotifyProcess(tmp_path, nats_server.url)
    board = notify.env["ZDZ_NOTIFY_HTTP_ADDRESS"]
    await notify.start()
    try:
        assert notify.process is not None
        async with httpx.AsyncClient(base_url=f"http://{board}") as browser:
            page = await browser.get("/board")  # the connection stays open (keep-alive)
            assert page.status_code == 200 and "正在公示" in page.text
            notify.process.send_signal(sig)
            try:
                code = notify.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail(f"notify did not stop on {sig.name}:\n{notify.log.read_text()}")
        log = notify.log.read_text()
        assert code == 0, log
        assert "Traceback" not in log, log
        assert f"公示栏 http://{board}/board" in log
        assert not _listening(board) and not _listening(notify.grpc_address)
    finally:
        notify.stop()
