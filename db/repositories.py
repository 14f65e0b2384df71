"""Repositories over one AsyncSession. They never commit: the unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql
from db.alert_repository import AlertRepository
from db.catalog_repository import CatalogRepository, MetaRepository
from db.curation_repository import CurationRepository
from db.records import (
    IMPORTED_PLATFORMS,
    ChatSettings,
    MemberSettings,
    RatingChange,
    RatingSummary,
    ReviewRecord,
    StoredRating,
)
from db.watch_party_repository import WatchPartyRepository
from db.watchlist_repository import WatchlistRepository
from recommender.models import RatingTriple

_Select = TypeVar("_Select", bound=Select[*tuple[Any, ...]])


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, platform: str, platform_user_id: str, display_name: str) -> int:
        """The user's id, creating the user on first contact and keeping the name current."""
        name = display_name[:100]
        stmt = sql.insert(self.session, m.User).values(
            platform=platform, platform_user_id=platform_user_id, display_name=name
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["platform", "platform_user_id"], set_={"display_name": name}
        ).returning(m.User.id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def imported_user_ids(self) -> set[str]:
        """Ids (as rating triples spell them) of users who came with a data set (MovieLens)."""
        rows = await self.session.scalars(
            select(m.User.id).where(m.User.platform.in_(IMPORTED_PLATFORMS))
        )
        return {str(u) for u in rows}

    async def find(self, platform: str, platform_user_id: str) -> int | None:
        return await self.session.scalar(
            select(m.User.id).where(
                m.User.platform == platform, m.User.platform_user_id == platform_user_id
            )
        )

    async def member_settings(self, platform: str, platform_user_id: str) -> MemberSettings:
        row = (
            await self.session.execute(
                select(m.User.region, m.User.timezone, m.User.services, m.User.alerts).where(
                    m.User.platform == platform, m.User.platform_user_id == platform_user_id
                )
            )
        ).first()
        if row is None:
            return MemberSettings()
        region, timezone, services, alerts = row
        return MemberSettings(
            region, timezone, None if services is None else tuple(services), bool(alerts)
        )

    async def set_region(self, user_id: int, region: str | None) -> None:
        await self.session.execute(update(m.User).where(m.User.id == user_id).values(region=region))

    async def set_timezone(self, user_id: int, timezone: str | None) -> None:
        await self.session.execute(
            update(m.User).where(m.User.id == user_id).values(timezone=timezone)
        )

    async def set_services(self, user_id: int, services: Sequence[str] | None) -> None:
        value = None if services is None else list(services)
        await self.session.execute(
            update(m.User).where(m.User.id == user_id).values(services=value)
        )


class RatingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int, title_id: int) -> StoredRating | None:
        row = (
            await self.session.execute(_GET_RATING, {"user_id": user_id, "title_id": title_id})
        ).one_or_none()
        return None if row is None else StoredRating(*row)

    async def upsert(
        self,
        user_id: int,
        title_id: int,
        half_stars: int,
        review: str | None,
        spoiler: bool,
        watched_on: date | None = None,
        replace_date: bool = False,
    ) -> None:
        """One rating per user and title: a new rating replaces the old one; its text replaces
        the old text, and a rating sent without text keeps the old text. `watched_on` is the
        diary date of a new rating; a re-rating keeps the earlier one unless `replace_date`."""
        now = m.utcnow()
        await self.session.execute(
            _upsert_rating(self.session),
            {
                "user_id": user_id,
                "title_id": title_id,
                "half_stars": half_stars,
                "review": review,
                "spoiler": spoiler,
                "watched_on": watched_on,
                "replace_date": replace_date,
                "created_at": now,
                "updated_at": now,
            },
        )

    async def rate(
        self,
        user_id: int,
        title_id: int,
        half_stars: int,
        review: str | None,
        spoiler: bool,
        watched_on: date | None = None,
        replace_date: bool = False,
    ) -> RatingChange:
        """Upsert a rating and report what changed, in two statements: one read of the title's
        tally (which also finds the user's previous rating), then the upsert. The summary after
        the write is computed from that tally, so no third statement reads it back; a rating
        committed by another process between the two statements can be missing from it, which
        only makes the shown summary one rating stale, like reading it in the same transaction."""
        params = {"user_id": user_id, "title_id": title_id}
        one_statement = sql.dialect(self.session) == "postgresql"
        if one_statement:
            # One round trip: the upsert runs as a data-modifying CTE, and the tally beside it
            # reads the snapshot from before it, which is exactly the "before" we need.
            now = m.utcnow()
            values = {
                "half_stars": half_stars,
                "review": review,
                "spoiler": spoiler,
                "watched_on": watched_on,
                "replace_date": replace_date,
            }
            rows = (
                await self.session.execute(
                    _PG_TALLY_AND_UPSERT,
                    {**params, **values, "created_at": now, "updated_at": now},
                )
            ).all()
        else:
            rows = (await self.session.execute(_TALLY, params)).all()
            await self.upsert(
                user_id, title_id, half_stars, review, spoiler, watched_on, replace_date
            )
        distribution = {int(h): int(n) for h, n, _mine, _day in rows}
        previous = next(((int(h), int(mine), day) for h, _n, mine, day in rows if mine), None)
        if previous is not None:
            distribution[previous[0]] -= 1
        distribution[half_stars] = distribution.get(half_stars, 0) + 1
        return RatingChange(
            previous_half_stars=None if previous is None else previous[0],
            previous_had_text=previous is not None and previous[1] == _MINE_WITH_TEXT,
            summary=_summary(distribution),
            previous_watched_on=None if previous is None else previous[2],
        )

    async def restore(self, user_id: int, rating: StoredRating) -> bool:
        """Put back a rating exactly as it was removed (Undo); False, writing nothing, when the
        member has rated the title again since."""
        if await self.get(user_id, rating.title_id) is not None:
            return False
        self.session.add(
            m.Rating(
                user_id=user_id,
                title_id=rating.title_id,
                half_stars=rating.half_stars,
                review=rating.review,
                spoiler=rating.spoiler,
                watched_on=rating.watched_on,
                created_at=rating.created_at or rating.updated_at,
                updated_at=rating.updated_at,
            )
        )
        await self.session.flush()
        return True

    async def remove(self, user_id: int, title_id: int) -> StoredRating | None:
        """Delete the user's rating (and its review) of the title; what was removed, if any."""
        removed = await self.get(user_id, title_id)
        if removed is not None:
            await self.session.execute(
                delete(m.Rating).where(m.Rating.user_id == user_id, m.Rating.title_id == title_id)
            )
        return removed

    async def summary(self, title_id: int) -> RatingSummary:
        rows = (
            await self.session.execute(
                _members_only(
                    select(m.Rating.half_stars, func.count())
                    .where(m.Rating.title_id == title_id)
                    .group_by(m.Rating.half_stars)
                )
            )
        ).all()
        return _summary({int(h): int(n) for h, n in rows})

    async def summaries(self, title_ids: Iterable[int]) -> dict[int, RatingSummary]:
        rows = await self.session.execute(
            _members_only(
                select(m.Rating.title_id, func.count(), func.avg(m.Rating.half_stars))
                .where(m.Rating.title_id.in_(list(title_ids)))
                .group_by(m.Rating.title_id)
            )
        )
        return {int(t): RatingSummary(int(n), float(avg)) for t, n, avg in rows}

    async def latest_reviews(self, title_id: int, limit: int) -> list[ReviewRecord]:
        rows = await self.session.execute(
            select(m.Rating, m.User.display_name)
            .join(m.User, m.User.id == m.Rating.user_id)
            .where(
                m.Rating.title_id == title_id,
                m.Rating.review.is_not(None),
                m.User.platform.not_in(IMPORTED_PLATFORMS),
            )
            .order_by(m.Rating.updated_at.desc(), m.Rating.id.desc())
            .limit(limit)
        )
        return [
            ReviewRecord(
                r.id, r.title_id, name, r.half_stars, r.review, r.spoiler, r.updated_at, r.user_id
            )
            for r, name in rows
        ]

    async def for_user(self, user_id: int) -> list[StoredRating]:
        rows = await self.session.execute(
            select(m.Rating)
            .where(m.Rating.user_id == user_id)
            .order_by(m.Rating.updated_at.desc(), m.Rating.id.desc())
        )
        return [
            StoredRating(
                r.title_id,
                r.half_stars,
                r.review,
                r.spoiler,
                r.updated_at,
                r.watched_on,
                r.created_at,
            )
            for r in rows.scalars()
        ]

    async def triples(self) -> list[RatingTriple]:
        rows = await self.session.execute(
            select(m.Rating.user_id, m.Rating.title_id, m.Rating.half_stars, m.Rating.updated_at)
        )
        return [
            RatingTriple(str(u), int(t), h / 2, at.timestamp() if at is not None else None)
            for u, t, h, at in rows
        ]

    async def fingerprint(self) -> tuple[int, str]:
        """Changes whenever a rating is added, changed or removed: (count, latest update)."""
        count, latest = (
            await self.session.execute(select(func.count(), func.max(m.Rating.updated_at)))
        ).one()
        return int(count), str(latest)


