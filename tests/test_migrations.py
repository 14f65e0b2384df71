"""Alembic migrations from an empty database, and seeding the starter catalog exactly once."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from bot.app import open_app
from db import migrate
from db import models as m
from db.models import Base
from db.session import Database
from db.starter import load_starter, seed_starter
from tests.conftest import make_settings
from tests.support import say

STARTER_TITLES = 177


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _count(db: Database, model: object) -> int:
    async with db.unit_of_work() as repos:
        return int(await repos.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_upgrade_from_empty_creates_every_table_at_head(empty_db_url: str) -> None:
    db = Database.from_url(empty_db_url)
    try:
        assert await _tables(db) == set()
        assert await migrate.current_revision(db.engine) is None
        await migrate.upgrade(db.engine)
        assert set(Base.metadata.tables) <= await _tables(db)
        assert migrate.head_revision() is not None
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
        # Upgrading again is a no-op.
        await migrate.upgrade(db.engine)
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
    finally:
        await db.dispose()


def _schema_differences(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    """What `alembic revision --autogenerate` would still find: nothing, or a migration is
    missing for a model change."""
    db = Database.from_url(empty_db_url)
    try:
        await migrate.upgrade(db.engine)
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_schema_differences)
        assert differences == []
    finally:
        await db.dispose()


async def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    """From a database full of catalog rows (foreign keys and all) down to nothing, and back."""
    db = Database.from_url(db_url)
    try:
        assert await _count(db, m.Title) == STARTER_TITLES
        await migrate.downgrade(db.engine, "base")
        assert await migrate.current_revision(db.engine) is None
        assert not set(Base.metadata.tables) & await _tables(db)
        await migrate.upgrade(db.engine)
        assert await migrate.current_revision(db.engine) == migrate.head_revision()
        assert set(Base.metadata.tables) <= await _tables(db)
        assert await _count(db, m.Title) == 0  # a fresh schema, not the old rows
    finally:
        await db.dispose()


async def test_open_app_on_an_empty_database_seeds_the_catalog_once(
    empty_db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(empty_db_url, tmp_path)
    first = await open_app(settings)
    try:
        assert await _count(first.db, m.Title) == STARTER_TITLES
        assert await migrate.current_revision(first.db.engine) == migrate.head_revision()
        reply = await say(first, "/recommend Miracle in Cell No. 7")
        assert not reply.is_error
        counts = {model: await _count(first.db, model) for model in _CATALOG_TABLES}
        async with first.db.unit_of_work() as repos:
            revision = await repos.catalog.revision()
    finally:
        await first.close()
    second = await open_app(settings)
    try:
        assert {model: await _count(second.db, model) for model in _CATALOG_TABLES} == counts
        async with second.db.unit_of_work() as repos:
            assert await repos.catalog.revision() == revision
    finally:
        await second.close()


_CATALOG_TABLES = (
    m.Title,
    m.TitleAlias,
    m.TitleGenre,
    m.TitleTheme,
    m.TitlePerson,
    m.TitleRelation,
    m.TitleSource,
    m.Availability,
    m.Genre,
    m.Theme,
    m.Person,
    m.Provider,
)


async def test_seed_starter_again_adds_nothing(db_url: str) -> None:
    """db_url was seeded with seed_starter once already; a second run must change nothing."""
    db = Database.from_url(db_url)
    try:
        counts = {model: await _count(db, model) for model in _CATALOG_TABLES}
        assert counts[m.Title] == STARTER_TITLES
        async with db.unit_of_work() as repos:
            revision = await repos.catalog.revision()
        async with db.unit_of_work(write=True) as repos:
            second = await seed_starter(repos)
        assert (second.added, second.existing) == (0, STARTER_TITLES)
        assert {model: await _count(db, model) for model in _CATALOG_TABLES} == counts
        async with db.unit_of_work() as repos:
            # Nothing changed, so catalog caches need not rebuild.
            assert await repos.catalog.revision() == revision
    finally:
        await db.dispose()


async def test_seeding_links_remakes_to_their_original(db_url: str) -> None:
    db = Database.from_url(db_url)
    try:
        async with db.unit_of_work() as repos:
            rows = (
                await repos.session.execute(
                    select(m.Title.id, m.Title.year, m.Title.original_id).where(
                        m.Title.name == "Miracle in Cell No. 7"
                    )
                )
            ).all()
        by_year = sorted((year, tid, original) for tid, year, original in rows)
        (_, korean, no_original), *remakes = by_year
        assert no_original is None
        assert len(remakes) == 3
        assert all(original == korean for _year, _tid, original in remakes)
    finally:
        await db.dispose()


def test_starter_catalog_files_are_consistent() -> None:
    titles = load_starter()
    assert len(titles) == STARTER_TITLES
    keys = [t.key for t in titles]
    assert len(set(keys)) == len(keys)
    for t in titles:
        assert t.spec.name.strip()
        assert t.spec.kind in m.TITLE_KINDS
        assert t.spec.year is None or 1870 <= t.spec.year <= 2100
        for offer in t.spec.offers:
            assert offer.kind in m.OFFER_KINDS, (t.key, offer)
            assert len(offer.region) == 2 and offer.region.isupper(), (t.key, offer)
