"""Filter flags for /recommend: `/recommend Parasite --series --on netflix --from 2010`.

--series / --film        only series, or only films
--on netflix[,hulu]      only what streams (or is free) on those services
--in US                  only what can be watched in that region (with --on: there)
--from 2010 --to 2019    release years (either end may be left out)
--country KR | korean    made in that country (code, name or adjective)
--lang ko | korean       in that original language (code or name)
--unrated                leave out everything I have rated
--watchlist              (picks for me) rank my watchlist instead of the whole catalog
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.core.errors import UsageError
from bot.core.params import parse_year
from bot.core.services import find_service
from bot.core.text import COUNTRIES, ISO_REGIONS, LANGUAGES
from recommender import TitleFilter

FILTER_HELP = (
    "Filters: --series or --film, --on netflix (your services), --in US, --from 2010, --to 2019, "
    "--country KR, --lang ko, --unrated (leave out what you rated), --watchlist (rank your "
    "watchlist)."
)
_FLAG = re.compile(r"(?:^|\s)--(?P<name>[a-z]+)(?:[ =](?P<value>(?!--)\S+))?", re.IGNORECASE)
_TAKES_VALUE = frozenset({"on", "in", "from", "to", "country", "lang", "language"})
_SWITCHES = frozenset({"series", "film", "films", "movie", "movies", "unrated", "new", "watchlist"})


@dataclass(frozen=True)
class ListFilters:
    titles: TitleFilter
    unrated: bool = False
    # Personal picks from the member's watchlist only (without it, the watchlist is left out).
    watchlist: bool = False

    @property
    def is_empty(self) -> bool:
        return self.titles.is_empty and not self.unrated

    def in_region(self, region: str | None) -> ListFilters:
        """--on netflix means Netflix in the region that applies, unless --in names one."""
        if not self.titles.providers or self.titles.region or not region:
            return self
        return replace(self, titles=replace(self.titles, region=region))

    def describe(self) -> str:
        f = self.titles
        parts = []
        if f.kind:
            parts.append("series only" if f.kind == "series" else "films only")
        if f.providers:
            parts.append("on " + ", ".join(sorted(f.providers)))
        if f.region:
            parts.append(f"in {f.region}")
        if f.year_from or f.year_to:
            parts.append(f"{f.year_from or '…'}–{f.year_to or '…'}")
        if f.countries:
            parts.append("from " + ", ".join(sorted(f.countries)))
        if f.languages:
            parts.append("in " + ", ".join(LANGUAGES.get(x, x) for x in sorted(f.languages)))
        if self.unrated:
            parts.append("not rated by you")
        return "Filtered: " + "; ".join(parts) + "."


def _country(value: str) -> str:
    key = value.casefold()
    if value.upper() in ISO_REGIONS and len(value) == 2:
        return value.upper()
    for code, (name, adjective) in COUNTRIES.items():
        if key in (name.casefold(), adjective.casefold()):
            return code
    raise UsageError(f"I don't know the country {value!r}. Use a code such as KR, US, JP.")


def _language(value: str) -> str:
    key = value.casefold()
    if key in LANGUAGES:
        return key
    for code, name in LANGUAGES.items():
        if key == name.casefold():
            return code
    if len(key) == 2 and key.isalpha():
        return key
    raise UsageError(f"I don't know the language {value!r}. Use a code such as ko, en, ja.")


def _year(value: str, flag: str) -> int:
    try:
        return parse_year(value)
    except UsageError:
        raise UsageError(f"--{flag} needs a year, e.g. --{flag} 2010.") from None


def split_filters(
    args: str, known_services: Callable[[], Sequence[str]]
) -> tuple[str, ListFilters]:
    """The command line without its filter flags, and the filters they ask for. --on names
    are matched to the catalog's services (`known_services`); an unknown one is an error."""
    values: dict[str, object] = {}
    unrated = watchlist = False
    for m in _FLAG.finditer(args):
        name, value = m.group("name").lower(), m.group("value")
        if name in _SWITCHES:
            if name == "series":
                values["kind"] = "series"
            elif name in ("film", "films", "movie", "movies"):
                values["kind"] = "film"
            elif name == "watchlist":
                watchlist = True
            else:
                unrated = True
            continue
        if name not in _TAKES_VALUE:
            raise UsageError(f"I don't know the filter --{name}. {FILTER_HELP}")
        if not value:
            raise UsageError(f"--{name} needs a value. {FILTER_HELP}")
        if name == "on":
            known = known_services()
            values["providers"] = frozenset(
                find_service(p, known).casefold() for p in value.split(",") if p
            )
        elif name == "in":
            region = value.upper()
            if region not in ISO_REGIONS:
                raise UsageError(f"{value!r} is not a region. Use two letters, e.g. US, KR.")
            values["region"] = region
        elif name in ("from", "to"):
            values["year_from" if name == "from" else "year_to"] = _year(value, name)
        elif name == "country":
            values["countries"] = frozenset(_country(v) for v in value.split(",") if v)
        else:
            values["languages"] = frozenset(_language(v) for v in value.split(",") if v)
    # A switch takes no value: "--series 3" keeps the 3 (the count).
    rest = _FLAG.sub(
        lambda m: f" {m.group('value') or ''} " if m.group("name").lower() in _SWITCHES else " ",
        args,
    )
    rest = re.sub(r"\s+", " ", rest).strip()
    year_from, year_to = values.get("year_from"), values.get("year_to")
    if isinstance(year_from, int) and isinstance(year_to, int) and year_from > year_to:
        raise UsageError("--from must not be later than --to.")
    return rest, ListFilters(TitleFilter(**values), unrated, watchlist)  # type: ignore[arg-type]
