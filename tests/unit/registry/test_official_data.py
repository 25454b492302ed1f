"""Checks official_2024.json against 渝环规〔2024〕5号 attachments 1 and 2 (seeds/000), read by hand.

Every expected figure below was counted in the document, not taken from the JSON.
"""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_FILE = REPO_ROOT / "services/registry/zdz_registry/directory/data/official_2024.json"

# 000 附件1: the 42 rows in document order (38 区县 + 4 functional zones), with both town shares.
ATTACHMENT_1_ROWS = [
    ("wanzhou", "万州区", 35, 80),
    ("qianjiang", "黔江区", 20, 80),
    ("fuling", "涪陵区", 40, 80),
    ("yuzhong", "渝中区", 40, 100),
    ("dadukou", "大渡口区", 60, 100),
    ("jiangbei", "江北区", 40, 100),
    ("shapingba", "沙坪坝区", 40, 100),
    ("jiulongpo", "九龙坡区", 40, 100),
    ("nanan", "南岸区", 60, 100),
    ("beibei", "北碚区", 40, 100),
    ("yubei", "渝北区", 40, 100),
    ("banan", "巴南区", 30, 100),
    ("changshou", "长寿区", 30, 80),
    ("jiangjin", "江津区", 30, 80),
    ("hechuan", "合川区", 30, 100),
    ("yongchuan", "永川区", 30, 100),
    ("nanchuan", "南川区", 30, 80),
    ("qijiang", "綦江区", 30, 80),
    ("dazu", "大足区", 30, 100),
    ("bishan", "璧山区", 30, 100),
    ("tongliang", "铜梁区", 30, 100),
    ("tongnan", "潼南区", 30, 100),
    ("rongchang", "荣昌区", 30, 100),
    ("kaizhou", "开州区", 30, 80),
    ("liangping", "梁平区", 30, 80),
    ("wulong", "武隆区", 30, 80),
    ("chengkou", "城口县", 25, 80),
    ("fengdu", "丰都县", 25, 80),
    ("dianjiang", "垫江县", 25, 80),
    ("zhongxian", "忠县", 25, 80),
    ("yunyang", "云阳县", 25, 80),
    ("fengjie", "奉节县", 25, 80),
    ("wushan", "巫山县", 25, 80),
    ("wuxi", "巫溪县", 25, 80),
    ("shizhu", "石柱县", 25, 80),
    ("xiushan", "秀山县", 25, 80),
    ("youyang", "酉阳县", 25, 80),
    ("pengshui", "彭水县", 25, 80),
    ("wansheng", "万盛经开区", 50, 80),
    ("shuangqiao", "双桥经开区", 50, 100),
    ("liangjiang", "两江新区", 50, 100),
    ("gaoxin", "西部科学城重庆高新区", 50, 100),
]
FUNCTIONAL_ZONES = {"wansheng", "shuangqiao", "liangjiang", "gaoxin"}

