"""Commune officer: which hamlets have reported this period (/tinhhinh); approve their reports."""

from __future__ import annotations

from datetime import datetime

from conversations.flows.support_steps import needs_line
from conversations.model import Choice, Ctx, Step, flow
from domain.i18n import N_


def _board_prompt(ctx: Ctx) -> str:
    t, board = ctx.t, ctx.vars["board"]
    lines = [
        t(
            "Period {period}: hamlets report by {deadline}. Reported: {done} of {total}.",
            period=board["period_code"],
            deadline=t.date(datetime.fromisoformat(board["hamlet_deadline"])),
            done=board["reported"],
            total=len(board["hamlets"]),
        )
    ]
    for h in board["hamlets"]:
        report = h.get("report")
        if report is None:
            lines.append(t("❌ {hamlet}: not yet", hamlet=h["name"]))
            continue
        when = t.datetime(datetime.fromisoformat(report["submitted_at"]))
        what = (
            t("no change")
            if report["no_change"]
            else t("changes reported: {n}", n=sum(report["counts"].values()))
        )
        line = (
            t("✅ {hamlet}: on time, {when}, {what}", hamlet=h["name"], when=when, what=what)
            if report["on_time"]
            else t("✅ {hamlet}: late, {when}, {what}", hamlet=h["name"], when=when, what=what)
        )
        if report["status"] == "approved":
            line += " " + t("(approved)")
        lines.append(line)
    gaps = board.get("gaps") or {}
    if gaps.get("households"):
        lines.append(
            t(
                "Poor and near-poor households with needs nobody addresses: {n} of {total}.",
                n=gaps["open"],
                total=gaps["households"],
            )
        )
    if ctx.vars.get("approve"):
        lines.insert(0, _approved(ctx))
    return "\n".join(lines)


def _approved(ctx: Ctx) -> str:
    result = ctx.vars["approve"]
    if result.get("status") == "ok":
        return ctx.t("Approved the report of {hamlet}.", hamlet=result["hamlet"]) + "\n"
    if result.get("status") == "already":
        return ctx.t("The report of {hamlet} was already approved.", hamlet=result["hamlet"]) + "\n"
    return ctx.t("That report can no longer be approved.") + "\n"


def _board_choices(ctx: Ctx) -> list[Choice]:
    out = [
        Choice(str(h["report"]["id"]), ctx.t("Approve {hamlet}", hamlet=h["name"]))
        for h in ctx.vars["board"]["hamlets"]
        if h.get("report") and h["report"]["status"] != "approved"
    ]
    gaps = ctx.vars["board"].get("gaps") or {}
    if gaps.get("open"):
        out.append(Choice("gaps", ctx.t("Households nobody helps ({n})", n=gaps["open"])))
    return [*out, Choice("close", ctx.t("Close"))]


def _after_board(ctx: Ctx, value: str) -> str | None:
    ctx.vars.pop("approve", None)
    if value == "gaps":
        return "gaps"
    return "closed" if value == "close" else "approve"


def _gaps_text(ctx: Ctx) -> str:
    gaps, t = ctx.vars["board"]["gaps"], ctx.t
    lines = [
        t(
            "Needs nobody addresses (no helper, no support of a matching kind in 12 months, no plan):"
        )
    ]
    for item in gaps["items"]:
        lines.append(f"• {item['head_name']} ({item['code']}): {needs_line(ctx, item)}")
    if gaps["open"] > len(gaps["items"]):
        lines.append(t("… and {n} more: type /phancong.", n=gaps["open"] - len(gaps["items"])))
    return "\n".join(lines)


def _gaps_choices(ctx: Ctx) -> list[Choice]:
    # Buttons naming a flow start it once this one has ended (the engine's flow:<id>).
    return [
        Choice(f"flow:assign:{i['id']}", ctx.t("Assign a helper: {name}", name=i["head_name"]))
        for i in ctx.vars["board"]["gaps"]["items"]
    ]


PROGRESS = flow(
    "progress",
    N_("reporting progress"),
    [
        Step(
            "board",
            "action",
            action="progress.show",
            next=lambda ctx, r: "status" if r.get("ok") else "no_commune",
        ),
        Step(
            "status",
            "choice",
            _board_prompt,
            choices=_board_choices,
            save="hamlet",
            next=_after_board,
        ),
        Step(
            "approve",
            "action",
            action="progress.approve",
            args=lambda ctx: {"report_id": int(ctx.answers["hamlet"])},
            next="board",
        ),
        Step("gaps", "message", _gaps_text, choices=_gaps_choices),
        Step("closed", "message", N_("Closed. Type /tinhhinh to see it again.")),
        Step(
            "no_commune",
            "message",
            N_("Your account is not attached to a commune. Ask the administrator."),
        ),
    ],
    command="/tinhhinh",
    aliases=("tình hình",),
    roles=("officer",),
    in_menu=True,
    board=True,
)
