"""report columns: a support's hamlet, a household's latest approved assessment

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 05:40:00

At national scale a province's emulation report joined the year's supports of the whole country
to their households to find the province's (~750 ms of ~950 ms), and its indicators report
probed every listed household's assessments for the latest one (bench/aggregates.py --scale
national, docs/benchmarks.md). supports.hamlet_id (a household never changes hamlet) lets the
report read each hamlet's range of a covering index; households.deprived and
households.assessed_at hold the latest approved assessment's lacking indicators and its decision's
moment (kept by storage.register._apply), read wherever that moment is before a period's end,
from a partial covering index of the households on the lists. Both are filled here from the
rows already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The latest approved assessment of the household: by its decision's moment, then the later
# recorded (storage.indicators orders the same way).
LATEST = """
SELECT {column} FROM assessments a JOIN submissions s ON s.id = a.submission_id
WHERE a.household_id = households.id AND a.approved AND s.status = 'approved'
ORDER BY s.decided_at DESC, a.id DESC LIMIT 1
"""


# The households on the lists, with their latest assessment: the indicators report reads them
# off this index (storage.indicators.LISTED is the same condition).
LISTED = "active AND status IN ('poor', 'near_poor')"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite adds columns in place (no table copy, which the tables referring to these forbid
    # with foreign keys on); it cannot add a NOT NULL column, nor drop one in a foreign key.
    op.add_column("supports", sa.Column("hamlet_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE supports SET hamlet_id = "
        "(SELECT h.hamlet_id FROM households h WHERE h.id = supports.household_id)"
    )
    if not sqlite:
        op.alter_column("supports", "hamlet_id", existing_type=sa.Integer(), nullable=False)
        op.create_foreign_key(
            "supports_hamlet_id_fkey", "supports", "org_units", ["hamlet_id"], ["id"]
        )
    op.create_index("ix_supports_hamlet_given", "supports", ["hamlet_id", "given_on", "value"])
    op.add_column("households", sa.Column("deprived", sa.JSON(none_as_null=True), nullable=True))
    op.add_column(
        "households",
        sa.Column("assessed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.execute(
        "UPDATE households SET "
        f"deprived = ({LATEST.format(column='a.deprived')}), "
        f"assessed_at = ({LATEST.format(column='s.decided_at')}) "
        "WHERE EXISTS (SELECT 1 FROM assessments a WHERE a.household_id = households.id)"
    )
    op.create_index(
        "ix_households_listed",
        "households",
        ["hamlet_id", "status"],
        postgresql_include=["id", "deprived", "assessed_at"],
        postgresql_where=sa.text(LISTED),
        sqlite_where=sa.text(LISTED),
    )


def downgrade() -> None:
    op.drop_index("ix_households_listed", table_name="households")
    op.drop_index("ix_supports_hamlet_given", table_name="supports")
    for table, column in (
        ("households", "assessed_at"),
        ("households", "deprived"),
        ("supports", "hamlet_id"),
    ):
        op.drop_column(table, column)  # SQLite ≥ 3.35 drops columns in place