# 000 附件1, park groups per district: (scheduled 2025, scheduled 2027), counted item by item in the cells.
# Rule (see the JSON notes): one group per item closed by its own （国家级）/（省级）;
# "/" and "—" join aliases;
# 九龙坡's "B 区、B2 区（省级）" counts 2, "西彭工业园区 A、B、C、D、F、J、L 分区（省级）" counts 1.
GROUPS_PER_DISTRICT = {
    "wanzhou": (6, 0),  # 九龙园 五桥园 天子园 高峰园 新田园 + 万州综合保税区
    "qianjiang": (0, 1),
    "fuling": (4, 1),  # 李渡 龙桥 白涛 清溪 | 涪陵综合保税区
    "dadukou": (2, 1),  # A B | C
    "jiangbei": (1, 0),
    "shapingba": (0, 1),
    "jiulongpo": (0, 5),  # B3区 L分区 B区 B2区 西彭
    "nanan": (1, 0),
    "beibei": (0, 1),
    "yubei": (0, 2),
    "banan": (4, 1),
    "changshou": (3, 2),
    "jiangjin": (4, 1),  # 综保区 德感 珞璜 白沙 | 双福
    "hechuan": (0, 5),
    "yongchuan": (5, 0),  # 综保区 三教 凤凰湖 大安 港桥
    "nanchuan": (0, 3),
    "qijiang": (0, 3),
    "dazu": (0, 2),
    "bishan": (3, 0),
    "tongliang": (0, 3),
    "tongnan": (0, 3),
    "rongchang": (3, 0),
    "kaizhou": (0, 1),
    "liangping": (0, 1),
    "wulong": (0, 2),
    "chengkou": (0, 2),
    "fengdu": (2, 1),
    "dianjiang": (0, 3),
    "zhongxian": (1, 0),
    "yunyang": (1, 0),
    "fengjie": (0, 1),
    "wushan": (0, 1),
    "wuxi": (0, 1),
    "shizhu": (0, 1),
    "xiushan": (0, 1),
    "youyang": (0, 4),
    "pengshui": (0, 1),
    "wansheng": (0, 2),
    "shuangqiao": (0, 2),
    "liangjiang": (4, 0),  # 两路果园港综保区 龙兴 水土 鱼复
    "gaoxin": (2, 2),  # 含谷 金凤 | 西永微电园 九龙工业园区C区
}

# 000 附件2, towns/streets counted per row; 20+14+3+6+5+5+13+1+8+3+12+2+2+10+10+13+7+10+3 = 147.
ALONG_RIVER_TOWNS_PER_DISTRICT = {
    "wanzhou": 20,
    "fuling": 14,
    "yuzhong": 3,
    "dadukou": 6,
    "jiangbei": 5,
    "jiulongpo": 5,
    "nanan": 13,
    "yubei": 1,
    "banan": 8,
    "changshou": 3,
    "jiangjin": 12,
    "yongchuan": 2,
    "liangjiang": 2,
    "fengdu": 10,
    "zhongxian": 10,
    "yunyang": 13,
    "fengjie": 7,
    "wushan": 10,
    "shizhu": 3,
}

# 000 附件2, 沿江工业园区 column, each entry matched to its attachment-1 group (district, park, name).
ALONG_RIVER_GROUPS = {
    ("wanzhou", "万州经济技术开发区", "九龙园"),  # 万州经开区九龙园
    ("wanzhou", "万州经济技术开发区", "新田园"),
    ("fuling", "涪陵高新区", "李渡工业园"),
    ("fuling", "涪陵高新区", "涪陵临港经济区化工产业园（龙桥组团）"),
    ("dadukou", "建桥工业园区", "A组团"),
    ("dadukou", "建桥工业园区", "B组团"),
    ("jiangbei", "港城工业园区", "港城工业园区"),
    ("nanan", "重庆经济技术开发区", "茶园片区（茶园、长江、东港、南坪西区）"),  # 重庆经开区茶园片区
    ("banan", "巴南工业园区", "鱼洞组团/天明组团/大江科创城"),
    ("changshou", "长寿经济技术开发区", "长寿经开区新材料产业园（晏家组团）"),
    ("changshou", "长寿经济技术开发区", "江南组团"),
    ("jiangjin", "江津工业园区", "德感组团"),
    ("jiangjin", "江津工业园区", "珞璜组团"),
    ("yongchuan", "永川高新技术产业开发区", "港桥工业园/港桥产业园"),  # 永川高新区港桥工业园
    ("liangjiang", "两江新区", "鱼复工业园/鱼复新城"),  # 两江新区鱼复新城
    ("fengdu", "丰都工业园区", "水天坪组团"),
    ("fengdu", "丰都工业园区", "玉溪组团"),
    ("fengdu", "丰都工业园区", "湛普组团"),
    ("zhongxian", "忠县工业园区", "乌杨组团"),
    ("yunyang", "云阳工业园区", "人和组团"),
}

LEVEL_MARK = {"NATIONAL": "（国家级）", "PROVINCIAL": "（省级）"}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _group_key(group: dict[str, Any]) -> tuple[str, str, str]:
    return (group["district"], group["park"], group["name"])


