"""Put the project's source folders on the virtual environment's path (a .pth file, like an editable install),
so `python -m zdz_registry` and the tests find the services, the shared libraries and the generated code."""

import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [
    "gen",
    "libs",
    "services/registry",
    "services/scoring",
    "services/workflow",
    "services/notify",
    ".",
]

if __name__ == "__main__":
    site_packages = Path(sysconfig.get_paths()["purelib"])
    (site_packages / "zdz.pth").write_text(
        "".join(f"{ROOT / folder}\n" for folder in FOLDERS), encoding="utf-8"
    )
