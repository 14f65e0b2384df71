"""Watch-party candidates for the people in a chat: the recommender's group aggregate over the
members' ratings (one member's dislike outweighs the others' mild interest; titles anyone rated
are left out), titles on the chat's services in its region first, each with a one-line reason.
A group with no ratings yet gets the members' (or the starter catalog's) best-liked titles."""

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
