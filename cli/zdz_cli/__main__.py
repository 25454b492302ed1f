"""`zdz` (or `python -m zdz_cli`)."""

from __future__ import annotations


def main() -> None:
    from zdz_cli.app import app

    app()


if __name__ == "__main__":
    main()
