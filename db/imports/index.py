"""What the importer needs to know about the catalog already there, loaded once per import:
every title's merge keys, its recorded sources, and which of its facts are still empty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db.imports.formats.values import title_key
from db.records import TitleSpec

# The facts an import may fill in on a title that lacks them (never overwriting).
FILLABLE = (
    "original_name", "synopsis", "runtime_minutes", "episodes", "poster_url", "popularity",
    "vote_count",
)  # fmt: skip
LISTS = ("countries", "languages", "genres", "themes", "people")


@dataclass(eq=False, slots=True)
class Pending:
    """A title this import adds; it gets its id when its batch is written."""

    spec: TitleSpec
    sources: list[tuple[str, str]]
    id: int | None = None


TitleRef = int | Pending


@dataclass(slots=True)
class CatalogIndex:
    by_source: dict[tuple[str, str], TitleRef] = field(default_factory=dict)
    # every title a (name key, year, kind) can mean: remakes in one year share a name
    by_key: dict[tuple[str, int | None, str], list[TitleRef]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    countries: dict[TitleRef, list[str]] = field(default_factory=dict)
    # title id -> the facts it still lacks (FILLABLE columns and LISTS)
    empty: dict[int, set[str]] = field(default_factory=dict)

    def add_keys(self, ref: TitleRef, names: list[str], year: int | None, kind: str) -> None:
        for name in dict.fromkeys(names):
            if name:
                refs = self.by_key.setdefault((title_key(name), year, kind), [])
                if ref not in refs:
                    refs.append(ref)

    def find(
        self, names: list[str], year: int | None, kind: str, countries: Sequence[str] = ()
    ) -> TitleRef | None:
        """The title these names, year and kind mean. Two titles made in different countries
        are different titles even with one name and year (remakes often share both), so a
        candidate from another country never matches; one from the same country wins."""
        wanted = set(countries)
        for name in names:
            refs = self.by_key.get((title_key(name), year, kind)) if name else None
            if not refs:
                continue
            fallback: TitleRef | None = None
            for ref in refs:
                theirs = set(self.countries.get(ref, ()))
                if wanted & theirs:
                    return ref
                if fallback is None and not (wanted and theirs):
                    fallback = ref
            if fallback is not None:
                return fallback
        return None


async def load_index(session: AsyncSession) -> CatalogIndex:
    index = CatalogIndex()
    titles = await session.execute(
        select(
            m.Title.id,
            m.Title.name,
            m.Title.original_name,
            m.Title.year,
            m.Title.kind,
            m.Title.countries,
            m.Title.languages,
            *(getattr(m.Title, f).is_(None) for f in FILLABLE),
        ).order_by(m.Title.id)
    )
    aliases: dict[int, list[str]] = {}
    for tid, alias in await session.execute(select(m.TitleAlias.title_id, m.TitleAlias.alias)):
        aliases.setdefault(tid, []).append(alias)
    filled: dict[str, set[int]] = {}
    for name, link in (
        ("genres", m.TitleGenre),
        ("themes", m.TitleTheme),
        ("people", m.TitlePerson),
    ):
        filled[name] = set((await session.execute(select(link.title_id).distinct())).scalars())
    for tid, name, original, year, kind, countries, languages, *nulls in titles:
        index.names[tid] = name
        index.countries[tid] = list(countries or [])
        index.add_keys(tid, [name, original or "", *aliases.get(tid, [])], year, kind)
        empty = {f for f, null in zip(FILLABLE, nulls, strict=True) if null}
        if not countries:
            empty.add("countries")
        if not languages:
            empty.add("languages")
        empty.update(n for n, ids in filled.items() if tid not in ids)
        index.empty[tid] = empty
    for source, external_id, tid in await session.execute(
        select(m.TitleSource.source, m.TitleSource.external_id, m.TitleSource.title_id)
    ):
        index.by_source[(source, external_id)] = tid
    return index
