"""From a typed command line to a Reply: parsing arguments, and turning errors into replies the
same way for every front end."""

from __future__ import annotations

import contextlib
import logging
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.core.catalog import CatalogSnapshot
from bot.core.commands import DEFAULT_RECOMMENDATIONS, MAX_RECOMMENDATIONS, Core
from bot.core.context import CommandContext
from bot.core.declaration import Command, find_leaf, usage
from bot.core.diary import split_watched_on
from bot.core.errors import UnknownCommandError, UsageError, UserError
from bot.core.list_filters import ListFilters, split_filters
from bot.core.myratings import SORTS, parse_view
from bot.core.params import (
    CHOICE,
    COUNT,
    FLAG,
    MAX_QUERY_CHARS,
    RATING,
    REGION,
    SERVICES,
    TEXT,
    TITLE,
    YEAR,
    Param,
    choices,
)
from bot.core.ratings import ACCEPTED, looks_like_rating, parse_rating
from bot.core.replies import Action, Item, Reply
from bot.core.services import known_services
from bot.core.text import ISO_REGIONS, clean_user_text, shorten
from db.models import MAX_REVIEW_CHARS

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again."


HELP = Command(
    "help",
    "every command, with an example; /help <command> for its subcommands",
    params=(Param("command", TEXT, "A command to explain, e.g. watchparty", max_length=32),),
    example="/help",
)
COMMANDS: tuple[Command, ...] = (
    HELP,
    Command(
        "search",
        "find titles, typos welcome",
        params=(
            Param(
                "query",
                TEXT,
                "Part of a title, an original title or an alias",
                required=True,
                max_length=MAX_QUERY_CHARS,
                question="What should I look for? Part of a title is enough, e.g. miracle cell.",
            ),
        ),
        example="/search miracle cell 7",
        needs_chat=False,
    ),
    Command(
        "title",
        "a title card: facts, rating, where to watch",
        params=(
            Param(
                "title",
                TITLE,
                "Start typing and pick one; typos are fine",
                required=True,
                question="Which title? Reply with its name, e.g. Parasite. Typos are fine.",
            ),
        ),
        example="/title Parasite",
        needs_chat=False,
    ),
    Command(
        "recommend",
        "similar titles with reasons; no title: picks from your ratings",
        params=(
            Param("title", TITLE, "Leave empty for picks from your own ratings"),
            Param("n", COUNT, "How many", max_value=MAX_RECOMMENDATIONS),
            Param(
                "only",
                CHOICE,
                "Only series, or only films",
                style="switch",
                options=choices("series", "film"),
            ),
            Param("on", SERVICES, "Only what streams on these services", style="flag"),
            Param("in", REGION, "Only what can be watched in this country", style="flag"),
            Param("from", YEAR, "Released in or after this year", style="flag"),
            Param("to", YEAR, "Released in or before this year", style="flag"),
            Param("country", REGION, "Made in this country", style="flag"),
            Param("lang", TEXT, "In this original language, e.g. ko", style="flag", max_length=20),
            Param("unrated", FLAG, "Leave out what you have rated", style="flag"),
            Param("watchlist", FLAG, "Rank your watchlist instead", style="flag"),
        ),
        example="/recommend Parasite --series --on netflix --from 2010",
        needs_chat=False,
    ),
    Command(
        "where",
        "where to stream, rent or buy it; --notify: message me when it is on my services",
        params=(
            Param(
                "title",
                TITLE,
                "Start typing and pick one",
                required=True,
                question="Which title do you want to watch? Reply with its name, and a country "
                "code if you like, e.g. Prison Playbook US.",
            ),
            Param("region", REGION, "Country, e.g. US or KR"),
            Param("notify", FLAG, "Message me when it reaches my services", style="flag"),
        ),
        example="/where Prison Playbook US",
        needs_chat=False,
    ),
    Command(
        "review",
        "rate 0.5-5★ (or 8/10, A-), optionally review; rating remove takes yours back",
        params=(
            Param(
                "title",
                TITLE,
                "Start typing and pick one",
                required=True,
                question="Which title do you want to rate? Reply with its name, e.g. Okja. "
                "Typos are fine.",
            ),
            Param(
                "rating",
                RATING,
                "4.5, ★★★★, 8/10, 85% or a grade such as A- (or remove, to take yours back)",
                required=True,
                question="How many stars for {title}? Reply with 0.5 to 5 (8/10 or A- work "
                "too), then a few words if you like, e.g. 4.5 funny and warm.",
            ),
            Param("text", TEXT, "Your review (optional)", max_length=MAX_REVIEW_CHARS),
            Param("spoiler", FLAG, "Hide the review text behind a spoiler", style="flag"),
            Param(
                "on",
                TEXT,
                "The day you watched it: 2026-11-30, yesterday, 30 nov (default today)",
                style="flag",
                max_length=40,
                quoted=False,  # the handler reads the day's words after --on itself
            ),
        ),
        example="/review Prison Playbook 4.5 funny and warm --on yesterday",
        needs_chat=False,
        separator=" | ",
        typed_separator="",
    ),
    Command(
        "reviews",
        "the community verdict and latest reviews",
        params=(
            Param(
                "title",
                TITLE,
                "Start typing and pick one",
                required=True,
                question="Whose reviews? Reply with its name, e.g. Okja. Typos are fine.",
            ),
        ),
        example="/reviews Okja",
    ),
    Command(
        "myratings",
        "your ratings as a diary, 10 a page, newest first (or by rating, by title)",
        params=(
            Param("page", COUNT, "Which page (10 ratings a page)", max_value=10_000),
            Param(
                "sort",
                CHOICE,
                "Newest diary date first, highest rating first, or by title",
                style="flag",
                options=choices(*SORTS),
            ),
            Param(
                "spoilers",
                FLAG,
                "Show your own spoiler reviews (only outside a server)",
                style="flag",
            ),
        ),
        example="/myratings 2 --sort rating",
    ),
)

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z_]+)(?:@\S+)?(?:\s+(?P<args>.*))?$", re.DOTALL)
# A spoiler flag counts only in flag position: first or last word of the arguments, or first
# word of the review text ("spoiler:" only there). Anywhere else it is part of what was typed.
_EDGE_SPOILER_FLAG = re.compile(r"^--spoiler(?:\s+|$)|(?:^|\s+)--spoiler$", re.IGNORECASE)
_TEXT_SPOILER_FLAG = re.compile(r"^(?:--spoiler|spoiler:)(?:\s+|$)", re.IGNORECASE)
_STAR_DECORATION = re.compile(r"^[★⭐☆]+½?$")
_TITLE_ID = re.compile(r"^#\d+$")
_SPOILER_MARKS = re.compile(r"^\|\|(?P<text>.*)\|\|$", re.DOTALL)
# "/review Okja remove" (or "Okja | remove", as Discord's rating option sends it).
_NOTIFY_FLAG = re.compile(r"(?:^|\s)--(?:notify|alert)(?=\s|$)", re.IGNORECASE)
_REMOVE_REVIEW = re.compile(r"^(?P<title>.*?\S)\s*(?:\|\s*)?\b(?:remove|delete)$", re.IGNORECASE)
# "/review Okja restore": the Undo of a removal.
_RESTORE_REVIEW = re.compile(r"^(?P<title>.*?\S)\s*(?:\|\s*)?\brestore$", re.IGNORECASE)
# "--on <day>": the diary date, up to the next --flag.
_ON_FLAG = re.compile(r"(?:^|\s)--on(?=\s|$)", re.IGNORECASE)
_NEXT_FLAG = re.compile(r"\s--[a-z]", re.IGNORECASE)


