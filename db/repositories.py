"""Repositories over one AsyncSession. They never commit: the unit of work does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    Integer,
    Select,
    String,
    Table,
    bindparam,
    case,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql
from db.curation_repository import CurationRepository
from db.records import (
    IMPORTED_PLATFORMS,
    ChatSettings,
    MemberSettings,
    RatingChange,
    RatingSummary,
    ReviewRecord,
    StoredRating,
    TitleSpec,
)
from db.watch_party_repository import WatchPartyRepository
from recommender.models import Offer, RatingTriple, TitleFacts

CATALOG_REVISION = "catalog_revision"
_Select = TypeVar("_Select", bound=Select[*tuple[Any, ...]])


class MetaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_int(self, key: str) -> int:
        value = await self.session.scalar(select(m.Meta.value).where(m.Meta.key == key))
        return int(value) if value is not None else 0

    async def increment(self, key: str) -> None:
        stmt = sql.insert(self.session, m.Meta).values(key=key, value="1")
        # String column, so increment through a cast that both dialects understand.
        stmt = stmt.on_conflict_do_update(
            index_elements=[m.Meta.key],
            set_={"value": cast(cast(m.Meta.value, Integer) + 1, String)},
        )
        await self.session.execute(stmt)


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._meta = MetaRepository(session)
        self._ids: dict[tuple[type[Any], str], int] = {}

    # -- reading -----------------------------------------------------------------------------

    async def revision(self) -> int:
        return await self._meta.get_int(CATALOG_REVISION)

    async def count_titles(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(m.Title)) or 0)

    async def last_title_id(self) -> int:
        """The newest title's id (0: none); `title_ids_after` it lists the titles added since."""
        return int(await self.session.scalar(select(func.max(m.Title.id))) or 0)

    async def title_ids_after(self, title_id: int) -> list[int]:
        """Ids of the titles added after that one (ids only grow), in order."""
        rows = await self.session.scalars(
            select(m.Title.id).where(m.Title.id > title_id).order_by(m.Title.id)
        )
        return list(rows)

    async def load_titles(self, ids: Sequence[int] | None = None) -> list[TitleFacts]:
        """Every title with aliases, genres, themes, people and links, in a handful of queries."""

        def only(stmt: _Select, column: Any) -> _Select:
            return stmt if ids is None else stmt.where(column.in_(ids))

        aliases: dict[int, list[str]] = defaultdict(list)
        for tid, alias in await self.session.execute(
            only(select(m.TitleAlias.title_id, m.TitleAlias.alias), m.TitleAlias.title_id).order_by(
                m.TitleAlias.id
            )
        ):
            aliases[tid].append(alias)
        genres = await self._names(m.TitleGenre, m.Genre, m.TitleGenre.genre_id, ids)
        themes = await self._names(m.TitleTheme, m.Theme, m.TitleTheme.theme_id, ids)
        people: dict[tuple[int, str], list[str]] = defaultdict(list)
        for tid, role, name in await self.session.execute(
            only(
                select(m.TitlePerson.title_id, m.TitlePerson.role, m.Person.name)
                .join(m.Person, m.Person.id == m.TitlePerson.person_id)
                .order_by(m.TitlePerson.title_id, m.TitlePerson.position),
                m.TitlePerson.title_id,
            )
        ):
            people[(tid, role)].append(name)
        related: dict[int, list[int]] = defaultdict(list)
        for tid, rid in await self.session.execute(
            only(
                select(m.TitleRelation.title_id, m.TitleRelation.related_id),
                m.TitleRelation.title_id,
            )
        ):
            related[tid].append(rid)

        rows = await self.session.execute(only(select(m.Title).order_by(m.Title.id), m.Title.id))
        return [
            TitleFacts(
                id=t.id,
                name=t.name,
                year=t.year,
                kind=t.kind,
                original_name=t.original_name,
                aliases=tuple(aliases.get(t.id, ())),
                countries=tuple(t.countries or ()),
                languages=tuple(t.languages or ()),
                genres=tuple(genres.get(t.id, ())),
                themes=tuple(themes.get(t.id, ())),
                directors=tuple(people.get((t.id, "director"), ())),
                writers=tuple(people.get((t.id, "writer"), ())),
                cast=tuple(people.get((t.id, "cast"), ())),
                synopsis=t.synopsis,
                runtime_minutes=t.runtime_minutes,
                episodes=t.episodes,
                poster_url=t.poster_url,
                original_id=t.original_id,
                compares_with=tuple(related.get(t.id, ())),
            )
            for t in rows.scalars()
        ]

    async def _names(
        self, link: Any, named: Any, fk: Any, ids: Sequence[int] | None
    ) -> dict[int, list[str]]:
        stmt = select(link.title_id, named.name).join(named, named.id == fk).order_by(named.name)
        if ids is not None:
            stmt = stmt.where(link.title_id.in_(ids))
        out: dict[int, list[str]] = defaultdict(list)
        for tid, name in await self.session.execute(stmt):
            out[tid].append(name)
        return out

    async def load_offers(self, title_ids: Iterable[int] | None = None) -> dict[int, list[Offer]]:
        stmt = (
            select(
                m.Availability.title_id,
                m.Provider.name,
                m.Availability.region,
                m.Availability.kind,
                m.Availability.as_of,
                m.Availability.link,
                m.Availability.source,
            )
            .join(m.Provider, m.Provider.id == m.Availability.provider_id)
            .order_by(m.Availability.title_id, m.Provider.name, m.Availability.region)
        )
        if title_ids is not None:
            stmt = stmt.where(m.Availability.title_id.in_(list(title_ids)))
        out: dict[int, list[Offer]] = defaultdict(list)
        for tid, provider, region, kind, as_of, link, source in await self.session.execute(stmt):
            out[tid].append(Offer(provider, region, kind, as_of, link, source))
        return dict(out)

    async def source_names(self) -> dict[int, set[str]]:
        """title id -> the catalogs it was imported from (notability counts the listings)."""
        out: dict[int, set[str]] = defaultdict(set)
        for tid, source in await self.session.execute(
            select(m.TitleSource.title_id, m.TitleSource.source).distinct()
        ):
            out[tid].add(source)
        return dict(out)

    async def tmdb_audience(self) -> dict[int, tuple[float | None, float | None]]:
        """title id -> (TMDB vote count, TMDB popularity), for titles that have either."""
        rows = await self.session.execute(
            select(m.Title.id, m.Title.vote_count, m.Title.popularity).where(
                or_(m.Title.vote_count.is_not(None), m.Title.popularity.is_not(None))
            )
        )
        return {
            int(tid): (None if v is None else float(v), None if p is None else float(p))
            for tid, v, p in rows
        }

    async def title_id_for_source(self, source: str, external_id: str) -> int | None:
        return await self.session.scalar(
            select(m.TitleSource.title_id).where(
                m.TitleSource.source == source, m.TitleSource.external_id == external_id
            )
        )

    # -- writing -----------------------------------------------------------------------------

    async def bump_revision(self) -> None:
        """Tell every process's catalog cache that titles changed."""
        await self._meta.increment(CATALOG_REVISION)

    async def add_title(self, spec: TitleSpec, *, source: str, external_id: str) -> int:
        title = m.Title(
            name=spec.name,
            original_name=spec.original_name,
            year=spec.year,
            kind=spec.kind,
            synopsis=spec.synopsis,
            countries=list(spec.countries),
            languages=list(spec.languages),
            runtime_minutes=spec.runtime_minutes,
            episodes=spec.episodes,
            poster_url=spec.poster_url,
        )
        self.session.add(title)
        await self.session.flush()
        tid = title.id
        self.session.add(m.TitleSource(title_id=tid, source=source, external_id=external_id))
        for alias in dict.fromkeys(a for a in spec.aliases if a and a != spec.name):
            self.session.add(m.TitleAlias(title_id=tid, alias=alias))
        for name in dict.fromkeys(spec.genres):
            self.session.add(m.TitleGenre(title_id=tid, genre_id=await self._id(m.Genre, name)))
        for name in dict.fromkeys(spec.themes):
            self.session.add(m.TitleTheme(title_id=tid, theme_id=await self._id(m.Theme, name)))
        for role, names in (
            ("director", spec.directors),
            ("writer", spec.writers),
            ("cast", spec.cast),
        ):
            for position, name in enumerate(dict.fromkeys(names)):
                person = await self._id(m.Person, name)
                self.session.add(
                    m.TitlePerson(title_id=tid, person_id=person, role=role, position=position)
                )
        for offer in spec.offers:
            await self.add_offer(
                tid, offer.provider, offer.region, offer.kind, offer.as_of, offer.link, source
            )
        await self.session.flush()
        return tid

    async def add_offer(
        self,
        title_id: int,
        provider: str,
        region: str,
        kind: str,
        as_of: Any,
        link: str | None,
        source: str,
    ) -> None:
        provider_id = await self._provider_id(provider)
        stmt = sql.insert(self.session, m.Availability).values(
            title_id=title_id,
            provider_id=provider_id,
            region=region.upper(),
            kind=kind,
            as_of=as_of,
            link=link,
            source=source,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["title_id", "provider_id", "region", "kind"],
                set_={"as_of": stmt.excluded.as_of, "link": stmt.excluded.link},
            )
        )

    async def set_original(self, title_id: int, original_id: int | None) -> None:
        await self.session.execute(
            update(m.Title).where(m.Title.id == title_id).values(original_id=original_id)
        )

    async def link(self, title_id: int, related_id: int, kind: str, source: str) -> None:
        stmt = sql.insert(self.session, m.TitleRelation).values(
            title_id=title_id, related_id=related_id, kind=kind, source=source
        )
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def remove_title(self, title_id: int) -> None:
        await self.session.execute(delete(m.Title).where(m.Title.id == title_id))

    async def _id(self, model: Any, name: str) -> int:
        key = (model, name)
        if key not in self._ids:
            stmt = sql.insert(self.session, model).values(name=name).on_conflict_do_nothing()
            await self.session.execute(stmt)
            found = await self.session.scalar(select(model.id).where(model.name == name))
            assert found is not None
            self._ids[key] = found
        return self._ids[key]

    async def _provider_id(self, name: str) -> int:
        key = (m.Provider, name)
        if key not in self._ids:
            slug = "".join(ch for ch in name.casefold() if ch.isalnum()) or name
            stmt = sql.insert(self.session, m.Provider).values(slug=slug, name=name)
            await self.session.execute(stmt.on_conflict_do_nothing())
            found = await self.session.scalar(select(m.Provider.id).where(m.Provider.slug == slug))
            assert found is not None
            self._ids[key] = found
        return self._ids[key]


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
                select(m.User.region, m.User.timezone, m.User.services).where(
                    m.User.platform == platform, m.User.platform_user_id == platform_user_id
                )
            )
        ).first()
        if row is None:
            return MemberSettings()
        region, timezone, services = row
        return MemberSettings(region, timezone, None if services is None else tuple(services))

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
        self, user_id: int, title_id: int, half_stars: int, review: str | None, spoiler: bool
    ) -> None:
        """One rating per user and title: a new rating replaces the old one; its text replaces
        the old text, and a rating sent without text keeps the old text."""
        now = m.utcnow()
        await self.session.execute(
            _upsert_rating(self.session),
            {
                "user_id": user_id,
                "title_id": title_id,
                "half_stars": half_stars,
                "review": review,
                "spoiler": spoiler,
                "created_at": now,
                "updated_at": now,
            },
        )

    async def rate(
        self, user_id: int, title_id: int, half_stars: int, review: str | None, spoiler: bool
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
            values = {"half_stars": half_stars, "review": review, "spoiler": spoiler}
            rows = (
                await self.session.execute(
                    _PG_TALLY_AND_UPSERT,
                    {**params, **values, "created_at": now, "updated_at": now},
                )
            ).all()
        else:
            rows = (await self.session.execute(_TALLY, params)).all()
            await self.upsert(user_id, title_id, half_stars, review, spoiler)
        distribution = {int(h): int(n) for h, n, _mine in rows}
        previous = next(((int(h), int(mine)) for h, _n, mine in rows if mine), None)
        if previous is not None:
            distribution[previous[0]] -= 1
        distribution[half_stars] = distribution.get(half_stars, 0) + 1
        return RatingChange(
            previous_half_stars=None if previous is None else previous[0],
            previous_had_text=previous is not None and previous[1] == _MINE_WITH_TEXT,
            summary=_summary(distribution),
        )

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
            ReviewRecord(r.id, r.title_id, name, r.half_stars, r.review, r.spoiler, r.updated_at)
            for r, name in rows
        ]

    async def for_user(self, user_id: int) -> list[StoredRating]:
        rows = await self.session.execute(
            select(m.Rating)
            .where(m.Rating.user_id == user_id)
            .order_by(m.Rating.updated_at.desc(), m.Rating.id.desc())
        )
        return [
            StoredRating(r.title_id, r.half_stars, r.review, r.spoiler, r.updated_at)
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
        },
    )


# PostgreSQL: the tally and the upsert in one statement (see RatingRepository.rate).
_PG_TALLY_AND_UPSERT = _TALLY.add_cte(
    _rating_upsert(
        postgresql.insert(_RATINGS).values(
            {c: bindparam(c) for c in ("user_id", "title_id", "half_stars", "review", "spoiler")}
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
