"""The kinds of command parameters every front end shares: what a value is (text, a whole number,
a yes/no flag, a file), its limits, the values to pick from, and its ONE parser. Commands declare
their parameters with these kinds (bot/core/declaration.py); Discord turns them into typed
options, Telegram into questions, the console into /help lines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

from bot.core.errors import UsageError
from bot.core.ratings import parse_rating
from bot.core.services import slug
from bot.core.text import ISO_REGIONS, country_name, shorten
from bot.core.when import parse_duration

ValueType = Literal["text", "integer", "boolean", "file"]
MAX_CHOICES = 25  # Discord's cap on choices and autocomplete answers alike
MAX_QUERY_CHARS = 300  # a title is never longer (bot.core.kernel resolves nothing longer)
MIN_YEAR, MAX_YEAR = 1870, 2100
UNSET_WORDS = frozenset({"none", "off", "clear", "unset", "reset", "-"})


@dataclass(frozen=True, slots=True)
class Choice:
    label: str  # what the member sees
    value: str  # what goes into the command line


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    value_type: ValueType
    parse: Callable[[str], object] | None = None  # raises UsageError; None: any text is fine
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()  # a fixed set to pick from
    # Values to offer while typing, from the catalog: a name in bot.core.suggestions.SUGGESTERS.
    suggest: str | None = None
    to_line: Callable[[str], str] = str  # how a picked value is written in the command line
    placeholder: str = ""


def matching(choices: Sequence[Choice], typed: str) -> list[Choice]:
    """Fixed choices for what has been typed: an exact value first, then labels containing it."""
    text = typed.strip().casefold()
    found = [
        c for c in choices if not text or text == c.value.casefold() or text in c.label.casefold()
    ]
    found.sort(key=lambda c: c.value.casefold() != text)
    return found[:MAX_CHOICES]


# -- the one parser of each kind -----------------------------------------------------------------


def parse_region(value: str) -> str:
    code = value.strip().upper()
    if code not in ISO_REGIONS:
        raise UsageError(
            f'"{shorten(value, 20)}" is not a country code. Use two letters, e.g. US, KR, GB.'
        )
    return code


def parse_year(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise UsageError(f"A year is a number from {MIN_YEAR} to {MAX_YEAR}, e.g. 2019.")
    return int(text)


def parse_title(value: str) -> str:
    text = value.strip()
    if not text:
        raise UsageError("Which title? Give me a name, e.g. Miracle in Cell No. 7.")
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"That is longer than any title ({MAX_QUERY_CHARS} characters at most).")
    return text


_ZONES = sorted(available_timezones())
_ZONE_KEYS = {z.casefold(): z for z in _ZONES}
_CITY_KEYS = {z.rsplit("/", 1)[-1].replace("_", " ").casefold(): z for z in _ZONES if "/" in z}


def find_timezone(value: str) -> str:
    """An IANA zone from "Asia/Seoul", "asia/seoul", "Seoul" or "new york"."""
    text = value.strip()
    key = text.casefold().replace(" ", "_")
    if key in _ZONE_KEYS:
        return _ZONE_KEYS[key]
    city = text.casefold().replace("_", " ")
    if city in _CITY_KEYS:
        return _CITY_KEYS[city]
    matches = process.extract(city, list(_CITY_KEYS), scorer=fuzz.WRatio, limit=3)
    hints = ", ".join(_CITY_KEYS[m[0]] for m in matches if m[1] >= 70)
    raise UsageError(
        f'"{shorten(text, 40)}" is not a time zone I know. '
        "Use Area/City, e.g. Asia/Seoul or America/New_York."
        + (f" Did you mean: {hints}?" if hints else "")
    )


_ON = {"on", "yes", "true", "1", "enable", "enabled"}
_OFF = {"off", "no", "false", "0", "disable", "disabled", "none", "stop"}


def parse_switch(value: str) -> bool:
    word = value.strip().casefold()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise UsageError(f'Say on or off, e.g. /settings me alerts off (not "{shorten(value, 20)}").')


def services_line(value: str) -> str:
    """ "Prime Video, Viki" as one word per service, "primevideo,viki": filter flags take one
    word, and every service matcher reads slugs (bot.core.services.find_service)."""
    return ",".join(slug(part) for part in value.replace(";", ",").split(",") if slug(part))


REGIONS = tuple(
    sorted((Choice(f"{country_name(c)} ({c})", c) for c in ISO_REGIONS), key=lambda c: c.label)
)
TIMEZONES = tuple(Choice(z.replace("_", " "), z) for z in _ZONES)


def choices(*values: str) -> tuple[Choice, ...]:
    return tuple(Choice(v, v) for v in values)


# -- the kinds -----------------------------------------------------------------------------------

TITLE = Kind(
    "title", "text", parse_title, max_length=MAX_QUERY_CHARS, suggest="titles", placeholder="Title"
)
TITLES = Kind("titles", "text", max_length=3000, suggest="title_list", placeholder="Parasite; Okja")
RATING = Kind("rating", "text", parse_rating, max_length=40, suggest="ratings", placeholder="4.5")
TEXT = Kind("text", "text", max_length=1000)
WHEN = Kind("when", "text", max_length=100, placeholder="sat 8pm")
DURATION = Kind("duration", "text", parse_duration, max_length=20, placeholder="2d")
REGION = Kind(
    "region", "text", parse_region, max_length=2, choices=REGIONS, to_line=str.upper,
    placeholder="KR",
)  # fmt: skip
SERVICES = Kind(
    "services", "text", max_length=300, suggest="services", to_line=services_line,
    placeholder="netflix,viki",
)  # fmt: skip
SERVICE = Kind("service", "text", max_length=100, suggest="services", placeholder="Netflix")
TIMEZONE = Kind(
    "timezone", "text", find_timezone, max_length=60, choices=TIMEZONES, placeholder="Asia/Seoul"
)
COUNT = Kind("count", "integer", min_value=1, max_value=1000, placeholder="5")
YEAR = Kind(
    "year", "integer", parse_year, min_value=MIN_YEAR, max_value=MAX_YEAR, placeholder="2019"
)
SWITCH = Kind("switch", "text", parse_switch, choices=choices("on", "off"), placeholder="on")
FILE = Kind("file", "file", placeholder="file")
FLAG = Kind("flag", "boolean")
CHOICE = Kind("choice", "text", max_length=40)  # its choices are the parameter's own


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a command, written in its command line as `style` says:
    word   positional, in order, joined by the command's separator
    key    `name:value` ("year:2019")
    flag   `--name value`, or `--name` alone for a yes/no flag
    switch `--value` (a choice of switches: --series or --film)"""

    name: str  # lowercase letters, digits, - and _ (every platform accepts these)
    kind: Kind
    description: str
    required: bool = False
    style: Literal["word", "key", "flag", "switch"] = "word"
    written: str = ""  # the key or flag as typed, when it differs from the name
    default: str | None = None  # written when no value is given
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    options: tuple[Choice, ...] = field(default=())  # the choices, when not the kind's own
    question: str = ""  # how a front end asks for it when it is missing
    quoted: bool = True  # a flag's value of several words is quoted ("--grade '3.5 stars'")

    @property
    def word(self) -> str:
        return self.written or self.name

    @property
    def limits(self) -> tuple[int | None, int | None, int | None]:
        """(min value, max value, max length): the parameter's own, else the kind's."""
        kind = self.kind
        return (
            self.min_value if self.min_value is not None else kind.min_value,
            self.max_value if self.max_value is not None else kind.max_value,
            self.max_length if self.max_length is not None else kind.max_length,
        )

    @property
    def choices(self) -> tuple[Choice, ...]:
        return self.options or self.kind.choices

    def ask(self) -> str:
        return self.question or f"{self.description}?"
