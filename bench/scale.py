"""Latency under traffic and catalog changes, memory and refit time, at two catalog sizes.

SIZES
- imported: every file of ../shared/data through the real importer (`import_file`, as
  bench/similar.py imports them: the streaming lists, both Korean drama lists, MovieLens with
  its 100,836 ratings, TMDB 5000) into a unique SQLite file, once per invocation.
- large: a synthetic catalog of 130,000 titles and about 1,000,000 ratings (the ratings of
  bench/corating.py `synthetic_ratings`: 200 taste groups, power-law (Zipf 1.0) title
  popularity, power-law member activity), written straight into a unique SQLite file. Titles
  are films and series named from word lists ("Silent Harbor of the North", sequels "... II"),
  with years, a country and its language, and two or three of 20 genres drawn at random; no
  offers. Seeded: every run sees the same catalog.

WHAT IS MEASURED (each run is a fresh child process on that database, with an empty data
directory, so nothing is cached on disk; all through the bot's own path: `open_app`, the
Dispatcher's `handle` and the CatalogCache's public API (get, wait_for_refresh))
- refit s: the first `CatalogCache.get()`: reading the catalog and ratings and building the
  snapshot (search index, content and co-rating models) from nothing.
- idle p99: `/recommend <title>` one after another, nothing else happening; titles are the
  300 most rated and 300 at random, chosen once from the database (the same for every
  revision), each checked once to resolve to itself.
- streaming max / p99: the same calls while changes stream in: a member's rating every 100 ms
  (`/review`), an admin edit every 10 s (`/admin title alias`), for --stream-seconds.
- visible s: during the stream, a member rates their own top pick; the time until their next
  `/recommend` no longer offers it (their picks reflect the rating). Max over the stream.
- personal p99: `/recommend` with no title by members with 15 ratings each.
- similar p99: `snapshot.model.similar(title, k=10)`, what `/recommend <title>` asks, right
  after a ratings refit replaced the snapshot, on the titles above (the most rated ones first);
  "other titles": the same on up to 300 of the random others that are not among those, each
  asked once, so each is scored then (the model makes the most rated titles' lists at build).
- typo p99: `/search` with two letters of a title swapped.
- RSS MB: the child's peak resident memory (ru_maxrss).
Printed: each run's numbers with the load average, then medians of the runs and the goals of
issue 12. `--old REV` runs the same children on REV's code (`git archive` into a temp dir) on a
copy of the database stamped at the newest migration both trees share (REV's own later ones run
as it starts), in the same invocation.

    .venv/bin/python bench/scale.py                          # imported, 3 runs (~10 min)
    .venv/bin/python bench/scale.py --size both --old main   # and large, and main's code
    .venv/bin/python bench/scale.py --db /tmp/imported.sqlite3   # make once, then reuse
    .venv/bin/python bench/scale.py --size large --db /tmp/large.sqlite3 --old main --only-old
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent

# goal: (metric, size or None for both, limit, how the limit reads)
GOALS: dict[str, str] = {
    "refit_s": "≤ 60 s (large)",
    "idle_p99_ms": "",
    "stream_max_ms": "≤ 250 ms",
    "stream_p99_ms": "≤ 3× idle p99",
    "visible_s": "≤ 1 s",
    "personal_p99_ms": "≤ 20 ms",
    "similar_p99_ms": "≤ 2 ms",
    "similar_rest_p99_ms": "≤ 2 ms",
    "typo_p99_ms": "≤ 30 ms",
    "rss_mb": "≤ 600 MB imported, ≤ 1.5 GB large",
}
LABELS = {
    "refit_s": "full refit (s)",
    "idle_p99_ms": "idle /recommend <title> p99 (ms)",
    "stream_max_ms": "streaming /recommend <title> max (ms)",
    "stream_p99_ms": "streaming /recommend <title> p99 (ms)",
    "visible_s": "rating visible in picks, max (s)",
    "personal_p99_ms": "personal /recommend p99 (ms)",
    "similar_p99_ms": "similar p99 (ms)",
    "similar_rest_p99_ms": "similar p99, other titles (ms)",
    "typo_p99_ms": "typo /search p99 (ms)",
    "rss_mb": "peak RSS (MB)",
}


def meets(metric: str, size: str, value: float, row: dict[str, float]) -> bool | None:
    if metric == "refit_s":
        return value <= 60 if size == "large" else None
    if metric == "stream_max_ms":
        return value <= 250
    if metric == "stream_p99_ms":
        return value <= 3 * row["idle_p99_ms"]
    if metric == "visible_s":
        return value <= 1
    if metric == "personal_p99_ms":
        return value <= 20
    if metric in ("similar_p99_ms", "similar_rest_p99_ms"):
        return value <= 2
    if metric == "typo_p99_ms":
        return value <= 30
    if metric == "rss_mb":
        return value <= (1536 if size == "large" else 600)
    return None


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- the databases (parent) ------------------------------------------------------------------


def import_imported(path: Path) -> None:
    """Every shared data file through the real importer, as bench/similar.py does."""
    sys.path[:0] = [str(REPO), str(BENCH)]
    from similar import import_catalog

    asyncio.run(import_catalog(f"sqlite+aiosqlite:///{path}"))


WORDS_A = [
    "Silent",
    "Crimson",
    "Hidden",
    "Broken",
    "Golden",
    "Last",
    "Lonely",
    "Midnight",
    "Secret",
    "Wild",
    "Burning",
    "Frozen",
    "Distant",
    "Lost",
    "Bright",
    "Dark",
    "Endless",
    "Falling",
    "Gentle",
    "Hollow",
    "Iron",
    "Little",
    "Long",
    "Quiet",
    "Red",
    "Restless",
    "Second",
    "Shattered",
    "Silver",
    "Stolen",
    "Strange",
    "Summer",
    "Sweet",
    "Velvet",
    "Winter",
    "Wandering",
    "Young",
    "Blue",
    "Electric",
    "Paper",
]
WORDS_B = [
    "Harbor",
    "River",
    "City",
    "Garden",
    "Mountain",
    "Letter",
    "Promise",
    "Station",
    "Kingdom",
    "Island",
    "Season",
    "Shadow",
    "Storm",
    "Bridge",
    "Dream",
    "Echo",
    "Forest",
    "Highway",
    "Hotel",
    "Journey",
    "Lantern",
    "Mirror",
    "Ocean",
    "Orchard",
    "Palace",
    "Road",
    "School",
    "Sky",
    "Song",
    "Street",
    "Tide",
    "Tower",
    "Valley",
    "Voyage",
    "Window",
    "Witness",
    "Wolf",
    "Heart",
    "Meadow",
]
WORDS_C = [
    "of the North",
    "at Dawn",
    "in Seoul",
    "of Tomorrow",
    "Returns",
    "Forever",
    "in Winter",
    "of Glass",
    "at Night",
    "of Fire",
    "of the Sea",
    "in Bloom",
    "Again",
    "of Ashes",
    "in Paris",
    "of the Moon",
    "on Fire",
    "in Tokyo",
    "of Stone",
    "of Dreams",
    "Rising",
    "at Sea",
    "in Rain",
    "of Kings",
    "Unknown",
    "of Light",
    "in Love",
    "of Sorrow",
    "Falling",
    "of Gold",
    "Reborn",
    "of Echoes",
    "at Noon",
    "in Exile",
    "of Wolves",
    "Undone",
    "of Silence",
    "in Motion",
    "Below",
    "Above",
]
GENRES = [
    "Drama",
    "Comedy",
    "Thriller",
    "Romance",
    "Action",
    "Horror",
    "Documentary",
    "Animation",
    "Crime",
    "Fantasy",
    "Mystery",
    "Family",
    "Adventure",
    "War",
    "Music",
    "History",
    "Science-Fiction",
    "Western",
    "Sport",
    "Biography",
]
COUNTRIES = ("US", "KR", "JP", "GB", "FR", "IN", "DE", "ES", "IT", "CN", "MX", "TR")
LANGUAGES = {"US": "en", "KR": "ko", "JP": "ja", "GB": "en", "FR": "fr", "IN": "hi"}


def synthetic_names(count: int, rng: random.Random) -> list[str]:
    names = [
        f"{a} {b} {c}{sequel}"
        for sequel in ("", " II", " III")
        for a in WORDS_A
        for b in WORDS_B
        for c in WORDS_C
    ]
    names += [f"The {a} {b}" for a in WORDS_A for b in WORDS_B]
    names = list(dict.fromkeys(names))
    rng.shuffle(names)
    assert len(names) >= count, len(names)
    return names[:count]


def build_large(path: Path) -> None:
    """The synthetic catalog of the module docstring, written with the app's own schema: the
    migrations make the tables, then plain INSERTs fill titles, genres, members and ratings."""
    sys.path[:0] = [str(REPO), str(BENCH)]
    from corating import LARGE_TITLES, synthetic_ratings

    from db import migrate
    from db.session import Database

    async def schema() -> None:
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate.upgrade(db.engine)
        finally:
            await db.dispose()

    asyncio.run(schema())
    rng = random.Random(7)
    names = synthetic_names(LARGE_TITLES, rng)
    ratings = synthetic_ratings()
    con = sqlite3.connect(path)
    try:
        columns = {row[1]: row for row in con.execute("PRAGMA table_info(titles)")}
        now = "2026-12-01 00:00:00.000000"
        rows = []
        for i, name in enumerate(names):
            country = rng.choice(COUNTRIES)
            row = {
                "id": i + 1,
                "name": name,
                "year": rng.randint(1950, 2025),
                "kind": "series" if rng.random() < 0.3 else "film",
                "countries": json.dumps([country]),
                "languages": json.dumps([LANGUAGES.get(country, "en")]),
                "created_at": now,
                "updated_at": now,
            }
            rows.append({k: v for k, v in row.items() if k in columns})
        keys = list(rows[0])
        con.executemany(
            f"INSERT INTO titles ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})",
            [tuple(r[k] for k in keys) for r in rows],
        )
        fill_required(con, "titles", columns, now)
        add_genres(con, len(names), rng)
        add_members_and_ratings(con, ratings, now)
        con.commit()
    finally:
        con.close()


def fill_required(con: sqlite3.Connection, table: str, columns: dict[str, Any], now: str) -> None:
    """NOT NULL columns without a value get the model's default (SQLAlchemy applies defaults
    in Python, so the table has none)."""
    from db import models as m

    model = next(c for c in m.Base.__subclasses__() if c.__tablename__ == table)
    for column in model.__table__.columns:
        if column.nullable or column.primary_key or column.default is None:
            continue
        default = column.default.arg
        if callable(default):
            value: Any = now
        else:
            value = default
        con.execute(f"UPDATE {table} SET {column.name} = ? WHERE {column.name} IS NULL", (value,))


def add_genres(con: sqlite3.Connection, n_titles: int, rng: random.Random) -> None:
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "genres" not in tables or "title_genres" not in tables:
        return
    con.executemany("INSERT INTO genres (name) VALUES (?)", [(g,) for g in GENRES])
    ids = {name: gid for gid, name in con.execute("SELECT id, name FROM genres")}
    pairs = set()
    for title_id in range(1, n_titles + 1):
        group = (title_id - 1) % 200
        pairs.add((title_id, ids[GENRES[group % len(GENRES)]]))
        pairs.add((title_id, ids[GENRES[(group // len(GENRES)) % len(GENRES)]]))
        if rng.random() < 0.3:
            pairs.add((title_id, ids[rng.choice(GENRES)]))
    con.executemany("INSERT INTO title_genres (title_id, genre_id) VALUES (?, ?)", sorted(pairs))


def add_members_and_ratings(con: sqlite3.Connection, ratings: list[Any], now: str) -> None:
    """Members as the MovieLens import makes them (platform "movielens": data set users), and
    their ratings in half stars."""
    users = sorted({r.user for r in ratings})
    user_columns = {row[1]: row for row in con.execute("PRAGMA table_info(users)")}
    base = {"platform": "movielens", "created_at": now, "display_name": "MovieLens user"}
    keys = ["platform_user_id", *[k for k in base if k in user_columns]]
    con.executemany(
        f"INSERT INTO users ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})",
        [(u, *[base[k] for k in keys[1:]]) for u in users],
    )
    fill_required(con, "users", user_columns, now)
    user_ids = dict(
        con.execute("SELECT platform_user_id, id FROM users WHERE platform = 'movielens'")
    )
    rating_columns = {row[1]: row for row in con.execute("PRAGMA table_info(ratings)")}
    con.executemany(
        "INSERT INTO ratings (user_id, title_id, half_stars, spoiler, created_at, updated_at) "
        "VALUES (?, ?, ?, 0, ?, ?)",
        [(user_ids[r.user], r.title_id + 1, round(r.stars * 2), now, now) for r in ratings],
    )
    fill_required(con, "ratings", rating_columns, now)


def old_tree(revision: str, folder: Path) -> Path:
    """`revision`'s code, as `git archive` gives it."""
    target = folder / f"code-{re.sub(r'[^A-Za-z0-9_.-]', '_', revision)}"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def migration_chain(code: Path) -> list[str]:
    """code/db/migrations/versions in order, oldest first."""
    parent_of: dict[str, str | None] = {}
    for file in (code / "db/migrations/versions").glob("*.py"):
        text = file.read_text(encoding="utf-8")
        revision = re.search(r'^revision: str = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision: str \| None = "([^"]+)"', text, re.M)
        if revision:
            parent_of[revision.group(1)] = down.group(1) if down else None
    [head] = set(parent_of) - set(parent_of.values())
    chain = [head]
    while (down := parent_of.get(chain[-1])) is not None:
        chain.append(down)
    return chain[::-1]


