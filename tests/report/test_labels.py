"""Labels are data (labels.yaml): every label in both languages."""

from __future__ import annotations

import re

import pytest

from evalwh.report.labels import Labels

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_label_has_chinese_and_english():
    for key in Labels.all_keys():
        entry = Labels.entry(key)
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key


def test_chinese_labels_are_chinese_and_english_ones_english():
    zh, en = Labels("zh"), Labels("en")
    assert zh["title"] == "抓基层党建工作述职评议考核审计报告"
    assert en["title"] == "Party-building evaluation audit report"
    for key in Labels.all_keys():
        assert CJK.search(zh[key]), key
        # English labels may quote a source column name (承诺编号), never be Chinese prose
        latin = len(re.findall(r"[A-Za-z]", en[key]))
        assert latin and len(CJK.findall(en[key])) < latin / 4, key


def test_codes_and_placeholders():
    zh, en = Labels("zh"), Labels("en")
    assert zh.code("rating", "fairly_good") == "较好"
    assert en.code("rating", "fairly_good") == "fairly good"
    assert zh.code("action", "public_criticism") == "通报批评"
    assert zh.code("rating", "unheard_of") == "unheard_of"
    assert zh.code("rating", None) == ""
    assert "17" in en.fmt("more_rows", n=17)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        Labels("fr")
