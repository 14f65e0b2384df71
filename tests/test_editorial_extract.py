"""Reading review articles: several layouts, grades as written, spoilers and clutter left out."""

from __future__ import annotations

import json

import pytest

from bot.features.admin.articles import Article, extract
from tests import articles


def _everything(article: Article) -> str:
    return json.dumps(article.to_json(), ensure_ascii=False)


def test_kdrama_blog_layout_with_metadata_block() -> None:
    a = extract(articles.MIRACLE)
    assert (a.title, a.year) == ("Miracle in Cell No. 7", 2013)
    assert a.reviewer == "Hana Seo"
    assert (a.grade_text, a.half_stars) == ("A+", 10)
    assert a.verdict == "A shameless tearjerker that earns every single tear."
    assert a.where_to_watch == ["Viki", "Prime Video"]
    assert a.directors == ["Lee Hwan-kyung"]
    assert a.writers == ["Lee Hwan-kyung", "Kim Hwang-sung", "Kim Young-seok"]
    assert a.cast == ["Ryu Seung-ryong", "Kal So-won", "Park Shin-hye", "Oh Dal-su"]
    assert a.runtime_minutes == 127
    assert a.synopsis is not None and a.synopsis.startswith("Yong-gu is a man")
    assert any(p.startswith("Hachi: A Dog's Tale or I Am Sam") for p in a.compare_phrases)
    assert a.spoiler_sections == 1
    assert a.missing() == []


def test_critic_layout_with_unclosed_spoiler_heading() -> None:
    a = extract(articles.PARASITE)
    assert a.title == "Parasite"
    assert (a.reviewer, a.site) == ("Mark Ellison", "The Reel Ledger")
    assert (a.grade_text, a.half_stars) == ("4/5", 8)
    # "The Verdict" ends the spoiler section that had no closing mark, and is read.
    assert a.verdict is not None and a.verdict.startswith("A furious, funny and precise film")
    assert a.directors == ["Bong Joon-ho"]
    assert a.cast[:2] == ["Song Kang-ho", "Lee Sun-kyun"]
    assert a.kind == "film"


def test_recap_blog_layout_with_labelled_title_and_score_in_a_sentence() -> None:
    a = extract(articles.PRISON_PLAYBOOK)
    assert (a.title, a.year, a.kind, a.episodes) == ("Prison Playbook", 2017, "series", 16)
    assert a.reviewer == "Dae-ho Min"
    assert a.site == "seoulscreen.blog"
    assert a.source_url == "https://www.seoulscreen.blog/reviews/prison-playbook"
    assert (a.grade_text, a.half_stars) == ("8.5/10", 9)
    assert a.verdict == "Slow to start, impossible to stop. Watch it with friends."
    assert (a.where_to_watch, a.region) == (["Netflix"], "US")
    assert any(p.startswith("Reply 1988, Hospital Playlist or Stranger") for p in a.compare_phrases)


def test_short_post_about_an_unknown_film() -> None:
    a = extract(articles.NEW_FILM)
    assert (a.title, a.year, a.kind) == ("The Quiet Harbour", 2024, "film")
    assert (a.reviewer, a.site) == ("Sofia Marsh", "Harbour Lights Film Club")
    assert (a.grade_text, a.half_stars) == ("3.5 stars", 7)
    assert a.countries == ["KR"]
    assert a.genres == ["Drama", "Mystery"]
    assert a.where_to_watch == ["Mubi"]
    assert a.verdict is not None and a.verdict.startswith("Gentle, patient")


@pytest.mark.parametrize(
    "article", [articles.MIRACLE, articles.PARASITE, articles.PRISON_PLAYBOOK, articles.NEW_FILM]
)
def test_spoilers_and_page_clutter_never_come_out(article: str) -> None:
    text = _everything(extract(article))
    assert "SECRET" not in text
    for clutter in (
        "Subscribe",
        "newsletter",
        "affiliate",
        "commission",
        "Share",
        "Tweet",
        "Jenny",
        "Leave a Reply",
        "Related",
        "Loading",
        "email",
    ):
        assert clutter.casefold() not in text.casefold(), clutter


