"""reelbot's own catalog schema, as CSV (one title per row, lists joined by " | ") and as JSON
(the starter catalog's layout). `reelbot seed export` writes it and `reelbot seed import` reads
it back, so the two round-trip.

CSV columns (only ``title`` and ``kind`` are required)::

    key, title, year, kind, original_title, aliases, countries, languages, genres, themes,
    directors, writers, cast, synopsis, runtime_minutes, episodes, poster_url, popularity,
    vote_count, availability, ids, remake_of, compares_with

- list columns hold values joined by ``" | "``; a ``|`` inside a value is written ``\\|`` (and a
  backslash ``\\\\``), so every value reads back as it was;
- ``availability`` entries read ``Provider@CC:kind:YYYY-MM-DD link`` (date and link optional),
  e.g. ``Netflix@US:stream:2024-05-01 | Viki@KR:free``;
- ``ids`` are ``source:id`` pairs (``imdb:tt0114709 | tmdb:862 | netflix:s1``), a source as
  often as it has ids for the title. They are the title's provenance: a row with ids is
  recorded under them, a row without under ``reelbot:<key>``;
- ``remake_of`` and ``compares_with`` name other rows by their ``key``.

JSON is ``{"format": "reelbot", "version": 1, "titles": [...]}`` (or a bare list), each title
shaped like a starter catalog entry: ``title, year, kind, original_title, aliases, countries,
languages, genres, themes, people: {director, writer, cast}, synopsis, runtime_minutes,
episodes, poster_url, popularity, vote_count, availability: [{provider, region, kind, as_of,
link}], ids: {source: id or [ids]}, key, remake_of, compares_with``. It is read
incrementally (ijson), so large files stay cheap.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

import ijson

from db.imports.formats.base import (
    BadRow,
    ImportFileError,
    Input,
    Row,
    TitleRow,
    Where,
    check_bytes,
    read_csv,
    text_lines,
)
from db.imports.formats.values import clean, parse_date, parse_int, parse_year, theme
from db.records import OfferSpec, TitleSpec

SOURCE = "reelbot"
VERSION = 1
COLUMNS = (
    "key", "title", "year", "kind", "original_title", "aliases", "countries", "languages",
    "genres", "themes", "directors", "writers", "cast", "synopsis", "runtime_minutes",
    "episodes", "poster_url", "popularity", "vote_count", "availability", "ids", "remake_of",
    "compares_with",
)  # fmt: skip
REQUIRED = ("title", "kind")
SEPARATOR = " | "
KINDS = ("film", "series")
OFFER_KINDS = ("stream", "free", "rent", "buy")
_OFFER = re.compile(
    r"^(?P<provider>[^@]+?)\s*@\s*(?P<region>[A-Za-z]{2})\s*:\s*(?P<kind>\w+)"
    r"(?:\s*:\s*(?P<as_of>\d{4}-\d{2}-\d{2}))?(?:\s+(?P<link>\S+))?$"
)


def natural_key(name: str, year: int | None, kind: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name.casefold()).strip("-") or "title"
    return f"{slug}-{year}" if year else f"{slug}-{kind}"


# -- reading -----------------------------------------------------------------------------------


def _items(text: str | None) -> list[str]:
    """ "a | b\\|c" -> ["a", "b|c"]: split on the pipes that are not escaped."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text or "")
    for ch in chars:
        if ch == "\\":
            following = next(chars, "")
            current.append(following if following in ("|", "\\") else ch + following)
        elif ch == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return list(dict.fromkeys(c for c in (clean(p) for p in parts) if c))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def parse_offer(text: str, default_as_of: date) -> OfferSpec:
    match = _OFFER.match(clean(text))
    if not match:
        raise ValueError(f"availability {text!r} is not Provider@CC:kind[:YYYY-MM-DD] [link]")
    kind = match.group("kind").casefold()
    if kind not in OFFER_KINDS:
        raise ValueError(f"availability kind {kind!r} is not one of {', '.join(OFFER_KINDS)}")
    as_of = date.fromisoformat(match.group("as_of")) if match.group("as_of") else default_as_of
    return OfferSpec(
        match.group("provider").strip(), match.group("region").upper(), kind, as_of,
        match.group("link"),
    )  # fmt: skip


def _ids(pairs: Iterable[str]) -> list[tuple[str, str]]:
    ids: list[tuple[str, str]] = []
    for pair in pairs:
        source, sep, value = pair.partition(":")
        if not sep or not source.strip() or not value.strip():
            raise ValueError(f"id {pair!r} is not source:id")
        ids.append((source.strip().casefold(), value.strip()))
    return list(dict.fromkeys(ids))


def _json_ids(value: Any) -> list[tuple[str, str]]:
    """{"imdb": "tt1", "netflix": ["s1", "s7"]}: one id or a list of them per source."""
    if not isinstance(value, dict):
        raise ValueError("ids is not an object of source: id")
    ids: list[tuple[str, str]] = []
    for source, found in value.items():
        for one in found if isinstance(found, list) else [found]:
            if one is not None and str(one).strip():
                ids.append((str(source).strip().casefold(), str(one).strip()))
    return list(dict.fromkeys(ids))


