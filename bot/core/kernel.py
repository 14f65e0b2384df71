"""The kernel every feature's commands call (bot/features/*): which title a member means, how
titles, reasons and offers are described, the preferences that apply, and the few writes and
lines several features share. It knows nothing of Discord or Telegram, nor of any feature."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from bot.core.catalog import CatalogCache, CatalogSnapshot
from bot.core.clock import Clock, system_clock
from bot.core.context import CommandContext
from bot.core.errors import AmbiguousTitleError, TitleChoice, UnknownTitleError
from bot.core.params import parse_title
from bot.core.preferences import Preferences, PreferenceStore
from bot.core.ratings import stars_number
from bot.core.text import clean_user_text, country_adjective, country_name, shorten
from bot.settings import Settings
from db.records import RatingSummary
from db.session import Database
from recommender import Offer, TitleFacts
from recommender.models import Evidence

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

    # -- shared by several features ----------------------------------------------------------

    def summary_text(self, summary: RatingSummary) -> str:
        if not summary.count or summary.average_half_stars is None:
            return "no ratings yet — be the first with /review"
        return (
            f"{stars_number(summary.average_half_stars)} average from {summary.count} "
            f"rating{'s' if summary.count != 1 else ''}"
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
