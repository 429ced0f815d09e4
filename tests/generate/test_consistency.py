from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from generate_readback import (
    code,
    commitment_ids,
    integer,
    outcome_ids,
    parse_score,
    read_csv,
    read_workbook,
)


@pytest.fixture(scope="module")
def current(sample_dir, manifest):
    """(province, year) -> (path, sheets, rejected rows {(sheet, row)}) for current batches."""
    rejected = defaultdict(set)
    for r in manifest["rejected"]:
        rejected[r["file"]].add((r["sheet"], r["row"]))
    out = {}
    for f in manifest["files"]:
        if f["kind"] == "report_workbook" and f["status"] == "loaded":
            out[(f["province_code"], f["year"])] = (
                f["path"],
                read_workbook(sample_dir / f["path"]),
                rejected[f["path"]],
            )
    return out


def _good(sheet, rejected, ids):
    return {row: i for row, i in ids.items() if (sheet.name, row) not in rejected}


def test_v1_outcomes_reference_previous_year_commitments(current, manifest):
    unknown = {
        (r["file"], r["row"]) for r in manifest["rejected"] if r["reason"] == "unknown_commitment"
    }
    checked = 0
    for (province, year), (path, sheets, _rejected) in current.items():
        previous = current.get((province, year - 1))
        outcomes = outcome_ids(sheets["承诺完成情况"], year)
        if previous is None:
            assert outcomes == {}  # the first year has nothing to report on
            continue
        made = set(
            _good(
                previous[1]["承诺事项"],
                previous[2],
                commitment_ids(previous[1]["承诺事项"], year - 1),
            ).values()
        )
        for row, cid in outcomes.items():
            assert (cid in made) != ((path, row) in unknown), (path, row, cid)
            checked += 1
        ids = [cid for row, cid in outcomes.items() if (path, row) not in unknown]
        assert len(ids) == len(set(ids))
    assert checked > 100


def test_most_commitments_get_an_outcome_and_some_never_do(current):
    reported = missing = 0
    for (province, year), (_, sheets, rejected) in current.items():
        nxt = current.get((province, year + 1))
        if nxt is None:
            continue
        made = set(
            _good(sheets["承诺事项"], rejected, commitment_ids(sheets["承诺事项"], year)).values()
        )
        got = set(outcome_ids(nxt[1]["承诺完成情况"], year + 1).values())
        reported += len(made & got)
        missing += len(made - got)
    assert reported > 10 * missing > 0


def test_rectifications_reference_previous_year_problems(current):
    for (province, year), (_, sheets, _) in current.items():
        previous = current.get((province, year - 1))
        ids = [rec["问题编号"] for _, rec in sheets["整改情况"].records()]
        if previous is None:
            assert ids == []
            continue
        problems = {rec["问题编号"] for _, rec in previous[1]["问题清单"].records()}
        assert set(ids) <= problems
        assert len(ids) == len(set(ids))


def test_region_codes_are_known_unless_rejected_as_unknown_region(current, manifest):
    unknown = {
        (r["file"], r["sheet"], r["row"])
        for r in manifest["rejected"]
        if r["reason"] == "unknown_region"
    }
    for (province, _), (path, sheets, _) in current.items():
        officials = sheets["述职对象"].records()
        key = "行政区划代码" if "行政区划代码" in sheets["述职对象"].header else "地区代码"
        known = {code(rec[key]) for _, rec in officials}
        for _, rec in officials:
            c, parent = code(rec[key]), code(rec["上级区划代码"])
            assert len(c) in (6, 9) and c[:2] == province[:2]
            level = rec["层级"]
            assert level in ("市", "县", "乡")
            if level == "乡":
                assert parent == c[:6]
            elif level == "县":
                assert parent == c[:4] + "00"
            else:
                assert parent == province
        for name in ("承诺事项", "问题清单", "评议结果"):
            sheet = sheets[name]
            col = "行政区划代码" if "行政区划代码" in sheet.header else "地区代码"
            for row, rec in sheet.records():
                assert (code(rec[col]) in known) != ((path, name, row) in unknown), (
                    path,
                    name,
                    row,
                )


