"""A line-oriented chat on stdin/stdout: interactive on a terminal, scriptable through a pipe."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import sys
from typing import TextIO

from bot.console_adapter.render import render
from bot.core.context import CommandContext
from bot.core.dispatch import Dispatcher

WELCOME = (
    "reelbot console — type /help for commands, Ctrl-D to leave.\n"
    "Try: /recommend Miracle in Cell No. 7"
)


def console_context(user: str | None = None, region: str | None = None) -> CommandContext:
    """The persistent local user: the same OS account is the same member every time.
    The console user owns the bot, so admin commands work here."""
    name = user or getpass.getuser()
    return CommandContext(
        platform="console",
        user_id=name,
        display_name=name,
        chat_id="console",
        chat_name="console",
        is_admin=True,
        region=region,
    )


async def run_chat(
    dispatcher: Dispatcher,
    ctx: CommandContext,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history where available)
        print(WELCOME, file=stdout)
    while True:
        if interactive:
            try:
                line = await asyncio.to_thread(input, "you> ")
            except EOFError:
                print(file=stdout)
                return
        else:
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                return
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        reply = await dispatcher.handle(ctx, line)
        print(render(reply), file=stdout)
        if not interactive:
            print(file=stdout)
        stdout.flush()
