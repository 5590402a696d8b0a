"""Aggregates benchmark: the summary and emulation endpoints on a generated province, each vs one
hand-written SQL query.

    .venv/bin/python bench/aggregates.py [--database-url URL] [--hamlets 2000]
        [--households-per-hamlet 100] [--events 1000000] [--supports 100000] [--repeat 15]

Generates a province (100 communes, 2,000 hamlets, 200,000 households, 1,000,000 change events
spread over 23 monthly periods, each household's chain of decisions consistent with its register
row), then times, on the same data and the same engine:
- `GET /api/v1/reports/summary?unit=P&period=<2026-11>` through the real app (in-process HTTP,
  bearer token, scope check, JSON) — the province's commune rows and the total;
- one hand-written SQL query computing the same figures per commune;
then the same for `GET /api/v1/reports/emulation?unit=P&year=Y` (2026 as of 25 November; 2025,
which takes 2026's decisions back; 2027 as of 30 June, whose sustainable exits are the data's
first half-year's exits) against
bench/emulation_sql.py's RAW_EMULATION, with supporters, --supports supports, targets and fund
contributions generated beside the register. Both answers are compared before timing. Without --database-url the data goes to a temporary
SQLite file; pass `postgresql+asyncpg://postgres@127.0.0.1:5432/chungtay_bench` for PostgreSQL
(the database's public schema is dropped and recreated). Prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app
from bench import emulation_sql, indicators_sql, national
from bot.services import build_services
from bot.settings import Settings
from domain.calendar import monthly
from storage.api_tokens import create_token
from storage.db import make_engine, transaction
from storage.emulation import window
from storage.migrate import upgrade
from storage.orgtree import import_units, parse_csv, unit_by_code
from storage.periods import ensure_period
from storage.reports import period_window

SECRET = "bench-secret"
CLOCK = datetime(2026, 11, 25, 2, tzinfo=UTC)  # 09:00 in Hà Nội, the day after the last event
# (year, the app's clock): the current year so far; a past year, 2026's decisions taken back;
# mid-2027, whose sustainable exits are the exits decided in the data's first half-year.
EMULATION = ((2026, CLOCK), (2025, CLOCK), (2027, datetime(2027, 6, 30, 2, tzinfo=UTC)))

# The baseline: the same figures per commune in one query, written by hand (SQLite and PostgreSQL).
# `{...}`: the scope fragments of bench/national.py (empty: the whole database, per commune).
RAW_SUMMARY = """
WITH {hamlets}now AS (
  SELECT hamlet_id,
    SUM(CASE WHEN active THEN n ELSE 0 END) AS households,
    SUM(CASE WHEN active AND status = 'poor' THEN n ELSE 0 END) AS p_end,
    SUM(CASE WHEN active AND status = 'near_poor' THEN n ELSE 0 END) AS n_end,
    SUM(CASE WHEN active AND status = 'poor' AND em THEN n ELSE 0 END) AS em_p,
    SUM(CASE WHEN active AND status = 'near_poor' AND em THEN n ELSE 0 END) AS em_n
  FROM (SELECT hamlet_id, status, active, ethnic_minority AS em, COUNT(*) AS n FROM households
        {where_h} GROUP BY hamlet_id, status, active, ethnic_minority) g
  GROUP BY hamlet_id
), undo AS (  -- approvals after the period, taken back: the register as it stood at its end
  SELECT s.hamlet_id + 0 AS hamlet_id,  -- + 0: SQLite keeps to the (status, decided_at) index
    SUM((CASE WHEN s.before_active THEN 1 ELSE 0 END)
        - (CASE WHEN s.after_active THEN 1 ELSE 0 END)) AS households,
    SUM((CASE WHEN s.before_active AND s.before_status = 'poor' THEN 1 ELSE 0 END)
        - (CASE WHEN s.after_active AND s.after_status = 'poor' THEN 1 ELSE 0 END)) AS p_end,
    SUM((CASE WHEN s.before_active AND s.before_status = 'near_poor' THEN 1 ELSE 0 END)
        - (CASE WHEN s.after_active AND s.after_status = 'near_poor' THEN 1 ELSE 0 END)) AS n_end,
    SUM(CASE WHEN h.ethnic_minority THEN
          (CASE WHEN s.before_active AND s.before_status = 'poor' THEN 1 ELSE 0 END)
          - (CASE WHEN s.after_active AND s.after_status = 'poor' THEN 1 ELSE 0 END)
        ELSE 0 END) AS em_p,
    SUM(CASE WHEN h.ethnic_minority THEN
          (CASE WHEN s.before_active AND s.before_status = 'near_poor' THEN 1 ELSE 0 END)
          - (CASE WHEN s.after_active AND s.after_status = 'near_poor' THEN 1 ELSE 0 END)
        ELSE 0 END) AS em_n
  FROM submissions s JOIN households h ON h.id = s.household_id
  WHERE s.status = 'approved' AND s.decided_at >= :end {and_s}
  GROUP BY s.hamlet_id + 0
), moves AS (
  SELECT s.hamlet_id, s.kind,
    CASE WHEN s.before_active AND s.before_status = 'poor' THEN 1 ELSE 0 END AS wp,
    CASE WHEN s.after_active AND s.after_status = 'poor' THEN 1 ELSE 0 END AS np,
    CASE WHEN s.before_active AND s.before_status = 'near_poor' THEN 1 ELSE 0 END AS wn,
    CASE WHEN s.after_active AND s.after_status = 'near_poor' THEN 1 ELSE 0 END AS nn
  FROM submissions s
  WHERE s.status = 'approved' AND s.decided_at >= :start AND s.decided_at < :end {and_s}
), m AS (
  SELECT hamlet_id,
    SUM(CASE WHEN wp = 1 AND np = 0 THEN 1 ELSE 0 END) AS p_x,
    SUM(CASE WHEN wp = 0 AND np = 1 AND kind = 'fell_back' THEN 1 ELSE 0 END) AS p_f,
    SUM(CASE WHEN wp = 0 AND np = 1 AND kind <> 'fell_back' THEN 1 ELSE 0 END) AS p_n,
    SUM(CASE WHEN wn = 1 AND nn = 0 THEN 1 ELSE 0 END) AS n_x,
    SUM(CASE WHEN wn = 0 AND nn = 1 AND kind = 'fell_back' THEN 1 ELSE 0 END) AS n_f,
    SUM(CASE WHEN wn = 0 AND nn = 1 AND kind <> 'fell_back' THEN 1 ELSE 0 END) AS n_n
  FROM moves GROUP BY hamlet_id
), e AS (
  SELECT now.hamlet_id,
    now.households + COALESCE(undo.households, 0) AS households,
    now.p_end + COALESCE(undo.p_end, 0) AS p_end, now.n_end + COALESCE(undo.n_end, 0) AS n_end,
    now.em_p + COALESCE(undo.em_p, 0) AS em_p, now.em_n + COALESCE(undo.em_n, 0) AS em_n,
    COALESCE(m.p_x, 0) AS p_x, COALESCE(m.p_f, 0) AS p_f, COALESCE(m.p_n, 0) AS p_n,
    COALESCE(m.n_x, 0) AS n_x, COALESCE(m.n_f, 0) AS n_f, COALESCE(m.n_n, 0) AS n_n
  FROM now LEFT JOIN undo ON undo.hamlet_id = now.hamlet_id
  LEFT JOIN m ON m.hamlet_id = now.hamlet_id
)
SELECT c.code, SUM(e.households),
  SUM(e.p_end + e.p_x - e.p_f - e.p_n), SUM(e.p_x), SUM(e.p_f), SUM(e.p_n), SUM(e.p_end),
  SUM(e.n_end + e.n_x - e.n_f - e.n_n), SUM(e.n_x), SUM(e.n_f), SUM(e.n_n), SUM(e.n_end),
  SUM(e.em_p), SUM(e.em_n)
