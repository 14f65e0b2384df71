"""Backups that restore, on SQLite and PostgreSQL: `seed export` in both formats imported into an
empty database gives the same catalog, table by table, over an imported catalog (the MyDramaList
top 250 and a quarter of MovieLens from ../shared/data on the starter catalog; the whole shared
data set is checked by bench/import_all.py), an admin-made title, a title merged from two
entries of one list, TMDB notability), and a second import of the backup changes nothing."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.app import App
from bot.cli import main
from db import migrate
from db import models as m
from db.imports.export import export_rows, write
from db.imports.formats import TitleRow
from db.imports.importer import import_file
from db.session import Database
from tests.conftest import Backend
from tests.support import say
from tests.test_imports import counts, netflix_file, shared_data
from tests.tmdb_fixture import movie, write_movies

MOVIELENS_ROWS = 2500
# One film listed twice by Netflix (as the real list does with "Love in a Puff"): one title
# holding two Netflix ids, both of which the backup must keep.
LISTED_TWICE = (
    "s160,Movie,Love in a Puff,Pang Ho-cheung,,Hong Kong,,2010,,103 min,Romantic Movies,x\n"
    "s7346,Movie,Love in a Puff,Pang Ho-cheung,,Hong Kong,,2010,,103 min,Romantic Movies,x\n"
)


async def notability(db: Database) -> set[tuple[str, int | None, float | None, int | None]]:
    async with db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.Title.name, m.Title.year, m.Title.popularity, m.Title.vote_count).where(
                m.Title.vote_count.is_not(None)
            )
        )
        return {tuple(r) for r in rows}  # type: ignore[misc]


async def source_rows(db: Database) -> set[tuple[str, str]]:
    async with db.unit_of_work() as repos:
        rows = await repos.session.execute(select(m.TitleSource.source, m.TitleSource.external_id))
        return {(s, e) for s, e in rows}


def _movielens_subset(source: Path, target: Path) -> None:
    """The first films of movies.csv and links.csv, without the ratings."""
    for name in ("movies.csv", "links.csv"):
        lines = (source / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (target / name).write_text("".join(lines[:MOVIELENS_ROWS]), encoding="utf-8")


def _save(rows: list[TitleRow], path: Path, fmt: str) -> None:
    buffer = io.StringIO()
    write(rows, buffer, fmt)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture
async def catalog(app: App, tmp_path: Path) -> AsyncIterator[Database]:
    """The starter catalog plus real imports, an admin-made title and the cases above."""
    shared = shared_data()
    db = app.db
    await import_file(db, shared / "kdrama-top250-mydramalist" / "kdrama.csv")
    movielens = tmp_path / "ml"
    movielens.mkdir()
    _movielens_subset(shared / "movielens-latest-small", movielens)
    await import_file(db, movielens)
    await import_file(db, netflix_file(tmp_path, LISTED_TWICE))
    await import_file(
        db,
        write_movies(
            tmp_path / "tmdb.csv",
            movie(380, "Rain Man", "1988-12-11", popularity="51.2", votes="3040"),
        ),
    )
    added = await say(app, "/admin title add The Quiet Harbour (2017) kind:film country:KR")
    assert not added.is_error, added.text
    yield db


async def test_every_export_restores_into_an_empty_database(
    catalog: Database, backend: Backend, tmp_path: Path
) -> None:
    async with catalog.unit_of_work() as repos:
        rows = await export_rows(repos)
    for fmt in ("csv", "json"):
        await _restores(catalog, rows, await backend.empty(), tmp_path / f"catalog.{fmt}", fmt)


async def _restores(
    catalog: Database, rows: list[TitleRow], url: str, backup: Path, fmt: str
) -> None:
    _save(rows, backup, fmt)
    restored = Database.from_url(url)
    try:
        await migrate.upgrade(restored.engine)
        summary = await import_file(restored, backup)
        assert summary.skipped == 0 and summary.merged == 0
        assert await counts(restored) == await counts(catalog)
        # the same provenance, every id of a source kept, and no `reelbot` row added
        assert await source_rows(restored) == await source_rows(catalog)
        assert {("netflix", "s160"), ("netflix", "s7346")} <= await source_rows(restored)
        assert ("admin", "the quiet harbour|2017|film") in await source_rows(restored)
        assert await notability(restored) == await notability(catalog)
        before = await counts(restored)
        again = await import_file(restored, backup)
        assert (again.added, again.merged, again.unchanged) == (0, 0, summary.added)
        assert await counts(restored) == before
    finally:
        await restored.dispose()


def test_cli_backup_of_an_admin_made_title_restores(
    db_url: str, empty_db_url: str, tmp_path: Path
) -> None:
    """The reported failure: `seed export catalog.csv`, then `seed import catalog.csv` said
    "id '2017' is not source:id" for a title an admin had added."""
    runner = CliRunner()

    def run(url: str, *args: str) -> Any:
        env = {"DATABASE_URL": url, "REELBOT_DATA_DIR": str(tmp_path)}
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    added = run(db_url, "admin", "title", "add", "The Quiet Harbour (2017)", "kind:film")
    assert added.exit_code == 0, added.output
    out = tmp_path / "catalog.csv"
    assert run(db_url, "seed", "export", str(out)).exit_code == 0
    restored = run(empty_db_url, "seed", "import", str(out))
    assert restored.exit_code == 0, restored.output
    assert "178 added, 0 merged" in restored.output

    async def admin_titles(url: str) -> set[str]:
        db = Database.from_url(url)
        try:
            return {e for s, e in await source_rows(db) if s == "admin"}
        finally:
            await db.dispose()

    assert asyncio.run(admin_titles(empty_db_url)) == {"the quiet harbour|2017|film"}


def test_max_size_must_be_positive(db_url: str, tmp_path: Path) -> None:
    path = netflix_file(tmp_path, LISTED_TWICE)
    result = CliRunner().invoke(
        main,
        ["seed", "import", str(path), "--max-size", "-5"],
        env={"DATABASE_URL": db_url, "REELBOT_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 2 and "--max-size" in result.output
