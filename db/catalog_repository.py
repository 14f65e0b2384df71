"""The catalog's own tables: titles and their facts, offers, the catalog revision every
snapshot is keyed by (MetaRepository holds small key/value facts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    Integer,
    Select,
    String,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql
from db.records import (
    TitleSpec,
)
from recommender.models import Offer, TitleFacts

CATALOG_REVISION = "catalog_revision"
# PostgreSQL channel that every catalog revision bump notifies (payload: the new revision);
# bot/core/snapshot_sync.py listens on it.
CATALOG_CHANNEL = "reelbot_catalog"


_Select = TypeVar("_Select", bound=Select[*tuple[Any, ...]])


# The Title columns that become TitleFacts.
_TITLE_COLUMNS = (
    "id",
    "name",
    "year",
    "kind",
    "original_name",
    "countries",
    "languages",
    "synopsis",
    "runtime_minutes",
    "episodes",
    "poster_url",
    "original_id",
    "vote_count",
)


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

        listed_by: dict[int, set[str]] = defaultdict(set)
        for tid, source in await self.session.execute(
            only(select(m.TitleSource.title_id, m.TitleSource.source), m.TitleSource.title_id)
        ):
            listed_by[tid].add(source)

        # The columns, not ORM objects: a Title instance per row was most of this read on a
        # large catalog (130,000 titles).
        columns = [getattr(m.Title, name) for name in _TITLE_COLUMNS]
        rows = await self.session.execute(only(select(*columns).order_by(m.Title.id), m.Title.id))
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
                vote_count=t.vote_count,
                listed_by=tuple(sorted(listed_by.get(t.id, ()))),
            )
            for t in rows
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
        """Tell every process's catalog cache that titles changed. On PostgreSQL the bump is
        also a NOTIFY in the same transaction, so listeners hear of it when it commits (and
        never of one rolled back)."""
        await self._meta.increment(CATALOG_REVISION)
        if sql.dialect(self.session) == "postgresql":
            await self.session.execute(
                select(func.pg_notify(CATALOG_CHANNEL, m.Meta.value)).where(
                    m.Meta.key == CATALOG_REVISION
                )
            )

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
