"""Small SQL helpers every repository shares: the dialect's INSERT (ON CONFLICT on SQLite and
PostgreSQL alike) and UTC datetimes back from either database. Imports nothing else from db/,
so any repository module can use it without an import cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT on both SQLite and PostgreSQL."""
    return (postgresql.insert if dialect(session) == "postgresql" else sqlite.insert)(table)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)
