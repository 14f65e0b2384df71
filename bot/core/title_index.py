"""Fuzzy title lookup over names, original-language titles and aliases."""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.core.text import COUNTRIES, ISO_REGIONS, normalise_title, without_article
from recommender.models import TitleFacts

_TRAILING_PAREN = re.compile(r"^(?P<rest>.*\S)\s*\((?P<inner>[^()]*)\)\s*$")
_TRAILING_YEAR = re.compile(r"^(?P<rest>.*\S)\s+(?P<year>(?:18|19|20)\d\d)$")
_YEAR = re.compile(r"^(?:18|19|20)\d\d$")
_COUNTRY_WORDS = {
    **{name.casefold(): code for code, (name, _adj) in COUNTRIES.items()},
    **{adj.casefold(): code for code, (_name, adj) in COUNTRIES.items()},
    "korea": "KR",
    "uk": "GB",
    "usa": "US",
}


# Words a title may have that a member leaves out without meaning another title
# ("miracle cell 7" is "Miracle in Cell No. 7"); any other missing word may well be the
# difference between two titles ("Runner" and "Runner Runner").
_FILLER_WORDS = frozenset({"a", "an", "the", "of", "in", "on", "at", "to", "and", "no", "for"})
# One typo per this many characters is still the same name ("Parasit", "Prison Playbok");
# shorter names must match exactly ("Okja" is not "Okla").
_CHARS_PER_TYPO = 6
_MIN_WORD_FOR_TYPO = 5
_SHORTEST_GUESS = 3
# Names scored per fuzzy search: the ones sharing the most trigrams with the query. A name
# rapidfuzz would rank near the top shares most of the query's trigrams, so it is among them
# (tests/test_title_index.py checks the results against a scan of every name).
MAX_CANDIDATES = 2000


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    year: int | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    title_id: int
    score: float  # 0..100
    exact: bool


def parse_query(raw: str) -> Query:
    """Split "Title (2019, Turkey)" or "Title 2019" into the title and its qualifiers."""
    text = raw.strip()
    year: int | None = None
    country: str | None = None
    if m := _TRAILING_PAREN.match(text):
        parts = [p.strip() for p in m.group("inner").split(",") if p.strip()]
        parsed_year, parsed_country, ok = None, None, bool(parts)
        for part in parts:
            if _YEAR.match(part):
                parsed_year = int(part)
            elif part.casefold() in _COUNTRY_WORDS:
                parsed_country = _COUNTRY_WORDS[part.casefold()]
            elif part.upper() in ISO_REGIONS and len(part) == 2:
                parsed_country = part.upper()
            else:
                ok = False
        if ok:
            text, year, country = m.group("rest"), parsed_year, parsed_country
    elif m := _TRAILING_YEAR.match(text):
        text, year = m.group("rest"), int(m.group("year"))
    return Query(text, year, country)