def stamped_copy(db: Path, code: Path, folder: Path) -> Path:
    """A copy of `db` (migrated by this tree) stamped at the newest migration this tree and
    `code` share, so `code` migrates the rest its own way as it starts; what this tree added
    beyond that only adds what older code never reads."""
    ours = set(migration_chain(REPO))
    shared = [revision for revision in migration_chain(code) if revision in ours][-1]
    copy = folder / f"{db.stem}-{code.name}.sqlite3"
    shutil.copyfile(db, copy)
    con = sqlite3.connect(copy)
    try:
        con.execute("UPDATE alembic_version SET version_num = ?", (shared,))
        con.commit()
    finally:
        con.close()
    return copy


def workload_titles(db: Path, path: Path) -> tuple[int, int]:
    """The titles every child asks about, chosen once from the database (the same for every
    revision): the 300 most rated, and 300 others at random. Written to `path`; returns the
    catalog's titles and ratings."""
    con = sqlite3.connect(db)
    try:
        popular = [
            row[0]
            for row in con.execute(
                "SELECT title_id FROM ratings GROUP BY title_id ORDER BY COUNT(*) DESC, title_id "
                "LIMIT 300"
            )
        ]
        every = [row[0] for row in con.execute("SELECT id FROM titles ORDER BY id")]
        ratings = con.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]
    finally:
        con.close()
    rest = sorted(set(every) - set(popular))
    others = random.Random(5).sample(rest, min(300, len(rest)))
    path.write_text(json.dumps([popular, others]), encoding="utf-8")
    return len(every), int(ratings)


