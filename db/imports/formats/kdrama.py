"""The two MyDramaList Korean drama layouts: the "top 250" list (genres, tags, cast, network)
and the "Korean dramas 2015-2023" table (network, episodes, director, screenwriter)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from db.imports.formats.base import Input, Row, TitleRow, Where, read_titles
from db.imports.formats.values import (
    clean,
    genres_and_themes,
    parse_int,
    parse_minutes,
    parse_year,
    python_list,
    split_list,
    theme,
)
from db.records import TitleSpec

TOP250_SOURCE = "kdrama-top250"
TABLE_SOURCE = "kdrama-2015-2023"
TOP250_COLUMNS = (
    "Name", "Aired Date", "Year of release", "Original Network", "Aired On",
    "Number of Episodes", "Duration", "Content Rating", "Rating", "Synopsis", "Genre", "Tags",
    "Director", "Screenwriter", "Cast", "Production companies", "Rank",
)  # fmt: skip
TOP250_REQUIRED = ("Name", "Year of release", "Synopsis", "Genre", "Tags", "Cast")
TABLE_COLUMNS = (
    "kdrama_id", "drama_name", "year", "director", "screenwriter", "country", "type", "tot_eps",
    "duration", "start_dt", "end_dt", "aired_on", "org_net", "content_rt", "synopsis", "rank",
    "pop",
)  # fmt: skip
TABLE_REQUIRED = ("kdrama_id", "drama_name", "year")

# Networks that are also streaming services: the list's "where it first aired" becomes an offer.
STREAMING_NETWORKS = {
    "netflix": "Netflix", "disney+": "Disney+", "hulu": "Hulu", "tving": "Tving",
    "wavve": "Wavve", "coupang play": "Coupang Play", "watcha": "Watcha",
    "viki": "Viki", "iqiyi": "iQIYI", "amazon prime": "Prime Video", "apple tv+": "Apple TV",
}  # fmt: skip
_CREDIT = re.compile(r"\s*[(~]*\s*\(?Source:[^)]*\)?\s*$", re.IGNORECASE)


def streaming(networks: list[str]) -> list[str]:
    """The streaming services among a drama's original networks (broadcasters are left out)."""
    found = (STREAMING_NETWORKS.get(n.casefold()) for n in networks)
    return list(dict.fromkeys(p for p in found if p))


def _synopsis(text: str | None) -> str | None:
    """The story without the trailing "(Source: ...)" credit line."""
    body = _CREDIT.sub("", clean(text))
    return body.strip() or None


def read_top250(source: Input, *, encoding: str | None = None) -> Iterator[Row]:
    """kdrama.csv: one drama per row, with genres, tags (as themes) and cast."""
    return read_titles(source, TOP250_REQUIRED, _top250_title, encoding=encoding)


def _top250_title(row: dict[str, str], where: Where) -> TitleRow:
    name = clean(row["Name"])
    if not name:
        raise ValueError("Name is empty")
    year = parse_year(row["Year of release"])
    genres, extra = genres_and_themes(split_list(row.get("Genre")))
    networks = split_list(row.get("Original Network"))
    spec = TitleSpec(
        name=name,
        year=year,
        kind="series",
        countries=["KR"],
        languages=["ko"],
        genres=genres,
        themes=list(dict.fromkeys([*(theme(t) for t in split_list(row["Tags"])), *extra])),
        directors=split_list(row.get("Director")),
        writers=split_list(row.get("Screenwriter")),
        cast=split_list(row.get("Cast")),
        synopsis=_synopsis(row.get("Synopsis")),
        runtime_minutes=parse_minutes(row.get("Duration")),
        episodes=parse_int(row.get("Number of Episodes"), "Number of Episodes"),
    )
    external_id = f"{name} ({year})" if year else name
    return TitleRow(where, TOP250_SOURCE, external_id, spec, providers=streaming(networks))


def read_table(source: Input, *, encoding: str | None = None) -> Iterator[Row]:
    """korean_drama.csv: network, episodes, director and screenwriter (no genres or cast)."""
    return read_titles(source, TABLE_REQUIRED, _table_title, encoding=encoding)


def _table_title(row: dict[str, str], where: Where) -> TitleRow:
    name = clean(row["drama_name"])
    if not name:
        raise ValueError("drama_name is empty")
    if not clean(row["kdrama_id"]):
        raise ValueError("kdrama_id is empty")
    seconds = parse_int(row.get("duration"), "duration")
    spec = TitleSpec(
        name=name,
        year=parse_year(row["year"]),
        kind="series",
        countries=["KR"],
        languages=["ko"],
        directors=python_list(row.get("director")),
        writers=python_list(row.get("screenwriter")),
        synopsis=_synopsis(row.get("synopsis")),
        runtime_minutes=round(seconds / 60) if seconds else None,
        episodes=parse_int(row.get("tot_eps"), "tot_eps"),
    )
    providers = streaming(_networks(row.get("org_net")))
    return TitleRow(where, TABLE_SOURCE, clean(row["kdrama_id"]), spec, providers=providers)


_MULTIWORD = sorted(
    ["Naver TV Cast", "Coupang Play", "Apple TV+", "Amazon Prime", "Channel A", "KBS World",
     "Kakao TV", "MBC every1", "SBS Plus", "Seezn", "U+Mobile tv", "Olleh TV"],
    key=len, reverse=True,
)  # fmt: skip


def _networks(text: str | None) -> list[str]:
    """ "Netflix tvN" or "Naver TV Cast Netflix": networks joined by spaces, some of them
    several words long."""
    text = clean(text)
    found: list[str] = []
    for multi in _MULTIWORD:
        if multi.casefold() in text.casefold():
            start = text.casefold().index(multi.casefold())
            found.append(text[start : start + len(multi)])
            text = text[:start] + " " + text[start + len(multi) :]
    found.extend(text.split())
    return list(dict.fromkeys(found))
