"""Fuzzy title search at scale: the linear scan of main against the trigram index, one run.

- Catalog: every shared data file imported by the real importer into a SQLite file (~33k
  titles with aliases; `--db` reuses one), then 4x by synthetic growth: each real title gets
  three made-up siblings whose names join the first half of its words with the second half of
  another title's (seeded), so the new names use the catalog's own words and spellings.
- Queries: real names with one or two typos in a word of 5+ letters, names with a word left
  out, and autocomplete prefixes, the same queries for both indexes.
- Old: bot/core/title_index.py of `--old` (default main) loaded from `git show`.
- Prints p50/p99 ms of `TitleIndex.search(query, limit=10)`, medians of 3 runs, the load
  average, and how often the new top 3 equals the old top 3. Goal: p99 <= 30 ms at 4x.

    ./run bench search                       # import (~30 s) + both sizes
    ./run bench search --db /tmp/x.sqlite3   # reuse (or create once) an imported database
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from old_code import module_at  # noqa: E402

from bot.core.title_index import TitleIndex  # noqa: E402
from recommender import TitleFacts  # noqa: E402

QUERIES = 400
RUNS = 3


async def load_titles(path: Path) -> list[TitleFacts]:
    from similar import import_catalog

    from db.session import Database

    url = f"sqlite+aiosqlite:///{path}"
    if not await asyncio.to_thread(path.exists):
        await import_catalog(url)
    db = Database.from_url(url)
    try:
        async with db.unit_of_work() as repos:
            return await repos.catalog.load_titles()
    finally:
        await db.dispose()


def grow(titles: list[TitleFacts], factor: int, seed: int = 7) -> list[TitleFacts]:
    rng = random.Random(seed)
    out = list(titles)
    next_id = max(t.id for t in titles) + 1
    for _ in range(factor - 1):
        for t in titles:
            other = rng.choice(titles)
            head, tail = t.name.split(), other.name.split()
            name = " ".join(head[: max(1, len(head) // 2)] + tail[len(tail) // 2 :])
            year = rng.randint(1950, 2026)
            out.append(TitleFacts(id=next_id, name=name, year=year, kind=t.kind))
            next_id += 1
    return out


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    match rng.randrange(3):
        case 0:
            return word[:i] + word[i + 1 :]
        case 1:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        case _:
            return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]


def queries(titles: list[TitleFacts], n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        words = rng.choice(titles).name.split()
        long = [i for i, w in enumerate(words) if len(w) >= 5]
        kind = len(out) % 4
        if kind in (0, 1) and long:
            for i in rng.sample(long, min(len(long), kind + 1)):
                words[i] = typo(words[i], rng)
            out.append(" ".join(words))
        elif kind == 2 and len(words) >= 3:
            del words[rng.randrange(len(words))]
            out.append(" ".join(words))
        elif kind == 3:
            name = " ".join(words)
            out.append(name[: rng.randint(3, max(3, len(name)))])
    return out


def old_index_class(revision: str) -> Any:
    return module_at(revision, "bot/core/title_index.py", "old_title_index").TitleIndex


def timed(index: Any, texts: list[str]) -> tuple[float, float, list[list[int]]]:
    times, tops = [], []
    for text in texts:
        started = time.perf_counter()
        found = index.search(text, limit=10)
        times.append((time.perf_counter() - started) * 1000)
        tops.append([m.title_id for m in found[:3]])
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)], tops


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file to reuse (imported if missing)")
    parser.add_argument("--old", default="main", help="git revision of the linear scan")
    parser.add_argument("--queries", type=int, default=QUERIES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelbot-search-") as tmp:
        path = args.db or Path(tmp) / "catalog.sqlite3"
        imported = asyncio.run(load_titles(path))
    old_class = old_index_class(args.old)
    print(f"# old: bot/core/title_index.py at {args.old}; new: this tree")
    header = f"{'size':>8} {'index':>6} {'build s':>8} {'p50 ms':>7} {'p99 ms':>7}"
    print(f"{header} {'top3 same':>9}  load")
    for titles in (imported, grow(imported, 4)):
        texts = queries(imported, args.queries)
        rows: dict[str, list[tuple[float, float, float]]] = {"old": [], "new": []}
        tops: dict[str, list[list[int]]] = {}
        for _ in range(RUNS):
            for label, cls in (("old", old_class), ("new", TitleIndex)):
                started = time.perf_counter()
                index = cls(titles)
                built = time.perf_counter() - started
                p50, p99, tops[label] = timed(index, texts)
                rows[label].append((built, p50, p99))
                del index
        same = sum(a == b for a, b in zip(tops["old"], tops["new"], strict=True)) / len(texts)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        for label, runs in rows.items():
            built, p50, p99 = (statistics.median(r[i] for r in runs) for i in range(3))
            agree = f"{same:9.1%}" if label == "new" else f"{'':9}"
            print(
                f"{len(titles):>8,} {label:>6} {built:8.1f} {p50:7.1f} {p99:7.1f} {agree}  {load}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