FROM e JOIN org_units h ON h.id = e.hamlet_id JOIN org_units c ON c.id = h.parent_id
GROUP BY c.code
"""
COMMUNES = 100
FIRST, LAST = date(2025, 1, 1), date(2026, 11, 24)
MEASURED = (2026, 11)
# status -> the decisions that can follow it, with the status each leaves
NEXT = {
    "unknown": [("newly_poor", "poor"), ("newly_near_poor", "near_poor"), ("correction", "average")],
    "poor": [("exited_poverty", "near_poor"), ("exited_poverty", "average"),
             ("exit_registration", "not_poor"), ("correction", "near_poor")],
    "near_poor": [("newly_poor", "poor"), ("exited_poverty", "average"),
                  ("correction", "poor")],
    "average": [("fell_back", "poor"), ("newly_near_poor", "near_poor")],
    "not_poor": [("fell_back", "poor"), ("newly_near_poor", "near_poor")],
}  # fmt: skip


def units_csv(hamlets: int) -> str:
    per = max(1, hamlets // COMMUNES)
    lines = ["code,name,level,parent_code,area", "P,Tỉnh Thử Nghiệm,province,,rural"]
    for c in range(COMMUNES):
        area = "urban" if c % 5 == 0 else "rural"
        lines.append(f"P-C{c:03d},Xã {c:03d},commune,P,{area}")
        lines += [f"P-C{c:03d}-H{h:02d},Thôn {h:02d},hamlet,P-C{c:03d}," for h in range(per)]
    return "\n".join(lines) + "\n"


def generate(
    hamlets: list[tuple[int, int, str]], per_hamlet: int, events: int, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(households, submissions) rows; each household's decisions chain from "unknown"."""
    n_households = len(hamlets) * per_hamlet
    span = (LAST - FIRST).days * 86400
    start = datetime.combine(FIRST, datetime.min.time(), UTC)
    households, submissions = [], []
    per_household = events / n_households
    sid = 0
    for i in range(n_households):
        hamlet_id, commune_id, area = hamlets[i // per_hamlet]
        k = max(1, round(rng.uniform(0.4, 1.6) * per_household))
        if i == n_households - 1:
            k = max(1, events - sid)
        k = min(k, events - sid) if sid < events else 0
        times = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(k))
        status, active = "unknown", True
        for at in times:
            sid += 1
            if not active:
                kind, after, after_active = "correction", status, False
                decision = "rejected"
            elif rng.random() < 0.01:
                kind, after, after_active, decision = "moved_out", status, False, "approved"
            else:
                kind, after = rng.choice(NEXT[status])
                after_active = True
                decision = "approved" if rng.random() < 0.95 else "rejected"
            if decision == "approved":
                row = (status, active, after, after_active)
                status, active = after, after_active
            else:
                row = (None, None, None, None)
            submissions.append((sid, f"B{sid:010d}", f"bench-{sid}", kind, i + 1, hamlet_id,
                                commune_id, decision, at, at, *row))  # fmt: skip
        households.append((i + 1, f"H{i + 1:06d}", commune_id, hamlet_id, f"Hộ {i + 1}",
                           f"ho {i + 1}", 4, rng.random() < 0.15, area, status, active))  # fmt: skip
    return households, submissions