def test_attachment1_has_42_district_rows_in_document_order(data: dict[str, Any]) -> None:
    rows = [(d["code"], d["name"]) for d in data["districts"]]
    assert rows == [(code, name) for code, name, _, _ in ATTACHMENT_1_ROWS]


def test_every_district_has_both_town_shares_of_attachment1(data: dict[str, Any]) -> None:
    shares = {d["code"]: (d["town_share_2025"], d["town_share_2027"]) for d in data["districts"]}
    assert shares == {code: (s25, s27) for code, _, s25, s27 in ATTACHMENT_1_ROWS}


@pytest.mark.parametrize(
    ("code", "text_2025", "text_2027"),
    [
        ("wanzhou", "35%以上", "80%以上"),
        ("qianjiang", "20%以上", "80%以上"),
        ("dadukou", "60%以上", "100%"),
        ("banan", "30%以上", "100%"),
        ("chengkou", "25%以上", "80%以上"),
        ("wansheng", "50%以上", "80%以上"),
        ("gaoxin", "50%以上", "100%"),
    ],
)
def test_share_texts_are_kept_verbatim_for_sample_rows(
    data: dict[str, Any], code: str, text_2025: str, text_2027: str
) -> None:
    district = next(d for d in data["districts"] if d["code"] == code)
    assert (district["town_share_2025_text"], district["town_share_2027_text"]) == (text_2025, text_2027)


def test_share_integer_is_the_percent_of_its_text(data: dict[str, Any]) -> None:
    # "N%以上" -> N, and "100%" -> 100.
    for d in data["districts"]:
        for year in (2025, 2027):
            match = re.fullmatch(r"(\d+)%(以上)?", d[f"town_share_{year}_text"])
            assert match is not None, d
            assert int(match.group(1)) == d[f"town_share_{year}"]


def test_functional_zones_have_no_gb_code_and_real_districts_have_chongqing_codes(
    data: dict[str, Any],
) -> None:
    codes = {d["code"]: d["gb_code"] for d in data["districts"]}
    assert {c for c, gb in codes.items() if gb is None} == FUNCTIONAL_ZONES
    assert all(re.fullmatch(r"50\d{4}", gb) for gb in codes.values() if gb is not None)
    # GB/T 2260 spot checks, including the codes reused after 2011 and the county-to-district conversions.
    assert codes["wanzhou"] == "500101"
    assert codes["qijiang"] == "500110"
    assert codes["dazu"] == "500111"
    assert codes["kaizhou"] == "500154"
    assert codes["wulong"] == "500156"
    assert codes["zhongxian"] == "500233"
    assert codes["pengshui"] == "500243"
    assert len(set(codes.values()) - {None}) == 38


def _attachment1_year(group: dict[str, Any]) -> int:
    return int(group.get("attachment1_year", group["target_year"]))


def test_attachment1_schedules_46_groups_for_2025_and_61_for_2027_totalling_107(data: dict[str, Any]) -> None:
    years = Counter(_attachment1_year(g) for g in data["park_groups"])
    # Sums of GROUPS_PER_DISTRICT: 2025 = 6+4+2+1+1+4+3+4+5+3+3+2+1+1+4+2 = 46; 2027 = 107 - 46 = 61.
    # 001 (渝环办〔2024〕163号): 111 groups, 107 in scope (4 without enterprises); attachment 1 lists the 107.
    assert years == {2025: 46, 2027: 61}
    assert len(data["park_groups"]) == 107


def test_48_groups_are_due_in_2025_listed_along_river_or_national(data: dict[str, Any]) -> None:
    # DESIGN: due 2025 if 附件1 lists it for 2025, it is along-river (附件2), or it is national-level (001 二):
    # the 46 of 附件1 + 涪陵综合保税区 (national) + 丰都 玉溪组团 (along-river) = 48.
    due = [g for g in data["park_groups"] if g["target_year"] == 2025]
    assert len(due) == 48
    for group in data["park_groups"]:
        ruling = _attachment1_year(group) == 2025 or group["along_river"] or group["level"] == "NATIONAL"
        assert (group["target_year"] == 2025) == ruling, group["name"]


