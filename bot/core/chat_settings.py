"""Per-chat settings the watch parties use (`/settings region|timezone|services|reminders`), and
who belongs to a chat: anyone who used a command there, voted or joined a party."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.core.commands import Core
from bot.core.context import CommandContext
from bot.core.dispatch import CommandSpec
from bot.core.errors import UsageError, UserError
from bot.core.replies import Reply
from bot.core.text import ISO_REGIONS, clean_user_text, country_name, shorten
from bot.core.when import format_duration, parse_duration
from db.records import ChatSettings
from db.repositories import Repositories

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "UTC"
DEFAULT_REMINDERS = (60, 0)  # minutes before the start
MAX_REMINDERS = 4
MAX_REMINDER_MINUTES = 7 * 24 * 60
MAX_VALUE_CHARS = 500
UNSET_WORDS = frozenset({"none", "off", "clear", "unset", "reset", "-"})

SETTINGS_SPEC = CommandSpec(
    "settings",
    "/settings [region|timezone|services|reminders] [value]",
    "this chat's region, time zone, streaming services and watch-party reminders",
    "/settings timezone Asia/Seoul",
)


@dataclass(frozen=True, slots=True)
class ChatView:
    """A chat's settings with the defaults filled in, plus what was explicitly set."""

    id: int
    user_id: int
    region: str | None
    region_source: str  # "chat" | "you" | "server" | "none"
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
    return _view(core, ctx, chat, user_id, await repos.parties.reminder_minutes(chat.id))


async def peek_chat(core: Core, repos: Repositories, ctx: CommandContext) -> ChatView | None:
    """The same without writing anything: None for a chat reelbot has never seen. The member's
    id is 0 when unknown."""
    chat = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
    if chat is None:
        return None
    user_id = await repos.users.find(ctx.platform, ctx.user_id)
    return _view(core, ctx, chat, user_id or 0, await repos.parties.reminder_minutes(chat.id))


def _view(
    core: Core,
    ctx: CommandContext,
    chat: ChatSettings,
    user_id: int,
    reminders: tuple[int, ...] | None,
) -> ChatView:
    if chat.region:
        region, source = chat.region, "chat"
    elif ctx.region:
        region, source = ctx.region, "you"
    elif core.settings.default_region:
        region, source = core.settings.default_region, "server"
    else:
        region, source = None, "none"
    try:
        zone = ZoneInfo(chat.timezone or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIMEZONE)
    return ChatView(
        id=chat.id,
        user_id=user_id,
        region=region,
        region_source=source,
        zone=zone,
        timezone_set=chat.timezone is not None,
        services=chat.services,
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
        if not what:
            return await self.show(ctx)
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
                "Settings: region, timezone, services, reminders."
            )
        if not value:
            return await self.show(ctx)
        if ctx.is_group and not ctx.is_admin:
            raise UserError("Only an admin of this chat can change its settings.")
        return await handler(ctx, value)

    async def show(self, ctx: CommandContext, changed: str | None = None) -> Reply:
        async with self.core.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
        lines = [
            f"Region: {describe_region(view)}",
            f"Time zone: {view.zone.key}" + ("" if view.timezone_set else " (not set, default)"),
            "Services: " + (", ".join(view.services) if view.services else "not set (any service)"),
            f"Watch-party reminders: {describe_reminders(view.reminders)}"
            + ("" if view.reminders_set else " (default)"),
        ]
        heading = f"{changed} Settings for this chat:" if changed else "Settings for this chat:"
        return Reply(
            text="\n".join([heading, *lines]),
            notes=(
                "Change one with e.g. /settings region KR, /settings timezone Asia/Seoul, "
                "/settings services netflix, viki or /settings reminders 1h, 0 "
                '("none" clears a setting).',
            ),
        )

    async def _region(self, ctx: CommandContext, value: str) -> Reply:
        code: str | None = value.upper()
        if value.lower() in UNSET_WORDS:
            code = None
        elif code not in ISO_REGIONS:
            raise UsageError(
                f'"{shorten(value, 20)}" is not a country code. Use two letters, e.g. US, KR, GB.'
            )
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
        services: list[str] = []
        if value.lower() not in UNSET_WORDS:
            snap = await self.core.catalog.get()
            known = sorted({o.provider for offers in snap.offers.values() for o in offers})
            for word in (w.strip() for w in re.split(r"[,;]", value)):
                if word:
                    name = find_service(word, known)
                    if name not in services:
                        services.append(name)
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


def describe_region(view: ChatView) -> str:
    if view.region is None:
        return "not set (where-to-watch lists every region)"
    name = f"{view.region} ({country_name(view.region)})"
    return {
        "chat": name,
        "you": f"not set (using yours: {name})",
        "server": f"not set (server default: {name})",
    }.get(view.region_source, name)


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


_ZONES = sorted(available_timezones())
_ZONE_KEYS = {z.casefold(): z for z in _ZONES}
_CITY_KEYS = {z.rsplit("/", 1)[-1].replace("_", " ").casefold(): z for z in _ZONES if "/" in z}


def find_timezone(value: str) -> str:
    """An IANA zone from "Asia/Seoul", "asia/seoul", "Seoul" or "new york"."""
    text = value.strip()
    key = text.casefold().replace(" ", "_")
    if key in _ZONE_KEYS:
        return _ZONE_KEYS[key]
    city = text.casefold().replace("_", " ")
    if city in _CITY_KEYS:
        return _CITY_KEYS[city]
    matches = process.extract(city, list(_CITY_KEYS), scorer=fuzz.WRatio, limit=3)
    hints = ", ".join(_CITY_KEYS[m[0]] for m in matches if m[1] >= 70)
    raise UsageError(
        f'"{shorten(text, 40)}" is not a time zone I know. '
        "Use Area/City, e.g. Asia/Seoul or America/New_York."
        + (f" Did you mean: {hints}?" if hints else "")
    )


def _slug(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_SERVICE_ALIASES = {
    "prime": "primevideo",
    "amazon": "primevideo",
    "amazonprime": "primevideo",
    "hbo": "max",
    "hbomax": "max",
    "disney": "disney",
    "apple": "appletv",
    "appletvplus": "appletv",
    "criterion": "criterionchannel",
}


def find_service(word: str, known: Sequence[str]) -> str:
    """A provider name from the catalog for what the member typed ("netflix", "prime")."""
    slug = _slug(word)
    slug = _SERVICE_ALIASES.get(slug, slug)
    by_slug = {_slug(name): name for name in known}
    if slug in by_slug:
        return by_slug[slug]
    starts = [name for s, name in by_slug.items() if slug and s.startswith(slug)]
    if len(starts) == 1:
        return starts[0]
    matches = process.extract(word, list(known), scorer=fuzz.WRatio, limit=3)
    hints = ", ".join(m[0] for m in matches if m[1] >= 60)
    raise UsageError(
        f'I don\'t know a service called "{shorten(word, 40)}".'
        + (f" Did you mean: {hints}?" if hints else f" Known: {', '.join(known)}.")
    )
