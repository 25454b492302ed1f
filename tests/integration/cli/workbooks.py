"""A ledger workbook as a town's clerk keeps it, for the command line's tests."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook


def clerks_workbook(path: Path, *, bad_pipe_length: object = 0, with_plant: bool = False) -> Path:
    """A town's ledger as a clerk keeps it: one sheet per class, Chinese headers with units in brackets."""
    workbook = Workbook()
    households = workbook.active
    households.title = "源头排水户"
    households.append(
        ["序号", "编号", "名称", "类型", "类别", "单体楼", "户数", "建成年份", "已排查", "自查结果"]
    )
    households.append([1, "H001", "天城小区", "生活小区", None, "否", 320, 2005, "是", "自查合格"])
    households.append(
        [2, "H002", "万州区人民医院", "非生活小区", "医疗机构", "是", None, 1998, "是", "未自查"]
    )
    pipes = workbook.create_sheet("管段")
    pipes.append(["编号", "管网类型", "长度（米）", "位置", "已排查"])
    pipes.append(["G001", "污水", 120.5, "白岩路", "是"])
    pipes.append(["G002", "雨水", bad_pipe_length, "沙龙路", "是"])
    if with_plant:
        plants = workbook.create_sheet("污水处理设施")
        plants.append(["编号", "名称", "处理能力（m³/d）", "实际处理量（m³/d）", "在线监测", "已排查"])
        plants.append(["C001", "高笋塘污水处理站", 8000, 6500, "是", "是"])
        outfalls = workbook.create_sheet("排污口")
        outfalls.append(["编号", "名称", "接入对象", "所属设施编号", "已规范化", "已排查"])
        outfalls.append(["K001", "高笋塘污水处理站排口", "污水处理设施", "C001", "是", "是"])
    problems = workbook.create_sheet("问题清单")
    problems.append(
        ["问题编号", "对象类别", "对象编号", "问题类型", "位置", "发现环节", "发现日期", "发现人"]
    )
    problems.append(
        ["P001", "源头排水户", "H001", "混接", "小区北门雨水井", "排查", "2025-03-02", "高笋塘街道办"]
    )
    workbook.save(path)
    return path
