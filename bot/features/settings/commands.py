"""Per-chat settings the watch parties use (`/settings region|timezone|services|reminders`), and
who belongs to a chat: anyone who used a command there, voted or joined a party."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.errors import UsageError, UserError
from bot.core.kernel import Core
from bot.core.params import (
    REGION,
    REGIONS,
    SERVICES,
    SWITCH,
    TEXT,
    TIMEZONE,
    TIMEZONES,
    UNSET_WORDS,
    Choice,
    Param,
    find_timezone,
    parse_region,
    parse_switch,
)
from bot.core.preferences import SOURCES, decide, load_preferences
from bot.core.replies import Reply
from bot.core.services import find_service, known_services
from bot.core.text import clean_user_text, country_name, shorten
from bot.core.when import format_duration, parse_duration
from db.records import ChatSettings, MemberSettings
from db.repositories import Repositories

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "UTC"
DEFAULT_REMINDERS = (60, 0)  # minutes before the start
MAX_REMINDERS = 4
MAX_REMINDER_MINUTES = 7 * 24 * 60
MAX_VALUE_CHARS = 500

CLEAR = Choice("none: clear the setting", "none")


def _setting(name: str, description: str, value: Param) -> Command:
    return Command(name, description, params=(value,))


def _region(whose: str) -> Command:
    value = Param(
        "value",
        REGION,
        "Country code, e.g. KR; none clears it",
        required=True,
        max_length=5,
        options=(CLEAR, *REGIONS),
        question="Which country? Reply with its two-letter code, e.g. KR (none clears it).",
    )
    return _setting("region", f"{whose} country, for where to watch", value)


def _timezone(whose: str) -> Command:
    value = Param(
        "value",
        TIMEZONE,
        "Area/City or a city, e.g. Asia/Seoul or Seoul; none clears it",
        required=True,
        options=(CLEAR, *TIMEZONES),
        question="Which time zone? Reply with a city or Area/City, e.g. Asia/Seoul.",
    )
    return _setting("timezone", f"{whose} time zone, for watch-party times", value)


def _services(whose: str) -> Command:
    value = Param(
        "value",
        SERVICES,
        "Services separated by commas, e.g. netflix, viki; none clears them",
        required=True,
        question="Which services? Reply with their names, e.g. netflix, viki (none clears).",
    )
    return _setting("services", f"{whose} streaming services, marked ✓ and preferred", value)


SETTINGS = Command(
    "settings",
    "this chat's (or, with me, your own) region, time zone, services and reminders",
    subcommands=(
        Command("show", "the chat's settings and what applies to you here"),
        _region("the chat's"),
        _timezone("the chat's"),
        _services("the chat's"),
        _setting(
            "reminders",
            "when watch-party reminders go out",
            Param(
                "value",
                TEXT,
                "Times before the start, e.g. 1h, 0 (at the start); none turns them off",
                required=True,
                max_length=100,
                question="When should reminders go out? e.g. 1h, 0 (none turns them off).",
            ),
        ),
        Command(
            "me",
            "your own settings, in every chat",
            subcommands=(
                Command("show", "your own settings"),
                _region("your"),
                _timezone("your"),
                _services("your"),
                _setting(
                    "alerts",
                    "watchlist alerts: on or off",
                    Param(
                        "value",
                        SWITCH,
                        "on or off",
                        required=True,
                        question="Watchlist alerts on or off?",
                    ),
                ),
            ),
        ),
    ),
    example="/settings timezone Asia/Seoul",
)


@dataclass(frozen=True, slots=True)
class ChatView:
    """A chat's settings with the defaults filled in, plus what was explicitly set."""

    id: int
    user_id: int
    region: str | None
    region_source: str  # a key of preferences.SOURCES
    zone: ZoneInfo
    timezone_set: bool
    services: tuple[str, ...]
    reminders: tuple[int, ...]
    reminders_set: bool


async def enter_chat(core: Core, repos: Repositories, ctx: CommandContext) -> ChatView:
    """The chat and the member, created on first contact, inside the caller's transaction."""
    chat = await repos.chats.ensure(ctx.platform, ctx.chat_id, ctx.chat_name)
    name = clean_user_text(ctx.display_name).strip() or ctx.user_id
    user_id = await repos.users.ensure(ctx.platform, ctx.user_id, name)
    await repos.parties.add_member(chat.id, user_id)
    member = await repos.users.member_settings(ctx.platform, ctx.user_id)
    reminders = await repos.parties.reminder_minutes(chat.id)
    return _view(core, ctx, chat, user_id, reminders, member)


