"""Turning the loose text of catalog files into clean values: lists, years, dates, runtimes,
countries, genres. Pure functions, shared by the readers."""

from __future__ import annotations

import ast
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import pycountry

_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")
_NUMBER_SIGN = re.compile(r"\b(?:no|nr|number)\.?\s*(?=\d)")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def title_key(name: str) -> str:
    """The merge key for a title name: case, accents, punctuation, "&"/"and", "No."/"No" and
    a leading article do not matter (the same rules as the chat's title search)."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text).replace("&", " and ").replace("ı", "i")
    text = _PUNCT.sub(" ", _NUMBER_SIGN.sub("no ", text.replace("'", "").replace("’", "")))
    return _ARTICLE.sub("", _SPACE.sub(" ", text).strip())


def _fold(text: str) -> str:
    text = text.casefold()
    if text.isascii():  # most names: nothing to strip, and this runs over whole tables
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def person_key(name: str) -> str:
    """One key for the spellings of one name: "PARK CHAN-wook", "Park Chan-wook", "Park
    Chanwook", "Shin Won Ho" / "Shin Won-ho", "J.J. Abrams" / "JJ Abrams"."""
    return "".join(ch for ch in _fold(name) if ch.isalnum())


def credit_key(name: str) -> str:
    """The words of a name in any order: on one title's credits "Hae-soo Park" (given name
    first, as Netflix writes it) and "Park Hae Soo" (family name first) are one person. Only
    for comparing credits of one title: across the catalog, word order tells people apart."""
    return " ".join(sorted(re.findall(r"[^\W_]+", _fold(name))))


def label_key(name: str) -> str:
    """One key for a genre or theme however it is cased or spaced ("Crime", "crime ")."""
    return _SPACE.sub(" ", _fold(clean(name)))


_CAPS_WORD = re.compile(r"^[^\W\d_]{3,}(?:-[^\W\d_]+)*$")


def person_name(name: str) -> str:
    """A credit as the name is usually written: festival style puts the family name in
    capitals ("PARK Chan-wook", "PARK CHAN-wook", "Bong JOON-HO"); when some words are capitals
    of three letters or more and others are not, the capitals are written as a name. "RZA",
    "DJ Qualls" and "LL Cool J" stay as they are."""
    name = _SPACE.sub(" ", clean(name))
    words = name.split(" ")
    shouting = [w for w in words if w.isupper() and _CAPS_WORD.match(w)]
    if not shouting or all(w.isupper() for w in words if any(c.isalpha() for c in w)):
        return name
    return " ".join(_hyphenated(w) if w in shouting else _part_caps(w) for w in words)


def _part_caps(word: str) -> str:
    """ "CHAN-wook" -> "Chan-wook": a capitalised part beside a lower-case one."""
    parts = word.split("-")
    if len(parts) > 1 and any(p.isupper() and len(p) > 1 for p in parts):
        return _hyphenated(word)
    return word


def _hyphenated(word: str) -> str:
    """ "JOON-HO" -> "Joon-ho", the way romanised Korean given names are written."""
    return "-".join(p.capitalize() if i == 0 else p.lower() for i, p in enumerate(word.split("-")))


def clean(text: str | None) -> str:
    """Trimmed, with zero-width and control characters removed, inner whitespace kept."""
    return _CONTROL.sub("", text or "").strip()


def split_list(text: str | None, separator: str = ",") -> list[str]:
    """ "Comedy,  Crime,  Life " -> ["Comedy", "Crime", "Life"], without repeats."""
    parts = (clean(p) for p in (text or "").split(separator))
    return list(dict.fromkeys(p for p in parts if p))


def python_list(text: str | None) -> list[str]:
    """ "['Shin Won Ho', 'Lee Woo Jung']" (a list written by Python's repr) -> the names."""
    text = clean(text)
    if not text:
        return []
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, list):
            return list(dict.fromkeys(clean(str(v)) for v in value if clean(str(v))))
        text = text.strip("[]")
    return split_list(text.replace("'", ""))


def parse_year(text: str | None) -> int | None:
    """A four-digit year in a plausible range; None when empty. ValueError otherwise."""
    text = clean(text)
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})(?:\.0)?", text)
    if not match or not 1870 <= int(match.group(1)) <= 2100:
        raise ValueError(f"year {text!r} is not a year between 1870 and 2100")
    return int(match.group(1))


def parse_int(text: str | None, what: str) -> int | None:
    text = clean(text)
    if not text:
        return None
    try:
        return int(float(text))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None


