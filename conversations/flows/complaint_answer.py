"""The commune officer's side of /phananh: the complaints of their commune waiting for an
answer; accept one (the household leaves the posted list and is reviewed again) or reject it
with a reason. The sender is told either way (handlers.procedure_actions.answer_complaint)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.flows.assess import class_label, kind_label
from conversations.model import Choice, Ctx, Invalid, Step, chat_text
from domain.i18n import N_

STATUS_LABELS = {
    "open": N_("waiting for your answer"),
    "accepted": N_("accepted"),
    "rejected": N_("not accepted"),
}


def officer_entry(ctx: Ctx) -> str:
    return "officer_open" if ctx.vars.get("arg") else "officer_list"


def _notice(ctx: Ctx) -> str:
    notice = ctx.vars.pop("notice", None)
    if not notice:
        return ""
    if notice.get("denied"):
        return ctx.t("{ref} is not a complaint of your commune.", ref=notice["ref"]) + "\n"
    return ctx.t("No complaint has the reference number {ref}.", ref=notice["ref"]) + "\n"


def _after_list(ctx: Ctx, r: dict[str, Any]) -> str:
    if not r.get("ok"):
        return "officer_no_commune"
    return "officer_pick" if r["total"] else "officer_empty"


def _pick_prompt(ctx: Ctx) -> str:
    r = ctx.vars["officer_list"]
    return _notice(ctx) + ctx.t(
        "Complaints about the posted list waiting for your answer: {total}, oldest first. "
        "Choose one, or type its reference number.",
        total=r["total"],
    )


def _pick_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice(i["ref"], f"{i['ref']} · {i['household']}, {i['hamlet']}")
        for i in ctx.vars["officer_list"]["items"]
    ]


def _after_pick(ctx: Ctx, value: str) -> str:
    ctx.vars["arg"] = value
    return "officer_open"


def _after_open(ctx: Ctx, r: dict[str, Any]) -> str:
    if r.get("found") and not r.get("denied"):
        return "officer_card"
    ctx.vars["notice"] = {"ref": r.get("ref", ""), "denied": bool(r.get("denied"))}
    return "officer_list"


def _card_prompt(ctx: Ctx) -> str:
    t, c = ctx.t, ctx.vars["officer_open"]
    s = c["submission"]
    lines = [
        t(
            "Complaint {ref}, sent at {time}",
            ref=c["ref"],
            time=t.datetime(datetime.fromisoformat(c["at"])),
        ),
        t(
            "About: {name} ({hamlet}), {sub_ref} — {kind}: {klass}",
            name=s["name"],
            hamlet=s["hamlet"],
            sub_ref=s["ref"],
            kind=kind_label(ctx, s["kind"]),
            klass=class_label(ctx, s.get("klass") or ""),
        ),
        t("Complaint: {text}", text=c["text"]),
        t("Sent by: {sender}", sender=c.get("sender") or "—"),
    ]
    if c["status"] != "open":
        state = STATUS_LABELS[c["status"]]
        lines.append(t("Status: {state}", state=t(state)))
        if c.get("reason"):
            lines.append(t("Reason: {reason}", reason=c["reason"]))
    return "\n".join(lines)


def _card_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    back = Choice("list", t("Back to list"))
    if ctx.vars["officer_open"]["status"] != "open":
        return [back]
    return [Choice("accept", t("Accept")), Choice("reject", t("Do not accept")), back]


def _after_card(ctx: Ctx, value: str) -> str:
    ctx.answers.pop("complaint_reason", None)
    return {"list": "officer_list", "accept": "officer_confirm", "reject": "officer_reason"}[value]


def _confirm_prompt(ctx: Ctx) -> str:
    c = ctx.vars["officer_open"]
    return ctx.t(
        "Accept complaint {ref}? {name} leaves the posted list and goes back to the commune's "
        "review; the sender is told.",
        ref=c["ref"],
        name=c["submission"]["name"],
    )


def _check_reason(ctx: Ctx, value: str) -> None:
    if sum(ch.isalpha() for ch in value) < 5:
        raise Invalid(N_("Please give the reason in a few words (at least 5 letters)."))


def _answer_args(ctx: Ctx) -> dict[str, Any]:
    decision = ctx.answers["officer_card"]
    return {
        "ref": ctx.vars["officer_open"]["ref"],
        "decision": decision,
        "reason": ctx.answers.get("complaint_reason") if decision == "reject" else None,
    }


def _answered(ctx: Ctx) -> str:
    t, r, c = ctx.t, ctx.vars["officer_answer"], ctx.vars["officer_open"]
    if r.get("status") == "complaint_closed":
        return t("Complaint {ref} was already answered; nothing was changed.", ref=c["ref"])
    if r.get("status") != "ok":
        return t("{ref} is not a complaint of your commune.", ref=c["ref"])
    if r["decision"] == "accept":
        text = t(
            "Accepted complaint {ref}: {name} is back in the commune's review, off the posted "
            "list.",
            ref=c["ref"],
            name=c["submission"]["name"],
        )
    else:
        text = t("Complaint {ref} not accepted.", ref=c["ref"])
    if r.get("notified"):
        text += " " + t("The sender has been notified.")
    return text


OFFICER_STEPS = [
    Step(
        "officer_list",
        "action",
        action="complaint.list",
        next=_after_list,
    ),
    Step(
        "officer_pick",
        "text",
        _pick_prompt,
        choices=_pick_choices,
        next=_after_pick,
        min_length=2,
        max_length=40,
        help=chat_text(
            N_("Press a complaint to open it, or type its reference number, e.g. PA-7KX2QM."),
            N_(
                "Type the number of a complaint to open it, or its reference number, "
                "e.g. PA-7KX2QM."
            ),
        ),
    ),
    Step(
        "officer_open",
        "action",
        action="complaint.load",
        args=lambda ctx: {"ref": ctx.vars["arg"]},
        next=_after_open,
    ),
    Step("officer_card", "choice", _card_prompt, choices=_card_choices, next=_after_card),
    Step(
        "officer_confirm",
        "yesno",
        _confirm_prompt,
        next=lambda ctx, yes: "officer_answer" if yes else "officer_card",
    ),
    Step(
        "officer_reason",
        "text",
        N_("Why is the complaint not accepted? The reason is sent to the person who sent it."),
        check=_check_reason,
        save="complaint_reason",
        next="officer_answer",
        min_length=5,
        max_length=500,
    ),
    Step(
        "officer_answer",
        "action",
        action="complaint.answer",
        args=_answer_args,
        next="officer_answered",
    ),
    Step("officer_answered", "message", _answered, next="officer_list"),
    Step(
        "officer_empty",
        "message",
        lambda ctx: _notice(ctx) + ctx.t("No complaint is waiting for an answer."),
    ),
    Step(
        "officer_no_commune",
        "message",
        N_("Your account is not attached to a commune. Ask the administrator."),
    ),
]
