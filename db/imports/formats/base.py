"""What every format reader yields, and the streaming CSV plumbing they share.

Readers are generators: they hold one row at a time (plus small lookup maps where a format
spreads one title over several files), so memory stays flat however long the file is. Problems
with one row become a `BadRow` in the stream; problems with the whole file raise
`ImportFileError`. Both carry the file and line, so messages can point at the spot.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO

from db.records import TitleSpec

# Synopses and cast lists can be long; the csv module's 128 KiB default is too tight for some
# exports, and the limit still stops a runaway unterminated quote from eating the whole file.
csv.field_size_limit(min(sys.maxsize, 8 * 1024 * 1024))

SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    line: int
    unit: str = "line"  # JSON files count entries, not lines

    def __str__(self) -> str:
        return f"{self.file}, {self.unit} {self.line}"


@dataclass(frozen=True, slots=True)
class BadRow:
    where: Where
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class ImportFileError(Exception):
    """The file as a whole cannot be read: wrong encoding, binary, empty, unknown layout, ..."""

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.line = line
        where = f"{file}, line {line}" if line else file
        super().__init__(f"{where}: {reason}")


@dataclass(slots=True)
class TitleRow:
    """One title as a source describes it."""

    where: Where
    source: str  # e.g. "netflix", "movielens", "mydramalist"; with external_id the merge key
    external_id: str
    spec: TitleSpec
    # Other catalogs' ids for the same title, e.g. [("imdb", "tt0114709"), ("tmdb", "862")]; a
    # catalog may appear twice (a title merged from two of its entries).
    ids: list[tuple[str, str]] = field(default_factory=list)
    # Services the source says carry the title (the importer adds offers with region and date).
    providers: list[str] = field(default_factory=list)
    # Links to other titles of the same file, by their external_id.
    remake_of: str | None = None
    compares_with: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TitleRef:
    """How a rating names its title: by the source's id, or by name and year."""

    source: str | None = None
    external_id: str | None = None
    name: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class RatingRow:
    where: Where
    user: str  # the source's user id; "" in a one-person export (Letterboxd)
    title: TitleRef
    stars: float | None  # 0.5 .. 5 in half steps; None for a review without a rating
    review: str | None = None
    rated_at: datetime | None = None
    spoiler: bool = False
    watched_on: date | None = None  # the diary date (Letterboxd's "Watched Date")


@dataclass(frozen=True, slots=True)
class WatchlistRow:
    """A title one member wants to watch (Letterboxd's watchlist.csv)."""

    where: Where
    title: TitleRef
    added_at: datetime | None = None


Row = TitleRow | RatingRow | BadRow


@dataclass(frozen=True, slots=True)
class CsvRecord:
    line: int  # where the record starts (1-based, the header is line 1)
    values: dict[str, str]


@dataclass(frozen=True, slots=True)
class Input:
    """A named byte stream to import: a file, a member of a zip archive, or a chat attachment."""

    name: str
    open: Callable[[], IO[bytes]]
    size: int | None = None

    @classmethod
    def from_path(cls, path: Path) -> Input:
        return cls(path.name, lambda: path.open("rb"), path.stat().st_size)

    @classmethod
    def from_bytes(cls, name: str, content: bytes) -> Input:
        return cls(name, lambda: io.BytesIO(content), len(content))

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        with self.open() as raw:
            return raw.read(size)


def check_bytes(name: str, head: bytes) -> None:
    """Refuse what is plainly not text before a CSV parser turns it into nonsense."""
    if not head.strip():
        raise ImportFileError(name, "the file is empty")
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError(name, "this is a zip archive, not a CSV or JSON file")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in head[:8192]:
        raise ImportFileError(
            name, "this looks like a binary file, not CSV or JSON text (it contains NUL bytes)"
        )


