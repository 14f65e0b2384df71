"""The watch-party scheduler under a clock the test moves: deadlines, results, reminders, the
rating ask; restarts in the middle of a poll; two processes racing on one PostgreSQL database;
and many members voting at once."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.console_adapter.messenger import ConsoleMessenger
from bot.core.outbox import SentMessage
from bot.core.replies import Reply
from bot.features.watchparty.scheduler import Scheduler
from db import models as m
from db import sql
from tests.conftest import postgres_only
from tests.party_support import (
    FakeClock,
    RecordingMessenger,
    count,
    member,
    only_party_id,
    party_app,
    party_rows,
    say_as,
)


async def _jobs(app: object, party_id: int) -> list[tuple[str, int, str]]:
    async with app.db.unit_of_work() as repos:  # type: ignore[attr-defined]
        return await repos.parties.jobs_of(party_id)


async def test_deadline_result_reminders_and_rating_ask(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()  # Wed 06:00 UTC
    async with party_app(db_url, tmp_path, clock) as app:
        out = RecordingMessenger()
        scheduler = Scheduler(app.parties, [out], clock=clock)
        ana, bo = member("ana"), member("bo")
        # Starts Fri 20:00 UTC; the vote closes after the default 24 h (Thu 06:00).
        opened = await say_as(app, ana, "/watchparty new fri 8pm; Parasite; Okja; The Host")
        assert not opened.is_error, opened.text
        await say_as(app, ana, "/vote 2")
        await say_as(app, bo, "/vote 2")
        await say_as(app, bo, "/watchparty join")
        party = await only_party_id(app)

        clock.advance(hours=23, minutes=59)
        assert await scheduler.run_due() == (0, 0, 0, 0)
        assert out.sent == []

        clock.advance(minutes=1)
        tick = await scheduler.run_due()
        assert (tick.closed, tick.sent) == (1, 1)
        [(chat, result)] = out.sent
        assert chat == "movie-club"
        assert result.text == "🏆 Watch party pick: Okja (2017) (deadline reached)."
        assert any("Starts Fri 27 Nov 2026 20:00 (UTC)" in n for n in result.notes)
        assert any("Where to watch" in n for n in result.notes)
        assert await party_rows(app) == [(party, "scheduled", 2)]
        # Nothing happens twice.
        assert await scheduler.run_due() == (0, 0, 0, 0)
        assert (await say_as(app, member("cy"), "/vote 1")).is_error

        clock.advance(hours=36, minutes=59)  # Fri 18:59: one minute before the 1 h reminder
        assert (await scheduler.run_due()).sent == 0
        clock.advance(minutes=1)
        assert (await scheduler.run_due()).sent == 1
        assert out.sent[-1][1].text.startswith("⏰ Okja (2017) starts in 1 hour")
        # bo cannot be written to in private here: the chat gets it, naming whom it is for.
        assert "For: bo." in out.sent[-1][1].notes
        clock.advance(hours=1)
        assert (await scheduler.run_due()).sent == 1
        assert out.sent[-1][1].text.startswith("⏰ Okja (2017) starts now")
        # The party has started: it is over for planning, and the chat may open the next one.
        assert await party_rows(app) == [(party, "done", 2)]
        # Okja runs 120 minutes: the rating ask comes after it (+15 min), to those who joined.
        clock.advance(minutes=134)
        assert (await scheduler.run_due()).sent == 0
        clock.advance(minutes=1)
        assert (await scheduler.run_due()).sent == 1
        ask = out.sent[-1][1]
        assert ask.text.startswith("🍿 How was Okja (2017)? bo:")
        assert ask.actions[0].command.startswith("/review #")
        assert await _jobs(app, party) == [
            ("announce", 0, "sent"),
            ("remind", 60, "sent"),
            ("remind", 0, "sent"),
            ("review", 0, "sent"),
        ]
        clock.advance(days=30)
        assert await scheduler.run_due() == (0, 0, 0, 0)
        assert len(out.sent) == 4


async def test_configured_reminders_and_a_cancelled_party(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        out = RecordingMessenger()
        scheduler = Scheduler(app.parties, [out], clock=clock)
        host = member("host", admin=True)
        reply = await say_as(app, host, "/settings reminders 1d, 10m")
        assert "1 day" in reply.text or "24 hours" in reply.text, reply.text
        await say_as(app, host, "/watchparty new sat 8pm; Parasite; Okja --for 1h")
        await say_as(app, host, "/watchparty join")
        clock.advance(hours=1)
        await scheduler.run_due()
        party = await only_party_id(app)
        assert [(k, o) for k, o, _s in await _jobs(app, party)] == [
            ("announce", 0),
            ("remind", 1440),
            ("remind", 10),
            ("review", 0),
        ]
        await say_as(app, host, "/watchparty cancel")
        clock.advance(days=5)
        tick = await scheduler.run_due()
        assert tick.sent == 0 and tick.skipped == 3  # a cancelled party reminds nobody
        assert len(out.sent) == 1


async def test_restart_in_the_middle_of_a_poll(db_url: str, tmp_path: Path) -> None:
    """Votes survive a restart; what fell due while the bot was down happens once, late."""
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as first:
        await say_as(first, member("ana"), "/watchparty new fri 8pm; Parasite; Okja --for 2h")
        await say_as(first, member("ana"), "/vote 1")
        await say_as(first, member("bo"), "/vote 1")
        await say_as(first, member("bo"), "/watchparty join")
        scheduler = Scheduler(first.parties, [RecordingMessenger()], clock=clock)
        assert await scheduler.run_due() == (0, 0, 0, 0)
    # Down for three hours: the deadline passes while nobody runs.
    clock.advance(hours=3)
    async with party_app(db_url, tmp_path, clock) as second:
        status = await say_as(second, member("cy"), "/watchparty")
        assert [i.text.split(" — ")[1] for i in status.items] == ["2 votes", "0 votes"]
        assert (await say_as(second, member("cy"), "/vote 2")).is_error  # past the deadline
        out = RecordingMessenger()
        scheduler = Scheduler(second.parties, [out], clock=clock)
        tick = await scheduler.run_due()
        assert (tick.closed, tick.sent) == (1, 1)
        assert out.texts() == ["🏆 Watch party pick: Parasite (2019) (deadline reached)."]
        assert await scheduler.run_due() == (0, 0, 0, 0)

    # A process died after claiming a reminder but before sending it: once its lease ran out
    # another process sends it, late, once.
    clock.advance(days=2, hours=10)  # Fri 19:00 UTC, the 1 h reminder is due
    async with party_app(db_url, tmp_path, clock) as crashed:
        async with crashed.db.unit_of_work(write=True) as repos:
            claimed = await repos.parties.claim_jobs(
                clock(), ["console"], "crashed", timedelta(seconds=15)
            )
        assert [j.kind for j in claimed] == ["remind"]
    clock.advance(seconds=10)
    async with party_app(db_url, tmp_path, clock) as third:
        out = RecordingMessenger()
        scheduler = Scheduler(third.parties, [out], clock=clock)
        assert (await scheduler.run_due()).sent == 0  # still leased to the dead process
        clock.advance(seconds=5)
        assert (await scheduler.run_due()).sent == 1
        assert out.texts()[0].startswith("⏰ Parasite (2019) starts in 1 hour")
        assert (await scheduler.run_due()).sent == 0


async def test_a_failed_send_is_retried_then_given_up(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        out = RecordingMessenger(fail=1)
        scheduler = Scheduler(
            app.parties, [out], clock=clock, retry_after=timedelta(minutes=1), max_attempts=2
        )
        await say_as(app, member("ana"), "/watchparty new fri 8pm; Parasite; Okja --for 1h")
        clock.advance(hours=1)
        tick = await scheduler.run_due()
        assert (tick.closed, tick.sent) == (1, 0)
        clock.advance(minutes=1)
        assert (await scheduler.run_due()).sent == 1
        assert len(out.sent) == 1


async def test_each_process_serves_only_its_platforms(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        tg = member("1", chat="-100", platform="telegram")
        await say_as(app, tg, "/watchparty new fri 8pm; Parasite; Okja --for 1h")
        clock.advance(hours=1)
        console = RecordingMessenger()
        assert await Scheduler(app.parties, [console], clock=clock).run_due() == (0, 0, 0, 0)
        telegram = RecordingMessenger(platform="telegram")
        await app.parties.poll_opened((await _poll_key(app)), "telegram", "-100", "poll-1", "msg-9")
        tick = await Scheduler(app.parties, [telegram], clock=clock).run_due()
        assert (tick.closed, tick.sent) == (1, 1)
        assert telegram.stopped == [("-100", "msg-9")]  # the native poll is closed too
        assert console.sent == []


async def _poll_key(app: object) -> str:
    async with app.db.unit_of_work() as repos:  # type: ignore[attr-defined]
        party_id = await repos.session.scalar(
            select(m.WatchParty.id).order_by(m.WatchParty.id.desc())
        )
    return f"party:{party_id}"


async def test_the_console_chat_prints_what_the_scheduler_sends(
    db_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await say_as(app, member("ana", chat="console"), "/watchparty new fri 8pm; Okja; Parasite")
        clock.advance(days=1)
        stdout = io.StringIO()
        scheduler = Scheduler(app.parties, [ConsoleMessenger(stdout)], clock=clock, interval=60)
        stop = asyncio.Event()
        task = asyncio.create_task(scheduler.run_forever(stop))
        for _ in range(100):
            if "Watch party pick" in stdout.getvalue():
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)
        assert "📣 reelbot:\n🏆 Watch party pick: Okja (2017) (deadline reached)." in (
            stdout.getvalue()
        )


# -- leases: a crash leaves only the job in flight, for at most one lease ----------------------


LEASE = timedelta(seconds=15)


@dataclass
class GatedMessenger(RecordingMessenger):
    """Each send waits for `gate`: the test decides when the platform answers."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    sending: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, chat_id: str, reply: Reply) -> SentMessage:
        self.sending.set()
        await self.gate.wait()
        return await super().send(chat_id, reply)


