"""A real nats-server with JetStream on a file store, for `make run` and the tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from zdz_local.processes import free_port, stop_process, venv_binary, wait_for_port


class NatsServer:
    """nats-server with JetStream storing under `store_dir`. `sync_always` makes every acked write durable
    (production setting: DESIGN.md, after Jepsen's 2025 NATS analysis), so a SIGKILL loses nothing acked.
    `max_payload` (bytes, 0: the server's default of 1 MB) bounds every message."""

    def __init__(
        self,
        store_dir: Path,
        *,
        port: int = 0,
        sync_always: bool = True,
        log_file: Path | None = None,
        max_payload: int = 0,
    ):
        self.store_dir = store_dir
        self.max_payload = max_payload
        self.port = port or free_port()
        self.sync_always = sync_always
        self.log_file = log_file
        self.process: subprocess.Popen | None = None  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir.parent / f"nats-{self.port}.conf"
        sync = "sync_interval: always" if self.sync_always else ""
        limit = f"max_payload: {self.max_payload}\n" if self.max_payload else ""
        config.write_text(
            f'listen: "127.0.0.1:{self.port}"\n{limit}'
            f"jetstream {{\n  store_dir: {str(self.store_dir)!r}\n  {sync}\n}}\n",
            encoding="utf-8",
        )
        return config

    def start(self, timeout: float = 20.0) -> NatsServer:
        config = self._write_config()
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [venv_binary("nats-server"), "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
        )
        wait_for_port(self.port, timeout=timeout, process=self.process, what="nats-server")
        return self

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.kill()
        self.start()
