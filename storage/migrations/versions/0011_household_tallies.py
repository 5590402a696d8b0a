"""household tallies: households per hamlet and register state, kept by triggers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 06:00:00

The report figures counted every household of the unit asked about (a province at national scale:
~790,000 entries of ix_households_tally, ~110 ms of its emulation report; bench/aggregates.py
--scale national, docs/benchmarks.md). household_tallies holds those counts per (hamlet, status,
active, ethnic minority), a few rows per hamlet, changed by row triggers on households in the
transaction that changes the household, whatever writes it (the app, an import, SQL by hand).

On PostgreSQL a state change takes the row locks of its two tallies in key order, so two
transactions that each move one household of a hamlet, in opposite directions, cannot
deadlock. Filled here from the households already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KEY = ("hamlet_id", "status", "active", "ethnic_minority")


def _match(row: str) -> str:
    return " AND ".join(f"{c} = {row}.{c}" for c in KEY)


def _add(row: str, sqlite: bool) -> str:
    values = ", ".join(f"{row}.{c}" for c in KEY)
    n = "n" if sqlite else "household_tallies.n"
    return (
        f"INSERT INTO household_tallies ({', '.join(KEY)}, n) VALUES ({values}, 1) "
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET n = {n} + 1;"
    )


def _take(row: str) -> str:
    return f"UPDATE household_tallies SET n = n - 1 WHERE {_match(row)};"


CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in KEY)
POSTGRESQL = (f"""
CREATE FUNCTION household_tallies_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_add("NEW", False)}
  ELSIF TG_OP = 'DELETE' THEN
    {_take("OLD")}
  ELSIF ROW(NEW.{", NEW.".join(KEY)}) < ROW(OLD.{", OLD.".join(KEY)}) THEN
    {_add("NEW", False)}
    {_take("OLD")}
  ELSE
    {_take("OLD")}
    {_add("NEW", False)}
  END IF;
  RETURN NULL;
END
$$
""", """
CREATE TRIGGER households_tally_rows AFTER INSERT OR DELETE ON households
  FOR EACH ROW EXECUTE FUNCTION household_tallies_keep()
""", f"""
CREATE TRIGGER households_tally_changes AFTER UPDATE OF {", ".join(KEY)} ON households
  FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION household_tallies_keep()
""")  # fmt: skip
SQLITE = (
    f"CREATE TRIGGER households_tally_insert AFTER INSERT ON households BEGIN "
    f"{_add('NEW', True)} END",
    f"CREATE TRIGGER households_tally_delete AFTER DELETE ON households BEGIN {_take('OLD')} END",
    f"CREATE TRIGGER households_tally_update AFTER UPDATE OF {', '.join(KEY)} ON households "
    f"WHEN {CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
    f"{_take('OLD')} {_add('NEW', True)} END",
)


def upgrade() -> None:
    op.create_table(
        "household_tallies",
        sa.Column("hamlet_id", sa.Integer(), sa.ForeignKey("org_units.id"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("ethnic_minority", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE if sqlite else POSTGRESQL:  # one statement each (asyncpg prepares)
        op.execute(statement)
    op.execute(
        f"INSERT INTO household_tallies ({', '.join(KEY)}, n) "
        f"SELECT {', '.join(KEY)}, count(*) FROM households GROUP BY {', '.join(KEY)}"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER households_tally_{name}")
    else:
        op.execute("DROP TRIGGER households_tally_changes ON households")
        op.execute("DROP TRIGGER households_tally_rows ON households")
        op.execute("DROP FUNCTION household_tallies_keep()")
    op.drop_table("household_tallies")
