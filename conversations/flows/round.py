"""Commune officer: the review round in chat (/dotrasoat) — where it stands, the public posting,
the round's standard, and the chairman's decision that closes it (QĐ 24/2021)."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.model import Choice, Ctx, Invalid, Step, chat_text, document_of, flow
from domain.calendar import parse_day
from domain.i18n import N_
from domain.standards import default_standards

# The date steps are "number" steps (digits and slashes are the answer): Today is "a" on Zalo.
BAD_DAY = N_("Type the date as day/month/year, e.g. 30/11/2026, or press Today.")
BAD_DAY_TYPED = N_("Type the date as day/month/year, e.g. 30/11/2026, or type a for Today.")

KIND_LABELS = {
    "periodic": N_("annual review {code} (the lists of {year})"),
    "regular": N_("monthly review {code}"),
}
STATUS_LABELS = {
    "open": N_("open"),
    "posting": N_("posted publicly until {end}"),
    "closed": N_("closed by decision No. {number} of {date}"),
}
STAGE_LABELS = (
    ("awaiting_meeting", N_("waiting for the hamlet meeting: {n}")),
    ("awaiting_review", N_("waiting for your review: {n}")),
    ("awaiting_posting", N_("on the list, to be posted: {n}")),
    ("posting", N_("posted: {n}")),
    ("complaint", N_("with an open complaint: {n}")),
)
REFUSALS = {
    "nothing_to_post": N_("Nothing to post: no household has been accepted onto the list yet."),
    "round_not_open": N_("The round's list is already posted; its standard cannot change now."),
    "posting_required": N_("The list has not been posted yet."),
    "posting_not_over": N_("The public posting is not over yet."),
    "complaint_open": N_("A complaint is still open: answer it first (/phananh)."),
    "round_closed": N_("The round is already closed."),
    "decision_in_future": N_("The decision's date cannot be in the future."),
    "unknown_standard": N_("No such standard."),
    "no_commune": N_("Your account is not attached to a commune. Ask the administrator."),
    "unknown_document": N_("No such document."),
}
# The round's documents offered on its card: (choice id, label, document, format).
DOCUMENTS = (
    ("doc:decision:docx", N_("Draft decision (Word)"), "decision", "docx"),
    ("doc:posting:docx", N_("Posting list (Word)"), "posting", "docx"),
    ("doc:posting:xlsx", N_("Posting list (Excel)"), "posting", "xlsx"),
)


def _d(ctx: Ctx, iso: str | None) -> str:
    return ctx.t.date(date.fromisoformat(iso)) if iso else "—"


def _standard_name(ctx: Ctx, standard_id: str) -> str:
    found = (ctx.env.get("standards") or default_standards()).get(standard_id)
    return found.cited_as if found else standard_id


def _card(ctx: Ctx) -> str:
    t, s = ctx.t, ctx.vars["load"]
    rnd = s["round"]
    kind_label, status_label = KIND_LABELS[rnd["kind"]], STATUS_LABELS[rnd["status"]]
    code = rnd["code"] if rnd["kind"] == "periodic" else f"{rnd['code'][5:]}/{rnd['code'][:4]}"
    kind = t(kind_label, code=code, year=int(rnd["code"][:4]) + 1)
    status = t(
        status_label,
        end=_d(ctx, rnd["posting_ends_on"]),
        number=rnd["decision_number"] or "",
        date=_d(ctx, rnd["decision_date"]),
    )
    lines = [
        t("Review round of {commune}: {kind}", commune=s["commune"], kind=kind),
        t("Standard: {standard}", standard=_standard_name(ctx, rnd["standard"])),
        t("Status: {status}", status=status),
        t("Decision due by {due}", due=_d(ctx, rnd["decision_due"])),
    ]
    counts = [t(label, n=s["stages"][k]) for k, label in STAGE_LABELS if s["stages"].get(k)]
    lines.append(t("Households: {counts}", counts="; ".join(counts) if counts else "—"))
    if s["complaints"]:
        lines.append(t("Open complaints: {n}", n=s["complaints"]))
    return "\n".join(lines)


def _card_choices(ctx: Ctx) -> list[Choice]:
    t, s = ctx.t, ctx.vars["load"]
    status, out = s["round"]["status"], []
    if status == "open" and s["stages"].get("awaiting_posting"):
        out.append(Choice("post", t("Post the list ({n})", n=s["stages"]["awaiting_posting"])))
    if status == "posting" and s["posting_over"] and not s["complaints"]:
        out.append(Choice("decide", t("Record the decision")))
    if status == "posting" or s["stages"].get("awaiting_posting"):
        # The list to post (a draft while the round is open) and the decision to sign.
        out += [Choice(cid, t(label)) for cid, label, _, _ in DOCUMENTS]
    if status == "open":
        out.append(Choice("standard", t("Change the standard")))
    out.append(Choice("close", t("Close")))
    return out


def _document_args(ctx: Ctx) -> dict[str, Any]:
    _, kind, fmt = str(ctx.answers["what"]).split(":")
    return {"kind": kind, "format": fmt}


def _sent(ctx: Ctx) -> str:
    r = ctx.vars["doc"]
    if not r.get("ok"):
        return ctx.t(REFUSALS.get(r.get("error", ""), r.get("error", "")))
    return ctx.t(
        "Here it is: {title}. Check it, then print it for signing.",
        title=r["document"]["title"],
    )


def _after_load(ctx: Ctx, r: dict[str, Any]) -> str:
    return "card" if r.get("ok") else "refused"


def _post_prompt(ctx: Ctx) -> str:
    s = ctx.vars["load"]
    return ctx.t(
        "Post the preliminary list of {n} household(s) from today, {start}, to the end of {end} "
        "({days} working days, not counting weekends and public holidays)? Anyone may send a "
        "complaint meanwhile.",
        n=s["stages"]["awaiting_posting"],
        start=_d(ctx, s["today"]),
        end=_d(ctx, s["posting_would_end"]),
        days=s["posting_days"],
    )


def _done(ctx: Ctx) -> str:
    t, r = ctx.t, ctx.vars["act"]
    if not r.get("ok"):
        return t(REFUSALS.get(r.get("error", ""), r.get("error", "")))
    if "ends_on" in r:
        return t(
            "Posted: {n} household(s) until {end}. Residents can send complaints with /phananh.",
            n=r["count"],
            end=_d(ctx, r["ends_on"]),
        )
    if "standard" in r:
        return t(
            "The round now classifies under {standard}.",
            standard=_standard_name(ctx, r["standard"]),
        )
    return t(
        "Decision recorded: {n} household(s) recognised; their reporters have been told.",
        n=r["count"],
    )


def _standard_choices(ctx: Ctx) -> list[Choice]:
    standards = ctx.env.get("standards") or default_standards()
    return [Choice(s.id, _standard_name(ctx, s.id)) for s in standards.values()]


def _check_number(ctx: Ctx, value: str) -> None:
    if not any(ch.isdigit() for ch in value):
        raise Invalid(N_("Type the decision's number as it is written, e.g. 125/QĐ-UBND."))


def _decision_day(ctx: Ctx, value: str) -> str:
    today = date.fromisoformat(ctx.vars["load"]["today"])  # in Hà Nội
    day = today if value == "today" else parse_day(value, today)
    if day is None:
        raise Invalid(BAD_DAY, typed=BAD_DAY_TYPED)
    end = ctx.vars["load"]["round"]["posting_ends_on"]
    if day > today:
        raise Invalid(N_("The decision's date cannot be in the future."))
    if end and day <= date.fromisoformat(end):
        raise Invalid(
            N_("The decision comes after the posting, which ended on {end}."), end=_d(ctx, end)
        )
    return day.isoformat()


def _day_shape(raw: str) -> str:
    """A typed date's shape (its year may be left out: resolved against today by the check)."""
    if parse_day(raw, date(2000, 1, 1)) is None and parse_day(raw, date(2000, 3, 1)) is None:
        raise Invalid(BAD_DAY, typed=BAD_DAY_TYPED)
    return raw.strip()


