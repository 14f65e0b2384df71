"""Do imported titles reach a member's personal picks? The bot's own path, on everything imported.

A fresh SQLite database gets the starter catalog (as on first start) and every file in
../shared/data the importer reads (the four streaming lists, both MyDramaList Korean drama
lists, MovieLens with its ratings), through `db.imports.importer.import_file`. One member then
rates a fixed, mixed history (K-dramas, films, an anime, one dislike) with `/review #id`, and
asks `/recommend` plain, `--series`, `--film` and `--on netflix` through the dispatcher, exactly
as a chat would. For each list the script prints the picks, marking titles that are not in the
starter catalog, and the share of such imported titles.

    .venv/bin/python bench/personal_mix.py                  # about 2-4 minutes on 2 busy cores
    .venv/bin/python bench/personal_mix.py --keep /tmp/mix.sqlite3   # reuse the imported db

A title counts as "starter" when the starter catalog has it (an import may have merged more
facts into it); "imported" when only imports brought it. The starter catalog is ~177 of the
~32,000 titles, so a ranking that treats both alike shows mostly imported titles.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from shared_files import EVERYTHING  # noqa: E402  (bench/, beside this script)

from bot.app import App, open_app  # noqa: E402
from bot.core.context import CommandContext  # noqa: E402
from bot.core.replies import Reply  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.imports.importer import ImportFileError, ImportOptions, import_file  # noqa: E402
from recommender import TitleFacts  # noqa: E402

DATA = Path(os.environ.get("REELBOT_SHARED_DATA") or REPO.parent / "shared" / "data").resolve()
IMPORTS = EVERYTHING
# (name, year, stars): K-dramas, films, an anime and one title the member disliked.
HISTORY = (
    ("Crash Landing on You", 2019, 5.0),
    ("Reply 1988", 2015, 5.0),
    ("My Mister", 2018, 4.5),
    ("Signal", 2016, 4.5),
    ("Hospital Playlist", 2020, 4.0),
    ("Parasite", 2019, 5.0),
    ("Oldboy", 2003, 4.0),
    ("Inception", 2010, 4.5),
    ("Spirited Away", 2001, 5.0),
    ("Transformers", 2007, 2.0),
)
LISTS = ("", "--series", "--film", "--on netflix")
PICKS = 20  # the most /recommend gives


async def import_everything(app: App) -> None:
    for name in IMPORTS:
        path = DATA / name
        started = time.perf_counter()
        try:
            s = await import_file(app.db, path, ImportOptions(skip_bad=True))
        except ImportFileError as error:
            print(f"  {name}: not imported ({error})")
            continue
        print(
            f"  {name}: {s.added} added, {s.merged} merged, {s.ratings} ratings "
            f"[{time.perf_counter() - started:.0f} s]",
            flush=True,
        )
    app.core.catalog.invalidate()


def find(titles: dict[int, TitleFacts], name: str, year: int) -> TitleFacts:
    key = name.casefold()
    found = sorted(
        (t for t in titles.values() if t.name.casefold() == key and t.year == year),
        key=lambda t: t.id,
    )
    if not found:
        raise SystemExit(f"{name} ({year}) is not in the catalog")
    return found[0]


def member() -> CommandContext:
    return CommandContext(
        platform="bench",
        user_id="mix-member",
        display_name="Mix",
        chat_id="mix-chat",
        chat_name="mix",
        is_group=False,
    )


def check(reply: Reply, line: str) -> Reply:
    if reply.is_error:
        raise SystemExit(f"{line}: {reply.text}")
    return reply


async def run(db_path: Path, data_dir: Path, fresh: bool) -> float:
    app = await open_app(Settings(database_url=f"sqlite+aiosqlite:///{db_path}", data_dir=data_dir))
    try:
        async with app.db.unit_of_work() as repos:
            titles = await repos.catalog.load_titles()
        if fresh:
            print(f"starter catalog: {len(titles)} titles; importing {DATA}")
            await import_everything(app)
        snap = await app.core.catalog.get()
        # The starter catalog is seeded first, so its titles have the lowest ids.
        starter = set(sorted(snap.titles)[: len(load_starter_keys())])
        print(f"catalog: {len(snap.titles):,} titles, {len(starter)} from the starter catalog")
        ctx = member()
        print("\nthe member's ratings:")
        for name, year, stars in HISTORY:
            t = find(snap.titles, name, year)
            line = f"/review #{t.id} {stars:g}"
            check(await app.dispatcher.handle(ctx, line), line)
            origin = "starter" if t.id in starter else "imported"
            print(f"  {stars:g}★ {t.label} [{t.kind}, {origin}]")
        shares = []
        for flags in LISTS:
            line = f"/recommend {PICKS} {flags}".strip()
            started = time.perf_counter()
            reply = check(await app.dispatcher.handle(ctx, line), line)
            ms = (time.perf_counter() - started) * 1000
            ids = [item.title_id for item in reply.items if item.title_id is not None]
            imported = [t for t in ids if t not in starter]
            share = len(imported) / len(ids) if ids else 0.0
            shares.append(share)
            print(f"\n{line}: {len(imported)}/{len(ids)} imported ({share:.0%}), {ms:.0f} ms")
            for i, t in enumerate(ids, 1):
                mark = "  " if t in starter else "+ "
                print(f"  {i:>2}. {mark}{snap.titles[t].label} [{snap.titles[t].kind}]")
        return sum(shares) / len(shares)
    finally:
        await app.close()


def load_starter_keys() -> list[str]:
    from db.starter import load_starter

    return [t.key for t in load_starter()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="SQLite file to reuse (imported on first run)")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"# load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; nproc {os.cpu_count()}")
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="reelbot-mix-"))
    try:
        db_path = args.keep or tmp / "mix.sqlite3"
        mean_share = asyncio.run(run(db_path, tmp, fresh=not db_path.exists()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmean share of imported titles over the {len(LISTS)} lists: {mean_share:.0%}")
    print(f"# {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