def run_child(
    code: Path, db: Path, titles: Path, args: argparse.Namespace, seed: int
) -> dict[str, float]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--code",
        str(code),
        "--db",
        str(db),
        "--titles",
        str(titles),
        "--stream-seconds",
        str(args.stream_seconds),
        "--calls",
        str(args.calls),
        "--seed",
        str(seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"the measuring child failed ({done.returncode})")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# -- the measurements (child) ----------------------------------------------------------------


async def child(args: argparse.Namespace) -> dict[str, float]:
    from bot.app import open_app
    from bot.core.context import CommandContext
    from bot.settings import Settings

    rng = random.Random(args.seed)
    data_dir = Path(tempfile.mkdtemp(prefix="reelbot-bench-scale-"))
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{args.db}",
        data_dir=data_dir,
        owner_ids=frozenset({"bench:bench-admin"}),
    )
    app = await open_app(settings)
    dispatcher, catalog = app.dispatcher, app.core.catalog

    def member(name: str) -> CommandContext:
        return CommandContext("bench", f"bench-{name}", f"Bench {name}", "bench-chat")

    async def timed(ctx: CommandContext, line: str) -> tuple[float, Any]:
        began = time.perf_counter()
        reply = await dispatcher.handle(ctx, line)
        return (time.perf_counter() - began) * 1000, reply

    try:
        began = time.perf_counter()
        snap = await catalog.get()
        refit_s = time.perf_counter() - began

        # Titles people ask about: the most rated, and a random sample of the rest.
        popular, others = json.loads(args.titles.read_text(encoding="utf-8"))
        popular = [tid for tid in popular if tid in snap.titles]
        pool = popular + [tid for tid in others if tid in snap.titles]
        asker = member("asker")
        lines: dict[int, str] = {}
        for tid in dict.fromkeys(pool):
            t = snap.titles[tid]
            line = f"/recommend {t.name} ({t.year})" if t.year else f"/recommend {t.name}"
            _ms, reply = await timed(asker, line)
            if reply.kind != "error" and (reply.text or "").startswith("If you liked"):
                lines[tid] = line
            if len(lines) >= 300:
                break
        asks = list(lines.values())
        assert len(asks) >= 50, f"only {len(asks)} titles resolve to themselves"

        idle = [(await timed(asker, asks[i % len(asks)]))[0] for i in range(args.calls)]

        # Members with a history, for personal picks.
        rated_pool = popular or pool
        raters = [member(f"m{i}") for i in range(20)]
        for ctx in raters:
            for tid in rng.sample(rated_pool, min(15, len(rated_pool))):
                reply = await dispatcher.handle(ctx, f"/review #{tid} {rng.choice('2345')}")
                assert reply.kind != "error", reply.text
        personal = []
        for i in range(args.calls):
            ms, reply = await timed(raters[i % len(raters)], "/recommend")
            assert reply.kind != "error" and reply.items, reply.text
            personal.append(ms)

        snap = await catalog.get()
        similar = []
        for tid in (list(lines) * 3)[: args.calls]:
            began = time.perf_counter()
            snap.model.similar(tid, k=10)
            similar.append((time.perf_counter() - began) * 1000)
        rest = [tid for tid in others if tid in snap.titles and tid not in lines][: args.calls]
        similar_rest = []
        for tid in rest:
            began = time.perf_counter()
            snap.model.similar(tid, k=10)
            similar_rest.append((time.perf_counter() - began) * 1000)

        typos = []
        for i in range(args.calls):
            name = snap.titles[list(lines)[i % len(lines)]].name
            letters = [
                j for j, ch in enumerate(name[:-1]) if ch.isalpha() and name[j + 1].isalpha()
            ]
            j = letters[len(letters) // 2] if letters else 0
            typo = name[:j] + name[j + 1 : j + 2] + name[j : j + 1] + name[j + 2 :]
            typos.append((await timed(asker, f"/search {typo}"))[0])

        stream = await streaming(app, member, timed, asks, rated_pool, raters, args, rng)
        await catalog.wait_for_refresh()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "titles": float(len(snap.titles)),
            "refit_s": refit_s,
            "idle_p99_ms": percentile(idle, 0.99),
            "personal_p99_ms": percentile(personal, 0.99),
            "similar_p99_ms": percentile(similar, 0.99),
            "similar_rest_p99_ms": percentile(similar_rest, 0.99),
            "typo_p99_ms": percentile(typos, 0.99),
            **stream,
            "rss_mb": rss_mb,
        }
    finally:
        await catalog.wait_for_refresh()
        await app.close()
        shutil.rmtree(data_dir, ignore_errors=True)


