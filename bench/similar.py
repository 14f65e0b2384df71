"""Similar-title quality on an imported catalog, through the path `/recommend <title>` runs.

CATALOG: a fresh SQLite database (a unique file in a temp dir), migrated but WITHOUT the
starter catalog, filled by the real importer (`db.imports.importer.import_file`) from
../shared/data: the four streaming lists, both Korean drama lists, MovieLens (its films and
its 100,836 ratings) and TMDB 5000 (overviews, keywords, genres, countries). The snapshot is
built the way the bot builds it (`bot.core.catalog`): once as the bot has it (with the
ratings) and once from the same titles without the ratings.

PROBES: bench/similar_probes.json, written before looking at any result: each probe title with
the titles its fans expect among "more like this". An expected name may end in " (YYYY)" to
pin a version. For every probe the script asks `model.similar(probe, k=10)` (what /recommend
asks) and counts an expected title found when the suggested title or a version folded into its
line carries that name (or alias):
- hit: at least one expected title is in the top 10;
- P@10: expected titles found in the top 10 / 10;
- recall: expected titles found / expected titles that are in the catalog.
Expected titles missing from the catalog are listed with --missing. Nothing is tuned on these.

    ./run bench similar                      # import (~2 min) + both tables
    ./run bench similar --show 10            # also every probe's top 10
    ./run bench similar --db /tmp/x.sqlite3  # reuse (or create once) an imported database
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from shared_files import EVERYTHING  # noqa: E402  (bench/, beside this script)

from bot.core.catalog import CatalogCache, CatalogSnapshot  # noqa: E402
from bot.core.text import normalise_title  # noqa: E402
from recommender import TitleFacts  # noqa: E402

# ../shared/data beside a clone, or two levels up from a worktree (/work/wt/<name>).
DATA = Path(
    os.environ.get("REELBOT_SHARED_DATA")
    or next(
        (
            p
            for p in (REPO.parent / "shared/data", REPO.parent.parent / "shared/data")
            if p.is_dir()
        ),
        REPO.parent / "shared/data",
    )
)
PROBES_FILE = Path(__file__).with_name("similar_probes.json")
SOURCES = EVERYTHING
K = 10
_PINNED = re.compile(r"^(?P<name>.*) \((?P<year>\d{4})\)$")


@dataclass(frozen=True)
class Probe:
    category: str
    title: str
    year: int
    expected: tuple[str, ...]


def load_probes() -> list[Probe]:
    rows = json.loads(PROBES_FILE.read_text(encoding="utf-8"))
    return [Probe(r["category"], r["title"], r["year"], tuple(r["expected"])) for r in rows]


async def import_catalog(url: str) -> None:
    from db import migrate
    from db.imports.importer import ImportOptions, import_file
    from db.session import Database

    db = Database.from_url(url)
    try:
        await migrate.upgrade(db.engine)
        for name in SOURCES:
            started = time.perf_counter()
            summary = await import_file(db, DATA / name, ImportOptions())
            print(
                f"# imported {name}: {summary.added:,} added, {summary.merged:,} merged, "
                f"{summary.ratings:,} ratings in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    finally:
        await db.dispose()


async def snapshots(url: str) -> tuple[CatalogSnapshot, CatalogSnapshot]:
    """(with ratings, without): the first exactly as the bot's CatalogCache makes it."""
    from db.session import Database

    db = Database.from_url(url)
    try:
        with_ratings = await CatalogCache(db).get()
    finally:
        await db.dispose()
    titles = list(with_ratings.titles.values())
    without = CatalogSnapshot.build(with_ratings.revision, titles, with_ratings.offers)
    return with_ratings, without


class Names:
    """Catalog titles by normalised name and alias."""

    def __init__(self, titles: Sequence[TitleFacts]) -> None:
        self.by_name: dict[str, set[int]] = {}
        self.titles = {t.id: t for t in titles}
        for t in titles:
            for name in {t.name, t.original_name, *t.aliases}:
                if name:
                    self.by_name.setdefault(normalise_title(name), set()).add(t.id)

    def ids(self, expected: str) -> set[int]:
        year = None
        if match := _PINNED.match(expected):
            expected, year = match.group("name"), int(match.group("year"))
        found = self.by_name.get(normalise_title(expected), set())
        return {t for t in found if year is None or self.titles[t].year == year}

    def probe(self, p: Probe) -> TitleFacts | None:
        found = [self.titles[t] for t in self.ids(p.title) if self.titles[t].year == p.year]
        found.sort(
            key=lambda t: (
                t.kind != "series" if "series" in p.category or "drama" in p.category else 0,
                t.id,
            )
        )
        return found[0] if found else None


