"""`make demo` = `python -m zdz_local.demo [load|remove]` against a running `make run` (same ZDZ_DATA_DIR and
addresses). Exit codes: 0 done, 1 failed, 2 refused (ZDZ_DEMO=0, or the demo was removed from this data folder)."""

from __future__ import annotations

import argparse
import os
import sys

from zdz_common.config import data_dir
from zdz_local.demo import loader, removal


def say(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zdz_local.demo",
        description="演示数据：把一个演示用的零直排建设批次载入正在运行的系统（make run），或将其移除。",
        epilog=(loader.__doc__ or "") + "\n" + (removal.__doc__ or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", default="load", choices=["load", "remove"])
    args = parser.parse_args(argv)
    env = dict(os.environ)
    data = data_dir()
    if args.command == "remove":
        removal.remove(data, env, say)
        return 0
    if env.get("ZDZ_DEMO", "").strip() == "0":
        say("demo: ZDZ_DEMO=0，不载入演示数据")
        return 2
    if loader.Record(loader.created_file(data)).data.get("removed_at"):
        say(f"demo: 演示数据已于此数据目录移除，不再载入（{loader.created_file(data)}）")
        return 2
    try:
        loader.load(data, env, say)
    except Exception as error:
        say(f"demo: 载入失败（{type(error).__name__}: {error}）")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
