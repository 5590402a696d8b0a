"""Reading one answer: a checklist (toggle, "1, 3, 5", "0", Done) or any other kind of step."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from conversations.inputs import match_choice, parse_phone, parse_text, parse_yes_no
from conversations.model import Choice, Ctx, Inbound, Invalid, Step
from domain.digits import is_digits
from domain.i18n import N_, Translator, fold

MULTI = "_multi"  # the checklist's ticks while it is being edited
DONE_WORDS = ("xong", "done", "ok", "hoan thanh")
NONE_WORDS = ("0", "khong", "khong co", "ko", "k", "ko co", "k co", "khong co gi", "none")
TYPE_OR_PRESS = N_("Please type your answer or press a button.")
TYPE_ANSWER = N_("Please type your answer.")
CHOOSE_OR_PRESS = N_("Please choose one of the options: press a button or type its number.")
CHOOSE_TYPED = N_("Please choose one of the options: type its number.")
# How to answer a checklist, said under its question: by buttons, or by typing numbers (Zalo).
CHECKLIST_HINT = {
    False: N_("Press an item again to untick it, then press Done."),
    True: N_(
        "Type the numbers of the items that apply, several at once if you like (e.g. 1, 3, 5); "
        "typing a number again unticks it. Then type 0 or “xong” to finish."
    ),
}


def parse_numbers(text: str) -> list[int] | None:
    """'2 5 7', '2,5,7', '2-4' -> numbers; '0' or 'không' -> []; anything else -> None."""
    key = fold(text)
    if key in NONE_WORDS:
        return []
    out: list[int] = []
    for part in re.split(r"[\s,;]+", key.replace("va", " ")):
        if not part:
            continue
        m = re.fullmatch(r"([0-9]{1,3})(?:-([0-9]{1,3}))?\.?", part)
        if not m:
            return None
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo or hi - lo > 50:
            return None
        out.extend(range(lo, hi + 1))
    return out or None


def checklist(items: Sequence[Choice], picked: Sequence[str], t: Translator) -> tuple[Choice, ...]:
    """Items with a tick on the picked ones, then 'all' and 'done'."""
    marked = tuple(Choice(c.id, f"✅ {c.label}" if c.id in picked else c.label) for c in items)
    everything = len(picked) == len(items) and items
    toggle_all = t("Clear all") if everything else t("Select all")
    return (*marked, Choice("_all", toggle_all), Choice("_done", t("Done")))


def checklist_answer(step: Step, ctx: Ctx, inbound: Inbound, raw: str) -> list[str] | None:
    """A checklist answer: None after ticking or unticking, the picked ids once done."""
    items = tuple(step.choices(ctx)) if step.choices else ()
    ids = [c.id for c in items]
    picked: list[str] = ctx.vars.setdefault(MULTI, [])
    finished = fold(raw) in DONE_WORDS or fold(raw) in NONE_WORDS  # "0": done, with the ticks
    action = inbound.choice or ("_done" if finished else None)
    if action is None:
        numbers = parse_numbers(raw)
        specials = [c.id for c in checklist(items, picked, ctx.t)[len(items) :]]
        if numbers and len(numbers) == 1 and len(ids) < numbers[0] <= len(ids) + len(specials):
            action = specials[numbers[0] - len(ids) - 1]
        elif numbers is None or any(not 1 <= n <= len(ids) for n in numbers):
            raise Invalid(
                step.invalid
                or N_(
                    "Type the numbers of the items that apply, e.g. 1, 3, 5, "
                    "then 0 or “xong” to finish."
                )
            )
        else:
            # Typed numbers tick and untick like taps, and the list comes back with its ticks:
            # only Done ends it, so a number typed next is never taken for the next question.
            for n in dict.fromkeys(numbers):
                _toggle(picked, ids[n - 1])
            return None
    if action == "_done":
        return [i for i in ids if i in picked]
    if action == "_all":
        picked[:] = [] if len(picked) == len(ids) else list(ids)
    elif action in ids:
        _toggle(picked, action)
    return None


def _toggle(picked: list[str], item: str) -> None:
    picked.remove(item) if item in picked else picked.append(item)


def parse_answer(step: Step, inbound: Inbound, raw: str, choices: tuple[Choice, ...]) -> Any:
    if inbound.choice is not None:
        return inbound.choice == "yes" if step.kind == "yesno" else inbound.choice
    if not raw:
        raise Invalid(step.invalid or TYPE_OR_PRESS, typed=step.invalid or TYPE_ANSWER)
    if step.kind == "yesno":
        return parse_yes_no(raw)
    if step.kind == "choice":
        picked = match_choice(raw, choices)
        if picked is None:
            raise Invalid(step.invalid or CHOOSE_OR_PRESS, typed=step.invalid or CHOOSE_TYPED)
        return picked
    # Shortcut buttons on typed steps ("Skip"): on number and money steps only the exact label
    # counts, since "2" is an answer there; elsewhere the number works too (Zalo lists them).
    if step.kind in ("number", "money"):
        for c in choices:
            if fold(raw) == fold(c.label):
                return c.id
    elif choices and (picked := match_choice(raw, choices)) is not None:
        return picked
    elif choices and step.kind == "text" and is_digits(raw.rstrip(".")):  # not a button number
        raise Invalid(CHOOSE_OR_PRESS, typed=CHOOSE_TYPED)
    if step.kind in ("number", "money"):
        assert step.parse is not None, f"step {step.id} needs a parser"
        return step.parse(raw)
    if step.kind == "phone":
        return parse_phone(raw)
    value = parse_text(raw, min_length=step.min_length, max_length=step.max_length)
    return step.parse(value) if step.parse else value
