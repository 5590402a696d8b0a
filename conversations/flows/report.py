"""Hamlet head: "Báo cáo biến động hộ" (/baocao) — a household change, assessed by the law in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.flows.assess import (
    NOTE_STEP,
    after,
    assessment_lines,
    cause_choices,
    contradiction,
    count,
    deprived_step,
    edit_choices,
    kind_label,
    money,
    to_summary,
)
from conversations.model import Choice, Ctx, Step, flow
from domain.changes import CHANGE_KINDS
from domain.i18n import N_, capitalised
from domain.procedure import needs_meeting

NEW_OK = ("newly_poor", "newly_near_poor", "moved_in")
NO_ASSESSMENT = ("moved_out", "dissolved")
PAGE = 5


def _kind_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(k, kind_label(ctx, k)) for k in CHANGE_KINDS]


def _find_prompt(ctx: Ctx) -> str:
    search = ctx.vars.get("search") or {}
    ask = ctx.t(
        "Type the name of the head of household or the household code in {hamlet}.",
        hamlet=ctx.vars["begin"]["hamlet_name"],
    )
    if search.get("denied"):
        return ctx.t("Household {code} is not in your hamlet.", code=search["query"]) + "\n" + ask
    if search and not search.get("total"):
        return ctx.t("No household matches “{query}”.", query=search["query"]) + "\n" + ask
    return ask


def _unmatched_name(ctx: Ctx) -> str | None:
    """The name just searched for in vain, as a new household's head ("lò văn ẩn" -> "Lò Văn
    Ẩn"); None after a match, or for a household code (codes have digits, names do not)."""
    search = ctx.vars.get("search") or {}
    words = str(search.get("query", "")).split()
    if not words or search.get("total") or search.get("denied"):
        return None
    if any(ch.isdigit() for word in words for ch in word):
        return None
    return " ".join(capitalised(word) for word in words)


def _find_choices(ctx: Ctx) -> list[Choice]:
    if ctx.answers.get("kind") not in NEW_OK:
        return []
    name = _unmatched_name(ctx)
    if name:  # offered with the typed name, so it is not typed again
        return [Choice("_new_named", ctx.t("Add new household: {name}", name=name))]
    return [Choice("_new", ctx.t("New household"))]


def _after_find(ctx: Ctx, value: str) -> str:
    if value == "_new_named":
        ctx.answers.pop("household", None)
        ctx.answers["new_name"] = _unmatched_name(ctx)
        return "new_members"
    if value == "_new":
        ctx.answers.pop("household", None)
        return "new_name"
    ctx.vars["page"] = 0
    return "search"


def _search_args(ctx: Ctx) -> dict[str, Any]:
    return {
        "query": ctx.answers["find"],
        "limit": PAGE,
        "offset": PAGE * ctx.vars.get("page", 0),
    }


def _chosen(ctx: Ctx, item: dict[str, Any]) -> str:
    ctx.answers["household"] = item
    for key in ("new_name", "new_members", "new_dtts"):
        ctx.answers.pop(key, None)
    return "summary" if ctx.answers["kind"] in NO_ASSESSMENT else after(ctx, "income")


def _income_prompt(ctx: Ctx) -> str:
    """The household picked, said back (a name typed may match one the head did not mean), and
    a change of it already in the procedure; then the question."""
    t, lines = ctx.t, []
    chosen = ctx.answers.get("household")
    if chosen:
        lines.append(
            t("Household: {name} ({code}, {members} people).", name=chosen["head_name"],
              code=chosen["code"], members=chosen["members"])
        )  # fmt: skip
        if chosen.get("open_ref"):
            lines.append(
                t(
                    "Note: report {ref} about this household is still in the procedure; send "
                    "this one only if it is another change.",
                    ref=chosen["open_ref"],
                )
            )
    lines.append(t("What is the household's total income per month, all members together?"))
    return "\n".join(lines)


def _after_search(ctx: Ctx, result: dict[str, Any]) -> str:
    if not result.get("total"):
        return "find"
    if result["total"] == 1 and not ctx.vars.get("page"):
        return _chosen(ctx, result["items"][0])
    return "pick"


