"""Watchlists on both databases: /watchlist add|remove|list and its pages, writes that refuse a
guess, the chat's shared list with counts, /where --notify, Letterboxd's watchlist.csv, watch
parties proposed from the lists, and personal picks that leave the watchlist out (or rank it)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.app import App
from bot.console_adapter.chat import console_context
from bot.core.context import Attachment, CommandContext
from bot.features.library.watchlist import PAGE_SIZE, PARTY_LABEL
from db import models as m
from db import watchlist_repository
from db.imports.formats import Input
from db.imports.importer import ImportOptions, Member, import_file
from tests.party_support import member, say_as
from tests.support import all_text, count_rows, say, title_id


async def listed(app: App, user: str, platform: str = "console") -> dict[int, str]:
    """title id -> source of everything on the member's watchlist, read from the table."""
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.WatchlistEntry.title_id, m.WatchlistEntry.source)
            .join(m.User, m.User.id == m.WatchlistEntry.user_id)
            .where(m.User.platform == platform, m.User.platform_user_id == user)
        )
        return {int(t): s for t, s in rows}


def commands(reply: object) -> list[str]:
    return [a.command for a in getattr(reply, "actions", ())]


async def test_add_remove_and_list_with_where_to_watch(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    playbook = await title_id(app, "Prison Playbook", 2017)
    assert not (await say(app, "/settings me region KR")).is_error
    assert not (await say(app, "/settings me services netflix")).is_error

    added = await say(app, "/watchlist add Okja")
    assert not added.is_error and added.text == "Added Okja (2017) to your watchlist."
    assert f"/watchlist remove #{okja}" in commands(added)  # undo
    again = await say(app, "/watchlist add okja")
    assert again.text == "Okja (2017) is already on your watchlist."
    assert ("Remove", f"/watchlist remove #{okja}") in [(a.label, a.command) for a in again.actions]
    assert not (await say(app, "/watchlist add Prison Playbook")).is_error
    assert await listed(app, "ana") == {okja: "chat", playbook: "chat"}

    shown = await say(app, "/watchlist")
    assert [i.title_id for i in shown.items] == [playbook, okja]  # latest first
    # Where to watch in the member's region, their services ticked, as list lines show it.
    assert shown.items[1].extra == "▶ Netflix ✓"
    assert "Where to watch in KR (your setting)." in shown.notes
    assert (await say(app, "/watchlist", user="bo")).text == "Your watchlist is empty."

    removed = await say(app, "/watchlist remove Okja")
    assert removed.text == "Removed Okja (2017) from your watchlist."
    assert f"/watchlist add #{okja}" in commands(removed)
    gone = await say(app, "/watchlist remove Okja")
    assert "isn't on your watchlist" in gone.text
    assert await listed(app, "ana") == {playbook: "chat"}


async def test_long_lists_come_in_pages(app: App) -> None:
    snap = await app.core.catalog.get()
    ids = sorted(snap.titles)[: PAGE_SIZE + 3]
    for tid in ids:
        assert not (await say(app, f"/watchlist add #{tid}")).is_error
    first = await say(app, "/watchlist")
    assert len(first.items) == PAGE_SIZE
    assert f"Page 1 of 2 · {PAGE_SIZE + 3} in all" in first.notes
    assert "/watchlist 2" in commands(first) and "/watchlist 0" not in commands(first)
    second = await say(app, "/watchlist 2")
    assert len(second.items) == 3 and "/watchlist 1" in commands(second)
    assert {i.title_id for i in first.items + second.items} == set(ids)
    assert [a.label for a in second.actions][:3] == ["ℹ 1", "ℹ 2", "ℹ 3"]  # as each page shows
    assert (await say(app, "/watchlist 9")).items == second.items  # past the end: the last


async def test_writes_never_land_on_a_guess(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    refused = await say(app, "/watchlist add Okjaa")
    assert refused.is_error and "not in the catalog" in refused.text
    assert f"/watchlist add #{okja}" in commands(refused)  # the closest titles, as buttons
    chat = await say_as(app, member("ana"), "/watchlist chat add Okjaa")
    assert chat.is_error and f"/watchlist chat add #{okja}" in commands(chat)
    notify = await say(app, "/where Okjaa --notify")
    assert notify.is_error and "not in the catalog" in notify.text
    assert await count_rows(app, m.WatchlistEntry) == 0
    assert await count_rows(app, m.ChatWatchlistEntry) == 0
    # A plain /where still takes its best guess: reading is not writing.
    assert not (await say(app, "/where Okjaa")).is_error


async def test_where_notify_puts_it_on_the_watchlist(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    reply = await say(app, "/where Okja KR --notify")
    assert not reply.is_error
    assert reply.card is not None and "in South Korea (KR)" in reply.card.heading
    assert any("I'll message you when it is on your services" in n for n in reply.notes)
    assert await listed(app, "ana") == {okja: "notify"}
    shown = await say(app, "/watchlist")
    assert "alert when on your services" in shown.items[0].detail


async def test_the_chat_list_counts_who_wants_each_title(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    parasite = await title_id(app, "Parasite", 2019)
    ana, bo, cy = member("ana"), member("bo"), member("cy")
    first = await say_as(app, ana, "/watchlist chat add Parasite")
    assert first.text == "Added Parasite (2019) to this chat's watchlist (1 member wants it)."
    for who, line in ((bo, "/watchlist chat add Okja"), (cy, "/watchlist chat add Okja")):
        assert not (await say_as(app, who, line)).is_error
    again = await say_as(app, cy, "/watchlist chat add okja")
    assert "already want" in again.text and "2 members want it" in again.text

    shared = await say_as(app, ana, "/watchlist chat")
    assert [i.title_id for i in shared.items] == [okja, parasite]  # most wanted first
    assert shared.items[0].text.endswith("— 2 want it") and shared.items[0].detail == (
        "wanted by bo, cy"
    )
    assert shared.items[1].text.endswith("— 1 wants it")
    # Another chat's list is its own; the members' own lists are untouched.
    assert (await say_as(app, member("ana", chat="other"), "/watchlist chat")).text == (
        "This chat's watchlist is empty."
    )
    assert await listed(app, "bo") == {}

    taken = await say_as(app, bo, "/watchlist chat remove Okja")
    assert "1 other member still wants it" in taken.text
    after = await say_as(app, ana, "/watchlist chat")
    assert [(i.title_id, i.detail) for i in after.items] == [
        (parasite, "wanted by ana"),
        (okja, "wanted by cy"),
    ]

    private = await say(app, "/watchlist chat")
    assert private.is_error and "needs a group" in private.text


async def test_watch_party_from_the_list_takes_what_the_chat_can_watch(app: App) -> None:
    host = member("host", admin=True)
    for line in ("/settings region KR", "/settings services Netflix"):
        assert not (await say_as(app, host, line)).is_error
    snap = await app.core.catalog.get()

    def on_netflix_kr(tid: int) -> bool:
        return any(o.provider == "Netflix" and o.region == "KR" for o in snap.offers.get(tid, []))

    okja = await title_id(app, "Okja", 2017)
    playbook = await title_id(app, "Prison Playbook", 2017)
    parasite = await title_id(app, "Parasite", 2019)
    assert on_netflix_kr(okja) and on_netflix_kr(playbook) and not on_netflix_kr(parasite)
    ana = member("ana")
    for tid in (okja, parasite, playbook):
        assert not (await say_as(app, ana, f"/watchlist add #{tid}")).is_error
    shown = await say_as(app, ana, "/watchlist")
    party = next(a for a in shown.actions if a.label == PARTY_LABEL)
    assert party.command == f"/watchparty new #{playbook}; #{okja}"  # list order, on Netflix KR
    opened = await say_as(app, ana, party.command)
    assert not opened.is_error, opened.text
    assert opened.poll is not None
    assert [o.title_id for o in opened.poll.options] == [playbook, okja]


async def test_proposals_come_from_the_chat_list_then_members_lists(app: App) -> None:
    host = member("host", admin=True)
    for line in ("/settings region KR", "/settings services Netflix"):
        assert not (await say_as(app, host, line)).is_error
    snap = await app.core.catalog.get()
    on_netflix = sorted(
        t
        for t in snap.titles
        if any(o.provider == "Netflix" and o.region == "KR" for o in snap.offers.get(t, []))
        and snap.model.story.get(t, t) == t
        and not snap.model.versions_of(t)
    )
    assert len(on_netflix) >= 4
    once, twice, personal = on_netflix[:3]
    parasite = await title_id(app, "Parasite", 2019)  # wanted most, but not on Netflix in KR
    ana, bo, cy = member("ana"), member("bo"), member("cy")
    for who in (ana, bo, cy):
        assert not (await say_as(app, who, f"/watchlist chat add #{parasite}")).is_error
    for who in (ana, bo):
        assert not (await say_as(app, who, f"/watchlist chat add #{twice}")).is_error
    assert not (await say_as(app, cy, f"/watchlist chat add #{once}")).is_error
    assert not (await say_as(app, bo, f"/watchlist add #{personal}")).is_error

    reply = await say_as(app, ana, "/watchparty new tomorrow 21:00")
    assert not reply.is_error, reply.text
    assert reply.poll is not None
    picked = [o.title_id for o in reply.poll.options]
    assert picked[:3] == [twice, once, personal]
    assert parasite not in picked and len(picked) == 4  # then a group pick
    assert "2 want it" in reply.items[0].detail and "▶ Netflix in KR" in reply.items[0].detail
    assert "on 1 member's watchlist" in reply.items[2].detail
    assert "3 from your watchlists" in all_text(reply)


async def test_picks_leave_out_the_watchlist_unless_asked(app: App) -> None:
    for line in ("/review Parasite 5", "/review Okja 4", "/review Squid Game 4.5"):
        assert not (await say(app, line)).is_error
    before = [i.title_id for i in (await say(app, "/recommend 20")).items]
    assert len(before) == 20
    wanted = [before[12], before[0], before[5]]  # added in another order than they rank
    for tid in wanted:
        assert not (await say(app, f"/watchlist add #{tid}")).is_error
    after = await say(app, "/recommend 20")
    assert not set(wanted) & {i.title_id for i in after.items}
    assert any("/recommend --watchlist" in n for n in after.notes)

    ranked = await say(app, "/recommend --watchlist")
    assert not ranked.is_error
    assert [i.title_id for i in ranked.items] == [before[0], before[5], before[12]]
    assert ranked.text.startswith("From ana's watchlist")
    # Another member's picks are not affected by ana's watchlist.
    assert (await say(app, "/recommend --watchlist", user="bo")).text.startswith(
        "Your watchlist is empty"
    )
    with_title = await say(app, "/recommend Parasite --watchlist")
    assert with_title.is_error


async def test_a_cold_start_member_gets_their_watchlist_by_popularity(app: App) -> None:
    popular = [i.title_id for i in (await say(app, "/recommend 10", user="new")).items]
    for tid in (popular[7], popular[2]):
        assert not (await say(app, f"/watchlist add #{tid}", user="new")).is_error
    ranked = await say(app, "/recommend --watchlist", user="new")
    assert [i.title_id for i in ranked.items] == [popular[2], popular[7]]
    picks = [i.title_id for i in (await say(app, "/recommend 10", user="new")).items]
    assert popular[2] not in picks and popular[7] not in picks


LETTERBOXD_WATCHLIST = (
    b"Date,Name,Year,Letterboxd URI\n"
    b"2024-03-01,Okja,2017,https://boxd.it/w1\n"
    b"2024-03-02,The Host,2006,https://boxd.it/w2\n"
    b"2024-03-03,A Film Nobody Has,1999,https://boxd.it/w3\n"
)


async def test_letterboxd_watchlist_from_the_chat_is_idempotent(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    host = await title_id(app, "The Host", 2006)
    ctx = replace(
        console_context("ana"), attachment=Attachment("watchlist.csv", LETTERBOXD_WATCHLIST)
    )
    reply = await app.dispatcher.handle(ctx, "/import letterboxd")
    assert not reply.is_error, reply.text
    assert [i.text for i in reply.items] == ["2 added to your watchlist"]
    assert any("1 watchlist film(s) are not in this catalog" in n for n in reply.notes)
    assert any("A Film Nobody Has (1999)" in n for n in reply.notes)
    assert await listed(app, "ana") == {okja: "letterboxd", host: "letterboxd"}
    shown = await say(app, "/watchlist")
    assert [i.title_id for i in shown.items] == [host, okja]  # Letterboxd's dates kept
    assert shown.items[0].detail == "added 02 Mar 2024 · from Letterboxd"

    again = await app.dispatcher.handle(ctx, "/import letterboxd")
    assert [(i.text, i.detail) for i in again.items] == [
        ("0 added to your watchlist", "2 already on it")
    ]
    assert await count_rows(app, m.WatchlistEntry) == 2


async def test_letterboxd_zip_for_a_member_leaves_rated_films_off(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    host = await title_id(app, "The Host", 2006)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "letterboxd-ann/ratings.csv",
            "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Okja,2017,https://boxd.it/w1,4\n",
        )
        zf.writestr("letterboxd-ann/watchlist.csv", LETTERBOXD_WATCHLIST.decode())
    source = Input.from_bytes("letterboxd.zip", archive.getvalue())
    options = ImportOptions(member=Member("telegram", "123", "Ann"))
    summary = await import_file(app.db, source, options)
    assert (summary.ratings_added, summary.watchlist_added) == (1, 1)
    assert (summary.watchlist_rated, summary.watchlist_unmatched_count) == (1, 1)
    assert "watchlist: 1 added, 0 already on it, 1 already rated" in summary.lines()
    assert await listed(app, "123", platform="telegram") == {host: "letterboxd"}
    assert okja not in await listed(app, "123", platform="telegram")
    again = await import_file(
        app.db, Input.from_bytes("letterboxd.zip", archive.getvalue()), options
    )
    assert (again.watchlist_added, again.watchlist_kept) == (0, 1)


async def test_buttons_add_for_whoever_presses(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    card = await say(app, "/title Okja", user="ana")
    button = next(a for a in card.actions if a.label == "+ Watchlist")
    bo = CommandContext("console", "bo", "bo", "console")
    assert not (await app.dispatcher.handle(bo, button.command)).is_error
    assert await listed(app, "bo") == {okja: "chat"}
    assert await listed(app, "ana") == {}
    where = await say(app, "/where Okja")
    assert f"/watchlist add #{okja}" in commands(where)


async def test_adding_many_counts_only_the_new_ones(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watchlist_repository, "_ROWS_PER_INSERT", 50)  # several statements
    snap = await app.core.catalog.get()
    ids = sorted(snap.titles)
    async with app.db.unit_of_work(write=True) as repos:
        user = await repos.users.ensure("console", "ana", "ana")
        assert await repos.watchlist.add(user, ids[0]) is True
        assert await repos.watchlist.add_many(user, ids, "letterboxd") == len(ids) - 1
    async with app.db.unit_of_work(write=True) as repos:
        assert await repos.watchlist.add_many(user, ids, "letterboxd") == 0
        assert await repos.watchlist.count(user) == len(ids)
        assert (await repos.watchlist.entries(user))[-1].source in ("chat", "letterboxd")
    assert (await listed(app, "ana"))[ids[0]] == "chat"  # the first source is kept


async def test_a_letterboxd_watchlist_owes_no_alerts_for_offers_already_there(app: App) -> None:
    """Okja was on Netflix before the member listed it: importing their watchlist is not news
    about Netflix, so no availability alert is owed (the alerts are for offers that arrive)."""
    for line in ("/settings me region KR", "/settings me services netflix"):
        assert not (await say(app, line)).is_error
    ctx = replace(
        console_context("ana"), attachment=Attachment("watchlist.csv", LETTERBOXD_WATCHLIST)
    )
    reply = await app.dispatcher.handle(ctx, "/import letterboxd")
    assert not reply.is_error, reply.text
    assert await title_id(app, "Okja", 2017) in await listed(app, "ana")
    assert await count_rows(app, m.AvailabilityAlert) == 0


async def test_notify_says_so_when_alerts_are_off(app: App) -> None:
    assert not (await say(app, "/settings me alerts off")).is_error
    reply = await say(app, "/where Okja --notify")
    assert any("alerts are off" in n and "/settings me alerts on" in n for n in reply.notes)
    assert not any("I'll message you" in n for n in reply.notes)


async def test_rating_a_title_takes_it_off_the_watchlist(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    playbook = await title_id(app, "Prison Playbook", 2017)
    await say(app, "/watchlist add Okja")
    await say(app, "/watchlist add Prison Playbook")
    await say(app, "/watchlist add Okja", user="bo")
    rated = await say(app, "/review Okja 4 loved the pig")
    assert not rated.is_error, rated.text
    # Seen it: off ana's list (as Letterboxd does when a film is logged), not off bo's.
    assert await listed(app, "ana") == {playbook: "chat"}
    assert await listed(app, "bo") == {okja: "chat"}
