"""Which household: the head's name as typed, matched against the hamlet's register.

One household: it is taken (the name as the register spells it). Several: how many members,
then the phone number the hamlet holds. None, or still several: recorded as typed, and the
commune officer looks it up. Shared by /thoatngheo and /denghi; each names its match action and
the step after. Answers: `name`, `household` (when matched), `which_members`, `phone`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conversations.flows.assess import count
from conversations.flows.place import check_name
from conversations.model import Choice, Ctx, Step, Text
from domain.i18n import N_


def refuse(ctx: Ctx, result: dict[str, Any]) -> str:
    """End at the flow's "refused" step, which explains `vars["refusal"]`."""
    ctx.vars["refusal"] = result
    return "refused"


def _after_name(ctx: Ctx, value: str) -> str:
    for key in ("household", "which_members", "phone"):
        ctx.answers.pop(key, None)
    return "match"


def _match_args(ctx: Ctx) -> dict[str, Any]:
    a = ctx.answers
    return {
        "name": a["name"],
        "members": a.get("which_members"),
        "phone": a.get("phone") if a.get("phone") != "skip" else None,
        "editing": (ctx.vars.get("fix") or {}).get("ref"),  # its own request is no obstacle
    }


def _which_members_prompt(ctx: Ctx) -> str:
    return ctx.t(
        "Several households in {hamlet} have the name {name}. "
        "How many people live in your household?",
        hamlet=ctx.vars["begin"]["hamlet_name"],
        name=ctx.answers["name"],
    )


def _after_which_members(ctx: Ctx, value: int) -> str:
    ctx.answers["members"] = value
    return "match"


def _after_phone(ctx: Ctx, value: str) -> str:
    if value == "skip":
        ctx.answers.pop("household", None)
        return "unmatched"
    return "match"


def name_steps(
    *, action: str, then: Callable[[Ctx], str], unmatched: Text, help: Text
) -> list[Step]:
    """Steps name, match, which_members, which_phone, unmatched; then `then(ctx)`. The match
    action answers {"status": "one" | "several" | "none" | <a refusal>, "household": …}."""

    def after_match(ctx: Ctx, r: dict[str, Any]) -> str:
        if r["status"] not in ("one", "several", "none"):
            return refuse(ctx, r)
        if r["status"] == "one":
            ctx.answers["household"] = r["household"]
            ctx.answers["name"] = r["household"]["head_name"]  # as the register spells it
            return then(ctx)
        ctx.answers.pop("household", None)
        if r["status"] == "several":
            return "which_phone" if "which_members" in ctx.answers else "which_members"
        return "unmatched"

    return [
        Step(
            "name",
            "text",
            N_("What is the full name of the head of your household?"),
            check=check_name,
            next=_after_name,
            min_length=2,
            max_length=100,
            help=help,
        ),
        Step("match", "action", action=action, args=_match_args, next=after_match),
        Step(
            "which_members",
            "number",
            _which_members_prompt,
            parse=count,
            next=_after_which_members,
        ),
        Step(
            "which_phone",
            "phone",
            N_("Still several. Type the phone number the hamlet has for your household."),
            choices=lambda ctx: [Choice("skip", ctx.t("I do not know"))],
            save="phone",
            next=_after_phone,
        ),
        Step("unmatched", "message", unmatched, next=lambda ctx, v: then(ctx)),
    ]
