"""Watch parties: a chat picks what to watch together, votes, and gets reminded.

Commands (registered on the Dispatcher by `register`):
    /watchparty new [when] [title; title; ...] [--for 2d]   open a party (no titles: group picks)
    /watchparty                                             the active party with its vote count
    /watchparty join | leave                                RSVP for reminders and the rating ask
    /watchparty close | cancel                              host or admin
    /watchparty move <when>                                 a new start (host or admin)
    /watchparty history                                     past parties
    /vote <n> | /vote 0 | /vote none                        vote, change, withdraw

Adapter-facing API for native polls (stable; Telegram and Discord code against it):

    reply = await parties.<command>(...)    # a Reply with `poll` set when a party opens
    await parties.poll_opened(key, platform, chat_id, platform_poll_id, message_id)
        After posting `reply.poll` as a native poll, tell the core its ids. `key` is
        `reply.poll.key` ("party:<id>"), `chat_id` the platform chat id, `message_id` the
        message holding the poll (used to stop it when voting ends). Polls must be
        non-anonymous and single-answer so answers carry the voter.
    reply = await parties.poll_answered(platform, platform_poll_id, voter, option_indices)
        A member answered (or retracted: empty list) a native poll. `voter` is a
        CommandContext for the member; its chat_id is ignored (Telegram poll answers carry
        no chat), the party's chat is used. `option_indices` are 0-based poll option
        positions. Returns a Reply to show the voter privately if the platform can (e.g. the
        vote arrived after the poll closed), else None.

Outbound messages (results, reminders, rating asks, stopping native polls) go through the
Scheduler (bot/features/watchparty/scheduler.py) and each front end's Messenger
(bot/core/outbox.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.core.catalog import CatalogSnapshot
from bot.core.clock import Clock, system_clock
from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.dispatch import Dispatcher, is_exact_title
from bot.core.errors import AmbiguousTitleError, UnknownTitleError, UsageError, UserError
from bot.core.kernel import Core
from bot.core.outbox import Messenger, PartyEvent
from bot.core.params import DURATION, TEXT, TITLES, WHEN, Param
from bot.core.replies import Action, Item, Link, Poll, PollOption, Reply
from bot.core.text import clean_user_text, shorten
from bot.core.when import (
    format_duration,
    format_local,
    impossible_time,
    looks_like_time,
    parse_duration,
    parse_when,
)
from bot.features.settings.commands import (
    SETTINGS,
    ChatSettingsCommands,
    ChatView,
    MembershipTracker,
    describe_reminders,
    enter_chat,
    peek_chat,
)
from bot.features.watchparty.events import CANCEL_JOB, PUBLISH_JOB, PartyEvents, runtime
from bot.features.watchparty.group_picks import DEFAULT_PICKS, available_on, proposals
from bot.features.watchparty.poll_answers import PollAnswer, PollAnswerQueue
from db.models import MAX_PARTY_CANDIDATES, MIN_PARTY_CANDIDATES
from db.repositories import Repositories
from db.watch_party_repository import CandidateRecord, JobRecord, NewJob, PartyRecord

log = logging.getLogger(__name__)

DEFAULT_VOTING = timedelta(hours=24)
MAX_VOTING = timedelta(days=7)
MIN_VOTING = timedelta(minutes=5)
LATE_START_GRACE = timedelta(minutes=30)  # an "it's starting" reminder later than this is noise
RATING_ASK_AFTER_END = timedelta(minutes=15)  # the credits, a moment to talk
HISTORY_LIMIT = 10
MAX_ARGS_CHARS = 3000  # ten long titles and a time
POLL_OPTION_CHARS = 55  # Telegram allows 100, Discord 55

WATCHPARTY = Command(
    "watchparty",
    "pick what to watch together: a poll, the winner, reminders",
    subcommands=(
        Command(
            "new",
            "open a vote on 2 to 10 titles (none: I propose picks for the group)",
            params=(
                Param("when", WHEN, "When it starts, e.g. sat 8pm or 2026-12-05 20:00"),
                Param(
                    "titles",
                    TITLES,
                    "2 to 10 titles separated by semicolons; leave empty for group picks",
                    max_length=MAX_ARGS_CHARS,
                ),
                Param(
                    "voting",
                    DURATION,
                    "How long the vote stays open, e.g. 2d (default 24h, or until the start)",
                    style="flag",
                    written="for",
                ),
            ),
            separator="; ",
            example="/watchparty new sat 8pm; Parasite; Okja",
        ),
        Command("status", "the open party with its vote count"),
        Command("join", "get the reminders and the rating ask"),
        Command("leave", "no more reminders for you"),
        Command(
            "move",
            "a new start for a party still ahead (host or admin)",
            params=(
                Param(
                    "when",
                    WHEN,
                    "The new start, e.g. sun 9pm or 2026-12-06 21:00",
                    required=True,
                    question="When does it start now? e.g. sun 9pm.",
                ),
            ),
        ),
        Command("close", "end the vote now and announce the winner (host or admin)"),
        Command("cancel", "call the party off (host or admin)"),
        Command("history", "past watch parties"),
    ),
    example="/watchparty new sat 8pm; Parasite; Okja; The Host",
)
VOTE = Command(
    "vote",
    "vote in the watch party (change it any time)",
    params=(
        Param("choice", TEXT, "The option's number; none withdraws your vote", max_length=100),
    ),
    example="/vote 2",
)

_FOR_FLAG = re.compile(r"(?:^|\s)--?(?:for|vote|until)\s+(\S+)", re.IGNORECASE)
_WITHDRAW = frozenset({"0", "none", "withdraw", "remove", "clear", "unvote", "-"})


@dataclass(frozen=True, slots=True)
class Decision:
    party: PartyRecord
    winner: CandidateRecord | None
    tally: dict[int, int]


def register(dispatcher: Dispatcher, core: Core, clock: Clock = system_clock) -> WatchParties:
    """Wire the watch-party and settings commands and chat-membership tracking."""
    parties = WatchParties(core, clock)
    settings = ChatSettingsCommands(core)
    dispatcher.register(WATCHPARTY, parties.watchparty)
    dispatcher.register(VOTE, parties.vote_command)
    dispatcher.register(SETTINGS, settings.settings)
    dispatcher.observe(MembershipTracker(core))
    return parties


class WatchParties:
    def __init__(self, core: Core, clock: Clock = system_clock) -> None:
        self.core = core
        self.db = core.db
        self.clock = clock
        # Called after new scheduler jobs are committed, so a running scheduler acts at once.
        self.on_jobs: Callable[[], None] | None = None
        # Native poll answers, kept through a database outage
        # (bot/features/watchparty/poll_answers.py).
        self.answers = PollAnswerQueue(self._store_answer)
        # Per platform, the Scheduler's messengers: they stop native polls (a vote on one is
        # decided by the poll's final counts, read as it is stopped) and remind in private.
        self.messengers: dict[str, Messenger] = {}
        # The party as the platform's scheduled event, where it has them (Discord).
        self.events = PartyEvents(self.db, self.messengers)

    # -- /watchparty -------------------------------------------------------------------------

    async def watchparty(self, ctx: CommandContext, args: str) -> Reply:
        if len(args) > MAX_ARGS_CHARS:
            raise UsageError("That is too long for a watch party: name 2 to 10 titles at most.")
        verb, _, rest = clean_user_text(args).strip().partition(" ")
        verb = verb.lower()
        simple = {
            "": self.show,
            "show": self.show,
            "status": self.show,
            "join": self.join,
            "rsvp": self.join,
            "leave": self.leave,
            "close": self.close,
            "end": self.close,
            "cancel": self.cancel,
            "history": self.history,
        }
        if verb in {"new", "start", "create", "open"}:
            return await self.open(ctx, rest.strip())
        if verb in {"move", "time", "reschedule"}:
            return await self.move(ctx, rest.strip())
        if verb in simple:
            if rest.strip() and verb != "":
                raise UsageError(f"/watchparty {verb} takes nothing after it.")
            return await simple[verb](ctx)
        raise UsageError(
            f'I don\'t know "/watchparty {shorten(verb, 40)}". '
            "Try /watchparty new sat 8pm; Parasite; Okja, "
            "or /watchparty join, close, cancel, history."
        )

    async def open(self, ctx: CommandContext, args: str) -> Reply:
        now = self.clock()
        snap = await self.core.catalog.get()
        voting_for: timedelta | None = None
        if flag := _FOR_FLAG.search(args):
            voting_for = parse_duration(flag.group(1))
            args = (args[: flag.start()] + args[flag.end() :]).strip()
        async with self.db.unit_of_work() as repos:
            view = await self._peek_chat(repos, ctx)
            if view is not None:
                existing = await repos.parties.active(view.id, self.clock())
                if existing is not None:
                    raise UserError(self._already_open(existing))
        zone = view.zone if view is not None else ZoneInfo("UTC")
        when_text, titles = self._split_new(snap, args, zone, now)
        starts_at = parse_when(when_text, zone, now) if when_text else None
        closes_at = self._deadline(now, starts_at, voting_for, zone)
        chosen = await self._resolve_titles(titles)
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            await repos.parties.end_started(now, view.id)
            existing = await repos.parties.active(view.id, now)
            if existing is not None:
                raise UserError(self._already_open(existing))
            if chosen:
                candidates = [
                    (tid, available_line(snap, tid, view.region, view.services)) for tid in chosen
                ]
                picked = False
                wished = 0
            else:
                members = await repos.parties.member_ratings(view.id)
                chat_list = [
                    (e.title_id, len(e.wanted_by))
                    for e in await repos.watchlist.chat_entries(view.id)
                ]
                member_lists = await repos.watchlist.members_lists(view.id)
                picks = proposals(
                    snap, chat_list, member_lists, members, view.region, view.services
                )
                if len(picks) < MIN_PARTY_CANDIDATES:
                    raise UserError("I couldn't find enough titles to propose; name some.")
                candidates = [(p.title_id, p.reason) for p in picks]
                picked = True
                wished = sum(p.from_watchlist for p in picks)
            try:
                async with repos.session.begin_nested():
                    party_id = await repos.parties.create(
                        chat_id=view.id,
                        host_user_id=view.user_id,
                        starts_at=starts_at,
                        closes_at=closes_at,
                        timezone=view.zone.key,
                        reminder_minutes=view.reminders,
                        candidates=candidates,
                        now=now,
                    )
            except IntegrityError as error:  # another host won a race for this chat
                raise UserError("A watch party was just opened here; see /watchparty.") from error
            party = await repos.parties.get(party_id)
            records = await repos.parties.candidates(party_id)
        assert party is not None
        return self._opened_reply(snap, party, records, picked, wished)

    def _split_new(
        self, snap: CatalogSnapshot, args: str, zone: ZoneInfo, now: datetime
    ) -> tuple[str | None, list[str]]:
        """("sat 8pm", ["Parasite", "Okja"]) from "sat 8pm; Parasite; Okja" (or "sat 8pm
        Parasite; Okja"). The time is optional, so is every title."""
        segments = [s.strip() for s in re.split(r"[;|\n]", args) if s.strip()]
        if not segments:
            return None, []
        first = segments[0]
        if is_exact_title(snap, first):
            return None, segments
        words = first.split()
        if problem := impossible_time(first):
            raise UsageError(problem)  # "25pm; Okja" is a mistyped time, not a title
        for n in range(min(len(words), 6), 0, -1):
            prefix = " ".join(words[:n])
            if not looks_like_time(prefix):
                continue
            try:
                parse_when(prefix, zone, now)
            except UsageError as error:
                if n == len(words) and "past" in error.message:
                    raise
                if n == len(words) and len(segments) == 1 and not self._title_like(snap, first):
                    raise
                continue
            rest = " ".join(words[n:])
            return prefix, ([rest] if rest else []) + segments[1:]
        return None, segments

    @staticmethod
    def _title_like(snap: CatalogSnapshot, text: str) -> bool:
        matches = snap.index.search(text, limit=1)
        return bool(matches) and matches[0].score >= 80

    def _deadline(
        self,
        now: datetime,
        starts_at: datetime | None,
        voting_for: timedelta | None,
        zone: ZoneInfo,
    ) -> datetime:
        if voting_for is not None and not MIN_VOTING <= voting_for <= MAX_VOTING:
            raise UsageError("Voting can stay open from 5 minutes up to 7 days.")
        if starts_at is not None and starts_at - now < MIN_VOTING:
            raise UsageError(
                "That starts too soon for a vote: pick a start at least 5 minutes from now."
            )
        closes_at = now + (voting_for or DEFAULT_VOTING)
        if starts_at is not None and closes_at > starts_at:
            if voting_for is not None:
                raise UsageError(
                    f"The vote has to end by the start ({format_local(starts_at, zone)}); "
                    "shorten --for."
                )
            closes_at = starts_at
        return closes_at

    async def _resolve_titles(self, titles: Sequence[str]) -> list[int]:
        if not titles:
            return []
        if len(titles) < MIN_PARTY_CANDIDATES:
            raise UsageError(
                f"A vote needs {MIN_PARTY_CANDIDATES} to {MAX_PARTY_CANDIDATES} titles separated "
                "by semicolons, e.g. /watchparty new sat 8pm; Parasite; Okja — or none, and I "
                "propose some for the group."
            )
        if len(titles) > MAX_PARTY_CANDIDATES:
            raise UsageError(
                f"That is {len(titles)} titles; a vote takes at most {MAX_PARTY_CANDIDATES}."
            )
        chosen: list[int] = []
        for text in titles:
            try:
                _snap, title, _notes = await self.core.resolve(text, write=True)
            except (UnknownTitleError, AmbiguousTitleError) as error:
                options = "; ".join(c.label for c in error.choices)
                hint = f" Did you mean: {options}?" if options else ""
                message = error.message.replace(" Did you mean one of these?", "")
                raise UserError(f"{message}{hint}") from error
            if title.id in chosen:
                raise UsageError(f"{self.core.label(title)} is on the list twice.")
            chosen.append(title.id)
        return chosen

    async def show(self, ctx: CommandContext) -> Reply:
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            view = await self._peek_chat(repos, ctx)
            party = await repos.parties.active(view.id, self.clock()) if view else None
            if party is None:
                return Reply(
                    text="No watch party is planned in this chat.",
                    notes=(
                        "Start one: /watchparty new sat 8pm; Parasite; Okja — or leave out the "
                        "titles and I'll propose some the group will like.",
                    ),
                    actions=(Action("Past parties", "/watchparty history"),),
                )
            records = await repos.parties.candidates(party.id)
            tally = await repos.parties.tally(party.id)
            attendees = await repos.parties.attendees(party.id)
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            mine = await repos.parties.vote_of(party.id, user_id) if user_id is not None else None
        return self._status_reply(snap, party, records, tally, attendees, mine)

    async def join(self, ctx: CommandContext) -> Reply:
        now = self.clock()
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            party = await self._require_active(repos, view)
            added = await repos.parties.rsvp(party.id, view.user_id, now)
            attendees = await repos.parties.attendees(party.id)
            records = await repos.parties.candidates(party.id)
        what = self._what(snap, party, records)
        zone = ZoneInfo(party.timezone)
        when = f", {format_local(party.starts_at, zone)}" if party.starts_at else ""
        lines = [f"{'You joined' if added else 'You are already in'} {what}{when}."]
        notes = [f"Going ({len(attendees)}): {', '.join(n for _, n in attendees)}."]
        if party.starts_at is None:
            notes.append("No start time is set yet; agree on one in the chat.")
        elif ahead := reminders_ahead(party.starts_at, party.reminder_minutes, now):
            notes.append(f"I'll remind you {reminder_text(ahead)}.")
        notes.append("Changed your mind? /watchparty leave")
        return Reply(text=" ".join(lines), notes=tuple(notes))

    async def leave(self, ctx: CommandContext) -> Reply:
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            party = await self._require_active(repos, view)
            removed = await repos.parties.leave(party.id, view.user_id)
        if not removed:
            return Reply(text="You hadn't joined this party.", notes=("Join: /watchparty join",))
        return Reply(text="You left the watch party; no reminders for you.")

    async def close(self, ctx: CommandContext) -> Reply:
        now = self.clock()
        async with self.db.unit_of_work() as repos:
            view = await self._peek_chat(repos, ctx)
            party = await repos.parties.active(view.id, self.clock()) if view else None
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
        if party is None:
            raise UserError("There is no watch party to close in this chat.")
        if party.state != "voting":
            raise UserError("The vote for this party is already closed; see /watchparty.")
        self._check_may_manage(ctx, party, user_id, "close")
        by = clean_user_text(ctx.display_name).strip() or ctx.user_id
        decision = await self.decide(party.id, by, now, announce=False)
        if decision is None:
            raise UserError("The vote has just been closed; see /watchparty.")
        await self._publish_for_host(decision.party.id, now)
        return await self.result_reply(decision.party.id)

    async def cancel(self, ctx: CommandContext) -> Reply:
        now = self.clock()
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            party = await self._require_active(repos, view)
            self._check_may_manage(ctx, party, view.user_id, "cancel")
            by = clean_user_text(ctx.display_name).strip() or ctx.user_id
            if not await repos.parties.cancel(party.id, by, now):
                raise UserError("That party has just ended; see /watchparty history.")
            jobs = [NewJob("stop_poll", now)] if party.poll_message_id else []
            if party.state == "scheduled" and self.events.can_publish_here(party.platform):
                # Decided: it may have an event, or one on the way.
                jobs.append(NewJob(CANCEL_JOB, now))
            await repos.parties.add_jobs(party.id, party.platform, jobs)
        self._jobs_added()
        return Reply(text=f"Watch party cancelled by {by}.", notes=("Start a new one any time.",))

    async def move(self, ctx: CommandContext, when_text: str) -> Reply:
        """A new start: the reminders, the rating ask and the party's event follow it; a vote
        still open closes by the new start at the latest."""
        if not when_text:
            raise UsageError("Say when it starts now, e.g. /watchparty move sat 9pm")
        now = self.clock()
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            party = await self._require_active(repos, view)
            self._check_may_manage(ctx, party, view.user_id, "move")
            zone = ZoneInfo(party.timezone)
            starts_at = parse_when(when_text, zone, now)
            if starts_at - now < MIN_VOTING:
                raise UsageError("Pick a start at least 5 minutes from now.")
            # A vote still open ends by the new start at the latest.
            closes_at = min(party.closes_at, starts_at)
            if not await repos.parties.move(party.id, starts_at, closes_at):
                raise UserError("That party has just ended; see /watchparty history.")
            moved = await repos.parties.get(party.id)
            records = await repos.parties.candidates(party.id)
            assert moved is not None
            winner = next((c for c in records if c.position == moved.winner_position), None)
            if moved.state == "scheduled" and winner is not None:
                jobs = self._start_jobs(snap, moved, winner, now)
                kinds = ["remind", "review"]
                if self.events.can_publish_here(moved.platform):
                    jobs.append(NewJob(PUBLISH_JOB, now))  # the event follows: edited in place
                    kinds.append(PUBLISH_JOB)
                await repos.parties.replan_jobs(moved.id, moved.platform, kinds, jobs)
        self._jobs_added()
        notes = ["Those who joined are reminded for the new time."]
        if moved.state == "voting":
            notes.insert(0, f"Voting closes {format_local(moved.closes_at, zone)}.")
        what = self._what(snap, moved, records)  # "the watch party for Okja (2017)"
        return Reply(
            text=f"{what[:1].upper()}{what[1:]} now starts {format_local(starts_at, zone)}.",
            notes=tuple(notes),
        )

    async def history(self, ctx: CommandContext) -> Reply:
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            view = await self._peek_chat(repos, ctx)
            now = self.clock()
            parties = await repos.parties.history(view.id, HISTORY_LIMIT, now) if view else []
            details = [
                (p, await repos.parties.candidates(p.id), await repos.parties.tally(p.id))
                for p in parties
            ]
        if not details:
            return Reply(text="No past watch parties in this chat yet.")
        items = []
        for party, records, tally in details:
            zone = ZoneInfo(party.timezone)
            when = format_local(party.starts_at or party.created_at, zone)
            winner = next((c for c in records if c.position == party.winner_position), None)
            if party.state == "cancelled":
                text = f"{when} — cancelled by {party.closed_by}"
            elif winner is not None:
                text = f"{when} — {self._name(snap, winner.title_id)}"
            else:
                text = f"{when} — no winner"
            votes = sum(tally.values())
            detail = f"host {party.host_name} · {len(records)} options · {votes} vote(s)"
            items.append(Item(text=text, detail=detail))
        return Reply(text="Past watch parties, newest first:", items=tuple(items))

    # -- /vote and native poll answers ---------------------------------------------------------

    async def vote_command(self, ctx: CommandContext, args: str) -> Reply:
        choice = clean_user_text(args).strip()
        if len(choice) > MAX_ARGS_CHARS:
            raise UsageError("Vote with the option's number, e.g. /vote 2.")
        if not choice:
            return await self.show(ctx)
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            view = await self._peek_chat(repos, ctx)
            party = await repos.parties.active(view.id, self.clock()) if view else None
            records = await repos.parties.candidates(party.id) if party is not None else []
        if party is None:
            raise UserError("There is no vote in this chat. Start one: /watchparty new")
        if party.poll_platform_id:
            # One ballot: the poll everyone sees. A second one beside it would disagree with it.
            raise UserError(
                "Vote in the poll above: pick a title there (you can change or withdraw your "
                "answer in the poll until it closes)."
            )
        withdraw = choice.lower() in _WITHDRAW
        position = None if withdraw else self._position(snap, records, choice)
        return await self._record_vote(ctx, party.id, position, snap)

    def _position(
        self, snap: CatalogSnapshot, records: Sequence[CandidateRecord], text: str
    ) -> int:
        positions = [c.position for c in records]
        if text.lstrip("#").isdigit():
            n = int(text.lstrip("#"))
            if n in positions:
                return n
            raise UsageError(
                f"Vote with a number from 1 to {len(records)}, or /vote none to withdraw."
            )
        wanted = text.casefold()
        named = [
            c.position
            for c in records
            if snap.titles.get(c.title_id) is not None
            and snap.titles[c.title_id].name.casefold().startswith(wanted)
        ]
        if len(named) == 1:
            return named[0]
        raise UsageError(
            f"Vote with the option's number (1 to {len(records)}), e.g. /vote 2; "
            "/vote none withdraws your vote."
        )

    async def poll_opened(
        self,
        key: str,
        platform: str,
        chat_id: str,
        platform_poll_id: str,
        message_id: str | None,
    ) -> None:
        """Remember the native poll an adapter posted for `key` (see the module docstring)."""
        party_id = party_id_of(key)
        async with self.db.unit_of_work(write=True) as repos:
            party = await repos.parties.get(party_id)
            if party is None or (party.platform, party.platform_chat_id) != (platform, chat_id):
                raise ValueError(f"poll {key} does not belong to {platform} chat {chat_id}")
            await repos.parties.set_poll(party_id, platform_poll_id, message_id)
            if party.state != "voting" and message_id:
                # Closed while the adapter was posting: stop the fresh poll too.
                await repos.parties.add_jobs(
                    party_id, platform, [NewJob("stop_poll", self.clock())]
                )
        self._jobs_added()

    async def poll_answered(
        self,
        platform: str,
        platform_poll_id: str,
        voter: CommandContext,
        option_indices: Sequence[int],
    ) -> Reply | None:
        """Record a native poll answer; [] withdraws (see the module docstring). While the
        database is away the answer is kept, after the poll's earlier ones, and None returned."""
        answer = PollAnswer(platform, platform_poll_id, voter, tuple(option_indices), self.clock())
        return await self.answers.submit(answer)

    async def _store_answer(self, answer: PollAnswer) -> Reply | None:
        async with self.db.unit_of_work() as repos:
            party = await repos.parties.by_poll(answer.platform, answer.platform_poll_id)
        if party is None:
            return None
        voter = answer.voter
        ctx = CommandContext(
            platform=voter.platform,
            user_id=voter.user_id,
            display_name=voter.display_name,
            chat_id=party.platform_chat_id,
            is_admin=voter.is_admin,
            is_group=True,
        )
        indices = answer.option_indices
        position = int(indices[0]) + 1 if indices else None
        snap = await self.core.catalog.get()
        try:
            await self._record_vote(ctx, party.id, position, snap, at=answer.answered_at)
        except UserError as error:
            return Reply(text=error.message, kind="error")
        return None

    async def _record_vote(
        self,
        ctx: CommandContext,
        party_id: int,
        position: int | None,
        snap: CatalogSnapshot,
        at: datetime | None = None,
    ) -> Reply:
        now = at or self.clock()  # `at`: when a kept poll answer arrived
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            state = await repos.parties.state_for_vote(party_id)
            if state != "voting":
                raise UserError("Voting has closed for this party; see /watchparty.")
            party = await repos.parties.get(party_id)
            assert party is not None
            if now >= party.closes_at:
                raise UserError("Voting has closed for this party; the result comes shortly.")
            records = await repos.parties.candidates(party_id)
            if position is not None and position not in {c.position for c in records}:
                raise UsageError(f"Vote with a number from 1 to {len(records)}.")
            previous = await repos.parties.vote_of(party_id, view.user_id)
            if position is None:
                await repos.parties.withdraw_vote(party_id, view.user_id)
            else:
                await repos.parties.set_vote(party_id, view.user_id, position, now)
            tally = await repos.parties.tally(party_id)
        by_position = {c.position: c for c in records}
        if position is None:
            text = "You withdrew your vote." if previous else "You had not voted."
        else:
            name = self._name(snap, by_position[position].title_id)
            if previous is None:
                text = f"You voted for {position}. {name}."
            elif previous == position:
                text = f"Your vote is already on {position}. {name}."
            else:
                text = f"You changed your vote to {position}. {name}."
        return Reply(
            text=text,
            items=self._tally_items(snap, records, tally),
            notes=(
                f"{sum(tally.values())} vote(s) so far; voting closes "
                f"{format_local(party.closes_at, ZoneInfo(party.timezone))}.",
                "Change it with /vote <n>, withdraw with /vote none.",
            ),
        )

    # -- deciding ------------------------------------------------------------------------------

    async def decide(
        self, party_id: int, closed_by: str, now: datetime, *, announce: bool
    ) -> Decision | None:
        """Close the vote and pick the winner: once, whichever process or host gets here first.
        Schedules the result (when `announce`), reminders and the rating ask in the same
        transaction, so none is lost or doubled by a crash or a second process."""
        snap = await self.core.catalog.get()
        await self._read_final_poll(party_id)
        async with self.db.unit_of_work(write=True) as repos:
            if not await repos.parties.claim_close(party_id, closed_by, now):
                return None
            party = await repos.parties.get(party_id)
            assert party is not None
            records = await repos.parties.candidates(party_id)
            tally = await repos.parties.tally(party_id)
            members = await repos.parties.member_ratings(party.chat_id)
            liking = snap.model.group_liking(list(members.values()), [c.title_id for c in records])
            winner = (
                max(
                    records,
                    key=lambda c: (
                        tally.get(c.position, 0),
                        round(liking.get(c.title_id, 0.0), 6),
                        -c.position,
                    ),
                )
                if records
                else None
            )
            upcoming = party.starts_at is not None and party.starts_at > now
            await repos.parties.set_outcome(
                party_id, winner.position if winner else None, "scheduled" if upcoming else "done"
            )
            jobs = self._jobs_after_decision(snap, party, winner, now, announce)
            await repos.parties.add_jobs(party_id, party.platform, jobs)
            party = await repos.parties.get(party_id)
        assert party is not None
        self._jobs_added()
        return Decision(party, winner, tally)

    async def _read_final_poll(self, party_id: int) -> None:
        """Stop the party's native poll and keep its final counts, which then are the result:
        the poll everyone sees and the announcement agree, offline votes included. Without a
        way to stop it here (no messenger for the platform in this process) or when the
        platform gives no counts, the votes recorded one by one decide."""
        async with self.db.unit_of_work() as repos:
            party = await repos.parties.get(party_id)
        if party is None or party.state != "voting" or not party.poll_message_id:
            return
        stopper = self.messengers.get(party.platform)
        if stopper is None:
            return
        counts = await stopper.stop_poll(party.platform_chat_id, party.poll_message_id)
        async with self.db.unit_of_work(write=True) as repos:
            await repos.parties.poll_stopped(party_id, counts)

    def _jobs_after_decision(
        self,
        snap: CatalogSnapshot,
        party: PartyRecord,
        winner: CandidateRecord | None,
        now: datetime,
        announce: bool,
    ) -> list[NewJob]:
        jobs: list[NewJob] = []
        upcoming = winner is not None and party.starts_at is not None and party.starts_at > now
        if announce and upcoming and self.events.can_publish_here(party.platform):
            # Before the announcement (same moment, claimed first), so the result links it. A
            # host's close publishes at once instead (see close()). Decisions run where the
            # platform's messenger is (its scheduler, or the command's process).
            jobs.append(NewJob(PUBLISH_JOB, now))
        if announce:
            jobs.append(NewJob("announce", now))
        elif party.poll_message_id:  # not stopped yet (no messenger here): the scheduler will
            jobs.append(NewJob("stop_poll", now))
        if winner is None:
            return jobs
        return jobs + self._start_jobs(snap, party, winner, now)

    def _start_jobs(
        self, snap: CatalogSnapshot, party: PartyRecord, winner: CandidateRecord, now: datetime
    ) -> list[NewJob]:
        """The reminders and the rating ask for the party's start (none without one)."""
        if party.starts_at is None:
            return []
        jobs: list[NewJob] = []
        for minutes in reminders_ahead(party.starts_at, party.reminder_minutes, now):
            # Never before the result: a late close (the deadline is the start) would otherwise
            # say "starts now" before saying what starts.
            due = max(party.starts_at - timedelta(minutes=minutes), now)
            jobs.append(NewJob("remind", due, minutes))
        ends = party.starts_at + runtime(snap, winner.title_id)
        jobs.append(NewJob("review", ends + RATING_ASK_AFTER_END))
        return jobs

    def _jobs_added(self) -> None:
        if self.on_jobs is not None:
            self.on_jobs()

    # -- the party as the platform's scheduled event -----------------------------------------

    async def party_event(self, party: PartyRecord) -> PartyEvent | None:
        """What the party's event says: the winner, from the start for its runtime, where to
        watch it. None: nothing to publish (no winner, no start time, cancelled, over)."""
        if party.state != "scheduled" or party.starts_at is None:
            return None
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            records = await repos.parties.candidates(party.id)
            chat = await repos.parties.find_chat(party.platform, party.platform_chat_id)
        winner = next((c for c in records if c.position == party.winner_position), None)
        if winner is None or chat is None:
            return None
        region = chat.region or self.core.settings.default_region
        zone = ZoneInfo(party.timezone)
        description = (
            f"Watch party in this channel, {format_local(party.starts_at, zone)}, "
            f"hosted by {party.host_name}.\n"
            f"{where_line(snap, self.core, winner.title_id, region, chat.services)}\n"
            "Mark yourself interested to get the reminders."
        )
        return PartyEvent(
            name=self._name(snap, winner.title_id),
            description=description,
            starts_at=party.starts_at,
            ends_at=party.starts_at + runtime(snap, winner.title_id),
        )

    async def run_event_job(self, job: JobRecord) -> str:
        """An "event" or "event_end" job: publish the party's event, or cancel it."""
        async with self.db.unit_of_work() as repos:
            party = await repos.parties.get(job.party_id)
        if party is None:
            return "skipped"
        if job.kind == CANCEL_JOB or party.state == "cancelled":
            return "sent" if await self.events.cancel(party) else "skipped"
        event = await self.party_event(party)
        if event is None:
            return "skipped"
        return "sent" if await self.events.publish(party, event) else "skipped"

    async def _publish_for_host(self, party_id: int, now: datetime) -> None:
        """Publish a party the host just closed, so the result they get links its event; after
        a platform error the scheduler tries again."""
        async with self.db.unit_of_work() as repos:
            party = await repos.parties.get(party_id)
        if party is None or not self.events.can_publish_here(party.platform):
            return
        if (event := await self.party_event(party)) is None:
            return
        try:
            await self.events.publish(party, event)
            return
        except Exception:
            log.warning("could not publish the event of party %s now", party_id, exc_info=True)
        async with self.db.unit_of_work(write=True) as repos:
            await repos.parties.add_jobs(party_id, party.platform, [NewJob(PUBLISH_JOB, now)])
        self._jobs_added()

    # -- scheduler-facing: what each job says --------------------------------------------------

    async def job_message(
        self, job: JobRecord, now: datetime
    ) -> tuple[PartyRecord | None, Reply | None]:
        """The party and what to send for a claimed job (None: nothing to say any more)."""
        async with self.db.unit_of_work() as repos:
            party = await repos.parties.get(job.party_id)
        if party is None:
            return None, None
        if job.kind == "announce":
            return party, await self.result_reply(party.id)
        if job.kind == "remind":
            reminder = await self.reminder_reply(party, job.offset_minutes, now)
            return party, await self._remind_privately(party, reminder) if reminder else None
        if job.kind == "review":
            return party, await self.review_reply(party)
        return party, None

    async def result_reply(self, party_id: int) -> Reply:
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            party = await repos.parties.get(party_id)
            assert party is not None
            records = await repos.parties.candidates(party_id)
            tally = await repos.parties.tally(party_id)
            # A read: the party's chat exists (it references it), so nothing to create here.
            chat = await repos.parties.find_chat(party.platform, party.platform_chat_id)
            assert chat is not None
        winner = next((c for c in records if c.position == party.winner_position), None)
        if winner is None:
            return Reply(text="The watch party vote ended without a winner.")
        t = snap.titles.get(winner.title_id)
        name = self.core.label(t) if t else f"#{winner.title_id}"
        votes = tally.get(winner.position, 0)
        total = sum(tally.values())
        how = (
            "deadline reached" if party.closed_by == "deadline" else f"closed by {party.closed_by}"
        )
        if total == 0:
            count = "No votes were cast, so I picked what the group should like most."
        else:
            count = f"{votes} of {total} vote{'s' if total != 1 else ''}."
            top = [p for p, n in tally.items() if n == votes]
            if len(top) > 1:
                count += " A tie, broken by how much the group should like it."
        zone = ZoneInfo(party.timezone)
        region = chat.region or self.core.settings.default_region
        notes = [count]
        if party.starts_at is not None:
            notes.append(f"Starts {format_local(party.starts_at, zone)}.")
        else:
            notes.append("No start time was set; agree on one in the chat.")
        notes.append(where_line(snap, self.core, winner.title_id, region, chat.services))
        actions: list[Action] = [Action("Where to watch", f"/where #{winner.title_id}")]
        links: tuple[Link, ...] = ()
        if party.state == "scheduled":
            notes.append("Join to get reminders: /watchparty join")
            actions.insert(0, Action("Join", "/watchparty join"))
            if party.event_url:
                notes.append("It is an event of the server too: mark it Interested for reminders.")
                links = (Link("Event", party.event_url),)
        return Reply(
            text=f"🏆 Watch party pick: {name} ({how}).",
            items=self._tally_items(snap, records, tally),
            notes=tuple(notes),
            actions=tuple(actions),
            links=links,
        )

    async def reminder_reply(self, party: PartyRecord, offset: int, now: datetime) -> Reply | None:
        if party.state == "cancelled" or party.starts_at is None:
            return None
        if (offset > 0 and now >= party.starts_at) or now > party.starts_at + LATE_START_GRACE:
            return None  # late after a restart and no longer useful
        audience = await self.reminder_audience(party)
        if not audience:
            return None
        async with self.db.unit_of_work() as repos:
            records = await repos.parties.candidates(party.id)
        snap = await self.core.catalog.get()
        winner = next((c for c in records if c.position == party.winner_position), None)
        name = self._name(snap, winner.title_id) if winner else "the watch party"
        if now >= party.starts_at - timedelta(minutes=1):
            late = now - party.starts_at
            timing = (
                "starts now"
                if late < timedelta(minutes=2)
                else f"started {format_duration(late)} ago"
            )
        else:
            timing = f"starts in {format_duration(party.starts_at - now)}"
        zone = ZoneInfo(party.timezone)
        return Reply(
            text=f"⏰ {name} {timing} ({format_local(party.starts_at, zone)}).",
            notes=(f"Going: {', '.join(n for _, n in audience)}.",),
            actions=(Action("Where to watch", f"/where #{winner.title_id}"),) if winner else (),
        )

    async def reminder_audience(self, party: PartyRecord) -> list[tuple[str, str]]:
        """Who is reminded, (platform user id, name): the members who joined, in the order
        they joined, then those interested in the party's event who had not joined."""
        async with self.db.unit_of_work() as repos:
            accounts = await repos.parties.attendee_accounts(party.id)
        joined = {user_id for user_id, _ in accounts}
        interested = [
            (user_id, name)
            for user_id, name in await self.events.subscribers(party)
            if user_id not in joined
        ]
        return accounts + interested

    async def _remind_privately(self, party: PartyRecord, reminder: Reply) -> Reply | None:
        """Each member who joined gets the reminder in private, in the order they joined, where
        the platform lets the bot write to them; the chat gets it (naming, never mentioning)
        only for those it could not reach. None: everyone was reached."""
        messenger = self.messengers.get(party.platform)
        if messenger is None:
            return reminder
        accounts = await self.reminder_audience(party)
        missed = [
            name
            for user_id, name in accounts
            if not await messenger.send_private(user_id, reminder)
        ]
        if not missed:
            return None
        return Reply(
            text=reminder.text,
            notes=(f"For: {', '.join(missed)}.", *reminder.notes[1:]),
            actions=reminder.actions,
        )

    async def review_reply(self, party: PartyRecord) -> Reply | None:
        if party.state == "cancelled" or party.winner_position is None:
            return None
        async with self.db.unit_of_work() as repos:
            attendees = await repos.parties.attendees(party.id)
            records = await repos.parties.candidates(party.id)
        winner = next((c for c in records if c.position == party.winner_position), None)
        if not attendees or winner is None:
            return None
        snap = await self.core.catalog.get()
        t = snap.titles.get(winner.title_id)
        if t is None:
            return None
        return Reply(
            text=f"🍿 How was {self.core.label(t)}? {', '.join(n for _, n in attendees)}: "
            "rate it for the group.",
            notes=(f"/review {t.name} <rating> [a few words], e.g. /review {t.name} 4.5 loved it",),
            actions=tuple(Action(f"{n}★", f"/review #{t.id} {n}") for n in (5, 4, 3, 2, 1)),
        )

    # -- helpers -------------------------------------------------------------------------------

    async def _peek_chat(self, repos: Repositories, ctx: CommandContext) -> ChatView | None:
        return await peek_chat(self.core, repos, ctx)

    async def _require_active(self, repos: Repositories, view: ChatView) -> PartyRecord:
        party = await repos.parties.active(view.id, self.clock())
        if party is None:
            raise UserError("There is no watch party in this chat. Start one: /watchparty new")
        return party

    @staticmethod
    def _check_may_manage(
        ctx: CommandContext, party: PartyRecord, user_id: int | None, verb: str
    ) -> None:
        if user_id == party.host_user_id or ctx.is_admin:
            return
        raise UserError(
            f"Only the host ({party.host_name}) or an admin can {verb} this watch party."
        )

    def _already_open(self, party: PartyRecord) -> str:
        zone = ZoneInfo(party.timezone)
        if party.state == "voting":
            return (
                f"There is already a watch party vote here (by {party.host_name}, open until "
                f"{format_local(party.closes_at, zone)}). See it with /watchparty; the host or "
                "an admin can /watchparty close or /watchparty cancel it."
            )
        when = format_local(party.starts_at, zone) if party.starts_at else "soon"
        return (
            f"A watch party is already planned here for {when}. Cancel it with "
            "/watchparty cancel before planning another."
        )

    def _name(self, snap: CatalogSnapshot, title_id: int) -> str:
        t = snap.titles.get(title_id)
        return self.core.label(t) if t else f"#{title_id}"

    def _what(
        self, snap: CatalogSnapshot, party: PartyRecord, records: Sequence[CandidateRecord]
    ) -> str:
        winner = next((c for c in records if c.position == party.winner_position), None)
        return (
            f"the watch party for {self._name(snap, winner.title_id)}"
            if winner
            else ("the watch party")
        )

    def _tally_items(
        self,
        snap: CatalogSnapshot,
        records: Sequence[CandidateRecord],
        tally: dict[int, int],
    ) -> tuple[Item, ...]:
        return tuple(
            Item(
                text=f"{self._name(snap, c.title_id)} — {tally.get(c.position, 0)} vote"
                f"{'s' if tally.get(c.position, 0) != 1 else ''}",
                title_id=c.title_id,
            )
            for c in records
        )

    def _opened_reply(
        self,
        snap: CatalogSnapshot,
        party: PartyRecord,
        records: Sequence[CandidateRecord],
        picked: bool,
        wished: int = 0,
    ) -> Reply:
        zone = ZoneInfo(party.timezone)
        when = f" for {format_local(party.starts_at, zone)}" if party.starts_at else ""
        items = tuple(
            Item(
                text=self._name(snap, c.title_id),
                detail=c.reason or "",
                title_id=c.title_id,
            )
            for c in records
        )
        question = "What should we watch" + (
            f" on {party.starts_at.astimezone(zone):%a %d %b %H:%M}?" if party.starts_at else "?"
        )
        poll = Poll(
            key=f"party:{party.id}",
            question=question,
            options=tuple(
                PollOption(shorten(self._name(snap, c.title_id), POLL_OPTION_CHARS), c.title_id)
                for c in records
            ),
            closes_at=party.closes_at,
        )
        notes = [
            f"Voting closes {format_local(party.closes_at, zone)}; change your vote any time "
            "until then.",
            "Join to be reminded: /watchparty join",
        ]
        if picked and wished:
            notes.insert(
                0,
                f"Proposed for this group: {wished} from your watchlists (/watchlist chat), "
                f"{len(records) - wished} from your ratings.",
            )
        elif picked:
            notes.insert(0, f"Proposed for this group ({DEFAULT_PICKS} picks from your ratings).")
        return Reply(
            text=f"🎬 {party.host_name} opened a watch party{when}! Vote for what to watch:",
            items=items,
            notes=tuple(notes),
            poll=poll,
            actions=(Action("Join", "/watchparty join"),),
        )

    def _status_reply(
        self,
        snap: CatalogSnapshot,
        party: PartyRecord,
        records: Sequence[CandidateRecord],
        tally: dict[int, int],
        attendees: Sequence[tuple[int, str]],
        mine: int | None,
    ) -> Reply:
        zone = ZoneInfo(party.timezone)
        when = format_local(party.starts_at, zone) if party.starts_at else "no start time set"
        going = ", ".join(n for _, n in attendees) or "nobody yet"
        if party.state == "voting":
            native = bool(party.poll_platform_id)  # then the poll is the only ballot
            text = f"🎬 Watch party by {party.host_name} — {when}. Voting is open:"
            notes = [
                f"{sum(tally.values())} vote(s); closes {format_local(party.closes_at, zone)}.",
                "Vote in the poll above."
                if native
                else (f"Your vote: {mine}." if mine else "You haven't voted: /vote <n>."),
                f"Going: {going}.",
            ]
            votes = (
                []
                if native
                else [Action(f"Vote {c.position}", f"/vote {c.position}") for c in records]
            )
            actions = (*votes, Action("Join", "/watchparty join"))
        else:
            what = self._what(snap, party, records)  # "the watch party for Okja (2017)"
            text = f"🎬 {what[:1].upper()}{what[1:]} — {when}."
            notes = [f"Going: {going}.", "Join to be reminded: /watchparty join"]
            actions = (Action("Join", "/watchparty join"),)
        items = tuple(
            Item(
                text=f"{self._name(snap, c.title_id)} — {tally.get(c.position, 0)} vote"
                f"{'s' if tally.get(c.position, 0) != 1 else ''}"
                + (" 🏆" if c.position == party.winner_position else ""),
                detail=c.reason or "",
                title_id=c.title_id,
            )
            for c in records
        )
        return Reply(text=text, items=items, notes=tuple(notes), actions=actions)


def party_id_of(key: str) -> int:
    prefix, _, number = key.partition(":")
    if prefix != "party" or not number.isdigit():
        raise ValueError(f"not a watch-party poll key: {key!r}")
    return int(number)


def reminder_text(minutes: Sequence[int]) -> str:
    return describe_reminders(minutes)


def reminders_ahead(starts_at: datetime, minutes: Sequence[int], now: datetime) -> list[int]:
    """The reminders that can still be kept: a "starts in an hour" that is already late says
    nothing the result didn't (and must not be promised); "it's starting" always can."""
    return [n for n in minutes if n == 0 or starts_at - timedelta(minutes=n) >= now]


def available_line(
    snap: CatalogSnapshot, title_id: int, region: str | None, services: Sequence[str]
) -> str | None:
    where = available_on(snap, title_id, region, services)
    if where:
        return f"▶ {', '.join(where[:3])}" + (f" in {region}" if region else "")
    if services:
        return "not on your services" + (f" in {region}" if region else "")
    return None


def where_line(
    snap: CatalogSnapshot, core: Core, title_id: int, region: str | None, services: Sequence[str]
) -> str:
    offers = snap.offers.get(title_id, [])
    if services:
        mine = available_on(snap, title_id, region, services)
        place = f" in {region}" if region else ""
        if mine:
            return f"Where to watch on your services{place}: {', '.join(mine)}."
        others = core.offers_line(offers, region)
        return f"Not on your services ({', '.join(services)}){place}; elsewhere: {others}."
    return f"Where to watch{f' in {region}' if region else ''}: {core.offers_line(offers, region)}."
