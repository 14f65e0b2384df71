"""The whole of ../shared/data imported into one fresh database, then backed up and restored.

1. Every data set, one after the other (streaming lists, both MyDramaList lists, MovieLens with
   its ratings, TMDB), into a migrated database without the starter catalog (--starter adds it
   first). Printed per file: seconds, titles added / merged / skipped; then the catalog's size.
2. `seed export` in both formats (reelbot-csv, reelbot-json), each imported into a fresh empty
   database, and the row counts of every catalog table compared with the original's.

Each database is created for this run under a unique name and dropped at the end.

    .venv/bin/python bench/import_all.py                        # SQLite, one run
    .venv/bin/python bench/import_all.py --backend postgresql --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from shared_files import EVERYTHING  # noqa: E402  (bench/, beside this script)

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FILES = EVERYTHING


def shared_data() -> Path:
    return Path(os.environ.get("REELBOT_SHARED_DATA") or REPO / "../shared/data").resolve()


class Databases:
    """Fresh databases of one backend, all dropped by `close`."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.created: list[str] = []

    async def new(self) -> str:
        name = f"reelbot_bench_all_{uuid.uuid4().hex[:10]}"
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.folder / (name + '.sqlite3')}"
        import asyncpg
        from sqlalchemy.engine import make_url

        admin_url = make_url(os.environ.get("REELBOT_TEST_POSTGRES_URL", DEFAULT_PG_URL))
        dsn = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return admin_url.set(database=name).render_as_string(hide_password=False)

    async def close(self) -> None:
        if not self.created:
            return
        import asyncpg
        from sqlalchemy.engine import make_url

        admin_url = make_url(os.environ.get("REELBOT_TEST_POSTGRES_URL", DEFAULT_PG_URL))
        conn = await asyncpg.connect(
            admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def counts(db: object) -> dict[str, int]:
    from sqlalchemy import func, select

    from db import models as m

    tables = (
        m.Title, m.TitleAlias, m.TitleGenre, m.TitleTheme, m.TitlePerson, m.TitleSource,
        m.Availability, m.Provider, m.Person, m.Theme, m.Genre, m.TitleRelation,
    )  # fmt: skip
    async with db.unit_of_work() as repos:  # type: ignore[attr-defined]
        return {
            t.__tablename__: int(
                await repos.session.scalar(select(func.count()).select_from(t)) or 0
            )
            for t in tables
        }


async def fresh(url: str, starter: bool) -> object:
    from db import migrate
    from db.session import Database
    from db.starter import seed_starter

    db = Database.from_url(url)
    await migrate.upgrade(db.engine)
    if starter:
        async with db.unit_of_work(write=True) as repos:
            await seed_starter(repos)
    return db


async def one_run(dbs: Databases, starter: bool, round_trip: bool) -> dict[str, float]:
    from db.imports.export import export_rows, write
    from db.imports.formats import ImportFileError
    from db.imports.importer import import_file

    db = await fresh(await dbs.new(), starter)
    data = shared_data()
    total = 0.0
    for name in FILES:
        started = time.perf_counter()
        try:
            s = await import_file(db, data / name)  # type: ignore[arg-type]
        except ImportFileError as error:
            print(f"  {name}: not imported ({error.reason})")
            continue
        took = time.perf_counter() - started
        total += took
        print(
            f"  {name}: {took:6.1f} s  added {s.added:6,}  merged {s.merged:6,}  "
            f"skipped {s.skipped:,}  ratings {s.ratings:,}"
        )
    before = await counts(db)
    print(f"  all files: {total:.1f} s; catalog: {before}")
    if round_trip:
        async with db.unit_of_work() as repos:  # type: ignore[attr-defined]
            rows = await export_rows(repos)
        for fmt in ("csv", "json"):
            buffer = io.StringIO()
            write(rows, buffer, fmt)
            path = dbs.folder / f"catalog.{fmt}"
            path.write_text(buffer.getvalue(), encoding="utf-8")
            restored = await fresh(await dbs.new(), False)
            started = time.perf_counter()
            await import_file(restored, path)  # type: ignore[arg-type]
            took = time.perf_counter() - started
            after = await counts(restored)
            diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            verdict = "identical counts" if not diff else f"DIFFERENT (original, restored): {diff}"
            print(f"  round trip reelbot-{fmt}: import {took:.1f} s, {verdict}")
            await restored.dispose()  # type: ignore[attr-defined]
    await db.dispose()  # type: ignore[attr-defined]
    return {"seconds": total, "titles": before["titles"]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--starter", action="store_true", help="seed the starter catalog first")
    parser.add_argument("--no-round-trip", action="store_true")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        dbs = Databases(args.backend, Path(folder))
        try:
            results = []
            for run in range(1, args.runs + 1):
                print(f"run {run} ({args.backend})")
                results.append(await one_run(dbs, args.starter, not args.no_round_trip))
        finally:
            await dbs.close()
    seconds = statistics.median(r["seconds"] for r in results)
    print(f"median import of all files: {seconds:.1f} s over {len(results)} run(s)")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())