def _summary(distribution: dict[int, int]) -> RatingSummary:
    """Count, average and distribution from half stars -> how many (empty buckets dropped)."""
    distribution = {h: n for h, n in distribution.items() if n}
    count = sum(distribution.values())
    if not count:
        return RatingSummary()
    return RatingSummary(count, sum(h * n for h, n in distribution.items()) / count, distribution)


def _members_only(stmt: _Select) -> _Select:
    """Chat members' ratings only: imported data-set users (MovieLens) are not members."""
    return stmt.join(m.User, m.User.id == m.Rating.user_id).where(
        m.User.platform.not_in(IMPORTED_PLATFORMS)
    )


# /review is the hot write path: its statements are built once, not on every call.
_RATINGS: Table = m.Rating.__table__  # type: ignore[assignment]
_USERS: Table = m.User.__table__  # type: ignore[assignment]
_GET_RATING = select(
    _RATINGS.c.title_id,
    _RATINGS.c.half_stars,
    _RATINGS.c.review,
    _RATINGS.c.spoiler,
    _RATINGS.c.updated_at,
    _RATINGS.c.watched_on,
    _RATINGS.c.created_at,
).where(_RATINGS.c.user_id == bindparam("user_id"), _RATINGS.c.title_id == bindparam("title_id"))
_UPSERT_RATING: dict[str, Any] = {}
# Per half-star value: how many, and whether the given user's rating is among them (1: without
# review text, 2: with text; 0: not theirs).
_MINE_WITH_TEXT = 2
_TALLY = (
    select(
        _RATINGS.c.half_stars,
        func.count(),
        func.max(
            case(
                (
                    _RATINGS.c.user_id == bindparam("user_id"),
                    case((_RATINGS.c.review.is_(None), 1), else_=_MINE_WITH_TEXT),
                ),
                else_=0,
            )
        ),
        # The given user's diary date (None in the other rows).
        func.max(case((_RATINGS.c.user_id == bindparam("user_id"), _RATINGS.c.watched_on))),
    )
    # Members only, like summary(): imported data-set users (MovieLens) are not members.
    .join(_USERS, _USERS.c.id == _RATINGS.c.user_id)
    .where(
        _RATINGS.c.title_id == bindparam("title_id"), _USERS.c.platform.not_in(IMPORTED_PLATFORMS)
    )
    .group_by(_RATINGS.c.half_stars)
)


