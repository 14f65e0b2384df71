"""The notability score (bot.core.notability) and the confidence a write needs
(TitleIndex.confident); the last test reads TMDB numbers from the database."""

from __future__ import annotations

from sqlalchemy import update

from bot.app import App
from bot.core.notability import Notability
from bot.core.title_index import TitleIndex
from db import models as m
from recommender.models import TitleFacts
from tests.support import say, title_id

RATERS = {f"ml{i}" for i in range(600)}


def notability(
    ratings: list[tuple[str, int]] = [],  # noqa: B006 - read only
    listings: dict[int, list[str]] | None = None,
    tmdb: dict[int, tuple[float | None, float | None]] | None = None,
) -> Notability:
    return Notability.build(ratings, RATERS, listings or {}, tmdb or {})


def test_one_streaming_listing_outweighs_two_ratings_in_a_big_data_set() -> None:
    n = notability([("ml1", 1), ("ml2", 1)], {2: ["Hulu"]})
    assert n.clear_favourite([1, 2]) == 2


def test_equal_evidence_is_not_a_clear_favourite() -> None:
    n = notability(listings={1: ["netflix"], 2: ["Hulu"]})
    assert n.clear_favourite([1, 2]) is None
    assert n.clear_favourite([1]) == 1  # one title needs no lead


def test_a_source_and_its_service_are_one_listing_and_id_namespaces_none() -> None:
    n = notability(listings={1: ["primevideo", "Prime Video", "imdb", "tmdb", "movielens"]})
    assert n.signals[1].listings == frozenset({"primevideo"})
    assert n.score(1) == 1.0


def test_members_ratings_count_more_than_data_set_ratings() -> None:
    n = notability([("7", 1), ("ml1", 2), ("ml2", 2), ("ml3", 2)])
    assert n.score(1) > n.score(2) > 0


def test_tmdb_numbers_count_when_the_catalog_has_them() -> None:
    tmdb: dict[int, tuple[float | None, float | None]] = {
        1: (1800.0, 43.0),
        2: (500.0, 27.0),
        3: (100.0, 5.0),
    }
    n = notability(tmdb=tmdb)
    assert n.score(1) > n.score(2) > n.score(3) > 0
    assert n.median_votes == 500.0


def test_refitting_ratings_keeps_listings_and_recounts() -> None:
    n = notability([("ml1", 1)], {1: ["Hulu"]}).with_ratings([("5", 1), ("6", 1)], RATERS)
    assert n.signals[1].member_ratings == 2 and n.signals[1].dataset_ratings == 0
    assert "hulu" in n.signals[1].listings


def index(*titles: TitleFacts) -> TitleIndex:
    return TitleIndex(titles)


def test_confident_accepts_typos_aliases_and_left_out_filler_words() -> None:
    idx = index(
        TitleFacts(1, "Parasite", 2019, "film"),
        TitleFacts(2, "Miracle in Cell No. 7", 2019, "film"),
        TitleFacts(3, "The Host", 2006, "film", aliases=("Gwoemul",)),
        TitleFacts(4, "Prison Playbook", 2017, "series"),
    )
    assert idx.confident("Parasit", 1)
    assert idx.confident("miracle cell 7", 2)
    assert idx.confident("Gwoemul", 3) and idx.confident("host", 3)
    assert idx.confident("Prison Playbok", 4) and idx.confident("playbook prison", 4)
    assert not idx.confident("Parasite (1982)", 1)  # the year says another title


def test_confident_refuses_other_names_that_merely_look_close() -> None:
    idx = index(
        TitleFacts(1, "ER", 1994, "series"),
        TitleFacts(2, "Runner Runner", 2013, "film"),
        TitleFacts(3, "Okja", 2017, "film"),
        TitleFacts(4, "The 10th Kingdom", 2000, "series"),
    )
    assert not idx.confident("Oppenheimer", 1)
    assert not idx.confident("Lovely Runner", 2)
    assert not idx.confident("Runner", 2)
    assert not idx.confident("Okla", 3)  # short names must be spelled right
    assert not idx.confident("Kingdom", 4)


async def test_tmdb_columns_on_titles_decide_between_comparably_listed_titles(app: App) -> None:
    # Three starter films called Mother are comparably known (reelbot asks); TMDB numbers, as
    # the tmdb import stores them on titles, make the 2018 one clearly the best known.
    newer, older = await title_id(app, "Mother", 2018), await title_id(app, "Mother", 2009)
    assert (await say(app, "/title Mother")).kind == "error"
    async with app.db.unit_of_work(write=True) as repos:
        for tid, votes, popularity in ((newer, 5000, 100.0), (older, 50, 1.0)):
            await repos.session.execute(
                update(m.Title)
                .where(m.Title.id == tid)
                .values(vote_count=votes, popularity=popularity)
            )
        await repos.catalog.bump_revision()
    app.core.catalog.invalidate()
    reply = await say(app, "/title Mother")
    assert reply.card is not None and reply.card.title_id == newer
    assert "Mother (2009, South Korea)" in " ".join(reply.notes)