H_COLS = ("id code commune_id hamlet_id head_name name_key members ethnic_minority area status "
          "active causes created_at updated_at deprived assessed_at").split()  # fmt: skip
S_COLS = ("id ref idempotency_key kind household_id hamlet_id commune_id status decided_at "
          "submitted_at before_status before_active after_status after_active source answers "
          "result revision").split()  # fmt: skip


async def load_pg(url: str, households: list[tuple], submissions: list[tuple], extra: Any) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    now = datetime.now(UTC)
    try:
        await conn.copy_records_to_table(
            "households",
            records=[(*h[:11], "[]", now, now, *h[11:]) for h in households],
            columns=H_COLS,
        )
        await conn.copy_records_to_table(
            "submissions",
            records=[(*s, "hamlet_head", "{}", "{}", 1) for s in submissions],
            columns=S_COLS,
        )
        for table in ("households", "submissions"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await emulation_sql.load_pg(conn, extra)
        await conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    finally:
        await conn.close()


def load_sqlite(path: str, households: list[tuple], submissions: list[tuple], extra: Any) -> None:
    def ts(d: datetime) -> str:
        return d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    now = ts(datetime.now(UTC))
    conn = sqlite3.connect(path)
    try:
        marks = ", ".join("?" * len(H_COLS))
        conn.executemany(
            f"INSERT INTO households ({', '.join(H_COLS)}) VALUES ({marks})",
            ((*h[:11], "[]", now, now, h[11], h[12] and ts(h[12])) for h in households),
        )
        marks = ", ".join("?" * len(S_COLS))
        conn.executemany(
            f"INSERT INTO submissions ({', '.join(S_COLS)}) VALUES ({marks})",
            ((*s[:8], ts(s[8]), ts(s[9]), *s[10:], "hamlet_head", "{}", "{}", 1)
             for s in submissions),
        )  # fmt: skip
        emulation_sql.load_sqlite(conn, extra)
        conn.commit()
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def reset(url: str) -> None:
    engine = make_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()


def normalise_endpoint(body: dict[str, Any]) -> dict[str, list[int]]:
    out = {}
    for row in body["rows"]:
        key = row["unit"]["code"] if row["unit"] else "TOTAL"
        f = row["all"]
        out[key] = [f["households"], *(f["poor"][k] for k in ("start", "exited", "fell_back",
                    "newly", "end")), *(f["near_poor"][k] for k in ("start", "exited",
                    "fell_back", "newly", "end")), f["ethnic_minority_poor"],
                    f["ethnic_minority_near_poor"]]  # fmt: skip
    return out


def normalise_raw(rows: list[Any]) -> dict[str, list[int]]:
    out = {r[0]: [int(v) for v in r[1:]] for r in rows}
    out["TOTAL"] = [sum(v[i] for v in out.values()) for i in range(13)]
    return out


def same(name: str, a: dict[str, list[int]], b: dict[str, list[int]]) -> None:
    if a != b:
        diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
        raise SystemExit(f"{name}: endpoint and raw SQL disagree: {dict(list(diff.items())[:3])}")


async def timed(fns: dict[str, Any], repeat: int) -> dict[str, list[float]]:
    """Seconds per call of each, interleaved so that drift hits them alike."""
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            await fn()
            out[name].append(time.perf_counter() - t)
    return out


def get_json(client: httpx.AsyncClient, path: str, params: dict[str, Any], headers: Any) -> Any:
    async def call() -> Any:
        r = await client.get(path, params=params, headers=headers)
        r.raise_for_status()
        return r.json()

    return call


def run_sql(services: Any, sql: str, params: dict[str, Any]) -> Any:
    async def call() -> list[Any]:
        async with services.db_engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())

    return call


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def figures(t: dict[str, list[float]]) -> dict[str, float]:
    endpoint, raw = median_ms(t["endpoint"]), median_ms(t["raw"])
    return {"endpoint_ms": endpoint, "raw_sql_ms": raw, "ratio": round(endpoint / raw, 2)}


