"""Who may curate: the platform's own admins (Discord Manage Server, Telegram chat admins, the
console user) and the owners listed in settings. Checked in the core, so every front end and
every button gets the same answer."""

from __future__ import annotations

from bot.core.context import CommandContext
from bot.core.errors import NotAllowedError
from bot.settings import Settings

ADMINS_ONLY = (
    "Admins only: /admin commands are for this community's admins and the bot's owners. "
    "Nothing was changed."
)


def actor(ctx: CommandContext) -> str:
    """How the audit log names a person: "telegram:123456"."""
    return f"{ctx.platform}:{ctx.user_id}"


def is_admin(ctx: CommandContext, settings: Settings) -> bool:
    return ctx.is_admin or actor(ctx) in settings.owner_ids


def require_admin(ctx: CommandContext, settings: Settings) -> None:
    if not is_admin(ctx, settings):
        raise NotAllowedError(ADMINS_ONLY)
