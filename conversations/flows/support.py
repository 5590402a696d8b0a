"""Hamlet head or commune officer: "Ghi nhận hỗ trợ" (/hotro) — who gave a household what, when.

household -> supporter (a button, or a new one typed by name, then its kind) -> kind of support
-> value in đồng (skipped where none applies) -> date -> confirm -> saved on the timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.flows.support_steps import (
    household_steps,
    refused,
    support_kind_label,
    supporter_args,
    supporter_line,
    supporter_steps,
)
from conversations.model import Choice, Ctx, Invalid, Step, chat_text, flow, for_chat
from domain.calendar import parse_day
from domain.i18n import N_
from domain.money import MSG_NEGATIVE, MSG_TOO_LARGE, ParseError, parse_money
from domain.support import MAX_VALUE, refusal, support_data

SKIP = "skip"
# The date steps are "number" steps (digits and slashes are the answer): Today is "a" on Zalo.
BAD_DAY = N_("Type the date as day/month/year, e.g. 30/11/2026, or press Today.")
BAD_DAY_TYPED = N_("Type the date as day/month/year, e.g. 30/11/2026, or type a for Today.")


def _rule(ctx: Ctx) -> str:
    return support_data().support_kind(ctx.answers["kind"]).value


def _editing(ctx: Ctx, default: str) -> str:
    return "summary" if ctx.answers.get("_editing") else default


def _after_household(ctx: Ctx, item: dict[str, Any]) -> str:
    return _editing(ctx, "supporter")


def _after_supporter(ctx: Ctx, value: Any) -> str:
    return _editing(ctx, "kind")


def _kind_prompt(ctx: Ctx) -> str:
    return ctx.t(
        "What did {name} receive?",
        name=ctx.answers["household"]["head_name"],
    )


def _kind_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(k.code, k.name(ctx.t.locale)) for k in support_data().support_kinds]


def _after_kind(ctx: Ctx, value: str) -> str:
    rule, a = _rule(ctx), ctx.answers
    if rule == "none":
        a["value"] = None
        return _editing(ctx, "day")
    if a.get("_editing") and "value" in a and (a["value"] is not None or rule == "optional"):
        return "summary"
    return "value"


def _value_prompt(ctx: Ctx) -> str:
    kind = support_kind_label(ctx, ctx.answers["kind"])
    if _rule(ctx) == "required":
        return ctx.t(
            "How much is it ({kind}), in đồng? For example 1.500.000, 1,5 triệu or 1tr5.",
            kind=kind,
        )
    return ctx.t(
        for_chat(
            ctx,
            N_(
                "What is it worth ({kind}), in đồng? For example 1.500.000 or 1tr5. Press Skip "
                "if the value is not known."
            ),
            N_(
                "What is it worth ({kind}), in đồng? For example 1.500.000 or 1tr5. Type a to "
                "skip if the value is not known."
            ),
        ),
        kind=kind,
    )


def _value_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(SKIP, ctx.t("Skip"))] if _rule(ctx) == "optional" else []


def _value(text: str) -> int:
    try:
        amount = parse_money(text)
    except ParseError as exc:
        if exc.reason_msgid in (MSG_NEGATIVE, MSG_TOO_LARGE):
            raise Invalid(N_("Please type an amount above 0 and at most 2 tỷ đồng.")) from None
        raise
    if not 0 < amount <= MAX_VALUE:
        raise Invalid(N_("Please type an amount above 0 and at most 2 tỷ đồng."))
    return amount


def _after_value(ctx: Ctx, value: int | str) -> str:
    if value == SKIP:
        ctx.answers["value"] = None
    return _editing(ctx, "day")


def _today(ctx: Ctx) -> date:
    return date.fromisoformat(ctx.vars["begin"]["today"])  # in Hà Nội


def _day_shape(raw: str) -> str:
    """A typed date's shape (its year may be left out: resolved against today by the check)."""
    if parse_day(raw, date(2000, 1, 1)) is None and parse_day(raw, date(2000, 3, 1)) is None:
        raise Invalid(BAD_DAY, typed=BAD_DAY_TYPED)
    return raw.strip()


