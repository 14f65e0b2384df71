"""Which region, services and time zone apply to a command, and why. The one place that
decides it: the command's own option, then the member's setting (/settings me …), then the
chat's (/settings …), then what the platform says about the member, then the server's
REELBOT_DEFAULT_REGION."""

from __future__ import annotations

import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.context import CommandContext
from bot.settings import Settings
from db.records import ChatSettings, MemberSettings
from db.repositories import Repositories
from db.session import Database

DEFAULT_TIMEZONE = "UTC"

# Where a value came from, in order of precedence, as /settings explains it.
SOURCES = {
    "option": "asked for in the command",
    "you": "your setting",
    "chat": "this chat's setting",
    "platform": "from your app",
    "server": "the server's default",
    "none": "not set",
}


@dataclass(frozen=True, slots=True)
class Preferences:
    region: str | None
    region_source: str
    services: tuple[str, ...]  # empty: any service
    services_source: str
    zone: ZoneInfo
    timezone_source: str


def _zone(key: str | None) -> ZoneInfo | None:
    if not key:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # a zone the system no longer knows falls through to the next layer


def decide(
    *,
    option_region: str | None,
    member: MemberSettings | None,
    chat: ChatSettings | None,
    platform_region: str | None,
    default_region: str | None,
) -> Preferences:
    """The effective values. `member` is None where the member's own settings must not count
    (a group's watch party belongs to the chat, not to whoever proposed it)."""
    member = member or MemberSettings()
    regions = [
        ("option", option_region),
        ("you", member.region),
        ("chat", chat.region if chat else None),
        ("platform", platform_region),
        ("server", default_region),
    ]
    region_source, region = next(((s, r) for s, r in regions if r), ("none", None))
    if member.services is not None:
        services, services_source = member.services, "you"
    elif chat is not None and chat.services:
        services, services_source = chat.services, "chat"
    else:
        services, services_source = (), "none"
    zones = [("you", _zone(member.timezone)), ("chat", _zone(chat.timezone if chat else None))]
    timezone_source, zone = next(((s, z) for s, z in zones if z), ("none", None))
    return Preferences(
        region=region,
        region_source=region_source,
        services=services,
        services_source=services_source,
        zone=zone or ZoneInfo(DEFAULT_TIMEZONE),
        timezone_source=timezone_source,
    )


async def load_preferences(
    repos: Repositories,
    settings: Settings,
    ctx: CommandContext,
    option_region: str | None = None,
    *,
    with_member: bool = True,
) -> Preferences:
    """The preferences for one command, read inside the caller's unit of work."""
    member = await repos.users.member_settings(ctx.platform, ctx.user_id) if with_member else None
    chat = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
    return decide(
        option_region=option_region,
        member=member,
        chat=chat,
        platform_region=ctx.region,
        default_region=settings.default_region,
    )


class PreferenceStore:
    """Members' and chats' settings for the read commands, kept in memory so /recommend and
    /title stay free of SQL on their hot path. A change made in this process is seen at once
    (`forget`); one made by another process within TTL_SECONDS."""

    TTL_SECONDS = 30.0
    MAX_ENTRIES = 20_000

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._members: dict[tuple[str, str], tuple[float, MemberSettings]] = {}
        self._chats: dict[tuple[str, str], tuple[float, ChatSettings | None]] = {}

    async def for_command(
        self, ctx: CommandContext, option_region: str | None = None
    ) -> Preferences:
        now = time.monotonic()
        member_key, chat_key = (ctx.platform, ctx.user_id), (ctx.platform, ctx.chat_id)
        member_entry, chat_entry = self._members.get(member_key), self._chats.get(chat_key)
        if (
            member_entry is None
            or chat_entry is None
            or now - member_entry[0] > self.TTL_SECONDS
            or now - chat_entry[0] > self.TTL_SECONDS
        ):
            async with self.db.unit_of_work() as repos:
                member = await repos.users.member_settings(ctx.platform, ctx.user_id)
                chat = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
            if len(self._members) + len(self._chats) > self.MAX_ENTRIES:
                self._members.clear()
                self._chats.clear()
            member_entry, chat_entry = (now, member), (now, chat)
            self._members[member_key], self._chats[chat_key] = member_entry, chat_entry
        return decide(
            option_region=option_region,
            member=member_entry[1],
            chat=chat_entry[1],
            platform_region=ctx.region,
            default_region=self.settings.default_region,
        )

    def forget(self, ctx: CommandContext) -> None:
        """This member's or this chat's settings just changed here."""
        self._members.pop((ctx.platform, ctx.user_id), None)
        self._chats.pop((ctx.platform, ctx.chat_id), None)