Handler = Callable[[CommandContext, str], Awaitable[Reply]]
Observer = Callable[[CommandContext], Awaitable[None]]


def help_reply(commands: tuple[Command, ...] = COMMANDS) -> Reply:
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
    """Parses a command line, calls the core, and never lets an exception reach the user."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._commands: list[Command] = list(COMMANDS)
        self._handlers: dict[str, Handler] = {
            "help": self._help,
            "start": self._help,
            "search": self._search,
            "title": self._title,
            "recommend": self._recommend,
            "where": self._where,
            "review": self._review,
            "reviews": self._reviews,
            "myratings": self._myratings,
        }
        self._observers: list[Observer] = []

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every command answered here, in /help order (front ends build menus from it)."""
        return tuple(self._commands)

    def register(self, command: Command, handler: Handler) -> None:
        """Add a command from a feature module (watch parties, admin, ...) next to the core ones.
        `handler` gets the argument text (what the declaration compiles a typed invocation
        to); UserErrors it raises are rendered like any other."""
        if command.name in self._handlers:
            raise ValueError(f"/{command.name} is already registered")
        self._commands.append(command)
        self._handlers[command.name] = handler

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

    @staticmethod
    def _rest_of(name: str, args: str) -> str:
        """What to keep after the title when a choice button re-runs the command."""
        if name != "review":
            return ""
        args, date_words, after = split_on_flag(args)
        args = " ".join(p for p in (args, after) if p)
        on = f" --on {' '.join(date_words)}" if date_words else ""
        try:
            _title, rating, text, spoiler = split_review_args(args, lambda _t: False)
        except UserError:
            if _RESTORE_REVIEW.match(args):
                return "restore"
            return "remove" if _REMOVE_REVIEW.match(args) else ""
        extra = f" | {text}" if text else ""
        return f"| {rating}{extra}{' --spoiler' if spoiler else ''}{on}"

    # -- per-command argument parsing ------------------------------------------------------

    async def _help(self, ctx: CommandContext, args: str) -> Reply:
        topic = args.strip().lstrip("/").casefold()
        if not topic:
            return help_reply(self.commands)
        command = self.declared(topic)
        if command is None:
            raise UsageError(f"I don't know /{shorten(topic, 32)}. Try /help for the list.")
        return command_help(command)

    async def _search(self, ctx: CommandContext, args: str) -> Reply:
        return await self.core.search(ctx, args)

    async def _title(self, ctx: CommandContext, args: str) -> Reply:
        if not args:
            raise UsageError("Which title? e.g. /title Parasite")
        return await self.core.title(ctx, args)

    async def _is_title(self, text: str) -> bool:
        return is_exact_title(await self.core.catalog.get(), text)

    async def _best_score(self, text: str) -> float:
        if _TITLE_ID.match(text):
            return 100.0
        snap = await self.core.catalog.get()
        matches = snap.index.search(text, limit=1)
        return matches[0].score if matches else 0.0

    async def _recommend(self, ctx: CommandContext, args: str) -> Reply:
        limit = DEFAULT_RECOMMENDATIONS
        snap = await self.core.catalog.get()
        args, filters = split_filters(args, lambda: known_services(snap.offers.values()))
        head, _, last = args.rpartition(" ")
        if args.isdigit():
            return await self._recommend_number(ctx, int(args), filters)
        if head and last.isdigit() and not await self._is_title(args):
            limit = int(last)
            if not 1 <= limit <= MAX_RECOMMENDATIONS:
                raise UsageError(f"Ask for 1 to {MAX_RECOMMENDATIONS} suggestions.")
            args = head
        return await self.core.recommend(ctx, args or None, limit, filters)

    async def _recommend_number(
        self, ctx: CommandContext, number: int, filters: ListFilters
    ) -> Reply:
        """A bare number is how many personal picks: `/recommend 10` is ten picks, even though
        the catalog has the film *10*. It names a title only when it cannot be a count
        (`/recommend 1917`, `/recommend 300`); "10 (1979)" or a quoted "10" name the film."""
        if number > MAX_RECOMMENDATIONS:
            return await self.core.recommend(ctx, str(number), DEFAULT_RECOMMENDATIONS, filters)
        if number < 1:
            raise UsageError(f"Ask for 1 to {MAX_RECOMMENDATIONS} suggestions.")
        titled = await self._is_title(str(number))
        reply = await self.core.recommend(ctx, None, number, filters)
        if not titled:
            return reply
        snap = await self.core.catalog.get()
        named = snap.index.exact_ids(str(number))
        example = self.core.label(snap.titles[snap.notability.ranked(named)[0]])
        note = f"{number} is read as how many picks; for the title: /recommend {example}"
        return replace(reply, notes=(*reply.notes, note))

    async def _where(self, ctx: CommandContext, args: str) -> Reply:
        args, notify = _without_flag(args, _NOTIFY_FLAG)
        if not args:
            raise UsageError("Which title? e.g. /where Prison Playbook US")
        head, _, last = args.rpartition(" ")
        if await self._ends_with_region(args, head, last):
            return await self.core.where(ctx, head, last, notify=notify)
        return await self.core.where(ctx, args, notify=notify)

    async def _ends_with_region(self, args: str, head: str, last: str) -> bool:
        """ "Kill Me Heal Me" ends in ME (Montenegro): a last word is the region only when the
        words before it name a title at least as well as the whole line does."""
        if not head or len(last) != 2 or not last.isalpha() or await self._is_title(args):
            return False
        if await self._is_title(head):
            return True
        return last.upper() in ISO_REGIONS and (
            await self._best_score(head) >= await self._best_score(args)
        )

    async def _review(self, ctx: CommandContext, args: str) -> Reply:
        snap = await self.core.catalog.get()
        if (title := removal_title(snap, args)) is not None:
            return await self.core.remove_review(ctx, title)
        if (title := removal_title(snap, args, _RESTORE_REVIEW)) is not None:
            return await self.core.restore_review(ctx, title)
        before, date_words, after = split_on_flag(args)
        watched_on = None
        if date_words is not None:
            watched_on, review_words = split_watched_on(date_words, await self.core.today(ctx))
            args = " ".join(p for p in (before, " ".join(review_words), after) if p)
        title, rating, text, spoiler = split_review_args(args, lambda t: is_exact_title(snap, t))
        return await self.core.review(ctx, title, rating, text, spoiler, watched_on)

    async def _reviews(self, ctx: CommandContext, args: str) -> Reply:
        if not args:
            raise UsageError("Which title? e.g. /reviews Okja")
        return await self.core.reviews(ctx, args)

    async def _myratings(self, ctx: CommandContext, args: str) -> Reply:
        return await self.core.myratings(ctx, parse_view(args))


