"""The emulation report's part of bench/aggregates.py: its generated data (supporters, supports,
targets, fund contributions), the hand-written SQL baseline, and both answers side by side.

The baseline computes, per commune, what `GET /api/v1/reports/emulation?unit=P&year=Y` ranks
(storage.emulation): households and poor households on 1 January and at the end, the year's exits
and falls back, the sustainable exits (last exit out of poverty two years before the year's days,
no relapse since), support given (count, đồng) and fund contributions. Plain SQL on both SQLite
and PostgreSQL; dates and moments are bound as the stored text on SQLite.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

RAW_EMULATION = """
WITH {hamlets}now AS (
  SELECT hamlet_id,
    SUM(CASE WHEN active THEN n ELSE 0 END) AS hh,
    SUM(CASE WHEN active AND status = 'poor' THEN n ELSE 0 END) AS p
  FROM (SELECT hamlet_id, status, active, COUNT(*) AS n FROM households {where_h}
        GROUP BY hamlet_id, status, active) g
  GROUP BY hamlet_id
), moves AS (
  SELECT s.hamlet_id + 0 AS hamlet_id, s.decided_at >= :end AS late, s.kind,
    CASE WHEN s.before_active THEN 1 ELSE 0 END - CASE WHEN s.after_active THEN 1 ELSE 0 END AS dh,
    CASE WHEN s.before_active AND s.before_status = 'poor' THEN 1 ELSE 0 END AS wp,
    CASE WHEN s.after_active AND s.after_status = 'poor' THEN 1 ELSE 0 END AS np,
    CASE WHEN s.after_active AND s.after_status <> 'poor' THEN 1 ELSE 0 END AS out_active
  FROM submissions s
  WHERE s.status = 'approved' AND s.decided_at >= :start {and_s}
), d AS (
  SELECT hamlet_id,
    SUM(CASE WHEN late THEN dh ELSE 0 END) AS hh_late,
    SUM(CASE WHEN late THEN wp - np ELSE 0 END) AS p_late,
    SUM(CASE WHEN late THEN 0 ELSE dh END) AS hh_year,
    SUM(CASE WHEN late THEN 0 ELSE wp - np END) AS p_year,
    SUM(CASE WHEN NOT late AND wp = 1 AND out_active = 1 THEN 1 ELSE 0 END) AS exits,
    SUM(CASE WHEN NOT late AND wp = 0 AND np = 1 AND kind = 'fell_back' THEN 1 ELSE 0 END) AS fell
  FROM moves GROUP BY hamlet_id
), cohort AS (  -- the last exit decided in the window of the year's sustainable exits
  SELECT household_id, hamlet_id, MAX(decided_at) AS last_exit
  FROM submissions s
  WHERE status = 'approved' AND decided_at >= :sustainable_from {and_s}
    AND decided_at < :sustainable_before
    AND before_active AND before_status = 'poor' AND after_active AND after_status <> 'poor'
  GROUP BY household_id, hamlet_id
), sus AS (  -- and no later exit, relapse or removal before the end
  SELECT c.hamlet_id, COUNT(*) AS n FROM cohort c
  WHERE NOT EXISTS (
    SELECT 1 FROM submissions s
    WHERE s.household_id = c.household_id AND s.status = 'approved'
      AND s.decided_at > c.last_exit AND s.decided_at < :end
      AND ((s.before_active AND s.before_status = 'poor' AND s.after_active
            AND s.after_status <> 'poor') OR NOT s.after_active OR s.after_status = 'poor'))
  GROUP BY c.hamlet_id
), sup AS (
  SELECT h.hamlet_id, COUNT(*) AS n, COALESCE(SUM(s.value), 0) AS v
  FROM supports s JOIN households h ON h.id = s.household_id
  WHERE s.given_on >= :first AND s.given_on <= :last {and_sup}
  GROUP BY h.hamlet_id
), fund AS (
  SELECT unit_id, COUNT(*) AS n, SUM(value) AS v FROM fund_contributions
  WHERE received_on >= :first AND received_on <= :last {and_fund} GROUP BY unit_id
), per_hamlet AS (
  SELECT h.parent_id AS commune_id,
    COALESCE(now.hh, 0) + COALESCE(d.hh_late, 0) AS hh_end,
    COALESCE(now.p, 0) + COALESCE(d.p_late, 0) AS p_end,
    COALESCE(d.hh_year, 0) AS d_hh, COALESCE(d.p_year, 0) AS d_p,
    COALESCE(d.exits, 0) AS exits, COALESCE(d.fell, 0) AS fell, COALESCE(sus.n, 0) AS sust,
    COALESCE(sup.n, 0) AS sup_n, COALESCE(sup.v, 0) AS sup_v
  FROM org_units h
  LEFT JOIN now ON now.hamlet_id = h.id LEFT JOIN d ON d.hamlet_id = h.id
  LEFT JOIN sus ON sus.hamlet_id = h.id LEFT JOIN sup ON sup.hamlet_id = h.id
  WHERE h.level = 'hamlet' {and_ph}
)
SELECT c.code,
  SUM(hh_end + d_hh), SUM(p_end + d_p), SUM(hh_end), SUM(p_end), SUM(exits), SUM(sust),
  SUM(fell), SUM(sup_n), SUM(sup_v), MAX(COALESCE(fund.n, 0)), MAX(COALESCE(fund.v, 0))
