"""A snapshot saved in the store and loaded back (its arrays mapped from the file) answers as
the one built; a file cut short or of the old format is a cache miss, not an error; equal
values in the titles and offers are one object."""

from __future__ import annotations

import mmap
import pickle
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from bot.core import snapshot_file
from bot.core.catalog import CatalogSnapshot, SnapshotStore
from recommender import Offer
from tests.test_recommender_cache import catalog, ratings

URL = "sqlite+aiosqlite:///snapshot-file-test.sqlite3"


def built() -> CatalogSnapshot:
    titles = catalog(120)
    offers = {
        t.id: [Offer("Netflix", "KR" if t.id % 2 else "US", "stream", date(2026, 1, 1))]
        for t in titles[::3]
    }
    return CatalogSnapshot.build(7, titles, offers, ratings(120), (len(ratings(120)), "x"))


def answers(snap: CatalogSnapshot) -> list[object]:
    similar = [
        [(s.title_id, round(s.score, 6), s.evidence, s.versions) for s in snap.model.similar(t)]
        for t in snap.titles
    ]
    personal = snap.personal_picks({1: 5.0, 4: 4.5, 9: 1.0, 30: 4.0}, 10)
    return [similar, [(s.title_id, round(s.score, 6)) for s in personal], snap.index.search("T1")]


@pytest.fixture
def mapped_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every array out of the pickle, however small (the test catalog's are tiny)."""
    monkeypatch.setattr(snapshot_file, "MIN_MAPPED", 0)


def test_saved_and_loaded_snapshot_answers_the_same(tmp_path: Path, mapped_all: None) -> None:
    snap = built()
    expected = answers(snap)
    store = SnapshotStore(tmp_path, URL)
    store.save(snap)
    loaded = store.load(7)
    assert loaded is not None and loaded is not snap
    assert loaded.ratings_mark == snap.ratings_mark and loaded.titles == snap.titles
    weights = loaded.model.collab.weights if loaded.model.collab is not None else None
    assert weights is not None
    # Mapped from the file, not copied into the pickle, and writable as any array.
    base = weights.data
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)
    assert weights.data.flags.writeable
    np.testing.assert_array_equal(
        loaded.model.content.semantic.vectors, snap.model.content.semantic.vectors
    )
    assert answers(loaded) == expected
    # A write into a loaded array stays in this process: the file is unchanged.
    loaded.model.counts[:] = -1
    again = store.load(7)
    assert again is not None and answers(again) == expected


def test_cut_short_or_old_format_is_a_cache_miss(tmp_path: Path, mapped_all: None) -> None:
    store = SnapshotStore(tmp_path, URL)
    store.save(built())
    path = store.path(7)
    data = path.read_bytes()
    for broken in (data[: len(data) // 2], data[:10], pickle.dumps(built())):
        path.write_bytes(broken)
        assert store.load(7) is None


def test_equal_values_are_one_object() -> None:
    snap = built()
    countries = {id(t.countries) for t in snap.titles.values()}
    genre_names = {id(g) for t in snap.titles.values() for g in t.genres}
    assert len(countries) == 2  # ("KR",) and ("US",)
    assert len(genre_names) == 5
    providers = {id(o.provider) for offers in snap.offers.values() for o in offers}
    assert len(providers) == 1