async def _open_due_parties(app: object, clock: FakeClock, chats: int) -> None:
    for n in range(chats):
        host = member(f"host{n}", chat=f"chat{n}")
        opened = await say_as(app, host, "/watchparty new fri 8pm; Parasite; Okja")  # type: ignore[arg-type]
        assert not opened.is_error, opened.text
    clock.advance(days=1)  # every vote's deadline has passed


async def _announce_jobs(app: object) -> list[tuple[str, str | None, int]]:
    """(state, holder, attempts) of each result job, in party order."""
    async with app.db.unit_of_work() as repos:  # type: ignore[attr-defined]
        rows = await repos.session.execute(
            select(m.WatchPartyJob.state, m.WatchPartyJob.claimed_by, m.WatchPartyJob.attempts)
            .where(m.WatchPartyJob.kind == "announce")
            .order_by(m.WatchPartyJob.party_id)
        )
        return [(str(s), h, int(a)) for s, h, a in rows]


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float = 5) -> None:
    """Wait for something another task writes to the database (no event to wait on)."""
    for _ in range(int(seconds / 0.01)):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not come true")


async def test_a_crash_mid_send_leaves_only_that_job_for_one_lease(
    db_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await _open_due_parties(app, clock, 3)
        stuck = GatedMessenger()
        crashed = Scheduler(app.parties, [stuck], clock=clock)
        task = asyncio.create_task(crashed.run_due())
        await asyncio.wait_for(stuck.sending.wait(), 5)
        task.cancel()  # dies mid-send: nothing is cleaned up in the database
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert await _announce_jobs(app) == [
            ("sending", crashed.holder, 1),  # the one in flight
            ("pending", None, 0),  # not claimed by the dead process: free for the next
            ("pending", None, 0),
        ]
        out = RecordingMessenger()
        survivor = Scheduler(app.parties, [out], clock=clock)
        assert (await survivor.run_due()).sent == 2  # at once
        assert sorted(chat for chat, _ in out.sent) == ["chat1", "chat2"]
        async with app.db.unit_of_work() as repos:
            assert await repos.parties.next_wakeup(["console"]) == clock() + LEASE
        clock.advance(seconds=14)
        assert (await survivor.run_due()).sent == 0  # the lease still runs
        clock.advance(seconds=1)
        assert (await survivor.run_due()).sent == 1  # taken over when it ran out
        assert out.sent[-1][0] == "chat0"
        assert (
            await _announce_jobs(app)
            == [("sent", survivor.holder, 2)] + [("sent", survivor.holder, 1)] * 2
        )


async def test_a_lease_renewed_while_a_send_lasts_is_not_taken_over(
    db_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await _open_due_parties(app, clock, 1)
        slow = GatedMessenger()  # a flood wait, say: the send takes minutes
        holder = Scheduler(app.parties, [slow], clock=clock, renew_every=0.01)
        task = asyncio.create_task(holder.run_due())
        await asyncio.wait_for(slow.sending.wait(), 5)
        clock.advance(minutes=3)

        async def renewed() -> bool:
            async with app.db.unit_of_work() as repos:
                until = await repos.session.scalar(
                    select(m.WatchPartyJob.lease_until).where(m.WatchPartyJob.kind == "announce")
                )
            return until is not None and sql.as_utc(until) == clock() + LEASE

        await _until(renewed)
        other = RecordingMessenger()
        assert (await Scheduler(app.parties, [other], clock=clock).run_due()).sent == 0
        slow.gate.set()
        assert (await asyncio.wait_for(task, 5)).sent == 1
        assert other.sent == [] and len(slow.sent) == 1
        assert await _announce_jobs(app) == [("sent", holder.holder, 1)]


async def test_a_holder_that_lost_its_lease_changes_nothing(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await _open_due_parties(app, clock, 1)
        out = RecordingMessenger()
        await Scheduler(app.parties, [out], clock=clock, interval=0).run_due()  # the result
        clock.advance(days=1, hours=13)  # Fri 19:00: the 1 h reminder
        async with app.db.unit_of_work(write=True) as repos:
            [first] = await repos.parties.claim_jobs(clock(), ["console"], "a", LEASE)
            assert await repos.parties.claim_jobs(clock(), ["console"], "b", LEASE) == []
        clock.advance(seconds=16)  # "a" stalled past its lease
        async with app.db.unit_of_work(write=True) as repos:
            [second] = await repos.parties.claim_jobs(clock(), ["console"], "b", LEASE)
            assert (second.id, second.attempts) == (first.id, 2)
            assert await repos.parties.renew_jobs([first.id], "a", clock() + LEASE) == set()
            assert not await repos.parties.finish_job(first.id, "a", "failed", clock())
            assert not await repos.parties.retry_job(first.id, "a", clock())
            assert await repos.parties.renew_jobs([first.id], "b", clock() + LEASE) == {first.id}
            assert await repos.parties.finish_job(first.id, "b", "sent", clock(), "m9")
        async with app.db.unit_of_work() as repos:
            job = await repos.session.get(m.WatchPartyJob, first.id)
            assert job is not None
            assert (job.state, job.claimed_by, job.message_id) == ("sent", "b", "m9")


async def test_a_clean_shutdown_starts_nothing_new_and_releases_its_claim(
    db_url: str, tmp_path: Path
) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await _open_due_parties(app, clock, 3)
        # Stopped while a send is in hand: that one is finished, nothing more is started.
        gated = GatedMessenger()
        stop = asyncio.Event()
        first = Scheduler(app.parties, [gated], clock=clock)
        task = asyncio.create_task(first.run_forever(stop))
        await asyncio.wait_for(gated.sending.wait(), 5)
        stop.set()
        gated.gate.set()
        await asyncio.wait_for(task, 5)
        assert [s for s, _h, _a in await _announce_jobs(app)] == ["sent", "pending", "pending"]

        # Cancelled mid-send (the host's shutdown ran out of patience): the claim is given
        # back, so the next process sends it at once instead of after the lease.
        stuck = GatedMessenger()
        second = Scheduler(app.parties, [stuck], clock=clock)
        task = asyncio.create_task(second.run_forever(asyncio.Event()))
        await asyncio.wait_for(stuck.sending.wait(), 5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert await _announce_jobs(app) == [
            ("sent", first.holder, 1),
            ("pending", None, 1),
            ("pending", None, 0),
        ]
        out = RecordingMessenger()
        assert (await Scheduler(app.parties, [out], clock=clock).run_due()).sent == 2
        assert len(gated.sent) + len(out.sent) == 3


# -- PostgreSQL: two processes, many voters --------------------------------------------------


@postgres_only
async def test_two_processes_close_each_poll_exactly_once(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    chats = 12
    async with party_app(db_url, tmp_path, clock) as one, party_app(db_url, tmp_path, clock) as two:
        for n in range(chats):
            host = member(f"host{n}", chat=f"chat{n}")
            opened = await say_as(one, host, "/watchparty new fri 8pm; Parasite; Okja; Burning")
            assert not opened.is_error
            await say_as(two, member(f"fan{n}", chat=f"chat{n}"), f"/vote {n % 3 + 1}")
        clock.advance(days=1)
        out_one, out_two = RecordingMessenger(), RecordingMessenger()
        first = Scheduler(one.parties, [out_one], clock=clock)
        second = Scheduler(two.parties, [out_two], clock=clock)
        ticks = await asyncio.gather(*(s.run_due() for s in (first, second, first, second)))
        assert sum(t.closed for t in ticks) == chats
        announced = [chat for chat, _ in out_one.sent + out_two.sent]
        assert sorted(announced) == sorted(f"chat{n}" for n in range(chats))
        async with one.db.unit_of_work() as repos:
            announce = (
                await repos.session.execute(
                    select(m.WatchPartyJob.state, m.WatchPartyJob.attempts).where(
                        m.WatchPartyJob.kind == "announce"
                    )
                )
            ).all()
        assert sorted(announce) == [("sent", 1)] * chats  # each claimed once, sent once
        assert await count(one, m.WatchPartyJob) == chats * 4  # + two reminders, a rating ask
        winners = [w for _i, _s, w in await party_rows(one)]
        assert winners == [n % 3 + 1 for n in range(chats)]


@postgres_only
async def test_many_members_vote_at_once_and_no_vote_is_lost(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    voters = 60
    async with party_app(db_url, tmp_path, clock) as one, party_app(db_url, tmp_path, clock) as two:
        await say_as(one, member("host"), "/watchparty new fri 8pm; Parasite; Okja; Burning")
        apps = (one, two)

        async def vote(n: int) -> None:
            app = apps[n % 2]
            first = await say_as(app, member(f"v{n}"), f"/vote {n % 3 + 1}")
            assert not first.is_error, first.text
            if n % 5 == 0:  # some change their mind at the same time
                changed = await say_as(app, member(f"v{n}"), "/vote 3")
                assert not changed.is_error, changed.text

        await asyncio.gather(*(vote(n) for n in range(voters)))
        expected = {1: 0, 2: 0, 3: 0}
        for n in range(voters):
            expected[3 if n % 5 == 0 else n % 3 + 1] += 1
        status = await say_as(two, member("host"), "/watchparty")
        counts = [int(i.text.split(" — ")[1].split()[0]) for i in status.items]
        assert counts == [expected[1], expected[2], expected[3]]
        assert await count(one, m.WatchPartyVote) == voters


@postgres_only
async def test_votes_racing_the_close_are_counted_or_refused(db_url: str, tmp_path: Path) -> None:
    """A vote either lands before the close (and is in the result) or is told voting closed."""
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as one, party_app(db_url, tmp_path, clock) as two:
        await say_as(one, member("host"), "/watchparty new fri 8pm; Parasite; Okja")

        async def vote(n: int) -> bool:
            reply = await say_as((one, two)[n % 2], member(f"v{n}"), "/vote 2")
            assert not reply.is_error or "closed" in reply.text, reply.text
            return not reply.is_error

        async def close() -> str:
            await asyncio.sleep(0.01)
            return (await say_as(two, member("host"), "/watchparty close")).notes[0]

        *accepted, result = await asyncio.gather(*(vote(n) for n in range(50)), close())
        n = sum(accepted)
        assert result == f"{n} of {n} vote{'' if n == 1 else 's'}." or (
            n == 0 and result.startswith("No votes")
        )
        assert await count(one, m.WatchPartyVote) == sum(accepted)


async def test_concurrent_voters_on_either_backend(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await say_as(app, member("host"), "/watchparty new fri 8pm; Parasite; Okja")
        replies = await asyncio.gather(
            *(say_as(app, member(f"v{n}"), f"/vote {n % 2 + 1}") for n in range(50))
        )
        assert not [r.text for r in replies if r.is_error]
        result = await say_as(app, member("host"), "/watchparty close")
        assert "25 of 50 votes." in result.notes[0]


async def test_a_late_close_announces_the_winner_before_it_starts_now(
    db_url: str, tmp_path: Path
) -> None:
    """The vote closes at the start by default; a scheduler pass after the start (it was down)
    must still say what was picked before saying it starts."""
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        out = RecordingMessenger()
        scheduler = Scheduler(app.parties, [out], clock=clock)
        ana = member("ana")
        await say_as(app, ana, "/settings reminders 60m, 0")
        assert not (await say_as(app, ana, "/watchparty new in 3 hours; Parasite; Okja")).is_error
        await say_as(app, ana, "/vote 2")
        await say_as(app, ana, "/watchparty join")
        clock.advance(hours=3, minutes=1)
        await scheduler.run_due()
        texts = out.texts()
        assert texts[0].startswith("🏆 Watch party pick: Okja (2017)"), texts
        assert len(texts) == 2 and "starts now" in texts[1], texts


async def test_join_promises_only_reminders_still_ahead(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        ana = member("ana", admin=True)
        await say_as(app, ana, "/settings reminders 60m, 0")
        await say_as(app, ana, "/watchparty new in 30 minutes; Parasite; Okja")
        await say_as(app, ana, "/watchparty close")
        joined = await say_as(app, member("bo"), "/watchparty join")
        assert "I'll remind you at the start." in joined.notes, joined.notes
        assert not any("1 hour" in n for n in joined.notes)


async def test_join_without_a_start_time_names_no_time(db_url: str, tmp_path: Path) -> None:
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        await say_as(app, member("ana"), "/watchparty new Parasite; Okja")
        joined = await say_as(app, member("bo"), "/watchparty join")
        assert joined.text == "You joined the watch party.", joined.text
        assert "the agreed time" not in " ".join((joined.text, *joined.notes))
        assert any("No start time is set yet" in n for n in joined.notes)


async def test_reminders_go_privately_to_each_member_who_joined(
    db_url: str, tmp_path: Path
) -> None:
    """In join order, in private where the platform lets the bot write to the member; the chat
    gets one mention-free message only for those it could not reach."""
    clock = FakeClock()
    async with party_app(db_url, tmp_path, clock) as app:
        out = RecordingMessenger(reachable={"cy", "ana"})
        scheduler = Scheduler(app.parties, [out], clock=clock)
        await say_as(app, member("ana", admin=True), "/settings reminders 0")
        await say_as(app, member("ana"), "/watchparty new in 2 hours; Parasite; Okja --for 1h")
        for name in ("cy", "bo", "ana"):
            await say_as(app, member(name), "/watchparty join")
            clock.advance(minutes=1)
        clock.advance(minutes=57)
        await scheduler.run_due()
        assert [t.split(" (")[0] for t in out.texts()] == ["🏆 Watch party pick: Parasite"]
        clock.advance(hours=1)
        await scheduler.run_due()
        assert [user for user, _reply in out.private] == ["cy", "ana"]
        assert all("starts now" in reply.text for _user, reply in out.private)
        [(_chat, for_the_rest)] = out.sent[1:]
        assert "starts now" in for_the_rest.text and for_the_rest.notes[0] == "For: bo."
