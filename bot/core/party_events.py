"""Watch parties as the platform's scheduled events (a Discord guild event): published once the
winner is known and the party has a start time, kept up to date, cancelled with the party, and
asked who is interested so they get the reminders too.

The work runs as scheduler jobs ("event", "event_end"), so it is retried when the platform
fails and picked up after a restart; the event's id is stored on the party. A host closing the
vote publishes at once, so the result it gets back links the event."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.core.catalog import CatalogSnapshot
from bot.core.outbox import EventCalendar, Messenger, PartyEvent
from db.session import Database
from db.watch_party_repository import PartyRecord

log = logging.getLogger(__name__)

PUBLISH_JOB = "event"
CANCEL_JOB = "event_end"
EVENT_JOBS = frozenset({PUBLISH_JOB, CANCEL_JOB})
DEFAULT_RUNTIME = timedelta(hours=2)  # how long the event lasts when the runtime is unknown


def runtime(snap: CatalogSnapshot, title_id: int) -> timedelta:
    """The title's runtime (one episode's for a series), or two hours when unknown."""
    t = snap.titles.get(title_id)
    if t is None or not t.runtime_minutes:
        return DEFAULT_RUNTIME
    return timedelta(minutes=t.runtime_minutes)


class PartyEvents:
    """Publishing and cancelling parties' events through the platforms' calendars, which are
    their Messengers (`messengers` is the live map the scheduler fills)."""

    def __init__(self, db: Database, messengers: Mapping[str, Messenger]) -> None:
        self.db = db
        self.messengers = messengers

    def calendar(self, platform: str) -> EventCalendar | None:
        messenger = self.messengers.get(platform)
        return messenger if isinstance(messenger, EventCalendar) else None

    def can_publish_here(self, platform: str) -> bool:
        return self.calendar(platform) is not None

    async def publish(self, party: PartyRecord, event: PartyEvent) -> bool:
        """Create the party's event, or update the one it has. False when this process has no
        calendar for the platform or the platform refused (logged by the adapter)."""
        calendar = self.calendar(party.platform)
        if calendar is None:
            return False
        published = await calendar.publish_event(party.platform_chat_id, event, party.event_id)
        if published is None:
            return False
        async with self.db.unit_of_work(write=True) as repos:
            await repos.parties.set_event(party.id, published.event_id, published.url)
            now = await repos.parties.get(party.id)
        if now is not None and now.state == "cancelled":
            # Cancelled while the event was being created: the cancel found no event to end.
            await calendar.cancel_event(party.platform_chat_id, published.event_id)
        return True

    async def cancel(self, party: PartyRecord) -> bool:
        calendar = self.calendar(party.platform)
        if calendar is None or party.event_id is None:
            return False
        await calendar.cancel_event(party.platform_chat_id, party.event_id)
        return True

    async def subscribers(self, party: PartyRecord) -> list[tuple[str, str]]:
        """Who marked the party's event as interesting: (platform user id, name). Nobody when
        there is no event or it cannot be read now: the members who joined are still reminded."""
        calendar = self.calendar(party.platform)
        if calendar is None or party.event_id is None:
            return []
        try:
            return await calendar.event_subscribers(party.platform_chat_id, party.event_id)
        except Exception:
            log.warning(
                "could not read who is interested in event %s", party.event_id, exc_info=True
            )
            return []
