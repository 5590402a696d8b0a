"""turn replies: the replies of a turn kept with its processed update until they are sent

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:30:00

A worker that dies after committing a turn but before its replies reach the chat leaves them
here; the platform's redelivery of the update sends them instead of dropping it as a duplicate.
`replies` is cleared once they are sent; `lease_until` is how long the worker that holds them
may take before another one sends them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "processed_updates",
        sa.Column(
            "replies", sa.JSON().with_variant(sa.JSON(none_as_null=True), "sqlite"), nullable=True
        ),
    )
    op.add_column(
        "processed_updates",
        sa.Column("lease_until", storage.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("replies")
