"""The report's font subset is cached on disk (`evalwh.report.fonts.FontCache`): real builds
of the sample's published warehouse, counting the subsets fontTools actually built
(`fonts.subsets_built`), and the cache files themselves."""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from evalwh import pipeline
from evalwh.report import build_report, default_font_cache_dir, fonts
from tests.report.conftest import query
from tests.report.test_report import Page

pytestmark = pytest.mark.xdist_group("report_sample")


def _font_bytes(html_path: Path) -> bytes:
    found = re.search(r"url\(data:font/woff2;base64,([A-Za-z0-9+/=]+)\)", html_path.read_text())
    assert found, "no embedded font"
    return base64.b64decode(found.group(1))


def _page_characters(html_path: Path) -> set[str]:
    page = Page(html_path.read_text("utf-8"))
    text = "".join(page.text) + "".join(a.get("aria-label", "") for _t, a in page.elements)
    return {ch for ch in text if not ch.isspace()}


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.subset"))


def _build(published_db: Path, out: Path, cache: Path | None, **kwargs):
    before = fonts.subsets_built
    result = build_report(published_db, out_dir=out, top=4, font_cache_dir=cache, **kwargs)
    return result, fonts.subsets_built - before


def test_a_second_build_reuses_the_cached_subset(published_db, tmp_path):
    cache = tmp_path / "cache"
    first, built = _build(published_db, tmp_path / "a", cache)
    assert (first.font_cache, built) == ("miss", 1)
    [entry] = _entries(cache)
    stored = entry.read_bytes()

    second, built = _build(published_db, tmp_path / "b", cache)
    assert (second.font_cache, built) == ("hit", 0)  # fontTools did not subset again
    assert _font_bytes(second.html_path) == _font_bytes(first.html_path)
    assert _entries(cache) == [entry] and entry.read_bytes() == stored


def test_one_subset_serves_every_year_scope_and_language(published_db, tmp_path):
    """The subset holds the report's vocabulary (labels, the published file's names), so a
    report of another year, a province or the other language finds it in the cache."""
    cache = tmp_path / "cache"
    years = [y for (y,) in query(published_db, "select year from marts.dim_year order by year")]
    latest, _ = _build(published_db, tmp_path / "latest", cache)
    assert latest.font_cache == "miss"
    other = [
        _build(published_db, tmp_path / "earlier", cache, year=years[-2]),
        _build(published_db, tmp_path / "en", cache, lang="en"),
        _build(published_db, tmp_path / "province", cache, province=latest_province(published_db)),
    ]
    for result, built in other:
        assert (result.font_cache, built) == ("hit", 0), result.html_path
        cmap = TTFont(io.BytesIO(_font_bytes(result.html_path))).getBestCmap()
        missing = {ch for ch in _page_characters(result.html_path) if ord(ch) not in cmap}
        assert not missing, (result.html_path, sorted(missing)[:20])
    assert len(_entries(cache)) == 1


def latest_province(published_db: Path) -> str:
    return query(published_db, "select min(province_code) from marts.dim_region")[0][0]


