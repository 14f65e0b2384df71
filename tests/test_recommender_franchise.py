"""Sequels, seasons and co-ratings in similar titles: recognised from names and facts alone
(no editorial links), folded into one line per show, and strong enough to lead the list."""

from __future__ import annotations

from dataclasses import replace

from recommender import RatingTriple, Recommender, TitleFacts
from recommender.franchise import Franchises, parse_name


def film(tid: int, name: str, year: int, *genres: str, **facts: object) -> TitleFacts:
    return TitleFacts(tid, name, year, "film", genres=genres, countries=("US",), **facts)  # type: ignore[arg-type]


def show(tid: int, name: str, year: int, *genres: str, **facts: object) -> TitleFacts:
    return TitleFacts(tid, name, year, "series", genres=genres, countries=("KR",), **facts)  # type: ignore[arg-type]


def test_names_give_their_stem_and_marker() -> None:
    assert parse_name("Toy Story 3").stem == "toy story"
    assert parse_name("Back to the Future Part II").stem == "back to the future"
    assert parse_name("Hospital Playlist Season 2").season_like
    assert parse_name("Arthdal Chronicles Part 2: The Sky Turning").stem == "arthdal chronicles"
    reply = parse_name("Reply 1988")
    assert reply.stem == "reply" and not reply.season_like
    assert parse_name("Kingdom: Ashin of the North").colon_stem == "kingdom"
    assert parse_name("Apollo 13").stem == "apollo"
    assert parse_name("Super Size Me 2: Holy Chicken!").stem == "super size me"
    assert parse_name("Se7en").stem is None


def test_links_need_agreeing_facts_not_just_a_shared_word() -> None:
    titles = [
        film(1, "Toy Story", 1995, "Animation", "Comedy"),
        film(2, "Toy Story 3", 2010, "Animation", "Comedy"),
        film(3, "Up", 2009, "Animation"),
        film(4, "Up in the Air", 2009, "Drama"),
        film(5, "Frozen", 2013, "Animation", "Musical"),
        film(6, "Frozen Planet", 2011, "Documentary"),
        film(7, "Frozen Fever", 2015, "Animation"),
        show(8, "Kingdom", 2019, "Horror", writers=("Kim Eun-hee",)),
        film(9, "Kingdom: Ashin of the North", 2021, "Thriller", writers=("Kim Eun-hee",)),
        film(10, "Toy Story 2", 1999, "Documentary"),  # a namesake that is something else
    ]
    f = Franchises.build(titles)
    assert f.linked(1) == {2}
    assert f.linked(3) == frozenset() and f.linked(6) == frozenset()
    assert f.linked(5) == {7}
    assert f.linked(8) == {9}  # a shared writer links a film to its series
    assert f.season_root == {}  # films and spin-offs are linked, never folded


def test_seasons_and_a_show_imported_twice_are_one_line() -> None:
    titles = [
        show(1, "Hospital Playlist", 2020, "Medical", "Drama"),
        show(2, "Hospital Playlist 2", 2021, "Medical"),
        show(3, "Hospital Playlist Season 2", 2021, "Medical"),
        show(4, "Hospital Playlist", 2021, "Medical"),
        show(5, "Reply 1988", 2015, "Comedy"),
        show(6, "Reply 1997", 2012, "Comedy"),
    ]
    f = Franchises.build(titles)
    assert {f.line_of(t) for t in (1, 2, 3, 4)} == {1}
    assert f.line_of(5) == 5 and f.line_of(6) == 6  # an anthology's shows stay apart
    assert f.linked(5) == {6}


def catalog() -> list[TitleFacts]:
    # Toy Story shares much more content with the other cartoons than with its own sequels.
    cartoon = ("Animation", "Comedy", "Family")
    return [
        film(1, "Toy Story", 1995, *cartoon, themes=("toys", "friendship", "pixar")),
        film(2, "Toy Story 2", 1999, "Animation"),
        film(3, "Toy Story 3", 2010, "Animation"),
        *[
            film(10 + i, f"Cartoon {name}", 1996, *cartoon, themes=("toys", "friendship"))
            for i, name in enumerate("ABCDEFGHIJKL")
        ],
        show(30, "Hospital Playlist", 2020, "Medical", themes=("friends", "doctors")),
        show(31, "Hospital Playlist 2", 2021, "Medical", themes=("friends", "doctors")),
        show(32, "Doctor Stories", 2019, "Medical", themes=("doctors",)),
        show(33, "Friends at Work", 2018, "Medical", themes=("friends",)),
    ]


