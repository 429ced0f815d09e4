"""Sheet names, headers per template version, and one row builder per data sheet."""

from __future__ import annotations

from evalwh.generate.formats import CellFormatter
from evalwh.generate.regions import Region, short_name
from evalwh.generate.world import Commitment, Evaluation, Official, Outcome, Problem, Rectification

COVER = "封面"
OFFICIALS, COMMITMENTS, OUTCOMES = "述职对象", "承诺事项", "承诺完成情况"
PROBLEMS, RECTIFICATIONS, EVALUATIONS = "问题清单", "整改情况", "评议结果"
DATA_SHEETS = (OFFICIALS, COMMITMENTS, OUTCOMES, PROBLEMS, RECTIFICATIONS, EVALUATIONS)

HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "v2": {
        OFFICIALS: ("行政区划代码", "地区名称", "层级", "上级区划代码", "书记姓名", "任职时间"),
        COMMITMENTS: (
            "承诺编号",
            "行政区划代码",
            "类别",
            "承诺内容",
            "指标名称",
            "目标值",
            "单位",
            "完成时限",
        ),
        OUTCOMES: ("承诺编号", "完成值", "完成状态", "情况说明"),
        PROBLEMS: ("问题编号", "行政区划代码", "问题来源", "类别", "问题描述", "整改时限"),
        RECTIFICATIONS: ("问题编号", "整改状态", "整改措施", "完成日期"),
        EVALUATIONS: ("行政区划代码", "评议等次", "综合得分", "好评率", "点评问题数"),
    },
    "v1": {
        OFFICIALS: ("地区代码", "地区名称", "层级", "上级区划代码", "姓名", "任职时间"),
        COMMITMENTS: ("序号", "地区代码", "类别", "承诺内容", "指标名称", "目标", "完成时限"),
        OUTCOMES: ("上年承诺序号", "行政区划代码", "完成值", "完成状态", "情况说明"),
        PROBLEMS: ("问题编号", "行政区划代码", "问题来源", "类别", "问题描述", "整改时限"),
        RECTIFICATIONS: ("问题编号", "整改状态", "整改措施", "完成日期"),
        EVALUATIONS: ("行政区划代码", "评议等次", "综合得分", "好评率", "点评问题数"),
    },
}

COVER_LABELS = ("年度", "省份", "省份代码", "模板版本", "报送批次", "报送日期")


def template_version(year: int) -> str:
    return "v1" if year <= 2015 else "v2"


class RowBuilder:
    """Turns simulated entities into cell values (with valid mess) for one workbook."""

    def __init__(self, version: str, fmt: CellFormatter):
        self.version = version
        self.fmt = fmt

    def official(self, region: Region, official: Official) -> list:
        f = self.fmt
        return [
            f.code(region.code),
            f.region_name(region.name, short_name(region.name)),
            region.level,
            f.code(region.parent_code),
            official.name,
            f.date(official.took_office),
        ]

    def commitment(self, c: Commitment, target_cell: object = "auto") -> list:
        f = self.fmt
        if self.version == "v1":
            target = (
                f.number(c.target, c.unit, glued=True) if target_cell == "auto" else target_cell
            )
            return [
                f.integer(c.seq),
                f.code(c.region),
                c.category,
                c.content,
                c.metric,
                target,
                f.date(c.due),
            ]
        target = f.number(c.target, c.unit) if target_cell == "auto" else target_cell
        unit = c.unit if c.target is not None or target_cell != "auto" else None
        return [
            c.id,
            f.code(c.region),
            c.category,
            c.content,
            c.metric,
            target,
            unit,
            f.date(c.due),
        ]

    def outcome(self, o: Outcome) -> list:
        f = self.fmt
        c = o.commitment
        glue = f.rng.random() < 0.5
        value = f.number(o.value, c.unit, glued=glue)
        if self.version == "v1":
            return [f.integer(c.seq), f.code(c.region), value, o.status, o.note]
        return [c.id, value, o.status, o.note]

    def problem(self, p: Problem) -> list:
        f = self.fmt
        return [p.id, f.code(p.region), p.source, p.category, p.description, f.date(p.deadline)]

    def rectification(self, r: Rectification) -> list:
        return [r.problem.id, r.status, r.measures, self.fmt.date(r.done)]

    def evaluation(self, e: Evaluation) -> list:
        f = self.fmt
        return [
            f.code(e.region),
            e.rating,
            f.score(e.score),
            f.approval(e.approval),
            f.integer(e.critiques),
        ]
