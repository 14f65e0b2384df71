"""The recommender reelbot uses: content + collaborative + priors, blended by tuned weights.

    from recommender import Recommender, RatingTriple, TitleFacts
    rec = Recommender.build(titles, ratings)          # ratings: RatingTriple(user, title, stars)
    rec.recommend("ana", k=10, exclude={...})         # a known user's picks, from stored ratings
    rec.personal({title_id: stars, ...}, k=10)        # picks for any rating history
    rec.similar(title_id, k=10)                       # titles like this one
    rec.group([{...}, {...}], k=10)                   # a watch party: avoids anyone's dislikes

Every answer is a list of `Suggestion(title_id, score, evidence, versions)`, best first; the
evidence names what drove it (shared themes/people, members who loved both, editorial links).
Unknown users, unknown titles and empty histories give [] (callers fall back to `popular`).

How a personal score is made (each part standardised over the catalog first):
- content: the user's likes pull and dislikes push in the TF-IDF content space (facts only:
  the starter catalog's hand-written "compares with" links stay out, so imported titles
  compete on equal terms);
- collab: EASE item-item weights learned from all members' ratings; its share grows with the
  number of the user's ratings on co-rated titles (n / (n + collab_half_at)), so a new
  community leans on content and a mature one on co-ratings;
- popularity and quality: how many members rated a title and its Bayesian average;
- era: closeness of the title's release year to the years the user likes;
- trend: how much members rated the title around the time the user was rating;
- as_of: a title released after the moment the list is made for cannot be in it.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp

from recommender.collab import CollabModel
from recommender.content import (
    ContentModel,
    ContentWeights,
    ExplainMany,
    Suggestion,
    top_wanted,
)
from recommender.filters import TitleFilter
from recommender.formats import title_format
from recommender.models import Evidence, Offer, RatingTriple, TitleFacts
from recommender.packed import PackedArrays, PackedHistories
from recommender.prominence import prominence
from recommender.ranking import largest, moments, reaching, sparse_moments
from recommender.ranking import standardise as _standardise
from recommender.weights import HybridWeights, load_weights

SECONDS_PER_YEAR = 365.2425 * 24 * 3600
PARTS = ("content", "collab", "popularity", "quality", "era", "trend")
# Personal lists are served from a ranked list of each rating history's best candidates, made
# on first use (and at build time for long histories, whose first query would be slow) and
# kept for the life of this model: a new rating builds a new model. A query only filters the
# candidates; when filters leave too few of them it scores the whole catalog again.
RANKED_KEEP = 1000  # candidates kept per history
RANKED_LRU = 256  # histories kept besides the precomputed ones
PRECOMPUTE_MIN_RATINGS = 100
# At most this many members' lists are ranked at build, the most recently active first: the
# cost of a build must not grow with members × titles (each ranking scores every title).
PRECOMPUTE_MAX_MEMBERS = 200
# Similar titles: how many of the best candidates by shared facts the synopsis meaning
# (recommender.semantic) re-ranks.
SEMANTIC_CANDIDATES = 1000
# ... and all titles tied with the last of them (titles with the same facts and no ratings
# score alike: hundreds often tie there), up to this many.
SEMANTIC_CANDIDATES_TIED = 12_000
# Unfiltered similar lists kept per model (title id, k): the answer depends only on this
# model, which a rating refit, rebuild or edit replaces (`with_facts` copies), so it never
# goes stale; a popular title's ~5 ms scoring is then done once per snapshot.
SIMILAR_LRU = 4096
# The unfiltered similar lists of this many of the most rated titles, the ones members ask
# about most and the slowest to score (they share features with most of the catalog), are
# made at build time, in the sizes /recommend <title> shows by default and at most (one
# scoring per title serves both).
PRECOMPUTE_SIMILAR_TITLES = 500
PRECOMPUTE_SIMILAR_SIZES = (5, 10)
# Origin parts of similar scores kept (one per set of countries and languages: a handful of
# sets cover most of a catalog; each is a float32 per title).
ORIGIN_PARTS_KEPT = 16


_K = TypeVar("_K")
_V = TypeVar("_V")


def _recall(lru: OrderedDict[_K, _V], key: _K) -> _V | None:
    """A least-recently-used cache's entry, marked as just used."""
    value = lru.get(key)
    if value is not None:
        lru.move_to_end(key)
    return value


def _remember(lru: OrderedDict[_K, _V], key: _K, value: _V, limit: int) -> None:
    """Keep `value`, dropping the least recently used entries beyond `limit`."""
    lru[key] = value
    while len(lru) > limit:
        lru.popitem(last=False)


def _lists_without(
    lists: Mapping[tuple[int, int], tuple[Suggestion, ...]], touched: set[int]
) -> OrderedDict[tuple[int, int], tuple[Suggestion, ...]]:
    """The cached similar lists neither of nor showing a `touched` title, in their order."""
    kept: OrderedDict[tuple[int, int], tuple[Suggestion, ...]] = OrderedDict()
    for key, listed in lists.items():
        if key[0] in touched:
            continue
        if any(s.title_id in touched or touched.intersection(s.versions) for s in listed):
            continue
        kept[key] = listed
    return kept


