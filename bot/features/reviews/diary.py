"""The diary date of a rating: the day a member watched a title, as typed after `--on`
("2026-11-30", "yesterday", "30 nov", "last friday"), read against today in the member's time
zone. A diary records what happened, so a day still ahead is refused, like a day no calendar
has."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time

from bot.core.errors import UsageError
from bot.core.text import shorten
from bot.core.when import impossible_days

DATE_EXAMPLES = '"2026-11-30", "yesterday", "30 nov" or "last friday"'
EARLIEST = date(1888, 1, 1)  # before any film was shot
MAX_DATE_WORDS = 4  # "last friday", "30 nov 2026", "3 days ago": a few words at most
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class UnreadableDayError(UsageError):
    """The text is no day at all (rather than an impossible or future one)."""


_MONTH_NAMES = tuple(calendar.month_name)[1:]


def parse_watched_on(text: str, today: date) -> date:
    """The day `text` names, at most `today`; UsageError says what is wrong with it."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UsageError(f"Which day did you watch it? Add it after --on, e.g. {DATE_EXAMPLES}.")
    day = _iso_day(cleaned) if _ISO.match(cleaned) else _free_day(cleaned, today)
    if day > today:
        raise UsageError(
            f"{format_day(day)} is still ahead: a diary date is the day you watched it, "
            f"today ({format_day(today)}) at the latest."
        )
    if day < EARLIEST:
        raise UsageError(f"{format_day(day)} is before any film was made. Try {DATE_EXAMPLES}.")
    return day


def _iso_day(text: str) -> date:
    match = _ISO.match(text)
    assert match is not None
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        raise UsageError(f"{text} is not a date: there is no month {month}.")
    try:
        return date(year, month, day)
    except ValueError:
        raise UsageError(
            f"{text} is not a date: {_MONTH_NAMES[month - 1]} {year} has no day {day}."
        ) from None


def _free_day(text: str, today: date) -> date:
    if problems := impossible_days(text):
        raise UsageError(f"{'; '.join(problems)}. Try {DATE_EXAMPLES}.")
    import dateparser  # a fifth of a second: on the first date typed, not at start-up

    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "past",  # "30 dec" on 2 Dec 2026 is last December's
            "RELATIVE_BASE": datetime.combine(today, time(12)),
            "DATE_ORDER": "YMD" if re.match(r"^\d{4}", text) else "DMY",
        },
    )
    if parsed is None:
        raise UnreadableDayError(
            f'I couldn\'t read "{shorten(text, 40)}" as a day. Try {DATE_EXAMPLES}.'
        )
    day: date = parsed.date()
    return day


def split_watched_on(words: list[str], today: date) -> tuple[date, list[str]]:
    """The day the first words after `--on` name (the most words that read as one), and the
    words after it, which belong to the review ("--on yesterday what a finale")."""
    for size in range(min(MAX_DATE_WORDS, len(words)), 1, -1):
        try:
            return parse_watched_on(" ".join(words[:size]), today), words[size:]
        except UnreadableDayError:
            continue  # fewer words, then: the rest may be the review
    return parse_watched_on(" ".join(words[:1]), today), words[1:]


def format_day(day: date) -> str:
    """ "30 Nov 2026", the way lists show dates."""
    return f"{day.day} {day:%b %Y}"
