from __future__ import annotations

import hashlib
import re
import zipfile

from evalwh.generate import generate


def _digests(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(sample_dir, tmp_path):
    again = tmp_path / "again"
    generate(again, scale="sample", seed=2014)
    assert _digests(again) == _digests(sample_dir)


def test_another_seed_gives_other_data(sample_dir, tmp_path):
    other = tmp_path / "other"
    generate(other, scale="sample", seed=99)
    a, b = _digests(sample_dir), _digests(other)
    assert a.keys() == b.keys()  # same file plan
    assert a["reports/jilin_2017.xlsx"] != b["reports/jilin_2017.xlsx"]


def test_regenerating_into_the_same_dir_replaces_its_files(tmp_path):
    generate(tmp_path, scale="sample", seed=2014)
    first = _digests(tmp_path)
    (tmp_path / "reports" / "keep_me.txt").write_text("not generated")
    generate(tmp_path, scale="sample", seed=2014)
    second = _digests(tmp_path)
    assert second.pop("reports/keep_me.txt")
    assert second == first


def test_xlsx_zip_timestamps_and_document_dates_are_fixed(sample_dir, manifest):
    for f in manifest["files"]:
        if f["kind"] != "report_workbook" or f["status"] == "quarantined":
            continue
        with zipfile.ZipFile(sample_dir / f["path"]) as z:
            stamps = {i.date_time for i in z.infolist()}
            assert len(stamps) == 1 and next(iter(stamps))[0] == 1980
            core = z.read("docProps/core.xml").decode()
        created = re.search(r"<dcterms:created[^>]*>([^<]+)<", core).group(1)
        modified = re.search(r"<dcterms:modified[^>]*>([^<]+)<", core).group(1)
        assert created == modified
        assert created.startswith(str(f["year"] + 1))
