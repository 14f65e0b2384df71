"""The database protects its own rules, on SQLite and PostgreSQL alike: constraints that reject
bad rows whatever code path writes them, units of work that write all or nothing, and
concurrent commands that all land."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.app import App
from db import models as m
from db.models import MAX_REVIEW_CHARS
from db.repositories import Repositories
from db.session import Database
from tests.conftest import sqlite_only
from tests.support import count_rows, field, rating_rows, say, title_id


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(db_url)
    yield database
    await database.dispose()


async def _count(db: Database, model: Any) -> int:
    async with db.unit_of_work() as repos:
        return int(await repos.session.scalar(select(func.count()).select_from(model)) or 0)


async def _user_and_title(db: Database) -> tuple[int, int]:
    async with db.unit_of_work(write=True) as repos:
        user = await repos.users.ensure("console", "tester", "Tester")
        title = await repos.session.scalar(select(m.Title.id).order_by(m.Title.id).limit(1))
    assert title is not None
    return user, title


async def _other_user(db: Database) -> int:
    async with db.unit_of_work(write=True) as repos:
        return await repos.users.ensure("console", "other", "Other")


def _rating(user: int, title: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "user_id": user,
        "title_id": title,
        "half_stars": 8,
        "review": None,
        "spoiler": False,
        "created_at": m.utcnow(),
        "updated_at": m.utcnow(),
    }
    row.update(values)
    return row


async def _insert_rating(db: Database, **values: Any) -> None:
    async with db.unit_of_work(write=True) as repos:
        await repos.session.execute(insert(m.Rating).values(**values))


# -- constraints -------------------------------------------------------------------------------


async def test_second_rating_row_for_the_same_user_and_title_is_rejected(db: Database) -> None:
    user, title = await _user_and_title(db)
    await _insert_rating(db, **_rating(user, title))
    with pytest.raises(IntegrityError):
        await _insert_rating(db, **_rating(user, title, half_stars=2))
    # Also when both rows arrive in one transaction.
    other = await _other_user(db)
    with pytest.raises(IntegrityError):
        async with db.unit_of_work(write=True) as repos:
            await repos.session.execute(insert(m.Rating).values(**_rating(other, title)))
            await repos.session.execute(insert(m.Rating).values(**_rating(other, title)))
    async with db.unit_of_work() as repos:
        rows = (await repos.session.execute(select(m.Rating.user_id, m.Rating.half_stars))).all()
    assert [tuple(r) for r in rows] == [(user, 8)]


@pytest.mark.parametrize("half_stars", [0, 11, -1, 100])
async def test_half_stars_outside_1_to_10_are_rejected(db: Database, half_stars: int) -> None:
    user, title = await _user_and_title(db)
    with pytest.raises(IntegrityError):
        await _insert_rating(db, **_rating(user, title, half_stars=half_stars))
    # The repository cannot get round it either.
    with pytest.raises(IntegrityError):
        async with db.unit_of_work(write=True) as repos:
            await repos.ratings.upsert(user, title, half_stars, None, False)
    assert await _count(db, m.Rating) == 0


async def test_half_stars_at_the_ends_of_the_scale_are_accepted(db: Database) -> None:
    user, title = await _user_and_title(db)
    async with db.unit_of_work(write=True) as repos:
        await repos.ratings.upsert(user, title, 1, None, False)
        lowest = await repos.ratings.get(user, title)
        assert lowest is not None and lowest.half_stars == 1
        await repos.ratings.upsert(user, title, 10, None, False)
    async with db.unit_of_work() as repos:
        stored = await repos.ratings.get(user, title)
    assert stored is not None and stored.half_stars == 10


async def test_rate_reports_the_previous_rating_and_the_summary_it_leaves(db: Database) -> None:
    user, title = await _user_and_title(db)
    other = await _other_user(db)
    steps = [
        # (who, half stars, text) -> (previous half stars, previous had text)
        ((other, 6, "fine"), (None, False)),
        ((user, 8, None), (None, False)),
        ((user, 9, "better on rewatch"), (8, False)),
        ((user, 4, None), (9, True)),  # text kept by the upsert, and reported as there before
        ((user, 6, None), (4, True)),  # now the same as the other member's: one bucket of 2
    ]
    for (who, half, text), (previous, had_text) in steps:
        async with db.unit_of_work(write=True) as repos:
            change = await repos.ratings.rate(who, title, half, text, False)
        async with db.unit_of_work() as repos:
            fresh = await repos.ratings.summary(title)
        assert (change.previous_half_stars, change.previous_had_text) == (previous, had_text)
        assert change.summary == fresh
    assert fresh.distribution == {6: 2}
    # Ratings imported from data sets (MovieLens users) are not members' ratings.
    async with db.unit_of_work(write=True) as repos:
        imported = await repos.users.ensure("movielens", "1", "movielens 1")
        await repos.ratings.upsert(imported, title, 10, None, False)
    async with db.unit_of_work(write=True) as repos:
        change = await repos.ratings.rate(user, title, 7, None, False)
    async with db.unit_of_work() as repos:
        assert change.summary == await repos.ratings.summary(title)
    assert change.summary.distribution == {6: 1, 7: 1}


async def test_review_longer_than_2000_characters_is_rejected(db: Database) -> None:
    user, title = await _user_and_title(db)
    assert MAX_REVIEW_CHARS == 2000
    with pytest.raises(IntegrityError):
        await _insert_rating(db, **_rating(user, title, review="x" * 2001))
    with pytest.raises(IntegrityError):
        async with db.unit_of_work(write=True) as repos:
            await repos.ratings.upsert(user, title, 8, "é" * 2001, False)
    assert await _count(db, m.Rating) == 0
    # 2000 characters is fine, however many bytes they take.
    await _insert_rating(db, **_rating(user, title, review="한" * 2000))
    assert await _count(db, m.Rating) == 1


async def test_rating_for_a_missing_user_or_title_is_rejected(db: Database) -> None:
    user, title = await _user_and_title(db)
    with pytest.raises(IntegrityError):
        await _insert_rating(db, **_rating(user, 987_654))
    with pytest.raises(IntegrityError):
        await _insert_rating(db, **_rating(987_654, title))
    assert await _count(db, m.Rating) == 0


async def test_removing_a_title_removes_its_ratings(db: Database) -> None:
    user, title = await _user_and_title(db)
    await _insert_rating(db, **_rating(user, title))
    async with db.unit_of_work(write=True) as repos:
        await repos.catalog.remove_title(title)
    assert await _count(db, m.Rating) == 0


async def test_one_user_per_platform_account(db: Database) -> None:
    async with db.unit_of_work(write=True) as repos:
        first = await repos.users.ensure("telegram", "42", "Ana")
        again = await repos.users.ensure("telegram", "42", "Ana B.")
        other_platform = await repos.users.ensure("discord", "42", "Ana")
    assert first == again != other_platform
    with pytest.raises(IntegrityError):
        async with db.unit_of_work(write=True) as repos:
            repos.session.add(m.User(platform="telegram", platform_user_id="42", display_name="x"))
            await repos.session.flush()
    async with db.unit_of_work() as repos:
        names = (await repos.session.scalars(select(m.User.display_name).order_by(m.User.id))).all()
    assert list(names) == ["Ana B.", "Ana"]


# -- units of work -----------------------------------------------------------------------------


async def test_an_error_inside_a_unit_of_work_leaves_nothing_written(db: Database) -> None:
    _user, title = await _user_and_title(db)
    users_before = await _count(db, m.User)
    with pytest.raises(RuntimeError):
        async with db.unit_of_work(write=True) as repos:
            new_user = await repos.users.ensure("console", "doomed", "Doomed")
            await repos.ratings.upsert(new_user, title, 9, "written, then undone", False)
            await repos.catalog.bump_revision()
            raise RuntimeError("something failed half way")
    assert await _count(db, m.User) == users_before
    assert await _count(db, m.Rating) == 0
    async with db.unit_of_work() as repos:
        assert await repos.users.find("console", "doomed") is None


async def test_a_constraint_failure_undoes_the_earlier_writes_of_the_same_unit(
    db: Database,
) -> None:
    user, title = await _user_and_title(db)
    async with db.unit_of_work() as repos:
        revision = await repos.catalog.revision()
    with pytest.raises(IntegrityError):
        async with db.unit_of_work(write=True) as repos:
            await repos.ratings.upsert(user, title, 8, "fine", False)
            await repos.catalog.bump_revision()
            await repos.ratings.upsert(user, title + 1, 11, None, False)
    assert await _count(db, m.Rating) == 0
    async with db.unit_of_work() as repos:
        assert await repos.catalog.revision() == revision


async def test_a_finished_unit_of_work_is_committed_for_other_connections(
    db: Database, db_url: str
) -> None:
    user, title = await _user_and_title(db)
    async with db.unit_of_work(write=True) as repos:
        await repos.ratings.upsert(user, title, 7, "seen elsewhere", False)
    elsewhere = Database.from_url(db_url)
    try:
        async with elsewhere.unit_of_work() as repos:
            stored = await repos.ratings.get(user, title)
    finally:
        await elsewhere.dispose()
    assert stored is not None
    assert (stored.half_stars, stored.review) == (7, "seen elsewhere")


# -- concurrency, through the commands ---------------------------------------------------------


async def test_twenty_members_reviewing_at_once_all_land(app: App) -> None:
    replies = await asyncio.gather(
        *(say(app, f"/review Okja {1 + n % 5} take {n}", user=f"member{n}") for n in range(20))
    )
    assert [r.kind for r in replies] == ["info"] * 20, [r.text for r in replies if r.is_error]
    assert await count_rows(app, m.Rating) == 20
    assert await count_rows(app, m.User) == 20
    assert "20 ratings" in field(await say(app, "/reviews Okja"), "Average")


async def test_one_member_rerating_concurrently_keeps_one_row(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    replies = await asyncio.gather(
        *(say(app, f"/review Okja {1 + n % 5} take {n}", user="eager") for n in range(10))
    )
    assert not [r.text for r in replies if r.is_error]
    rows = await rating_rows(app)
    assert len(rows) == 1
    [(user, title, half, review, _spoiler)] = rows
    assert (user, title) == ("eager", okja)
    # Whichever write came last, its rating and its text belong together.
    assert review is not None
    n = int(review.removeprefix("take "))
    assert half == 2 * (1 + n % 5)
    assert await count_rows(app, m.User) == 1


async def test_one_new_member_rating_many_titles_at_once_is_one_member(app: App) -> None:
    titles = ["Okja", "Parasite", "Prison Playbook", "I Am Sam", "Burning", "Train to Busan"]
    replies = await asyncio.gather(*(say(app, f"/review {t} 4", user="newbie") for t in titles))
    assert not [r.text for r in replies if r.is_error]
    assert await count_rows(app, m.User) == 1
    assert await count_rows(app, m.Rating) == len(titles)
    mine = await say(app, "/myratings", user="newbie")
    assert len(mine.items) == len(titles)


async def test_reads_run_beside_writes(app: App) -> None:
    writes = [say(app, f"/review Parasite 4 w{n}", user=f"w{n}") for n in range(8)]
    reads = [say(app, line, user="reader") for line in ["/reviews Parasite", "/title Parasite"] * 4]
    replies = await asyncio.gather(*writes, *reads)
    assert not [r.text for r in replies if r.is_error]
    assert await count_rows(app, m.Rating) == 8


# -- Database.write: group commit on SQLite, one bad write never takes others with it ------------


async def test_concurrent_writes_all_land_and_each_caller_gets_its_own_result(
    db: Database,
) -> None:
    title = (await _user_and_title(db))[1]

    async def rate(n: int) -> tuple[int, int]:
        async def work(repos: Repositories) -> tuple[int, int]:
            user = await repos.users.ensure("console", f"w{n}", f"W{n}")
            change = await repos.ratings.rate(user, title, 1 + n % 10, None, False)
            return n, change.summary.count

        return await db.write(work)

    results = await asyncio.gather(*(rate(n) for n in range(40)))
    assert [n for n, _count in results] == list(range(40))
    if db.is_sqlite:  # one writer: each write saw every one committed before it
        assert sorted(count for _n, count in results) == list(range(1, 41))
    assert await _count(db, m.Rating) == 40


async def test_a_failing_write_fails_alone(db: Database) -> None:
    title = (await _user_and_title(db))[1]

    async def rate(n: int, half_stars: int) -> int:
        async def work(repos: Repositories) -> int:
            user = await repos.users.ensure("console", f"f{n}", f"F{n}")
            await repos.ratings.upsert(user, title, half_stars, None, False)
            return n

        return await db.write(work)

    # Queued together behind one writer; the 11-half-star one breaks the schema's check.
    outcomes = await asyncio.gather(
        *(rate(n, 11 if n == 5 else 8) for n in range(10)), return_exceptions=True
    )
    assert isinstance(outcomes[5], IntegrityError)
    assert [o for i, o in enumerate(outcomes) if i != 5] == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    assert await _count(db, m.Rating) == 9
    assert await _count(db, m.User) == 1 + 9  # the failed write's user was rolled back too


@sqlite_only
async def test_a_cancelled_write_that_never_started_writes_nothing(db: Database) -> None:
    title = (await _user_and_title(db))[1]
    started: list[int] = []

    async def work(repos: Repositories) -> None:
        started.append(1)
        user = await repos.users.ensure("console", "late", "Late")
        await repos.ratings.upsert(user, title, 8, None, False)

    assert db._write_lock is not None
    async with db._write_lock:  # another writer holds SQLite's single writer
        task = asyncio.create_task(db.write(work))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert started == []
    assert await _count(db, m.Rating) == 0
