"""Content-based similar titles and personal picks, with the evidence behind every score.

Each title becomes one sparse vector made of blocks (genres, themes, people, countries, ...).
Every block is TF-IDF weighted and L2-normalised on its own, then scaled by the square root of
its weight, so the dot product of two titles is the weighted sum of per-block cosines. Editorial
"compares with" links add a bonus on top. Versions of one story (an original and its remakes)
and the seasons of one show (recommender.franchise) are grouped so they take one slot, not five.

Speed: a query only touches the titles that share a feature with it (a feature -> titles
index, summed with one `bincount`), and reasons are built for the final top k only, in one
batch. Everything is numpy/scipy arrays, so the model pickles and loads quickly.
"""

from __future__ import annotations

import copy
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import scipy.sparse as sp

from recommender.franchise import Franchises
from recommender.mentions import credited_directors, title_mentions
from recommender.models import Evidence, TitleFacts
from recommender.prominence import prominence
from recommender.ranking import largest
from recommender.semantic import SemanticSpace
from recommender.sparse_ops import FeatureIndex, row_entries, take_rows, weighted_row_sum
from recommender.weights import load_content_block_weights

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
    mention: float = 0.35  # added when one title's synopsis names the other (recommender.mentions)

    @classmethod
    def tuned(cls) -> ContentWeights:
        """The weights saved in recommender/weights.json by bench/tune_similar.py (defaults
        for blocks it does not set)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in load_content_block_weights().items() if k in known}
        return cls(**values)


@dataclass(frozen=True, slots=True)
class Suggestion:
    title_id: int
    score: float
    evidence: Evidence
    versions: tuple[int, ...] = ()  # other versions or seasons folded into this slot


def _era(year: int | None) -> list[str]:
    return [] if year is None else [f"{year // 10 * 10}s"]


def _synopsis_words(text: str | None) -> list[str]:
    if not text:
        return []
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


def semantic_words(t: TitleFacts) -> list[str]:
    """A title's text for the semantic space: synopsis words plus its themes, genres, kind and
    countries as whole tokens, so words that come with a theme or a genre land near it."""
    return [
        *_synopsis_words(t.synopsis),
        *(f"#{x.casefold()}" for x in t.themes),
        *(f"@{g.casefold()}" for g in t.genres),
        *(f"^{c}" for c in t.countries),
        f"~{t.kind}",
    ]


# What each block reads from a title.
_BLOCK_FEATURES: dict[str, Callable[[TitleFacts], list[str]]] = {
    "genre": lambda t: [g.casefold() for g in t.genres],
    "theme": lambda t: [x.casefold() for x in t.themes],
    "director": lambda t: list(t.directors),
    "writer": lambda t: list(t.writers),
    "cast": lambda t: list(t.cast[:8]),
    "country": lambda t: list(t.countries),
    "language": lambda t: list(t.languages),
    "kind": lambda t: [t.kind],
    "era": lambda t: _era(t.year),
    "synopsis": lambda t: _synopsis_words(t.synopsis),
}


def _origin_features(t: TitleFacts) -> list[str]:
    return [*(f"country:{c}" for c in t.countries), *(f"language:{x}" for x in t.languages)]


def origin_matrix(titles: Sequence[TitleFacts]) -> sp.csr_matrix:
    """titles x (countries and languages) for similar titles, where sharing a rare value says
    more than sharing a common one: Korea or Spain more than the United States. Each value
    keeps its IDF (a plain cosine would make any one shared country a perfect match), rows are
    divided by sqrt(number of values) so several countries dilute each other (a share, not a
    sum), and one scale makes a title's similarity with itself 1 on average."""
    n = len(titles)
    df = Counter(f for t in titles for f in set(_origin_features(t)))
    vocab = {f: i for i, f in enumerate(sorted(f for f, c in df.items() if c > 1))}
    rows, cols, vals = array("i"), array("i"), array("f")
    for r, t in enumerate(titles):
        for f in set(_origin_features(t)):
            if (c := vocab.get(f)) is not None:
                rows.append(r)
                cols.append(c)
                vals.append(math.log((1 + n) / (1 + df[f])) + 1.0)
    at = (np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32))
    m = sp.csr_matrix((np.frombuffer(vals, dtype=np.float32), at), shape=(n, max(len(vocab), 1)))
    counts = np.diff(m.indptr).astype(np.float32)
    squares = np.asarray(m.multiply(m).sum(axis=1)).ravel().astype(np.float32)
    has = counts > 0
    scale = math.sqrt(float((squares[has] / counts[has]).mean())) if has.any() else 1.0
    divisors = np.where(has, np.sqrt(counts) * np.float32(scale), 1.0).astype(np.float32)
    return sp.csr_matrix(sp.diags(1.0 / divisors) @ m, dtype=np.float32)


