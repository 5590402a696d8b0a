"""The indicators report's part of bench/aggregates.py: approved assessments beside the
generated province's approvals, and the hand-written baseline.

The baseline counts, per indicator, the households poor or near-poor at the period's end (the
register unless an approval decided since found them otherwise: the first one's before state)
lacking it on their latest assessment approved before the end, expanding the stored JSON list in
SQL. `{hamlets}` / `{and_h}` scope it to a province of a national database (bench/national.py).
"""

from __future__ import annotations

import json
import random
from typing import Any

from bench.national import A_COLS, ASSESSED, CODES, DEPRIVED, STANDARD

RAW_INDICATORS = """
WITH {hamlets}later AS (
  SELECT household_id, before_status, before_active FROM (
    SELECT household_id, before_status, before_active,
      ROW_NUMBER() OVER (PARTITION BY household_id ORDER BY decided_at, id) AS rn
    FROM submissions
    WHERE status = 'approved' AND decided_at >= :end AND household_id IS NOT NULL) r
  WHERE rn = 1
), listed AS (
  SELECT h.id, h.status FROM households h
  WHERE h.active AND h.status IN ('poor', 'near_poor') {and_h}
    AND NOT EXISTS (SELECT 1 FROM later l WHERE l.household_id = h.id)
  UNION ALL
  SELECT h.id, l.before_status FROM later l JOIN households h ON h.id = l.household_id
  WHERE l.before_active AND l.before_status IN ('poor', 'near_poor') {and_h}
), latest AS (
  SELECT x.status,
    (SELECT a.deprived FROM assessments a JOIN submissions s ON s.id = a.submission_id
     WHERE a.household_id = x.id AND a.approved AND s.status = 'approved' AND s.decided_at < :end
     ORDER BY s.decided_at DESC, a.id DESC LIMIT 1) AS deprived
  FROM listed x
)
SELECT d.value,
  SUM(CASE WHEN latest.status = 'poor' THEN 1 ELSE 0 END),
  SUM(CASE WHEN latest.status = 'near_poor' THEN 1 ELSE 0 END)
FROM latest, {each} AS d
WHERE latest.deprived IS NOT NULL
GROUP BY d.value
"""
EACH = {
    "postgresql": "json_array_elements_text(latest.deprived)",
    "sqlite": "json_each(latest.deprived)",
}


def raw(backend: str, hamlets: str = "", and_h: str = "") -> str:
    return RAW_INDICATORS.format(hamlets=hamlets, and_h=and_h, each=EACH[backend])


def assessments(submissions: list[tuple[Any, ...]], rng: random.Random) -> list[tuple[Any, ...]]:
    """An approved assessment for each approval that classified a household (storage.register
    makes one then), with 0-5 indicators lacking by the class it gave. Submission rows as
    bench/aggregates.py generates them."""
    out = []
    for s in submissions:
        sid, kind, hid, decision, at, after = s[0], s[3], s[4], s[7], s[8], s[12]
        if decision != "approved" or kind not in ASSESSED:
            continue
        lo, hi = DEPRIVED.get(after, (0, 1))
        deprived = json.dumps(rng.sample(CODES, rng.randint(lo, hi)))
        out.append((len(out) + 1, hid, sid, STANDARD, rng.randrange(500, 3000) * 1000, 4,
                    deprived, after, "hamlet_head", True, at))  # fmt: skip
    return out


def with_latest(
    households: list[tuple[Any, ...]], assessed: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The household rows with their latest assessment's deprived and decision moment (what
    storage.register keeps on the household), None for those never assessed. Assessments come
    in submission order, each household's in time order: its last is its latest."""
    latest = {a[1]: (a[6], a[10]) for a in assessed}
    return [(*h, *latest.get(h[0], (None, None))) for h in households]


def normalise_endpoint(body: dict[str, Any]) -> dict[str, list[int]]:
    return {
        r["code"]: [r["poor"], r["near_poor"]] for r in body["rows"] if r["poor"] or r["near_poor"]
    }


def normalise_raw(rows: list[Any]) -> dict[str, list[int]]:
    return {r[0]: [int(r[1]), int(r[2])] for r in rows if r[1] or r[2]}


__all__ = ["A_COLS", "assessments", "normalise_endpoint", "normalise_raw", "raw", "with_latest"]
