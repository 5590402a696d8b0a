"""Onboarding: /start CODE links a chat to an invited person; /me tells who you are."""

from __future__ import annotations

from typing import Any

from conversations.model import Choice, Ctx, Invalid, Step, flow, for_chat
from domain.codes import find_code, looks_like_code, normalize_code
from domain.i18n import N_

ROLE_LABELS = {
    "hamlet_head": N_("hamlet head"),
    "officer": N_("commune officer"),
    "admin": N_("administrator"),
    "household": N_("household"),
}
UNKNOWN_ROLE = N_("unknown role")


def role_label(ctx: Ctx, role: str | None) -> str:
    return ctx.t(ROLE_LABELS.get(role or "", UNKNOWN_ROLE))


def unit_label(unit: str | None, parent: str | None) -> str:
    return f"{unit}, {parent}" if unit and parent else unit or ""


def _entry(ctx: Ctx) -> str:
    if ctx.user.get("linked"):
        return "already"
    return "check" if ctx.vars.get("arg") else "welcome"


def _welcome_choices(ctx: Ctx) -> list[Choice]:
    return [
        Choice("code", ctx.t("I have an invite code")),
        Choice("household", ctx.t("I am a household")),
        Choice("how", ctx.t("How do I get a code?")),
    ]


_WELCOME_NEXT = {"code": "ask_code", "household": "household", "how": "how"}


def _code_or_choice(text: str) -> str:
    """The README promises that the code alone works: typed at the welcome, it is tried."""
    if looks_like_code(text):
        return text
    raise Invalid(N_("Please choose one of the options, or type your invite code."))


def _welcome_next(ctx: Ctx, value: Any) -> str:
    if value in _WELCOME_NEXT:
        return _WELCOME_NEXT[value]
    ctx.answers["code"] = value
    return "check"


_REJECTED = {
    "invalid": N_("The code {code} is not valid. Check it and type it again."),
    "expired": N_("The code {code} has expired. Ask your commune officer for a new one."),
    "used": N_("The code {code} has already been used. Each code works only once."),
}


def _ask_code_prompt(ctx: Ctx) -> str:
    check = ctx.vars.get("check") or {}
    ask = ctx.t("Please type your invite code (8 characters, for example ABCD-EFGH).")
    rejected = _REJECTED.get(check.get("status", ""))
    if rejected:
        return ctx.t(rejected, code=check.get("code", "")) + "\n" + ask
    return ask


def _check_args(ctx: Ctx) -> dict[str, Any]:
    typed = str(ctx.answers.get("code") or ctx.vars.get("arg") or "")
    found = find_code(typed)
    if found is None or found == normalize_code(typed):
        return {"code": typed}  # the code alone: checked (and echoed) as typed
    return {"code": f"{found[:4]}-{found[4:]}"}  # the code inside a sentence


def _after_check(ctx: Ctx, result: dict[str, Any]) -> str:
    status = result.get("status")
    if status == "ok":
        return "confirm"
    if status == "cooldown":
        return "cooldown"
    return "ask_code"


def _after_redeem(ctx: Ctx, result: dict[str, Any]) -> str:
    if result.get("status") == "ok":
        return "greeted"
    # Used up or expired between the check and the confirmation: explain and ask again.
    ctx.vars["check"] = result
    return "ask_code"


def _confirm_prompt(ctx: Ctx) -> str:
    check = ctx.vars["check"]
    return ctx.t(
        "This code is for {name}, {role} of {unit}. Is that you?",
        name=check.get("name") or ctx.t("(no name given)"),
        role=role_label(ctx, check.get("role")),
        unit=unit_label(check.get("unit_name"), check.get("parent_name")),
    )


def _greeting(ctx: Ctx) -> str:
    linked = ctx.vars["redeem"]
    return ctx.t(
        "Welcome, {name}! You are now linked as {role} of {unit}. Type /help at any time.",
        name=linked.get("name"),
        role=role_label(ctx, linked.get("role")),
        unit=unit_label(linked.get("unit_name"), linked.get("parent_name")),
    )


