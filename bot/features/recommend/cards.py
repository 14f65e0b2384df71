"""Title cards for a search, for front ends that show results as shareable cards (Telegram's
inline mode: "@reelbot miracle cell" in any chat)."""

from __future__ import annotations

from bot.core.context import CommandContext
from bot.core.params import MAX_QUERY_CHARS
from bot.core.replies import Reply
from bot.core.text import clean_user_text
from bot.features.recommend.titles import Titles

MAX_CARDS = 50


async def title_cards(
    titles: Titles, ctx: CommandContext, query: str, limit: int = MAX_CARDS, offset: int = 0
) -> list[Reply]:
    """The title card (as /title shows it) of each title matching `query`, best first."""
    query = clean_user_text(query).strip()[:MAX_QUERY_CHARS]
    if not query:
        return []
    snap = await titles.core.catalog.get()
    matches = snap.index.search(query, limit=offset + limit)[offset:]
    return [await titles.title(ctx, f"#{m.title_id}") for m in matches]
