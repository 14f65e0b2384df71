"""Reply -> Telegram HTML messages with inline keyboards. Pure: no network.

Every piece of user or catalog text goes through html.escape; markup is only ever added here,
around text that is already escaped, and every line closes the tags it opens, so a message can
be split between any two lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from html import escape as html_escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.replies import Action, Item, Link, Reply
from bot.telegram_adapter import callbacks

# Text only ever goes between tags, never into attributes: quotes may stay as they are.
escape = partial(html_escape, quote=False)

MAX_MESSAGE = 4096
MAX_CAPTION = 1024
MAX_BUTTON_LABEL = 60
PAGE_SIZE = 10  # list items per page; longer lists get ◀ ▶ buttons that edit the message
LINE_WIDTH = 900  # escaped text per line, so any line fits in a photo caption with its tags


@dataclass(frozen=True)
class OutgoingMessage:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Page:
    """Which page of a long list to show, and the command that printed it for whom (so the
    ◀ ▶ buttons can print it again without remembering anything)."""

    number: int
    owner: str
    command: str


@dataclass(frozen=True)
class Rendered:
    messages: list[OutgoingMessage]
    photo: str | None = None  # poster URL: send it with messages[0].html as the caption


def _wrap(text: str, open_tag: str = "", close_tag: str = "", prefix: str = "") -> list[str]:
    """Escaped `text` inside the tags, as one line or, when long, several lines cut between
    words, each closing its own tags."""
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(\s+)", text):
        escaped = escape(word)
        while len(escaped) > LINE_WIDTH:  # one enormous "word": cut it, never inside an entity
            cut = LINE_WIDTH
            amp = escaped.rfind("&", 0, cut)
            if amp != -1 and ";" not in escaped[amp:cut]:
                cut = amp
            if current:
                pieces.append(current)
                current = ""
            pieces.append(escaped[:cut])
            escaped = escaped[cut:]
        if len(current) + len(escaped) > LINE_WIDTH:
            pieces.append(current)
            current = escaped.lstrip()
        else:
            current += escaped
    if current or not pieces:
        pieces.append(current)
    return [f"{prefix}{open_tag}{piece}{close_tag}" for piece in pieces]


def _item_lines(number: int, item: Item) -> list[str]:
    lines = _wrap(item.text, "<b>", "</b>", f"{number}. ")
    if item.detail:
        if item.spoiler:
            lines += _wrap(item.detail, "<tg-spoiler>", "</tg-spoiler>", "    ")
        else:
            lines += _wrap(item.detail, prefix="    ")
    if item.extra:
        lines += _wrap(item.extra, prefix="    ")
    return lines


def _lines(
    reply: Reply, items: tuple[Item, ...], first_number: int, notes: tuple[str, ...]
) -> list[str]:
    lines: list[str] = []
    if reply.text:
        lines += _wrap(reply.text, "<b>", "</b>", "⚠️ " if reply.is_error else "")
    if reply.card is not None:
        card = reply.card
        lines += _wrap(card.heading, "<b>", "</b>", "🎬 ")
        if card.subheading:
            lines += _wrap(card.subheading, "<i>", "</i>")
        for field in card.fields:
            name = f"<b>{escape(field.name)}:</b>"
            if "\n" in field.value:
                lines.append(name)
                lines += _wrap(field.value, "<pre>", "</pre>")
            else:
                lines += _wrap(field.value, prefix=f"{name} ")
        if card.body:
            lines.append("")
            lines += _wrap(card.body)
    for n, item in enumerate(items, first_number):
        lines += _item_lines(n, item)
    if notes:
        lines.append("")
        for note in notes:
            lines += _wrap(note, "<i>", "</i>")
    return lines


def split(lines: list[str], limit: int = MAX_MESSAGE, first_limit: int | None = None) -> list[str]:
    """Messages of at most `limit` characters (the first at most `first_limit`, for a photo
    caption), cut at line boundaries."""
    chunks: list[str] = []
    current = ""

    def cap() -> int:
        return first_limit if first_limit is not None and not chunks else limit

    for line in lines:
        while len(line) > cap():  # only for lines not built by _wrap
            if current:
                chunks.append(current)
                current = ""
                continue
            cut = cap()
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > cap():
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return chunks or [""]


def _refers_to(action: Action, title_ids: set[int]) -> bool:
    return any(f"#{tid}" in action.command.split() for tid in title_ids)


def _rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def callback_data(action: Action, owner: str | None) -> str | None:
    """What the button carries: the command, bound to `owner` for an owner's button (None
    when there is no owner to bind it to, or it is too long for callback data)."""
    if action.owner_only:
        if owner is None:
            return None
        data = callbacks.own_command(owner, action.command, action.in_place)
    elif action.in_place:
        data = callbacks.in_place(action.command)
    else:
        data = action.command
    return data if callbacks.fits(data) else None


def keyboard(
    actions: tuple[Action, ...],
    rate_title: int | None = None,
    nav: list[InlineKeyboardButton] | None = None,
    links: tuple[Link, ...] = (),
    owner: str | None = None,
) -> InlineKeyboardMarkup | None:
    """Short buttons (ℹ 1 … ℹ 10) five to a row, longer ones two to a row, then the links,
    the stars, then ◀ ▶. A command too long for callback data is left off; `owner` is the
    user the message is for (their own buttons answer only them)."""
    usable = [(a, data) for a in actions if (data := callback_data(a, owner)) is not None]
    short = [
        InlineKeyboardButton(a.label, callback_data=data) for a, data in usable if len(a.label) <= 5
    ]
    long = [
        InlineKeyboardButton(a.label[:MAX_BUTTON_LABEL], callback_data=data)
        for a, data in usable
        if len(a.label) > 5
    ]
    rows = _rows(short, 5)
    rows += _rows(long, 1 if any(len(b.text) > 20 for b in long) else 2)
    rows += [[InlineKeyboardButton(link.label[:MAX_BUTTON_LABEL], url=link.url)] for link in links]
    if rate_title is not None:
        rows.append(
            [
                InlineKeyboardButton(f"{n}★", callback_data=callbacks.rate(rate_title, n))
                for n in range(1, 6)
            ]
        )
    if nav:
        rows.append(nav)
    return InlineKeyboardMarkup(rows) if rows else None


def render(reply: Reply, page: Page | None = None, with_photo: bool = True) -> Rendered:
    """The messages to send for `reply`; with `page`, a long list shows one page of items
    and ◀ ▶ buttons (when their callback data fits), otherwise every item."""
    items, first_number, actions = reply.items, reply.numbered_from, reply.actions
    nav: list[InlineKeyboardButton] = []
    notes = reply.notes
    pages = -(-len(items) // PAGE_SIZE)
    if (
        page is not None
        and pages > 1
        and callbacks.fits(callbacks.turn_page(pages - 1, page.owner, page.command))
    ):
        number = min(max(page.number, 0), pages - 1)
        first_number = reply.numbered_from + number * PAGE_SIZE
        items = items[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        # Item buttons (ℹ 12 → /title #34) only for the items on this page.
        shown = {i.title_id for i in items}
        hidden = {i.title_id for i in reply.items if i.title_id is not None} - shown
        actions = tuple(a for a in actions if not _refers_to(a, hidden))
        if number > 0:
            data = callbacks.turn_page(number - 1, page.owner, page.command)
            nav.append(InlineKeyboardButton("◀ Previous", callback_data=data))
        if number < pages - 1:
            data = callbacks.turn_page(number + 1, page.owner, page.command)
            nav.append(InlineKeyboardButton("Next ▶", callback_data=data))
        notes = (*notes, f"Page {number + 1} of {pages} · {len(reply.items)} in all")
    card = reply.card
    # Stars only under a title's card: a card about anything else has no title to rate.
    rate_title = card.title_id if card is not None and not reply.is_error else None
    lines = _lines(reply, items, first_number, notes)
    markup = keyboard(
        actions, rate_title, nav, reply.links, page.owner if page is not None else None
    )
    photo = card.poster_url if with_photo and card is not None else None
    chunks = split(lines, first_limit=MAX_CAPTION if photo else None)
    return Rendered(
        [
            OutgoingMessage(chunk, markup if i == len(chunks) - 1 else None)
            for i, chunk in enumerate(chunks)
        ],
        photo,
    )
