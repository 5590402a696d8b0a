"""Commune officer: review the commune's pending submissions in chat (/duyet)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.flows.assess import CLASS_LABELS, kind_label, standard_title
from conversations.model import Choice, Ctx, Invalid, Step, chat_text, flow
from domain.causes import CAUSE_LABELS
from domain.i18n import N_
from domain.standards import StandardsError, get_standard

PAGE = 5
STATE_LABELS = {
    "submitted": N_("waiting for review"),
    "hamlet_reviewed": N_("reviewed at the hamlet meeting"),
    "meeting_passed": N_("passed the hamlet meeting, waiting for the commune's review"),
    "meeting_failed": N_("not passed at the hamlet meeting"),
    "accepted": N_("on the round's list, waiting for the public posting"),
    "posted": N_("posted publicly, waiting for the commune's decision"),
    "approved": N_("approved"),
    "returned": N_("returned for correction"),
    "rejected": N_("rejected"),
}
DECIDED = {
    "approve": N_("Approved {ref}."),
    "return": N_("Returned {ref} for correction."),
    "reject": N_("Rejected {ref}."),
}


def state_label(ctx: Ctx, state: str) -> str:
    label = STATE_LABELS.get(state, state)
    return ctx.t(label)


def status_label(ctx: Ctx, status: str | None) -> str:
    label = CLASS_LABELS.get(status or "unknown", status or "")
    return ctx.t(label)


# -- the list ------------------------------------------------------------------------------------


def _entry(ctx: Ctx) -> str:
    ctx.vars["page"] = 0
    return "open" if ctx.vars.get("arg") else "list"


def _list_args(ctx: Ctx) -> dict[str, Any]:
    return {"limit": PAGE, "offset": PAGE * ctx.vars.get("page", 0)}


def _after_list(ctx: Ctx, result: dict[str, Any]) -> str:
    if not result.get("ok"):
        return "no_commune"
    return "pick" if result["total"] else "empty"


def _notice(ctx: Ctx) -> str:
    notice = ctx.vars.get("notice") or {}
    if notice.get("denied"):
        return ctx.t("{ref} is not a submission of your commune.", ref=notice["ref"])
    if notice:
        return ctx.t("No submission has the reference number {ref}.", ref=notice["ref"])
    return ""


def _pick_prompt(ctx: Ctx) -> str:
    result = ctx.vars["list"]
    text = ctx.t(
        "Waiting for review in {unit}: {total}, oldest first. Choose one, or type its reference "
        "number.",
        unit=ctx.user.get("unit_name") or "",
        total=result["total"],
    )
    notice = _notice(ctx)
    return f"{notice}\n{text}" if notice else text


# Shown after an item that is not (or no longer) the officer's to decide now.
STAGE_SUFFIX = {
    "awaiting_meeting": N_("waiting for the hamlet meeting"),
    "awaiting_posting": N_("on the list, to be posted"),
    "posting": N_("posted publicly"),
    "complaint": N_("complaint open"),
}


def _item_label(ctx: Ctx, item: dict[str, Any]) -> str:
    t = ctx.t
    label = t(
        "{ref} · {kind} · {name}, {hamlet}",
        ref=item["ref"],
        kind=kind_label(ctx, item["kind"]),
        name=item["name"],
        hamlet=item["hamlet"],
    )
    suffix = STAGE_SUFFIX.get(item.get("stage") or "")
    return f"{label} · {t(suffix)}" if suffix else label


def _pick_choices(ctx: Ctx) -> list[Choice]:
    t, result = ctx.t, ctx.vars["list"]
    out = [Choice(item["ref"], _item_label(ctx, item)) for item in result["items"]]
    page = ctx.vars.get("page", 0)
    if PAGE * (page + 1) < result["total"]:
        out.append(Choice("_more", t("More")))
    if page:
        out.append(Choice("_first", t("First page")))
    return out


def _after_pick(ctx: Ctx, value: str) -> str:
    ctx.vars.pop("notice", None)
    if value in ("_more", "_first"):
        ctx.vars["page"] = ctx.vars.get("page", 0) + 1 if value == "_more" else 0
        return "list"
    ctx.vars["arg"] = value
    return "open"


def _empty(ctx: Ctx) -> str:
    text = ctx.t("Nothing is waiting for review in {unit}.", unit=ctx.user.get("unit_name") or "")
    notice = _notice(ctx)
    return f"{notice}\n{text}" if notice else text


# -- one submission ------------------------------------------------------------------------------


def _after_open(ctx: Ctx, result: dict[str, Any]) -> str:
    if result.get("found") and not result.get("denied"):
        return "card"
    ctx.vars["notice"] = {"ref": result.get("ref", ""), "denied": bool(result.get("denied"))}
    return "list"


def _indicator_names(ctx: Ctx, result: dict[str, Any]) -> str:
    try:
        std = get_standard(result.get("standard", ""), ctx.env.get("standards"))
        names = [std.indicator(code).name for code in result.get("deprived", [])]
    except (StandardsError, KeyError):
        names = list(result.get("deprived", []))
    return ", ".join(names) or "—"


def assessment(ctx: Ctx, card: dict[str, Any]) -> list[str]:
    t, result = ctx.t, card.get("result") or {}
    if not result.get("class"):
        return []
    lines = []
    if card.get("members"):
        lines.append(t("Members: {n}", n=card["members"]))
    each = t.money(int(result.get("income_per_capita", 0)))
    if card.get("income") is not None:
        lines.append(
            t(
                "Income: {total} a month, {each} per person",
                total=t.money(int(card["income"])),
                each=each,
            )
        )
    else:
        lines.append(t("Income per person: {each} a month", each=each))
    lines.append(
        t(
            "Lacking ({n}): {names}",
            n=len(result.get("deprived", [])),
            names=_indicator_names(ctx, result),
        )
    )
    lines.append(
        t(
            "Result ({standard}): {klass}. {reason}",
            standard=standard_title(ctx, result.get("standard", "")),
            klass=status_label(ctx, result["class"]),
            reason=result.get("reason", ""),
        )
    )
    cause = CAUSE_LABELS.get(card.get("cause") or "")
    if cause:
        lines.append(t("Main cause: {cause}", cause=t(cause)))
    return lines


def _card_prompt(ctx: Ctx) -> str:
    t, card = ctx.t, ctx.vars["open"]
    lines = [f"{card['ref']} — {kind_label(ctx, card['kind'])}"]
    if card.get("household"):
        h = card["household"]
        lines.append(t("Household: {name} ({code})", name=h["name"], code=h["code"]))
    else:
        lines.append(
            t("Household: not matched in the register, named “{name}”", name=card["typed_name"])
        )
    lines.append(t("Hamlet: {hamlet}", hamlet=card["hamlet"]))
    lines.append(
        t(
            "Sent by {reporter} at {time}",
            reporter=card.get("reporter") or "—",
            time=t.datetime(datetime.fromisoformat(card["submitted_at"])),
        )
    )
    if card.get("revision", 1) > 1:
        lines.append(t("Corrected and sent again (revision {n}).", n=card["revision"]))
    lines += assessment(ctx, card)
    if card.get("note"):
        lines.append(t("Note: {note}", note=card["note"]))
    if not card["pending"] or card["status"] != "submitted":  # e.g. after the hamlet meeting
        lines.append(t("Status: {state}", state=state_label(ctx, card["status"])))
    if card.get("stage") == "awaiting_meeting":
        lines.append(
            t(
                "Waiting for the hamlet meeting: it can be approved only after the meeting "
                "passes it (QĐ 24/2021). You can return or reject it now."
            )
        )
    if not card["pending"] and card.get("decision_reason"):
        lines.append(t("Reason: {reason}", reason=card["decision_reason"]))
    return "\n".join(lines)


def _card_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    back = Choice("list", t("Back to list"))
    card = ctx.vars["open"]
    if not card["pending"] or card.get("stage") in ("posting", "complaint"):
        return [back]  # on the posted list: only a complaint or the decision moves it
    approve = [] if card.get("stage") == "awaiting_meeting" else [Choice("approve", t("Approve"))]
    return [
        *approve,
        Choice("return", t("Return for correction")),
        Choice("reject", t("Reject")),
        back,
    ]


def _after_card(ctx: Ctx, value: str) -> str:
    if value == "list":
        return "list"
    ctx.answers.pop("reason", None)
    return "confirm" if value == "approve" else "reason"


def _confirm_prompt(ctx: Ctx) -> str:
    t, card = ctx.t, ctx.vars["open"]
    if card.get("governed"):
        effect = t(
            "It goes on the round's list. The household's status changes with the commune's "
            "decision, after the list is posted publicly."
        )
    elif card.get("closing"):
        effect = t("The household leaves the register (moved out or dissolved).")
    elif not card.get("household"):
        effect = t("No household of the register is matched: only the decision is recorded.")
    elif card.get("new_status"):
        effect = t(
            "The household's status becomes: {status}.",
            status=status_label(ctx, card["new_status"]),
        )
    else:
        effect = t("The household's status does not change.")
    return t("Approve {ref}?", ref=card["ref"]) + "\n" + effect


def _reason_prompt(ctx: Ctx) -> str:
    if ctx.answers.get("decision") == "reject":
        return ctx.t("Why is it rejected? The reason is sent to the reporter.")
    return ctx.t("What should be corrected? The reason is sent to the reporter.")


def _check_reason(ctx: Ctx, value: str) -> None:
    if sum(ch.isalpha() for ch in value) < 5:
        raise Invalid(N_("Please give the reason in a few words (at least 5 letters)."))


def _decide_args(ctx: Ctx) -> dict[str, Any]:
    return {
        "id": ctx.vars["open"]["id"],
        "decision": ctx.answers["decision"],
        "reason": ctx.answers.get("reason") if ctx.answers["decision"] != "approve" else None,
    }


def _decided(ctx: Ctx) -> str:
    t, result = ctx.t, ctx.vars["decide"]
    ref = ctx.vars["open"]["ref"]
    if result.get("status") == "already":
        return t(
            "{ref} was already decided ({state}); nothing was changed.",
            ref=ref,
            state=state_label(ctx, result["current"]),
        )
    if result.get("status") == "meeting_required":
        return t("{ref} has not passed the hamlet meeting yet; it cannot be approved.", ref=ref)
    if result.get("status") != "ok":
        return t("{ref} is not a submission of your commune.", ref=ref)
    decided = N_("Accepted {ref} onto the round's list.") if result.get("accepted") else None
    decided = decided or DECIDED[result["decision"]]
    text = t(decided, ref=ref)
    if result.get("household_status"):
        text += " " + t(
            "The household's status is now: {status}.",
            status=status_label(ctx, result["household_status"]),
        )
    if result.get("notified"):
        text += " " + t("The sender has been notified.")
    return text


def _restart_list(ctx: Ctx, _: Any = None) -> str:
    ctx.vars["page"] = 0
    return "list"


REVIEW = flow(
    "review",
    N_("review of submissions"),
    [
        Step("list", "action", action="review.list", args=_list_args, next=_after_list),
        Step(
            "pick",
            "text",
            _pick_prompt,
            choices=_pick_choices,
            next=_after_pick,
            min_length=2,
            max_length=40,
            help=chat_text(
                N_("Press a submission to open it, or type its reference number, e.g. BC-7KX2QM."),
                N_(
                    "Type the number of a submission to open it, or its reference number, "
                    "e.g. BC-7KX2QM."
                ),
            ),
        ),
        Step(
            "open",
            "action",
            action="review.open",
            args=lambda ctx: {"ref": ctx.vars["arg"]},
            next=_after_open,
        ),
        Step(
            "card",
            "choice",
            _card_prompt,
            choices=_card_choices,
            save="decision",
            next=_after_card,
        ),
        Step("confirm", "yesno", _confirm_prompt, next=lambda ctx, v: "decide" if v else "card"),
        Step(
            "reason",
            "text",
            _reason_prompt,
            check=_check_reason,
            next="decide",
            min_length=5,
            max_length=500,
        ),
        Step("decide", "action", action="review.decide", args=_decide_args, next="decided"),
        Step("decided", "message", _decided, next=_restart_list),
        Step("empty", "message", _empty),
        Step(
            "no_commune",
            "message",
            N_("Your account is not attached to a commune. Ask the administrator."),
        ),
    ],
    command="/duyet",
    aliases=("duyệt",),
    roles=("officer", "admin"),
    in_menu=True,
    entry=_entry,
)
