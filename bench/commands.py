"""Commands per second through the platform-neutral core, with no chat platform in the way.

Drives `App.dispatcher.handle(ctx, line)` from N concurrent asyncio tasks, each a different
simulated user, for `/recommend <title>` (read path) and `/review <title> <rating> <text>`
(a real write each time), on SQLite and on PostgreSQL. Every reply is checked; one error or
unexpected reply fails the run and the script exits non-zero.

    .venv/bin/python bench/commands.py                    # both backends, 16 users, 5 x 5 s
    .venv/bin/python bench/commands.py --backend sqlite --users 1 --runs 3
    .venv/bin/python bench/commands.py --profile /tmp/prof  # + cProfile of one extra run each
    .venv/bin/python bench/commands.py --catalog imported   # on all of ../shared/data instead

See bench/README.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import os
import platform
import pstats
import random
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # runnable as `python bench/commands.py` without an install
    sys.path.insert(0, str(REPO))
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import asyncpg  # noqa: E402
import sqlalchemy  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.app import App, open_app  # noqa: E402
from bot.core.catalog import CatalogSnapshot  # noqa: E402
from bot.core.context import CommandContext  # noqa: E402
from bot.core.errors import UserError  # noqa: E402
from bot.core.replies import Reply  # noqa: E402
from bot.features.reviews.args import split_review_args  # noqa: E402
from bot.settings import Settings  # noqa: E402
from recommender import TitleFacts  # noqa: E402

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
GOALS = {"recommend": 1000.0, "review": 500.0}  # commands per second, per process
COMMANDS = ("recommend", "review")
# What a successful reply starts with, per command; anything else counts as an error.
EXPECTED_PREFIX = {
    "recommend": ("If you liked ", "I have nothing similar to "),
    "review": ("Rated ", "Updated your rating of "),
}
RATINGS = (
    "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5", "4,5", "3.5★", "4 stars",
    "8/10", "7/10", "9.5/10", "4/5", "85/100", "70%", "A+", "A-", "B", "B+", "C", "★★★½",
    "★★★★", "★★",
)  # fmt: skip
PHRASES = (
    "made me cry twice",
    "the ending stayed with me for days",
    "slow first act but worth it",
    "great cast and a warm script",
    "too long for what it says",
    "watched it with my mum and we both loved it",
    "the remake is better than people say",
    "funny and warm",
    "soundtrack on repeat since",
    "not my thing, the pacing drags",
    "beautiful cinematography, thin plot",
    "rewatched it and it holds up",
    "the lead actor carries every scene",
    "I did not expect that twist",
    "perfect for a rainy weekend",
    "dialogue feels real, characters feel like people",
    "a bit predictable but charming",
    "the middle episodes lose the thread",
    "everyone in our group chat should see this",
    "darker than the poster suggests",
)
# Titles the workloads are made of on the imported catalog (checking every spelling of ~30,000
# titles would take longer than the measurement): the most rated half, the rest at random.
IMPORTED_WORKLOAD_TITLES = 600
MAX_SHOWN_FAILURES = 5
PROFILE_ROWS = 16


# -- results ---------------------------------------------------------------------------------


@dataclass
class RunResult:
    commands: int
    seconds: float
    latencies: list[float]
    statements: int
    failures: list[tuple[str, str]]
    created: int = 0  # /review replies that were a first rating (the rest replaced one)
    cpu_seconds: float = 0.0  # this process's CPU time (all threads) during the run

    @property
    def rate(self) -> float:
        return self.commands / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Measurement:
    backend: str
    command: str
    users: int
    runs: list[RunResult] = field(default_factory=list)
    workload_note: str = ""
    skipped: str | None = None
    profile_failures: int = 0  # errors in the extra --profile run count too

    @property
    def errors(self) -> int:
        return sum(len(r.failures) for r in self.runs) + self.profile_failures

    def rates(self) -> list[float]:
        return [r.rate for r in self.runs]

    def latency_ms(self, q: float) -> float:
        pooled = sorted(x for r in self.runs for x in r.latencies)
        if not pooled:
            return float("nan")
        return pooled[min(len(pooled) - 1, int(q * len(pooled)))] * 1000

    def cpu_ms_per_command(self) -> float:
        n = sum(r.commands for r in self.runs)
        return sum(r.cpu_seconds for r in self.runs) * 1000 / n if n else float("nan")

    def statements_per_command(self) -> float:
        n = sum(r.commands for r in self.runs)
        return sum(r.statements for r in self.runs) / n if n else float("nan")


class StatementCounter:
    """Counts SQL statements the engine sends (the unit of work's BEGIN/COMMIT excluded)."""

    def __init__(self, app: App) -> None:
        self.count = 0
        self.by_text: Counter[str] = Counter()
        self.detailed = False
        event.listen(app.db.engine.sync_engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.count += 1
        if self.detailed:
            self.by_text[" ".join(statement.split())[:110]] += 1


# -- workload --------------------------------------------------------------------------------


def spellings(
    title_name: str, year: int | None, original: str | None, aliases: Sequence[str]
) -> list[str]:
    """Ways people type a title: as listed, lower case, no punctuation, with the year, the
    original-language name, aliases, and one small typo."""
    out = [title_name, title_name.lower(), re.sub(r"[^\w\s]", "", title_name)]
    if year:
        out += [f"{title_name} ({year})", f"{title_name.lower()} {year}"]
    if original:
        out.append(original)
    out += list(aliases)
    letters = [i for i, ch in enumerate(title_name) if ch.isalpha()]
    if len(letters) >= 9:  # swap two letters in the middle: exercises the fuzzy path
        i = letters[len(letters) // 2]
        if i + 1 < len(title_name) and title_name[i + 1].isalpha():
            out.append(title_name[:i] + title_name[i + 1] + title_name[i] + title_name[i + 2 :])
    return list(dict.fromkeys(s.strip() for s in out if s and s.strip()))


Step = tuple[CommandContext, str]  # who sends it, and the command line


@dataclass
class Workload:
    steps_per_user: list[list[Step]]  # one list per concurrent task, walked in a loop
    note: str


def workload_titles(snap: CatalogSnapshot, rng: random.Random) -> list[TitleFacts]:
    """Every title of a small catalog; of a big one the most rated half of
    IMPORTED_WORKLOAD_TITLES and a random sample of the others."""
    if len(snap.titles) <= IMPORTED_WORKLOAD_TITLES:
        return list(snap.titles.values())
    rated = sorted(snap.popularity, key=lambda tid: -snap.popularity[tid][0])
    chosen = rated[: IMPORTED_WORKLOAD_TITLES // 2]
    rest = sorted(set(snap.titles) - set(chosen))
    chosen += rng.sample(rest, IMPORTED_WORKLOAD_TITLES - len(chosen))
    return [snap.titles[tid] for tid in chosen]


async def recommend_workload(app: App, users: int, rng: random.Random) -> Workload:
    """Every spelling of every title (see workload_titles) that the bot resolves to that very
    title, checked once through the dispatcher (read-only) so the measured runs only send
    commands that should succeed. Each user walks the list in its own shuffled order."""
    snap = await app.core.catalog.get()
    probe = bench_context("probe")
    kept: list[str] = []
    tried = 0
    for t in workload_titles(snap, rng):
        for s in spellings(t.name, t.year, t.original_name, t.aliases):
            tried += 1
            line = f"/recommend {s}"
            reply = await app.dispatcher.handle(probe, line)
            if reply_ok("recommend", reply) and app.core.label(t) in reply.text:
                kept.append(line)
    note = (
        f"{len(kept)} /recommend lines: {tried} spellings of "
        f"{min(len(snap.titles), IMPORTED_WORKLOAD_TITLES)} of {len(snap.titles)} titles, "
        f"{tried - len(kept)} left out (they resolve to another title or ask which one)"
    )
    steps = [
        [(bench_context(str(i)), line) for line in rng.sample(kept, len(kept))]
        for i in range(users)
    ]
    return Workload(steps, note)


async def review_workload(
    app: App,
    users: int,
    rng: random.Random,
    titles_per_member: int = 12,
    rerated_per_member: int = 4,
    length: int = 4000,
) -> Workload:
    """Each task is a stream of members, one at a time: a member rates a dozen distinct titles
    (inserts), then re-rates a few of them (updates, which replace the rating and its text),
    and the next member takes over. So every run has the same mix of first ratings, re-ratings
    and first-time users, with varied ratings, text and spellings. Lines are checked up front
    with the dispatcher's own argument split and title resolution (no writes)."""
    snap = await app.core.catalog.get()
    good: dict[int, list[str]] = {}
    tried = 0
    for t in workload_titles(snap, rng):
        for s in spellings(t.name, t.year, t.original_name, t.aliases):
            tried += 1
            # A rating is saved only on a name that surely means the title (a typo gets
            # "did you mean"), so only those spellings make review lines.
            if snap.index.confident(s, t.id) and await resolves_to(app, s, t.id):
                good.setdefault(t.id, []).append(s)
    usable = sorted(good)
    steps_per_user: list[list[Step]] = []
    rejected = 0
    for i in range(users):
        steps: list[Step] = []
        member = 0
        while len(steps) < length:
            ctx = bench_context(f"{i}-{member}")
            member += 1
            titles = rng.sample(usable, min(titles_per_member, len(usable)))
            for tid in titles + rng.sample(titles, min(rerated_per_member, len(titles))):
                spelling = rng.choice(good[tid])
                rating = rng.choice(RATINGS)
                text = " and ".join(rng.sample(PHRASES, rng.randint(0, 3)))
                if text and rng.random() < 0.3:  # some long reviews, about 500 characters
                    text = ". ".join([text, *rng.sample(PHRASES, 8)] * 2)
                spoiler = " --spoiler" if text and rng.random() < 0.1 else ""
                line = f"/review {spelling} {rating} {text}{spoiler}".rstrip()
                if review_line_ok(snap, line, spelling, rating):
                    steps.append((ctx, line))
                else:
                    rejected += 1
        steps_per_user.append(steps)
    note = (
        f"{len(usable)} titles with {sum(map(len, good.values()))} of {tried} spellings usable; "
        f"per member {titles_per_member} first ratings then {rerated_per_member} re-ratings; "
        f"{rejected} generated lines left out (rating split ambiguous)"
    )
    return Workload(steps_per_user, note)


async def resolves_to(app: App, spelling: str, title_id: int) -> bool:
    try:
        _snap, t, _notes = await app.core.resolve(spelling)
    except UserError:
        return False
    return t.id == title_id


def review_line_ok(snap: CatalogSnapshot, line: str, spelling: str, rating: str) -> bool:
    args = line.removeprefix("/review ")
    try:
        title, parsed_rating, _text, _spoiler = split_review_args(
            args, lambda x: bool(snap.index.exact(x))
        )
    except UserError:
        return False
    return title == spelling and parsed_rating == rating


def bench_context(name: str) -> CommandContext:
    return CommandContext(
        platform="bench",
        user_id=f"bench-user-{name}",
        display_name=f"Bench User {name}",
        chat_id="bench-chat",
        chat_name="bench",
        is_group=True,
    )


def reply_ok(command: str, reply: Reply) -> bool:
    return not reply.is_error and reply.text.startswith(EXPECTED_PREFIX[command])


# -- measuring -------------------------------------------------------------------------------


class Runner:
    """N users, each a task calling the dispatcher in a loop, for a time or a command count."""

    def __init__(self, app: App, command: str, workload: Workload, counter: StatementCounter):
        self.app = app
        self.command = command
        self.workload = workload
        self.counter = counter
        self.cursors = [0] * len(workload.steps_per_user)  # runs go on where the last stopped
        self.created = 0

    async def run(self, seconds: float | None, count: int | None) -> RunResult:
        users = len(self.cursors)
        quotas = (
            [count // users + (1 if i < count % users else 0) for i in range(users)]
            if count is not None
            else [None] * users
        )
        latencies: list[float] = []
        failures: list[tuple[str, str]] = []
        self.created = 0
        statements_before = self.counter.count
        cpu_started = time.process_time()
        started = time.perf_counter()
        deadline = started + seconds if seconds is not None else float("inf")
        done = await asyncio.gather(
            *(self._user(i, deadline, quotas[i], latencies, failures) for i in range(users))
        )
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        statements = self.counter.count - statements_before
        return RunResult(sum(done), elapsed, latencies, statements, failures, self.created, cpu)

    async def _user(
        self,
        i: int,
        deadline: float,
        quota: int | None,
        latencies: list[float],
        failures: list[tuple[str, str]],
    ) -> int:
        steps = self.workload.steps_per_user[i]
        handle = self.app.dispatcher.handle
        clock = time.perf_counter
        n = 0
        while (quota is None or n < quota) and clock() < deadline:
            ctx, line = steps[self.cursors[i] % len(steps)]
            self.cursors[i] += 1
            t0 = clock()
            reply = await handle(ctx, line)
            latencies.append(clock() - t0)
            n += 1
            if not reply_ok(self.command, reply):
                failures.append((line, reply.text))
            elif reply.text.startswith("Rated "):
                self.created += 1
        return n


async def measure(
    app: App, counter: StatementCounter, backend: str, command: str, args: argparse.Namespace
) -> Measurement:
    rng = random.Random(f"{args.seed}-{command}")
    build = recommend_workload if command == "recommend" else review_workload
    workload = await build(app, args.users, rng)
    result = Measurement(backend, command, args.users, workload_note=workload.note)
    print(f"  {command}: {workload.note}", flush=True)
    if not all(workload.steps_per_user):
        problem = ("<workload>", "no command line survived the up-front checks")
        print(f"    FAILED: {problem[1]}")
        result.runs.append(RunResult(0, 0.0, [], 0, [problem]))
        return result
    runner = Runner(app, command, workload, counter)
    warm = await runner.run(args.warmup, None)
    print(f"    warm-up: {warm.commands} commands in {warm.seconds:.1f} s", flush=True)
    if warm.failures:
        result.runs.append(warm)  # errors during warm-up fail the measurement as well
        show_failures(warm.failures)
        return result
    for r in range(args.runs):
        run = await runner.run(args.seconds, args.count)
        result.runs.append(run)
        flag = f"  {len(run.failures)} ERRORS" if run.failures else ""
        share = run.created / max(run.commands, 1)
        new = f", {share:4.0%} new ratings" if command == "review" else ""
        print(
            f"    run {r + 1}/{args.runs}: {run.commands:6d} commands in {run.seconds:5.2f} s "
            f"= {run.rate:7.0f}/s, {run.cpu_seconds * 1000 / max(run.commands, 1):.2f} ms CPU "
            f"and {run.statements / max(run.commands, 1):.2f} SQL per command"
            f"{new}{flag}",
            flush=True,
        )
        show_failures(run.failures)
    if args.profile is not None:
        path = args.profile / f"{backend}-{command}.pstats"
        result.profile_failures = len(await profile_once(runner, counter, args, path))
    return result


async def profile_once(
    runner: Runner, counter: StatementCounter, args: argparse.Namespace, path: Path
) -> list[tuple[str, str]]:
    """One more run under cProfile (not in the table): top functions and the SQL mix."""
    counter.detailed = True
    counter.by_text.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    run = await runner.run(args.seconds, args.count)
    profiler.disable()
    counter.detailed = False
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(path)
    n = max(run.commands, 1)
    print(f"    profiled run: {run.commands} commands, {run.rate:.0f}/s under cProfile -> {path}")
    print("    SQL statements per command:")
    for text, c in counter.by_text.most_common(12):
        print(f"      {c / n:5.2f}  {text}")
    rows: list[tuple[float, float, int, str]] = [
        (own, cum, calls, f"{short_path(file)}:{line}({func})")
        for (file, line, func), (_cc, calls, own, cum, _callers) in pstats.Stats(
            profiler
        ).stats.items()  # type: ignore[attr-defined]
    ]
    for index, label in ((0, "own time"), (1, "cumulative time, outside asyncio")):
        print(f"    top functions by {label}, per command:")
        print(f"      {'own µs':>8}  {'cum µs':>8}  {'calls':>6}  function")
        shown = [r for r in rows if index == 0 or not r[3].startswith(("asyncio/", "bench/"))]
        shown.sort(key=lambda r: r[1] if index else r[0], reverse=True)
        for own, cum, calls, name in shown[:PROFILE_ROWS]:
            print(f"      {own / n * 1e6:8.0f}  {cum / n * 1e6:8.0f}  {calls / n:6.2f}  {name}")
    show_failures(run.failures)
    return run.failures


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_path(file: str) -> str:
    """bot/core/title_index.py, sqlalchemy/orm/session.py, asyncio/events.py: short and clear."""
    file = file.removeprefix(str(REPO) + "/")
    return re.sub(r"^.*/(?:site-packages|lib/python3\.\d+)/", "", file)


def show_failures(failures: list[tuple[str, str]]) -> None:
    for line, text in failures[:MAX_SHOWN_FAILURES]:
        print(f"      FAILED {shorten(line, 100)!r}: {shorten(text, 160)!r}")
    if len(failures) > MAX_SHOWN_FAILURES:
        print(f"      ... and {len(failures) - MAX_SHOWN_FAILURES} more")


# -- databases -------------------------------------------------------------------------------


def pg_dsn(url: str, database: str | None = None) -> str:
    u = make_url(url)
    if database is not None:
        u = u.set(database=database)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def fresh_app(backend: str, args: argparse.Namespace) -> AsyncIterator[App]:
    """A new, empty database of this kind, migrated and seeded by `open_app`; dropped after."""
    with tempfile.TemporaryDirectory(prefix="reelbot-bench-") as tmp:
        data_dir = Path(tmp)
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{data_dir / 'bench.sqlite3'}"
            app = await open_catalog(Settings(database_url=url, data_dir=data_dir), args)
            try:
                yield app
            finally:
                await app.close()
            return
        name = f"reelbot_bench_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(pg_dsn(args.postgres_url), timeout=5)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        try:
            pg_url = make_url(args.postgres_url).set(database=name)
            settings = Settings(
                database_url=pg_url.render_as_string(hide_password=False), data_dir=data_dir
            )
            app = await open_catalog(settings, args)
            try:
                yield app
            finally:
                await app.close()
        finally:
            admin = await asyncpg.connect(pg_dsn(args.postgres_url), timeout=5)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()


async def open_catalog(settings: Settings, args: argparse.Namespace) -> App:
    """The app on a fresh database with the starter catalog, or (--catalog imported) with
    every file of ../shared/data imported by the real importer instead, as bench/similar.py
    imports them."""
    if args.catalog == "starter":
        return await open_app(settings)
    from similar import DATA, SOURCES

    from db.imports.importer import ImportOptions, import_file

    app = await open_app(settings, seed=False)
    for name in SOURCES:
        started = time.perf_counter()
        summary = await import_file(app.db, DATA / name, ImportOptions())
        print(
            f"  imported {name}: {summary.added:,} titles, {summary.ratings:,} ratings in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    app.core.catalog.invalidate()
    return app


async def server_version(args: argparse.Namespace) -> str:
    try:
        conn = await asyncpg.connect(pg_dsn(args.postgres_url), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        raise ConnectionError(str(error)) from error
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


async def bench_backend(backend: str, args: argparse.Namespace) -> list[Measurement]:
    started = time.perf_counter()
    if backend == "postgresql":
        try:
            version = await server_version(args)
        except ConnectionError as error:
            safe = make_url(args.postgres_url).render_as_string(hide_password=True)
            reason = f"PostgreSQL unreachable at {safe}: {error}"
            print(f"\n[postgresql] SKIPPED: {reason}", flush=True)
            return [Measurement(backend, c, args.users, skipped=reason) for c in COMMANDS]
        print(f"\n[postgresql] server {version}", flush=True)
    else:
        print(f"\n[sqlite] library {sqlite3.sqlite_version}", flush=True)
    results = []
    async with fresh_app(backend, args) as app:
        print(f"  fresh database migrated and seeded in {time.perf_counter() - started:.1f} s")
        counter = StatementCounter(app)
        for command in COMMANDS:
            results.append(await measure(app, counter, backend, command, args))
    return results


# -- report ----------------------------------------------------------------------------------


def table(results: list[Measurement]) -> str:
    head = (
        "backend",
        "command",
        "users",
        "median/s",
        "min/s",
        "max/s",
        "p50 ms",
        "p99 ms",
        "CPU ms",
        "SQL/cmd",
        "goal",
        "status",
    )
    rows: list[tuple[str, ...]] = [head]
    for m in results:
        goal = GOALS[m.command]
        if m.skipped:
            rows.append((m.backend, m.command, str(m.users), *["-"] * 7, f">={goal:.0f}", "SKIP"))
            continue
        rates = m.rates()
        median = statistics.median(rates) if rates else 0.0
        status = "FAILED" if m.errors else ("met" if median >= goal else "MISSED")
        rows.append(
            (
                m.backend,
                m.command,
                str(m.users),
                f"{median:.0f}",
                f"{min(rates):.0f}" if rates else "-",
                f"{max(rates):.0f}" if rates else "-",
                f"{m.latency_ms(0.50):.2f}",
                f"{m.latency_ms(0.99):.2f}",
                f"{m.cpu_ms_per_command():.2f}",
                f"{m.statements_per_command():.2f}",
                f">={goal:.0f}",
                f"{status} ({m.errors} errors)" if m.errors else status,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                cpu = row.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"machine: {cpu}; nproc {usable} (cpu_count {os.cpu_count()}); {load_average()}; "
        f"{platform.system()} {platform.release()}\n"
        f"python {platform.python_version()} ({platform.python_implementation()}); "
        f"SQLAlchemy {sqlalchemy.__version__}, asyncpg {asyncpg.__version__}, "
        f"sqlite {sqlite3.sqlite_version}\n"
        f"code: {code_version()}"
    )


def code_version() -> str:
    """The commit measured, and whether the product code differed from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "bot", "db", "recommender"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    changed = [x for x in dirty if "/" in x]
    return f"commit {head}" + (
        f" plus uncommitted changes in {', '.join(changed)}" if changed else " (clean)"
    )


def load_average() -> str:
    """Other work on the machine skews every number here; say how busy it was."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def reproduce(args: argparse.Namespace) -> str:
    python = Path(sys.executable).absolute()
    with contextlib.suppress(ValueError):
        python = python.relative_to(REPO)
    parts = [
        str(python),
        "bench/commands.py",
        "--backend",
        args.backend,
        "--users",
        str(args.users),
        *(["--count", str(args.count)] if args.count else ["--seconds", f"{args.seconds:g}"]),
        "--runs",
        str(args.runs),
        "--warmup",
        f"{args.warmup:g}",
        "--seed",
        str(args.seed),
        "--catalog",
        args.catalog,
    ]
    if args.backend != "sqlite":
        parts += ["--postgres-url", make_url(args.postgres_url).render_as_string()]
    if args.profile:
        parts += ["--profile", str(args.profile)]
    return f"cd {shlex.quote(str(REPO))} && {shlex.join(parts)}"


# -- main ------------------------------------------------------------------------------------


class FailureLogFilter(logging.Filter):
    """Show the first few tracebacks of failed commands, then only count them."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("command failed"):
            self.seen += 1
            return self.seen <= MAX_SHOWN_FAILURES
        return True


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Commands per second through reelbot's core (/recommend, /review writes).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--users", type=positive_int, default=16, help="concurrent simulated users")
    amount = p.add_mutually_exclusive_group()
    amount.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    amount.add_argument("--count", type=positive_int, help="commands per run instead of --seconds")
    p.add_argument("--runs", type=positive_int, default=5, help="runs per measurement")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per measurement")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("REELBOT_TEST_POSTGRES_URL") or DEFAULT_PG_URL,
        help="admin URL; a fresh reelbot_bench_* database is created beside it and dropped",
    )
    p.add_argument("--seed", type=int, default=1, help="seed for the workload's order and text")
    p.add_argument(
        "--catalog",
        choices=("starter", "imported"),
        default="starter",
        help="the 177 starter titles, or all of ../shared/data through the real importer",
    )
    p.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after each measurement, run once more under cProfile; write DIR/*.pstats and "
        "print the top functions and the SQL statements per command",
    )
    args = p.parse_args(argv)
    if args.count is not None:
        args.seconds = None
    return args


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


async def main_async(args: argparse.Namespace) -> list[Measurement]:
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results: list[Measurement] = []
    for backend in backends:
        results += await bench_backend(backend, args)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    failure_filter = FailureLogFilter()
    logging.getLogger("bot.core.dispatch").addFilter(failure_filter)
    print(machine())
    print(f"reproduce: {reproduce(args)}", flush=True)
    started = time.perf_counter()
    results = asyncio.run(main_async(args))
    print(
        f"\nreelbot core, commands per second: median, min and max of {args.runs} runs. Latency: "
        "one dispatcher.handle call\nwith all users running, pooled over the runs. CPU ms: this "
        "process's CPU time per command\n(all threads; a database server's CPU not included), "
        "steadier than throughput on a busy machine.\n"
    )
    print(table(results))
    errors = sum(m.errors for m in results)
    skipped = [m for m in results if m.skipped]
    print(f"\ntotal time {time.perf_counter() - started:.0f} s; at the end: {load_average()}")
    if errors:
        print(f"FAILED: {errors} command(s) returned an error or an unexpected reply")
        return 1
    if skipped:
        print(f"INCOMPLETE: {skipped[0].skipped}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
