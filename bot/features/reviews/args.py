"""The arguments of /review, as typed: "<title> <rating> [text]", the spoiler flags, the diary
date after --on, and "<title> remove" / "<title> restore"."""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Callable

from bot.core.catalog import CatalogSnapshot
from bot.core.dispatch import is_exact_title
from bot.core.errors import UsageError, UserError
from bot.core.params import MAX_QUERY_CHARS
from bot.core.ratings import ACCEPTED, STAR_DECORATION, looks_like_rating, parse_rating

# A spoiler flag counts only in flag position: first or last word of the arguments, or first
# word of the review text ("spoiler:" only there). Anywhere else it is part of what was typed.
_EDGE_SPOILER_FLAG = re.compile(r"^--spoiler(?:\s+|$)|(?:^|\s+)--spoiler$", re.IGNORECASE)
_TEXT_SPOILER_FLAG = re.compile(r"^(?:--spoiler|spoiler:)(?:\s+|$)", re.IGNORECASE)
_SPOILER_MARKS = re.compile(r"^\|\|(?P<text>.*)\|\|$", re.DOTALL)
# "/review Okja remove" (or "Okja | remove", as Discord's rating option sends it).
REMOVE_REVIEW = re.compile(r"^(?P<title>.*?\S)\s*(?:\|\s*)?\b(?:remove|delete)$", re.IGNORECASE)
# "/review Okja restore": the Undo of a removal.
RESTORE_REVIEW = re.compile(r"^(?P<title>.*?\S)\s*(?:\|\s*)?\brestore$", re.IGNORECASE)
# "--on <day>": the diary date, up to the next --flag.
_ON_FLAG = re.compile(r"(?:^|\s)--on(?=\s|$)", re.IGNORECASE)
_NEXT_FLAG = re.compile(r"\s--[a-z]", re.IGNORECASE)


def rest_of_review(args: str) -> str:
    """What to keep after the title when a choice button re-runs /review (the rating, text,
    spoiler mark and diary date, or remove / restore)."""
    args, date_words, after = split_on_flag(args)
    args = " ".join(p for p in (args, after) if p)
    on = f" --on {' '.join(date_words)}" if date_words else ""
    try:
        _title, rating, text, spoiler = split_review_args(args, lambda _t: False)
    except UserError:
        if RESTORE_REVIEW.match(args):
            return "restore"
        return "remove" if REMOVE_REVIEW.match(args) else ""
    extra = f" | {text}" if text else ""
    return f"| {rating}{extra}{' --spoiler' if spoiler else ''}{on}"


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
    snap: CatalogSnapshot, args: str, pattern: re.Pattern[str] = REMOVE_REVIEW
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
        decorated = STAR_DECORATION.match(following) and not STAR_DECORATION.match(tokens[i])
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
