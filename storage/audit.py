"""The audit log: every write and decision, with who did it and what changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog


def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    entity: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    kind, colon, ident = actor.partition(":")  # "person:12", "telegram:7001", or "cli", "seed"
    if not kind or (colon and ident in ("", "None")):
        # A write nobody can be held to must not happen at all: the caller's transaction fails.
        raise ValueError(f"audit record without an identity: {actor!r}")
    entry = AuditLog(actor=actor, action=action, entity=entity, before=before, after=after)
    session.add(entry)
    return entry
