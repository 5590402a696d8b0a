"""households reported as new count only from the decision that recognises them

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 19:30:00

A hamlet head's report of a new household (moved in, split off) created its register entry as
active at once: the commune's household total grew when the report was sent, stayed grown when
the report was rejected, and, as the figures of a past period take back only the approvals made
since, the household counted in every earlier period as well. Such an entry is now created
inactive and made active by the approval (storage.register.create_household). Here the entries
already stored: those no approval ever reached become inactive (the tally triggers follow), and
the approvals that recognised one record it as inactive before them, so a period that ended
before the approval no longer counts it.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # The report that created an entry named the new household ("new_name" in its answers).
    named = (
        "json_extract({t}.answers, '$.new_name') IS NOT NULL"
        if sqlite
        else "({t}.answers ->> 'new_name') IS NOT NULL"
    )
    op.execute(
        "UPDATE households SET active = false WHERE active AND status = 'unknown'"
        " AND EXISTS (SELECT 1 FROM submissions r WHERE r.household_id = households.id"
        f" AND {named.format(t='r')})"
        " AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.household_id = households.id"
        " AND s.status = 'approved')"
    )
    # The first approval of such an entry: it was 'unknown' before it, and no earlier approval
    # exists for the household.
    op.execute(
        "UPDATE submissions SET before_active = false WHERE status = 'approved'"
        " AND before_status = 'unknown' AND before_active AND EXISTS"
        " (SELECT 1 FROM submissions r WHERE r.household_id = submissions.household_id"
        f" AND {named.format(t='r')}) AND NOT EXISTS"
        " (SELECT 1 FROM submissions e WHERE e.household_id = submissions.household_id"
        " AND e.status = 'approved' AND e.decided_at < submissions.decided_at)"
    )


def downgrade() -> None:
    """The entries stay as they are: which were active before cannot be told apart."""