def _check_day(ctx: Ctx, value: str) -> None:
    ctx.answers["decision_date"] = _decision_day(ctx, value)


def _decide_prompt(ctx: Ctx) -> str:
    a, s = ctx.answers, ctx.vars["load"]
    return ctx.t(
        "Record decision No. {number} of {date}, signed by {signer}: the {n} household(s) on the "
        "posted list are recognised and change status from {date}?",
        number=a["number"],
        date=_d(ctx, a["decision_date"]),
        signer=a["signer"],
        n=s["stages"].get("posting", 0),
    )


ROUND = flow(
    "round",
    N_("review round"),
    [
        Step("load", "action", action="round.status", next=_after_load),
        Step(
            "card",
            "choice",
            _card,
            choices=_card_choices,
            save="what",
            next=lambda ctx, v: (
                "document"
                if str(v).startswith("doc:")
                else {
                    "post": "post_confirm",
                    "decide": "number",
                    "standard": "standard",
                }.get(v)
            ),
        ),
        Step(
            "document",
            "action",
            action="round.document",
            args=_document_args,
            save="doc",
            next="sent",
        ),
        Step("sent", "message", _sent, attach=document_of("doc"), next="load"),
        Step(
            "post_confirm",
            "yesno",
            _post_prompt,
            next=lambda ctx, v: "post" if v else "load",
        ),
        Step("post", "action", action="round.post", save="act", next="done"),
        Step(
            "standard",
            "choice",
            N_("Which standard does this round classify under?"),
            choices=_standard_choices,
            next="set_standard",
        ),
        Step(
            "set_standard",
            "action",
            action="round.standard",
            args=lambda ctx: {"standard": ctx.answers["standard"]},
            save="act",
            next="done",
        ),
        Step(
            "number",
            "text",
            N_("The decision's number and symbol (e.g. 125/QĐ-UBND)?"),
            check=_check_number,
            min_length=2,
            max_length=64,
            next="day",
        ),
        Step(
            "day",
            "number",  # digits and slashes are the answer here, not a button's number
            chat_text(
                N_("The decision's date? Press Today or type it, e.g. 30/11/2026."),
                N_("The decision's date? Type it, e.g. 30/11/2026, or type a for Today."),
            ),
            choices=lambda ctx: [Choice("today", ctx.t("Today"))],
            parse=_day_shape,
            check=_check_day,
            next="signer",
        ),
        Step(
            "signer",
            "text",
            N_("Who signs it (the commune chairman or vice-chairman)? Type the full name."),
            min_length=3,
            max_length=200,
            next="decide_confirm",
        ),
        Step(
            "decide_confirm",
            "yesno",
            _decide_prompt,
            next=lambda ctx, v: "decide" if v else "load",
        ),
        Step(
            "decide",
            "action",
            action="round.decide",
            args=lambda ctx: {
                "number": ctx.answers["number"],
                "date": ctx.answers["decision_date"],
                "signer": ctx.answers["signer"],
            },
            save="act",
            next="done",
        ),
        Step("done", "message", _done, attach=document_of("act")),
        Step("refused", "message", REFUSALS["no_commune"]),
    ],
    command="/dotrasoat",
    aliases=("đợt rà soát",),
    roles=("officer",),
    in_menu=True,
)
