"""Private messages when titles on a member's watchlist become available on their services.

Alerts are owed in the database (db/alert_repository.py) by whatever added the offers; every
front-end process runs an `AlertSender` beside its watch-party scheduler. A sender claims one
member's alerts of one batch under a lease, sends one message, and records the outcome, so with
several processes each member gets each batch once. A member who turned alerts off, or whom
the platform will not let the bot write to privately, is skipped: never named in a group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from itertools import groupby

from bot.core.clock import Clock
from bot.core.outbox import Messenger
from bot.core.replies import Action, Item, Reply
from bot.core.text import country_name
from db.alert_repository import AlertBatch, AlertTitle
from db.session import Database

log = logging.getLogger(__name__)

STOP_HINT = "Stop these messages with /settings me alerts off."
MAX_LISTED = 20  # titles named in one message; the rest are counted


def alert_reply(batch: AlertBatch) -> Reply:
    """ "2 titles on your watchlist are now on Netflix in South Korea (KR): …", one line per
    service and region."""
    titles = batch.titles
    count = len({t.title_id for t in titles})
    places = list(groupby(titles, key=lambda t: (t.provider, t.region)))
    if len(places) == 1:
        (provider, region), _ = places[0]
        where = f"on {provider} in {_region(region)}"
        heading = f"{_count(count)} on your watchlist {'is' if count == 1 else 'are'} now {where}:"
    else:
        heading = f"{_count(count)} on your watchlist can now be watched:"
    items: list[Item] = []
    for (provider, region), group in groupby(titles, key=lambda t: (t.provider, t.region)):
        for t in group:
            items.append(Item(_label(t), f"{_how(t)} {provider}, {region}", title_id=t.title_id))
    shown = tuple(items[:MAX_LISTED])
    more = len(items) - len(shown)
    notes = ((f"…and {more} more.",) if more else ()) + (STOP_HINT,)
    first = titles[0]
    return Reply(
        text=heading,
        items=shown,
        notes=notes,
        actions=(Action("Where to watch", f"/where #{first.title_id} {first.region}"),),
    )


def _count(n: int) -> str:
    return "1 title" if n == 1 else f"{n} titles"


def _label(t: AlertTitle) -> str:
    return f"{t.name} ({t.year})" if t.year else t.name


def _how(t: AlertTitle) -> str:
    return "free on" if t.kind == "free" else "streaming on"


def _region(code: str) -> str:
    return f"{country_name(code)} ({code})"


class AlertSender:
    def __init__(
        self,
        db: Database,
        messengers: Sequence[Messenger],
        clock: Clock,
        holder: str,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.db = db
        self.messengers = {m.platform: m for m in messengers}
        self.clock = clock
        self.holder = holder
        self.lease = lease

    async def run_due(self, limit: int = 100) -> tuple[int, int]:
        """Send owed alerts, up to `limit` messages; (sent, skipped)."""
        sent = skipped = 0
        for _ in range(limit):
            async with self.db.unit_of_work(write=True) as repos:
                batch = await repos.alerts.claim_batch(
                    self.clock(), sorted(self.messengers), self.holder, self.lease
                )
                wanted = batch is not None and await repos.alerts.wants_alerts(batch.user_id)
            if batch is None:
                break
            outcome = await self._deliver(batch) if wanted else "skipped"
            async with self.db.unit_of_work(write=True) as repos:
                await repos.alerts.finish(
                    batch.user_id, batch.batch, self.holder, outcome, self.clock()
                )
            if outcome == "pending":
                break  # the platform is failing: try again on the next pass
            sent += outcome == "sent"
            skipped += outcome == "skipped"
        return sent, skipped

    async def _deliver(self, batch: AlertBatch) -> str:
        messenger = self.messengers[batch.platform]
        try:
            delivered = await messenger.send_private(batch.platform_user_id, alert_reply(batch))
        except Exception:
            log.warning(
                "watchlist alert for %s user %s not sent; will retry",
                batch.platform,
                batch.platform_user_id,
                exc_info=True,
            )
            return "pending"
        return "sent" if delivered else "skipped"

    async def release(self) -> None:
        async with self.db.unit_of_work(write=True) as repos:
            await repos.alerts.release(self.holder)
