"""Fuzzy title lookup over names, original-language titles and aliases."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

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
        for _key, score, i in process.extract(
            key, self._keys, scorer=fuzz.WRatio, limit=limit * 5, score_cutoff=60
        ):
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

    def _fits(self, title_id: int, query: Query) -> bool:
        t = self.titles[title_id]
        if query.year is not None and t.year != query.year:
            return False
        return query.country is None or query.country in t.countries
