"""Flow definitions (immutable) and the JSON-safe session (what gets saved)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from domain import jsontext
from domain.i18n import Translator

StepKind = Literal[
    "choice", "multi", "yesno", "number", "money", "text", "phone", "action", "message"
]
WAITING_KINDS = ("choice", "multi", "yesno", "number", "money", "text", "phone")


class Chat(Protocol):
    """What a wording depends on: whether the chat has buttons (a Ctx, an Inbound)."""

    numbered: bool


def for_chat(chat: Chat, buttons: str, typed: str) -> str:
    """The msgid worded for the chat: `buttons` says to press a button; `typed`, for a chat
    without buttons (Zalo), says what to type instead (the number, or the letter on a question
    whose answer is itself a number)."""
    return typed if chat.numbered else buttons


def chat_text(buttons: str, typed: str) -> Callable[[Ctx], str]:
    """A step's prompt or help worded for the chat (see `for_chat`)."""
    return lambda ctx: ctx.t(for_chat(ctx, buttons, typed))


class Invalid(Exception):
    """An answer that matched no case: carries the specific re-prompt (English msgid + params),
    and, when it says to press a button, its wording for a chat without buttons (`typed`)."""

    def __init__(self, msgid: str, *, typed: str = "", **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.typed = typed or msgid
        self.params = params

    def message(self, t: Translator, chat: Chat | None = None) -> str:
        msgid = for_chat(chat, self.msgid, self.typed) if chat else self.msgid
        return t(msgid, **self.params) if msgid else ""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    # What a chat without buttons types for it; None: its number in the list. A question whose
    # answer is itself a number ("4" people) offers its choices by letter ("a"), see pressed.py.
    key: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A document sent with a message, by reference: which document of which record, not its
    bytes. JSON-safe, so it is kept with a turn's replies and in the outbox; the host makes the
    file when the message goes out (a Telegram upload, a download link where there is none)."""

    kind: str  # documents.templating.KINDS: minutes, posting, decision, certificate
    format: str  # docx | xlsx
    ids: tuple[tuple[str, int], ...]  # e.g. (("round", 12),); ("hamlet", 3) narrows a list
    title: str  # shown with the file, in the recipient's language

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "format": self.format,
            "ids": dict(self.ids),
            "title": self.title,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Attachment | None:
        if not isinstance(data, Mapping) or not isinstance(data.get("ids"), Mapping):
            return None
        ids = tuple(sorted((str(k), int(v)) for k, v in data["ids"].items()))
        return cls(str(data["kind"]), str(data["format"]), ids, str(data.get("title", "")))

    def id(self, name: str) -> int | None:
        return dict(self.ids).get(name)


def document_of(key: str) -> Callable[[Ctx], Attachment | None]:
    """For `Step(attach=...)`: the document an action's result (saved under `key`) carries as
    {"document": {...}} (handlers.documents_actions makes it)."""

    def attach(ctx: Ctx) -> Attachment | None:
        result = ctx.vars.get(key)
        return Attachment.from_json(result.get("document")) if isinstance(result, dict) else None

    return attach


@dataclass(frozen=True)
class Outbound:
    text: str
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Inbound:
    now: datetime
    text: str | None = None
    choice: str | None = None  # id of a pressed button
    action_result: dict[str, Any] | None = None
    turn_id: str | None = None  # the channel's update id, when it has one
    numbered: bool = False  # the chat has no buttons (Zalo): choices are typed as numbers
    unreadable: bool = False  # a photo, sticker or voice note: nothing to read


@dataclass
class Ctx:
    """What a prompt, a check or a router sees. `user` is supplied by the host on every turn."""

    t: Translator
    answers: dict[str, Any]
    vars: dict[str, Any]
    user: dict[str, Any]
    now: datetime
    env: Mapping[str, Any] = field(default_factory=dict)  # host-provided pure data (standards)
    turn_id: str | None = None  # the channel's update id of this turn
    numbered: bool = False  # the chat has no buttons: prompts say to type numbers


Text = str | Callable[[Ctx], str]  # a msgid (translated by the engine) or a function of the context
Router = str | Callable[[Ctx, Any], str | None] | None


@dataclass(frozen=True)
class Step:
    id: str
    kind: StepKind
    prompt: Text = ""
    choices: Callable[[Ctx], Sequence[Choice]] | None = None
    next: Router = None  # step id, a function of (ctx, value), or None to end the flow
    save: str | None = None  # answer key; defaults to the step id
    parse: Callable[[str], Any] | None = None  # for number/money: text -> value or Invalid
    check: Callable[[Ctx, Any], None] | None = None  # extra rule on a parsed value
    invalid: str = ""  # specific re-prompt msgid for an answer that matches no case
    help: Text = ""  # what /help says at this step
    action: str | None = None  # kind "action": the host runs it and resumes with the result
    args: Callable[[Ctx], dict[str, Any]] | None = None
    commits: bool = False  # an action that records for good: /back cannot go before it
    min_length: int = 1
    max_length: int = 200
    attach: Callable[[Ctx], Attachment | None] | None = None  # a document sent with the prompt

    @property
    def key(self) -> str:
        return self.save or self.id


@dataclass(frozen=True)
class Flow:
    id: str
    title: str  # msgid, e.g. "account linking"
    start: str
    steps: Mapping[str, Step]
    command: str | None = None  # "/start"
    aliases: tuple[str, ...] = ()  # typed Vietnamese forms, e.g. ("bắt đầu",)
    roles: tuple[str, ...] | None = None  # who may start it; None = anyone, "" = not linked
    in_menu: bool = False
    entry: Callable[[Ctx], str] | None = None  # picks the first step from the context
    matches: Callable[[str], bool] | None = None  # bare text that starts this flow when idle
    instant: bool = False  # only message steps: answered without leaving the current flow
    ask_before_restart: bool = False  # its own command mid-flow asks before dropping the answers
    board: bool = False  # read-only (a status board): another task replaces it without asking

    def step(self, step_id: str) -> Step:
        return self.steps[step_id]


def flow(id: str, title: str, steps: Sequence[Step], **kw: Any) -> Flow:
    return Flow(id=id, title=title, start=steps[0].id, steps={s.id: s for s in steps}, **kw)


@dataclass
class Session:
    """Everything saved between two messages; survives json.dumps/json.loads."""

    flow: str | None = None
    step: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    retries: int = 0
    locale: str = "vi"
    paused: bool = False
    updated_at: str | None = None
    pending_action: dict[str, Any] | None = None
    offer: dict[str, Any] | None = None  # a flow switch waiting for the user's confirmation
    # Counts the questions asked; buttons carry it ("yes~12") so that a button left on an older
    # message is recognised as such even where its keyboard could not be removed.
    seq: int = 0
    # What the last message with choices offered, as [id, label] pairs (ids as sent): on a chat
    # without buttons a typed number or label answers it. Set after each turn, and by the sender
    # when a notice with choices goes out, so a number answers whichever list came last.
    offered: list[list[str]] = field(default_factory=list)
    # A notice's choices sent by letter while a question was waiting ("a. Xem xét"): the
    # numbers kept answering the question, a letter picks from these.
    notice_offered: list[list[str]] = field(default_factory=list)
    # A draft left for another task the user chose to start (flow, step, answers, vars,
    # history): offered back when that task ends, so nothing typed is lost.
    shelved: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "answers": self.answers,
            "vars": self.vars,
            "history": self.history,
            "retries": self.retries,
            "locale": self.locale,
            "paused": self.paused,
            "updated_at": self.updated_at,
            "pending_action": self.pending_action,
            "offer": self.offer,
            "seq": self.seq,
            "offered": self.offered,
            "notice_offered": self.notice_offered,
            "shelved": self.shelved,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Session:
        data = dict(data or {})
        known = {k: data[k] for k in cls().to_json() if k in data}
        return cls(**known)

    def copy(self) -> Session:
        """A deep copy through JSON, which also proves the state stays JSON-safe."""
        return Session.from_json(jsontext.loads(jsontext.dumps(self.to_json())))

    def clear(self) -> None:
        """Forget the task; keep the language, what the chat was last offered and a shelved
        draft."""
        locale, seq, offered, notice = self.locale, self.seq, self.offered, self.notice_offered
        shelved = self.shelved
        self.__init__()  # type: ignore[misc]
        self.locale, self.seq, self.offered, self.notice_offered = locale, seq, offered, notice
        self.shelved = shelved

    def has_draft(self) -> bool:
        """Answers the user gave in this run (keys starting with "_" are the flow's own marks)."""
        return any(not key.startswith("_") for key in self.answers)

    def shelve(self) -> None:
        """Keep the draft under way aside (its answers, where it stood)."""
        self.shelved = {
            "flow": self.flow, "step": self.step, "answers": self.answers, "vars": self.vars,
            "history": self.history, "updated_at": self.updated_at,
        }  # fmt: skip

    def unshelve(self) -> bool:
        """The shelved draft back, paused (to be offered); False when there is none."""
        kept, self.shelved = self.shelved, None
        if not kept:
            return False
        self.flow, self.step, self.answers = kept["flow"], kept["step"], kept["answers"]
        self.vars, self.history = kept["vars"], kept["history"]
        self.updated_at, self.paused = kept.get("updated_at"), True
        return True