async def streaming(
    app: Any,
    member: Any,
    timed: Any,
    asks: list[str],
    rated_pool: list[int],
    raters: list[Any],
    args: argparse.Namespace,
    rng: random.Random,
) -> dict[str, float]:
    """`/recommend <title>` back to back while a rating comes every 100 ms and an admin edit
    every 10 s; meanwhile members rate their top pick and wait to see it leave their picks."""
    from bot.core.context import CommandContext

    dispatcher = app.dispatcher
    stop = asyncio.Event()
    admin = CommandContext("bench", "bench-admin", "Bench admin", "bench-chat", is_admin=True)
    problems: list[str] = []

    async def ratings() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            ctx = member(f"stream{i % 500}")
            tid = rng.choice(rated_pool)
            reply = await dispatcher.handle(ctx, f"/review #{tid} {rng.choice('12345')}")
            if reply.kind == "error":
                problems.append(reply.text)
            await asyncio.sleep(0.1)

    async def edits() -> None:
        i = 0
        while not stop.is_set():
            await asyncio.sleep(10)
            i += 1
            tid = rng.choice(rated_pool)
            reply = await dispatcher.handle(admin, f"/admin title alias #{tid} | Bench alias {i}")
            if reply.kind == "error":
                problems.append(reply.text)

    visible: list[float] = []

    async def watchers() -> None:
        i = 0
        while not stop.is_set():
            ctx = raters[i % len(raters)]
            i += 1
            reply = await dispatcher.handle(ctx, "/recommend")
            top = next((it.title_id for it in reply.items if it.title_id is not None), None)
            if top is None:
                await asyncio.sleep(1)
                continue
            began = time.perf_counter()
            await dispatcher.handle(ctx, f"/review #{top} 5")
            while time.perf_counter() - began < 30:
                reply = await dispatcher.handle(ctx, "/recommend")
                if top not in {it.title_id for it in reply.items}:
                    break
                await asyncio.sleep(0.01)
            visible.append(time.perf_counter() - began)
            await asyncio.sleep(1)

    background = [asyncio.create_task(f()) for f in (ratings, edits, watchers)]
    latencies = []
    asker = member("stream-asker")
    deadline = time.perf_counter() + args.stream_seconds
    i = 0
    while time.perf_counter() < deadline:
        latencies.append((await timed(asker, asks[i % len(asks)]))[0])
        i += 1
        await asyncio.sleep(0.005)  # a busy chat, not a flood: the streams get their turns
    stop.set()
    await asyncio.gather(*background)
    if problems:
        raise AssertionError(f"streamed changes failed: {problems[:3]}")
    return {
        "stream_max_ms": max(latencies),
        "stream_p99_ms": percentile(latencies, 0.99),
        "visible_s": max(visible) if visible else float("nan"),
    }