async def peek_chat(core: Core, repos: Repositories, ctx: CommandContext) -> ChatView | None:
    """The same without writing anything: None for a chat reelbot has never seen. The member's
    id is 0 when unknown."""
    chat = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
    if chat is None:
        return None
    user_id = await repos.users.find(ctx.platform, ctx.user_id)
    member = await repos.users.member_settings(ctx.platform, ctx.user_id)
    reminders = await repos.parties.reminder_minutes(chat.id)
    return _view(core, ctx, chat, user_id or 0, reminders, member)


def _view(
    core: Core,
    ctx: CommandContext,
    chat: ChatSettings,
    user_id: int,
    reminders: tuple[int, ...] | None,
    member: MemberSettings | None,
) -> ChatView:
    prefs = decide(
        option_region=None,
        # A group's watch party is the chat's: one member's own settings do not steer it.
        member=None if ctx.is_group else member,
        chat=chat,
        platform_region=ctx.region,
        default_region=core.settings.default_region,
    )
    return ChatView(
        id=chat.id,
        user_id=user_id,
        region=prefs.region,
        region_source=prefs.region_source,
        zone=prefs.zone,
        timezone_set=prefs.timezone_source != "none",
        services=prefs.services,
        reminders=DEFAULT_REMINDERS if reminders is None else reminders,
        reminders_set=reminders is not None,
    )


class MembershipTracker:
    """Records chat membership after a member's successful commands, so group picks know whose
    ratings count. Only members reelbot already knows (they rated, voted or joined something)
    are recorded: a member without ratings adds nothing to group picks, and read-only commands
    from strangers write nothing. Once recorded, a member costs nothing more in this process, and
    a stranger is looked up at most once a minute (reads are the bot's busiest path).
    Never fails the command it watches."""

    STRANGER_RECHECK_SECONDS = 60.0

    def __init__(self, core: Core) -> None:
        self.core = core
        self._seen: set[tuple[str, str, str]] = set()
        self._strangers: dict[tuple[str, str], float] = {}  # (platform, user) -> checked at

    async def __call__(self, ctx: CommandContext) -> None:
        key = (ctx.platform, ctx.chat_id, ctx.user_id)
        if key in self._seen:
            return
        who = (ctx.platform, ctx.user_id)
        name = clean_user_text(ctx.display_name).strip() or ctx.user_id
        just_created = (ctx.platform, ctx.user_id, name) in self.core.db.user_ids  # e.g. /review
        checked = self._strangers.get(who)
        if (
            not just_created
            and checked is not None
            and time.monotonic() - checked < self.STRANGER_RECHECK_SECONDS
        ):
            return
        try:
            known = just_created
            if not known:
                async with self.core.db.unit_of_work() as repos:
                    known = await repos.users.find(ctx.platform, ctx.user_id) is not None
            if not known:
                self._strangers[who] = time.monotonic()
                return
            self._strangers.pop(who, None)
            async with self.core.db.unit_of_work(write=True) as repos:
                await enter_chat(self.core, repos, ctx)
        except Exception:
            log.exception("could not record chat membership for %s", key)
            return
        self._seen.add(key)


