"""Personal-pick quality on MovieLens (ml-latest-small): reelbot against the usual peers.

PROTOCOL (fixed; the same split for every model in one run)
- Positives are ratings >= 4.0. For each user with at least 5 positives, 20% of their positives
  (round(0.2·n), at least 1; seeded random, --seed) are held out as the TEST set. Everything
  else (all other ratings, any value) is TRAINING data.
- Each model ranks every movie in movies.csv the user has not rated in training. Metrics over
  the test users: NDCG@10 (binary gain), Recall@20 (hits in the top 20 / held-out count),
  HR@10 (share of users with a hit in the top 10), coverage (distinct movies in all top-10
  lists / movies in the catalog).
- Tuning: a VALIDATION split is cut from the training data with the same rule (seed + 1); every
  model (peers and reelbot) picks its hyper-parameters by validation NDCG@10, is then refitted
  on the full training data and scored once on the test set. The test set is never used to
  choose anything.
- Peers see the training ratings as implicit interactions (rated = 1). most-popular counts
  them; item-kNN is cosine over items with k neighbours; EASE (Steck 2019) is closed form over
  movies with >= 2 training ratings; ALS and BPR come from `implicit`.
- reelbot is scored on exactly the path `/recommend` runs: the bot's catalog snapshot
  (`CatalogSnapshot.build`, which builds the `Recommender`) and its `personal_picks` call with
  the inputs the bot gives it: the user's training ratings (title -> stars), the times they
  were made (the bot passes the times it stores) and the moment the list is asked for (the
  bot passes the clock; here the user's last training rating, so films released after that
  year are not suggested). Other versions of rated stories are left out. Content comes from
  MovieLens genres and tags (tags whose (user, movie) is held out are dropped) and, via
  links.csv, TMDB 5000 overviews and keywords; EASE-style collaborative scores over the same
  training ratings with rating values (a rating below 4 counts less than a like); priors from
  popularity, Bayesian average rating, release-year taste and rating-time trend. Blend weights
  are tuned on validation only, with the same parts `personal_picks` blends.

    ./run bench movielens                   # about 10 minutes on 2 busy cores
    ./run bench movielens --save-weights    # also write the tuned blend to recommender/weights.json
    ./run bench movielens --quick           # smaller grids, for a smoke run
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.core.catalog import CatalogSnapshot  # noqa: E402
from bot.core.title_index import TitleIndex  # noqa: E402
from recommender import (  # noqa: E402
    HybridWeights,
    RatingTriple,
    Recommender,
    TitleFacts,
    load_weights,
)
from recommender.collab import ease_weights  # noqa: E402
from recommender.content import ContentModel  # noqa: E402
from recommender.hybrid import rating_years  # noqa: E402
from recommender.weights import WEIGHTS_FILE, save_weights  # noqa: E402

DATA = Path(os.environ.get("REELBOT_SHARED_DATA", REPO.parent / "shared" / "data"))
ML = DATA / "movielens-latest-small"
TMDB = DATA / "tmdb-5000-movies" / "tmdb_4803_movies.csv"
LIKE = 4.0
K_NDCG, K_RECALL, K_HR = 10, 20, 10


# -- data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    user: int
    movie: int
    stars: float
    at: float


def load_ratings() -> list[Rating]:
    with (ML / "ratings.csv").open(encoding="utf-8") as f:
        return [
            Rating(int(r["userId"]), int(r["movieId"]), float(r["rating"]), float(r["timestamp"]))
            for r in csv.DictReader(f)
        ]


_YEAR = re.compile(r"\((\d{4})\)\s*$")


def load_titles(drop_tags: set[tuple[int, int]]) -> list[TitleFacts]:
    """MovieLens movies as TitleFacts: genres, tags (minus held-out pairs), TMDB text."""
    tags: dict[int, list[str]] = defaultdict(list)
    with (ML / "tags.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (int(r["userId"]), int(r["movieId"]))
            if key not in drop_tags:
                tags[key[1]].append(r["tag"].strip().casefold())
    tmdb_of: dict[int, int] = {}
    with (ML / "links.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["tmdbId"]:
                tmdb_of[int(r["movieId"])] = int(r["tmdbId"])
    tmdb: dict[int, dict[str, str]] = {}
    if TMDB.exists():
        with TMDB.open(encoding="utf-8") as f:
            tmdb = {int(r["id"]): r for r in csv.DictReader(f)}
    titles = []
    with (ML / "movies.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            mid = int(r["movieId"])
            m = _YEAR.search(r["title"])
            genres = [g for g in r["genres"].split("|") if g and not g.startswith("(")]
            extra = tmdb.get(tmdb_of.get(mid, -1))
            keywords: list[str] = []
            synopsis = None
            languages: tuple[str, ...] = ()
            countries: tuple[str, ...] = ()
            if extra is not None:
                keywords = [k["name"] for k in json.loads(extra["keywords"] or "[]")]
                synopsis = " ".join(x for x in (extra["overview"], extra["tagline"]) if x)
                languages = (extra["original_language"],) if extra["original_language"] else ()
                countries = tuple(
                    c["iso_3166_1"] for c in json.loads(extra["production_countries"] or "[]")
                )
            titles.append(
                TitleFacts(
                    id=mid,
                    name=_YEAR.sub("", r["title"]).strip(),
                    year=int(m.group(1)) if m else None,
                    kind="film",
                    genres=tuple(genres),
                    themes=tuple(dict.fromkeys([*keywords, *tags.get(mid, [])])),
                    synopsis=synopsis,
                    languages=languages,
                    countries=countries,
                )
            )
    return titles


@dataclass
class Split:
    train: list[Rating]
    held: dict[int, set[int]]  # user -> held-out positive movies


def split(ratings: Sequence[Rating], seed: int) -> Split:
    rng = random.Random(seed)
    positives: dict[int, list[Rating]] = defaultdict(list)
    for r in ratings:
        if r.stars >= LIKE:
            positives[r.user].append(r)
    held: dict[int, set[int]] = {}
    for user in sorted(positives):
        mine = sorted(positives[user], key=lambda r: r.movie)
        if len(mine) < 5:
            continue
        n = max(1, round(0.2 * len(mine)))
        held[user] = {r.movie for r in rng.sample(mine, n)}
    train = [r for r in ratings if r.movie not in held.get(r.user, ())]
    return Split(train, held)


# -- evaluation ---------------------------------------------------------------------------------


@dataclass
class Universe:
    movies: np.ndarray  # movie ids, the column order of every score matrix
    col: dict[int, int]


@dataclass
class Scores:
    ndcg: float
    recall: float
    hr: float
    coverage: float


def evaluate(lists: dict[int, Sequence[int]], held: dict[int, set[int]], n_items: int) -> Scores:
    """Metrics from each test user's ranked list (movie ids, best first)."""
    discounts = 1.0 / np.log2(np.arange(2, 2 + max(K_NDCG, K_RECALL)))
    ndcg, recall, hr = [], [], []
    shown: set[int] = set()
    for user, positives in held.items():
        top = list(lists.get(user, ()))
        gains = np.array([m in positives for m in top[:K_NDCG]], dtype=float)
        ideal = discounts[: min(len(positives), K_NDCG)].sum()
        ndcg.append(float((gains * discounts[: len(gains)]).sum() / ideal))
        recall.append(len(positives.intersection(top[:K_RECALL])) / len(positives))
        hr.append(float(gains.any()))
        shown.update(top[:K_NDCG])
    return Scores(
        float(np.mean(ndcg)), float(np.mean(recall)), float(np.mean(hr)), len(shown) / n_items
    )