class TitleIndex:
    """Exact names in dicts; fuzzy ones scored with rapidfuzz on the few names that share
    trigrams with the query (`_Trigrams`) rather than on every name. `put` and `remove`
    change one title's entries in place; `with_changes` makes a changed copy (an admin's
    edit), findable at once, leaving this index as it was."""

    def __init__(self, titles: Iterable[TitleFacts]) -> None:
        self.titles: dict[int, TitleFacts] = {}
        # Two tiers: the name as spelled, then without a leading article ("The Host" ~ "Host"),
        # so "Taxi Driver" and "A Taxi Driver" stay two different titles. A name's titles are
        # a set, or a tuple once saved (`__getstate__`).
        self._exact: dict[str, Ids] = defaultdict(set)
        self._loose: dict[str, Ids] = defaultdict(set)
        self._names = _Trigrams()
        for t in titles:
            self.put(t)

    def __getstate__(self) -> dict[str, object]:
        """Saved (and so loaded) with each name's titles as a tuple in the set's order: a set
        of one title is 216 bytes, the tuple 48; three per name, ~65 MB per loaded snapshot on
        130k titles. A tuple becomes a set again, the very one unpickling makes, when read or
        changed."""
        state = dict(self.__dict__)
        state["_exact"] = defaultdict(set, {k: _frozen(v) for k, v in self._exact.items()})
        state["_loose"] = defaultdict(set, {k: _frozen(v) for k, v in self._loose.items()})
        return state

    def put(self, title: TitleFacts) -> None:
        """Add a title, or replace what is indexed for it (its names, original name, aliases)."""
        self.remove(title.id)
        self.titles[title.id] = title
        for key in _keys_of(title):
            _owned(self._exact, key).add(title.id)
            _owned(self._loose, without_article(key)).add(title.id)
            self._names.add(key, title.id)

    def with_changes(
        self, put: Iterable[TitleFacts] = (), remove: Iterable[int] = ()
    ) -> TitleIndex:
        """A copy with these titles put (added or replaced) and removed. This index stays as
        it is, for the commands still reading it; the copy shares every entry that does not
        change (its containers are shallow copies, the changed names' entries new ones), so
        an edit costs a few dict copies, not a rebuild of the index."""
        put, remove = list(put), list(remove)
        # A shallow copy, not `copy.copy`: that would go through `__getstate__`, tupling every
        # entry on the event loop only for the containers to be replaced below.
        fork = TitleIndex.__new__(TitleIndex)
        fork.__dict__.update(self.__dict__)
        fork.titles = dict(self.titles)
        fork._exact = defaultdict(set, self._exact)
        fork._loose = defaultdict(set, self._loose)
        fork._names = self._names.fork()
        touched = [
            *put,
            *(old for tid in [*remove, *(t.id for t in put)] if (old := self.titles.get(tid))),
        ]
        for key in {key for t in touched for key in _keys_of(t)}:
            for entries, k in ((fork._exact, key), (fork._loose, without_article(key))):
                if k in entries:
                    entries[k] = set(_as_set(entries[k]))
            fork._names.own(key)
        for tid in remove:
            fork.remove(tid)
        for t in put:
            fork.put(t)
        return fork

    def remove(self, title_id: int) -> None:
        title = self.titles.pop(title_id, None)
        if title is None:
            return
        for key in _keys_of(title):
            _discard(self._exact, key, title_id)
            _discard(self._loose, without_article(key), title_id)
            self._names.discard(key, title_id)

    def exact(self, text: str) -> set[int]:
        key = normalise_title(text)
        return set(_as_set(self._exact.get(key, ()))) or set(
            _as_set(self._loose.get(without_article(key), ()))
        )

    def exact_ids(self, raw: str) -> set[int]:
        """Titles the text names exactly, its qualifiers ("(2019)", "2019, Turkey") honoured;
        never a fuzzy pass over the catalog."""
        return self._exact_matches(raw)[1]

    def _exact_matches(self, raw: str) -> tuple[Query, set[int]]:
        whole = self.exact(raw)
        query = parse_query(raw) if not whole else Query(raw)
        ids = whole or self.exact(query.text)
        return query, {tid for tid in ids if self._fits(tid, query)}

    def search(self, raw: str, limit: int = 10, fuzzy_after_exact: bool = True) -> list[Match]:
        """Best matches first: exact names, then fuzzy ones (typos, missing words, word order).

        With fuzzy_after_exact=False an exact hit skips the fuzzy scan (resolving a title
        someone typed correctly should not cost a pass over the whole catalog)."""
        query, exact_ids = self._exact_matches(raw)
        key = normalise_title(query.text)
        if not key:
            return []
        best = {tid: Match(tid, 100.0, True) for tid in exact_ids}
        if best and not fuzzy_after_exact:
            return sorted(best.values(), key=lambda m: self.titles[m.title_id].year or 0)[:limit]
        for found, score, i in process.extract(
            key, self._names.candidates(key), scorer=fuzz.WRatio, limit=limit * 5, score_cutoff=60
        ):
            # WRatio scores a short name inside a long query as a near match ("er" in
            # "oppenheimer" is 90); a name under a third of what was typed is not a guess.
            if len(found) * _SHORTEST_GUESS < len(key):
                continue
            for tid in self._names.titles_of(i):
                if tid not in best or best[tid].score < score:
                    best[tid] = Match(tid, float(score), False)
        matches = [m for m in best.values() if self._fits(m.title_id, query)]
        if matches:
            # Drop the long tail of weak fuzzy hits once something clearly better matched.
            floor = 85.0 if any(m.exact for m in matches) else max(m.score for m in matches) - 15
            matches = [m for m in matches if m.exact or m.score >= floor]
        matches.sort(key=lambda m: (-m.exact, -m.score, self.titles[m.title_id].year or 0))
        return matches[:limit]

    def confident(self, raw: str, title_id: int) -> bool:
        """The text surely names this title, so a rating may be saved on it without asking:
        one of its names (or aliases) spelled the same, with at most one typo per
        _CHARS_PER_TYPO characters, or every typed word found in the name with only filler
        words left over. "Oppenheimer" is not "ER", "Lovely Runner" is not "Runner Runner"."""
        query = parse_query(raw)
        if not self._fits(title_id, query):
            return False
        typed = normalise_title(query.text)
        if not typed:
            return False
        t = self.titles[title_id]
        for name in (t.name, t.original_name, *t.aliases):
            key = normalise_title(name or "")
            if key and any(
                _same_name(q, k)
                for q in {typed, without_article(typed)}
                for k in {key, without_article(key)}
            ):
                return True
        return False

    def _fits(self, title_id: int, query: Query) -> bool:
        t = self.titles[title_id]
        if query.year is not None and t.year != query.year:
            return False
        return query.country is None or query.country in t.countries


def _keys_of(title: TitleFacts) -> list[str]:
    """The title's search keys: its name, original name and aliases, normalised, each once."""
    names = (title.name, title.original_name, *title.aliases)
    keys = (normalise_title(name) for name in names if name)
    return list(dict.fromkeys(key for key in keys if key))


Ids = set[int] | tuple[int, ...]


def _frozen(ids: Ids) -> tuple[int, ...]:
    return ids if isinstance(ids, tuple) else tuple(ids)


