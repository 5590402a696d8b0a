"""What the command modules share."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any


def print_result(job: Coroutine[Any, Any, str]) -> int:
    """Run a command's coroutine and print its text; a LookupError is a usage error (exit 2)."""
    try:
        print(asyncio.run(job))
    except LookupError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    return 0