def top_lists(
    scores: np.ndarray, users: Sequence[int], rated: dict[int, set[int]], uni: Universe
) -> dict[int, list[int]]:
    """Top-20 movie ids per user from a users x items score matrix, rated items removed."""
    out = {}
    for i, user in enumerate(users):
        row = scores[i].astype(np.float64, copy=True)
        seen = [uni.col[m] for m in rated.get(user, ()) if m in uni.col]
        row[seen] = -np.inf
        top = np.argpartition(-row, K_RECALL)[:K_RECALL]
        top = top[np.argsort(-row[top], kind="stable")]
        out[user] = [int(uni.movies[j]) for j in top if np.isfinite(row[j])]
    return out


def interactions(train: Sequence[Rating], uni: Universe) -> tuple[sp.csr_matrix, dict[int, int]]:
    users = {u: i for i, u in enumerate(sorted({r.user for r in train}))}
    rows = [users[r.user] for r in train]
    cols = [uni.col[r.movie] for r in train]
    x = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(users), len(uni.movies))
    )
    x.sum_duplicates()
    x.data[:] = 1.0
    return x, users


# -- peers ------------------------------------------------------------------------------------

Fitted = Callable[[Sequence[int]], np.ndarray]  # eval users -> users x items scores
Peer = Callable[[sp.csr_matrix, dict[int, int], dict[str, float]], Fitted]


