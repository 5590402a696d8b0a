"""What the support flows share (/hotro, /phancong, /tinhhinh's gaps): finding a household in the
user's hamlet or commune, choosing or naming a supporter, and the words for needs and kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conversations.flows.assess import CLASS_LABELS
from conversations.model import Choice, Ctx, Router, Step, Text, chat_text
from domain.causes import CAUSE_LABELS
from domain.i18n import N_, fold
from domain.standards import StandardsError, get_standard
from domain.support import support_data

PAGE = 5
SUPPORTER_BUTTONS = 8  # the commune's supporters offered as buttons; others are typed


# ---- words -----------------------------------------------------------------------------------


def support_kind_label(ctx: Ctx, code: str) -> str:
    try:
        return support_data().support_kind(code).name(ctx.t.locale)
    except KeyError:
        return code


def supporter_kind_label(ctx: Ctx, code: str) -> str:
    try:
        return support_data().supporter_kind(code).name(ctx.t.locale)
    except KeyError:
        return code


def need_label(ctx: Ctx, need: dict[str, Any], standard_id: str | None) -> str:
    """A missing indicator by its name in the household's standard, a cause by its label."""
    if need["source"] == "cause":
        label = CAUSE_LABELS.get(need["code"])
        return ctx.t(label) if label else need["code"]
    try:
        std = get_standard(standard_id or "", ctx.env.get("standards"))
        return std.indicator(need["code"]).name
    except (StandardsError, KeyError):
        return need["code"]


def needs_line(ctx: Ctx, item: dict[str, Any]) -> str:
    """ "Nhà tiêu hợp vệ sinh (→ Nước sạch / nhà tiêu); …" for the needs nobody addresses."""
    parts = []
    for need in item["open"]:
        kinds = ", ".join(support_kind_label(ctx, k) for k in need["kinds"])
        label = need_label(ctx, need, item.get("standard_id"))
        parts.append(f"{label} (→ {kinds})" if kinds else label)
    return "; ".join(parts)


def household_label(ctx: Ctx, h: dict[str, Any]) -> str:
    return ctx.t(
        "{name} ({code}, {status})",
        name=h["head_name"],
        code=h["code"],
        status=ctx.t(CLASS_LABELS.get(h["status"], CLASS_LABELS["unknown"])),
    )


# ---- finding the household -------------------------------------------------------------------


def _find_prompt(ctx: Ctx) -> str:
    search = ctx.vars.get("search") or {}
    ask = ctx.t(
        "Type the name of the head of household or the household code in {hamlet}.",
        hamlet=ctx.vars["begin"]["unit_name"],
    )
    if search.get("denied"):
        return ctx.t("Household {code} is not in your area.", code=search["query"]) + "\n" + ask
    if search and not search.get("total"):
        return ctx.t("No household matches “{query}”.", query=search["query"]) + "\n" + ask
    return ask


def _pick_choices(ctx: Ctx) -> list[Choice]:
    result = ctx.vars["search"]
    out = [Choice(str(h["id"]), household_label(ctx, h)) for h in result["items"]]
    if PAGE * (ctx.vars.get("page", 0) + 1) < result["total"]:
        out.append(Choice("_more", ctx.t("More")))
    out.append(Choice("_again", ctx.t("Search again")))
    return out


def household_steps(chosen: Callable[[Ctx, dict[str, Any]], str]) -> list[Step]:
    """find -> search -> (pick); `chosen` stores the household and names the next step."""

    def after_search(ctx: Ctx, result: dict[str, Any]) -> str:
        if not result.get("total"):
            return "find"
        if result["total"] == 1 and not ctx.vars.get("page"):
            ctx.answers["household"] = result["items"][0]
            return chosen(ctx, result["items"][0])
        return "pick"

    def after_pick(ctx: Ctx, value: str) -> str:
        if value == "_more":
            ctx.vars["page"] = ctx.vars.get("page", 0) + 1
            return "search"
        if value == "_again":
            return "find"
        item = next(h for h in ctx.vars["search"]["items"] if str(h["id"]) == value)
        ctx.answers["household"] = item
        return chosen(ctx, item)

    def after_find(ctx: Ctx, value: str) -> str:
        ctx.vars["page"] = 0
        return "search"

    return [
        Step(
            "find",
            "text",
            _find_prompt,
            next=after_find,
            min_length=2,
            max_length=100,
            help=N_("Type part of the name, e.g. “nguyen van a”; accents are optional."),
        ),
        Step(
            "search",
            "action",
            action="support.search",
            args=lambda ctx: {
                "query": ctx.answers["find"],
                "limit": PAGE,
                "offset": PAGE * ctx.vars.get("page", 0),
            },
            next=after_search,
        ),
        Step("pick", "choice", N_("Which household?"), choices=_pick_choices, next=after_pick),
    ]


