"""Actions of the officer's round in chat (/dotrasoat): where the round stands, the posting,
the standard, the decision. The same steps as api/rounds.py, scoped to the officer's commune."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from domain import procedure as proc
from domain.calendar import local_day
from domain.i18n import Translator
from domain.standards import StandardsError, get_standard
from handlers.actions import ActionContext
from handlers.documents_actions import ROUND_DOCUMENTS, TITLES, decision_document, document
from handlers.procedure_actions import close_and_notify
from storage.models_register import Submission
from storage.orgtree import unit_by_id
from storage.rounds import (
    RoundRefused,
    current_round,
    open_complaints,
    round_public,
    set_standard,
    start_posting,
)


async def officer_round(ctx: ActionContext):  # type: ignore[no-untyped-def]
    """The current round of the officer's commune, or None when the unit is not a commune."""
    unit = await unit_by_id(ctx.db, ctx.user.get("unit_id"))
    if unit is None or unit.level != "commune":
        return None, None
    rnd = await current_round(
        ctx.db, commune_id=unit.id, now=ctx.now, standards=ctx.env.get("standards")
    )  # type: ignore[arg-type]
    return unit, rnd


async def round_status(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    unit, rnd = await officer_round(ctx)
    if rnd is None:
        return {"ok": False}
    rows = (
        await ctx.db.execute(
            select(Submission.kind, Submission.status).where(
                Submission.commune_id == unit.id,  # type: ignore[union-attr]
                Submission.status.in_(proc.ACTIVE_STATES),  # type: ignore[attr-defined]
            )
        )
    ).all()
    stages = Counter(proc.stage(r.kind, r.status) for r in rows)
    today = local_day(ctx.now)
    return {
        "ok": True,
        "commune": unit.name,  # type: ignore[union-attr]
        "round": round_public(rnd),
        "stages": {k: v for k, v in stages.items() if k},
        "complaints": await open_complaints(ctx.db, round_id=rnd.id),
        "today": today.isoformat(),
        "posting_over": rnd.posting_ends_on is not None and today > rnd.posting_ends_on,
        "posting_would_end": proc.posting_ends(today).isoformat(),
        "posting_days": proc.procedure().posting_days,
    }


async def round_post(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    _, rnd = await officer_round(ctx)
    if rnd is None:
        return {"ok": False, "error": "no_commune"}
    try:
        subs = await start_posting(
            ctx.db, rnd=rnd, starts_on=local_day(ctx.now), actor=f"person:{ctx.user['person_id']}"
        )
    except RoundRefused as exc:
        return {"ok": False, "error": exc.code}
    return {"ok": True, "count": len(subs), "ends_on": rnd.posting_ends_on.isoformat()}  # type: ignore[union-attr]


async def round_standard(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    _, rnd = await officer_round(ctx)
    if rnd is None:
        return {"ok": False, "error": "no_commune"}
    try:
        get_standard(str(args.get("standard", "")), ctx.env.get("standards"))
        await set_standard(
            ctx.db,
            rnd=rnd,
            standard_id=str(args["standard"]),
            actor=f"person:{ctx.user['person_id']}",
        )
    except StandardsError:
        return {"ok": False, "error": "unknown_standard"}
    except RoundRefused as exc:
        return {"ok": False, "error": exc.code}
    return {"ok": True, "standard": rnd.standard_id}


async def round_decide(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    _, rnd = await officer_round(ctx)
    if rnd is None:
        return {"ok": False, "error": "no_commune"}
    try:
        subs = await close_and_notify(
            ctx.db,
            rnd=rnd,
            number=str(args["number"]),
            decided_on=date.fromisoformat(str(args["date"])),
            signer=str(args["signer"]),
            officer_id=ctx.user["person_id"],
            actor=f"person:{ctx.user['person_id']}",
            now=ctx.now,
            notices=ctx.notices,
        )
    except RoundRefused as exc:
        return {"ok": False, "error": exc.code}
    return {
        "ok": True,
        "count": len(subs),
        "notified": sum(1 for s in subs if s.reporter_id),
        # The decision as recorded, to print and file beside the signed one.
        "document": decision_document(rnd.id, rnd.decision_number or "", locale=ctx.locale),  # type: ignore[arg-type]
    }


async def round_document(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
    """A document of the officer's current round: the draft decision or the posting list."""
    wanted = (str(args.get("kind", "")), str(args.get("format", "")))
    if wanted not in ROUND_DOCUMENTS:
        return {"ok": False, "error": "unknown_document"}
    _, rnd = await officer_round(ctx)
    if rnd is None:
        return {"ok": False, "error": "no_commune"}
    title = Translator(ctx.locale)(TITLES[wanted])
    return {"ok": True, "document": document(*wanted, title, round=rnd.id)}


ACTIONS = {
    "round.status": round_status,
    "round.post": round_post,
    "round.standard": round_standard,
    "round.decide": round_decide,
    "round.document": round_document,
}
