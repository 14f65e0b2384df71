"""/search and /title: the titles matching some words, and one title's card."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.buttons import watchlist_action
from bot.core.catalog import CatalogSnapshot
from bot.core.context import CommandContext
from bot.core.critics import reviewer_mentions
from bot.core.errors import UsageError
from bot.core.kernel import Core
from bot.core.params import MAX_QUERY_CHARS
from bot.core.replies import Action, Field, Item, Reply, TitleCard
from bot.core.search import search_titles
from bot.core.text import clean_user_text, country_name, language_name, shorten


class Titles:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def search(self, ctx: CommandContext, query: str) -> Reply:
        query = clean_user_text(query).strip()
        if not query:
            raise UsageError("What should I look for? e.g. /search miracle cell")
        if len(query) > MAX_QUERY_CHARS:
            raise UsageError(
                f"That is longer than any title ({MAX_QUERY_CHARS} characters at most)."
            )
        snap = await self.core.catalog.get()
        matches = await search_titles(snap, query, 10)
        if not matches:
            return Reply(
                text=f'No titles match "{shorten(query, 80)}".',
                notes=("Check the spelling, or try fewer words.",),
            )
        items = tuple(
            Item(
                text=self.core.label(snap.titles[m.title_id], with_country=True),
                detail=self.core.describe(snap.titles[m.title_id]),
                title_id=m.title_id,
            )
            for m in matches
        )
        actions = tuple(
            Action(f"ℹ {i + 1}", f"/title #{it.title_id}") for i, it in enumerate(items)
        )
        return Reply(text=f'Titles matching "{shorten(query, 80)}":', items=items, actions=actions)

    async def title(self, ctx: CommandContext, query: str) -> Reply:
        snap, t, notes = await self.core.resolve(query)
        async with self.core.db.unit_of_work() as repos:
            summary = await repos.ratings.summary(t.id)
            editorial = await repos.curation.editorial_for(t.id)
        prefs = await self.core.preferences(ctx)
        region = prefs.region
        fields: list[Field] = []
        if t.original_name and t.original_name != t.name:
            fields.append(Field("Original title", t.original_name))
        if t.countries:
            fields.append(Field("Country", ", ".join(country_name(c) for c in t.countries)))
        if t.languages:
            fields.append(Field("Language", ", ".join(language_name(x) for x in t.languages)))
        if t.directors:
            fields.append(Field("Director", ", ".join(t.directors)))
        if t.cast:
            fields.append(Field("Cast", ", ".join(t.cast[:5])))
        fields.append(Field("Members' rating", self.core.summary_text(summary)))
        watch = self.core.offers_line(snap.offers.get(t.id, []), region, prefs.services)
        fields.append(Field("Where to watch", watch))
        offered = {o.provider.casefold() for o in snap.offers.get(t.id, [])}
        if mentions := reviewer_mentions(editorial, offered):
            fields.append(Field("Reviewers' mentions", " ".join(mentions)))
        versions = snap.model.versions_of(t.id)
        if versions:
            fields.append(Field("Other versions", versions_text(snap, versions)))
        card = TitleCard(
            title_id=t.id,
            heading=self.core.label(t),
            subheading=self.core.describe(t),
            fields=tuple(fields),
            body=t.synopsis,
            poster_url=t.poster_url,
        )
        return Reply(card=card, notes=tuple(notes), actions=self.title_actions(t.id))

    def title_actions(self, title_id: int) -> tuple[Action, ...]:
        return (
            Action("More like this", f"/recommend #{title_id}"),
            Action("Where to watch", f"/where #{title_id}"),
            Action("Reviews", f"/reviews #{title_id}"),
            watchlist_action(title_id),
        )


def versions_text(snap: CatalogSnapshot, ids: Sequence[int]) -> str:
    return ", ".join(
        f"{country_name(snap.titles[v].countries[0]) if snap.titles[v].countries else ''} "
        f"{snap.titles[v].year or ''}".strip()
        for v in ids
    )
