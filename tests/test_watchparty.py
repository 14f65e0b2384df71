"""Watch parties through the console adapter and the dispatcher: settings, opening a party with
titles or group picks, votes, RSVPs, closing, history, and every kind of bad input."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.console_adapter.chat import console_context, run_chat
from db import models as m
from tests.party_support import (
    START,
    FakeClock,
    count,
    member,
    only_party_id,
    party_app,
    party_rows,
    say_as,
)
from tests.support import all_text, title_id


async def chat(app: App, script: str, user: str) -> str:
    stdout = io.StringIO()
    ctx = console_context(user)
    await run_chat(app.dispatcher, ctx, io.StringIO(script), stdout)
    return stdout.getvalue()


async def test_the_whole_flow_in_the_console_chat(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        out = await chat(
            app,
            "/settings\n"
            "/settings timezone Seoul\n"
            "/settings region kr\n"
            "/settings services netflix, tving\n"
            "/watchparty new sat 8pm; Parasite; Okja; The Host\n"
            "/vote 1\n",
            user="ana",
        )
        assert "Time zone: UTC (not set, default)" in out
        assert "Services: not set (any service)" in out
        assert "Time zone set to Asia/Seoul" in out
        assert "Region: KR (South Korea)" in out
        assert "Services: Netflix, Tving" in out
        # Saturday 28 Nov 20:00 in Seoul, shown with its zone; a numbered poll to vote in.
        assert "Sat 28 Nov 2026 20:00 (Asia/Seoul)" in out
        assert "📊 What should we watch on Sat 28 Nov 20:00?" in out
        assert "/vote 2  Okja (2017)" in out
        assert "You voted for 1. Parasite (2019)." in out

        out = await chat(app, "/vote 2\n/vote 3\n/watchparty join\n", user="bo")
        assert "You voted for 2. Okja (2017)." in out
        assert "You changed your vote to 3. The Host (2006)." in out
        assert "You joined" in out and "Going (1): bo." in out
        out = await chat(app, "/vote 3\n/vote none\n/vote 3\n/watchparty\n", user="cy")
        assert "You withdrew your vote." in out
        assert "Parasite (2019) — 1 vote" in out
        assert "The Host (2006) — 2 votes" in out
        assert "Your vote: 3." in out and "Going: bo." in out

        out = await chat(app, "/watchparty close\n/watchparty\n/watchparty history\n", user="ana")
        assert "🏆 Watch party pick: The Host (2006) (closed by ana)." in out
        assert "2 of 3 votes." in out
        assert "Starts Sat 28 Nov 2026 20:00 (Asia/Seoul)." in out
        assert "on your services in KR" in out or "Not on your services" in out
        assert "The Host (2006) — 2 votes 🏆" in out  # /watchparty shows the decided party
        assert "No past watch parties" in out  # it is still ahead, not history

        party = await only_party_id(app)
        assert await party_rows(app) == [(party, "scheduled", 3)]
        assert await count(app, m.WatchPartyVote) == 3
        assert await count(app, m.WatchPartyRsvp) == 1

        # Voting is over: a late vote changes nothing.
        out = await chat(app, "/vote 1\n", user="dee")
        assert "Voting has closed" in out
        assert await count(app, m.WatchPartyVote) == 3


async def test_group_picks_fit_the_members_and_their_services(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        ana, bo = member("ana"), member("bo")
        admin = member("host", admin=True)
        await say_as(app, admin, "/settings region KR")
        await say_as(app, admin, "/settings services Netflix")
        for who, line in (
            (ana, "/review Parasite 5"),
            (ana, "/review Squid Game 4.5"),
            (bo, "/review Parasite 4.5"),
            (bo, "/review Okja 1"),
        ):
            assert not (await say_as(app, who, line)).is_error
        reply = await say_as(app, ana, "/watchparty new tomorrow 21:00")
        assert not reply.is_error, reply.text
        assert reply.poll is not None and len(reply.poll.options) == 4
        rated = {
            await title_id(app, "Parasite", 2019),
            await title_id(app, "Squid Game", 2021),
            await title_id(app, "Okja", 2017),
        }
        picked = [o.title_id for o in reply.poll.options]
        assert not rated & set(picked)  # nothing a member already rated
        snap = await app.core.catalog.get()
        for item in reply.items:
            assert item.detail, item  # a one-line reason each
            assert len(item.detail) <= 300
        # Titles on the chat's service in its region come first.
        on_netflix = [
            any(o.provider == "Netflix" and o.region == "KR" for o in snap.offers.get(t, []))
            for t in picked
        ]
        assert on_netflix == sorted(on_netflix, reverse=True)
        assert on_netflix[0]
        assert "the group liked" in all_text(reply)


async def test_a_member_who_browsed_first_counts_once_they_rate(
    db_url: str, tmp_path: Path
) -> None:
    """Read-only commands from a stranger record nothing, but the first rating makes them a
    member at once (not a minute later), so their dislikes shape the group's picks."""
    async with party_app(db_url, tmp_path, FakeClock()) as app:
        cy = member("cy")
        assert not (await say_as(app, cy, "/recommend Parasite")).is_error
        assert await count(app, m.ChatMember) == 0
        assert not (await say_as(app, cy, "/review Parasite 5")).is_error
        assert await count(app, m.ChatMember) == 1


