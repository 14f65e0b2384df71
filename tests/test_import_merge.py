"""One title from several sources, on SQLite and PostgreSQL: genres, themes and people are joined
across sources under one spelling per name, scalar facts only fill gaps, and works that merely
share a name stay apart (other IMDb ids, film and series that are not one documentary)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db import models as m
from db.imports.formats.values import person_key
from db.imports.importer import ImportOptions, import_file
from db.session import Database
from recommender.models import TitleFacts
from tests.test_imports import counts, netflix_file, titles_named, write

KDRAMA_HEADER = (
    "Name,Aired Date,Year of release,Original Network,Aired On,Number of Episodes,Duration,"
    "Content Rating,Rating,Synopsis,Genre,Tags,Director,Screenwriter,Cast,"
    "Production companies,Rank\n"
)
# The same drama as the Netflix list and MyDramaList describe it (shortened from the real rows).
NETFLIX_DRAMA = (
    's9100,TV Show,Harbour Ward,"Shin Won-ho","Hae-soo Park, Kyung-ho Jung",South Korea,,2019,'
    'TV-MA,1 Season,"Crime TV Shows, International TV Shows, Korean TV Shows",A ward.\n'
)
MDL_DRAMA = (
    'Harbour Ward,,2019,tvN,,16,1 hr. 30 min.,,9.1,A longer synopsis.,"Comedy, Crime, Life, '
    'Drama","Prison, Bromance, Wrongfully Accused",Shin Won Ho,"Jung Bo Hoon, Lee Woo Jung",'
    '"Park Hae Soo, Jung Kyung Ho, Krystal Jung",,#8\n'
)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(db_url)
    yield database
    await database.dispose()


async def facts(db: Database, name: str) -> TitleFacts:
    (title,) = await titles_named(db, name)
    async with db.unit_of_work() as repos:
        (found,) = await repos.catalog.load_titles([title["id"]])
    return found


async def test_a_drama_keeps_every_sources_genres_tags_and_people(
    db: Database, tmp_path: Path
) -> None:
    options = ImportOptions(as_of=date(2024, 1, 1))
    await import_file(db, netflix_file(tmp_path, NETFLIX_DRAMA), options)
    first = await facts(db, "Harbour Ward")
    assert first.genres == ("Crime",) and first.themes == ()  # "Korean TV Shows" is no theme
    assert first.countries == ("KR",) and first.directors == ("Shin Won-ho",)
    summary = await import_file(db, write(tmp_path / "kdrama.csv", KDRAMA_HEADER + MDL_DRAMA))
    assert summary.merged == 1
    merged = await facts(db, "Harbour Ward")
    assert set(merged.genres) == {"Comedy", "Crime", "Drama", "Slice of Life"}
    assert set(merged.themes) == {"prison", "bromance", "wrongfully accused"}
    # "Shin Won Ho" is the director Netflix spelt "Shin Won-ho": one person, credited once
    assert merged.directors == ("Shin Won-ho",)
    # under the spelling the catalog already had (the starter lists them as "Jung Bo-hoon")
    assert [person_key(w) for w in merged.writers] == ["jungbohoon", "leewoojung"]
    assert merged.cast[:2] == ("Hae-soo Park", "Kyung-ho Jung")  # the first source's order
    # "Park Hae Soo" is Netflix's "Hae-soo Park", family name first: credited once
    assert merged.cast == ("Hae-soo Park", "Kyung-ho Jung", "Krystal Jung")
    assert merged.synopsis == "A ward."  # scalars fill gaps only
    assert merged.episodes == 16  # ...and Netflix had no episode count
    # both catalogs list it: how well known it is (recommender.prominence) reads this
    assert merged.listed_by == ("kdrama-top250", "netflix")
    before = await counts(db)
    for path in (tmp_path / "netflix_titles.csv", tmp_path / "kdrama.csv"):
        again = await import_file(db, path, options)
        assert (again.added, again.merged) == (0, 0)
    assert await counts(db) == before


async def test_one_spelling_per_genre_and_person(db: Database, tmp_path: Path) -> None:
    await import_file(db, netflix_file(tmp_path, NETFLIX_DRAMA))
    write(
        tmp_path / "mine.csv",
        "title,year,kind,genres,themes,directors,cast\n"
        "Harbour Ward,2019,series,crime | Thriller,PRISON ,SHIN WON-HO,PARK Hae-soo\n"
        "Festival Film,2022,film,,,PARK CHAN-wook,\n",
    )
    await import_file(db, tmp_path / "mine.csv")
    ward = await facts(db, "Harbour Ward")
    assert ward.genres == ("Crime", "Thriller") and ward.themes == ("prison",)
    assert ward.directors == ("Shin Won-ho",)
    festival = await facts(db, "Festival Film")
    assert festival.directors == ("Park Chan-wook",)  # festival capitals written as a name
    async with db.unit_of_work() as repos:
        crime = await repos.session.scalar(
            select(func.count()).select_from(m.Genre).where(func.lower(m.Genre.name) == "crime")
        )
    assert crime == 1


async def test_a_documentary_listed_as_film_and_series_is_one_title(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    write(
        folder / "movies.csv",
        "movieId,title,genres\n171011,Planet Earth II (2016),Documentary\n"
        "5,Little Women (2017),Drama|Romance\n",
    )
    await import_file(db, folder)
    netflix = netflix_file(
        tmp_path,
        "s7748,TV Show,Planet Earth II,,David Attenborough,United Kingdom,,2016,TV-G,1 Season,"
        '"British TV Shows, Docuseries, Science & Nature TV",Nature.\n'
        "s7,TV Show,Little Women,,,United Kingdom,,2017,,1 Season,British TV Shows,A miniseries.\n"
        "s8,TV Show,Planet Earth II,,,,,2006,,1 Season,Docuseries,Another year.\n",
    )
    summary = await import_file(db, netflix)
    assert (summary.added, summary.merged) == (2, 1)
    earth = await titles_named(db, "Planet Earth II")
    assert [(t["year"], t["kind"]) for t in earth] == [(2006, "series"), (2016, "film")]
    assert {("movielens", "171011"), ("netflix", "s7748")} <= earth[1]["sources"]
    # a drama film and a miniseries of one name and year are two works
    women = await titles_named(db, "Little Women")
    assert sorted(t["kind"] for t in women if t["year"] == 2017) == ["film", "series"]


async def test_same_name_and_year_with_other_imdb_ids_stay_two_titles(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    write(
        folder / "movies.csv",
        "movieId,title,genres\n34048,War of the Worlds (2005),Action|Sci-Fi\n"
        "64997,War of the Worlds (2005),Action|Sci-Fi\n"
        "6003,Confessions of a Dangerous Mind (2002),Comedy\n"
        "144606,Confessions of a Dangerous Mind (2002),Comedy\n",
    )
    write(
        folder / "links.csv",
        "movieId,imdbId,tmdbId\n34048,0407304,74\n64997,0449040,34812\n"
        "6003,0290538,4912\n144606,0270288,4912\n",  # MovieLens' duplicate: one TMDB id
    )
    summary = await import_file(db, folder)
    assert (summary.added, summary.merged) == (3, 1)
    wars = await titles_named(db, "War of the Worlds")
    assert len([t for t in wars if t["year"] == 2005]) == 2
    (confessions,) = await titles_named(db, "Confessions of a Dangerous Mind")
    assert {("movielens", "6003"), ("movielens", "144606")} <= confessions["sources"]
    # A streaming row without ids joins one of them; a file naming the other IMDb id finds it.
    write(
        tmp_path / "mine.csv",
        "title,year,kind,ids,themes\nWar of the Worlds,2005,film,imdb:tt0449040,mockbuster\n",
    )
    mine = await import_file(db, tmp_path / "mine.csv")
    assert (mine.added, mine.merged) == (0, 1)
    by_imdb = {
        next(e for s, e in t["sources"] if s == "imdb"): t["id"]
        for t in await titles_named(db, "War of the Worlds")
        if t["year"] == 2005
    }
    async with db.unit_of_work() as repos:
        (asylum,) = await repos.catalog.load_titles([by_imdb["tt0449040"]])
        (spielberg,) = await repos.catalog.load_titles([by_imdb["tt0407304"]])
    assert "mockbuster" in asylum.themes and "mockbuster" not in spielberg.themes


async def test_a_series_dated_by_another_season_is_found_by_its_cast(
    db: Database, tmp_path: Path
) -> None:
    """Netflix dates a series by its latest season, MyDramaList by its first."""
    write(
        tmp_path / "kdrama.csv",
        KDRAMA_HEADER + 'Forest of Secrets,,2017,tvN,,16,1 hr.,,9.0,A prosecutor.,"Crime, Mystery",'
        'Corruption,Ahn Gil Ho,,"Jo Seung Woo, Bae Doona, Lee Joon Hyuk",,#10\n'
        'Quiet Town,,2016,KBS,,12,1 hr.,,8.0,A town.,Drama,Healing,,,"Kim A, Lee B",,#90\n',
    )
    await import_file(db, tmp_path / "kdrama.csv")
    netflix = netflix_file(
        tmp_path,
        's1,TV Show,Forest of Secrets,,"Seung-woo Cho, Doona Bae, Joon-hyuk Lee",South Korea,,'
        "2020,TV-14,2 Seasons,Crime TV Shows,Season two.\n"
        # the same name two years on with other people: another series
        's2,TV Show,Quiet Town,,"Park C, Choi D",South Korea,,2018,,1 Season,TV Dramas,x\n',
    )
    summary = await import_file(db, netflix)
    assert (summary.added, summary.merged) == (1, 1)
    (forest,) = await titles_named(db, "Forest of Secrets")
    assert forest["year"] == 2017 and ("netflix", "s1") in forest["sources"]
    assert [t["year"] for t in await titles_named(db, "Quiet Town")] == [2016, 2018]
