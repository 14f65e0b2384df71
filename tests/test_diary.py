"""Diary dates on ratings (SQLite and PostgreSQL): /review … --on <day>, today in the member's
time zone by default, kept on re-rating, refused when ahead or impossible; shown on /myratings
and the member's own /reviews line; filled from a Letterboxd diary, idempotently."""

from __future__ import annotations

import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App, open_app
from bot.console_adapter.chat import console_context
from bot.core.context import Attachment
from bot.core.errors import UsageError
from bot.features.reviews.diary import parse_watched_on, split_watched_on
from db import models as m
from tests.conftest import make_settings
from tests.support import say, title_id

# 23:30 UTC on 2 Dec 2026: already 3 Dec in Seoul, still 2 Dec in London.
NOW = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
TODAY = date(2026, 12, 2)


@pytest.fixture
async def diary_app(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    app = await open_app(make_settings(db_url, tmp_path), clock=lambda: NOW)
    yield app
    await app.close()


async def watched_on(app: App, user: str, tid: int) -> date | None:
    async with app.db.unit_of_work() as repos:
        return await repos.session.scalar(
            select(m.Rating.watched_on)
            .join(m.User, m.User.id == m.Rating.user_id)
            .where(m.User.platform_user_id == user, m.Rating.title_id == tid)
        )


# -- reading the day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026-11-30", date(2026, 11, 30)),
        ("yesterday", date(2026, 12, 1)),
        ("today", TODAY),
        ("30 nov", date(2026, 11, 30)),
        ("Nov 30", date(2026, 11, 30)),
        ("30 dec", date(2025, 12, 30)),  # the last 30 December, not the coming one
        ("last friday", date(2026, 11, 27)),
        ("3 days ago", date(2026, 11, 29)),
    ],
)
def test_days_as_people_type_them(typed: str, day: date) -> None:
    assert parse_watched_on(typed, TODAY) == day


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("tomorrow", "3 Dec 2026 is still ahead"),
        ("2027-01-05", "5 Jan 2027 is still ahead"),
        ("31 feb", "Feb has no day 31"),
        ("2026-02-30", "February 2026 has no day 30"),
        ("2026-13-01", "there is no month 13"),
        ("whenever", 'couldn\'t read "whenever" as a day'),
        ("1850-01-01", "before any film was made"),
        ("", "Which day did you watch it?"),
    ],
)
def test_bad_days_are_refused_saying_what_is_wrong(typed: str, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        parse_watched_on(typed, TODAY)


def test_words_after_the_day_are_the_review() -> None:
    day, rest = split_watched_on(["30", "nov", "what", "a", "finale"], TODAY)
    assert (day, rest) == (date(2026, 11, 30), ["what", "a", "finale"])
    with pytest.raises(UsageError, match="Feb has no day 31"):
        split_watched_on(["31", "feb", "loved", "it"], TODAY)


# -- /review --on ----------------------------------------------------------------------------


async def test_on_sets_the_diary_date_and_the_text_around_it_stays_the_review(
    diary_app: App,
) -> None:
    okja = await title_id(diary_app, "Okja", 2017)
    reply = await say(diary_app, "/review Okja 4 great pig --on 2026-11-30")
    assert not reply.is_error, reply.text
    assert "watched 30 Nov 2026" in reply.text
    assert await watched_on(diary_app, "ana", okja) == date(2026, 11, 30)
    await say(diary_app, "/review Prison Playbook 5 --on yesterday so warm --spoiler")
    playbook = await title_id(diary_app, "Prison Playbook", 2017)
    assert await watched_on(diary_app, "ana", playbook) == date(2026, 12, 1)
    mine = await say(diary_app, "/myratings")
    assert mine.items[0].text.endswith("· 1 Dec 2026") and mine.items[0].spoiler
    assert mine.items[1].text.endswith("· 30 Nov 2026") and mine.items[1].detail == "great pig"
    revealed = await say(diary_app, "/myratings --spoilers")
    assert revealed.items[0].detail == "so warm"


async def test_without_on_it_is_today_where_the_member_is(diary_app: App) -> None:
    okja = await title_id(diary_app, "Okja", 2017)
    await say(diary_app, "/review Okja 4", user="ana")  # no zone set: UTC
    assert await watched_on(diary_app, "ana", okja) == TODAY
    await say(diary_app, "/settings me timezone Seoul", user="bo")
    reply = await say(diary_app, "/review Okja 3", user="bo")
    assert "watched 3 Dec 2026" in reply.text  # already tomorrow in Seoul
    assert await watched_on(diary_app, "bo", okja) == date(2026, 12, 3)


async def test_a_re_rating_keeps_the_date_unless_on_is_given(diary_app: App) -> None:
    okja = await title_id(diary_app, "Okja", 2017)
    await say(diary_app, "/review Okja 4 --on 30 nov")
    again = await say(diary_app, "/review Okja 5 even better")
    assert "(was 4★), watched 30 Nov 2026" in again.text
    assert await watched_on(diary_app, "ana", okja) == date(2026, 11, 30)
    moved = await say(diary_app, "/review Okja 5 --on 2026-11-01")
    assert "watched 1 Nov 2026" in moved.text
    assert await watched_on(diary_app, "ana", okja) == date(2026, 11, 1)


async def test_a_rating_from_before_diaries_stays_undated_when_re_rated(
    diary_app: App,
) -> None:
    okja = await title_id(diary_app, "Okja", 2017)
    await say(diary_app, "/review Okja 4")
    async with diary_app.db.unit_of_work(write=True) as repos:
        await repos.session.execute(m.Rating.__table__.update().values(watched_on=None))
    reply = await say(diary_app, "/review Okja 3")
    assert "watched" not in reply.text
    assert await watched_on(diary_app, "ana", okja) is None


async def test_a_bad_date_is_refused_and_nothing_is_saved(diary_app: App) -> None:
    for line, says in (
        ("/review Okja 4 --on tomorrow", "is still ahead"),
        ("/review Okja 4 great --on 31 feb", "Feb has no day 31"),
        ("/review Okja 4 --on soonish", "couldn't read"),
        ("/review Okja 4 --on", "Which day did you watch it?"),
    ):
        reply = await say(diary_app, line)
        assert reply.is_error and says in reply.text, (line, reply.text)
    assert (await say(diary_app, "/myratings")).text == "You haven't rated anything yet."


async def test_choice_buttons_keep_the_date(diary_app: App) -> None:
    reply = await say(diary_app, "/review Mother 4 --on 30 nov")
    assert reply.is_error  # several titles are called Mother
    pressed = await say(diary_app, reply.actions[0].command)
    assert not pressed.is_error and "watched 30 Nov 2026" in pressed.text


async def test_own_line_of_reviews_shows_the_diary_date(diary_app: App) -> None:
    await say(diary_app, "/review Okja 4 loved it --on 2026-11-28", user="ana")
    await say(diary_app, "/review Okja 3 fine --on 2026-11-29", user="bo")
    reviews = await say(diary_app, "/reviews Okja", user="ana")
    lines = [i.text.split(" · id ")[0] for i in reviews.items]  # the console is an admin
    assert "ana (you) — 4★ · watched 28 Nov 2026" in lines
    assert not any("bo" in line and "watched" in line for line in lines)
    assert reviews.card is not None
    assert {f.name: f.value for f in reviews.card.fields}["You"] == "★★★★ 4★ · watched 28 Nov 2026"


# -- Letterboxd ------------------------------------------------------------------------------


LETTERBOXD_RATINGS = (
    "Date,Name,Year,Letterboxd URI,Rating\n"
    "2024-03-05,Okja,2017,https://boxd.it/okja,4\n"
    "2024-03-09,Parasite,2019,https://boxd.it/parasite,5\n"
)
LETTERBOXD_DIARY = (
    "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
    "2024-03-01,Okja,2017,https://boxd.it/d1,3.5,,,2023-07-14\n"
    "2024-03-04,Okja,2017,https://boxd.it/d2,4,Yes,,2024-03-02\n"
)


async def test_letterboxd_diary_fills_watched_dates_and_reimporting_changes_nothing(
    diary_app: App, tmp_path: Path
) -> None:
    archive = tmp_path / "letterboxd-ana.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ratings.csv", LETTERBOXD_RATINGS)
        z.writestr("diary.csv", LETTERBOXD_DIARY)
    ctx = replace(
        console_context("ana", None), attachment=Attachment(archive.name, archive.read_bytes())
    )
    reply = await diary_app.dispatcher.handle(ctx, "/import letterboxd")
    assert not reply.is_error, reply.text
    okja = await title_id(diary_app, "Okja", 2017)
    parasite = await title_id(diary_app, "Parasite", 2019)
    # The latest diary entry's "Watched Date"; without one, the day ratings.csv has.
    assert await watched_on(diary_app, "ana", okja) == date(2024, 3, 2)
    assert await watched_on(diary_app, "ana", parasite) == date(2024, 3, 9)
    mine = await say(diary_app, "/myratings")
    assert [i.text.rsplit(" · ", 1)[1] for i in mine.items] == ["9 Mar 2024", "2 Mar 2024"]

    async def rows() -> list[tuple[int, int, date | None]]:
        async with diary_app.db.unit_of_work() as repos:
            found = await repos.session.execute(
                select(m.Rating.title_id, m.Rating.half_stars, m.Rating.watched_on).order_by(
                    m.Rating.title_id
                )
            )
            return [tuple(r) for r in found]  # type: ignore[misc]

    before = await rows()
    again = await diary_app.dispatcher.handle(ctx, "/import letterboxd")
    assert not again.is_error and await rows() == before


async def test_reimport_fills_dates_of_ratings_imported_without_them(
    diary_app: App, tmp_path: Path
) -> None:
    ctx = console_context("ana", None)
    first = replace(ctx, attachment=Attachment("ratings.csv", LETTERBOXD_RATINGS.encode()))
    await diary_app.dispatcher.handle(first, "/import letterboxd")
    async with diary_app.db.unit_of_work(write=True) as repos:  # as imported before diaries
        await repos.session.execute(m.Rating.__table__.update().values(watched_on=None))
    diary = replace(ctx, attachment=Attachment("diary.csv", LETTERBOXD_DIARY.encode()))
    reply = await diary_app.dispatcher.handle(diary, "/import letterboxd")
    assert not reply.is_error, reply.text
    assert any("1 diary date(s) filled in" in n for n in reply.notes)
    okja = await title_id(diary_app, "Okja", 2017)
    assert await watched_on(diary_app, "ana", okja) == date(2024, 3, 2)
