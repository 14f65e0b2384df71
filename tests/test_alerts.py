"""Watchlist alerts: an import or an admin edit that adds an offer owes each matching member one
private, batched message; nobody else gets anything, re-running sends nothing, and two senders
deliver each once. Both databases."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from bot.core.context import CommandContext
from bot.core.scheduler import Scheduler
from db import models as m
from db.imports.importer import ImportOptions, import_file
from recommender.models import TitleFacts
from tests.party_support import FakeClock, RecordingMessenger, party_app
from tests.test_admin import admin_ctx

STREAMING_HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description\n"
)


def person(name: str) -> CommandContext:
    """A member writing to the bot in private (where /settings me is set)."""
    return CommandContext(platform="console", user_id=name, display_name=name, chat_id=f"dm-{name}")


async def titles_without_netflix_in(app: App, region: str, n: int) -> list[TitleFacts]:
    """Starter titles no Netflix offer lists in `region`: what the test import brings there."""
    snap = await app.core.catalog.get()
    found = [
        t
        for t in sorted(snap.titles.values(), key=lambda t: t.id)
        if t.year
        and not any(
            o.provider == "Netflix" and o.region == region for o in snap.offers.get(t.id, [])
        )
    ]
    assert len(found) >= n
    return found[:n]


def netflix_file(tmp_path: Path, titles: list[TitleFacts], name: str = "netflix.csv") -> Path:
    lines = [
        f's{i},{"TV Show" if t.kind == "series" else "Movie"},"{t.name}",,,,'
        f'"September 1, 2021",{t.year},TV-MA,{"1 Season" if t.kind == "series" else "100 min"},'
        'Dramas,"A story."\n'
        for i, t in enumerate(titles, start=9000)
    ]
    path = tmp_path / name
    path.write_text(STREAMING_HEADER + "".join(lines), encoding="utf-8")
    return path


async def watchlist(app: App, who: str, *titles: TitleFacts) -> None:
    async with app.db.unit_of_work(write=True) as repos:
        uid = await repos.users.ensure("console", who, who)
        for t in titles:
            repos.session.add(m.WatchlistEntry(user_id=uid, title_id=t.id, source="chat"))


async def settle(app: App, who: str, *lines: str) -> None:
    for line in lines:
        reply = await app.dispatcher.handle(person(who), line)
        assert not reply.is_error, reply.text


async def alert_states(app: App) -> list[tuple[str, str]]:
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.User.platform_user_id, m.AvailabilityAlert.state)
            .join(m.User, m.User.id == m.AvailabilityAlert.user_id)
            .order_by(m.User.platform_user_id)
        )
        return [(u, s) for u, s in rows]


async def members(app: App) -> tuple[TitleFacts, TitleFacts, TitleFacts]:
    first, second, third = await titles_without_netflix_in(app, "KR", 3)
    # ana: KR + Netflix, two of the three on her list. bo: US. cy: alerts off. dee: Viki only.
    # eve: KR + Netflix but never opened a private chat. fay: KR, no services (any service).
    await settle(app, "ana", "/settings me region KR", "/settings me services netflix")
    await settle(app, "bo", "/settings me region US", "/settings me services netflix")
    await settle(
        app, "cy", "/settings me region KR", "/settings me services netflix",
        "/settings me alerts off",
    )  # fmt: skip
    await settle(app, "dee", "/settings me region KR")
    await settle(app, "eve", "/settings me region KR", "/settings me services netflix")
    await settle(app, "fay", "/settings me region KR")
    async with app.db.unit_of_work(write=True) as repos:
        dee = await repos.users.find("console", "dee")
        assert dee is not None
        await repos.users.set_services(dee, ["Viki"])
    await watchlist(app, "ana", first, second)
    for who in ("bo", "cy", "dee", "eve", "fay"):
        await watchlist(app, who, first)
    await watchlist(app, "gus", third)  # gus set nothing and is in no chat: no region at all
    return first, second, third


async def test_an_import_sends_each_matching_member_one_batched_message(
    db_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        first, second, third = await members(app)
        out = RecordingMessenger(reachable={"ana", "bo", "cy", "dee", "fay", "gus"})
        scheduler = Scheduler(app.parties, [out], clock=clock)
        path = netflix_file(tmp_path, [first, second, third])
        options = ImportOptions(region="KR", as_of=date(2021, 9, 25))

        summary = await import_file(app.db, path, options)
        assert summary.alerts == 4  # ana ×2, eve, fay; nobody else matches
        await scheduler.run_due()

        by_member = {who: reply for who, reply in out.private}
        assert sorted(by_member) == ["ana", "fay"]  # eve cannot be written to privately
        assert len(out.private) == 2  # one message each
        ana = by_member["ana"]
        assert ana.text == "2 titles on your watchlist are now on Netflix in South Korea (KR):"
        assert {i.title_id for i in ana.items} == {first.id, second.id}
        assert any("/settings me alerts off" in n for n in ana.notes)
        assert {i.title_id for i in by_member["fay"].items} == {first.id}
        assert out.sent == []  # nothing in any group
        assert await alert_states(app) == [
            ("ana", "sent"), ("ana", "sent"), ("eve", "skipped"), ("fay", "sent"),
        ]  # fmt: skip

        again = await import_file(app.db, path, options)
        assert again.alerts == 0
        await scheduler.run_due()
        assert len(out.private) == 2


async def test_an_admin_offer_sends_one_alert(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        first, _second, _third = await members(app)
        out = RecordingMessenger(reachable={"ana", "fay"})
        scheduler = Scheduler(app.parties, [out], clock=clock)
        added = await app.dispatcher.handle(
            admin_ctx(), f"/admin where add #{first.id} | Netflix | KR"
        )
        assert not added.is_error, added.text
        await scheduler.run_due()
        assert sorted(who for who, _ in out.private) == ["ana", "fay"]
        [(_, ana)] = [p for p in out.private if p[0] == "ana"]
        assert ana.text == "1 title on your watchlist is now on Netflix in South Korea (KR):"
        # The same offer again (a refreshed date) is not news.
        await app.dispatcher.handle(admin_ctx(), f"/admin where add #{first.id} | Netflix | KR")
        await scheduler.run_due()
        assert len(out.private) == 2


async def test_alerts_off_after_queueing_is_respected(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        first, second, _third = await members(app)
        out = RecordingMessenger(reachable={"ana", "fay"})
        scheduler = Scheduler(app.parties, [out], clock=clock)
        await import_file(
            app.db, netflix_file(tmp_path, [first, second]), ImportOptions(region="KR")
        )
        await settle(app, "ana", "/settings me alerts off")
        shown = await app.dispatcher.handle(person("ana"), "/settings me")
        assert "watchlist alerts off" in shown.text
        await scheduler.run_due()
        assert [who for who, _ in out.private] == ["fay"]


async def test_two_senders_deliver_each_batch_once(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as one, party_app(db_url, tmp_path, clock) as two:
        first, second, third = await members(one)
        # Everyone on KR Netflix, so there are many batches to race for.
        for who in ("bo", "cy", "dee", "gus"):
            await settle(one, who, "/settings me region KR", "/settings me services netflix")
            await settle(one, who, "/settings me alerts on")
        reachable = {"ana", "bo", "cy", "dee", "eve", "fay", "gus"}
        out_one = RecordingMessenger(reachable=reachable)
        out_two = RecordingMessenger(reachable=reachable)
        first_sender = Scheduler(one.parties, [out_one], clock=clock)
        second_sender = Scheduler(two.parties, [out_two], clock=clock)
        await import_file(
            one.db, netflix_file(tmp_path, [first, second, third]), ImportOptions(region="KR")
        )
        await asyncio.gather(first_sender.alerts.run_due(), second_sender.alerts.run_due())
        delivered = sorted(who for who, _ in out_one.private + out_two.private)
        assert delivered == sorted(reachable)
