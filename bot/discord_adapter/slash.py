"""Slash commands built from the core's command declarations (bot/core/declaration.py): a command
with subcommands becomes a Group (groups of subcommands nest one level), each parameter a typed
option with its limits, fixed choices (≤ 25) or autocomplete, a file an attachment option; an
admin-only command carries Manage Server as its default permission. A typed invocation runs as
the command line the declaration compiles it to, so every handler reads what it reads from text."""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any, Optional, Protocol

import discord
from discord import app_commands

from bot.core import suggestions
from bot.core.declaration import Command, command_line
from bot.core.kernel import Core
from bot.core.params import FILE, MAX_CHOICES, Choice, Param, matching
from bot.discord_adapter.installs import server_install_only, user_installable
from bot.discord_adapter.render import cut

log = logging.getLogger(__name__)


class Run(Protocol):
    """Runs a command line for the member behind the interaction, with the file they attached."""

    async def __call__(
        self, interaction: discord.Interaction, line: str, file: discord.Attachment | None = None
    ) -> None: ...


SlashCommand = app_commands.Command[Any, ..., None]
AppCommand = SlashCommand | app_commands.Group
Autocomplete = Callable[
    [discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]
]

MAX_GLOBAL_COMMANDS = 100
DESCRIPTION = 100  # Discord's limit for command and option descriptions
CHOICE_TEXT = 100  # ... and for a choice's name and value
VALID_NAME = re.compile(r"^[-_\w]{1,32}$")
# Discord hides commands carrying these from members without them; server admins can still
# grant them to others in Server Settings → Integrations, so the core checks again.
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


def describe(text: str) -> str:
    return cut(text[:1].upper() + text[1:], DESCRIPTION)


def build_commands(declared: Iterable[Command], run: Run, core: Core) -> list[AppCommand]:
    """One top-level slash command (or group) per declared command, in order; names Discord
    cannot take are left out with a warning, as are commands past Discord's 100."""
    built: list[AppCommand] = []
    for command in declared:
        if not VALID_NAME.match(command.name) or command.name != command.name.lower():
            log.warning("/%s cannot be a Discord slash command name; skipped", command.name)
            continue
        if len(built) >= MAX_GLOBAL_COMMANDS:
            log.warning("Discord allows %d slash commands; /%s left out", len(built), command.name)
            continue
        top = _build((command,), run, core)
        if command.needs_chat:
            _server_only(top)
        else:
            user_installable(top)
        if command.admin_only:
            top.default_permissions = ADMIN_PERMISSIONS
        built.append(top)
    return built


def _server_only(command: AppCommand) -> None:
    if isinstance(command, app_commands.Group):
        if command.allowed_installs is None:
            command.allowed_installs = app_commands.AppInstallationType(guild=True, user=False)
        return
    server_install_only(command)


def _build(
    path: tuple[Command, ...], run: Run, core: Core, parent: app_commands.Group | None = None
) -> AppCommand:
    node = path[-1]
    if not node.subcommands:
        command = _leaf(path, run, core, parent)
        if parent is not None:
            parent.add_command(command)
        return command
    group = app_commands.Group(
        name=node.name, description=describe(node.description), parent=parent
    )
    for sub in node.subcommands:
        _build((*path, sub), run, core, group)  # a Group given a parent joins it itself
    return group


def _leaf(
    path: tuple[Command, ...], run: Run, core: Core, parent: app_commands.Group | None
) -> SlashCommand:
    leaf = path[-1]
    # Python names p0, p1, …: declared names may be keywords ("in", "from"); Discord sees the
    # declared ones (renamed). Required options come first, as Discord wants.
    params = {f"p{i}": p for i, p in enumerate(sorted(leaf.params, key=lambda p: not p.required))}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        by_name = {params[key].name: value for key, value in values.items()}
        files = [v for k, v in values.items() if params[k].kind is FILE and v is not None]
        await run(interaction, command_line(path, by_name), files[0] if files else None)

    signature = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=discord.Interaction),
        *(
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(p),
                default=inspect.Parameter.empty if p.required else None,
            )
            for key, p in params.items()
        ),
    ]  # fmt: skip
    callback.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"slash_{'_'.join(c.name for c in path)}"
    if params:
        app_commands.describe(**{k: describe(p.description) for k, p in params.items()})(callback)
        app_commands.rename(**{k: p.name for k, p in params.items()})(callback)
        fixed = {k: p for k, p in params.items() if p.choices and len(p.choices) <= MAX_CHOICES}
        if fixed:
            app_commands.choices(**{k: _discord_choices(p.choices) for k, p in fixed.items()})(
                callback
            )
        typed: dict[str, Autocomplete] = {}
        for key, param in params.items():
            complete = None if key in fixed else _autocomplete(param, core)
            if complete is not None:
                typed[key] = complete
        if typed:
            app_commands.autocomplete(**typed)(callback)
    return app_commands.Command(
        name=leaf.name, description=describe(leaf.description), callback=callback, parent=parent
    )


def _annotation(param: Param) -> Any:
    low, high, longest = param.limits
    kind = param.kind.value_type
    annotation: Any
    if kind == "file":
        annotation = discord.Attachment
    elif kind == "boolean":
        annotation = bool
    elif kind == "integer":
        annotation = app_commands.Range[int, low, high]
    elif param.choices and len(param.choices) <= MAX_CHOICES:
        annotation = str  # Discord checks a fixed choice; a length limit is not allowed with it
    else:
        annotation = app_commands.Range[str, 1, longest or 6000]
    return annotation if param.required else Optional[annotation]  # noqa: UP045 (runtime type)


def _discord_choices(choices: Sequence[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=cut(c.label, CHOICE_TEXT), value=c.value) for c in choices]


def _autocomplete(param: Param, core: Core) -> Autocomplete | None:
    """Values offered while typing: the kind's own from the catalog (titles, services), or the
    fixed choices when there are more than Discord lists (regions, time zones)."""
    suggest = param.kind.suggest
    fixed = param.choices
    if suggest is None and not fixed:
        return None

    async def complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        found = (
            await suggestions.suggest(suggest, core, current)
            if suggest is not None
            else matching(fixed, current)
        )
        return _discord_choices([c for c in found if len(c.value) <= CHOICE_TEXT][:MAX_CHOICES])

    return complete


def walk(commands: Iterable[AppCommand]) -> Iterable[tuple[str, SlashCommand]]:
    """Every invocable slash command with its full name ("admin title edit")."""
    for command in commands:
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)
        else:
            yield command.qualified_name, command
