"""Hamlet head: the hamlet meeting (họp bình xét, QĐ 24/2021 Art. 4) recorded in chat (/hopthon).

The date and how many attend, optionally the place and secretary for the minutes, then each
household on the agenda in turn: votes in favour, passed or not by the rule in
domain/procedure_data (with its article), and a summary when the meeting closes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conversations.flows import meeting_agenda as agenda
from conversations.flows.meeting_agenda import MAX_PRESENT, day, meeting_of
from conversations.model import Choice, Ctx, Invalid, Step, chat_text, document_of, flow
from domain import procedure as proc
from domain.calendar import parse_day
from domain.i18n import N_
from domain.money import MSG_COUNT_RANGE, ParseError, parse_count

BAD_DATE = N_("Type the meeting's date as day/month, e.g. 24/11, or press Today.")
BAD_DATE_TYPED = N_("Type the meeting's date as day/month, e.g. 24/11, or type a for Today.")
BAD_PRESENT = N_("Type how many people attend the meeting as a number, e.g. 25.")


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
        date=day(ctx, m["held_on"]),
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
        raise Invalid(BAD_DATE, typed=BAD_DATE_TYPED)
    return raw.strip()


def _check_day(ctx: Ctx, value: str) -> None:
    today = date.fromisoformat(ctx.vars["begin"]["today"])  # in Hà Nội
    if value in ("today", "yesterday"):
        held = today - timedelta(days=1 if value == "yesterday" else 0)
    else:
        held = parse_day(value, today)
        if held is None:
            raise Invalid(BAD_DATE, typed=BAD_DATE_TYPED)
        yearless = value.count("/") + value.count("-") + value.count(".") == 1
        if yearless and held > today + timedelta(days=183):  # "30/12" typed in January
            held = parse_day(value, date(today.year - 1, 1, 1)) or held
    if held > today:
        raise Invalid(
            N_("The meeting's date cannot be in the future (today is {today})."),
            today=ctx.t.date(today),
        )
    ctx.answers["held_on"] = held.isoformat()


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
            date=day(ctx, a["held_on"]),
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
            chat_text(
                N_("The meeting's date? Press Today or type it, e.g. 24/11."),
                N_("The meeting's date? Type it, e.g. 24/11, or type a for Today."),
            ),
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
            chat_text(
                N_("Where is it held (for the minutes)? Type the place, or press Skip."),
                N_("Where is it held (for the minutes)? Type the place, or type 1 to skip."),
            ),
            choices=lambda ctx: [Choice("skip", ctx.t("Skip"))],
            min_length=2,
            max_length=200,
            next="secretary",
        ),
        Step(
            "secretary",
            "text",
            chat_text(
                N_("Who writes the minutes (the secretary)? Type the full name, or press Skip."),
                N_(
                    "Who writes the minutes (the secretary)? Type the full name, or type 1 to skip."
                ),
            ),
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
        Step(
            "next", "action", action="meeting.next", args=agenda.next_args, next=agenda.after_next
        ),
        Step(
            "votes",
            "number",
            agenda.card,
            choices=agenda.votes_choices,
            parse=agenda.parse_votes,
            check=agenda.check_votes,
            next=agenda.after_votes,
            help=N_(
                "Count the hands of those present who agree that the household's change be "
                "recognised. Postpone leaves it for a later meeting; End the meeting keeps the "
                "rest waiting."
            ),
        ),
        Step(
            "fail_confirm",
            "choice",
            agenda.fail_prompt,
            choices=agenda.fail_choices,
            next=lambda ctx, v: "vote" if v == "record" else "votes",
        ),
        Step(
            "vote",
            "action",
            action="meeting.vote",
            args=agenda.vote_args,
            commits=True,
            next=agenda.after_vote,
        ),
        Step("voted", "message", agenda.voted, next="next"),
        Step("later", "message", agenda.later, next="next"),
        Step("left_out", "message", agenda.left_out, next="next"),
        Step(
            "close",
            "action",
            action="meeting.close",
            args=lambda ctx: {"meeting": meeting_of(ctx)["id"]},
            commits=True,
            next=lambda ctx, r: "summary" if r.get("status") == "ok" else "gone",
        ),
        Step("summary", "message", agenda.summary, attach=document_of("close")),
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