@dataclass(frozen=True)
class Result:
    index: int  # the probe's position in the probe file (the split halves go by it)
    probe: Probe
    label: str
    found: tuple[str, ...]
    available: int
    missing: tuple[str, ...]
    top: tuple[str, ...]

    @property
    def hit(self) -> bool:
        return bool(self.found)


def run_probes(snap: CatalogSnapshot, names: Names, probes: Sequence[Probe]) -> list[Result]:
    results = []
    for index, p in enumerate(probes):
        probe = names.probe(p)
        if probe is None:
            print(f"! probe {p.title} ({p.year}) is not in the catalog")
            continue
        wanted = {e: names.ids(e) - {probe.id} for e in p.expected}
        available = {e: ids for e, ids in wanted.items() if ids}
        top = snap.model.similar(probe.id, k=K)
        found = []
        for e, ids in available.items():
            if any(s.title_id in ids or ids.intersection(s.versions) for s in top):
                found.append(e)
        shown = []
        for s in top:
            t = snap.titles[s.title_id]
            hit = any(s.title_id in ids or ids.intersection(s.versions) for ids in wanted.values())
            also = f" +{len(s.versions)}" if s.versions else ""
            shown.append(f"{'*' if hit else ' '} {t.label}{also} [{t.kind}] {s.score:.2f}")
        missing = tuple(e for e in p.expected if e not in available)
        results.append(
            Result(index, p, probe.label, tuple(found), len(available), missing, tuple(shown))
        )
    return results


def summarise(results: Sequence[Result]) -> dict[str, tuple[int, float, float, float]]:
    """category -> (probes, hit rate, P@10, recall), plus "all"."""
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(r.probe.category, []).append(r)
    groups["all"] = list(results)
    out = {}
    for name, rs in groups.items():
        out[name] = (
            len(rs),
            sum(r.hit for r in rs) / len(rs),
            sum(len(r.found) for r in rs) / (K * len(rs)),
            sum(len(r.found) / max(r.available, 1) for r in rs) / len(rs),
        )
    return out


def print_table(tables: dict[str, dict[str, tuple[int, float, float, float]]]) -> None:
    print(f"{'category':<16} {'n':>3}  {'with ratings':^20}  {'without ratings':^20}")
    print(f"{'':<16} {'':>3}  {'hit':>6} {'P@10':>6} {'rec':>6}  {'hit':>6} {'P@10':>6} {'rec':>6}")
    for category in tables["with ratings"]:
        n, *a = tables["with ratings"][category]
        _, *b = tables["without ratings"][category]
        cells = "  ".join(" ".join(f"{v:6.2f}" for v in part) for part in (a, b))
        print(f"{category:<16} {n:>3}  {cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print each probe's top N")
    parser.add_argument("--db", type=Path, help="SQLite file to reuse (imported if missing)")
    parser.add_argument("--missing", action="store_true", help="list expected titles not found")
    parser.add_argument(
        "--split",
        action="store_true",
        help="also a table for the even-indexed probes (tuning) and the odd ones (held out)",
    )
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"# load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    probes = load_probes()
    with tempfile.TemporaryDirectory(prefix="reelbot-similar-") as tmp:
        path = args.db or Path(tmp) / f"reelbot_similar_{uuid.uuid4().hex[:10]}.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        started = time.perf_counter()
        if not path.exists():
            asyncio.run(import_catalog(url))
        imported = time.perf_counter()
        with_ratings, without = asyncio.run(snapshots(url))
        built = time.perf_counter()
    titles = list(with_ratings.titles.values())
    print(
        f"# {len(titles):,} titles, {len(with_ratings.model.histories):,} raters; import "
        f"{imported - started:.0f} s, both snapshots {built - imported:.0f} s; {len(probes)} probes"
    )
    names = Names(titles)
    results: dict[str, list[Result]] = {}
    for label, snap in (("with ratings", with_ratings), ("without ratings", without)):
        results[label] = run_probes(snap, names, probes)
        if args.show or args.missing:
            print(f"\n## {label}")
        for r in results[label]:
            if args.show:
                print(f"\n{r.label} [{r.probe.category}]: {len(r.found)}/{r.available}")
                for line in r.top[: args.show]:
                    print(f"  {line}")
            if args.missing and r.missing:
                print(f"  {r.label}: not in the catalog: {', '.join(r.missing)}")
    halves = {"all probes": None}
    if args.split:
        halves |= {"tuning half (even-indexed probes)": 0, "held-out half (odd-indexed)": 1}
    for heading, parity in halves.items():
        wanted = {i for i in range(len(probes)) if parity is None or i % 2 == parity}
        print(f"\n## {heading}")
        print_table(
            {
                label: summarise([r for r in rs if r.index in wanted])
                for label, rs in results.items()
            }
        )
    load = os.getloadavg()
    print(f"# load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