class ChatSettingsCommands:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def settings(self, ctx: CommandContext, args: str) -> Reply:
        if len(args) > MAX_VALUE_CHARS:
            raise UsageError("That is too long for a setting.")
        what, _, value = clean_user_text(args).strip().partition(" ")
        what, value = what.lower(), value.strip()
        if not what or what == "show":
            return await self.show(ctx)
        if what in {"me", "my", "mine"}:
            return await self._member_setting(ctx, value)
        handlers = {
            "region": self._region,
            "country": self._region,
            "timezone": self._timezone,
            "tz": self._timezone,
            "time": self._timezone,
            "services": self._services,
            "service": self._services,
            "reminders": self._reminders,
            "reminder": self._reminders,
        }
        handler = handlers.get(what)
        if handler is None:
            raise UsageError(
                f'There is no setting "{shorten(what, 40)}". '
                "Settings: region, timezone, services, reminders; yours: /settings me region KR."
            )
        if not value:
            return await self.show(ctx)
        if ctx.is_group and not ctx.is_admin:
            raise UserError(
                "Only an admin of this chat can change its settings. "
                "Your own: /settings me region|services|timezone <value>."
            )
        return await handler(ctx, value)

    async def show(self, ctx: CommandContext, changed: str | None = None) -> Reply:
        if changed:
            self.core.preference_store.forget(ctx)  # the next /where sees the change
        async with self.core.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            chat = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
            prefs = await load_preferences(repos, self.core.settings, ctx)
            member = await repos.users.member_settings(ctx.platform, ctx.user_id)
        chat_region = chat.region if chat else None
        chat_zone = chat.timezone if chat else None
        chat_services = chat.services if chat else ()
        # In a group the member's own values stay private: only that they apply is shown.
        hide = ctx.is_group

        def why(value: str, source: str) -> str:
            if hide and source == "you":
                return "your own setting (see it with /settings me in a private chat)"
            return f"{value}, {SOURCES[source]}" if value else SOURCES[source]

        lines = [
            "Region: "
            + (f"{chat_region} ({country_name(chat_region)})" if chat_region else "not set"),
            "Time zone: " + (chat_zone or f"{DEFAULT_TIMEZONE} (not set, default)"),
            "Services: " + (", ".join(chat_services) if chat_services else "not set (any service)"),
            f"Watch-party reminders: {describe_reminders(view.reminders)}"
            + ("" if view.reminders_set else " (default)"),
            "",
            "What applies to your /where, /title and /recommend here:",
            "Region: "
            + (
                why(f"{prefs.region} ({country_name(prefs.region)})", prefs.region_source)
                if prefs.region
                else "not set (where-to-watch lists every region)"
            ),
            "Services: "
            + (
                why(", ".join(prefs.services), prefs.services_source)
                if prefs.services
                else "any service (none set)"
            ),
            "Time zone: "
            + (
                why(prefs.zone.key, prefs.timezone_source)
                if hide
                else f"{prefs.zone.key} ({SOURCES[prefs.timezone_source]})"
            ),
        ]
        if not hide:
            lines.append("Yours (/settings me, only for you): " + describe_member(member))
        heading = f"{changed} Settings for this chat:" if changed else "Settings for this chat:"
        return Reply(
            text="\n".join([heading, *lines]),
            notes=(
                "Change one with e.g. /settings region KR, /settings timezone Asia/Seoul, "
                "/settings services netflix, viki or /settings reminders 1h, 0; your own with "
                '/settings me region KR ("none" clears a setting).',
            ),
        )

    async def _member_setting(self, ctx: CommandContext, args: str) -> Reply:
        """/settings me region|services|timezone <value>: the member's own, in every chat."""
        what, _, value = args.partition(" ")
        what, value = what.lower(), value.strip()
        if not what or not value:
            async with self.core.db.unit_of_work() as repos:
                member = await repos.users.member_settings(ctx.platform, ctx.user_id)
            return Reply(
                text="Your settings: " + describe_member(member),
                notes=(
                    "Change one with /settings me region KR, /settings me services "
                    'netflix, viki, /settings me timezone Seoul ("none" clears it) or '
                    "/settings me alerts off.",
                ),
            )
        unset = value.lower() in UNSET_WORDS
        if what in {"region", "country"}:
            code = None if unset else parse_region(value)
            done = (
                f"Your region is now {code} ({country_name(code)})."
                if code
                else ("Your region is cleared.")
            )
            await self._save_member(ctx, lambda repos, uid: repos.users.set_region(uid, code))
        elif what in {"timezone", "tz", "time"}:
            key = None if unset else find_timezone(value)
            done = f"Your time zone is now {key}." if key else "Your time zone is cleared."
            await self._save_member(ctx, lambda repos, uid: repos.users.set_timezone(uid, key))
        elif what in {"services", "service"}:
            services = None if unset else await self._parse_services(value)
            done = (
                f"Your services are now {', '.join(services)}."
                if services
                else "Your services are cleared."
            )
            await self._save_member(ctx, lambda repos, uid: repos.users.set_services(uid, services))
        elif what in {"alerts", "alert", "notifications"}:
            on = parse_switch(value)
            done = (
                "I'll message you privately when a title on your watchlist reaches your services."
                if on
                else "No more watchlist alerts; /settings me alerts on brings them back."
            )
            await self._save_member(ctx, lambda repos, uid: repos.alerts.set_alerts(uid, on))
        else:
            raise UsageError(
                f'There is no setting "{shorten(what, 40)}" of yours. '
                "Yours: region, services, timezone, alerts."
            )
        return await self.show(ctx, done)

    async def _save_member(
        self, ctx: CommandContext, change: Callable[[Repositories, int], Awaitable[None]]
    ) -> None:
        name = clean_user_text(ctx.display_name).strip() or ctx.user_id
        async with self.core.db.unit_of_work(write=True) as repos:
            await change(repos, await repos.users.ensure(ctx.platform, ctx.user_id, name))

    async def _parse_services(self, value: str) -> list[str]:
        snap = await self.core.catalog.get()
        known = known_services(snap.offers.values())
        services: list[str] = []
        for word in (w.strip() for w in re.split(r"[,;]", value)):
            if word:
                name = find_service(word, known)
                if name not in services:
                    services.append(name)
        return services

    async def _region(self, ctx: CommandContext, value: str) -> Reply:
        code = None if value.lower() in UNSET_WORDS else parse_region(value)
        async with self.core.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            await repos.chats.set_region(view.id, code)
        done = f"Region set to {code} ({country_name(code)})." if code else "Region cleared."
        return await self.show(ctx, done)

    async def _timezone(self, ctx: CommandContext, value: str) -> Reply:
        key = None if value.lower() in UNSET_WORDS else find_timezone(value)
        async with self.core.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            await repos.parties.set_chat_timezone(view.id, key)
        return await self.show(ctx, f"Time zone set to {key}." if key else "Time zone cleared.")

    async def _services(self, ctx: CommandContext, value: str) -> Reply:
        services = [] if value.lower() in UNSET_WORDS else await self._parse_services(value)
        async with self.core.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            await repos.parties.set_chat_services(view.id, services)
        done = f"Services set to {', '.join(services)}." if services else "Services cleared."
        return await self.show(ctx, done)

    async def _reminders(self, ctx: CommandContext, value: str) -> Reply:
        if value.lower() in {"default", "defaults"}:
            minutes: Sequence[int] = DEFAULT_REMINDERS
        elif value.lower() in UNSET_WORDS:
            minutes = ()
        else:
            minutes = parse_reminders(value)
        async with self.core.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            await repos.parties.set_reminder_minutes(view.id, minutes)
        return await self.show(ctx, f"Reminders: {describe_reminders(minutes)}.")


