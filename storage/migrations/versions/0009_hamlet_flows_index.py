"""approvals by hamlet: a covering index leading with hamlet_id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:10:00

A province's or a commune's report figures read the approvals of its own hamlets from this index
(each hamlet's range), not the whole country's range of ix_submissions_flows (status,
decided_at, ...) matched against the subtree: at national scale a province's emulation report read
3.1 million entries to keep 93,000 (bench/aggregates.py --scale national, docs/benchmarks.md).
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ["hamlet_id", "status", "decided_at", "kind", "before_status", "before_active",
           "after_status", "after_active"]  # fmt: skip


def upgrade() -> None:
    op.create_index("ix_submissions_hamlet_flows", "submissions", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_submissions_hamlet_flows", table_name="submissions")
