"""Which failures mean "the database is unavailable, try the update again later"."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc

from storage.db import unavailable


def wrapped(cls: type[sa_exc.DBAPIError], orig: Exception, **kw: bool) -> sa_exc.DBAPIError:
    try:
        raise cls("SELECT 1", {}, orig, **kw) from orig
    except sa_exc.DBAPIError as err:
        return err


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (TimeoutError(), True),
        (sa_exc.TimeoutError("QueuePool limit reached"), True),
        (wrapped(sa_exc.OperationalError, Exception("database is locked")), True),
        (wrapped(sa_exc.InterfaceError, Exception("connection is closed")), True),
        (wrapped(sa_exc.DBAPIError, Exception("gone"), connection_invalidated=True), True),
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), True),
        # A statement sent through the driver (storage.db.driver) on a connection already closed.
        (asyncpg.InterfaceError("cannot call Connection.fetchrow(): connection is closed"), True),
        (
            asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
            False,
        ),
        # Bugs and data errors are not an outage: retrying would not help.
        (wrapped(sa_exc.IntegrityError, Exception("duplicate key")), False),
        (wrapped(sa_exc.ProgrammingError, Exception("syntax error")), False),
        (ValueError("bad value"), False),
        (KeyError("step"), False),
    ],
)
def test_unavailable(error: BaseException, expected: bool) -> None:
    assert unavailable(error) is expected


def test_a_wrapped_connection_failure_is_found_through_the_cause() -> None:
    try:
        try:
            raise ConnectionResetError(104, "reset by peer")
        except ConnectionResetError as reset:
            raise RuntimeError("while saving the session") from reset
    except RuntimeError as err:
        assert unavailable(err)