def _never(scores: np.ndarray, where: np.ndarray) -> None:
    """scores[where] = -inf, in two branch-free passes: -inf x True is -inf, -inf x False is
    NaN, and fmin passes over NaN. (Scattering through the mask's indices costs several
    times that at a catalog's size; the NaNs are expected, hence no warning.)"""
    with np.errstate(invalid="ignore"):
        np.fmin(scores, where.view(np.uint8) * np.float32(-np.inf), out=scores)


def _to_year(seconds: float) -> float:
    return 1970.0 + seconds / SECONDS_PER_YEAR


def rating_years(times: Iterable[float]) -> np.ndarray:
    """Rating times (Unix seconds) as the fractional years `personal(rated_at=...)` takes."""
    return np.array([_to_year(t) for t in times], dtype=np.float32)


@dataclass(frozen=True)
class UserParts:
    """One user's standardised score parts over the catalog, before blending."""

    parts: dict[str, np.ndarray]
    collab_n: int  # the user's ratings on titles the collaborative model knows
    pull: dict[int, float]  # stars - 3 per rated title, for explanations and group misery
    content_raw: np.ndarray | None  # signed content score (dislikes < 0), for group misery


@dataclass(frozen=True)
class RankedPicks:
    """One rating history's best candidates, best first (rated titles left out)."""

    rows: np.ndarray  # int32 catalog rows
    scores: np.ndarray  # float32 blended scores
    complete: bool  # every title that could be picked is in `rows`
    pull: dict[int, float]  # for the reasons


