"""Start times as people type them ("tonight 21:00", "sat 8pm", "2026-12-05 20:00"), read in the
chat's time zone with dateparser, and short durations ("36h", "2d") for voting deadlines."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import UsageError
from bot.core.text import shorten

DEFAULT_HOUR = 20  # "saturday" with no time of day means the evening
MAX_AHEAD = timedelta(days=365)
TIME_EXAMPLES = '"tonight 21:00", "sat 8pm", "tomorrow 19:30" or "2026-12-05 20:00"'

_HAS_TIME = re.compile(
    r"\d{1,2}:\d{2}|\b\d{1,2}\s*(?:am|pm|a\.m\.|p\.m\.)|\bnoon\b|\bmidnight\b|\bin\s+\d+\s*(?:h|m)",
    re.IGNORECASE,
)
_DAY_WORDS = (
    r"today|tonight|tomorrow|tmrw|tmr|yesterday|next|this|mon|tue|wed|thu|fri|sat|sun|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|in\s+\d+"
)
_HAS_DATE = re.compile(rf"\b(?:{_DAY_WORDS})|\d{{1,4}}[-/.]\d{{1,2}}", re.IGNORECASE)
_TIMEISH = re.compile(rf"\d|\b(?:{_DAY_WORDS}|noon|midnight)\b", re.IGNORECASE)
_SWAPS = (
    (re.compile(r"\btonight\b", re.IGNORECASE), "today"),
    (re.compile(r"\b(?:tmrw|tmr)\b", re.IGNORECASE), "tomorrow"),
    (re.compile(r"\bnoon\b", re.IGNORECASE), "12:00"),
    (re.compile(r"\bmidnight\b", re.IGNORECASE), "23:59"),
    (re.compile(r"\bat\b", re.IGNORECASE), " "),
)
_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$",
    re.IGNORECASE,
)


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_HALF_DAY = re.compile(r"\b(\d{1,2})(?::\d{2})?\s*(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_DAY_MONTH = re.compile(
    r"\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3})[a-z]*|([a-z]{3})[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def impossible_time(text: str) -> str | None:
    """What makes `text` a time no calendar or clock has ("25pm", "25:99", "31 feb"), said so
    a member can fix it; None when nothing in it is impossible."""
    problems = []
    for match in _CLOCK.finditer(text):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            problems.append(f"{match.group(0)} is not a time of day (00:00 to 23:59)")
    for match in _HALF_DAY.finditer(text):
        if not 1 <= int(match.group(1)) <= 12:
            problems.append(f"{match.group(0)} is not a time: am/pm hours go from 1 to 12")
    problems += impossible_days(text)
    if not problems:
        return None
    return f"{'; '.join(problems)}. Try {TIME_EXAMPLES}."


def impossible_days(text: str) -> list[str]:
    """The days named in `text` that no month has ("31 feb", "nov 31"), each said so."""
    problems = []
    for match in _DAY_MONTH.finditer(text):
        day_text, month_text = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        )
        month = month_text.lower()
        if month not in _MONTHS:
            continue
        if not 1 <= int(day_text) <= _DAYS_IN_MONTH[_MONTHS.index(month)]:
            problems.append(
                f"{match.group(0)} is not a date: {month.title()} has no day {day_text}"
            )
    return problems


def looks_like_time(text: str) -> bool:
    """Worth reporting as an unreadable time rather than an unknown title."""
    return bool(_TIMEISH.search(text))


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The moment `text` names, as an aware UTC datetime strictly after `now`.

    A day without a time means DEFAULT_HOUR:00; a time without a day means the next time the
    clock shows it. Raises UsageError for text it cannot read or for a time already past.
    """
    cleaned = " ".join(text.split())
    for pattern, replacement in _SWAPS:
        cleaned = pattern.sub(replacement, cleaned)
    cleaned = " ".join(cleaned.split())
    local_now = now.astimezone(zone)
    import dateparser  # a fifth of a second: on the first date typed, not at start-up

    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "TIMEZONE": zone.key,
            "TO_TIMEZONE": zone.key,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": local_now.replace(tzinfo=None),
            "DATE_ORDER": "YMD" if re.match(r"^\d{4}", cleaned) else "DMY",
            "STRICT_PARSING": False,
        },
    )
    if problem := impossible_time(text):
        raise UsageError(problem)
    if parsed is None or not cleaned:
        raise UsageError(f'I couldn\'t read "{shorten(text, 60)}" as a time. Try {TIME_EXAMPLES}.')
    local = parsed.astimezone(zone)
    has_time = bool(_HAS_TIME.search(text))
    has_date = bool(_HAS_DATE.search(text))
    if not has_time:
        local = local.replace(hour=DEFAULT_HOUR, minute=0, second=0, microsecond=0)
    elif not has_date:
        # dateparser sometimes lands a bare "21:00" on tomorrow: take the next 21:00 instead.
        local = local_now.replace(hour=local.hour, minute=local.minute, second=0, microsecond=0)
        if local <= local_now:
            local += timedelta(days=1)
    # Rebuild through the zone so a shifted date gets the right UTC offset (DST).
    local = datetime(local.year, local.month, local.day, local.hour, local.minute, tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment <= now:
        raise UsageError(
            f"{format_local(moment, zone)} is in the past. Pick a time that is still ahead, "
            f"e.g. {TIME_EXAMPLES}."
        )
    if moment - now > MAX_AHEAD:
        raise UsageError("That is more than a year away; pick a date within the next year.")
    return moment


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    if not match:
        raise UsageError(
            f'I couldn\'t read "{shorten(text, 30)}" as a duration. Use e.g. 90m, 12h or 3d.'
        )
    amount = float(match.group(1))
    unit = match.group(2).lower()[0]
    scale = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
    return amount * scale.get(unit, timedelta(weeks=1))


def format_local(moment: datetime, zone: ZoneInfo) -> str:
    """ "Sat 28 Nov 20:00 (Asia/Seoul)": unambiguous in a chat with people in other places."""
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} ({zone.key})"


def format_duration(delta: timedelta) -> str:
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min" if rest else f"{hours} hour{'s' if hours != 1 else ''}"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"
