"""Chongqing's district boundaries from the kept npm package `echarts@4.9.0` (installed as `echarts-maps-4`):
`map/json/province/chongqing.json`, 38 districts and counties in ECharts' compact UTF8Encoding. Decoded here,
once, into plain GeoJSON with the registry's district names, so that ECharts 6 draws it as any GeoJSON."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from zdz_console.domain.geography import registry_name

MAP_FILE = Path("echarts-maps-4") / "map" / "json" / "province" / "chongqing.json"


def _decode_ring(encoded: str, offsets: list[int], scale: float) -> list[list[float]]:
    """ECharts' decoder (parseGeoJson.decodePolygon): zig-zag deltas from the offsets, over the scale."""
    ring = []
    previous_x, previous_y = offsets[0], offsets[1]
    units = encoded.encode("utf-16-le")  # the format counts UTF-16 code units (JavaScript's charCodeAt)
    codes = [int.from_bytes(units[i : i + 2], "little") for i in range(0, len(units), 2)]
    for i in range(0, len(codes) - 1, 2):
        x = codes[i] - 64
        y = codes[i + 1] - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += previous_x
        y += previous_y
        previous_x, previous_y = x, y
        ring.append([x / scale, y / scale])
    return ring


def decode(geo: dict[str, Any]) -> dict[str, Any]:
    if not geo.get("UTF8Encoding"):
        return geo
    scale = float(geo.get("UTF8Scale") or 1024)
    features = []
    for feature in geo["features"]:
        geometry = feature["geometry"]
        offsets = geometry["encodeOffsets"]
        match geometry["type"]:
            case "Polygon":
                coordinates = [
                    _decode_ring(ring, offsets[i], scale) for i, ring in enumerate(geometry["coordinates"])
                ]
            case "MultiPolygon":
                coordinates = [
                    [_decode_ring(ring, offsets[p][i], scale) for i, ring in enumerate(polygon)]
                    for p, polygon in enumerate(geometry["coordinates"])
                ]
            case other:
                raise ValueError(f"unexpected geometry {other!r}")
        properties = dict(feature["properties"], name=registry_name(feature["properties"]["name"]))
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": {"type": geometry["type"], "coordinates": coordinates},
            }
        )
    return {"type": "FeatureCollection", "features": features}


@cache
def chongqing_geojson(node_modules: Path) -> bytes:
    path = node_modules / MAP_FILE
    return json.dumps(decode(json.loads(path.read_text(encoding="utf-8"))), ensure_ascii=False).encode()
