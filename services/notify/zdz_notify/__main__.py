"""Run the notify service: `python -m zdz_notify`."""

from __future__ import annotations

import asyncio
import logging
import sys

from zdz_common import migrations
from zdz_common.grpc_server import stop_on_signals
from zdz_common.logs import configure_logging
from zdz_common.telemetry import configure_telemetry
from zdz_notify.config import NotifyConfig, database_url_from_env
from zdz_notify.domain.routing import RoutingTableError
from zdz_notify.entrypoints.app import NotifyApp

log = logging.getLogger("zdz_notify")


async def serve(config: NotifyConfig) -> None:
    app = NotifyApp(config)
    await app.start()
    stop_on_signals(app.stopping)
    print(f"notify    grpc://{app.grpc_address}  公示栏 {app.board_url}/board", flush=True)
    await app.stopping.wait()
    log.info("notify: shutting down")
    await app.stop()


def main() -> None:
    configure_logging("notify")  # JSON lines with trace and span ids (ZDZ_LOG_FORMAT=text for a terminal)
    configure_telemetry("notify")  # before any engine or channel: OTEL_* / ZDZ_TRACES_FILE, off by default
    # `migrate` upgrades the store and exits; otherwise an unmigrated, behind or newer store stops it here.
    migrations.main_with_migrate("zdz_notify", database_url_from_env, sys.argv[1:])
    try:
        asyncio.run(serve(NotifyConfig.from_env()))
    except RoutingTableError as error:
        raise SystemExit(f"notify: the routing table is wrong, not starting: {error}") from error


if __name__ == "__main__":
    main()