def _without_flag(args: str, flag: re.Pattern[str]) -> tuple[str, bool]:
    """The arguments without the switch, and whether it was there."""
    found = flag.search(args)
    if found is None:
        return args, False
    return re.sub(r"\s+", " ", args[: found.start()] + args[found.end() :]).strip(), True


def is_exact_title(snap: CatalogSnapshot, text: str) -> bool:
    """The text names a title exactly ("#12" ids and qualifiers such as "(2019)" included)."""
    return bool(_TITLE_ID.match(text) or snap.index.exact_ids(text))


def split_on_flag(args: str) -> tuple[str, list[str] | None, str]:
    """ "Okja 4 great --on 30 nov --spoiler" -> ("Okja 4 great", ["30", "nov"], "--spoiler"):
    the words after --on up to the next flag (None without --on), and what is around them."""
    flag = _ON_FLAG.search(args)
    if flag is None:
        return args, None, ""
    rest = args[flag.end() :]
    following = _NEXT_FLAG.search(rest)
    end = following.start() if following else len(rest)
    return args[: flag.start()].strip(), rest[:end].split(), rest[end:].strip()


def removal_title(
    snap: CatalogSnapshot, args: str, pattern: re.Pattern[str] = _REMOVE_REVIEW
) -> str | None:
    """The title of "/review <title> remove" (or restore, with that pattern), or None when the
    line is a review whose text happens to end in the word ("/review Okja 2 would delete")."""
    removal = pattern.match(args)
    if removal is None or is_exact_title(snap, args):
        return None
    title = _unquoted(removal.group("title"))
    if is_exact_title(snap, title):
        return title
    if any(snap.index.confident(title, m.title_id) for m in snap.index.search(title, limit=3)):
        return title
    rating_inside = any(looks_like_rating(t) for t in title.split()[1:])
    return None if rating_inside else title


