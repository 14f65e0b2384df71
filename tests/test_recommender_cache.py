"""Cached personal lists answer exactly as scoring the whole catalog does, filters included,
and the weights file keeps the blend and the content block weights apart."""

from __future__ import annotations

import json
import math
import pickle
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from recommender import HybridWeights, RatingTriple, Recommender, TitleFacts, TitleFilter, hybrid
from recommender.content import Suggestion
from recommender.formats import title_format
from recommender.weights import load_content_block_weights, load_weights, save_weights

GENRES = ("drama", "comedy", "thriller", "romance", "sci-fi")
THEMES = ("prison", "father", "space", "school", "revenge", "family", "war", "music")


def catalog(n: int = 80) -> list[TitleFacts]:
    rng = random.Random(5)
    return [
        TitleFacts(
            i,
            f"T{i}",
            1990 + i % 32,
            "film" if i % 3 else "series",
            genres=tuple(rng.sample(GENRES, 2)),
            themes=tuple(rng.sample(THEMES, 3)),
            countries=("KR",) if i % 4 == 0 else ("US",),
        )
        for i in range(1, n + 1)
    ]


def ratings(n_titles: int = 80) -> list[RatingTriple]:
    rng = random.Random(9)
    out = []
    for u in range(12):
        for t in rng.sample(range(1, n_titles + 1), 10 + 3 * u):
            out.append(RatingTriple(f"u{u}", t, rng.choice([1.0, 2.5, 3.5, 4.0, 5.0]), 1.5e9 + t))
    return out


def from_scratch(
    rec: Recommender, history: dict[int, float], f: TitleFilter, as_of: float | None
) -> list[Suggestion]:
    user = rec.user_parts(history)
    assert user is not None
    scores = rec.blend(user)
    if as_of is not None:
        scores[rec.released_after(as_of)] = -np.inf
    if not f.is_empty:
        scores[~f.mask(rec._title_order, rec.offers)] = -np.inf
    return rec.content._top(scores, 5, set(history), rec._because(user.pull), floor=-math.inf)


@pytest.mark.parametrize("keep", [3, 10, 1000])
def test_cached_lists_match_scoring_everything(monkeypatch: pytest.MonkeyPatch, keep: int) -> None:
    monkeypatch.setattr(hybrid, "RANKED_KEEP", keep)  # few candidates: the fallback must work
    rec = Recommender.build(catalog(), ratings())
    filters = [
        TitleFilter(),
        TitleFilter(kind="series"),
        TitleFilter(countries=frozenset({"KR"}), year_from=2005),
        TitleFilter(countries=frozenset({"KR"}), kind="series", year_from=2019),
    ]
    for u in range(12):
        history = rec.histories[f"u{u}"]
        for f in filters:
            for as_of in (None, 1.2e9):
                want = from_scratch(rec, history, f, as_of)
                for _ in range(2):  # the second answer comes from the cache
                    got = rec.personal(history, k=5, filters=f, as_of=as_of)
                    assert [(s.title_id, round(s.score, 4)) for s in got] == [
                        (s.title_id, round(s.score, 4)) for s in want
                    ]


def test_new_weights_drop_cached_lists() -> None:
    rec = Recommender.build(catalog(), ratings())
    history = rec.histories["u11"]
    before = rec.personal(history, k=5)
    rec.weights = rec.weights.with_values(content=0.0, collab=0.0, popularity=1.0)
    after = rec.personal(history, k=5)
    assert after == from_scratch(rec, history, TitleFilter(), None)
    assert [s.title_id for s in after] != [s.title_id for s in before]


def test_long_histories_are_ranked_at_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hybrid, "PRECOMPUTE_MIN_RATINGS", 40)
    rec = Recommender.build(catalog(), ratings())
    long_ones = [h for h in rec.histories.values() if len(h) >= 40]
    assert long_ones and len(rec._ranked) == 2 * len(long_ones)  # with and without rating times


