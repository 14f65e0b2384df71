"""Start times typed the way people type them, in the chat's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import UsageError
from bot.core.when import parse_duration, parse_when

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # Wednesday 15:00 in Seoul


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("tonight 21:00", "2026-11-25 21:00"),
        ("today 9pm", "2026-11-25 21:00"),
        ("21:00", "2026-11-25 21:00"),
        ("14:00", "2026-11-26 14:00"),  # a bare time already past today means tomorrow
        ("sat 8pm", "2026-11-28 20:00"),
        ("Saturday", "2026-11-28 20:00"),  # a day alone means the evening
        ("wed 2pm", "2026-12-02 14:00"),  # today's 2 pm has passed: next Wednesday
        ("tomorrow at 19:30", "2026-11-26 19:30"),
        ("2026-12-05 20:00", "2026-12-05 20:00"),
        ("Dec 5 8pm", "2026-12-05 20:00"),
        ("in 2 hours", "2026-11-25 17:00"),
    ],
)
def test_times_read_in_the_chats_zone(text: str, local: str) -> None:
    moment = parse_when(text, SEOUL, NOW)
    assert moment.tzinfo is not None
    assert moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M") == local


def test_the_same_words_mean_another_moment_in_another_zone() -> None:
    seoul = parse_when("sat 8pm", SEOUL, NOW)
    new_york = parse_when("sat 8pm", ZoneInfo("America/New_York"), NOW)
    assert new_york - seoul == timedelta(hours=14)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday 8pm", "in the past"),
        ("tonight 14:00", "in the past"),
        ("2020-01-01 20:00", "in the past"),
        ("whenever", "couldn't read"),
        ("sat 99:77", "99:77 is not a time of day"),
        ("25pm", "25pm is not a time: am/pm hours go from 1 to 12"),
        ("31 feb 20:00", "Feb has no day 31"),
        ("31 feb 25:99", "25:99 is not a time of day"),
        ("2031-01-01 20:00", "more than a year"),
    ],
)
def test_past_unreadable_and_far_times_are_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_when(text, SEOUL, NOW)
    assert message in error.value.message


def test_durations() -> None:
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("1.5 hours") == timedelta(minutes=90)
    with pytest.raises(UsageError):
        parse_duration("soon")
