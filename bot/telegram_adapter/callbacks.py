"""What an inline button carries (callback data, at most 64 bytes).

Everything needed to act on a press is in the data itself, so buttons keep working after a
restart and on any replica:
  "/where #12"                 a command line, run as the person who pressed it
  "rate:12:4"                  rate title #12 with 4 stars
  "pg:2:42:/myratings"         page 2 of the list /myratings printed for user 42 (edited in place)
  "me:42:/review #12 remove"   a command only user 42 may run (a button of their own list)
  "ed:42:/myratings 2"         the same, its answer replacing the message (a list's next page)
  "ip:/watchlist chat 2"       a command anyone may run, its answer replacing the message
                               (a chat's shared list)
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True, slots=True)
class RunCommand:
    command: str


@dataclass(frozen=True, slots=True)
class Rate:
    title_id: int
    stars: int

    @property
    def command(self) -> str:
        return f"/review #{self.title_id} {self.stars}"


@dataclass(frozen=True, slots=True)
class TurnPage:
    page: int  # 0-based
    owner: str  # the user the list was printed for; only they turn its pages
    command: str


@dataclass(frozen=True, slots=True)
class OwnCommand:
    owner: str  # the user the message was made for; only they may press it
    command: str
    in_place: bool  # the answer replaces the message the button is on


@dataclass(frozen=True, slots=True)
class InPlace:
    command: str  # run as whoever pressed it; the answer replaces the message


Callback = RunCommand | Rate | TurnPage | OwnCommand | InPlace


def fits(data: str) -> bool:
    return 0 < len(data.encode()) <= MAX_CALLBACK_BYTES


def rate(title_id: int, stars: int) -> str:
    return f"rate:{title_id}:{stars}"


def turn_page(page: int, owner: str, command: str) -> str:
    return f"pg:{page}:{owner}:{command}"


def own_command(owner: str, command: str, in_place: bool) -> str:
    return f"{'ed' if in_place else 'me'}:{owner}:{command}"


def in_place(command: str) -> str:
    return f"ip:{command}"


def parse(data: str) -> Callback | None:
    """The press, or None for data this version does not understand (an old or forged button)."""
    if data.startswith("/"):
        return RunCommand(data)
    kind, _, rest = data.partition(":")
    if kind == "rate":
        title, _, stars = rest.partition(":")
        if title.isdigit() and stars.isdigit() and 1 <= int(stars) <= 5:
            return Rate(int(title), int(stars))
    elif kind == "pg":
        page, _, rest = rest.partition(":")
        owner, _, command = rest.partition(":")
        if page.isdigit() and owner and command.startswith("/"):
            return TurnPage(int(page), owner, command)
    elif kind in {"me", "ed"}:
        owner, _, command = rest.partition(":")
        if owner and command.startswith("/"):
            return OwnCommand(owner, command, in_place=kind == "ed")
    elif kind == "ip" and rest.startswith("/"):
        return InPlace(rest)
    return None
