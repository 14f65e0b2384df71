"""The slash-command tree as text, one line per command, group, subcommand and option, read from
the payload discord.py syncs to Discord. `python -m bot.discord_adapter.tree_text` prints the
tree reelbot builds, without connecting anywhere."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

import discord
from discord import app_commands

OPTION_TYPES = {
    1: "subcommand",
    2: "group",
    3: "string",
    4: "integer",
    5: "boolean",
    10: "number",
    11: "attachment",
}
ADMIN = discord.Permissions(manage_guild=True).value


def tree_text(payload: Iterable[Mapping[str, Any]]) -> str:
    lines: list[str] = []
    for command in payload:
        marks = []
        # Discord sends the permissions as a string, discord.py builds them as a number.
        if str(command.get("default_member_permissions")) == str(ADMIN):
            marks.append("Manage Server")
        installs = sorted(command.get("integration_types") or [0])
        marks.append("server or user install" if installs == [0, 1] else "server install")
        lines.append(f"/{command['name']}  [{', '.join(marks)}]  {command['description']}")
        _options(command.get("options") or [], 1, lines)
    return "\n".join(lines)


def _options(options: Iterable[Mapping[str, Any]], depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    for option in options:
        kind = OPTION_TYPES.get(option["type"], str(option["type"]))
        if option["type"] in (1, 2):
            lines.append(f"{pad}{option['name']} ({kind})  {option['description']}")
            _options(option.get("options") or [], depth + 1, lines)
            continue
        facts = [kind, "required" if option.get("required") else "optional"]
        if "min_value" in option or "max_value" in option:
            facts.append(f"{option.get('min_value', '…')}..{option.get('max_value', '…')}")
        if "max_length" in option:
            facts.append(f"length {option.get('min_length', 0)}..{option['max_length']}")
        if option.get("choices"):
            facts.append("choices " + "|".join(str(c["value"]) for c in option["choices"]))
        if option.get("autocomplete"):
            facts.append("autocomplete")
        lines.append(f"{pad}{option['name']}: {', '.join(facts)}  {option['description']}")


async def built_payload() -> list[dict[str, Any]]:
    """What reelbot syncs: the commands of a fresh App, built as the bot builds them."""
    from bot.app import open_app
    from bot.discord_adapter.slash import build_commands
    from bot.settings import Settings

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"REELBOT_DATA_DIR": folder})
        app = await open_app(settings, upgrade=False, seed=False)
        try:
            tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))

            async def run(
                interaction: discord.Interaction,
                line: str,
                file: discord.Attachment | None = None,
            ) -> None:
                raise RuntimeError("printing only")

            for command in build_commands(app.dispatcher.commands, run, app.core):
                tree.add_command(command)
            return [c.to_dict(tree) for c in tree.get_commands()]
        finally:
            await app.close()


if __name__ == "__main__":
    print(tree_text(asyncio.run(built_payload())))
