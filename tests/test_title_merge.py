"""/admin title merge on SQLite and PostgreSQL: a duplicate referenced from every table that
points at titles is folded into the kept title, and nothing is lost to the cascading deletes.
A guard fails when db/models.py gains a reference to titles that merging does not handle."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.app import App
from db import models as m
from db.curation_repository import TITLE_REFERENCES
from tests.support import say, title_id

OLD, NEW = datetime(2024, 1, 1, 12, 0), datetime(2025, 6, 1, 12, 0)


def title_references() -> set[str]:
    """Every "table.column" in the schema with a foreign key to titles.id."""
    return {
        f"{table.name}.{fk.parent.name}"
        for table in m.Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "titles"
    }


def test_merge_handles_every_table_that_references_titles() -> None:
    missing = title_references() - TITLE_REFERENCES.keys()
    assert not missing, (
        f"{sorted(missing)} reference titles.id but merge_titles does not move them, so merging "
        "would cascade-delete their rows: handle them in db/curation_repository.py "
        "(merge_titles and TITLE_REFERENCES) and in test_merge_keeps_everything below"
    )
    assert not TITLE_REFERENCES.keys() - title_references(), "stale TITLE_REFERENCES entries"


async def _id(session: Any, model: Any, **where: Any) -> int:
    found = await session.scalar(select(model.id).filter_by(**where))
    assert found is not None
    return int(found)


async def build_duplicate(app: App, keep: int, other: int) -> tuple[int, set[str]]:
    """A duplicate of `keep` referenced from every table that can reference a title; returns its
    id and the "table.column" references it was given."""
    async with app.db.unit_of_work(write=True) as repos:
        s = repos.session
        dup = m.Title(
            name="Okja (Director's Cut)", original_name="옥자 감독판", year=2017, kind="film"
        )
        s.add(dup)
        await s.flush()
        remake = m.Title(name="Okja Returns", year=2030, kind="film", original_id=dup.id)
        s.add(remake)
        genre, theme = m.Genre(name="Merge Genre"), m.Theme(name="merge theme")
        person, provider = (
            m.Person(name="Merge Person"),
            m.Provider(slug="mergeflix", name="Mergeflix"),
        )
        s.add_all([genre, theme, person, provider])
        await s.flush()
        s.add_all(
            [
                m.TitleAlias(title_id=dup.id, alias="Okja DC"),
                m.TitleGenre(title_id=dup.id, genre_id=genre.id),
                m.TitleTheme(title_id=dup.id, theme_id=theme.id),
                m.TitlePerson(title_id=dup.id, person_id=person.id, role="director"),
                m.TitleRelation(
                    title_id=dup.id, related_id=other, kind="compares_with", source="test"
                ),
                m.TitleRelation(
                    title_id=other, related_id=dup.id, kind="compares_with", source="test"
                ),
                m.TitleSource(title_id=dup.id, source="test", external_id="okja-dc"),
                # Only on the duplicate, and on both (the duplicate's entry is newer).
                m.Availability(
                    title_id=dup.id,
                    provider_id=provider.id,
                    region="US",
                    kind="stream",
                    as_of=date(2025, 1, 1),
                    source="test",
                ),
                m.Availability(
                    title_id=dup.id,
                    provider_id=provider.id,
                    region="KR",
                    kind="stream",
                    as_of=date(2025, 1, 1),
                    link="https://new.example",
                    source="test",
                ),
                m.Availability(
                    title_id=keep,
                    provider_id=provider.id,
                    region="KR",
                    kind="stream",
                    as_of=date(2020, 1, 1),
                    source="old",
                ),
            ]
        )
        users = [
            m.User(platform="console", platform_user_id=n, display_name=n)
            for n in ("only-dup", "both", "host")
        ]
        s.add_all(users)
        await s.flush()
        only_dup, both, host = users
        s.add_all(
            [
                m.Rating(
                    user_id=only_dup.id,
                    title_id=dup.id,
                    half_stars=8,
                    review="cut!",
                    created_at=OLD,
                    updated_at=OLD,
                ),
                m.Rating(
                    user_id=both.id, title_id=dup.id, half_stars=10, created_at=NEW, updated_at=NEW
                ),
                m.Rating(
                    user_id=both.id, title_id=keep, half_stars=4, created_at=OLD, updated_at=OLD
                ),
                m.EditorialReview(
                    title_id=dup.id, reviewer="Critic", verdict="Better.", added_by="console:ana"
                ),
            ]
        )
        await s.flush()
        both_dup_rating = await _id(s, m.Rating, user_id=both.id, title_id=dup.id)
        s.add(
            m.ReviewModeration(
                rating_id=both_dup_rating,
                title_id=dup.id,
                user_id=both.id,
                review="spoils it",
                reason="spoiler",
                moderator="console:ana",
            )
        )
        chat = m.Chat(platform="console", platform_chat_id="club", name="club")
        s.add(chat)
        await s.flush()
        party = m.WatchParty(
            chat_id=chat.id,
            host_user_id=host.id,
            timezone="UTC",
            closes_at=m.utcnow() + timedelta(days=1),
        )
        s.add(party)
        await s.flush()
        s.add_all(
            [
                m.WatchPartyCandidate(party_id=party.id, position=1, title_id=dup.id),
                m.WatchPartyCandidate(party_id=party.id, position=2, title_id=other),
                m.WatchPartyVote(party_id=party.id, user_id=host.id, position=1),
            ]
        )
        s.add(
            m.ReviewDraft(
                created_by="console:ana",
                expires_at=m.utcnow() + timedelta(hours=1),
                payload={"title_id": dup.id, "choices": [], "compares": [dup.id]},
            )
        )
        netflix = m.Provider(slug="mergeflixalerts", name="Mergeflix Alerts")
        s.add(netflix)
        await s.flush()
        s.add_all(
            [
                m.WatchlistEntry(user_id=only_dup.id, title_id=dup.id),
                m.WatchlistEntry(user_id=both.id, title_id=dup.id),
                m.WatchlistEntry(user_id=both.id, title_id=keep),
                m.ChatWatchlistEntry(chat_id=chat.id, title_id=dup.id, user_id=host.id),
                m.AvailabilityAlert(
                    user_id=only_dup.id,
                    title_id=dup.id,
                    provider_id=netflix.id,
                    region="KR",
                    batch="import:1",
                ),
            ]
        )
        await repos.catalog.bump_revision()
        dup_id = dup.id
    app.core.catalog.invalidate()
    given = {
        "titles.original_id",
        "title_aliases.title_id",
        "title_genres.title_id",
        "title_themes.title_id",
        "title_people.title_id",
        "title_relations.title_id",
        "title_relations.related_id",
        "title_sources.title_id",
        "availability.title_id",
        "ratings.title_id",
        "editorial_reviews.title_id",
        "review_moderations.title_id",
        "watch_party_candidates.title_id",
        "watchlist.title_id",
        "chat_watchlist.title_id",
        "availability_alerts.title_id",
    }
    return dup_id, given


async def test_merge_keeps_everything(app: App) -> None:
    keep = await title_id(app, "Okja", 2017)
    other = await title_id(app, "Parasite", 2019)
    dup, given = await build_duplicate(app, keep, other)
    assert given == title_references(), "give the duplicate a row in every referencing table"

    merged = await say(app, f"/admin title merge #{dup} | #{keep}")
    assert not merged.is_error, merged.text
    assert "watch party candidates" in merged.notes[0]

    async with app.db.unit_of_work() as repos:
        s = repos.session

        async def rows(stmt: Any) -> set[tuple[Any, ...]]:
            return {tuple(r) for r in (await s.execute(stmt)).all()}

        assert await s.get(m.Title, dup) is None
        # Nothing anywhere still points at the deleted duplicate.
        for ref in title_references():
            table_name, column = ref.split(".")
            table = m.Base.metadata.tables[table_name]
            left = await s.scalar(
                select(func.count()).select_from(table).where(table.c[column] == dup)
            )
            assert left == 0, ref
        assert (
            await s.scalar(select(m.Title.original_id).where(m.Title.name == "Okja Returns"))
            == keep
        )
        aliases = set(
            await s.scalars(select(m.TitleAlias.alias).where(m.TitleAlias.title_id == keep))
        )
        assert {"Okja (Director's Cut)", "옥자 감독판", "Okja DC"} <= aliases

        async def names(model: Any, link: Any, key: Any) -> set[str]:
            return set(
                await s.scalars(
                    select(model.name).join(link, key == model.id).where(link.title_id == keep)
                )
            )

        assert "Merge Genre" in await names(m.Genre, m.TitleGenre, m.TitleGenre.genre_id)
        assert "merge theme" in await names(m.Theme, m.TitleTheme, m.TitleTheme.theme_id)
        assert "Merge Person" in await names(m.Person, m.TitlePerson, m.TitlePerson.person_id)
        relations = await rows(
            select(m.TitleRelation.title_id, m.TitleRelation.related_id).where(
                m.TitleRelation.title_id.in_([keep, other]),
                m.TitleRelation.related_id.in_([keep, other]),
            )
        )
        assert relations == {(keep, other), (other, keep)}  # moved, or already there
        assert ("test", "okja-dc") in await rows(
            select(m.TitleSource.source, m.TitleSource.external_id).where(
                m.TitleSource.title_id == keep
            )
        )
        offers = await rows(
            select(m.Availability.region, m.Availability.as_of, m.Availability.link)
            .join(m.Provider, m.Provider.id == m.Availability.provider_id)
            .where(m.Availability.title_id == keep, m.Provider.slug == "mergeflix")
        )
        assert offers == {
            ("US", date(2025, 1, 1), None),
            ("KR", date(2025, 1, 1), "https://new.example"),  # the newer entry won
        }
        ratings = await rows(
            select(m.User.platform_user_id, m.Rating.half_stars, m.Rating.review)
            .join(m.User, m.User.id == m.Rating.user_id)
            .where(m.Rating.title_id == keep, m.User.platform == "console")
        )
        assert {("only-dup", 8, "cut!"), ("both", 10, None)} <= ratings
        assert await rows(
            select(m.EditorialReview.reviewer).where(m.EditorialReview.title_id == keep)
        ) == {("Critic",)}
        kept_rating = await s.scalar(
            select(m.Rating.id)
            .join(m.User, m.User.id == m.Rating.user_id)
            .where(m.Rating.title_id == keep, m.User.platform_user_id == "both")
        )
        assert await rows(select(m.ReviewModeration.title_id, m.ReviewModeration.rating_id)) == {
            (keep, kept_rating)
        }
        assert await rows(
            select(m.WatchPartyCandidate.position, m.WatchPartyCandidate.title_id)
        ) == {(1, keep), (2, other)}
        assert await s.scalar(select(func.count()).select_from(m.WatchPartyVote)) == 1
        watchlist = await rows(
            select(m.User.platform_user_id, m.WatchlistEntry.title_id).join(
                m.User, m.User.id == m.WatchlistEntry.user_id
            )
        )
        assert watchlist == {("only-dup", keep), ("both", keep)}  # "both" keeps one entry
        assert await rows(select(m.ChatWatchlistEntry.title_id)) == {(keep,)}
        assert await rows(select(m.AvailabilityAlert.title_id)) == {(keep,)}
        (draft,) = await s.scalars(select(m.ReviewDraft))
        assert draft.payload["title_id"] == keep and draft.payload["compares"] == []
