"""Every action that reads or writes the register refuses a chat without an identity to scope it
by: no person, or a person with no unit (issue 12). The check sits in the host, so it holds
however the flow that reached the action was entered."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.services import Services
from conversations.engine import Engine
from conversations.model import Step, flow
from handlers.actions import ActionContext
from handlers.complaint_actions import complaint_answer, complaint_list, complaint_load
from handlers.inbound import Conversations, InboundMessage
from handlers.registry import ACTIONS, ROLES, permitted
from handlers.review_actions import review_decide, review_open
from storage.complaints import file_complaint
from storage.db import transaction
from storage.models import AuditLog
from storage.models_procedure import Complaint
from storage.models_register import Submission
from storage.orgtree import unit_by_code
from tests.handlers.test_request import posted_list
from tests.support import exit_registration_to_decide, link_person, seed_units

GUARDED = sorted(name for name, roles in ROLES.items() if roles is not None)
REFUSAL = "Tài khoản của bạn không dùng được lệnh này."


def test_every_action_says_who_may_run_it() -> None:
    """A new action without a line in the table would be refused everywhere: caught here."""
    assert set(ROLES) == set(ACTIONS)


@pytest.mark.parametrize(
    "user",
    [
        {"linked": False},
        {"linked": True, "person_id": None, "role": "officer", "unit_id": 3},
        {"linked": True, "person_id": 5, "role": "officer", "unit_id": None},
        {"linked": True, "person_id": 5, "role": "hamlet_head", "unit_id": None},
        {"linked": True, "person_id": 5, "role": "household", "unit_id": 3},
    ],
    ids=["unlinked", "no-person", "officer-no-unit", "head-no-unit", "household"],
)
def test_no_guarded_action_runs_for_a_user_without_scope(user: dict[str, Any]) -> None:
    assert [name for name in GUARDED if permitted(name, user)] == []


def test_an_admin_without_a_unit_may_review_everywhere() -> None:
    admin = {"linked": True, "person_id": 1, "role": "admin", "unit_id": None}
    assert permitted("review.decide", admin) and not permitted("report.submit", admin)


@pytest.mark.parametrize("action", GUARDED)
async def test_the_host_refuses_each_guarded_action_for_an_unlinked_chat(
    services: Services, action: str
) -> None:
    """A flow open to anyone stops at the action; the host must not run it."""
    ran: list[str] = []

    async def spy(ctx: ActionContext, args: dict[str, Any]) -> dict[str, Any]:
        ran.append(action)
        return {}

    probe = flow(
        "probe",
        "probe",
        [Step("act", "action", action=action, next="done"), Step("done", "message", "done")],
        command="/probe",
    )
    conv = Conversations(
        services.sessionmaker,
        Engine([probe]),
        secret_key="k",
        clock=services.clock,
        actions={name: spy for name in ACTIONS},
    )
    replies = await conv.handle(
        InboundMessage(
            channel="simulator", chat_id="s1", user_id="s1", text="/probe", update_id="1"
        )
    )
    assert ran == []
    assert replies is not None and [r.text for r in replies] == [REFUSAL]
    async with services.sessionmaker() as db:
        audit = (await db.execute(select(AuditLog))).scalars().all()
    assert [(a.actor, a.action, a.entity) for a in audit] == [
        ("simulator:s1", "action.denied", f"action:{action}")
    ]


async def test_review_actions_refuse_an_unlinked_caller(services: Services) -> None:
    """Called directly (no host check), the review actions still fail closed."""
    await seed_units(services)
    await link_person(services, "officer", "37-GIAVIEN", "Trần Thị Bình", None)
    sub_id, ref = await exit_registration_to_decide(services, "fail-closed")
    for user in ({"linked": False}, {"linked": True, "person_id": 9, "role": "officer"}):
        async with transaction(services.sessionmaker) as db:
            ctx = ActionContext(
                db=db,
                channel="zalo",
                chat_id="grp",
                user_id="zu-x",
                display_name=None,
                locale="vi",
                now=services.clock(),
                secret_key="k",
                invite_failures_per_hour=5,
                user=user,
            )
            decided = await review_decide(ctx, {"id": sub_id, "decision": "approve"})
            opened = await review_open(ctx, {"ref": ref})
        assert decided == {"status": "denied"}
        assert opened["denied"] is True
    async with services.sessionmaker() as db:
        sub = await db.get(Submission, sub_id)
        actors = (await db.execute(select(AuditLog.actor))).scalars().all()
    assert sub is not None and sub.status == "hamlet_reviewed"
    assert not [a for a in actors if a.endswith(":None")]


async def test_complaint_actions_refuse_an_officer_of_another_commune(services: Services) -> None:
    """Called directly, the officer's complaint actions keep to the officer's own commune."""
    await seed_units(services)
    await posted_list(services)
    async with transaction(services.sessionmaker) as db:
        sub = (await db.execute(select(Submission))).scalar_one()
        complaint = await file_complaint(
            db,
            submission=sub,
            text="Hộ này có xe tải",
            sender_person_id=None,
            channel="simulator",
            chat_id="c1",
            now=services.clock(),
            actor="simulator:c1",
        )
        ref = complaint.ref
    other = await link_person(services, "officer", "37-KIMSON", "Phan Văn Khác", None)
    async with transaction(services.sessionmaker) as db:
        kimson = await unit_by_code(db, "37-KIMSON")
        assert kimson is not None
        for user in (
            {"linked": True, "person_id": other, "role": "officer", "unit_id": kimson.id},
            {"linked": True, "person_id": other, "role": "officer", "unit_id": None},
        ):
            ctx = ActionContext(
                db=db,
                channel="simulator",
                chat_id="o2",
                user_id="o2",
                display_name=None,
                locale="vi",
                now=services.clock(),
                secret_key="k",
                invite_failures_per_hour=5,
                user=user,
            )
            answered = await complaint_answer(ctx, {"ref": ref, "decision": "accept"})
            opened = await complaint_load(ctx, {"ref": ref})
            listed = await complaint_list(ctx, {})
            assert answered == {"status": "denied"} and opened["denied"] is True
            assert listed.get("total", 0) == 0
    async with services.sessionmaker() as db:
        row = (await db.execute(select(Complaint))).scalar_one()
        still = await db.get(Submission, row.submission_id)
        denied = (
            (await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied")))
            .scalars()
            .all()
        )
    assert row.status == "open" and still is not None and still.status == "posted"
    assert {d.entity for d in denied} == {f"complaint:{row.id}"}