def most_popular(x: sp.csr_matrix, users: dict[int, int], _: dict[str, float]) -> Fitted:
    counts = np.asarray(x.sum(axis=0)).ravel().astype(np.float32)
    return lambda us: np.tile(counts, (len(us), 1))


def item_knn(x: sp.csr_matrix, users: dict[int, int], p: dict[str, float]) -> Fitted:
    xc = sp.csc_matrix(x)
    norms = np.sqrt(np.asarray(xc.multiply(xc).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    xn = xc @ sp.diags(1.0 / norms)
    sim = np.asarray((xn.T @ xn).todense(), dtype=np.float32)
    np.fill_diagonal(sim, 0.0)
    k = int(p["k"])
    if k < sim.shape[0]:  # keep each item's k nearest neighbours
        cut = np.argpartition(-sim, k, axis=1)[:, k:]
        np.put_along_axis(sim, cut, 0.0, axis=1)
    return lambda us: np.asarray(x[[users[u] for u in us]] @ sim)


def ease(x: sp.csr_matrix, users: dict[int, int], p: dict[str, float]) -> Fitted:
    keep = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() >= 2)
    b = ease_weights(sp.csr_matrix(x[:, keep], dtype=np.float64), p["lambda"])

    def scores(us: Sequence[int]) -> np.ndarray:
        out = np.full((len(us), x.shape[1]), -1e9, dtype=np.float32)
        out[:, keep] = np.asarray(x[[users[u] for u in us]][:, keep] @ b)
        return out

    return scores


def _implicit(model_cls: str) -> Peer:
    def fit(x: sp.csr_matrix, users: dict[int, int], p: dict[str, float]) -> Fitted:
        import implicit

        cls = getattr(implicit.cpu, "als" if model_cls == "als" else "bpr")
        params = {k: (int(v) if k in ("factors", "iterations") else v) for k, v in p.items()}
        if model_cls == "als":
            alpha = params.pop("alpha")
            model = cls.AlternatingLeastSquares(random_state=7, **params)
            model.fit(sp.csr_matrix(x * alpha), show_progress=False)
        else:
            model = cls.BayesianPersonalizedRanking(random_state=7, **params)
            model.fit(x, show_progress=False)
        uf, itf = np.asarray(model.user_factors), np.asarray(model.item_factors)
        return lambda us: uf[[users[u] for u in us]] @ itf.T

    return fit


PEERS: dict[str, tuple[Peer, list[dict[str, float]]]] = {
    "most-popular": (most_popular, [{}]),
    "item-kNN": (item_knn, [{"k": k} for k in (20, 50, 100, 200, 400)]),
    "EASE": (ease, [{"lambda": v} for v in (50, 100, 200, 300, 500, 800, 1200)]),
    "ALS": (
        _implicit("als"),
        [
            {"factors": f, "regularization": r, "iterations": 15, "alpha": a}
            for f in (32, 64, 128)
            for r in (0.01, 0.1)
            for a in (1.0, 5.0)
        ],
    ),
    "BPR": (
        _implicit("bpr"),
        [
            {"factors": f, "learning_rate": lr, "regularization": 0.01, "iterations": it}
            for f in (32, 64, 128)
            for lr in (0.01, 0.05)
            for it in (100, 300)
        ],
    ),
}
QUICK = {
    "item-kNN": [{"k": 100}],
    "EASE": [{"lambda": v} for v in (200, 500)],
    "ALS": [{"factors": 64, "regularization": 0.1, "iterations": 15, "alpha": 1.0}],
    "BPR": [{"factors": 64, "learning_rate": 0.05, "regularization": 0.01, "iterations": 100}],
}


def run_peer(
    peer: Peer, params: dict[str, float], sp_: Split, uni: Universe, rated: dict[int, set[int]]
) -> tuple[Scores, dict[int, list[int]]]:
    x, users = interactions(sp_.train, uni)
    fitted = peer(x, users, params)
    order = [u for u in sp_.held if u in users]
    lists: dict[int, list[int]] = {}
    for start in range(0, len(order), 128):
        chunk = order[start : start + 128]
        lists.update(top_lists(fitted(chunk), chunk, rated, uni))
    return evaluate(lists, sp_.held, len(uni.movies)), lists


# -- reelbot ----------------------------------------------------------------------------------


def triples(ratings: Sequence[Rating]) -> list[RatingTriple]:
    return [RatingTriple(str(r.user), r.movie, r.stars, r.at) for r in ratings]


@dataclass
class Member:
    """One user's training ratings as the bot reads a member's, and the moment they ask."""

    rated: dict[int, float]  # title id -> stars
    times: list[float]  # when each was made (Unix seconds)
    now: float  # the last of them


def members(ratings: Sequence[Rating]) -> dict[int, Member]:
    out: dict[int, Member] = {}
    for r in ratings:
        m = out.setdefault(r.user, Member({}, [], 0.0))
        m.rated[r.movie] = r.stars
        m.times.append(r.at)
        m.now = max(m.now, r.at)
    return out


def bot_snapshot(
    titles: list[TitleFacts], train: Sequence[Rating], weights: HybridWeights
) -> CatalogSnapshot:
    """The catalog snapshot the bot builds from its database (the ratings carry their times,
    as the bot's rating triples do)."""
    return CatalogSnapshot.build(0, titles, {}, triples(train), weights=weights)


def reelbot_lists(snapshot: CatalogSnapshot, sp_: Split) -> dict[int, list[int]]:
    """The product path: the bot's `personal_picks` per test user."""
    mine = members(sp_.train)
    return {
        u: [
            s.title_id
            for s in snapshot.personal_picks(
                mine[u].rated, K_RECALL, rated_at=mine[u].times, now=mine[u].now
            )
        ]
        for u in sp_.held
        if u in mine
    }


TUNED = (
    ("content", (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)),
    ("collab", (0.25, 0.5, 1.0, 2.0)),
    ("collab_half_at", (0.5, 1.0, 3.0, 10.0, 30.0)),
    ("popularity", (0.0, 0.1, 0.2, 0.4, 0.8)),
    ("quality", (0.0, 0.05, 0.1, 0.2, 0.4)),
    ("era", (0.0, 0.1, 0.2, 0.4, 0.8)),
    ("trend", (0.0, 0.15, 0.3, 0.6, 1.2)),
)


class Tuner:
    """Coordinate ascent on validation NDCG@10 over the blend weights, scoring with the
    product's own `user_parts` + `blend` on the inputs `personal_picks` gives them (the
    ratings, their times, the moment of asking), parts computed once per user."""

    def __init__(self, snapshot: CatalogSnapshot, sp_: Split) -> None:
        rec = self.rec = snapshot.model
        self.sp = sp_
        mine = members(sp_.train)
        self.users = [u for u in sp_.held if u in mine]
        self.parts = {}
        self.masks = {}
        for u in self.users:
            m = mine[u]
            parts = rec.user_parts(m.rated, rating_years(m.times))
            assert parts is not None
            self.parts[u] = parts
            mask = rec.released_after(m.now).copy()
            mask[[rec.row[t] for t in (*m.rated, *snapshot.seen_versions(m.rated))]] = True
            self.masks[u] = mask

    def ndcg(self, w: HybridWeights) -> float:
        discounts = 1.0 / np.log2(np.arange(2, 2 + K_NDCG))
        total = 0.0
        for u in self.users:
            s = self.rec.blend(self.parts[u], w)
            s[self.masks[u]] = -np.inf
            top = np.argpartition(-s, K_NDCG)[:K_NDCG]
            top = top[np.argsort(-s[top])]
            pos = self.sp.held[u]
            gains = np.array([int(self.rec.ids[j]) in pos for j in top], dtype=float)
            total += float((gains * discounts).sum() / discounts[: min(len(pos), K_NDCG)].sum())
        return total / len(self.sp.held)

    def tune(self, w: HybridWeights, rounds: int) -> tuple[HybridWeights, float]:
        best = self.ndcg(w)
        for _ in range(rounds):
            improved = False
            for name, grid in TUNED:
                for value in grid:
                    candidate = w.with_values(**{name: value})
                    score = self.ndcg(candidate)
                    if score > best + 1e-5:
                        w, best, improved = candidate, score, True
            if not improved:
                break
        return w, best


def tune_reelbot(
    titles: list[TitleFacts], valid: Split, quick: bool, ease_lambda: float
) -> tuple[HybridWeights, float]:
    content = ContentModel.build(titles)
    by_id, index = {t.id: t for t in titles}, TitleIndex(titles)
    best_w, best = load_weights(), -1.0
    base = best_w.with_values(ease_lambda=ease_lambda)
    collab_grid = [
        (disliked, side)
        for disliked in ((1.0,) if quick else (1.0, 0.5))
        for side in ((0.0, 30.0) if quick else (0.0, 10.0, 30.0, 100.0))
    ]
    for disliked, side in collab_grid:
        w0 = base.with_values(disliked_value=disliked, side_weight=side)
        # The bot's snapshot, with this content model reused (only the ratings part differs).
        rec = Recommender.build(titles, triples(valid.train), weights=w0, content=content)
        snapshot = CatalogSnapshot(0, by_id, {}, index, rec)
        for spread, trend_years in ((6.0, 1.0),) if quick else ((6.0, 1.0), (3.0, 0.5)):
            w = w0.with_values(era_years=spread, trend_years=trend_years)
            rec.weights = w
            tuner = Tuner(snapshot, valid)
            w, score = tuner.tune(w, rounds=1 if quick else 3)
            print(
                f"  reelbot valid: disliked={disliked} side={side} era_years={spread} "
                f"trend_years={trend_years} -> NDCG@10 {score:.4f}",
                flush=True,
            )
            if score > best:
                best_w, best = w, score
    return best_w, best


# -- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="small grids (smoke run)")
    parser.add_argument("--save-weights", action="store_true", help=f"write {WEIGHTS_FILE.name}")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated peer names")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="implicit")
    started = time.perf_counter()
    load = os.getloadavg()
    cpu = platform.processor() or platform.machine()
    print(f"# MovieLens bench: {cpu}, nproc {os.cpu_count()}")
    print(f"# load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"# command: {' '.join([Path(sys.executable).name, *sys.argv])}")

    ratings = load_ratings()
    test = split(ratings, args.seed)
    valid = split(test.train, args.seed + 1)
    held_pairs = {(u, m) for u, ms in test.held.items() for m in ms}
    valid_pairs = held_pairs | {(u, m) for u, ms in valid.held.items() for m in ms}
    titles_test = load_titles(held_pairs)
    titles_valid = load_titles(valid_pairs)
    uni = Universe(
        np.array([t.id for t in titles_test], dtype=np.int64),
        {t.id: i for i, t in enumerate(titles_test)},
    )
    rated_test: dict[int, set[int]] = defaultdict(set)
    for r in test.train:
        rated_test[r.user].add(r.movie)
    rated_valid: dict[int, set[int]] = defaultdict(set)
    for r in valid.train:
        rated_valid[r.user].add(r.movie)
    print(
        f"# {len(ratings):,} ratings, {len(uni.movies):,} movies; test users {len(test.held)}, "
        f"held-out positives {sum(map(len, test.held.values())):,}; validation users "
        f"{len(valid.held)}, held-out {sum(map(len, valid.held.values())):,}"
    )

    results: dict[str, tuple[Scores, str]] = {}
    names = [n for n in args.peers.split(",") if n]
    ease_lambda = 300.0
    for name in names:
        peer, grid = PEERS[name]
        grid = QUICK.get(name, grid) if args.quick else grid
        best_p, best_v = grid[0], -1.0
        t0 = time.perf_counter()
        if len(grid) > 1:
            for params in grid:
                v, _ = run_peer(peer, params, valid, uni, rated_valid)
                if v.ndcg > best_v:
                    best_p, best_v = params, v.ndcg
        scores, _ = run_peer(peer, best_p, test, uni, rated_test)
        if name == "EASE":
            ease_lambda = best_p["lambda"]
        label = ", ".join(f"{k}={v:g}" for k, v in best_p.items()) or "-"
        results[name] = (scores, label)
        print(
            f"  {name}: tuned {label} (valid NDCG@10 {best_v:.4f}) -> test NDCG@10 "
            f"{scores.ndcg:.4f} [{time.perf_counter() - t0:.0f} s]",
            flush=True,
        )

    t0 = time.perf_counter()
    weights, valid_score = tune_reelbot(titles_valid, valid, args.quick, ease_lambda)
    lists = reelbot_lists(bot_snapshot(titles_test, test.train, weights), test)
    results["reelbot"] = (evaluate(lists, test.held, len(uni.movies)), "tuned blend, see below")
    print(
        f"  reelbot: valid NDCG@10 {valid_score:.4f} -> test NDCG@10 "
        f"{results['reelbot'][0].ndcg:.4f} [{time.perf_counter() - t0:.0f} s]",
        flush=True,
    )

    print()
    print(f"{'model':<14} {'NDCG@10':>8} {'Recall@20':>10} {'HR@10':>7} {'coverage':>9}  tuned")
    for name, (s, label) in results.items():
        print(
            f"{name:<14} {s.ndcg:>8.4f} {s.recall:>10.4f} {s.hr:>7.4f} {s.coverage:>9.4f}  {label}"
        )
    peers = {n: r for n, r in results.items() if n != "reelbot"}
    if peers:
        best_name = max(peers, key=lambda n: peers[n][0].ndcg)
        best = peers[best_name][0].ndcg
        mine = results["reelbot"][0].ndcg
        goal = "MET" if mine - best >= 0.02 else "NOT MET"
        print(
            f"\nreelbot NDCG@10 {mine:.4f} vs best peer {best_name} {best:.4f}: "
            f"+{mine - best:.4f}, ratio {mine / best:.3f} (goal +0.02: {goal})"
        )
    print(f"\ntuned reelbot weights: {json.dumps(weights.__dict__, sort_keys=True)}")
    if args.save_weights:
        save_weights(weights)  # keeps the content block weights tune_similar.py saved
        print(f"saved to {WEIGHTS_FILE.relative_to(REPO)}")
    load = os.getloadavg()
    print(
        f"# load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
