"""Reply -> Discord messages: embeds within Discord's limits, buttons, native polls. Pure: no
network. All user and catalog text is escaped here (markdown and mentions), so nothing a member
types can format, ping or break out of a ||spoiler||."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import discord

from bot.core.replies import Action, Item, Link, Poll, Reply
from bot.discord_adapter.rating import STARS, star_buttons

log = logging.getLogger(__name__)

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000  # per message, summed over its embeds
EMBEDS_PER_MESSAGE = 10
# https://discord.com/developers/docs/components/reference#button
CUSTOM_ID = 100
BUTTON_LABEL = 80
BUTTONS = 25
# https://discord.com/developers/docs/resources/poll
POLL_QUESTION = 300
POLL_ANSWER = 55
POLL_ANSWERS = 10
POLL_HOURS = (1, 768)

ERROR_COLOUR = discord.Colour.red()
INFO_COLOUR = discord.Colour.blurple()


def plain(text: str) -> str:
    """User or catalog text made inert: markdown shown literally, mentions that cannot ping."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when shortened (never ending in a lone
    escape backslash, which would swallow the ellipsis)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if head.endswith("\\") and not head.endswith("\\\\"):
        head = head[:-1]
    return head + "…"


def pieces(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line breaks or spaces when there
    is one in the second half of the piece, never between an escape backslash and its
    character."""
    out: list[str] = []
    while len(text) > limit:
        at = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        if at < limit // 2:
            at = limit
            while at > 1 and text[at - 1] == "\\":
                at -= 1
        out.append(text[:at].rstrip())
        text = text[at:].lstrip()
    if text:
        out.append(text)
    return out


@dataclass(frozen=True)
class OutgoingMessage:
    """One Discord message: embeds, then buttons (on the last message of a reply), or a poll."""

    embeds: tuple[discord.Embed, ...] = ()
    actions: tuple[Action, ...] = ()
    poll: discord.Poll | None = None
    ephemeral: bool = False
    poll_key: str | None = field(default=None)  # the core's name for `poll`
    rate_title: int | None = None  # 1★–5★ buttons for this title, under the others
    links: tuple[Link, ...] = ()  # buttons that open a web page (an event)
    owner: str | None = None  # the user it is for: their own buttons answer only them


def _item_blocks(n: int, item: Item) -> list[str]:
    """One list entry as description blocks: usually one, more when its text is huge."""
    lines = [f"**{n}. {plain(item.text)}**"]
    if item.detail:
        detail = plain(item.detail)
        if item.spoiler:
            lines += [f"||{p}||" for p in pieces(detail, EMBED_DESCRIPTION - 4)]
        else:
            lines.append(detail)
    if item.extra:
        lines.append(plain(item.extra))
    joined = "\n".join(lines)
    if len(joined) <= EMBED_DESCRIPTION:
        return [joined]
    return [p for line in lines for p in pieces(line, EMBED_DESCRIPTION)]


def _blocks(reply: Reply, heading_in_title: bool) -> list[str]:
    blocks: list[str] = []
    if reply.text and not heading_in_title:
        blocks += pieces(plain(reply.text), EMBED_DESCRIPTION)
    if reply.card is not None:
        blocks += [f"*{p}*" for p in pieces(plain(reply.card.subheading), EMBED_DESCRIPTION - 2)]
        if reply.card.body:
            blocks += pieces(plain(reply.card.body), EMBED_DESCRIPTION)
    for n, item in enumerate(reply.items, reply.numbered_from):
        blocks += _item_blocks(n, item)
    return blocks


def _title(reply: Reply) -> tuple[str | None, bool]:
    """The embed title, and whether it is `reply.text` (so the text is not repeated below)."""
    if reply.card is not None:
        return cut(plain(reply.card.heading), EMBED_TITLE), False
    text = plain(reply.text)
    if text and len(text) <= EMBED_TITLE and "\n" not in text:
        return text, True
    return None, False


def _poster(url: str | None) -> str | None:
    if url and urlparse(url).scheme in {"http", "https"}:
        return url
    return None


def _pack_description(
    title: str | None, blocks: Sequence[str], colour: discord.Colour
) -> list[discord.Embed]:
    """Blocks joined into as few embeds as fit: 4096 characters of description each."""
    embeds: list[discord.Embed] = []
    current: list[str] = []
    size = 0
    for block in blocks:
        if current and size + 1 + len(block) > EMBED_DESCRIPTION:
            embeds.append(discord.Embed(description="\n".join(current), colour=colour))
            current, size = [], 0
        size += len(block) + (1 if current else 0)
        current.append(block)
    if current or not embeds:
        embeds.append(discord.Embed(description="\n".join(current) or None, colour=colour))
    embeds[0].title = title
    return embeds


def _add_fields(
    embeds: list[discord.Embed], fields: Iterable[tuple[str, str]], colour: discord.Colour
) -> None:
    for raw_name, raw_value in fields:
        name = cut(plain(raw_name), FIELD_NAME)
        values = pieces(plain(raw_value) or "—", FIELD_VALUE)
        for i, value in enumerate(values):
            label = name if i == 0 else cut(f"{name} (cont.)", FIELD_NAME)
            last = embeds[-1]
            if len(last.fields) >= EMBED_FIELDS or len(last) + len(label) + len(value) > (
                EMBED_TOTAL
            ):
                last = discord.Embed(colour=colour)
                embeds.append(last)
            last.add_field(name=label, value=value, inline=len(value) <= 60)


def _add_footer(embeds: list[discord.Embed], notes: Sequence[str], colour: discord.Colour) -> None:
    if not notes:
        return
    text = "\n".join(notes)  # footers show no markdown: plain text, no escaping
    last = embeds[-1]
    if len(text) <= FOOTER and len(last) + len(text) <= EMBED_TOTAL:
        last.set_footer(text=text)
        return
    more = _pack_description(None, pieces(plain(text), EMBED_DESCRIPTION), colour)
    embeds.extend(more)


def _group(embeds: Sequence[discord.Embed]) -> list[tuple[discord.Embed, ...]]:
    """Embeds into messages: at most 10 per message and 6000 characters over all of them."""
    groups: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        if not groups or len(groups[-1]) >= EMBEDS_PER_MESSAGE or size + len(embed) > EMBED_TOTAL:
            groups.append([])
            size = 0
        groups[-1].append(embed)
        size += len(embed)
    return [tuple(g) for g in groups]


def custom_id(action: Action, owner: str | None) -> str | None:
    """What the button carries: its command line, or for an owner's button "me:<user>:<line>"
    ("ed:…" when its answer replaces the message), "ip:<line>" for anyone's button whose answer
    replaces the message; None when there is no owner to bind it to."""
    if not action.owner_only:
        return f"ip:{action.command}" if action.in_place else action.command
    if owner is None:
        return None
    return f"{'ed' if action.in_place else 'me'}:{owner}:{action.command}"


def parse_custom_id(data: str) -> tuple[str | None, str, bool] | None:
    """(owner or None, command line, in place) of a button, or None for a foreign one."""
    if data.startswith("/"):
        return None, data, False
    kind, _, rest = data.partition(":")
    if kind == "ip" and rest.startswith("/"):
        return None, rest, True
    owner, _, command = rest.partition(":")
    if kind in {"me", "ed"} and owner and command.startswith("/"):
        return owner, command, kind == "ed"
    return None


def buttons(
    actions: Sequence[Action], owner: str | None = None, room: int = BUTTONS
) -> tuple[Action, ...]:
    """The actions Discord can show: custom_id within 100 characters, unique, at most `room`
    (25, less what the star row takes)."""
    seen: set[str] = set()
    kept: list[Action] = []
    for action in actions:
        data = custom_id(action, owner)
        if data is None:
            continue
        if len(data) > CUSTOM_ID:
            log.warning("button %r dropped: its command is over %d characters", action, CUSTOM_ID)
            continue
        if data not in seen:
            seen.add(data)
            kept.append(action)
    return tuple(kept[:room])


def poll_hours(closes_at: datetime | None, now: datetime) -> int:
    """Discord poll durations are whole hours, 1 to 768 (32 days); round up so the poll stays
    open until the core closes the vote. No end: the longest, and the host ends it."""
    if closes_at is None:
        return POLL_HOURS[1]
    hours = math.ceil((closes_at - now).total_seconds() / 3600)
    return min(max(hours, POLL_HOURS[0]), POLL_HOURS[1])


def native_poll(poll: Poll, now: datetime) -> discord.Poll | None:
    """The Discord poll for `poll`, or None when it has more answers than Discord allows."""
    if len(poll.options) > POLL_ANSWERS or len(poll.options) < 1:
        return None
    result = discord.Poll(
        question=cut(poll.question, POLL_QUESTION),
        duration=timedelta(hours=poll_hours(poll.closes_at, now)),
        multiple=poll.multiple,
    )
    for option in poll.options:
        result.add_answer(text=cut(option.text, POLL_ANSWER))
    return result


def _poll_fallback(poll: Poll) -> Reply:
    """A vote with too many options for a Discord poll, as a numbered list to answer by text."""
    return Reply(
        text=poll.question,
        items=tuple(Item(o.text) for o in poll.options),
        notes=(
            f"Discord polls hold at most {POLL_ANSWERS} answers and this vote has "
            f"{len(poll.options)}, so vote by number with /vote <n>.",
        ),
    )


def _embeds(reply: Reply) -> list[discord.Embed]:
    colour = ERROR_COLOUR if reply.is_error else INFO_COLOUR
    title, text_is_title = _title(reply)
    embeds = _pack_description(title, _blocks(reply, text_is_title), colour)
    if reply.card is not None:
        _add_fields(embeds, ((f.name, f.value) for f in reply.card.fields), colour)
        if poster := _poster(reply.card.poster_url):
            embeds[0].set_image(url=poster)
    _add_footer(embeds, reply.notes, colour)
    return embeds


def _has_content(reply: Reply) -> bool:
    return bool(reply.text or reply.card or reply.items or reply.notes)


def render(
    reply: Reply, now: datetime | None = None, owner: str | None = None
) -> list[OutgoingMessage]:
    """The messages that show `reply`, in order. Errors are ephemeral (only the asker sees
    them); buttons ride on the last embed message; a poll comes last, on its own. `owner`:
    the user the reply is for, whose own buttons (Remove, Next) answer only them."""
    ephemeral = reply.is_error
    messages: list[OutgoingMessage] = []
    poll = native_poll(reply.poll, now or datetime.now(UTC)) if reply.poll else None
    embeds = _embeds(reply) if _has_content(reply) or not reply.poll else []
    if reply.poll is not None and poll is None:
        embeds += _embeds(_poll_fallback(reply.poll))
    groups = _group(embeds)
    # Stars only under a title's card: a card about anything else has no title to rate.
    card = reply.card
    rate_title = card.title_id if card is not None and not reply.is_error else None
    links = tuple(link for link in reply.links if urlparse(link.url).scheme == "https")
    room = BUTTONS - (len(STARS) if rate_title is not None else 0) - len(links)
    for i, group in enumerate(groups):
        last = i == len(groups) - 1
        messages.append(
            OutgoingMessage(
                group,
                buttons(reply.actions, owner, room) if last else (),
                ephemeral=ephemeral,
                rate_title=rate_title if last else None,
                links=links if last else (),
                owner=owner,
            )
        )
    if poll is not None and reply.poll is not None:
        messages.append(OutgoingMessage(poll=poll, poll_key=reply.poll.key))
    return messages


def view_for(
    actions: Sequence[Action],
    rate_title: int | None = None,
    links: Sequence[Link] = (),
    owner: str | None = None,
) -> discord.ui.View | None:
    """Buttons whose custom_id is the command to run, then the stars for `rate_title`. A global
    listener (and, for the stars, a registered DynamicItem) answers them, so they need no state
    and keep working after a restart; the view is stopped before sending so discord.py does not
    keep every message's view in memory."""
    if not actions and rate_title is None and not links:
        return None
    view = discord.ui.View(timeout=None)
    for action in actions:
        data = custom_id(action, owner)
        if data is None:
            continue
        view.add_item(
            discord.ui.Button(
                label=cut(action.label, BUTTON_LABEL) or "…",
                custom_id=data,
                style=discord.ButtonStyle.secondary,
            )
        )
    for link in links:
        view.add_item(discord.ui.Button(label=cut(link.label, BUTTON_LABEL) or "…", url=link.url))
    if rate_title is not None:
        for star in star_buttons(rate_title):
            view.add_item(star)
    view.stop()
    return view
