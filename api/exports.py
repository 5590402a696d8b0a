"""Exports of the aggregates. CSV: UTF-8 with a BOM (Excel then reads Vietnamese correctly),
comma-separated, headers translated, rates with a decimal point. The summary also as .xlsx in
the officers' layout (api/xlsx.py). Both write text through api.cells.inert(): names are user text
and must not run as formulas."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Query
from fastapi.responses import Response

from api.cells import inert
from api.deps import ApiRouter, ReportSessionDep, ServicesDep
from api.reports import (
    ScopeDep,
    UnitRef,
    build_completeness,
    build_indicators,
    build_summary,
    period_standard,
)
from api.xlsx import area_word, capitalised
from domain.i18n import N_, Translator, strip_diacritics
from domain.standards import AREAS

router = ApiRouter(prefix="/api/v1/exports", tags=["exports"])

Lang = Annotated[Literal["vi", "en"] | None, Query(description="header language")]

SUMMARY_HEADERS = (
    N_("Unit code"),
    N_("Unit"),
    N_("Area"),
    N_("Total households"),
    N_("Poor at start"),
    N_("Exited poverty"),
    N_("Fell back into poverty"),
    N_("Newly poor"),
    N_("Poor at end"),
    N_("Poverty rate (%)"),
    N_("Near-poor at start"),
    N_("Exited near-poverty"),
    N_("Fell back into near-poverty"),
    N_("Newly near-poor"),
    N_("Near-poor at end"),
    N_("Near-poverty rate (%)"),
    N_("Ethnic minority poor"),
    N_("Ethnic minority near-poor"),
)
COMPLETENESS_HEADERS = (
    N_("Unit code"),
    N_("Unit"),
    N_("Expected"),
    N_("Received"),
    N_("On time"),
    N_("Late"),
    N_("Missing"),
    N_("Reporting rate (%)"),
)
INDICATOR_HEADERS = (
    N_("Indicator code"),
    N_("Indicator"),
    N_("Poor households lacking it"),
    N_("Near-poor households lacking it"),
)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(media_type: str) -> dict[int | str, dict[str, object]]:
    """OpenAPI for a file download: the 200 response is that media type, not JSON."""
    schema = {"type": "string", "format": "binary"}
    return {200: {"content": {media_type: {"schema": schema}}}}


CSV = _file("text/csv")


def attachment(filename: str) -> str:
    """Content-Disposition for any name (RFC 6266): an ASCII fallback without diacritics, and the
    name itself in UTF-8 for the clients that read `filename*`."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", strip_diacritics(filename)).strip("_") or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _csv(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([inert(h) for h in header])
    writer.writerows(["" if v is None else inert(v) for v in row] for row in rows)
    return Response(
        content="\ufeff" + buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(filename)},
    )


def _unit(t: Translator, unit: UnitRef | None) -> tuple[str, str]:
    return (unit.code, unit.name) if unit else ("", t("Total"))


def _translator(services: ServicesDep, lang: str | None) -> Translator:
    return Translator(lang or services.settings.default_locale)


@router.get("/summary.csv", response_class=Response, responses=CSV)
async def summary_csv(
    services: ServicesDep, db: ReportSessionDep, scope: ScopeDep, lang: Lang = None
) -> Response:
    """The summary: for each unit and the total, one line for all areas, rural and urban."""
    t = _translator(services, lang)
    data = await build_summary(db, scope)
    standard = period_standard(services, scope.period)
    labels = [("all", t("All"))]
    labels += [(area, capitalised(area_word(t, standard, area))) for area in AREAS]
    rows = [
        [*_unit(t, r.unit), label, *getattr(r, key).as_row()]
        for r in data.rows
        for key, label in labels
    ]
    name = f"summary-{data.unit.code}-{data.period.code}.csv"
    return _csv(name, [t(h) for h in SUMMARY_HEADERS], rows)


@router.get(
    "/summary.xlsx",
    response_class=Response,
    responses=_file(XLSX_TYPE),
)
async def summary_xlsx(
    services: ServicesDep, db: ReportSessionDep, scope: ScopeDep, lang: Lang = None
) -> Response:
    """The summary as the official form (a sheet for poor and one for near-poor households):
    urban then rural units with subtotals, the total, the approving decision, signature block."""
    from api.documents import summary_file  # api.documents builds on these exports

    t = _translator(services, lang)
    name, content = await summary_file(services, db, t, scope.unit, scope.period)
    return Response(
        content=content,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": attachment(name)},
    )


@router.get("/completeness.csv", response_class=Response, responses=CSV)
async def completeness_csv(
    services: ServicesDep, db: ReportSessionDep, scope: ScopeDep, lang: Lang = None
) -> Response:
    t = _translator(services, lang)
    data = await build_completeness(db, scope)
    rows = [
        [*_unit(t, r.unit), r.expected, r.received, r.on_time, r.late, r.missing, r.rate]
        for r in data.rows
    ]
    name = f"completeness-{data.unit.code}-{data.period.code}.csv"
    return _csv(name, [t(h) for h in COMPLETENESS_HEADERS], rows)


@router.get("/indicators.csv", response_class=Response, responses=CSV)
async def indicators_csv(
    services: ServicesDep, db: ReportSessionDep, scope: ScopeDep, lang: Lang = None
) -> Response:
    t = _translator(services, lang)
    data = await build_indicators(services, db, scope)
    rows = [[r.code, r.name, r.poor, r.near_poor] for r in data.rows]
    name = f"indicators-{data.unit.code}-{data.period.code}.csv"
    return _csv(name, [t(h) for h in INDICATOR_HEADERS], rows)
