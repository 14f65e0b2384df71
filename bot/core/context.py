"""Who is asking, and where: everything the core needs to know about the platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with the command (an import, a Letterboxd export, a review article). Front ends
    enforce their own size limit before reading it into memory."""

    filename: str
    content: bytes
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class CommandContext:
    platform: str  # "console" | "telegram" | "discord"
    user_id: str
    display_name: str
    chat_id: str
    chat_name: str | None = None
    is_admin: bool = False
    is_group: bool = False
    region: str | None = None  # ISO 3166-1 alpha-2, when the platform tells us
    language: str | None = None
    attachment: Attachment | None = None
