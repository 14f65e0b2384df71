"""Titles to offer before a useful query is typed: an empty or one-letter autocomplete.

A member opening `/title` sees the titles people rate most (the snapshot's popularity tally),
then the newest, as Letterboxd and JustWatch open on what is popular; one letter narrows them
to the names starting with it. Autocomplete asks on every keystroke, so the picks are chosen
once per snapshot (again after a while, as ratings change the tally in place) instead of
sorting the whole catalog each time."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.catalog import CatalogSnapshot
from bot.core.text import normalise_title, without_article

# Titles considered: enough that every initial letter has some; choosing them is one pass.
POOL = 2000
REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class _Picks:
    snapshot: CatalogSnapshot
    chosen_at: float
    ids: list[int]
    by_initial: dict[str, list[int]] = field(default_factory=dict)


class OpeningTitles:
    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._picks: _Picks | None = None

    def offer(self, snapshot: CatalogSnapshot, typed: str) -> list[int]:
        """Title ids for what has been typed: nothing, or one character."""
        picks = self._current(snapshot)
        key = normalise_title(typed)
        if not key:
            return picks.ids[: self.limit]
        return picks.by_initial.get(key[0], [])

    def _current(self, snapshot: CatalogSnapshot) -> _Picks:
        picks = self._picks
        if (
            picks is None
            or picks.snapshot is not snapshot
            or self.clock() - picks.chosen_at > REFRESH_SECONDS
        ):
            picks = self._picks = self._choose(snapshot)
        return picks

    def _choose(self, snapshot: CatalogSnapshot) -> _Picks:
        titles = snapshot.titles
        rated = heapq.nlargest(
            POOL,
            (item for item in snapshot.popularity.items() if item[0] in titles),
            key=lambda item: item[1],  # (ratings, average): most rated, then best liked
        )
        newest = heapq.nlargest(POOL, titles.values(), key=lambda t: (t.year or 0, t.id))
        ids = list(dict.fromkeys([tid for tid, _ in rated] + [t.id for t in newest]))[:POOL]
        by_initial: dict[str, list[int]] = {}
        for tid in ids:
            key = normalise_title(titles[tid].name)
            for initial in {key[:1], without_article(key)[:1]} - {""}:
                found = by_initial.setdefault(initial, [])
                if len(found) < self.limit:
                    found.append(tid)
        return _Picks(snapshot, self.clock(), ids, by_initial)
