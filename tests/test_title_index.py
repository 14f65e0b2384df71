"""The trigram index behind fuzzy title search: the same best match as a scan of every name,
on a catalog big enough that the index scores only a part of it, and edits findable at once;
a saved index keeps each name's titles in a tuple and answers in the same order."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace

import pytest

from bot.app import App
from bot.core import title_index
from bot.core.title_index import TitleIndex
from recommender import TitleFacts


class ScanEveryName(TitleIndex):
    """The reference: rapidfuzz on every indexed name, as before the trigram index."""

    def __init__(self, titles: list[TitleFacts]) -> None:
        super().__init__(titles)
        names = self._names
        names.candidates = lambda key, most=None: {  # type: ignore[method-assign]
            i: k for i, k in enumerate(names.keys) if names.titles_of(i)
        }


def grown(titles: list[TitleFacts], copies: int, rng: random.Random) -> list[TitleFacts]:
    """Made-up siblings joining halves of two real names, so the catalog outgrows the cap."""
    out, next_id = list(titles), max(t.id for t in titles) + 1
    for _ in range(copies):
        for t in titles:
            head, tail = t.name.split(), rng.choice(titles).name.split()
            name = " ".join(head[: max(1, len(head) // 2)] + tail[len(tail) // 2 :])
            out.append(TitleFacts(id=next_id, name=name, year=rng.randint(1950, 2026), kind="film"))
            next_id += 1
    return out


def with_typo(name: str, rng: random.Random) -> str:
    words = name.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long:
        return name
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(len(w) - 1)
    words[i] = w[:j] + w[j + 1 :]
    return " ".join(words)


async def test_typo_queries_find_what_a_scan_of_every_name_finds(app: App, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    titles = grown(list((await app.core.catalog.get()).titles.values()), 12, rng)
    monkeypatch.setattr(title_index, "MAX_CANDIDATES", 150)  # a fraction of ~4,000 names
    indexed, scanned = TitleIndex(titles), ScanEveryName(titles)
    queries = [with_typo(t.name, rng) for t in rng.sample(titles, 300)]
    differ = {}
    for q in queries:
        want = scanned.search(q, limit=10)
        got = indexed.search(q, limit=10)
        if want and want[0].score >= 85 and (not got or got[0].title_id != want[0].title_id):
            differ[q] = (want[0].title_id, got[0].title_id if got else None)
    assert len(indexed._names.candidates("prison playbok")) < len(titles) // 4
    assert differ == {}


async def test_an_alias_added_or_a_title_renamed_is_found_at_once(app: App) -> None:
    snap = await app.core.catalog.get()
    index = TitleIndex(list(snap.titles.values()))
    playbook = next(t for t in snap.titles.values() if t.name == "Prison Playbook")
    assert index.exact_ids("Gamppang") == set()
    index.put(replace(playbook, aliases=(*playbook.aliases, "Gamppang")))
    assert index.exact_ids("Gamppang") == {playbook.id}
    assert index.search("Gampang")[0].title_id == playbook.id
    index.put(replace(playbook, name="Cell Block Lessons", aliases=()))
    assert index.exact_ids("Prison Playbook") == set()
    assert index.search("Cell Blok Lessons")[0].title_id == playbook.id
    index.remove(playbook.id)
    assert all(m.title_id != playbook.id for m in index.search("Cell Block Lessons"))


def found(index: TitleIndex, query: str) -> list[tuple[int, float, bool]]:
    return sorted((m.title_id, m.score, m.exact) for m in index.search(query))


async def test_a_changed_copy_finds_the_edits_and_leaves_the_original_as_it_was(
    app: App,
) -> None:
    """`with_changes` (an admin's edit applied to the snapshot) answers as an index built
    afresh from the edited catalog would, while the index it came from, still held by
    commands in flight, answers as before."""
    rng = random.Random(5)
    titles = grown(list((await app.core.catalog.get()).titles.values()), 3, rng)
    original = TitleIndex(titles)
    playbook = next(t for t in titles if t.name == "Prison Playbook")
    renamed = replace(playbook, name="Cell Block Lessons", aliases=("Gamppang",))
    gone = next(t for t in titles if t.name == "Okja")
    added = TitleFacts(
        id=max(t.id for t in titles) + 1, name="Quokka Island", year=2024, kind="film"
    )
    edited = [renamed if t.id == playbook.id else t for t in titles if t.id != gone.id]

    changed = original.with_changes(put=[renamed, added], remove=[gone.id])
    afresh = TitleIndex([*edited, added])
    queries = ["Cell Blok Lessons", "Gamppang", "Prison Playbook", "Okja", "Quoka Island"]
    queries += [with_typo(t.name, rng) for t in rng.sample(titles, 100)]
    for q in queries:  # the same matches (equal scores may come in another order)
        assert found(changed, q) == found(afresh, q), q
    assert changed.exact_ids("Gamppang") == {playbook.id}
    assert gone.id not in changed.titles and changed.titles[added.id] == added

    before = TitleIndex(titles)
    for q in queries:
        assert found(original, q) == found(before, q), q
    assert original.exact_ids("Prison Playbook") == {playbook.id}
    assert original.exact_ids("Quokka Island") == set()


def test_a_saved_index_keeps_tuples_and_answers_in_the_same_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loaded, each name's titles are a tuple (a set is 4x its size), yet searches, exact
    matches and an edited copy give what the index saved with sets gives, order included:
    names shared by several titles whose ids collide in a set's table."""
    words = ["Mother", "The Host", "Black Beauty", "Little Women", "Hamlet", "Okja"]
    titles = [
        TitleFacts(id=8 * k + 3 + 64 * (k % 3), name=words[k % 6], year=1990 + k % 4, kind="film")
        for k in range(36)
    ]
    titles += [
        TitleFacts(id=1000 + i, name=f"Harbor {i}", year=2000, kind="film") for i in range(9)
    ]
    index = TitleIndex(titles)
    loaded = pickle.loads(pickle.dumps(index))
    with monkeypatch.context() as m:  # as saved before: the sets themselves
        m.setattr(TitleIndex, "__getstate__", lambda self: dict(self.__dict__))
        m.setattr(title_index._Trigrams, "__getstate__", lambda self: dict(self.__dict__))
        with_sets = pickle.loads(pickle.dumps(index))
    assert all(isinstance(ids, tuple) for ids in loaded._exact.values())
    assert all(isinstance(ids, tuple) for ids in loaded._names._titles)
    assert all(isinstance(ids, set) for ids in with_sets._exact.values())
    queries = [*words, "Mothr", "Host", "Hamlet (1991)", "Black Beuty", "Harbor", "Harbr 3"]

    def same(a: TitleIndex, b: TitleIndex) -> None:
        for q in queries:
            assert a.search(q) == b.search(q), q
            assert list(a.exact(q)) == list(b.exact(q)), q

    same(loaded, with_sets)
    mother = next(t for t in titles if t.name == "Mother")
    renamed = replace(mother, name="Okja", aliases=("Mother",))
    gone = next(t for t in titles if t.name == "Okja").id
    same(
        loaded.with_changes(put=[renamed], remove=[gone]),
        with_sets.with_changes(put=[renamed], remove=[gone]),
    )
    same(loaded, with_sets)  # the originals as they were
    loaded.put(renamed)
    with_sets.put(renamed)
    same(loaded, with_sets)
