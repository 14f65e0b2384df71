"""The ~25,000-title bench catalog: the four streaming lists plus both Korean drama lists from
shared/data, read with the importer's own format readers (db.imports.formats) and merged the
way a catalog would hold them: one title per (normalised name, year, kind), facts unioned."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.core.text import normalise_title  # noqa: E402
from db.imports.formats import open_bundle, read_titles  # noqa: E402
from db.imports.formats.base import TitleRow  # noqa: E402
from recommender import Offer, TitleFacts  # noqa: E402

DATA = Path(os.environ.get("REELBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
SOURCES = (
    ("netflix-titles/netflix_titles.csv", "Netflix"),
    ("amazon-prime-titles/amazon_prime_titles.csv", "Prime Video"),
    ("disney-plus-titles/disney_plus_titles.csv", "Disney+"),
    ("hulu-titles/hulu_titles.csv", "Hulu"),
    ("kdrama-top250-mydramalist/kdrama.csv", None),
    ("korean-drama-2015-2023-mydramalist/korean_drama.csv", None),
)
AS_OF = date(2021, 11, 1)


def _rows() -> Iterator[tuple[TitleRow, str | None]]:
    for path, provider in SOURCES:
        bundle = open_bundle(DATA / path)
        for row in read_titles(bundle, provider=provider, default_as_of=AS_OF):
            if isinstance(row, TitleRow):
                yield row, provider


def _union(a: tuple[str, ...], b: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*a, *b]))


def load_catalog() -> tuple[list[TitleFacts], dict[int, list[Offer]]]:
    """TitleFacts with ids 1..n and a streaming offer (US) per provider that lists the title."""
    by_key: dict[tuple[str, int | None, str], TitleFacts] = {}
    offers: dict[int, list[Offer]] = {}
    for row, provider in _rows():
        s = row.spec
        key = (normalise_title(s.name), s.year, s.kind)
        old = by_key.get(key)
        if old is None:
            old = TitleFacts(id=len(by_key) + 1, name=s.name, year=s.year, kind=s.kind)
        merged = TitleFacts(
            id=old.id,
            name=old.name,
            year=old.year,
            kind=old.kind,
            original_name=old.original_name or s.original_name,
            aliases=_union(old.aliases, s.aliases),
            countries=_union(old.countries, s.countries),
            languages=_union(old.languages, s.languages),
            genres=_union(old.genres, s.genres),
            themes=_union(old.themes, s.themes),
            directors=_union(old.directors, s.directors),
            writers=_union(old.writers, s.writers),
            cast=_union(old.cast, s.cast),
            synopsis=old.synopsis
            if old.synopsis and len(old.synopsis) > len(s.synopsis or "")
            else s.synopsis,
            runtime_minutes=old.runtime_minutes or s.runtime_minutes,
            episodes=old.episodes or s.episodes,
        )
        by_key[key] = merged
        for name in [*row.providers, *([provider] if provider else [])]:
            mine = offers.setdefault(merged.id, [])
            if not any(o.provider == name for o in mine):
                mine.append(Offer(name, "US", "stream", AS_OF, source="bench"))
    return list(by_key.values()), offers


if __name__ == "__main__":
    titles, offers = load_catalog()
    kinds: dict[str, int] = {}
    for t in titles:
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    print(f"{len(titles):,} titles {kinds}, {sum(map(len, offers.values())):,} offers")
