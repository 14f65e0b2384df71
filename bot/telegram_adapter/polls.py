"""Native Telegram polls for Reply.poll, and the hand-off of votes to whoever owns the poll.

The core (watch parties) implements PollEvents: it hears which Telegram poll stands for which
of its polls, and every vote. Telegram only reports answers to non-anonymous polls the bot sent,
so every poll is sent with is_anonymous=False."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot, Message
from telegram.constants import PollLimit

from bot.core.clock import Clock, system_clock
from bot.core.outbox import PollEvents
from bot.core.replies import Poll

log = logging.getLogger(__name__)

PLATFORM = "telegram"
# Telegram closes a poll by itself only this long after the deadline: the owner stops it at the
# deadline, and only stopPoll hands back the final counts (of a poll Telegram closed, nobody can
# read them any more). If the owner is down that long, the votes it recorded decide. Since Bot
# API 9.6 a close_date may be up to about 30 days ahead (PollLimit.MAX_OPEN_PERIOD), so a
# party voting for days gets one too; a vote longer than that stays open until stopPoll.
SELF_CLOSE_GRACE = timedelta(minutes=10)


def too_many_options(poll: Poll, vote_command: bool) -> str | None:
    """Why this poll cannot be a Telegram poll, or None when it can."""
    count = len(poll.options)
    if count > PollLimit.MAX_OPTION_NUMBER:
        how = " Vote with /vote <number> instead:" if vote_command else ""
        return (
            f"This vote has {count} candidates, but a Telegram poll holds at most "
            f"{PollLimit.MAX_OPTION_NUMBER}, so it is not posted as a poll.{how}"
        )
    if count < max(PollLimit.MIN_OPTION_NUMBER, 2):
        return "A vote needs at least two candidates."
    return None


def close_date(poll: Poll, now: datetime) -> datetime | None:
    """When Telegram should close the poll by itself: a little after the deadline, if Telegram
    accepts it (5 s to MAX_OPEN_PERIOD ahead). Otherwise only the owner's stopPoll closes it."""
    if poll.closes_at is None:
        return None
    closes = poll.closes_at + SELF_CLOSE_GRACE
    seconds = (closes - now).total_seconds()
    if PollLimit.MIN_OPEN_PERIOD <= seconds <= PollLimit.MAX_OPEN_PERIOD:
        return closes
    return None


async def send_poll(
    bot: Bot,
    chat_id: int | str,
    poll: Poll,
    tracker: PollEvents | None,
    thread_id: int | None = None,
    clock: Clock = system_clock,
) -> Message:
    """Post `poll` natively; `clock` is the core's, the one its deadlines are set by."""
    message = await bot.send_poll(
        chat_id,
        poll.question[: PollLimit.MAX_QUESTION_LENGTH],
        [option.text[: PollLimit.MAX_OPTION_LENGTH] for option in poll.options],
        is_anonymous=False,
        allows_multiple_answers=poll.multiple,
        close_date=close_date(poll, clock()),
        message_thread_id=thread_id,
    )
    if message.poll is None:  # never for a successful sendPoll; keeps the types honest
        raise RuntimeError("sendPoll returned a message without a poll")
    if tracker is None:
        log.warning("poll %s sent, but nothing records its votes", poll.key)
    else:
        await tracker.poll_opened(
            poll.key, PLATFORM, str(chat_id), message.poll.id, str(message.message_id)
        )
    return message