def test_only_recently_active_members_are_ranked_at_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hybrid, "PRECOMPUTE_MIN_RATINGS", 25)
    monkeypatch.setattr(hybrid, "PRECOMPUTE_MAX_MEMBERS", 2)
    triples = ratings()
    long_users = sorted({r.user for r in triples if sum(x.user == r.user for x in triples) >= 25})
    assert len(long_users) >= 4
    dataset, *members = long_users
    # The last member rated most recently, then the one before: those two are ranked.
    latest = {u: 1.7e9 + i * 86_400 for i, u in enumerate(members)}
    dated = [replace(r, at=latest.get(r.user, r.at)) for r in triples]
    rec = Recommender.build(catalog(), dated, dataset_users={dataset})
    ranked = [u for u in rec.histories if rec._ranked_key(rec.histories[u], None) in rec._ranked]
    assert sorted(ranked) == sorted(members[-2:])
    # Anyone else is still answered, ranked on first ask, and the same as from scratch.
    history = rec.histories[dataset]
    assert rec.personal(history, k=5) == from_scratch(rec, history, TitleFilter(), None)


def test_each_tuner_keeps_the_others_weights(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    save_weights(content_blocks={"genre": 0.5, "theme": 2.0}, path=path)
    save_weights(HybridWeights(content=1.5), path=path)
    assert load_content_block_weights(path) == {"genre": 0.5, "theme": 2.0}
    assert load_weights(path).content == 1.5
    save_weights(content_blocks={"genre": 0.25}, path=path)
    assert load_weights(path).content == 1.5
    assert json.loads(path.read_text())["content_blocks"] == {"genre": 0.25}


def test_the_most_rated_titles_similar_lists_are_made_at_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hybrid, "PRECOMPUTE_SIMILAR_TITLES", 6)
    rec = Recommender.build(catalog(), ratings())
    counts = {t: rec.counts[rec.row[t]] for t in rec.row}
    most = sorted(counts, key=lambda t: (-counts[t], rec.row[t]))[:6]
    assert set(rec._similar_built) == {(t, k) for t in most for k in (5, 10)}
    for (t, k), built in rec._similar_built.items():
        assert len(built) == k
        assert rec.similar(t, k=k) == list(built) == rec._similar(t, k, (), None)
    # They travel with the model (snapshot files); what is cached on use does not.
    rec.similar(next(t for t in rec.row if t not in most), k=5)
    copied = pickle.loads(pickle.dumps(rec))
    assert copied._similar_built == rec._similar_built and not copied._similar_lru
    # Filtered or excluding lists are scored as they are asked for.
    f = TitleFilter(kind="series")
    assert rec.similar(most[0], k=5, filters=f) == rec._similar(most[0], 5, (), f)


@pytest.mark.parametrize("precomputed", [0, 500])
def test_an_edit_keeps_the_similar_lists_it_cannot_change(
    monkeypatch: pytest.MonkeyPatch, precomputed: int
) -> None:
    monkeypatch.setattr(hybrid, "PRECOMPUTE_SIMILAR_TITLES", precomputed)
    rec = Recommender.build(catalog(), ratings())
    before = {t: rec.similar(t, k=5) for t in range(1, 81)}
    listed = {s.title_id for s in before[1]}
    gone = next(iter(listed))
    untouched = next(
        t for t, lst in before.items() if t != gone and gone not in {s.title_id for s in lst}
    )
    renamed = replace(rec.titles[untouched], name="Renamed", aliases=("Another name",))
    patched = rec.with_facts({untouched: renamed}, {gone}, {})
    kept = [t for t in before if (t, 5) in patched._similar_lru or (t, 5) in patched._similar_built]
    # A list that showed the removed title is scored again, without it.
    assert 1 not in kept
    again = patched.similar(1, k=5)
    assert gone not in {s.title_id for s in again}
    assert again == patched._similar(1, 5, (), None)
    # Lists that neither edit touches are the cached ones, and still right: a new name or
    # alias changes no list, the renamed title's own included.
    assert kept and gone not in kept and untouched in kept
    for t in kept:
        assert patched.similar(t, k=5) == before[t]
        assert patched._similar(t, 5, (), None) == before[t]


def test_an_edit_of_a_titles_format_scores_the_lists_with_it_again() -> None:
    rec = Recommender.build(catalog(), ratings())
    before = {t: rec.similar(t, k=5) for t in range(1, 81)}
    edited = next(s.title_id for s in before[1])
    facts = rec.titles[edited]
    documentary = replace(facts, genres=(*facts.genres, "Documentary"))
    assert title_format(documentary) != title_format(facts)
    patched = rec.with_facts({edited: documentary}, set(), {})
    with_it = [t for t, lst in before.items() if edited in {s.title_id for s in lst}]
    assert with_it and all((t, 5) not in patched._similar_lru for t in [edited, *with_it])
    for t in [edited, *with_it]:
        assert patched.similar(t, k=5) == patched._similar(t, 5, (), None)
