"""The starter catalog shipped with reelbot: facts written by the team (titles, years, people,
genres, themes, where to watch), loaded on first start and by `reelbot seed starter`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from db.records import OfferSpec, TitleSpec
from db.repositories import Repositories

SOURCE = "starter"


@dataclass(frozen=True, slots=True)
class StarterTitle:
    key: str
    spec: TitleSpec
    remake_of: str | None
    compares_with: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SeedSummary:
    added: int
    existing: int
    links: int


def load_starter() -> list[StarterTitle]:
    """Every title in the shipped part files, validated (unique keys, links that resolve)."""
    titles: list[StarterTitle] = []
    for part in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if not part.name.endswith(".json"):
            continue
        data = json.loads(part.read_text(encoding="utf-8"))
        as_of = date.fromisoformat(data["as_of"])
        titles.extend(_parse(entry, as_of) for entry in data["titles"])
    keys = [t.key for t in titles]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"starter catalog repeats keys: {sorted(duplicates)}")
    known = set(keys)
    for t in titles:
        dangling = [k for k in (t.remake_of, *t.compares_with) if k and k not in known]
        if dangling:
            raise ValueError(f"starter title {t.key} links to unknown keys {dangling}")
    return titles


def _parse(entry: dict[str, Any], as_of: date) -> StarterTitle:
    people = entry.get("people") or {}
    spec = TitleSpec(
        name=entry["title"],
        year=entry.get("year"),
        kind=entry["kind"],
        original_name=entry.get("original_title"),
        aliases=list(entry.get("aliases") or []),
        countries=list(entry.get("countries") or []),
        languages=list(entry.get("languages") or []),
        genres=list(entry.get("genres") or []),
        themes=[t.casefold() for t in entry.get("themes") or []],
        directors=list(people.get("director") or []),
        writers=list(people.get("writer") or []),
        cast=list(people.get("cast") or []),
        synopsis=entry.get("synopsis"),
        runtime_minutes=entry.get("runtime_minutes"),
        episodes=entry.get("episodes"),
        offers=[
            OfferSpec(o["provider"], o["region"].upper(), o["kind"], as_of, o.get("link"))
            for o in entry.get("availability") or []
        ],
    )
    return StarterTitle(
        key=entry["key"],
        spec=spec,
        remake_of=entry.get("remake_of"),
        compares_with=tuple(entry.get("compares_with") or ()),
    )


async def seed_starter(repos: Repositories) -> SeedSummary:
    """Idempotent: titles already seeded are kept as they are (admins may have edited them)."""
    titles = load_starter()
    ids: dict[str, int] = {}
    added = 0
    for t in titles:
        existing = await repos.catalog.title_id_for_source(SOURCE, t.key)
        if existing is None:
            ids[t.key] = await repos.catalog.add_title(t.spec, source=SOURCE, external_id=t.key)
            added += 1
        else:
            ids[t.key] = existing
    links = 0
    for t in titles:
        if t.key not in ids:
            continue
        if t.remake_of and t.remake_of in ids:
            await repos.catalog.set_original(ids[t.key], ids[t.remake_of])
        for other in t.compares_with:
            if other in ids:
                await repos.catalog.link(ids[t.key], ids[other], "compares_with", SOURCE)
                links += 1
    if added:
        await repos.catalog.bump_revision()
    return SeedSummary(added=added, existing=len(titles) - added, links=links)