def test_sequels_lead_a_list_and_seasons_take_one_line() -> None:
    rec = Recommender.build(catalog())
    top = [s.title_id for s in rec.similar(1, k=5)]
    assert set(top[:2]) == {2, 3}
    lines = rec.similar(32, k=5)
    ids = [s.title_id for s in lines]
    assert 30 in ids or 31 in ids
    assert not {30, 31} <= set(ids)  # two seasons, one line
    line = next(s for s in lines if s.title_id in (30, 31))
    assert set(line.versions) == {30, 31} - {line.title_id}
    # The probe's own seasons are its first line, not left out like a remake.
    assert rec.similar(30, k=3)[0].title_id == 31


def test_co_ratings_move_similar_titles_once_many_members_rated_them() -> None:
    # Cartoon L shares less content with Toy Story than the other cartoons do, but 40
    # members love both: on a title this many members rated, co-ratings must count.
    titles = [replace(t, genres=("Animation",), themes=()) if t.id == 21 else t for t in catalog()]
    ratings = [RatingTriple(f"m{i}", t, 5.0) for i in range(40) for t in (1, 21)]
    ratings += [RatingTriple(f"m{i}", 10 + i % 11, 2.0) for i in range(40)]
    rec = Recommender.build(titles, ratings)
    top = [s.title_id for s in rec.similar(1, k=4)]
    assert 21 in top[:3]  # right after the two sequels, ahead of the other cartoons


def test_a_name_that_only_starts_another_needs_a_shared_country() -> None:
    titles = [
        TitleFacts(1, "Memories", 1995, "film", genres=("Animation", "Thriller")),
        TitleFacts(2, "Memories of Murder", 2003, "film", genres=("Crime", "Thriller")),
        film(3, "Burning", 2018, "Drama", "Thriller"),
        replace(film(4, "Burning Plain", 2009, "Drama"), countries=("AR",)),
        film(5, "Toy Story", 1995, "Animation", "Comedy"),
        film(6, "Toy Story That Time Forgot", 2014, "Animation"),
        TitleFacts(7, "Kingdom", 2019, "series", genres=("Horror",)),
        TitleFacts(8, "Kingdom: Ashin of the North", 2021, "series", genres=("Horror",)),
    ]
    f = Franchises.build(titles)
    assert f.linked(1) == frozenset()  # no country known: a shared word, not a franchise
    assert f.linked(3) == frozenset()  # different countries
    assert f.linked(5) == {6}
    assert f.linked(7) == {8}  # a colon still says "subtitle"


def test_one_show_under_two_names_is_one_line_but_two_films_of_one_star_are_not() -> None:
    leads = ("Park Bo-young", "Park Hyung-sik", "Kim Ji-soo")
    westerns = ("Gene Autry", "Smiley Burnette")
    titles = [
        show(1, "Strong Woman Do Bong Soon", 2017, "Comedy", cast=leads),
        show(2, "Strong Girl Bong-soon", 2017, "Comedy", cast=("PARK Bo-young", "Park Hyung-sik")),
        show(3, "Strong Girl Nam-soon", 2017, "Comedy", cast=leads[:1]),  # one lead in common
        film(4, "The Big Sombrero", 1949, "Western", cast=westerns),
        film(5, "Sons of New Mexico", 1949, "Western", cast=westerns),
    ]
    f = Franchises.build(titles)
    assert f.line_of(1) == f.line_of(2)
    assert f.line_of(3) != f.line_of(1)
    assert f.line_of(4) != f.line_of(5)


def test_a_docuseries_listed_as_a_film_is_one_line_with_the_series() -> None:
    titles = [
        film(1, "Making a Murderer", 2015, "Crime", "Documentary"),
        TitleFacts(2, "Making a Murderer", 2018, "series", genres=("Crime", "Documentary")),
        film(3, "Dark", 2018, "Action", "Thriller"),
        TitleFacts(4, "Dark", 2020, "series", genres=("Crime", "Drama")),
    ]
    f = Franchises.build(titles)
    assert f.line_of(1) == f.line_of(2)
    assert f.line_of(3) != f.line_of(4)  # a film and a series that only share a name
