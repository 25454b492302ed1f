"""Run the console: `python -m zdz_console` (uvicorn on ZDZ_CONSOLE_HTTP_ADDRESS, default 127.0.0.1:8080)."""

from __future__ import annotations

import uvicorn

from zdz_console.bootstrap import build
from zdz_console.config import ConsoleConfig


def main() -> None:
    config = ConsoleConfig.from_env()
    app = build(config)
    print(f"console   http://{config.http_address}", flush=True)
    uvicorn.run(app, host=config.host, port=config.port, log_level="warning", proxy_headers=False)


if __name__ == "__main__":
    main()
