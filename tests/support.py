"""Small helpers shared by the command, search and database tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.app import App
from bot.console_adapter.chat import console_context
from bot.core.replies import Reply
from db import models as m


async def say(app: App, line: str, user: str = "ana", region: str | None = None) -> Reply:
    """What the bot answers when `user` types `line` in the console chat."""
    return await app.dispatcher.handle(console_context(user, region), line)


async def title_id(app: App, name: str, year: int, country: str | None = None) -> int:
    """The catalog id of one title, looked up from facts rather than hard-coded ids."""
    snap = await app.core.catalog.get()
    found = [
        t.id
        for t in snap.titles.values()
        if t.name == name and t.year == year and (country is None or country in t.countries)
    ]
    assert len(found) == 1, f"expected one {name} ({year}, {country}) in the catalog: {found}"
    return found[0]


async def count_rows(app: App, model: Any) -> int:
    async with app.db.unit_of_work() as repos:
        return int(await repos.session.scalar(select(func.count()).select_from(model)) or 0)


async def rating_rows(app: App) -> list[tuple[str, int, int, str | None, bool]]:
    """(platform user id, title id, half stars, review, spoiler) for every stored rating."""
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(
                m.User.platform_user_id,
                m.Rating.title_id,
                m.Rating.half_stars,
                m.Rating.review,
                m.Rating.spoiler,
            )
            .join(m.User, m.User.id == m.Rating.user_id)
            .order_by(m.Rating.id)
        )
        return [(u, t, h, r, s) for u, t, h, r, s in rows]


def all_text(reply: Reply) -> str:
    """Every piece of text a reply shows, for loose "mentions X" checks."""
    parts = [reply.text, *reply.notes]
    if reply.card is not None:
        parts += [reply.card.heading, reply.card.subheading, reply.card.body or ""]
        parts += [f"{f.name}: {f.value}" for f in reply.card.fields]
    for item in reply.items:
        parts += [item.text, item.detail, item.extra]
    parts += [f"{a.label} {a.command}" for a in reply.actions]
    return "\n".join(parts)


def field(reply: Reply, name: str) -> str:
    assert reply.card is not None, f"expected a card, got {reply!r}"
    values = [f.value for f in reply.card.fields if f.name == name]
    assert values, f"no {name!r} field in {[f.name for f in reply.card.fields]}"
    return values[0]
