"""Splitting "/review <title> <rating> [text]" (bot.features.reviews.args.split_review_args)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.core.errors import UsageError
from bot.core.text import normalise_title
from bot.features.reviews.args import split_review_args


def titles(*names: str) -> Callable[[str], bool]:
    """An is_title that knows exactly these titles, matched the way the index matches."""
    keys = {normalise_title(n) for n in names}
    return lambda text: normalise_title(text) in keys


def nothing_is_a_title(_text: str) -> bool:
    return False


def test_title_with_a_number_is_kept_whole_when_it_is_a_known_title() -> None:
    split = split_review_args("Miracle in Cell No. 7 5 loved it", titles("Miracle in Cell No. 7"))
    assert split == ("Miracle in Cell No. 7", "5", "loved it", False)


def test_known_title_decides_between_two_number_positions() -> None:
    # "2" and "4" both read as ratings; only "Cell No. 2" is a title.
    split = split_review_args("Cell No. 2 4 tense", titles("Cell No. 2"))
    assert split == ("Cell No. 2", "4", "tense", False)
    # Without a title to go by, the first rating-looking word after the first word wins.
    assert split_review_args("Cell No. 2 4 tense", nothing_is_a_title)[:2] == ("Cell No.", "2")


def test_title_starting_with_a_number_or_a_letter_grade() -> None:
    assert split_review_args("3 Idiots 4.5 all is well", nothing_is_a_title) == (
        "3 Idiots",
        "4.5",
        "all is well",
        False,
    )
    assert split_review_args("A Taxi Driver B+ moving", nothing_is_a_title) == (
        "A Taxi Driver",
        "B+",
        "moving",
        False,
    )


def test_longest_known_title_wins_over_a_shorter_known_prefix() -> None:
    """ "Hachi" and "Hachi: A Dog's Tale" are both titles. The review below is 5★ for the
    second; taking "A" as a letter grade for "Hachi:" stores the wrong rating and mangles
    the text."""
    split = split_review_args("Hachi: A Dog's Tale 5 cried", titles("Hachi", "Hachi: A Dog's Tale"))
    assert split == ("Hachi: A Dog's Tale", "5", "cried", False)


def test_pipe_separated_form() -> None:
    assert split_review_args("Miracle in Cell No. 7 | 4 | warm, sad", nothing_is_a_title) == (
        "Miracle in Cell No. 7",
        "4",
        "warm, sad",
        False,
    )
    assert split_review_args("Parasite|8/10", nothing_is_a_title) == (
        "Parasite",
        "8/10",
        None,
        False,
    )
    # One bar: the rating is the first word(s) after it, the rest is the review (the form the
    # Telegram guided /review puts together from "title?" and "stars?" answers).
    assert split_review_args("#12 | 4.5 funny and warm", nothing_is_a_title) == (
        "#12",
        "4.5",
        "funny and warm",
        False,
    )
    assert split_review_args("Okja | 4 stars the pig!", nothing_is_a_title)[1:3] == (
        "4 stars",
        "the pig!",
    )
    # The text may itself contain pipes: only the first two split.
    assert split_review_args("Okja | 4 | good | not great", nothing_is_a_title)[2] == (
        "good | not great"
    )


@pytest.mark.parametrize(
    "args",
    [
        '"Miracle in Cell No. 7" 5 loved it',
        "'Miracle in Cell No. 7' 5 loved it",
        "“Miracle in Cell No. 7” 5 loved it",
    ],
)
def test_quoted_title(args: str) -> None:
    assert split_review_args(args, nothing_is_a_title) == (
        "Miracle in Cell No. 7",
        "5",
        "loved it",
        False,
    )


@pytest.mark.parametrize(
    ("args", "rating"),
    [
        ("Parasite 4 stars what a twist", "4 stars"),
        ("Parasite 8 /10 what a twist", "8 /10"),
        ("Parasite 8/10 what a twist", "8/10"),
        ("Parasite ★★★½ what a twist", "★★★½"),
        ("Parasite A- what a twist", "A-"),
        ("Parasite 85% what a twist", "85%"),
    ],
)
def test_rating_forms_inside_a_review(args: str, rating: str) -> None:
    assert split_review_args(args, titles("Parasite")) == (
        "Parasite",
        rating,
        "what a twist",
        False,
    )


@pytest.mark.parametrize(
    "args",
    [
        "Okja 4 --spoiler the pig lives",
        "Okja 4 the pig lives --spoiler",
        "--spoiler Okja 4 the pig lives",
        "Okja 4 --SPOILER the pig lives",
        "Okja 4 spoiler: the pig lives",
        "Okja 4 ||the pig lives||",
        "Okja | 4 | ||the pig lives||",
    ],
)
def test_spoilers(args: str) -> None:
    assert split_review_args(args, titles("Okja")) == ("Okja", "4", "the pig lives", True)


def test_no_spoiler_unless_asked() -> None:
    # Pipes inside the text, or the word in passing, do not make it a spoiler.
    assert split_review_args("Okja 4 the ||pig|| lives", titles("Okja"))[3] is False
    assert split_review_args("Okja 4 no spoilers here", titles("Okja"))[3] is False
    assert split_review_args("Okja 4 --spoilers", titles("Okja"))[3] is False


def test_rating_without_text() -> None:
    assert split_review_args("Okja 4.5", titles("Okja")) == ("Okja", "4.5", None, False)


@pytest.mark.parametrize(
    "args",
    ["", "   ", "--spoiler", "Okja", "Prison Playbook", "Prison Playbook great show", "4"],
)
def test_missing_rating_is_a_usage_error(args: str) -> None:
    with pytest.raises(UsageError) as raised:
        split_review_args(args, titles("Okja", "Prison Playbook"))
    assert "/review" in raised.value.message


def test_whole_argument_being_a_title_means_the_rating_is_missing() -> None:
    """ "Hachi: A Dog's Tale" is a title on its own; the "A" inside it is not a grade."""
    with pytest.raises(UsageError):
        split_review_args("Hachi: A Dog's Tale", titles("Hachi", "Hachi: A Dog's Tale"))


def test_out_of_scale_number_is_not_taken_as_the_rating() -> None:
    with pytest.raises(UsageError):
        split_review_args("Prison Playbook 6 great", titles("Prison Playbook"))


@pytest.mark.parametrize(
    "text",
    [
        "No spoiler: it is great",
        "the --spoiler tag is for endings",
        "spoilers: none",
        "I'd say --spoiler-free",
    ],
)
def test_review_text_is_kept_as_typed_and_not_hidden(text: str) -> None:
    for args in (f"Okja 4 {text}", f"Okja | 4 | {text}"):
        assert split_review_args(args, titles("Okja")) == ("Okja", "4", text, False)


def test_a_spoiler_flag_marks_only_in_flag_position_and_the_rest_stays_verbatim() -> None:
    split = split_review_args("Okja | 4 | the --spoiler tag  stays --spoiler", titles("Okja"))
    assert split == ("Okja", "4", "the --spoiler tag  stays", True)


@pytest.mark.parametrize(
    "args", ["Okja | 4.5/5 ★★★★★", "Okja | 4.5/5 ★★★★★ | ", "Okja 4.5/5 ★★★★★"]
)
def test_stars_after_a_rating_are_decoration_not_review_text(args: str) -> None:
    assert split_review_args(args, titles("Okja")) == ("Okja", "4.5/5", None, False)


def test_stars_after_a_rating_then_text() -> None:
    split = split_review_args("Okja | 4.5/5 ★★★★★ | loved it", titles("Okja"))
    assert split == ("Okja", "4.5/5", "loved it", False)