def _check_day(ctx: Ctx, value: str) -> None:
    today = _today(ctx)
    day = today if value == "today" else parse_day(value, today)
    if day is None:
        raise Invalid(BAD_DAY, typed=BAD_DAY_TYPED)
    if day > today:
        raise Invalid(N_("The date cannot be in the future."))
    if refusal(ctx.answers["kind"], None, day, today) == "date_too_old":
        raise Invalid(N_("That date is more than 5 years ago."))
    ctx.answers["given_on"] = day.isoformat()


def _summary_prompt(ctx: Ctx) -> str:
    t, a = ctx.t, ctx.answers
    h = a["household"]
    value = a.get("value")
    lines = [
        t("Please check the support:"),
        t("Household: {name} ({code})", name=h["head_name"], code=h["code"]),
        supporter_line(ctx),
        t("Support: {kind}", kind=support_kind_label(ctx, a["kind"])),
        t("Value: {value}", value=t.money(value) if value is not None else "—"),
        t("Date: {date}", date=t.date(date.fromisoformat(a["given_on"]))),
    ]
    return "\n".join(lines)


def _summary_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    out = [
        Choice("save", t("Save")),
        Choice("edit_kind", t("Change the kind")),
    ]
    if _rule(ctx) != "none":
        out.append(Choice("edit_value", t("Change the value")))
    out += [
        Choice("edit_day", t("Change the date")),
        Choice("edit_supporter", t("Change supporter")),
    ]
    return out


def _after_summary(ctx: Ctx, value: str) -> str:
    ctx.answers["_editing"] = True
    return "save" if value == "save" else value.removeprefix("edit_")


def _save_args(ctx: Ctx) -> dict[str, Any]:
    a = ctx.answers
    return {
        **supporter_args(ctx),
        "kind": a["kind"],
        "value": a.get("value"),
        "given_on": a["given_on"],
    }


def _done(ctx: Ctx) -> str:
    r, a, t = ctx.vars["save"], ctx.answers, ctx.t
    lines = [
        t(
            "Saved: {kind} from {supporter} for {name} ({code}), {date}. It is on the "
            "household's timeline.",
            kind=support_kind_label(ctx, a["kind"]),
            supporter=r["supporter"],
            name=a["household"]["head_name"],
            code=a["household"]["code"],
            date=t.date(date.fromisoformat(a["given_on"])),
        )
    ]
    if r.get("new_supporter"):
        lines.append(t("{name} was added to the commune's supporters.", name=r["supporter"]))
    return "\n".join(lines)


SUPPORT = flow(
    "support",
    N_("support record"),
    [
        Step(
            "begin",
            "action",
            action="support.begin",
            next=lambda ctx, r: "find" if r.get("ok") else "no_unit",
        ),
        *household_steps(_after_household),
        *supporter_steps(
            chat_text(
                N_(
                    "Who gave the support? Press one of the commune's supporters or type the "
                    "name of a new one."
                ),
                N_(
                    "Who gave the support? Type the number of one of the commune's supporters, "
                    "or the name of a new one."
                ),
            ),
            _after_supporter,
        ),
        Step("kind", "choice", _kind_prompt, choices=_kind_choices, next=_after_kind),
        Step(
            "value",
            "money",
            _value_prompt,
            choices=_value_choices,
            parse=_value,
            next=_after_value,
            help=N_("Type the amount in đồng: 1.500.000, 1,5 triệu, 1tr5 or 1500k."),
        ),
        Step(
            "day",
            "number",  # digits and slashes are the answer here, not a button's number
            chat_text(
                N_("When was it given? Press Today or type the date, e.g. 20/11/2026."),
                N_("When was it given? Type the date, e.g. 20/11/2026, or type a for Today."),
            ),
            choices=lambda ctx: [Choice("today", ctx.t("Today"))],
            parse=_day_shape,
            check=_check_day,
            next=lambda ctx, v: "summary",
        ),
        Step("summary", "choice", _summary_prompt, choices=_summary_choices, next=_after_summary),
        Step(
            "save",
            "action",
            action="support.record",
            args=_save_args,
            next=lambda ctx, r: "done" if r.get("ok") else "refused",
        ),
        Step("done", "message", _done),
        Step("refused", "message", lambda ctx: refused(ctx, "save")),
        Step(
            "no_unit",
            "message",
            N_("Your account is not attached to a hamlet or a commune. Ask your commune officer."),
        ),
    ],
    command="/hotro",
    aliases=("hỗ trợ",),
    roles=("hamlet_head", "officer"),
    in_menu=True,
    ask_before_restart=True,
)
