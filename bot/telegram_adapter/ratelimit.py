"""Keeping to Telegram's flood limits one chat at a time.

Telegram allows about 30 messages a second overall, about one a second in one chat (short
bursts pass) and 20 a minute in one group, and answers 429 with `retry_after` past them.
python-telegram-bot's AIORateLimiter pauses *every* request while it waits out one 429, so one
flooded group silences every other chat. Here a flood wait holds back only the chat it was
for; requests to other chats go on."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]

# Bot API methods that put something into a chat; lookups (getChatAdministrators, getFile)
# and answers to queries are not counted against a chat's limits.
_POSTING_PREFIXES = ("send", "edit", "copy", "forward", "stopPoll")
_PRUNE_AT = 1000  # chats with a bucket kept at once


def is_posting(endpoint: str) -> bool:
    return endpoint.startswith(_POSTING_PREFIXES)


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form becomes a timedelta
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ChatRateLimiter(BaseRateLimiter[int]):
    """Per-chat leaky buckets under one overall bucket, a little inside Telegram's limits, and
    per-chat flood waits. `rate_limit_args` of a call: its maximum number of retries."""

    def __init__(
        self,
        max_retries: int = 3,
        overall: tuple[float, float] = (28, 1),  # (messages, seconds); Telegram: about 30
        per_chat: tuple[float, float] = (8, 8),  # one a second, bursts of up to 8
        per_group: tuple[float, float] = (18, 60),  # Telegram: 20 a minute
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_retries = max_retries
        self.overall = AsyncLimiter(*overall)
        self.per_chat = per_chat
        self.per_group = per_group
        self.clock = clock
        self._chats: dict[int | str, AsyncLimiter] = {}
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._flooded_until: dict[int | str, float] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def _limiter(
        self, limiters: dict[int | str, AsyncLimiter], chat: int | str, rate: tuple[float, float]
    ) -> AsyncLimiter:
        limiter = limiters.get(chat)
        if limiter is None:
            if len(limiters) >= _PRUNE_AT:  # forget chats whose bucket has drained
                for idle in [c for c, lim in limiters.items() if lim.has_capacity(lim.max_rate)]:
                    del limiters[idle]
            limiter = limiters[chat] = AsyncLimiter(*rate)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat = _chat_key(data.get("chat_id")) if is_posting(endpoint) else None
        for attempt in range(max_retries + 1):
            try:
                async with AsyncExitStack() as limits:
                    if chat is not None:
                        await self._wait_out_flood(chat)
                        if _is_group(chat):
                            await limits.enter_async_context(
                                self._limiter(self._groups, chat, self.per_group)
                            )
                        await limits.enter_async_context(
                            self._limiter(self._chats, chat, self.per_chat)
                        )
                        await limits.enter_async_context(self.overall)
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = retry_seconds(error) + 0.1
                if attempt == max_retries:
                    log.warning(
                        "%s to chat %s: still flooded after %d retries", endpoint, chat, max_retries
                    )
                    raise
                log.info("%s to chat %s: flood wait of %.1f s", endpoint, chat, wait)
                if chat is None:
                    await asyncio.sleep(wait)
                else:  # this chat's other requests wait too; other chats do not
                    until = self.clock() + wait
                    self._flooded_until[chat] = max(self._flooded_until.get(chat, 0), until)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    async def _wait_out_flood(self, chat: int | str) -> None:
        while (until := self._flooded_until.get(chat)) is not None:
            left = until - self.clock()
            if left <= 0:
                self._flooded_until.pop(chat, None)
                return
            await asyncio.sleep(left)


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(str(chat_id))
    except ValueError:
        return str(chat_id)  # "@channelname"


def _is_group(chat: int | str) -> bool:
    """Negative ids are groups and channels; a string id only names a channel or supergroup."""
    return isinstance(chat, str) or chat < 0
