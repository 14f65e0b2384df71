"""Reply -> Telegram HTML messages with inline keyboards. Pure: no network."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.replies import Action, Reply

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class OutgoingMessage:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


def _lines(reply: Reply) -> list[str]:
    lines: list[str] = []
    if reply.text:
        lines.append(("⚠️ " if reply.is_error else "") + f"<b>{escape(reply.text)}</b>")
    if reply.card is not None:
        card = reply.card
        lines.append(f"🎬 <b>{escape(card.heading)}</b>")
        lines.append(f"<i>{escape(card.subheading)}</i>")
        for field in card.fields:
            if "\n" in field.value:
                lines.append(f"<b>{escape(field.name)}:</b>")
                lines.append(f"<pre>{escape(field.value)}</pre>")
            else:
                lines.append(f"<b>{escape(field.name)}:</b> {escape(field.value)}")
        if card.body:
            lines.append("")
            lines.append(escape(card.body))
    for n, item in enumerate(reply.items, 1):
        lines.append(f"{n}. <b>{escape(item.text)}</b>")
        if item.detail:
            detail = escape(item.detail)
            lines.append(
                f"    <tg-spoiler>{detail}</tg-spoiler>" if item.spoiler else f"    {detail}"
            )
        if item.extra:
            lines.append(f"    {escape(item.extra)}")
    if reply.notes:
        lines.append("")
        lines.extend(f"<i>{escape(note)}</i>" for note in reply.notes)
    return lines


def _split(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Messages of at most `limit` characters, cut at line boundaries (a single overlong line is
    cut hard, after escaping, at a point that does not break an HTML entity)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks or [""]


def keyboard(actions: tuple[Action, ...]) -> InlineKeyboardMarkup | None:
    """Buttons carry the command to run as callback data (<= 64 bytes), so they keep working
    after a restart; a command too long for that is left off."""
    buttons = [
        InlineKeyboardButton(a.label[:60], callback_data=a.command)
        for a in actions
        if len(a.command.encode()) <= MAX_CALLBACK_BYTES
    ]
    if not buttons:
        return None
    per_row = 1 if any(len(b.text) > 20 for b in buttons) else 5
    return InlineKeyboardMarkup([buttons[i : i + per_row] for i in range(0, len(buttons), per_row)])


def render(reply: Reply) -> list[OutgoingMessage]:
    chunks = _split(_lines(reply))
    markup = keyboard(reply.actions)
    return [
        OutgoingMessage(chunk, markup if i == len(chunks) - 1 else None)
        for i, chunk in enumerate(chunks)
    ]
