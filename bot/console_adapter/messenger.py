"""The console's Messenger: scheduler messages (poll results, reminders) are printed into the
chat as they fall due, between the member's own commands."""

from __future__ import annotations

import itertools
import sys
from typing import TextIO

from bot.console_adapter.render import render
from bot.core.outbox import SentMessage
from bot.core.replies import Reply


class ConsoleMessenger:
    platform = "console"

    def __init__(self, stdout: TextIO = sys.stdout) -> None:
        self.stdout = stdout
        self._ids = itertools.count(1)

    async def send(self, chat_id: str, reply: Reply) -> SentMessage:
        print(f"\n📣 reelbot:\n{render(reply)}\n", file=self.stdout)
        self.stdout.flush()
        return SentMessage(f"console-{next(self._ids)}")

    async def stop_poll(self, chat_id: str, message_id: str) -> None:
        """The console has no native polls: /vote simply stops being accepted."""

    async def send_private(self, user_id: str, reply: Reply) -> bool:
        """The console has one member, at this screen: a private message is printed to them."""
        print(f"\n📬 reelbot, to you:\n{render(reply)}\n", file=self.stdout)
        self.stdout.flush()
        return True
