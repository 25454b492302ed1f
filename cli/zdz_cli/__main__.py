"""`zdz` (or `python -m zdz_cli`)."""

from __future__ import annotations


def main() -> None:
    from zdz_cli.app import app
    from zdz_common.telemetry import configure_tracing

    configure_tracing("cli")  # only with OTEL_TRACES_EXPORTER or ZDZ_TRACES_FILE: the command's client spans
    app()


if __name__ == "__main__":
    main()
