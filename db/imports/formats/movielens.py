"""MovieLens (movies.csv, links.csv, tags.csv, ratings.csv): films with IMDb/TMDB ids, tags as
themes, and ratings from anonymous MovieLens users."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from db.imports.formats.base import (
    BadRow,
    Input,
    RatingRow,
    Row,
    TitleRef,
    TitleRow,
    Where,
    parse_stars,
    read_csv,
)
from db.imports.formats.values import clean, genres_and_themes, split_list, theme
from db.records import TitleSpec

SOURCE = "movielens"
MOVIES_COLUMNS = ("movieId", "title", "genres")
LINKS_COLUMNS = ("movieId", "imdbId", "tmdbId")
TAGS_COLUMNS = ("userId", "movieId", "tag", "timestamp")
RATINGS_COLUMNS = ("userId", "movieId", "rating", "timestamp")
FILES = {"movies": "movies.csv", "links": "links.csv", "tags": "tags.csv", "ratings": "ratings.csv"}
MAX_THEME_CHARS = 60

_YEAR = re.compile(r"^(?P<name>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)\s*$")
_ALTERNATE = re.compile(r"^(?P<name>.*\S)\s+\((?:a\.k\.a\.\s*)?(?P<alt>[^()]+)\)$")
_ARTICLE = re.compile(
    r"^(?P<rest>.*), (?P<article>The|A|An|Les|La|Le|L'|Il|El|Los|Las|Die|Der|Das|Den|Det)$"
)


@dataclass(frozen=True, slots=True)
class MovieLensFiles:
    movies: Input
    links: Input | None = None
    tags: Input | None = None
    ratings: Input | None = None


def split_title(raw: str) -> tuple[str, int | None, list[str]]:
    """ "City of Lost Children, The (Cité des enfants perdus, La) (1995)" ->
    ("The City of Lost Children", 1995, ["La Cité des enfants perdus"])."""
    text = clean(raw)
    year: int | None = None
    if match := _YEAR.match(text):
        text, year = match.group("name"), int(match.group("year"))
    aliases: list[str] = []
    while match := _ALTERNATE.match(text):
        text = match.group("name")
        aliases.insert(0, _front_article(match.group("alt").strip()))
    return _front_article(text), year, aliases


def _front_article(text: str) -> str:
    match = _ARTICLE.match(text)
    if not match:
        return text
    article = match.group("article")
    joiner = "" if article.endswith("'") else " "
    return f"{article}{joiner}{match.group('rest')}"


def read_titles(files: MovieLensFiles, *, encoding: str | None = None) -> Iterator[Row]:
    """One film per movies.csv row, with its IMDb/TMDB ids and its tags. links.csv and tags.csv
    are read first into small per-film maps (they are a fraction of movies.csv)."""
    links: dict[str, list[tuple[str, str]]] = {}
    tags: dict[str, dict[str, None]] = defaultdict(dict)
    if files.links is not None:
        for record in read_csv(files.links, LINKS_COLUMNS, encoding=encoding):
            if isinstance(record, BadRow):
                yield record
                continue
            ids = []
            if imdb := clean(record.values["imdbId"]):
                ids.append(("imdb", f"tt{int(imdb):07d}" if imdb.isdigit() else imdb))
            if (tmdb := clean(record.values["tmdbId"])) and tmdb.isdigit():
                ids.append(("tmdb", tmdb))
            links[clean(record.values["movieId"])] = ids
    if files.tags is not None:
        for record in read_csv(files.tags, TAGS_COLUMNS, encoding=encoding):
            if isinstance(record, BadRow):
                yield record
                continue
            tag = theme(record.values["tag"])
            if tag and len(tag) <= MAX_THEME_CHARS:
                tags[clean(record.values["movieId"])][tag] = None
    for record in read_csv(files.movies, MOVIES_COLUMNS, encoding=encoding):
        if isinstance(record, BadRow):
            yield record
            continue
        where = Where(files.movies.name, record.line)
        movie_id = clean(record.values["movieId"])
        name, year, aliases = split_title(record.values["title"])
        if not movie_id.isdigit():
            yield BadRow(where, f"movieId {movie_id!r} is not a number")
            continue
        if not name:
            yield BadRow(where, "title is empty")
            continue
        if year is not None and not 1870 <= year <= 2100:
            yield BadRow(where, f"year {year} is not between 1870 and 2100")
            continue
        genres, themes = genres_and_themes(split_list(record.values["genres"], "|"))
        spec = TitleSpec(
            name=name,
            year=year,
            kind="film",
            aliases=aliases,
            genres=genres,
            themes=[*themes, *(t for t in tags.get(movie_id, {}) if t not in themes)],
        )
        yield TitleRow(where, SOURCE, movie_id, spec, ids=links.get(movie_id, []))


def read_ratings(ratings: Input, *, encoding: str | None = None) -> Iterator[RatingRow | BadRow]:
    for record in read_csv(ratings, RATINGS_COLUMNS, encoding=encoding):
        if isinstance(record, BadRow):
            yield record
            continue
        where = Where(ratings.name, record.line)
        row = record.values
        user, movie = clean(row["userId"]), clean(row["movieId"])
        try:
            if not user or not movie.isdigit():
                raise ValueError("userId or movieId is missing")
            stars = parse_stars(row["rating"])
            if stars is None:
                raise ValueError("rating is empty")
            stamp = clean(row["timestamp"])
            rated_at = datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None
        except (ValueError, OverflowError, OSError) as error:
            yield BadRow(where, str(error))
            continue
        yield RatingRow(where, user, TitleRef(SOURCE, movie), stars, rated_at=rated_at)