def test_a_group_whose_documents_disagree_carries_the_earlier_year_and_a_note(data: dict[str, Any]) -> None:
    noted = {g["name"]: g for g in data["park_groups"] if g.get("note")}
    assert set(noted) == {"涪陵综合保税区", "玉溪组团"}
    for group in noted.values():
        assert (group["attachment1_year"], group["target_year"]) == (2027, 2025)
        assert "文件不一致" in group["note"]


def test_park_groups_per_district_and_year_match_attachment1(data: dict[str, Any]) -> None:
    counted = Counter((g["district"], _attachment1_year(g)) for g in data["park_groups"])
    expected = {
        (code, year): n
        for code, pair in GROUPS_PER_DISTRICT.items()
        for year, n in zip((2025, 2027), pair, strict=True)
        if n
    }
    assert dict(counted) == expected


def test_parks_are_50_of_which_13_national_as_001_says(data: dict[str, Any]) -> None:
    # 001 §一: 50 parks (综保区 included), 13 国家级 and 37 省级.
    # 九龙工业园区 spans 九龙坡 and 高新区: one park.
    parks = {(g["park"], g["level"]) for g in data["park_groups"]}
    assert len({park for park, _ in parks}) == 50
    assert Counter(level for _, level in parks) == {"NATIONAL": 13, "PROVINCIAL": 37}


def test_level_follows_the_parenthesis_of_the_source_fragment(data: dict[str, Any]) -> None:
    for g in data["park_groups"]:
        compact = re.sub(r"\s", "", g["source_text"])
        assert compact.endswith(LEVEL_MARK[g["level"]]), g


def test_national_groups_number_29_and_all_but_fuling_bonded_zone_are_due_2025(data: dict[str, Any]) -> None:
    # 万州 6 + 涪陵综保 1 + 茶园 1 + 长寿经开 3 + 江津综保 1 + 永川 5 + 璧山 3 + 荣昌 3
    # + 两江 4 + 高新 2 = 29.
    national = [g for g in data["park_groups"] if g["level"] == "NATIONAL"]
    assert len(national) == 29
    # 001 wants national groups done by 2025; attachment 1 nevertheless schedules 涪陵综合保税区 for 2027.
    assert [g["name"] for g in national if _attachment1_year(g) == 2027] == ["涪陵综合保税区"]


def test_names_and_parks_carry_no_line_wrap_whitespace(data: dict[str, Any]) -> None:
    for g in data["park_groups"]:
        assert not re.search(r"\s", g["name"] + g["park"]), g
    for t in data["along_river_towns"]:
        assert not re.search(r"\s", t["name"]), t
    for d in data["districts"]:
        assert not re.search(r"\s", d["name"]), d


def test_every_group_name_appears_in_its_source_fragment(data: dict[str, Any]) -> None:
    for g in data["park_groups"]:
        assert g["name"] in re.sub(r"\s", "", g["source_text"]), g


@pytest.mark.parametrize(
    ("district", "park", "name", "year"),
    [
        ("beibei", "同兴工业园区", "蔡家组团/蔡家智慧新城", 2027),  # a slash names one group
        ("wansheng", "万盛工业园区", "关坝组团—扶欢循环经济产业园", 2027),  # so does the dash
        ("tongliang", "铜梁高新技术产业开发区", "蒲吕工业园/中心园区", 2027),  # "开发 区蒲吕" line wrap
        ("jiangjin", "江津工业园区", "双福组团", 2027),  # "江津工业园区（双福组团）"
        ("jiulongpo", "九龙工业园区", "B区", 2027),  # "B 区、B2 区（省级）" split in two
        ("jiulongpo", "九龙工业园区", "B2区", 2027),
        ("jiulongpo", "西彭工业园区", "A、B、C、D、F、J、L分区", 2027),  # kept as one group
        ("gaoxin", "九龙工业园区", "C区", 2027),
        ("gaoxin", "重庆西永微电子产业园区（西永综合保税区）", "西永微电园", 2027),
        ("qianjiang", "黔江高新技术产业开发区", "青杠组团（黔江区）", 2027),
        ("bishan", "璧山高新技术产业开发区", "青杠组团（璧山区）", 2025),
        ("wanzhou", "万州综合保税区", "万州综合保税区", 2025),
    ],
)
def test_combined_and_wrapped_entries_are_read_as_the_notes_say(
    data: dict[str, Any], district: str, park: str, name: str, year: int
) -> None:
    matches = [g for g in data["park_groups"] if _group_key(g) == (district, park, name)]
    assert [g["target_year"] for g in matches] == [year]


