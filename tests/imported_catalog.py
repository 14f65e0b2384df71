"""The real catalog files from ../shared/data imported into a test database, built once per
backend and session (importing and indexing ~30,000 titles and 100,000 ratings takes tens of
seconds, so tests share one App over it and write only as their own members).

No starter catalog: what these tests see comes from the imported data alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App, open_app
from db import migrate
from db.imports.importer import import_file
from db.session import Database
from tests.conftest import Backend, make_settings
from tests.test_imports import shared_data

# Only the files the resolution cases need, to keep the build short: Hulu, Netflix, the Korean
# top 250 and MovieLens hold every "Parasite", "Kingdom", "ER", "Runner Runner" and "10" of
# the data and the two main "The Host" films (Prime Video adds a third, lesser-known one).
IMPORTED_FILES = (
    "hulu-titles/hulu_titles.csv",
    "netflix-titles/netflix_titles.csv",
    "kdrama-top250-mydramalist/kdrama.csv",
    "movielens-latest-small",
)


async def build_imported(backend: Backend, shared: Path) -> str:
    url = await backend.empty()
    db = Database.from_url(url)
    try:
        await migrate.upgrade(db.engine)
        for name in IMPORTED_FILES:
            await import_file(db, shared / name)
    finally:
        await db.dispose()
    return url


@pytest.fixture(scope="session")
async def imported_app(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[App]:
    """One App per backend over the imported catalog, its snapshot built once."""
    url = await build_imported(backend, shared_data())
    app = await open_app(make_settings(url, tmp_path_factory.mktemp("imported")), seed=False)
    await app.core.catalog.get()
    yield app
    await app.close()
