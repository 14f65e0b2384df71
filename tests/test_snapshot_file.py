"""A snapshot saved in the store and loaded back (its arrays mapped from the file) answers as
the one built; a file cut short or of the old format is a cache miss, not an error; equal
values in the titles and offers are one object; the members' ratings are loaded packed and the
pickle is streamed, not read whole."""

from __future__ import annotations

import mmap
import pickle
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from bot.core import snapshot_file
from bot.core.catalog import CatalogSnapshot, SnapshotStore
from recommender import Offer
from recommender.packed import PackedArrays, PackedHistories
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


def test_a_loaded_model_keeps_the_ratings_packed(tmp_path: Path, mapped_all: None) -> None:
    snap = built()
    store = SnapshotStore(tmp_path, URL)
    store.save(snap)
    loaded = store.load(7)
    assert loaded is not None
    built_model, model = snap.model, loaded.model
    assert isinstance(model.histories, PackedHistories)
    assert isinstance(model.rated_years, PackedArrays)
    # The same members in the same order, each history the same dict in the same order.
    assert list(model.histories) == list(built_model.histories)
    for user, history in built_model.histories.items():
        assert list(model.histories[user].items()) == list(history.items())
        assert model.recommend(user) == built_model.recommend(user)
    assert model.histories.get("nobody") is None and "nobody" not in model.rated_years
    assert list(model.rated_years) == list(built_model.rated_years)
    for user, years in built_model.rated_years.items():
        assert model.rated_years[user].dtype == years.dtype
        np.testing.assert_array_equal(model.rated_years[user], years)
    # In arrays mapped from the file, not in Python objects.
    base = model.histories._titles
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap)


def test_the_pickle_is_streamed_not_read_whole(tmp_path: Path) -> None:
    values = [bytes([i]) * 200_000 for i in range(50)]  # 10 MB inside the pickle itself
    size = sum(map(len, values))
    path = tmp_path / "big.pickle"
    snapshot_file.dump(values, path)
    tracemalloc.start()
    try:
        loaded = snapshot_file.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert loaded == values
    assert peak < 1.2 * size  # the objects, not the objects and a copy of the pickle
