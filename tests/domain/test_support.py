"""Support kinds and what addresses each need, as data: contents, load-time checks, needs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.causes import CAUSES
from domain.standards import default_standards
from domain.support import (
    DATA_DIR,
    SupportDataError,
    load_support_data,
    needs,
    recent,
    refusal,
    suggested_kinds,
    support_data,
    year_before,
)

KINDS = (
    "preferential_loan breeding_stock housing health_insurance_card vocational_training job "
    "scholarship water_sanitation goods cash other"
)


def test_the_kinds_of_support_of_the_seed_plan() -> None:
    data = support_data()
    assert data.support_codes == tuple(KINDS.split())
    assert [k.label for k in data.support_kinds][:4] == [
        "Vốn vay ưu đãi",
        "Con giống / cây giống",
        "Sửa chữa / xây nhà",
        "Thẻ BHYT",
    ]
    assert data.support_kind("job").value == "none"
    assert data.support_kind("cash").value == "required"
    assert data.support_kind("housing").name("en") == "House repair / building"
    assert "women_union" in data.supporter_codes and "bank" in data.supporter_codes
    assert data.supporter_kind("bank").label == "Ngân hàng (NHCSXH)"


@pytest.mark.parametrize(
    ("indicator", "kinds"),
    [
        ("health_insurance", ["health_insurance_card"]),
        ("latrine", ["water_sanitation"]),
        ("water", ["water_sanitation"]),
        ("housing_quality", ["housing"]),
        ("housing_area", ["housing"]),
        ("adult_education", ["vocational_training"]),
        ("employment", ["job", "vocational_training"]),
        ("child_schooling", ["scholarship"]),
    ],
)
def test_the_needs_the_plan_names_map_to_its_kinds(indicator: str, kinds: list[str]) -> None:
    entry = support_data().indicators[indicator]
    assert list(entry.kinds) == kinds and not entry.provisional


def test_every_indicator_of_every_standard_and_every_cause_is_mapped() -> None:
    data = support_data()
    for standard in default_standards().values():
        assert set(standard.indicator_codes) <= set(data.indicators), standard.id
    assert set(data.causes) == {code for code, _ in CAUSES}
    # A judgement is always marked provisional.
    for entry in (*data.indicators.values(), *data.causes.values()):
        assert entry.provisional == (entry.source == "judgement")


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "support_data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("addresses.json", lambda d: d["indicators"].pop("latrine"), "no entry for 'latrine'"),
        ("addresses.json", lambda d: d["causes"].pop("no_land"), "no entry for 'no_land'"),
        (
            "addresses.json",
            lambda d: d["indicators"]["water"].update(kinds=["well"]),
            "'well' is not a support kind",
        ),
        (
            "addresses.json",
            lambda d: d["causes"]["illness"].update(source="rumour"),
            "'rumour' is not in sources",
        ),
        (
            "kinds.json",
            lambda d: d["support_kinds"][0].update(value="maybe"),
            r"support_kinds\[0\].value: must be one of",
        ),
        (
            "kinds.json",
            lambda d: d["support_kinds"].append(dict(d["support_kinds"][0])),
            "appears twice",
        ),
        ("kinds.json", lambda d: d["support_kinds"][1].pop("label"), "missing field 'label'"),
        ("kinds.json", lambda d: d["supporter_kinds"][0].update(colour="red"), "unknown field"),
    ],
)
def test_a_mistake_in_the_data_names_the_file_and_field(
    tmp_path: Path, file: str, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    directory = _copy(tmp_path)
    _edit(directory / file, change)
    with pytest.raises(SupportDataError, match=message) as err:
        load_support_data(directory)
    assert file in str(err.value)


def test_needs_and_what_addresses_them() -> None:
    found = needs(
        deprived=["health_insurance", "latrine", "latrine", "new_indicator"],
        causes=["no_capital", "illness"],
        helper=False,
        supported=["water_sanitation"],
        planned=["preferential_loan"],
    )
    assert [(n.source, n.code, n.addressed_by) for n in found] == [
        ("indicator", "health_insurance", ()),
        ("indicator", "latrine", ("support:water_sanitation",)),
        ("indicator", "new_indicator", ()),  # unknown to the data: only a helper addresses it
        ("cause", "no_capital", ("plan:preferential_loan",)),
        ("cause", "illness", ()),
    ]
    assert suggested_kinds(found) == ["health_insurance_card", "cash"]
    helped = needs(deprived=["water"], causes=[], helper=True)
    assert helped[0].addressed_by == ("helper",) and suggested_kinds(helped) == []


def test_the_last_twelve_months() -> None:
    assert year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    today = date(2026, 11, 25)
    assert recent(date(2025, 11, 26), today) and recent(today, today)
    assert not recent(date(2025, 11, 25), today) and not recent(date(2026, 11, 26), today)


def test_refusals() -> None:
    today = date(2026, 11, 25)
    assert refusal("cash", 1_200_000, today, today) is None
    assert refusal("job", None, today, today) is None
    assert refusal("cash", None, today, today) == "value_required"
    assert refusal("goods", None, date(2021, 11, 24), today) == "date_too_old"
    assert refusal("goods", None, date(2021, 11, 25), today) is None
