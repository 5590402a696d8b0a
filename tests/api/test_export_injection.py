"""Names typed into the bot never come out of an export as a live spreadsheet formula (OWASP CSV
injection), and exports are never kept in a browser's or proxy's cache."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from openpyxl import load_workbook

from api.cells import FORMULA_START, inert
from bot.services import Services
from domain.calendar import monthly
from storage.api_tokens import create_token
from storage.db import transaction
from storage.models_outbox import OutboxMessage
from storage.orgtree import unit_by_code
from storage.periods import ensure_period
from tests.api.conftest import Register, Tokens, bearer
from tests.support import link_person, make_invite

HYPERLINK = '=HYPERLINK("http://evil.invalid";"x")'  # a hamlet and a household head
PERSON = "@SUM(1+1)*cmd|' /C calc'!A0"  # a hamlet head's name
INVITEE = "+1+cmd|' /C calc'!A0"
TOKEN_NAME = "-2+3+cmd|' /C calc'!A0"
DUE = datetime(2026, 11, 22, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Hostile:
    admin: str  # an admin token for the province: it may read every export


@pytest.fixture
async def hostile(services: Services, fixture_data: Tokens) -> Hostile:
    """The report fixture with user text that a spreadsheet would run, wherever users type it."""
    person = await link_person(services, "hamlet_head", "37-GIAVIEN-01", PERSON, "c1")
    await make_invite(services, "hamlet_head", "37-GIAVIEN-02", INVITEE)
    reg = Register(services, person)
    household = await reg.household("37-GIAVIEN-01", HYPERLINK)
    await reg.change(household, "newly_poor", "poor", DUE, decision=None)  # awaiting review
    async with transaction(services.sessionmaker) as db:
        dong = await unit_by_code(db, "37-GIAVIEN-01")
        assert dong is not None
        dong.name = HYPERLINK
        period = await ensure_period(db, monthly(2026, 11))
        db.add(
            OutboxMessage(
                key="hostile",
                period_id=period.id,
                rule="hamlet_due_3d",
                person_id=person,
                hamlet_id=dong.id,
                channel="simulator",
                text="Nhắc: còn 3 ngày",
                due_at=DUE,
                status="sent",
                sent_at=DUE,
            )
        )
    async with transaction(services.sessionmaker) as db:
        province = await unit_by_code(db, "37")
        assert province is not None
        admin = await create_token(
            db,
            secret_key=services.settings.secret_key.get_secret_value(),
            role="admin",
            unit=province,
            name=TOKEN_NAME,
            actor="test",
        )
    return Hostile(admin=admin.token)


SCOPE = {"unit": "37-GIAVIEN", "period": "2026-11"}
CSV_EXPORTS = [
    ("summary.csv", SCOPE, HYPERLINK),
    ("completeness.csv", SCOPE, HYPERLINK),
    ("units.csv", {"parent": "37-GIAVIEN"}, HYPERLINK),
    ("households.csv", {"unit": "37-GIAVIEN"}, HYPERLINK),
    ("submissions.csv", {"unit": "37-GIAVIEN"}, HYPERLINK),
    ("people.csv", {"unit": "37-GIAVIEN"}, PERSON),
    ("invites.csv", {"unit": "37-GIAVIEN"}, INVITEE),
    ("reminders.csv", {"unit": "37-GIAVIEN"}, PERSON),
    ("tokens.csv", {}, TOKEN_NAME),
]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


async def test_csv_export_writes_user_text_as_inert_text(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    # Every export against one fixture (building it took longer than the nine reads).
    for name, params, typed in CSV_EXPORTS:
        r = await client.get(
            f"/api/v1/exports/{name}", params=params, headers=bearer(hostile.admin)
        )
        assert r.status_code == 200, (name, r.text)
        cells = [c for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) for c in row]
        # The name is there, whole, behind the quote that tells a spreadsheet it is text.
        assert "'" + typed in cells, name
        # Nothing else a spreadsheet would run: a cell may start with "-" only as a negative
        # figure.
        assert [c for c in cells if c.startswith(FORMULA_START) and not _number(c)] == [], name


async def test_summary_xlsx_writes_unit_names_as_string_cells(
    client: httpx.AsyncClient, hostile: Hostile
) -> None:
    r = await client.get(
        "/api/v1/exports/summary.xlsx", params=SCOPE, headers=bearer(hostile.admin)
    )
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    named = [c for c in cells if isinstance(c.value, str) and HYPERLINK in c.value]
    # The hamlet's row, and the heading above the table (the unit in the title is the commune).
    assert named and all(c.data_type == "s" and c.value.startswith("'") for c in named)
    figures = [c for c in cells if isinstance(c.value, int | float)]
    assert figures and all(c.data_type == "n" for c in figures)  # numbers stay numbers


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_inert_quotes_text_a_spreadsheet_would_run(value: str) -> None:
    assert inert(value) == "'" + value


@pytest.mark.parametrize("value", [-3, -2.5, 0, None, "Nguyễn Văn An", "0912 345 678", "a=b"])
def test_inert_leaves_figures_and_plain_text_alone(value: object) -> None:
    assert inert(value) == value


NOT_CACHED = [
    ("/api/v1/exports/households.csv", {"unit": "37-GIAVIEN"}),
    ("/api/v1/exports/people.csv", {"unit": "37-GIAVIEN"}),
    ("/api/v1/exports/summary.csv", SCOPE),
    ("/api/v1/exports/summary.xlsx", SCOPE),
    ("/api/v1/people", {"unit": "37-GIAVIEN"}),
    ("/api/v1/households", {"unit": "37-GIAVIEN"}),
]


async def test_exports_and_personal_data_are_not_cached(
    client: httpx.AsyncClient, fixture_data: Tokens
) -> None:
    for path, params in NOT_CACHED:  # one fixture for all: its set-up outweighs the reads
        r = await client.get(path, params=params, headers=bearer(fixture_data.province))
        assert r.status_code == 200, (path, r.text)
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["x-content-type-options"] == "nosniff", path
    for path in ("/healthz", "/api/v1/nope", "/dashboard"):  # and everything else, errors too
        r = await client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
