"""The TMDB 5000 movies table (Kaggle `tmdb/tmdb-movie-metadata`): overviews, keywords (as
themes), genres, production countries, original language, runtime, popularity and vote count;
director, writers and cast when the companion credits table sits next to it.

Each film carries its TMDB id as the ``tmdb`` id, the same id MovieLens' links.csv records, so
the two data sets meet on it; the rest of the catalog is matched by name, year and kind. The
data set itself is the source (``tmdb-5000``), so a film MovieLens brought in first still counts
as new to this data set and gets its facts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from db.imports.formats.base import BadRow, Input, Row, TitleRow, Where, read_csv, read_titles
from db.imports.formats.values import clean, genres_and_themes, parse_int, theme
from db.records import TitleSpec

SOURCE = "tmdb-5000"
ID = "tmdb"
REQUIRED = ("id", "title", "release_date", "genres", "keywords", "overview")
SIGNATURE = frozenset({"id", "title", "release_date", "keywords", "popularity", "vote_count"})
CREDITS_REQUIRED = ("movie_id", "cast", "crew")
CREDITS_SIGNATURE = frozenset({"movie_id", "title", "cast", "crew"})
MAX_CAST = 15  # billing order; the long tail of extras says nothing about the film
WRITER_JOBS = frozenset({"Screenplay", "Writer", "Novel", "Story", "Author"})


@dataclass(frozen=True, slots=True)
class Credits:
    directors: list[str]
    writers: list[str]
    cast: list[str]


@dataclass(frozen=True, slots=True)
class TmdbFiles:
    movies: Input
    credits: Input | None = None


def read(files: TmdbFiles, *, encoding: str | None = None) -> Iterator[Row]:
    """One film per row; the credits table (if any) is read first into a per-film map."""
    credits: dict[str, Credits] = {}
    if files.credits is not None:
        for record in read_csv(files.credits, CREDITS_REQUIRED, encoding=encoding):
            if isinstance(record, BadRow):
                yield record
                continue
            try:
                credits[clean(record.values["movie_id"])] = _credits(record.values)
            except ValueError as error:
                yield BadRow(Where(files.credits.name, record.line), str(error))
    yield from read_titles(
        files.movies,
        REQUIRED,
        lambda row, where: _title(row, where, credits),
        encoding=encoding,
    )


def _title(row: dict[str, str], where: Where, credits: dict[str, Credits]) -> TitleRow:
    tmdb_id = clean(row["id"])
    name = clean(row["title"])
    if not tmdb_id.isdigit():
        raise ValueError(f"id {tmdb_id!r} is not a number")
    if not name:
        raise ValueError("title is empty")
    released = clean(row["release_date"])
    year = int(released[:4]) if released[:4].isdigit() else None
    if year is not None and not 1870 <= year <= 2100:
        raise ValueError(f"release_date {released!r} is not between 1870 and 2100")
    genres, extra = genres_and_themes(_names(row["genres"], "genres"))
    keywords = [theme(k) for k in _names(row["keywords"], "keywords")]
    original = clean(row.get("original_title"))
    language = clean(row.get("original_language")).casefold()
    runtime = parse_int(row.get("runtime"), "runtime")
    people = credits.get(tmdb_id, Credits([], [], []))
    spec = TitleSpec(
        name=name,
        year=year,
        kind="film",
        original_name=original if original and original != name else None,
        countries=[
            c.upper()
            for c in _names(row.get("production_countries"), "production_countries", "iso_3166_1")
            if len(c) == 2
        ],
        languages=[language] if len(language) == 2 else [],
        genres=genres,
        themes=list(dict.fromkeys([*keywords, *extra])),
        directors=people.directors,
        writers=people.writers,
        cast=people.cast,
        synopsis=clean(row["overview"]) or None,
        runtime_minutes=runtime or None,
        popularity=_float(row.get("popularity"), "popularity"),
        vote_count=parse_int(row.get("vote_count"), "vote_count"),
    )
    return TitleRow(where, SOURCE, tmdb_id, spec, ids=[(ID, tmdb_id)])


def _credits(row: dict[str, str]) -> Credits:
    cast = sorted(_objects(row["cast"], "cast"), key=lambda c: _order(c.get("order")))
    crew = _objects(row["crew"], "crew")
    return Credits(
        directors=_unique(c.get("name") for c in crew if c.get("job") == "Director"),
        writers=_unique(c.get("name") for c in crew if c.get("job") in WRITER_JOBS),
        cast=_unique(c.get("name") for c in cast)[:MAX_CAST],
    )


def _objects(text: str | None, column: str) -> list[dict[str, Any]]:
    """A column holding a JSON array of objects, as the TMDB tables store them."""
    text = clean(text)
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{column} is not a JSON list") from None
    if not isinstance(value, list):
        raise ValueError(f"{column} is not a JSON list")
    return [v for v in value if isinstance(v, dict)]


def _names(text: str | None, column: str, key: str = "name") -> list[str]:
    return _unique(o.get(key) for o in _objects(text, column))


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(clean(str(v)) for v in values if v and clean(str(v))))


def _order(value: Any) -> int:
    return value if isinstance(value, int) else 10**6


def _float(text: str | None, what: str) -> float | None:
    text = clean(text)
    if not text:
        return None
    try:
        return round(float(text), 6)  # the re-exported table carries float noise
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None