def _as_set(ids: Ids) -> set[int]:
    """A saved tuple as the set unpickling a set makes (its items added in order): what the
    code reading and copying it did before tuples, with the same iteration orders."""
    return ids if isinstance(ids, set) else set(ids)


def _owned(index: dict[str, Ids], key: str) -> set[int]:
    """The set of `key`'s titles, to change in place (a saved tuple becomes that set)."""
    ids = index.get(key)
    if not isinstance(ids, set):
        ids = index[key] = _as_set(ids or ())
    return ids


def _discard(index: dict[str, Ids], key: str, title_id: int) -> None:
    if key in index:
        ids = _owned(index, key)
        ids.discard(title_id)
        if not ids:
            del index[key]


def trigrams(key: str) -> set[str]:
    """The trigrams of each word, padded with a space ("okja": " ok", "okj", "kja", "ja "), so a
    typo changes only the few around it and word order does not matter. A one-letter word is
    its own padded gram."""
    grams: set[str] = set()
    for word in key.split():
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(max(1, len(padded) - 2)))
    return grams


class _Trigrams:
    """An inverted index from word trigrams to the normalised names that have them. A fuzzy
    search scores the names sharing the most trigrams with the query, in the order the
    names were first indexed, as a scan of every name would order them (rapidfuzz keeps that
    order between equal scores). A name keeps its id when its last title goes (the postings
    only grow); it is skipped while no title has it, and reused if one gets it back."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._ids: dict[str, int] = {}
        self._titles: list[Ids] = []  # a set, or a tuple once saved (`__getstate__`)
        self._postings: dict[str, array[int]] = {}

    def add(self, key: str, title_id: int) -> None:
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = len(self.keys)
            self.keys.append(key)
            self._titles.append(set())
            for gram in trigrams(key):
                self._postings.setdefault(gram, array("i")).append(i)
        self._own_titles(i).add(title_id)

    def __getstate__(self) -> dict[str, object]:
        """Saved with each name's titles as a tuple (see `TitleIndex.__getstate__`)."""
        state = dict(self.__dict__)
        state["_titles"] = [_frozen(ids) for ids in self._titles]
        return state

    def _own_titles(self, i: int) -> set[int]:
        ids = self._titles[i] = _as_set(self._titles[i])
        return ids

    def fork(self) -> _Trigrams:
        """A copy sharing the entries; `own` a name before changing its entries in the copy."""
        fork = _Trigrams()
        fork.keys = list(self.keys)
        fork._ids = dict(self._ids)
        fork._titles = list(self._titles)
        fork._postings = dict(self._postings)
        return fork

    def own(self, key: str) -> None:
        """Give this copy its own entries for `key`: its titles, or (a name not indexed yet)
        the postings `add` will append to."""
        i = self._ids.get(key)
        if i is not None:
            self._titles[i] = set(_as_set(self._titles[i]))
            return
        for gram in trigrams(key):
            if gram in self._postings:
                self._postings[gram] = array("i", self._postings[gram])

    def discard(self, key: str, title_id: int) -> None:
        if (i := self._ids.get(key)) is not None:
            self._own_titles(i).discard(title_id)

    def titles_of(self, key_id: int) -> set[int]:
        return _as_set(self._titles[key_id])

    def candidates(self, key: str, most: int | None = None) -> dict[int, str]:
        """Up to `most` names (id -> name) sharing the most trigrams with `key`, plus the
        names spelled inside it ("ice" in "pricelets", which rapidfuzz scores 90 but which
        shares one trigram), by id."""
        most = MAX_CANDIDATES if most is None else most
        inside = {
            i
            for size in range(max(1, -(-len(key) // _SHORTEST_GUESS)), len(key) + 1)
            for start in range(len(key) - size + 1)
            if (i := self._ids.get(key[start : start + size])) is not None
        }
        lists = [self._postings[g] for g in trigrams(key) if g in self._postings]
        ids = np.zeros(0, dtype=np.intp)
        if lists:
            # Copies (tobytes holds the GIL): a search in a worker thread holds no view of a
            # posting list that an edit on the event loop may grow meanwhile.
            hits = np.frombuffer(b"".join(p.tobytes() for p in lists), dtype=np.intc)
            shared = np.bincount(hits)
            ids = np.flatnonzero(shared)
            if len(ids) > most:
                ids = ids[np.argpartition(shared[ids], -most)[-most:]]
        chosen = sorted(inside.union(ids.tolist()))
        return {i: self.keys[i] for i in chosen if self._titles[i]}


def _same_name(typed: str, key: str) -> bool:
    allowed = len(key) // _CHARS_PER_TYPO
    if Levenshtein.distance(typed, key, score_cutoff=allowed) <= allowed:
        return True
    left = key.split()
    for word in typed.split():
        found = next((w for w in left if _same_word(word, w)), None)
        if found is None:
            return False
        left.remove(found)
    return all(w in _FILLER_WORDS for w in left)


def _same_word(typed: str, word: str) -> bool:
    if typed == word:
        return True
    return (
        len(word) >= _MIN_WORD_FOR_TYPO and Levenshtein.distance(typed, word, score_cutoff=1) <= 1
    )
