"""Household: "Giấy đề nghị rà soát" (/denghi), Mẫu 01 of QĐ 24/2021: a household asks to be
reviewed for the poor or near-poor list. Where, who, how many, income, the round's indicators
asked one by one as questions to the household, the reason, a declaration, sent.

Mẫu 01 also asks the head's date of birth, sex, ethnicity, identity card number and each
member's details. None of that is asked here: Nghị định 13/2023/NĐ-CP (Điều 3 khoản 4) allows
only the personal data the purpose needs, and what the hamlet meeting and the commune decide on
is the household's situation; the survey at home (Phiếu A, B of TT 07/2021) checks identities
and members against papers, and the commune prints the form to sign there. So no identity
number is ever stored from the chat, and none needs masking."""

from __future__ import annotations

from typing import Any

from conversations.flows.assess import (
    assessment_lines,
    contradiction,
    count,
    standard,
)
from conversations.flows.assess import money as parse_money
from conversations.flows.exit import next_steps
from conversations.flows.place import NO_HAMLETS, commune_steps, hamlet_steps
from conversations.flows.request_status import refused_text
from conversations.flows.who import name_steps, refuse
from conversations.model import Choice, Ctx, Step, flow
from domain.i18n import N_
from domain.procedure import REVIEW_REQUEST

MAX_NEEDS = 20  # more indicators than any standard has: one question step each


def _then(ctx: Ctx, default: str) -> str:
    """Back to the summary when an answer was changed from there, else onwards."""
    return "summary" if ctx.answers.get("_editing") else default


# -- start: a new request, one in progress, or a correction -------------------------------------


def _after_start(ctx: Ctx, r: dict[str, Any]) -> str:
    ctx.answers["kind"] = REVIEW_REQUEST
    if r["status"] == "new":
        return "intro"
    if r["status"] in ("known", "fix"):
        ctx.vars["begin"] = r["begin"]
    if r["status"] == "known":
        ctx.answers["name"] = r["name"]
        if r.get("household"):
            ctx.answers["household"] = r["household"]
        return "known"
    if r["status"] == "fix":
        ctx.vars["fix"] = {"ref": r["ref"], "reason": r.get("reason") or ""}
        ctx.answers.update(r["answers"])
        codes = standard(ctx).indicator_codes  # the round's standard may have changed since
        ctx.answers["deprived"] = [c for c in ctx.answers.get("deprived", []) if c in codes]
        ctx.answers["_editing"] = True
        return "summary"
    return refuse(ctx, r)


def _known_text(ctx: Ctx) -> str:
    begin = ctx.vars["begin"]
    return ctx.t(
        "Request to be reviewed as a poor or near-poor household (Mẫu 01) for the household "
        "of {name}, {hamlet}, {commune}: a few questions about your household, its income and "
        "its living conditions.",
        name=ctx.answers["name"],
        hamlet=begin["hamlet_name"],
        commune=begin["commune_name"],
    )


def _unmatched_text(ctx: Ctx) -> str:
    return ctx.t(
        "{name} is not in the register of {hamlet} that we hold. You can still send the "
        "request: the commune officer will look up your household.",
        name=ctx.answers["name"],
        hamlet=ctx.vars["begin"]["hamlet_name"],
    )


# -- how many, income ---------------------------------------------------------------------------


def _members_choices(ctx: Ctx) -> list[Choice]:
    household = ctx.answers.get("household")
    if not household or not household.get("members"):
        return []
    return [Choice("keep", ctx.t("{n} people (as registered)", n=household["members"]))]


def _after_members(ctx: Ctx, value: Any) -> str:
    if value == "keep":
        ctx.answers["members"] = ctx.answers["household"]["members"]
    return _then(ctx, "income")


# -- the indicators, asked of the household -----------------------------------------------------


def _need_prompt(i: int) -> Any:
    def prompt(ctx: Ctx) -> str:
        indicators = standard(ctx).indicators
        item = indicators[i]
        return ctx.t(
            "Question {n} of {total} — {name}:\n{question}",
            n=i + 1,
            total=len(indicators),
            name=item.name,
            question=item.asked_of_household(),
        )

    return prompt


def _need_help(i: int) -> Any:
    return lambda ctx: standard(ctx).indicators[i].help


def _after_need(i: int) -> Any:
    def route(ctx: Ctx, value: bool) -> str:
        indicators = standard(ctx).indicators
        if i + 1 < len(indicators):
            return f"need_{i + 1}"
        ctx.answers["deprived"] = [
            item.code for n, item in enumerate(indicators) if ctx.answers.get(f"need_{n}")
        ]
        return _then(ctx, "reason")

    return route


NEED_STEPS = [
    Step(f"need_{i}", "yesno", _need_prompt(i), next=_after_need(i), help=_need_help(i))
    for i in range(MAX_NEEDS)
]


def _after_reason(ctx: Ctx, value: str) -> str:
    if value == "skip":
        ctx.answers.pop("reason", None)
    return "summary"


