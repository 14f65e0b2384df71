"""Tune the content block weights of similar titles on a signal that is not the probe set:
MovieLens co-rating neighbours mapped onto the ~24,000-title bench catalog.

SIGNAL (fixed)
- MovieLens (ml-latest-small) movies are matched to catalog films by normalised name and year
  (the same rule as speed.py; unmatched movies are dropped, nothing is spread at random).
- "Loved" = rated >= 4.0. Two matched movies are co-rating neighbours when the cosine of their
  lover sets is high: for each query movie with at least MIN_LOVERS lovers, its RELEVANT set is
  its TOP_NEIGHBOURS matched movies by that cosine, each sharing at least MIN_CO_LOVERS lovers.
  Queries with fewer than MIN_RELEVANT such neighbours are left out.
- The queries are split in two by a fixed hash of the movie id: TUNE (weights are chosen on it)
  and CHECK (reported only, to see whether the choice generalises).
- A query is scored the way `Recommender.similar` ranks without ratings: by the content score
  over the whole catalog (the query's own story left out). Metrics: NDCG@10 and Recall@50 of
  the relevant set.

The content score is the weighted sum of per-block cosines, so the script builds the content
model once with every block weight 1 and combines the per-block cosines for each candidate
weighting (coordinate ascent over a grid, a few rounds). The probe titles of similar.py are
never used. `--save` writes the best weights into the "content_blocks" object of
recommender/weights.json (the blend weights there are kept).

    ./run bench tune_similar            # about 2-3 minutes
    ./run bench tune_similar --save
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from catalog25k import DATA, load_catalog  # noqa: E402

from bot.core.text import normalise_title  # noqa: E402
from db.imports.formats.movielens import split_title  # noqa: E402
from recommender import ContentModel, ContentWeights, TitleFacts  # noqa: E402
from recommender.content import BLOCKS  # noqa: E402
from recommender.weights import save_weights  # noqa: E402

ML = DATA / "movielens-latest-small"
LIKE = 4.0
MIN_LOVERS = 5
MIN_CO_LOVERS = 2
TOP_NEIGHBOURS = 10
MIN_RELEVANT = 3
K_NDCG, K_RECALL = 10, 50
GRID = (0.0, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0, 1.5, 2.5, 4.0)
ROUNDS = 3
# A change must gain this much tune NDCG@10 to be taken: smaller gains are noise on a few
# hundred queries, and a block the films rarely use (themes) must not drift on noise.
MIN_GAIN = 0.002
# A block is tuned only when most tune queries have features in it. The queries are films
# matched to MovieLens; a block most of them lack (themes: on these films a few catalogue tags
# like "kids" or "classic", on Korean dramas MyDramaList's specific tags) is outside what the
# signal can judge, so it keeps its weight.
MIN_COVERAGE = 0.5


def match_movielens(titles: list[TitleFacts]) -> dict[int, int]:
    """MovieLens movie id -> catalog title id, for films with the same name and year."""
    by_key = {(normalise_title(t.name), t.year): t.id for t in titles if t.kind == "film"}
    out = {}
    with (ML / "movies.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name, year, _aliases = split_title(r["title"])
            found = by_key.get((normalise_title(name), year))
            if found is not None:
                out[int(r["movieId"])] = found
    return out


def neighbours(matched: dict[int, int]) -> dict[int, set[int]]:
    """Catalog title id -> its co-rating neighbours (catalog title ids)."""
    lovers: dict[int, set[int]] = defaultdict(set)
    with (ML / "ratings.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            movie = int(r["movieId"])
            if movie in matched and float(r["rating"]) >= LIKE:
                lovers[matched[movie]].add(int(r["userId"]))
    return neighbours_of_lovers(lovers)


def neighbours_of_lovers(lovers: Mapping[int, set[Any]]) -> dict[int, set[int]]:
    """Title id -> its TOP_NEIGHBOURS titles by the cosine of their lover sets (each sharing at
    least MIN_CO_LOVERS lovers), for titles with MIN_LOVERS lovers and MIN_RELEVANT such
    neighbours. `lovers`: title id -> who loved it (any hashable, sortable ids)."""
    items = sorted(lovers)
    users = sorted({u for us in lovers.values() for u in us})
    col = {u: i for i, u in enumerate(users)}
    rows = [i for i, t in enumerate(items) for _ in lovers[t]]
    cols = [col[u] for t in items for u in lovers[t]]
    x = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), (len(items), len(users)))
    co = (x @ x.T).toarray()
    size = np.diag(co).copy()
    cosine = co / np.sqrt(np.outer(size, size))
    np.fill_diagonal(cosine, 0.0)
    out = {}
    for i, t in enumerate(items):
        if size[i] < MIN_LOVERS:
            continue
        ok = np.flatnonzero(co[i] >= MIN_CO_LOVERS)
        best = ok[np.argsort(-cosine[i, ok], kind="stable")][:TOP_NEIGHBOURS]
        if len(best) >= MIN_RELEVANT:
            out[t] = {items[j] for j in best}
    return out


class BlockScores:
    """Per-block cosines of every query against the whole catalog, kept as float16."""

    def __init__(self, model: ContentModel, queries: list[int]) -> None:
        self.model = model
        m = model.matrix
        q = m[[model.row[t] for t in queries]]
        self.cos = np.zeros((len(BLOCKS), len(queries), m.shape[0]), dtype=np.float16)
        for b in range(len(BLOCKS)):
            cols = np.flatnonzero(model.feature_block == b)
            block = sp.csr_matrix(m[:, cols])
            self.cos[b] = (q[:, cols] @ block.T).toarray()
        # The query's own story (itself, its remakes) is never a similar title.
        self.own = [[model.row[v] for v in model.versions[model.story[t]]] for t in queries]

    def rankings(self, w: np.ndarray, k: int) -> np.ndarray:
        """Top-k catalog rows per query for block weights w."""
        out = np.empty((self.cos.shape[1], k), dtype=np.int64)
        for i in range(self.cos.shape[1]):
            s = np.tensordot(w, self.cos[:, i, :].astype(np.float32), axes=1)
            s[self.own[i]] = -np.inf
            top = np.argpartition(-s, k)[:k]
            out[i] = top[np.argsort(-s[top], kind="stable")]
        return out


def metrics(scores: BlockScores, w: np.ndarray, relevant: list[set[int]]) -> tuple[float, float]:
    ids = scores.model.ids
    top = scores.rankings(w, max(K_NDCG, K_RECALL))
    discounts = 1.0 / np.log2(np.arange(2, 2 + K_NDCG))
    ndcg, recall = [], []
    for row, rel in zip(top, relevant, strict=True):
        got = [int(ids[j]) for j in row]
        gains = np.array([t in rel for t in got[:K_NDCG]], dtype=float)
        ndcg.append(float((gains * discounts).sum() / discounts[: min(len(rel), K_NDCG)].sum()))
        recall.append(len(rel.intersection(got[:K_RECALL])) / len(rel))
    return float(np.mean(ndcg)), float(np.mean(recall))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--save", action="store_true", help="write recommender/weights.json")
    args = parser.parse_args()
    started = time.perf_counter()
    load = os.getloadavg()
    print(f"# load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    titles, _offers = load_catalog()
    matched = match_movielens(titles)
    truth = neighbours(matched)
    tune_q = sorted(t for t in truth if zlib.crc32(str(t).encode()) % 2 == 0)
    check_q = sorted(t for t in truth if zlib.crc32(str(t).encode()) % 2 == 1)
    print(
        f"# {len(titles):,} titles; {len(matched):,} MovieLens movies matched; queries with "
        f">= {MIN_RELEVANT} co-rating neighbours: tune {len(tune_q)}, check {len(check_q)}"
    )
    unit = ContentWeights(**{b: 1.0 for b in BLOCKS})
    model = ContentModel.build(titles, unit)
    tune = BlockScores(model, tune_q)
    check = BlockScores(model, check_q)
    tune_rel = [truth[t] for t in tune_q]
    check_rel = [truth[t] for t in check_q]

    current = ContentWeights.tuned()
    defaults = ContentWeights()
    start = np.array([getattr(current, b) for b in BLOCKS], dtype=np.float32)
    w = start.copy()
    q = model.presence[[model.row[t] for t in tune_q]]
    covered = [
        float(np.mean(np.asarray(q[:, model.feature_block == b].sum(axis=1)).ravel() > 0))
        for b in range(len(BLOCKS))
    ]
    print(
        "  coverage of the tune queries: "
        + ", ".join(f"{name} {c:.2f}" for name, c in zip(BLOCKS, covered, strict=True))
    )
    best = metrics(tune, w, tune_rel)[0]
    print(f"  start (weights.json): tune NDCG@10 {best:.4f}", flush=True)
    for r in range(ROUNDS):
        improved = False
        for b, name in enumerate(BLOCKS):
            if covered[b] < MIN_COVERAGE:
                continue
            for value in GRID:
                cand = w.copy()
                cand[b] = value
                if not cand.any():
                    continue
                score = metrics(tune, cand, tune_rel)[0]
                if score > best + MIN_GAIN:
                    w, best, improved = cand, score, True
            print(f"  round {r + 1} {name:<9} -> {w[b]:g} (tune NDCG@10 {best:.4f})", flush=True)
        if not improved:
            break

    rows = [
        ("code defaults", np.array([getattr(defaults, b) for b in BLOCKS], np.float32)),
        ("weights.json before", start),
        ("tuned", w),
    ]
    print(f"\n{'weights':<20} {'tune NDCG@10':>12} {'R@50':>6} {'check NDCG@10':>13} {'R@50':>6}")
    for label, vec in rows:
        tn, tr = metrics(tune, vec, tune_rel)
        cn, cr = metrics(check, vec, check_rel)
        print(f"{label:<20} {tn:>12.4f} {tr:>6.4f} {cn:>13.4f} {cr:>6.4f}")
    # Same scale as before (the total weight) so the editorial bonus keeps its meaning; the
    # blocks that were not tuned keep their values exactly.
    total_before = float(sum(getattr(current, b) for b in BLOCKS))
    tuned_mask = np.array([c >= MIN_COVERAGE for c in covered])
    fixed = float(w[~tuned_mask].sum())
    scaled = w.copy()
    if w[tuned_mask].sum() > 0:
        free = total_before - fixed
        scaled[tuned_mask] = w[tuned_mask] * (free / float(w[tuned_mask].sum()))
    tuned = {b: round(float(v), 3) for b, v in zip(BLOCKS, scaled, strict=True)}
    print(f"\ntuned block weights (scaled to the previous total {total_before:g}): {tuned}")
    replace(current, **tuned)  # every saved name is a ContentWeights field
    if args.save:
        save_weights(content_blocks=tuned)
        print("saved to recommender/weights.json (content_blocks)")
    load = os.getloadavg()
    print(
        f"# load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
