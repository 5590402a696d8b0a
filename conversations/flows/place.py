"""Where a household lives, found by typing: the commune (searched by name), then its hamlet.

Shared by the flows open without an invite (/thoatngheo, /denghi, /phananh). The actions are the
exit registration's (`exit.communes`, `exit.hamlets`), open to anyone. Answers: `commune` (what
was typed), `commune_id`, `hamlet` (the hamlet's id as a string)."""

from __future__ import annotations

from typing import Any

from conversations.model import Choice, Ctx, Invalid, Router, Step
from domain.i18n import N_


def _commune_prompt(ctx: Ctx) -> str:
    found = ctx.vars.get("communes") or {}
    t = ctx.t
    ask = t("Which commune or ward do you live in? Type its name, e.g. Gia Viễn.")
    if found and not found.get("total"):
        return t("No commune or ward matches “{query}”.", query=found["query"]) + "\n" + ask
    if found.get("total", 0) > len(found.get("items", ())):  # too many to offer as buttons
        return (
            t(
                "“{query}” matches {n} communes. Please type more of the name.",
                query=found["query"],
                n=found["total"],
            )
            + "\n"
            + ask
        )
    return ask


def _commune_choices(ctx: Ctx) -> list[Choice]:
    items = ctx.vars["communes"]["items"]
    out = [
        Choice(str(c["id"]), f"{c['name']}, {c['parent']}" if c["parent"] else c["name"])
        for c in items
    ]
    return [*out, Choice("_again", ctx.t("Search again"))]


def commune_steps(then: str) -> list[Step]:
    """Type the commune, pick among a few matches; then `then` with `commune_id` answered."""

    def after_communes(ctx: Ctx, r: dict[str, Any]) -> str:
        if not r["total"] or r["total"] > len(r["items"]):
            return "commune"
        if r["total"] == 1:
            ctx.answers["commune_id"] = r["items"][0]["id"]
            return then
        return "commune_pick"

    def after_pick(ctx: Ctx, value: str) -> str:
        if value == "_again":
            return "commune"
        ctx.answers["commune_id"] = int(value)
        return then

    return [
        Step(
            "commune",
            "text",
            _commune_prompt,
            next="communes",
            min_length=2,
            max_length=100,
            help=N_("Type the name of your commune or ward; accents are optional, e.g. gia vien."),
        ),
        Step(
            "communes",
            "action",
            action="exit.communes",
            args=lambda ctx: {"query": ctx.answers["commune"]},
            next=after_communes,
        ),
        Step(
            "commune_pick",
            "choice",
            N_("Which of these is your commune or ward?"),
            choices=_commune_choices,
            next=after_pick,
        ),
    ]


def _hamlet_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(str(h["id"]), h["name"]) for h in ctx.vars["hamlets"]["items"]]


def hamlet_steps(then: Router, *, none: str = "no_hamlets") -> list[Step]:
    """The commune's hamlets as buttons; `none` when it has none in ChungTay."""
    return [
        Step(
            "hamlets",
            "action",
            action="exit.hamlets",
            args=lambda ctx: {"commune_id": ctx.answers["commune_id"]},
            next=lambda ctx, r: "hamlet" if r["items"] else none,
        ),
        Step(
            "hamlet",
            "choice",
            N_("Which hamlet (thôn, xóm, bản, tổ dân phố) do you live in?"),
            choices=_hamlet_choices,
            next=then,
        ),
    ]


NO_HAMLETS = Step(
    "no_hamlets",
    "message",
    N_("This commune has no hamlets in ChungTay yet. Please contact the commune office."),
)


def check_name(ctx: Ctx, value: str) -> None:
    """A person's full name: letters, at least two of them, no digits."""
    if any(c.isdigit() for c in value) or sum(c.isalpha() for c in value) < 2:
        raise Invalid(N_("Please type the full name of the head of household, e.g. Nguyễn Văn An."))
