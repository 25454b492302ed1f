"""`make bench`: run every benchmark module in bench/ with its default size and print its table."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main() -> None:
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name not in {"common", "__main__"}
    )
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if hasattr(module, "main"):
            sys.argv = [f"bench.{name}"]
            module.main()


if __name__ == "__main__":
    main()
