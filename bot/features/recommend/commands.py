"""The member commands for finding something to watch: /search, /title, /recommend, /where.
Declared here and registered on the Dispatcher by `register`; each handler reads the argument
text and calls Titles, Similar or WhereToWatch."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.dispatch import TITLE_ID, Dispatcher, is_exact_title
from bot.core.errors import UsageError
from bot.core.kernel import Core
from bot.core.list_filters import ListFilters, split_filters
from bot.core.params import (
    CHOICE,
    COUNT,
    FLAG,
    MAX_QUERY_CHARS,
    REGION,
    SERVICES,
    TEXT,
    TITLE,
    YEAR,
    Param,
    choices,
)
from bot.core.replies import Reply
from bot.core.services import known_services
from bot.core.text import ISO_REGIONS
from bot.features.recommend.similar import DEFAULT_RECOMMENDATIONS, MAX_RECOMMENDATIONS, Similar
from bot.features.recommend.titles import Titles
from bot.features.recommend.where import WhereToWatch

SEARCH = Command(
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
)

TITLE_CARD = Command(
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
)

RECOMMEND = Command(
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
)

WHERE = Command(
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
)
COMMANDS = (SEARCH, TITLE_CARD, RECOMMEND, WHERE)

_NOTIFY_FLAG = re.compile(r"(?:^|\s)--(?:notify|alert)(?=\s|$)", re.IGNORECASE)


def register(dispatcher: Dispatcher, core: Core) -> RecommendCommands:
    """Wire /search, /title, /recommend and /where, in that order (the /help order)."""
    commands = RecommendCommands(core)
    dispatcher.register(SEARCH, commands.search)
    dispatcher.register(TITLE_CARD, commands.title)
    dispatcher.register(RECOMMEND, commands.recommend)
    dispatcher.register(WHERE, commands.where)
    return commands


class RecommendCommands:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.titles = Titles(core)
        self.similar = Similar(core)
        self.where_to_watch = WhereToWatch(core)

    async def search(self, ctx: CommandContext, args: str) -> Reply:
        return await self.titles.search(ctx, args)

    async def title(self, ctx: CommandContext, args: str) -> Reply:
        if not args:
            raise UsageError("Which title? e.g. /title Parasite")
        return await self.titles.title(ctx, args)

    async def _is_title(self, text: str) -> bool:
        return is_exact_title(await self.core.catalog.get(), text)

    async def _best_score(self, text: str) -> float:
        if TITLE_ID.match(text):
            return 100.0
        snap = await self.core.catalog.get()
        matches = snap.index.search(text, limit=1)
        return matches[0].score if matches else 0.0

    async def recommend(self, ctx: CommandContext, args: str) -> Reply:
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
        return await self.similar.recommend(ctx, args or None, limit, filters)

    async def _recommend_number(
        self, ctx: CommandContext, number: int, filters: ListFilters
    ) -> Reply:
        """A bare number is how many personal picks: `/recommend 10` is ten picks, even though
        the catalog has the film *10*. It names a title only when it cannot be a count
        (`/recommend 1917`, `/recommend 300`); "10 (1979)" or a quoted "10" name the film."""
        if number > MAX_RECOMMENDATIONS:
            return await self.similar.recommend(ctx, str(number), DEFAULT_RECOMMENDATIONS, filters)
        if number < 1:
            raise UsageError(f"Ask for 1 to {MAX_RECOMMENDATIONS} suggestions.")
        titled = await self._is_title(str(number))
        reply = await self.similar.recommend(ctx, None, number, filters)
        if not titled:
            return reply
        snap = await self.core.catalog.get()
        named = snap.index.exact_ids(str(number))
        example = self.core.label(snap.titles[snap.notability.ranked(named)[0]])
        note = f"{number} is read as how many picks; for the title: /recommend {example}"
        return replace(reply, notes=(*reply.notes, note))

    async def where(self, ctx: CommandContext, args: str) -> Reply:
        args, notify = _without_flag(args, _NOTIFY_FLAG)
        if not args:
            raise UsageError("Which title? e.g. /where Prison Playbook US")
        head, _, last = args.rpartition(" ")
        if await self._ends_with_region(args, head, last):
            return await self.where_to_watch.where(ctx, head, last, notify=notify)
        return await self.where_to_watch.where(ctx, args, notify=notify)

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


def _without_flag(args: str, flag: re.Pattern[str]) -> tuple[str, bool]:
    """The arguments without the switch, and whether it was there."""
    found = flag.search(args)
    if found is None:
        return args, False
    return re.sub(r"\s+", " ", args[: found.start()] + args[found.end() :]).strip(), True
