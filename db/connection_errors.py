"""Telling a lost database connection (a restart, a failover, an idle timeout, the network) from an
error in the work itself: only the first is worth doing again on a fresh connection. Imports
nothing else from db/."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError

# asyncpg errors that mean the server or the link went away, not that the statement was wrong.
_ASYNCPG_LOST = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,  # still starting up or in recovery
)


def is_connection_error(error: BaseException) -> bool:
    """True when `error`, or an error it was raised from, is a lost or refused connection."""
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        # OSError covers a refused or reset connection and a connect timeout (TimeoutError).
        if isinstance(current, (OSError, *_ASYNCPG_LOST)):
            return True
        orig = current.orig if isinstance(current, DBAPIError) else None
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False