def _household_text(ctx: Ctx) -> str:
    t = ctx.t
    # On Zalo the choices below are numbered: 1 registers the exit, 2 asks to be reviewed.
    return "\n".join(
        (
            t(
                for_chat(
                    ctx,
                    N_(
                        "Households can register here to exit poverty (Đăng ký thoát nghèo) and "
                        "follow the request. No code is needed: press the button or type "
                        "/thoatngheo."
                    ),
                    N_(
                        "Households can register here to exit poverty (Đăng ký thoát nghèo) and "
                        "follow the request. No code is needed: type 1 or /thoatngheo."
                    ),
                )
            ),
            t(
                for_chat(
                    ctx,
                    N_(
                        "A household in difficulty can also ask to be reviewed as poor or "
                        "near-poor (Mẫu 01): press “Ask to be reviewed” or type /denghi."
                    ),
                    N_(
                        "A household in difficulty can also ask to be reviewed as poor or "
                        "near-poor (Mẫu 01): type 2 or /denghi."
                    ),
                )
            ),
        )
    )


def _describe(ctx: Ctx) -> str:
    u = ctx.user
    if not u.get("linked"):
        return ctx.t(
            "This chat is not linked to anyone yet. Send /start followed by your invite code."
        )
    return ctx.t(
        "You are {name}, {role} of {unit}.",
        name=u.get("name"),
        role=role_label(ctx, u.get("role")),
        unit=unit_label(u.get("unit_name"), u.get("parent_name")),
    )


ONBOARDING = flow(
    "onboarding",
    N_("account linking"),
    [
        Step(
            "welcome",
            "text",  # a choice, or the invite code typed straight away
            N_(
                "Welcome to ChungTay, the poverty-reduction reporting assistant. "
                "Hamlet heads and commune officers link their account with an invite code."
            ),
            choices=_welcome_choices,
            parse=_code_or_choice,
            next=_welcome_next,
            max_length=80,
            help=N_("Choose 'I have an invite code' if your commune officer gave you a code."),
        ),
        Step(
            "ask_code",
            "text",
            _ask_code_prompt,
            save="code",
            next="check",
            min_length=4,
            max_length=80,
            help=N_("The invite code comes from your commune officer, on paper or by message."),
        ),
        Step("check", "action", action="invite.check", args=_check_args, next=_after_check),
        Step(
            "confirm",
            "yesno",
            _confirm_prompt,
            next=lambda ctx, yes: "redeem" if yes else "not_me",
            help=N_("Answer Yes if the name and unit are yours."),
        ),
        Step("redeem", "action", action="invite.redeem", args=_check_args, next=_after_redeem),
        Step("greeted", "message", _greeting),
        Step(
            "not_me",
            "message",
            N_("Nothing was linked. If the code is not yours, ask your commune officer."),
        ),
        Step(
            "cooldown",
            "message",
            lambda ctx: ctx.t(
                "Too many wrong codes. Please wait {minutes} minutes and try again.",
                minutes=ctx.vars["check"].get("minutes", 60),
            ),
        ),
        Step(
            "household",
            "message",
            _household_text,
            # Buttons naming a flow start it once this one has ended (the engine's flow:<id>).
            choices=lambda ctx: [
                Choice("flow:exit", ctx.t("Register to exit poverty")),
                Choice("flow:request", ctx.t("Ask to be reviewed")),
                Choice("flow:status", ctx.t("See my registration")),
            ],
        ),
        Step(
            "how",
            "message",
            N_(
                "Invite codes are given by the commune officer in charge of poverty reduction. "
                "Ask them for a code, then send /start followed by the code."
            ),
        ),
        Step("already", "message", _describe),
    ],
    command="/start",
    aliases=("bắt đầu",),
    entry=_entry,
    matches=looks_like_code,
)


# The stranger's menu entry: straight to the code (a code typed alone or in a sentence works
# from anywhere too). Onboarding's own steps from "ask_code" on; the welcome's are not reached.
JOIN = flow(
    "join",
    N_("I have an invite code"),
    [ONBOARDING.step("ask_code"), *(s for s in ONBOARDING.steps.values() if s.id != "ask_code")],
    roles=("",),
    in_menu=True,
)


WHOAMI = flow(
    "whoami",
    N_("who am I"),
    [Step("describe", "message", _describe)],
    command="/me",
    aliases=("tôi là ai", "/toilaai"),
    in_menu=True,
    instant=True,
)
