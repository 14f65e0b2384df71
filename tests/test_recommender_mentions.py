"""What synopses say about other titles (recommender.mentions) and how similar titles use it:
a title a blurb names ranks near it with a reason, a director a blurb credits counts as one,
and a documentary's list keeps to documentaries."""

from __future__ import annotations

from recommender import Recommender, TitleFacts
from recommender.mentions import credited_directors, named_spans, title_mentions


def film(tid: int, name: str, year: int, *genres: str, **facts: object) -> TitleFacts:
    return TitleFacts(tid, name, year, "film", genres=genres, **facts)  # type: ignore[arg-type]


def show(tid: int, name: str, year: int, *genres: str, **facts: object) -> TitleFacts:
    return TitleFacts(tid, name, year, "series", genres=genres, **facts)  # type: ignore[arg-type]


def test_spans_are_quoted_capitalised_or_after_a_cue() -> None:
    spans = named_spans(
        'This Emmy-nominated prequel to "Breaking Bad" follows a lawyer. From PARK Chan-wook, '
        "the director of OLDBOY, LADY VENGEANCE and STOKER, comes a spin-off of The Host."
    )
    assert "Breaking Bad" in spans
    assert {"OLDBOY", "LADY VENGEANCE", "STOKER", "The Host"} <= set(spans)
    assert "PARK" not in spans  # one short word in capitals is a name or an acronym


def test_a_named_title_is_the_best_known_earlier_one_of_that_name() -> None:
    titles = [
        film(1, "Old Boy", 2003, "Thriller", vote_count=3000),
        film(2, "Oldboy", 2013, "Thriller", vote_count=900),  # the remake, later
        film(3, "The Handmaiden", 2016, "Thriller", synopsis="From the director of OLDBOY."),
        show(4, "The Host", 2015, "Reality"),
        film(5, "The Host", 2006, "Horror", "Thriller"),
        film(
            6, "Mother", 2009, "Thriller", synopsis="From the maker of THE HOST comes a thriller."
        ),
        film(7, "Closer", 2004, "Drama"),
        film(8, "Night", 2010, "Drama", synopsis="CLOSER than ever, a pair of strangers talk."),
    ]
    fame = {t.id: float(t.vote_count or 0) for t in titles}
    named = title_mentions(titles, lambda t: fame[t.id])
    assert named[3] == {1}
    assert named[6] == {5}  # the thriller, not the reality show of that name
    assert 8 not in named  # "CLOSER" is a word, not a title


def test_a_director_the_blurb_credits_is_known_by_the_catalogs_spelling() -> None:
    titles = [
        film(1, "Okja", 2017, "Drama", directors=("Bong Joon Ho",)),
        film(2, "Memories of Murder", 2003, "Crime", synopsis="From director Bong Joon-ho comes"),
        film(3, "Tom's Film", 2001, "Comedy", directors=("Tom Hanks",)),
        film(4, "Big", 1988, "Comedy", synopsis="Tom Hanks stars as a boy in a man's body."),
    ]
    credited = credited_directors(titles)
    assert credited == {2: ("Bong Joon Ho",)}  # an actor in a blurb is not its director


def test_similar_titles_rank_what_the_synopsis_names_with_a_reason() -> None:
    crime = ("Crime", "Drama")
    titles = [
        show(1, "Breaking Bad", 2008, *crime, synopsis="A chemistry teacher cooks meth."),
        show(2, "Better Call Saul", 2015, *crime, synopsis='A prequel to "Breaking Bad".'),
        *(
            show(10 + i, f"Procedural {i}", 2010, *crime, synopsis="A teacher and a detective.")
            for i in range(12)
        ),
    ]
    model = Recommender.build(titles)
    top = model.similar(1, k=3)
    assert top[0].title_id == 2
    assert top[0].evidence.names_source
    assert model.similar(2, k=1)[0].evidence.named_by_source


def test_a_documentarys_list_keeps_to_documentaries() -> None:
    guns = ("gun violence", "school shooting", "america")
    titles = [
        film(1, "Bowling for Columbine", 2002, "Documentary", themes=guns),
        film(2, "Elephant", 2003, "Drama", themes=guns),  # the same subject, as fiction
        film(3, "Fahrenheit 9/11", 2004, "Documentary", themes=("america", "politics")),
        *(film(10 + i, f"Drama {i}", 2000, "Drama", themes=("family",)) for i in range(12)),
    ]
    model = Recommender.build(titles)
    assert model.similar(1, k=1)[0].title_id == 3
    assert model.similar(2, k=1)[0].title_id != 1  # and fiction's list keeps to fiction
