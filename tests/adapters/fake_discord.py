"""Just enough of Discord on loopback for discord.py's own `Client.start(token)`: the REST calls
of logging in and syncing commands, a gateway that says HELLO and READY and acknowledges
heartbeats, and channel messages, recorded. simcord simulates everything a member does; this is
for what simcord cannot drive, running the bot the way `reelbot discord` does (serve, SIGTERM).
Point discord.py at it with `discord.http.Route.BASE = fake.api` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway`."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yarl
from aiohttp import WSMsgType, web

APP_ID = "4242"
BOT = {"id": APP_ID, "username": "reelbot", "discriminator": "0", "avatar": None, "bot": True}


@dataclass
class FakeDiscord:
    token: str = "fake-discord-token"
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # channel, body
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    identifies: list[dict[str, Any]] = field(default_factory=list)  # IDENTIFY payloads' "d"
    gateway_closed: asyncio.Event = field(default_factory=asyncio.Event)
    posted: asyncio.Condition = field(default_factory=asyncio.Condition)
    commands: list[dict[str, Any]] = field(default_factory=list)  # the last synced set
    callbacks: dict[str, dict[str, Any]] = field(default_factory=dict)  # interaction id -> body
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    runner: web.AppRunner | None = None
    base: str = ""

    @property
    def api(self) -> str:
        return f"{self.base}/api/v10"

    @property
    def gateway(self) -> yarl.URL:
        return yarl.URL(self.base.replace("http", "ws", 1) + "/gateway")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_get("/api/v10/oauth2/applications/@me", self._application)
        app.router.add_get("/api/v10/gateway/bot", self._gateway_url)
        app.router.add_put("/api/v10/applications/{app}/commands", self._commands)
        app.router.add_post("/api/v10/channels/{channel}/messages", self._message)
        app.router.add_post(
            "/api/v10/interactions/{interaction}/{token}/callback", self._interaction_callback
        )
        app.router.add_get("/gateway", self._gateway)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def wait_for_message(self, text: str, seconds: float = 20) -> dict[str, Any]:
        async def found() -> dict[str, Any]:
            async with self.posted:
                while True:
                    for _channel, body in self.messages:
                        if text in json.dumps(body, ensure_ascii=False):
                            return body
                    await self.posted.wait()

        return await asyncio.wait_for(found(), seconds)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway event (e.g. MESSAGE_POLL_VOTE_ADD) to every connected bot."""
        for ws in self._sockets:
            await ws.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    async def interact(self, payload: dict[str, Any], seconds: float = 20) -> dict[str, Any]:
        """Send an INTERACTION_CREATE and wait for the bot's callback (its response body)."""
        await self.dispatch("INTERACTION_CREATE", payload)

        async def answered() -> dict[str, Any]:
            async with self.posted:
                while payload["id"] not in self.callbacks:
                    await self.posted.wait()
                return self.callbacks[payload["id"]]

        return await asyncio.wait_for(answered(), seconds)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        return _json(BOT)

    async def _application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": APP_ID,
                "name": "reelbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": {**BOT, "id": "1", "bot": False, "username": "owner"},
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _gateway_url(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": str(self.gateway),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        self.commands = commands
        return _json(
            [
                {**c, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1"}
                for c in commands
            ]
        )

    async def _message(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        body = await request.json() if request.content_type == "application/json" else {}
        async with self.posted:
            self.messages.append((channel, body))
            self.posted.notify_all()
        return _json(
            {
                "id": str(next(self._ids)),
                "channel_id": channel,
                "type": 0,
                "content": body.get("content") or "",
                "author": BOT,
                "embeds": body.get("embeds") or [],
                "attachments": [],
                "mentions": [],
                "mention_roles": [],
                "mention_everyone": False,
                "pinned": False,
                "tts": False,
                "timestamp": datetime.now(UTC).isoformat(),
                "edited_timestamp": None,
                "flags": 0,
                "components": body.get("components") or [],
            }
        )

    async def _interaction_callback(self, request: web.Request) -> web.Response:
        # Interaction tokens authorise themselves: no bot token on this call, as on Discord.
        interaction = request.match_info["interaction"]
        body = await request.json() if request.content_type == "application/json" else {}
        async with self.posted:
            self.callbacks[interaction] = body
            self.posted.notify_all()
        return _json({"interaction": {"id": interaction, "type": 2}})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})
        self._sockets.append(ws)
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 1:  # heartbeat
                await ws.send_json({"op": 11})
            elif payload["op"] == 2:  # identify
                self.identifies.append(payload["d"])
                self.identified.set()
                ready = {
                    "v": 10,
                    "user": BOT,
                    "guilds": [],
                    "session_id": "session",
                    "resume_gateway_url": str(self.gateway),
                    "shard": payload["d"].get("shard", [0, 1]),
                    "application": {"id": APP_ID, "flags": 0},
                }
                await ws.send_json({"op": 0, "t": "READY", "s": next(self._sequence), "d": ready})
        self._sockets.remove(ws)
        self.gateway_closed.set()
        return ws


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py reads a body as JSON only for exactly this content type (no charset).
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )
