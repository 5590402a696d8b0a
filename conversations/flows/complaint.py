"""Complaints during the public posting (/phananh, "phản ánh"), QĐ 24/2021 Điều 4 khoản 4.

Anyone, linked or not, picks a household on the list a commune posts and says what is wrong;
a chat with no role also says which hamlet it lives in and its name, and becomes a household
person so the answer reaches it. A commune officer typing /phananh answers instead
(complaint_answer.py). The posted list is public by law: only names, hamlets and the proposed
class are shown."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.flows.assess import class_label
from conversations.flows.complaint_answer import OFFICER_STEPS, officer_entry
from conversations.flows.place import NO_HAMLETS, commune_steps, hamlet_steps
from conversations.model import Choice, Ctx, Invalid, Step, chat_text, flow
from domain.i18n import N_, fold

PAGE = 8
MIN_LETTERS = 10


def _entry(ctx: Ctx) -> str:
    return officer_entry(ctx) if ctx.user.get("role") == "officer" else "start"


def _after_start(ctx: Ctx, r: dict[str, Any]) -> str:
    if r["status"] == "known":
        ctx.answers["commune_id"] = r["commune_id"]
        return "posted"
    if r["status"] == "new":
        return "intro"
    ctx.vars["refusal"] = r
    return "refused"


# -- the posted list ------------------------------------------------------------------------------


def _after_posted(ctx: Ctx, r: dict[str, Any]) -> str:
    ctx.vars["page"], ctx.vars["query"] = 0, ""
    return "pick" if r["ok"] else "no_posting"


def _shown(ctx: Ctx) -> list[dict[str, Any]]:
    """The posted households matching what was typed (all of them before anything was)."""
    items = ctx.vars["posted"]["items"]
    query = ctx.vars.get("query") or ""
    return [i for i in items if query in i["key"]] if query else items


def _pick_prompt(ctx: Ctx) -> str:
    t, posted = ctx.t, ctx.vars["posted"]
    text = t(
        "The list posted by {commune} until {date} has {n} households. Which one is your "
        "complaint about? Choose it, or type part of the name.",
        commune=posted["commune_name"],
        date=t.date(date.fromisoformat(posted["posting_ends_on"])),
        n=len(posted["items"]),
    )
    if ctx.vars.get("query"):
        text += "\n" + t(
            "Households named “{query}”: {n}.", query=ctx.vars["query"], n=len(_shown(ctx))
        )
    return text


def _pick_choices(ctx: Ctx) -> list[Choice]:
    t, shown, page = ctx.t, _shown(ctx), ctx.vars.get("page", 0)
    out = [
        Choice(i["ref"], f"{i['name']}, {i['hamlet']} · {class_label(ctx, i['klass'])}")
        for i in shown[PAGE * page : PAGE * (page + 1)]
    ]
    if PAGE * (page + 1) < len(shown):
        out.append(Choice("_more", t("More")))
    if page:
        out.append(Choice("_first", t("First page")))
    if ctx.vars.get("query"):
        out.append(Choice("_all", t("Show the whole list")))
    return out


def _matches(ctx: Ctx, typed: str) -> list[dict[str, Any]]:
    key = fold(typed)
    items = ctx.vars["posted"]["items"]
    return [i for i in items if i["ref"].lower() == key] or [i for i in items if key in i["key"]]


def _check_pick(ctx: Ctx, value: str) -> None:
    refs = {i["ref"] for i in ctx.vars["posted"]["items"]}
    if value in refs or value in ("_more", "_first", "_all") or _matches(ctx, value):
        return
    raise Invalid(
        N_("No household named “{query}” is on the posted list. Choose one or type another name."),
        query=value,
    )


def _after_pick(ctx: Ctx, value: str) -> str:
    if value in ("_more", "_first", "_all"):
        ctx.vars["page"] = ctx.vars.get("page", 0) + 1 if value == "_more" else 0
        if value == "_all":
            ctx.vars["query"] = ""
        return "pick"
    found = [i for i in ctx.vars["posted"]["items"] if i["ref"] == value] or _matches(ctx, value)
    if len(found) > 1:  # typed part of a name several households share: narrow the list
        ctx.vars["query"], ctx.vars["page"] = fold(value), 0
        return "pick"
    ctx.answers["household"] = {k: found[0][k] for k in ("ref", "name", "hamlet")}
    return "summary" if ctx.answers.get("_editing") else "text"


# -- what is wrong, who sends it ----------------------------------------------------------------


def _text_prompt(ctx: Ctx) -> str:
    return ctx.t(
        "What is your complaint about {name} ({hamlet})? Say what you know, e.g. the "
        "household's real income or living conditions (at most 1,000 characters).",
        name=ctx.answers["household"]["name"],
        hamlet=ctx.answers["household"]["hamlet"],
    )


def _check_text(ctx: Ctx, value: str) -> None:
    if sum(ch.isalpha() for ch in value) < MIN_LETTERS:
        raise Invalid(
            N_("Please say a little more, at least {n} letters, so the commune can check it."),
            n=MIN_LETTERS,
        )


def _after_text(ctx: Ctx, value: str) -> str:
    if ctx.answers.get("_editing") or ctx.vars["start"].get("linked"):
        return "summary"
    return "hamlets"


def _check_sender(ctx: Ctx, value: str) -> None:
    if any(c.isdigit() for c in value) or sum(c.isalpha() for c in value) < 2:
        raise Invalid(N_("Please type your full name, e.g. Nguyễn Văn An."))


def _summary_prompt(ctx: Ctx) -> str:
    t, a = ctx.t, ctx.answers
    lines = [
        t("Please check your complaint:"),
        t(
            "About: {name} ({hamlet}), on the list posted by {commune}",
            name=a["household"]["name"],
            hamlet=a["household"]["hamlet"],
            commune=ctx.vars["posted"]["commune_name"],
        ),
        t("Complaint: {text}", text=a["text"]),
    ]
    if a.get("sender_name"):
        lines.append(t("Sent by: {sender}", sender=a["sender_name"]))
    lines.append(
        t("The commune officer reads it and answers you here; your name is not made public.")
    )
    return "\n".join(lines)


def _summary_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    return [
        Choice("send", t("Send the complaint")),
        Choice("text", t("Change the complaint")),
        Choice("pick", t("Choose another household")),
    ]


def _after_summary(ctx: Ctx, value: str) -> str:
    ctx.answers["_editing"] = True
    return "submit" if value == "send" else value


def _after_submit(ctx: Ctx, r: dict[str, Any]) -> str:
    if r["status"] == "ok":
        return "done"
    ctx.vars["refusal"] = r
    return "refused"


REFUSALS = {
    "limited": N_(
        "This chat has already sent {limit} complaints in the last 24 hours. "
        "Please try again in {hours} hours."
    ),
    "duplicate": N_(
        "You have already sent complaint {ref} about this household; the commune is examining "
        "it and will answer you here."
    ),
    "posting_over": N_("The posting has ended: complaints about this list can no longer be sent."),
}


def _refused(ctx: Ctx) -> str:
    r = ctx.vars["refusal"]
    msgid = REFUSALS.get(
        r.get("status", ""), N_("This household is no longer on a posted list. Nothing was sent.")
    )
    return ctx.t(msgid, **{k: v for k, v in r.items() if k in ("limit", "hours", "ref")})


COMPLAINT = flow(
    "complaint",
    N_("complaint about the posted list"),
    [
        Step("start", "action", action="complaint.start", next=_after_start),
        Step(
            "intro",
            "message",
            N_(
                "Complaint about the posted list (phản ánh): while a commune posts its list of "
                "poor and near-poor households, anyone may say that a household on it should "
                "not be there, or not in that class. The commune officer answers you here."
            ),
            next="commune",
        ),
        *commune_steps("posted"),
        Step(
            "posted",
            "action",
            action="complaint.posted",
            args=lambda ctx: {"commune_id": ctx.answers["commune_id"]},
            next=_after_posted,
        ),
        Step(
            "pick",
            "text",
            _pick_prompt,
            choices=_pick_choices,
            check=_check_pick,
            next=_after_pick,
            min_length=2,
            max_length=100,
            help=chat_text(
                N_("Press a household, or type part of its head's name, e.g. Hoa."),
                N_("Type the number of a household, or part of its head's name, e.g. Hoa."),
            ),
        ),
        Step(
            "text",
            "text",
            _text_prompt,
            check=_check_text,
            next=_after_text,
            min_length=MIN_LETTERS,
            max_length=1000,
        ),
        *hamlet_steps("sender_name"),
        Step(
            "sender_name",
            "text",
            N_(
                "What is your full name? The commune officer needs it to answer you; it is not "
                "made public."
            ),
            check=_check_sender,
            next="summary",
            min_length=2,
            max_length=100,
        ),
        Step("summary", "choice", _summary_prompt, choices=_summary_choices, next=_after_summary),
        Step("submit", "action", action="complaint.submit", next=_after_submit),
        Step(
            "done",
            "message",
            lambda ctx: ctx.t(
                "Complaint sent. Reference number: {ref}. The commune officer will answer you "
                "here; the commune decides only after every complaint is answered.",
                ref=ctx.vars["submit"]["ref"],
            ),
        ),
        Step("refused", "message", _refused),
        Step(
            "no_posting",
            "message",
            lambda ctx: ctx.t(
                "{commune} has no list posted publicly today. Complaints can be sent only while "
                "a list is posted.",
                commune=ctx.vars["posted"]["commune_name"] or ctx.answers.get("commune", ""),
            ),
        ),
        NO_HAMLETS,
        *OFFICER_STEPS,
    ],
    command="/phananh",
    aliases=("phản ánh",),
    entry=_entry,
    ask_before_restart=True,
    in_menu=True,
)
