"""One path for every channel: inbound -> dedupe -> locked session -> engine -> save -> outbound."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.engine import Engine
from conversations.model import Attachment, Inbound, Outbound, Session
from conversations.pressed import choices_of, offered, pairs
from domain.i18n import N_
from handlers.actions import Action, ActionContext
from handlers.metrics import HANDLER_SECONDS, UPDATES
from handlers.notify import Deliver, Notice, enqueue_notices
from handlers.registry import ACTIONS, permitted
from storage import sessions
from storage.audit import record
from storage.db import turn_transaction
from storage.models import Person
from storage.people import reactivate_account, set_locale

log = logging.getLogger(__name__)
MAX_ACTIONS_PER_TURN = 10
# Sent straight to the chat when the database is down (the outbox lives in the database).
BUSY = N_("The system is busy, please try again later.")


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    chat_id: str
    user_id: str
    text: str | None = None
    choice: str | None = None
    update_id: str | None = None
    display_name: str | None = None
    numbered: bool = False  # the channel has no buttons: the chat types numbers (Zalo)
    unreadable: bool = False  # a photo, sticker or voice note


def utc_now() -> datetime:
    return datetime.now(UTC)


class Conversations:
    """The use case every channel adapter calls."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        engine: Engine,
        *,
        secret_key: str,
        invite_failures_per_hour: int = 5,
        default_locale: str = "vi",
        clock: Callable[[], datetime] = utc_now,
        actions: Mapping[str, Action] = ACTIONS,
        reply_lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.sessionmaker = sessionmaker
        self.engine = engine
        self.secret_key = secret_key
        self.invite_failures_per_hour = invite_failures_per_hour
        self.default_locale = default_locale
        self.clock = clock
        self.actions = actions
        self.reply_lease = reply_lease
        # Updates whose replies this process holds and is sending: a redelivery meanwhile is a
        # plain duplicate (the holder is alive), whatever the lease in the database says.
        self._sending: set[tuple[str, str]] = set()
        self.deliver: Deliver | None = None  # set by the composition root once channels exist
        # In-process serialisation per chat; PostgreSQL's row lock covers other processes.
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def _lock(self, key: tuple[str, str]) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, msg: InboundMessage, *, hold: bool = False) -> list[Outbound] | None:
        """The replies to send, or None when this update was already handled.

        With `hold`, the replies are kept with the update's claim until the caller reports them
        sent (`released`): a redelivery of an update whose worker died before sending gets them
        (the turn is not run again). Raises RepliesInFlight while another worker holds them."""
        began = time.perf_counter()
        outcome = "error"
        try:
            replies = await self._handle(msg, hold)
            outcome = "duplicate" if replies is None else "handled"
            return replies
        finally:
            UPDATES.labels(msg.channel, outcome).inc()
            HANDLER_SECONDS.labels(msg.channel).observe(time.perf_counter() - began)

    async def _handle(self, msg: InboundMessage, hold: bool) -> list[Outbound] | None:
        notices: list[Notice] = []
        key = (msg.channel, msg.update_id) if hold and msg.update_id is not None else None
        async with self._lock((msg.channel, msg.chat_id)):
            async with turn_transaction(self.sessionmaker) as db:
                row = await sessions.claim_and_lock(
                    db,
                    channel=msg.channel,
                    chat_id=msg.chat_id,
                    update_id=msg.update_id,
                    user_id=msg.user_id,
                    now=utc_now(),  # processed_at: when it was, whatever the flows' clock
                )
                if row is None and key is not None:
                    replies = await self._redelivered(db, key)
                elif row is None:
                    log.info("duplicate update %s/%s dropped", msg.channel, msg.update_id)
                    replies = None
                else:
                    replies = await self._turn(db, msg, row, notices, key)
            if key is not None and replies:
                self._sending.add(key)  # committed: ours to send until released
        if notices and self.deliver is not None:
            self.deliver()  # in the background: the outbox keeps what is not sent yet
        return replies

    async def _redelivered(self, db: AsyncSession, key: tuple[str, str]) -> list[Outbound] | None:
        """An update handled before: None, or the replies a dead worker never confirmed."""
        if key in self._sending:
            log.info("duplicate update %s/%s dropped (its replies are being sent)", *key)
            return None
        now = self.clock()
        stored = await sessions.take_unsent(
            db, channel=key[0], update_id=key[1], now=now, lease_until=now + self.reply_lease
        )
        if stored is None:
            log.info("duplicate update %s/%s dropped", *key)
            return None
        log.warning("update %s/%s: replies never confirmed sent; sending them now", *key)
        return [decode(m) for m in stored]

    async def released(self, msg: InboundMessage, *, sent: bool) -> None:
        """The holder of a `hold` turn's replies is done: marked sent when they all went out;
        otherwise left for a redelivery to send once the lease runs out."""
        if msg.update_id is None:
            return
        key = (msg.channel, msg.update_id)
        if key not in self._sending:
            return
        try:
            if sent:
                await sessions.replies_sent(self.sessionmaker, channel=key[0], update_id=key[1])
        except Exception as exc:  # the replies did go out; at worst a redelivery repeats them
            log.warning("marking the replies of %s/%s sent failed: %s", *key, exc)
        finally:
            self._sending.discard(key)

    async def _turn(
        self,
        db: AsyncSession,
        msg: InboundMessage,
        row: sessions.SessionRow,
        notices: list[Notice],
        key: tuple[str, str] | None,
    ) -> list[Outbound]:
        """The turn's replies; with `key`, also kept with the update's claim (see `handle`)."""
        now = self.clock()
        session = Session.from_json(row.state)
        user = await self._user(db, msg, row)
        # The person's id and language as stored (an action may relink the chat mid-turn).
        person_id, locale = user.get("person_id"), user.get("locale")
        if not row.state:
            session.locale = self.default_locale
        if locale is not None:
            session.locale = locale
        inbound = Inbound(
            now=now,
            text=msg.text,
            choice=msg.choice,
            turn_id=msg.update_id,
            numbered=msg.numbered,
            unreadable=msg.unreadable,
        )
        turn = self.engine.resume(session, inbound, user)
        messages = list(turn.messages)
        for _ in range(MAX_ACTIONS_PER_TURN):
            pending = turn.action
            if pending is None:
                break
            if not permitted(pending["name"], user):
                self._refused(db, msg, pending["name"], user)
                turn = self.engine.deny(turn.session, Inbound(now=now, numbered=msg.numbered), user)
                messages.extend(turn.messages)
                break
            ctx = ActionContext(
                db=db,
                channel=msg.channel,
                chat_id=msg.chat_id,
                user_id=msg.user_id,
                display_name=msg.display_name,
                locale=turn.session.locale,
                now=now,
                secret_key=self.secret_key,
                invite_failures_per_hour=self.invite_failures_per_hour,
                user=user,
                answers=turn.session.answers,
                vars=turn.session.vars,
                env=self.engine.env,
                notices=notices,
            )
            result = await self.actions[pending["name"]](ctx, pending.get("args") or {})
            after = Inbound(now=now, action_result=result, numbered=msg.numbered)
            turn = self.engine.resume(turn.session, after, user)
            messages.extend(turn.messages)
        else:
            raise RuntimeError("a flow ran too many actions in one turn")
        if person_id is None and user.get("person_id"):  # linked during this turn
            person = await db.get(Person, user["person_id"])
            if person is not None and person.locale != turn.session.locale:
                person.locale = turn.session.locale
        elif person_id is not None and locale != turn.session.locale:
            await set_locale(db, person_id, turn.session.locale)
        if messages:  # a typed number now answers the last of these that offered choices
            turn.session.offered = offered(messages)
        await enqueue_notices(db, notices, self.clock())
        keep = None
        if key is not None and messages:
            keep = sessions.Keep(
                channel=key[0],
                update_id=key[1],
                replies=[encode(m) for m in messages],
                lease_until=self.clock() + self.reply_lease,
            )
        expires = now + self.engine.ttl if turn.session.flow else None
        await sessions.save(db, row, turn.session.to_json(), now=now, expires_at=expires, keep=keep)
        return messages

    def _refused(
        self, db: AsyncSession, msg: InboundMessage, action: str, user: dict[str, Any]
    ) -> None:
        """Audited under the chat account that asked: the identity the refusal is about."""
        log.warning("%s action %s refused for this chat's user", msg.channel, action)
        record(
            db,
            actor=f"{msg.channel}:{msg.user_id}",
            action="action.denied",
            entity=f"action:{action}",
            after={"person_id": user.get("person_id"), "role": user.get("role")},
        )

    async def _user(
        self, db: AsyncSession, msg: InboundMessage, row: sessions.SessionRow
    ) -> dict[str, Any]:
        found = await sessions.turn_user(db, row, channel=msg.channel, user_id=msg.user_id)
        if found is None or found.person is None or not found.person_active:
            return {"linked": False}
        if not found.account_active:
            # Marked inactive after a failed delivery (blocked bot); writing again proves it is back.
            await reactivate_account(db, found.account_id)
            record(
                db,
                actor=f"{msg.channel}:{msg.user_id}",
                action="account.reactivate",
                entity=f"channel_account:{found.account_id}",
                after={"active": True},
            )
        return dict(found.person)


def encode(message: Outbound) -> list[Any]:
    """A reply as kept in the database: [text, [[id, label], ...]], and its attachment's JSON
    third when it has one."""
    out: list[Any] = [message.text, pairs(message.choices)]
    if message.attachment is not None:
        out.append(message.attachment.to_json())
    return out


def decode(stored: list[Any]) -> Outbound:
    text, choices, *rest = stored
    attachment = Attachment.from_json(rest[0]) if rest else None
    return Outbound(text, choices_of(choices), attachment)


def session_ttl(hours: int) -> timedelta:
    return timedelta(hours=hours)
