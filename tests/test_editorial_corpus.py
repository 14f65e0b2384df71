"""The extractor against the team's corpus (tests/editorial_corpus/): each field at 0.95
precision and recall or better, and the spoiler rules on articles of the team's own."""

from __future__ import annotations

import json

import pytest

from bot.features.admin.articles import extract
from tests.editorial_score import CORPUS, FIELDS, run

GOAL = 0.95


def test_corpus_has_at_least_25_articles() -> None:
    assert len(list(CORPUS.glob("*.txt"))) >= 25


@pytest.mark.parametrize("field", FIELDS)
def test_field_meets_the_goal(field: str) -> None:
    # Over the whole corpus, held-out articles included (`./run bench editorial` also shows
    # the tuning and held-out parts apart).
    counts, mistakes = run("all")
    c = counts[field]
    assert min(c.precision, c.recall) >= GOAL, (
        field,
        c,
        {name: [m for m in lines if m.startswith(field)] for name, lines in mistakes.items()},
    )


def _article(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_unterminated_spoiler_heading_covers_only_its_section() -> None:
    a = extract(_article("01_fanblog_unterminated_spoiler.txt"))
    assert a.spoiler_sections == 1
    # Two headings after "## Spoilers", the author's comparison is still read...
    assert any(p.startswith("Reply 1988") for p in a.compare_phrases)
    # ...and the section after the spoiler one is ordinary text again, the spoiler is not.
    assert "SECRET" not in json.dumps(a.to_json(), ensure_ascii=False)


def test_unterminated_bracket_marker_ends_at_the_next_heading() -> None:
    a = extract(_article("26_unterminated_bracket_spoiler.txt"))
    assert a.spoiler_sections == 1
    assert any(p.startswith("My Liberation Notes") for p in a.compare_phrases)
    assert a.half_stars == 10 and a.verdict is not None


def test_facts_inside_a_spoiler_section_count_but_are_not_shown() -> None:
    a = extract(_article("12_spoiler_section_with_facts.txt"))
    assert a.spoiler_sections == 1
    assert a.grade_text == "A"  # written inside [SPOILER WARNING] … [END SPOILERS]
    assert any(p.startswith("Memories of Murder") for p in a.compare_phrases)
    everything = json.dumps(a.to_json(), ensure_ascii=False)
    assert "SECRET" not in everything and "his daughter" not in everything


def test_review_without_a_grade_is_read_not_refused() -> None:
    a = extract(_article("04_no_grade_credits_block.txt"))
    assert a.missing() == []
    assert a.half_stars is None
    assert a.verdict is not None and "tearjerker" in a.verdict
    assert a.aliases == ["7번방의 선물"]
    assert a.directors == ["Lee Hwan-kyung"]
    assert a.writers == ["Lee Hwan-kyung", "Kim Hwang-sung", "Kim Young-seok"]
    assert a.where_to_watch == ["Netflix", "Viki"]  # the prose clause is not a provider


def test_author_and_reader_comparisons_are_kept_apart() -> None:
    a = extract(_article("07_reader_comments_compare.txt"))
    assert [p.split()[0] for p in a.compare_phrases] == ["Carol"]
    assert sorted(p.split()[0] for p in a.reader_compare_phrases) == ["Oldboy", "Parasite"]


def test_one_line_paste_and_headline_without_review() -> None:
    one_line = extract(_article("05_one_line_paste.txt"))
    assert (one_line.title, one_line.grade_text, one_line.where_to_watch) == (
        "Moving",
        "A-",
        ["Disney+"],
    )
    headline = extract(_article("06_headline_without_review.txt"))
    assert (headline.title, headline.year) == ("Moving", 2023)


def test_short_one_line_paste_is_split_at_its_labels() -> None:
    a = extract("Okja review FINAL GRADE: B WHERE TO WATCH: Netflix (US)")
    assert (a.title, a.grade_text, a.where_to_watch, a.region) == ("Okja", "B", ["Netflix"], "US")
