"""What the importer needs to know about the catalog already there, loaded once per import:
every title's merge keys, its recorded sources, which of its facts are still empty, and how
many people each role already lists (merged-in people are appended after them)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import models as m
from db.imports.formats.values import credit_key, title_key
from db.records import TitleSpec

# The facts an import may fill in on a title that lacks them (never overwriting).
FILLABLE = (
    "original_name", "synopsis", "runtime_minutes", "episodes", "poster_url", "popularity",
    "vote_count",
)  # fmt: skip
# Catalogs whose ids name one work: two titles holding different ids of one of them are two
# works, however alike their names (two 2005 "War of the Worlds" with their own IMDb ids).
IDENTITY_SOURCES = frozenset({"imdb", "tmdb"})
DOCUMENTARY = "Documentary"


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
    # title id -> the facts it still lacks (FILLABLE columns, countries, languages)
    empty: dict[int, set[str]] = field(default_factory=dict)
    # each title's ids in IDENTITY_SOURCES
    identity: dict[TitleRef, set[tuple[str, str]]] = field(default_factory=dict)
    documentaries: set[TitleRef] = field(default_factory=set)
    # (title id, role) -> how many people the title lists in that role
    people: dict[tuple[int, str], int] = field(default_factory=dict)
    # (title id, role) -> the credit_key of each person listed there (worked out on first use)
    credits: dict[tuple[int, str], set[str]] = field(default_factory=dict)
    # (title id, role) -> the people listed there; person id -> name
    listed: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    person_names: dict[int, str] = field(default_factory=dict)

    def credited(self, tid: int, role: str) -> set[str]:
        """The credit keys of the people `tid` lists in `role` (kept up to date by callers)."""
        key = (tid, role)
        if key not in self.credits:
            names = self.person_names
            self.credits[key] = {credit_key(names[p]) for p in self.listed.get(key, ())}
        return self.credits[key]

    def add_source(self, ref: TitleRef, key: tuple[str, str]) -> None:
        self.by_source.setdefault(key, ref)
        if key[0] in IDENTITY_SOURCES:
            self.identity.setdefault(ref, set()).add(key)

    def conflicts(self, ref: TitleRef, ids: Sequence[tuple[str, str]]) -> bool:
        """Whether `ref` and these ids name different works in one identity catalog: both
        have ids there, and none in common."""
        theirs = self.identity.get(ref)
        if not theirs:
            return False
        for catalog in {s for s, _ in ids if s in IDENTITY_SOURCES}:
            mine = {v for s, v in ids if s == catalog}
            known = {v for s, v in theirs if s == catalog}
            if known and not mine & known:
                return True
        return False

    def add_keys(self, ref: TitleRef, names: list[str], year: int | None, kind: str) -> None:
        for name in dict.fromkeys(names):
            if name:
                refs = self.by_key.setdefault((title_key(name), year, kind), [])
                if ref not in refs:
                    refs.append(ref)

    def find(
        self,
        names: list[str],
        year: int | None,
        kind: str,
        countries: Sequence[str] = (),
        accept: Callable[[TitleRef], bool] | None = None,
    ) -> TitleRef | None:
        """The title these names, year and kind mean. Two titles made in different countries
        are different titles even with one name and year (remakes often share both), so a
        candidate from another country never matches; one from the same country wins.
        `accept` rules out candidates the caller knows to be other works."""
        wanted = set(countries)
        for name in names:
            refs = self.by_key.get((title_key(name), year, kind)) if name else None
            if not refs:
                continue
            fallback: TitleRef | None = None
            for ref in refs:
                if accept is not None and not accept(ref):
                    continue
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
    index.documentaries.update(
        (
            await session.execute(
                select(m.TitleGenre.title_id)
                .join(m.Genre, m.Genre.id == m.TitleGenre.genre_id)
                .where(func.lower(m.Genre.name) == DOCUMENTARY.casefold())
            )
        ).scalars()
    )
    people = select(
        m.TitlePerson.title_id, m.TitlePerson.role, m.TitlePerson.position, m.TitlePerson.person_id
    )
    for tid, role, position, person in await session.execute(people):
        key = (tid, role)
        index.people[key] = max(index.people.get(key, 0), position + 1)
        index.listed.setdefault(key, []).append(person)
    index.person_names = dict(
        (pid, name) for pid, name in await session.execute(select(m.Person.id, m.Person.name))
    )
    for tid, name, original, year, kind, countries, languages, *nulls in titles:
        index.names[tid] = name
        index.countries[tid] = list(countries or [])
        index.add_keys(tid, [name, original or "", *aliases.get(tid, [])], year, kind)
        empty = {f for f, null in zip(FILLABLE, nulls, strict=True) if null}
        if not countries:
            empty.add("countries")
        if not languages:
            empty.add("languages")
        index.empty[tid] = empty
    for source, external_id, tid in await session.execute(
        select(m.TitleSource.source, m.TitleSource.external_id, m.TitleSource.title_id)
    ):
        index.add_source(tid, (source, external_id))
    return index
