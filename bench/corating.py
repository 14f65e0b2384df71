"""The co-rating model: today's blocked EASE against the old 6,000-title capped EASE.

QUALITY (MovieLens ml-latest-small, two seeds)
- The split of bench/movielens.py (ratings >= 4 positives, 20% of each user's positives held
  out, seeded). Each model is fitted on the training ratings with the collaborative settings
  of recommender/weights.json (λ, the value of a rating below 4, content features inside the
  Gram matrix with the content model built from the same titles and held-out tags dropped),
  and ranks the titles it knows by the user's scores (history x B plus the residual), rated
  titles removed. NDCG@10, Recall@20, HR@10 as in bench/movielens.py; "titles" is how many
  titles get a co-rating signal.
- The old model is main's recommender/collab.py (the capped EASE), loaded from git in the same
  run (`--old-rev`), so old and new see the same split.

FIT COST (each fit in a fresh child process; median of --runs, load average printed)
- imported: the MovieLens ratings (100,836 ratings; the imported catalog's ratings).
- large: a synthetic 1,000,000 ratings over 130,000 titles (the issue's 4x titles, 10x
  ratings). The generator: 200 taste groups, each title in one; title popularity is a power law
  (Zipf, exponent 1.0, over a random order of titles), member activity a power law too
  (Pareto, at least 5 ratings, at most 3,000); each member has 3 favourite groups and draws 70%
  of their titles from them and 30% from everyone's, both by popularity; stars are 3.5-5 in
  a favourite group and 0.5-4 elsewhere. Duplicate (member, title) pairs are dropped, so a
  little under 1M ratings remain. Seeded, so every run fits the same data.
- Reported: wall seconds of `CollabModel.build` alone (no content features: the large
  catalog has no text) and the child's peak RSS (ru_maxrss, which includes the ratings).

    .venv/bin/python bench/corating.py                  # quality + fit cost, about 10 minutes
    .venv/bin/python bench/corating.py --skip-quality   # fit cost only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import movielens as ml  # noqa: E402
from old_code import module_at  # noqa: E402

from recommender import RatingTriple, load_weights  # noqa: E402
from recommender import collab as new_collab  # noqa: E402
from recommender.content import ContentModel  # noqa: E402

LARGE_TITLES, LARGE_RATINGS = 130_000, 1_000_000


def old_collab(rev: str) -> ModuleType:
    """recommender/collab.py as it was at `rev`, importable beside today's."""
    return module_at(rev, "recommender/collab.py", "old_collab")


def synthetic_ratings(
    n_titles: int = LARGE_TITLES, n_ratings: int = LARGE_RATINGS, seed: int = 11
) -> list[RatingTriple]:
    """The large synthetic ratings described in the module docstring (vectorised: a few
    seconds for 1M ratings)."""
    rng = np.random.default_rng(seed)
    groups = 200
    group_of = rng.integers(0, groups, n_titles)
    weight = 1.0 / (rng.permutation(n_titles) + 1.0)  # Zipf 1.0 over a random title order
    sizes = np.minimum(3000, (5 * (1 + rng.pareto(1.2, n_ratings // 5))).astype(np.int64))
    drawn = int(n_ratings * 1.4)  # duplicates are dropped below, then cut to n_ratings
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), drawn)) + 1]
    user = np.repeat(np.arange(len(sizes)), sizes)
    favourites = np.argsort(rng.random((len(sizes), groups)), axis=1)[:, :3]
    title = np.empty(len(user), dtype=np.int64)
    from_favourite = rng.random(len(user)) < 0.7
    group = favourites[user, rng.integers(0, 3, len(user))]
    for g in range(groups):
        members = np.flatnonzero(group_of == g)
        slots = np.flatnonzero(from_favourite & (group == g))
        cdf = np.cumsum(weight[members]) / weight[members].sum()
        title[slots] = members[
            np.minimum(np.searchsorted(cdf, rng.random(len(slots))), len(members) - 1)
        ]
    others = np.flatnonzero(~from_favourite)
    cdf = np.cumsum(weight) / weight.sum()
    title[others] = np.minimum(np.searchsorted(cdf, rng.random(len(others))), n_titles - 1)
    pairs = np.unique(user * n_titles + title)
    pairs = np.sort(rng.choice(pairs, min(n_ratings, len(pairs)), replace=False))
    user, title = pairs // n_titles, pairs % n_titles
    liked = (favourites[user] == group_of[title][:, None]).any(axis=1)
    stars = np.where(liked, rng.uniform(3.5, 5.0, len(user)), rng.uniform(0.5, 4.0, len(user)))
    stars = np.round(stars * 2) / 2
    return [
        RatingTriple(f"s{u}", int(t), float(v), None)
        for u, t, v in zip(user.tolist(), title.tolist(), stars.tolist(), strict=True)
    ]


def imported_ratings() -> list[RatingTriple]:
    return ml.triples(ml.load_ratings())