_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%d-%b-%y")


def parse_date(text: str | None) -> date | None:
    """ISO dates and the written-out forms the catalogs use ("September 25, 2021",
    "Aug  2, 2023"); None when empty or unreadable (dates are never essential)."""
    text = _SPACE.sub(" ", clean(text))
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_MINUTES = re.compile(r"(?:(\d+)\s*h(?:ou)?r?s?\.?)?\s*(?:(\d+)\s*min)?", re.IGNORECASE)


def parse_minutes(text: str | None) -> int | None:
    """ "90 min", "1 hr. 10 min.", "2 h 5 min" -> minutes; "2 Seasons" and "" -> None."""
    text = clean(text)
    match = _MINUTES.fullmatch(text.rstrip("."))
    if not text or not match or not any(match.groups()):
        return None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0) or None


# Names the catalogs use that ISO 3166 spells differently.
_COUNTRY_NAMES = {
    "south korea": "KR", "korea": "KR", "north korea": "KP", "russia": "RU", "iran": "IR",
    "vietnam": "VN", "taiwan": "TW", "syria": "SY", "venezuela": "VE", "bolivia": "BO",
    "czech republic": "CZ", "tanzania": "TZ", "palestine": "PS", "vatican city": "VA",
    "west germany": "DE", "east germany": "DE", "soviet union": "RU", "kosovo": "XK",
    "uk": "GB", "usa": "US", "laos": "LA", "moldova": "MD", "macedonia": "MK",
    "turkey": "TR", "cape verde": "CV", "ivory coast": "CI", "swaziland": "SZ",
}  # fmt: skip
_country_cache: dict[str, str | None] = {}


def country_code(name: str) -> str | None:
    """ "United States" -> "US"; None for a name that is not a country."""
    key = clean(name).casefold()
    if key not in _country_cache:
        code = _COUNTRY_NAMES.get(key)
        if code is None and key:
            try:
                code = pycountry.countries.lookup(key).alpha_2
            except LookupError:
                code = None
        _country_cache[key] = code
    return _country_cache[key]


def country_codes(text: str | None) -> list[str]:
    codes = (country_code(part) for part in split_list(text))
    return list(dict.fromkeys(c for c in codes if c))


# Catalog category labels -> (genres, themes). Labels not listed here keep their words as a
# genre when they are one of the catalog's genres, and otherwise become a theme.
_LABELS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "action & adventure": (("Action", "Adventure"), ()),
    "action-adventure": (("Action", "Adventure"), ()),
    "tv action & adventure": (("Action", "Adventure"), ()),
    "sci-fi & fantasy": (("Science Fiction", "Fantasy"), ()),
    "tv sci-fi & fantasy": (("Science Fiction", "Fantasy"), ()),
    "sci-fi": (("Science Fiction",), ()),
    "children & family movies": (("Family",), ("kids",)),
    "kids' tv": (("Family",), ("kids",)),
    "kids": (("Family",), ("kids",)),
    "children": (("Family",), ("kids",)),
    "music & musicals": (("Music",), ("musical",)),
    "musical": (("Music",), ("musical",)),
    "stand-up comedy": (("Comedy",), ("stand-up",)),
    "stand up": (("Comedy",), ("stand-up",)),
    "stand-up comedy & talk shows": (("Comedy",), ("stand-up", "talk show")),
    "sitcom": (("Comedy",), ("sitcom",)),
    "sketch comedy": (("Comedy",), ("sketch comedy",)),
    "romantic comedy": (("Romance", "Comedy"), ()),
    "documentaries": (("Documentary",), ()),
    "docuseries": (("Documentary",), ("docuseries",)),
    "anime series": (("Animation",), ("anime",)),
    "anime features": (("Animation",), ("anime",)),
    "anime": (("Animation",), ("anime",)),
    "adult animation": (("Animation",), ("adult animation",)),
    "cartoons": (("Animation",), ("cartoon",)),
    "suspense": (("Thriller",), ()),
    "thrillers": (("Thriller",), ()),
    "tv thrillers": (("Thriller",), ()),
    "historical": (("History",), ()),
    "biographical": (("Biography",), ()),
    "military and war": (("War",), ()),
    "soap opera / melodrama": (("Melodrama",), ("soap opera",)),
    "police/cop": (("Crime",), ("police",)),
    "spy/espionage": (("Thriller",), ("espionage",)),
    "film-noir": (("Crime",), ("film noir",)),
    "imax": ((), ()),
    "foreign": ((), ()),  # TMDB: "not American", nothing about the film itself
    "tv movie": ((), ("tv movie",)),
    "(no genres listed)": ((), ()),
    "movies": ((), ()),
    "tv shows": ((), ()),
    "series": ((), ()),
    "international": ((), ()),
    "international movies": ((), ()),
    "international tv shows": ((), ()),
    "special interest": ((), ()),
    "entertainment": ((), ()),
    "arts": ((), ()),
    "and culture": ((), ()),
}
GENRES = frozenset(
    {
        "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Disaster",
        "Documentary", "Drama", "Family", "Fantasy", "History", "Horror", "Legal", "Medical",
        "Melodrama", "Music", "Mystery", "Political", "Romance", "Science Fiction",
        "Slice of Life", "Sports", "Supernatural", "Thriller", "War", "Western", "Youth",
        "Zombie",
    }
)  # fmt: skip
_GENRE_BY_KEY = {g.casefold(): g for g in GENRES} | {
    "dramas": "Drama", "comedies": "Comedy", "romantic": "Romance", "sport": "Sports",
    "life": "Slice of Life", "mysteries": "Mystery", "science fiction": "Science Fiction",
    "sci fi": "Science Fiction", "historical": "History", "politics": "Political",
    "law": "Legal", "musical": "Music", "biopic": "Biography", "teen": "Youth",
    "youth": "Youth", "school": "Youth", "psychological": "Thriller", "children": "Family",
}  # fmt: skip
_AFFIX = re.compile(r"^(?:tv\s+)|\s+(?:movies|tv shows|tv|films?|series)$")


