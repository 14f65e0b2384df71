"""Watch-party candidates for the people in a chat: the recommender's group aggregate over the
members' ratings (one member's dislike outweighs the others' mild interest; titles anyone rated
are left out), titles on the chat's services in its region first, each with a one-line reason.
A group with no ratings yet gets the members' (or the starter catalog's) best-liked titles.

`proposals` puts what the members asked for first: the chat's shared watchlist (titles several
members want first), then the members' own watchlists, each only where the chat can watch it,
then the group picks above."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.catalog import CatalogSnapshot
from bot.core.text import country_adjective
from recommender import Suggestion

DEFAULT_PICKS = 4
MAX_REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class Pick:
    title_id: int
    reason: str
    from_watchlist: bool = False


def available_on(
    snap: CatalogSnapshot, title_id: int, region: str | None, services: Sequence[str]
) -> list[str]:
    """Providers streaming (or offering) the title in the region, limited to the chat's
    services when it has any, streaming first."""
    wanted = {s.casefold() for s in services}
    found: dict[str, bool] = {}
    for offer in snap.offers.get(title_id, []):
        if region is not None and offer.region != region:
            continue
        if wanted and offer.provider.casefold() not in wanted:
            continue
        streaming = offer.kind in ("stream", "free")
        found[offer.provider] = found.get(offer.provider, False) or streaming
    return sorted(found, key=lambda p: (not found[p], p))


def group_picks(
    snap: CatalogSnapshot,
    members: Sequence[Mapping[int, float]],
    popularity: Mapping[int, tuple[int, float]],
    region: str | None,
    services: Sequence[str],
    k: int = DEFAULT_PICKS,
) -> list[Pick]:
    model = snap.model
    rated = {t for ratings in members for t in ratings if t in model}
    # Another version of a story someone rated is not new to the group either.
    seen = rated | {v for t in rated for v in model.versions_of(t)}
    suggestions = model.group(list(members), k=k * 5, exclude=seen)
    from_ratings = bool(suggestions)
    if not suggestions:
        suggestions = model.popular(k * 5, popularity, exclude=seen)
    if region is not None or services:
        # A stable sort keeps the recommender's order within each group.
        suggestions = sorted(
            suggestions, key=lambda s: not available_on(snap, s.title_id, region, services)
        )
    picks = []
    for s in suggestions[:k]:
        why = _reason(snap, s, popularity, from_ratings, len(members))
        where = available_on(snap, s.title_id, region, services)
        place = f" in {region}" if region else ""
        if where:
            why += f" · ▶ {', '.join(where[:2])}{place}"
        elif services or region:
            why += f" · not on your services{place}"
        picks.append(Pick(s.title_id, why[:MAX_REASON_CHARS]))
    return picks


def proposals(
    snap: CatalogSnapshot,
    chat_list: Sequence[tuple[int, int]],
    member_lists: Mapping[int, set[int]],
    members: Mapping[int, Mapping[int, float]],
    region: str | None,
    services: Sequence[str],
    k: int = DEFAULT_PICKS,
) -> list[Pick]:
    """Up to `k` candidates: the chat's watchlist ((title id, how many members want it), most
    wanted first), then titles on the members' own watchlists (`member_lists`, user id ->
    titles; those the same member has rated since are left out), most listed first, both only
    where the chat can watch them; then `group_picks` over the members' ratings."""
    picks: list[Pick] = []
    stories: set[int] = set()

    def take(title_id: int, why: str) -> None:
        story = snap.model.story.get(title_id, title_id)
        if len(picks) >= k or story in stories or title_id not in snap.titles:
            return
        where = available_on(snap, title_id, region, services)
        if not where:
            return
        place = f" in {region}" if region else ""
        picks.append(Pick(title_id, f"{why} · ▶ {', '.join(where[:2])}{place}", True))
        stories.add(story)

    for title_id, wanted in sorted(chat_list, key=lambda e: -e[1]):
        take(title_id, f"on the chat's watchlist: {wanted} want{'s' if wanted == 1 else ''} it")
    listed: dict[int, int] = {}
    for user_id, titles in member_lists.items():
        seen = members.get(user_id, {})
        for title_id in titles:
            if title_id not in seen:
                listed[title_id] = listed.get(title_id, 0) + 1
    ranked = sorted(listed, key=lambda t: (-listed[t], -snap.notability.score(t), t))
    for title_id in ranked:
        n = listed[title_id]
        take(title_id, f"on {n} member{'s' if n != 1 else ''}'s watchlist{'s' if n != 1 else ''}")
    if len(picks) < k:
        more = k + len(picks)  # room for the group picks that are already proposed
        rest = group_picks(snap, list(members.values()), snap.popularity, region, services, more)
        for pick in rest:
            story = snap.model.story.get(pick.title_id, pick.title_id)
            if len(picks) < k and story not in stories:
                picks.append(pick)
                stories.add(story)
    return picks


def _reason(
    snap: CatalogSnapshot,
    s: Suggestion,
    popularity: Mapping[int, tuple[int, float]],
    from_ratings: bool,
    raters: int,
) -> str:
    ev = s.evidence
    parts: list[str] = []
    if from_ratings:
        if ev.because_of:
            liked = snap.titles[ev.because_of[0]].name
            parts.append(f"the group liked {liked}" if raters > 1 else f"you liked {liked}")
        if ev.themes:
            parts.append(", ".join(ev.themes[:2]))
        elif ev.genres:
            parts.append(", ".join(g.title() for g in ev.genres[:2]))
        return " · ".join(parts) or "fits the group's ratings"
    count, average = popularity.get(s.title_id, (0, 0.0))
    t = snap.titles[s.title_id]
    if count:
        parts.append(f"members rate it {average:.1f}★ ({count} rating{'s' if count > 1 else ''})")
    else:
        parts.append("a well-loved starter pick")
    if t.genres:
        parts.append(", ".join(t.genres[:2]))
    if t.countries:
        parts.append(country_adjective(t.countries[0]))
    return " · ".join(parts)
