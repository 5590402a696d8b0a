"""The dashboard page: one HTML page, one script, one stylesheet, no front-end build.

The officer pastes an API token into the page; the script keeps it in sessionStorage and sends it
as a bearer header to the report endpoints. Every label comes from the catalog: the page is
rendered here with the translated labels, and the ones the script needs travel as a JSON blob.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from api import dashboard_emulation as emulation_panel
from api.deps import ApiError, ApiRouter, CurrentToken, ServicesDep, SessionDep
from api.reports import PeriodRef, UnitRef, period_ref, unit_ref
from conversations.flows.assess import KIND_LABELS
from domain.calendar import local_day
from domain.i18n import N_, Translator
from storage.api_tokens import subtree_units
from storage.demo import has_demo_data
from storage.models import OrgUnit
from storage.periods import recent_periods
from storage.reports import HAMLET

STATIC = Path(__file__).resolve().parent / "static"
ASSETS = {
    "dashboard.js": "text/javascript",
    "dashboard.css": "text/css",
    emulation_panel.SCRIPT: "text/javascript",
}
MONTHS_SHOWN, YEARS_SHOWN = 24, 5

router = ApiRouter(tags=["dashboard"])

LABELS = {
    "title": N_("Poverty reduction dashboard"),
    "login_heading": N_("Sign in with your access token"),
    "login_help": N_(
        "Paste the access token the administrator gave you. It is kept only in this browser "
        "tab and forgotten when you close the tab or sign out."
    ),
    "token_label": N_("Access token"),
    "sign_in": N_("Sign in"),
    "sign_out": N_("Sign out"),
    "token_required": N_("Enter your access token."),
    "unit_label": N_("Unit"),
    "period_label": N_("Reporting period"),
    "monthly_period": N_("Month {month}/{year}"),
    "annual_period": N_("Year {year}"),
    "signed_in": N_("Signed in: {role}, {unit}"),
    "completeness_heading": N_("Report completeness"),
    "completeness_chart": N_("Share of hamlets that sent their period report, by unit"),
    "completeness_total": N_(
        "{received} of {expected} hamlet reports received ({rate}): {on_time} on time, "
        "{late} late, {missing} missing."
    ),
    "trend_heading": N_("Poverty rate by period"),
    "trend_chart": N_("Poor and near-poor households as a share of all households, by period"),
    "poor": N_("Poor households"),
    "near_poor": N_("Near-poor households"),
    "pending_heading": N_("Awaiting your review"),
    "pending_count": N_("{count} awaiting a decision"),
    "pending_more": N_("the oldest {shown} are shown"),
    "pending_none": N_("Nothing is awaiting review."),
    "sent_on": N_("sent {date}"),
    # Where each item stands in the procedure (QĐ 24/2021), by its `stage`.
    "stage_awaiting_meeting": N_("waiting for the hamlet meeting"),
    "stage_awaiting_review": N_("awaiting review"),
    "stage_awaiting_posting": N_("on the list, to be posted"),
    "stage_posting": N_("posted publicly"),
    "stage_complaint": N_("complaint open"),
    "no_data": N_("No data yet."),
    "documents_heading": N_("Documents of the review rounds"),
    "documents_help": N_(
        "Ready to print, sign and stamp: the draft decision until the decision is recorded."
    ),
    "documents_none": N_("No review round yet."),
    "round_periodic": N_("Annual review {code}"),
    "round_regular": N_("Monthly review {code}"),
    "round_open": N_("in progress"),
    "round_posting": N_("list posted"),
    "round_closed": N_("decided: No. {number} of {date}"),
    "download_failed": N_("The document could not be downloaded. Try again in a moment."),
    "demo_banner": N_(
        "Demo data: made-up households and reports to try the dashboard with, not real figures."
    ),
    "trend_one_period": N_(
        "One reporting period so far: the lines of the trend appear from the second one on."
    ),
    "no_periods": N_(
        "No data yet: no reporting period has begun. Figures appear here once hamlets send "
        "their first reports."
    ),
    "loading": N_("Loading…"),
    "error_unauthorized": N_(
        "The access token is not valid or has expired. Ask the administrator for a new one "
        "and sign in again."
    ),
    "error_forbidden": N_(
        "This access token may not view that unit. Choose a unit within your own area."
    ),
    "error_not_found": N_("That unit or reporting period does not exist."),
    "error_generic": N_("The data could not be loaded. Try again in a moment."),
    "show_table": N_("Show the figures as a table"),
    "col_expected": N_("Expected"),
    "col_received": N_("Received"),
    "col_on_time": N_("On time"),
    "col_late": N_("Late"),
    "col_missing": N_("Missing"),
    "col_rate": N_("Rate"),
    "col_period": N_("Period"),
    "col_households": N_("Households"),
    "total": N_("Total"),
    # The households whose needs nobody addresses (issue 16), under the review list.
    "gaps_heading": N_("Needs nobody addresses"),
    "gaps_count": N_(
        "{open} of {households} poor and near-poor households have needs nobody addresses "
        "({without} without a helper)."
    ),
    "gaps_more": N_("the first {shown} are shown"),
    "gaps_none": N_("Every known need of the poor and near-poor households is addressed."),
    "role_officer": N_("commune officer"),
    "role_province": N_("province staff"),
    "role_admin": N_("administrator"),
}

Lang = Annotated[Literal["vi", "en"] | None, Query(description="page language")]


def labels(t: Translator) -> dict[str, object]:
    out: dict[str, object] = {key: t(msgid) for key, msgid in LABELS.items()}
    out.update({key: t(msgid) for key, msgid in emulation_panel.LABELS.items()})
    out["kinds"] = {kind: t(msgid) for kind, msgid in KIND_LABELS.items()}
    return out


def script_json(value: object) -> str:
    """JSON that cannot close the <script> element it sits in."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


