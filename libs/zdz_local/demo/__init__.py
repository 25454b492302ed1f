"""A living demo city (issue 13): `make demo` (`python -m zdz_local.demo [load|remove]`), or `make run` on the
first start of an empty data folder, loads a demo campaign into the running services over their gRPC APIs.

Never in production: `load_if_first_start` does nothing unless ZDZ_DEMO=1 (`make run` sets it on the first start
of an empty data folder), and `python -m zdz_local.demo load` refuses when ZDZ_DEMO=0. Every reason, note,
evidence reference, name and location the demo writes carries the mark 「演示数据」; what it made is recorded in
<data>/demo/created.json. See `zdz_local.demo.loader` for what is loaded and `remove` for what removal undoes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from zdz_local.demo.ledgers import DEMO
from zdz_local.demo.loader import Record, created_file, load
from zdz_local.demo.removal import remove

__all__ = ["DEMO", "created_file", "demo_wanted", "load", "load_if_first_start", "remove"]


def demo_wanted(env: Mapping[str, str]) -> bool:
    """ZDZ_DEMO=1 asks for the demo; anything else (unset, 0: the production default) does not."""
    return env.get("ZDZ_DEMO", "0").strip() == "1"


def load_if_first_start(
    data: Path, env: Mapping[str, str], say: Callable[[str], None]
) -> dict[str, Any] | None:
    """`make run`'s hook, called once every service is serving: with ZDZ_DEMO=1 load the demo campaign (a unit
    already loaded is skipped, so a second call adds nothing); otherwise return at once. Never raises: a demo
    that fails to load is reported through `say` and leaves the services running."""
    if not demo_wanted(env) or Record(created_file(data)).data.get("removed_at"):
        return None
    try:
        return load(data, dict(env), say)
    except Exception as error:  # the system stays up without its demo
        say(f"demo: 载入失败（{type(error).__name__}: {error}）；可稍后运行 make demo 重试")
        return None
