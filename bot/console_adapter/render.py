"""Reply -> plain text for a terminal. Pure: no I/O."""

from __future__ import annotations

import textwrap

from bot.core.replies import Reply

WIDTH = 100


def _wrap(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(
            textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent)
            or [indent.rstrip()]
        )
    return lines


def render(reply: Reply) -> str:
    lines: list[str] = []
    if reply.text:
        prefix = "⚠ " if reply.is_error else ""
        lines.extend(_wrap(prefix + reply.text, ""))
    if reply.card is not None:
        card = reply.card
        lines.append(f"🎬 {card.heading}")
        lines.append(f"   {card.subheading}")
        for field in card.fields:
            value_lines = field.value.splitlines() or [""]
            if len(value_lines) == 1:
                lines.extend(_wrap(f"{field.name}: {value_lines[0]}", "   "))
            else:
                lines.append(f"   {field.name}:")
                lines.extend(f"     {v}" for v in value_lines)
        if card.body:
            lines.extend(_wrap(card.body, "   "))
    for n, item in enumerate(reply.items, reply.numbered_from):
        lines.extend(_wrap(f"{n}. {item.text}", ""))
        if item.detail:
            detail = "[spoiler hidden]" if item.spoiler else item.detail
            lines.extend(_wrap(detail, "   "))
        if item.extra:
            lines.extend(_wrap(item.extra, "   "))
    if reply.poll is not None:
        lines.append(f"📊 {reply.poll.question}")
        lines.extend(f"   /vote {n}  {o.text}" for n, o in enumerate(reply.poll.options, 1))
    for note in reply.notes:
        lines.extend(_wrap(f"· {note}", ""))
    if reply.actions:
        lines.append("→ " + "   ".join(f"[{a.label}] {a.command}" for a in reply.actions))
    if reply.links:
        lines.append("→ " + "   ".join(f"{link.label}: {link.url}" for link in reply.links))
    return "\n".join(lines)
