"""The flow engine: resume(session, inbound) -> new session + outbound messages (+ an action).

The engine never does I/O. When a flow needs the outside world (check an invite code, store a
report) it stops at an action step with `session.pending_action` set; the host runs the action and
resumes with `Inbound(action_result=...)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from conversations.answers import (
    CHECKLIST_HINT,
    MULTI,
    checklist,
    checklist_answer,
    parse_answer,
)
from conversations.inputs import BOT_SUFFIX, GREETINGS, MAX_INPUT, clean, global_command
from conversations.interruptions import Interruptions
from conversations.model import (
    WAITING_KINDS,
    Choice,
    Ctx,
    Flow,
    Inbound,
    Invalid,
    Outbound,
    Session,
    Step,
    Text,
    for_chat,
)
from conversations.pressed import NUMBER_KINDS, lettered, stamp, typed_choice, unstamp
from domain.i18n import N_, SUPPORTED_LOCALES, Translator, capitalised, fold
from domain.money import ParseError

RECORDED = "_recorded"  # a committing action ran in this run of the flow


@dataclass
class Turn:
    session: Session
    messages: list[Outbound] = field(default_factory=list)

    @property
    def action(self) -> dict[str, Any] | None:
        return self.session.pending_action


def _typed_keys(choices: Sequence[Choice], step_kind: str) -> list[str]:
    """What a chat without buttons types for each choice of a question: its number, or its
    letter where the answer is itself a number (as `_finish` will show them)."""
    shown = Outbound("", tuple(choices))
    if step_kind in NUMBER_KINDS:
        shown = lettered(shown)
    return [c.key or str(n) for n, c in enumerate(shown.choices, 1)]


class Engine(Interruptions):
    def __init__(
        self,
        flows: Sequence[Flow],
        *,
        ttl: timedelta = timedelta(hours=72),
        retry_limit: int = 3,
        env: Mapping[str, Any] | None = None,
    ) -> None:
        self.flows = {f.id: f for f in flows}
        # Every flow's command and typed aliases, folded once, the longest first: the first
        # that starts a text is the one it means ("báo cáo kỳ" before "báo cáo").
        self._commands = sorted(
            ((fold(form), form, fl) for fl in flows for form in (fl.command, *fl.aliases) if form),
            key=lambda c: -len(c[0]),
        )
        self.env = env or {}
        self.ttl = ttl
        self.retry_limit = retry_limit

    # -- entry point ---------------------------------------------------------------------------

    def resume(self, session: Session, inbound: Inbound, user: dict[str, Any]) -> Turn:
        s = session.copy()  # never mutate the caller's session
        if s.locale not in SUPPORTED_LOCALES:
            s.locale = "vi"
        turn = Turn(s)
        asked = (s.flow, s.step)
        if inbound.action_result is not None:
            self._after_action(turn, self._ctx(s, inbound, user), inbound.action_result)
        else:
            inbound = self._as_pressed(s, inbound)
            self._on_input(turn, replace(inbound, choice=unstamp(inbound.choice, s.seq)), user)
        return self._finish(turn, asked, inbound)

    def start(self, session: Session, flow_id: str, inbound: Inbound, user: dict[str, Any]) -> Turn:
        """Start a flow from outside a message (e.g. a notification's button)."""
        s = session.copy()
        turn = Turn(s)
        asked = (s.flow, s.step)
        self._start(turn, self.flows[flow_id], "", self._ctx(s, inbound, user))
        return self._finish(turn, asked, inbound)

    def _finish(self, turn: Turn, asked: tuple[str | None, str | None], inbound: Inbound) -> Turn:
        """Stamp the turn: a new question gets a new number, and its buttons carry it."""
        s = turn.session
        if (s.flow, s.step) != asked:
            s.seq += 1
        step = self._current_step(s)
        if step is not None and step.kind in NUMBER_KINDS:  # a typed number is the answer
            turn.messages[:] = [lettered(m) for m in turn.messages]
        turn.messages[:] = [stamp(m, s.seq) for m in turn.messages]
        s.updated_at = inbound.now.isoformat()
        return turn

    # -- helpers -------------------------------------------------------------------------------

    def _ctx(self, s: Session, inbound: Inbound, user: dict[str, Any]) -> Ctx:
        t = Translator(s.locale)
        return Ctx(
            t, s.answers, s.vars, user, inbound.now, self.env, inbound.turn_id, inbound.numbered
        )

    def _as_pressed(self, s: Session, inbound: Inbound) -> Inbound:
        """On a chat without buttons, the number or label of a choice in the last list it was
        sent is that choice's button; a typed command keeps its meaning."""
        lists = s.offered or s.notice_offered
        if not (inbound.numbered and inbound.choice is None and inbound.text and lists):
            return inbound
        raw = clean(inbound.text)
        if global_command(fold(BOT_SUFFIX.sub(r"\1", raw)), None) or self._flow_command(raw):
            return inbound
        step = self._current_step(s)
        picked = typed_choice(raw, s.offered, step_kind=step.kind if step else None)
        if picked is None and s.notice_offered:  # a notice's letter, sent mid-question
            picked = typed_choice(raw, s.notice_offered, step_kind=None)
            if picked is not None:
                s.notice_offered = []
        return replace(inbound, text=None, choice=picked) if picked else inbound

    def _text(self, text: Text, ctx: Ctx) -> str:
        return text(ctx) if callable(text) else ctx.t(text)

    def _choices(self, step: Step, ctx: Ctx) -> tuple[Choice, ...]:
        if step.kind == "yesno":
            return (Choice("yes", ctx.t("Yes")), Choice("no", ctx.t("No")))
        items = tuple(step.choices(ctx)) if step.choices else ()
        if step.kind == "multi":
            return checklist(items, ctx.vars.get(MULTI, []), ctx.t)
        return items

    def _prompt(self, step: Step, ctx: Ctx, prefix: str = "") -> Outbound:
        text = self._text(step.prompt, ctx)
        if step.kind == "multi":
            text += "\n" + ctx.t(CHECKLIST_HINT[ctx.numbered])
        attachment = step.attach(ctx) if step.attach else None
        return Outbound(
            f"{prefix}\n\n{text}" if prefix else text, self._choices(step, ctx), attachment
        )

    def _menu(self, ctx: Ctx) -> tuple[Choice, ...]:
        role = ctx.user.get("role") or ""
        # Titles are lower case to sit inside sentences; a menu line starts with a capital.
        return tuple(
            Choice(f"flow:{f.id}", capitalised(ctx.t(f.title)))
            for f in self.flows.values()
            if f.in_menu and (f.roles is None or role in f.roles)
        )

    def _allowed(self, fl: Flow, ctx: Ctx) -> bool:
        return fl.roles is None or (ctx.user.get("role") or "") in fl.roles

    def _flow_command(self, raw: str) -> tuple[Flow, str] | None:
        """The flow whose command or typed alias starts the text; the longest form wins
        ("báo cáo kỳ" before "báo cáo")."""
        text = BOT_SUFFIX.sub(r"\1", raw)
        key = fold(text)
        for f, form, fl in self._commands:
            if key == f:
                return fl, ""
            if key.startswith(f + " "):
                return fl, text[len(form) :].strip()
        return None

    # -- the turn ------------------------------------------------------------------------------

    def _on_input(self, turn: Turn, inbound: Inbound, user: dict[str, Any]) -> None:
        s = turn.session
        ctx = self._ctx(s, inbound, user)
        t = ctx.t
        if inbound.unreadable:
            self._unreadable(turn, ctx)
            return
        if inbound.text is not None and len(inbound.text) > MAX_INPUT:
            msg = t("Your message is too long ({length} characters).", length=len(inbound.text))
            self._reprompt_or_menu(turn, ctx, msg)
            return
        raw = clean(inbound.text or "")
        key = fold(BOT_SUFFIX.sub(r"\1", raw))  # "/help@chungtay_bot" is /help
        command = global_command(key, inbound.choice)
        if command:
            self._global(turn, ctx, *command)
            return
        started = self._flow_command(raw) if raw else None
        if inbound.choice and inbound.choice.startswith("flow:"):
            # A button that starts a flow, optionally with an argument: "flow:report:fix:BC-1".
            flow_id, _, arg = inbound.choice[5:].partition(":")
            fl = self.flows.get(flow_id)
            started = (fl, arg) if fl else None
        if started and started[0].instant and self._allowed(started[0], ctx):
            self._instant(turn, ctx, started[0])
            return
        if started:
            fl, arg = started
            # The bare command of a data-entry flow in progress would silently throw its answers
            # away: asked first too. Lists and boards simply start over (a refresh).
            again = s.flow == fl.id and fl.ask_before_restart and s.has_draft() and not arg
            # A button of the question being asked that starts a task is that question's answer
            # (e.g. a registration's card leads into the hamlet meeting): nothing to confirm.
            answered = inbound.choice is not None and self._offered(s, ctx, inbound.choice)
            board = s.flow in self.flows and self.flows[s.flow].board  # nothing typed to lose
            if (
                s.flow
                and not s.paused
                and not answered
                and (s.flow != fl.id or again)
                and not board
            ):
                s.offer = {"flow": fl.id, "arg": arg}
                current = t(self.flows[s.flow].title)
                turn.messages.append(
                    Outbound(
                        t(
                            "You have not finished {current} yet. What would you like to do?",
                            current=current,
                        ),
                        (
                            Choice("offer:keep", t("Continue {current}", current=current)),
                            Choice("offer:switch", t("Start {new}", new=t(fl.title))),
                        ),
                    )
                )
                return
            self._start(turn, fl, arg, ctx)
            return
        if s.flow is not None and not self._allowed(self.flows[s.flow], ctx):
            # The identity changed under a running flow (account removed, role changed): the
            # saved answers were someone else's to give, so the flow ends here.
            self._deny(turn, ctx)
            return
        if s.offer:
            self._on_offer(turn, ctx, inbound)
            return
        if s.paused:
            self._on_paused(turn, ctx, inbound)
            return
        if s.flow is None:
            if inbound.choice is not None:  # e.g. a second tap on an already answered button
                msg = ctx.t("That button belongs to an earlier question.")
                turn.messages.append(Outbound(msg, self._menu(ctx)))
                return
            self._idle(turn, ctx, raw)
            return
        if s.updated_at and inbound.now - datetime.fromisoformat(s.updated_at) > self.ttl:
            s.paused = True
            self._offer_resume(turn, ctx)
            return
        self._answer(turn, ctx, inbound, raw)

    def _answer(self, turn: Turn, ctx: Ctx, inbound: Inbound, raw: str) -> None:
        s = turn.session
        step = self.flows[s.flow].step(s.step)  # type: ignore[index, arg-type]
        choices = self._choices(step, ctx)
        if inbound.choice is not None and inbound.choice not in {c.id for c in choices}:
            self._reprompt(turn, ctx, ctx.t("That button belongs to an earlier question."))
            return
        try:
            if step.kind == "multi":
                value = checklist_answer(step, ctx, inbound, raw)
                if value is None:  # a toggle: show the list again, stay on this step
                    turn.messages.append(self._prompt(step, ctx))
                    return
            else:
                value = parse_answer(step, inbound, raw, choices)
            if step.check:
                step.check(ctx, value)
        except (Invalid, ParseError) as exc:
            s.retries += 1
            said = exc.message(ctx.t, ctx) if isinstance(exc, Invalid) else exc.message(ctx.t)
            reason = said or ctx.t(step.invalid)
            if s.retries >= self.retry_limit:
                choices = self._choices(step, ctx)
                choices += (Choice("_help", ctx.t("Help")), Choice("_cancel", ctx.t("Cancel")))
                help_key, cancel_key = _typed_keys(choices, step.kind)[-2:]
                reason += "\n" + ctx.t(
                    for_chat(
                        ctx,
                        N_("Having trouble? Press Help for an explanation or Cancel to stop."),
                        N_(
                            "Having trouble? Type {help} for an explanation (Help) or {cancel} "
                            "to stop (Cancel)."
                        ),
                    ),
                    help=help_key,
                    cancel=cancel_key,
                )
                out = self._prompt(step, ctx, reason)
                turn.messages.append(Outbound(out.text, choices))
            else:
                turn.messages.append(self._prompt(step, ctx, reason))
            return
        if isinstance(value, str) and value.startswith("flow:"):  # its number or label, typed
            flow_id, _, arg = value[5:].partition(":")
            if flow_id in self.flows:
                self._start(turn, self.flows[flow_id], arg, ctx)
                return
        s.answers[step.key] = value
        if not s.history or s.history[-1] != step.id:
            s.history.append(step.id)
        self._goto(turn, ctx, self._route(step, ctx, value))

    def _route(self, step: Step, ctx: Ctx, value: Any) -> str | None:
        return step.next(ctx, value) if callable(step.next) else step.next

    def _enter(self, s: Session, step: Step) -> None:
        s.step, s.retries = step.id, 0
        s.vars.pop(MULTI, None)
        if step.kind == "multi":
            s.vars[MULTI] = list(s.answers.get(step.key) or [])

    def _goto(self, turn: Turn, ctx: Ctx, step_id: str | None) -> None:
        s = turn.session
        fl = self.flows[s.flow]  # type: ignore[index]
        while step_id is not None:
            step = fl.step(step_id)
            self._enter(s, step)
            if step.kind == "message":
                turn.messages.append(self._prompt(step, ctx))
                step_id = self._route(step, ctx, None)
                continue
            if step.kind == "action":
                s.pending_action = {
                    "name": step.action,
                    "args": step.args(ctx) if step.args else {},
                }
                return
            turn.messages.append(self._prompt(step, ctx))
            return
        s.clear()
        self._resume_shelved(turn, ctx)

    def deny(self, session: Session, inbound: Inbound, user: dict[str, Any]) -> Turn:
        """End whatever runs: the host refused the pending action for this user."""
        s = session.copy()
        turn = Turn(s)
        asked = (s.flow, s.step)
        self._deny(turn, self._ctx(s, inbound, user))
        return self._finish(turn, asked, inbound)

    def _deny(self, turn: Turn, ctx: Ctx) -> None:
        turn.session.clear()
        turn.messages.append(self._not_available(ctx))

    def _not_available(self, ctx: Ctx) -> Outbound:
        return Outbound(ctx.t("This command is not available for your account."), self._menu(ctx))

    def _start(self, turn: Turn, fl: Flow, arg: str, ctx: Ctx) -> None:
        s = turn.session
        if not self._allowed(fl, ctx):
            turn.messages.append(self._not_available(ctx))
            return
        s.clear()
        s.flow = fl.id
        s.vars["arg"] = arg
        # One run of a flow, the idempotency key of what it stores: named by the starting update.
        s.vars["run"] = f"{fl.id}-{ctx.turn_id or f'{ctx.now.timestamp():.6f}'}"
        ctx = replace(ctx, answers=s.answers, vars=s.vars)
        self._goto(turn, ctx, fl.entry(ctx) if fl.entry else fl.start)

    def _instant(self, turn: Turn, ctx: Ctx, fl: Flow) -> None:
        """Show an information-only flow, then ask the pending question again, if any."""
        step_id: str | None = fl.start
        texts = []
        while step_id is not None:
            step = fl.step(step_id)
            texts.append(self._text(step.prompt, ctx))
            step_id = self._route(step, ctx, None)
        self._reprompt(turn, ctx, "\n".join(texts))

    def _after_action(self, turn: Turn, ctx: Ctx, result: dict[str, Any]) -> None:
        s = turn.session
        if not s.pending_action or s.flow is None:
            raise RuntimeError("an action result arrived but no action was pending")
        step = self.flows[s.flow].step(s.step)  # type: ignore[arg-type]
        s.pending_action = None
        s.vars[step.key] = result
        if step.commits:
            s.history.clear()
            s.vars[RECORDED] = True
        self._goto(turn, ctx, self._route(step, ctx, result))

    # -- commands and states outside a step ----------------------------------------------------

    def _global(self, turn: Turn, ctx: Ctx, name: str, arg: str) -> None:
        s, t = turn.session, ctx.t
        if name == "cancel":
            had_flow = s.flow is not None
            s.clear()
            text = (
                t("Cancelled. Nothing was saved.") if had_flow else t("There is nothing to cancel.")
            )
            if had_flow and s.shelved:  # back to the draft left for the cancelled task
                turn.messages.append(Outbound(text))
                self._resume_shelved(turn, ctx)
                return
            turn.messages.append(Outbound(text, self._menu(ctx)))
        elif name == "back":
            if s.flow is None or s.paused or s.offer:
                self._reprompt_or_menu(turn, ctx, t("There is no earlier question to go back to."))
            elif not s.history or (len(s.history) == 1 and s.history[0] == s.step):
                first = (
                    t(
                        "What is recorded stays recorded; there is no earlier question to go back to."
                    )
                    if s.vars.get(RECORDED)
                    else t("This is the first question; there is nothing before it.")
                )
                self._reprompt(turn, ctx, first)
            else:
                if s.history[-1] == s.step:
                    s.history.pop()
                step = self.flows[s.flow].step(s.history.pop())
                self._enter(s, step)
                prefix = t("Back to the previous question.")
                turn.messages.append(self._prompt(step, ctx, prefix))
        elif name == "help":
            step = self._current_step(s)
            parts = [self._text(step.help, ctx)] if step and step.help else []
            parts.append(
                t(
                    "You can always type: /back to go back, /cancel to stop, /lang to switch language."
                )
            )
            self._reprompt_or_menu(turn, ctx, "\n".join(parts))
        elif name == "lang":
            wanted = fold(arg)[:2] if arg else ("en" if s.locale == "vi" else "vi")
            s.locale = wanted if wanted in SUPPORTED_LOCALES else "vi"
            ctx = replace(ctx, t=Translator(s.locale))
            self._reprompt_or_menu(turn, ctx, ctx.t("Language: English"))

    def _current_step(self, s: Session) -> Step | None:
        if s.flow is None or s.step is None or s.paused or s.offer:
            return None
        step = self.flows[s.flow].step(s.step)
        return step if step.kind in WAITING_KINDS else None

    def _offered(self, s: Session, ctx: Ctx, choice: str) -> bool:
        step = self._current_step(s)
        return step is not None and choice in {c.id for c in self._choices(step, ctx)}

    def _reprompt(self, turn: Turn, ctx: Ctx, prefix: str) -> None:
        step = self._current_step(turn.session)
        if step is None:
            turn.messages.append(Outbound(prefix, self._menu(ctx)))
        else:
            turn.messages.append(self._prompt(step, ctx, prefix))

    _reprompt_or_menu = _reprompt

    def _idle(self, turn: Turn, ctx: Ctx, raw: str) -> None:
        for fl in self.flows.values():
            if fl.matches and raw and fl.matches(raw):
                self._start(turn, fl, raw, ctx)
                return
        t = ctx.t
        if fold(raw).strip(" .!?") in GREETINGS:  # "xin chào", "menu": the menu, no apology
            text = t("Hello! Choose what you want to do:")
        elif raw:
            text = t("Sorry, I did not understand. Choose what you want to do:")
        else:
            text = t("Choose what you want to do:")
        turn.messages.append(Outbound(text, self._menu(ctx)))