def test_the_cached_font_holds_every_character_the_report_uses(published_db, tmp_path):
    cache = tmp_path / "cache"
    _build(published_db, tmp_path / "a", cache)
    result, built = _build(published_db, tmp_path / "b", cache)
    assert (result.font_cache, built) == ("hit", 0)
    font = TTFont(io.BytesIO(_font_bytes(result.html_path)))
    assert font.flavor == "woff2"
    cmap = font.getBestCmap()
    text = _page_characters(result.html_path)
    assert len(re.findall(r"[\u4e00-\u9fff]", "".join(text))) > 100
    assert not {ch for ch in text if ord(ch) not in cmap}


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), id="cut"),
        pytest.param(lambda p: p.write_bytes(_flip(p.read_bytes(), -100)), id="flipped-byte"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
        pytest.param(lambda p: p.write_bytes(b"wOF2" + os.urandom(4000)), id="garbage"),
        pytest.param(lambda p: (p.unlink(), p.mkdir()), id="a-directory"),
    ],
)
def test_a_corrupt_cache_entry_is_rebuilt(published_db, tmp_path, damage):
    cache = tmp_path / "cache"
    _build(published_db, tmp_path / "a", cache)
    [entry] = _entries(cache)
    damage(entry)

    rebuilt, built = _build(published_db, tmp_path / "b", cache)
    assert (rebuilt.font_cache, built) == ("miss", 1) and not rebuilt.warnings
    cmap = TTFont(io.BytesIO(_font_bytes(rebuilt.html_path))).getBestCmap()
    assert not {ch for ch in _page_characters(rebuilt.html_path) if ord(ch) not in cmap}
    if entry.is_file():  # rewritten whole: the next build hits again
        again, built = _build(published_db, tmp_path / "c", cache)
        assert (again.font_cache, built) == ("hit", 0)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def test_a_cache_that_cannot_be_written_never_fails_the_report(published_db, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory would be")
    result, built = _build(published_db, tmp_path / "a", blocked / "fonts")
    assert built == 1 and not result.warnings
    assert _font_bytes(result.html_path)[:4] == b"wOF2"


def test_the_pipeline_step_caches_under_the_warehouse(sample_paths):
    cache = sample_paths.warehouse_dir / "cache" / "fonts"
    assert default_font_cache_dir(sample_paths.published_db) == cache
    pipeline.write_report(sample_paths)  # hit or miss: other tests share this warehouse
    before = fonts.subsets_built
    written = pipeline.write_report(sample_paths)
    assert written["font_cache"] == "hit" and fonts.subsets_built == before
    assert _entries(cache)


def test_a_file_outside_a_warehouse_has_no_default_cache(tmp_path):
    assert default_font_cache_dir(tmp_path / "copy.duckdb") is None


def test_the_key_follows_the_font_file_face_and_characters(tmp_path):
    source = fonts.find_cjk_font()
    assert source is not None, "no CJK font: `make setup` installs fonts-noto-cjk"
    copy = tmp_path / source.path.name
    shutil.copyfile(source.path, copy)
    face = fonts.FontSource(copy, source.index, source.name)
    key = fonts.cache_key(face, "abc")
    assert fonts.cache_key(face, "abc") == key
    assert fonts.cache_key(face, "abd") != key
    assert fonts.cache_key(fonts.FontSource(copy, source.index + 1, ""), "abc") != key
    os.utime(copy, ns=(time.time_ns(), time.time_ns() + 10**9))  # the font was replaced
    assert fonts.cache_key(face, "abc") != key


def test_the_cache_keeps_only_the_most_recently_used_entries(tmp_path):
    cache = fonts.FontCache(tmp_path, max_entries=3)
    for i in range(3):
        assert cache.put(f"k{i}", b"x%d" % i)
        os.utime(cache.path(f"k{i}"), (1000 + i, 1000 + i))
    assert cache.get("k0") == b"x0"  # used: now the most recent
    stale = tmp_path / ".k9.1.1.tmp"  # left by a writer that died
    stale.write_bytes(b"partial")
    os.utime(stale, (1, 1))
    assert cache.put("k3", b"x3")
    assert sorted(p.stem for p in _entries(tmp_path)) == ["k0", "k2", "k3"]
    assert not stale.exists()


def _hammer(directory: str, key: str, worker: int) -> int:
    """Write and read one key over and over; count the entries read that were not whole."""
    cache = fonts.FontCache(directory)
    payloads = {bytes([w]) * (50_000 + w) for w in range(4)}
    bad = 0
    for _ in range(150):
        cache.put(key, bytes([worker]) * (50_000 + worker))
        found = cache.get(key)
        bad += found is not None and found not in payloads
    return bad


def test_processes_writing_one_entry_at_once_leave_a_whole_entry(tmp_path):
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=context) as pool:
        bad = list(pool.map(_hammer, [str(tmp_path)] * 4, ["k"] * 4, range(4)))
    assert bad == [0, 0, 0, 0]
    assert [p.name for p in tmp_path.iterdir()] == ["k.subset"]  # no temporary file left
    assert fonts.FontCache(tmp_path).get("k") in {bytes([w]) * (50_000 + w) for w in range(4)}