def title_without_rating(snap: CatalogSnapshot, args: str) -> str | None:
    """What to rate when "/review <args>" names a title and nothing else ("Prison Playbook"):
    "#id" (or the text, when it names several), so a front end can ask for the stars instead
    of answering with the usage. None when the arguments are anything else."""
    text = args.strip()
    if not text or _STAR_DECORATION.match(text.split()[-1]) or not is_exact_title(snap, text):
        return None
    if _TITLE_ID.match(text):
        return text
    ids = snap.index.exact_ids(text)
    return f"#{next(iter(ids))}" if len(ids) == 1 else text


REVIEW_USAGE = (
    "Usage: /review <title> <rating> [text], e.g. /review Prison Playbook 4.5 funny and warm. "
    f"Ratings: {ACCEPTED}."
)


def split_review_args(
    args: str, is_title: Callable[[str], bool]
) -> tuple[str, str, str | None, bool]:
    """(title, rating, text, spoiler) from "<title> <rating> [text]".

    Titles may contain numbers ("Miracle in Cell No. 7 5 loved it"), so the split prefers a
    position where the words before the rating name a known title. "Title | 4 | text" and
    a quoted title always work.
    """
    args = args.strip()
    spoiler = False
    while flag := _EDGE_SPOILER_FLAG.search(args):
        args, spoiler = (args[: flag.start()] + args[flag.end() :]).strip(), True
    if not args:
        raise UsageError(REVIEW_USAGE)
    if "|" in args and not args.startswith("||"):
        parts = [p.strip() for p in args.split("|", 2)]
        if len(parts) == 2 and parts[0] and parts[1]:
            # "Title | 4 loved it": the rating is the first word(s) after the bar.
            words = parts[1].split()
            rating, used = _rating_at(words, 0)
            return _with_text(parts[0], rating, " ".join(words[used:]), spoiler)
        if len(parts) == 3 and parts[0] and parts[1]:
            words = parts[1].split()
            rating, used = _rating_at(words, 0)
            return _with_text(
                parts[0], rating if used == len(words) else parts[1], parts[2], spoiler
            )
    if args[0] in "\"'“":
        closing = {"“": "”"}.get(args[0], args[0])
        end = args.find(closing, 1)
        if end > 1:
            rest = args[end + 1 :].strip().split(maxsplit=1)
            if rest:
                return _with_text(args[1:end], rest[0], rest[1] if len(rest) > 1 else "", spoiler)
    tokens = args.split()
    # "Hachi: A Dog's Tale" alone is a title with no rating, but "Prison Playbook ★★★★" is not
    # (stars vanish when titles are normalised, so check the last word first).
    last_is_rating = looks_like_rating(tokens[-1]) and not tokens[-1][:1].isalpha()
    if not last_is_rating and is_title(args):
        raise UsageError(f"What rating do you give it? {REVIEW_USAGE}")
    # A title is at most MAX_QUERY_CHARS long, so only the first words can end one.
    limit = next(
        (i for i in range(len(tokens)) if len(" ".join(tokens[:i])) > MAX_QUERY_CHARS),
        len(tokens),
    )
    # In free text a lowercase "a" is a word, not the grade A ("/review Okja a masterpiece").
    positions = [
        i
        for i in range(1, limit)
        if looks_like_rating(_rating_at(tokens, i)[0])
        and not (tokens[i][:1].isalpha() and tokens[i][:1].islower())
    ]
    if not positions:
        _explain_missing_rating(tokens[1:limit])
    known = [i for i in positions if is_title(" ".join(tokens[:i]))]
    # The longest known title wins ("Hachi: A Dog's Tale 5" is not "Hachi" graded "A");
    # failing that, a number or stars beat a lone letter that may be part of the title.
    numeric = [i for i in positions if not tokens[i][:1].isalpha()]
    chosen = (known or [0])[-1] or (numeric or positions)[0]
    rating, used = _rating_at(tokens, chosen)
    return _with_text(" ".join(tokens[:chosen]), rating, " ".join(tokens[chosen + used :]), spoiler)


