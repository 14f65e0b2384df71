"""Sharing a rare country or language says more than sharing a common one (the origin part of
similar titles keeps each value's IDF): a Korean film is more like another Korean film than
an American film is like any other American film."""

from __future__ import annotations

from recommender import ContentModel, Recommender, TitleFacts, load_weights


def film(tid: int, country: str, *genres: str) -> TitleFacts:
    # Names without numbers: "Film 2" and "Film 3" would read as one franchise.
    name = "".join(chr(ord("a") + int(d)) for d in str(tid))
    return TitleFacts(tid, f"Title {name}", 2015, "film", countries=(country,), genres=genres)


def test_a_shared_rare_country_outweighs_a_shared_common_one() -> None:
    titles = [
        film(1, "KR", "Drama"),
        film(2, "KR", "Comedy"),
        film(3, "US", "Drama"),
        film(4, "US", "Comedy"),
        *(film(10 + i, "US", "Western") for i in range(40)),
    ]
    model = ContentModel.build(titles)
    korean = model.origin_scores(1)[model.row[2]]
    american = model.origin_scores(3)[model.row[4]]
    assert korean > 1.5 * american > 0


def test_a_share_not_a_sum_several_countries_dilute_each() -> None:
    titles = [
        film(1, "KR", "Drama"),
        film(2, "KR", "Drama"),
        TitleFacts(3, "Co-production", 2015, "film", countries=("KR", "JP", "FR")),
        *(film(10 + i, "US", "Western") for i in range(20)),
        *(TitleFacts(40 + i, f"JP {i}", 2015, "film", countries=("JP", "FR")) for i in range(5)),
    ]
    scores = ContentModel.build(titles).origin_scores(1)
    assert scores[1] > scores[2] > 0  # rows 1 and 2: titles 2 and 3


def test_similar_titles_prefer_the_rare_shared_country() -> None:
    titles = [
        film(1, "KR", "Thriller", "Drama"),
        TitleFacts(2, "No Country", 2015, "film", genres=("Thriller", "Drama")),
        film(3, "KR", "Comedy"),  # no genre in common, the rare country
        *(film(10 + i, "US", "Comedy") for i in range(40)),
    ]
    weights = load_weights().with_values(similar_prominence=0.0, similar_semantic=0.0)
    rec = Recommender.build(titles, weights=weights.with_values(similar_origin=1.0))
    plain = Recommender.build(
        titles, weights=weights.with_values(similar_origin=0.0), content=rec.content
    )
    assert rec.similar(1, k=1)[0].title_id == 3
    assert plain.similar(1, k=1)[0].title_id == 2
