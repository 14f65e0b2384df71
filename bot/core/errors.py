"""The user-facing errors. The core raises them; every adapter renders them the same way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TitleChoice:
    title_id: int
    label: str  # "Miracle in Cell No. 7 (2019, Turkey)"


class UserError(Exception):
    """Something the user can fix; the message is safe to show."""

    def __init__(self, message: str, choices: tuple[TitleChoice, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.choices = choices


class UnknownTitleError(UserError):
    pass


class AmbiguousTitleError(UserError):
    pass


class BadRatingError(UserError):
    pass


class TextTooLongError(UserError):
    pass


class UsageError(UserError):
    """A command was called without what it needs, or with too much."""


class UnknownCommandError(UserError):
    pass


class NotAllowedError(UserError):
    pass
