"""Cold-start picks rank by the snapshot's popularity tally: no query over the ratings table per
`/recommend`, and a new rating moves the order at once (no rebuild in between)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.app import App
from bot.console_adapter.chat import console_context
from bot.core.catalog import CatalogCache
from bot.core.kernel import Core
from bot.core.popularity import RatingTally
from bot.features.reviews.rate import Ratings
from recommender import RatingTriple
from tests.support import say


@contextmanager
def statements(app: App) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.lower())

    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_tally_counts_and_replaces_ratings_in_half_stars() -> None:
    tally = RatingTally([RatingTriple("a", 1, 4.0), RatingTriple("b", 1, 3.5)])
    assert tally[1] == (2, 3.75)
    tally.rated(1, 10, previous_half_stars=7)  # b changes 3.5 -> 5
    assert tally[1] == (2, 4.5)
    tally.rated(2, 1, previous_half_stars=None)
    assert dict(tally) == {1: (2, 4.5), 2: (1, 0.5)}


async def test_popular_picks_read_no_ratings_and_follow_a_new_rating_at_once(app: App) -> None:
    await say(app, "/recommend", user="warm-up")  # the snapshot is built before counting
    with statements(app) as seen:
        before = await say(app, "/recommend", user="newcomer")
    assert before.text.startswith("Popular"), before.text
    assert not [s for s in seen if "ratings" in s], seen

    # A title outside the popular list, rated highly by a few members, leads it straight away.
    outsider = (await say(app, "/recommend 12", user="newcomer")).items[-1].title_id
    assert outsider is not None
    assert outsider not in [i.title_id for i in before.items]
    for member in ("rater-1", "rater-2", "rater-3"):
        assert not (await say(app, f"/review #{outsider} 5", user=member)).is_error
    with statements(app) as seen:
        after = await say(app, "/recommend", user="newcomer")
    assert after.items[0].title_id == outsider
    assert not [s for s in seen if "ratings" in s], seen


async def test_ratings_made_during_a_background_refit_are_counted_once(app: App) -> None:
    """A refit reads the ratings table while members keep rating: the snapshot it swaps in
    counts each rating once, whether its read saw the rating or not."""
    cache = CatalogCache(app.db, check_every=0, ratings_every=0)  # refit on every new rating
    reviews = Ratings(Core(app.db, app.settings, cache))
    title = next(iter((await cache.get()).titles))
    ratings = [("a", "4"), ("b", "2"), ("a", "5"), ("c", "1"), ("b", "3")]
    for member, stars in ratings:
        # Each review's own lookup starts a refit of the one before it, which runs meanwhile.
        await reviews.review(console_context(member), f"#{title}", stars)
    await cache.wait_for_refresh()
    final = {"a": 5.0, "b": 3.0, "c": 1.0}
    assert (await cache.get()).popularity[title] == (3, sum(final.values()) / 3)