# -- the report ------------------------------------------------------------------------------


def report(size: str, code: str, catalog: str, runs: list[dict[str, float]]) -> None:
    medians = {k: statistics.median(r[k] for r in runs) for k in LABELS}
    print(f"\n{size} ({catalog}), {code}: median of {len(runs)} runs")
    print(f"{'metric':40} {'median':>9}  {'runs':27} {'goal':34} status")
    for key, label in LABELS.items():
        values = " ".join(f"{r[key]:8.2f}" for r in runs)
        ok = meets(key, size, medians[key], medians)
        status = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"{label:40} {medians[key]:9.2f}  {values:27} {GOALS[key]:34} {status}")


def parent(args: argparse.Namespace) -> None:
    sizes = ("imported", "large") if args.size == "both" else (args.size,)
    with tempfile.TemporaryDirectory(prefix="reelbot-bench-scale-") as tmp:
        folder = Path(tmp)
        codes = [] if args.only_old else [("this tree", REPO)]
        if args.old:
            codes.append((f"{args.old}", old_tree(args.old, folder)))
        for size in sizes:
            if args.db is not None:  # one size: checked in main
                db = args.db
            else:
                db = folder / f"reelbot_bench_scale_{size}_{uuid.uuid4().hex[:8]}.sqlite3"
                began = time.perf_counter()
                (import_imported if size == "imported" else build_large)(db)
                print(
                    f"# {size}: database ready in {time.perf_counter() - began:.0f} s", flush=True
                )
            titles_file = folder / f"titles-{size}.json"
            n_titles, n_ratings = workload_titles(db, titles_file)
            catalog = f"{n_titles:,} titles, {n_ratings:,} ratings"
            for label, code in codes:
                target = db if code == REPO else stamped_copy(db, code, folder)
                runs = []
                for run in range(args.runs):
                    before = load_average()
                    # Every run starts from the same database: the last run's writes are gone.
                    fresh = folder / f"run-{run}-{target.name}"
                    shutil.copyfile(target, fresh)
                    try:
                        result = run_child(code, fresh, titles_file, args, seed=run + 1)
                    finally:
                        fresh.unlink(missing_ok=True)
                    runs.append(result)
                    shown = ", ".join(f"{k} {result[k]:.2f}" for k in LABELS)
                    print(
                        f"# {size}, {label}, run {run + 1}: {shown}; load average {before} -> "
                        f"{load_average()}",
                        flush=True,
                    )
                report(size, label, catalog, runs)
                if target != db:
                    target.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("imported", "large", "both"), default="imported")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=300, help="calls per latency measurement")
    parser.add_argument("--stream-seconds", type=float, default=30.0)
    parser.add_argument("--old", metavar="REV", help="also measure REV's code in the same run")
    parser.add_argument("--only-old", action="store_true", help="measure only --old REV")
    parser.add_argument(
        "--db", type=Path, help="the SQLite database of --size to reuse (made if missing)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--titles", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.code))
        import logging

        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(asyncio.run(child(args))))
        return
    if args.db is not None and args.size == "both":
        parser.error("--db names the database of one size: give --size imported or large")
    if args.db is not None and not args.db.exists():
        began = time.perf_counter()
        (import_imported if args.size == "imported" else build_large)(args.db)
        print(f"# {args.size}: {args.db} made in {time.perf_counter() - began:.0f} s", flush=True)
    print(f"# load average at start: {load_average()}", flush=True)
    parent(args)
    print(f"\n# load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
