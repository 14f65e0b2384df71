"""Slash commands for every command the dispatcher answers. The hand-written ones (typed options,
autocomplete) live on the cog; any command a feature module registers without one gets a
generic `/name arguments:<text>` (plus `file:` when it reads one) built from its CommandSpec,
so nothing here lists today's commands."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.core.dispatch import CommandSpec
from bot.discord_adapter.installs import server_install_only
from bot.discord_adapter.render import cut

log = logging.getLogger(__name__)


class Run(Protocol):
    """Runs a command line for the member behind the interaction, with the file they attached."""

    async def __call__(
        self, interaction: discord.Interaction, line: str, file: discord.Attachment | None = None
    ) -> None: ...


Choices = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
SlashCommand = app_commands.Command[Any, ..., None]

MAX_GLOBAL_COMMANDS = 100
DESCRIPTION = 100
_VALID_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
_ONLY_A_TITLE = re.compile(r"^/\S+\s+[<\[]title[>\]]$")
# Discord hides commands carrying these from members without them; server admins can still
# grant them to others in Server Settings → Integrations, so the core checks again.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)
FILE_HELP = "A file to go with it: a catalog, an export or an article"


def description(spec: CommandSpec) -> str:
    text = spec.summary.strip() or spec.usage
    return cut(text[:1].upper() + text[1:], DESCRIPTION)


def takes_arguments(spec: CommandSpec) -> bool:
    return "<" in spec.usage or "[" in spec.usage


def arguments_required(spec: CommandSpec) -> bool:
    """Required when the first argument in the usage is <required> rather than [optional]."""
    first = min((i for i in (spec.usage.find("<"), spec.usage.find("[")) if i >= 0), default=-1)
    return first >= 0 and spec.usage[first] == "<"


def generic_command(spec: CommandSpec, run: Run, title_choices: Choices) -> SlashCommand:
    if spec.takes_file:
        return _file_command(spec, run)
    name = spec.name.lower()
    if not takes_arguments(spec):

        async def bare(interaction: discord.Interaction) -> None:
            await run(interaction, f"/{name}")

        return app_commands.Command(name=name, description=description(spec), callback=bare)

    if arguments_required(spec):

        async def required(interaction: discord.Interaction, arguments: str) -> None:
            await run(interaction, f"/{name} {arguments}")

        callback: Callable[..., Coroutine[Any, Any, None]] = required
    else:

        async def optional(interaction: discord.Interaction, arguments: str | None = None) -> None:
            await run(interaction, f"/{name} {arguments or ''}".rstrip())

        callback = optional
    app_commands.describe(arguments=cut(f"{spec.usage} — e.g. {spec.example}", DESCRIPTION))(
        callback
    )
    if _ONLY_A_TITLE.match(spec.usage):
        app_commands.autocomplete(arguments=title_choices)(callback)
    return app_commands.Command(name=name, description=description(spec), callback=callback)


def _file_command(spec: CommandSpec, run: Run) -> SlashCommand:
    """`/name arguments:<text> file:<attachment>`: the arguments say what to do with the file
    (e.g. `import --provider Netflix`); they are optional unless the usage requires them."""
    name = spec.name.lower()
    if arguments_required(spec):

        async def required(
            interaction: discord.Interaction,
            arguments: str,
            file: discord.Attachment | None = None,
        ) -> None:
            await run(interaction, f"/{name} {arguments}", file)

        callback: Callable[..., Coroutine[Any, Any, None]] = required
    else:

        async def optional(
            interaction: discord.Interaction,
            arguments: str | None = None,
            file: discord.Attachment | None = None,
        ) -> None:
            await run(interaction, f"/{name} {arguments or ''}".rstrip(), file)

        callback = optional
    app_commands.describe(
        arguments=cut(f"{spec.usage} — e.g. {spec.example}", DESCRIPTION), file=FILE_HELP
    )(callback)
    return app_commands.Command(name=name, description=description(spec), callback=callback)


def install_commands(
    tree: app_commands.CommandTree,
    specs: Iterable[CommandSpec],
    run: Run,
    title_choices: Choices,
) -> None:
    """Make the tree match the dispatcher: hand-written commands the dispatcher does not answer
    are dropped, their descriptions come from the specs, the rest get generic commands.
    Admin-only commands are hidden from members (Manage Server)."""
    by_name: dict[str, CommandSpec] = {}
    for spec in specs:
        name = spec.name.lower()
        if not _VALID_NAME.match(name):
            log.warning("/%s cannot be a Discord slash command name; skipped", spec.name)
            continue
        by_name.setdefault(name, spec)
    for command in list(tree.get_commands()):
        known = by_name.get(command.name)
        if known is None:
            tree.remove_command(command.name)
        elif isinstance(command, app_commands.Command):
            command.description = description(known)
            _restrict(command, known)
    for name, spec in by_name.items():
        if tree.get_command(name) is not None:
            continue
        if len(tree.get_commands()) >= MAX_GLOBAL_COMMANDS:
            log.warning("Discord allows %d slash commands; /%s left out", MAX_GLOBAL_COMMANDS, name)
            continue
        command = generic_command(spec, run, title_choices)
        _restrict(command, spec)
        tree.add_command(command)


def _restrict(command: SlashCommand, spec: CommandSpec) -> None:
    server_install_only(command)
    if spec.admin_only:
        command.default_permissions = ADMIN_PERMISSIONS
