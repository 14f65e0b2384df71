"""/myratings: a member's own ratings as a diary, one page at a time, sorted by diary date,
rating or title, each line with a Remove button (Undo follows) and the member's own spoilers
hidden until they ask. Pure: Ratings.myratings (rate.py) reads the ratings and hands them here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.core.errors import UsageError
from bot.core.ratings import stars, stars_number
from bot.core.replies import Action, Item, Reply
from bot.core.text import shorten
from bot.features.reviews.diary import format_day
from db.records import StoredRating

PAGE_SIZE = 10
REVIEW_CHARS = 120  # of each review on its line: the list is for finding, /reviews for reading
SORTS = {"date": "newest first", "rating": "highest first", "title": "by title"}
DEFAULT_SORT = "date"
USAGE = "Usage: /myratings [page] [--sort date|rating|title] [--spoilers], e.g. /myratings 2"


@dataclass(frozen=True, slots=True)
class RatingsView:
    """Which page of /myratings, in which order, with the member's own spoilers shown or not.
    `command` is the line that shows it, so every button carries its whole state."""

    page: int = 1
    sort: str = DEFAULT_SORT
    spoilers: bool = False

    def command(self) -> str:
        parts = ["/myratings"]
        if self.page != 1:
            parts.append(str(self.page))
        if self.sort != DEFAULT_SORT:
            parts.append(f"--sort {self.sort}")
        if self.spoilers:
            parts.append("--spoilers")
        return " ".join(parts)


def parse_page(text: str) -> int:
    """A page number as typed ("2"); UsageError for anything else."""
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{shorten(text, 20)!r} is not a page number: use 1, 2, 3 … {USAGE}")
    return int(text)


def parse_sort(text: str) -> str:
    """One of SORTS ("date", "rating", "title"; "stars" and "name" too)."""
    word = {"stars": "rating", "name": "title", "newest": "date"}.get(text.lower(), text.lower())
    if word not in SORTS:
        raise UsageError(f"{shorten(text, 20)!r} is not an order: use {', '.join(SORTS)}.")
    return word


def parse_view(args: str) -> RatingsView:
    """ "2 --sort rating --spoilers", "--page 2", or nothing: the first page, newest first."""
    view = RatingsView()
    words = args.split()
    while words:
        word = words.pop(0)
        flag = word.lower()
        if flag in {"--sort", "--page"}:
            if not words:
                raise UsageError(f"{flag} needs a value. {USAGE}")
            value = words.pop(0)
            if flag == "--sort":
                view = replace(view, sort=parse_sort(value))
            else:
                view = replace(view, page=parse_page(value))
        elif flag == "--spoilers":
            view = replace(view, spoilers=True)
        elif word.isdigit():
            view = replace(view, page=parse_page(word))
        else:
            raise UsageError(f"I don't understand {shorten(word, 30)!r} here. {USAGE}")
    return view


def sort_ratings(
    ratings: Sequence[StoredRating], sort: str, label: Callable[[int], str]
) -> list[StoredRating]:
    """Newest diary date first (a rating without one counts from when it was made), highest
    rating first, or by title; ties fall back to the newest."""
    newest = sorted(ratings, key=lambda r: (_day(r), r.updated_at), reverse=True)
    if sort == "rating":
        return sorted(newest, key=lambda r: -r.half_stars)
    if sort == "title":
        return sorted(newest, key=lambda r: label(r.title_id).casefold())
    return newest


def _day(rating: StoredRating) -> date:
    return rating.watched_on or rating.updated_at.date()


def ratings_page(
    ratings: Sequence[StoredRating],
    view: RatingsView,
    label: Callable[[int], str],
    *,
    in_group: bool,
) -> Reply:
    """The reply for one page of `ratings` (the member's own, all of them)."""
    if not ratings:
        return Reply(
            text="You haven't rated anything yet.",
            notes=("Try: /review Miracle in Cell No. 7 5 made me cry",),
        )
    pages = -(-len(ratings) // PAGE_SIZE)
    page = min(view.page, pages)  # a removal can shrink the list under an old Next button
    view = replace(view, page=page)
    reveal = view.spoilers and not in_group  # in a group everyone would read them
    ordered = sort_ratings(ratings, view.sort, label)
    shown = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    first = (page - 1) * PAGE_SIZE + 1
    items = tuple(_item(r, label, reveal) for r in shown)
    actions = [
        Action(f"✕ {n}", f"/review #{r.title_id} remove", owner_only=True)
        for n, r in enumerate(shown, first)
    ]
    if page > 1:
        actions.append(_in_place("◀ Previous", replace(view, page=page - 1)))
    if page < pages:
        actions.append(_in_place("Next ▶", replace(view, page=page + 1)))
    has_spoilers = any(r.spoiler and r.review for r in shown)
    if has_spoilers and not in_group:
        toggle = replace(view, spoilers=not reveal)
        label_text = "Hide my spoilers" if reveal else "Show my spoilers"
        actions.append(_in_place(label_text, toggle))
    average = sum(r.half_stars for r in ratings) / len(ratings)
    notes = [f"Page {page} of {pages} · {len(ratings)} in all"] if pages > 1 else []
    notes.append("✕ n removes that rating (you can undo it).")
    if has_spoilers and in_group and view.spoilers:
        notes.append("Your spoilers stay hidden in a group: ask me in a private chat.")
    others = [s for s in SORTS if s != view.sort]
    notes.append(f"Sort: /myratings --sort {' or '.join(others)}")
    return Reply(
        text=f"Your {len(ratings)} rating(s), {SORTS[view.sort]} "
        f"(average {stars_number(average)}):",
        items=items,
        notes=tuple(notes),
        actions=tuple(actions),
        numbered_from=first,
    )


def _in_place(label: str, view: RatingsView) -> Action:
    """A button showing `view` in place of the list, for its member only."""
    return Action(label, view.command(), owner_only=True, in_place=True)


def _item(rating: StoredRating, label: Callable[[int], str], reveal: bool) -> Item:
    day = f" · {format_day(rating.watched_on)}" if rating.watched_on else ""
    return Item(
        text=f"{label(rating.title_id)} — {stars(rating.half_stars)} "
        f"{stars_number(rating.half_stars)}{day}",
        detail=shorten(rating.review, REVIEW_CHARS) if rating.review else "",
        title_id=rating.title_id,
        spoiler=rating.spoiler and not reveal,
    )