def test_rating_is_consistent_with_score(current):
    bands = {"好": (90, 100), "较好": (80, 90), "一般": (60, 80), "差": (0, 60)}
    for path, sheets, rejected in current.values():
        for row, rec in sheets["评议结果"].records():
            if ("评议结果", row) in rejected:
                continue
            low, high = bands[rec["评议等次"]]
            assert low <= parse_score(rec["综合得分"]) <= high, (path, row)
            assert 0 <= integer(rec["点评问题数"]) <= 7


def test_secretaries_change_and_a_former_secretary_returns(current):
    history = defaultdict(list)
    for (_, _year), (_, sheets, _) in sorted(current.items(), key=lambda kv: kv[0][1]):
        sheet = sheets["述职对象"]
        key = "行政区划代码" if "行政区划代码" in sheet.header else "地区代码"
        name = "书记姓名" if "书记姓名" in sheet.header else "姓名"
        for _, rec in sheet.records():
            history[code(rec[key])].append(rec[name])
    changes = returns = 0
    for names in history.values():
        stints = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
        changes += len(stints) - 1
        returns += len(stints) != len(set(stints))
    assert changes >= 5
    assert returns >= 1


def test_repeat_problems_occur(current):
    repeats = 0
    for (province, year), (_, sheets, _) in current.items():
        previous = current.get((province, year - 1))
        if previous is None:
            continue
        before = {
            (code(r["行政区划代码"]), r["类别"]) for _, r in previous[1]["问题清单"].records()
        }
        now = {(code(r["行政区划代码"]), r["类别"]) for _, r in sheets["问题清单"].records()}
        repeats += len(before & now)
    assert repeats >= 3


def test_findings_link_to_real_problem_ids(sample_dir, manifest, current):
    problems = {
        rec["问题编号"]
        for _, sheets, _ in current.values()
        for _, rec in sheets["问题清单"].records()
    }
    linked = blank = 0
    for f in manifest["files"]:
        if f["kind"] == "inspection_export" and f["status"] == "loaded":
            _, header, rows = read_csv(sample_dir / f["path"])
            for row in rows:
                link = dict(zip(header, row, strict=True))["关联问题编号"]
                if link:
                    assert link in problems
                    linked += 1
                else:
                    blank += 1
    assert linked >= 1 and blank > linked


def test_exports_overlap_and_a_status_moves_backwards(sample_dir, manifest):
    exports = sorted(
        (
            f
            for f in manifest["files"]
            if f["kind"] == "inspection_export" and f["status"] == "loaded"
        ),
        key=lambda f: (f["export_date"], f["path"]),
    )
    states = defaultdict(list)
    for f in exports:
        _, header, rows = read_csv(sample_dir / f["path"])
        for row in rows:
            rec = dict(zip(header, row, strict=True))
            states[rec["发现编号"]].append(rec["整改状态"])
    assert sum(len(s) > 1 for s in states.values()) >= 10
    moved_back = [
        k
        for k, s in states.items()
        if any(a == "已整改" and b == "未整改" for a, b in itertools.pairwise(s))
    ]
    assert moved_back


def test_resubmitted_batch_differs_from_the_batch_it_supersedes(sample_dir, manifest):
    sup = manifest["superseded"][0]
    old, new = (
        read_workbook(sample_dir / sup["file"]),
        read_workbook(sample_dir / sup["superseded_by"]),
    )
    assert old["封面"].rows != new["封面"].rows
    old_scores = {
        code(r["行政区划代码"]): parse_score(r["综合得分"]) for _, r in old["评议结果"].records()
    }
    new_scores = {
        code(r["行政区划代码"]): parse_score(r["综合得分"]) for _, r in new["评议结果"].records()
    }
    assert old_scores.keys() == new_scores.keys() and old_scores != new_scores
    assert len(old["承诺事项"].records()) < len(new["承诺事项"].records())
