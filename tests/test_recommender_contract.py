"""Contract tests every recommender model answers: unknown users and titles, empty histories,
tiny catalogs, and reasons that name real shared features. No database, no chat."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from recommender import ContentModel, RatingTriple, Recommender, TitleFacts, TitleFilter


def tiny_catalog() -> list[TitleFacts]:
    return [
        TitleFacts(1, "Cell", 2013, "film", genres=("drama",), themes=("father", "prison"),
                   countries=("KR",), languages=("ko",)),
        TitleFacts(2, "Playbook", 2017, "series", genres=("drama",), themes=("prison", "guards"),
                   countries=("KR",), languages=("ko",)),
        TitleFacts(3, "Sam", 2001, "film", genres=("drama",), themes=("father", "custody"),
                   countries=("US",), languages=("en",)),
        TitleFacts(4, "Rockets", 2019, "film", genres=("sci-fi",), themes=("space",),
                   countries=("US",), languages=("en",)),
        TitleFacts(5, "Stars", 2020, "series", genres=("sci-fi",), themes=("space", "aliens"),
                   countries=("US",), languages=("en",)),
        TitleFacts(6, "Cell (remake)", 2019, "film", genres=("drama",), themes=("father",),
                   countries=("TR",), languages=("tr",), original_id=1),
    ]  # fmt: skip


def community() -> list[RatingTriple]:
    # Twelve members love both Cell and Rockets (an unlikely pair by content alone).
    ratings = [RatingTriple(f"m{i}", 1, 5.0, 1.6e9 + i) for i in range(12)]
    ratings += [RatingTriple(f"m{i}", 4, 4.5, 1.6e9 + i) for i in range(12)]
    ratings += [RatingTriple(f"m{i}", 5, 2.0, 1.6e9 + i) for i in range(6)]
    return ratings


Builder = Callable[[list[TitleFacts]], ContentModel | Recommender]
MODELS: dict[str, Builder] = {
    "content": lambda titles: ContentModel.build(titles),
    "hybrid-no-ratings": lambda titles: Recommender.build(titles),
    "hybrid": lambda titles: Recommender.build(titles, community()),
}


@pytest.fixture(params=sorted(MODELS))
def model(request: pytest.FixtureRequest) -> ContentModel | Recommender:
    return MODELS[request.param](tiny_catalog())


def test_unknown_title_gives_nothing(model: ContentModel | Recommender) -> None:
    assert model.similar(999, k=5) == []


def test_empty_and_unknown_histories_give_nothing(model: ContentModel | Recommender) -> None:
    assert model.personal({}, k=5) == []
    assert model.personal({999: 5.0}, k=5) == []
    assert model.group([], k=5) == []
    assert model.group([{}, {999: 1.0}], k=5) == []


def test_similar_never_returns_the_title_its_versions_or_excluded(
    model: ContentModel | Recommender,
) -> None:
    ids = [s.title_id for s in model.similar(1, k=10, exclude={3})]
    assert ids and 1 not in ids and 6 not in ids and 3 not in ids
    assert len(ids) == len(set(ids))


def test_personal_leaves_out_rated_and_excluded(model: ContentModel | Recommender) -> None:
    picks = [s.title_id for s in model.personal({1: 5.0, 4: 1.0}, k=10, exclude={2})]
    assert picks and not {1, 4, 2} & set(picks)


def test_k_zero_and_a_one_title_catalog(model: ContentModel | Recommender) -> None:
    assert model.similar(1, k=0) == []
    single = type(model).build([tiny_catalog()[0]])
    assert single.similar(1, k=5) == []
    assert single.personal({1: 5.0}, k=5) == []
    assert single.popular(5, {}) == [] or [s.title_id for s in single.popular(5, {})] == [1]


def test_popular_answers_a_new_user(model: ContentModel | Recommender) -> None:
    picks = model.popular(3, {1: (12, 4.8), 4: (12, 4.6)})
    assert [s.title_id for s in picks][:2] == [1, 4]


def test_reasons_name_real_shared_features() -> None:
    rec = Recommender.build(tiny_catalog())
    top = {s.title_id: s.evidence for s in rec.similar(1, k=5)}
    assert "prison" in top[2].themes and "drama" in top[2].genres
    assert "father" in top[3].themes
    titles = {t.id: t for t in tiny_catalog()}
    for tid, ev in top.items():
        assert set(ev.themes) <= set(titles[1].themes) & set(titles[tid].themes)
        assert set(ev.genres) <= set(titles[1].genres) & set(titles[tid].genres)


def test_co_ratings_join_in_and_are_named() -> None:
    content_only = Recommender.build(tiny_catalog())
    hybrid = Recommender.build(tiny_catalog(), community())
    # Content alone ranks a space film below the dramas that share themes...
    alone = [s.title_id for s in content_only.similar(1, k=5)]
    assert alone.index(2) < alone.index(4) and alone.index(3) < alone.index(4)
    # ...with twelve members who loved both, that co-rating is the reason given.
    ranked = hybrid.similar(1, k=5)
    picks = {s.title_id: s.evidence for s in ranked}
    assert picks[4].loved_by == 12 and picks[4].co_rated_with == 1
    personal = {s.title_id: s.evidence for s in hybrid.personal({1: 5.0}, k=5)}
    assert personal[4].loved_by == 12


def test_known_user_top_k_from_stored_ratings() -> None:
    rec = Recommender.build(tiny_catalog(), community())
    assert rec.recommend("nobody", k=5) == []
    picks = [s.title_id for s in rec.recommend("m11", k=5)]
    assert picks and not {1, 4} & set(picks)


def test_as_of_leaves_out_later_releases() -> None:
    rec = Recommender.build(tiny_catalog(), community())
    year_2015 = (2015 - 1970) * 365.2425 * 86400 + 86400
    picks = [s.title_id for s in rec.personal({1: 5.0}, k=10, as_of=year_2015)]
    assert picks and all(rec.titles[t].year <= 2015 for t in picks)  # type: ignore[operator]


def test_filters_hold_for_every_query() -> None:
    rec = Recommender.build(tiny_catalog(), community())
    series = TitleFilter(kind="series")
    for picks in (
        rec.similar(1, k=5, filters=series),
        rec.personal({1: 5.0}, k=5, filters=series),
        rec.group([{1: 5.0}, {3: 4.0}], k=5, filters=series),
        rec.popular(5, filters=series),
    ):
        assert picks and all(rec.titles[s.title_id].kind == "series" for s in picks)
    korean = rec.similar(3, k=5, filters=TitleFilter(countries=frozenset({"KR"})))
    assert korean and all("KR" in rec.titles[s.title_id].countries for s in korean)


def test_group_vetoes_a_members_dislike() -> None:
    rec = Recommender.build(tiny_catalog(), community())
    fan = {1: 5.0}
    assert [s.title_id for s in rec.group([fan], k=5)] == [
        s.title_id for s in rec.personal(fan, k=5)
    ]
    first = rec.group([fan], k=5)[0].title_id
    together = [s.title_id for s in rec.group([fan, {first: 0.5}], k=5)]
    assert first not in together
