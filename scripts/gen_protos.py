"""Generate Python code (messages, gRPC stubs, type stubs) from proto/ into gen/, an installable package.

Run by `make proto`; the output is not committed. gen/ is deleted and written anew each time, with its own
pyproject.toml (distribution `zdz-protos`, package `zdz`), which `make install` installs editable: the install
points at the folder, so regenerating needs no reinstall.
`--package-only` writes just gen/pyproject.toml, leaving the generated code as it is.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "gen"

PYPROJECT = """\
# Written by scripts/gen_protos.py (`make proto`): do not edit, gen/ is regenerated.
[build-system]
requires = ["setuptools>=70"]
build-backend = "setuptools.build_meta"

[project]
name = "zdz-protos"
version = "0.1.0"
description = "零直排 (zdz): the generated Python code of the wire contracts in proto/"
requires-python = ">=3.11,<3.12"
dependencies = ["grpcio", "protobuf"]

[tool.setuptools]
package-dir = {"" = "."}

[tool.setuptools.packages.find]
where = ["."]
include = ["zdz", "zdz.*"]

[tool.setuptools.package-data]
"*" = ["*.pyi", "py.typed"]
"""


def write_package() -> None:
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")


def main() -> int:
    import grpc_tools
    from grpc_tools import protoc

    if OUT_DIR.exists():
        shutil.rmtree(OUT_DIR)
    OUT_DIR.mkdir()
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"--python_out={OUT_DIR}",
        f"--pyi_out={OUT_DIR}",
        f"--grpc_python_out={OUT_DIR}",
        *protos,
    ]
    code = protoc.main(args)
    if code != 0:
        return code
    # Make every generated folder a regular package so `zdz.registry.v1` imports everywhere.
    for folder in [OUT_DIR / "zdz", *(p for p in (OUT_DIR / "zdz").rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    (OUT_DIR / "zdz" / "py.typed").touch()
    write_package()
    print(f"generated {len(protos)} proto files into {OUT_DIR.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--package-only"]:
        write_package()
        sys.exit(0)
    sys.exit(main())