def _pick_choices(ctx: Ctx) -> list[Choice]:
    result = ctx.vars["search"]
    t = ctx.t
    out = [
        Choice(
            str(h["id"]),
            t(
                "{name} ({code}, {members} people)",
                name=h["head_name"],
                code=h["code"],
                members=h["members"],
            ),
        )
        for h in result["items"]
    ]
    if PAGE * (ctx.vars.get("page", 0) + 1) < result["total"]:
        out.append(Choice("_more", t("More")))
    out.append(Choice("_again", t("Search again")))
    out.extend(_find_choices(ctx))
    return out


def _after_pick(ctx: Ctx, value: str) -> str:
    if value == "_more":
        ctx.vars["page"] = ctx.vars.get("page", 0) + 1
        return "search"
    if value == "_again":
        return "find"
    if value == "_new":
        return _after_find(ctx, value)
    item = next(h for h in ctx.vars["search"]["items"] if str(h["id"]) == value)
    return _chosen(ctx, item)


def _members_prompt(ctx: Ctx) -> str:
    return ctx.t("How many people live in the household?")


def _members_choices(ctx: Ctx) -> list[Choice]:
    household = ctx.answers.get("household")
    if not household:
        return []
    return [Choice("keep", ctx.t("{n} people (as registered)", n=household["members"]))]


def _members_value(ctx: Ctx) -> str:
    if ctx.answers.get("members") == "keep":
        ctx.answers["members"] = ctx.answers["household"]["members"]
    return after(ctx, "deprived")


def _summary_prompt(ctx: Ctx) -> str:
    t = ctx.t
    a = ctx.answers
    household = a.get("household")
    name = household["head_name"] if household else a.get("new_name")
    code = household["code"] if household else t("new")
    lines = [
        t("Please check the report:"),
        t("Change: {kind}", kind=kind_label(ctx, a["kind"])),
        t("Household: {name} ({code})", name=name, code=code),
    ]
    if a["kind"] not in NO_ASSESSMENT:
        lines += assessment_lines(ctx)
        warning = contradiction(ctx)
        if warning:
            lines.append("⚠️ " + warning)
    if a.get("note"):
        lines.append(t("Note: {note}", note=a["note"]))
    returned = ctx.vars.get("load", {}).get("reason_text")
    if returned:
        lines.append(t("Returned by the commune: {reason}", reason=returned))
    return "\n".join(lines)


def _summary_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    if ctx.answers["kind"] in NO_ASSESSMENT:
        edits = [Choice("edit_note", t("Add a note"))]
    else:
        edits = edit_choices(ctx)
    if contradiction(ctx) and not ctx.answers.get("note"):
        confirm = Choice("confirm_note", t("Submit with a note"))
    else:
        confirm = Choice("confirm", t("Submit"))
    return [confirm, *edits]


def _after_summary(ctx: Ctx, value: str) -> str:
    ctx.answers["_editing"] = True
    if value == "confirm":
        return "submit"
    if value == "confirm_note":
        return "note"
    return value.removeprefix("edit_")


def _entry(ctx: Ctx) -> str:
    return "load" if str(ctx.vars.get("arg", "")).startswith("fix:") else "begin"


def _load_args(ctx: Ctx) -> dict[str, Any]:
    return {"ref": str(ctx.vars["arg"]).removeprefix("fix:")}


def _after_load(ctx: Ctx, result: dict[str, Any]) -> str:
    """A returned report comes back at its summary, every answer editable."""
    if not result.get("ok"):
        return "cannot_fix"
    ctx.vars["begin"] = result["begin"]
    ctx.answers.update(result["answers"])
    ctx.answers["_editing"] = True
    return "summary"


def _cannot_fix(ctx: Ctx) -> str:
    result = ctx.vars["load"]
    return ctx.t(
        _CANNOT_FIX.get(result.get("reason", ""), _CANNOT_FIX["missing"]), ref=result.get("ref", "")
    )


_CANNOT_FIX = {
    "missing": N_("There is no report {ref} that you can correct."),
    "not_returned": N_("Report {ref} is not waiting for a correction."),
}


