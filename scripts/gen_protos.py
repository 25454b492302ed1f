"""Generate Python code (messages, gRPC stubs, type stubs) from proto/ into gen/.

Run by `make proto`; the output is not committed.
"""

import shutil
import sys
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "gen"


def main() -> int:
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
    print(f"generated {len(protos)} proto files into {OUT_DIR.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