def test_along_river_groups_are_exactly_the_20_of_attachment2(data: dict[str, Any]) -> None:
    flagged = {_group_key(g) for g in data["park_groups"] if g["along_river"]}
    assert flagged == ALONG_RIVER_GROUPS
    assert len(ALONG_RIVER_GROUPS) == 20


def test_attachment1_schedules_every_along_river_group_for_2025_except_fengdu_yuxi(
    data: dict[str, Any],
) -> None:
    # 000 wants every along-river park done by end 2025, but attachment 1 schedules 丰都 玉溪组团 for 2027.
    late = [g["name"] for g in data["park_groups"] if g["along_river"] and _attachment1_year(g) != 2025]
    assert late == ["玉溪组团"]


def test_along_river_towns_total_147_with_attachment2_count_per_district(data: dict[str, Any]) -> None:
    counted = Counter(t["district"] for t in data["along_river_towns"])
    assert dict(counted) == ALONG_RIVER_TOWNS_PER_DISTRICT
    assert sum(ALONG_RIVER_TOWNS_PER_DISTRICT.values()) == 147


def test_along_river_towns_keep_document_order(data: dict[str, Any]) -> None:
    towns = data["along_river_towns"]
    assert towns[0] == {"district": "wanzhou", "name": "高笋塘街道"}
    assert towns[-1] == {"district": "shizhu", "name": "黎场乡"}
    assert [t["name"] for t in towns if t["district"] == "liangjiang"] == ["郭家沱街道", "鱼嘴镇"]
    assert all(re.fullmatch(r".+(街道|镇|乡)", t["name"]) for t in towns)


def test_no_duplicate_districts_groups_or_towns(data: dict[str, Any]) -> None:
    codes = [d["code"] for d in data["districts"]]
    names = [d["name"] for d in data["districts"]]
    groups = [_group_key(g) for g in data["park_groups"]]
    towns = [(t["district"], t["name"]) for t in data["along_river_towns"]]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert len(set(groups)) == len(groups)
    assert len(set(towns)) == len(towns)


def test_every_town_and_group_belongs_to_a_known_district(data: dict[str, Any]) -> None:
    codes = {d["code"] for d in data["districts"]}
    assert {t["district"] for t in data["along_river_towns"]} <= codes
    assert {g["district"] for g in data["park_groups"]} <= codes


def test_the_2024_demo_groups_of_002_are_registered(data: dict[str, Any]) -> None:
    # 002: 港城, 巴南 木洞组团, 长寿 晏家组团, 丰都 水天坪组团 (the 九龙坡 case names no group).
    keys = {_group_key(g) for g in data["park_groups"]}
    assert {
        ("jiangbei", "港城工业园区", "港城工业园区"),
        ("banan", "巴南工业园区", "木洞组团"),
        ("changshou", "长寿经济技术开发区", "长寿经开区新材料产业园（晏家组团）"),
        ("fengdu", "丰都工业园区", "水天坪组团"),
    } <= keys


def test_every_judgement_call_is_written_down(data: dict[str, Any]) -> None:
    notes = "\n".join(data["notes"])
    for topic in ("西彭工业园区", "B区、B2区", "玉溪组团", "涪陵综合保税区", "107", "147", "港城工业园区"):
        assert topic in notes, topic
