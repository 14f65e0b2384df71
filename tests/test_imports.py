"""Importing into the real databases (SQLite and PostgreSQL): merge rules, idempotence,
all-or-nothing, --skip-bad, --dry-run, MovieLens and Letterboxd ratings, the CLI, export →
import round trips, and the real catalog files from ../shared/data."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.app import App
from bot.cli import main
from bot.console_adapter.chat import console_context
from bot.core.context import Attachment
from db import models as m
from db.imports.formats import ImportFileError
from db.imports.importer import ImportOptions, ImportRejected, Member, import_file
from db.session import Database
from tests.support import say
from tests.tmdb_fixture import movie, write_movies

STREAMING_HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description\n"
)
SHARED = Path(
    os.environ.get("REELBOT_SHARED_DATA") or Path(__file__).resolve().parents[1] / "../shared/data"
)
TABLES = (
    m.Title, m.TitleAlias, m.TitleGenre, m.TitleTheme, m.TitlePerson, m.TitleSource,
    m.Availability, m.Provider, m.Person, m.Theme, m.Genre, m.User, m.Rating, m.TitleRelation,
)  # fmt: skip


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(db_url)
    yield database
    await database.dispose()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def counts(db: Database) -> dict[str, int]:
    async with db.unit_of_work() as repos:
        return {
            t.__tablename__: int(
                await repos.session.scalar(select(func.count()).select_from(t)) or 0
            )
            for t in TABLES
        }


async def titles_named(db: Database, name: str) -> list[dict[str, Any]]:
    """Each title with that name: year, kind, sources and offers."""
    async with db.unit_of_work() as repos:
        rows = (
            await repos.session.execute(
                select(m.Title.id, m.Title.year, m.Title.kind, m.Title.synopsis)
                .where(m.Title.name == name)
                .order_by(m.Title.year)
            )
        ).all()
        out = []
        for tid, year, kind, synopsis in rows:
            sources = set(
                await repos.session.execute(
                    select(m.TitleSource.source, m.TitleSource.external_id).where(
                        m.TitleSource.title_id == tid
                    )
                )
            )
            offers = await repos.catalog.load_offers([tid])
            out.append(
                {
                    "id": tid,
                    "year": year,
                    "kind": kind,
                    "synopsis": synopsis,
                    "sources": {tuple(s) for s in sources},
                    "offers": {(o.provider, o.region, o.as_of) for o in offers.get(tid, [])},
                }
            )
        return out


def netflix_file(tmp_path: Path, *rows: str) -> Path:
    return write(tmp_path / "netflix_titles.csv", STREAMING_HEADER + "".join(rows))


ROW_MIRACLE_TR = (
    "s2824,Movie,Miracle in Cell No. 7,Mehmet Ada Öztekin,Aras Bulut İynemli,Turkey,"
    '"March 13, 2020",2019,TV-14,132 min,"Dramas, International Movies",A father is jailed.\n'
)
ROW_NEW = (
    's9001,Movie,A Brand New Film,Someone,"Actor One, Actor Two",France,,2022,,95 min,Dramas,New.\n'
)
ROW_NEW_REMAKE = "s9002,Movie,A Brand New Film,,,,,1961,,88 min,Dramas,The original.\n"


async def test_streaming_import_merges_by_title_year_and_kind(db: Database, tmp_path: Path) -> None:
    before = await titles_named(db, "Miracle in Cell No. 7")
    path = netflix_file(tmp_path, ROW_MIRACLE_TR, ROW_NEW, ROW_NEW_REMAKE)
    options = ImportOptions(region="de", as_of=date(2021, 6, 1))
    summary = await import_file(db, path, options)
    assert (summary.added, summary.merged, summary.skipped) == (2, 1, 0)
    after = await titles_named(db, "Miracle in Cell No. 7")
    assert len(after) == len(before)  # no new Miracle: the Turkish 2019 one gained Netflix
    (turkish,) = [t for t in after if ("netflix", "s2824") in t["sources"]]
    assert (
        turkish["year"] == 2019
        and ("starter", "miracle-in-cell-no-7-2019-tr") in turkish["sources"]
    )
    assert ("Netflix", "DE", date(2021, 6, 1)) in turkish["offers"]
    new = await titles_named(db, "A Brand New Film")
    assert [t["year"] for t in new] == [1961, 2022]  # same name, different year: two titles
    assert all(t["offers"] == {("Netflix", "DE", date(2021, 6, 1))} for t in new)


async def test_rerunning_an_import_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = netflix_file(tmp_path, ROW_MIRACLE_TR, ROW_NEW, ROW_NEW_REMAKE)
    options = ImportOptions(as_of=date(2021, 6, 1))
    await import_file(db, path, options)
    first = await counts(db)
    again = await import_file(db, path, options)
    assert (again.added, again.merged, again.unchanged) == (0, 0, 3)
    assert await counts(db) == first


async def test_external_ids_and_sources_merge_across_formats(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    write(
        folder / "movies.csv",
        'movieId,title,genres\n1961,Rain Man (1988),Drama\n9,"Brand New Film, A (2022)",Drama\n',
    )
    write(folder / "links.csv", "movieId,imdbId,tmdbId\n1961,0095953,380\n9,1234567,999999\n")
    await import_file(db, folder)
    # A reelbot file with only the IMDb id and a different spelling still finds the film.
    write(
        tmp_path / "mine.csv",
        "title,year,kind,ids,availability\nRainman,1988,film,imdb:tt0095953,Mubi@GB:stream\n",
    )
    summary = await import_file(db, tmp_path / "mine.csv", ImportOptions(as_of=date(2024, 1, 1)))
    assert (summary.added, summary.merged) == (0, 1)
    (rain_man,) = await titles_named(db, "Rain Man")
    assert {"starter", "movielens", "imdb", "tmdb", "reelbot"} <= {
        s for s, _ in rain_man["sources"]
    }
    assert ("Mubi", "GB", date(2024, 1, 1)) in rain_man["offers"]
    (brand_new,) = await titles_named(db, "A Brand New Film")
    assert brand_new["year"] == 2022


async def notability(db: Database, tid: int) -> tuple[float | None, int | None]:
    async with db.unit_of_work() as repos:
        row = (
            await repos.session.execute(
                select(m.Title.popularity, m.Title.vote_count).where(m.Title.id == tid)
            )
        ).one()
    return row[0], row[1]


async def test_tmdb_meets_movielens_on_its_id_and_the_rest_by_name_and_year(
    db: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "ml"
    folder.mkdir()
    write(folder / "movies.csv", "movieId,title,genres\n77,Heat (1995),Action|Crime\n")
    write(folder / "links.csv", "movieId,imdbId,tmdbId\n77,0113277,949\n")
    await import_file(db, folder)
    await import_file(
        db,
        netflix_file(tmp_path, "s5,Movie,Oldboy,Park Chan-wook,,South Korea,,2003,,120 min,,x\n"),
    )
    path = write_movies(
        tmp_path / "tmdb_5000_movies.csv",
        # MovieLens spells it "Heat"; TMDB's own title differs here on purpose: the id decides
        movie(949, "Heat (Director's Cut)", "1995-12-15", keywords=("heist",), popularity="70.2",
              votes="1886", overview="Obsessive master thief McCauley."),
        movie(670, "Oldboy", "2003-11-21", keywords=("revenge",), language="ko",
              countries=("KR",), popularity="14.9", votes="1567"),
        movie(1, "Heat", "1986-07-04", votes="12"),  # same name, another year: its own title
    )  # fmt: skip
    summary = await import_file(db, path)
    assert (summary.format, summary.added, summary.merged) == ("tmdb", 1, 2)
    heat_1986, heat_1995 = await titles_named(db, "Heat")  # by year
    assert ("tmdb", "949") in heat_1995["sources"] and ("movielens", "77") in heat_1995["sources"]
    assert heat_1995["synopsis"] == "Obsessive master thief McCauley."
    assert await notability(db, heat_1995["id"]) == (70.2, 1886)
    assert heat_1986["year"] == 1986 and await notability(db, heat_1986["id"]) == (1.5, 12)
    oldboy = [t for t in await titles_named(db, "Oldboy") if ("tmdb", "670") in t["sources"]]
    assert len(oldboy) == 1 and ("netflix", "s5") in oldboy[0]["sources"]
    async with db.unit_of_work() as repos:
        (facts,) = await repos.catalog.load_titles([heat_1995["id"]])
    assert "heist" in facts.themes and {"Action", "Crime"} <= set(facts.genres)
    before = await counts(db)
    again = await import_file(db, path)
    assert (again.added, again.merged, again.unchanged) == (0, 0, 3)
    assert await counts(db) == before


async def test_merging_fills_gaps_but_never_overwrites(db: Database, tmp_path: Path) -> None:
    write(
        tmp_path / "korean_drama.csv",
        "kdrama_id,drama_name,year,director,screenwriter,country,type,tot_eps,duration,"
        "start_dt,end_dt,aired_on,org_net,content_rt,synopsis,rank,pop\n"
        "x1,Prison Playbook,2017,['Shin Won Ho'],,South Korea,Drama,16,5520,,,,Netflix tvN,,"
        "Something else entirely.,46,100\n"
        "x2,Quiet Little Drama,2019,,,South Korea,Drama,12,3600,,,,,,,500,900\n",
    )
    await import_file(db, tmp_path / "korean_drama.csv", ImportOptions(as_of=date(2024, 1, 1)))
    (playbook,) = await titles_named(db, "Prison Playbook")
    assert playbook["synopsis"] and "Something else" not in playbook["synopsis"]
    assert ("kdrama-2015-2023", "x1") in playbook["sources"]
    write(
        tmp_path / "kdrama.csv",
        "Name,Aired Date,Year of release,Original Network,Aired On,Number of Episodes,Duration,"
        "Content Rating,Rating,Synopsis,Genre,Tags,Director,Screenwriter,Cast,"
        "Production companies,Rank\n"
        'Quiet Little Drama,,2019,Tving,,12,1 hr.,,8.9,A quiet story.,"Life, Drama",Healing,,,'
        '"Kim A, Lee B",,#200\n',
    )
    summary = await import_file(db, tmp_path / "kdrama.csv", ImportOptions(as_of=date(2024, 1, 1)))
    assert summary.merged == 1
    (quiet,) = await titles_named(db, "Quiet Little Drama")
    assert quiet["synopsis"] == "A quiet story."  # was empty, so the second list fills it
    assert ("Tving", "KR", date(2024, 1, 1)) in quiet["offers"]  # Korean service: KR
    async with db.unit_of_work() as repos:
        (facts,) = await repos.catalog.load_titles([quiet["id"]])
    assert facts.genres == ("Drama", "Slice of Life") and facts.cast == ("Kim A", "Lee B")


async def test_a_bad_row_rolls_back_everything(db: Database, tmp_path: Path) -> None:
    before = await counts(db)
    bad = "s9003,Movie,Broken Year,,,,,19x9,,,,\n"
    path = netflix_file(tmp_path, ROW_NEW, bad, ROW_NEW_REMAKE)
    with pytest.raises(ImportRejected) as caught:
        await import_file(db, path)
    assert "nothing was written" in str(caught.value)
    assert [str(b) for b in caught.value.summary.bad] == [
        "netflix_titles.csv, line 3: year '19x9' is not a year between 1870 and 2100"
    ]
    assert await counts(db) == before


async def test_skip_bad_imports_the_good_rows_and_lists_the_bad(
    db: Database, tmp_path: Path
) -> None:
    path = netflix_file(tmp_path, ROW_NEW, "s9003,Movie,,,,,,1999,,,,\n", ROW_NEW_REMAKE)
    summary = await import_file(db, path, ImportOptions(skip_bad=True))
    assert (summary.added, summary.skipped) == (2, 1)
    assert any("line 3: title is empty" in line for line in summary.lines())


async def test_dry_run_reports_without_writing(db: Database, tmp_path: Path) -> None:
    before = await counts(db)
    summary = await import_file(
        db, netflix_file(tmp_path, ROW_MIRACLE_TR, ROW_NEW), ImportOptions(dry_run=True)
    )
    assert (summary.added, summary.merged, summary.dry_run) == (1, 1, True)
    assert await counts(db) == before


async def test_unreadable_files_write_nothing(db: Database, tmp_path: Path) -> None:
    before = await counts(db)
    cut = netflix_file(tmp_path, ROW_NEW, 's9,Movie,Cut,,,,,2001,,,,"never ends')
    with pytest.raises(ImportFileError, match="truncated"):
        await import_file(db, cut)
    latin = tmp_path / "hulu.csv"
    latin.write_bytes(
        (STREAMING_HEADER + ROW_NEW + "s2,Movie,Amélie,,,,,2001,,,,\n").encode("cp1252")
    )
    with pytest.raises(ImportFileError, match="line 3: the file is not UTF-8"):
        await import_file(db, latin)
    assert await counts(db) == before


async def test_movielens_ratings_come_from_imported_users_kept_apart(
    app: App, tmp_path: Path
) -> None:
    write(tmp_path / "movies.csv", "movieId,title,genres\n1961,Rain Man (1988),Drama\n")
    write(tmp_path / "links.csv", "movieId,imdbId,tmdbId\n1961,0095953,380\n")
    write(
        tmp_path / "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1961,4.0,964982703\n2,1961,2.0,964982703\n",
    )
    summary = await import_file(app.db, tmp_path / "movies.csv")
    assert (summary.ratings_added, summary.users_added) == (2, 2)
    again = await import_file(app.db, tmp_path / "ratings.csv")
    assert (again.ratings_added, again.users_added) == (0, 0)
    # Members' views do not count MovieLens users...
    reviews = await say(app, "/reviews Rain Man")
    assert reviews.text.startswith("No member has rated")
    await say(app, "/review Rain Man 5 brilliant", user="ana")
    reviews = await say(app, "/reviews Rain Man")
    assert reviews.card is not None
    assert "from 1 rating" in reviews.card.fields[0].value
    # ...but the recommender learns from them.
    async with app.db.unit_of_work() as repos:
        assert len(await repos.ratings.triples()) == 3


async def test_letterboxd_import_from_the_chat(app: App, tmp_path: Path) -> None:
    export = (
        b"Date,Name,Year,Letterboxd URI,Rating\n"
        b"2024-01-02,Rain Man,1988,https://boxd.it/a,4.5\n"
        b"2024-01-02,Okja,2017,https://boxd.it/b,3\n"
        b"2024-01-02,Some Film Nobody Has,1999,https://boxd.it/c,2\n"
    )
    ctx = console_context("ana", None)
    missing = await app.dispatcher.handle(ctx, "/import letterboxd")
    assert not missing.is_error and "Export your data" in missing.notes[0]
    with_file = replace(ctx, attachment=Attachment("ratings.csv", export))
    reply = await app.dispatcher.handle(with_file, "/import letterboxd")
    assert not reply.is_error, reply.text
    assert reply.items[0].text == "2 new ratings"
    assert any("Some Film Nobody Has (1999)" in n for n in reply.notes)
    mine = await say(app, "/myratings", user="ana")
    assert "Rain Man" in " ".join(i.text for i in mine.items)
    # The member's newer chat rating is kept when the same export is imported again.
    await say(app, "/review Okja 5", user="ana")
    again = await app.dispatcher.handle(with_file, "/import letterboxd")
    assert [i.text for i in again.items] == ["0 new ratings", "2 kept"]
    binary = replace(ctx, attachment=Attachment("x.csv", b"\x00\x01" * 50))
    bad = await app.dispatcher.handle(binary, "/import letterboxd")
    assert bad.is_error and "binary" in bad.text


async def test_letterboxd_from_the_cli_needs_a_member(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path / "ratings.csv", "Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Okja,2017,u,4\n"
    )
    with pytest.raises(ImportFileError, match="--user"):
        await import_file(db, path)
    summary = await import_file(db, path, ImportOptions(member=Member("telegram", "42", "Ann")))
    assert summary.ratings_added == 1


def test_cli_import_export_round_trip(db_url: str, empty_db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()

    def run(url: str, *args: str) -> Any:
        env = {"DATABASE_URL": url, "REELBOT_DATA_DIR": str(tmp_path)}
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    path = netflix_file(tmp_path, ROW_MIRACLE_TR, ROW_NEW)
    dry = run(db_url, "seed", "import", str(path), "--dry-run", "--as-of", "2021-06-01")
    assert dry.exit_code == 0 and "Dry run" in dry.output and "1 added" in dry.output
    done = run(db_url, "seed", "import", str(path), "--as-of", "2021-06-01")
    assert done.exit_code == 0 and "1 added, 1 merged" in done.output
    bad = run(db_url, "seed", "import", str(write(tmp_path / "x.csv", "")))
    assert bad.exit_code == 1 and "x.csv: the file is empty (nothing was written)" in bad.output
    for fmt in ("csv", "json"):
        out = tmp_path / f"catalog.{fmt}"
        assert run(db_url, "seed", "export", str(out)).exit_code == 0
        fresh = run(empty_db_url, "seed", "import", str(out))
        assert fresh.exit_code == 0, fresh.output
        again = tmp_path / f"again.{fmt}"
        assert run(empty_db_url, "seed", "export", str(again)).exit_code == 0
        assert (
            again.read_text(encoding="utf-8").splitlines()
            == out.read_text(encoding="utf-8").splitlines()
        )
        rerun = run(empty_db_url, "seed", "import", str(out))
        assert "0 added, 0 merged" in rerun.output


def shared_data() -> Path:
    """../shared/data, or a skip where it is not there; CI sets REELBOT_REQUIRE_SHARED_DATA=1 so
    a missing folder fails instead of hiding the real-file tests."""
    if not SHARED.is_dir():
        message = f"shared data not found at {SHARED} (set REELBOT_SHARED_DATA)"
        if os.environ.get("REELBOT_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " and REELBOT_REQUIRE_SHARED_DATA=1")
        pytest.skip(message)
    return SHARED


async def test_real_catalog_files(db: Database) -> None:
    """One real catalog fully, and the Korean top 250 merging into it, on both backends."""
    shared = shared_data()
    disney = await import_file(db, shared / "disney-plus-titles" / "disney_plus_titles.csv")
    assert disney.skipped == 0 and disney.added + disney.merged == 1450
    korean = await import_file(db, shared / "kdrama-top250-mydramalist" / "kdrama.csv")
    assert korean.skipped == 0 and korean.added + korean.merged == 250
    (playbook,) = await titles_named(db, "Prison Playbook")
    assert ("kdrama-top250", "Prison Playbook (2017)") in playbook["sources"]
    again = await import_file(db, shared / "disney-plus-titles" / "disney_plus_titles.csv")
    assert (again.added, again.merged, again.unchanged) == (0, 0, 1450)


async def test_real_tmdb_table(db: Database) -> None:
    """The whole TMDB table on both backends: every row read, the probe films found by name and
    year (the starter catalog has them), popularity and vote counts stored."""
    shared = shared_data()
    summary = await import_file(db, shared / "tmdb-5000-movies" / "tmdb_4803_movies.csv")
    assert summary.skipped == 0 and summary.added + summary.merged == 4803
    (rain_man,) = await titles_named(db, "Rain Man")
    assert ("tmdb", "380") in rain_man["sources"] and ("starter", "rain-man-1988") in rain_man[
        "sources"
    ]
    popularity, votes = await notability(db, rain_man["id"])
    assert popularity is not None and popularity > 10 and votes is not None and votes > 1000
