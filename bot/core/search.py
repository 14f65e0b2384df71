"""Fuzzy title search that keeps the event loop free on a big catalog.

A fuzzy pass scores up to a few thousand names with rapidfuzz: well under a millisecond on the
starter catalog, several on a catalog of 100,000 titles, while the bot's other chats wait. On a
big catalog it runs in a worker thread, and the loop goes on answering meanwhile (Python
switches between the two every few milliseconds instead of after the whole search). The index
may change in place meanwhile (an admin edit on the loop); a search that tripped over that is
run again on the loop."""

from __future__ import annotations

import asyncio

from bot.core.catalog import CatalogSnapshot
from bot.core.title_index import Match

# From this many titles on, a fuzzy search goes to a thread.
OFF_LOOP_TITLES = 20_000


async def search_titles(
    snapshot: CatalogSnapshot, text: str, limit: int, fuzzy_after_exact: bool = True
) -> list[Match]:
    index = snapshot.index
    if len(snapshot.titles) < OFF_LOOP_TITLES:
        return index.search(text, limit=limit, fuzzy_after_exact=fuzzy_after_exact)
    try:
        return await asyncio.to_thread(index.search, text, limit, fuzzy_after_exact)
    except (RuntimeError, KeyError):  # a set or dict changed under the thread
        return index.search(text, limit=limit, fuzzy_after_exact=fuzzy_after_exact)
