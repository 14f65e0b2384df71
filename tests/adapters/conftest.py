"""Fixtures shared by the front-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.fake_telegram import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API server on loopback, for the real python-telegram-bot client."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
