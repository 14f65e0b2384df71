"""The `reelbot` command line: chat, database, seeding, and the chat front ends."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import dataclasses
import getpass
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

import click

from bot import logs
from bot.settings import Settings, SettingsError, environment
from db.imports.formats import FORMATS

if TYPE_CHECKING:
    from bot.core.context import CommandContext

T = TypeVar("T")

# sysexits.h EX_CONFIG: a front end without its token is a configuration to fix, not a crash;
# a supervisor can tell the two apart (systemd: RestartPreventExitStatus=78).
EXIT_NOT_CONFIGURED = 78


def _settings() -> Settings:
    try:
        return Settings.from_env(environment())
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _token(settings: Settings, variable: str, front_end: str) -> str:
    """The front end's token; without it the command stops at once with one line that names
    the variable, before it touches the database or the network."""
    try:
        return settings.require(variable)
    except SettingsError as error:
        click.echo(f"reelbot {front_end}: {error}. The {front_end} bot is not started.", err=True)
        raise SystemExit(EXIT_NOT_CONFIGURED) from error


def _logging(settings: Settings, quiet: bool = False) -> None:
    logs.configure(settings, quiet)


def _run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_factory()

    return asyncio.run(main())


@click.group()
def main() -> None:
    """reelbot: recommendations, reviews, where to watch and watch parties for film chats."""


@main.command()
@click.option("--user", help="Chat as this local user (default: your OS user name).")
@click.option("--region", help="Your region as a two-letter code, e.g. US or KR.")
def chat(user: str | None, region: str | None) -> None:
    """Talk to reelbot in the terminal (or pipe commands in, one per line)."""
    from bot.app import open_app
    from bot.console_adapter.chat import console_context, run_chat
    from bot.console_adapter.messenger import ConsoleMessenger
    from bot.core.scheduler import Scheduler

    settings = _settings()
    _logging(settings, quiet=True)

    async def go() -> None:
        app = await open_app(settings)
        # Poll results and reminders print into the chat while it runs.
        scheduler = Scheduler(app.parties, [ConsoleMessenger()], interval=5.0)
        stop = asyncio.Event()
        background = asyncio.create_task(scheduler.run_forever(stop))
        try:
            await run_chat(app.dispatcher, console_context(user, region and region.upper()))
        finally:
            stop.set()
            await background
            await app.close()

    with contextlib.suppress(KeyboardInterrupt):
        _run(go)


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Migrate the database to the latest schema."""
    from db import migrate
    from db.session import Database

    settings = _settings()
    _logging(settings)

    async def go() -> str | None:
        database = Database.from_url(settings.database_url)
        try:
            await migrate.upgrade(database.engine)
            return await migrate.current_revision(database.engine)
        finally:
            await database.dispose()

    click.echo(f"database at revision {_run(go)}")


@main.group()
def seed() -> None:
    """Fill the catalog."""


def _cli_admin(region: str | None = None) -> CommandContext:
    """The person at the server's shell, as the audit log names them: "cli:<OS user>". Every
    command that changes something from the shell acts as this one actor."""
    from bot.core.context import CommandContext

    name = getpass.getuser()
    return CommandContext("cli", name, name, chat_id="cli", is_admin=True, region=region)


@seed.command()
def starter() -> None:
    """Load the shipped starter catalog (safe to run again)."""
    from bot.app import open_app
    from bot.core.curation import Curator

    settings = _settings()
    _logging(settings)

    async def go() -> str:
        app = await open_app(settings, seed=False)
        try:  # the same action as /admin seed starter, audit row included
            return (await Curator(app.core).seed_starter(_cli_admin())).text
        finally:
            await app.close()

    click.echo(_run(go))


