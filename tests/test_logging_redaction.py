"""bot.logs: secrets replaced in every part of a log line, and the chatty loggers' levels."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import CHATTY_LOGGERS, RedactingFormatter, Redactor, configure, settings_secrets
from bot.settings import Settings

TOKEN = "7071234567:AAHq3kP9xZbN2mVw8tLrY5cJ0dFgU1sEoIa"
KEY = TOKEN.partition(":")[2]


@pytest.fixture
def redactor() -> Redactor:
    settings = Settings.from_env(
        {
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": "hook-secret-1",
            "DISCORD_TOKEN": "discord.token.value",
            "DATABASE_URL": "postgresql://reelbot:p%40ss%2Fw0rd@db/reelbot",
        }
    )
    redactor = Redactor()
    for secret, label in settings_secrets(settings):
        redactor.add(secret, label)
    return redactor


@pytest.fixture
def captured(redactor: Redactor) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(redactor))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_each_secret_is_replaced_by_its_setting_name(redactor: Redactor) -> None:
    line = (
        f"POST http://api/bot{TOKEN}/getMe key={KEY} secret_token=hook-secret-1 "
        "auth=Bot discord.token.value password=p@ss/w0rd url=reelbot:p%40ss%2Fw0rd@db"
    )
    assert redactor(line) == (
        "POST http://api/bot[TELEGRAM_TOKEN]/getMe key=[TELEGRAM_TOKEN] "
        "secret_token=[TELEGRAM_WEBHOOK_SECRET] auth=Bot [DISCORD_TOKEN] "
        "password=[DATABASE_PASSWORD] url=reelbot:[DATABASE_PASSWORD]@db"
    )


def test_url_encoded_token_is_replaced_too(redactor: Redactor) -> None:
    assert redactor(TOKEN.replace(":", "%3A")) == "[TELEGRAM_TOKEN]"


def test_percent_args_tracebacks_and_stacks_are_redacted(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    logger.info("calling %s with %r", f"/bot{TOKEN}/setWebhook", {"secret_token": "hook-secret-1"})
    try:
        raise RuntimeError(f"could not reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        logger.exception("polling failed")
    logger.warning("where %s", KEY, stack_info=True)
    output = stream.getvalue()
    assert "Traceback" in output and "Stack (most recent call last)" in output
    assert TOKEN not in output and KEY not in output and "hook-secret-1" not in output
    assert output.count("[TELEGRAM_TOKEN]") == 3
    assert "'secret_token': '[TELEGRAM_WEBHOOK_SECRET]'" in output


def test_no_raw_traceback_is_left_cached_on_the_record(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    """A second handler reuses record.exc_text: it must find the redacted copy."""
    logger, _stream = captured
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    logger.addHandler(keep)
    try:
        raise ValueError(TOKEN)
    except ValueError:
        logger.exception("boom")
    finally:
        logger.removeHandler(keep)
    [record] = records
    assert record.exc_text is not None and TOKEN not in record.exc_text


def test_no_secret_means_no_change() -> None:
    redactor = Redactor()
    redactor.add(None, "TELEGRAM_TOKEN")
    redactor.add("", "DISCORD_TOKEN")
    assert redactor("nothing to hide") == "nothing to hide"


def test_sqlite_urls_have_no_password(tmp_path: Path) -> None:
    settings = Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path)})
    assert dict((label, secret) for secret, label in settings_secrets(settings)) == {
        "TELEGRAM_TOKEN": None,
        "TELEGRAM_WEBHOOK_SECRET": None,
        "DISCORD_TOKEN": None,
        "DATABASE_PASSWORD": None,
    }


@pytest.mark.parametrize(
    ("level", "httpx", "sqlalchemy"),
    [
        ("INFO", logging.WARNING, logging.WARNING),
        ("WARNING", logging.WARNING, logging.WARNING),
        ("DEBUG", logging.DEBUG, logging.INFO),
    ],
)
def test_chatty_loggers_are_quiet_unless_debugging(
    tmp_path: Path, level: str, httpx: int, sqlalchemy: int
) -> None:
    saved = {name: logging.getLogger(name).level for name in [*CHATTY_LOGGERS, ""]}
    try:
        configure(Settings.from_env({"REELBOT_DATA_DIR": str(tmp_path), "LOG_LEVEL": level}))
        assert logging.getLogger("httpx").level == httpx
        assert logging.getLogger("sqlalchemy.engine").level == sqlalchemy
        assert logging.getLogger("aiosqlite").level >= logging.INFO
        assert logging.getLogger().level == logging.getLevelNamesMapping()[level]
    finally:
        for name, value in saved.items():
            logging.getLogger(name).setLevel(value)
