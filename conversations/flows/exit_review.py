"""Hamlet head: exit registrations of the own hamlet — returned to the household for correction,
or taken to the hamlet meeting (conversations/flows/meeting.py), which alone passes them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from conversations.flows.assess import assessment_lines, class_label
from conversations.model import Choice, Ctx, Step, flow
from domain.i18n import N_

PAGE = 5
_REF = re.compile(r"^(?:FIX:)?(TN-\w{6})$")


def _arg_ref(ctx: Ctx) -> str | None:
    m = _REF.match(str(ctx.vars.get("arg") or "").strip().upper())
    return m.group(1) if m else None


def _day(ctx: Ctx, iso: str) -> str:
    return ctx.t.date(datetime.fromisoformat(iso))


def _refuse(ctx: Ctx, result: dict[str, Any]) -> str:
    ctx.vars["refusal"] = result
    return "refused"


def _after_list(ctx: Ctx, r: dict[str, Any]) -> str:
    if not r.get("ok"):
        return "no_hamlet"
    return "pick" if r["total"] else "empty"


def _pick_choices(ctx: Ctx) -> list[Choice]:
    listing, t = ctx.vars["list"], ctx.t
    out = [
        Choice(
            i["ref"],
            t("{ref}: {name}, {date}", ref=i["ref"], name=i["name"], date=_day(ctx, i["at"])),
        )
        for i in listing["items"]
    ]
    if PAGE * (ctx.vars.get("page", 0) + 1) < listing["total"]:
        out.append(Choice("_more", t("More")))
    return out


def _pick_prompt(ctx: Ctx) -> str:
    return ctx.t(
        "Registrations to exit poverty waiting for the hamlet meeting: {n}. Which one?",
        n=ctx.vars["list"]["total"],
    )


def _after_pick(ctx: Ctx, value: str) -> str:
    if value == "_more":
        ctx.vars["page"] = ctx.vars.get("page", 0) + 1
        return "list"
    ctx.vars["ref"] = value
    return "load"


def _card(ctx: Ctx) -> str:
    r, t = ctx.vars["load"], ctx.t
    a = r["answers"]
    lines = [t("Registration {ref}, sent on {date}", ref=r["ref"], date=_day(ctx, r["at"]))]
    if r["revision"] > 1:
        lines.append(t("Corrected by the household (version {n}).", n=r["revision"]))
    h = r["household"]
    if h:
        lines.append(
            t(
                "Household: {name} ({code}), on the list as {klass}",
                name=h["head_name"],
                code=h["code"],
                klass=class_label(ctx, h["status"]),
            )
        )
    else:
        lines.append(t("Household: {name}, not found on the hamlet's list", name=a.get("name")))
    # The household's own answers, classified again in the reader's language.
    sub = Ctx(
        ctx.t,
        a,
        {"begin": {"standard_id": r["standard_id"], "area": r["area"]}},
        ctx.user,
        ctx.now,
        ctx.env,
    )
    lines += assessment_lines(sub)
    if r.get("note"):
        lines.append(t("Note: {note}", note=r["note"]))
    lines.append(
        "\n"
        + t(
            "It is on the agenda of the hamlet meeting; the meeting's vote decides whether it goes "
            "to the commune."
        )
    )
    return "\n".join(lines)


def _card_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    return [
        # Leads straight into the meeting (the engine starts a flow from its button).
        Choice("flow:meeting", t("Hold the hamlet meeting")),
        Choice("return", t("Return to the household")),
        Choice("list", t("Back to the list")),
    ]


def _after_card(ctx: Ctx, value: str) -> str:
    if value == "list":
        ctx.vars["page"] = 0
        return "list"
    ctx.answers.pop("reason", None)
    return "reason"


def _decide_args(ctx: Ctx) -> dict[str, Any]:
    return {"ref": ctx.vars["load"]["ref"], "decision": "return", "reason": ctx.answers["reason"]}


def _decided(ctx: Ctx) -> str:
    r = ctx.vars["decide"]
    return ctx.t("Registration {ref} was returned to the household with your reason.", ref=r["ref"])


def _refused_text(ctx: Ctx) -> str:
    r, t = ctx.vars["refusal"], ctx.t
    if r["status"] == "denied":
        return t("Registration {ref} is not from your hamlet.", ref=r["ref"])
    if r["status"] == "stale":
        return t("Registration {ref} is no longer waiting for the hamlet meeting.", ref=r["ref"])
    return t("There is no registration {ref}.", ref=r["ref"])


EXIT_REVIEW = flow(
    "exit_review",
    N_("exit registrations of the hamlet"),
    [
        Step(
            "list",
            "action",
            action="exit.review_list",
            args=lambda ctx: {"page": ctx.vars.get("page", 0)},
            next=_after_list,
        ),
        Step("pick", "choice", _pick_prompt, choices=_pick_choices, next=_after_pick),
        Step(
            "load",
            "action",
            action="exit.review_load",
            args=lambda ctx: {"ref": ctx.vars.get("ref") or _arg_ref(ctx)},
            next=lambda ctx, r: "card" if r["status"] == "ok" else _refuse(ctx, r),
        ),
        Step("card", "choice", _card, choices=_card_choices, next=_after_card),
        Step(
            "reason",
            "text",
            N_(
                "Why is it returned? The household will read this, e.g. “the income seems too low”."
            ),
            min_length=5,
            max_length=500,
            next="decide",
        ),
        Step(
            "decide",
            "action",
            action="exit.review_decide",
            args=_decide_args,
            next=lambda ctx, r: "decided" if r["status"] == "ok" else _refuse(ctx, r),
        ),
        Step("decided", "message", _decided),
        Step("refused", "message", _refused_text),
        Step(
            "empty",
            "message",
            N_("No registration to exit poverty is waiting for the hamlet meeting."),
        ),
        Step(
            "no_hamlet",
            "message",
            N_("Your account is not attached to a hamlet. Ask your commune officer."),
        ),
    ],
    command="/xacnhan",
    aliases=("xác nhận thoát nghèo",),
    roles=("hamlet_head",),
    in_menu=True,
    entry=lambda ctx: "load" if _arg_ref(ctx) else "list",
)
