"""Availability alerts: which watchlisted titles gained a way to watch, who is owed a message,
and the leases under which a sender delivers them.

How an alert is found: a writer that may add offers (an import, an admin edit) takes
`watched_offers()` before and after its writes, in the same transaction; the difference is what
it added, and `queue()` records one row per member, title, service and region it concerns.
The primary key keeps that to once ever (a re-run import finds nothing new anyway), and because
it commits with the offers, a crash loses neither."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql

# What an alert is about: a subscription service's stream or a free one. A title to rent or
# buy is on every store long before anyone subscribes to it; that is not news.
ALERT_KINDS = ("stream", "free")

OfferKey = tuple[int, int, str]  # title id, provider id, region


@dataclass(frozen=True, slots=True)
class AlertTitle:
    title_id: int
    name: str
    year: int | None
    provider: str
    region: str
    kind: str


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """The alerts one member is owed from one batch: one message."""

    user_id: int
    platform: str
    platform_user_id: str
    batch: str
    titles: tuple[AlertTitle, ...]


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def watched_offers(self) -> set[OfferKey]:
        """Every alert-worthy offer of a title someone has on their watchlist."""
        watched = select(m.WatchlistEntry.title_id).distinct()
        rows = await self.session.execute(
            select(
                m.Availability.title_id, m.Availability.provider_id, m.Availability.region
            ).where(m.Availability.title_id.in_(watched), m.Availability.kind.in_(ALERT_KINDS))
        )
        return {(t, p, r) for t, p, r in rows}

    @asynccontextmanager
    async def owed_for_new_offers(self, default_region: str | None) -> AsyncIterator[None]:
        """Around an admin edit that may add offers: what it added is owed as one batch."""
        before = await self.watched_offers()
        yield
        added = await self.watched_offers() - before
        await self.queue(added, f"edit:{uuid.uuid4().hex}", default_region)

    async def queue(
        self, added: Iterable[OfferKey], batch: str, default_region: str | None = None
    ) -> int:
        """Owe an alert to every member with the title on their watchlist, alerts on, and the
        offer's region and service among theirs: their own /settings me values, else those of
        the chats they are in, else `default_region` (any service when none is set; a free
        offer needs no subscription). Returns how many alerts were newly owed."""
        added = set(added)
        if not added:
            return 0
        by_title: dict[int, list[tuple[int, str]]] = {}
        for title_id, provider_id, region in added:
            by_title.setdefault(title_id, []).append((provider_id, region))
        watchers = await self._watchers(by_title, default_region)
        kinds = await self._offer_kinds(added)
        providers = await self._provider_names({p for _, p, _ in added})
        rows = []
        for user_id, title_id, regions, services in watchers:
            for provider_id, region in by_title[title_id]:
                if region not in regions:
                    continue
                kind = kinds.get((title_id, provider_id, region), set())
                service_fits = not services or providers[provider_id].casefold() in services
                if "free" in kind or service_fits:
                    rows.append(
                        {
                            "user_id": user_id,
                            "title_id": title_id,
                            "provider_id": provider_id,
                            "region": region,
                            "state": "pending",
                            "batch": batch[:64],
                            "created_at": m.utcnow(),
                        }
                    )
        if not rows:
            return 0
        stmt = sql.insert(self.session, m.AvailabilityAlert).on_conflict_do_nothing()
        result = await self.session.execute(stmt.returning(m.AvailabilityAlert.user_id), rows)
        return len(result.all())

    async def _watchers(
        self, by_title: dict[int, list[tuple[int, str]]], default_region: str | None
    ) -> list[tuple[int, int, set[str], set[str]]]:
        """(member, title, regions, services casefolded) for everyone who watchlisted one of
        these titles and did not turn alerts off."""
        rows = (
            await self.session.execute(
                select(
                    m.WatchlistEntry.user_id,
                    m.WatchlistEntry.title_id,
                    m.User.region,
                    m.User.services,
                )
                .join(m.User, m.User.id == m.WatchlistEntry.user_id)
                .where(m.WatchlistEntry.title_id.in_(list(by_title)), m.User.alerts.is_(True))
            )
        ).all()
        if not rows:
            return []
        chats = await self._chat_settings({r[0] for r in rows})
        watchers = []
        for user_id, title_id, region, services in rows:
            chat_regions, chat_services = chats.get(user_id, (set(), set()))
            regions = {region} if region else chat_regions
            if not regions and default_region:
                regions = {default_region}
            wanted = {s.casefold() for s in services} if services is not None else chat_services
            if regions:
                watchers.append((user_id, title_id, regions, wanted))
        return watchers

    async def _chat_settings(self, user_ids: set[int]) -> dict[int, tuple[set[str], set[str]]]:
        rows = await self.session.execute(
            select(m.ChatMember.user_id, m.Chat.region, m.Chat.services)
            .join(m.Chat, m.Chat.id == m.ChatMember.chat_id)
            .where(m.ChatMember.user_id.in_(user_ids))
        )
        found: dict[int, tuple[set[str], set[str]]] = {}
        for user_id, region, services in rows:
            regions, wanted = found.setdefault(user_id, (set(), set()))
            if region:
                regions.add(region)
            wanted.update(s.casefold() for s in services or ())
        return found

    async def _offer_kinds(self, keys: set[OfferKey]) -> dict[OfferKey, set[str]]:
        rows = await self.session.execute(
            select(
                m.Availability.title_id,
                m.Availability.provider_id,
                m.Availability.region,
                m.Availability.kind,
            ).where(
                tuple_(
                    m.Availability.title_id, m.Availability.provider_id, m.Availability.region
                ).in_(list(keys)),
                m.Availability.kind.in_(ALERT_KINDS),
            )
        )
        kinds: dict[OfferKey, set[str]] = {}
        for title_id, provider_id, region, kind in rows:
            kinds.setdefault((title_id, provider_id, region), set()).add(kind)
        return kinds

    async def _provider_names(self, ids: set[int]) -> dict[int, str]:
        rows = await self.session.execute(
            select(m.Provider.id, m.Provider.name).where(m.Provider.id.in_(ids))
        )
        return dict(rows.tuples().all())

    # -- delivery --------------------------------------------------------------------------

    async def claim_batch(
        self, now: datetime, platforms: Sequence[str], holder: str, lease: timedelta
    ) -> AlertBatch | None:
        """One member's pending alerts of one batch, marked as being sent by `holder` until
        `now + lease`. Alerts whose sender died mid-send come back once the lease ran out."""
        claimable = or_(
            m.AvailabilityAlert.state == "pending",
            and_(
                m.AvailabilityAlert.state == "sending",
                m.AvailabilityAlert.claimed_until < now,
            ),
        )
        picked = (
            await self.session.execute(
                select(m.AvailabilityAlert.user_id, m.AvailabilityAlert.batch)
                .join(m.User, m.User.id == m.AvailabilityAlert.user_id)
                .where(claimable, m.User.platform.in_(list(platforms)))
                .order_by(m.AvailabilityAlert.created_at)
                .limit(1)
            )
        ).first()
        if picked is None:
            return None
        user_id, batch = picked
        # The condition again, in the UPDATE: of two senders that picked the same member, the
        # second finds the rows already claimed (PostgreSQL re-checks it after the row lock).
        claimed = await self.session.execute(
            update(m.AvailabilityAlert)
            .where(
                m.AvailabilityAlert.user_id == user_id,
                m.AvailabilityAlert.batch == batch,
                claimable,
            )
            .values(state="sending", claimed_by=holder[:64], claimed_until=now + lease)
            .returning(m.AvailabilityAlert.title_id)
        )
        if not claimed.all():
            return None
        return await self._batch(user_id, batch, holder)

    async def _batch(self, user_id: int, batch: str, holder: str) -> AlertBatch:
        user = (
            await self.session.execute(
                select(m.User.platform, m.User.platform_user_id).where(m.User.id == user_id)
            )
        ).one()
        rows = await self.session.execute(
            select(
                m.Title.id,
                m.Title.name,
                m.Title.year,
                m.Provider.name,
                m.AvailabilityAlert.region,
            )
            .join(m.Title, m.Title.id == m.AvailabilityAlert.title_id)
            .join(m.Provider, m.Provider.id == m.AvailabilityAlert.provider_id)
            .where(
                m.AvailabilityAlert.user_id == user_id,
                m.AvailabilityAlert.batch == batch,
                m.AvailabilityAlert.claimed_by == holder[:64],
                m.AvailabilityAlert.state == "sending",
            )
            .order_by(m.Provider.name, m.AvailabilityAlert.region, m.Title.name)
        )
        found = list(rows)
        free = await self._free_keys({(t, p, r) for t, _, _, p, r in found})
        titles = tuple(
            AlertTitle(
                t,
                name,
                year,
                provider,
                region,
                "free" if (t, provider, region) in free else "stream",
            )
            for t, name, year, provider, region in found
        )
        return AlertBatch(user_id, user.platform, user.platform_user_id, batch, titles)

    async def _free_keys(self, keys: set[tuple[int, str, str]]) -> set[tuple[int, str, str]]:
        if not keys:
            return set()
        rows = await self.session.execute(
            select(m.Availability.title_id, m.Provider.name, m.Availability.region)
            .join(m.Provider, m.Provider.id == m.Availability.provider_id)
            .where(
                m.Availability.title_id.in_({t for t, _, _ in keys}),
                m.Availability.kind == "free",
            )
        )
        return {(t, p, r) for t, p, r in rows} & keys

    async def wants_alerts(self, user_id: int) -> bool:
        return bool(await self.session.scalar(select(m.User.alerts).where(m.User.id == user_id)))

    async def renew(self, user_id: int, batch: str, holder: str, until: datetime) -> bool:
        result = await self.session.execute(
            update(m.AvailabilityAlert)
            .where(
                m.AvailabilityAlert.user_id == user_id,
                m.AvailabilityAlert.batch == batch,
                m.AvailabilityAlert.claimed_by == holder[:64],
                m.AvailabilityAlert.state == "sending",
            )
            .values(claimed_until=until)
            .returning(m.AvailabilityAlert.title_id)
        )
        return bool(result.all())

    async def finish(self, user_id: int, batch: str, holder: str, state: str, now: datetime) -> int:
        """Record the outcome ("sent", "skipped", or "pending" to try again later) of what
        `holder` claimed."""
        result = await self.session.execute(
            update(m.AvailabilityAlert)
            .where(
                m.AvailabilityAlert.user_id == user_id,
                m.AvailabilityAlert.batch == batch,
                m.AvailabilityAlert.claimed_by == holder[:64],
                m.AvailabilityAlert.state == "sending",
            )
            .values(
                state=state,
                sent_at=now if state == "sent" else None,
                claimed_by=None if state == "pending" else holder[:64],
                claimed_until=None,
            )
            .returning(m.AvailabilityAlert.title_id)
        )
        return len(result.all())

    async def release(self, holder: str) -> int:
        result = await self.session.execute(
            update(m.AvailabilityAlert)
            .where(
                m.AvailabilityAlert.claimed_by == holder[:64],
                m.AvailabilityAlert.state == "sending",
            )
            .values(state="pending", claimed_by=None, claimed_until=None)
            .returning(m.AvailabilityAlert.title_id)
        )
        return len(result.all())

    async def set_alerts(self, user_id: int, on: bool) -> None:
        await self.session.execute(update(m.User).where(m.User.id == user_id).values(alerts=on))
