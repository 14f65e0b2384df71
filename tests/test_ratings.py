"""Rating parsing (bot/core/ratings.py): what people type -> half stars 1..10. Pure, no database."""

from __future__ import annotations

import pytest

from bot.core.errors import BadRatingError, UserError
from bot.core.ratings import (
    LETTER_GRADES,
    looks_like_rating,
    parse_rating,
    stars,
    stars_number,
)


@pytest.mark.parametrize(
    ("typed", "half_stars"),
    [
        # plain stars, 0.5-5
        ("4", 8),
        ("5", 10),
        ("0.5", 1),
        ("1", 2),
        ("4.5", 9),
        ("4,5", 9),
        (" 3 ", 6),
        # star suffixes and words
        ("4.5★", 9),
        ("4★", 8),
        ("4 ★", 8),
        ("4⭐", 8),
        ("4 stars", 8),
        ("4stars", 8),
        ("1 star", 2),
        ("4 STARS", 8),
        ("2.5 stars", 5),
        # glyphs: one star each, ½ adds a half
        ("★★★½", 7),
        ("★★★★★", 10),
        ("★", 2),
        ("½", 1),
        ("⭐⭐⭐⭐", 8),
        ("⭐️⭐️⭐️⭐️", 8),  # with the emoji variation selector phones add
        ("***", 6),
        ("★★ 1/2", 5),
        # fractions
        ("8/10", 8),
        ("8 / 10", 8),
        ("10/10", 10),
        ("1/10", 1),
        ("7/10", 7),
        ("4/5", 8),
        ("5/5", 10),
        ("3.5/5", 7),
        ("90/100", 9),
        ("100/100", 10),
        ("50%", 5),
        ("100%", 10),
        ("90 %", 9),
    ],
)
def test_documented_forms(typed: str, half_stars: int) -> None:
    assert parse_rating(typed) == half_stars
    assert looks_like_rating(typed)


@pytest.mark.parametrize(
    ("grade", "half_stars"),
    [
        ("A+", 10),
        ("A", 9),
        ("A-", 9),
        ("B+", 8),
        ("B", 7),
        ("B-", 7),
        ("C+", 6),
        ("C", 5),
        ("C-", 5),
        ("D+", 4),
        ("D", 3),
        ("D-", 2),
        ("F", 1),
    ],
)
def test_letter_grades_follow_the_readme_table(grade: str, half_stars: int) -> None:
    assert parse_rating(grade) == half_stars
    assert parse_rating(grade.lower()) == half_stars
    # Phones turn "-" into a real minus or en dash.
    assert parse_rating(grade.replace("-", "−")) == half_stars
    assert parse_rating(grade.replace("-", "–")) == half_stars


def test_every_letter_grade_is_covered_and_on_scale() -> None:
    assert set(LETTER_GRADES) == {
        "A+",
        "A",
        "A-",
        "B+",
        "B",
        "B-",
        "C+",
        "C",
        "C-",
        "D+",
        "D",
        "D-",
        "F",
    }
    values = [parse_rating(g) for g in LETTER_GRADES]
    assert all(1 <= v <= 10 for v in values)
    assert values == sorted(values, reverse=True)


def test_readme_example_85_of_100_is_four_and_a_half_stars() -> None:
    """The README: "8/10 -> 4★, 85/100 -> 4.5★"."""
    assert parse_rating("85/100") == 9


def test_the_same_value_on_any_scale_gives_the_same_rating() -> None:
    """85/100, 85%, 8.5/10 and 4.25 are all 4.25 stars, so they must agree with each other and
    with the README's 85/100 -> 4.5★."""
    forms = ["85/100", "85%", "8.5/10", "4.25", "4,25★"]
    assert {typed: parse_rating(typed) for typed in forms} == dict.fromkeys(forms, 9)


@pytest.mark.parametrize(
    ("typed", "half_stars"),
    [
        ("4.2", 8),
        ("4.3", 9),
        ("4.7", 9),
        ("4.8", 10),
        ("3.1", 6),
        ("0.6", 1),
        ("83/100", 8),
        ("87/100", 9),
        ("7.4/10", 7),
        ("7.6/10", 8),
        ("4.9★", 10),
    ],
)
def test_rounds_to_the_nearest_half_star(typed: str, half_stars: int) -> None:
    assert parse_rating(typed) == half_stars


@pytest.mark.parametrize(
    "typed",
    ["0", "0.0", "0/10", "0%", "0.2", "11/10", "6/5", "101/100", "101%", "-1", "-0.5", "−3"],
)
def test_out_of_scale_is_refused(typed: str) -> None:
    with pytest.raises(BadRatingError):
        parse_rating(typed)
    assert not looks_like_rating(typed)


@pytest.mark.parametrize(
    "typed",
    ["abc", "", "   ", "four", "4 potatoes", "★★★★★★", "1e3", "nan", "inf", "4..5", "4/7", "G"],
)
def test_unreadable_ratings_are_refused(typed: str) -> None:
    with pytest.raises(BadRatingError) as raised:
        parse_rating(typed)
    # The message is safe to show and says what is accepted.
    assert "8/10" in raised.value.message
    assert not looks_like_rating(typed)


@pytest.mark.parametrize(("typed", "hint"), [("6", "6/10"), ("8", "8/10"), ("10", "10/10")])
def test_bare_number_above_five_gets_a_hint_instead_of_a_guess(typed: str, hint: str) -> None:
    with pytest.raises(BadRatingError) as raised:
        parse_rating(typed)
    assert hint in raised.value.message
    assert isinstance(raised.value, UserError)


def test_number_above_ten_is_refused_without_a_misleading_hint() -> None:
    with pytest.raises(BadRatingError) as raised:
        parse_rating("11")
    assert "11/10" not in raised.value.message


@pytest.mark.parametrize(
    ("half_stars", "glyphs", "number"),
    [
        (1, "½", "0.5★"),
        (2, "★", "1★"),
        (7, "★★★½", "3.5★"),
        (9, "★★★★½", "4.5★"),
        (10, "★★★★★", "5★"),
    ],
)
def test_star_display(half_stars: int, glyphs: str, number: str) -> None:
    assert stars(half_stars) == glyphs
    assert stars_number(half_stars) == number


@pytest.mark.parametrize("half_stars", range(1, 11))
def test_displayed_stars_read_back_as_the_same_rating(half_stars: int) -> None:
    assert parse_rating(stars(half_stars)) == half_stars
    assert parse_rating(stars_number(half_stars)) == half_stars