ExplainMany = Callable[[Sequence[int]], list[Evidence]]

# Weights of links between two titles; every other field weighs a block of features.
_LINK_WEIGHTS = frozenset({"editorial", "editorial_reverse", "mention"})
BLOCKS = tuple(f.name for f in fields(ContentWeights) if f.name not in _LINK_WEIGHTS)
# Blocks that reasons name, with how many features of each a reason may show.
_REASON_LIMITS = {"theme": 3, "genre": 2, "director": 1, "writer": 1, "cast": 2, "country": 1}
_REASON_LIMITS["language"] = 1
_REASON_LIMIT_BY_BLOCK = tuple(_REASON_LIMITS.get(b, 0) for b in BLOCKS)
_NAMED_BLOCK = np.array([limit > 0 for limit in _REASON_LIMIT_BY_BLOCK], dtype=bool)


@dataclass(frozen=True)
class FeatureMatrices:
    """The content features of a catalog's titles, rows in the titles' order."""

    matrix: sp.csr_matrix  # titles x features, weighted TF-IDF
    presence: sp.csr_matrix  # titles x features, int8: which features a title has
    names: np.ndarray  # str per feature column
    block_of: np.ndarray  # index into BLOCKS per feature column
    idfs: np.ndarray


class ContentModel:
    """Build once from catalog facts (off the event loop), then answer in a few milliseconds."""

    def __init__(
        self,
        titles: Sequence[TitleFacts],
        matrix: sp.csr_matrix,
        presence: sp.csr_matrix,
        feature_names: np.ndarray,
        feature_block: np.ndarray,
        feature_idf: np.ndarray,
        weights: ContentWeights,
        semantic: SemanticSpace | None = None,
        mentions: Mapping[int, Collection[int]] | None = None,
    ) -> None:
        self.titles = {t.id: t for t in titles}
        # Meaning beyond shared words (recommender.semantic), for similar titles.
        self.semantic = semantic or SemanticSpace.build(titles, semantic_words)
        # Shared countries and languages weighted by rarity, for similar titles only (the
        # personal picks keep the tuned blocks).
        self.origin = origin_matrix(titles)
        self._origin_by_feature = sp.csr_matrix(self.origin.T)
        self.ids = np.array([t.id for t in titles], dtype=np.int64)
        self.row = {t.id: i for i, t in enumerate(titles)}
        self.matrix = matrix  # titles x features, weighted TF-IDF
        self._by_feature = FeatureIndex(sp.csr_matrix(matrix.T))  # for a few features' scores
        self.presence = presence  # titles x features: which (shared) features a title has
        self.feature_names = feature_names  # str per feature column
        self.feature_block = feature_block  # index into BLOCKS per feature column
        self.feature_idf = feature_idf
        self.weights = weights
        # Reasons name a title's shared features rarest first within each block: one rank per
        # column (block, then rarest, then by name) makes that one argsort per explanation.
        order = sorted(
            range(len(feature_names)),
            key=lambda c: (int(feature_block[c]), -float(feature_idf[c]), str(feature_names[c])),
        )
        self._feature_rank = np.empty(len(feature_names), dtype=np.int32)
        self._feature_rank[order] = np.arange(len(feature_names), dtype=np.int32)
        self._total_weight = np.float32(sum(getattr(weights, b) for b in BLOCKS) or 1.0)
        self.story = {t.id: self._story_root(t) for t in titles}
        self.versions: dict[int, list[int]] = {}
        for t in titles:
            self.versions.setdefault(self.story[t.id], []).append(t.id)
        # A list shows one line per story and per show: remakes and the seasons of one series
        # fold into the line of their best-ranked member.
        self.franchises = Franchises.build(titles)
        self.line = {t.id: self.story[self.franchises.line_of(self.story[t.id])] for t in titles}
        self.line_members: dict[int, list[int]] = {}
        for t in titles:
            self.line_members.setdefault(self.line[t.id], []).append(t.id)
        # Editorial links: a title's own list ("fans compare it with") counts fully, being named
        # in another title's list counts less. Only titles that have links are keys.
        self.links: dict[int, set[int]] = {}
        self.backlinks: dict[int, set[int]] = {}
        for t in titles:
            for other in t.compares_with:
                if other in self.row and other != t.id:
                    self.links.setdefault(t.id, set()).add(other)
                    self.backlinks.setdefault(other, set()).add(t.id)
        # Synopses naming another title ("prequel to Breaking Bad"), both ways: title -> the
        # titles it names or is named by, and the pairs where the first names the second.
        self.mentioned: dict[int, set[int]] = {}
        self.names: set[tuple[int, int]] = set()
        for tid, named in (mentions or {}).items():
            for other in named:
                if tid in self.row and other in self.row and other != tid:
                    self.mentioned.setdefault(tid, set()).add(other)
                    self.mentioned.setdefault(other, set()).add(tid)
                    self.names.add((tid, other))
        self._notability = np.zeros(len(titles), dtype=np.float32)
        for tid in {*self.links, *self.backlinks}:
            self._notability[self.row[tid]] = len(self.links.get(tid, ())) + len(
                self.backlinks.get(tid, ())
            )
        # Rows of titles removed since the build (`with_facts`): never suggested. None: none.
        self.hidden: np.ndarray | None = None

    def with_facts(
        self, changed: Mapping[int, TitleFacts], removed: Collection[int]
    ) -> ContentModel:
        """A copy that shows catalog edits at once, sharing every array with this model (which
        stays as it is, for the commands still holding it). `changed` titles' facts replace
        the old ones (names, years and kinds on cards and in filters); their feature vectors
        stay until the next build. A changed title the model has no row for (added since the
        build) is known as a story of its own, with nothing similar to it yet. `removed`
        titles are never suggested and are no one's other version."""
        patched = copy.copy(self)
        patched.titles = {**self.titles, **changed}
        for tid in removed:
            patched.titles.pop(tid, None)
        patched._link_anew([t for t in changed.values() if t.id in self.row])
        new = [tid for tid in changed if tid not in self.story]
        gone = [tid for tid in removed if tid in self.story]
        if not new and not gone:
            return patched
        patched.story = dict(self.story)
        patched.versions = dict(self.versions)
        patched.line = dict(self.line)
        patched.line_members = dict(self.line_members)
        for tid in new:
            patched.story[tid] = patched.line[tid] = tid
            patched.versions[tid] = [tid]
            patched.line_members[tid] = [tid]
        for tid in gone:
            root, line = self.story[tid], self.line[tid]
            patched.versions[root] = [t for t in self.versions[root] if t != tid]
            patched.line_members[line] = [t for t in self.line_members[line] if t != tid]
        rows = [self.row[tid] for tid in gone if tid in self.row]
        if rows:
            hidden = np.zeros(len(self.ids), dtype=bool) if self.hidden is None else self.hidden
            patched.hidden = hidden.copy()
            patched.hidden[rows] = True
        return patched

    def _link_anew(self, titles: Sequence[TitleFacts]) -> None:
        """This copy's editorial links for these titles as their facts now say (a review's
        "compares with" list counts at once), in containers of its own."""
        changes: dict[int, set[int]] = {}
        for t in titles:
            links = {o for o in t.compares_with if o in self.row and o != t.id}
            if links != self.links.get(t.id, set()):
                changes[t.id] = links
        if not changes:
            return
        self.links, self.backlinks = dict(self.links), dict(self.backlinks)
        self._notability = self._notability.copy()
        for tid, links in changes.items():
            old = self.links.pop(tid, set())
            if links:
                self.links[tid] = links
            for other in old - links:
                self.backlinks[other] = self.backlinks[other] - {tid}
                if not self.backlinks[other]:
                    del self.backlinks[other]
            for other in links - old:
                self.backlinks[other] = self.backlinks.get(other, set()) | {tid}
            for linked in {tid, *old, *links}:
                self._notability[self.row[linked]] = len(self.links.get(linked, ())) + len(
                    self.backlinks.get(linked, ())
                )

    def suggestable(self, title_id: int) -> bool:
        """In the catalog and known to this model (removed titles are not)."""
        row = self.row.get(title_id)
        return row is not None and (self.hidden is None or not self.hidden[row])

    def hide_removed(self, scores: np.ndarray) -> None:
        """Removed titles' scores become -inf, so no list can pick them."""
        if self.hidden is not None:
            scores[self.hidden] = -np.inf

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
        cls,
        titles: Iterable[TitleFacts],
        weights: ContentWeights | None = None,
        features: FeatureMatrices | None = None,
    ) -> ContentModel:
        """`features`: `feature_matrices(titles, weights)` when already made (a build fits the
        co-rating model on them while the rest of this runs)."""
        titles = list(titles)
        weights = weights or ContentWeights.tuned()
        features = features or cls.feature_matrices(titles, weights)
        fame = dict(zip((t.id for t in titles), prominence(titles).tolist(), strict=True))
        return cls(
            titles,
            features.matrix,
            features.presence,
            features.names,
            features.block_of,
            features.idfs,
            weights,
            SemanticSpace.build(titles, semantic_words),
            title_mentions(titles, lambda t: fame[t.id]),
        )

    @staticmethod
    def feature_matrices(titles: Sequence[TitleFacts], weights: ContentWeights) -> FeatureMatrices:
        """The weighted TF-IDF matrix of the titles (rows in their order) and what goes
        with it."""
        n = len(titles)
        # Imported films often lack credits their blurb gives ("From director Bong Joon-ho").
        credited = credited_directors(titles)
        features: dict[str, Callable[[TitleFacts], list[str]]] = {
            **_BLOCK_FEATURES,
            "director": lambda t: [*t.directors, *credited.get(t.id, ())],
        }
        blocks: list[sp.csr_matrix] = []
        present: list[sp.csr_matrix] = []
        names: list[str] = []
        block_of: list[int] = []
        idfs: list[float] = []
        for b, block in enumerate(BLOCKS):
            weight = getattr(weights, block)
            # One block at a time, in two passes (document frequencies, then the entries), so
            # no per-title feature lists are held: a build's peak memory stays low.
            extract = features[block]
            df = Counter(feat for t in titles for feat in set(extract(t)))
            # A feature that only one title has cannot make two titles similar; drop it.
            vocab = {feat: i for i, feat in enumerate(f for f, c in df.items() if c > 1)}
            idf = {f: math.log((1 + n) / (1 + df[f])) + 1.0 for f in vocab}
            # Typed arrays, not lists of Python numbers: a third of the memory at build time.
            rows, cols, vals = array("i"), array("i"), array("f")
            for r, t in enumerate(titles):
                for feat, count in Counter(extract(t)).items():
                    c = vocab.get(feat)
                    if c is not None:
                        rows.append(r)
                        cols.append(c)
                        vals.append((1.0 + math.log(count)) * idf[feat])
            width = max(len(vocab), 1)
            at = (np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32))
            mat = sp.csr_matrix((np.frombuffer(vals, dtype=np.float32), at), shape=(n, width))
            present.append(sp.csr_matrix((np.ones(len(rows), np.int8), at), (n, width)))
            norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            mat = sp.diags((math.sqrt(weight) / norms).astype(np.float32)) @ mat
            blocks.append(sp.csr_matrix(mat))
            words = list(vocab) or [""]
            names.extend(words)
            block_of.extend([b] * len(words))
            idfs.extend(idf.get(w, 0.0) for w in words)
        matrix = sp.csr_matrix(sp.hstack(blocks, format="csr"), dtype=np.float32)
        matrix.eliminate_zeros()
        presence = sp.csr_matrix(sp.hstack(present, format="csr"), dtype=np.int8)
        presence.sort_indices()
        return FeatureMatrices(
            matrix,
            presence,
            np.array(names, dtype=object),
            np.array(block_of, dtype=np.int8),
            np.array(idfs, dtype=np.float32),
        )

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
        if not self.suggestable(title_id):
            return []
        scores = self.title_scores(title_id)
        skip = set(exclude) | set(self.versions[self.story[title_id]])
        return self._top(scores, k, skip, lambda ts: self.explain_many(title_id, ts))

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
        self, ratings: Mapping[int, float], editorial: bool = True
    ) -> tuple[np.ndarray, dict[int, float]] | None:
        """One user's score for every title, and the per-title pull (stars - 3) behind it;
        `editorial`: liked titles' "compares with" links add their bonus."""
        known = {t: s for t, s in ratings.items() if t in self.row}
        pull = {t: s - 3.0 for t, s in known.items() if s != 3.0}
        if not pull:
            return None
        rows = np.fromiter((self.row[t] for t in pull), dtype=np.int64, count=len(pull))
        weights = np.fromiter(pull.values(), dtype=np.float32, count=len(pull))
        profile = weighted_row_sum(self.matrix, rows, weights, self.matrix.shape[1])
        cols = np.flatnonzero(profile)
        scores = self._scores_for(cols, profile[cols]) / np.float32(np.abs(weights).sum())
        for t, w in pull.items():
            if editorial and w > 0 and (t in self.links or t in self.backlinks):
                self._add_editorial(scores, t, w / 2.0)
        return scores, pull

    def _because_liked(self, pull: Mapping[int, float]) -> ExplainMany:
        """Explains each pick by the liked title closest to it (one sparse product for all)."""
        liked = [t for t, w in pull.items() if w > 0]

        def because(targets: Sequence[int]) -> list[Evidence]:
            if not liked or not targets:
                return [Evidence() for _ in targets]
            rows = [self.row[t] for t in liked]
            picked = take_rows(self.matrix, [self.row[t] for t in targets])
            sims = (take_rows(self.matrix, rows) @ picked.T).toarray()
            sims *= np.array([pull[t] for t in liked], dtype=np.float32)[:, None]
            out = []
            for j, target in enumerate(targets):
                best = liked[int(np.argmax(sims[:, j]))]
                ev = self.explain(best, target)
                # Synopsis mentions don't score personal picks; the reason is "because you liked".
                out.append(
                    replace(ev, because_of=(best,), names_source=False, named_by_source=False)
                )
            return out

        return because

    def popular(
        self,
        k: int,
        popularity: Mapping[int, tuple[int, float]],
        exclude: Iterable[int] = (),
    ) -> list[Suggestion]:
        """Cold start: well-rated titles many members rated, then the editorially best connected."""
        skip = set(exclude)
        prior_n = float(np.median([c for c, _ in popularity.values()])) if popularity else 1.0
        # Shrink towards neutral 3 stars, not the members' mean, so a title many members rated
        # well beats one nobody has rated.
        mean = 3.0
        counts = np.zeros(len(self.ids), dtype=np.float32)
        averages = np.full(len(self.ids), mean, dtype=np.float32)
        if popularity:
            # This runs on every cold-start /recommend: arrays in one pass, and no new tuple per
            # title (a burst of live containers sets off a full garbage collection of the
            # whole snapshot, a ~200 ms pause).
            n = len(popularity)
            rows = np.fromiter((self.row.get(t, -1) for t in popularity), np.int64, count=n)
            stats = np.array(list(popularity.values()), dtype=np.float32).reshape(n, 2)
            known = rows >= 0
            counts[rows[known]], averages[rows[known]] = stats[known, 0], stats[known, 1]
        # Bayesian average pulls titles with few ratings towards the mean.
        bayes = (counts * averages + prior_n * mean) / (counts + prior_n)
        scores = bayes + 0.02 * self._notability + 0.001 * np.log1p(counts)
        return self._top(scores.astype(np.float32), k, skip, lambda ts: [Evidence() for _ in ts])

    def explain(self, source_id: int, target_id: int) -> Evidence:
        """The shared features, rarest first, that make target similar to source."""
        p = self.presence
        a, b = self.row[source_id], self.row[target_id]
        common = np.intersect1d(
            p.indices[p.indptr[a] : p.indptr[a + 1]],
            p.indices[p.indptr[b] : p.indptr[b + 1]],
            assume_unique=True,
        )
        return self._evidence(source_id, target_id, common)

    def explain_many(self, source_id: int, target_ids: Sequence[int]) -> list[Evidence]:
        """`explain` for several targets of one source: the source's features are looked up
        once, as a mask over the feature columns, and the targets' shared features found and
        ordered in one go (a top 10's reasons would otherwise be a hundred small numpy calls)."""
        if not target_ids:
            return []
        p = self.presence
        a = self.row[source_id]
        mine = np.zeros(p.shape[1], dtype=bool)
        mine[p.indices[p.indptr[a] : p.indptr[a + 1]]] = True
        idx, lens = row_entries(p, [self.row[t] for t in target_ids])
        cols = p.indices[idx]
        owner = np.repeat(np.arange(len(lens)), lens)
        # Shared, and of a block that reasons name.
        keep = mine[cols] & _NAMED_BLOCK[self.feature_block[cols]]
        cols, owner = cols[keep], owner[keep]
        order = np.lexsort((self._feature_rank[cols], owner))  # by target, rarest first
        cols, owner = cols[order], owner[order]
        bounds = np.searchsorted(owner, np.arange(len(lens) + 1)).tolist()
        col_list, block_list = cols.tolist(), self.feature_block[cols].tolist()
        return [
            self._named(source_id, t, col_list[lo:hi], block_list[lo:hi])
            for t, lo, hi in zip(target_ids, bounds, bounds[1:], strict=False)
        ]

    def _evidence(self, source_id: int, target_id: int, common: np.ndarray) -> Evidence:
        """Evidence from the feature columns two titles share, named rarest first."""
        common = common[np.argsort(self._feature_rank[common])]
        return self._named(
            source_id, target_id, common.tolist(), self.feature_block[common].tolist()
        )

    def _named(
        self, source_id: int, target_id: int, common: list[int], blocks: list[int]
    ) -> Evidence:
        """Evidence from the shared feature columns `common` (rarest first in each block) and
        their blocks."""
        shared: dict[str, list[str]] = {}
        for c, block in zip(common, blocks, strict=True):
            limit = _REASON_LIMIT_BY_BLOCK[block]
            if limit:
                names = shared.setdefault(BLOCKS[block], [])
                if len(names) < limit:
                    names.append(str(self.feature_names[c]))
        people = [*shared.get("director", ()), *shared.get("writer", ()), *shared.get("cast", ())]
        return Evidence(
            themes=tuple(shared.get("theme", ())),
            genres=tuple(shared.get("genre", ())),
            people=tuple(dict.fromkeys(people))[:2],
            countries=tuple(shared.get("country", ())),
            languages=tuple(shared.get("language", ())),
            editorial=target_id in self.links.get(source_id, ())
            or target_id in self.backlinks.get(source_id, ()),
            names_source=(target_id, source_id) in self.names,
            named_by_source=(source_id, target_id) in self.names,
        )

    # -- internals ---------------------------------------------------------------------------

    def origin_scores(self, title_id: int) -> np.ndarray:
        """How much of its rarity-weighted countries and languages every title shares."""
        m, r = self.origin, self.row[title_id]
        lo, hi = m.indptr[r], m.indptr[r + 1]
        return weighted_row_sum(
            self._origin_by_feature, m.indices[lo:hi], m.data[lo:hi], len(self.ids)
        )

    def semantic_scores(self, title_id: int, among: np.ndarray) -> np.ndarray:
        """How close in meaning the titles at rows `among` are to this one, as standard
        scores over the catalog (recommender.semantic)."""
        return self.semantic.standardised_scores(self.row[title_id], among)

    def title_scores(self, title_id: int) -> np.ndarray:
        """Content similarity of every title to this one (editorial links included)."""
        m, r = self.matrix, self.row[title_id]
        lo, hi = m.indptr[r], m.indptr[r + 1]
        scores = self._scores_for(m.indices[lo:hi], m.data[lo:hi])
        self._add_editorial(scores, title_id, 1.0)
        return scores

    def profile_scores(
        self, ratings: Mapping[int, float], editorial: bool = True
    ) -> tuple[np.ndarray, dict[int, float]] | None:
        """A user's content score for every title and the pull (stars - 3) behind it, or None
        when no rating leans either way. `editorial=False` leaves the "compares with" links
        out, so titles without such links (imported ones) are scored on the same facts."""
        return self._profile_scores(ratings, editorial)

    def _add_editorial(self, scores: np.ndarray, title_id: int, scale: float) -> None:
        links = self.links.get(title_id, set())
        for other in links:
            scores[self.row[other]] += self.weights.editorial * scale
        for other in self.backlinks.get(title_id, set()) - links:
            scores[self.row[other]] += self.weights.editorial_reverse * scale
        for other in self.mentioned.get(title_id, ()):
            scores[self.row[other]] += self.weights.mention * scale

    def _scores_for(self, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
        """matrix @ q for a query with values `vals` on feature columns `cols`, divided by the
        total block weight. A small query visits only the titles sharing one of its features;
        a big one (a long rating history) is one pass over the matrix."""
        if self._by_feature.cost(cols) * 3 > self.matrix.nnz:
            q = np.zeros(self.matrix.shape[1], dtype=np.float32)
            q[cols] = vals
            dense: np.ndarray = (self.matrix @ q).astype(np.float32)
        else:
            dense = self._by_feature.weighted_sum(cols, vals)
        dense /= self._total_weight
        return dense

    def _top(
        self,
        scores: np.ndarray,
        k: int,
        skip: set[int],
        explain: ExplainMany,
        floor: float = 0.0,
    ) -> list[Suggestion]:
        """The best k, one slot per story; scores at or below `floor` are not suggestions.
        Reasons are built only for the k chosen, in one call of `explain`."""
        if k <= 0 or len(scores) == 0:
            return []
        skip_rows = [self.row[t] for t in skip if t in self.row]
        if skip_rows:
            scores[skip_rows] = -np.inf
        self.hide_removed(scores)
        # Over-fetch: several candidates may fold into one story slot.
        want = min(len(scores), top_wanted(k))
        top = largest(scores, want)
        return self.choose(top.tolist(), scores[top].tolist(), k, skip, explain, floor)

    def choose(
        self,
        rows: Sequence[int],
        scores: Sequence[float],
        k: int,
        skip: set[int],
        explain: ExplainMany,
        floor: float = -math.inf,
    ) -> list[Suggestion]:
        """The first k of candidate rows (best first), one slot per line (a story with its
        remakes, a show with its seasons); scores at or below `floor` end the list. Reasons
        are built only for the k chosen, in one `explain` call."""
        chosen: list[tuple[int, float, tuple[int, ...]]] = []
        used_lines: set[int] = set()
        hidden = self.hidden
        for j, score in zip(rows, scores, strict=True):
            if not math.isfinite(score) or score <= floor:
                break
            if hidden is not None and hidden[j]:
                continue
            tid = int(self.ids[j])
            line = self.line[tid]
            if line in used_lines:
                continue
            used_lines.add(line)
            versions = tuple(v for v in self.line_members[line] if v != tid and v not in skip)
            chosen.append((tid, score, versions))
            if len(chosen) == k:
                break
        evidence = explain([tid for tid, _, _ in chosen]) if chosen else []
        return [
            Suggestion(tid, score, ev, versions)
            for (tid, score, versions), ev in zip(chosen, evidence, strict=True)
        ]


def top_wanted(k: int) -> int:
    """How many of the best candidates a top-k list looks at: several may fold into one
    story slot."""
    return k * 4 + 8
