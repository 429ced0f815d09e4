"""One province job: simulate its years, write its workbooks and its share of the exports.
Runs in a worker process (spawn), so it only takes and returns plain picklable data."""

from __future__ import annotations

from pathlib import Path

from evalwh.generate.inspections import write_chunks
from evalwh.generate.plan import ProvinceJob
from evalwh.generate.regions import national_tree, sample_tree
from evalwh.generate.workbooks import WrittenWorkbook, write_workbook
from evalwh.generate.world import Finding, ProvinceSimulation


def run_province(job: ProvinceJob) -> dict:
    tree = (
        sample_tree(job.province, job.seed)
        if job.scale == "sample"
        else national_tree(job.province, job.seed)
    )
    sim = ProvinceSimulation(tree, job.seed, job.density)
    out_dir = Path(job.out_dir)
    books_by_year: dict[int, list] = {}
    for spec in job.workbooks:
        books_by_year.setdefault(spec.year, []).append(spec)
    written: list[WrittenWorkbook] = []
    findings: list[Finding] = []
    for year in job.sim_years:
        data = sim.year(year)
        if year in job.finding_years:
            findings.extend(data.findings)
        for spec in books_by_year.get(year, ()):
            written.append(write_workbook(out_dir, spec, data, tree, job.mess, job.seed))
    chunks = write_chunks(
        Path(job.tmp_dir),
        job.province,
        findings,
        list(job.exports),
        job.csv_bad_rows,
        job.seed,
        job.mess.messiness,
    )
    return {
        "province": job.province,
        "regions": {
            level: sum(1 for r in tree.regions if r.level == level) for level in ("市", "县", "乡")
        },
        "workbooks": written,
        "chunks": chunks,
    }
