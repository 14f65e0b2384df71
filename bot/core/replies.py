"""Platform-neutral reply values. Fields hold plain text; each adapter's renderer owns markup,
escaping and length limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Action:
    """A button. Pressing it runs `command` (a short command line such as "/where #12") as the
    person who pressed it, so every button works on every platform and after a restart."""

    label: str
    command: str
    # Only the member the reply was made for may press it; anyone else is told to ask for
    # their own (the Remove buttons and pages of someone's /myratings or /watchlist).
    owner_only: bool = False
    # Its reply replaces the message the button is on instead of answering below it (a list's
    # Previous/Next). Without owner_only anyone may press it: a chat's shared list.
    in_place: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    """A button that opens a web address (a platform's event page) instead of running a
    command."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class TitleCard:
    title_id: int | None  # None: a card about something else (stats): no rating buttons
    heading: str  # "Miracle in Cell No. 7 (2013)"
    subheading: str  # "Korean film · Drama, Comedy, Family · 127 min"
    fields: tuple[Field, ...] = ()
    body: str | None = None  # synopsis
    poster_url: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a list: a title or a review, with its reason and where to watch."""

    text: str
    detail: str = ""
    extra: str = ""
    title_id: int | None = None
    spoiler: bool = False  # detail is a spoiler: hide it until the reader asks


@dataclass(frozen=True, slots=True)
class PollOption:
    text: str  # "Prison Playbook (2017)", short enough for every platform's option limit
    title_id: int | None = None


@dataclass(frozen=True, slots=True)
class Poll:
    """A vote the front end shows as the platform's native poll (the console prints numbered
    options and takes /vote <n>). `key` names the poll in the core (e.g. "party:12"); the front
    end reports the platform's poll id back so answers can be recorded against it."""

    key: str
    question: str
    options: tuple[PollOption, ...]
    closes_at: datetime | None = None  # aware UTC; None: until closed by the host
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    text: str = ""
    card: TitleCard | None = None
    items: tuple[Item, ...] = ()
    notes: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    links: tuple[Link, ...] = ()
    poll: Poll | None = None
    kind: str = "info"  # "info" | "error" | "apology"
    numbered_from: int = 1  # the number of items[0]: page 2 of a list starts at 11

    @property
    def is_error(self) -> bool:
        return self.kind != "info"