def fit_child(which: str, size: str, rev: str) -> dict[str, Any]:
    """One fit in this process (run as a child): seconds and peak RSS."""
    module = old_collab(rev) if which == "old" else new_collab
    triples = synthetic_ratings() if size == "large" else imported_ratings()
    settings = module.CollabSettings(**_collab_values(module, side=False))
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    model = module.CollabModel.build(triples, settings)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "peak_mb": peak_mb,
        "base_mb": base_mb,
        "titles": len(model),
        "rated_titles": len({r.title_id for r in triples}),
        "ratings": len(triples),
        "weights_nnz": int(model.weights.nnz),
    }


def _collab_values(module: ModuleType, side: bool) -> dict[str, Any]:
    """The tuned collaborative settings of weights.json that `module`'s settings know."""
    values = load_weights().collab_settings().__dict__
    known = set(module.CollabSettings.__dataclass_fields__)
    chosen = {k: v for k, v in values.items() if k in known}
    if not side:
        chosen["side_weight"] = 0.0
    return chosen


def measure_fits(rev: str, runs: int) -> None:
    print(f"\n## fit cost: median of {runs} fresh processes")
    print(
        f"{'size':<9} {'model':<5} {'ratings':>9} {'titles':>8} {'covered':>8} {'fit s':>7} "
        f"{'runs s':<22} {'peak RSS MB':>11}  load"
    )
    for size in ("imported", "large"):
        for which in ("old", "new"):
            results = []
            for _ in range(runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", which, "--size", size, "--old-rev", rev],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                results.append(json.loads(out.strip().splitlines()[-1]))
            secs = [r["seconds"] for r in results]
            peak = statistics.median(r["peak_mb"] for r in results)
            r0 = results[0]
            load = " ".join(f"{v:.2f}" for v in os.getloadavg())
            print(
                f"{size:<9} {which:<5} {r0['ratings']:>9,} {r0['rated_titles']:>8,} "
                f"{r0['titles']:>8,} {statistics.median(secs):>7.1f} "
                f"{'/'.join(f'{s:.1f}' for s in secs):<22} {peak:>11.0f}  {load}",
                flush=True,
            )


def _ranked_lists(model: Any, split: ml.Split) -> dict[int, Sequence[int]]:
    mine = ml.members(split.train)
    lists: dict[int, Sequence[int]] = {}
    for user in split.held:
        if user not in mine:
            continue
        scores, _ = model.user_scores(mine[user].rated)
        scores = scores.astype(np.float64)
        seen = [model.col[t] for t in mine[user].rated if t in model.col]
        scores[seen] = -np.inf
        top = np.argsort(-scores, kind="stable")[: ml.K_RECALL]
        lists[user] = [int(model.item_ids[j]) for j in top if np.isfinite(scores[j])]
    return lists


def measure_quality(rev: str, seeds: list[int]) -> None:
    print("\n## co-rating model alone on MovieLens (weights.json settings, content side info)")
    print(
        f"{'seed':>5} {'model':<5} {'titles':>7} {'NDCG@10':>8} {'Recall@20':>10} {'HR@10':>7} "
        f"{'fit s':>6}"
    )
    old = old_collab(rev)
    ratings = ml.load_ratings()
    for seed in seeds:
        split = ml.split(ratings, seed)
        titles = ml.load_titles({(u, m) for u, ms in split.held.items() for m in ms})
        content = ContentModel.build(titles)

        def side(item_ids: np.ndarray, content: ContentModel = content) -> Any:
            return content.matrix[[content.row[int(t)] for t in item_ids]]

        train = ml.triples(split.train)
        for name, module in (("old", old), ("new", new_collab)):
            settings = module.CollabSettings(**_collab_values(module, side=True))
            start = time.perf_counter()
            model = module.CollabModel.build(train, settings, side)
            seconds = time.perf_counter() - start
            s = ml.evaluate(_ranked_lists(model, split), split.held, len(titles))
            print(
                f"{seed:>5} {name:<5} {len(model):>7,} {s.ndcg:>8.4f} {s.recall:>10.4f} "
                f"{s.hr:>7.4f} {seconds:>6.1f}",
                flush=True,
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--old-rev", default="main", help="git revision of the old collab.py")
    parser.add_argument("--seeds", default="42,7")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-fits", action="store_true")
    parser.add_argument("--child", choices=("old", "new"), help=argparse.SUPPRESS)
    parser.add_argument("--size", choices=("imported", "large"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(fit_child(args.child, args.size, args.old_rev)))
        return 0
    load = os.getloadavg()
    print(
        f"# co-rating bench: nproc {os.cpu_count()}, load at start "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; old = {args.old_rev}:recommender/collab.py"
    )
    if not args.skip_quality:
        measure_quality(args.old_rev, [int(s) for s in args.seeds.split(",")])
    if not args.skip_fits:
        measure_fits(args.old_rev, args.runs)
    load = os.getloadavg()
    print(f"# load at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
