"""/myratings on SQLite and PostgreSQL: pages of ten, sorted by diary date, rating or title;
Remove from a line and Undo it; the member's own spoilers hidden until they ask (never in a
group), other members' spoilers hidden everywhere; only the asker's own ratings, in groups
too."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.app import App
from bot.console_adapter.chat import console_context
from bot.core.errors import UsageError
from bot.core.replies import Reply
from bot.features.reviews.myratings import PAGE_SIZE, RatingsView, parse_view
from tests.support import rating_rows, say, title_id


async def rate_many(app: App, count: int, user: str = "ana") -> list[int]:
    """`count` titles rated 1★ … with diary dates a day apart (the first watched first)."""
    snap = await app.core.catalog.get()
    ids = sorted(snap.titles)[:count]
    for n, tid in enumerate(ids):
        day = f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}"
        reply = await say(app, f"/review #{tid} {1 + n % 5} --on {day}", user=user)
        assert not reply.is_error, reply.text
    return ids


def commands(reply: Reply, label: str) -> list[str]:
    return [a.command for a in reply.actions if a.label == label]


def test_arguments_read_as_one_view() -> None:
    assert parse_view("") == RatingsView()
    assert parse_view("2 --sort rating") == RatingsView(2, "rating")
    assert parse_view("--page 3 --spoilers --sort TITLE") == RatingsView(3, "title", True)
    assert RatingsView(3, "title", True).command() == "/myratings 3 --sort title --spoilers"
    line = RatingsView(2, "rating").command()
    assert parse_view(line.removeprefix("/myratings")) == RatingsView(2, "rating")
    for bad, says in (("0", "not a page"), ("--sort age", "not an order"), ("fast", "don't")):
        with pytest.raises(UsageError, match=says):
            parse_view(bad)


async def test_pages_of_ten_newest_diary_date_first(app: App) -> None:
    ids = await rate_many(app, PAGE_SIZE + 3)
    first = await say(app, "/myratings")
    assert len(first.items) == PAGE_SIZE and first.numbered_from == 1
    assert [i.title_id for i in first.items] == ids[::-1][:PAGE_SIZE]
    assert "Page 1 of 2 · 13 in all" in first.notes
    assert commands(first, "◀ Previous") == []
    (next_page,) = [a for a in first.actions if a.label == "Next ▶"]
    assert next_page.in_place and next_page.owner_only and next_page.command == "/myratings 2"
    second = await say(app, next_page.command)
    assert [i.title_id for i in second.items] == ids[::-1][PAGE_SIZE:]
    assert second.numbered_from == PAGE_SIZE + 1
    assert commands(second, "◀ Previous") == ["/myratings"] and commands(second, "Next ▶") == []
    # The console's ways of asking for it, and a page past the end shows the last one.
    assert (await say(app, "/myratings --page 2")).items == second.items
    assert (await say(app, "/myratings 9")).items == second.items


async def test_sorted_by_rating_or_title_and_the_pages_keep_the_order(app: App) -> None:
    await rate_many(app, PAGE_SIZE + 5)
    by_rating = await say(app, "/myratings --sort rating")
    assert "highest first" in by_rating.text
    stars = [i.text.split(" — ")[1].split()[1] for i in by_rating.items]
    assert stars == sorted(stars, reverse=True) and stars[0] == "5★"
    assert commands(by_rating, "Next ▶") == ["/myratings 2 --sort rating"]
    by_title = await say(app, "/myratings --sort title")
    second = await say(app, "/myratings 2 --sort title")
    names = [i.text.split(" — ")[0].casefold() for i in (*by_title.items, *second.items)]
    assert names == sorted(names) and len(names) == PAGE_SIZE + 5


async def test_each_line_shows_stars_date_and_a_short_review(app: App) -> None:
    await say(app, "/review Okja 4.5 " + "a long review " * 30 + "--on 2026-11-30")
    (line,) = (await say(app, "/myratings")).items
    assert line.text == "Okja (2017) — ★★★★½ 4.5★ · 30 Nov 2026"
    assert line.detail.startswith("a long review") and len(line.detail) <= 120


async def test_remove_from_a_line_then_undo_puts_it_back_as_it_was(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    await say(app, "/review Okja 4 the pig! --spoiler --on 2026-11-30")
    await say(app, "/review Prison Playbook 5")
    before = await rating_rows(app)
    mine = await say(app, "/myratings")
    remove = mine.actions[[i.title_id for i in mine.items].index(okja)]
    assert remove.label.startswith("✕") and remove.owner_only
    removed = await say(app, remove.command)  # no "are you sure?": one press removes
    assert removed.text == "Removed your rating and review of Okja (2017) (4★)."
    assert okja not in [i.title_id for i in (await say(app, "/myratings")).items]
    (undo,) = [a for a in removed.actions if a.label == "Undo"]
    assert undo.owner_only
    # Someone else's Undo brings back nothing of theirs, and takes nothing of ana's.
    other = await say(app, undo.command, user="bo")
    assert "no removed rating" in other.text
    restored = await say(app, undo.command)
    assert restored.text == "Restored your rating and review of Okja (2017) (4★)."
    assert sorted(await rating_rows(app)) == sorted(before)
    back = await say(app, "/myratings --spoilers")
    okja_line = next(i for i in back.items if i.title_id == okja)
    assert okja_line.text.endswith("· 30 Nov 2026") and okja_line.detail == "the pig!"
    again = await say(app, undo.command)  # one Undo restores once
    assert "no removed rating" in again.text


async def test_undo_never_overwrites_a_newer_rating(app: App) -> None:
    await say(app, "/review Okja 4 first take")
    removed = await say(app, "/review Okja remove")
    await say(app, "/review Okja 2 second take")
    (undo,) = [a for a in removed.actions if a.label == "Undo"]
    reply = await say(app, undo.command)
    assert "rated Okja (2017) again since" in reply.text
    okja = await title_id(app, "Okja", 2017)
    assert await rating_rows(app) == [("ana", okja, 4, "second take", False)]


async def test_own_spoilers_are_hidden_until_the_author_asks(app: App) -> None:
    await say(app, "/review Okja 4 the pig lives --spoiler", user="ana")
    await say(app, "/review Okja 2 ending twist --spoiler", user="bo")
    mine = await say(app, "/myratings", user="ana")
    assert mine.items[0].spoiler
    (show,) = [a for a in mine.actions if a.label == "Show my spoilers"]
    assert show.in_place and show.command == "/myratings --spoilers"
    shown = await say(app, show.command, user="ana")
    assert not shown.items[0].spoiler and shown.items[0].detail == "the pig lives"
    assert commands(shown, "Hide my spoilers") == ["/myratings"]
    # Other members' spoilers stay hidden, the author's own on /reviews too.
    reviews = await say(app, "/reviews Okja", user="ana")
    assert [i.spoiler for i in reviews.items] == [True, True]
    # bo asking with --spoilers sees bo's own: nothing of ana's.
    bo = await say(app, "/myratings --spoilers", user="bo")
    assert [i.detail for i in bo.items] == ["ending twist"]


async def test_in_a_group_only_the_askers_ratings_and_spoilers_stay_hidden(app: App) -> None:
    await say(app, "/review Okja 4 the pig lives --spoiler", user="ana")
    await say(app, "/review Parasite 5", user="bo")
    group = replace(console_context("ana"), chat_id="club", is_group=True)
    reply = await app.dispatcher.handle(group, "/myratings --spoilers")
    assert [i.text.split(" — ")[0] for i in reply.items] == ["Okja (2017)"]
    assert reply.items[0].spoiler
    assert not [a for a in reply.actions if "spoilers" in a.label]
    assert any("stay hidden in a group" in n for n in reply.notes)
