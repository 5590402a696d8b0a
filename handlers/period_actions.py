"""Actions of the hamlet period report (/baocaoky) and of the officer's progress board (/tinhhinh)."""

from __future__ import annotations

from typing import Any

from domain.calendar import local_day, on_time
from handlers.actions import ActionContext
from handlers.support_actions import gaps_summary
from storage.hamlet_reports import (
    approve_report,
    change_counts,
    completeness,
    current_report,
    report_public,
    reporting_period,
    still_compiling,
    submit_report,
)
from storage.models import OrgUnit
from storage.models_register import ReportingPeriod

GAPS_SHOWN = 5  # households with unaddressed needs listed on the board, with a button each


async def period_report_begin(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    hamlet = await ctx.db.get(OrgUnit, ctx.user.get("unit_id") or 0)
    if hamlet is None or hamlet.parent_id is None:
        return {"ok": False}
    period = await still_compiling(ctx.db, ctx.now, hamlet_id=hamlet.id) or await reporting_period(
        ctx.db, ctx.now
    )
    current = await current_report(ctx.db, period_id=period.id, hamlet_id=hamlet.id)  # type: ignore[arg-type]
    return {
        "ok": True,
        "hamlet_name": hamlet.name,
        "period_id": period.id,
        "period_code": period.code,
        "hamlet_deadline": period.hamlet_deadline.isoformat(),
        "past_deadline": not on_time(ctx.now, period.hamlet_deadline),
        "counts": await change_counts(ctx.db, period=period, hamlet_id=hamlet.id),  # type: ignore[arg-type]
        "current": report_public(current) if current else None,
    }


async def period_report_submit(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    period = await ctx.db.get(ReportingPeriod, int(args["period_id"]))
    assert period is not None
    hamlet_id = int(ctx.user["unit_id"])
    # Counted again now: a change report sent while this summary was open is included.
    counts = await change_counts(ctx.db, period=period, hamlet_id=hamlet_id)
    no_change = not counts
    outcome = await submit_report(
        ctx.db,
        period=period,
        hamlet_id=hamlet_id,
        counts=counts,
        no_change=no_change,
        person_id=ctx.user.get("person_id"),
        seen_version=int(args.get("seen_version", 0)),
        now=ctx.now,
    )
    return {
        "status": outcome.status,
        "report": report_public(outcome.report) if outcome.report else None,
    }


async def progress_show(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    commune_id = ctx.user.get("unit_id")
    if commune_id is None:
        return {"ok": False}
    period = await still_compiling(
        ctx.db, ctx.now, commune_id=commune_id
    ) or await reporting_period(ctx.db, ctx.now)
    rows = await completeness(ctx.db, period_id=period.id, commune_id=commune_id)  # type: ignore[arg-type]
    hamlets = [
        {
            "id": row.hamlet.id,
            "name": row.hamlet.name,
            "report": report_public(row.report) if row.report else None,
        }
        for row in rows
    ]
    return {
        "ok": bool(hamlets),
        "gaps": await gaps_summary(
            ctx.db, root_id=commune_id, today=local_day(ctx.now), limit=GAPS_SHOWN
        ),
        "period_code": period.code,
        "hamlet_deadline": period.hamlet_deadline.isoformat(),
        "reported": sum(1 for h in hamlets if h["report"]),
        "hamlets": hamlets,
    }


async def progress_approve(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    status, report = await approve_report(
        ctx.db,
        report_id=int(args["report_id"]),
        officer_id=ctx.user.get("person_id"),  # type: ignore[arg-type]
        commune_id=ctx.user.get("unit_id"),  # type: ignore[arg-type]
    )
    hamlet = await ctx.db.get(OrgUnit, report.hamlet_id) if report else None
    return {"status": status, "hamlet": hamlet.name if hamlet else ""}


ACTIONS = {
    "period_report.begin": period_report_begin,
    "period_report.submit": period_report_submit,
    "progress.show": progress_show,
    "progress.approve": progress_approve,
}
