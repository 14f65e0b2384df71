"""Tune how `Recommender.similar` blends content, co-ratings and franchise links, on MovieLens
co-rating neighbours from members the model never saw (never on the probe set).

SIGNAL (fixed)
- The catalog bench/similar.py builds (the real importer into a fresh SQLite file, no starter
  catalog: four streaming lists, both Korean drama lists, MovieLens with its ratings).
- The MovieLens raters are split in two by a fixed hash of their id: FIT raters' ratings build
  the model (as the bot would build it); HELD-OUT raters only define the truth.
- "Loved" = rated >= 4.0. For each film at least MIN_LOVERS held-out raters loved, its RELEVANT
  set is its TOP_NEIGHBOURS films by the cosine of the held-out lover sets (each sharing at
  least MIN_CO_LOVERS lovers). Films with fewer than MIN_RELEVANT such neighbours are left out.
- The films are split by a hash of their id into TUNE (weights chosen on it) and CHECK
  (reported only). Metric: NDCG@10 of `Recommender.similar(film, k=10)`, the call /recommend
  makes, with a version or season folded into a line counting for that line.

Coordinate ascent over a grid of the similar_* blend weights, a few rounds. `--save` writes
them into recommender/weights.json (everything else there is kept).

    ./run bench tune_similar_blend --db /tmp/similar.sqlite3      # reuses bench/similar's db
    ./run bench tune_similar_blend --db /tmp/similar.sqlite3 --save
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
import zlib
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from similar import import_catalog  # noqa: E402
from tune_similar import LIKE, neighbours_of_lovers  # noqa: E402

from recommender import Offer, RatingTriple, Recommender, TitleFacts  # noqa: E402
from recommender.weights import WEIGHTS_FILE, HybridWeights, load_weights  # noqa: E402

K = 10
MAX_QUERIES = 400  # per split, a fixed hash sample: enough to rank a few dozen weightings
ROUNDS = 3
MIN_GAIN = 0.002
# similar_popularity is left out: the signal judges films only, and only MovieLens films have
# rating counts, so a bigger popularity weight (0.5 gained +0.002 here) pushes rated films into
# the lists of series and documentaries the signal cannot see.
GRID: dict[str, tuple[float, ...]] = {
    "similar_collab": (0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
    "similar_collab_half_at": (1.0, 3.0, 10.0, 20.0, 50.0),
    "similar_content": (0.25, 0.5, 1.0, 2.0),
    "similar_franchise": (0.0, 2.0, 5.0, 10.0, 20.0),
    "similar_franchise_lines": (1, 2, 3, 5),
}


def held_out(user: str) -> bool:
    return zlib.crc32(user.encode()) % 2 == 1


def neighbours(ratings: list[RatingTriple]) -> dict[int, set[int]]:
    """Title id -> its co-rating neighbours among the held-out raters' loved titles."""
    lovers: dict[int, set[str]] = defaultdict(set)
    for r in ratings:
        if r.stars >= LIKE:
            lovers[r.title_id].add(r.user)
    return neighbours_of_lovers(lovers)


def ndcg(rec: Recommender, weights: HybridWeights, queries: list[tuple[int, set[int]]]) -> float:
    rec.weights = weights
    discounts = 1.0 / np.log2(np.arange(2, 2 + K))
    total = 0.0
    for title, relevant in queries:
        top = rec.similar(title, k=K)
        gains = [bool(relevant & {s.title_id, *s.versions}) for s in top]
        dcg = float(np.dot(gains, discounts[: len(gains)])) if gains else 0.0
        total += dcg / float(discounts[: min(len(relevant), K)].sum())
    return total / len(queries)


async def read(url: str) -> tuple[list[TitleFacts], dict[int, list[Offer]], list[RatingTriple]]:
    from db.session import Database

    db = Database.from_url(url)
    try:
        async with db.unit_of_work() as repos:
            titles = await repos.catalog.load_titles()
            offers = await repos.catalog.load_offers()
            ratings = await repos.ratings.triples()
    finally:
        await db.dispose()
    return titles, offers, ratings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file to reuse (imported if missing)")
    parser.add_argument("--save", action="store_true", help="write recommender/weights.json")
    args = parser.parse_args()
    started = time.perf_counter()
    load = os.getloadavg()
    print(f"# load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    with tempfile.TemporaryDirectory(prefix="reelbot-tune-similar-") as tmp:
        path = args.db or Path(tmp) / f"reelbot_tune_{uuid.uuid4().hex[:10]}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        if not path.exists():
            asyncio.run(import_catalog(url))
        titles, offers, ratings = asyncio.run(read(url))
    fit = [r for r in ratings if not held_out(r.user)]
    truth = neighbours([r for r in ratings if held_out(r.user)])
    start = load_weights()
    rec = Recommender.build(titles, fit, offers, start)
    split: dict[int, list[tuple[int, set[int]]]] = {0: [], 1: []}
    for t in sorted(truth, key=lambda t: zlib.crc32(f"q{t}".encode())):
        part = split[zlib.crc32(str(t).encode()) % 2]
        if len(part) < MAX_QUERIES:
            part.append((t, truth[t]))
    tune, check = split[0], split[1]
    print(
        f"# {len(titles):,} titles; {len(fit):,} fit ratings; held-out truth for "
        f"{len(truth):,} films; queries: tune {len(tune)}, check {len(check)}",
        flush=True,
    )
    w = start
    best = ndcg(rec, w, tune)
    print(f"  start (weights.json): tune NDCG@10 {best:.4f}", flush=True)
    for r in range(ROUNDS):
        improved = False
        for name, values in GRID.items():
            for value in values:
                cand = replace(w, **{name: type(getattr(w, name))(value)})
                if cand == w:
                    continue
                score = ndcg(rec, cand, tune)
                if score > best + MIN_GAIN:
                    w, best, improved = cand, score, True
            print(f"  round {r + 1} {name:<24} -> {getattr(w, name):g} ({best:.4f})", flush=True)
        if not improved:
            break
    no_lift = replace(w, similar_franchise=0.0)
    print(f"\n{'weights':<34} {'tune NDCG@10':>12} {'check NDCG@10':>13}")
    for label, cand in (
        ("weights.json before", start),
        ("tuned", w),
        ("tuned without the franchise lift", no_lift),
    ):
        print(f"{label:<34} {ndcg(rec, cand, tune):>12.4f} {ndcg(rec, cand, check):>13.4f}")
    tuned = {name: getattr(w, name) for name in GRID}
    print(f"\ntuned: {tuned}")
    if args.save:
        # Only the similar_* names: the personal blend is tuned by bench/movielens.py.
        data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
        data.update(tuned)
        WEIGHTS_FILE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", "utf-8")
        print("saved the similar_* weights to recommender/weights.json")
    load = os.getloadavg()
    print(
        f"# load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
