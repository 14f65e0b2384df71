"""Watch parties in the database: chat membership, parties, votes, RSVPs and the scheduler's jobs.

Every state change that more than one process might try at once is a single conditional UPDATE
(`... WHERE state = 'voting' RETURNING id`): on PostgreSQL the second writer waits for the first
row lock, re-reads the row, finds the condition false and changes nothing. Votes take a shared
lock on their party row, so a close waits for votes in flight and counts every one of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from db import models as m
from db import sql
from db.records import ChatSettings


@dataclass(frozen=True, slots=True)
class PartyRecord:
    id: int
    chat_id: int
    platform: str
    platform_chat_id: str
    host_user_id: int
    host_name: str
    state: str
    starts_at: datetime | None
    closes_at: datetime
    timezone: str
    reminder_minutes: tuple[int, ...]
    winner_position: int | None
    closed_by: str | None
    poll_platform_id: str | None
    poll_message_id: str | None
    created_at: datetime
    decided_at: datetime | None
    event_id: str | None = None  # the platform's scheduled event, once published
    event_url: str | None = None


@dataclass(frozen=True, slots=True)
class CandidateRecord:
    position: int
    title_id: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: int
    party_id: int
    platform: str
    kind: str
    offset_minutes: int
    due_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class NewJob:
    kind: str
    due_at: datetime
    offset_minutes: int = 0
    state: str = "pending"


_PARTY_COLUMNS = (
    m.WatchParty,
    m.Chat.platform,
    m.Chat.platform_chat_id,
    m.User.display_name,
)


def _party_select() -> Any:
    return (
        select(*_PARTY_COLUMNS)
        .join(m.Chat, m.Chat.id == m.WatchParty.chat_id)
        .join(m.User, m.User.id == m.WatchParty.host_user_id)
    )


def _record(party: m.WatchParty, platform: str, chat_id: str, host_name: str) -> PartyRecord:
    return PartyRecord(
        id=party.id,
        chat_id=party.chat_id,
        platform=platform,
        platform_chat_id=chat_id,
        host_user_id=party.host_user_id,
        host_name=host_name,
        state=party.state,
        starts_at=sql.as_utc_or_none(party.starts_at),
        closes_at=sql.as_utc(party.closes_at),
        timezone=party.timezone,
        reminder_minutes=tuple(int(x) for x in party.reminder_minutes or ()),
        winner_position=party.winner_position,
        closed_by=party.closed_by,
        poll_platform_id=party.poll_platform_id,
        poll_message_id=party.poll_message_id,
        created_at=sql.as_utc(party.created_at),
        decided_at=sql.as_utc_or_none(party.decided_at),
        event_id=party.event_id,
        event_url=party.event_url,
    )


def _lease_over(now: datetime) -> Any:
    # No lease at all: claimed by a scheduler from before leases, which never renews one.
    return or_(m.WatchPartyJob.lease_until.is_(None), m.WatchPartyJob.lease_until <= now)


def _held_by(holder: str) -> Any:
    return and_(m.WatchPartyJob.state == "sending", m.WatchPartyJob.claimed_by == holder[:64])


def _still_active(now: datetime) -> Any:
    return or_(
        m.WatchParty.state == "voting",
        and_(
            m.WatchParty.state == "scheduled",
            or_(m.WatchParty.starts_at.is_(None), m.WatchParty.starts_at > now),
        ),
    )


class WatchPartyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- chats: members and settings ---------------------------------------------------------

    async def find_chat(self, platform: str, platform_chat_id: str) -> ChatSettings | None:
        chat = await self.session.scalar(
            select(m.Chat).where(
                m.Chat.platform == platform, m.Chat.platform_chat_id == platform_chat_id
            )
        )
        if chat is None:
            return None
        return ChatSettings(
            chat.id, chat.region, chat.timezone, chat.language, tuple(chat.services or ())
        )

    async def add_member(self, chat_id: int, user_id: int) -> None:
        stmt = sql.insert(self.session, m.ChatMember).values(chat_id=chat_id, user_id=user_id)
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def member_ratings(self, chat_id: int) -> dict[int, dict[int, float]]:
        """user id -> {title id: stars} for every member of the chat who rated anything."""
        rows = await self.session.execute(
            select(m.Rating.user_id, m.Rating.title_id, m.Rating.half_stars)
            .join(m.ChatMember, m.ChatMember.user_id == m.Rating.user_id)
            .where(m.ChatMember.chat_id == chat_id)
        )
        out: dict[int, dict[int, float]] = defaultdict(dict)
        for user_id, title_id, half in rows:
            out[int(user_id)][int(title_id)] = half / 2
        return dict(out)

    async def set_chat_timezone(self, chat_id: int, timezone: str | None) -> None:
        await self.session.execute(
            update(m.Chat).where(m.Chat.id == chat_id).values(timezone=timezone)
        )

    async def set_chat_services(self, chat_id: int, services: Sequence[str]) -> None:
        await self.session.execute(
            update(m.Chat).where(m.Chat.id == chat_id).values(services=list(services))
        )

    async def reminder_minutes(self, chat_id: int) -> tuple[int, ...] | None:
        value = await self.session.scalar(
            select(m.ChatPartySettings.reminder_minutes).where(
                m.ChatPartySettings.chat_id == chat_id
            )
        )
        return None if value is None else tuple(int(x) for x in value)

    async def set_reminder_minutes(self, chat_id: int, minutes: Sequence[int]) -> None:
        stmt = sql.insert(self.session, m.ChatPartySettings).values(
            chat_id=chat_id, reminder_minutes=list(minutes)
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["chat_id"], set_={"reminder_minutes": list(minutes)}
            )
        )

    # -- parties -----------------------------------------------------------------------------

    async def create(
        self,
        *,
        chat_id: int,
        host_user_id: int,
        starts_at: datetime | None,
        closes_at: datetime,
        timezone: str,
        reminder_minutes: Sequence[int],
        candidates: Sequence[tuple[int, str | None]],
        now: datetime,
    ) -> int:
        """A new party in state voting. A second active party in the chat violates a unique
        index (IntegrityError), so a race between two hosts cannot open two."""
        party = m.WatchParty(
            chat_id=chat_id,
            host_user_id=host_user_id,
            state="voting",
            starts_at=starts_at,
            closes_at=closes_at,
            timezone=timezone,
            reminder_minutes=list(reminder_minutes),
            created_at=now,
        )
        self.session.add(party)
        await self.session.flush()
        for position, (title_id, reason) in enumerate(candidates, 1):
            self.session.add(
                m.WatchPartyCandidate(
                    party_id=party.id, position=position, title_id=title_id, reason=reason
                )
            )
        await self.session.flush()
        return party.id

    async def get(self, party_id: int) -> PartyRecord | None:
        row = (
            await self.session.execute(_party_select().where(m.WatchParty.id == party_id))
        ).one_or_none()
        return None if row is None else _record(*row)

    async def active(self, chat_id: int, now: datetime) -> PartyRecord | None:
        """The chat's party that is voting or still ahead (one whose start has passed counts
        as done even before the scheduler has marked it)."""
        row = (
            await self.session.execute(
                _party_select().where(m.WatchParty.chat_id == chat_id, _still_active(now))
            )
        ).one_or_none()
        return None if row is None else _record(*row)

    async def by_poll(self, platform: str, platform_poll_id: str) -> PartyRecord | None:
        row = (
            await self.session.execute(
                _party_select()
                .where(
                    m.Chat.platform == platform,
                    m.WatchParty.poll_platform_id == platform_poll_id,
                )
                .order_by(m.WatchParty.id.desc())
                .limit(1)
            )
        ).one_or_none()
        return None if row is None else _record(*row)

    async def history(self, chat_id: int, limit: int, now: datetime) -> list[PartyRecord]:
        rows = await self.session.execute(
            _party_select()
            .where(m.WatchParty.chat_id == chat_id, ~_still_active(now))
            .order_by(m.WatchParty.created_at.desc(), m.WatchParty.id.desc())
            .limit(limit)
        )
        return [_record(*row) for row in rows]

    async def candidates(self, party_id: int) -> list[CandidateRecord]:
        rows = await self.session.execute(
            select(
                m.WatchPartyCandidate.position,
                m.WatchPartyCandidate.title_id,
                m.WatchPartyCandidate.reason,
            )
            .where(m.WatchPartyCandidate.party_id == party_id)
            .order_by(m.WatchPartyCandidate.position)
        )
        return [CandidateRecord(int(p), int(t), r) for p, t, r in rows]

    async def set_poll(self, party_id: int, platform_poll_id: str, message_id: str | None) -> None:
        await self.session.execute(
            update(m.WatchParty)
            .where(m.WatchParty.id == party_id)
            .values(poll_platform_id=platform_poll_id, poll_message_id=message_id)
        )

    async def set_event(self, party_id: int, event_id: str | None, url: str | None) -> None:
        """The platform event published for the party (None, None: there is none any more)."""
        await self.session.execute(
            update(m.WatchParty)
            .where(m.WatchParty.id == party_id)
            .values(event_id=event_id, event_url=url)
        )

    async def move(self, party_id: int, starts_at: datetime, closes_at: datetime) -> bool:
        """A new start (and voting deadline) for a party still ahead; False once it ended."""
        moved = await self.session.scalar(
            update(m.WatchParty)
            .where(m.WatchParty.id == party_id, m.WatchParty.state.in_(("voting", "scheduled")))
            .values(starts_at=starts_at, closes_at=closes_at)
            .returning(m.WatchParty.id)
        )
        return moved is not None

    async def claim_close(self, party_id: int, closed_by: str, now: datetime) -> bool:
        """voting -> scheduled, in exactly one transaction of one process."""
        claimed = await self.session.scalar(
            update(m.WatchParty)
            .where(m.WatchParty.id == party_id, m.WatchParty.state == "voting")
            .values(state="scheduled", closed_by=closed_by[:100], decided_at=now)
            .returning(m.WatchParty.id)
        )
        return claimed is not None

    async def set_outcome(self, party_id: int, winner_position: int | None, state: str) -> None:
        await self.session.execute(
            update(m.WatchParty)
            .where(m.WatchParty.id == party_id)
            .values(winner_position=winner_position, state=state)
        )

    async def cancel(self, party_id: int, by: str, now: datetime) -> bool:
        claimed = await self.session.scalar(
            update(m.WatchParty)
            .where(
                m.WatchParty.id == party_id,
                m.WatchParty.state.in_(m.ACTIVE_PARTY_STATES),
            )
            .values(state="cancelled", closed_by=by[:100], ended_at=now)
            .returning(m.WatchParty.id)
        )
        return claimed is not None

    async def due_to_close(self, now: datetime, platforms: Iterable[str]) -> list[int]:
        rows = await self.session.scalars(
            select(m.WatchParty.id)
            .join(m.Chat, m.Chat.id == m.WatchParty.chat_id)
            .where(
                m.WatchParty.state == "voting",
                m.WatchParty.closes_at <= now,
                m.Chat.platform.in_(list(platforms)),
            )
            .order_by(m.WatchParty.closes_at, m.WatchParty.id)
        )
        return [int(x) for x in rows]

    async def end_started(self, now: datetime, chat_id: int | None = None) -> int:
        """Scheduled parties whose start has passed are done: the chat may plan the next one."""
        stmt = update(m.WatchParty).where(
            m.WatchParty.state == "scheduled", m.WatchParty.starts_at <= now
        )
        if chat_id is not None:
            stmt = stmt.where(m.WatchParty.chat_id == chat_id)
        ended = await self.session.scalars(
            stmt.values(state="done", ended_at=now).returning(m.WatchParty.id)
        )
        return len(list(ended))

    # -- votes and RSVPs -----------------------------------------------------------------------

    async def state_for_vote(self, party_id: int) -> str | None:
        """The party's state, holding a shared row lock (PostgreSQL) until the transaction ends,
        so a concurrent close waits for this vote and counts it."""
        return await self.session.scalar(
            select(m.WatchParty.state).where(m.WatchParty.id == party_id).with_for_update(read=True)
        )

    async def vote_of(self, party_id: int, user_id: int) -> int | None:
        return await self.session.scalar(
            select(m.WatchPartyVote.position).where(
                m.WatchPartyVote.party_id == party_id, m.WatchPartyVote.user_id == user_id
            )
        )

    async def set_vote(self, party_id: int, user_id: int, position: int, now: datetime) -> None:
        stmt = sql.insert(self.session, m.WatchPartyVote).values(
            party_id=party_id, user_id=user_id, position=position, voted_at=now
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["party_id", "user_id"],
                set_={"position": stmt.excluded.position, "voted_at": stmt.excluded.voted_at},
            )
        )

    async def withdraw_vote(self, party_id: int, user_id: int) -> bool:
        gone = await self.session.scalars(
            delete(m.WatchPartyVote)
            .where(m.WatchPartyVote.party_id == party_id, m.WatchPartyVote.user_id == user_id)
            .returning(m.WatchPartyVote.user_id)
        )
        return bool(list(gone))

    async def poll_stopped(self, party_id: int, counts: Sequence[int] | None) -> bool:
        """The native poll was stopped: nothing left to stop (its message id is dropped), and
        its final counts (when the platform gave them) kept as the result. Only while the vote
        is open: a process that lost the race to close it must not change what was announced."""
        values: dict[str, Any] = {"poll_message_id": None}
        if counts is not None:
            values["poll_counts"] = [int(n) for n in counts]
        done = await self.session.scalars(
            update(m.WatchParty)
            .where(m.WatchParty.id == party_id, m.WatchParty.state == "voting")
            .values(**values)
            .returning(m.WatchParty.id)
        )
        return bool(list(done))

    async def tally(self, party_id: int) -> dict[int, int]:
        """candidate position -> votes: the native poll's final counts once it was stopped,
        else the votes recorded one by one."""
        final = await self.session.scalar(
            select(m.WatchParty.poll_counts).where(m.WatchParty.id == party_id)
        )
        if final is not None:
            return {i: int(n) for i, n in enumerate(final, start=1) if n}
        rows = await self.session.execute(
            select(m.WatchPartyVote.position, func.count())
            .where(m.WatchPartyVote.party_id == party_id)
            .group_by(m.WatchPartyVote.position)
        )
        return {int(p): int(n) for p, n in rows}

    async def rsvp(self, party_id: int, user_id: int, now: datetime) -> bool:
        """True when the member was not yet in."""
        stmt = sql.insert(self.session, m.WatchPartyRsvp).values(
            party_id=party_id, user_id=user_id, joined_at=now
        )
        added = await self.session.scalars(
            stmt.on_conflict_do_nothing().returning(m.WatchPartyRsvp.user_id)
        )
        return bool(list(added))

    async def leave(self, party_id: int, user_id: int) -> bool:
        gone = await self.session.scalars(
            delete(m.WatchPartyRsvp)
            .where(m.WatchPartyRsvp.party_id == party_id, m.WatchPartyRsvp.user_id == user_id)
            .returning(m.WatchPartyRsvp.user_id)
        )
        return bool(list(gone))

    async def attendees(self, party_id: int) -> list[tuple[int, str]]:
        """(user id, display name) of everyone who joined, in the order they joined."""
        return [(int(u), n) for u, n in await self._attendees(party_id, m.User.id)]

    async def attendee_accounts(self, party_id: int) -> list[tuple[str, str]]:
        """(platform user id, display name) of everyone who joined, in the order they joined."""
        rows = await self._attendees(party_id, m.User.platform_user_id)
        return [(str(u), n) for u, n in rows]

    async def _attendees(
        self, party_id: int, identity: InstrumentedAttribute[Any]
    ) -> list[tuple[Any, str]]:
        rows = await self.session.execute(
            select(identity, m.User.display_name)
            .join(m.WatchPartyRsvp, m.WatchPartyRsvp.user_id == m.User.id)
            .where(m.WatchPartyRsvp.party_id == party_id)
            .order_by(m.WatchPartyRsvp.joined_at, m.User.id)
        )
        return [(u, str(n)) for u, n in rows]

    # -- scheduler jobs ------------------------------------------------------------------------

    async def add_jobs(self, party_id: int, platform: str, jobs: Iterable[NewJob]) -> None:
        for job in jobs:
            stmt = sql.insert(self.session, m.WatchPartyJob).values(
                party_id=party_id,
                platform=platform,
                kind=job.kind,
                offset_minutes=job.offset_minutes,
                due_at=job.due_at,
                state=job.state,
                attempts=0,
                done_at=job.due_at if job.state != "pending" else None,
            )
            await self.session.execute(stmt.on_conflict_do_nothing())

    async def replan_jobs(
        self, party_id: int, platform: str, kinds: Iterable[str], jobs: Iterable[NewJob]
    ) -> None:
        """The party's jobs of `kinds` become `jobs` (after a new start): pending ones are
        dropped, and one that already ran is due again at its new time. A job being sent right
        now is left to finish."""
        pending = and_(m.WatchPartyJob.party_id == party_id, m.WatchPartyJob.state == "pending")
        await self.session.execute(
            delete(m.WatchPartyJob).where(pending, m.WatchPartyJob.kind.in_(list(kinds)))
        )
        for job in jobs:
            stmt = sql.insert(self.session, m.WatchPartyJob).values(
                party_id=party_id,
                platform=platform,
                kind=job.kind,
                offset_minutes=job.offset_minutes,
                due_at=job.due_at,
                state="pending",
                attempts=0,
            )
            again = {
                "due_at": job.due_at,
                "state": "pending",
                "attempts": 0,
                "done_at": None,
                "claimed_at": None,
                "claimed_by": None,
                "lease_until": None,
                "message_id": None,
            }
            await self.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["party_id", "kind", "offset_minutes"],
                    set_=again,
                    where=m.WatchPartyJob.state != "sending",
                )
            )

    async def claim_jobs(
        self,
        now: datetime,
        platforms: Iterable[str],
        holder: str,
        lease: timedelta,
        limit: int = 1,
    ) -> list[JobRecord]:
        """Due jobs for these platforms, marked as being sent by `holder` until `now + lease`
        (the holder renews the lease while it works). A job another holder claimed comes back
        once its lease ran out: that holder died or lost touch with the database mid-send."""
        platforms = list(platforms)
        claimable = and_(
            m.WatchPartyJob.platform.in_(platforms),
            m.WatchPartyJob.due_at <= now,
            or_(
                m.WatchPartyJob.state == "pending",
                and_(m.WatchPartyJob.state == "sending", _lease_over(now)),
            ),
        )
        # Picked first, in a statement of their own: as a subquery of the UPDATE, PostgreSQL
        # may run the LIMIT ... SKIP LOCKED more than once and claim more than `limit` rows.
        picked = list(
            await self.session.scalars(
                select(m.WatchPartyJob.id)
                .where(claimable)
                .order_by(m.WatchPartyJob.due_at, m.WatchPartyJob.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not picked:
            return []
        # The condition is checked again: the rows are locked now, but SQLite has no row
        # locks and another process may have claimed one in between.
        rows = await self.session.execute(
            update(m.WatchPartyJob)
            .where(m.WatchPartyJob.id.in_(picked), claimable)
            .values(
                state="sending",
                claimed_at=now,
                claimed_by=holder[:64],
                lease_until=now + lease,
                attempts=m.WatchPartyJob.attempts + 1,
            )
            .returning(
                m.WatchPartyJob.id,
                m.WatchPartyJob.party_id,
                m.WatchPartyJob.platform,
                m.WatchPartyJob.kind,
                m.WatchPartyJob.offset_minutes,
                m.WatchPartyJob.due_at,
                m.WatchPartyJob.attempts,
            )
        )
        jobs = [
            JobRecord(int(i), int(p), str(pl), str(k), int(o), sql.as_utc(d), int(a))
            for i, p, pl, k, o, d, a in rows
        ]
        return sorted(jobs, key=lambda j: (j.due_at, j.id))

    async def renew_jobs(
        self, job_ids: Iterable[int], holder: str, lease_until: datetime
    ) -> set[int]:
        """Extend `holder`'s leases; the ids it still holds (one taken over is not among them)."""
        renewed = await self.session.scalars(
            update(m.WatchPartyJob)
            .where(m.WatchPartyJob.id.in_(list(job_ids)), _held_by(holder))
            .values(lease_until=lease_until)
            .returning(m.WatchPartyJob.id)
        )
        return {int(i) for i in renewed}

    async def finish_job(
        self,
        job_id: int,
        holder: str,
        state: str,
        now: datetime,
        message_id: str | None = None,
    ) -> bool:
        """Record the outcome with the message it sent. False: the job was no longer `holder`'s
        (its lease ran out and another process took it over)."""
        finished = await self.session.scalar(
            update(m.WatchPartyJob)
            .where(m.WatchPartyJob.id == job_id, _held_by(holder))
            .values(state=state, done_at=now, message_id=message_id, lease_until=None)
            .returning(m.WatchPartyJob.id)
        )
        return finished is not None

    async def retry_job(self, job_id: int, holder: str, due_at: datetime) -> bool:
        retried = await self.session.scalar(
            update(m.WatchPartyJob)
            .where(m.WatchPartyJob.id == job_id, _held_by(holder))
            .values(state="pending", due_at=due_at, claimed_by=None, lease_until=None)
            .returning(m.WatchPartyJob.id)
        )
        return retried is not None

    async def release_jobs(self, holder: str) -> int:
        """Give back every job `holder` still holds (a clean shutdown), for another process to
        take at once instead of after the lease."""
        released = await self.session.scalars(
            update(m.WatchPartyJob)
            .where(_held_by(holder))
            .values(state="pending", claimed_by=None, lease_until=None)
            .returning(m.WatchPartyJob.id)
        )
        return len(list(released))

    async def next_wakeup(self, platforms: Iterable[str]) -> datetime | None:
        """The earliest moment these platforms' scheduler has something to do: a job falling
        due, another holder's lease running out, or a vote's deadline."""
        platforms = list(platforms)
        due = await self.session.scalar(
            select(func.min(m.WatchPartyJob.due_at)).where(
                m.WatchPartyJob.platform.in_(platforms), m.WatchPartyJob.state == "pending"
            )
        )
        lease = await self.session.scalar(
            select(func.min(m.WatchPartyJob.lease_until)).where(
                m.WatchPartyJob.platform.in_(platforms), m.WatchPartyJob.state == "sending"
            )
        )
        deadline = await self.session.scalar(
            select(func.min(m.WatchParty.closes_at))
            .join(m.Chat, m.Chat.id == m.WatchParty.chat_id)
            .where(m.WatchParty.state == "voting", m.Chat.platform.in_(platforms))
        )
        moments = [sql.as_utc(x) for x in (due, lease, deadline) if x is not None]
        return min(moments, default=None)

    async def jobs_of(self, party_id: int) -> list[tuple[str, int, str]]:
        """(kind, offset minutes, state) of a party's jobs, for status replies and tests."""
        rows = await self.session.execute(
            select(m.WatchPartyJob.kind, m.WatchPartyJob.offset_minutes, m.WatchPartyJob.state)
            .where(m.WatchPartyJob.party_id == party_id)
            .order_by(m.WatchPartyJob.due_at, m.WatchPartyJob.id)
        )
        return [(str(k), int(o), str(s)) for k, o, s in rows]