def _done(ctx: Ctx) -> str:
    result = ctx.vars["submit"]
    if needs_meeting(str(ctx.answers.get("kind"))):  # the hamlet's own meeting comes first
        sent = ctx.t(
            "Report sent. Reference number: {ref}. Next, the hamlet meeting considers it "
            "(/hopthon); then the commune reviews it, and you will get a message when it is "
            "decided.",
            ref=result["ref"],
        )
    else:
        sent = ctx.t(
            "Report sent. Reference number: {ref}. The commune will review it; you will get a "
            "message when it is decided.",
            ref=result["ref"],
        )
    due = result.get("period_report")
    if not due:
        return sent
    # A change report is not the period's report: without this, a hamlet that reported a
    # change reads as "not reported" to the commune, and the hamlet head does not know why.
    if due["sent"]:
        reminder = ctx.t(
            "Your period report for {period} was sent before this change; send it again to "
            "include it.",
            period=due["period_code"],
        )
    else:
        reminder = ctx.t(
            "Note: this is not the period report. By {deadline}, also send the period report "
            "for {period}, so the commune sees that your hamlet has reported.",
            deadline=ctx.t.date(datetime.fromisoformat(due["hamlet_deadline"])),
            period=due["period_code"],
        )
    return f"{sent}\n\n{reminder}"


def _done_choices(ctx: Ctx) -> list[Choice]:
    if not ctx.vars["submit"].get("period_report"):
        return []
    return [Choice("flow:period_report", ctx.t("Send the period report"))]


REPORT = flow(
    "report",
    N_("household change report"),
    [
        Step(
            "begin",
            "action",
            action="report.begin",
            next=lambda ctx, r: "kind" if r.get("ok") else "no_hamlet",
        ),
        Step("load", "action", action="report.load", args=_load_args, next=_after_load),
        Step("cannot_fix", "message", _cannot_fix),
        Step("kind", "choice", N_("What changed?"), choices=_kind_choices, next="find"),
        Step(
            "find",
            "text",
            _find_prompt,
            choices=_find_choices,
            next=_after_find,
            min_length=2,
            max_length=100,
            help=N_("Type part of the name, e.g. “nguyen van a”; accents are optional."),
        ),
        Step("search", "action", action="household.search", args=_search_args, next=_after_search),
        Step("pick", "choice", N_("Which household?"), choices=_pick_choices, next=_after_pick),
        Step(
            "new_name",
            "text",
            N_("Full name of the head of the new household?"),
            next="new_members",
            min_length=2,
            max_length=100,
        ),
        Step(
            "new_members",
            "number",
            N_("How many people live in the household?"),
            parse=count,
            next="new_dtts",
        ),
        Step(
            "new_dtts",
            "yesno",
            N_("Is the household of an ethnic minority (DTTS)?"),
            next=lambda ctx, v: after(ctx, "income"),
        ),
        Step(
            "income",
            "money",
            _income_prompt,
            parse=money,
            next=lambda ctx, v: after(
                ctx, "members" if ctx.answers.get("household") else "deprived"
            ),
            help=N_(
                "Count wages, farming, livestock, pensions and support received, minus production costs."
            ),
        ),
        Step(
            "members",
            "number",
            _members_prompt,
            choices=_members_choices,
            parse=count,
            next=lambda ctx, v: _members_value(ctx),
        ),
        deprived_step(lambda ctx, v: to_summary(ctx)),
        Step(
            "cause",
            "choice",
            N_("What is the main cause of poverty?"),
            choices=cause_choices,
            next="summary",
        ),
        Step("summary", "choice", _summary_prompt, choices=_summary_choices, next=_after_summary),
        NOTE_STEP,
        Step("submit", "action", action="report.submit", next="done"),
        Step("done", "message", _done, choices=_done_choices),
        Step(
            "no_hamlet",
            "message",
            N_("Your account is not attached to a hamlet. Ask your commune officer."),
        ),
    ],
    command="/baocao",
    ask_before_restart=True,
    aliases=("báo cáo",),
    roles=("hamlet_head",),
    in_menu=True,
    entry=_entry,
)
