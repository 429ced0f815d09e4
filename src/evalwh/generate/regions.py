"""Region trees: real GB/T 2260 provinces (and a few real cities/counties), generated below.

Codes: province PP0000, city PPCC00, county PPCCDD, township county code + 3 digits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from evalwh.generate import vocabulary as vocab

# code, name, capital city name, number of cities (roughly the real count)
PROVINCES: tuple[tuple[str, str, str, int], ...] = (
    ("110000", "北京市", "市辖区", 1),
    ("120000", "天津市", "市辖区", 1),
    ("130000", "河北省", "石家庄市", 11),
    ("140000", "山西省", "太原市", 11),
    ("150000", "内蒙古自治区", "呼和浩特市", 12),
    ("210000", "辽宁省", "沈阳市", 14),
    ("220000", "吉林省", "长春市", 9),
    ("230000", "黑龙江省", "哈尔滨市", 13),
    ("310000", "上海市", "市辖区", 1),
    ("320000", "江苏省", "南京市", 13),
    ("330000", "浙江省", "杭州市", 11),
    ("340000", "安徽省", "合肥市", 16),
    ("350000", "福建省", "福州市", 9),
    ("360000", "江西省", "南昌市", 11),
    ("370000", "山东省", "济南市", 16),
    ("410000", "河南省", "郑州市", 17),
    ("420000", "湖北省", "武汉市", 13),
    ("430000", "湖南省", "长沙市", 14),
    ("440000", "广东省", "广州市", 21),
    ("450000", "广西壮族自治区", "南宁市", 14),
    ("460000", "海南省", "海口市", 4),
    ("500000", "重庆市", "市辖区", 2),
    ("510000", "四川省", "成都市", 21),
    ("520000", "贵州省", "贵阳市", 9),
    ("530000", "云南省", "昆明市", 16),
    ("540000", "西藏自治区", "拉萨市", 7),
    ("610000", "陕西省", "西安市", 10),
    ("620000", "甘肃省", "兰州市", 14),
    ("630000", "青海省", "西宁市", 8),
    ("640000", "宁夏回族自治区", "银川市", 5),
    ("650000", "新疆维吾尔自治区", "乌鲁木齐市", 14),
)
PROVINCE_NAMES = {code: name for code, name, _, _ in PROVINCES}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}

# The sample scale uses real cities and counties of two provinces.
SAMPLE_TREES: dict[str, tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]] = {
    "220000": (
        ("220100", "长春市", (("220112", "双阳区"), ("220122", "农安县"))),
        ("220200", "吉林市", (("220202", "昌邑区"), ("220221", "永吉县"))),
    ),
    "230000": (
        ("230100", "哈尔滨市", (("230123", "依兰县"), ("230124", "方正县"))),
        ("230200", "齐齐哈尔市", (("230221", "龙江县"), ("230223", "依安县"))),
    ),
}

LEVEL_CITY, LEVEL_COUNTY, LEVEL_TOWNSHIP = "市", "县", "乡"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str  # 市 / 县 / 乡
    parent_code: str


@dataclass
class ProvinceTree:
    code: str
    name: str
    regions: list[Region] = field(default_factory=list)  # cities, counties, townships

    @property
    def codes(self) -> set[str]:
        return {r.code for r in self.regions}


def short_name(name: str) -> str:
    """长春市 -> 长春 (the way names are sometimes written); keeps 市辖区 and 2-char names."""
    if name.endswith("市辖区") or len(name) <= 2:
        return name
    for suffix in ("自治州", "市", "州", "县", "区", "乡", "镇"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _place(rng: random.Random, used: set[str], suffix: str) -> str:
    for _ in range(200):
        base = rng.choice(vocab.PLACE_FIRST) + rng.choice(vocab.PLACE_SECOND)
        if base not in used:
            used.add(base)
            return base + suffix
    raise RuntimeError("ran out of place names")  # pragma: no cover


def _townships(rng: random.Random, county: Region, n: int) -> list[Region]:
    used: set[str] = set()
    out = []
    for i in range(1, n + 1):
        suffix = "镇" if rng.random() < 0.6 else "乡"
        out.append(
            Region(f"{county.code}{i:03d}", _place(rng, used, suffix), LEVEL_TOWNSHIP, county.code)
        )
    return out


def sample_tree(code: str, seed: int) -> ProvinceTree:
    rng = random.Random(f"{seed}:regions:{code}")
    tree = ProvinceTree(code, PROVINCE_NAMES[code])
    for city_code, city_name, counties in SAMPLE_TREES[code]:
        tree.regions.append(Region(city_code, city_name, LEVEL_CITY, code))
        for county_code, county_name in counties:
            county = Region(county_code, county_name, LEVEL_COUNTY, city_code)
            tree.regions.append(county)
            tree.regions.extend(_townships(rng, county, rng.randint(2, 3)))
    return tree


def national_tree(code: str, seed: int) -> ProvinceTree:
    """All cities, counties and townships of one province, generated around the real capital."""
    rng = random.Random(f"{seed}:regions:{code}")
    _, name, capital, n_cities = next(p for p in PROVINCES if p[0] == code)
    tree = ProvinceTree(code, name)
    pp = code[:2]
    used_city: set[str] = set()
    for c in range(1, n_cities + 1):
        city_code = f"{pp}{c:02d}00"
        if c == 1:
            city_name = capital
        elif code in MUNICIPALITIES:
            city_name = "县"
        else:
            city_name = _place(rng, used_city, "州" if rng.random() < 0.08 else "市")
        tree.regions.append(Region(city_code, city_name, LEVEL_CITY, code))
        if code in MUNICIPALITIES:
            n_districts, n_counties = (16, 0) if c == 1 else (0, 12)
            if code == "500000" and c == 1:
                n_districts = 26
        else:
            n_districts, n_counties = rng.randint(1, 4), rng.randint(3, 8)
        used: set[str] = set()
        numbers = [(d, "区") for d in range(2, 2 + n_districts)]
        numbers += [(21 + k, "县") for k in range(n_counties)]
        for number, suffix in numbers:
            county = Region(
                f"{city_code[:4]}{number:02d}", _place(rng, used, suffix), LEVEL_COUNTY, city_code
            )
            tree.regions.append(county)
            tree.regions.extend(_townships(rng, county, rng.randint(9, 19)))
    return tree


def person_name(rng: random.Random) -> str:
    given = rng.choice(vocab.GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(vocab.GIVEN_CHARS)
    return rng.choice(vocab.SURNAMES) + given
