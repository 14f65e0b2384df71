"""The member commands about ratings: /review (rate, remove, restore), /reviews, /myratings.
Declared here and registered on the Dispatcher by `register`; each handler reads the argument
text (bot/features/reviews/args.py) and calls Ratings or Verdicts."""

from __future__ import annotations

from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.dispatch import Dispatcher, is_exact_title
from bot.core.errors import UsageError
from bot.core.kernel import Core
from bot.core.params import CHOICE, COUNT, FLAG, RATING, TEXT, TITLE, Param, choices
from bot.core.replies import Reply
from bot.features.reviews.args import (
    RESTORE_REVIEW,
    removal_title,
    rest_of_review,
    split_on_flag,
    split_review_args,
)
from bot.features.reviews.diary import split_watched_on
from bot.features.reviews.myratings import SORTS, parse_view
from bot.features.reviews.rate import Ratings
from bot.features.reviews.verdict import Verdicts
from db.models import MAX_REVIEW_CHARS

REVIEW = Command(
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
)

REVIEWS = Command(
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
)

MYRATINGS = Command(
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
)
COMMANDS = (REVIEW, REVIEWS, MYRATINGS)


def register(dispatcher: Dispatcher, core: Core) -> ReviewCommands:
    """Wire /review, /reviews and /myratings, in that order (the /help order)."""
    commands = ReviewCommands(core)
    dispatcher.register(REVIEW, commands.review, rest_of=rest_of_review)
    dispatcher.register(REVIEWS, commands.reviews)
    dispatcher.register(MYRATINGS, commands.myratings)
    return commands


class ReviewCommands:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.ratings = Ratings(core)
        self.verdicts = Verdicts(core)

    async def review(self, ctx: CommandContext, args: str) -> Reply:
        snap = await self.core.catalog.get()
        if (title := removal_title(snap, args)) is not None:
            return await self.ratings.remove_review(ctx, title)
        if (title := removal_title(snap, args, RESTORE_REVIEW)) is not None:
            return await self.ratings.restore_review(ctx, title)
        before, date_words, after = split_on_flag(args)
        watched_on = None
        if date_words is not None:
            watched_on, review_words = split_watched_on(date_words, await self.core.today(ctx))
            args = " ".join(p for p in (before, " ".join(review_words), after) if p)
        title, rating, text, spoiler = split_review_args(args, lambda t: is_exact_title(snap, t))
        return await self.ratings.review(ctx, title, rating, text, spoiler, watched_on)

    async def reviews(self, ctx: CommandContext, args: str) -> Reply:
        if not args:
            raise UsageError("Which title? e.g. /reviews Okja")
        return await self.verdicts.reviews(ctx, args)

    async def myratings(self, ctx: CommandContext, args: str) -> Reply:
        return await self.ratings.myratings(ctx, parse_view(args))
