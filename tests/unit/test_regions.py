import pytest

from matchmaker.regions import RegionEntry, RegionResolver, short_name
from models.region_data import load_division_rows


@pytest.fixture(scope="module")
def resolver() -> RegionResolver:
    rows = load_division_rows()
    return RegionResolver([RegionEntry(r.code, r.name, r.level, r.parent_code) for r in rows], "140000")


def test_division_data_covers_every_county_of_shanxi() -> None:
    rows = load_division_rows()
    shanxi = [r for r in rows if r.code.startswith("14")]
    assert sum(r.level == "city" for r in shanxi) == 11
    assert sum(r.level == "county" for r in shanxi) >= 117
    assert len(rows) > 3000


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("山西朔州怀仁市", "140681"),
        ("怀仁县", "140681"),
        ("山东临沂", "371300"),
        ("山西省吕梁市孝义市", "141181"),
        ("太原市小店区", "140105"),
        ("朔州", "140600"),
        ("应县", "140622"),
        ("140681", "140681"),
        ("大同", "140200"),
        ("海南", "460000"),
        ("吉林", "220000"),
        ("北京朝阳", "110105"),
        ("阳泉市城区", "140302"),
    ],
)
def test_free_text_resolves(resolver: RegionResolver, text: str, code: str) -> None:
    assert resolver.resolve(text).code == code


@pytest.mark.parametrize("text", ["城区", "朝阳区", "火星基地", ""])
def test_ambiguous_or_unknown_is_not_guessed(resolver: RegionResolver, text: str) -> None:
    result = resolver.resolve(text)
    assert result.code is None


def test_ambiguous_lists_candidates(resolver: RegionResolver) -> None:
    assert len(resolver.resolve("朝阳区").candidates) >= 2


def test_short_names() -> None:
    assert short_name("怀仁市") == "怀仁"
    assert short_name("广西壮族自治区") == "广西"
    assert short_name("应县") is None