@seed.command("review")
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--yes", is_flag=True, help="Save without asking.")
@click.option("--region", help="Where the article's streaming services are, e.g. US.")
@click.option("--grade", help="A grade the article does not give, e.g. A- or 4/5.")
def seed_review(source: TextIO, yes: bool, region: str | None, grade: str | None) -> None:
    """Read a review article (a text file, or - for stdin), show what it says, and save it as an
    editorial review once you confirm."""
    from bot.app import open_app
    from bot.console_adapter.render import render
    from bot.core.editorial_flow import EditorialDesk
    from bot.core.errors import UserError

    settings = _settings()
    _logging(settings, quiet=True)
    text = source.read()
    from_stdin = source is sys.stdin or getattr(source, "name", "") == "<stdin>"

    async def go() -> None:
        app = await open_app(settings)
        try:
            ctx = _cli_admin(region and region.upper())
            desk = EditorialDesk(app.core)
            try:
                draft_id, payload = await desk.prepare(ctx, text, region and region.upper(), grade)
            except UserError as error:
                raise click.ClickException(error.message) from error
            # The chat's Confirm / Cancel buttons mean nothing here: the prompt replaces them.
            shown = dataclasses.replace(await desk.show(draft_id, payload), actions=())
            click.echo(render(shown))
            if not yes and not _ask("Save this editorial review?", from_stdin):
                click.echo((await desk.cancel(ctx, draft_id)).text)
                return
            click.echo(render(await desk.confirm(ctx, draft_id)))
        finally:
            await app.close()

    _run(go)


def _ask(question: str, stdin_used: bool) -> bool:
    """Ask on the terminal; when the article came through stdin, ask on /dev/tty instead."""
    if not stdin_used:
        return click.confirm(question, default=False)
    try:
        with open("/dev/tty", "r+", encoding="utf-8") as tty:
            tty.write(f"{question} [y/N]: ")
            tty.flush()
            return tty.readline().strip().casefold() in {"y", "yes"}
    except OSError as error:
        raise click.ClickException(
            "The article came through stdin and there is no terminal to ask on: add --yes."
        ) from error


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, type=click.UNPROCESSED)
def admin(words: tuple[str, ...]) -> None:
    """Run an /admin command as the owner, e.g. `reelbot admin stats` or
    `reelbot admin where add "Okja | Netflix | US"`."""
    from bot.app import open_app
    from bot.console_adapter.render import render

    settings = _settings()
    _logging(settings, quiet=True)

    async def go() -> bool:
        app = await open_app(settings)
        try:
            reply = await app.dispatcher.handle(_cli_admin(), "/admin " + " ".join(words))
            click.echo(render(reply))
            return not reply.is_error
        finally:
            await app.close()

    if not _run(go):
        sys.exit(1)


@seed.command(name="import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", help="Skip detection: " + ", ".join(FORMATS) + ".")
@click.option("--provider", help="The service the list is from, e.g. Netflix.")
@click.option("--region", help="Where the service carries the titles (two letters; default US).")
@click.option("--as-of", "as_of", help="The date the list was true on (YYYY-MM-DD; default today).")
@click.option(
    "--kind",
    "offer_kind",
    type=click.Choice(["stream", "free", "rent", "buy"]),
    default="stream",
    show_default=True,
    help="How the service offers the titles.",
)
@click.option("--skip-bad", is_flag=True, help="Import the good rows and list the bad ones.")
@click.option("--dry-run", is_flag=True, help="Show the summary without writing anything.")
@click.option("--encoding", help="The file's text encoding when it is not UTF-8, e.g. cp1252.")
@click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Refuse files larger than this many MB.",
)
@click.option("--user", help="Whose Letterboxd export this is: platform:user id (telegram:123).")
@click.option("--name", "display_name", help="That member's display name (Letterboxd).")
def import_(
    path: Path,
    fmt: str | None,
    provider: str | None,
    region: str | None,
    as_of: str | None,
    offer_kind: str,
    skip_bad: bool,
    dry_run: bool,
    encoding: str | None,
    max_size: int,
    user: str | None,
    display_name: str | None,
) -> None:
    """Import titles (and ratings) from FILE: a CSV/JSON file, a folder or a zip archive.

    The format is detected from the header: reelbot's own schema, a streaming-catalog list
    (Netflix, Prime Video, Disney+, Hulu), MovieLens, a Letterboxd export, or the MyDramaList
    Korean drama lists. The import is one transaction: a bad row stops it with nothing written,
    unless --skip-bad.
    """
    from bot.app import open_app
    from bot.core.permissions import actor
    from db.imports.formats import ImportFileError
    from db.imports.importer import ImportOptions, ImportRejected, Member, import_file

    settings = _settings()
    admin = _cli_admin()
    _logging(settings, quiet=True)
    options = ImportOptions(
        format=fmt,
        provider=provider,
        region=_region(region),
        offer_kind=offer_kind,
        as_of=_date(as_of),
        skip_bad=skip_bad,
        dry_run=dry_run,
        encoding=_encoding(encoding),
        max_bytes=max_size * 1024 * 1024,
        member=_member(user, display_name, Member),
        by=actor(admin),
        by_name=admin.display_name,
        default_region=settings.default_region,
    )

    async def go() -> list[str]:
        app = await open_app(settings, seed=False)
        try:
            with _progress_bar() as progress:
                summary = await import_file(app.db, path, options, progress)
            return summary.lines()
        finally:
            await app.close()

    try:
        lines = _run(go)
    except ImportFileError as error:
        raise click.ClickException(f"{error} (nothing was written)") from error
    except ImportRejected as rejected:
        for line in rejected.lines():
            click.echo(line, err=True)
        raise SystemExit(1) from rejected
    for line in lines:
        click.echo(line)