# -- the summary, the declaration, the result ---------------------------------------------------


def _summary_prompt(ctx: Ctx) -> str:
    t, a, begin = ctx.t, ctx.answers, ctx.vars["begin"]
    lines = []
    fix = ctx.vars.get("fix")
    if fix:
        lines.append(t("Returned for correction: {reason}", reason=fix["reason"]))
        lines.append(t("Correct what is needed, then send it again.") + "\n")
    lines.append(t("Please check your request to be reviewed:"))
    lines.append(
        t(
            "Household: {name}, {hamlet}, {commune}",
            name=a["name"],
            hamlet=begin["hamlet_name"],
            commune=begin["commune_name"],
        )
    )
    if a.get("household"):
        lines.append(t("Found in the hamlet's register."))
    else:
        lines.append(t("Not found in the hamlet's register: the commune officer will check."))
    lines += assessment_lines(ctx)
    warning = contradiction(ctx)
    if warning:
        lines.append("⚠️ " + warning)
    if a.get("reason"):
        lines.append(t("Reason for the request: {reason}", reason=a["reason"]))
    return "\n".join(lines)


def _summary_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    send = t("Send again") if ctx.vars.get("fix") else t("Send the request")
    reason = t("Change the reason") if ctx.answers.get("reason") else t("Add a reason")
    return [
        Choice("send", send),
        Choice("edit_members", t("Change members")),
        Choice("edit_income", t("Change income")),
        Choice("edit_need_0", t("Answer the questions again")),
        Choice("edit_name", t("Change name")),
        Choice("edit_reason", reason),
    ]


def _after_summary(ctx: Ctx, value: str) -> str:
    ctx.answers["_editing"] = True
    return "pledge" if value == "send" else value.removeprefix("edit_")


def _after_submit(ctx: Ctx, r: dict[str, Any]) -> str:
    return "done" if r["status"] == "ok" else refuse(ctx, r)


def _done(ctx: Ctx) -> str:
    t, ref = ctx.t, ctx.vars["submit"]["ref"]
    if ctx.vars.get("fix"):
        head = t("Request {ref} was corrected and sent again.", ref=ref)
    else:
        head = t("Request sent. Reference number: {ref}.", ref=ref)
    return head + "\n" + next_steps(ctx)


REQUEST = flow(
    "request",
    N_("request to be reviewed as poor or near-poor"),
    [
        Step(
            "start",
            "action",
            action="request.start",
            args=lambda ctx: {"arg": ctx.vars.get("arg") or ""},
            next=_after_start,
        ),
        Step(
            "intro",
            "message",
            N_(
                "Request to be reviewed as a poor or near-poor household (Mẫu 01): a few "
                "questions about where you live, your household, its income and its living "
                "conditions. It takes about five minutes. Your identity card number is not "
                "asked: the officers check papers when they survey your household."
            ),
            next="commune",
        ),
        Step(
            "known",
            "message",
            _known_text,
            next=lambda ctx, v: "members" if ctx.answers.get("household") else "match",
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
            action="request.match",
            then=lambda ctx: _then(ctx, "members"),
            unmatched=_unmatched_text,
            help=N_("The head of household's full name, e.g. Nguyễn Văn An."),
        ),
        Step(
            "members",
            "number",
            N_("How many people live in the household?"),
            choices=_members_choices,
            parse=count,
            next=_after_members,
        ),
        Step(
            "income",
            "money",
            N_("What is your household's total income per month, all members together?"),
            parse=parse_money,
            next=lambda ctx, v: _then(ctx, "need_0"),
            help=N_(
                "Count wages, farming, livestock, pensions and support received, minus production costs."
            ),
        ),
        *NEED_STEPS,
        Step(
            "reason",
            "text",
            N_(
                "Why does your household ask to be reviewed? E.g. an illness, a lost job, "
                "a house damaged by a storm."
            ),
            choices=lambda ctx: [Choice("skip", ctx.t("Skip"))],
            next=_after_reason,
            min_length=3,
            max_length=500,
        ),
        Step("summary", "choice", _summary_prompt, choices=_summary_choices, next=_after_summary),
        Step(
            "pledge",
            "yesno",
            N_(
                "Declaration: I declare that the information above is true, and I ask the "
                "commune to review my household. Do you make this declaration?"
            ),
            next=lambda ctx, yes: "submit" if yes else "no_pledge",
        ),
        Step("submit", "action", action="request.submit", next=_after_submit),
        Step("done", "message", _done),
        Step("refused", "message", refused_text),
        Step(
            "no_pledge",
            "message",
            N_(
                "The request was not sent: it needs your declaration. "
                "You can start again at any time with /denghi."
            ),
        ),
        NO_HAMLETS,
    ],
    command="/denghi",
    aliases=("đề nghị", "đề nghị rà soát"),
    ask_before_restart=True,
    roles=("", "household"),
    in_menu=True,
)
