"""The command layer both chat front ends call. It knows nothing of Discord or Telegram: each
command takes a CommandContext and parsed arguments, runs one unit of work and returns a Reply."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from bot.core import removed_ratings
from bot.core.catalog import CatalogCache, CatalogSnapshot
from bot.core.clock import Clock, system_clock
from bot.core.context import CommandContext
from bot.core.critics import editorial_field, reviewer_mentions
from bot.core.diary import format_day
from bot.core.errors import (
    AmbiguousTitleError,
    TextTooLongError,
    TitleChoice,
    UnknownTitleError,
    UsageError,
)
from bot.core.list_filters import ListFilters
from bot.core.myratings import RatingsView, ratings_page
from bot.core.params import MAX_QUERY_CHARS, parse_region, parse_title
from bot.core.permissions import actor, is_admin
from bot.core.preferences import SOURCES, Preferences, PreferenceStore
from bot.core.ratings import parse_rating, stars, stars_number
from bot.core.replies import Action, Field, Item, Reply, TitleCard
from bot.core.search import search_titles
from bot.core.text import (
    clean_user_text,
    country_adjective,
    country_name,
    language_name,
    shorten,
)
from bot.settings import Settings
from db.models import MAX_REVIEW_CHARS
from db.records import RatingChange, RatingSummary
from db.repositories import Repositories
from db.session import Database
from recommender import Offer, Suggestion, TitleFacts, TitleFilter
from recommender.models import Evidence

MAX_RECOMMENDATIONS = 20
DEFAULT_RECOMMENDATIONS = 5
WATCHLIST_LABEL = "+ Watchlist"
WATCHLIST_ADD = "/watchlist add #"  # + the title id: what every "+ Watchlist" button runs
BUTTONS_PER_ROW = 5  # list buttons go in rows of five on every front end
OFFER_KIND_LABELS = {
    "stream": "Stream",
    "free": "Free",
    "rent": "Rent",
    "buy": "Buy",
}


class Core:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        catalog: CatalogCache | None = None,
        clock: Clock = system_clock,
    ):
        self.db = db
        self.settings = settings
        self.catalog = catalog or CatalogCache(db)
        self.clock = clock
        self.preference_store = PreferenceStore(db, settings)

    # -- title resolution ------------------------------------------------------------------

    def label(self, t: TitleFacts, with_country: bool = False) -> str:
        parts = [str(t.year)] if t.year else []
        if with_country and t.countries:
            parts.append(country_name(t.countries[0]))
        return f"{t.name} ({', '.join(parts)})" if parts else t.name

    def _choice(self, snap: CatalogSnapshot, tid: int) -> TitleChoice:
        return TitleChoice(tid, self.label(snap.titles[tid], with_country=True))

    async def resolve(
        self, query: str, write: bool = False, famous: bool = True
    ) -> tuple[CatalogSnapshot, TitleFacts, list[str]]:
        """The one title the user means, plus notes to show (e.g. "showing results for").

        Reads take the best fuzzy guess and say so. Writes (ratings, reviews, watch-party
        candidates, admin edits) take a fuzzy match only when TitleIndex.confident vouches for
        it; otherwise the member gets the closest titles to choose from. Of several titles with
        the typed name the clearly best known is taken, unless `famous` is False (admin edits
        change the catalog for everyone: they always ask)."""
        query = parse_title(clean_user_text(query))
        snap = await self.catalog.get()
        if query.startswith("#") and query[1:].isdigit():  # buttons refer to titles by id
            tid = int(query[1:])
            if tid not in snap.titles:
                raise UnknownTitleError("That title is no longer in the catalog.")
            return snap, snap.titles[tid], []
        matches = snap.index.search(query, limit=8, fuzzy_after_exact=False)
        exact = [m.title_id for m in matches if m.exact]
        if len(exact) == 1:
            return snap, snap.titles[exact[0]], []
        if exact:
            chosen, note = self._pick_version(snap, query, exact, famous)
            return snap, chosen, [note]
        # Closest first; among equally close names, the best-known title first.
        matches.sort(key=lambda m: (-m.score, -snap.notability.score(m.title_id)))
        if write:
            sure = [m.title_id for m in matches if snap.index.confident(query, m.title_id)]
            stories = {snap.model.story.get(t, t) for t in sure}
            chosen_id = sure[0] if len(stories) == 1 else snap.notability.clear_favourite(sure)
            if chosen_id is not None:
                t = snap.titles[chosen_id]
                return snap, t, [f'Showing {self.label(t)} for "{shorten(query, 60)}".']
            raise UnknownTitleError(
                f'"{shorten(query, 80)}" is not in the catalog, so I saved nothing.'
                + (" Did you mean one of these?" if matches else " Try /search with part of it."),
                tuple(self._choice(snap, m.title_id) for m in matches[:5]),
            )
        if matches:
            top = matches[0]
            rivals = [
                m
                for m in matches[1:]
                if m.score > top.score - 5
                and snap.model.story.get(m.title_id) != snap.model.story.get(top.title_id)
            ]
            guess = snap.notability.clear_favourite([top.title_id, *(m.title_id for m in rivals)])
            if top.score >= 88 and guess is not None:
                t = snap.titles[guess]
                return snap, t, [f'Showing {self.label(t)} for "{shorten(query, 60)}".']
        suggestions = tuple(self._choice(snap, m.title_id) for m in matches[:5])
        hint = " Did you mean one of these?" if suggestions else " Try /search with part of it."
        raise UnknownTitleError(
            f'I don\'t know a title called "{shorten(query, 80)}".{hint}', suggestions
        )

    def _pick_version(
        self, snap: CatalogSnapshot, query: str, ids: list[int], famous: bool = True
    ) -> tuple[TitleFacts, str]:
        """Several titles share the name: the original of one story wins, then the clearly
        best-known one (bot.core.notability); when two are comparably known, ask."""
        roots = {snap.model.story[t] for t in ids}
        if len(roots) == 1 and (root := next(iter(roots))) in ids:
            original = snap.titles[root]
            return original, self._original_note(snap, original, ids)
        favourite = snap.notability.clear_favourite(ids) if famous else None
        if favourite is not None:
            chosen = snap.titles[favourite]
            return chosen, self._others_note(snap, chosen, ids)
        ranked = snap.notability.ranked(ids)
        first = snap.titles[ranked[0]]
        raise AmbiguousTitleError(
            f'Several titles are called "{shorten(query, 80)}". Which one? '
            f'Add the year or country, e.g. "{first.name} ({first.year}, '
            f'{country_name(first.countries[0]) if first.countries else ""})".'.replace(", )", ")"),
            tuple(self._choice(snap, t) for t in ranked),
        )

    def _original_note(self, snap: CatalogSnapshot, chosen: TitleFacts, ids: list[int]) -> str:
        others = [snap.titles[t] for t in ids if t != chosen.id]
        names = ", ".join(
            f"{t.year} {country_adjective(t.countries[0]) if t.countries else ''}".strip()
            for t in others
        )
        return (
            f"This is the {chosen.year} original. Same title: the {names} "
            f"version{'s' if len(others) > 1 else ''} — add the year to pick one."
        )

    def _others_note(self, snap: CatalogSnapshot, chosen: TitleFacts, ids: list[int]) -> str:
        """One line: which other titles share the name, and how to get one of them."""
        others = [snap.titles[t] for t in snap.notability.ranked(ids) if t != chosen.id]
        shown = ", ".join(self.label(t, with_country=True) for t in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        return (
            f"{self.label(chosen)} is the best known of that name; also {shown}{more} — "
            f"type e.g. {self.label(others[0], with_country=True)} for that one."
        )

    # -- descriptions ----------------------------------------------------------------------

    def describe(self, t: TitleFacts) -> str:
        kind = "series" if t.kind == "series" else "film"
        origin = country_adjective(t.countries[0]) + " " if t.countries else ""
        parts = [f"{origin}{kind}"]
        if t.genres:
            parts.append(", ".join(t.genres[:3]))
        if t.kind == "series" and t.episodes:
            parts.append(f"{t.episodes} episodes")
        elif t.runtime_minutes:
            parts.append(f"{t.runtime_minutes} min")
        return " · ".join(parts)

    def reason(self, snap: CatalogSnapshot, evidence: Evidence, source: TitleFacts | None) -> str:
        parts: list[str] = []
        co_rated = evidence.co_rated_with
        if evidence.loved_by and co_rated is not None and co_rated in snap.titles:
            parts.append(
                f"loved by {evidence.loved_by} members who rated {snap.titles[co_rated].name} 4★+"
            )
        elif evidence.because_of:
            parts.append(f"because you liked {snap.titles[evidence.because_of[0]].name}")
        if evidence.editorial and source is not None:
            parts.append(f"often compared with {source.name}")
        if evidence.names_source and source is not None:
            parts.append(f"its synopsis names {source.name}")
        elif evidence.named_by_source and source is not None:
            parts.append(f"named in the synopsis of {source.name}")
        if evidence.themes:
            parts.append(", ".join(evidence.themes))
        if evidence.people:
            parts.append("with " + " & ".join(evidence.people))
        if evidence.genres and len(parts) < 3:
            parts.append(", ".join(g.title() for g in evidence.genres))
        if evidence.countries and len(parts) < 4:
            parts.append(country_adjective(evidence.countries[0]))
        return " · ".join(parts) or "popular with members"

    async def preferences(
        self, ctx: CommandContext, option_region: str | None = None
    ) -> Preferences:
        """The region, services and time zone that apply (see bot/core/preferences.py)."""
        return await self.preference_store.for_command(ctx, option_region)

    async def today(self, ctx: CommandContext) -> date:
        """Today where the member is (their time zone, else the chat's, else UTC)."""
        zone = (await self.preferences(ctx)).zone
        return self.clock().astimezone(zone).date()

    def offers_line(
        self, offers: Sequence[Offer], region: str | None, services: Sequence[str] = ()
    ) -> str:
        """A compact "where to watch" for list items; the member's services first, with ✓."""
        if region:
            offers = [o for o in offers if o.region == region]
            if not offers:
                return f"not known to be available in {region}"
        by_provider: dict[str, set[str]] = defaultdict(set)
        kinds: dict[str, set[str]] = defaultdict(set)
        for o in offers:
            by_provider[o.provider].add(o.region)
            kinds[o.provider].add(o.kind)
        if not by_provider:
            return "where to watch: not known yet"
        mine = {service.casefold() for service in services}
        parts = []
        for provider in sorted(
            by_provider,
            key=lambda p: (p.casefold() not in mine, "stream" not in kinds[p], p),
        ):
            kind = "/".join(k for k in OFFER_KIND_LABELS if k in kinds[provider] and k != "stream")
            regions = "" if region else f" {'/'.join(sorted(by_provider[provider]))}"
            tick = " ✓" if provider.casefold() in mine else ""
            parts.append(f"{provider}{tick}{regions}{f' ({kind})' if kind else ''}")
        return "▶ " + ", ".join(parts[:4]) + (" …" if len(parts) > 4 else "")

    # -- commands ----------------------------------------------------------------------------

    async def search(self, ctx: CommandContext, query: str) -> Reply:
        query = clean_user_text(query).strip()
        if not query:
            raise UsageError("What should I look for? e.g. /search miracle cell")
        if len(query) > MAX_QUERY_CHARS:
            raise UsageError(
                f"That is longer than any title ({MAX_QUERY_CHARS} characters at most)."
            )
        snap = await self.catalog.get()
        matches = await search_titles(snap, query, 10)
        if not matches:
            return Reply(
                text=f'No titles match "{shorten(query, 80)}".',
                notes=("Check the spelling, or try fewer words.",),
            )
        items = tuple(
            Item(
                text=self.label(snap.titles[m.title_id], with_country=True),
                detail=self.describe(snap.titles[m.title_id]),
                title_id=m.title_id,
            )
            for m in matches
        )
        actions = tuple(
            Action(f"ℹ {i + 1}", f"/title #{it.title_id}") for i, it in enumerate(items)
        )
        return Reply(text=f'Titles matching "{shorten(query, 80)}":', items=items, actions=actions)

    async def title(self, ctx: CommandContext, query: str) -> Reply:
        snap, t, notes = await self.resolve(query)
        async with self.db.unit_of_work() as repos:
            summary = await repos.ratings.summary(t.id)
            editorial = await repos.curation.editorial_for(t.id)
        prefs = await self.preferences(ctx)
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
        fields.append(Field("Members' rating", self.summary_text(summary)))
        watch = self.offers_line(snap.offers.get(t.id, []), region, prefs.services)
        fields.append(Field("Where to watch", watch))
        offered = {o.provider.casefold() for o in snap.offers.get(t.id, [])}
        if mentions := reviewer_mentions(editorial, offered):
            fields.append(Field("Reviewers' mentions", " ".join(mentions)))
        versions = snap.model.versions_of(t.id)
        if versions:
            fields.append(Field("Other versions", self.versions_text(snap, versions)))
        card = TitleCard(
            title_id=t.id,
            heading=self.label(t),
            subheading=self.describe(t),
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

    def versions_text(self, snap: CatalogSnapshot, ids: Sequence[int]) -> str:
        return ", ".join(
            f"{country_name(snap.titles[v].countries[0]) if snap.titles[v].countries else ''} "
            f"{snap.titles[v].year or ''}".strip()
            for v in ids
        )

    def summary_text(self, summary: RatingSummary) -> str:
        if not summary.count or summary.average_half_stars is None:
            return "no ratings yet — be the first with /review"
        return (
            f"{stars_number(summary.average_half_stars)} average from {summary.count} "
            f"rating{'s' if summary.count != 1 else ''}"
        )

    async def recommend(
        self,
        ctx: CommandContext,
        query: str | None,
        limit: int = DEFAULT_RECOMMENDATIONS,
        filters: ListFilters | None = None,
    ) -> Reply:
        if not 1 <= limit <= MAX_RECOMMENDATIONS:
            raise UsageError(f"Ask for 1 to {MAX_RECOMMENDATIONS} suggestions.")
        prefs = await self.preferences(ctx)
        filters = (filters or ListFilters(TitleFilter())).in_region(prefs.region)
        if not query or not query.strip():
            return await self.personal_picks(ctx, limit, filters, prefs)
        if filters.watchlist:
            raise UsageError(
                "--watchlist ranks your whole watchlist for you: /recommend --watchlist "
                "(without a title)."
            )
        snap, source, notes = await self.resolve(query)
        exclude: set[int] = set()
        if filters.unrated:
            async with self.db.unit_of_work() as repos:
                user_id = await repos.users.find(ctx.platform, ctx.user_id)
                mine = await repos.ratings.for_user(user_id) if user_id is not None else []
            exclude = {r.title_id for r in mine}
        suggestions = snap.model.similar(
            source.id, k=limit, exclude=exclude, filters=filters.titles
        )
        if not filters.is_empty:
            notes = [*notes, filters.describe()]
        region = filters.titles.region or prefs.region  # --in KR: only KR offers in the lines
        heading = f"If you liked {self.label(source)}, watch:"
        versions = snap.model.versions_of(source.id)
        if versions and not notes:
            notes = [*notes, f"Other versions: {self.versions_text(snap, versions)}."]
        if not suggestions:
            nothing = "nothing similar" if filters.is_empty else "nothing similar that fits"
            return Reply(
                text=f"I have {nothing} to {self.label(source)} yet.",
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
            detail = self.reason(snap, s.evidence, source)
            if s.versions:
                detail += f" (also: {self.versions_text(snap, s.versions)})"
            items.append(
                Item(
                    text=f"{self.label(t)} — {self.describe(t)}",
                    detail=detail,
                    extra=self.offers_line(snap.offers.get(t.id, []), region, services),
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
        prefs = prefs or await self.preferences(ctx)
        filters = (filters or ListFilters(TitleFilter())).in_region(prefs.region)
        region = filters.titles.region or prefs.region
        snap = await self.catalog.get()
        async with self.db.unit_of_work() as repos:
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

    async def watchlist_add(
        self, ctx: CommandContext, query: str, source: str = "chat"
    ) -> tuple[TitleFacts, bool, list[str]]:
        """Put a title on the asking member's watchlist: (the title, whether it is new there,
        notes). Like ratings, it never lands on a guess: the title must resolve for a write."""
        _snap, t, notes = await self.resolve(query, write=True)
        name = clean_user_text(ctx.display_name).strip() or ctx.user_id
        async with self.db.unit_of_work(write=True) as repos:
            user_id = await repos.users.ensure(ctx.platform, ctx.user_id, name)
            added = await repos.watchlist.add(user_id, t.id, source)
        return t, added, notes

    async def where(
        self, ctx: CommandContext, query: str, region: str | None = None, notify: bool = False
    ) -> Reply:
        if region is not None:
            region = parse_region(region)
        if notify:
            t, _added, notes = await self.watchlist_add(ctx, query, "notify")
            snap = await self.catalog.get()
        else:
            snap, t, notes = await self.resolve(query)
        offers = snap.offers.get(t.id, [])
        async with self.db.unit_of_work() as repos:
            editorial = await repos.curation.editorial_for(t.id)
            member = (
                await repos.users.member_settings(ctx.platform, ctx.user_id) if notify else None
            )
        prefs = await self.preferences(ctx, region)
        region = prefs.region
        if member is not None:
            notes = [*notes, self._notify_note(prefs, member.alerts)]
        # Services a reviewer named without a region or date: shown apart from the offers.
        mentions = reviewer_mentions(editorial, {o.provider.casefold() for o in offers})
        actions = () if notify else (watchlist_action(t.id),)
        if not offers:
            return Reply(
                text=f"Where to watch {self.label(t)}:",
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
                text=f"Where to watch {self.label(t)} in {country_name(region)} ({region}):",
                notes=(
                    *extra_notes,
                    f"Not known to be available in {region}. Known in: {elsewhere}.",
                ),
                actions=actions,
            )
        stale_before = self.clock().date() - timedelta(days=self.settings.stale_offer_days)
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
                heading=f"Where to watch {self.label(t)}{place}",
                subheading=self.describe(t),
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
        _snap, t, notes = await self.resolve(query, write=True)
        name = clean_user_text(ctx.display_name).strip() or ctx.user_id
        user_key = (ctx.platform, ctx.user_id, name)
        day: date | None = watched_on or await self.today(ctx)

        async def rate(repos: Repositories) -> tuple[int, RatingChange]:
            user_id = self.db.user_ids.get(user_key) or await repos.users.ensure(
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

        user_id, change = await self.db.write(rate)  # the hot write path: group-committed
        self.db.user_ids[user_key] = user_id  # only once the transaction has committed
        self.catalog.note_rating(user_id, t.id, half, change.previous_half_stars)
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
        lines = [f"{verb} {self.label(t)}: {stars(half)} {stars_number(half)}{changed}{dated}."]
        if kept:
            lines.append("Your earlier review text is kept with it.")
        elif review:
            lines.append("Your review is saved" + (" and marked as a spoiler." if spoiler else "."))
        return Reply(
            text=" ".join(lines),
            notes=(*notes, f"Members' rating: {self.summary_text(change.summary)}."),
            actions=(
                Action("More like this", f"/recommend #{t.id}"),
                Action("Reviews", f"/reviews #{t.id}"),
                Action("Undo", f"/review #{t.id} remove"),
            ),
        )

    async def remove_review(self, ctx: CommandContext, query: str) -> Reply:
        """Take back the member's own rating and review of a title."""
        snap = await self.catalog.get()
        async with self.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.for_user(user_id) if user_id is not None else []
        # Of several titles with that name, the one they rated is the one they mean.
        rated = snap.index.exact_ids(query) & {r.title_id for r in mine}
        notes: list[str] = []
        if len(rated) == 1:
            t = snap.titles[rated.pop()]
        else:
            _snap, t, notes = await self.resolve(query, write=True)
        async with self.db.unit_of_work(write=True) as repos:
            removed = await repos.ratings.remove(user_id, t.id) if user_id is not None else None
            if removed is not None:
                await removed_ratings.keep(repos, actor(ctx), removed, self.clock())
            summary = await repos.ratings.summary(t.id)
        if removed is None:
            return Reply(
                text=f"You haven't rated {self.label(t)}, so there was nothing to remove.",
                notes=(*notes, "Your ratings: /myratings"),
            )
        what = "rating and review" if removed.review else "rating"
        return Reply(
            text=f"Removed your {what} of {self.label(t)} ({stars_number(removed.half_stars)}).",
            notes=(*notes, f"Members' rating now: {self.summary_text(summary)}."),
            actions=(
                Action("Undo", f"/review #{t.id} restore", owner_only=True),
                Action("Reviews", f"/reviews #{t.id}"),
                Action("My ratings", "/myratings"),
            ),
        )

    async def restore_review(self, ctx: CommandContext, query: str) -> Reply:
        """Undo a removal: the member's rating, review, spoiler mark and diary date as they
        were (within removed_ratings.UNDO_TTL, and only if not rated again since)."""
        snap = await self.catalog.get()
        now = self.clock()
        async with self.db.unit_of_work() as repos:
            kept = await removed_ratings.kept_titles(repos, actor(ctx), now)
        # Of several titles with that name, the one they removed is the one they mean.
        named = snap.index.exact_ids(query) & kept
        notes: list[str] = []
        if len(named) == 1:
            t = snap.titles[named.pop()]
        else:
            _snap, t, notes = await self.resolve(query, write=True)
        async with self.db.unit_of_work(write=True) as repos:
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
                text=f"There is no removed rating of {self.label(t)} to bring back (an undo "
                f"lasts {removed_ratings.UNDO_TTL.days} days).",
                notes=(*notes, "Your ratings: /myratings"),
            )
        if not restored:
            return Reply(
                text=f"You have rated {self.label(t)} again since, so I kept that rating.",
                notes=(*notes, "Your ratings: /myratings"),
            )
        assert user_id is not None
        self.catalog.note_rating(user_id, t.id, rating.half_stars, None)
        what = "rating and review" if rating.review else "rating"
        return Reply(
            text=f"Restored your {what} of {self.label(t)} ({stars_number(rating.half_stars)}).",
            notes=(*notes, f"Members' rating: {self.summary_text(summary)}."),
            actions=(
                Action("Reviews", f"/reviews #{t.id}"),
                Action("My ratings", "/myratings"),
            ),
        )

    async def reviews(self, ctx: CommandContext, query: str, limit: int = 5) -> Reply:
        _snap, t, notes = await self.resolve(query)
        async with self.db.unit_of_work() as repos:
            summary = await repos.ratings.summary(t.id)
            latest = await repos.ratings.latest_reviews(t.id, limit)
            editorial = await repos.curation.editorial_for(t.id)
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.get(user_id, t.id) if user_id is not None else None
        admin = is_admin(ctx, self.settings)  # admins see review ids, for moderation
        # Critics' verdicts come first and apart: they are not members' votes.
        critics = [editorial_field(e, show_id=admin) for e in editorial]
        if not summary.count and not critics:
            return Reply(
                text=f"No member has rated {self.label(t)} yet.",
                notes=(*notes, f"Be the first: /review {t.name} 4.5 what you thought"),
            )
        if not summary.count:
            return Reply(
                card=TitleCard(
                    title_id=t.id,
                    heading=f"Reviews: {self.label(t)}",
                    subheading=self.describe(t),
                    fields=tuple(critics),
                ),
                notes=(*notes, f"No member has rated it yet: /review {t.name} 4.5 your take"),
            )
        fields = [*critics, Field("Average", self.summary_text(summary))]
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
                heading=f"{'Reviews' if critics else 'Community verdict'}: {self.label(t)}",
                subheading=self.describe(t),
                fields=tuple(fields),
            ),
            items=tuple(items),
            notes=tuple(notes),
        )

    async def myratings(self, ctx: CommandContext, view: RatingsView | None = None) -> Reply:
        """The member's own ratings (in a group too: only theirs), one page of `view`."""
        snap = await self.catalog.get()
        async with self.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.ratings.for_user(user_id) if user_id is not None else []
        mine = [r for r in mine if r.title_id in snap.titles]
        return ratings_page(
            mine,
            view or RatingsView(),
            lambda tid: self.label(snap.titles[tid]),
            in_group=ctx.is_group,
        )


def watchlist_action(title_id: int) -> Action:
    """The "+ Watchlist" button: adds the title for whoever presses it."""
    return Action(WATCHLIST_LABEL, f"{WATCHLIST_ADD}{title_id}")


def is_watchlist_add(command: str) -> bool:
    """A "+ Watchlist" press: front ends may answer it in place (a toast) rather than post."""
    return command.startswith(WATCHLIST_ADD)


def list_actions(title_ids: Sequence[int], add: bool = True) -> tuple[Action, ...]:
    """Buttons for a numbered list of titles: "ℹ n" opens item n's card and "+ n" puts it on
    the presser's watchlist, a row of five of each at a time, so each row lines up with the
    items it is for on every front end."""
    actions: list[Action] = []
    for start in range(0, len(title_ids), BUTTONS_PER_ROW):
        chunk = list(enumerate(title_ids[start : start + BUTTONS_PER_ROW], start + 1))
        actions += [Action(f"ℹ {n}", f"/title #{tid}") for n, tid in chunk]
        if add:
            actions += [Action(f"+ {n}", f"{WATCHLIST_ADD}{tid}") for n, tid in chunk]
    return tuple(actions)
