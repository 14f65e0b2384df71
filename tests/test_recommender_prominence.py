"""Among titles about equally similar, the well-known ones first (recommender.prominence):
listed by more catalogs, more TMDB votes. Works without any member rating."""

from __future__ import annotations

from recommender import Recommender, TitleFacts, load_weights
from recommender.prominence import prominence


def drama(tid: int, name: str, **facts: object) -> TitleFacts:
    return TitleFacts(
        tid, name, 2019, "series", genres=("Crime", "Drama"), countries=("ES",), **facts
    )  # type: ignore[arg-type]


def catalog() -> list[TitleFacts]:
    return [
        drama(1, "The Heist", listed_by=("netflix",)),
        drama(2, "Obscure Copy", listed_by=("netflix",)),
        drama(3, "Famous Twin", listed_by=("netflix", "primevideo", "hulu"), vote_count=9000),
        *(TitleFacts(10 + i, f"Other {i}", 2000, "film", genres=("Comedy",)) for i in range(30)),
    ]


def test_listings_and_votes_make_prominence_but_id_namespaces_do_not() -> None:
    points = prominence(
        [
            drama(1, "A", listed_by=("netflix",)),
            drama(2, "B", listed_by=("movielens", "imdb", "tmdb")),
            drama(3, "C", listed_by=("netflix", "hulu"), vote_count=100),
            drama(4, "D", listed_by=("netflix", "hulu"), vote_count=10_000),
        ]
    )
    assert points[0] == 1.0 and points[1] == 1.0  # IMDb/TMDB ids come with MovieLens
    assert points[3] > points[2] > 2.0


def test_the_better_known_of_two_equally_similar_titles_comes_first() -> None:
    titles = catalog()
    known = Recommender.build(titles, weights=load_weights().with_values(similar_prominence=0.3))
    plain = Recommender.build(
        titles, weights=load_weights().with_values(similar_prominence=0.0), content=known.content
    )
    assert [s.title_id for s in known.similar(1, k=2)] == [3, 2]
    assert [s.title_id for s in plain.similar(1, k=2)] == [2, 3]  # a tie: catalog order
