"""Documents for the chat: a message's attachment made into a file when it is sent, or a
short-lived signed link to it where the channel cannot send files (Zalo, the simulator).

A link names the document, not a person: whoever holds it may download that document until it
expires (`CHUNGTAY_DOCUMENT_LINK_HOURS`), as with a file forwarded from the chat. It is signed
with HMAC-SHA256 under the app's secret key, so it cannot be altered to name another record.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.model import Attachment
from documents.files import File
from documents.produce import (
    DocumentRefused,
    decision_file,
    household_certificate,
    minutes_file,
    posting_file,
    round_certificates,
)
from documents.templating import Templates
from domain.calendar import local_day
from domain.standards import Standard
from storage.models import OrgUnit
from storage.models_procedure import HamletMeeting, ReviewRound
from storage.models_register import Household

PURPOSE = b"chungtay-document-link:"
DOWNLOAD_PATH = "/api/v1/documents/download/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def make(
    db: AsyncSession,
    templates: Templates,
    attachment: Attachment,
    *,
    standards: Mapping[str, Standard] | None,
    now: datetime,
) -> File:
    """The file an attachment names; DocumentRefused when its record is gone."""
    today = local_day(now)
    kind, ids = attachment.kind, dict(attachment.ids)
    if kind == "minutes":
        meeting = await db.get(HamletMeeting, ids.get("meeting", 0))
        if meeting is None:
            raise DocumentRefused("not_found")
        return await minutes_file(db, templates, meeting)
    if kind == "certificate" and "household" in ids:
        household = await db.get(Household, ids["household"])
        if household is None:
            raise DocumentRefused("not_found")
        return await household_certificate(
            db, templates, household, standards=standards, today=today
        )
    rnd = await db.get(ReviewRound, ids.get("round", 0))
    if rnd is None:
        raise DocumentRefused("not_found")
    if kind == "posting":
        hamlet = await db.get(OrgUnit, ids["hamlet"]) if "hamlet" in ids else None
        return await posting_file(
            db, templates, rnd, hamlet=hamlet, fmt=attachment.format, today=today
        )
    if kind == "decision":
        return await decision_file(db, templates, rnd, standards=standards, today=today)
    if kind == "certificate":
        return await round_certificates(db, templates, rnd, standards=standards)
    raise DocumentRefused("unknown_document")


class Documents:
    """What channels call to send an attachment (bot.channels.base.Files)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        templates: Templates,
        *,
        standards: Mapping[str, Standard] | None,
        secret_key: str,
        public_url: str,
        link_ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.templates = templates
        self.standards = standards
        self._key = secret_key.encode()
        self.public_url = public_url.rstrip("/")
        self.link_ttl = link_ttl
        self.clock = clock

    async def render(self, attachment: Attachment) -> File:
        async with self.sessionmaker() as db:
            return await make(
                db, self.templates, attachment, standards=self.standards, now=self.clock()
            )

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._key, PURPOSE + payload.encode(), hashlib.sha256).digest()
        return _b64(digest[:18])

    def token(self, attachment: Attachment) -> str:
        expires = int((self.clock() + self.link_ttl).timestamp())
        body = {"a": attachment.to_json(), "e": expires}
        payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
        return f"{payload}.{self._signature(payload)}"

    @property
    def link_hours(self) -> int:
        return max(1, round(self.link_ttl.total_seconds() / 3600))

    def link(self, attachment: Attachment, *, absolute: bool = True) -> str:
        """A download address valid for `link_ttl` from now (a path on this server when not
        `absolute`: the simulator's page is served from it)."""
        path = f"{DOWNLOAD_PATH}{self.token(attachment)}"
        return f"{self.public_url}{path}" if absolute else path

    def verify(self, token: str) -> Attachment | None:
        """The attachment a link names, or None when it was altered or has expired."""
        payload, _, signature = token.partition(".")
        # As bytes: compare_digest refuses a str with a non-ASCII character (TypeError, a 500).
        expected = self._signature(payload).encode()
        if not payload or not hmac.compare_digest(signature.encode(), expected):
            return None
        try:
            body = json.loads(_unb64(payload))
            expires = int(body["e"])
            attachment = Attachment.from_json(body["a"])
        except (ValueError, KeyError, TypeError):
            return None
        if attachment is None or self.clock().timestamp() > expires:
            return None
        return attachment