def describe_member(member: MemberSettings) -> str:
    parts = [
        f"region {member.region}" if member.region else "region not set",
        f"services {', '.join(member.services)}" if member.services else "services not set",
        f"time zone {member.timezone}" if member.timezone else "time zone not set",
        "watchlist alerts " + ("on" if member.alerts else "off"),
    ]
    return "; ".join(parts) + "."


def describe_reminders(minutes: Sequence[int]) -> str:
    if not minutes:
        return "off"
    parts = [
        "at the start" if m == 0 else f"{format_duration_short(m)} before"
        for m in sorted(minutes, reverse=True)
    ]
    return ", ".join(parts)


def format_duration_short(minutes: int) -> str:
    return format_duration(timedelta(minutes=minutes))


def parse_reminders(value: str) -> list[int]:
    minutes: list[int] = []
    for word in (w.strip() for w in re.split(r"[,;]|\s+and\s+", value)):
        if not word:
            continue
        if word in {"0", "start", "at start"}:
            m = 0
        elif word.isdigit():
            m = int(word)  # plain numbers are minutes
        else:
            m = round(parse_duration(word).total_seconds() / 60)
        if not 0 <= m <= MAX_REMINDER_MINUTES:
            raise UsageError("Reminders can be from 7 days before the start up to the start.")
        if m not in minutes:
            minutes.append(m)
    if len(minutes) > MAX_REMINDERS:
        raise UsageError(f"At most {MAX_REMINDERS} reminders per party.")
    return sorted(minutes, reverse=True)
