"""Who may use admin commands: configured owners everywhere, a group's administrators in that
group (looked up from Telegram and cached briefly), and anonymous admins posting as the group
(see identity.py); a channel posting in a group is not one of its admins."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot, Chat
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.telegram_adapter.identity import Sender

log = logging.getLogger(__name__)

ADMIN_CACHE_SECONDS = 60.0


class ChatAdmins:
    def __init__(
        self,
        owner_ids: frozenset[str],
        ttl: float = ADMIN_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.owner_ids = owner_ids
        self.ttl = ttl
        self.clock = clock
        self._cache: dict[int, tuple[float, frozenset[int]]] = {}

    async def is_admin(self, bot: Bot, chat: Chat | None, sender: Sender) -> bool:
        """Owners are listed by their identity, so a channel can be one ("telegram:-100...")."""
        if f"telegram:{sender.user_id}" in self.owner_ids:
            return True
        if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return False  # private chats and inline messages: owners only
        if sender.kind == "group_admins":
            return str(chat.id) == sender.user_id  # an anonymous admin speaking as the group
        if sender.kind == "channel":
            return False  # a channel is never one of a group's administrators
        return int(sender.user_id) in await self._admin_ids(bot, chat.id)

    async def _admin_ids(self, bot: Bot, chat_id: int) -> frozenset[int]:
        cached = self._cache.get(chat_id)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        try:
            members = await bot.get_chat_administrators(chat_id)
        except TelegramError as error:
            # Keep the last known list rather than locking admins out during a blip.
            log.warning("could not list the administrators of chat %s: %s", chat_id, error)
            return cached[1] if cached is not None else frozenset()
        ids = frozenset(member.user.id for member in members)
        self._cache[chat_id] = (self.clock(), ids)
        return ids
