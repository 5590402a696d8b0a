"""What a household is told about its request to be reviewed (Mẫu 01): where it stands in the
procedure for /trangthai, and why a new one is refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from conversations.flows.assess import class_label
from conversations.model import Choice, Ctx
from domain import procedure as proc
from domain.i18n import N_

# Where a request stands, in the household's words, by the procedure's stage (domain.procedure).
STAGE_LABELS = {
    proc.AWAITING_MEETING: N_("sent, waiting for the hamlet meeting"),
    proc.AWAITING_REVIEW: N_("passed the hamlet meeting, waiting for the commune's review"),
    proc.AWAITING_POSTING: N_("on the round's list, waiting for the public posting"),
    proc.STAGE_POSTING: N_("posted publicly until {date}, then the commune decides"),
    proc.STAGE_COMPLAINT: N_(
        "posted publicly; the commune is examining a complaint about it before deciding"
    ),
}
# Once out of the procedure.
OUTCOME_LABELS = {
    "approved": N_("approved by the commune"),
    proc.MEETING_FAILED: N_("not passed at the hamlet meeting"),
    "returned": N_("returned to you for correction"),
    "rejected": N_("not approved"),
}


def day(ctx: Ctx, iso: str) -> str:
    value = date.fromisoformat(iso) if len(iso) == 10 else datetime.fromisoformat(iso)
    return ctx.t.date(value)


def state_label(ctx: Ctx, item: dict[str, Any]) -> str:
    """The request's state from the action's item (its stage, or its outcome)."""
    t, stage = ctx.t, item.get("stage")
    if stage == proc.STAGE_POSTING and item.get("posting_ends_on"):
        return t(STAGE_LABELS[stage], date=day(ctx, item["posting_ends_on"]))
    if stage in STAGE_LABELS and stage != proc.STAGE_POSTING:
        return t(STAGE_LABELS[stage])
    decision = item.get("decision")
    if item.get("status") == "approved" and decision:
        return t(
            "recognised by the commune's decision No. {number} of {date}",
            number=decision["number"],
            date=day(ctx, decision["date"]),
        )
    label = OUTCOME_LABELS.get(item.get("status", ""), STAGE_LABELS[proc.AWAITING_MEETING])
    return t(label)


def request_blocks(ctx: Ctx, items: list[dict[str, Any]]) -> list[str]:
    t, blocks = ctx.t, []
    for item in items:
        lines = [
            t(
                "Request {ref} (household of {name}): {state}",
                ref=item["ref"],
                name=item["name"],
                state=state_label(ctx, item),
            ),
            t(
                "Sent on {date}; last change on {changed}.",
                date=day(ctx, item["at"]),
                changed=day(ctx, item["changed"]),
            ),
        ]
        vote = item.get("vote")
        if vote and item.get("status") == proc.MEETING_FAILED:
            lines.append(
                t(
                    "At the hamlet meeting {votes} of the {present} present agreed; at least "
                    "{needed} were needed (QĐ 24/2021). You may send a new request if your "
                    "situation changes.",
                    votes=vote["for"],
                    present=vote["present"],
                    needed=proc.votes_needed(vote["present"]),
                )
            )
        if item.get("klass") and item.get("status") == "approved":
            lines.append(
                t(
                    "Your household's status is now: {status}.",
                    status=class_label(ctx, item["klass"]),
                )
            )
        if item.get("reason") and item.get("status") in ("returned", "rejected"):
            lines.append(t("Reason given: {reason}", reason=item["reason"]))
        blocks.append("\n".join(lines))
    return blocks


def fix_choices(ctx: Ctx, items: list[dict[str, Any]]) -> list[Choice]:
    return [
        Choice(f"flow:request:fix:{i['ref']}", ctx.t("Correct and send again"))
        for i in items
        if i["status"] == "returned"
    ]


def refused_text(ctx: Ctx) -> str:
    r, t = ctx.vars["refusal"], ctx.t
    status = r.get("status")
    if status == "open":
        return t(
            "Your household already has a paper in progress: {ref}, sent on {date} ({state}). "
            "Only one is considered at a time; type /trangthai to follow yours.",
            ref=r["ref"],
            date=day(ctx, r["at"]),
            state=state_label(ctx, r),
        )
    if status == "not_returned":
        return t(
            "Request {ref} is now: {state}. There is nothing to correct.",
            ref=r["ref"],
            state=state_label(ctx, r),
        )
    if status == "limited":
        return t(
            "This chat has already sent {n} requests in the last 24 hours. "
            "Please try again in {hours} hours.",
            n=r["limit"],
            hours=r["hours"],
        )
    if status == "already_poor":
        return t(
            "The register lists your household as {klass} already. To leave poverty, type "
            "/thoatngheo; if the register is wrong, please tell your hamlet head.",
            klass=class_label(ctx, r.get("klass", "")),
        )
    return t("You have no request {ref} to correct.", ref=r.get("ref", ""))
