"""Logging for the reelbot commands: one stderr handler whose output never holds a secret, and
quieter levels for the chatty third-party loggers.

A secret is redacted from the finished line (message, %-args, traceback and stack), so it does
not matter which logger wrote it or how: the HTTP client logs each Bot API URL, which carries
the Telegram token; python-telegram-bot logs setWebhook's arguments (the webhook secret) at
DEBUG. Each secret is replaced by the name of its setting, e.g. `.../bot[TELEGRAM_TOKEN]/getMe`.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from types import TracebackType
from urllib.parse import quote

from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Loggers that write a line per HTTP request, query or webhook call: at the default level they
# would bury everything else (httpx alone: ~8,600 getUpdates lines a day). Each gets the first
# level normally and the second at LOG_LEVEL=DEBUG.
CHATTY_LOGGERS: dict[str, tuple[int, int]] = {
    "httpx": (logging.WARNING, logging.DEBUG),  # "HTTP Request: POST .../getUpdates"
    "httpcore": (logging.WARNING, logging.INFO),  # every socket event, even at DEBUG too many
    "tornado.access": (logging.WARNING, logging.DEBUG),  # a line per webhook request
    "aiohttp.access": (logging.WARNING, logging.DEBUG),
    "sqlalchemy.engine": (logging.WARNING, logging.INFO),  # INFO: statements; DEBUG: every row
    "aiosqlite": (logging.INFO, logging.INFO),  # DEBUG is two lines per cursor call
    "apscheduler": (logging.WARNING, logging.DEBUG),
}


class Redactor:
    """Replaces every known secret in a text by its label. Longer secrets are matched first, so
    a token is replaced whole rather than around a shorter secret inside it."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str | None, label: str) -> None:
        if not secret:
            return
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            self._labels.setdefault(form, label)
        alternatives = sorted(self._labels, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(a) for a in alternatives))

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda match: f"[{self._labels[match.group()]}]", text)


# One per process, like the logging tree it guards: secrets made at run time (a random webhook
# secret) are added with `redact_also`.
REDACTOR = Redactor()


def redact_also(secret: str | None, label: str) -> None:
    REDACTOR.add(secret, label)


class RedactingFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        text = self.redactor(super().format(record))
        # The record caches its formatted traceback: leave no raw copy for another handler.
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        return text


def settings_secrets(settings: Settings) -> Iterable[tuple[str | None, str]]:
    """(secret, label) for every credential the settings hold."""
    token = settings.telegram_token
    yield token, "TELEGRAM_TOKEN"
    if token and ":" in token:  # "<bot id>:<key>": the bot id is public, the key is not
        yield token.partition(":")[2], "TELEGRAM_TOKEN"
    yield settings.telegram_webhook_secret, "TELEGRAM_WEBHOOK_SECRET"
    yield settings.discord_token, "DISCORD_TOKEN"
    yield database_password(settings.database_url), "DATABASE_PASSWORD"


def database_password(url: str) -> str | None:
    from sqlalchemy.engine import make_url  # here: the CLI starts without SQLAlchemy
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None


def configure(settings: Settings, quiet: bool = False) -> None:
    """Before any client starts: the redacting stderr handler on the root logger, with warnings
    and uncaught exceptions sent through it (unless the process has a handler already, e.g.
    under pytest), and the chatty loggers' levels. `quiet`: warnings only (the console chat)."""
    for secret, label in settings_secrets(settings):
        REDACTOR.add(secret, label)
    level = logging.WARNING if quiet else logging.getLevelNamesMapping()[settings.log_level]
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(RedactingFormatter(REDACTOR))
        root.addHandler(handler)
        logging.captureWarnings(True)
        sys.excepthook = _log_uncaught
    root.setLevel(level)
    debugging = level <= logging.DEBUG
    for name, (normal, when_debugging) in CHATTY_LOGGERS.items():
        logging.getLogger(name).setLevel(max(level, when_debugging if debugging else normal))


def _log_uncaught(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    """An error that ends the process, written like every other line (so redacted)."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, traceback)
        return
    logging.getLogger("reelbot").critical("stopped by an error", exc_info=(kind, error, traceback))
