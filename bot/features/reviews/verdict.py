"""/reviews: a title's verdict: critics' reviews apart, then the members' average, their
distribution and the latest member reviews."""

from __future__ import annotations

from bot.core.context import CommandContext
from bot.core.critics import editorial_field
from bot.core.kernel import Core
from bot.core.permissions import is_admin
from bot.core.ratings import stars, stars_number
from bot.core.replies import Field, Item, Reply, TitleCard
from bot.features.reviews.diary import format_day


class Verdicts:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def reviews(self, ctx: CommandContext, query: str, limit: int = 5) -> Reply:
        _snap, t, notes = await self.core.resolve(query)
        async with self.core.db.unit_of_work() as repos:
            summary = await repos.ratings.summary(t.id)
            latest = await repos.ratings.latest_reviews(t.id, limit)
            editorial = await repos.curation.editorial_for(t.id)
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.get(user_id, t.id) if user_id is not None else None
        admin = is_admin(ctx, self.core.settings)  # admins see review ids, for moderation
        # Critics' verdicts come first and apart: they are not members' votes.
        critics = [editorial_field(e, show_id=admin) for e in editorial]
        if not summary.count and not critics:
            return Reply(
                text=f"No member has rated {self.core.label(t)} yet.",
                notes=(*notes, f"Be the first: /review {t.name} 4.5 what you thought"),
            )
        if not summary.count:
            return Reply(
                card=TitleCard(
                    title_id=t.id,
                    heading=f"Reviews: {self.core.label(t)}",
                    subheading=self.core.describe(t),
                    fields=tuple(critics),
                ),
                notes=(*notes, f"No member has rated it yet: /review {t.name} 4.5 your take"),
            )
        fields = [*critics, Field("Average", self.core.summary_text(summary))]
        if mine is not None:
            day = f" · watched {format_day(mine.watched_on)}" if mine.watched_on else ""
            yours = f"{stars(mine.half_stars)} {stars_number(mine.half_stars)}{day}"
            fields.append(Field("You", yours))
        top = max(summary.distribution.values())
        bars = [
            f"{stars_number(h):>4} {'█' * max(1, round(8 * n / top))} {n}"
            for h, n in sorted(summary.distribution.items(), reverse=True)
        ]
        fields.append(Field("Distribution", "\n".join(bars)))
        items = []
        for r in latest:
            # Others' lines say when they posted; the reader's own says when they watched it.
            if mine is not None and r.user_id == user_id:
                day = f" · watched {format_day(mine.watched_on)}" if mine.watched_on else ""
                line = f"{r.author} (you) — {stars_number(r.half_stars)}{day}"
            else:
                line = f"{r.author} — {stars_number(r.half_stars)} · {r.updated_at:%d %b %Y}"
            items.append(
                Item(
                    text=line + (f" · id {r.rating_id}" if admin else ""),
                    detail=r.review or "",
                    spoiler=r.spoiler,  # the reader's own too: /myratings --spoilers shows those
                )
            )
        return Reply(
            card=TitleCard(
                title_id=t.id,
                heading=f"{'Reviews' if critics else 'Community verdict'}: {self.core.label(t)}",
                subheading=self.core.describe(t),
                fields=tuple(fields),
            ),
            items=tuple(items),
            notes=tuple(notes),
        )
