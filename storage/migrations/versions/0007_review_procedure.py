"""review procedure: rounds, hamlet meetings and votes, complaints; a submission's round

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 13:45:00

Submissions keep their states; the new ones (meeting_passed, meeting_failed, accepted, posted)
are plain strings. Rows from before this revision have no round and no meeting: the ones still
pending are awaiting their hamlet meeting, as the procedure requires.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "review_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("commune_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("standard_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("posting_starts_on", sa.Date(), nullable=True),
        sa.Column("posting_ends_on", sa.Date(), nullable=True),
        sa.Column("decision_number", sa.String(length=64), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("decision_signer", sa.String(length=200), nullable=True),
        _ts("created_at"),
        _ts("closed_at", nullable=True),
        sa.UniqueConstraint("commune_id", "kind", "code"),
    )
    op.create_index("ix_review_rounds_commune_id", "review_rounds", ["commune_id"])
    op.create_table(
        "hamlet_meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("hamlet_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("review_rounds.id"), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("chair_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("secretary", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ts("created_at"),
        _ts("closed_at", nullable=True),
    )
    op.create_index("ix_hamlet_meetings_hamlet_id", "hamlet_meetings", ["hamlet_id"])
    op.create_index("ix_hamlet_meetings_round_id", "hamlet_meetings", ["round_id"])
    op.create_table(
        "meeting_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "meeting_id", sa.Integer(), sa.ForeignKey("hamlet_meetings.id"), nullable=False
        ),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(length=200), nullable=False),
        _ts("at"),
        sa.UniqueConstraint("meeting_id", "submission_id"),
    )
    op.create_index("ix_meeting_votes_meeting_id", "meeting_votes", ["meeting_id"])
    op.create_index("ix_meeting_votes_submission_id", "meeting_votes", ["submission_id"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("review_rounds.id"), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("sender_person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("people.id"), nullable=True),
        _ts("decided_at", nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_complaints_ref", "complaints", ["ref"], unique=True)
    op.create_index("ix_complaints_round_id", "complaints", ["round_id"])
    op.create_index("ix_complaints_submission_id", "complaints", ["submission_id"])
    op.create_index("ix_complaints_status", "complaints", ["status"])
    # SQLite adds and drops the column in place, without its reference: a table copy would
    # break the foreign keys that point at submissions, and SQLite cannot drop a column that
    # carries one. PostgreSQL keeps the reference.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE submissions ADD COLUMN round_id INTEGER")
    else:
        op.add_column(
            "submissions",
            sa.Column("round_id", sa.Integer(), sa.ForeignKey("review_rounds.id"), nullable=True),
        )
    op.create_index("ix_submissions_round_id", "submissions", ["round_id"])


def downgrade() -> None:
    op.drop_table("complaints")
    op.drop_table("meeting_votes")
    op.drop_index("ix_submissions_round_id", table_name="submissions")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE submissions DROP COLUMN round_id")
    else:
        op.drop_column("submissions", "round_id")
    op.drop_table("hamlet_meetings")
    op.drop_table("review_rounds")
