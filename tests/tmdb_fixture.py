"""Small TMDB 5000 tables (movies and credits) in the real layout, for the import tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

MOVIE_COLUMNS = (
    "id", "title", "release_date", "budget", "revenue", "tagline", "vote_count", "vote_average",
    "genres", "homepage", "keywords", "original_language", "original_title", "overview",
    "popularity", "production_companies", "production_countries", "runtime", "spoken_languages",
    "status",
)  # fmt: skip


def _named(*names: str) -> str:
    return json.dumps([{"id": i, "name": n} for i, n in enumerate(names, 1)])


def movie(
    tmdb_id: int,
    title: str,
    released: str,
    *,
    genres: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    language: str = "en",
    original: str | None = None,
    overview: str = "",
    popularity: str = "1.5",
    votes: str = "10",
    countries: tuple[str, ...] = ("US",),
    runtime: str = "100.0",
) -> dict[str, Any]:
    return {
        "id": str(tmdb_id),
        "title": title,
        "release_date": released,
        "budget": "0",
        "revenue": "0",
        "tagline": "",
        "vote_count": votes,
        "vote_average": "7.0",
        "genres": _named(*genres),
        "homepage": "",
        "keywords": _named(*keywords),
        "original_language": language,
        "original_title": original or title,
        "overview": overview,
        "popularity": popularity,
        "production_companies": "[]",
        "production_countries": json.dumps([{"iso_3166_1": c, "name": c} for c in countries]),
        "runtime": runtime,
        "spoken_languages": "[]",
        "status": "Released",
    }


def write_movies(path: Path, *rows: dict[str, Any]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, MOVIE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_credits(path: Path, *rows: tuple[int, str, list[str], list[tuple[str, str]]]) -> Path:
    """(movie id, title, cast in billing order, crew as (job, name))."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["movie_id", "title", "cast", "crew"])
        for tmdb_id, title, cast, crew in rows:
            cast_json = [{"name": n, "order": i, "character": "x"} for i, n in enumerate(cast)]
            crew_json = [{"job": job, "name": n, "department": "x"} for job, n in crew]
            writer.writerow([tmdb_id, title, json.dumps(cast_json), json.dumps(crew_json)])
    return path
