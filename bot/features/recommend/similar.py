"""/recommend: titles like one title, with the reasons; without a title, picks from the
member's own ratings (or their watchlist, best for them first)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from bot.core.buttons import list_actions
from bot.core.catalog import CatalogSnapshot
from bot.core.context import CommandContext
from bot.core.errors import UsageError
from bot.core.kernel import Core
from bot.core.list_filters import ListFilters
from bot.core.preferences import Preferences
from bot.core.replies import Item, Reply
from bot.features.recommend.titles import versions_text
from recommender import Suggestion, TitleFacts, TitleFilter

MAX_RECOMMENDATIONS = 20
DEFAULT_RECOMMENDATIONS = 5


class Similar:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def recommend(
        self,
        ctx: CommandContext,
        query: str | None,
        limit: int = DEFAULT_RECOMMENDATIONS,
        filters: ListFilters | None = None,
    ) -> Reply:
        if not 1 <= limit <= MAX_RECOMMENDATIONS:
            raise UsageError(f"Ask for 1 to {MAX_RECOMMENDATIONS} suggestions.")
        prefs = await self.core.preferences(ctx)
        filters = (filters or ListFilters(TitleFilter())).in_region(prefs.region)
        if not query or not query.strip():
            return await self.personal_picks(ctx, limit, filters, prefs)
        if filters.watchlist:
            raise UsageError(
                "--watchlist ranks your whole watchlist for you: /recommend --watchlist "
                "(without a title)."
            )
        snap, source, notes = await self.core.resolve(query)
        exclude: set[int] = set()
        if filters.unrated:
            async with self.core.db.unit_of_work() as repos:
                user_id = await repos.users.find(ctx.platform, ctx.user_id)
                mine = await repos.ratings.for_user(user_id) if user_id is not None else []
            exclude = {r.title_id for r in mine}
        suggestions = snap.model.similar(
            source.id, k=limit, exclude=exclude, filters=filters.titles
        )
        if not filters.is_empty:
            notes = [*notes, filters.describe()]
        region = filters.titles.region or prefs.region  # --in KR: only KR offers in the lines
        heading = f"If you liked {self.core.label(source)}, watch:"
        versions = snap.model.versions_of(source.id)
        if versions and not notes:
            notes = [*notes, f"Other versions: {versions_text(snap, versions)}."]
        if not suggestions:
            nothing = "nothing similar" if filters.is_empty else "nothing similar that fits"
            return Reply(
                text=f"I have {nothing} to {self.core.label(source)} yet.",
                notes=tuple(notes),
            )
        return Reply(
            text=heading,
            items=self.suggestion_items(snap, suggestions, source, region, prefs.services),
            notes=tuple(notes),
            actions=list_actions([s.title_id for s in suggestions]),
        )

    def suggestion_items(
        self,
        snap: CatalogSnapshot,
        suggestions: Sequence[Suggestion],
        source: TitleFacts | None,
        region: str | None,
        services: Sequence[str] = (),
    ) -> tuple[Item, ...]:
        items = []
        for s in suggestions:
            t = snap.titles[s.title_id]
            detail = self.core.reason(snap, s.evidence, source)
            if s.versions:
                detail += f" (also: {versions_text(snap, s.versions)})"
            items.append(
                Item(
                    text=f"{self.core.label(t)} — {self.core.describe(t)}",
                    detail=detail,
                    extra=self.core.offers_line(snap.offers.get(t.id, []), region, services),
                    title_id=t.id,
                )
            )
        return tuple(items)

    async def personal_picks(
        self,
        ctx: CommandContext,
        limit: int,
        filters: ListFilters | None = None,
        prefs: Preferences | None = None,
    ) -> Reply:
        prefs = prefs or await self.core.preferences(ctx)
        filters = (filters or ListFilters(TitleFilter())).in_region(prefs.region)
        region = filters.titles.region or prefs.region
        snap = await self.core.catalog.get()
        async with self.core.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.for_user(user_id) if user_id is not None else []
            listed = await repos.watchlist.title_ids(user_id) if user_id is not None else set()
        rated = {r.title_id: r.half_stars / 2 for r in mine}
        seen = snap.seen_versions(rated)
        times = [r.updated_at.timestamp() for r in mine]
        notes: list[str] = [] if filters.is_empty else [filters.describe()]
        if filters.watchlist:
            return self._watchlist_picks(
                snap, ctx, rated, times, listed, limit, filters, prefs, notes
            )
        suggestions = snap.personal_picks(
            rated, limit, filters.titles, times, time.time(), exclude=listed
        )
        if listed:
            notes.append(
                f"Leaving out the {len(listed)} title(s) on your watchlist; "
                "ranked: /recommend --watchlist"
            )
        if suggestions:
            heading = f"Picks for {ctx.display_name}, from your {len(rated)} rating(s):"
        else:
            suggestions = snap.model.popular(
                limit, snap.popularity, exclude=set(rated) | seen | listed, filters=filters.titles
            )
            heading = "Popular, well-rated picks to start with:"
            if not suggestions and not filters.is_empty:
                heading = "Nothing in the catalog fits those filters yet."
            elif not rated:
                notes.append(
                    "Rate a few titles with /review <title> <rating> and I'll tailor these to you."
                )
        return Reply(
            text=heading,
            items=self.suggestion_items(snap, suggestions, None, region, prefs.services),
            notes=tuple(notes),
            actions=list_actions([s.title_id for s in suggestions]),
        )

    def _watchlist_picks(
        self,
        snap: CatalogSnapshot,
        ctx: CommandContext,
        rated: dict[int, float],
        rated_at: list[float],
        listed: set[int],
        limit: int,
        filters: ListFilters,
        prefs: Preferences,
        notes: list[str],
    ) -> Reply:
        """/recommend --watchlist: the member's watchlist, best for them first."""
        if not listed:
            return Reply(
                text="Your watchlist is empty, so there is nothing to rank.",
                notes=("Add titles with /watchlist add <title>, or + Watchlist on a card.",),
            )
        suggestions = snap.watchlist_picks(rated, listed, limit, filters.titles, rated_at)
        if not suggestions:
            return Reply(text="Nothing on your watchlist fits those filters.", notes=tuple(notes))
        how = "by your ratings" if rated else "by members' ratings; rate titles to tailor it"
        region = filters.titles.region or prefs.region
        return Reply(
            text=f"From {ctx.display_name}'s watchlist, best first ({how}):",
            items=self.suggestion_items(snap, suggestions, None, region, prefs.services),
            notes=tuple(notes),
            actions=list_actions([s.title_id for s in suggestions], add=False),
        )
