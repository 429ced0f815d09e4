"""Workbooks and CSVs built in code for the ingestion tests (no binary fixtures).

`report_tables(year, version)` gives a small, valid province-year as {sheet: (headers, rows)};
tests change a cell, add a row or drop a sheet, then `write_workbook` writes it with the mess a
real file has (title rows with merged cells, blank rows, note rows).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

PROVINCE = ("220000", "吉林省")
CITY, COUNTY, TOWNSHIP = "220100", "220102", "220102001"

V2_HEADERS = {
    "述职对象": ["行政区划代码", "地区名称", "层级", "上级区划代码", "书记姓名", "任职时间"],
    "承诺事项": [
        "承诺编号",
        "行政区划代码",
        "类别",
        "承诺内容",
        "指标名称",
        "目标值",
        "单位",
        "完成时限",
    ],
    "承诺完成情况": ["承诺编号", "完成值", "完成状态", "情况说明"],
    "问题清单": ["问题编号", "行政区划代码", "问题来源", "类别", "问题描述", "整改时限"],
    "整改情况": ["问题编号", "整改状态", "整改措施", "完成日期"],
    "评议结果": ["行政区划代码", "评议等次", "综合得分", "好评率", "点评问题数"],
}
V1_HEADERS = {
    **V2_HEADERS,
    "述职对象": ["地区代码", "地区名称", "层级", "上级区划代码", "姓名", "任职时间"],
    "承诺事项": ["序号", "地区代码", "类别", "承诺内容", "指标名称", "目标", "完成时限"],
    "承诺完成情况": ["上年承诺序号", "行政区划代码", "完成值", "完成状态", "情况说明"],
}


def report_tables(year: int, version: str | None = None) -> dict[str, tuple[list, list[list]]]:
    """A valid province-year: one city, one county, one township; ids follow the spec."""
    version = version or ("v1" if year <= 2015 else "v2")
    roster = [
        [CITY, "长春市", "市", PROVINCE[0], "王建国", dt.date(2013, 3, 1)],
        [COUNTY, "南关", "县", CITY, "李红梅", "2012年5月"],
        [TOWNSHIP, "幸福街道", "乡", COUNTY, "张伟", "2014.02.10"],
    ]
    if version == "v1":
        commitments = [
            [1, CITY, "联系服务群众", "驻村开展调研", "驻村天数", "180天", f"{year + 1}-12-31"],
            [2, CITY, "整顿软弱涣散基层党组织", "整顿转化", "转化率", "95%", f"{year + 1}年12月"],
            [1, COUNTY, "落实党建责任", "制定责任清单", "责任清单", None, f"{year + 1}/06/30"],
        ]
        outcomes = [
            [1, CITY, "１８０", "已完成", "按期完成"],
            [2, CITY, None, "未完成", "客观原因"],
        ]
    else:
        commitments = [
            [
                f"{year}-{CITY}-01",
                CITY,
                "联系服务群众",
                "驻村",
                "驻村天数",
                "180",
                "天",
                f"{year + 1}-12-31",
            ],
            [
                f"{year}-{CITY}-02",
                CITY,
                "基层基础保障",
                "集体经济",
                "村级集体经济收入",
                "6000万",
                "元",
                f"{year + 1}年12月31日",
            ],
            [
                f"{year}-{COUNTY}-01",
                COUNTY,
                "落实党建责任",
                "责任清单",
                "责任清单",
                None,
                None,
                f"{year + 1}.06.30",
            ],
        ]
        outcomes = [
            [f"{year - 1}-{CITY}-01", "1,117", "基本完成", "部分完成"],
            [f"{year - 1}-{CITY}-02", "96%", "全部完成", None],
        ]
    problems = [
        [
            f"P{year}-{CITY}-01",
            CITY,
            "上级点",
            "党的组织生活",
            "三会一课不经常",
            f"{year + 1}-06-30",
        ],
        [f"P{year}-{TOWNSHIP}-01", f" {TOWNSHIP} ", "暗访调查", "联系服务群众", "回应不及时", None],
    ]
    rectifications = [[f"P{year - 1}-{CITY}-01", "已整改", "建立台账", f"{year}年3月"]]
    evaluations = [
        [int(CITY), "好", 92.5, "87%", 3],
        [COUNTY, "较好", "85", 0.8, "2"],
        [TOWNSHIP, "一般", 71, 66, 4],
    ]
    headers = V1_HEADERS if version == "v1" else V2_HEADERS
    return {
        "述职对象": (headers["述职对象"], roster),
        "承诺事项": (headers["承诺事项"], commitments),
        "承诺完成情况": (headers["承诺完成情况"], outcomes),
        "问题清单": (headers["问题清单"], problems),
        "整改情况": (headers["整改情况"], rectifications),
        "评议结果": (headers["评议结果"], evaluations),
    }


def cover(year: int, version: str | None = None, batch: int = 1, **overrides) -> dict:
    values = {
        "年度": f"{year}年度",
        "省份": PROVINCE[1],
        "省份代码": PROVINCE[0],
        "模板版本": version or ("v1" if year <= 2015 else "v2"),
        "报送批次": batch,
        "报送日期": dt.date(year, 12, 20),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def write_workbook(
    path: Path,
    cover_values: dict,
    tables: dict[str, tuple[list, list[list]]],
    title_rows: int = 1,
    notes: bool = True,
    extra_sheet: bool = True,
) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "封面"
    for label, value in cover_values.items():
        sheet.append([label, value])
    for name, (headers, rows) in tables.items():
        sheet = book.create_sheet(name)
        for t in range(title_rows):
            sheet.append(
                [f"{cover_values.get('年度', '')}市县乡党委书记抓基层党建工作述职评议汇总表"]
            )
            sheet.merge_cells(
                start_row=t + 1, start_column=1, end_row=t + 1, end_column=len(headers)
            )
        # stray spaces and line breaks in header cells
        sheet.append(
            [f" {h}" if i % 2 else h.replace("区划", "区\n划") for i, h in enumerate(headers)]
        )
        for i, row in enumerate(rows):
            sheet.append(row)
            if i == 0:
                sheet.append([])  # a blank row inside the data
        if notes:
            sheet.append([])
            sheet.append(["注：1. 本表由组织部汇总填报。"])
            sheet.append(["2. 目标值请填写数字。"])
    if extra_sheet:
        book.create_sheet("填表说明").append(["这张表不是数据表"])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


INSPECTION_HEADERS = [
    "发现编号", "检查日期", "检查方式", "行政区划代码", "类别", "严重程度", "问题描述",
    "关联问题编号", "整改期限", "整改状态", "问责方式", "问责人数",
]  # fmt: skip


def finding(fid: str, status: str = "整改中", region: str = COUNTY, **changes) -> list:
    row = {
        "发现编号": fid,
        "检查日期": "2016-05-10",
        "检查方式": "暗访",
        "行政区划代码": region,
        "类别": "联系服务群众",
        "严重程度": "较重",
        "问题描述": "值班制度落实不到位",
        "关联问题编号": "",
        "整改期限": "2016年8月",
        "整改状态": status,
        "问责方式": "约谈",
        "问责人数": "2",
    }
    row.update(changes)
    return [row[h] for h in INSPECTION_HEADERS]


def csv_text(rows: list[list], headers=None, header: bool = True) -> str:
    """An export's text as csv.writer writes it (CRLF), with the header line unless not."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    if header:
        writer.writerow(headers or INSPECTION_HEADERS)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig", headers=None) -> Path:
    data = csv_text(rows, headers)
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "utf-8-sig":
        path.write_bytes(codecs.BOM_UTF8 + data.encode("utf-8"))
    else:
        path.write_bytes(data.encode(encoding))
    return path