def _spec(fields: dict[str, Any], default_as_of: date) -> TitleSpec:
    name = clean(fields.get("title"))
    kind = clean(fields.get("kind")).casefold()
    if not name:
        raise ValueError("title is empty")
    if kind not in KINDS:
        raise ValueError(f"kind {fields.get('kind')!r} is neither film nor series")
    year = fields.get("year")
    return TitleSpec(
        name=name,
        year=year if isinstance(year, int) or year is None else parse_year(str(year)),
        kind=kind,
        original_name=clean(fields.get("original_title")) or None,
        aliases=fields.get("aliases") or [],
        countries=[c.upper() for c in fields.get("countries") or []],
        languages=[c.casefold() for c in fields.get("languages") or []],
        genres=fields.get("genres") or [],
        themes=[theme(t) for t in fields.get("themes") or []],
        directors=fields.get("directors") or [],
        writers=fields.get("writers") or [],
        cast=fields.get("cast") or [],
        synopsis=clean(fields.get("synopsis")) or None,
        runtime_minutes=fields.get("runtime_minutes"),
        episodes=fields.get("episodes"),
        poster_url=clean(fields.get("poster_url")) or None,
        popularity=None if fields.get("popularity") is None else float(fields["popularity"]),
        vote_count=fields.get("vote_count"),
        offers=fields.get("offers") or [],
    )


def read_csv_file(
    source: Input, default_as_of: date, *, encoding: str | None = None
) -> Iterator[Row]:
    for record in read_csv(source, REQUIRED, encoding=encoding):
        if isinstance(record, BadRow):
            yield record
            continue
        where = Where(source.name, record.line)
        row = record.values
        try:
            fields: dict[str, Any] = {k: row.get(k) for k in ("title", "kind", "original_title")}
            fields |= {k: row.get(k) for k in ("synopsis", "poster_url")}
            fields["year"] = parse_year(row.get("year"))
            for column in (
                "aliases", "countries", "languages", "genres", "themes", "directors", "writers",
                "cast",
            ):  # fmt: skip
                fields[column] = _items(row.get(column))
            fields["runtime_minutes"] = parse_int(row.get("runtime_minutes"), "runtime_minutes")
            fields["episodes"] = parse_int(row.get("episodes"), "episodes")
            fields["vote_count"] = parse_int(row.get("vote_count"), "vote_count")
            fields["popularity"] = _number(row.get("popularity"), "popularity")
            fields["offers"] = [
                parse_offer(o, default_as_of) for o in _items(row.get("availability"))
            ]
            spec = _spec(fields, default_as_of)
            ids = _ids(_items(row.get("ids")))
        except ValueError as error:
            yield BadRow(where, str(error))
            continue
        key = clean(row.get("key")) or natural_key(spec.name, spec.year, spec.kind)
        yield TitleRow(
            where,
            SOURCE,
            key,
            spec,
            ids=ids,
            remake_of=clean(row.get("remake_of")) or None,
            compares_with=_items(row.get("compares_with")),
        )


def read_json_file(
    source: Input, default_as_of: date, *, encoding: str | None = None
) -> Iterator[Row]:
    """Titles one at a time from ``{"titles": [...]}`` or a bare list."""
    head = source.head()
    check_bytes(source.name, head)
    if encoding not in (None, "utf-8", "utf8", "utf-8-sig"):
        stream: Any = _TextAsBytes(text_lines(source, encoding))
    else:
        stream = source.open()
    prefix = "item" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") else "titles.item"
    number = 0
    try:
        with stream:
            for number, entry in enumerate(ijson.items(stream, prefix, use_float=True), 1):
                where = Where(source.name, number, "entry")
                try:
                    yield _json_title(entry, where, default_as_of)
                except (ValueError, TypeError, KeyError, AttributeError) as error:
                    yield BadRow(where, _reason(error))
    except ijson.IncompleteJSONError as error:
        cut = "incomplete JSON" in str(error) or "premature EOF" in str(error)
        reason = (
            "the JSON ends early: the file looks cut off (truncated)"
            if cut
            else f"the file is not valid JSON ({error})"
        )
        raise ImportFileError(source.name, f"{reason} after entry {number}") from error
    except UnicodeDecodeError as error:
        raise ImportFileError(
            source.name, "the file is not UTF-8 text; save it as UTF-8 or pass --encoding"
        ) from error
    if number == 0:
        raise ImportFileError(source.name, 'no titles found (expected {"titles": [...]})')


def _number(text: str | None, what: str) -> float | None:
    text = clean(text)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error}"
    return str(error)


