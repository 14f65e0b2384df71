"""The streaming-catalog CSV layout of the public Netflix / Prime Video / Disney+ / Hulu title
lists: every row is a title that the provider carries."""

from __future__ import annotations

import re
from collections.abc import Iterator

from db.imports.formats.base import Input, Row, TitleRow, Where, read_titles
from db.imports.formats.values import (
    clean,
    country_codes,
    genres_and_themes,
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
    origin = source_name(provider)
    return read_titles(
        source, REQUIRED, lambda row, where: _title(row, where, origin, provider), encoding=encoding
    )


def _title(row: dict[str, str], where: Where, origin: str, provider: str) -> TitleRow:
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
    genres, themes = genres_and_themes(split_list(row.get("listed_in")))
    spec = TitleSpec(
        name=name,
        year=year,
        kind=kind,
        countries=country_codes(row.get("country")),
        genres=genres,
        themes=themes,
        directors=split_list(row.get("director")),
        cast=split_list(row.get("cast")),
        synopsis=clean(row.get("description")) or None,
        runtime_minutes=None if _SEASONS.match(duration) else parse_minutes(duration),
    )
    return TitleRow(where, origin, show_id, spec, providers=[provider])