@seed.command()
@click.argument("path", type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    help="Default: from the file name (.json), else CSV.",
)
def export(path: Path, fmt: str | None) -> None:
    """Write the whole catalog to PATH (or - for standard output) in reelbot's own schema,
    which `reelbot seed import` reads back."""
    from bot.app import open_app
    from db.imports.export import export_rows, write

    settings = _settings()
    _logging(settings, quiet=True)
    chosen = fmt or ("json" if path.suffix.casefold() == ".json" else "csv")

    async def go() -> list[object]:
        app = await open_app(settings, seed=False)
        try:
            async with app.db.unit_of_work() as repos:
                return list(await export_rows(repos))
        finally:
            await app.close()

    rows = _run(go)
    if str(path) == "-":
        write(rows, sys.stdout, chosen)  # type: ignore[arg-type]
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        count = write(rows, handle, chosen)  # type: ignore[arg-type]
    click.echo(f"exported {count:,} titles to {path} ({chosen})", err=True)


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) != 2 or not value.isalpha():
        raise click.BadParameter(
            f"{value!r} is not a two-letter region code", param_hint="--region"
        )
    return value.upper()


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(
            f"{value!r} is not a date like 2024-05-01", param_hint="--as-of"
        ) from error


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        codecs.lookup(value)
    except LookupError as error:
        raise click.BadParameter(f"unknown encoding {value!r}", param_hint="--encoding") from error
    return value


def _member(user: str | None, name: str | None, member: Callable[..., T]) -> T | None:
    if user is None:
        return None
    platform, sep, user_id = user.partition(":")
    if not sep or not platform or not user_id:
        raise click.BadParameter("use platform:user id, e.g. telegram:123456", param_hint="--user")
    return member(platform.casefold(), user_id, name or user_id)


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int], None] | None]:
    """A rows-read counter on a terminal; nothing when output is piped or in CI."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    with tqdm(unit=" rows", unit_scale=True, file=sys.stderr, leave=False) as bar:

        def advance(rows: int) -> None:
            bar.update(rows)

        yield advance


def _stop_event() -> asyncio.Event:
    """Set on SIGTERM or SIGINT, for a clean shutdown under docker compose."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


@main.command()
def telegram() -> None:
    """Run the Telegram bot (needs TELEGRAM_TOKEN; long polling, or a webhook when
    TELEGRAM_WEBHOOK_URL is set; TELEGRAM_API_BASE_URL for a self-hosted Bot API server).
    Watch-party polls are native Telegram polls, closed and announced by the scheduler."""
    from bot.app import open_app
    from bot.telegram_adapter.server import run

    settings = _settings()
    _logging(settings)
    _token(settings, "TELEGRAM_TOKEN", "telegram")

    async def go() -> None:
        app = await open_app(settings)
        try:
            await run(settings, app, _stop_event())
        finally:
            await app.close()

    _run(go)


@main.command()
def discord() -> None:
    """Run the Discord bot (needs DISCORD_TOKEN). Watch-party polls are native Discord polls,
    ended and announced by the scheduler."""
    from bot.app import open_app
    from bot.discord_adapter.server import run

    settings = _settings()
    _logging(settings)
    token = _token(settings, "DISCORD_TOKEN", "discord")

    async def go() -> None:
        app = await open_app(settings)
        try:
            await run(settings, app, token, _stop_event())
        finally:
            await app.close()

    _run(go)


if __name__ == "__main__":
    main()
