"""Admin edits are applied to the catalog snapshot at once, not rebuilt: the next command sees
them while the full rebuild runs in the background (in another process), and commands are
answered during that rebuild. On a real catalog (Netflix's 8,800 titles from ../shared/data),
so a rebuild takes long enough to tell "applied" from "rebuilt"; both databases."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from bot.app import App, open_app
from bot.console_adapter.chat import console_context
from bot.core.catalog import CatalogCache, SnapshotStore
from bot.core.kernel import Core
from bot.features.reviews.rate import Ratings
from db import migrate
from db.imports.importer import import_file
from db.session import Database
from tests.conftest import Backend, make_settings
from tests.support import all_text, say
from tests.test_imports import shared_data

NETFLIX = "netflix-titles/netflix_titles.csv"
# A command answered from the snapshot takes milliseconds; waiting for a rebuild of this
# catalog takes seconds (and stalls every command behind it).
COMMAND_BOUND_S = 1.0


@pytest.fixture(scope="module")
async def netflix_app(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[App]:
    url = await backend.empty()
    db = Database.from_url(url)
    try:
        await migrate.upgrade(db.engine)
        await import_file(db, shared_data() / NETFLIX)
    finally:
        await db.dispose()
    app = await open_app(make_settings(url, tmp_path_factory.mktemp("netflix")), seed=False)
    await app.core.catalog.get()
    yield app
    await app.core.catalog.wait_for_refresh()
    await app.close()


async def timed(app: App, line: str, user: str = "ana") -> tuple[float, str]:
    started = time.perf_counter()
    reply = await say(app, line, user=user)
    return time.perf_counter() - started, all_text(reply)


async def a_title_with_similar_ones(app: App, name_part: str) -> tuple[int, list[int]]:
    """A title whose name is its own (no other title shares it) and what /recommend gives."""
    snap = await app.core.catalog.get()
    for t in sorted(snap.titles.values(), key=lambda t: t.id):
        if name_part.casefold() in t.name.casefold() and snap.index.exact_ids(t.name) == {t.id}:
            similar = [s.title_id for s in snap.model.similar(t.id, k=10)]
            if len(similar) == 10:
                return t.id, similar
    raise AssertionError(f"no title like {name_part!r} with ten similar ones")


async def test_an_edit_is_seen_by_the_next_command_while_the_rebuild_runs(
    netflix_app: App,
) -> None:
    app, cache = netflix_app, netflix_app.core.catalog
    await cache.wait_for_refresh()
    tid, _ = await a_title_with_similar_ones(app, "love")
    name = (await cache.get()).titles[tid].name

    edit = await say(app, f"/admin title edit #{tid} name:Snapshot Patch Test year:2019")
    assert not edit.is_error, edit.text
    seconds, card = await timed(app, "/title Snapshot Patch Test")
    assert "Snapshot Patch Test (2019)" in card, card
    assert cache.refreshing, "the edit was seen only after a rebuild"
    assert seconds < COMMAND_BOUND_S
    _, old = await timed(app, f"/title {name}")
    assert "Snapshot Patch Test" not in old  # the old name no longer finds it

    alias = await say(app, f"/admin title alias #{tid} | Quokka Moonlight Serenade")
    assert not alias.is_error, alias.text
    _, card = await timed(app, "/title Quokka Moonlight Serenade")
    assert "Snapshot Patch Test (2019)" in card, card

    offer = await say(app, f"/admin where add #{tid} | Viki | KR")
    assert not offer.is_error, offer.text
    _, where = await timed(app, f"/where #{tid} KR")
    assert "Viki" in where, where
    # The filters see the new offer too: it is the one title on Viki in Korea.
    source = next(iter((await cache.get()).model.similar(tid, k=1))).title_id
    _, on_viki = await timed(app, f"/recommend #{source} --on viki --in KR")
    assert "Snapshot Patch Test (2019)" in on_viki, on_viki
    assert cache.refreshing

    # The rebuild replaces the patched snapshot with a built one that has every edit.
    await cache.wait_for_refresh()
    snap = await cache.get()
    assert not snap.patched
    assert snap.titles[tid].name == "Snapshot Patch Test"
    assert "Quokka Moonlight Serenade" in snap.titles[tid].aliases
    assert any(o.provider == "Viki" for o in snap.offers[tid])
    assert cache.last_build is not None and cache.last_build.pid != os.getpid()


async def test_a_removed_title_is_never_suggested(netflix_app: App) -> None:
    app, cache = netflix_app, netflix_app.core.catalog
    await cache.wait_for_refresh()
    source, similar = await a_title_with_similar_ones(app, "war")
    # A member who liked the source: the title to remove is among their picks and the
    # source's similar titles.
    assert not (await say(app, f"/review #{source} 5", user="fan")).is_error
    picks = [i.title_id for i in (await say(app, "/recommend 20", user="fan")).items]
    shown = [i.title_id for i in (await say(app, f"/recommend #{source}")).items]
    gone = next(t for t in picks if t in similar and t in shown)
    gone_name = (await cache.get()).titles[gone].label

    removed = await say(app, f"/admin title remove #{gone} confirm")
    assert not removed.is_error, removed.text

    seconds, _ = await timed(app, f"/recommend #{source}")
    assert cache.refreshing and seconds < COMMAND_BOUND_S
    for line, user in (
        (f"/recommend #{source}", "ana"),
        (f"/recommend #{source} 20", "ana"),
        (f"/recommend #{source} --film", "ana"),
        (f"/recommend #{source} --series", "ana"),
        ("/recommend 20", "fan"),
        ("/recommend 20", "newcomer"),
    ):
        reply = await say(app, line, user=user)
        assert gone not in [i.title_id for i in reply.items], (line, all_text(reply))
        assert gone_name not in all_text(reply), line
    assert (await say(app, f"/title #{gone}")).is_error
    assert cache.refreshing

    await cache.wait_for_refresh()
    assert gone not in (await cache.get()).titles
    after = await say(app, f"/recommend #{source}")
    assert gone not in [i.title_id for i in after.items]


async def test_commands_are_answered_during_a_rebuild(netflix_app: App) -> None:
    app, cache = netflix_app, netflix_app.core.catalog
    await cache.wait_for_refresh()
    source, _ = await a_title_with_similar_ones(app, "night")
    edit = await say(app, f"/admin title edit #{source} runtime:101")
    assert not edit.is_error, edit.text
    latencies: list[float] = []
    seconds, first = await timed(app, f"/recommend #{source}")
    latencies.append(seconds)
    assert first.startswith("If you liked"), first
    while cache.refreshing:
        seconds, reply = await timed(app, f"/recommend #{source}")
        assert reply.startswith("If you liked"), reply
        latencies.append(seconds)
    # Many commands answered while the build ran, none of them waiting for it.
    assert len(latencies) >= 20, latencies
    assert max(latencies) < COMMAND_BOUND_S, sorted(latencies)[-5:]
    assert (await cache.get()).titles[source].runtime_minutes == 101


async def test_a_build_older_than_an_edit_never_replaces_it(netflix_app: App) -> None:
    """A rebuild that read the database before an edit (another process's edit started it)
    finishes after the edit was applied: the edit stays, and a further build brings both."""
    app, cache = netflix_app, netflix_app.core.catalog
    await cache.wait_for_refresh()
    one, _ = await a_title_with_similar_ones(app, "girl")
    two, _ = await a_title_with_similar_ones(app, "king")
    async with app.db.unit_of_work(write=True) as repos:  # "another process"
        await repos.curation.update_title(one, {"synopsis": "Edited elsewhere."})
        await repos.catalog.bump_revision()
    await asyncio.sleep(cache.check_every)  # till its periodic check of the revision
    await cache.get()
    assert cache.refreshing
    assert not (await say(app, f"/admin title edit #{two} episodes:77")).is_error
    assert (await cache.get()).titles[two].episodes == 77
    await cache.wait_for_refresh()
    snap = await cache.get()
    assert not snap.patched
    assert snap.titles[two].episodes == 77
    assert snap.titles[one].synopsis == "Edited elsewhere."


async def test_the_ratings_refit_runs_in_the_build_process(app: App) -> None:
    store = SnapshotStore(app.settings.data_dir / "refit-cache", app.settings.database_url)
    cache = CatalogCache(app.db, check_every=0, ratings_every=0, store=store)
    ratings = Ratings(Core(app.db, app.settings, cache))
    first = await cache.get()
    title = next(iter(first.titles))
    await ratings.review(console_context("refit-member"), f"#{title}", "4.5")
    await cache.get()  # new ratings: a refit starts
    assert cache.refreshing
    await cache.wait_for_refresh()
    report = cache.last_build
    assert report is not None and report.refit
    assert report.pid != os.getpid()
    snap = await cache.get()
    assert snap.revision == first.revision
    assert any(h.get(title) == 4.5 for h in snap.model.histories.values())


async def test_one_process_refits_on_new_ratings_and_the_other_loads_its_refit(app: App) -> None:
    # Two bots on one database and one snapshot directory (two processes' caches).
    store = SnapshotStore(app.settings.data_dir / "shared-refit", app.settings.database_url)
    first = CatalogCache(app.db, check_every=0, ratings_every=0, store=store)
    second = CatalogCache(app.db, check_every=0, ratings_every=0, store=store)
    ratings = Ratings(Core(app.db, app.settings, first))
    built = await first.get()
    assert (await second.get()).revision == built.revision
    assert second.last_build is None  # it loaded the first one's published build
    title = next(iter(built.titles))
    await ratings.review(console_context("refit-member"), f"#{title}", "4.5")

    await first.get()
    await first.wait_for_refresh()
    assert first.last_build is not None and first.last_build.refit
    await second.get()
    await second.wait_for_refresh()
    assert second.last_build is None  # loaded the first one's refit instead of refitting
    snap = await second.get()
    assert snap.ratings_mark == (await first.get()).ratings_mark != built.ratings_mark
    assert any(h.get(title) == 4.5 for h in snap.model.histories.values())
