"""How many ratings each title has and their average, kept in the catalog snapshot.

Cold-start picks rank by it on every `/recommend` without a history; reading it from the
ratings table each time was a GROUP BY over every rating. It is counted once when the snapshot
is built and then kept current in place: a rating changes one title's count and sum.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView

from recommender import RatingTriple


class RatingTally(Mapping[int, tuple[int, float]]):
    """title id -> (ratings, average stars), the shape `Recommender.popular` takes. Sums are
    kept in whole half stars, so any number of updates never drifts."""

    def __init__(self, ratings: Iterable[RatingTriple] = ()) -> None:
        self._counts: dict[int, int] = {}
        self._half_sums: dict[int, int] = {}
        self._entries: dict[int, tuple[int, float]] = {}
        counts, half_sums = self._counts, self._half_sums
        for r in ratings:  # `_add` inlined: a million calls are a second of a build
            counts[r.title_id] = counts.get(r.title_id, 0) + 1
            half_sums[r.title_id] = half_sums.get(r.title_id, 0) + round(r.stars * 2)
        for title_id in self._counts:
            self._refresh(title_id)

    def rated(self, title_id: int, half_stars: int, previous_half_stars: int | None) -> None:
        """A member rated a title (`previous_half_stars`: the rating it replaced, if any)."""
        if previous_half_stars is None:
            self._add(title_id, 1, half_stars)
        else:
            self._add(title_id, 0, half_stars - previous_half_stars)
        self._refresh(title_id)

    def _add(self, title_id: int, count: int, half_stars: int) -> None:
        self._counts[title_id] = self._counts.get(title_id, 0) + count
        self._half_sums[title_id] = self._half_sums.get(title_id, 0) + half_stars

    def _refresh(self, title_id: int) -> None:
        count = self._counts[title_id]
        if count:
            self._entries[title_id] = (count, self._half_sums[title_id] / count / 2)
        else:
            self._entries.pop(title_id, None)

    # The views of the dict itself: Mapping's own go through __getitem__ once per title.
    def keys(self) -> KeysView[int]:
        return self._entries.keys()

    def values(self) -> ValuesView[tuple[int, float]]:
        return self._entries.values()

    def items(self) -> ItemsView[int, tuple[int, float]]:
        return self._entries.items()

    def __getitem__(self, title_id: int) -> tuple[int, float]:
        return self._entries[title_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
