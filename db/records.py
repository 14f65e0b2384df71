"""Values the repositories return besides the recommender's catalog facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# users.platform of users who exist only because a data set was imported (MovieLens): their
# ratings feed the recommender, but they are not chat members and never count as such.
IMPORTED_PLATFORMS = ("movielens",)


@dataclass(frozen=True, slots=True)
class RatingSummary:
    count: int = 0
    average_half_stars: float | None = None
    # half_stars (1..10) -> how many members gave it
    distribution: dict[int, int] = field(default_factory=dict)

    @property
    def average_stars(self) -> float | None:
        return None if self.average_half_stars is None else self.average_half_stars / 2


@dataclass(frozen=True, slots=True)
class RatingChange:
    """What one /review did: the rating it replaced (if any) and the title's summary after it."""

    previous_half_stars: int | None
    previous_had_text: bool
    summary: RatingSummary
    previous_watched_on: date | None = None  # the replaced rating's diary date


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    rating_id: int
    title_id: int
    author: str
    half_stars: int
    review: str | None
    spoiler: bool
    updated_at: datetime
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredRating:
    title_id: int
    half_stars: int
    review: str | None
    spoiler: bool
    updated_at: datetime
    watched_on: date | None = None  # the diary date; None for ratings from before diaries
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MemberSettings:
    """A member's own /settings me values; None where the member set nothing."""

    region: str | None = None
    timezone: str | None = None
    services: tuple[str, ...] | None = None
    alerts: bool = True  # watchlist alerts in private (/settings me alerts off)


@dataclass(frozen=True, slots=True)
class ChatSettings:
    id: int
    region: str | None
    timezone: str | None
    language: str | None
    services: tuple[str, ...]


@dataclass(slots=True)
class OfferSpec:
    provider: str
    region: str
    kind: str
    as_of: date
    link: str | None = None


@dataclass(slots=True)
class TitleSpec:
    """A title to write into the catalog (from the starter catalog or an import)."""

    name: str
    year: int | None
    kind: str
    original_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    synopsis: str | None = None
    runtime_minutes: int | None = None
    episodes: int | None = None
    poster_url: str | None = None
    popularity: float | None = None  # a data set's notability score (TMDB popularity)
    vote_count: int | None = None
    offers: list[OfferSpec] = field(default_factory=list)
