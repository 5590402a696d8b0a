"""What the reporting flows share: the assessment questions, classification and its summary."""

from __future__ import annotations

import re

from conversations.model import Choice, Ctx, Invalid, Router, Step
from domain.causes import CAUSE_LABELS, CAUSES
from domain.classify import NEAR_POOR, POOR, Classification, classify
from domain.i18n import N_, fold
from domain.money import parse_count, parse_money
from domain.standards import Standard, StandardsError, get_standard

KIND_LABELS = {
    "newly_poor": N_("Newly poor"),
    "newly_near_poor": N_("Newly near-poor"),
    "exited_poverty": N_("Exited poverty"),
    "exited_near_poverty": N_("Exited near-poverty"),
    "fell_back": N_("Fell back into poverty"),
    "moved_in": N_("Moved in"),
    "moved_out": N_("Moved out"),
    "dissolved": N_("Household dissolved"),
    "correction": N_("Correction"),
    "exit_registration": N_("Registration to exit poverty"),
    "review_request": N_("Request to be reviewed"),
}
CLASS_LABELS = {
    "poor": N_("poor household"),
    "near_poor": N_("near-poor household"),
    "average": N_("average living standard"),
    "not_poor": N_("not poor"),
    "unknown": N_("not assessed"),
}
# What a reported change claims about the class, to warn when the answers say otherwise.
EXPECTED = {
    "newly_poor": (
        {POOR},
        N_("You reported a newly poor household, but by these answers it is not poor."),
    ),
    "fell_back": (
        {POOR},
        N_(
            "You reported a household falling back into poverty, but by these answers it is not poor."
        ),
    ),
    "newly_near_poor": (
        {NEAR_POOR},
        N_("You reported a newly near-poor household, but by these answers it is not near-poor."),
    ),
    "exited_poverty": (
        {NEAR_POOR, "average", "not_poor"},
        N_("You reported an exit from poverty, but by these answers the household is still poor."),
    ),
    "exited_near_poverty": (
        {"average", "not_poor"},
        N_(
            "You reported an exit from near-poverty, but by these answers the household is still under the poverty line."
        ),
    ),
    "exit_registration": (
        {NEAR_POOR, "average", "not_poor"},
        N_("By these answers the household would still be poor. You can still send the request."),
    ),
    "review_request": (
        {POOR, NEAR_POOR},
        N_(
            "By these answers the household is neither poor nor near-poor. You can still send "
            "the request: the survey at home decides."
        ),
    ),
}


def class_label(ctx: Ctx, klass: str) -> str:
    return ctx.t(CLASS_LABELS.get(klass, CLASS_LABELS["unknown"]))


def kind_label(ctx: Ctx, kind: str) -> str:
    return ctx.t(KIND_LABELS.get(kind, KIND_LABELS["correction"]))


# An income given per person ("1tr5 mỗi người", "1.500.000/người", "bình quân 1tr5") where the
# question asks the household's total: taken as the total, it made the household four times
# poorer than it is. Asked again instead (folded text).
_PER_PERSON = re.compile(
    r"(?:\b(?:moi|mot|1|tung|dau)\s*|/\s*)(?:nguoi|ng|khau|nhan khau)\b|\bbinh quan\b"
)
PER_PERSON = N_(
    "Please type the whole household's income per month, all members together, not per "
    "person: e.g. 4 people earning 1tr5 each is 6tr."
)


def money(text: str) -> int:
    """A household's total income; one given per person is asked again."""
    if _PER_PERSON.search(fold(text)):
        raise Invalid(PER_PERSON)
    return parse_money(text)


def count(text: str) -> int:
    return parse_count(text, minimum=1, maximum=30)


def after(ctx: Ctx, default: str) -> str:
    """Back to the summary when an answer was edited from there, else onwards."""
    return to_summary(ctx) if ctx.answers.get("_editing") else default


def to_summary(ctx: Ctx) -> str:
    """The summary, unless the class now calls for a cause of poverty not yet given."""
    if needs_cause(ctx):
        return "summary" if ctx.answers.get("cause") else "cause"
    ctx.answers.pop("cause", None)
    return "summary"


def standard(ctx: Ctx) -> Standard:
    return get_standard(ctx.vars["begin"]["standard_id"], ctx.env.get("standards"))


def standard_title(ctx: Ctx, standard_id: str) -> str:
    """A standard as people know it, by its legal document: "chuẩn nghèo theo Nghị định
    07/2021/NĐ-CP", never the id ("nd07-2021") people have not heard of."""
    try:
        found = get_standard(standard_id, ctx.env.get("standards"))
    except StandardsError:
        return standard_id  # no longer loaded: the id is all there is
    if not found.document:
        return found.name
    return ctx.t("poverty standard of {document}", document=found.document)