def _rating_upsert(insert: Any) -> Any:
    new = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=["user_id", "title_id"],
        set_={
            "half_stars": new.half_stars,
            "updated_at": new.updated_at,
            # A new rating without text keeps the earlier review (and its spoiler flag).
            "review": func.coalesce(new.review, _RATINGS.c.review),
            "spoiler": case((new.review.is_(None), _RATINGS.c.spoiler), else_=new.spoiler),
            # A re-rating keeps its diary date unless a new one was given (--on).
            "watched_on": case(
                (bindparam("replace_date", type_=Boolean), new.watched_on),
                else_=_RATINGS.c.watched_on,
            ),
        },
    )


# PostgreSQL: the tally and the upsert in one statement (see RatingRepository.rate).
_PG_TALLY_AND_UPSERT = _TALLY.add_cte(
    _rating_upsert(
        postgresql.insert(_RATINGS).values(
            {
                c: bindparam(c)
                for c in ("user_id", "title_id", "half_stars", "review", "spoiler", "watched_on")
            }
            | {"created_at": bindparam("created_at"), "updated_at": bindparam("updated_at")}
        )
    ).cte("rated")
)


def _upsert_rating(session: AsyncSession) -> Any:
    dialect = sql.dialect(session)
    if dialect not in _UPSERT_RATING:
        _UPSERT_RATING[dialect] = _rating_upsert(sql.insert(session, _RATINGS))
    return _UPSERT_RATING[dialect]


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, platform: str, platform_chat_id: str, name: str | None) -> ChatSettings:
        stmt = sql.insert(self.session, m.Chat).values(
            platform=platform, platform_chat_id=platform_chat_id, name=name, services=[]
        )
        await self.session.execute(stmt.on_conflict_do_nothing())
        chat = (
            await self.session.execute(
                select(m.Chat).where(
                    m.Chat.platform == platform, m.Chat.platform_chat_id == platform_chat_id
                )
            )
        ).scalar_one()
        return ChatSettings(
            chat.id, chat.region, chat.timezone, chat.language, tuple(chat.services or ())
        )

    async def set_region(self, chat_id: int, region: str | None) -> None:
        await self.session.execute(update(m.Chat).where(m.Chat.id == chat_id).values(region=region))


class Repositories:
    """Everything one unit of work can touch, over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.catalog = CatalogRepository(session)
        self.users = UserRepository(session)
        self.ratings = RatingRepository(session)
        self.chats = ChatRepository(session)
        self.meta = MetaRepository(session)
        self.parties = WatchPartyRepository(session)
        self.curation = CurationRepository(session, self.catalog)
        self.watchlist = WatchlistRepository(session)
        self.alerts = AlertRepository(session)
