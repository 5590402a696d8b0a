"""The national part of bench/aggregates.py (`--scale national`): a country's org tree and
register streamed into PostgreSQL in chunks, and the hand-written baselines per province.

The sizes are those issue 17 gives for Vietnam: 3,321 commune-level units (after the 2025
reorganisation, under 34 provinces: /work/shared/DOMAIN.md), roughly 100,000 hamlets (here 30
per commune, 99,630) and about 27 million households (270 per hamlet, 26.9 million), of which
2–3 million poor and near-poor. Change events concern the households on or near the lists: 15 %
of the households ("register households", ~4 million) start from poor, near-poor or average
and carry ~7 million change events over the 23 monthly periods (95 % approved, ~290,000
approvals a month nationally); the other 85 % have no event in the data. Every approval that
classifies a household stores an approved assessment (the indicators report reads them).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

ROOT = "VN"
PROVINCES, COMMUNES, HAMLETS = 34, 3321, 99_630
HOUSEHOLDS_PER_HAMLET = 270
EVENTS, SUPPORTS = 7_000_000, 1_500_000
REGISTER_SHARE = 0.15
START = (("poor", 0.32), ("near_poor", 0.33), ("average", 0.35))  # a register household's 2024
QUIET = "average"  # the households with no event in the data
CHUNK_COMMUNES = 25  # ~200,000 households per COPY round
FIRST, LAST = date(2025, 1, 1), date(2026, 11, 24)
STANDARD = "nd07-2021"
CODES = ("employment dependants nutrition health_insurance adult_education child_schooling "
         "housing_quality housing_area water latrine telecom info_assets").split()  # fmt: skip
DEPRIVED = {"poor": (1, 5), "near_poor": (0, 3)}  # how many indicators an assessment lacks
ASSESSED = {"newly_poor", "newly_near_poor", "exited_poverty", "fell_back", "exit_registration"}
UNIT_COLS = "id code name level parent_id area created_at updated_at".split()
A_COLS = ("id household_id submission_id standard_id income_per_capita members deprived klass "
          "source approved created_at").split()  # fmt: skip
LOADED = ("households", "submissions", "assessments", "supports")


def tree(provinces: int, communes: int, hamlets: int) -> list[tuple[Any, ...]]:
    """org_units rows (id order: root, provinces, then each commune followed by its hamlets)."""
    now = datetime.now(UTC)
    rows: list[tuple[Any, ...]] = [(1, ROOT, "Việt Nam", "country", None, "rural", now, now)]
    per_commune = max(1, hamlets // communes)
    for p in range(provinces):
        rows.append((len(rows) + 1, f"P{p + 1:02d}", f"Tỉnh {p + 1:02d}", "province", 1, "rural",
                     now, now))  # fmt: skip
    for c in range(communes):
        p = c % provinces
        code = f"P{p + 1:02d}-C{c // provinces:03d}"
        cid = len(rows) + 1
        rows.append((cid, code, f"Xã {c:04d}", "commune", p + 2,
                     "urban" if c % 5 == 0 else "rural", now, now))  # fmt: skip
        for h in range(per_commune):
            rows.append((len(rows) + 1, f"{code}-H{h:02d}", f"Thôn {h:02d}", "hamlet", cid,
                         "rural", now, now))  # fmt: skip
    return rows


def _json(codes: list[str]) -> str:
    return json.dumps(codes)


class Register:
    """Streams the register chunk by chunk, numbering rows across chunks."""

    def __init__(
        self, per_hamlet: int, events: int, supports: int, next_: dict, rng: random.Random
    ):  # type: ignore[type-arg]
        self.per_hamlet, self.next, self.rng = per_hamlet, next_, rng
        self.events, self.supports = events, supports
        self.household = self.submission = self.assessment = self.support = 0
        self.span = (LAST - FIRST).days * 86400
        self.start = datetime.combine(FIRST, datetime.min.time(), UTC)
        self.now = datetime.now(UTC)

    def chunk(
        self, hamlets: list[tuple[int, int, str]], n_hamlets_total: int, supporters: dict[int, int]
    ) -> dict[str, list[tuple[Any, ...]]]:
        """Rows for these (hamlet id, commune id, area) hamlets; supporters: commune -> first id."""
        rng, per = self.rng, self.per_hamlet
        register_total = n_hamlets_total * per * REGISTER_SHARE
        per_register = self.events / register_total
        support_rate = self.supports / register_total
        statuses, weights = zip(*START, strict=True)
        households: list[tuple[Any, ...]] = []
        subs: list[tuple[Any, ...]] = []
        assessed: list[tuple[Any, ...]] = []
        given: list[tuple[Any, ...]] = []
        for hamlet_id, commune_id, area in hamlets:
            for _ in range(per):
                self.household += 1
                hid = self.household
                status, active = QUIET, True
                latest: tuple[Any, ...] = (None, None)  # the latest assessment: deprived, at
                if rng.random() < REGISTER_SHARE:
                    status = rng.choices(statuses, weights)[0]
                    k = round(rng.uniform(0.4, 1.6) * per_register)
                    times = sorted(rng.randrange(self.span) for _ in range(k))
                    for t in times:
                        status, active = self._event(hid, hamlet_id, commune_id, status, active,
                                                     self.start + timedelta(seconds=t), subs,
                                                     assessed)  # fmt: skip
                    if assessed and assessed[-1][1] == hid:
                        latest = (assessed[-1][6], assessed[-1][10])
                    while rng.random() < support_rate:
                        given.append(self._support(hid, hamlet_id, commune_id,
                                                   supporters[commune_id]))  # fmt: skip
                households.append((hid, f"H{hid:08d}", commune_id, hamlet_id, f"Hộ {hid}",
                                   f"ho {hid}", 4, rng.random() < 0.15, area, status, active,
                                   "[]", self.now, self.now, *latest))  # fmt: skip
        return {"households": households, "submissions": subs, "assessments": assessed,
                "supports": given}  # fmt: skip

    def _event(
        self, hid: int, hamlet_id: int, commune_id: int, status: str, active: bool,
        at: datetime, subs: list[tuple[Any, ...]], assessed: list[tuple[Any, ...]],
    ) -> tuple[str, bool]:  # fmt: skip
        rng = self.rng
        self.submission += 1
        sid = self.submission
        if not active:
            kind, after, after_active, decision = "correction", status, False, "rejected"
        elif rng.random() < 0.01:
            kind, after, after_active, decision = "moved_out", status, False, "approved"
        else:
            kind, after = rng.choice(self.next[status])
            after_active = True
            decision = "approved" if rng.random() < 0.95 else "rejected"
        row: tuple[Any, ...] = (None, None, None, None)
        if decision == "approved":
            row = (status, active, after, after_active)
            if kind in ASSESSED:
                self.assessment += 1
                lo, hi = DEPRIVED.get(after, (0, 1))
                deprived = rng.sample(CODES, rng.randint(lo, hi))
                assessed.append((self.assessment, hid, sid, STANDARD,
                                 rng.randrange(500, 3000) * 1000, 4, _json(deprived), after,
                                 "hamlet_head", True, at))  # fmt: skip
            status, active = after, after_active
        subs.append((sid, f"B{sid:010d}", f"bench-{sid}", kind, hid, hamlet_id, commune_id,
                     decision, at, at, *row, "hamlet_head", "{}", "{}", 1))  # fmt: skip
        return status, active

    def _support(
        self, hid: int, hamlet_id: int, commune_id: int, first_supporter: int
    ) -> tuple[Any, ...]:
        from bench.emulation_sql import SUPPORT_KINDS, SUPPORTERS_PER_COMMUNE

        rng = self.rng
        self.support += 1
        value = None if rng.random() < 0.2 else rng.randrange(1, 500) * 100_000
        return (self.support, hid, hamlet_id,
                first_supporter + rng.randrange(SUPPORTERS_PER_COMMUNE),
                commune_id, rng.choice(SUPPORT_KINDS), value,
                FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1)), "api", self.now)  # fmt: skip


def chunks(hamlets: list[tuple[int, int, str]]) -> Iterator[list[tuple[int, int, str]]]:
    """The hamlets, CHUNK_COMMUNES communes at a time (in id order, so COPY appends)."""
    batch: list[tuple[int, int, str]] = []
    communes: set[int] = set()
    for h in hamlets:
        if h[1] not in communes and len(communes) == CHUNK_COMMUNES:
            yield batch
            batch, communes = [], set()
        communes.add(h[1])
        batch.append(h)
    if batch:
        yield batch


SECONDARY = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


def _shape(name: str, definition: str) -> tuple[str, str]:
    """An index as made: PostgreSQL prints a partial index's condition with other casts once
    made again from its printed definition (`'poor'::character varying` inside or outside the
    array), the same condition; compared without casts, brackets and spaces."""
    bare = re.sub(r"::(?:character varying|[a-z_]+)(?:\[\])?", "", definition)
    return name, re.sub(r"[()\s]", "", bare)


async def load(
    conn: Any, hamlets: list[tuple[int, int, str]], register: Register, root_id: int,
    provinces: list[int], s_cols: list[str], h_cols: list[str], log: Any,
) -> dict[str, float]:  # fmt: skip
    """Load the register into the migrated schema with an asyncpg connection: the secondary
    indexes dropped and made again after the load (the same definitions, checked), foreign
    keys not checked row by row (session_replication_role; the rows are consistent by
    construction). Returns seconds per phase."""
    from bench import emulation_sql

    phases: dict[str, float] = {}
    t = time.perf_counter()
    indexes = await conn.fetch(SECONDARY, list(LOADED))
    for name, _ in indexes:
        await conn.execute(f"DROP INDEX {name}")
    await conn.execute("SET session_replication_role = replica")
    communes = sorted({c for _, c, _ in hamlets})
    extra = national_extra(communes, root_id, provinces, register.rng)
    supporters = {c: 1 + i * emulation_sql.SUPPORTERS_PER_COMMUNE for i, c in enumerate(communes)}
    await emulation_sql.load_pg(conn, extra)
    cols = {"households": h_cols, "submissions": s_cols, "assessments": A_COLS,
            "supports": emulation_sql.SUPPORT_COLS}  # fmt: skip
    done = 0
    for batch in chunks(hamlets):
        rows = register.chunk(batch, len(hamlets), supporters)
        for table in LOADED:
            await conn.copy_records_to_table(table, records=rows[table], columns=cols[table])
        done += len(batch)
        log(f"  {done}/{len(hamlets)} hamlets, {register.household} households, "
            f"{register.submission} events, {time.perf_counter() - t:.0f} s")  # fmt: skip
    for table in LOADED:
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    await conn.execute("SET session_replication_role = DEFAULT")
    # The triggers that keep household_tallies did not fire in replica mode: counted once, as
    # migration 0011 does for the households already stored.
    await conn.execute(
        "INSERT INTO household_tallies (hamlet_id, status, active, ethnic_minority, n) "
        "SELECT hamlet_id, status, active, ethnic_minority, count(*) FROM households "
        "GROUP BY hamlet_id, status, active, ethnic_minority"
    )
    phases["copy_s"] = time.perf_counter() - t
    t = time.perf_counter()
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for _, definition in indexes:
        await conn.execute(definition)
    again = await conn.fetch(SECONDARY, list(LOADED))
    if [_shape(*r) for r in again] != [_shape(*r) for r in indexes]:
        raise SystemExit("the indexes made after the load differ from the migrated schema's")
    phases["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    await conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    phases["vacuum_s"] = time.perf_counter() - t
    return phases


def national_extra(
    communes: list[int], root_id: int, provinces: list[int], rng: random.Random
) -> dict[str, Any]:
    """Supporters (ten per commune, ids in commune order), targets for the country, 60 % of the
    communes and every province (2026: 100-250 per mille), fund contributions (five per
    commune)."""
    from bench import emulation_sql

    extra = emulation_sql.generate(communes, root_id, [], 0, rng)
    cols, targets = extra["targets"]
    now = datetime.now(UTC)
    for p in provinces:
        targets.append((len(targets) + 1, p, 2026, rng.choice((100, 150, 200)), "bench", now))
    extra["targets"] = (cols, targets)
    return extra


SIZES = """
SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_total_relation_size(c.oid) > 1000000
ORDER BY pg_total_relation_size(c.oid) DESC
"""


async def sizes(conn: Any) -> dict[str, Any]:
    """The database's size and its big tables' (table with TOAST, indexes), in MB."""
    mb = 1 << 20
    db = await conn.fetchval("SELECT pg_database_size(current_database())")
    rows = await conn.fetch(SIZES)
    return {
        "database_mb": round(db / mb),
        "tables": {r[0]: {"table_mb": round(r[1] / mb), "indexes_mb": round(r[2] / mb)}
                   for r in rows},
    }  # fmt: skip


# The hand-written baselines' scope fragments (bench/aggregates.py, emulation_sql.py,
# indicators_sql.py): the whole database, or the hamlets of the province :root.
WHOLE = dict.fromkeys(("hamlets", "where_h", "and_s", "and_h", "and_sup", "and_fund", "and_ph"), "")
IN_HAMLETS = "IN (SELECT id FROM hamlets)"
PROVINCE = {
    "hamlets": "hamlets AS (SELECT h.id, h.parent_id AS commune_id FROM org_units h "
    "JOIN org_units c ON c.id = h.parent_id WHERE c.parent_id = :root), ",
    "where_h": f"WHERE hamlet_id {IN_HAMLETS}",
    "and_s": f"AND s.hamlet_id {IN_HAMLETS}",
    "and_h": f"AND h.hamlet_id {IN_HAMLETS}",
    "and_sup": f"AND h.hamlet_id {IN_HAMLETS}",
    "and_fund": "AND unit_id IN (SELECT commune_id FROM hamlets)",
    "and_ph": f"AND h.id {IN_HAMLETS}",
}


def by_province(sql: str, figures: int) -> str:
    """A per-commune baseline (code, figures…) summed per province."""
    names = ", ".join(f"v{i}" for i in range(figures))
    sums = ", ".join(f"SUM(x.v{i})" for i in range(figures))
    return (
        f"SELECT p.code, {sums} FROM ({sql}) AS x(code, {names}) "
        "JOIN org_units c ON c.code = x.code JOIN org_units p ON p.id = c.parent_id GROUP BY p.code"
    )
