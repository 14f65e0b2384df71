"""`reelbot seed export`: the catalog in reelbot's own schema, which `seed import` reads back."""

from __future__ import annotations

from collections import defaultdict
from typing import IO

from sqlalchemy import select

from db import models as m
from db.imports.formats import TitleRow, Where
from db.imports.formats.reelbot import SOURCE, natural_key, write_csv, write_json
from db.records import OfferSpec, TitleSpec
from db.repositories import Repositories


async def export_rows(repos: Repositories) -> list[TitleRow]:
    """Every title with its facts, availability and recorded sources. Titles get their
    starter key when they have one, else a key from name and year; every recorded source id
    travels in `ids`, so a fresh database imported from this file knows where each title came
    from, and nothing else (importing it records those ids and no `reelbot` row)."""
    titles = await repos.catalog.load_titles()
    offers = await repos.catalog.load_offers()
    sources: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for tid, source, external_id in await repos.session.execute(
        select(m.TitleSource.title_id, m.TitleSource.source, m.TitleSource.external_id).order_by(
            m.TitleSource.id
        )
    ):
        sources[tid].append((source, external_id))
    notability = {
        tid: (popularity, votes)
        for tid, popularity, votes in await repos.session.execute(
            select(m.Title.id, m.Title.popularity, m.Title.vote_count)
        )
    }
    keys: dict[int, str] = {}
    used: set[str] = set()
    for t in titles:
        starter = next((e for s, e in sources[t.id] if s == "starter"), None)
        own = next((e for s, e in sources[t.id] if s == SOURCE), None)
        key = starter or own or natural_key(t.name, t.year, t.kind)
        candidate, n = key, 2
        while candidate in used:
            candidate, n = f"{key}-{n}", n + 1
        keys[t.id] = candidate
        used.add(candidate)
    rows: list[TitleRow] = []
    for t in titles:
        spec = TitleSpec(
            name=t.name,
            year=t.year,
            kind=t.kind,
            original_name=t.original_name,
            aliases=list(t.aliases),
            countries=list(t.countries),
            languages=list(t.languages),
            genres=list(t.genres),
            themes=list(t.themes),
            directors=list(t.directors),
            writers=list(t.writers),
            cast=list(t.cast),
            synopsis=t.synopsis,
            runtime_minutes=t.runtime_minutes,
            episodes=t.episodes,
            poster_url=t.poster_url,
            popularity=notability.get(t.id, (None, None))[0],
            vote_count=notability.get(t.id, (None, None))[1],
            offers=[
                OfferSpec(o.provider, o.region, o.kind, o.as_of, o.link)
                for o in offers.get(t.id, [])
            ],
        )
        rows.append(
            TitleRow(
                Where("export", len(rows) + 1),
                SOURCE,
                keys[t.id],
                spec,
                ids=list(sources[t.id]),
                remake_of=keys.get(t.original_id) if t.original_id else None,
                compares_with=[keys[r] for r in t.compares_with if r in keys],
            )
        )
    return rows


def write(rows: list[TitleRow], handle: IO[str], fmt: str) -> int:
    return write_json(iter(rows), handle) if fmt == "json" else write_csv(iter(rows), handle)
