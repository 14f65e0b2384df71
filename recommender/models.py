"""The plain values the recommender works on; repositories return these, not ORM rows."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

C = TypeVar("C", bound=type)


def pickled_by_constructor(cls: C) -> C:
    """Pickle instances as a call of the class on their field values. A frozen slots
    dataclass's own pickling restores each one field by field in Python (33,000 titles were a
    second of a snapshot's load); the generated __init__ is several times faster."""
    values = operator.attrgetter(*(f.name for f in dataclasses.fields(cls)))

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment]
    return cls


@pickled_by_constructor
@dataclass(frozen=True, slots=True)
class TitleFacts:
    id: int
    name: str
    year: int | None
    kind: str  # "film" | "series"
    original_name: str | None = None
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    cast: tuple[str, ...] = ()
    synopsis: str | None = None
    runtime_minutes: int | None = None
    episodes: int | None = None
    poster_url: str | None = None
    original_id: int | None = None  # the title this one remakes, if any
    compares_with: tuple[int, ...] = ()  # editorial "fans compare it with" links
    # How well known it is, from the catalog's own data (recommender.prominence):
    vote_count: int | None = None  # TMDB votes, when a TMDB table brought it
    listed_by: tuple[str, ...] = ()  # the catalogs and data sets it was imported from

    @property
    def label(self) -> str:
        return f"{self.name} ({self.year})" if self.year else self.name


@pickled_by_constructor
@dataclass(frozen=True, slots=True)
class Offer:
    """One way to watch a title: a provider, in a region, by a kind of access."""

    provider: str
    region: str
    kind: str  # "stream" | "free" | "rent" | "buy"
    as_of: date
    link: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class RatingTriple:
    user: str
    title_id: int
    stars: float  # 0.5 .. 5.0
    at: float | None = None  # when it was rated (Unix seconds), if known


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a suggestion was made: the shared features that actually drove its score."""

    themes: tuple[str, ...] = ()
    genres: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    editorial: bool = False
    names_source: bool = False  # its synopsis names the title it is similar to
    named_by_source: bool = False  # the other title's synopsis names it
    because_of: tuple[int, ...] = field(default=())  # for personal picks: the liked titles
    # Collaborative evidence: `loved_by` members who rated `co_rated_with` highly also loved it.
    loved_by: int = 0
    co_rated_with: int | None = None
