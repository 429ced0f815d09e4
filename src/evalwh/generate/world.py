"""The simulated truth of one province over the years: officials, commitments and their
outcomes, problems and their rectification, evaluations and inspection findings.

Everything is drawn from one random stream per province, year after year, so cross-year
references (outcomes -> last year's commitments, rectifications -> last year's problems,
findings -> problems) are consistent by construction. Rendering into messy cells happens
elsewhere (formats.py, workbooks.py).
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from evalwh.generate import vocabulary as vocab
from evalwh.generate.regions import ProvinceTree, person_name


@dataclass(frozen=True)
class Density:
    commitments: tuple[int, int]
    problems: tuple[int, int]
    findings: tuple[int, int]
    backwards_rate: float  # share of rectified findings found to be falsely rectified


SAMPLE_DENSITY = Density((2, 4), (1, 3), (0, 2), 0.3)
NATIONAL_DENSITY = Density((6, 10), (3, 6), (1, 3), 0.05)


@dataclass(slots=True)
class Official:
    name: str
    took_office: date


@dataclass(slots=True)
class Commitment:
    id: str
    region: str
    seq: int
    category: str
    content: str
    metric: str
    target: float | None
    unit: str | None
    due: date


@dataclass(slots=True)
class Outcome:
    commitment: Commitment
    value: float | None
    status: str  # 完成状态 as written
    note: str


@dataclass(slots=True)
class Problem:
    id: str
    region: str
    seq: int
    source: str
    category: str
    description: str
    deadline: date


@dataclass(slots=True)
class Rectification:
    problem: Problem
    status: str
    measures: str
    done: date | None


@dataclass(slots=True)
class Evaluation:
    region: str
    rating: str
    score: float
    approval: float  # share 0..1, two decimals
    critiques: int


@dataclass(slots=True)
class Finding:
    id: str
    date: date
    type: str
    region: str
    category: str
    severity: str
    description: str
    linked_problem: str | None
    deadline: date
    timeline: list[tuple[date, str]]  # (from date, 整改状态)
    action: str
    persons: int

    def status_on(self, day: date) -> str:
        current = self.timeline[0][1]
        for since, status in self.timeline:
            if since <= day:
                current = status
        return current


@dataclass
class YearData:
    year: int
    officials: dict[str, Official]
    commitments: list[Commitment]
    outcomes: list[Outcome]  # of last year's commitments
    problems: list[Problem]
    rectifications: list[Rectification]  # of last year's problems
    evaluations: list[Evaluation]
    findings: list[Finding] = field(default_factory=list)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def rating_for(score: float) -> str:
    if score >= 90:
        return "好"
    if score >= 80:
        return "较好"
    if score >= 60:
        return "一般"
    return "差"


def _rand_day(rng: random.Random, year: int, first_month: int = 1, last_month: int = 12) -> date:
    month = rng.randint(first_month, last_month)
    return date(year, month, rng.randint(1, calendar.monthrange(year, month)[1]))


def _round_to(value: float, step: float) -> float:
    return float(max(step, round(value / step) * step))


class ProvinceSimulation:
    """Call year(y) for consecutive years; each call returns that year's report content."""

    def __init__(self, tree: ProvinceTree, seed: int, density: Density):
        self.tree = tree
        self.density = density
        self.rng = random.Random(f"{seed}:world:{tree.code}")
        self.prev_commitments: list[Commitment] = []
        self.prev_problems: list[Problem] = []
        self.current: dict[str, Official] = {}
        self.past: dict[str, list[str]] = {}
        self.next_change: dict[str, int] = {}
        self.finding_counter = 0

    # ------------------------------------------------------------------ officials
    def _officials(self, year: int) -> dict[str, Official]:
        rng = self.rng
        for region in self.tree.regions:
            code = region.code
            if code not in self.current:
                took = _rand_day(rng, rng.randint(year - 5, year), 1, 10)
                self.current[code] = Official(person_name(rng), took)
                self.past[code] = []
                self.next_change[code] = max(year + 1, took.year + rng.randint(2, 5))
            elif self.next_change[code] <= year:
                old = self.current[code]
                self.past[code].append(old.name)
                returning = [n for n in self.past[code] if n != old.name]
                if returning and rng.random() < 0.25:
                    name = rng.choice(returning)
                else:
                    name = person_name(rng)
                    while name == old.name:
                        name = person_name(rng)
                self.current[code] = Official(name, _rand_day(rng, year, 1, 11))
                self.next_change[code] = year + rng.randint(2, 5)
        return dict(self.current)

    # ------------------------------------------------------------------ commitments
    def _commitments(self, year: int) -> list[Commitment]:
        rng = self.rng
        out = []
        lo, hi = self.density.commitments
        for region in self.tree.regions:
            metrics = rng.sample(vocab.METRICS, rng.randint(lo, hi))
            for seq, m in enumerate(metrics, start=1):
                target = None
                content = m.content
                if m.unit is not None:
                    if m.unit == "%":
                        target = float(rng.randint(int(m.low), int(m.high)))
                    else:
                        high = m.high
                        if m.unit == "元" and rng.random() < 0.7:  # most budgets are modest
                            high = m.low + (m.high - m.low) / 8
                        raw = rng.uniform(m.low, high)
                        target = _round_to(raw, m.step)
                    content = f"{m.content}，目标{_plain(target)}{m.unit}"
                due = (
                    date(year + 1, 12, 31)
                    if rng.random() < 0.8
                    else month_end(year + 1, rng.choice((6, 9)))
                )
                out.append(
                    Commitment(
                        f"{year}-{region.code}-{seq:02d}",
                        region.code,
                        seq,
                        m.category,
                        content,
                        m.name,
                        target,
                        m.unit,
                        due,
                    )
                )
        return out

    def _outcomes(self, year: int) -> list[Outcome]:
        rng = self.rng
        out = []
        for c in self.prev_commitments:
            draw = rng.random()
            if draw < 0.05:
                continue  # never reported
            kind = "fulfilled" if draw < 0.78 else "partial" if draw < 0.91 else "unfulfilled"
            status = rng.choice(
                {
                    "fulfilled": vocab.FULFILLED,
                    "partial": vocab.PARTIAL,
                    "unfulfilled": vocab.UNFULFILLED,
                }[kind]
            )
            value = None
            if c.target is not None:
                factor = {
                    "fulfilled": rng.uniform(1.0, 1.12),
                    "partial": rng.uniform(0.7, 0.97),
                    "unfulfilled": rng.uniform(0.2, 0.65),
                }[kind]
                if not (kind == "unfulfilled" and rng.random() < 0.5):
                    step = 10000.0 if c.unit == "元" else 1.0
                    value = _round_to(c.target * factor, step)
                    if kind == "fulfilled":
                        value = max(value, c.target)
                    if c.unit == "%":
                        value = min(value, 100.0)
                    if kind != "fulfilled" and value >= c.target:
                        value = max(c.target - step, 0.0)
            out.append(Outcome(c, value, status, rng.choice(vocab.OUTCOME_NOTES[kind])))
        return out

    # ------------------------------------------------------------------ problems
    def _problems(self, year: int) -> list[Problem]:
        rng = self.rng
        last_categories: dict[str, list[str]] = {}
        for p in self.prev_problems:
            last_categories.setdefault(p.region, []).append(p.category)
        out = []
        lo, hi = self.density.problems
        for region in self.tree.regions:
            n = rng.randint(lo, hi)
            categories = rng.sample(vocab.CATEGORIES, n)
            previous = last_categories.get(region.code)
            if previous and rng.random() < 0.3:  # a repeat problem
                repeat = rng.choice(previous)
                if repeat not in categories:
                    categories[0] = repeat
            for seq, category in enumerate(categories, start=1):
                source = rng.choices(vocab.PROBLEM_SOURCES, vocab.PROBLEM_SOURCE_WEIGHTS)[0]
                out.append(
                    Problem(
                        f"P{year}-{region.code}-{seq:02d}",
                        region.code,
                        seq,
                        source,
                        category,
                        rng.choice(vocab.PROBLEM_TEXTS[category]),
                        month_end(year + 1, rng.choice((3, 6, 6, 9, 12))),
                    )
                )
        return out

    def _rectifications(self, year: int) -> list[Rectification]:
        rng = self.rng
        out = []
        for p in self.prev_problems:
            draw = rng.random()
            if draw < 0.05:
                continue  # never reported
            if draw < 0.75:
                latest = min(p.deadline, date(year, 12, 31))
                done = max(date(year, 1, 15), latest - timedelta(days=rng.randint(0, 150)))
                out.append(Rectification(p, vocab.RECTIFIED, rng.choice(vocab.MEASURES), done))
            else:
                status = vocab.IN_PROGRESS if draw < 0.93 else vocab.NOT_RECTIFIED
                out.append(Rectification(p, status, rng.choice(vocab.MEASURES), None))
        return out

    # ------------------------------------------------------------------ evaluations
    def _evaluations(self, problems: list[Problem]) -> list[Evaluation]:
        rng = self.rng
        critiques: dict[str, int] = {}
        for p in problems:
            if p.source == "上级点":
                critiques[p.region] = critiques.get(p.region, 0) + 1
        out = []
        for region in self.tree.regions:
            score = round(min(99.5, max(45.0, rng.gauss(84, 7))), 1)
            approval = round(min(0.99, max(0.5, score / 100 + rng.gauss(0, 0.04))), 2)
            out.append(
                Evaluation(
                    region.code, rating_for(score), score, approval, critiques.get(region.code, 0)
                )
            )
        return out

    # ------------------------------------------------------------------ findings
    def _findings(self, year: int, problems: list[Problem]) -> list[Finding]:
        rng = self.rng
        linkable: dict[str, list[Problem]] = {}
        for p in problems:
            if p.source == "暗访调查":
                linkable.setdefault(p.region, []).append(p)
        out = []
        lo, hi = self.density.findings
        pp = self.tree.code[:2]
        for region in self.tree.regions:
            candidates = linkable.get(region.code, [])
            for _ in range(rng.randint(lo, hi)):
                self.finding_counter += 1
                day = _rand_day(rng, year, 1, 11)
                linked = None
                if candidates and rng.random() < 0.7:
                    problem = candidates.pop()
                    category, linked = problem.category, problem.id
                else:
                    category = rng.choice(vocab.CATEGORIES)
                severity = rng.choices(vocab.SEVERITIES, (60, 30, 10))[0]
                action = rng.choices(vocab.ACCOUNTABILITY, (25, 15, 10, 2, 3, 45))[0]
                if severity == "严重" and action == "无":
                    action = "诫勉"
                persons = 0 if action == "无" else rng.randint(1, 4)
                first = vocab.IN_PROGRESS if rng.random() < 0.7 else vocab.NOT_RECTIFIED
                timeline = [(day, first)]
                if rng.random() < 0.8:
                    fixed = day + timedelta(days=rng.randint(30, 250))
                    timeline.append((fixed, vocab.RECTIFIED))
                    if rng.random() < self.density.backwards_rate:
                        back = fixed + timedelta(days=rng.randint(150, 300))
                        timeline.append((back, vocab.NOT_RECTIFIED))
                        if rng.random() < 0.5:
                            timeline.append(
                                (back + timedelta(days=rng.randint(60, 200)), vocab.RECTIFIED)
                            )
                out.append(
                    Finding(
                        f"F{year}{pp}{self.finding_counter:06d}",
                        day,
                        rng.choices(vocab.INSPECTION_TYPES, (30, 30, 25, 15))[0],
                        region.code,
                        category,
                        severity,
                        rng.choice(vocab.FINDING_TEXTS[category]),
                        linked,
                        day + timedelta(days=90),
                        timeline,
                        action,
                        persons,
                    )
                )
        return out

    def year(self, year: int) -> YearData:
        officials = self._officials(year)
        outcomes = self._outcomes(year)
        rectifications = self._rectifications(year)
        commitments = self._commitments(year)
        problems = self._problems(year)
        evaluations = self._evaluations(problems)
        findings = self._findings(year, problems)
        self.prev_commitments, self.prev_problems = commitments, problems
        return YearData(
            year, officials, commitments, outcomes, problems, rectifications, evaluations, findings
        )


def _plain(value: float) -> str:
    """95.0 -> '95', 1.25 -> '1.25' (never scientific notation)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")
