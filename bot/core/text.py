"""Text helpers shared by search and replies: normalising titles, naming countries."""

from __future__ import annotations

import functools
import re
import unicodedata

import pycountry

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_NUMBER_SIGN = re.compile(r"\b(?:no|nr|number)\.?\s*(?=\d)")
_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def clean_user_text(text: str) -> str:
    """Drop control and direction-override characters; keep everything else as typed."""
    return _CONTROL.sub("", text)


def normalise_title(text: str) -> str:
    """A search key that survives case, accents, punctuation and "No." vs "No" vs "Number".

    Hangul and other scripts are kept: decomposing to strip accents and recomposing (NFC)
    leaves Korean syllables intact.
    """
    text = unicodedata.normalize("NFKD", text.casefold())
    if not text.isascii():  # ASCII has no combining marks and is its own NFC form
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        text = unicodedata.normalize("NFC", text).replace("ı", "i")
    text = text.replace("&", " and ")
    text = _PUNCT.sub(" ", _NUMBER_SIGN.sub("no ", text.replace("'", "")))
    return _SPACE.sub(" ", text).strip()


def without_article(key: str) -> str:
    return _ARTICLE.sub("", key)


# ISO 3166-1 code -> (name, adjective) of the countries films come from, for reading "Korean"
# or "South Korea" in a query; country_name() names every code.
COUNTRIES: dict[str, tuple[str, str]] = {
    "AR": ("Argentina", "Argentine"), "AU": ("Australia", "Australian"),
    "AT": ("Austria", "Austrian"), "BE": ("Belgium", "Belgian"), "BR": ("Brazil", "Brazilian"),
    "CA": ("Canada", "Canadian"), "CH": ("Switzerland", "Swiss"), "CL": ("Chile", "Chilean"),
    "CN": ("China", "Chinese"), "CO": ("Colombia", "Colombian"), "CZ": ("Czechia", "Czech"),
    "DE": ("Germany", "German"), "DK": ("Denmark", "Danish"), "EG": ("Egypt", "Egyptian"),
    "ES": ("Spain", "Spanish"), "FI": ("Finland", "Finnish"), "FR": ("France", "French"),
    "GB": ("United Kingdom", "British"), "GR": ("Greece", "Greek"),
    "HK": ("Hong Kong", "Hong Kong"), "HU": ("Hungary", "Hungarian"),
    "ID": ("Indonesia", "Indonesian"), "IE": ("Ireland", "Irish"), "IL": ("Israel", "Israeli"),
    "IN": ("India", "Indian"), "IR": ("Iran", "Iranian"), "IT": ("Italy", "Italian"),
    "JP": ("Japan", "Japanese"), "KR": ("South Korea", "Korean"),
    "KP": ("North Korea", "North Korean"), "MX": ("Mexico", "Mexican"),
    "MY": ("Malaysia", "Malaysian"), "NG": ("Nigeria", "Nigerian"),
    "NL": ("Netherlands", "Dutch"), "NO": ("Norway", "Norwegian"),
    "NZ": ("New Zealand", "New Zealand"), "PH": ("Philippines", "Filipino"),
    "PL": ("Poland", "Polish"), "PT": ("Portugal", "Portuguese"), "RO": ("Romania", "Romanian"),
    "RU": ("Russia", "Russian"), "SE": ("Sweden", "Swedish"), "SG": ("Singapore", "Singaporean"),
    "TH": ("Thailand", "Thai"), "TR": ("Turkey", "Turkish"), "TW": ("Taiwan", "Taiwanese"),
    "UA": ("Ukraine", "Ukrainian"), "US": ("United States", "American"),
    "VN": ("Vietnam", "Vietnamese"), "ZA": ("South Africa", "South African"),
}  # fmt: skip

# Every assigned ISO 3166-1 alpha-2 code, so "/where Parasite gb" knows a region from a word.
ISO_REGIONS = frozenset(country.alpha_2 for country in pycountry.countries)

# ISO's short names read like index entries ("Korea, Republic of", "Virgin Islands, U.S.");
# pycountry's common_name fixes most, these the rest, so members see the names they say.
_FAMILIAR_NAMES = {
    "RU": "Russia", "TR": "Turkey", "CD": "DR Congo", "FM": "Micronesia",
    "PS": "Palestine", "VA": "Vatican City", "VG": "British Virgin Islands",
    "VI": "US Virgin Islands", "FK": "Falkland Islands", "BQ": "Caribbean Netherlands",
    "MF": "Saint Martin", "SX": "Sint Maarten", "SH": "Saint Helena", "CC": "Cocos Islands",
}  # fmt: skip


LANGUAGES = {
    "ko": "Korean", "en": "English", "ja": "Japanese", "zh": "Chinese", "cn": "Cantonese",
    "hi": "Hindi", "tr": "Turkish", "tl": "Filipino", "id": "Indonesian", "fr": "French",
    "it": "Italian", "es": "Spanish", "de": "German", "th": "Thai", "ta": "Tamil",
}  # fmt: skip


def country_name(code: str) -> str:
    """The name members know a region by; an unassigned code shows as the code."""
    return _country_names().get(code.upper(), code.upper())


@functools.cache
def _country_names() -> dict[str, str]:
    names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    return names | _FAMILIAR_NAMES


def country_adjective(code: str) -> str:
    return COUNTRIES.get(code.upper(), (code.upper(), code.upper()))[1]


def language_name(code: str) -> str:
    return LANGUAGES.get(code.lower(), code)


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis, for previews."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else text[: limit - 1]).rstrip() + "…"
