import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evalwh.ingest import normalize as n


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,117", (1117.0, None)),
        ("１８０", (180.0, None)),
        ("95%", (95.0, "%")),
        ("1.2万", (12000.0, None)),
        ("6000万元", (60_000_000.0, "元")),
        ("1.2万户", (12000.0, "户")),
        ("22%", (22.0, "%")),
        ("180天", (180.0, "天")),
        (" 3 人次 ", (3.0, "人次")),
        (95, (95.0, None)),
        (95.5, (95.5, None)),
        ("", (None, None)),
        (None, (None, None)),
        ("-", (None, None)),
    ],
)
def test_quantities_in_every_form_the_contract_lists(raw, expected):
    assert n.parse_quantity(raw) == expected


@pytest.mark.parametrize("raw", ["约95", "95%%", "1.2.3", "九十五", "95-100", True])
def test_text_that_is_not_a_number_is_refused(raw):
    with pytest.raises(ValueError):
        n.parse_quantity(raw)


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_and_full_width_digits_round_trip(value):
    text = f"{value:,}"
    assert n.parse_quantity(text) == (float(value), None)
    assert n.parse_quantity(
        n.fold_width(text).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    ) == (float(value), None)


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_wan_multiplies_by_ten_thousand(value):
    number, unit = n.parse_quantity(f"{value}万元")
    assert unit == "元"
    assert math.isclose(number, float(value) * 10_000, rel_tol=1e-12)


@given(st.text(max_size=12))
def test_any_text_gives_a_quantity_or_a_value_error(text):
    try:
        number, unit = n.parse_quantity(text)
    except ValueError:
        return
    assert number is None or math.isfinite(number)
    assert unit is None or isinstance(unit, str)


@pytest.mark.parametrize(
    "raw",
    [
        dt.date(2015, 11, 30),
        dt.datetime(2015, 11, 30, 0, 0),
        42338,
        "2015-11-30",
        "2015/11/30",
        "2015.11.30",
        "2015年11月30日",
        "2015年11月",
        "２０１５年１１月３０日",
        "20151130",
        "2015-11-30 00:00:00",
    ],
)
def test_dates_in_every_form_the_contract_lists(raw):
    assert n.parse_date(raw) == dt.date(2015, 11, 30)


def test_month_only_dates_are_the_last_day_of_that_month():
    assert n.parse_date("2016年2月") == dt.date(2016, 2, 29)
    assert n.parse_date("2015-02") == dt.date(2015, 2, 28)


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_text_date_form_parses_back_to_the_same_day(day):
    forms = [
        day.isoformat(),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y.%m.%d"),
        f"{day.year}年{day.month}月{day.day}日",
    ]
    assert {n.parse_date(f) for f in forms} == {day}


@given(st.text(max_size=16))
def test_any_text_gives_a_date_or_a_value_error(text):
    try:
        result = n.parse_date(text)
    except ValueError:
        return
    assert result is None or isinstance(result, dt.date)


@pytest.mark.parametrize("raw", ["2015-13-01", "2015-02-30", "明年", "2015年", 1.5])
def test_impossible_dates_are_refused(raw):
    with pytest.raises(ValueError):
        n.parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("87%", 0.87), (0.87, 0.87), (87, 0.87), ("100%", 1.0), (0, 0.0)]
)
def test_approval_rate_as_percent_share_or_number_gives_a_share(raw, expected):
    assert n.parse_share(raw) == pytest.approx(expected)


def test_approval_rate_above_100_percent_is_out_of_range():
    with pytest.raises(n.OutOfRange):
        n.parse_share("187%")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (220102, "220102"),
        (220102.0, "220102"),
        (" 220102 ", "220102"),
        ("220102001", "220102001"),
        ("２２０１０２", "220102"),
    ],
)
def test_region_codes_arrive_as_numbers_text_or_padded(raw, expected):
    assert n.parse_region_code(raw) == expected


@pytest.mark.parametrize("raw", ["22010", "2201020", "abcdef", None, 220102.5])
def test_malformed_region_codes_are_refused(raw):
    with pytest.raises(ValueError):
        n.parse_region_code(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [(2015, 2015), ("2015年度", 2015), ("2015年", 2015), (" 2015 ", 2015)]
)
def test_reporting_year_reads_with_or_without_suffix(raw, expected):
    assert n.parse_year(raw) == expected


@pytest.mark.parametrize("raw", ["二〇一五", 1915, "2015-2016", None])
def test_unreadable_or_implausible_years_are_refused(raw):
    with pytest.raises(ValueError):
        n.parse_year(raw)


def test_enum_terms_match_despite_stray_whitespace_and_unknown_terms_are_named():
    mapping = {"已完成": "fulfilled"}
    assert n.map_enum(" 已 完成\n", mapping, "status") == "fulfilled"
    with pytest.raises(ValueError, match="unknown status: '超额完成'"):
        n.map_enum("超额完成", mapping, "status")


@pytest.mark.parametrize("digits", [309, 400, 32_767])
def test_a_number_too_long_to_be_finite_is_refused_not_stored_as_infinity(digits):
    with pytest.raises(ValueError, match="not a finite number"):
        n.parse_quantity("9" * digits)
    with pytest.raises(ValueError, match="not a finite number"):
        n.parse_quantity("9" * (digits - 4) + "万")
