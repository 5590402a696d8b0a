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
from conversations.model import Choice, Ctx, Invalid, Step, flow
from domain.i18n import N_, fold

KIND = "exit_registration"


def _then(ctx: Ctx, default: str) -> str:
    """Back to the summary when an answer was changed from there, else onwards."""
    return "summary" if ctx.answers.get("_editing") else default


def _refuse(ctx: Ctx, result: dict[str, Any]) -> str:
    ctx.vars["refusal"] = result
    return "refused"


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
    return _refuse(ctx, r)


# -- where: commune, hamlet ---------------------------------------------------------------------


def _commune_prompt(ctx: Ctx) -> str:
    found = ctx.vars.get("communes") or {}
    t = ctx.t
    ask = t("Which commune or ward do you live in? Type its name, e.g. Gia Viễn.")
    if found and not found.get("total"):
        return t("No commune or ward matches “{query}”.", query=found["query"]) + "\n" + ask
    if found.get("total", 0) > len(found.get("items", ())):  # too many to offer as buttons
        return (
            t(
                "“{query}” matches {n} communes. Please type more of the name.",
                query=found["query"],
                n=found["total"],
            )
            + "\n"
            + ask
        )
    return ask


def _after_communes(ctx: Ctx, r: dict[str, Any]) -> str:
    if not r["total"] or r["total"] > len(r["items"]):
        return "commune"
    if r["total"] == 1:
        ctx.answers["commune_id"] = r["items"][0]["id"]
        return "hamlets"
    return "commune_pick"


def _commune_choices(ctx: Ctx) -> list[Choice]:
    items = ctx.vars["communes"]["items"]
    out = [
        Choice(str(c["id"]), f"{c['name']}, {c['parent']}" if c["parent"] else c["name"])
        for c in items
    ]
    return [*out, Choice("_again", ctx.t("Search again"))]


def _after_commune_pick(ctx: Ctx, value: str) -> str:
    if value == "_again":
        return "commune"
    ctx.answers["commune_id"] = int(value)
    return "hamlets"


def _hamlet_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(str(h["id"]), h["name"]) for h in ctx.vars["hamlets"]["items"]]


# -- who: the head's name, matched to the hamlet's list -----------------------------------------


def _check_name(ctx: Ctx, value: str) -> None:
    if any(c.isdigit() for c in value) or sum(c.isalpha() for c in value) < 2:
        raise Invalid(N_("Please type the full name of the head of household, e.g. Nguyễn Văn An."))


def _after_name(ctx: Ctx, value: str) -> str:
    for key in ("household", "which_members", "phone"):
        ctx.answers.pop(key, None)
    return "match"


def _match_args(ctx: Ctx) -> dict[str, Any]:
    a = ctx.answers
    return {
        "name": a["name"],
        "members": a.get("which_members"),
        "phone": a.get("phone") if a.get("phone") != "skip" else None,
        "editing": (ctx.vars.get("fix") or {}).get("ref"),  # its own registration is no obstacle
    }


def _after_match(ctx: Ctx, r: dict[str, Any]) -> str:
    if r["status"] == "open":
        return _refuse(ctx, r)
    if r["status"] == "one":
        ctx.answers["household"] = r["household"]
        ctx.answers["name"] = r["household"]["head_name"]  # as the register spells it
        return _then(ctx, "income")
    ctx.answers.pop("household", None)
    if r["status"] == "several":
        return "which_phone" if "which_members" in ctx.answers else "which_members"
    return "unmatched"


def _which_members_prompt(ctx: Ctx) -> str:
    return ctx.t(
        "Several households in {hamlet} have the name {name}. "
        "How many people live in your household?",
        hamlet=ctx.vars["begin"]["hamlet_name"],
        name=ctx.answers["name"],
    )


def _after_which_members(ctx: Ctx, value: int) -> str:
    ctx.answers["members"] = value
    return "match"


def _after_phone(ctx: Ctx, value: str) -> str:
    if value == "skip":
        ctx.answers.pop("household", None)
        return "unmatched"
    return "match"


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
    return "done" if r["status"] == "ok" else _refuse(ctx, r)


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
        Step(
            "commune",
            "text",
            _commune_prompt,
            next="communes",
            min_length=2,
            max_length=100,
            help=N_("Type the name of your commune or ward; accents are optional, e.g. gia vien."),
        ),
        Step(
            "communes",
            "action",
            action="exit.communes",
            args=lambda ctx: {"query": ctx.answers["commune"]},
            next=_after_communes,
        ),
        Step(
            "commune_pick",
            "choice",
            N_("Which of these is your commune or ward?"),
            choices=_commune_choices,
            next=_after_commune_pick,
        ),
        Step(
            "hamlets",
            "action",
            action="exit.hamlets",
            args=lambda ctx: {"commune_id": ctx.answers["commune_id"]},
            next=lambda ctx, r: "hamlet" if r["items"] else "no_hamlets",
        ),
        Step(
            "hamlet",
            "choice",
            N_("Which hamlet (thôn, xóm, bản, tổ dân phố) do you live in?"),
            choices=_hamlet_choices,
            next="begin",
        ),
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
        Step(
            "name",
            "text",
            N_("What is the full name of the head of your household?"),
            check=_check_name,
            next=_after_name,
            min_length=2,
            max_length=100,
            help=N_("The name as written on the hamlet's list, e.g. Nguyễn Văn An."),
        ),
        Step("match", "action", action="exit.match", args=_match_args, next=_after_match),
        Step(
            "which_members",
            "number",
            _which_members_prompt,
            parse=count,
            next=_after_which_members,
        ),
        Step(
            "which_phone",
            "phone",
            N_("Still several. Type the phone number the hamlet has for your household."),
            choices=lambda ctx: [Choice("skip", ctx.t("I do not know"))],
            save="phone",
            next=_after_phone,
        ),
        Step("unmatched", "message", _unmatched_text, next=lambda ctx, v: _then(ctx, "income")),
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
        Step(
            "no_hamlets",
            "message",
            N_("This commune has no hamlets in ChungTay yet. Please contact the commune office."),
        ),
    ],
    command="/thoatngheo",
    ask_before_restart=True,
    # Not the bare "thoát nghèo": that is also a change kind a hamlet head types in /baocao.
    aliases=("đăng ký thoát nghèo",),
    matches=lambda raw: fold(raw) == "thoat ngheo",
    roles=("", "household"),
    in_menu=True,
)
