"""Recommender speed and memory on the ~25,000-title catalog with MovieLens 100k ratings loaded.

- Catalog: catalog25k.py (4 streaming lists + 2 Korean drama lists, ~24k titles).
- Ratings: all 100,836 MovieLens (ml-latest-small) ratings, 610 users. A MovieLens movie maps to
  the catalog title with the same normalised name and year; the others (most of them: the
  streaming lists of 2021 hold few of those films) are spread over catalog titles by a fixed hash
  of the movie id, so the load is the full 100k ratings either way.
- Index build: `CatalogSnapshot.build` (search index + content model + EASE), as the bot does.
- Cached start-up: a fresh Python process that imports reelbot and loads the pickled snapshot.
- similar: `Recommender.similar(title, k=10)` for random titles, reasons included.
- personal: `Recommender.recommend(user, k=10)` for random MovieLens users, reasons included.
  A member's ranked candidates are cached after their first query (and made at build time for
  members with 100+ ratings), so "personal 1st" also reports the first query of each member.
- brute force: the same content vectors scanned with plain numpy (every stored value
  multiplied and summed per title, then a full argsort), for the same queries.
Goals: similar p99 <= 2 ms, personal p99 <= 10 ms, build <= 30 s, cached start-up <= 2 s,
peak RSS <= 500 MB.

    ./run bench speed                  # about 2 minutes
    ./run bench speed --queries 500    # fewer timed queries
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from catalog25k import DATA, load_catalog  # noqa: E402

from bot.core.catalog import CatalogSnapshot, SnapshotStore  # noqa: E402
from bot.core.text import normalise_title  # noqa: E402
from db.imports.formats.movielens import split_title  # noqa: E402
from recommender import RatingTriple, TitleFacts  # noqa: E402

GOALS = {"similar p99 ms": 2.0, "personal p99 ms": 10.0, "build s": 30.0, "startup s": 2.0}


def movielens_on_catalog(titles: list[TitleFacts]) -> tuple[list[RatingTriple], int]:
    by_key = {(normalise_title(t.name), t.year): t.id for t in titles if t.kind == "film"}
    ids = [t.id for t in titles]
    target: dict[int, int] = {}
    matched = 0
    with (DATA / "movielens-latest-small" / "movies.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name, year, _aliases = split_title(r["title"])
            mid = int(r["movieId"])
            found = by_key.get((normalise_title(name), year))
            matched += found is not None
            target[mid] = (
                found if found is not None else ids[zlib.crc32(r["movieId"].encode()) % len(ids)]
            )
    triples = []
    with (DATA / "movielens-latest-small" / "ratings.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            triples.append(
                RatingTriple(
                    f"ml{r['userId']}",
                    target[int(r["movieId"])],
                    float(r["rating"]),
                    float(r["timestamp"]),
                )
            )
    return triples, matched


def percentiles(samples: list[float]) -> tuple[float, float]:
    a = np.array(samples) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def brute_force(
    matrix_data: tuple[np.ndarray, np.ndarray, np.ndarray], q: np.ndarray, k: int
) -> np.ndarray:
    data, indices, indptr = matrix_data
    products = data * q[indices]
    scores = np.add.reduceat(products, indptr[:-1]) if len(products) else products
    scores[np.diff(indptr) == 0] = 0.0  # reduceat repeats a value for empty rows
    return np.argsort(-scores, kind="stable")[:k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"# nproc {os.cpu_count()}, load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    titles, offers = load_catalog()
    triples, matched = movielens_on_catalog(titles)
    print(
        f"# {len(titles):,} titles, {len(triples):,} ratings "
        f"({matched:,} MovieLens movies matched by name and year)"
    )

    t0 = time.perf_counter()
    snap = CatalogSnapshot.build(1, titles, offers, triples, (len(triples), "bench"))
    build_s = time.perf_counter() - t0
    rec = snap.model

    with tempfile.TemporaryDirectory() as tmp:
        store = SnapshotStore(Path(tmp), "bench://speed")
        t0 = time.perf_counter()
        store.save(snap)
        save_s = time.perf_counter() - t0
        size_mb = store.path(1).stat().st_size / 1e6
        code = (
            f"import sys,time;t=time.perf_counter();sys.path.insert(0,{str(REPO)!r});"
            "from pathlib import Path;from bot.core.catalog import SnapshotStore;"
            f"s=SnapshotStore(Path({tmp!r}),'bench://speed').load(1);assert s is not None;"
            "print(time.perf_counter()-t)"
        )
        startups = []
        for _ in range(3):
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            startups.append(float(out.stdout.strip()))
        startup_s = float(np.median(startups))

    rng = random.Random(args.seed)
    title_ids = [t.id for t in titles]
    probes = [rng.choice(title_ids) for _ in range(args.queries)]
    users = sorted(rec.histories)
    people = [rng.choice(users) for _ in range(min(args.queries, 1000))]
    for tid in probes[:50]:
        rec.similar(tid, k=10)  # warm-up

    sim_t = []
    for tid in probes:
        t0 = time.perf_counter()
        rec.similar(tid, k=10)
        sim_t.append(time.perf_counter() - t0)
    per_t, first_t, asked = [], [], set()
    for user in people:
        t0 = time.perf_counter()
        rec.recommend(user, k=10)
        per_t.append(time.perf_counter() - t0)
        if user not in asked:  # no list cached yet, unless made at build (long histories)
            first_t.append(per_t[-1])
            asked.add(user)

    m = rec.content.matrix
    csr = (m.data.astype(np.float32), m.indices, m.indptr)
    bf_sim = []
    for tid in probes[: min(len(probes), 500)]:
        q = np.zeros(m.shape[1], dtype=np.float32)
        row = m[rec.row[tid]]
        q[row.indices] = row.data
        t0 = time.perf_counter()
        brute_force(csr, q, 10)
        bf_sim.append(time.perf_counter() - t0)
    bf_per = []
    for user in people[: min(len(people), 300)]:
        history = rec.histories[user]
        t0 = time.perf_counter()
        rows = [rec.row[t] for t in history]
        weights = np.array([s - 3.0 for s in history.values()], dtype=np.float32)
        q = np.asarray(m[rows].T @ weights).ravel().astype(np.float32)
        brute_force(csr, q, 10)
        bf_per.append(time.perf_counter() - t0)

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s50, s99 = percentiles(sim_t)
    p50, p99 = percentiles(per_t)
    f50, f99 = percentiles(first_t)
    b50, b99 = percentiles(bf_sim)
    q50, q99 = percentiles(bf_per)
    rows_out = [
        ("similar p50 ms", s50, f"brute-force numpy scan p50 {b50:.2f}", None),
        ("similar p99 ms", s99, f"brute-force numpy scan p99 {b99:.2f}", GOALS["similar p99 ms"]),
        ("personal p50 ms", p50, f"brute-force numpy scan p50 {q50:.2f}", None),
        ("personal p99 ms", p99, f"brute-force numpy scan p99 {q99:.2f}", GOALS["personal p99 ms"]),
        ("personal 1st p99", f99, f"first query of each of {len(first_t)} members, p50 "
         f"{f50:.2f}", None),
        ("build s", build_s, "CatalogSnapshot.build: index + content + EASE", GOALS["build s"]),
        ("startup s", startup_s, f"fresh process, median of 3; cache {size_mb:.0f} MB, "
         f"written in {save_s:.1f} s", GOALS["startup s"]),
        ("peak RSS MB", rss_mb, "this process, everything above loaded", 500.0),
    ]  # fmt: skip
    print(f"\n{'measure':<16} {'value':>9} {'goal':>7} status  notes")
    for name, value, note, goal in rows_out:
        status = "" if goal is None else ("ok" if value <= goal else "MISSED")
        goal_text = "" if goal is None else f"{goal:g}"
        print(f"{name:<16} {value:>9.2f} {goal_text:>7} {status:<6}  {note}")
    print(
        f"\n# {len(sim_t)} similar and {len(per_t)} personal queries; collaborative model over "
        f"{len(rec.collab) if rec.collab else 0:,} titles; content vectors "
        f"{m.shape[0]:,} x {m.shape[1]:,} ({m.nnz:,} stored values)"
    )
    load = os.getloadavg()
    print(f"# load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
