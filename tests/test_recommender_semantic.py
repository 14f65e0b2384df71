"""Similar titles by what synopses mean (recommender.semantic): words that keep turning up
together in the catalog link two titles whose synopses share none of them."""

from __future__ import annotations

from recommender import Recommender, TitleFacts, load_weights
from recommender.content import semantic_words
from recommender.semantic import SemanticSpace


def show(tid: int, name: str, synopsis: str) -> TitleFacts:
    return TitleFacts(
        tid, name, 2020, "series", genres=("Drama",), countries=("US",), synopsis=synopsis
    )


def catalog() -> list[TitleFacts]:
    titles = [
        show(1, "Chemistry Teacher", "A chemistry teacher starts cooking meth for a cartel."),
        show(2, "Lake Money", "An adviser must launder money and hide from the narcotics bosses."),
        show(
            3, "Garden Club", "Neighbours compete over roses and tulips at the summer garden fair."
        ),
        show(4, "Bakery Days", "A baker opens a cake shop and falls for the florist next door."),
    ]
    # The rest of the catalog says which words go together: drug stories name a meth cartel,
    # laundering and narcotics bosses in one breath; garden stories name roses and tulips.
    for i in range(20):
        titles.append(
            show(
                10 + i,
                f"Crime {i}",
                "The cartel cooks meth, launders money, pays narcotics bosses.",
            )
        )
        titles.append(
            show(40 + i, f"Bloom {i}", "Roses, tulips and a garden fair; a baker and a florist.")
        )
    return titles


def test_titles_sharing_no_synopsis_word_are_close_when_their_words_go_together() -> None:
    titles = catalog()
    space = SemanticSpace.build(titles, semantic_words, dimensions=2)
    scores = space.scores(0)
    row = {t.id: i for i, t in enumerate(titles)}
    assert scores[row[2]] > 0.8  # no word in common with title 1, but the same story
    assert scores[row[2]] > scores[row[3]] + 0.3
    assert scores[row[2]] > scores[row[4]] + 0.3


def test_similar_titles_rank_by_meaning_when_the_semantic_part_counts() -> None:
    titles = catalog()[:4]
    titles += [
        show(10 + i, f"Crime {i}", "The cartel cooks meth, launders money, pays narcotics bosses.")
        for i in range(20)
    ]
    titles += [
        show(40 + i, f"Bloom {i}", "Roses, tulips and a garden fair; a baker and a florist.")
        for i in range(20)
    ]
    rec = Recommender.build(titles, weights=load_weights().with_values(similar_semantic=1.0))
    plain = Recommender.build(
        titles, weights=load_weights().with_values(similar_semantic=0.0), content=rec.content
    )
    originals = {2, 3, 4}

    def scores(model: Recommender) -> dict[int, float]:
        return {s.title_id: s.score for s in model.similar(1, k=45) if s.title_id in originals}

    with_meaning, words_only = scores(rec), scores(plain)
    assert max(with_meaning, key=with_meaning.__getitem__) == 2
    assert with_meaning[2] > max(with_meaning[3], with_meaning[4]) + 0.5
    # Shared words alone do not find it: it scores no better than the garden stories.
    assert words_only[2] <= max(words_only[3], words_only[4]) + 1e-6


def test_the_space_is_the_same_on_every_build() -> None:
    titles = catalog()
    a = SemanticSpace.build(titles, semantic_words, dimensions=2).vectors
    b = SemanticSpace.build(list(titles), semantic_words, dimensions=2).vectors
    assert (abs(a - b) < 1e-5).all()
