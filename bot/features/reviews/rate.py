"""A member's own ratings: /review rates a title (with a review and a diary date if given),
takes a rating back and brings a removed one back (its Undo); /myratings lists them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from bot.core.catalog import CatalogSnapshot
from bot.core.context import CommandContext
from bot.core.errors import TextTooLongError
from bot.core.kernel import Core
from bot.core.permissions import actor
from bot.core.ratings import parse_rating, stars, stars_number
from bot.core.replies import Action, Reply
from bot.core.text import clean_user_text
from bot.features.reviews import removed_ratings
from bot.features.reviews.diary import format_day
from bot.features.reviews.myratings import RatingsView, ratings_page
from db.models import MAX_REVIEW_CHARS
from db.records import RatingChange
from db.repositories import Repositories
from recommender import TitleFacts


class Ratings:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def review(
        self,
        ctx: CommandContext,
        query: str,
        rating: str,
        text: str | None = None,
        spoiler: bool = False,
        watched_on: date | None = None,
    ) -> Reply:
        """Rate a title. `watched_on` is the diary date (--on); without it a new rating is
        dated today in the member's time zone and a re-rating keeps its earlier date."""
        half = parse_rating(rating)
        review = clean_user_text(text).strip() if text else None
        if review and len(review) > MAX_REVIEW_CHARS:
            raise TextTooLongError(
                f"Reviews can be up to {MAX_REVIEW_CHARS:,} characters; yours has "
                f"{len(review):,}. Trim it and send it again."
            )
        _snap, t, notes = await self.core.resolve(query, write=True)
        name = clean_user_text(ctx.display_name).strip() or ctx.user_id
        user_key = (ctx.platform, ctx.user_id, name)
        day: date | None = watched_on or await self.core.today(ctx)

        async def rate(repos: Repositories) -> tuple[int, RatingChange]:
            user_id = self.core.db.user_ids.get(user_key) or await repos.users.ensure(
                ctx.platform, ctx.user_id, name
            )
            change = await repos.ratings.rate(
                user_id,
                t.id,
                half,
                review or None,
                spoiler and bool(review),
                watched_on=day,
                replace_date=watched_on is not None,
            )
            # Seen it: off the watchlist, as Letterboxd takes a logged film off it.
            await repos.watchlist.remove(user_id, t.id)
            return user_id, change

        user_id, change = await self.core.db.write(rate)  # the hot write path: group-committed
        self.core.db.user_ids[user_key] = user_id  # only once the transaction has committed
        self.core.catalog.note_rating(user_id, t.id, half, change.previous_half_stars)
        previous = change.previous_half_stars
        # Keeping the old text happens in the upsert itself; this only says so.
        kept = previous is not None and not review and change.previous_had_text
        verb = "Rated" if previous is None else "Updated your rating of"
        changed = (
            f" (was {stars_number(previous)})" if previous is not None and previous != half else ""
        )
        if watched_on is None and previous is not None:
            day = change.previous_watched_on  # kept, or None for a rating from before diaries
        dated = f", watched {format_day(day)}" if day else ""
        rated = f"{stars(half)} {stars_number(half)}{changed}{dated}"
        lines = [f"{verb} {self.core.label(t)}: {rated}."]
        if kept:
            lines.append("Your earlier review text is kept with it.")
        elif review:
            lines.append("Your review is saved" + (" and marked as a spoiler." if spoiler else "."))
        return Reply(
            text=" ".join(lines),
            notes=(*notes, f"Members' rating: {self.core.summary_text(change.summary)}."),
            actions=(
                Action("More like this", f"/recommend #{t.id}"),
                Action("Reviews", f"/reviews #{t.id}"),
                Action("Undo", f"/review #{t.id} remove"),
            ),
        )

    async def remove_review(self, ctx: CommandContext, query: str) -> Reply:
        """Take back the member's own rating and review of a title."""
        snap = await self.core.catalog.get()
        async with self.core.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.for_user(user_id) if user_id is not None else []
        t, notes = await self._meant(snap, query, {r.title_id for r in mine})  # rated ones
        async with self.core.db.unit_of_work(write=True) as repos:
            removed = await repos.ratings.remove(user_id, t.id) if user_id is not None else None
            if removed is not None:
                await removed_ratings.keep(repos, actor(ctx), removed, self.core.clock())
            summary = await repos.ratings.summary(t.id)
        if removed is None:
            return Reply(
                text=f"You haven't rated {self.core.label(t)}, so there was nothing to remove.",
                notes=(*notes, "Your ratings: /myratings"),
            )
        what = "rating and review" if removed.review else "rating"
        return Reply(
            text=f"Removed your {what} of {self.core.label(t)} "
            f"({stars_number(removed.half_stars)}).",
            notes=(*notes, f"Members' rating now: {self.core.summary_text(summary)}."),
            actions=(
                Action("Undo", f"/review #{t.id} restore", owner_only=True),
                Action("Reviews", f"/reviews #{t.id}"),
                Action("My ratings", "/myratings"),
            ),
        )

    async def restore_review(self, ctx: CommandContext, query: str) -> Reply:
        """Undo a removal: the member's rating, review, spoiler mark and diary date as they
        were (within removed_ratings.UNDO_TTL, and only if not rated again since)."""
        snap = await self.core.catalog.get()
        now = self.core.clock()
        async with self.core.db.unit_of_work() as repos:
            kept = await removed_ratings.kept_titles(repos, actor(ctx), now)
        t, notes = await self._meant(snap, query, kept)  # the ones they removed
        async with self.core.db.unit_of_work(write=True) as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            rating = await removed_ratings.take(repos, actor(ctx), t.id, now)
            restored = (
                await repos.ratings.restore(user_id, rating)
                if rating is not None and user_id is not None
                else False
            )
            summary = await repos.ratings.summary(t.id)
        if rating is None:
            return Reply(
                text=f"There is no removed rating of {self.core.label(t)} to bring back (an undo "
                f"lasts {removed_ratings.UNDO_TTL.days} days).",
                notes=(*notes, "Your ratings: /myratings"),
            )
        if not restored:
            return Reply(
                text=f"You have rated {self.core.label(t)} again since, so I kept that rating.",
                notes=(*notes, "Your ratings: /myratings"),
            )
        assert user_id is not None
        self.core.catalog.note_rating(user_id, t.id, rating.half_stars, None)
        what = "rating and review" if rating.review else "rating"
        return Reply(
            text=f"Restored your {what} of {self.core.label(t)} "
            f"({stars_number(rating.half_stars)}).",
            notes=(*notes, f"Members' rating: {self.core.summary_text(summary)}."),
            actions=(
                Action("Reviews", f"/reviews #{t.id}"),
                Action("My ratings", "/myratings"),
            ),
        )

    async def myratings(self, ctx: CommandContext, view: RatingsView | None = None) -> Reply:
        """The member's own ratings (in a group too: only theirs), one page of `view`."""
        snap = await self.core.catalog.get()
        async with self.core.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.for_user(user_id) if user_id is not None else []
        mine = [r for r in mine if r.title_id in snap.titles]
        return ratings_page(
            mine,
            view or RatingsView(),
            lambda tid: self.core.label(snap.titles[tid]),
            in_group=ctx.is_group,
        )

    async def _meant(
        self, snap: CatalogSnapshot, query: str, theirs: Collection[int]
    ) -> tuple[TitleFacts, list[str]]:
        """The title a member means by `query` for a write, with resolve's notes: of several
        titles with that name, the one among `theirs` (their ratings, their removed ones)."""
        named = snap.index.exact_ids(query) & set(theirs)
        if len(named) == 1:
            return snap.titles[named.pop()], []
        _snap, t, notes = await self.core.resolve(query, write=True)
        return t, notes
