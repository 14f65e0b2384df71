"""A Letterboxd export (the zip, or its ratings.csv / reviews.csv / diary.csv / watchlist.csv)
for one member: one rating per film, with the latest review text and the latest day it was
watched, and the films on their watchlist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from db.imports.formats.base import (
    BadRow,
    Input,
    RatingRow,
    TitleRef,
    WatchlistRow,
    Where,
    parse_stars,
    read_csv,
)
from db.imports.formats.values import clean, parse_date, parse_year

RATINGS_COLUMNS = ("Date", "Name", "Year", "Letterboxd URI", "Rating")
REVIEWS_COLUMNS = ("Date", "Name", "Year", "Letterboxd URI", "Rating", "Review")
DIARY_COLUMNS = ("Date", "Name", "Year", "Letterboxd URI", "Rating", "Watched Date")
WATCHLIST_COLUMNS = ("Date", "Name", "Year", "Letterboxd URI")
FILES = {
    "ratings": "ratings.csv",
    "reviews": "reviews.csv",
    "diary": "diary.csv",
    "watchlist": "watchlist.csv",
}
_TAG = re.compile(r"<[^>]{0,200}>")
_SPOILER_WORDS = re.compile(r"\bspoilers?\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LetterboxdFiles:
    ratings: Input | None = None
    reviews: Input | None = None
    diary: Input | None = None
    watchlist: Input | None = None


@dataclass(slots=True)
class _Film:
    where: Where
    name: str
    year: int | None
    stars: float | None = None
    rated_at: datetime | None = None
    review: str | None = None
    review_at: datetime | None = None
    spoiler: bool = False
    watched_on: date | None = None  # the latest "Watched Date" of the diary (or reviews)
    logged_on: date | None = None  # ratings.csv "Date": when it was rated, if never dated


def _review_text(text: str) -> str | None:
    """Letterboxd keeps a little HTML (<i>, <b>, <br />) in exported reviews."""
    body = _TAG.sub("", text.replace("<br />", "\n").replace("<br>", "\n"))
    return clean(body) or None


def read_letterboxd(
    files: LetterboxdFiles, *, encoding: str | None = None
) -> Iterator[RatingRow | BadRow]:
    """One `RatingRow` per film. The current rating comes from ratings.csv, or else the latest
    diary entry; the review text is the latest review; the diary date is the latest "Watched
    Date" (else the day ratings.csv has). Films are collected by name and year first: one
    member's history is thousands of rows at most."""
    films: dict[str, _Film] = {}
    for kind, source, columns in (
        ("diary", files.diary, DIARY_COLUMNS),
        ("reviews", files.reviews, REVIEWS_COLUMNS),
        ("ratings", files.ratings, RATINGS_COLUMNS),
    ):
        if source is None:
            continue
        for record in read_csv(source, columns[:4], encoding=encoding):
            if isinstance(record, BadRow):
                yield record
                continue
            where = Where(source.name, record.line)
            row = record.values
            try:
                name, year = _name_and_year(row)
                stars = parse_stars(row.get("Rating"))
            except ValueError as error:
                yield BadRow(where, str(error))
                continue
            watched = parse_date(row.get("Watched Date"))
            day = watched or parse_date(row["Date"])
            when = datetime.combine(day, time(12), UTC) if day else None
            # By film, not by URI: diary and review URIs name the entry, not the film, and
            # one film's rating, reviews and diary entries are one rating here.
            key = f"{name.casefold()} ({year})"
            film = films.setdefault(key, _Film(where, name, year))
            if watched and (film.watched_on is None or watched > film.watched_on):
                film.watched_on = watched
            if kind == "ratings":
                film.logged_on = day
            if stars is not None and (
                kind == "ratings" or film.rated_at is None or (when and when >= film.rated_at)
            ):
                film.stars, film.rated_at, film.where = stars, when, where
            review = _review_text(row.get("Review", "")) if kind == "reviews" else None
            if review and (film.review_at is None or (when and when >= film.review_at)):
                film.review, film.review_at = review, when
                spoiler_flag = clean(row.get("Spoilers")).casefold() in {"yes", "true", "1"}
                film.spoiler = spoiler_flag or bool(_SPOILER_WORDS.search(review[:200]))
    for film in films.values():
        if film.stars is None and film.review is None:
            continue  # logged as watched, never rated or reviewed
        yield RatingRow(
            film.where,
            "",
            TitleRef(name=film.name, year=film.year),
            film.stars,
            review=film.review,
            rated_at=film.rated_at or film.review_at,
            spoiler=film.spoiler,
            watched_on=film.watched_on or film.logged_on,
        )


def read_watchlist(
    files: LetterboxdFiles, *, encoding: str | None = None
) -> Iterator[WatchlistRow | BadRow]:
    """One `WatchlistRow` per film on the member's watchlist.csv, with the day they added it."""
    source = files.watchlist
    if source is None:
        return
    seen: set[str] = set()
    for record in read_csv(source, WATCHLIST_COLUMNS, encoding=encoding):
        if isinstance(record, BadRow):
            yield record
            continue
        where = Where(source.name, record.line)
        row = record.values
        try:
            name, year = _name_and_year(row)
        except ValueError as error:
            yield BadRow(where, str(error))
            continue
        key = clean(row["Letterboxd URI"]) or f"{name} ({year})"
        if key in seen:
            continue
        seen.add(key)
        day = parse_date(row["Date"])
        added = datetime.combine(day, time(12), UTC) if day else None
        yield WatchlistRow(where, TitleRef(name=name, year=year), added)


def _name_and_year(row: dict[str, str]) -> tuple[str, int | None]:
    """The film every Letterboxd file names by Name and Year; ValueError when unreadable."""
    name = clean(row["Name"])
    if not name:
        raise ValueError("Name is empty")
    return name, parse_year(row["Year"])