class Recommender:
    """Hybrid recommender over one catalog snapshot and the members' ratings."""

    def __init__(
        self,
        content: ContentModel,
        collab: CollabModel | None,
        weights: HybridWeights,
        histories: Mapping[str, dict[int, float]],
        rated_years: Mapping[str, np.ndarray],
        offers: Mapping[int, Sequence[Offer]],
        counts: np.ndarray,
        averages: np.ndarray,
        by_year: np.ndarray,
        first_year: int,
    ) -> None:
        self.content = content
        self.collab = collab
        self.weights = weights
        self.histories = histories
        self.rated_years = rated_years
        self.offers = offers
        self.titles = content.titles
        self.ids = content.ids
        self.row = content.row
        self.story = content.story
        n = len(content.ids)
        years = [content.titles[int(t)].year for t in content.ids]
        known = [y for y in years if y is not None]
        fill = float(np.median(known)) if known else 2000.0
        self._year_fill = fill  # a title without a year counts as from a typical one
        self.release_year = np.array([fill if y is None else y for y in years], dtype=np.float32)
        self._title_order = [content.titles[int(t)] for t in content.ids]
        self.formats = np.array([title_format(t) for t in self._title_order], dtype=np.uint8)
        self.counts = counts
        self.averages = averages
        self._popularity = _standardise(np.log1p(counts))
        self._prominence = _standardise(prominence(self._title_order))
        self._similar_popularity = self._similar_prior(weights)
        self._quality = _standardise(averages)
        # rating years x titles: how many ratings each year (this layout makes the trend
        # kernel a fast vector-matrix product)
        self._by_year = by_year
        self._first_year = first_year
        self._collab_rows = (
            np.array([self.row[int(t)] for t in collab.item_ids], dtype=np.int64)
            if collab is not None
            else np.zeros(0, dtype=np.int64)
        )
        self._zeros = np.zeros(n, dtype=np.float32)
        self._ranked: dict[bytes, RankedPicks] = {}  # precomputed for long histories
        self._similar_built: dict[tuple[int, int], tuple[Suggestion, ...]] = {}  # likewise
        self._empty_caches()

    def _empty_caches(self) -> None:
        self._ranked_lru: OrderedDict[bytes, RankedPicks] = OrderedDict()
        self._similar_lru: OrderedDict[tuple[int, int], tuple[Suggestion, ...]] = OrderedDict()
        # Parts of a similar score that depend on a few of the title's facts only, shared by
        # every title with those facts: the origin part per set of countries and languages,
        # the priors less the format gap per format.
        self._origin_parts: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._format_priors: dict[int, np.ndarray] = {}

    @property
    def weights(self) -> HybridWeights:
        return self._weights

    @weights.setter
    def weights(self, value: HybridWeights) -> None:
        # Cached lists were blended with the old weights.
        self._weights = value
        if hasattr(self, "_popularity"):
            self._similar_popularity = self._similar_prior(value)
        self._ranked = {}
        self._similar_built = {}
        self._empty_caches()

    def _similar_prior(self, w: HybridWeights) -> np.ndarray:
        """What similar titles add for being well known: members' ratings and the catalog's
        own prominence (recommender.prominence)."""
        prior: np.ndarray = self._popularity * np.float32(w.similar_popularity)
        prior += self._prominence * np.float32(w.similar_prominence)
        return prior

    def __getstate__(self) -> dict[str, Any]:
        # The caches are made on use; the precomputed ranked lists are kept.
        skip = {"_ranked_lru", "_similar_lru", "_origin_parts", "_format_priors"}
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        # Saved packed (recommender/packed.py): a loaded model holds a rating in ~20 bytes,
        # not ~150 in dicts; lookups give the same dicts and arrays.
        if not isinstance(self.histories, PackedHistories):
            state["histories"] = PackedHistories(self.histories)
        if not isinstance(self.rated_years, PackedArrays):
            state["rated_years"] = PackedArrays(self.rated_years)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_similar_built", {})  # a snapshot file saved before them
        self._empty_caches()

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        titles: Iterable[TitleFacts],
        ratings: Iterable[RatingTriple] = (),
        offers: Mapping[int, Sequence[Offer]] | None = None,
        weights: HybridWeights | None = None,
        content_weights: ContentWeights | None = None,
        content: ContentModel | None = None,
        dataset_users: Collection[str] = (),
    ) -> Recommender:
        """Build from catalog facts and rating triples. Pass `content` to reuse an already
        built content model (e.g. when only the ratings changed). `dataset_users`: raters
        who came with a data set (MovieLens): their opinions count, but they never ask for
        picks, so none are ranked for them ahead of time."""
        weights = weights or load_weights()
        content = content or ContentModel.build(titles, content_weights)
        return cls.with_ratings(content, ratings, offers or {}, weights, dataset_users)

    @classmethod
    def with_ratings(
        cls,
        content: ContentModel,
        ratings: Iterable[RatingTriple],
        offers: Mapping[int, Sequence[Offer]],
        weights: HybridWeights,
        dataset_users: Collection[str] = (),
        collab: Callable[[], CollabModel | None] | None = None,
    ) -> Recommender:
        """`collab`: gives the co-rating model of these ratings when it is fitted elsewhere
        (`fit_collab` in a thread while the rest of a build runs); fitted here otherwise."""
        row_of = content.row
        triples = [r for r in ratings if r.title_id in row_of]
        n = len(content.ids)
        histories: dict[str, dict[int, float]] = {}
        times: dict[str, list[float]] = {}
        for r in triples:
            histories.setdefault(r.user, {})[r.title_id] = r.stars
            if r.at is not None:
                times.setdefault(r.user, []).append(_to_year(r.at))
        # Counts, sums and the ratings per year in arrays (half stars add up exactly in
        # float32, so the sums are those of adding one rating at a time).
        rows = np.fromiter(
            (row_of[r.title_id] for r in triples), dtype=np.int64, count=len(triples)
        )
        stars = np.fromiter((r.stars for r in triples), dtype=np.float64, count=len(triples))
        counts = np.bincount(rows, minlength=n).astype(np.float32)
        sums = np.bincount(rows, weights=stars, minlength=n).astype(np.float32)
        mean = float(sums.sum() / counts.sum()) if counts.sum() else 3.5
        prior = float(np.median(counts[counts > 0])) if (counts > 0).any() else 1.0
        averages = (sums + prior * mean) / (counts + prior)
        dated = [i for i, r in enumerate(triples) if r.at is not None]
        seconds = np.fromiter((triples[i].at for i in dated), dtype=np.float64, count=len(dated))
        years = (1970.0 + seconds / SECONDS_PER_YEAR).astype(np.int64)  # as `_to_year`
        first_year = int(years.min()) if len(years) else 2000
        span = int(years.max()) - first_year + 1 if len(years) else 1
        cells = (years - first_year) * n + rows[dated]
        by_year = np.bincount(cells, minlength=span * n).astype(np.float32).reshape(span, n)

        fitted = (
            collab()
            if collab is not None
            else cls.fit_collab(row_of, content.matrix, triples, weights)
        )
        rated_years = {u: np.array(ts, dtype=np.float32) for u, ts in times.items()}
        rec = cls(
            content,
            fitted,
            weights,
            histories,
            rated_years,
            offers,
            counts,
            averages,
            by_year,
            first_year,
        )
        rec.precompute(PRECOMPUTE_MIN_RATINGS, PRECOMPUTE_MAX_MEMBERS, skip=set(dataset_users))
        rec.precompute_similar(PRECOMPUTE_SIMILAR_TITLES, PRECOMPUTE_SIMILAR_SIZES)
        return rec

    @staticmethod
    def fit_collab(
        row_of: Mapping[int, int],
        matrix: sp.csr_matrix,
        ratings: Iterable[RatingTriple],
        weights: HybridWeights,
    ) -> CollabModel | None:
        """The co-rating model of the ratings of titles in `row_of` (title id -> row of the
        content feature `matrix`, its side information); None without any."""
        triples = [r for r in ratings if r.title_id in row_of]

        def side(item_ids: np.ndarray) -> sp.csr_matrix:
            return sp.csr_matrix(matrix[[row_of[int(t)] for t in item_ids]])

        collab = CollabModel.build(triples, weights.collab_settings(), side) if triples else None
        return None if collab is None or len(collab) == 0 else collab

    def precompute(self, min_ratings: int, most: int, skip: Collection[str] = ()) -> None:
        """Rank now (off the event loop) the picks of the `most` most recently active members
        with at least `min_ratings` ratings, as `recommend` asks for them and as `personal`
        does without rating times; anyone else is ranked on first ask and kept in the LRU."""
        long_histories = [
            user
            for user, history in self.histories.items()
            if len(history) >= min_ratings and user not in skip
        ]
        last_active = {
            user: float(self.rated_years[user].max()) if user in self.rated_years else 0.0
            for user in long_histories
        }
        for user in sorted(long_histories, key=lambda u: -last_active[u])[:most]:
            history = self.histories[user]
            for rated_at in (self.rated_years.get(user), None):
                key = self._ranked_key(history, rated_at)
                if key not in self._ranked:
                    ranked = self._rank(history, rated_at)
                    if ranked is not None:
                        self._ranked[key] = ranked

    def precompute_similar(self, most: int, sizes: Sequence[int]) -> None:
        """Make now (off the event loop) the unfiltered similar lists, in each of `sizes`, of
        the `most` most rated titles; any other list is scored on first ask and kept in the
        LRU."""
        rated = np.flatnonzero(self.counts > 0)
        rows = rated[np.argsort(-self.counts[rated], kind="stable")][:most]
        for title_id in self.ids[rows].tolist():
            if not self.content.suggestable(title_id):
                continue
            scores, skip = self._similar_scores(title_id, ())
            explain = self._explain_pair(title_id)
            for k in sizes:
                # _top only marks the left-out titles -inf: the scores serve every size.
                self._similar_built[(title_id, k)] = tuple(
                    self._top(scores, k, skip, explain, None)
                )

    def with_facts(
        self,
        changed: Mapping[int, TitleFacts],
        removed: Collection[int],
        offers: Mapping[int, Sequence[Offer]],
    ) -> Recommender:
        """A copy that answers with catalog edits applied (see `ContentModel.with_facts`):
        edited facts and `offers` (where to watch, for the filters) count at once, removed
        titles are never suggested; scores stay those of the last build until the next one.
        This model is left as it is."""
        patched = copy.copy(self)  # __getstate__: empty caches of its own
        patched.content = self.content.with_facts(changed, removed)
        patched.titles = patched.content.titles
        patched.story = patched.content.story
        patched.offers = offers
        edited = [(self.row[tid], t) for tid, t in changed.items() if tid in self.row]
        if edited:
            patched._title_order = list(self._title_order)
            patched.release_year = self.release_year.copy()
            patched.formats = self.formats.copy()
            for row, t in edited:
                patched._title_order[row] = t
                patched.release_year[row] = self._year_fill if t.year is None else t.year
                patched.formats[row] = title_format(t)
        touched = self._titles_whose_lists_an_edit_changes(patched, changed, removed)
        patched._similar_built = dict(_lists_without(self._similar_built, touched))
        patched._similar_lru = _lists_without(self._similar_lru, touched)
        return patched

    def _titles_whose_lists_an_edit_changes(
        self, patched: Recommender, changed: Mapping[int, TitleFacts], removed: Collection[int]
    ) -> set[int]:
        """The titles whose cached similar lists, and the lists that show them, `patched` (this
        model with the edit applied) must score again. An edit keeps every feature vector (see
        `with_facts`): what it changes at once in an unfiltered list is a title's format (the
        format gap), its editorial links (its own and the linked titles' lists) and whether it
        is there at all. A new alias, name, year or synopsis changes none (names are read at
        reply time). Without this every admin edit would make the next /recommend <title> of
        every title pay the full scoring."""
        touched = set(removed)
        for tid in changed:
            row = self.row.get(tid)
            if row is None:
                continue  # added since the build: in no list yet, and without one
            links = self.content.links.get(tid, set())
            new_links = patched.content.links.get(tid, set())
            if patched.formats[row] != self.formats[row] or links != new_links:
                touched |= {tid} | links | new_links
        return touched

    # -- the compatible, content-model-shaped surface ----------------------------------------

    def __contains__(self, title_id: object) -> bool:
        return title_id in self.row

    def versions_of(self, title_id: int) -> list[int]:
        return self.content.versions_of(title_id)

    def explain(self, source_id: int, target_id: int) -> Evidence:
        return self.content.explain(source_id, target_id)

    # -- queries -----------------------------------------------------------------------------

    def recommend(
        self,
        user: str,
        k: int = 10,
        exclude: Iterable[int] = (),
        filters: TitleFilter | None = None,
        as_of: float | None = None,
    ) -> list[Suggestion]:
        """A known user's top k from their stored ratings; [] for an unknown user."""
        history = self.histories.get(user)
        if not history:
            return []
        return self.personal(
            history, k, exclude, filters=filters, as_of=as_of, rated_at=self.rated_years.get(user)
        )

    def personal(
        self,
        ratings: Mapping[int, float],
        k: int = 10,
        exclude: Iterable[int] = (),
        filters: TitleFilter | None = None,
        as_of: float | None = None,
        rated_at: np.ndarray | None = None,
    ) -> list[Suggestion]:
        """Picks for anyone's ratings (title id -> 0.5-5 stars), leaving out what they rated.

        `as_of` (Unix seconds): leave out titles released after it. `rated_at`: the years
        (fractional) the ratings were made, for the trend part. [] when no rating is usable.
        """
        known = {t: s for t, s in ratings.items() if t in self.row}
        if not known:
            return []
        ranked = self._ranked_for(known, rated_at)
        if ranked is None:
            return []
        skip = set(exclude) | set(known)
        picks = self._pick(ranked, k, skip, filters, as_of)
        if picks is not None:
            return picks
        # The filters left too few of the cached candidates: score the whole catalog.
        user = self.user_parts(known, rated_at)
        assert user is not None
        scores = self.blend(user)
        if as_of is not None:
            scores[self.released_after(as_of)] = -np.inf
        return self._top(scores, k, skip, self._because(user.pull), filters)

    def personal_among(
        self,
        ratings: Mapping[int, float],
        candidates: Iterable[int],
        k: int = 10,
        filters: TitleFilter | None = None,
        rated_at: np.ndarray | None = None,
    ) -> list[Suggestion]:
        """`candidates` (e.g. a member's watchlist) ranked by the score `personal` ranks the
        whole catalog by, best first; what they rated is left out. [] without usable ratings."""
        user = self.user_parts(ratings, rated_at)
        rows = [self.row[t] for t in dict.fromkeys(candidates) if t in self.row]
        if user is None or not rows:
            return []
        blended = self.blend(user)
        scores = np.full(len(blended), -np.inf, dtype=np.float32)
        scores[rows] = blended[rows]
        skip = {t for t in ratings if t in self.row}
        return self._top(scores, k, skip, self._because(user.pull), filters)

    def similar(
        self,
        title_id: int,
        k: int = 10,
        exclude: Iterable[int] = (),
        filters: TitleFilter | None = None,
    ) -> list[Suggestion]:
        """Titles like this one, best first; [] for an unknown title."""
        if not self.content.suggestable(title_id):
            return []
        plain = not exclude and (filters is None or filters.is_empty)
        if not plain:
            return self._similar(title_id, k, exclude, filters)
        key = (title_id, k)
        built = self._similar_built.get(key)
        if built is not None:
            return list(built)
        cached = _recall(self._similar_lru, key)
        if cached is None:
            cached = tuple(self._similar(title_id, k, (), None))
            _remember(self._similar_lru, key, cached, SIMILAR_LRU)
        return list(cached)

    def _similar(
        self,
        title_id: int,
        k: int,
        exclude: Iterable[int],
        filters: TitleFilter | None,
    ) -> list[Suggestion]:
        scores, skip = self._similar_scores(title_id, exclude)
        return self._top(scores, k, skip, self._explain_pair(title_id), filters)

    def _similar_scores(self, title_id: int, exclude: Iterable[int]) -> tuple[np.ndarray, set[int]]:
        """Every title's similar score to this one (-inf: not similar at all), and the titles
        the list leaves out (its own versions and `exclude`).

        The score is (1 - share) x (content + origin + meaning) + co-ratings + priors, each
        part standardised, where `share` is the co-ratings' share for this title. It is made
        divided by (1 - share) and without its constant terms, which changes no order and
        folds a dozen passes over the catalog into a few, and turned back at the end."""
        w = self.weights
        scores = self.content.title_scores(title_id)  # a new array: scaled in place
        # Only titles that share something with this one are "similar".
        unrelated = scores <= 0
        mean, std = moments(scores)
        content_scale = w.similar_content / std if std >= 1e-9 else 0.0
        scores *= np.float32(content_scale)
        if w.similar_origin:
            scores += self._origin_part(title_id)
        if w.similar_semantic:
            # Meaning re-ranks the best candidates by shared facts and origin.
            among = reaching(scores, SEMANTIC_CANDIDATES, SEMANTIC_CANDIDATES_TIED)
            semantic = self.content.semantic_scores(title_id, among)
            scores[among] += semantic * np.float32(w.similar_semantic)
        share, offset = 0.0, 0.0
        collab = self.collab.item_weights(title_id) if self.collab is not None else None
        if collab is not None and self.collab is not None:
            m = self.collab.support(title_id)
            share = m / (m + w.similar_collab_half_at)
            # Standardised like the content score (raw EASE weights are ~100x smaller), over
            # the catalog rows but from the few nonzero weights: the rest share one value.
            rows, weights = self._collab_rows[collab[0]], collab[1]
            unrelated[rows[weights > 0]] = False
            collab_mean, collab_std = sparse_moments(weights, len(scores))
            if collab_std >= 1e-9:
                collab_scale = share * w.similar_collab / collab_std
                offset -= collab_mean * collab_scale
                scores[rows] += weights * np.float32(collab_scale / (1.0 - share))
        keep = 1.0 - share
        fmt = int(self.formats[self.row[title_id]])
        priors = self._similar_priors(fmt)
        if share:
            scores += priors * np.float32(1.0 / keep)
        else:
            scores += priors
        if w.similar_format_gap:
            # A documentary's fans want documentaries, an anime's want animation, and the
            # other way round: shared subjects or fans alone don't make Elephant like Bowling
            # for Columbine. Its own sequels and remakes in another format still count.
            linked = np.array(
                [self.row[t] for t in self.content.franchises.linked(title_id)], dtype=np.intp
            )
            other = linked[self.formats[linked] != fmt]
            scores[other] += np.float32(w.similar_format_gap / keep)
        skip = set(exclude) | set(self.content.versions[self.story[title_id]])
        self._lift_franchise(scores, unrelated, title_id, skip, w.similar_franchise / keep)
        # Back to score units: x (1 - share), plus the parts' constant terms.
        scores *= np.float32(keep)
        scores += np.float32(offset - keep * content_scale * mean)
        _never(scores, unrelated)
        return scores, skip

    def _origin_part(self, title_id: int) -> np.ndarray:
        """The origin part of similar scores (read-only): sharing a rare country says more
        than sharing a common one, up to a point: a South African nature film is not "like"
        every South African title. One vector per set of countries and languages."""
        w = self.weights
        m, r = self.content.origin, self.row[title_id]
        lo, hi = m.indptr[r], m.indptr[r + 1]
        key = m.indices[lo:hi].tobytes() + m.data[lo:hi].tobytes()
        part = _recall(self._origin_parts, key)
        if part is None:
            part = _standardise(self.content.origin_scores(title_id), w.similar_origin)
            np.minimum(part, np.float32(w.similar_origin_cap * w.similar_origin), out=part)
            part.flags.writeable = False
            _remember(self._origin_parts, key, part, ORIGIN_PARTS_KEPT)
        return part

    def _similar_priors(self, fmt: int) -> np.ndarray:
        """What every title adds to a similar score for a title of format `fmt` (read-only):
        the popularity prior, less `similar_format_gap` for titles of another format."""
        priors = self._format_priors.get(fmt)
        if priors is None:
            priors = self._similar_popularity.copy()
            priors[self.formats != fmt] -= np.float32(self.weights.similar_format_gap)
            priors.flags.writeable = False
            self._format_priors[fmt] = priors
        return priors

    def _lift_franchise(
        self,
        scores: np.ndarray,
        unrelated: np.ndarray,
        title_id: int,
        skip: set[int],
        lift: float,
    ) -> None:
        """Sequels, prequels, seasons and spin-offs of this title (recommender.franchise) get
        `lift` (`similar_franchise` in the units of `scores`) on top, the best
        `similar_franchise_lines` lines of them only: a long franchise (ten anime films) must
        not fill the whole list."""
        w = self.weights
        content = self.content
        linked = [t for t in content.franchises.linked(title_id) if t not in skip]
        if not linked or w.similar_franchise_lines <= 0:
            return
        kind = content.titles[title_id].kind
        # A series' own later shows before its films, and the other way round.
        linked.sort(key=lambda t: (content.titles[t].kind != kind, -float(scores[self.row[t]])))
        lines: set[int] = set()
        for t in linked:
            line = content.line[t]
            if line not in lines and len(lines) >= w.similar_franchise_lines:
                continue
            lines.add(line)
            scores[self.row[t]] += np.float32(lift)
            unrelated[self.row[t]] = False

    def group(
        self,
        members: Sequence[Mapping[int, float]],
        k: int = 10,
        exclude: Iterable[int] = (),
        filters: TitleFilter | None = None,
    ) -> list[Suggestion]:
        """Picks for a watch party: the members' mean blended score minus `weights.misery`
        times the strongest dislike any member's ratings imply for a title. Anything a member
        rated is left out; members without usable ratings don't vote; none at all gives []."""
        users = [u for u in map(self.user_parts, members) if u is not None]
        if not users:
            return []
        scores = self._group_scores(users)
        pull: dict[int, float] = {}
        for u in users:
            for t, v in u.pull.items():
                pull[t] = min(pull.get(t, v), v) if v < 0 else max(pull.get(t, v), v)
        skip = set(exclude) | {t for ratings in members for t in ratings if t in self.row}
        return self._top(scores, k, skip, self._because(pull), filters)

    def group_liking(
        self, members: Sequence[Mapping[int, float]], title_ids: Iterable[int]
    ) -> dict[int, float]:
        """The score `group` ranks by, for given titles (rated ones included), e.g. to break a
        tie between watch-party candidates. Unknown titles, or a group without ratings: 0."""
        wanted = list(title_ids)
        users = [u for u in map(self.user_parts, members) if u is not None]
        if not users:
            return {t: 0.0 for t in wanted}
        scores = self._group_scores(users)
        return {t: float(scores[self.row[t]]) if t in self.row else 0.0 for t in wanted}

    def _group_scores(self, users: Sequence[UserParts]) -> np.ndarray:
        stacked = np.vstack([self.blend(u) for u in users])
        scores = stacked.mean(axis=0)
        dislikes = [
            np.maximum(0.0, -u.content_raw) / (float(u.content_raw.std()) or 1.0)
            for u in users
            if u.content_raw is not None
        ]
        if dislikes:
            scores = scores - self.weights.misery * np.vstack(dislikes).max(axis=0)
        result: np.ndarray = scores.astype(np.float32)
        return result

    def popular(
        self,
        k: int,
        popularity: Mapping[int, tuple[int, float]] | None = None,
        exclude: Iterable[int] = (),
        filters: TitleFilter | None = None,
    ) -> list[Suggestion]:
        """Cold start: well-rated titles many members rated (from `popularity`, title id ->
        (ratings, average stars), or else the ratings the model was built with)."""
        if popularity is None:
            popularity = {
                int(self.ids[r]): (int(self.counts[r]), float(self.averages[r]))
                for r in np.flatnonzero(self.counts)
            }
        mask = None if filters is None or filters.is_empty else self._filter_mask(filters)
        if mask is not None:
            exclude = set(exclude) | {int(t) for t in self.ids[~mask]}
        return self.content.popular(k, popularity, exclude)

    # -- scoring parts (public so the tuning script blends exactly what the product does) ---

    def user_parts(
        self, ratings: Mapping[int, float], rated_at: np.ndarray | None = None
    ) -> UserParts | None:
        known = {t: s for t, s in ratings.items() if t in self.row}
        if not known:
            return None
        w = self.weights
        parts: dict[str, np.ndarray] = {}
        # No editorial links here: only starter titles have them, and a liked title's links
        # outweighed everything the catalog's own facts say (an imported title never made a
        # personal list). `similar` still uses them.
        profile = self.content.profile_scores(known, editorial=False)
        content_raw = None
        pull: dict[int, float] = {t: s - 3.0 for t, s in known.items() if s != 3.0}
        if profile is not None:
            content_raw, pull = profile
            parts["content"] = _standardise(content_raw)
        collab_n = 0
        if self.collab is not None:
            raw, collab_n = self.collab.user_scores(known)
            if collab_n:
                parts["collab"] = _standardise(self._scatter(raw))
        parts["popularity"] = self._popularity
        parts["quality"] = self._quality
        rows = np.array([self.row[t] for t in known], dtype=np.int64)
        liked = np.array([s >= w.like_stars for s in known.values()])
        years = self.release_year[rows[liked]] if liked.any() else self.release_year[rows]
        parts["era"] = self._kernel_affinity(years, self.release_year, w.era_years)
        if rated_at is not None and len(rated_at) and self._by_year.shape[0] > 1:
            parts["trend"] = self._trend(float(np.median(rated_at)), w.trend_years)
        return UserParts(parts, collab_n, pull, content_raw)

    def blend(self, user: UserParts, weights: HybridWeights | None = None) -> np.ndarray:
        """One score per title from the parts; a fresh array the caller may change."""
        w = weights or self.weights
        share = user.collab_n / (user.collab_n + w.collab_half_at) if "collab" in user.parts else 0
        scale = {
            "content": w.content * (1.0 - share),
            "collab": w.collab * share,
            "popularity": w.popularity,
            "quality": w.quality,
            "era": w.era,
            "trend": w.trend,
        }
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for name, part in user.parts.items():
            if scale[name]:
                scores += np.float32(scale[name]) * part
        return scores

    def released_after(self, as_of: float) -> np.ndarray:
        """True for titles released after the year of `as_of` (Unix seconds)."""
        return self.release_year > math.floor(_to_year(as_of))

    # -- internals ---------------------------------------------------------------------------

    def _ranked_key(self, known: Mapping[int, float], rated_at: np.ndarray | None) -> bytes:
        rows = np.fromiter((self.row[t] for t in known), dtype=np.int64, count=len(known))
        stars = np.fromiter(known.values(), dtype=np.float32, count=len(known))
        order = np.argsort(rows)
        h = hashlib.blake2b(rows[order].tobytes(), digest_size=16)
        h.update(stars[order].tobytes())
        if rated_at is not None and len(rated_at):
            h.update(np.float64(np.median(rated_at)).tobytes())
        return h.digest()

    def _ranked_for(
        self, known: Mapping[int, float], rated_at: np.ndarray | None
    ) -> RankedPicks | None:
        key = self._ranked_key(known, rated_at)
        ranked = self._ranked.get(key)
        if ranked is not None:
            return ranked
        ranked = _recall(self._ranked_lru, key)
        if ranked is not None:
            return ranked
        ranked = self._rank(known, rated_at)
        if ranked is not None:
            _remember(self._ranked_lru, key, ranked, RANKED_LRU)
        return ranked

    def _rank(self, known: Mapping[int, float], rated_at: np.ndarray | None) -> RankedPicks | None:
        user = self.user_parts(known, rated_at)
        if user is None:
            return None
        scores = self.blend(user)
        scores[[self.row[t] for t in known]] = -np.inf
        open_count = len(scores) - len(known)
        keep = min(RANKED_KEEP, open_count)
        if keep <= 0:
            return RankedPicks(np.zeros(0, np.int32), np.zeros(0, np.float32), True, user.pull)
        top = np.argpartition(-scores, keep - 1)[:keep]
        top = top[np.lexsort((top, -scores[top]))]  # best first, ties by catalog row
        return RankedPicks(top.astype(np.int32), scores[top], keep >= open_count, user.pull)

    def _pick(
        self,
        ranked: RankedPicks,
        k: int,
        skip: set[int],
        filters: TitleFilter | None,
        as_of: float | None,
    ) -> list[Suggestion] | None:
        """The top k from the cached candidates, or None when the filters left too few of
        them to be sure of the answer."""
        if k <= 0:
            return []
        rows = ranked.rows
        keep = np.ones(len(rows), dtype=bool)
        if as_of is not None:
            keep &= self.release_year[rows] <= math.floor(_to_year(as_of))
        skip_rows = [self.row[t] for t in skip if t in self.row]
        if skip_rows:
            keep &= ~np.isin(rows, skip_rows)
        if self.content.hidden is not None:
            keep &= ~self.content.hidden[rows]
        want = min(len(self.ids), top_wanted(k))
        candidates = np.flatnonzero(keep)
        if filters is not None and not filters.is_empty:
            # Check the filters candidate by candidate, only as far as the list needs.
            passing: list[int] = []
            for i in candidates.tolist():
                t = self._title_order[int(rows[i])]
                if filters.allows(t, self.offers.get(t.id, ())):
                    passing.append(i)
                    if len(passing) == want:
                        break
            candidates = np.array(passing, dtype=np.int64)
        else:
            candidates = candidates[:want]
        picks = self.content.choose(
            rows[candidates].tolist(),
            ranked.scores[candidates].tolist(),
            k,
            skip,
            self._because(ranked.pull),
        )
        # The candidates that passed are the catalog's best passing titles in order, so the
        # answer is exact when they filled the list or when nothing was cut from the ranking.
        if len(picks) < k and len(candidates) < want and not ranked.complete:
            return None
        return picks

    def _top(
        self,
        scores: np.ndarray,
        k: int,
        skip: set[int],
        explain: ExplainMany,
        filters: TitleFilter | None,
    ) -> list[Suggestion]:
        """The best k by `scores` (-inf: never) that pass the filters. The filters are checked
        title by title down the ranking, only as far as the list needs, not over the catalog."""
        if filters is None or filters.is_empty:
            return self.content._top(scores, k, skip, explain, floor=-math.inf)
        if k <= 0:
            return []
        skip_rows = [self.row[t] for t in skip if t in self.row]
        if skip_rows:
            scores[skip_rows] = -np.inf
        self.content.hide_removed(scores)
        want = min(len(scores), top_wanted(k))
        passing: list[int] = []
        # A first look at the best few hundred; the whole ranking only if they don't do.
        head = min(len(scores), max(256, 4 * want))
        for order_size in (head, len(scores)):
            order = largest(scores, order_size)
            passing = []
            for j in order.tolist():
                if not math.isfinite(float(scores[j])):
                    break
                t = self._title_order[j]
                if filters.allows(t, self.offers.get(t.id, ())):
                    passing.append(j)
                    if len(passing) == want:
                        break
            if len(passing) == want or order_size == len(scores):
                break
            if not math.isfinite(float(scores[order[-1]])):
                break  # nothing left beyond the head
        return self.content.choose(passing, scores[passing].tolist(), k, skip, explain)

    def _filter_mask(self, filters: TitleFilter) -> np.ndarray:
        return filters.mask(self._title_order, self.offers)

    def _scatter(self, collab_scores: np.ndarray) -> np.ndarray:
        out = self._zeros.copy()
        out[self._collab_rows] = collab_scores
        return out

    def _kernel_affinity(self, sample: np.ndarray, at: np.ndarray, spread: float) -> np.ndarray:
        """How close each value in `at` is to the sample (a Gaussian-kernel log density)."""
        lo = int(min(float(at.min()), float(sample.min()))) - 1
        hi = int(max(float(at.max()), float(sample.max()))) + 2
        grid = np.arange(lo, hi, dtype=np.float32)
        hist = np.bincount((sample - lo).astype(np.int64), minlength=len(grid))[: len(grid)]
        gaps = (grid[:, None] - grid[None, :]) / max(spread, 0.1)
        density = (np.exp(-0.5 * gaps**2) * hist.astype(np.float32)[None, :]).sum(axis=1)
        dens = np.log(1e-3 + density / max(float(density.max()), 1e-9))
        return _standardise(dens[(at - lo).astype(np.int64)])

    def _trend(self, year: float, spread: float) -> np.ndarray:
        offsets = np.arange(self._by_year.shape[0], dtype=np.float32) + self._first_year + 0.5
        kernel = np.exp(-0.5 * ((offsets - year) / max(spread, 0.1)) ** 2).astype(np.float32)
        # An elementwise sum, not `kernel @ by_year`: a BLAS call this small is dominated by
        # waking BLAS threads, which on a busy machine costs milliseconds.
        return _standardise(np.log1p((self._by_year * kernel[:, None]).sum(axis=0)))

    def _explain_pair(self, source: int) -> ExplainMany:
        def explain(targets: Sequence[int]) -> list[Evidence]:
            out = self.content.explain_many(source, targets)
            if self.collab is None:
                return out
            lovers = self.collab.co_lovers_many([source], targets)
            return [
                _with_co_lovers(ev, (), source, n) if n >= self.weights.min_co_lovers else ev
                for ev, (_, n) in zip(out, lovers, strict=True)
            ]

        return explain

    def _because(self, pull: Mapping[int, float]) -> ExplainMany:
        content_because = self.content._because_liked(pull)
        liked = [t for t, v in pull.items() if v > 0]

        def because(targets: Sequence[int]) -> list[Evidence]:
            out = content_because(targets)
            if self.collab is None or not liked:
                return out
            lovers = self.collab.co_lovers_many(liked, targets)
            return [
                _with_co_lovers(ev, (source,), source, n) if n >= self.weights.min_co_lovers else ev
                for ev, (source, n) in zip(out, lovers, strict=True)
            ]

        return because


def _with_co_lovers(ev: Evidence, because_of: tuple[int, ...], source: int, n: int) -> Evidence:
    return replace(ev, because_of=because_of or ev.because_of, loved_by=n, co_rated_with=source)
