"""Streaming services named the way members type them ("netflix", "prime", "hbo"), matched to
the providers the catalog knows; an unknown name is said to be unknown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from bot.core.errors import UsageError
from bot.core.text import shorten
from recommender.models import Offer

# A hint must look like a misspelling of the real name, not merely share a few letters
# ("foo" is not close to "Google Play").
CLOSE_ENOUGH = 75
MAX_HINTS = 3

_ALIASES = {
    "prime": "primevideo",
    "amazon": "primevideo",
    "amazonprime": "primevideo",
    "amazonprimevideo": "primevideo",
    "hbo": "max",
    "hbomax": "max",
    "disney": "disney",
    "disneyplus": "disney",
    "apple": "appletv",
    "appletvplus": "appletv",
    "criterion": "criterionchannel",
}


def slug(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def known_services(offers: Iterable[Sequence[Offer]]) -> list[str]:
    """Every provider the catalog has an offer from, sorted."""
    return sorted({o.provider for title_offers in offers for o in title_offers})


def find_service(word: str, known: Sequence[str]) -> str:
    """The catalog's name for what the member typed, or a UsageError naming it as unknown."""
    typed = slug(word)
    wanted = _ALIASES.get(typed, typed)
    by_slug = {slug(name): name for name in known}
    if wanted in by_slug:
        return by_slug[wanted]
    starts = [name for s, name in by_slug.items() if wanted and s.startswith(wanted)]
    if len(starts) == 1 and len(wanted) >= 3:
        return starts[0]
    scored = sorted(
        ((fuzz.ratio(typed, s), name) for s, name in by_slug.items()), key=lambda x: -x[0]
    )
    hints = [name for score, name in scored[:MAX_HINTS] if score >= CLOSE_ENOUGH]
    raise UsageError(
        f'I don\'t know a service called "{shorten(word, 40)}".'
        + (f" Did you mean: {', '.join(hints)}?" if hints else f" Known: {', '.join(known)}.")
    )
