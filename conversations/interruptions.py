"""The engine's answers to interruptions: a draft idle past expiry, a switch to another task,
a photo, sticker or voice note where text was expected."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from conversations.inputs import clean, match_choice
from conversations.model import Choice, Ctx, Inbound, Outbound, for_chat
from conversations.pressed import NUMBER_KINDS
from domain.i18n import N_

if TYPE_CHECKING:
    from conversations.engine import Turn

UNREADABLE = N_("I can only read text messages. Please type your answer or press a button.")
UNREADABLE_NUMBER = N_(
    "I can only read text messages. Please type your answer, or reply with the number of "
    "your choice."
)
# A question whose answer is itself a number shows its choices by letter (pressed.py).
UNREADABLE_LETTER = N_(
    "I can only read text messages. Please type your answer, or the letter of your choice."
)


class Interruptions:
    """Mixed into Engine; uses its flows, prompts, menu and flow start."""

    def _unreadable(self, turn: Turn, ctx: Ctx) -> None:
        """Nothing to read: say so, and ask again what is pending (its choices included), so
        the chat never ends on a hint with the question scrolled away."""
        s, step = turn.session, self._current_step(turn.session)
        by_letter = bool(step and step.kind in NUMBER_KINDS and self._choices(step, ctx))
        typed = UNREADABLE_LETTER if by_letter else UNREADABLE_NUMBER
        hint = ctx.t(for_chat(ctx, UNREADABLE, typed))
        if s.offer or s.paused:
            turn.messages.append(Outbound(hint))
            waiting = self._on_offer if s.offer else self._on_paused
            waiting(turn, ctx, Inbound(now=ctx.now))
        else:
            self._reprompt(turn, ctx, hint)

    def _offer_resume(self, turn: Turn, ctx: Ctx) -> None:
        s, t = turn.session, ctx.t
        since = datetime.fromisoformat(s.updated_at) if s.updated_at else ctx.now
        title = t(self.flows[s.flow].title)  # type: ignore[index]
        turn.messages.append(
            Outbound(
                t(
                    "You have an unfinished {title} from {date}. Your answers are kept. Continue?",
                    title=title,
                    date=t.datetime(since),
                ),
                (Choice("resume", t("Continue")), Choice("discard", t("Start over"))),
            )
        )

    def _on_paused(self, turn: Turn, ctx: Ctx, inbound: Inbound) -> None:
        s, t = turn.session, ctx.t
        options = (Choice("resume", t("Continue")), Choice("discard", t("Start over")))
        picked = inbound.choice or match_choice(clean(inbound.text or ""), options)
        if picked == "resume":
            s.paused = False
            step = self.flows[s.flow].step(s.step)  # type: ignore[index, arg-type]
            turn.messages.append(self._prompt(step, ctx, t("Welcome back.")))
        elif picked == "discard":
            s.clear()
            turn.messages.append(Outbound(t("The draft was discarded."), self._menu(ctx)))
        else:
            turn.messages.append(Outbound(t("Please choose: Continue or Start over."), options))

    def _on_offer(self, turn: Turn, ctx: Ctx, inbound: Inbound) -> None:
        s, t = turn.session, ctx.t
        offer = s.offer or {}
        options = (Choice("offer:keep", t("Continue")), Choice("offer:switch", t("Start new")))
        picked = inbound.choice or match_choice(clean(inbound.text or ""), options)
        if picked == "offer:keep":
            s.offer = None
            self._reprompt(turn, ctx, t("Let us continue."))
        elif picked == "offer:switch":
            s.offer = None
            if s.has_draft() and s.flow in self.flows:
                s.shelve()  # what was typed waits for the new task to end (see _goto)
            self._start(turn, self.flows[offer["flow"]], offer.get("arg", ""), ctx)
            if s.shelved and s.flow == s.shelved["flow"] and s.step == s.shelved["step"]:
                s.shelved = None  # the new task was refused: the draft is still the one under way
        else:
            turn.messages.append(Outbound(t("Please choose: Continue or Start new."), options))

    def _resume_shelved(self, turn: Turn, ctx: Ctx) -> bool:
        """A task ended: the draft shelved for it is offered back (Continue / Start over)."""
        s = turn.session
        if s.flow is not None or not s.unshelve():
            return False
        if s.flow not in self.flows:
            s.clear()
            return False
        self._offer_resume(turn, ctx)
        return True
