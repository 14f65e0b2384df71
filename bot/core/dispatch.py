"""From a typed command line to a Reply: parsing arguments, and turning errors into replies the
same way for every front end."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from bot.core.catalog import CatalogSnapshot
from bot.core.context import CommandContext
from bot.core.declaration import Command, find_leaf, usage
from bot.core.errors import UnknownCommandError, UsageError, UserError
from bot.core.kernel import Core
from bot.core.params import TEXT, Param
from bot.core.ratings import STAR_DECORATION
from bot.core.replies import Action, Item, Reply
from bot.core.text import clean_user_text, shorten

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."


HELP = Command(
    "help",
    "every command, with an example; /help <command> for its subcommands",
    params=(Param("command", TEXT, "A command to explain, e.g. watchparty", max_length=32),),
    example="/help",
)

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]+)(?:@\S+)?(?:\s+(?P<args>.*))?$", re.DOTALL)
TITLE_ID = re.compile(r"^#\d+$")  # "#12": how buttons and choices name a title


Handler = Callable[[CommandContext, str], Awaitable[Reply]]
Observer = Callable[[CommandContext], Awaitable[None]]
# The arguments after the title that a "which one?" button keeps, from the arguments typed.
RestOf = Callable[[str], str]


def help_reply(commands: tuple[Command, ...]) -> Reply:
    return Reply(
        text="reelbot — talk films and dramas. Commands:",
        items=tuple(Item(usage((c,)), c.description, f"e.g. {c.example}") for c in commands),
        notes=(
            "Titles can be typed loosely: case, punctuation and small typos are fine.",
            "/help <command> shows its subcommands and options, e.g. /help watchparty.",
        ),
    )


def command_help(command: Command, text: str | None = None) -> Reply:
    """Every (sub)command of one command with its parameters, from its declaration."""
    items = []
    for path, leaf in command.leaves():
        if leaf.name == "help" and len(path) > 1:
            continue
        options = "; ".join(f"{p.name}: {p.description}" for p in leaf.params)
        items.append(Item(usage(path), leaf.description, options))
    heading = text or f"/{command.name}: {command.description}"
    notes = (f"e.g. {command.example}",) if command.example else ()
    return Reply(text=heading, items=tuple(items), notes=notes)


def error_reply(error: UserError, command: str | None = None, rest: str = "") -> Reply:
    actions = tuple(
        Action(choice.label, f"/{command} #{choice.title_id}{(' ' + rest) if rest else ''}")
        for choice in error.choices
        if command
    )
    return Reply(text=error.message, actions=actions, kind="error")


class Dispatcher:
    """Parses a command line, calls the handler a feature registered for it, and never lets an
    exception reach the user."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._commands: list[Command] = [HELP]
        self._handlers: dict[str, Handler] = {"help": self._help, "start": self._help}
        self._rest_parsers: dict[str, RestOf] = {}
        self._observers: list[Observer] = []

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command answered here, in /help order (front ends build menus from it)."""
        return tuple(self._commands)

    def register(self, command: Command, handler: Handler, rest_of: RestOf | None = None) -> None:
        """Add a command from a feature module (recommendations, reviews, watch parties, ...)
        after /help and those registered before it, in /help order. `handler` gets the
        argument text (what the declaration compiles a typed invocation to); UserErrors it
        raises are rendered like any other. `rest_of`: what to keep after the title when a
        "which one?" button re-runs the command (by default nothing)."""
        if command.name in self._handlers:
            raise ValueError(f"/{command.name} is already registered")
        self._commands.append(command)
        self._handlers[command.name] = handler
        if rest_of is not None:
            self._rest_parsers[command.name] = rest_of

    def declared(self, name: str) -> Command | None:
        return next((c for c in self._commands if c.name == name.casefold()), None)

    def leaf_of(self, line: str) -> tuple[tuple[Command, ...], str] | None:
        """The declared (sub)command a command line names, and its arguments."""
        match = _COMMAND.match(clean_user_text(line).strip())
        command = self.declared(match.group("name")) if match else None
        if match is None or command is None:
            return None
        return find_leaf(command, match.group("args") or "")

    def observe(self, observer: Observer) -> None:
        """Call `observer` with the context of every command that succeeded (e.g. to record who
        is in a chat; failed commands write nothing). It must not raise and should be cheap
        after the first call."""
        self._observers.append(observer)

    async def handle(self, ctx: CommandContext, line: str) -> Reply:
        line = clean_user_text(line).strip()
        match = _COMMAND.match(line)
        if not match:
            return Reply(
                text="Commands start with a slash. Try /help, or /search <title>.", kind="error"
            )
        name = match.group("name").lower()
        args = (match.group("args") or "").strip()
        try:
            handler = self._handlers.get(name)
            if handler is None:
                raise UnknownCommandError(f"I don't know /{name}. Try /help for the list.")
            reply = await handler(ctx, args)
            if not reply.is_error:
                for observer in self._observers:
                    await observer(ctx)
            return reply
        except UserError as error:
            return error_reply(error, name, self._rest_of(name, args))
        except Exception:
            log.exception("command failed: platform=%s command=/%s", ctx.platform, name)
            return Reply(text=APOLOGY, kind="apology")

    def _rest_of(self, name: str, args: str) -> str:
        """What to keep after the title when a choice button re-runs the command."""
        rest_of = self._rest_parsers.get(name)
        return rest_of(args) if rest_of is not None else ""

    async def _help(self, ctx: CommandContext, args: str) -> Reply:
        topic = args.strip().lstrip("/").casefold()
        if not topic:
            return help_reply(self.commands)
        command = self.declared(topic)
        if command is None:
            raise UsageError(f"I don't know /{shorten(topic, 32)}. Try /help for the list.")
        return command_help(command)


def is_exact_title(snap: CatalogSnapshot, text: str) -> bool:
    """The text names a title exactly ("#12" ids and qualifiers such as "(2019)" included)."""
    return bool(TITLE_ID.match(text) or snap.index.exact_ids(text))


def title_without_rating(snap: CatalogSnapshot, args: str) -> str | None:
    """The title when the arguments of a title-first command name a title and nothing else
    ("/review Prison Playbook"): "#id" (or the text, when it names several), so a front end can
    ask for what follows (the stars) instead of answering with the usage. None when the
    arguments are anything else (a last word of stars is a rating: "Prison Playbook ★★★★")."""
    text = args.strip()
    if not text or STAR_DECORATION.match(text.split()[-1]) or not is_exact_title(snap, text):
        return None
    if TITLE_ID.match(text):
        return text
    ids = snap.index.exact_ids(text)
    return f"#{next(iter(ids))}" if len(ids) == 1 else text
