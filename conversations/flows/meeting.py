"""Hamlet head: the hamlet meeting (họp bình xét, QĐ 24/2021 Art. 4) recorded in chat (/hopthon).

The date and how many attend, optionally the place and secretary for the minutes, then each
household on the agenda in turn: votes in favour, passed or not by the rule in
domain/procedure_data (with its article), and a summary when the meeting closes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conversations.flows.assess import class_label, kind_label
from conversations.flows.review import assessment
from conversations.model import Choice, Ctx, Invalid, Step, flow
from domain import procedure as proc
from domain.calendar import parse_day
from domain.i18n import N_
from domain.money import MSG_COUNT_RANGE, ParseError, parse_count

MAX_PRESENT = 5000
BAD_DATE = N_("Type the meeting's date as day/month, e.g. 24/11, or press Today.")
BAD_PRESENT = N_("Type how many people attend the meeting as a number, e.g. 25.")
BAD_VOTES = N_("Type how many of those present agree, as a number (e.g. 7), or press All agree.")


def _d(ctx: Ctx, iso: str) -> str:
    return ctx.t.date(date.fromisoformat(iso))


def _meeting(ctx: Ctx) -> dict[str, Any]:
    return ctx.vars["meeting"]


# -- before the meeting opens ----------------------------------------------------------------


def _after_begin(ctx: Ctx, r: dict[str, Any]) -> str:
    if not r.get("ok"):
        return "no_hamlet"
    if r.get("open"):
        return "resume"
    return "date" if r["count"] else "empty"


def _resume_prompt(ctx: Ctx) -> str:
    m = ctx.vars["begin"]["open"]
    return ctx.t(
        "The hamlet meeting of {date} ({present} present) was not closed: {voted} household(s) "
        "voted on so far, {count} still waiting. Continue it?",
        date=_d(ctx, m["held_on"]),
        present=m["present"],
        voted=m["voted"],
        count=ctx.vars["begin"]["count"],
    )


def _after_resume(ctx: Ctx, value: str) -> str:
    if value == "continue":
        ctx.vars["meeting"] = ctx.vars["begin"]["open"]
        return "next"
    return "date"


def _day_shape(raw: str) -> str:
    # A bare 1 or 2 is no date: the button of that number (Zalo lists them numbered).
    button = {"1": "today", "2": "yesterday"}.get(raw.strip().rstrip("."))
    if button:
        return button
    if parse_day(raw, date(2000, 1, 1)) is None and parse_day(raw, date(2000, 3, 1)) is None:
        raise Invalid(BAD_DATE)
    return raw.strip()


def _check_day(ctx: Ctx, value: str) -> None:
    today = date.fromisoformat(ctx.vars["begin"]["today"])  # in Hà Nội
    if value in ("today", "yesterday"):
        day = today - timedelta(days=1 if value == "yesterday" else 0)
    else:
        day = parse_day(value, today)
        if day is None:
            raise Invalid(BAD_DATE)
        yearless = value.count("/") + value.count("-") + value.count(".") == 1
        if yearless and day > today + timedelta(days=183):  # "30/12" typed in January
            day = parse_day(value, date(today.year - 1, 1, 1)) or day
    if day > today:
        raise Invalid(
            N_("The meeting's date cannot be in the future (today is {today})."),
            today=ctx.t.date(today),
        )
    ctx.answers["held_on"] = day.isoformat()


def _present(raw: str) -> int:
    try:
        return parse_count(raw, minimum=1, maximum=MAX_PRESENT)
    except ParseError as exc:
        if exc.reason_msgid == MSG_COUNT_RANGE:
            raise
        raise Invalid(BAD_PRESENT) from exc


def _optional(value: str | None) -> str | None:
    return None if value in (None, "skip") else value


def _start_prompt(ctx: Ctx) -> str:
    t, a, b = ctx.t, ctx.answers, ctx.vars["begin"]
    present = int(a["present"])
    lines = [
        t(
            "Hamlet meeting of {hamlet} on {date}: {present} present.",
            hamlet=b["hamlet"],
            date=_d(ctx, a["held_on"]),
            present=present,
        )
    ]
    if _optional(a.get("place")):
        lines.append(t("Place: {place}", place=a["place"]))
    if _optional(a.get("secretary")):
        lines.append(t("Secretary: {name}", name=a["secretary"]))
    lines.append(t("Waiting for the hamlet meeting: {n}.", n=b["count"]))
    lines.append(
        t(
            "Each household passes with at least {needed} of the {present} present in favour "
            "({article}).",
            needed=proc.votes_needed(present),
            present=present,
            article=proc.procedure().meeting_article,
        )
    )
    return "\n".join(lines)


def _open_args(ctx: Ctx) -> dict[str, Any]:
    a = ctx.answers
    return {
        "held_on": a["held_on"],
        "present": int(a["present"]),
        "place": _optional(a.get("place")),
        "secretary": _optional(a.get("secretary")),
    }


def _after_open(ctx: Ctx, r: dict[str, Any]) -> str:
    if r.get("status") != "ok":
        return "gone"
    ctx.vars["meeting"] = r["meeting"]
    return "next"


# -- one household at a time -----------------------------------------------------------------


def _next_args(ctx: Ctx) -> dict[str, Any]:
    return {"meeting": _meeting(ctx)["id"], "skip": ctx.vars.get("skip", [])}


def _after_next(ctx: Ctx, r: dict[str, Any]) -> str:
    return {"ok": "votes", "done": "close"}.get(r.get("status", ""), "gone")


def _card(ctx: Ctx) -> str:
    t, m, r = ctx.t, _meeting(ctx), ctx.vars["next"]
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
                date=ctx.t.date(date.fromisoformat(item["submitted_at"][:10])),
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


def _votes_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    return [
        Choice("all", t("All agree")),
        Choice("later", t("Postpone to a later meeting")),
        Choice("end", t("End the meeting")),
    ]


def _votes(raw: str) -> int:
    try:
        return parse_count(raw, minimum=0, maximum=MAX_PRESENT)
    except ParseError as exc:
        raise Invalid(BAD_VOTES) from exc


def _check_votes(ctx: Ctx, value: Any) -> None:
    present = _meeting(ctx)["present"]
    if isinstance(value, int) and value > present:
        raise Invalid(
            N_("Only {present} people attend: the votes in favour must be from 0 to {present}."),
            present=present,
        )


def _after_votes(ctx: Ctx, value: Any) -> str:
    m, item = _meeting(ctx), ctx.vars["next"]["item"]
    if value == "end":
        return "close"
    if value == "later":
        ctx.vars.setdefault("skip", []).append(item["id"])
        return "later"
    ctx.vars["votes_for"] = m["present"] if value == "all" else int(value)
    return "vote" if ctx.vars["votes_for"] >= m["needed"] else "fail_confirm"


def _fail_prompt(ctx: Ctx) -> str:
    m, item = _meeting(ctx), ctx.vars["next"]["item"]
    return ctx.t(
        "Only {votes} of {present} agree, {needed} are needed: {ref} will not pass, and its "
        "sender will be told. Record this result?",
        votes=ctx.vars["votes_for"],
        present=m["present"],
        needed=m["needed"],
        ref=item["ref"],
    )


def _fail_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice("record", ctx.t("Record the result")),
        Choice("again", ctx.t("Type the votes again")),
    ]


def _vote_args(ctx: Ctx) -> dict[str, Any]:
    return {
        "meeting": _meeting(ctx)["id"],
        "submission": ctx.vars["next"]["item"]["id"],
        "votes_for": ctx.vars["votes_for"],
    }


def _after_vote(ctx: Ctx, r: dict[str, Any]) -> str:
    if r.get("status") == "ok":
        ctx.vars["voted"] = ctx.vars.get("voted", 0) + 1
        return "voted"
    if r.get("status") in ("closed", "denied", "meeting_closed"):
        return "gone"
    ctx.vars.setdefault("skip", []).append(ctx.vars["next"]["item"]["id"])
    return "left_out"


def _voted(ctx: Ctx) -> str:
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


def _later(ctx: Ctx) -> str:
    return ctx.t("{ref} is left for a later meeting.", ref=ctx.vars["next"]["item"]["ref"])


def _left_out(ctx: Ctx) -> str:
    return ctx.t(
        "{ref} is no longer waiting for the hamlet meeting (it changed meanwhile): left out.",
        ref=ctx.vars["next"]["item"]["ref"],
    )


# -- the end ---------------------------------------------------------------------------------


def _summary(ctx: Ctx) -> str:
    t, r = ctx.t, ctx.vars["close"]
    m = r["meeting"]
    lines = [
        t(
            "The hamlet meeting of {date} is closed ({present} present): {passed} passed, "
            "{failed} did not pass.",
            date=_d(ctx, m["held_on"]),
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


MEETING = flow(
    "meeting",
    N_("hamlet meeting"),
    [
        Step("begin", "action", action="meeting.begin", next=_after_begin),
        Step(
            "resume",
            "choice",
            _resume_prompt,
            choices=lambda ctx: [
                Choice("continue", ctx.t("Continue this meeting")),
                Choice("new", ctx.t("Open a new meeting")),
            ],
            next=_after_resume,
        ),
        Step(
            "date",
            "number",  # digits and slashes are the answer here, not a button's number
            N_("The meeting's date? Press Today or type it, e.g. 24/11."),
            choices=lambda ctx: [
                Choice("today", ctx.t("Today")),
                Choice("yesterday", ctx.t("Yesterday")),
            ],
            parse=_day_shape,
            check=_check_day,
            next="present",
        ),
        Step(
            "present",
            "number",
            N_("How many people attend the meeting?"),
            choices=lambda ctx: [Choice("_back", ctx.t("Back"))],
            parse=_present,
            next="place",
        ),
        Step(
            "place",
            "text",
            N_("Where is it held (for the minutes)? Type the place, or press Skip."),
            choices=lambda ctx: [Choice("skip", ctx.t("Skip"))],
            min_length=2,
            max_length=200,
            next="secretary",
        ),
        Step(
            "secretary",
            "text",
            N_("Who writes the minutes (the secretary)? Type the full name, or press Skip."),
            choices=lambda ctx: [Choice("skip", ctx.t("Skip"))],
            min_length=3,
            max_length=200,
            next="start",
        ),
        Step(
            "start",
            "choice",
            _start_prompt,
            choices=lambda ctx: [
                Choice("start", ctx.t("Start voting")),
                Choice("_cancel", ctx.t("Cancel")),
            ],
            next="open",
        ),
        Step(
            "open",
            "action",
            action="meeting.open",
            args=_open_args,
            commits=True,
            next=_after_open,
        ),
        Step("next", "action", action="meeting.next", args=_next_args, next=_after_next),
        Step(
            "votes",
            "number",
            _card,
            choices=_votes_choices,
            parse=_votes,
            check=_check_votes,
            next=_after_votes,
            help=N_(
                "Count the hands of those present who agree that the household's change be "
                "recognised. Postpone leaves it for a later meeting; End the meeting keeps the "
                "rest waiting."
            ),
        ),
        Step(
            "fail_confirm",
            "choice",
            _fail_prompt,
            choices=_fail_choices,
            next=lambda ctx, v: "vote" if v == "record" else "votes",
        ),
        Step(
            "vote",
            "action",
            action="meeting.vote",
            args=_vote_args,
            commits=True,
            next=_after_vote,
        ),
        Step("voted", "message", _voted, next="next"),
        Step("later", "message", _later, next="next"),
        Step("left_out", "message", _left_out, next="next"),
        Step(
            "close",
            "action",
            action="meeting.close",
            args=lambda ctx: {"meeting": _meeting(ctx)["id"]},
            commits=True,
            next=lambda ctx, r: "summary" if r.get("status") == "ok" else "gone",
        ),
        Step("summary", "message", _summary),
        Step(
            "empty",
            "message",
            N_("Nothing from your hamlet is waiting for the hamlet meeting."),
        ),
        Step(
            "gone",
            "message",
            N_("This meeting is no longer open (it was closed from another chat)."),
        ),
        Step(
            "no_hamlet",
            "message",
            N_("Your account is not attached to a hamlet. Ask your commune officer."),
        ),
    ],
    command="/hopthon",
    aliases=("họp thôn", "họp bình xét"),
    roles=("hamlet_head",),
    in_menu=True,
    ask_before_restart=True,
)
