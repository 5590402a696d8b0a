"""Hamlet head: "Báo cáo kỳ" (/baocaoky) — confirm the period's changes, or "no change", in one tap."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.flows.assess import KIND_LABELS, kind_label
from conversations.model import Choice, Ctx, Step, flow
from domain.i18n import N_


def _when(ctx: Ctx, iso: str) -> str:
    return ctx.t.datetime(datetime.fromisoformat(iso))


def _day(ctx: Ctx, iso: str) -> str:
    return ctx.t.date(datetime.fromisoformat(iso))


def _after_begin(ctx: Ctx, result: dict[str, Any]) -> str:
    if not result.get("ok"):
        return "no_hamlet"
    current = result.get("current")
    if current and current["status"] == "approved":
        return "locked"
    if current and result["past_deadline"]:
        return "too_late"
    return "summary"


def _period(ctx: Ctx) -> str:
    b = ctx.vars["begin"]
    return ctx.t(
        "Period report of {hamlet} for {period} (hamlets report by {deadline}).",
        hamlet=b["hamlet_name"],
        period=b["period_code"],
        deadline=_day(ctx, b["hamlet_deadline"]),
    )


def _summary_prompt(ctx: Ctx) -> str:
    t, b = ctx.t, ctx.vars["begin"]
    lines = [_period(ctx)]
    if b["counts"]:
        lines.append(t("Changes reported from your hamlet in this period:"))
        counts = b["counts"]
        order = [k for k in KIND_LABELS if k in counts] + [
            k for k in counts if k not in KIND_LABELS
        ]
        lines += [f"• {kind_label(ctx, kind)}: {counts[kind]}" for kind in order]
    else:
        lines.append(t("No changes were reported from your hamlet in this period."))
    current = b.get("current")
    if current:
        lines.append(
            t(
                "You already sent this report at {when} (version {version}). Sending it again "
                "replaces it.",
                when=_when(ctx, current["submitted_at"]),
                version=current["version"],
            )
        )
    elif b["past_deadline"]:
        lines.append(t("The deadline has passed: the report will be marked late."))
    return "\n".join(lines)


def _summary_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    if ctx.vars["begin"]["counts"]:
        send = Choice("confirm", t("Confirm report"))
    else:
        send = Choice("no_change", t("No change this period"))
    return [send, Choice("_cancel", t("Cancel"))]


def _submit_args(ctx: Ctx) -> dict[str, Any]:
    b = ctx.vars["begin"]
    return {
        "period_id": b["period_id"],
        "no_change": ctx.answers["send"] == "no_change",
        "counts": b["counts"],
        "seen_version": (b.get("current") or {}).get("version", 0),
    }


def _done(ctx: Ctx) -> str:
    t, r = ctx.t, ctx.vars["submit"]
    report = r.get("report") or {}
    if r["status"] == "locked":
        return t("The commune has already approved this period's report; it can no longer change.")
    if r["status"] == "closed":
        return t("The deadline has passed; the report sent earlier stays as it is.")
    if r["status"] == "unchanged":
        return t(
            "This report was already sent at {when} (version {version}); nothing new was stored.",
            when=_when(ctx, report["submitted_at"]),
            version=report["version"],
        )
    if report["on_time"]:
        return t(
            "Period report sent (version {version}), on time. The commune can see it now.",
            version=report["version"],
        )
    return t(
        "Period report sent (version {version}), after the deadline: it is marked late.",
        version=report["version"],
    )


def _locked(ctx: Ctx) -> str:
    current = ctx.vars["begin"]["current"]
    return (
        _period(ctx)
        + "\n"
        + ctx.t(
            "The commune has approved your report sent at {when}; it can no longer change.",
            when=_when(ctx, current["submitted_at"]),
        )
    )


def _too_late(ctx: Ctx) -> str:
    current = ctx.vars["begin"]["current"]
    return (
        _period(ctx)
        + "\n"
        + ctx.t(
            "You sent this report at {when}. The deadline has passed, so it can no longer be "
            "redone. If something is wrong, tell your commune officer.",
            when=_when(ctx, current["submitted_at"]),
        )
    )


PERIOD_REPORT = flow(
    "period_report",
    N_("period report"),
    [
        Step("begin", "action", action="period_report.begin", next=_after_begin),
        Step(
            "summary",
            "choice",
            _summary_prompt,
            choices=_summary_choices,
            save="send",
            next="submit",
            help=N_(
                "The changes are the household change reports (/baocao) sent from your hamlet in "
                "this period. Report each change first, then confirm here."
            ),
        ),
        Step("submit", "action", action="period_report.submit", args=_submit_args, next="done"),
        Step("done", "message", _done),
        Step("locked", "message", _locked),
        Step("too_late", "message", _too_late),
        Step(
            "no_hamlet",
            "message",
            N_("Your account is not attached to a hamlet. Ask your commune officer."),
        ),
    ],
    command="/baocaoky",
    aliases=("báo cáo kỳ",),
    roles=("hamlet_head",),
    in_menu=True,
)
