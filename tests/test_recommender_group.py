"""Group picks straight through the recommender API, on the starter catalog (no database)."""

from __future__ import annotations

import pytest

from db.starter import load_starter
from recommender import ContentModel, TitleFacts


@pytest.fixture(scope="module")
def model() -> tuple[ContentModel, dict[str, int]]:
    starter = load_starter()
    titles = [
        TitleFacts(
            id=i,
            name=t.spec.name,
            year=t.spec.year,
            kind=t.spec.kind,
            genres=tuple(t.spec.genres),
            themes=tuple(t.spec.themes),
            countries=tuple(t.spec.countries),
            directors=tuple(t.spec.directors),
            cast=tuple(t.spec.cast),
        )
        for i, t in enumerate(starter, start=1)
    ]
    ids = {f"{t.name} ({t.year})": t.id for t in titles}
    return ContentModel.build(titles), ids


def test_a_dislike_in_the_group_vetoes_what_the_others_mildly_like(
    model: tuple[ContentModel, dict[str, int]],
) -> None:
    m, ids = model
    fan = {ids["Miracle in Cell No. 7 (2013)"]: 5.0}
    alone = [s.title_id for s in m.group([fan], k=5)]
    assert alone == [s.title_id for s in m.personal(fan, k=5)]
    # A second member hated the favourite pick: it must drop below what both can live with.
    top = alone[0]
    hater = {top: 0.5}
    together = [s.title_id for s in m.group([fan, hater], k=5)]
    assert top not in together
    assert ids["Miracle in Cell No. 7 (2013)"] not in together


def test_group_without_usable_ratings_is_empty(model: tuple[ContentModel, dict[str, int]]) -> None:
    m, ids = model
    assert m.group([], k=5) == []
    assert m.group([{}, {ids["Parasite (2019)"]: 3.0}], k=5) == []
    assert m.group([{999_999: 5.0}], k=5) == []
