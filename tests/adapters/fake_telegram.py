"""A small Bot API server on loopback: python-telegram-bot talks to it as to Telegram.

The test plays the user by queueing updates (messages, button presses) and reads back what the
bot sent. Only the methods reelbot uses are implemented; anything else answers an error, so
an unexpected call shows up as a failure instead of passing silently."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 999, "is_bot": True, "first_name": "reelbot", "username": "reelbot_bot"}


@dataclass
class Sent:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    sent: list[Sent] = field(default_factory=list)
    updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _new_sent: asyncio.Condition = field(default_factory=asyncio.Condition)
    runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    # -- the user's side ---------------------------------------------------------------------

    def user(self, user_id: int = 42, name: str = "Mina") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def send_text(self, text: str, user_id: int = 42, chat_id: int | None = None) -> None:
        entities = []
        if text.startswith("/"):
            length = len(text.split(" ", 1)[0])
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        chat = {"id": chat_id or user_id, "type": "private", "first_name": "Mina"}
        self.updates.put_nowait(
            {
                "update_id": next(self._ids),
                "message": {
                    "message_id": next(self._ids),
                    "date": int(time.time()),
                    "chat": chat,
                    "from": self.user(user_id),
                    "text": text,
                    "entities": entities,
                },
            }
        )

    def press(self, message: Sent, data: str, user_id: int = 42) -> None:
        chat_id = int(message.params["chat_id"])
        self.updates.put_nowait(
            {
                "update_id": next(self._ids),
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": self.user(user_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": self._message(chat_id, message.params.get("text", "")),
                },
            }
        )

    async def wait_for(self, method: str, count: int = 1, seconds: float = 10) -> list[Sent]:
        async def enough() -> list[Sent]:
            async with self._new_sent:
                while True:
                    found = [s for s in self.sent if s.method == method]
                    if len(found) >= count:
                        return found
                    await self._new_sent.wait()

        return await asyncio.wait_for(enough(), seconds)

    # -- the server's side -------------------------------------------------------------------

    def _message(self, chat_id: int, text: str) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Mina"},
            "from": BOT_USER,
            "text": text,
        }

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: _maybe_json(v) for k, v in (await request.post()).items()}
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._poll(params)})
        result: Any
        if method == "getMe":
            result = BOT_USER
        elif method in {"setMyCommands", "deleteWebhook", "answerCallbackQuery"}:
            result = True
        elif method == "sendMessage":
            result = self._message(int(params["chat_id"]), str(params["text"]))
        else:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"fake: no {method}"}
            )
        async with self._new_sent:
            self.sent.append(Sent(method, params))
            self._new_sent.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        timeout = float(params.get("timeout") or 0)
        batch: list[dict[str, Any]] = []
        try:
            batch.append(await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.05)))
        except TimeoutError:
            return []
        while not self.updates.empty():
            batch.append(self.updates.get_nowait())
        return batch


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
