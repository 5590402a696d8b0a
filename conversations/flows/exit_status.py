"""What a household is told about its registration: /trangthai, and why a new one is refused."""

from __future__ import annotations

from datetime import datetime

from conversations.flows.assess import class_label
from conversations.flows.request_status import fix_choices, request_blocks
from conversations.model import Choice, Ctx, Step, flow
from domain.i18n import N_

STATUS_LABELS = {
    "submitted": N_("sent, waiting for the hamlet meeting"),
    "hamlet_reviewed": N_("discussed at the hamlet meeting, waiting for the commune's decision"),
    "meeting_passed": N_("passed the hamlet meeting, waiting for the commune's review"),
    "meeting_failed": N_("not passed at the hamlet meeting"),
    "accepted": N_("on the round's list, waiting for the public posting"),
    "posted": N_("posted publicly, waiting for the commune's decision"),
    "returned": N_("returned to you for correction"),
    "approved": N_("approved by the commune"),
    "rejected": N_("not approved"),
}


def status_label(ctx: Ctx, state: str) -> str:
    return ctx.t(STATUS_LABELS.get(state, STATUS_LABELS["submitted"]))


def day(ctx: Ctx, iso: str) -> str:
    return ctx.t.date(datetime.fromisoformat(iso))


def refused_text(ctx: Ctx) -> str:
    r, t = ctx.vars["refusal"], ctx.t
    status = r.get("status")
    if status == "open":
        return t(
            "A registration for this household is already in progress: {ref}, sent on {date} "
            "({state}). Only one can be open at a time; type /trangthai to follow it.",
            ref=r["ref"],
            date=day(ctx, r["at"]),
            state=status_label(ctx, r["state"]),
        )
    if status == "not_returned":
        return t(
            "Registration {ref} is now: {state}. There is nothing to correct.",
            ref=r["ref"],
            state=status_label(ctx, r["state"]),
        )
    if status == "limited":
        return t(
            "This chat has already sent {n} registrations in the last 24 hours. "
            "Please try again in {hours} hours.",
            n=r["limit"],
            hours=r["hours"],
        )
    if status == "not_eligible":
        return t(
            "The register lists your household as {klass}: there is no poverty to exit. "
            "If that is wrong, please tell your hamlet head.",
            klass=class_label(ctx, r.get("klass", "")),
        )
    return t("You have no registration {ref} to correct.", ref=r.get("ref", ""))


# -- /trangthai ---------------------------------------------------------------------------------


def _status_text(ctx: Ctx) -> str:
    t, items = ctx.t, ctx.vars["load"]["items"]
    requests = ctx.vars["requests"]["items"]
    if not items and not requests:
        return (
            t(
                "You have not sent a registration to exit poverty from this chat. "
                "Type /thoatngheo to register."
            )
            + "\n"
            + t("To ask to be reviewed as a poor or near-poor household, type /denghi.")
        )
    blocks = request_blocks(ctx, requests)
    for item in items:
        lines = [
            t(
                "Registration {ref} (household of {name}): {state}",
                ref=item["ref"],
                name=item["name"],
                state=status_label(ctx, item["status"]),
            ),
            t(
                "Sent on {date}; last change on {changed}.",
                date=day(ctx, item["at"]),
                changed=day(ctx, item["changed"]),
            ),
        ]
        if item["reason"] and item["status"] in ("returned", "rejected"):
            lines.append(t("Reason given: {reason}", reason=item["reason"]))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _status_choices(ctx: Ctx) -> list[Choice]:
    return fix_choices(ctx, ctx.vars["requests"]["items"]) + [
        Choice(f"flow:exit:fix:{i['ref']}", ctx.t("Correct and send again"))
        for i in ctx.vars["load"]["items"]
        if i["status"] == "returned"
    ]


STATUS = flow(
    "status",
    N_("registration status"),
    [
        Step("load", "action", action="exit.status", next="requests"),
        Step("requests", "action", action="request.status", next="show"),
        Step("show", "message", _status_text, choices=_status_choices),
    ],
    command="/trangthai",
    aliases=("trạng thái",),
    roles=("", "household"),
    in_menu=True,
)