# Nationalities the catalogs' labels use ("Korean TV Shows", "British TV Shows") -> the country.
_DEMONYMS = {
    "american": "US", "british": "GB", "korean": "KR", "japanese": "JP", "chinese": "CN",
    "taiwanese": "TW", "indian": "IN", "french": "FR", "german": "DE", "italian": "IT",
    "spanish": "ES", "mexican": "MX", "brazilian": "BR", "argentinian": "AR", "turkish": "TR",
    "thai": "TH", "filipino": "PH", "indonesian": "ID", "nigerian": "NG", "egyptian": "EG",
    "canadian": "CA", "australian": "AU", "irish": "IE", "scandinavian": "", "nordic": "",
    "european": "", "asian": "", "african": "", "latin american": "", "middle eastern": "",
}  # fmt: skip
_LANGUAGE_LABEL = re.compile(r"^(?P<language>[a-z]+)[- ]language$")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a label says a title is from: a country, a language, or only a region."""

    country: str | None
    language: str | None


@functools.cache  # a handful of distinct labels, and pycountry's lookup is slow
def origin(label: str) -> Origin | None:
    """ "Korean TV Shows" -> KR / ko, "Spanish-Language TV Shows" -> language es, "British TV
    Shows" -> GB; None for a label about what the title is, not where it is from."""
    stem = _AFFIX.sub("", clean(label).casefold()).strip()
    if match := _LANGUAGE_LABEL.match(stem):
        return Origin(None, _language_code(match.group("language")))
    if stem not in _DEMONYMS:
        return None
    return Origin(_DEMONYMS[stem] or None, _language_code(stem))


def _language_code(name: str) -> str | None:
    try:
        language = pycountry.languages.lookup(name)
    except LookupError:
        return None
    return getattr(language, "alpha_2", None)


def genres_and_themes(labels: list[str]) -> tuple[list[str], list[str]]:
    """Map a catalog's category labels onto reelbot's genres; the rest become themes. Labels
    that only say where a title is from ("Korean TV Shows") are neither: see `origin`."""
    genres: dict[str, None] = {}
    themes: dict[str, None] = {}
    for label in labels:
        key = clean(label).casefold()
        if origin(key) is not None:
            continue
        if key in _LABELS:
            found, extra = _LABELS[key]
            genres.update(dict.fromkeys(found))
            themes.update(dict.fromkeys(extra))
            continue
        stem = _AFFIX.sub("", key).strip()
        genre = _GENRE_BY_KEY.get(key) or _GENRE_BY_KEY.get(stem)
        if genre:
            genres[genre] = None
        elif stem:
            themes[stem] = None
    return list(genres), list(themes)


def theme(text: str) -> str:
    """Themes are stored case-folded and trimmed, like the starter catalog's."""
    return _SPACE.sub(" ", clean(text)).casefold()