def text_lines(source: Input, encoding: str | None = None) -> Iterator[str]:
    """The file's lines as text, line ends kept (the csv module wants them), decoded one line
    at a time so a bad byte is reported on its own line."""
    head = source.head()
    check_bytes(source.name, head)
    if encoding is None and head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    if encoding is not None and codecs.lookup(encoding).name.startswith("utf-16"):
        # Newlines are two bytes wide here, so let the text layer split lines.
        with source.open() as raw, io.TextIOWrapper(raw, encoding="utf-16", newline="") as text:
            yield from text
        return
    decode = codecs.getdecoder(encoding or "utf-8")
    with source.open() as raw:
        for number, line in enumerate(raw, start=1):
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            try:
                yield decode(line)[0]
            except UnicodeDecodeError as error:
                bad = line[error.start : error.start + 1].hex().upper()
                raise ImportFileError(
                    source.name,
                    f"the file is not UTF-8 text (byte 0x{bad} at column {error.start + 1}); "
                    "save it as UTF-8, or pass the encoding it uses, e.g. --encoding cp1252",
                    number,
                ) from error


def parse_stars(text: str | None) -> float | None:
    """A 0.5-5 star rating in half steps; None when empty. ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        stars = float(text)
    except ValueError:
        raise ValueError(f"rating {text!r} is not a number") from None
    if not 0.5 <= stars <= 5 or (stars * 2) % 1:
        raise ValueError(f"rating {text} is not between 0.5 and 5 in half stars")
    return stars


def sniff_delimiter(header_line: str, expected: Sequence[str] = ()) -> str:
    """The header's separator: comma, semicolon, tab or pipe, whichever splits it best."""
    best, best_count = ",", 0
    for delimiter in (",", ";", "\t", "|"):
        fields = [f.strip().strip('"') for f in header_line.split(delimiter)]
        count = sum(1 for f in fields if f in expected) if expected else len(fields)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def read_csv(
    source: Input,
    required: Sequence[str],
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
) -> Iterator[CsvRecord | BadRow]:
    """Records as dicts keyed by header, one at a time, with the line each one starts on.

    A record with the wrong number of fields is a `BadRow` (with a hint when it looks like the
    wrong separator or a cut-off file); undecodable bytes and an unterminated quote at the end
    of the file raise `ImportFileError`.
    """
    name = source.name
    lines = text_lines(source, encoding)
    first = next(lines, "")
    if delimiter is None:
        delimiter = sniff_delimiter(first, required)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportFileError(name, f"unreadable header ({error})", 1) from error
    if header is None or not any(h.strip() for h in header):
        raise ImportFileError(name, "the file is empty")
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportFileError(name, f"the header lacks the column(s) {', '.join(missing)}", 1)
    width = len(header)
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "end of data" in str(error) or "EOF" in str(error):
                raise ImportFileError(
                    name,
                    "the file ends inside a quoted field: it looks cut off (truncated)",
                    start,
                ) from error
            yield BadRow(Where(name, start), f"unreadable CSV ({error})")
            start = reader.line_num + 1
            continue
        line = start
        start = reader.line_num + 1
        if not values or (len(values) == 1 and not values[0].strip()):
            continue  # blank line
        if len(values) != width:
            yield BadRow(Where(name, line), _width_reason(values, width, delimiter))
            continue
        yield CsvRecord(line, dict(zip(header, values, strict=True)))


def read_titles(
    source: Input,
    required: Sequence[str],
    build: Callable[[dict[str, str], Where], Row],
    *,
    encoding: str | None = None,
) -> Iterator[Row]:
    """One row out per CSV record: `build` makes it, and a ValueError it raises becomes a
    BadRow with the record's file and line (so does a record the CSV reader could not split)."""
    for record in read_csv(source, required, encoding=encoding):
        if isinstance(record, BadRow):
            yield record
            continue
        where = Where(source.name, record.line)
        try:
            yield build(record.values, where)
        except ValueError as error:
            yield BadRow(where, str(error))


def _width_reason(values: list[str], width: int, delimiter: str) -> str:
    reason = f"{len(values)} field(s) where the header has {width}"
    joined = delimiter.join(values)
    for other, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if other != delimiter and joined.count(other) >= width - 1 and len(values) < width:
            return f"{reason}: this row seems to be separated by {label}"
    if len(values) < width:
        return f"{reason}: the row is cut short"
    return f"{reason}: an unquoted separator inside a value?"
