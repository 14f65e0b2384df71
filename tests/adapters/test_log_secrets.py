"""No secret in the logs: the real `reelbot telegram` and `reelbot discord` processes, at INFO
and DEBUG, in polling and webhook mode, on a PostgreSQL URL with a password. Everything the
process writes (stdout and stderr, every logger) is read back and searched for each secret."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from tests.adapters.fake_discord import FakeDiscord
from tests.adapters.fake_telegram import FakeTelegram
from tests.conftest import postgres_only

TELEGRAM_TOKEN = "7071234567:AAHq3kP9xZbN2mVw8tLrY5cJ0dFgU1sEoIa"
WEBHOOK_SECRET = "Wh00k-S3cret_7f3a9c"
DISCORD_TOKEN = "MTE5NzA3.GxYz12.dIsCoRdToKeNsEcReTpArT0123456789ab"
DB_PASSWORD = "S3cretPw"
SECRETS = {
    "Telegram token": TELEGRAM_TOKEN,
    "Telegram token's key": TELEGRAM_TOKEN.partition(":")[2],
    "webhook secret": WEBHOOK_SECRET,
    "Discord token": DISCORD_TOKEN,
    "database password": DB_PASSWORD,
}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def leaks(output: str, secrets: Mapping[str, str]) -> dict[str, list[str]]:
    """For each secret, the lines of `output` that hold it."""
    lines = output.splitlines()
    found = {name: [line for line in lines if value in line] for name, value in secrets.items()}
    return {name: hits for name, hits in found.items() if hits}


def with_password(db_url: str) -> str:
    """PostgreSQL here trusts local connections: the password is carried, never checked."""
    url = make_url(db_url).set(password=DB_PASSWORD)
    return url.render_as_string(hide_password=False)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Captured:
    """A child process whose combined output is read as it comes (a full pipe would stall it)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.chunks: list[bytes] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self.chunks.append(chunk)

    async def stop(self) -> str:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        await self.reader
        return b"".join(self.chunks).decode(errors="replace")


async def start(argv: list[str], env: dict[str, str], cwd: Path) -> Captured:
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    return Captured(process)


async def post_update(url: str, secret: str, text: str) -> None:
    """Telegram delivering a /title message to the webhook, once the server listens."""
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "Mina"},
            "from": {"id": 42, "is_bot": False, "first_name": "Mina"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with aiohttp.ClientSession() as http:
        for _ in range(200):  # setWebhook comes just before the server listens
            try:
                async with http.post(url, json=update, headers={SECRET_HEADER: secret}) as r:
                    assert r.status == 200
                    return
            except aiohttp.ClientConnectorError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"the webhook at {url} never answered")


async def run_telegram(
    tmp_path: Path, db_url: str, level: str, mode: str
) -> tuple[str, FakeTelegram]:
    """`reelbot telegram` answering one /title, stopped with SIGTERM: all it wrote."""
    fake = FakeTelegram(token=TELEGRAM_TOKEN)
    base_url = await fake.start()
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": with_password(db_url),
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "LOG_LEVEL": level,
    }
    for name in ("TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
        env.pop(name, None)
    hook = ""
    if mode != "polling":
        port = _free_port()
        hook = f"http://127.0.0.1:{port}/tg/hook"
        env |= {
            "TELEGRAM_WEBHOOK_URL": hook,
            "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
            "TELEGRAM_WEBHOOK_PORT": str(port),
        }
        if mode == "webhook":
            env["TELEGRAM_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    bot = await start([sys.executable, "-m", "bot", "telegram"], env, tmp_path)
    try:
        await fake.wait_for("setMyCommands", seconds=60)
        if mode == "polling":
            fake.send_text("/title Okja")
        else:
            await fake.wait_for("setWebhook", seconds=30)
            await post_update(hook, str(fake.webhook["secret_token"]), "/title Okja")
        [sent] = await fake.wait_for("sendMessage", seconds=30)
        assert "Okja" in sent.text
    finally:
        output = await bot.stop()
        await fake.stop()
    assert bot.process.returncode == 0, output[-3000:]
    return output, fake


@postgres_only
@pytest.mark.parametrize(
    ("level", "mode"),
    [
        ("INFO", "polling"),
        ("DEBUG", "polling"),
        ("INFO", "webhook"),
        ("DEBUG", "webhook"),
        ("DEBUG", "webhook, random secret"),
    ],
)
async def test_reelbot_telegram_logs_no_secret(
    db_url: str, tmp_path: Path, level: str, mode: str
) -> None:
    output, fake = await run_telegram(tmp_path, db_url, level, mode)
    secrets = dict(SECRETS)
    if mode == "webhook, random secret":
        secrets["random webhook secret"] = str(fake.webhook["secret_token"])
    assert leaks(output, secrets) == {}
    assert "Application started" in output  # the process did log at this level
    if level == "DEBUG":
        # The lines that held the secrets are still there, with the secrets replaced.
        assert "/bot[TELEGRAM_TOKEN]" in output
        if mode != "polling":
            assert "[TELEGRAM_WEBHOOK_SECRET]" in output
    else:  # the HTTP client's line per Bot API call is kept out of the default level
        assert "HTTP Request" not in output


DISCORD_AT = """
import sys, yarl, discord
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
from bot.cli import main
main(["discord"])
"""


@postgres_only
async def test_reelbot_discord_logs_no_secret_at_debug(db_url: str, tmp_path: Path) -> None:
    """The real CLI command, its logging included; only Discord's address is changed, to a
    loopback Discord (discord.py has no setting for it)."""
    fake = FakeDiscord(token=DISCORD_TOKEN)
    await fake.start()
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": with_password(db_url),
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "LOG_LEVEL": "DEBUG",
    }
    argv = [sys.executable, "-c", DISCORD_AT, fake.api, str(fake.gateway)]
    bot = await start(argv, env, tmp_path)
    try:
        await asyncio.wait_for(fake.identified.wait(), 60)
        await asyncio.sleep(0.5)  # READY handled, commands synced
    finally:
        output = await bot.stop()
        await fake.stop()
    assert bot.process.returncode == 0, output[-3000:]
    assert leaks(output, SECRETS) == {}
    assert "discord.gateway" in output  # discord.py's own DEBUG lines were written


async def test_a_rejected_token_ends_the_process_without_printing_it(tmp_path: Path) -> None:
    """python-telegram-bot's InvalidToken quotes the token; the traceback that ends the process
    goes through the same redacting handler as every log line."""
    fake = FakeTelegram()  # knows another token: answers 401 Unauthorized to ours
    base_url = await fake.start()
    env = {
        **os.environ,
        "REELBOT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
    }
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    bot = await start([sys.executable, "-m", "bot", "telegram"], env, tmp_path)
    try:
        await asyncio.wait_for(bot.process.wait(), 60)
    finally:
        output = await bot.stop()
        await fake.stop()
    assert bot.process.returncode == 1
    assert "The token `[TELEGRAM_TOKEN]` was rejected by the server." in output, output
    assert "Traceback" in output
    assert leaks(output, SECRETS) == {}