def _explain_missing_rating(tokens: list[str]) -> None:
    """Say why no rating was found, with the scale's own hint when a number was close."""
    for token in reversed(tokens):
        if token[:1].isdigit():
            try:
                parse_rating(token)
            except UserError as error:
                raise UsageError(error.message) from error
    raise UsageError(f"I couldn't find a rating after the title. {REVIEW_USAGE}")


def _rating_at(tokens: list[str], i: int) -> tuple[str, int]:
    """The rating starting at tokens[i] and how many words it takes: "4 stars", "8 /10" and
    "4.5/5 ★★★★★" (stars after a number are decoration, not review text) are one rating."""
    if i + 1 < len(tokens):
        following = tokens[i + 1]
        if following.lower() in {"stars", "star", "/10", "/5"}:
            return f"{tokens[i]} {following}", 2
        decorated = _STAR_DECORATION.match(following) and not _STAR_DECORATION.match(tokens[i])
        if decorated and looks_like_rating(tokens[i]):
            return tokens[i], 2
    return tokens[i], 1


def _with_text(
    title: str, rating: str, text: str, spoiler: bool
) -> tuple[str, str, str | None, bool]:
    text = text.strip()
    if flag := _TEXT_SPOILER_FLAG.match(text):
        text, spoiler = text[flag.end() :], True
    if m := _SPOILER_MARKS.match(text):
        text, spoiler = m.group("text").strip(), True
    return _unquoted(title), rating, text or None, spoiler


def _unquoted(title: str) -> str:
    with contextlib.suppress(ValueError):
        title = " ".join(shlex.split(title)) if title.count('"') % 2 == 0 else title
    return title.strip()
