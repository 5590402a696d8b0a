"""submission transitions: the household's state before and after each approval

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 00:50:00

Report figures are sums over these columns (see domain/aggregates.py). Approvals made before this
revision are back-filled by replaying each household's approved submissions in decision order from
the state its first "household.update" audit entry recorded as `before`.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# As storage.register at this revision (migrations must not import code that may change later).
KIND_STATUS = {"newly_poor": "poor", "newly_near_poor": "near_poor", "fell_back": "poor"}
CLOSING_KINDS = ("moved_out", "dissolved")
FLOW_COLUMNS = ["status", "decided_at", "hamlet_id", "kind", "before_status", "before_active",
                "after_status", "after_active"]  # fmt: skip
TALLY_COLUMNS = ["hamlet_id", "status", "active", "ethnic_minority"]


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy): SQLite adds columns in place, so the foreign keys that
    # point at submissions are never in the way.
    op.add_column("submissions", sa.Column("before_status", sa.String(length=16), nullable=True))
    op.add_column("submissions", sa.Column("before_active", sa.Boolean(), nullable=True))
    op.add_column("submissions", sa.Column("after_status", sa.String(length=16), nullable=True))
    op.add_column("submissions", sa.Column("after_active", sa.Boolean(), nullable=True))
    op.create_index("ix_submissions_flows", "submissions", FLOW_COLUMNS, unique=False)
    op.create_index("ix_households_tally", "households", TALLY_COLUMNS, unique=False)
    _backfill(op.get_bind())


def _json(value: object) -> dict:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _backfill(bind: sa.engine.Connection) -> None:
    subs = bind.execute(
        sa.text(
            "SELECT id, household_id, kind, result FROM submissions "
            "WHERE status = 'approved' AND household_id IS NOT NULL "
            "ORDER BY household_id, decided_at, id"
        )
    ).all()
    if not subs:
        return
    first_before: dict[str, dict] = {}
    for entity, before in bind.execute(
        sa.text(
            "SELECT entity, before FROM audit_log WHERE action = 'household.update' ORDER BY id"
        )
    ):
        first_before.setdefault(entity, _json(before))
    current = {
        hid: (status, bool(active))
        for hid, status, active in bind.execute(
            sa.text("SELECT id, status, active FROM households")
        )
    }
    update = sa.text(
        "UPDATE submissions SET before_status = :bs, before_active = :ba, "
        "after_status = :as_, after_active = :aa WHERE id = :id"
    )
    state: dict[int, tuple[str, bool]] = {}
    rows = []
    for sid, hid, kind, result in subs:
        if hid not in state:
            before = first_before.get(f"household:{hid}")
            cur = current.get(hid, ("unknown", True))
            state[hid] = (
                (str(before.get("status", cur[0])), bool(before.get("active", cur[1])))
                if before is not None
                else cur
            )
        status, active = state[hid]
        if kind in CLOSING_KINDS:
            after = (status, False)
        else:
            after = (KIND_STATUS.get(kind) or _json(result).get("class") or status, True)
        rows.append({"id": sid, "bs": status, "ba": active, "as_": after[0], "aa": after[1]})
        state[hid] = after
    bind.execute(update, rows)


def downgrade() -> None:
    op.drop_index("ix_households_tally", table_name="households")
    op.drop_index("ix_submissions_flows", table_name="submissions")
    for column in ("after_active", "after_status", "before_active", "before_status"):
        op.drop_column("submissions", column)  # SQLite ≥ 3.35 drops columns in place
