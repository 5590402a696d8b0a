"""What the command modules share."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any


def print_result(job: Coroutine[Any, Any, str]) -> int:
    """Run a command's coroutine and print its text; a LookupError is a usage error (exit 2)."""
    try:
        print(asyncio.run(job))
    except LookupError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    return 0


_DURATION = re.compile(r"^([0-9]+)\s*([dhm])$")


def parse_duration(text: str) -> timedelta:
    m = _DURATION.match(text.strip().lower())
    if not m:
        raise argparse.ArgumentTypeError(f"expected a duration like 7d, 12h or 30m, got {text!r}")
    n, unit = int(m.group(1)), m.group(2)
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}[unit]
