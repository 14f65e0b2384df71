"""Text helpers shared by search and replies: normalising titles, naming countries."""

from __future__ import annotations

import re
import unicodedata

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
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = unicodedata.normalize("NFC", text).replace("&", " and ").replace("ı", "i")
    text = _PUNCT.sub(" ", _NUMBER_SIGN.sub("no ", text.replace("'", "")))
    return _SPACE.sub(" ", text).strip()


def without_article(key: str) -> str:
    return _ARTICLE.sub("", key)


# ISO 3166-1 code -> (name, adjective). Only used for display; unknown codes show as the code.
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
ISO_REGIONS = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)

LANGUAGES = {
    "ko": "Korean", "en": "English", "ja": "Japanese", "zh": "Chinese", "cn": "Cantonese",
    "hi": "Hindi", "tr": "Turkish", "tl": "Filipino", "id": "Indonesian", "fr": "French",
    "it": "Italian", "es": "Spanish", "de": "German", "th": "Thai", "ta": "Tamil",
}  # fmt: skip


def country_name(code: str) -> str:
    return COUNTRIES.get(code.upper(), (code.upper(), code.upper()))[0]


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
