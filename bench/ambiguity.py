"""How often a name shared by several titles resolves to one by notability, on a real catalog.

    DATABASE_URL=sqlite+aiosqlite:////tmp/imported.sqlite3 .venv/bin/python bench/ambiguity.py

The database must already hold the catalog (e.g. `reelbot seed import` of ../shared/data into a
scratch database). Prints the number of same-name groups, how many the original-of-a-story rule
settles, how many go to a clear favourite (bot/core/notability.py) and how many still ask, with
a few examples of each. Reads only.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict

from bot.core.catalog import CatalogCache
from bot.core.text import normalise_title
from db.session import Database


async def main(url: str, examples: int = 8) -> None:
    db = Database.from_url(url)
    snap = await CatalogCache(db).get()
    groups: dict[str, list[int]] = defaultdict(list)
    for t in snap.titles.values():
        groups[normalise_title(t.name)].append(t.id)
    shared = {k: ids for k, ids in groups.items() if len(ids) > 1}
    outcome: dict[str, list[str]] = defaultdict(list)
    for ids in shared.values():
        roots = {snap.model.story[t] for t in ids}
        if len(roots) == 1 and next(iter(roots)) in ids:
            kind = "original"
        else:
            kind = "favourite" if snap.notability.clear_favourite(ids) is not None else "ask"
        shown = ", ".join(
            f"{snap.titles[t].label}={snap.notability.score(t):.2f}"
            for t in snap.notability.ranked(ids)
        )
        outcome[kind].append(shown)
    print(f"{len(snap.titles)} titles, {len(shared)} names shared by several titles")
    for kind in ("original", "favourite", "ask"):
        print(f"{kind}: {len(outcome[kind])}")
        for line in outcome[kind][:examples]:
            print(f"   {line}")
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(os.environ["DATABASE_URL"]))
