"""/where: where to stream, rent or buy a title, in the member's region, their services first;
--notify also puts it on their watchlist, to be told when it reaches those services."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from bot.core.buttons import watchlist_action
from bot.core.context import CommandContext
from bot.core.critics import reviewer_mentions
from bot.core.kernel import OFFER_KIND_LABELS, Core
from bot.core.params import parse_region
from bot.core.preferences import SOURCES, Preferences
from bot.core.replies import Field, Reply, TitleCard
from bot.core.text import country_name


class WhereToWatch:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def where(
        self, ctx: CommandContext, query: str, region: str | None = None, notify: bool = False
    ) -> Reply:
        if region is not None:
            region = parse_region(region)
        if notify:
            t, _added, notes = await self.core.watchlist_add(ctx, query, "notify")
            snap = await self.core.catalog.get()
        else:
            snap, t, notes = await self.core.resolve(query)
        offers = snap.offers.get(t.id, [])
        async with self.core.db.unit_of_work() as repos:
            editorial = await repos.curation.editorial_for(t.id)
            member = (
                await repos.users.member_settings(ctx.platform, ctx.user_id) if notify else None
            )
        prefs = await self.core.preferences(ctx, region)
        region = prefs.region
        if member is not None:
            notes = [*notes, self._notify_note(prefs, member.alerts)]
        # Services a reviewer named without a region or date: shown apart from the offers.
        mentions = reviewer_mentions(editorial, {o.provider.casefold() for o in offers})
        actions = () if notify else (watchlist_action(t.id),)
        if not offers:
            return Reply(
                text=f"Where to watch {self.core.label(t)}:",
                notes=(
                    *notes,
                    "I don't know where this is available yet."
                    if not mentions
                    else "No dated offers are recorded for any region.",
                    *mentions,
                ),
                actions=actions,
            )
        shown = [o for o in offers if region is None or o.region == region]
        extra_notes = [*notes, *mentions]
        if region is None:
            extra_notes.append(
                "No region set, so this lists every region. Add one: /where <title> US, "
                "or set yours: /settings me region US"
            )
        elif prefs.region_source != "option":
            extra_notes.append(
                f"Region {region}: {SOURCES[prefs.region_source]} (another: /where <title> US)."
            )
        if region is not None and not shown:
            elsewhere = ", ".join(sorted({o.region for o in offers}))
            return Reply(
                text=f"Where to watch {self.core.label(t)} in {country_name(region)} ({region}):",
                notes=(
                    *extra_notes,
                    f"Not known to be available in {region}. Known in: {elsewhere}.",
                ),
                actions=actions,
            )
        stale_days = timedelta(days=self.core.settings.stale_offer_days)
        stale_before = self.core.clock().date() - stale_days
        mine = {service.casefold() for service in prefs.services}
        groups: dict[str, list[str]] = defaultdict(list)
        for o in sorted(shown, key=lambda o: (o.provider, o.region)):
            label = o.provider if region else f"{o.provider} ({o.region})"
            if o.provider.casefold() in mine:
                label += " ✓"  # one of the member's (or chat's) services
            label += f" — as of {o.as_of:%d %b %Y}"
            if o.as_of < stale_before:
                label += " (old, may have changed)"
            groups[o.kind].append(label)
        fields = tuple(
            Field(OFFER_KIND_LABELS[kind], "\n".join(dict.fromkeys(groups[kind])))
            for kind in OFFER_KIND_LABELS
            if kind in groups
        )
        place = f" in {country_name(region)} ({region})" if region else ""
        if mine:
            extra_notes.append(f"✓ on your services ({SOURCES[prefs.services_source]}).")
        extra_notes.append("Catalogs change: check before you press play.")
        return Reply(
            card=TitleCard(
                title_id=t.id,
                heading=f"Where to watch {self.core.label(t)}{place}",
                subheading=self.core.describe(t),
                fields=fields,
            ),
            notes=tuple(extra_notes),
            actions=actions,
        )

    def _notify_note(self, prefs: Preferences, alerts_on: bool) -> str:
        if not alerts_on:
            return (
                "On your watchlist. Your watchlist alerts are off, so I won't message you: "
                "/settings me alerts on"
            )
        if not prefs.services:
            return (
                "On your watchlist. I'll message you when it is on your services — tell me "
                "which you have: /settings me services netflix, viki"
            )
        return (
            "On your watchlist. I'll message you when it is on your services "
            f"({', '.join(prefs.services)})."
        )