async def test_a_new_group_gets_popular_picks(db_url: str, tmp_path: Path) -> None:
    async with party_app(db_url, tmp_path, FakeClock()) as app:
        reply = await say_as(app, member("ana", chat="fresh"), "/watchparty new")
        assert not reply.is_error, reply.text
        assert reply.poll is not None and len(reply.poll.options) >= 2
        assert all(item.detail for item in reply.items)
        assert reply.poll.closes_at == START + timedelta(hours=24)  # default deadline


async def test_bad_input_is_explained_and_nothing_is_written(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        ana = member("ana")
        cases = {
            "/watchparty new sat 8pm; Parasitte; Okjaa zzz": "Did you mean",
            "/watchparty new sat 8pm; Qwzxv Plmkj": "2 to 10 titles",
            "/watchparty new sat 8pm; Parasite": "2 to 10 titles",
            "/watchparty new " + "; ".join(["Parasite", "Okja"] * 6): "at most 10",
            "/watchparty new yesterday 8pm; Parasite; Okja": "in the past",
            "/watchparty new 2020-01-01 20:00; Parasite; Okja": "in the past",
            "/watchparty new sat 99:77": "99:77 is not a time of day",
            # A mistyped time before the titles is about the time, not an unknown title.
            "/watchparty new 25pm; Okja; Parasite": "25pm is not a time",
            "/watchparty new 31 feb 25:99; Okja; Parasite": "Feb has no day 31",
            "/watchparty new 25pm Okja; Parasite": "25pm is not a time",
            "/watchparty new in 2 minutes; Parasite; Okja": "too soon",
            "/watchparty new sat 8pm; Parasite; Parasite": "twice",
            "/watchparty new sat 8pm; Parasite; Okja --for 9d": "7 days",
            "/watchparty new tomorrow 8pm; Parasite; Okja --for 3d": "end by the start",
            "/watchparty frobnicate": "don't know",
            "/vote 1": "no vote",
            "/watchparty close": "no watch party",
            "/settings region KR": "Only an admin",
        }
        for line, expected in cases.items():
            reply = await say_as(app, ana, line)
            assert reply.is_error, (line, reply.text)
            assert expected in reply.text, (line, reply.text)
        admin = member("mod", admin=True)
        for line, expected in {
            "/settings region Narnia": "not a country code",
            "/settings timezone Mars/Base": "not a time zone",
            "/settings timezone Seol": "Asia/Seoul",  # a suggestion
            "/settings services Netflixx, Qwerty": "service",
            "/settings reminders 9d": "7 days",
            "/settings colour blue": "no setting",
        }.items():
            reply = await say_as(app, admin, line)
            assert reply.is_error, (line, reply.text)
            assert expected in reply.text, (line, reply.text)
        # Not a typo of one title but another name: nothing is substituted for it.
        unknown = await say_as(app, ana, "/watchparty new sat 8pm; Parasite Eve; Okja")
        assert "Parasite (2019" in unknown.text  # the suggestion names the real title
        assert await count(app, m.WatchParty) == 0
        assert await count(app, m.WatchPartyCandidate) == 0
        assert await count(app, m.User) == 0  # bad input wrote not even the member

        opened = await say_as(app, ana, "/watchparty new sat 8pm; Parasite; Okja")
        assert not opened.is_error
        second = await say_as(app, member("bo"), "/watchparty new sun 8pm; Okja; The Host")
        assert second.is_error and "already a watch party" in second.text
        await say_as(app, member("bo"), "/vote 1")
        for line in ("/watchparty close", "/watchparty cancel"):
            denied = await say_as(app, member("bo"), line)
            assert denied.is_error and "Only the host (ana) or an admin" in denied.text
        for line in ("/vote 7", "/vote Qwerty"):
            assert (await say_as(app, member("bo"), line)).is_error
        party = await only_party_id(app)
        assert await party_rows(app) == [(party, "voting", None)]
        assert await count(app, m.WatchPartyVote) == 1
        # An admin may close someone else's party.
        closed = await say_as(app, member("mod", admin=True), "/watchparty close")
        assert not closed.is_error and "closed by mod" in closed.text


async def test_cancel_join_leave_and_history(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        ana, bo = member("ana"), member("bo")
        await say_as(app, ana, "/watchparty new fri 9pm; Parasite; Okja")
        assert "You joined" in (await say_as(app, bo, "/watchparty join")).text
        assert "already in" in (await say_as(app, bo, "/watchparty join")).text
        assert "You left" in (await say_as(app, bo, "/watchparty leave")).text
        cancelled = await say_as(app, ana, "/watchparty cancel")
        assert "cancelled by ana" in cancelled.text
        assert "No watch party is planned" in (await say_as(app, bo, "/watchparty")).text
        # The chat is free for the next party; the cancelled one is history.
        await say_as(app, ana, "/watchparty new sat 9pm; The Host; Okja")
        await say_as(app, bo, "/vote 1")
        await say_as(app, ana, "/watchparty close")
        clock.advance(days=4)
        history = await say_as(app, bo, "/watchparty history")
        texts = [i.text for i in history.items]
        assert len(texts) == 2
        assert "cancelled by ana" in texts[1]
        assert texts[0].endswith("The Host (2006)") or "The Host" in texts[0]


async def test_ties_go_to_the_groups_liking_then_the_earlier_candidate(
    db_url: str, tmp_path: Path
) -> None:
    async with party_app(db_url, tmp_path, FakeClock()) as app:
        # No ratings: a 1-1 tie goes to the earlier candidate.
        await say_as(app, member("ana", chat="a"), "/watchparty new sat 8pm; Okja; Parasite")
        await say_as(app, member("ana", chat="a"), "/vote 2")
        await say_as(app, member("bo", chat="a"), "/vote 1")
        result = await say_as(app, member("ana", chat="a"), "/watchparty close")
        assert "pick: Okja (2017)" in result.text and "A tie" in all_text(result)

        # With ratings, a 1-1 tie goes to the title the group's ratings predict it likes more.
        ana, bo = member("ana", chat="b"), member("bo", chat="b")
        for who, line in (
            (ana, "/review Parasite 5"),
            (bo, "/review Memories of Murder 5"),
            (ana, "/review Okja 1"),
        ):
            await say_as(app, who, line)
        # Both loved a Bong Joon-ho film: his The Host is predicted above Burning.
        await say_as(app, ana, "/watchparty new sat 8pm; Burning; The Host (2006)")
        await say_as(app, ana, "/vote 1")
        await say_as(app, bo, "/vote 2")
        snap = await app.core.catalog.get()
        async with app.db.unit_of_work() as repos:
            chat = await repos.parties.find_chat("console", "b")
            assert chat is not None
            members = await repos.parties.member_ratings(chat.id)
        host = await title_id(app, "The Host", 2006)
        burning = await title_id(app, "Burning", 2018)
        liking = snap.model.group_liking(list(members.values()), [host, burning])
        assert liking[host] > liking[burning]
        result = await say_as(app, ana, "/watchparty close")
        assert "pick: The Host (2006)" in result.text  # the later candidate, better liked


async def test_native_poll_api_for_adapters(db_url: str, tmp_path: Path) -> None:
    """What the Telegram and Discord adapters call: poll_opened after posting the poll, then
    poll_answered with 0-based option indices and no chat (Telegram poll answers have none)."""
    async with party_app(db_url, tmp_path, FakeClock()) as app:
        host = member("1001", chat="-100", platform="telegram")
        reply = await say_as(app, host, "/watchparty new sat 8pm; Parasite; Okja; The Host")
        assert reply.poll is not None and reply.poll.key.startswith("party:")
        await app.parties.poll_opened(reply.poll.key, "telegram", "-100", "poll-77", "msg-5")

        def voter(n: int) -> object:
            return member(str(n), chat="", platform="telegram")

        assert await app.parties.poll_answered("telegram", "poll-77", voter(1), [2]) is None
        assert await app.parties.poll_answered("telegram", "poll-77", voter(2), [0]) is None
        assert await app.parties.poll_answered("telegram", "poll-77", voter(2), [1]) is None
        assert await app.parties.poll_answered("telegram", "poll-77", voter(3), [0]) is None
        assert await app.parties.poll_answered("telegram", "poll-77", voter(3), []) is None
        # Unknown polls and other platforms' polls are ignored.
        assert await app.parties.poll_answered("telegram", "nope", voter(4), [0]) is None
        assert await app.parties.poll_answered("discord", "poll-77", voter(4), [0]) is None
        status = await say_as(app, host, "/watchparty")
        assert [i.text.split(" — ")[1] for i in status.items] == ["0 votes", "1 vote", "1 vote"]
        # The voters became members of the poll's chat.
        async with app.db.unit_of_work() as repos:
            chat = await repos.parties.find_chat("telegram", "-100")
            assert chat is not None
        assert await count(app, m.ChatMember) == 4  # the host and the three voters
        result = await say_as(app, host, "/watchparty close")
        assert "pick: Okja (2017)" in result.text  # 1-1 tie: Okja is earlier than The Host
        late = await app.parties.poll_answered("telegram", "poll-77", voter(5), [0])
        assert late is not None and late.is_error and "closed" in late.text


async def test_moving_a_party_while_it_votes_ends_the_vote_by_the_new_start(
    db_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()  # Wed 25 Nov 2026 06:00 UTC
    async with party_app(db_url, tmp_path, clock) as app:
        out = await chat(app, "/watchparty new 2026-11-28 20:00; Parasite; Okja --for 3d\n", "ana")
        assert "Voting closes Sat 28 Nov 2026 06:00 (UTC)" in out, out

        out = await chat(app, "/watchparty move 2026-11-20 20:00\n/watchparty move\n", "ana")
        assert "past" in out and "/watchparty move sat 9pm" in out
        out = await chat(app, "/watchparty move 2026-11-26 20:00\n/watchparty\n", "bo")
        assert "The watch party now starts Thu 26 Nov 2026 20:00 (UTC)." in out, out
        assert "Voting closes Thu 26 Nov 2026 20:00 (UTC)." in out
        assert "closes Thu 26 Nov 2026 20:00 (UTC)" in out.split("now starts")[1]