# ---- the supporter ---------------------------------------------------------------------------


def _supporter_choices(ctx: Ctx) -> list[Choice]:
    known = ctx.vars["begin"]["supporters"][:SUPPORTER_BUTTONS]
    return [Choice(f"s{s['id']}", s["name"]) for s in known]


def supporter_steps(prompt: Text, then: Router) -> list[Step]:
    """supporter (a button, or a typed name: known -> that one, new -> its kind) -> then."""

    def after_supporter(ctx: Ctx, value: str) -> str | None:
        known = ctx.vars["begin"]["supporters"]
        by_id = {f"s{s['id']}": s for s in known}
        by_name = {fold(s["name"]): s for s in known}
        found = by_id.get(value) or by_name.get(fold(value))
        if found:
            ctx.answers["supporter_pick"] = {"id": found["id"], "name": found["name"]}
            ctx.answers.pop("supporter_kind", None)
            return then(ctx, None) if callable(then) else then
        ctx.answers["supporter_pick"] = {"id": None, "name": value}
        return "supporter_kind"

    def supporter_kinds(ctx: Ctx) -> list[Choice]:
        return [Choice(k.code, k.name(ctx.t.locale)) for k in support_data().supporter_kinds]

    def kind_prompt(ctx: Ctx) -> str:
        return ctx.t(
            "“{name}” is new in the commune's list. What kind of supporter is it?",
            name=ctx.answers["supporter_pick"]["name"],
        )

    return [
        Step(
            "supporter",
            "text",
            prompt,
            choices=_supporter_choices,
            next=after_supporter,
            min_length=2,
            max_length=200,
            help=chat_text(
                N_(
                    "Press one of the commune's supporters, or type the name of a new one, e.g. "
                    "“Hội Nông dân xã”, “Công ty May Gia Viễn”, “Dòng họ Nguyễn”."
                ),
                N_(
                    "Type the number of one of the commune's supporters, or the name of a new "
                    "one, e.g. “Hội Nông dân xã”, “Công ty May Gia Viễn”, “Dòng họ Nguyễn”."
                ),
            ),
        ),
        Step("supporter_kind", "choice", kind_prompt, choices=supporter_kinds, next=then),
    ]


def supporter_line(ctx: Ctx) -> str:
    pick = ctx.answers["supporter_pick"]
    if pick["id"] is None:
        return ctx.t(
            "Supporter: {name} (new, {kind})",
            name=pick["name"],
            kind=supporter_kind_label(ctx, ctx.answers.get("supporter_kind", "other")),
        )
    return ctx.t("Supporter: {name}", name=pick["name"])


def supporter_args(ctx: Ctx) -> dict[str, Any]:
    pick = ctx.answers["supporter_pick"]
    return {
        "household_id": ctx.answers["household"]["id"],
        "supporter_id": pick["id"],
        "supporter_name": pick["name"],
        "supporter_kind": ctx.answers.get("supporter_kind"),
    }


REFUSALS = {
    "no_household": N_("That household is not in your area any more."),
    "unknown_kind": N_("That kind of support is not on the list."),
    "value_required": N_("This kind of support needs a value in đồng."),
    "value_not_applicable": N_("This kind of support has no value in đồng."),
    "value_out_of_range": N_("That value is not possible. Please check the amount."),
    "date_in_future": N_("The date cannot be in the future."),
    "date_too_old": N_("That date is more than 5 years ago."),
    "name_too_short": N_("The supporter's name is too short."),
    "unknown_supporter_kind": N_("That kind of supporter is not on the list."),
    "supporter_elsewhere": N_("That supporter belongs to another commune."),
}


def refused(ctx: Ctx, key: str) -> str:
    code = (ctx.vars.get(key) or {}).get("error", "no_household")
    return ctx.t(REFUSALS.get(code, REFUSALS["no_household"])) + "\n" + ctx.t("Nothing was saved.")