FROM per_hamlet ph JOIN org_units c ON c.id = ph.commune_id
LEFT JOIN fund ON fund.unit_id = c.id
GROUP BY c.code
"""
# Scoped to a province of a national database: bench/national.py fills these in.
WHOLE = {"hamlets": "", "where_h": "", "and_s": "", "and_sup": "", "and_fund": "", "and_ph": ""}
FIGURES = (
    "households_start poor_start households_end poor_end exits sustainable_exits fell_back "
    "support_count support_value fund_count fund_value"
).split()
SUPPORT_KINDS = ("preferential_loan", "breeding_stock", "housing", "health_insurance_card",
                 "vocational_training", "job", "scholarship", "water_sanitation", "goods", "cash")  # fmt: skip
SUPPORTER_KINDS = ("women_union", "farmers_union", "youth_union", "business", "bank", "family")
SUPPORTERS_PER_COMMUNE = 10
FIRST, LAST = date(2025, 1, 1), date(2026, 11, 24)

SUPPORTER_COLS = "id commune_id name name_key kind active created_at".split()
SUPPORT_COLS = (
    "id household_id hamlet_id supporter_id commune_id kind value given_on source created_at"
)
SUPPORT_COLS = SUPPORT_COLS.split()  # type: ignore[assignment]
TARGET_COLS = "id unit_id year reduction_cpp set_by updated_at".split()
FUND_COLS = "id unit_id donor donor_kind value received_on recorded_by created_at".split()


def generate(
    communes: list[int], root_id: int, households: list[tuple[Any, ...]], supports: int,
    rng: random.Random,
) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:  # fmt: skip
    """Rows per table: supporters (ten per commune), supports to random households from their
    commune's supporters, 2026 targets for the province and most communes, fund contributions."""
    now = datetime.now(UTC)
    supporters, by_commune = [], {}
    for c in communes:
        ids = []
        for k in range(SUPPORTERS_PER_COMMUNE):
            sid = len(supporters) + 1
            name = f"Tổ chức {c}-{k}"
            supporters.append((sid, c, name, f"to chuc {c}-{k}", rng.choice(SUPPORTER_KINDS),
                               True, now))  # fmt: skip
            ids.append(sid)
        by_commune[c] = ids
    span = (LAST - FIRST).days
    given = []
    for i in range(supports):
        h = households[rng.randrange(len(households))]
        household_id, commune_id, hamlet_id = h[0], h[2], h[3]
        value = None if rng.random() < 0.2 else rng.randrange(1, 500) * 100_000
        given.append((i + 1, household_id, hamlet_id, rng.choice(by_commune[commune_id]), commune_id,
                      rng.choice(SUPPORT_KINDS), value,
                      FIRST + timedelta(days=rng.randrange(span + 1)), "api", now))  # fmt: skip
    targets = [(1, root_id, 2026, 150, "bench", now)]
    for c in communes:
        if rng.random() < 0.6:
            targets.append((len(targets) + 1, c, 2026, rng.choice((100, 120, 150, 200, 250)),
                            "bench", now))  # fmt: skip
    fund = [
        (i + 1, rng.choice(communes), f"Nhà hảo tâm {i}", "business",
         rng.randrange(1, 200) * 1_000_000, FIRST + timedelta(days=rng.randrange(span + 1)),
         "bench", now)
        for i in range(len(communes) * 5)
    ]  # fmt: skip
    return {
        "supporters": (SUPPORTER_COLS, supporters),
        "supports": (SUPPORT_COLS, given),  # type: ignore[dict-item]
        "targets": (TARGET_COLS, targets),
        "fund_contributions": (FUND_COLS, fund),
    }


async def load_pg(conn: Any, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    """With an asyncpg connection: COPY each table, then move its id sequence past the rows."""
    for table, (cols, rows) in tables.items():
        await conn.copy_records_to_table(table, records=rows, columns=cols)
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def load_sqlite(conn: Any, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    """With a sqlite3 connection; moments as the stored text (storage.types.UTCDateTime)."""

    def cell(v: Any) -> Any:
        if isinstance(v, datetime):
            return sqlite_moment(v)
        return v.isoformat() if isinstance(v, date) else v

    for table, (cols, rows) in tables.items():
        marks = ", ".join("?" * len(cols))
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
            ([cell(v) for v in row] for row in rows),
        )


def sqlite_moment(d: datetime) -> str:
    return d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def raw_params(w: Any, backend: str) -> dict[str, Any]:
    """The baseline's parameters for a storage.emulation.Window."""
    moments = {
        "start": w.start,
        "end": w.end,
        "sustainable_from": w.sustainable_from,
        "sustainable_before": w.sustainable_before,
    }
    days = {"first": w.first, "last": w.last}
    if backend == "sqlite":
        return {
            **{k: sqlite_moment(v) for k, v in moments.items()},
            **{k: v.isoformat() for k, v in days.items()},
        }
    return {**moments, **days}


def normalise_endpoint(body: dict[str, Any]) -> dict[str, list[int]]:
    return {
        (row["unit"]["code"] if row["unit"] else "TOTAL"): [int(row[k]) for k in FIGURES]
        for row in body["rows"]
    }


def normalise_raw(rows: list[Any]) -> dict[str, list[int]]:
    out = {r[0]: [int(v or 0) for v in r[1:]] for r in rows}
    out["TOTAL"] = [sum(v[i] for v in out.values()) for i in range(len(FIGURES))]
    return out
