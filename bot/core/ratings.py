"""One documented conversion from what people type to reelbot's canonical scale.

Canonical scale: 0.5 to 5 stars in half steps, stored as half stars (1..10).

| typed                          | becomes                                             |
|--------------------------------|-----------------------------------------------------|
| 4, 4.5, 4,5, 4.5★, 4 stars     | that many stars (0.5-5), rounded to the nearest half |
| ★★★½, ⭐⭐⭐⭐, ***              | one star per glyph, ½ adds a half                    |
| 8/10, 8.5/10                   | divided by 2, rounded to the nearest half            |
| 4/5                            | as stars                                             |
| 85/100, 85%                    | divided by 20, rounded to the nearest half           |
| A+ A A- B+ B B- C+ C C- D+ D D- F | 5, 4.5, 4.5, 4, 3.5, 3.5, 3, 2.5, 2.5, 2, 1.5, 1, 0.5 |

A bare number above 5 is refused with a hint ("did you mean 8/10?") rather than guessed.
"""

from __future__ import annotations

import math
import re

from bot.core.errors import BadRatingError

LETTER_GRADES: dict[str, float] = {
    "A+": 5.0, "A": 4.5, "A-": 4.5,
    "B+": 4.0, "B": 3.5, "B-": 3.5,
    "C+": 3.0, "C": 2.5, "C-": 2.5,
    "D+": 2.0, "D": 1.5, "D-": 1.0,
    "F": 0.5,
}  # fmt: skip

ACCEPTED = "0.5-5 stars (e.g. 4 or 4.5), 8/10, 85/100, ★★★½, or a letter grade A+ … F"

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_FRACTION = re.compile(rf"^{_NUMBER}\s*/\s*(5|10|100)$")
_PERCENT = re.compile(rf"^{_NUMBER}\s*%$")
_STARS_NUMBER = re.compile(rf"^{_NUMBER}\s*(?:★|⭐|\*|stars?)?$", re.IGNORECASE)
_GLYPHS = re.compile(r"^([★⭐*]+)\s*(½|1/2|\.5)?$|^(½)$")
# A word of nothing but stars: a rating typed in glyphs ("★★★★½"), or a number's decoration
# ("4.5 ★★★★½").
STAR_DECORATION = re.compile(r"^[★⭐☆]+½?$")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _half_stars(stars: float, typed: str) -> int:
    half = math.floor(stars * 2 + 0.5 + 1e-9)  # half up: 8.5/10 is 4.5★, not banker's 4★
    if not 1 <= half <= 10:
        raise BadRatingError(f"{typed!r} is outside the scale. Use {ACCEPTED}.")
    return half


def looks_like_rating(token: str) -> bool:
    # Every accepted form starts with a digit, a star glyph or is a letter grade; most words of
    # a review are none of these, and raising an error per word would be the slow way to say so.
    if token[:1].isalpha() and token.strip().upper() not in LETTER_GRADES:
        return False
    try:
        parse_rating(token)
    except BadRatingError:
        return False
    return True


def parse_rating(typed: str) -> int:
    """Half stars (1..10) for what the user typed; BadRatingError says what is accepted."""
    text = typed.strip().replace("\ufe0f", "").replace("−", "-").replace("–", "-")
    if not text:
        raise BadRatingError(f"A rating is missing. Use {ACCEPTED}.")
    if text.upper() in LETTER_GRADES:
        return int(LETTER_GRADES[text.upper()] * 2)
    if m := _FRACTION.match(text):
        value, scale = _number(m.group(1)), int(m.group(2))
        if value > scale:
            raise BadRatingError(f"{typed!r} is more than {scale}. Use {ACCEPTED}.")
        return _half_stars(value * 5 / scale, typed)
    if m := _PERCENT.match(text):
        value = _number(m.group(1))
        if value > 100:
            raise BadRatingError(f"{typed!r} is more than 100%. Use {ACCEPTED}.")
        return _half_stars(value / 20, typed)
    if m := _GLYPHS.match(text):
        stars = len(m.group(1) or "") + (0.5 if (m.group(2) or m.group(3)) else 0.0)
        return _half_stars(stars, typed)
    if m := _STARS_NUMBER.match(text):
        value = _number(m.group(1))
        if 5 < value <= 10:
            raise BadRatingError(
                f"{typed!r} is above 5 stars. Did you mean {m.group(1)}/10? Use {ACCEPTED}."
            )
        return _half_stars(value, typed)
    raise BadRatingError(f"I can't read {typed!r} as a rating. Use {ACCEPTED}.")


def stars(half_stars: int) -> str:
    """★★★★½ for 9 half stars."""
    full, half = divmod(half_stars, 2)
    return "★" * full + ("½" if half else "")


def stars_number(half_stars: int | float) -> str:
    value = half_stars / 2
    return f"{value:.1f}".rstrip("0").rstrip(".") + "★"