def members_of(ctx: Ctx) -> int:
    a = ctx.answers
    return int(
        a.get("members") or a.get("new_members") or (a.get("household") or {}).get("members") or 1
    )


def classification(ctx: Ctx) -> Classification | None:
    a = ctx.answers
    if "income" not in a or "deprived" not in a:
        return None
    return classify(
        area=ctx.vars["begin"]["area"],
        household_income=int(a["income"]),
        members=members_of(ctx),
        deprived=a["deprived"],
        standard=standard(ctx),
        locale=ctx.t.locale,
    )


def in_force(ctx: Ctx) -> tuple[Standard, Classification] | None:
    """The same answers under the standard in force today, when the round uses another one;
    indicators the other standard does not have are left out."""
    begin, a = ctx.vars["begin"], ctx.answers
    current = begin.get("current_standard_id")
    if not current or current == begin["standard_id"] or "income" not in a or "deprived" not in a:
        return None
    std = get_standard(current, ctx.env.get("standards"))
    result = classify(
        area=begin["area"],
        household_income=int(a["income"]),
        members=members_of(ctx),
        deprived=[c for c in a["deprived"] if c in std.indicator_codes],
        standard=std,
        locale=ctx.t.locale,
    )
    return std, result


def in_force_lines(ctx: Ctx) -> list[str]:
    other = in_force(ctx)
    if other is None:
        return []
    std, result = other
    return [
        ctx.t(
            "This review round decides the lists under {round}; the standard in force today "
            "is {current}.",
            round=standard(ctx).cited_as,
            current=std.cited_as,
        ),
        ctx.t(
            "Under the standard in force today: {klass}.", klass=ctx.t(CLASS_LABELS[result.klass])
        ),
    ]


def needs_cause(ctx: Ctx) -> bool:
    result = classification(ctx)
    return result is not None and result.klass in (POOR, NEAR_POOR)


def deprived_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(i.code, i.name) for i in standard(ctx).indicators]


def deprived_help(ctx: Ctx) -> str:
    lines = []
    for n, i in enumerate(standard(ctx).indicators, 1):
        lines.append(f"{n}. {i.name}: {i.question}\n   {i.help}")
    # A blank line between items: a message cut for its length (Zalo's 2,000 characters) is
    # cut there, never between an item's question and its explanation.
    return "\n\n".join(lines)


def cause_choices(ctx: Ctx) -> list[Choice]:
    return [Choice(code, ctx.t(label)) for code, label in CAUSES]


def contradiction(ctx: Ctx) -> str | None:
    expected = EXPECTED.get(ctx.answers.get("kind", ""))
    result = classification(ctx)
    if expected is None or result is None or result.klass in expected[0]:
        return None
    return ctx.t(expected[1])


def assessment_lines(ctx: Ctx) -> list[str]:
    t, a = ctx.t, ctx.answers
    result = classification(ctx)
    if result is None:
        return []
    std = standard(ctx)
    names = [std.indicator(code).name for code in result.deprived]
    lines = [
        t("Members: {n}", n=members_of(ctx)),
        t(
            "Income: {total} a month, {each} per person",
            total=t.money(int(a["income"])),
            each=t.money(result.income_per_capita),
        ),
        t("Lacking ({n}): {names}", n=result.deprivations, names=", ".join(names) or "—"),
        t(
            "Result ({standard}): {klass}. {reason}",
            standard=standard_title(ctx, std.id),
            klass=t(CLASS_LABELS[result.klass]),
            reason=result.reason,
        ),
        *in_force_lines(ctx),
    ]
    cause = CAUSE_LABELS.get(a.get("cause") or "")
    if cause:
        lines.append(t("Main cause: {cause}", cause=t(cause)))
    return lines


def edit_choices(ctx: Ctx) -> list[Choice]:
    t = ctx.t
    out = [Choice("edit_income", t("Change income"))]
    members_step = "members" if ctx.answers.get("household") else "new_members"
    out.append(Choice(f"edit_{members_step}", t("Change members")))
    out.append(Choice("edit_deprived", t("Change needs")))
    if ctx.answers.get("cause"):
        out.append(Choice("edit_cause", t("Change cause")))
    out.append(Choice("edit_note", t("Add a note")))
    return out


def deprived_step(next: Router) -> Step:
    """The needs checklist, each indicator's question and help text one tap (Help) away."""
    return Step(
        "deprived",
        "multi",
        N_("Tick every need the household lacks."),
        choices=deprived_choices,
        next=next,
        help=deprived_help,
    )


NOTE_STEP = Step(
    "note",
    "text",
    N_("Type a short note for the commune officer."),
    next="summary",
    min_length=3,
    max_length=500,
)
