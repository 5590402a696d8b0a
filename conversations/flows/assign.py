"""Commune officer: "Phân công giúp đỡ" (/phancong) — the poor and near-poor households no one
helps yet, and a supporter assigned to one of them (or to any household found by name)."""

from __future__ import annotations

from typing import Any

from conversations.flows.support_steps import (
    PAGE,
    household_label,
    household_steps,
    needs_line,
    refused,
    supporter_args,
    supporter_line,
    supporter_steps,
)
from conversations.model import Choice, Ctx, Step, flow, for_chat
from domain.digits import is_digits
from domain.i18n import N_


def _arg_household(ctx: Ctx) -> int | None:
    arg = str(ctx.vars.get("arg") or "").strip()
    return int(arg) if is_digits(arg) and len(arg) < 10 else None


def _after_begin(ctx: Ctx, result: dict[str, Any]) -> str:
    if not result.get("ok"):
        return "no_commune"
    if _arg_household(ctx) is not None:
        ctx.vars["target"] = _arg_household(ctx)
        return "load"
    return "list"


def _list_prompt(ctx: Ctx) -> str:
    listing, t = ctx.vars["list"], ctx.t
    if not listing["total"]:
        return t(
            "Every poor and near-poor household of {commune} has a helper ({n} households).",
            commune=ctx.vars["begin"]["unit_name"],
            n=listing["households"],
        )
    return t(
        "Poor and near-poor households with no helper: {n} of {total}. Which one should get a "
        "helper?",
        n=listing["total"],
        total=listing["households"],
    )


def _list_choices(ctx: Ctx) -> list[Choice]:
    listing, t = ctx.vars["list"], ctx.t
    out = [Choice(str(h["id"]), household_label(ctx, h)) for h in listing["items"]]
    if PAGE * (ctx.vars.get("page", 0) + 1) < listing["total"]:
        out.append(Choice("_more", t("More")))
    out += [Choice("_find", t("Find another household")), Choice("_close", t("Close"))]
    return out


def _after_list(ctx: Ctx, value: str) -> str:
    if value == "_more":
        ctx.vars["page"] = ctx.vars.get("page", 0) + 1
        return "list"
    if value == "_find":
        ctx.vars.pop("search", None)
        return "find"
    if value == "_close":
        return "closed"
    ctx.vars["target"] = int(value)
    return "load"


def _after_household(ctx: Ctx, item: dict[str, Any]) -> str:
    ctx.vars["target"] = item["id"]
    return "load"


def _after_load(ctx: Ctx, result: dict[str, Any]) -> str:
    if not result.get("ok"):
        return "refused"
    ctx.answers["household"] = result["household"]
    return "supporter"


def _supporter_prompt(ctx: Ctx) -> str:
    r, t = ctx.vars["load"], ctx.t
    lines = [t("Household: {label}", label=household_label(ctx, r["household"]))]
    if r["helpers"]:
        lines.append(t("Helped by: {names}", names=", ".join(r["helpers"])))
    if r["open"]:
        lines.append(t("Needs nobody addresses: {needs}", needs=needs_line(ctx, r)))
    lines.append(
        t(
            for_chat(
                ctx,
                N_(
                    "Who will help this household? Press one of the commune's supporters or type "
                    "the name of a new one."
                ),
                N_(
                    "Who will help this household? Type the number of one of the commune's "
                    "supporters, or the name of a new one."
                ),
            )
        )
    )
    return "\n".join(lines)


def _confirm_prompt(ctx: Ctx) -> str:
    h = ctx.answers["household"]
    return "\n".join(
        [
            supporter_line(ctx),
            ctx.t(
                "Assign this supporter to help {name} ({code})?",
                name=h["head_name"],
                code=h["code"],
            ),
        ]
    )


def _done(ctx: Ctx) -> str:
    r, h, t = ctx.vars["assign"], ctx.answers["household"], ctx.t
    who = {"supporter": r["supporter"], "name": h["head_name"], "code": h["code"]}
    if r.get("created"):
        lines = [t("{supporter} now helps {name} ({code}).", **who)]
    else:
        lines = [t("{supporter} was already helping {name} ({code}).", **who)]
    if r.get("new_supporter"):
        lines.append(t("{name} was added to the commune's supporters.", name=r["supporter"]))
    lines.append(t("Type /phancong to assign another helper."))
    return "\n".join(lines)


ASSIGN = flow(
    "assign",
    N_("helper assignment"),
    [
        Step("begin", "action", action="support.begin", next=_after_begin),
        Step(
            "list",
            "action",
            action="assign.list",
            args=lambda ctx: {"limit": PAGE, "offset": PAGE * ctx.vars.get("page", 0)},
            next=lambda ctx, r: "pick_list",
        ),
        Step("pick_list", "choice", _list_prompt, choices=_list_choices, next=_after_list),
        *household_steps(_after_household),
        Step(
            "load",
            "action",
            action="assign.household",
            args=lambda ctx: {"household_id": ctx.vars["target"]},
            next=_after_load,
        ),
        *supporter_steps(_supporter_prompt, "confirm"),
        Step(
            "confirm",
            "yesno",
            _confirm_prompt,
            next=lambda ctx, v: "assign" if v else "supporter",
        ),
        Step(
            "assign",
            "action",
            action="assign.save",
            args=supporter_args,
            next=lambda ctx, r: "done" if r.get("ok") else "refused_save",
        ),
        Step("done", "message", _done),
        Step("refused", "message", lambda ctx: refused(ctx, "load")),
        Step("refused_save", "message", lambda ctx: refused(ctx, "assign")),
        Step("closed", "message", N_("Closed. Type /phancong to see it again.")),
        Step(
            "no_commune",
            "message",
            N_("Your account is not attached to a commune. Ask the administrator."),
        ),
    ],
    command="/phancong",
    aliases=("phân công",),
    roles=("officer",),
    in_menu=True,
)
