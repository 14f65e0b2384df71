"""Personal picks treat imported titles like starter ones: on a small catalog where the
starter-like titles differ from the import-like ones only by their hand-written "compares with"
links, the links decide nothing. Also the bot's own call (`CatalogSnapshot.personal_picks`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.catalog import CatalogSnapshot
from recommender import RatingTriple, Recommender, TitleFacts

ROMANCE = ("chaebol", "north korea", "fate", "military")
OFFICE = ("office life", "workplace")


def drama(tid: int, name: str, themes: tuple[str, ...], links: tuple[int, ...] = ()) -> TitleFacts:
    return TitleFacts(
        tid,
        name,
        2019,
        "series",
        countries=("KR",),
        languages=("ko",),
        genres=("Romance", "Comedy") if themes == ROMANCE else ("Drama",),
        themes=themes,
        compares_with=links,
    )


def catalog() -> list[TitleFacts]:
    return [
        # starter-like: the liked title links to a weaker match and to its twin
        drama(1, "Liked", ROMANCE, links=(2, 3)),
        drama(2, "Starter office", OFFICE, links=(1,)),
        drama(3, "Starter twin", ROMANCE[:3]),
        # import-like: the same kinds of facts, no links
        drama(4, "Imported twin", ROMANCE[:3]),
        drama(5, "Imported romance", ROMANCE[1:]),
        drama(6, "Imported melodrama", ROMANCE[:2] + ROMANCE[3:]),
        drama(7, "Imported office", OFFICE),
        TitleFacts(8, "Space film", 2019, "film", genres=("Sci-Fi",), themes=("space",)),
        TitleFacts(9, "Space film 2", 2020, "film", genres=("Sci-Fi",), themes=("space",)),
    ]


def test_same_facts_same_score_with_or_without_links() -> None:
    rec = Recommender.build(catalog())
    picks = {s.title_id: s.score for s in rec.personal({1: 5.0}, k=8)}
    assert picks[3] == picks[4]  # twins: one has a starter link, one doesn't
    assert picks[2] == picks[7]


def test_better_matching_imported_titles_rank_above_a_linked_weak_match() -> None:
    rec = Recommender.build(catalog())
    order = [s.title_id for s in rec.personal({1: 5.0}, k=8)]
    assert order.index(5) < order.index(2)
    assert order.index(6) < order.index(2)


def test_the_bots_call_ranks_imported_titles_the_same_way() -> None:
    others = [RatingTriple(f"m{i}", t, 4.0, 1.7e9) for i in range(3) for t in (8, 9)]
    snapshot = CatalogSnapshot.build(1, catalog(), {}, others)
    order = [s.title_id for s in snapshot.personal_picks({1: 5.0}, 8)]
    assert 1 not in order
    assert order.index(4) < order.index(2) and order.index(5) < order.index(2)


def test_the_bots_call_leaves_out_titles_not_released_at_the_moment_asked() -> None:
    titles = [*catalog(), replace(drama(10, "Announced", ROMANCE), year=2031)]
    others = [RatingTriple(f"m{i}", t, 4.0, 1.7e9 + i) for i in range(3) for t in (10, 5)]
    snapshot = CatalogSnapshot.build(1, titles, {}, others)
    in_2025 = datetime(2025, 6, 1, tzinfo=UTC).timestamp()
    rated_at = [in_2025 - 86400]
    later = [s.title_id for s in snapshot.personal_picks({1: 5.0}, 8, rated_at=rated_at)]
    now = [s.title_id for s in snapshot.personal_picks({1: 5.0}, 8, None, rated_at, in_2025)]
    assert 10 in later and 10 not in now
    assert now[:7] == [t for t in later if t != 10][:7]  # the rest keeps its order
