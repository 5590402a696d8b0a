"""The standards as data: contents, selection by date, officer overrides and load-time checks."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from conversations.flows.assess import standard_title
from conversations.model import Ctx
from domain.classify import classify
from domain.i18n import Translator
from domain.standards import (
    DATA_DIR,
    StandardsError,
    default_standards,
    get_standard,
    load_standards,
    standard_for,
)

# Codes as listed in issue 3 for each decree; the bot and stored answers key on them.
CODES = {
    "qd59-2015": "health_access health_insurance adult_education child_schooling housing_quality "
    "housing_area water latrine telecom info_assets",
    "nd07-2021": "employment dependants nutrition health_insurance adult_education child_schooling "
    "housing_quality housing_area water latrine telecom info_assets",
    "nd351-2025": "employment dependants nutrition health_insurance adult_education "
    "child_schooling housing_quality housing_area water latrine digital_services waste",
}


@pytest.mark.parametrize("standard_id", list(CODES))
def test_indicator_codes_per_decree(standard_id: str) -> None:
    assert get_standard(standard_id).indicator_codes == tuple(CODES[standard_id].split())


@pytest.mark.parametrize("standard_id", list(CODES))
def test_every_indicator_speaks_vietnamese_to_the_hamlet_head(standard_id: str) -> None:
    for indicator in get_standard(standard_id).indicators:
        texts = (indicator.name, indicator.question, indicator.condition, indicator.help)
        for text in texts:
            assert text == unicodedata.normalize("NFC", text)
            assert any(not c.isascii() for c in text), (indicator.code, text)
        assert indicator.question.endswith("?")


@pytest.mark.parametrize(
    ("standard_id", "cites", "provisional"),
    [
        ("qd59-2015", ["59/2015/QĐ-TTg"], False),
        ("nd07-2021", ["07/2021/NĐ-CP", "351/2025/NĐ-CP", "31/12/2026"], False),
        ("nd351-2025", ["351/2025/NĐ-CP"], True),
    ],
)
def test_each_standard_cites_its_legal_basis(
    standard_id: str, cites: list[str], provisional: bool
) -> None:
    standard = get_standard(standard_id)
    for text in cites:
        assert text in standard.legal_basis
    assert standard.provisional is provisional


@pytest.mark.parametrize(
    ("standard_id", "document"),
    [
        ("qd59-2015", "Quyết định 59/2015/QĐ-TTg"),
        ("nd07-2021", "Nghị định 07/2021/NĐ-CP"),
        ("nd351-2025", "Nghị định 351/2025/NĐ-CP"),
    ],
)
def test_a_standard_is_shown_by_its_legal_document(standard_id: str, document: str) -> None:
    assert get_standard(standard_id).document == document
    ctx = Ctx(Translator("vi"), {}, {}, {}, datetime(2026, 11, 25, tzinfo=UTC))
    assert standard_title(ctx, standard_id) == f"chuẩn nghèo theo {document}"


def test_a_standard_without_a_document_is_shown_by_its_name(tmp_path: Path) -> None:
    """An override file written before the field existed still loads; an unknown id (a
    standard no longer loaded) shows as it is stored."""
    data = shipped("nd351-2025")
    del data["document"]
    write(tmp_path, data)
    standards = load_standards(tmp_path)
    ctx = Ctx(
        Translator("vi"), {}, {}, {}, datetime(2026, 11, 25, tzinfo=UTC), {"standards": standards}
    )
    assert standard_title(ctx, "nd351-2025") == data["name"]
    assert standard_title(ctx, "nd99-2099") == "nd99-2099"


@pytest.mark.parametrize("standard_id", list(CODES))
def test_each_file_says_where_its_facts_were_read(standard_id: str) -> None:
    sources = get_standard(standard_id).sources
    assert sources
    for source in sources:
        assert source.url.startswith("https://"), source
        assert source.about


# The text's own word for the area: NĐ 351/2025 says "đô thị" where NĐ 07/2021 said "thành thị".
@pytest.mark.parametrize(
    ("standard_id", "rural", "urban"),
    [
        ("qd59-2015", "nông thôn", "thành thị"),
        ("nd07-2021", "nông thôn", "thành thị"),
        ("nd351-2025", "nông thôn", "đô thị"),
    ],
)
def test_area_names_follow_the_text(standard_id: str, rural: str, urban: str) -> None:
    standard = get_standard(standard_id)
    assert (standard.area_name("rural"), standard.area_name("urban")) == (rural, urban)


def test_a_file_without_area_names_uses_the_nd07_words(tmp_path: Path) -> None:
    data = shipped("nd351-2025")
    del data["area_names"], data["sources"]
    write(tmp_path, data)
    standard = load_standards(tmp_path)["nd351-2025"]
    assert standard.area_name("urban") == "thành thị"
    assert standard.sources == ()


# What a hamlet head needs to apply an indicator, and what is not checked against the signed text.
@pytest.mark.parametrize(
    ("standard_id", "code", "words", "provisional"),
    [
        ("nd07-2021", "housing_quality", ["cột", "tường", "mái", "2 trong 3"], True),
        ("nd351-2025", "housing_quality", ["cột", "tường", "mái", "2 trong 3"], True),
        ("nd07-2021", "adult_education", ["16 đến dưới 18", "THCS", "18 đến 30", "THPT"], True),
        ("nd351-2025", "adult_education", ["16 đến dưới 18", "THCS", "18 đến 30", "THPT"], True),
        ("nd07-2021", "info_assets", ["ti vi", "radio", "máy tính", "điện thoại"], True),
        ("nd351-2025", "dependants", ["trợ cấp xã hội hằng tháng", "dưới 16 tuổi"], True),
        ("nd07-2021", "dependants", ["dưới 16 tuổi", "50%"], False),
        ("nd07-2021", "employment", ["hợp đồng lao động"], False),
    ],
)
def test_indicator_texts_a_hamlet_head_can_apply(
    standard_id: str, code: str, words: list[str], provisional: bool
) -> None:
    indicator = get_standard(standard_id).indicator(code)
    text = " ".join((indicator.question, indicator.condition, indicator.help))
    for word in words:
        assert word in text, (code, word)
    assert indicator.provisional is provisional


# QĐ 59/2015 (extended through 2021), NĐ 07/2021 (extended through 2026 by NĐ 351/2025),
# NĐ 351/2025 (2027–2030).
@pytest.mark.parametrize(
    ("day", "standard_id"),
    [
        (date(2016, 1, 1), "qd59-2015"),
        (date(2021, 12, 31), "qd59-2015"),
        (date(2022, 1, 1), "nd07-2021"),
        (date(2025, 12, 31), "nd07-2021"),
        (date(2026, 12, 31), "nd07-2021"),
        (date(2027, 1, 1), "nd351-2025"),
        (date(2030, 12, 31), "nd351-2025"),
    ],
)
def test_standard_for_date(day: date, standard_id: str) -> None:
    assert standard_for(day).id == standard_id


@pytest.mark.parametrize("day", [date(2015, 12, 31), date(2031, 1, 1)])
def test_a_date_outside_every_standard_is_a_clear_error(day: date) -> None:
    with pytest.raises(StandardsError, match=f"no poverty standard covers {day.isoformat()}"):
        standard_for(day)


def shipped(standard_id: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / f"{standard_id}.json").read_text(encoding="utf-8"))


def write(directory: Path, data: dict[str, Any], name: str | None = None) -> None:
    path = directory / f"{name or data['id']}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_an_override_file_corrects_a_line_without_code(tmp_path: Path) -> None:
    data = shipped("nd351-2025")
    data["lines"]["rural"]["poverty_line"] = 2_300_000
    data["lines"]["rural"]["average_line"] = 3_000_000
    write(tmp_path, data)
    standards = load_standards(tmp_path)

    result = classify(
        day=date(2027, 6, 1), area="rural", income_per_capita=2_250_000, standards=standards
    )
    assert (result.klass, result.reason) == (
        "near_poor",
        "Thu nhập 2.250.000 ₫ ≤ 2.300.000 ₫ và thiếu hụt 0 chỉ số (dưới 3)",
    )
    assert standards["nd07-2021"] == default_standards()["nd07-2021"]
    assert default_standards()["nd351-2025"].rural.poverty_line == 2_200_000


def test_an_override_file_corrects_an_indicator_and_adds_a_standard(tmp_path: Path) -> None:
    corrected = shipped("nd351-2025")
    corrected["indicators"][-1]["name"] = unicodedata.normalize("NFD", "Xử lý chất thải rắn")
    write(tmp_path, corrected)
    later = shipped("nd351-2025") | {"id": "test-2031", "valid_from": "2031-01-01"}
    later["valid_to"] = "2035-12-31"
    write(tmp_path, later)

    standards = load_standards(tmp_path)
    # An officer's editor may save NFD; the loaded text is NFC.
    assert standards["nd351-2025"].indicator("waste").name == "Xử lý chất thải rắn"
    assert list(standards) == ["qd59-2015", "nd07-2021", "nd351-2025", "test-2031"]
    assert standard_for(date(2031, 1, 1), standards).id == "test-2031"


def broken(change: str) -> dict[str, Any]:
    data = shipped("nd07-2021")
    rural, first = data["lines"]["rural"], data["indicators"][0]
    match change:
        case "missing line":
            del rural["poverty_line"]
        case "line as text":
            rural["poverty_line"] = "1.5tr"
        case "misspelt field":
            rural["povety_line"] = rural.pop("poverty_line")
        case "average below line":
            rural["average_line"] = 1_000_000
        case "bad date":
            data["valid_from"] = "2022-13-01"
        case "dates reversed":
            data["valid_to"] = "2021-12-31"
        case "duplicate code":
            data["indicators"][1]["code"] = first["code"]
        case "unknown dimension":
            first["dimension"] = "jobs"
        case "not a question":
            first["question"] = "Hộ có người thất nghiệp."
        case "empty help":
            first["help"] = " "
        case "threshold too high":
            data["poor_min_deprivations"] = 13
        case "bad code":
            first["code"] = "Việc làm"
        case "source without url":
            data["sources"][0] = {"about": "Điều 3"}
        case "sources not a list":
            data["sources"] = "https://example.org"
        case "one area name":
            data["area_names"] = {"urban": "đô thị"}
        case "provisional as text":
            first["provisional"] = "yes"
    return data


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ("missing line", "lines.rural.poverty_line", "missing"),
        ("line as text", "lines.rural.poverty_line", "whole number"),
        ("misspelt field", "lines.rural", "unknown field 'povety_line'"),
        ("average below line", "lines.rural.average_line", "above poverty_line"),
        ("bad date", "valid_from", "YYYY-MM-DD"),
        ("dates reversed", "valid_to", "before valid_from"),
        ("duplicate code", "indicators[1].code", "duplicate indicator 'employment'"),
        ("unknown dimension", "indicators[0].dimension", "'jobs' is not in dimensions"),
        ("not a question", "indicators[0].question", "ending with '?'"),
        ("empty help", "indicators[0].help", "non-empty"),
        ("threshold too high", "poor_min_deprivations", "between 1 and 12"),
        ("bad code", "indicators[0].code", "must match"),
        ("source without url", "sources[0].url", "missing"),
        ("sources not a list", "sources", "must be a list"),
        ("one area name", "area_names.rural", "missing"),
        ("provisional as text", "indicators[0].provisional", "true or false"),
    ],
)
def test_a_bad_override_names_file_and_field(
    tmp_path: Path, change: str, field: str, says: str
) -> None:
    write(tmp_path, broken(change))
    with pytest.raises(StandardsError) as caught:
        load_standards(tmp_path)
    assert (caught.value.source, caught.value.field) == ("nd07-2021.json", field)
    assert str(caught.value).startswith(f"nd07-2021.json: {field}: ")
    assert says in str(caught.value)


def test_file_name_must_match_the_id(tmp_path: Path) -> None:
    write(tmp_path, shipped("nd07-2021"), name="nd07-2021-fixed")
    with pytest.raises(StandardsError, match="must match the file name") as caught:
        load_standards(tmp_path)
    assert (caught.value.source, caught.value.field) == ("nd07-2021-fixed.json", "id")


def test_invalid_json_says_where(tmp_path: Path) -> None:
    (tmp_path / "nd07-2021.json").write_text('{"id": "nd07-2021",\n "name": }', encoding="utf-8")
    with pytest.raises(StandardsError, match=r"nd07-2021.json: invalid JSON at line 2"):
        load_standards(tmp_path)


def test_overlapping_validity_is_refused(tmp_path: Path) -> None:
    # Two standards on one date would make selection by date a guess.
    overlapping = shipped("nd351-2025") | {"valid_from": "2026-07-01"}
    write(tmp_path, overlapping)
    with pytest.raises(StandardsError, match="overlaps nd07-2021") as caught:
        load_standards(tmp_path)
    assert caught.value.source == "nd351-2025.json"


def test_a_missing_override_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StandardsError, match="does not exist"):
        load_standards(tmp_path / "nowhere")
