"""JSON text for the state and the JSON columns: what json.dumps writes and refuses, faster."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from domain import jsontext


def test_the_text_reads_back_as_json_reads_it() -> None:
    value = {"tên": "Nguyễn Văn An", "thu nhập": 1_200_000, "đã xong": True, "chọn": [1, None, 2.5]}
    text = jsontext.dumps(value)
    assert json.loads(text) == value == jsontext.loads(text)
    assert "Nguyễn".encode() in text  # UTF-8 as is, not \\u escapes


def test_keys_that_are_not_text_become_text_as_json_dumps_makes_them() -> None:
    assert jsontext.loads(jsontext.dumps({1: "a", 2: "b"})) == json.loads(
        json.dumps({1: "a", 2: "b"})
    )


@dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 12, 5, tzinfo=UTC), date(2026, 12, 5), Point(1)])
def test_what_json_dumps_refuses_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        json.dumps({"v": value})
    with pytest.raises(TypeError):
        jsontext.dumps({"v": value})
