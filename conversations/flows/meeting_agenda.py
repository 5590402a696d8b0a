"""The hamlet meeting's agenda, one household at a time: its card, the votes in favour, the
result by QĐ 24's rule, and the summary when the meeting closes (see meeting.py's steps)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from conversations.flows.assess import class_label, kind_label
from conversations.flows.review import assessment
from conversations.model import Choice, Ctx, Invalid
from domain.i18n import N_
from domain.money import ParseError, parse_count

MAX_PRESENT = 5000
BAD_VOTES = N_("Type how many of those present agree, as a number (e.g. 7), or press All agree.")
BAD_VOTES_TYPED = N_(
    "Type how many of those present agree, as a number (e.g. 7), or type a for All agree."
)


def day(ctx: Ctx, iso: str) -> str:
    return ctx.t.date(date.fromisoformat(iso))


def meeting_of(ctx: Ctx) -> dict[str, Any]:
    return ctx.vars["meeting"]


def next_args(ctx: Ctx) -> dict[str, Any]:
    return {"meeting": meeting_of(ctx)["id"], "skip": ctx.vars.get("skip", [])}


def after_next(ctx: Ctx, r: dict[str, Any]) -> str:
    return {"ok": "votes", "done": "close"}.get(r.get("status", ""), "gone")


def card(ctx: Ctx) -> str:
    t, m, r = ctx.t, meeting_of(ctx), ctx.vars["next"]
    item = r["item"]
    voted = m.get("voted", 0) + ctx.vars.get("voted", 0)
    lines = [
        t(
            "Household {n} of {total}: {ref} — {kind}",
            n=voted + len(ctx.vars.get("skip", [])) + 1,
            total=voted + r["remaining"],
            ref=item["ref"],
            kind=kind_label(ctx, item["kind"]),
        )
    ]
    if item["code"]:
        lines.append(
            t(
                "Household: {name} ({code}), on the list as {klass}",
                name=item["name"],
                code=item["code"],
                klass=class_label(ctx, item["household_status"]),
            )
        )
    else:
        lines.append(t("Household: {name}, not found on the hamlet's list", name=item["name"]))
    if item["reporter"]:
        lines.append(
            t(
                "Sent by {name} on {date}",
                name=item["reporter"],
                date=ctx.t.date(datetime.fromisoformat(item["submitted_at"])),  # in Hà Nội
            )
        )
    lines += assessment(ctx, item)
    if item.get("note"):
        lines.append(t("Note: {note}", note=item["note"]))
    lines.append(
        "\n"
        + t(
            "How many of the {present} present agree? Type a number from 0 to {present}; "
            "{needed} are needed to pass.",
            present=m["present"],
            needed=m["needed"],
        )
    )
    return "\n".join(lines)


def votes_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    return [
        Choice("all", t("All agree")),
        Choice("later", t("Postpone to a later meeting")),
        Choice("end", t("End the meeting")),
    ]


def parse_votes(raw: str) -> int:
    try:
        return parse_count(raw, minimum=0, maximum=MAX_PRESENT)
    except ParseError as exc:
        raise Invalid(BAD_VOTES, typed=BAD_VOTES_TYPED) from exc


def check_votes(ctx: Ctx, value: Any) -> None:
    present = meeting_of(ctx)["present"]
    if isinstance(value, int) and value > present:
        raise Invalid(
            N_("Only {present} people attend: the votes in favour must be from 0 to {present}."),
            present=present,
        )


def after_votes(ctx: Ctx, value: Any) -> str:
    m, item = meeting_of(ctx), ctx.vars["next"]["item"]
    if value == "end":
        return "close"
    if value == "later":
        ctx.vars.setdefault("skip", []).append(item["id"])
        return "later"
    ctx.vars["votes_for"] = m["present"] if value == "all" else int(value)
    return "vote" if ctx.vars["votes_for"] >= m["needed"] else "fail_confirm"


def fail_prompt(ctx: Ctx) -> str:
    m, item = meeting_of(ctx), ctx.vars["next"]["item"]
    return ctx.t(
        "Only {votes} of {present} agree, {needed} are needed: {ref} will not pass, and its "
        "sender will be told. Record this result?",
        votes=ctx.vars["votes_for"],
        present=m["present"],
        needed=m["needed"],
        ref=item["ref"],
    )


def fail_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice("record", ctx.t("Record the result")),
        Choice("again", ctx.t("Type the votes again")),
    ]


def vote_args(ctx: Ctx) -> dict[str, Any]:
    return {
        "meeting": meeting_of(ctx)["id"],
        "submission": ctx.vars["next"]["item"]["id"],
        "votes_for": ctx.vars["votes_for"],
    }


def after_vote(ctx: Ctx, r: dict[str, Any]) -> str:
    if r.get("status") == "ok":
        ctx.vars["voted"] = ctx.vars.get("voted", 0) + 1
        return "voted"
    if r.get("status") in ("closed", "denied", "meeting_closed"):
        return "gone"
    ctx.vars.setdefault("skip", []).append(ctx.vars["next"]["item"]["id"])
    return "left_out"


def voted(ctx: Ctx) -> str:
    t, r = ctx.t, ctx.vars["vote"]
    params = {
        "ref": r["ref"],
        "name": r["name"],
        "votes": r["votes_for"],
        "present": r["present"],
        "needed": r["needed"],
    }
    if r["passed"]:
        return t("✅ {ref} ({name}) passed: {votes} of {present} in favour.", **params)
    text = t(
        "❌ {ref} ({name}) did not pass: {votes} of {present} in favour, {needed} needed.", **params
    )
    if r["notified"]:
        text += " " + t("The sender has been told.")
    return text


def later(ctx: Ctx) -> str:
    return ctx.t("{ref} is left for a later meeting.", ref=ctx.vars["next"]["item"]["ref"])


def left_out(ctx: Ctx) -> str:
    return ctx.t(
        "{ref} is no longer waiting for the hamlet meeting (it changed meanwhile): left out.",
        ref=ctx.vars["next"]["item"]["ref"],
    )


# -- the end ---------------------------------------------------------------------------------


def summary(ctx: Ctx) -> str:
    t, r = ctx.t, ctx.vars["close"]
    m = r["meeting"]
    lines = [
        t(
            "The hamlet meeting of {date} is closed ({present} present): {passed} passed, "
            "{failed} did not pass.",
            date=day(ctx, m["held_on"]),
            present=m["present"],
            passed=r["passed"],
            failed=r["failed"],
        )
    ]
    if r["passed"] and r["officers"]:
        lines.append(t("The commune's officers have been told to review what passed."))
    elif r["passed"]:
        lines.append(
            t(
                "No commune officer is linked to ChungTay yet: please tell the commune that "
                "{n} household(s) wait for its review.",
                n=r["passed"],
            )
        )
    if r["left"]:
        lines.append(t("Still waiting for a later meeting: {n}.", n=r["left"]))
    return "\n".join(lines)
