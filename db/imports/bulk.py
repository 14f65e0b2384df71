"""Batched writes for imports: one multi-row statement per table per batch instead of an ORM
object per row, with ON CONFLICT so re-running an import writes nothing new.

Genres, themes and people are written under one spelling per name: "crime" joins the existing
"Crime", "PARK CHAN-wook" the existing "Park Chan-wook" (the spelling first stored wins)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db import sql
from db.imports.formats.values import label_key, person_key, person_name
from db.imports.index import FILLABLE, Pending
from db.records import TitleSpec

# Column limits, so PostgreSQL (which enforces VARCHAR lengths) and SQLite accept the same data.
NAME_CHARS = 300
PERSON_CHARS = 200
THEME_CHARS = 120
GENRE_CHARS = 80
CHUNK = 500  # names per IN (...) lookup

_TITLES: Table = m.Title.__table__  # type: ignore[assignment]


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


def provider_slug(name: str) -> str:
    """The same slug CatalogRepository uses, so imports and the starter share providers."""
    return "".join(ch for ch in name.casefold() if ch.isalnum()) or name


class BulkWriter:
    """Collects rows for every catalog table and writes them a batch at a time."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.new: list[Pending] = []
        self.sources: list[tuple[int | Pending, str, str]] = []
        self.aliases: list[tuple[int | Pending, str]] = []
        self.genres: list[tuple[int | Pending, str]] = []
        self.themes: list[tuple[int | Pending, str]] = []
        self.people: list[tuple[int | Pending, str, str, int]] = []
        self.offers: list[tuple[int | Pending, str, str, str, date, str | None, str]] = []
        self.fills: dict[int, dict[str, Any]] = {}
        self._ids: dict[tuple[str, str], int] = {}
        # table -> name key -> the spelling stored (loaded on first use)
        self._spellings: dict[str, dict[str, str]] = {}
        # table -> name as a source wrote it -> the spelling it is stored under
        self._chosen: dict[str, dict[str, str]] = {}

    def pending(self) -> int:
        return len(self.new) + len(self.sources) + len(self.offers) + len(self.fills)

    def add_title(self, pending: Pending) -> None:
        self.new.append(pending)

    def add_facts(
        self,
        ref: int | Pending,
        spec: TitleSpec,
        lists: Iterable[str],
        start: Mapping[str, int] | None = None,
    ) -> None:
        """Genres, themes and people of `spec`, for the lists named in `lists`; people of each
        role are numbered from `start[role]` (after those the title already lists)."""
        wanted = set(lists)
        first = start or {}
        if "genres" in wanted:
            self.genres.extend(
                (ref, g) for g in dict.fromkeys(spec.genres) if len(g) <= GENRE_CHARS
            )
        if "themes" in wanted:
            self.themes.extend(
                (ref, t) for t in dict.fromkeys(spec.themes) if len(t) <= THEME_CHARS
            )
        if "people" in wanted:
            for role, names in (
                ("director", spec.directors),
                ("writer", spec.writers),
                ("cast", spec.cast),
            ):
                people = [n for n in dict.fromkeys(names) if len(n) <= PERSON_CHARS]
                offset = first.get(role, 0)
                self.people.extend((ref, name, role, offset + i) for i, name in enumerate(people))

    async def flush(self) -> None:
        if self.new:
            await self._insert_titles()
        await self._insert_links()
        if self.fills:
            await self._fill()

    # -- the statements ----------------------------------------------------------------------

    async def _insert_titles(self) -> None:
        now = m.utcnow()
        rows = [
            {
                "name": p.spec.name,
                "original_name": (p.spec.original_name or None)
                and p.spec.original_name[:NAME_CHARS],
                "year": p.spec.year,
                "kind": p.spec.kind,
                "synopsis": p.spec.synopsis,
                "countries": list(p.spec.countries),
                "languages": list(p.spec.languages),
                "runtime_minutes": p.spec.runtime_minutes,
                "episodes": p.spec.episodes,
                "poster_url": p.spec.poster_url,
                "popularity": p.spec.popularity,
                "vote_count": p.spec.vote_count,
                "created_at": now,
                "updated_at": now,
            }
            for p in self.new
        ]
        result = await self.session.execute(
            insert(_TITLES).returning(_TITLES.c.id, sort_by_parameter_order=True), rows
        )
        for pending, tid in zip(self.new, result.scalars().all(), strict=True):
            pending.id = tid
            self.sources.extend((pending, s, e) for s, e in pending.sources)
            spec = pending.spec
            self.aliases.extend((pending, a) for a in spec.aliases if a != spec.name)
            self.add_facts(pending, spec, ("genres", "themes", "people"))
            self.offers.extend(
                (pending, o.provider, o.region, o.kind, o.as_of, o.link, pending.sources[0][0])
                for o in spec.offers
            )
        self.new = []

    async def _insert_links(self) -> None:
        await self._many(
            _t(m.TitleSource),
            [
                {"title_id": _id(r), "source": s[:50], "external_id": e[:200]}
                for r, s, e in self.sources
            ],
        )
        await self._many(
            _t(m.TitleAlias),
            [
                {"title_id": _id(r), "alias": a}
                for r, a in dict.fromkeys((_id(r), a) for r, a in self.aliases)
                if 0 < len(a) <= NAME_CHARS
            ],
        )
        genre_ids = await self._spelled_ids(m.Genre, {g for _, g in self.genres}, label_key)
        await self._many(
            _t(m.TitleGenre),
            [
                {"title_id": t, "genre_id": g}
                for t, g in dict.fromkeys((_id(r), genre_ids[n]) for r, n in self.genres)
            ],
        )
        theme_ids = await self._spelled_ids(m.Theme, {t for _, t in self.themes}, label_key)
        await self._many(
            _t(m.TitleTheme),
            [
                {"title_id": t, "theme_id": h}
                for t, h in dict.fromkeys((_id(r), theme_ids[n]) for r, n in self.themes)
            ],
        )
        person_ids = await self._spelled_ids(
            m.Person, {p for _, p, _, _ in self.people}, person_key, person_name
        )
        people: dict[tuple[int, int, str], int] = {}
        for r, name, role, position in self.people:
            people.setdefault((_id(r), person_ids[name], role), position)
        await self._many(
            _t(m.TitlePerson),
            [
                {"title_id": t, "person_id": p, "role": role, "position": pos}
                for (t, p, role), pos in people.items()
            ],
        )
        await self._write_offers()
        self.sources, self.aliases, self.genres, self.themes, self.people = [], [], [], [], []

    async def _write_offers(self) -> None:
        if not self.offers:
            return
        provider_ids = {name: await self._provider_id(name) for name in {o[1] for o in self.offers}}
        rows: dict[tuple[int, int, str, str], dict[str, Any]] = {}
        for ref, provider, region, kind, as_of, link, source in self.offers:
            key = (_id(ref), provider_ids[provider], region.upper(), kind)
            rows[key] = {
                "title_id": key[0],
                "provider_id": key[1],
                "region": key[2],
                "kind": kind,
                "as_of": as_of,
                "link": link,
                "source": source[:100],
            }
        table = _t(m.Availability)
        stmt = sql.insert(self.session, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["title_id", "provider_id", "region", "kind"],
            set_={
                "as_of": stmt.excluded.as_of,
                "link": func.coalesce(stmt.excluded.link, table.c.link),
            },
            # Only a newer listing moves the date: re-running the same import changes nothing.
            where=stmt.excluded.as_of > table.c.as_of,
        )
        await self.session.execute(stmt, list(rows.values()))
        self.offers = []

    async def _fill(self) -> None:
        """Fill facts a title lacks; COALESCE keeps anything an admin set meanwhile."""
        for columns, group in _group_by_columns(self.fills).items():
            values = {
                c: bindparam(f"new_{c}", type_=_TITLES.c[c].type)
                if c in ("countries", "languages")  # JSON lists: empty, not NULL
                else func.coalesce(_TITLES.c[c], bindparam(f"new_{c}"))
                for c in columns
            }
            stmt = (
                update(_TITLES)
                .where(_TITLES.c.id == bindparam("tid"))
                .values(**values, updated_at=bindparam("now"))
            )
            now = m.utcnow()
            params = [
                {"tid": tid, "now": now, **{f"new_{c}": v for c, v in fill.items()}}
                for tid, fill in group
            ]
            conn = await self.session.connection()
            await conn.execute(stmt, params)
        self.fills = {}

    async def _many(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                sql.insert(self.session, table).on_conflict_do_nothing(), rows
            )

    async def _spelled_ids(
        self,
        model: Any,
        names: set[str],
        key: Callable[[str], str],
        display: Callable[[str], str] = str,
    ) -> dict[str, int]:
        """Each name's row id, under the spelling already stored for its key (or the name, as
        `display` writes it, when the key is new)."""
        kind = model.__tablename__
        spellings = self._spellings.get(kind)
        if spellings is None:
            spellings = {}
            for (stored,) in await self.session.execute(select(model.name).order_by(model.id)):
                spellings.setdefault(key(stored) or stored, stored)
            self._spellings[kind] = spellings
        chosen = self._chosen.setdefault(kind, {})
        for name in names:
            if name not in chosen:
                shown = display(name)
                chosen[name] = spellings.setdefault(key(shown) or shown, shown)
        ids = await self._name_ids(model, {chosen[n] for n in names})
        return {name: ids[chosen[name]] for name in names}

    async def _name_ids(self, model: Any, names: set[str]) -> dict[str, int]:
        kind = model.__tablename__
        missing = [n for n in names if (kind, n) not in self._ids]
        if missing:
            await self._many(_t(model), [{"name": n} for n in sorted(missing)])
            for start in range(0, len(missing), CHUNK):
                chunk = missing[start : start + CHUNK]
                found = await self.session.execute(
                    select(model.name, model.id).where(model.name.in_(chunk))
                )
                for name, nid in found:
                    self._ids[(kind, name)] = nid
        return {n: self._ids[(kind, n)] for n in names}

    async def _provider_id(self, name: str) -> int:
        key = ("providers", name)
        if key not in self._ids:
            slug = provider_slug(name)
            stmt = sql.insert(self.session, _t(m.Provider)).values(slug=slug, name=name[:100])
            await self.session.execute(stmt.on_conflict_do_nothing())
            found = await self.session.scalar(select(m.Provider.id).where(m.Provider.slug == slug))
            assert found is not None
            self._ids[key] = found
        return self._ids[key]


def _id(ref: int | Pending) -> int:
    if isinstance(ref, Pending):
        assert ref.id is not None, "a pending title is written before its links"
        return ref.id
    return ref


def _group_by_columns(
    fills: dict[int, dict[str, Any]],
) -> dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]]:
    """One UPDATE statement per set of filled columns (an executemany needs one shape)."""
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for tid, fill in fills.items():
        columns = tuple(c for c in (*FILLABLE, "countries", "languages") if c in fill)
        if columns:
            groups.setdefault(columns, []).append((tid, fill))
    return groups