def _json_title(entry: Any, where: Where, default_as_of: date) -> TitleRow:
    if not isinstance(entry, dict):
        raise ValueError("an entry is not an object")
    people = entry.get("people") or {}
    fields = dict(entry)
    fields["directors"] = people.get("director") or entry.get("directors") or []
    fields["writers"] = people.get("writer") or entry.get("writers") or []
    fields["cast"] = people.get("cast") or entry.get("cast") or []
    for number_field in ("runtime_minutes", "episodes", "vote_count"):
        value = entry.get(number_field)
        fields[number_field] = None if value is None else int(value)
    fields["offers"] = [
        OfferSpec(
            clean(o["provider"]),
            clean(o["region"]).upper(),
            clean(o["kind"]).casefold(),
            parse_date(o.get("as_of")) or default_as_of,
            o.get("link"),
        )
        for o in entry.get("availability") or []
    ]
    for offer in fields["offers"]:
        if offer.kind not in OFFER_KINDS or len(offer.region) != 2:
            raise ValueError(
                f"availability {offer.provider}@{offer.region}:{offer.kind} is invalid"
            )
    spec = _spec(fields, default_as_of)
    key = clean(entry.get("key")) or natural_key(spec.name, spec.year, spec.kind)
    ids = _json_ids(entry.get("ids") or {})
    return TitleRow(
        where,
        SOURCE,
        key,
        spec,
        ids=ids,
        remake_of=entry.get("remake_of"),
        compares_with=list(entry.get("compares_with") or []),
    )


class _TextAsBytes:
    """Feeds ijson UTF-8 bytes from a file in another encoding."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def read(self, size: int = -1) -> bytes:
        return next(self._lines, "").encode("utf-8")

    def __enter__(self) -> _TextAsBytes:
        return self

    def __exit__(self, *_: object) -> None:
        return None


# -- writing -----------------------------------------------------------------------------------


def _offer_text(offer: OfferSpec) -> str:
    text = f"{offer.provider}@{offer.region}:{offer.kind}:{offer.as_of.isoformat()}"
    return f"{text} {offer.link}" if offer.link else text


def csv_row(row: TitleRow) -> list[str]:
    spec = row.spec
    values: dict[str, str] = {
        "key": row.external_id,
        "title": spec.name,
        "year": "" if spec.year is None else str(spec.year),
        "kind": spec.kind,
        "original_title": spec.original_name or "",
        "synopsis": spec.synopsis or "",
        "runtime_minutes": "" if spec.runtime_minutes is None else str(spec.runtime_minutes),
        "episodes": "" if spec.episodes is None else str(spec.episodes),
        "poster_url": spec.poster_url or "",
        "popularity": "" if spec.popularity is None else repr(spec.popularity),
        "vote_count": "" if spec.vote_count is None else str(spec.vote_count),
        "availability": SEPARATOR.join(_escape(_offer_text(o)) for o in spec.offers),
        "ids": SEPARATOR.join(_escape(f"{k}:{v}") for k, v in row.ids),
        "remake_of": row.remake_of or "",
        "compares_with": SEPARATOR.join(_escape(k) for k in row.compares_with),
    }
    for column, items in (
        ("aliases", spec.aliases), ("countries", spec.countries),
        ("languages", spec.languages), ("genres", spec.genres), ("themes", spec.themes),
        ("directors", spec.directors), ("writers", spec.writers), ("cast", spec.cast),
    ):  # fmt: skip
        values[column] = SEPARATOR.join(_escape(i) for i in items)
    return [values[c] for c in COLUMNS]


def write_csv(rows: Iterable[TitleRow], handle: IO[str]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(csv_row(row))
        count += 1
    return count


def json_entry(row: TitleRow) -> dict[str, Any]:
    spec = row.spec
    entry: dict[str, Any] = {
        "key": row.external_id,
        "title": spec.name,
        "year": spec.year,
        "kind": spec.kind,
        "original_title": spec.original_name,
        "aliases": spec.aliases,
        "countries": spec.countries,
        "languages": spec.languages,
        "genres": spec.genres,
        "themes": spec.themes,
        "people": {"director": spec.directors, "writer": spec.writers, "cast": spec.cast},
        "synopsis": spec.synopsis,
        "runtime_minutes": spec.runtime_minutes,
        "episodes": spec.episodes,
        "poster_url": spec.poster_url,
        "popularity": spec.popularity,
        "vote_count": spec.vote_count,
        "availability": [
            {
                "provider": o.provider,
                "region": o.region,
                "kind": o.kind,
                "as_of": o.as_of.isoformat(),
                "link": o.link,
            }
            for o in spec.offers
        ],
        "ids": _ids_object(row.ids),
        "remake_of": row.remake_of,
        "compares_with": row.compares_with,
    }
    return entry


def _ids_object(ids: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    grouped: dict[str, list[str]] = {}
    for source, value in ids:
        grouped.setdefault(source, []).append(value)
    return {s: v[0] if len(v) == 1 else v for s, v in grouped.items()}


def write_json(rows: Iterable[TitleRow], handle: IO[str]) -> int:
    """One title per line inside the list, so even a big export is written without holding it."""
    handle.write(f'{{"format": "reelbot", "version": {VERSION}, "titles": [\n')
    count = 0
    for row in rows:
        if count:
            handle.write(",\n")
        handle.write(json.dumps(json_entry(row), ensure_ascii=False))
        count += 1
    handle.write("\n]}\n")
    return count
