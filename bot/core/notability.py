"""How well known a title is: the one score that decides which "Parasite" a member means when
several titles share a name.

Every signal is scaled so that one unit means about the same amount of evidence, then summed:

| signal                                        | points                                        |
|-----------------------------------------------|-----------------------------------------------|
| chat members' ratings                         | 2 × log2(1 + n): the community's own voice     |
| imported data-set ratings (MovieLens)         | log2(1 + percent of the set's raters)          |
| TMDB vote count and popularity, when present  | ½ × log2(1 + v / median v) for each            |
| catalogs and services that list it            | 1 each (Netflix, Hulu, a curated top-250 list) |

Rating data sets are scored by the share of their raters, not the raw count, so two MovieLens
ratings out of 610 raters (0.3%: an obscure film) weigh less than one streaming service listing
it, and a film half of MovieLens rated (Forrest Gump) scores ~6. TMDB's two numbers measure one
audience, so each counts half, against the catalog's own median.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from recommender.models import pickled_by_constructor

# Sources that are id namespaces or rating data sets rather than catalogs choosing to list a
# title: their weight is measured by their ratings or votes, so listing alone adds nothing.
NOT_LISTINGS = frozenset({"imdb", "tmdb", "movielens", "letterboxd"})
# The best-known title wins only with this lead over the next one; closer than that, ask.
CLEAR_LEAD_RATIO = 1.5
CLEAR_LEAD_POINTS = 0.25


@pickled_by_constructor
@dataclass(frozen=True, slots=True)
class Signals:
    member_ratings: int = 0
    dataset_ratings: int = 0
    listings: frozenset[str] = frozenset()
    tmdb_votes: float | None = None
    tmdb_popularity: float | None = None


@dataclass(frozen=True, slots=True)
class Notability:
    """Signals per title plus the catalog-wide scales they are measured against."""

    signals: Mapping[int, Signals] = field(default_factory=dict)
    dataset_raters: int = 0
    median_votes: float = 0.0
    median_popularity: float = 0.0

    @classmethod
    def build(
        cls,
        ratings: Iterable[tuple[str, int]],
        dataset_users: set[str],
        listings: Mapping[int, Iterable[str]],
        tmdb: Mapping[int, tuple[float | None, float | None]],
    ) -> Notability:
        """`ratings`: (user, title id) pairs; `dataset_users`: the users who came with an
        imported data set; `listings`: source and provider names per title; `tmdb`: (vote
        count, popularity) per title."""
        members, dataset = _count_ratings(ratings, dataset_users)
        raters = len(dataset_users)
        ids = set(members) | set(dataset) | set(listings) | set(tmdb)
        # One object per distinct set of listings (a few hundred for 33,000 titles).
        shared: dict[frozenset[str], frozenset[str]] = {}
        signals = {
            tid: Signals(
                member_ratings=members.get(tid, 0),
                dataset_ratings=dataset.get(tid, 0),
                listings=_one_of(shared, _listing_keys(listings.get(tid, ()))),
                tmdb_votes=tmdb.get(tid, (None, None))[0],
                tmdb_popularity=tmdb.get(tid, (None, None))[1],
            )
            for tid in ids
        }
        votes = [v for v, _p in tmdb.values() if v]
        popularity = [p for _v, p in tmdb.values() if p]
        return cls(
            signals,
            raters,
            statistics.median(votes) if votes else 0.0,
            statistics.median(popularity) if popularity else 0.0,
        )

    def with_ratings(
        self, ratings: Iterable[tuple[str, int]], dataset_users: set[str]
    ) -> Notability:
        """The same listings and TMDB numbers with rating counts taken afresh."""
        members, dataset = _count_ratings(ratings, dataset_users)
        ids = set(self.signals) | set(members) | set(dataset)
        signals = {
            tid: replace(
                self.signals.get(tid, Signals()),
                member_ratings=members.get(tid, 0),
                dataset_ratings=dataset.get(tid, 0),
            )
            for tid in ids
        }
        return replace(self, signals=signals, dataset_raters=len(dataset_users))

    def score(self, title_id: int) -> float:
        s = self.signals.get(title_id)
        if s is None:
            return 0.0
        points = 2 * math.log2(1 + s.member_ratings) + len(s.listings)
        if self.dataset_raters:
            points += math.log2(1 + 100 * s.dataset_ratings / self.dataset_raters)
        if s.tmdb_votes and self.median_votes:
            points += 0.5 * math.log2(1 + s.tmdb_votes / self.median_votes)
        if s.tmdb_popularity and self.median_popularity:
            points += 0.5 * math.log2(1 + s.tmdb_popularity / self.median_popularity)
        return points

    def ranked(self, title_ids: Iterable[int]) -> list[int]:
        """Best known first (ties: the older id first, so the order is stable)."""
        return sorted(title_ids, key=lambda t: (-self.score(t), t))

    def clear_favourite(self, title_ids: Iterable[int]) -> int | None:
        """The title most people mean, or None when two are comparably well known."""
        ranked = self.ranked(title_ids)
        if not ranked:
            return None
        if len(ranked) == 1:
            return ranked[0]
        first, second = self.score(ranked[0]), self.score(ranked[1])
        if first >= CLEAR_LEAD_RATIO * second and first - second >= CLEAR_LEAD_POINTS:
            return ranked[0]
        return None


def _count_ratings(
    ratings: Iterable[tuple[str, int]], dataset_users: set[str]
) -> tuple[dict[int, int], dict[int, int]]:
    members: dict[int, int] = {}
    dataset: dict[int, int] = {}
    for user, title_id in ratings:
        counts = dataset if user in dataset_users else members
        counts[title_id] = counts.get(title_id, 0) + 1
    return members, dataset


def _listing_keys(names: Iterable[str]) -> frozenset[str]:
    return frozenset(key for name in names if (key := _listing_key(name)))


def _one_of(shared: dict[frozenset[str], frozenset[str]], keys: frozenset[str]) -> frozenset[str]:
    return shared.setdefault(keys, keys)


def _listing_key(name: str) -> str | None:
    """ "Prime Video" (a provider) and "primevideo" (its catalog's source name) are one listing."""
    key = "".join(ch for ch in name.casefold() if ch.isalnum())
    return key if key and key not in NOT_LISTINGS else None
