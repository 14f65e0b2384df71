"""Who sent a Telegram update, as reelbot counts people.

A group member may post "as a channel": the message carries `sender_chat` (the channel) and a
`from` that is Telegram's one placeholder user for every channel (@Channel_Bot). So the sender
is the channel: its own identity, named by its title, and one channel cannot act for another.

An anonymous group administrator posts as the group itself (`sender_chat` is the chat; `from`
is the placeholder @GroupAnonymousBot). Telegram hides which admin it was, so all of a group's
anonymous admins are one identity: the group, with the group's title as its name, and an
admin of that group (only its admins can post that way). A party it opens can be managed by
any admin of the group, which is what it is.

Chat ids are negative and user ids positive, so the two kinds of identity never collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import Update

SenderKind = Literal["user", "channel", "group_admins"]


@dataclass(frozen=True, slots=True)
class Sender:
    user_id: str  # the platform user id reelbot stores
    display_name: str
    kind: SenderKind
    language: str | None = None

    @property
    def is_user(self) -> bool:
        """A person with a Telegram account (one a tg://user link can mention)."""
        return self.kind == "user"


def is_user_id(user_id: str) -> bool:
    return not user_id.startswith("-")


def sender_of(update: Update) -> Sender:
    message = update.message
    sender_chat = message.sender_chat if message is not None else None
    if message is not None and sender_chat is not None:
        if sender_chat.id == message.chat.id:
            return Sender(str(sender_chat.id), message.chat.title or "Group admins", "group_admins")
        name = sender_chat.title or sender_chat.username or str(sender_chat.id)
        return Sender(str(sender_chat.id), name, "channel")
    user = update.effective_user
    assert user is not None
    name = user.full_name or user.username or str(user.id)
    return Sender(str(user.id), name, "user", user.language_code)
