"""The streaming-catalog CSV layout of the public Netflix / Prime Video / Disney+ / Hulu title
lists: every row is a title that the provider carries."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from db.imports.formats.base import Input, Row, TitleRow, Where, read_titles
from db.imports.formats.values import (
    clean,
    country_codes,
    genres_and_themes,
    origin,
    parse_minutes,
    parse_year,
    split_list,
)
from db.records import TitleSpec

COLUMNS = (
    "show_id", "type", "title", "director", "cast", "country", "date_added", "release_year",
    "rating", "duration", "listed_in", "description",
)  # fmt: skip
REQUIRED = ("show_id", "type", "title", "release_year")
_KINDS = {"movie": "film", "tv show": "series", "tv": "series", "show": "series"}
_SEASONS = re.compile(r"^\s*\d+\s+seasons?\s*$", re.IGNORECASE)

# File names of the public lists -> the provider they describe, so --provider is optional.
KNOWN_PROVIDERS = {
    "netflix": "Netflix",
    "amazon": "Prime Video",
    "prime": "Prime Video",
    "disney": "Disney+",
    "hulu": "Hulu",
}


def provider_from_name(file_name: str) -> str | None:
    lowered = file_name.casefold()
    for marker, provider in KNOWN_PROVIDERS.items():
        if marker in lowered:
            return provider
    return None


def source_name(provider: str) -> str:
    """title_sources.source for a provider's list, e.g. "Prime Video" -> "primevideo"."""
    return "".join(ch for ch in provider.casefold() if ch.isalnum()) or "catalog"


def read_streaming(source: Input, provider: str, *, encoding: str | None = None) -> Iterator[Row]:
    """Titles from one provider's list, each naming the provider; the importer turns that into
    an offer (it knows the region and date)."""
    source_id = source_name(provider)

    def build(row: dict[str, str], where: Where) -> TitleRow:
        return _title(row, where, source_id, provider)

    return read_titles(source, REQUIRED, build, encoding=encoding)


def _title(row: dict[str, str], where: Where, source: str, provider: str) -> TitleRow:
    show_id = clean(row["show_id"])
    name = clean(row["title"])
    kind = _KINDS.get(clean(row["type"]).casefold())
    if not show_id:
        raise ValueError("show_id is empty")
    if not name:
        raise ValueError("title is empty")
    if kind is None:
        raise ValueError(f"type {row['type']!r} is neither Movie nor TV Show")
    year = parse_year(row["release_year"])
    duration = row.get("duration", "")
    labels = split_list(row.get("listed_in"))
    genres, themes = genres_and_themes(labels)
    origins = [o for o in (origin(label) for label in labels) if o is not None]
    countries = country_codes(row.get("country")) or _unique(o.country for o in origins)
    spec = TitleSpec(
        name=name,
        year=year,
        kind=kind,
        countries=countries,
        languages=_unique(o.language for o in origins),
        genres=genres,
        themes=themes,
        directors=split_list(row.get("director")),
        cast=split_list(row.get("cast")),
        synopsis=clean(row.get("description")) or None,
        runtime_minutes=None if _SEASONS.match(duration) else parse_minutes(duration),
    )
    return TitleRow(where, source, show_id, spec, providers=[provider])


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
