"""Alembic environment. Migrations run on a connection handed in through config.attributes
(by db.migrate), so the same code path serves the CLI, start-up and the tests."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from db.models import Base

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    from bot.settings import Settings
    from db.session import create_engine

    engine = create_engine(Settings.from_env().database_url)
    async with engine.begin() as conn:
        await conn.run_sync(run_on)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:  # plain `alembic` command line: read DATABASE_URL like the bot does
    asyncio.run(run_from_settings())
