"""api tokens expire: api_tokens.expires_at

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 20:15:00

A token lived until revoked, so one left in a script or a spreadsheet macro of an officer who
moved on kept reading the commune's households. New tokens get an end (`chungtay token create
--expires`, a year by default); the ones already issued keep none until they are revoked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "api_tokens",
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
