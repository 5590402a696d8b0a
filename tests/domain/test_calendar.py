"""The reporting calendar follows the procedure's data."""

from __future__ import annotations

from datetime import date

import pytest


def test_the_annual_deadlines_are_the_procedures_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """A province that sets its own hamlet deadline changes the procedure file, not the code."""
    from dataclasses import replace

    import domain.calendar as cal
    from domain.procedure import procedure

    assert cal.local_day(cal.annual(2026).hamlet_deadline) == date(2026, 11, 30)
    own = replace(procedure(), periodic_hamlet_end=(11, 15), periodic_commune_end=(12, 10))
    monkeypatch.setattr(cal, "procedure", lambda: own)
    spec = cal.annual(2026)
    assert (cal.local_day(spec.hamlet_deadline), cal.local_day(spec.commune_deadline)) == (
        date(2026, 11, 15),
        date(2026, 12, 10),
    )
    assert (spec.starts_on, spec.ends_on) == (date(2026, 9, 1), date(2026, 12, 14))