def cases(scale: str, backend: str, root: str, province: str) -> list[tuple[str, str, Any]]:
    """(name, unit code, baseline scope) per case: the root's, and at national scale one
    province's within the country."""
    if scale == "province":
        return [("", root, None)]
    return [(root, root, "national"), (province, province, "province")]


def scoped(sql: str, scope: str | None, figures_n: int) -> str:
    fragments = national.PROVINCE if scope == "province" else national.WHOLE
    sql = sql.format(**fragments)
    return national.by_province(sql, figures_n) if scope == "national" else sql


async def measure(
    client: httpx.AsyncClient, services: Any, headers: Any, now: list[datetime], scale: str,
    backend: str, period: Any, unit_ids: dict[str, int], repeat: int,
) -> dict[str, Any]:  # fmt: skip
    """Every case compared with its baseline, then timed; figures per report and case."""
    start, end = period_window(period)
    root = national.ROOT if scale == "national" else "P"
    out: dict[str, Any] = {"summary": {}, "indicators": {}, "emulation": {}}
    for name, code, scope in cases(scale, backend, root, "P01"):
        base = {"root": unit_ids[code]} if scope == "province" else {}
        fns = {
            "endpoint": get_json(client, "/api/v1/reports/summary",
                                 {"unit": code, "period": period.code}, headers),
            "raw": run_sql(services, scoped(RAW_SUMMARY, scope, 13),
                           {**base, "start": start, "end": end}),
        }  # fmt: skip
        same(f"summary {code}", normalise_endpoint(await fns["endpoint"]()),
             normalise_raw(await fns["raw"]()))  # fmt: skip
        out["summary"][name] = await timed(fns, repeat)

        fragments = national.PROVINCE if scope == "province" else national.WHOLE
        fns = {
            "endpoint": get_json(client, "/api/v1/reports/indicators",
                                 {"unit": code, "period": period.code}, headers),
            "raw": run_sql(services, indicators_sql.raw(backend, fragments["hamlets"],
                                                        fragments["and_h"]),
                           {**base, "end": end}),
        }  # fmt: skip
        same(f"indicators {code}", indicators_sql.normalise_endpoint(await fns["endpoint"]()),
             indicators_sql.normalise_raw(await fns["raw"]()))  # fmt: skip
        out["indicators"][name] = await timed(fns, repeat)

        for year, clock in EMULATION if scale == "province" else EMULATION[:1]:
            now[0] = clock
            params = emulation_sql.raw_params(window(year, clock.date()), backend)
            fns = {
                "endpoint": get_json(client, "/api/v1/reports/emulation",
                                     {"unit": code, "year": year}, headers),
                "raw": run_sql(services, scoped(emulation_sql.RAW_EMULATION, scope, 11),
                               {**base, **params}),
            }  # fmt: skip
            same(f"emulation {code} {year}",
                 emulation_sql.normalise_endpoint(await fns["endpoint"]()),
                 emulation_sql.normalise_raw(await fns["raw"]()))  # fmt: skip
            out["emulation"][f"{name} {year}".strip()] = await timed(fns, repeat)
        now[0] = CLOCK
    return out


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--scale", choices=("province", "national"), default="province")
    ap.add_argument("--provinces", type=int, default=national.PROVINCES, help="national only")
    ap.add_argument("--communes", type=int, default=None)
    ap.add_argument("--hamlets", type=int, default=None)
    ap.add_argument("--households-per-hamlet", type=int, default=None)
    ap.add_argument("--events", type=int, default=None)
    ap.add_argument("--supports", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument(
        "--reuse", action="store_true", help="keep the data a previous run left at --database-url"
    )
    args = ap.parse_args()
    big = args.scale == "national"
    defaults = {"communes": national.COMMUNES if big else COMMUNES,
                "hamlets": national.HAMLETS if big else 2000,
                "households_per_hamlet": national.HOUSEHOLDS_PER_HAMLET if big else 100,
                "events": national.EVENTS if big else 1_000_000,
                "supports": national.SUPPORTS if big else 100_000, "repeat": 5 if big else 15}  # fmt: skip
    for k, v in defaults.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite+aiosqlite:///{tmp.name}/bench.db"
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    if big and backend != "postgresql":
        raise SystemExit("--scale national needs PostgreSQL: pass --database-url")
    rng = random.Random(20261126)
    now = [CLOCK]

    t0 = time.perf_counter()
    reuse = args.reuse and bool(args.database_url)
    if not reuse:
        await reset(url)
        if big:
            await load_tree_pg(url, args.provinces, args.communes, args.hamlets)
    services = build_services(
        Settings(database_url=url, secret_key=SECRET, seed_demo=False),  # type: ignore[arg-type]
        clock=lambda: now[0],
    )
    async with transaction(services.sessionmaker) as db:
        if not reuse and not big:
            await import_units(db, parse_csv(units_csv(args.hamlets)), actor="bench")
        root = await unit_by_code(db, national.ROOT if big else "P")
        token = (
            await create_token(
                db, secret_key=SECRET, role="admin" if big else "province", unit=root,  # type: ignore[arg-type]
                name=None, actor="bench",
            )
        ).token  # fmt: skip
        periods = {}
        for y, m in [(y, m) for y in (2025, 2026) for m in range(1, 13)][:23]:
            periods[(y, m)] = await ensure_period(db, monthly(y, m))
        rows = (
            await db.execute(
                text(
                    "SELECT h.id, h.parent_id, c.area FROM org_units h "
                    "JOIN org_units c ON c.id = h.parent_id WHERE h.level = 'hamlet' ORDER BY h.id"
                )
            )
        ).all()
        unit_ids = dict(
            (await db.execute(text("SELECT code, id FROM org_units WHERE level <> 'hamlet'"))).all()
        )
    hamlets = [(r[0], r[1], r[2]) for r in rows]
    phases: dict[str, float] = {}
    if reuse:
        async with services.db_engine.connect() as conn:
            n_households = (await conn.execute(text("SELECT count(*) FROM households"))).scalar()
            n_events = (await conn.execute(text("SELECT count(*) FROM submissions"))).scalar()
    elif big:
        register = national.Register(args.households_per_hamlet, args.events, args.supports,
                                     NEXT, rng)  # fmt: skip
        conn = await asyncpg_connect(url)
        try:
            provinces = [unit_ids[c] for c in unit_ids if c.count("-") == 0 and c != national.ROOT]
            phases = await national.load(conn, hamlets, register, root.id, provinces, S_COLS,  # type: ignore[arg-type]
                                         H_COLS, lambda m: print(m, file=sys.stderr))  # fmt: skip
        finally:
            await conn.close()
        n_households, n_events = register.household, register.submission
    else:
        households, submissions = generate(hamlets, args.households_per_hamlet, args.events, rng)
        communes = sorted({c for _, c, _ in hamlets})
        extra = emulation_sql.generate(communes, root.id, households, args.supports, rng)  # type: ignore[union-attr,arg-type]
        # Their own generator, after the rest: the other tables' rows stay as they were.
        assessed = indicators_sql.assessments(submissions, random.Random(20261127))
        extra["assessments"] = (indicators_sql.A_COLS, assessed)
        households = indicators_sql.with_latest(households, assessed)
        if backend == "postgresql":
            await load_pg(url, households, submissions, extra)
        else:
            load_sqlite(url.split("///", 1)[1], households, submissions, extra)
        n_households, n_events = len(households), len(submissions)
    generated_s = time.perf_counter() - t0
    print(
        f"{'reused' if reuse else 'generated'} {len(hamlets)} hamlets, {n_households} households, "
        f"{n_events} change events on {backend} in {generated_s:.1f} s",
        file=sys.stderr,
    )

    period = periods[MEASURED]
    app = create_app(services, own_services=False)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        timings = await measure(client, services, headers, now, args.scale, backend, period,
                                unit_ids, args.repeat)  # fmt: skip
    await services.aclose()
    out: dict[str, Any] = {
        "bench": "aggregates",
        "scale": args.scale,
        "backend": backend,
        "hamlets": len(hamlets),
        "households": n_households,
        "events": n_events,
        "period": period.code,
        "repeat": args.repeat,
    }
    if not reuse:
        out["generation_s"] = round(generated_s, 1)
        out.update({k: round(v, 1) for k, v in phases.items()})
    if backend == "postgresql":
        conn = await asyncpg_connect(url)
        try:
            out["sizes"] = await national.sizes(conn)
        finally:
            await conn.close()
    for report, by_case in timings.items():
        out[report] = {name: figures(t) for name, t in by_case.items()}
    if not big:  # the province run's keys as before
        summary = out.pop("summary")[""]
        out["summary_ms"], out["raw_sql_ms"] = summary["endpoint_ms"], summary["raw_sql_ms"]
        out["ratio"] = summary["ratio"]
        out["indicators"] = out["indicators"][""]
    print(json.dumps(out))


async def asyncpg_connect(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))


async def load_tree_pg(url: str, provinces: int, communes: int, hamlets: int) -> None:
    conn = await asyncpg_connect(url)
    try:
        rows = national.tree(provinces, communes, hamlets)
        await conn.copy_records_to_table("org_units", records=rows, columns=national.UNIT_COLS)
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('org_units', 'id'), (SELECT max(id) FROM org_units))"
        )
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
