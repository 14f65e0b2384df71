"""Readers for every catalog file reelbot imports. Pure Python, no database: each reader is a
generator of `TitleRow` / `RatingRow` / `BadRow` values, one row at a time.

    bundle = open_bundle(Path("netflix_titles.csv"))        # detects the format from the header
    for row in read_titles(bundle, provider="Netflix"):
        ...
    for rating in read_ratings(bundle):                      # MovieLens and Letterboxd only
        ...
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import IO

from db.imports.formats import kdrama, letterboxd, movielens, reelbot, streaming, tmdb
from db.imports.formats.base import (
    BadRow,
    ImportFileError,
    Input,
    RatingRow,
    Row,
    TitleRef,
    TitleRow,
    WatchlistRow,
    Where,
    check_bytes,
    sniff_delimiter,
)
from db.imports.formats.letterboxd import LetterboxdFiles
from db.imports.formats.movielens import MovieLensFiles
from db.imports.formats.tmdb import TmdbFiles

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "BadRow",
    "Bundle",
    "ImportFileError",
    "Input",
    "LetterboxdFiles",
    "MovieLensFiles",
    "RatingRow",
    "Row",
    "TitleRef",
    "TitleRow",
    "TmdbFiles",
    "WatchlistRow",
    "Where",
    "detect_format",
    "open_bundle",
    "read_ratings",
    "read_titles",
    "read_watchlist",
]

# name -> what it is (for --format and messages)
FORMATS = {
    "reelbot-csv": "reelbot's own CSV schema (what `reelbot seed export` writes)",
    "reelbot-json": "reelbot's own JSON schema",
    "streaming": "a streaming-catalog list (Netflix / Prime Video / Disney+ / Hulu layout)",
    "movielens": "MovieLens (movies.csv, links.csv, tags.csv, ratings.csv)",
    "tmdb": "the TMDB 5000 movies table (tmdb_5000_movies.csv, with tmdb_5000_credits.csv)",
    "letterboxd": "a Letterboxd export (ratings.csv, reviews.csv, diary.csv, watchlist.csv or "
    "the zip)",
    "kdrama-top250": "MyDramaList top 250 Korean dramas (kdrama.csv)",
    "kdrama-2015-2023": "MyDramaList Korean dramas 2015-2023 (korean_drama.csv)",
}
# Everything streams, so memory is not the limit; this guards the single all-or-nothing
# transaction (a multi-GB file would hold the database for an hour) and catches a wrong file.
MAX_FILE_BYTES = 256 * 1024 * 1024

_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("letterboxd", frozenset({"Letterboxd URI", "Name", "Year"})),
    ("streaming", frozenset({"show_id", "type", "title", "release_year"})),
    ("kdrama-top250", frozenset({"Name", "Year of release", "Genre", "Tags"})),
    ("kdrama-2015-2023", frozenset({"kdrama_id", "drama_name", "year"})),
    ("tmdb", tmdb.SIGNATURE),
    ("tmdb", tmdb.CREDITS_SIGNATURE),
    ("movielens", frozenset({"movieId", "title", "genres"})),
    ("movielens", frozenset({"userId", "movieId", "rating"})),
    ("movielens", frozenset({"movieId", "imdbId", "tmdbId"})),
    ("movielens", frozenset({"userId", "movieId", "tag"})),
    ("reelbot-csv", frozenset({"title", "kind"})),
)


@dataclass(frozen=True, slots=True)
class Bundle:
    """The files one import reads, and their format."""

    format: str
    main: Input
    movielens: MovieLensFiles | None = None
    letterboxd: LetterboxdFiles | None = None
    tmdb: TmdbFiles | None = None
    encoding: str | None = None


def header_columns(head: bytes) -> list[str]:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0].strip("\r\n")
    delimiter = sniff_delimiter(first, [c for _, cols in _SIGNATURES for c in cols])
    return [c.strip().strip('"').strip() for c in first.split(delimiter)]


def detect_format(source: Input) -> str:
    """The format from the first bytes: JSON, or a CSV header matched against each layout."""
    head = source.head()
    check_bytes(source.name, head)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "reelbot-json"
    columns = set(header_columns(head))
    for name, signature in _SIGNATURES:
        if signature <= columns:
            return name
    shown = ", ".join(sorted(columns)[:8]) or "(none)"
    raise ImportFileError(
        source.name,
        f"unrecognised layout (header columns: {shown}); pass --format with one of: "
        + ", ".join(FORMATS),
        1,
    )


def open_bundle(
    target: Path | Input,
    format: str | None = None,
    *,
    encoding: str | None = None,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> Bundle:
    """Find what to read: a file, a folder (MovieLens, Letterboxd) or a zip archive."""
    if format is not None and format not in FORMATS:
        raise ImportFileError(
            str(target), f"unknown format {format!r}; use one of {', '.join(FORMATS)}"
        )
    if isinstance(target, Path):
        if not target.exists():
            raise ImportFileError(str(target), "no such file or folder")
        members = _folder(target) if target.is_dir() else None
        main = None if members is not None else Input.from_path(target)
    else:
        main, members = target, None
    if main is not None:
        _check_size(main, max_bytes)
        if main.head(4) == b"PK\x03\x04":
            members = _zip(main)
    if members is None:
        assert main is not None
        found = format or detect_format(main)
        if found == "movielens" and isinstance(target, Path):
            members = _folder(target.parent)
            return _movielens(members, main.name, max_bytes, encoding)
        if found == "tmdb":
            siblings = _folder(target.parent) if isinstance(target, Path) else {main.name: main}
            return _tmdb(siblings, main.name, encoding)
        if found == "letterboxd":
            return Bundle(
                found, main, letterboxd=_letterboxd({main.name: main}, main), encoding=encoding
            )
        return Bundle(found, main, encoding=encoding)
    name = main.name if main is not None else str(target)
    for member in members.values():
        _check_size(member, max_bytes)
    if format in (None, "movielens") and "movies.csv" in members:
        return _movielens(members, name, max_bytes, encoding)
    if format in (None, "tmdb") and _tmdb_movies(members) is not None:
        return _tmdb(members, name, encoding)
    if format in (None, "letterboxd") and any(f in members for f in letterboxd.FILES.values()):
        return Bundle(
            "letterboxd",
            next(iter(members.values())),
            letterboxd=_letterboxd(members, None),
            encoding=encoding,
        )
    raise ImportFileError(
        name,
        "found no file to import here (expected movies.csv for MovieLens, or ratings.csv / "
        "reviews.csv / diary.csv / watchlist.csv from a Letterboxd export)",
    )


def _check_size(source: Input, max_bytes: int | None) -> None:
    if max_bytes is not None and source.size is not None and source.size > max_bytes:
        raise ImportFileError(
            source.name,
            f"the file is {_size(source.size)}, over the {_size(max_bytes)} import limit "
            "(it would run as one long transaction); split it, or raise the limit with "
            "--max-size",
        )


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return f"{count} bytes"


def _folder(folder: Path) -> dict[str, Input]:
    return {p.name: Input.from_path(p) for p in sorted(folder.iterdir()) if p.suffix == ".csv"}


def _zip(archive: Input) -> dict[str, Input]:
    """Members by base name (exports often nest them in one folder)."""
    try:
        with archive.open() as raw, zipfile.ZipFile(raw) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".csv")]
    except zipfile.BadZipFile as error:
        raise ImportFileError(archive.name, f"the zip archive is damaged ({error})") from error
    members: dict[str, Input] = {}
    for info in infos:
        base = PurePosixPath(info.filename).name
        if base not in members and not base.startswith("."):
            members[base] = Input(
                f"{archive.name}:{info.filename}",
                _member_opener(archive, info.filename),
                info.file_size,
            )
    return members


def _member_opener(archive: Input, member: str) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        return zipfile.ZipFile(archive.open()).open(member)

    return opener


def _movielens(
    members: dict[str, Input], name: str, max_bytes: int | None, encoding: str | None
) -> Bundle:
    movies = members.get("movies.csv")
    if movies is None:
        raise ImportFileError(name, "a MovieLens import needs movies.csv next to it")
    for member in members.values():
        _check_size(member, max_bytes)
    files = MovieLensFiles(
        movies, members.get("links.csv"), members.get("tags.csv"), members.get("ratings.csv")
    )
    return Bundle("movielens", movies, movielens=files, encoding=encoding)


def _tmdb_movies(members: dict[str, Input]) -> Input | None:
    return next((i for i in members.values() if _has_columns(i, tmdb.SIGNATURE)), None)


def _has_columns(source: Input, columns: frozenset[str]) -> bool:
    try:
        return columns <= set(header_columns(source.head()))
    except OSError:
        return False


def _tmdb(members: dict[str, Input], name: str, encoding: str | None) -> Bundle:
    """The movies table, and the credits table when it sits beside it (either may be named)."""
    movies = _tmdb_movies(members)
    if movies is None:
        raise ImportFileError(
            name, "a TMDB credits table needs the movies table (tmdb_5000_movies.csv) beside it"
        )
    credits = next((i for i in members.values() if _has_columns(i, tmdb.CREDITS_SIGNATURE)), None)
    return Bundle("tmdb", movies, tmdb=TmdbFiles(movies, credits), encoding=encoding)


def _letterboxd(members: dict[str, Input], single: Input | None) -> LetterboxdFiles:
    if single is not None:
        columns = set(header_columns(single.head()))
        if "Review" in columns:
            return LetterboxdFiles(reviews=single)
        if "Watched Date" in columns:
            return LetterboxdFiles(diary=single)
        if "Rating" not in columns:  # the one export file with films but no ratings
            return LetterboxdFiles(watchlist=single)
        return LetterboxdFiles(ratings=single)
    return LetterboxdFiles(
        ratings=members.get("ratings.csv"),
        reviews=members.get("reviews.csv"),
        diary=members.get("diary.csv"),
        watchlist=members.get("watchlist.csv"),
    )


def read_titles(
    bundle: Bundle, *, provider: str | None = None, default_as_of: date | None = None
) -> Iterator[Row]:
    """Titles (and bad rows) of any format but Letterboxd, which only has ratings."""
    as_of = default_as_of or date.today()
    encoding = bundle.encoding
    match bundle.format:
        case "streaming":
            name = provider or streaming.provider_from_name(bundle.main.name)
            if name is None:
                raise ImportFileError(
                    bundle.main.name,
                    "which service is this list from? pass --provider (e.g. --provider Netflix)",
                )
            yield from streaming.read_streaming(bundle.main, name, encoding=encoding)
        case "kdrama-top250":
            yield from kdrama.read_top250(bundle.main, encoding=encoding)
        case "kdrama-2015-2023":
            yield from kdrama.read_table(bundle.main, encoding=encoding)
        case "movielens":
            assert bundle.movielens is not None
            yield from movielens.read_titles(bundle.movielens, encoding=encoding)
        case "tmdb":
            files = bundle.tmdb or TmdbFiles(bundle.main)
            yield from tmdb.read(files, encoding=encoding)
        case "reelbot-csv":
            yield from reelbot.read_csv_file(bundle.main, as_of, encoding=encoding)
        case "reelbot-json":
            yield from reelbot.read_json_file(bundle.main, as_of, encoding=encoding)
        case "letterboxd":
            return
        case other:
            raise ImportFileError(bundle.main.name, f"unknown format {other!r}")


def read_watchlist(bundle: Bundle) -> Iterator[WatchlistRow | BadRow]:
    """The films on a Letterboxd member's watchlist (nothing for other formats)."""
    if bundle.format == "letterboxd" and bundle.letterboxd is not None:
        yield from letterboxd.read_watchlist(bundle.letterboxd, encoding=bundle.encoding)


def read_ratings(bundle: Bundle) -> Iterator[RatingRow | BadRow]:
    if bundle.format == "movielens" and bundle.movielens and bundle.movielens.ratings:
        yield from movielens.read_ratings(bundle.movielens.ratings, encoding=bundle.encoding)
    elif bundle.format == "letterboxd" and bundle.letterboxd is not None:
        yield from letterboxd.read_letterboxd(bundle.letterboxd, encoding=bundle.encoding)
