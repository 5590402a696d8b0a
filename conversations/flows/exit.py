"""Household: "Đăng ký thoát nghèo" (/thoatngheo): where, who, a self-assessment, a pledge."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.flows.assess import (
    NOTE_STEP,
    assessment_lines,
    contradiction,
    count,
    deprived_step,
)
from conversations.flows.assess import money as parse_money
from conversations.flows.exit_status import refused_text
from conversations.flows.place import NO_HAMLETS, commune_steps, hamlet_steps
from conversations.flows.who import name_steps, refuse
from conversations.model import Choice, Ctx, Step, flow
from domain.i18n import N_, fold

KIND = "exit_registration"


def _then(ctx: Ctx, default: str) -> str:
    """Back to the summary when an answer was changed from there, else onwards."""
    return "summary" if ctx.answers.get("_editing") else default


# -- start: a new registration, one in progress, or a correction ------------------------------


def _after_start(ctx: Ctx, r: dict[str, Any]) -> str:
    ctx.answers["kind"] = KIND
    if r["status"] == "new":
        return "intro"
    if r["status"] == "known":
        ctx.vars["begin"] = r["begin"]
        ctx.answers["name"] = r["name"]
        if r.get("household"):
            ctx.answers["household"] = r["household"]
            return "income"
        return "match"
    if r["status"] == "fix":
        ctx.vars["begin"] = r["begin"]
        ctx.vars["fix"] = {"ref": r["ref"], "reason": r.get("reason") or ""}
        ctx.answers.update(r["answers"])
        ctx.answers["_editing"] = True
        return "summary"
    return refuse(ctx, r)


# -- who: the head's name, matched to the hamlet's list -----------------------------------------


def _unmatched_text(ctx: Ctx) -> str:
    return ctx.t(
        "{name} is not on the list of poor and near-poor households of {hamlet} that we hold. "
        "You can still register: the commune officer will look up your household.",
        name=ctx.answers["name"],
        hamlet=ctx.vars["begin"]["hamlet_name"],
    )


# -- the summary, the pledge, the result --------------------------------------------------------


def _summary_prompt(ctx: Ctx) -> str:
    t, a, begin = ctx.t, ctx.answers, ctx.vars["begin"]
    lines = []
    fix = ctx.vars.get("fix")
    if fix:
        lines.append(t("Returned for correction: {reason}", reason=fix["reason"]))
        lines.append(t("Correct what is needed, then send it again.") + "\n")
    lines.append(t("Please check your registration to exit poverty:"))
    lines.append(
        t(
            "Household: {name}, {hamlet}, {commune}",
            name=a["name"],
            hamlet=begin["hamlet_name"],
            commune=begin["commune_name"],
        )
    )
    if a.get("household"):
        lines.append(t("Found on the hamlet's list of poor and near-poor households."))
    else:
        lines.append(t("Not found on the hamlet's list: the commune officer will check."))
    lines += assessment_lines(ctx)
    warning = contradiction(ctx)
    if warning:
        lines.append("⚠️ " + warning)
    if a.get("note"):
        lines.append(t("Note: {note}", note=a["note"]))
    return "\n".join(lines)


def _summary_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    send = t("Send again") if ctx.vars.get("fix") else t("Send the registration")
    return [
        Choice("send", send),
        Choice("edit_income", t("Change income")),
        Choice("edit_members", t("Change members")),
        Choice("edit_deprived", t("Change needs")),
        Choice("edit_name", t("Change name")),
        Choice("edit_note", t("Add a note")),
    ]


def _after_summary(ctx: Ctx, value: str) -> str:
    ctx.answers["_editing"] = True
    return "pledge" if value == "send" else value.removeprefix("edit_")


def _after_submit(ctx: Ctx, r: dict[str, Any]) -> str:
    return "done" if r["status"] == "ok" else refuse(ctx, r)


def _done(ctx: Ctx) -> str:
    t, ref = ctx.t, ctx.vars["submit"]["ref"]
    if ctx.vars.get("fix"):
        head = t("Registration {ref} was corrected and sent again.", ref=ref)
    else:
        head = t("Registration sent. Reference number: {ref}.", ref=ref)
    return head + "\n" + next_steps(ctx)


def next_steps(ctx: Ctx) -> str:
    """What the procedure does next, with the date the law gives the commune for its decision
    (the regular review's 15 days count from its start, the annual review ends on 14/12)."""
    t, begin = ctx.t, ctx.vars["begin"]
    due = begin.get("decision_due")
    if not due:
        return t(
            "What happens next: the hamlet meeting, the public posting, then the commune's "
            "decision. You will get a message at each step. Type /trangthai to see the status."
        )
    return t(
        "What happens next: the hamlet head brings it to the hamlet meeting; the list is posted "
        "publicly; then the commune chairman decides, for this review round by {due} "
        "(QĐ 24/2021). You will get a message at each step. Type /trangthai to see the status.",
        due=t.date(date.fromisoformat(due)),
    )


EXIT = flow(
    "exit",
    N_("registration to exit poverty"),
    [
        Step(
            "start",
            "action",
            action="exit.start",
            args=lambda ctx: {"arg": ctx.vars.get("arg") or ""},
            next=_after_start,
        ),
        Step(
            "intro",
            "message",
            N_(
                "Registration to exit poverty (Đăng ký thoát nghèo): a few questions about your "
                "household, then your pledge. It takes about three minutes."
            ),
            next="commune",
        ),
        *commune_steps("hamlets"),
        *hamlet_steps("begin"),
        Step(
            "begin",
            "action",
            action="exit.begin",
            args=lambda ctx: {
                "hamlet_id": int(ctx.answers["hamlet"]),
                "commune_id": ctx.answers["commune_id"],
            },
            next=lambda ctx, r: "name" if r.get("ok") else "commune",
        ),
        *name_steps(
            action="exit.match",
            then=lambda ctx: _then(ctx, "income"),
            unmatched=_unmatched_text,
            help=N_("The name as written on the hamlet's list, e.g. Nguyễn Văn An."),
        ),
        Step(
            "income",
            "money",
            N_("What is your household's total income per month, all members together?"),
            parse=parse_money,
            next=lambda ctx, v: _then(ctx, "deprived" if "members" in ctx.answers else "members"),
            help=N_(
                "Count wages, farming, livestock, pensions and support received, minus production costs."
            ),
        ),
        Step(
            "members",
            "number",
            N_("How many people live in the household?"),
            parse=count,
            next=lambda ctx, v: _then(ctx, "deprived"),
        ),
        deprived_step("summary"),
        Step("summary", "choice", _summary_prompt, choices=_summary_choices, next=_after_summary),
        NOTE_STEP,
        Step(
            "pledge",
            "yesno",
            N_(
                "Pledge: I declare that the information above is true. My household voluntarily "
                "registers to exit poverty and will keep working to improve its life. "
                "Do you make this pledge?"
            ),
            next=lambda ctx, yes: "submit" if yes else "no_pledge",
        ),
        Step("submit", "action", action="exit.submit", next=_after_submit),
        Step("done", "message", _done),
        Step("refused", "message", refused_text),
        Step(
            "no_pledge",
            "message",
            N_(
                "The registration was not sent: it needs your pledge. "
                "You can start again at any time with /thoatngheo."
            ),
        ),
        NO_HAMLETS,
    ],
    command="/thoatngheo",
    ask_before_restart=True,
    # Not the bare "thoát nghèo": that is also a change kind a hamlet head types in /baocao.
    aliases=("đăng ký thoát nghèo",),
    matches=lambda raw: fold(raw) == "thoat ngheo",
    roles=("", "household"),
    in_menu=True,
)