def test_a_readers_rating_in_the_comments_is_not_the_grade() -> None:
    without_grade = articles.MIRACLE.replace("FINAL GRADE: A+\n", "")
    a = extract(without_grade)
    assert a.half_stars is None  # "Rating: 2/5 from me" is Jenny's, in the comment list


def test_text_that_is_not_a_review_says_what_is_missing() -> None:
    a = extract(articles.RECIPE)
    assert a.title is None and a.half_stars is None and a.verdict is None
    missing = " ".join(a.missing())
    assert "which title" in missing and "grade" in missing


@pytest.mark.parametrize(
    ("line", "written", "half_stars"),
    [
        ("FINAL GRADE: A+", "A+", 10),
        ("Rating: 4/5", "4/5", 8),
        ("Score: 8.5/10", "8.5/10", 9),
        ("Rating: 3.5 stars", "3.5 stars", 7),
        ("Our rating: ★★★★½", "★★★★½", 9),
        ("Rating: 4 out of 5", "4 out of 5", 8),
        ("Grade: B+ (very good, not great)", "B+", 8),
        ("Overall: 72/100", "72/100", 7),
        ("Verdict: 4.5/5 – the best thing on TV this year", "4.5/5", 9),
    ],
)
def test_grades_as_written_and_normalised(line: str, written: str, half_stars: int) -> None:
    a = extract(f"Okja review\n\n{line}\n")
    assert (a.grade_text, a.half_stars) == (written, half_stars)


def test_content_ratings_are_not_grades() -> None:
    a = extract("Okja review\nAge rating: 15\nRating: PG-13\nVerdict: a pig story for adults.\n")
    assert a.half_stars is None
    assert a.verdict == "a pig story for adults."


def test_final_grade_beats_an_earlier_plain_rating_and_verdict_text_is_kept() -> None:
    a = extract("Okja review\nRating: 3/5\nFINAL GRADE: A-\nVerdict: B+ - strange and tender.\n")
    assert (a.grade_text, a.half_stars) == ("A-", 9)
    assert a.verdict == "strange and tender"


def test_inline_and_headed_spoiler_marks() -> None:
    text = (
        "Review: Okja (2017)\n"
        "Mija loves her pig. (spoiler: SECRET one) The chase is great. ||SECRET two||\n"
        "Ending explained — spoilers\n"
        "SECRET three\n"
        "End of spoilers\n"
        "Bottom line: a lovely, angry film.\n"
        "Spoiler-free review below\n"
        "The animals are gorgeous and the cast is stacked.\n"
    )
    a = extract(text)
    everything = _everything(a)
    assert "SECRET" not in everything
    assert a.spoiler_sections == 3
    assert a.verdict == "a lovely, angry film."
    assert (a.title, a.year) == ("Okja", 2017)


def test_where_to_watch_names_are_the_catalogs() -> None:
    a = extract(
        "Title: Okja\nVerdict: fine.\n"
        "Where to watch: Netflix, Disney Plus & HBO Max in the UK (affiliate link)\n"
    )
    assert a.where_to_watch == ["Netflix", "Disney+", "Max"]
    assert a.region == "GB"


def test_round_trips_through_json() -> None:
    a = extract(articles.PRISON_PLAYBOOK)
    assert Article.from_json(json.loads(json.dumps(a.to_json()))) == a


@pytest.mark.parametrize(
    ("post", "verdict"),
    [
        ("Okja (2017) is the best thing Netflix ever paid for. Go see it.", "the best thing"),
        ("Watched Okja (2017) last night, honestly skip it unless you like pigs.", "skip it"),
        ("Okja (2017) is now streaming on Netflix in the US. A girl tries to save her pig.", None),
        ("Has anyone seen Okja (2017)? Is it the best Bong film to start with?", None),
    ],
)
def test_a_short_post_is_a_verdict_only_when_it_passes_judgement(
    post: str, verdict: str | None
) -> None:
    a = extract(post)
    assert (a.title, a.year) == ("Okja", 2017)
    if verdict is None:
        assert a.verdict is None
    else:
        assert a.verdict is not None and verdict in a.verdict


def test_where_to_watch_named_in_a_sentence() -> None:
    a = extract("Okja (2017) is now streaming on Netflix in the UK. A girl tries to save her pig.")
    assert a.where_to_watch == ["Netflix"] and a.region == "GB"
