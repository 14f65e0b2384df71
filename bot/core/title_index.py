"""Fuzzy title lookup over names, original-language titles and aliases."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

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
    def __init__(self, titles: Iterable[TitleFacts]) -> None:
        self.titles: dict[int, TitleFacts] = {}
        # Two tiers: the name as spelled, then without a leading article ("The Host" ~ "Host"),
        # so "Taxi Driver" and "A Taxi Driver" stay two different titles.
        self._exact: dict[str, set[int]] = defaultdict(set)
        self._loose: dict[str, set[int]] = defaultdict(set)
        keys: dict[str, set[int]] = defaultdict(set)
        for t in titles:
            self.titles[t.id] = t
            for name in (t.name, t.original_name, *t.aliases):
                if not name:
                    continue
                key = normalise_title(name)
                if not key:
                    continue
                self._exact[key].add(t.id)
                self._loose[without_article(key)].add(t.id)
                keys[key].add(t.id)
        self._keys = list(keys)
        self._key_titles = [tuple(keys[k]) for k in self._keys]

    def exact(self, text: str) -> set[int]:
        key = normalise_title(text)
        return set(self._exact.get(key, ())) or set(self._loose.get(without_article(key), ()))

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
            key, self._keys, scorer=fuzz.WRatio, limit=limit * 5, score_cutoff=60
        ):
            # WRatio scores a short name inside a long query as a near match ("er" in
            # "oppenheimer" is 90); a name under a third of what was typed is not a guess.
            if len(found) * _SHORTEST_GUESS < len(key):
                continue
            for tid in self._key_titles[i]:
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