# The token lives in the page's memory and sessionStorage only: nothing from elsewhere may run,
# the page may not be framed, and no referrer leaves it.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
async def page(services: ServicesDep, lang: Lang = None) -> HTMLResponse:
    t = Translator(lang or services.settings.default_locale)
    text = labels(t)
    html = Template(_read("dashboard.html")).substitute(
        {k: escape(v) for k, v in text.items() if isinstance(v, str)},
        lang=t.locale,
        labels_json=script_json(text),
    )
    return HTMLResponse(html, headers=PAGE_HEADERS)


@router.get("/dashboard/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    if name not in ASSETS:
        raise ApiError(404, "not_found")
    return Response(
        _read(name),
        media_type=ASSETS[name],
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


class UnitChoice(UnitRef):
    depth: int  # 0: the token's own unit


class DashboardContext(BaseModel):
    role: str
    name: str | None
    unit: UnitRef
    units: list[UnitChoice]
    periods: list[PeriodRef]  # begun, newest first: months then years
    demo: bool = False  # the database holds `chungtay run`'s demo data


def unit_choices(root: OrgUnit, units: list[OrgUnit]) -> list[UnitChoice]:
    """The unit, its children and every non-hamlet unit below it, as a tree in code order."""
    by_parent: dict[int | None, list[OrgUnit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    out: list[UnitChoice] = []

    def walk(u: OrgUnit, depth: int) -> None:
        if depth > 1 and u.level == HAMLET:
            return
        out.append(UnitChoice(**unit_ref(u).model_dump(), depth=depth))
        for child in by_parent.get(u.id, []):
            walk(child, depth + 1)

    walk(root, 0)
    return out


@router.get("/api/v1/dashboard/context", response_model=DashboardContext)
async def context(
    services: ServicesDep, db: SessionDep, principal: CurrentToken
) -> DashboardContext:
    """Who the token is, the units it may choose from and the periods that have begun."""
    units = await subtree_units(db, principal.unit_id)
    root = next((u for u in units if u.id == principal.unit_id), None)
    if root is None:  # the token's unit is gone
        raise ApiError(404, "not_found")
    today = local_day(services.clock())
    periods = [
        *reversed(await recent_periods(db, kind="monthly", started_by=today, limit=MONTHS_SHOWN)),
        *reversed(await recent_periods(db, kind="annual", started_by=today, limit=YEARS_SHOWN)),
    ]
    return DashboardContext(
        role=principal.role,
        name=principal.name,
        unit=unit_ref(root),
        units=unit_choices(root, units),
        periods=[period_ref(p) for p in periods],
        demo=await has_demo_data(db),
    )
