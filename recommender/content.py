"""Content-based similar titles and personal picks, with the evidence behind every score.

Each title becomes one sparse vector made of blocks (genres, themes, people, countries, ...).
Every block is TF-IDF weighted and L2-normalised on its own, then scaled by the square root of
its weight, so the dot product of two titles is the weighted sum of per-block cosines. Editorial
"compares with" links add a bonus on top. Versions of one story (an original and its remakes)
are grouped so they take one slot, not five.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp

from recommender.models import Evidence, TitleFacts

_WORD = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "his",
        "her",
        "their",
        "they",
        "them",
        "this",
        "that",
        "from",
        "into",
        "when",
        "what",
        "who",
        "whom",
        "while",
        "are",
        "was",
        "were",
        "been",
        "being",
        "has",
        "have",
        "had",
        "not",
        "but",
        "its",
        "it's",
        "one",
        "two",
        "after",
        "before",
        "about",
        "over",
        "under",
        "out",
        "off",
        "all",
        "any",
        "can",
        "will",
        "would",
        "could",
        "should",
        "than",
        "then",
        "there",
        "here",
        "where",
        "which",
        "how",
        "only",
        "also",
        "just",
        "more",
        "most",
        "other",
        "some",
        "such",
        "very",
        "own",
        "same",
        "too",
        "each",
        "few",
        "both",
        "new",
        "old",
        "she",
        "he",
        "him",
        "himself",
        "herself",
        "our",
        "your",
        "you",
        "yet",
        "after",
        "again",
        "against",
        "between",
        "during",
        "through",
        "until",
        "upon",
        "must",
        "may",
        "might",
        "shall",
        "does",
        "did",
        "doing",
        "done",
        "get",
        "gets",
        "got",
        "make",
        "makes",
        "made",
        "take",
        "takes",
        "life",
        "lives",
        "year",
        "years",
        "day",
        "days",
        "time",
        "find",
        "finds",
        "found",
        "way",
        "back",
        "even",
        "still",
        "becomes",
        "become",
        "story",
        "film",
        "series",
        "drama",
        "world",
        "people",
        "man",
        "woman",
        "young",
    ]
)


@dataclass(frozen=True)
class ContentWeights:
    """How much each kind of shared evidence counts; one place, tuned by the bench scripts."""

    genre: float = 1.0
    theme: float = 2.5
    director: float = 0.8
    writer: float = 0.4
    cast: float = 0.6
    country: float = 0.3
    language: float = 0.15
    kind: float = 0.3
    era: float = 0.2
    synopsis: float = 0.6
    editorial: float = 0.35  # added for the title's own "compares with" links
    editorial_reverse: float = 0.15  # added when another title's list names this one


@dataclass(frozen=True, slots=True)
class Suggestion:
    title_id: int
    score: float
    evidence: Evidence
    versions: tuple[int, ...] = ()  # other versions of the same story folded into this slot


def _era(year: int | None) -> list[str]:
    return [] if year is None else [f"{year // 10 * 10}s"]


def _synopsis_words(text: str | None) -> list[str]:
    if not text:
        return []
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


def _block_features(t: TitleFacts) -> dict[str, list[str]]:
    return {
        "genre": [g.casefold() for g in t.genres],
        "theme": [x.casefold() for x in t.themes],
        "director": list(t.directors),
        "writer": list(t.writers),
        "cast": list(t.cast[:8]),
        "country": list(t.countries),
        "language": list(t.languages),
        "kind": [t.kind],
        "era": _era(t.year),
        "synopsis": _synopsis_words(t.synopsis),
    }


class ContentModel:
    """Build once from catalog facts (off the event loop), then answer in a few milliseconds."""

    def __init__(
        self,
        titles: Sequence[TitleFacts],
        matrix: sp.csr_matrix,
        features: list[dict[str, frozenset[str]]],
        idf: dict[str, dict[str, float]],
        weights: ContentWeights,
    ) -> None:
        self.titles = {t.id: t for t in titles}
        self.ids = np.array([t.id for t in titles], dtype=np.int64)
        self.row = {t.id: i for i, t in enumerate(titles)}
        self.matrix = matrix
        self.features = features
        self.idf = idf
        self.weights = weights
        self._total_weight = sum(
            getattr(weights, f.name) for f in fields(weights) if not f.name.startswith("editorial")
        )
        self.story = {t.id: self._story_root(t) for t in titles}
        self.versions: dict[int, list[int]] = {}
        for t in titles:
            self.versions.setdefault(self.story[t.id], []).append(t.id)
        # Editorial links: a title's own list ("fans compare it with") counts fully, being named
        # in another title's list counts less.
        self.links: dict[int, set[int]] = {t.id: set() for t in titles}
        self.backlinks: dict[int, set[int]] = {t.id: set() for t in titles}
        for t in titles:
            for other in t.compares_with:
                if other in self.links and other != t.id:
                    self.links[t.id].add(other)
                    self.backlinks[other].add(t.id)

    def _story_root(self, t: TitleFacts) -> int:
        seen = {t.id}
        while t.original_id is not None and t.original_id in self.titles:
            if t.original_id in seen:
                break
            seen.add(t.original_id)
            t = self.titles[t.original_id]
        return t.id

    @classmethod
    def build(
        cls, titles: Iterable[TitleFacts], weights: ContentWeights | None = None
    ) -> ContentModel:
        titles = list(titles)
        weights = weights or ContentWeights()
        per_title = [_block_features(t) for t in titles]
        blocks: list[sp.csr_matrix] = []
        idf_by_block: dict[str, dict[str, float]] = {}
        n = len(titles)
        for block in (f.name for f in fields(weights) if not f.name.startswith("editorial")):
            weight = getattr(weights, block)
            df = Counter(feat for feats in per_title for feat in set(feats[block]))
            # A feature that only one title has cannot make two titles similar; drop it.
            vocab = {feat: i for i, feat in enumerate(f for f, c in df.items() if c > 1)}
            idf = {f: math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab}
            idf_by_block[block] = idf
            rows, cols, vals = [], [], []
            for r, feats in enumerate(per_title):
                counts = Counter(f for f in feats[block] if f in vocab)
                for feat, count in counts.items():
                    rows.append(r)
                    cols.append(vocab[feat])
                    vals.append((1.0 + math.log(count)) * idf[feat])
            mat = sp.csr_matrix(
                (np.array(vals, dtype=np.float32), (rows, cols)), shape=(n, max(len(vocab), 1))
            )
            norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            mat = sp.diags((math.sqrt(weight) / norms).astype(np.float32)) @ mat
            blocks.append(sp.csr_matrix(mat))
        matrix = sp.csr_matrix(sp.hstack(blocks, format="csr"), dtype=np.float32)
        features = [{block: frozenset(feats) for block, feats in ft.items()} for ft in per_title]
        return cls(titles, matrix, features, idf_by_block, weights)

    # -- queries ---------------------------------------------------------------------------

    def __contains__(self, title_id: object) -> bool:
        return title_id in self.row

    def versions_of(self, title_id: int) -> list[int]:
        """Other versions of the same story (original and remakes), oldest first."""
        if title_id not in self.story:
            return []
        others = [t for t in self.versions[self.story[title_id]] if t != title_id]
        return sorted(others, key=lambda t: (self.titles[t].year or 0, t))

    def similar(self, title_id: int, k: int = 10, exclude: Iterable[int] = ()) -> list[Suggestion]:
        """Titles like this one, best first; an unknown title gives an empty list."""
        if title_id not in self.row:
            return []
        r = self.row[title_id]
        scores = self._scores(self.matrix[r])
        self._add_editorial(scores, title_id, 1.0)
        skip = set(exclude) | set(self.versions[self.story[title_id]])
        return self._top(scores, k, skip, lambda j: self.explain(title_id, j))

    def personal(
        self, ratings: Mapping[int, float], k: int = 10, exclude: Iterable[int] = ()
    ) -> list[Suggestion]:
        """Picks from a user's own ratings (0.5-5 stars): likes pull, dislikes push away.

        Needs at least one rating above or below the neutral 3 stars; else it returns [] and the
        caller falls back to popular picks.
        """
        profile = self._profile_scores(ratings)
        if profile is None:
            return []
        scores, pull = profile
        skip = set(exclude) | {t for t in ratings if t in self.row}
        return self._top(scores, k, skip, self._because_liked(pull))

    def group(
        self,
        members: Sequence[Mapping[int, float]],
        k: int = 10,
        exclude: Iterable[int] = (),
        misery_weight: float = 2.0,
    ) -> list[Suggestion]:
        """Picks for several people at once (a watch party): the mean of each member's personal
        score, minus `misery_weight` times how much the least happy member would dislike it, so
        one member's dislike outweighs the others' mild interest. Anything a member rated is left
        out. Members without usable ratings don't vote; with none, [] (fall back to popular)."""
        profiles = [p for p in map(self._profile_scores, members) if p is not None]
        if not profiles:
            return []
        scores = self._group_scores(profiles, misery_weight)
        pull: dict[int, float] = {}
        for _, member_pull in profiles:
            for t, w in member_pull.items():
                pull[t] = min(pull.get(t, w), w) if w < 0 else max(pull.get(t, w), w)
        skip = set(exclude) | {t for ratings in members for t in ratings if t in self.row}
        return self._top(scores, k, skip, self._because_liked(pull))

    def group_liking(
        self,
        members: Sequence[Mapping[int, float]],
        title_ids: Iterable[int],
        misery_weight: float = 2.0,
    ) -> dict[int, float]:
        """The group score `group` ranks by, for given titles (rated ones included), e.g. to
        break a tie between watch-party candidates. Titles or groups it knows nothing about: 0."""
        profiles = [p for p in map(self._profile_scores, members) if p is not None]
        wanted = list(title_ids)
        if not profiles:
            return {t: 0.0 for t in wanted}
        scores = self._group_scores(profiles, misery_weight)
        return {t: float(scores[self.row[t]]) if t in self.row else 0.0 for t in wanted}

    @staticmethod
    def _group_scores(
        profiles: Sequence[tuple[np.ndarray, dict[int, float]]], misery_weight: float
    ) -> np.ndarray:
        stacked = np.vstack([scores for scores, _ in profiles])
        misery = np.maximum(0.0, -stacked.min(axis=0))
        scores: np.ndarray = (stacked.mean(axis=0) - misery_weight * misery).astype(np.float32)
        return scores

    def _profile_scores(
        self, ratings: Mapping[int, float]
    ) -> tuple[np.ndarray, dict[int, float]] | None:
        """One user's score for every title, and the per-title pull (stars - 3) behind it."""
        known = {t: s for t, s in ratings.items() if t in self.row}
        pull = {t: s - 3.0 for t, s in known.items() if s != 3.0}
        if not pull:
            return None
        rows = [self.row[t] for t in pull]
        weights = np.array(list(pull.values()), dtype=np.float32)
        profile = sp.csr_matrix(weights) @ self.matrix[rows]
        scores = self._scores(profile) / float(np.abs(weights).sum())
        for t, w in pull.items():
            if w > 0:
                self._add_editorial(scores, t, w / 2.0)
        return scores, pull

    def _because_liked(self, pull: Mapping[int, float]) -> Callable[[int], Evidence]:
        """Explains a pick by the liked title closest to it."""
        liked = [t for t, w in pull.items() if w > 0]

        def because(j: int) -> Evidence:
            if not liked:
                return Evidence()
            sims = self.matrix[[self.row[t] for t in liked]] @ self.matrix[self.row[j]].T
            best = liked[int(np.argmax(sims.toarray().ravel() * [pull[t] for t in liked]))]
            ev = self.explain(best, j)
            return Evidence(
                ev.themes, ev.genres, ev.people, ev.countries, ev.languages, ev.editorial, (best,)
            )

        return because

    def popular(
        self,
        k: int,
        popularity: Mapping[int, tuple[int, float]],
        exclude: Iterable[int] = (),
    ) -> list[Suggestion]:
        """Cold start: well-rated titles many members rated, then the editorially best connected."""
        skip = set(exclude)
        counts = [c for c, _ in popularity.values()]
        prior_n = float(np.median(counts)) if counts else 1.0
        # Shrink towards neutral 3 stars, not the members' mean, so a title many members rated
        # well beats one nobody has rated.
        mean = 3.0
        scores = np.zeros(len(self.ids), dtype=np.float32)
        for tid, r in self.row.items():
            count, avg = popularity.get(tid, (0, mean))
            # Bayesian average pulls titles with few ratings towards the mean.
            bayes = (count * avg + prior_n * mean) / (count + prior_n)
            notability = len(self.links[tid]) + len(self.backlinks[tid])
            scores[r] = bayes + 0.02 * notability + 0.001 * math.log1p(count)
        return self._top(scores, k, skip, lambda j: Evidence())

    def explain(self, source_id: int, target_id: int) -> Evidence:
        """The shared features, rarest first, that make target similar to source."""
        a = self.features[self.row[source_id]]
        b = self.features[self.row[target_id]]

        def shared(block: str, limit: int) -> tuple[str, ...]:
            idf = self.idf[block]
            common = [f for f in a[block] & b[block] if f in idf]
            return tuple(sorted(common, key=lambda f: (-idf[f], f))[:limit])

        people = shared("director", 1) + shared("writer", 1) + shared("cast", 2)
        return Evidence(
            themes=shared("theme", 3),
            genres=shared("genre", 2),
            people=tuple(dict.fromkeys(people))[:2],
            countries=shared("country", 1),
            languages=shared("language", 1),
            editorial=target_id in self.links.get(source_id, ())
            or target_id in self.backlinks.get(source_id, ()),
        )

    # -- internals ---------------------------------------------------------------------------

    def title_scores(self, title_id: int) -> np.ndarray:
        """Content similarity of every title to this one (editorial links included)."""
        scores = self._scores(self.matrix[self.row[title_id]])
        self._add_editorial(scores, title_id, 1.0)
        return scores

    def profile_scores(
        self, ratings: Mapping[int, float]
    ) -> tuple[np.ndarray, dict[int, float]] | None:
        """A user's content score for every title and the pull (stars - 3) behind it, or None
        when no rating leans either way."""
        return self._profile_scores(ratings)

    def _add_editorial(self, scores: np.ndarray, title_id: int, scale: float) -> None:
        for other in self.links[title_id]:
            scores[self.row[other]] += self.weights.editorial * scale
        for other in self.backlinks[title_id] - self.links[title_id]:
            scores[self.row[other]] += self.weights.editorial_reverse * scale

    def _scores(self, query: sp.csr_matrix) -> np.ndarray:
        dense = np.asarray((self.matrix @ query.T).todense()).ravel()
        return dense.astype(np.float32) / np.float32(self._total_weight)

    def _top(
        self,
        scores: np.ndarray,
        k: int,
        skip: set[int],
        explain: Callable[[int], Evidence],
        floor: float = 0.0,
    ) -> list[Suggestion]:
        """The best k, one slot per story; scores at or below `floor` are not suggestions."""
        if k <= 0 or len(scores) == 0:
            return []
        for t in skip:
            if t in self.row:
                scores[self.row[t]] = -np.inf
        # Over-fetch: several candidates may fold into one story slot.
        want = min(len(scores), k * 4 + 8)
        top = np.argpartition(-scores, want - 1)[:want]
        top = top[np.argsort(-scores[top], kind="stable")]
        out: list[Suggestion] = []
        used_stories: set[int] = set()
        for j in top:
            if not np.isfinite(scores[j]) or scores[j] <= floor:
                break
            tid = int(self.ids[j])
            story = self.story[tid]
            if story in used_stories:
                continue
            used_stories.add(story)
            versions = tuple(v for v in self.versions[story] if v != tid and v not in skip)
            out.append(Suggestion(tid, float(scores[j]), explain(tid), versions))
            if len(out) == k:
                break
        return out
