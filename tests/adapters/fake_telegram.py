"""A Bot API server on loopback: python-telegram-bot talks to it as to Telegram.

The test plays the users: it queues updates (messages in private chats and groups, replies,
documents, button presses, inline queries, poll votes) and reads back what the bot did
(`sent`: every call, with its parameters). Messages the bot sent are kept, so edits change them
and a button press carries the message as Telegram would. Only the methods reelbot uses are
implemented; anything else answers an error, so an unexpected call shows up as a failure.
`fail_next` makes the next call of a method fail like Telegram or the network can.

Like Telegram, it keeps updates until they are confirmed (getUpdates with an offset past their
update_id), so a bot that dies before confirming gets them again, and it answers 429 with
`retry_after` to a bot that posts faster than the flood limits (`limits`).

Polls keep Telegram's limits: `open_period` and `close_date` not both, each 5 s to
POLL_MAX_OPEN_PERIOD ahead of Telegram's clock (`now`: a test moving the bot's clock moves this
one with it), and a poll past its close date is closed (stopPoll then fails as on Telegram)."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 999, "is_bot": True, "first_name": "reelbot", "username": "reelbot_bot"}
GROUP_ID = -100123
# sendPoll's open_period / close_date bounds, seconds ahead (Bot API 9.6: about 30 days).
POLL_MIN_OPEN_PERIOD = 5
POLL_MAX_OPEN_PERIOD = 2_628_000
# What Telegram puts in `from` of a message posted as a channel, or as the group by an
# anonymous administrator.
CHANNEL_PLACEHOLDER = {
    "id": 136817688,
    "is_bot": True,
    "first_name": "Channel",
    "username": "Channel_Bot",
}
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    result: Any = None
    at: float = field(default_factory=time.monotonic)  # when the fake took it

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, label: str) -> str:
        """The callback data of the button labelled `label`."""
        found = [b["callback_data"] for b in self.buttons if b["text"] == label]
        assert found, f"no {label!r} button in {[b['text'] for b in self.buttons]}"
        return str(found[0])


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    network: bool = False  # drop the connection instead of answering


@dataclass
class FloodLimits:
    """(messages, seconds) of each bucket, refilled evenly: Telegram's documented limits,
    about 30 messages a second overall, about one a second in a chat with short bursts
    allowed, and 20 a minute in a group."""

    overall: tuple[float, float] = (30, 1)
    per_chat: tuple[float, float] = (10, 10)
    per_group: tuple[float, float] = (20, 60)


# What counts against the limits: putting something into a chat.
POSTING = {
    "sendMessage",
    "sendPhoto",
    "sendPoll",
    "sendDocument",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "stopPoll",
}


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: float

    @classmethod
    def of(cls, rate: tuple[float, float]) -> _Bucket:
        return cls(rate[0], rate[0] / rate[1], rate[0], time.monotonic())

    def wait(self, now: float) -> float:
        """Seconds until one message may go (0: now)."""
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second)
        self.stamp = max(self.stamp, now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    sent: list[Sent] = field(default_factory=list)
    # Unconfirmed updates, oldest first; getUpdates(offset) confirms those below the offset.
    updates: list[dict[str, Any]] = field(default_factory=list)
    limits: FloodLimits = field(default_factory=FloodLimits)
    flood_waits: list[tuple[int, int]] = field(default_factory=list)  # (chat id, retry_after)
    confirmed_below: int = 0  # the highest offset a getUpdates call confirmed with
    last_update_id: int = 0
    _flooded_until: dict[int, float] = field(default_factory=dict)
    admins: dict[int, list[int]] = field(default_factory=dict)  # chat id -> user ids
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content
    webhook: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    # Users who never opened a chat with the bot: per-chat calls for them fail "chat not found".
    unknown_chats: set[int] = field(default_factory=set)
    calls: dict[str, int] = field(default_factory=dict)  # every request, failed ones too
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    # poll id -> user id -> chosen option ids: the counts stopPoll reports, whoever saw them.
    poll_answers: dict[str, dict[int, list[int]]] = field(default_factory=dict)
    # Telegram's clock, in Unix seconds: what poll close dates are measured against.
    now: Callable[[], float] = time.time
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _new_sent: asyncio.Condition = field(default_factory=asyncio.Condition)
    _buckets: dict[object, _Bucket] = field(default_factory=dict)
    runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
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

    def fail_next(self, method: str, failure: Failure) -> None:
        self.failures.setdefault(method, []).append(failure)

    # -- the users' side ---------------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self.last_update_id = max(self.last_update_id, int(update["update_id"]))

    def flood(self, chat_id: int, seconds: float) -> None:
        """Telegram holds `chat_id` in a flood wait: every post there answers 429 until then."""
        self._flooded_until[chat_id] = time.monotonic() + seconds

    async def wait_confirmed(self, update_id: int, seconds: float = 30) -> None:
        """Until the bot has confirmed `update_id` (called getUpdates with a higher offset)."""
        deadline = time.monotonic() + seconds
        while self.confirmed_below <= update_id:
            assert time.monotonic() < deadline, f"update {update_id} was never confirmed"
            await asyncio.sleep(0.01)

    def user(self, user_id: int = 42, name: str = "Mina") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}

    def chat(self, chat_id: int, name: str = "Mina") -> dict[str, Any]:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "K-drama club"}
        return {"id": chat_id, "type": "private", "first_name": name}

    def _user_message(
        self, user_id: int, chat_id: int | None, reply_to: Sent | None, name: str
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id or user_id, name),
            "from": self.user(user_id, name),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to.result
        return message

    def channel(self, chat_id: int, title: str) -> dict[str, Any]:
        return {"id": chat_id, "type": "channel", "title": title}

    def send_text(
        self,
        text: str,
        user_id: int = 42,
        chat_id: int | None = None,
        reply_to: Sent | None = None,
        name: str = "Mina",
        sender_chat: dict[str, Any] | None = None,
    ) -> None:
        """`sender_chat`: posted as that channel, or as the group itself (an anonymous admin);
        `from` is then Telegram's placeholder user, the same for everyone posting that way."""
        message = self._user_message(user_id, chat_id, reply_to, name)
        if sender_chat is not None:
            as_group = sender_chat["id"] == message["chat"]["id"]
            message["sender_chat"] = sender_chat
            message["from"] = ANONYMOUS_ADMIN if as_group else CHANNEL_PLACEHOLDER
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.queue_update({"update_id": next(self._ids), "message": message})

    def send_document(
        self,
        caption: str,
        file_name: str,
        content: bytes,
        user_id: int = 42,
        chat_id: int | None = None,
        claimed_size: int | None = None,
    ) -> None:
        file_id = f"doc{next(self._ids)}"
        self.files[file_id] = content
        message = self._user_message(user_id, chat_id, None, "Mina")
        message["caption"] = caption
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "mime_type": "text/csv",
            "file_size": claimed_size if claimed_size is not None else len(content),
        }
        if caption.startswith("/"):
            length = len(caption.split(maxsplit=1)[0])
            message["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.queue_update({"update_id": next(self._ids), "message": message})

    def press(self, message: Sent, data: str, user_id: int = 42, name: str = "Mina") -> str:
        """Press a button on a message the bot sent (its current state, after any edits)."""
        query_id = str(next(self._ids))
        chat_id = int(message.params["chat_id"])
        current = self.messages.get((chat_id, message.result["message_id"]), message.result)
        self.queue_update(
            {
                "update_id": next(self._ids),
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id, name),
                    "chat_instance": "ci",
                    "data": data,
                    "message": current,
                },
            }
        )
        return query_id

    def press_inline(self, inline_message_id: str, data: str, user_id: int = 42) -> str:
        """Press a button on a card someone shared with inline mode (no chat message)."""
        query_id = str(next(self._ids))
        self.queue_update(
            {
                "update_id": next(self._ids),
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "chat_instance": "ci",
                    "data": data,
                    "inline_message_id": inline_message_id,
                },
            }
        )
        return query_id

    def inline_query(self, query: str, user_id: int = 42) -> str:
        query_id = str(next(self._ids))
        self.queue_update(
            {
                "update_id": next(self._ids),
                "inline_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "query": query,
                    "offset": "",
                },
            }
        )
        return query_id

    def vote(
        self, poll: Sent, option_ids: list[int], user_id: int = 42, name: str = "Mina"
    ) -> None:
        """A member answers a poll the bot sent ([] retracts the answer)."""
        self.vote_unseen(poll, option_ids, user_id)
        self.queue_update(
            {
                "update_id": next(self._ids),
                "poll_answer": {
                    "poll_id": poll.result["poll"]["id"],
                    "user": self.user(user_id, name),
                    "option_ids": option_ids,
                    "option_persistent_ids": [str(i) for i in option_ids],
                },
            }
        )

    def vote_unseen(self, poll: Sent, option_ids: list[int], user_id: int = 42) -> None:
        """An answer Telegram counts but the bot never hears of (it was down, the update was
        lost): only the poll's final counts, from stopPoll, show it."""
        answers = self.poll_answers.setdefault(poll.result["poll"]["id"], {})
        if option_ids:
            answers[user_id] = list(option_ids)
        else:
            answers.pop(user_id, None)

    async def wait_for(self, method: str, count: int = 1, seconds: float = 10) -> list[Sent]:
        async def enough() -> list[Sent]:
            async with self._new_sent:
                while True:
                    found = [s for s in self.sent if s.method == method]
                    if len(found) >= count:
                        return found
                    await self._new_sent.wait()

        return await asyncio.wait_for(enough(), seconds)

    async def next_sent(self, method: str, seconds: float = 10) -> Sent:
        """The next call of `method` after the ones seen so far."""
        seen = len([s for s in self.sent if s.method == method])
        return (await self.wait_for(method, seen + 1, seconds))[-1]

    def all(self, method: str) -> list[Sent]:
        return [s for s in self.sent if s.method == method]

    # -- the server's side -------------------------------------------------------------------

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": BOT_USER,
            **{k: v for k, v in content.items() if v is not None},
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _edit(self, params: dict[str, Any], **changes: Any) -> Any:
        if "inline_message_id" in params:
            return True
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _ApiError(400, "Bad Request: message to edit not found")
        message = self.messages[key]
        new = {**message, **changes, "reply_markup": self._markup(params)}
        if {k: new.get(k) for k in changes} == {k: message.get(k) for k in changes} and (
            new["reply_markup"] == message.get("reply_markup")
        ):
            raise _ApiError(400, "Bad Request: message is not modified")
        self.messages[key] = new
        return new

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setMyCommands":
            scope = params.get("scope") or {"type": "default"}
            if scope["type"] == "chat" and int(scope["chat_id"]) in self.unknown_chats:
                raise _ApiError(400, "Bad Request: chat not found")
            return True
        if method in {"deleteWebhook", "answerCallbackQuery"}:
            return True
        if method == "answerInlineQuery":
            return True
        if method == "setWebhook":
            self.webhook = dict(params)
            return True
        if method == "sendMessage":
            if int(params["chat_id"]) in self.unknown_chats:
                raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return self._bot_message(
                int(params["chat_id"]),
                text=str(params["text"]),
                reply_markup=self._markup(params),
            )
        if method == "sendPhoto":
            photo = {"file_id": "p1", "file_unique_id": "p1", "width": 300, "height": 450}
            return self._bot_message(
                int(params["chat_id"]),
                photo=[photo],
                caption=params.get("caption"),
                reply_markup=self._markup(params),
            )
        if method == "editMessageText":
            return self._edit(params, text=str(params["text"]))
        if method == "editMessageCaption":
            return self._edit(params, caption=params.get("caption"))
        if method == "editMessageReplyMarkup":
            return self._edit(params)
        if method == "sendPoll":
            closes_at = self._poll_close(params)
            options = [
                {"text": o["text"] if isinstance(o, dict) else o, "voter_count": 0}
                for o in params["options"]
            ]
            for i, option in enumerate(options):
                option["persistent_id"] = str(i)
            poll = {
                "id": f"poll{next(self._ids)}",
                "question": params["question"],
                "options": options,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": params.get("is_anonymous", True) not in (False, "false"),
                "type": "regular",
                "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
                "allows_revoting": True,
                "members_only": False,
            }
            if closes_at is not None:
                poll["close_date"] = closes_at
            return self._bot_message(int(params["chat_id"]), poll=poll)
        if method == "stopPoll":
            key = (int(params["chat_id"]), int(params["message_id"]))
            if key not in self.messages or "poll" not in self.messages[key]:
                raise _ApiError(400, "Bad Request: message with poll to stop not found")
            poll = self.messages[key]["poll"]
            if "close_date" in poll and self.now() >= poll["close_date"]:
                poll["is_closed"] = True  # Telegram closed it by itself
            if poll["is_closed"]:
                raise _ApiError(400, "Bad Request: poll has already been closed")
            poll["is_closed"] = True
            answers = self.poll_answers.get(poll["id"], {})
            for i, option in enumerate(poll["options"]):
                option["voter_count"] = sum(i in chosen for chosen in answers.values())
            poll["total_voter_count"] = len(answers)
            return poll
        if method == "getChatAdministrators":
            ids = self.admins.get(int(params["chat_id"]), [])
            # Everyone listed as an owner: the shortest member object PTB accepts.
            return [
                {"status": "creator", "user": self.user(uid, "Admin"), "is_anonymous": False}
                for uid in ids
            ]
        if method == "getFile":
            file_id = str(params["file_id"])
            if file_id not in self.files:
                raise _ApiError(400, "Bad Request: invalid file_id")
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}.csv",
            }
        raise _ApiError(400, f"fake: no {method}")

    def _poll_close(self, params: dict[str, Any]) -> int | None:
        """When a new poll closes by itself (Unix seconds), refusing what Telegram refuses."""
        period, date = params.get("open_period"), params.get("close_date")
        if period is not None and date is not None:
            raise _ApiError(400, "Bad Request: can't use open_period and close_date together")
        if period is None and date is None:
            return None
        now = self.now()
        ahead = float(period) if period is not None else float(date) - now
        if not POLL_MIN_OPEN_PERIOD <= ahead <= POLL_MAX_OPEN_PERIOD:
            what = "open_period" if period is not None else "close_date"
            raise _ApiError(400, f"Bad Request: wrong poll {what} specified")
        return math.ceil(now + ahead)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {k: _maybe_json(v) for k, v in (await request.post()).items()}
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._poll(request, params)})
        self.calls[method] = self.calls.get(method, 0) + 1
        queued = self.failures.get(method)
        if queued:
            failure = queued.pop(0)
            if failure.network:
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        if method in POSTING and "chat_id" in params:
            retry_after = self._flood_wait(int(params["chat_id"]))
            if retry_after:
                self.flood_waits.append((int(params["chat_id"]), retry_after))
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry_after}",
                        "parameters": {"retry_after": retry_after},
                    },
                    status=429,
                )
        try:
            result = self._result(method, params)
        except _ApiError as error:
            return web.json_response(
                {"ok": False, "error_code": error.status, "description": error.description},
                status=error.status,
            )
        async with self._new_sent:
            self.sent.append(Sent(method, params, result))
            self._new_sent.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".csv")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id])

    def _flood_wait(self, chat_id: int) -> int:
        """0 when a message may go to `chat_id` now (and it is counted), else the whole seconds
        to wait, as Telegram's retry_after."""
        now = time.monotonic()
        flooded = self._flooded_until.get(chat_id, 0) - now
        if flooded > 0:
            return math.ceil(flooded)
        buckets = [
            self._bucket("overall", self.limits.overall),
            self._bucket(("chat", chat_id), self.limits.per_chat),
        ]
        if chat_id < 0:
            buckets.append(self._bucket(("group", chat_id), self.limits.per_group))
        wait = max(bucket.wait(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return 0

    def _bucket(self, key: object, rate: tuple[float, float]) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket.of(rate)
        return self._buckets[key]

    async def _poll(self, request: web.Request, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling: confirms the updates below `offset`, then returns the rest (waiting up
        to `timeout` for one). Unconfirmed updates stay, and come again in the next call."""
        offset = int(params.get("offset") or 0)
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.confirmed_below = max(self.confirmed_below, offset)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0.05)
        while not self.updates:
            if time.monotonic() > deadline or _hung_up(request):
                return []
            await asyncio.sleep(0.02)
        return self.updates[:limit]


def _hung_up(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _maybe_json(value: Any) -> Any:
    """Form-encoded parameters as the JSON values they stand for."""
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
