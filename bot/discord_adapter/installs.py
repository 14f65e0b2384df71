"""Where each slash command may be used. Looking titles up and rating them work anywhere a member
is: installed to their own account, the app answers in DMs, group DMs and servers it is not a
member of. Everything about a chat (watch parties, settings, admin) needs the app installed in
that server."""

from __future__ import annotations

from typing import Any, TypeVar

from discord import app_commands

T = TypeVar("T")


def user_installable(command: T) -> T:
    """Installable to a server or to a member's account; usable in servers, the bot's DM and
    private channels (group DMs)."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


def server_install_only(command: app_commands.Command[Any, ..., Any]) -> None:
    """A command that stays with the server install (the default a command without decorators
    gets), said explicitly so the synced payload shows it."""
    if command.allowed_installs is None:
        command.allowed_installs = app_commands.AppInstallationType(guild=True, user=False)
