"""Run the console: `python -m zdz_console` (uvicorn on ZDZ_CONSOLE_HTTP_ADDRESS, default 127.0.0.1:8080).

`python -m zdz_console migrate` does nothing and says so: the console keeps no store of its own (the services'
`migrate` sub-command upgrades theirs; a loop over every service may call this one too)."""

from __future__ import annotations

import sys

import uvicorn

from zdz_common.logs import configure_logging
from zdz_common.telemetry import configure_telemetry, instrument_web_app
from zdz_console.bootstrap import build
from zdz_console.config import ConsoleConfig


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["migrate"]:
        print("console: no database to migrate (the console keeps nothing of its own)", flush=True)
        return
    if args:
        raise SystemExit(f"usage: python -m zdz_console [migrate] (unknown arguments: {' '.join(args)})")
    configure_logging("console")  # JSON lines with trace and span ids (ZDZ_LOG_FORMAT=text for a terminal)
    configure_telemetry("console")  # before any channel: OTEL_* / ZDZ_TRACES_FILE, off by default
    config = ConsoleConfig.from_env()
    app = build(config)
    instrument_web_app(app)  # an HTTP span per page, the gRPC calls it makes under it
    print(f"console   http://{config.http_address}", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
