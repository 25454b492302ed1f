"""Chongqing's districts on the map: the boundary data (ECharts' map package, 2016-era names) against the
registry's district names (000 附件1), and the four functional zones that have no polygon of their own."""

from __future__ import annotations

# Map feature name → registry district name, where they differ (counties since made districts, autonomous counties
# named in short as 附件1 names them). Every other feature's name is the registry's name.
MAP_NAME_ALIASES: dict[str, str] = {
    "梁平县": "梁平区",  # 2016 县改区
    "武隆县": "武隆区",  # 2016 县改区
    "石柱土家族自治县": "石柱县",
    "秀山土家族苗族自治县": "秀山县",
    "酉阳土家族苗族自治县": "酉阳县",
    "彭水苗族土家族自治县": "彭水县",
}

# 000 附件1's functional zones manage towns coded under administrative districts: no boundary of their own on the
# map, so the city view lists them beside it.
FUNCTIONAL_ZONES: tuple[str, ...] = ("liangjiang", "gaoxin", "wansheng", "shuangqiao")


def registry_name(map_name: str) -> str:
    return MAP_NAME_ALIASES.get(map_name, map_name)


def share_done(done: int, required: int) -> float:
    """Share of a requirement done, in percent with one decimal; 100 when nothing is required."""
    if required <= 0:
        return 100.0
    return round(100.0 * min(done, required) / required, 1)
