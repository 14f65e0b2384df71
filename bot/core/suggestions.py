"""Values to offer while a member types a parameter (Discord's autocomplete), read from the
catalog: titles, ratings, streaming services. Labels may be long; front ends cut them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core.errors import UserError
from bot.core.openers import OpeningTitles
from bot.core.params import MAX_CHOICES, MAX_QUERY_CHARS, Choice
from bot.core.ratings import parse_rating, stars
from bot.core.search import search_titles
from bot.core.services import known_services, slug

if TYPE_CHECKING:
    from bot.core.kernel import Core

_TITLE_ID = re.compile(r"^#\d+$")
# Chosen once per snapshot, not on every keystroke (autocomplete asks on each one).
_OPENERS = OpeningTitles(MAX_CHOICES)


async def title_choices(core: Core, typed: str) -> list[Choice]:
    """Titles matching what has been typed, typos welcome; the value is the title's id so the
    command gets exactly the title that was picked."""
    snap = await core.catalog.get()
    text = typed.strip()[:MAX_QUERY_CHARS]
    if _TITLE_ID.match(text) and int(text[1:]) in snap.titles:
        ids = [int(text[1:])]
    elif len(text) > 1:
        ids = [m.title_id for m in await search_titles(snap, text, MAX_CHOICES)]
    else:  # nothing or one letter typed yet: popular titles (with that initial)
        ids = _OPENERS.offer(snap, text)
    return [Choice(core.label(snap.titles[t], with_country=True), f"#{t}") for t in ids]


def rating_choices(typed: str) -> list[Choice]:
    """Half-star steps to pick from; anything else the scale reads (8/10, A-) is offered back
    as typed once it parses, and "remove" takes a rating back."""
    choices: list[Choice] = []
    text = typed.strip()
    if text:
        try:
            half = parse_rating(text)
        except UserError:
            pass
        else:
            choices.append(Choice(f"{text} = {stars(half)} {half / 2:g}", text))
    for half in range(10, 0, -1):
        value = f"{half / 2:g}"
        if value != text:
            choices.append(Choice(f"{stars(half)} {value}", value))
    choices.append(Choice("Remove my rating and review", "remove"))
    return choices[:MAX_CHOICES]


async def service_choices(core: Core, typed: str) -> list[Choice]:
    """The catalog's services for the last name typed ("netflix, vi" offers "netflix, Viki"):
    a list of services is typed one name at a time."""
    snap = await core.catalog.get()
    head, comma, last = typed.rpartition(",")
    prefix = f"{head.strip()}, " if comma else ""
    wanted = slug(last)
    known = known_services(snap.offers.values())
    found = sorted(
        (name for name in known if not wanted or wanted in slug(name)),
        key=lambda name: (not slug(name).startswith(wanted), name.casefold()),
    )
    return [Choice(prefix + name, prefix + name) for name in found[:MAX_CHOICES]]


async def title_list_choices(core: Core, typed: str) -> list[Choice]:
    """Titles for the last name of a list ("Parasite; oky" offers "Parasite; Okja (2017, South
    Korea)"): a watch party's titles are typed one after another, separated by semicolons.
    The value keeps the name with its year and country, which picks that very title."""
    head, semicolon, last = typed.rpartition(";")
    prefix = f"{head.strip()}; " if semicolon else ""
    if not last.strip():
        return []
    found = await title_choices(core, last)
    return [Choice(prefix + c.label, prefix + c.label) for c in found]


Suggester = Callable[["Core", str], Awaitable[list[Choice]]]


async def _ratings(core: Core, typed: str) -> list[Choice]:
    return rating_choices(typed)


# What a parameter kind's `suggest` names (bot/core/params.py).
SUGGESTERS: dict[str, Suggester] = {
    "titles": title_choices,
    "title_list": title_list_choices,
    "ratings": _ratings,
    "services": service_choices,
}


async def suggest(name: str, core: Core, typed: str) -> list[Choice]:
    return await SUGGESTERS[name](core, typed)
