"""/admin import in chat, and the audit rows every import and starter seeding writes (chat and
CLI), on SQLite and PostgreSQL: options, admins only, the summary with bad rows, files that
cannot be read, and /admin stats' last import read from import_runs and the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.app import App
from bot.cli import main
from bot.core.context import Attachment, CommandContext
from bot.core.errors import UsageError
from bot.core.replies import Reply
from bot.features.admin.catalog_import import MAX_CHAT_IMPORT_BYTES, parse_import_args
from db import models as m
from tests.support import all_text, field, say

HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description\n"
)
NEW = "s1,Movie,A Chat Imported Film,Someone,Actor One,France,,2022,,95 min,Dramas,New.\n"
OKJA = "s2,Movie,Okja,Bong Joon Ho,Tilda Swinton,South Korea,,2017,,120 min,Dramas,A pig.\n"
SECOND = "s3,TV Show,A Chat Imported Series,,,Japan,,2021,,1 Season,Anime,Fun.\n"
BAD_YEAR = "s4,Movie,Broken Year,,,,,19x9,,,,\n"


def admin(attachment: Attachment | None = None) -> CommandContext:
    return CommandContext(
        platform="telegram",
        user_id="42",
        display_name="Mod Ana",
        chat_id="-100",
        is_group=True,
        is_admin=True,  # Telegram says: chat administrator
        attachment=attachment,
    )


def csv_file(*rows: str, name: str = "catalog.csv") -> Attachment:
    return Attachment(name, (HEADER + "".join(rows)).encode("utf-8"), "text/csv")


async def admin_import(app: App, line: str, attachment: Attachment | None) -> Reply:
    return await app.dispatcher.handle(admin(attachment), "/admin import" + line)


async def snapshot(app: App) -> dict[str, int]:
    """Row counts that an import may change."""
    async with app.db.unit_of_work() as repos:
        out = {}
        for model in (m.Title, m.Availability, m.TitleSource, m.ImportRun, m.AuditEntry):
            out[model.__tablename__] = int(
                await repos.session.scalar(select(func.count()).select_from(model)) or 0
            )
        return out


async def audit_rows(app: App, action: str) -> list[m.AuditEntry]:
    async with app.db.unit_of_work() as repos:
        return list(
            await repos.session.scalars(
                select(m.AuditEntry).where(m.AuditEntry.action == action).order_by(m.AuditEntry.id)
            )
        )


async def offers(app: App, name: str) -> set[tuple[str, str, date]]:
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.Provider.name, m.Availability.region, m.Availability.as_of)
            .join(m.Provider, m.Provider.id == m.Availability.provider_id)
            .join(m.Title, m.Title.id == m.Availability.title_id)
            .where(m.Title.name == name)
        )
        return {(p, r, d) for p, r, d in rows}


async def test_import_with_options_replies_with_the_summary_and_audits(app: App) -> None:
    before = await snapshot(app)
    reply = await admin_import(
        app,
        ' --provider "Prime Video" --region us --as-of 2024-05-01 --kind stream',
        csv_file(NEW, OKJA, SECOND),
    )
    assert not reply.is_error, reply.text
    assert reply.text == "Imported catalog.csv (streaming):"
    counts = [i.text for i in reply.items]
    assert counts[:4] == ["2 added", "1 merged", "0 already imported", "0 skipped"]
    assert await offers(app, "A Chat Imported Film") == {("Prime Video", "US", date(2024, 5, 1))}
    assert ("Prime Video", "US", date(2024, 5, 1)) in await offers(app, "Okja")
    # The new titles are searchable straight away (the catalog cache was refreshed).
    found = await say(app, "/search chat imported series")
    assert "A Chat Imported Series" in all_text(found)

    after = await snapshot(app)
    assert after["titles"] == before["titles"] + 2
    assert after["import_runs"] == before["import_runs"] + 1
    (entry,) = await audit_rows(app, "import")
    assert (entry.actor, entry.actor_name) == ("telegram:42", "Mod Ana")
    assert entry.target == "catalog.csv (streaming)"
    assert entry.before == {"titles": before["titles"]}
    assert entry.after is not None
    assert entry.after["titles"] == before["titles"] + 2
    assert (entry.after["added"], entry.after["merged"]) == (2, 1)
    assert (entry.after["provider"], entry.after["region"]) == ("Prime Video", "US")
    log = await say(app, "/admin log 1")
    assert "import" in log.items[0].text and "titles: 177 → 179" in log.items[0].extra

    again = await admin_import(app, " --provider 'Prime Video' --region US", csv_file(NEW, OKJA))
    assert [i.text for i in again.items][:3] == ["0 added", "0 merged", "2 already imported"]


async def test_dry_run_shows_the_summary_and_writes_nothing(app: App) -> None:
    before = await snapshot(app)
    reply = await admin_import(app, " --provider Netflix --dry-run", csv_file(NEW, OKJA))
    assert not reply.is_error, reply.text
    assert "Dry run" in reply.text and "nothing was written" in reply.text
    assert [i.text for i in reply.items][:2] == ["1 added", "1 merged"]
    assert await snapshot(app) == before


async def test_bad_rows_roll_back_or_are_listed_with_skip_bad(app: App) -> None:
    before = await snapshot(app)
    rejected = await admin_import(app, " --provider Netflix", csv_file(NEW, BAD_YEAR, SECOND))
    assert rejected.is_error
    assert "1 bad row in catalog.csv; nothing was written" in rejected.text
    assert "--skip-bad" in rejected.text
    assert [i.text for i in rejected.items] == [
        "Line 3: year '19x9' is not a year between 1870 and 2100"
    ]
    assert await snapshot(app) == before

    kept = await admin_import(
        app, " --provider Netflix --skip-bad", csv_file(NEW, BAD_YEAR, SECOND)
    )
    assert not kept.is_error, kept.text
    assert [i.text for i in kept.items][:4] == [
        "2 added",
        "0 merged",
        "0 already imported",
        "1 skipped",
    ]
    assert "Line 3: year '19x9' is not a year between 1870 and 2100" in kept.notes
    (entry,) = await audit_rows(app, "import")
    assert entry.after is not None and entry.after["skipped"] == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary file"),
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        ((HEADER + NEW + 's9,Movie,Cut,,,,,2001,,,,"never ends').encode(), "truncated"),
        ((HEADER + NEW + "s2,Movie,Amélie,,,,,2001,,,,\n").encode("cp1252"), "--encoding"),
        (b"name;when\nOkja;2017\n", "unrecognised layout"),
    ],
    ids=["binary", "empty", "blank", "truncated", "encoding", "layout"],
)
async def test_files_that_cannot_be_read_get_a_clear_message(
    app: App, content: bytes, says: str
) -> None:
    before = await snapshot(app)
    reply = await admin_import(app, " --provider Hulu", Attachment("hulu.csv", content))
    assert reply.is_error and reply.kind != "apology", reply.text
    assert says in reply.text and "Nothing was written" in reply.text
    assert "Traceback" not in all_text(reply)
    assert await snapshot(app) == before


async def test_wrong_encoding_imports_once_the_encoding_is_given(app: App) -> None:
    latin = Attachment("hulu.csv", (HEADER + "s2,Movie,Amélie,,,,,2001,,,,\n").encode("cp1252"))
    reply = await admin_import(app, " --provider Hulu --encoding cp1252", latin)
    assert not reply.is_error, reply.text
    assert await offers(app, "Amélie")


async def test_size_limit_and_letterboxd_exports(app: App) -> None:
    before = await snapshot(app)
    huge = Attachment("huge.csv", HEADER.encode() + b"x" * MAX_CHAT_IMPORT_BYTES)
    too_big = await admin_import(app, "", huge)
    assert too_big.is_error and "20 MB" in too_big.text and "reelbot seed import" in too_big.text
    letterboxd = Attachment(
        "ratings.csv", b"Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Okja,2017,u,4\n"
    )
    theirs = await admin_import(app, "", letterboxd)
    assert theirs.is_error and "/import letterboxd" in theirs.text
    assert await snapshot(app) == before


async def test_without_a_file_or_with_bad_options_says_how(app: App) -> None:
    usage = await admin_import(app, "", None)
    assert not usage.is_error
    assert "Attach the catalog file" in usage.text and "--skip-bad" in usage.text
    console = await say(app, "/admin import --provider Netflix")
    assert "Attach the catalog file" in console.text
    for line, says in (
        (" --provider", "--provider needs a value"),
        (" --region USA", "two-letter region"),
        (" --as-of yesterday", "not a date"),
        (" --kind lease", "--kind is one of"),
        (" --format excel", "--format is one of"),
        (" --encoding klingon", "encoding"),
        (" --verbose", "I don't know the option '--verbose'"),
        (" --provider 'Prime Video", "couldn't read the options"),
    ):
        reply = await admin_import(app, line, csv_file(NEW))
        assert reply.is_error and says in reply.text, (line, reply.text)
    assert not await audit_rows(app, "import")


def test_option_parsing() -> None:
    request = parse_import_args('--provider="Disney+" --region=KR --skip-bad --dry-run')
    assert request.values == {"provider": "Disney+", "region": "KR"}
    assert request.flags == {"skip-bad", "dry-run"}
    with pytest.raises(UsageError):
        parse_import_args("--dry-run=yes")
    with pytest.raises(UsageError):
        parse_import_args("netflix.csv")


async def test_members_cannot_import(app: App) -> None:
    before = await snapshot(app)
    member = replace(admin(csv_file(NEW)), user_id="777", is_admin=False)
    reply = await app.dispatcher.handle(member, "/admin import --provider Netflix")
    assert reply.is_error and "Admins only" in reply.text
    assert await snapshot(app) == before
    # The bot's owners may, wherever they are.
    app.core.settings = replace(app.core.settings, owner_ids=frozenset({"telegram:777"}))
    owner = await app.dispatcher.handle(member, "/admin import --provider Netflix")
    assert not owner.is_error, owner.text


async def test_stats_last_import_reads_import_runs_and_the_audit_log(app: App) -> None:
    assert field(await say(app, "/admin stats"), "Last import") == "none yet"
    await admin_import(app, " --provider Netflix", csv_file(NEW, OKJA))
    last = field(await say(app, "/admin stats"), "Last import")
    assert last.startswith("catalog.csv (streaming): 1 added, 1 merged · ")
    assert last.endswith(" UTC by Mod Ana")

    await say(app, "/admin seed starter")
    last = field(await say(app, "/admin stats"), "Last import")
    assert last.startswith("starter catalog: 0 added, 177 already there · ")

    # An import that left no audit row (written before imports were audited) still counts.
    async with app.db.unit_of_work(write=True) as repos:
        now = m.utcnow()
        repos.session.add(
            m.ImportRun(
                format="movielens",
                file_name="ml-latest-small.zip",
                by="cli:ops",
                added=9742,
                started_at=now,
                finished_at=now,
            )
        )
    last = field(await say(app, "/admin stats"), "Last import")
    assert last.startswith("ml-latest-small.zip (movielens): 9,742 added, 0 merged · ")
    assert last.endswith("by cli:ops")

    # A member's own Letterboxd history is not a catalog import.
    await app.dispatcher.handle(
        replace(
            admin(),
            user_id="9",
            is_admin=False,
            attachment=Attachment(
                "ratings.csv", b"Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Okja,2017,u,4\n"
            ),
        ),
        "/import letterboxd",
    )
    assert field(await say(app, "/admin stats"), "Last import").startswith("ml-latest-small.zip")
    assert not await audit_rows(app, "import.letterboxd")


def test_cli_imports_and_starter_seeding_write_audit_rows(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "ops")
    monkeypatch.setenv("LOGNAME", "ops")
    runner = CliRunner()

    def run(*args: str) -> Any:
        env = {"DATABASE_URL": db_url, "REELBOT_DATA_DIR": str(tmp_path)}
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    path = tmp_path / "netflix_titles.csv"
    path.write_text(HEADER + NEW + OKJA, encoding="utf-8")
    assert "1 added, 1 merged" in run("seed", "import", str(path)).output
    run("seed", "import", str(path), "--dry-run")  # writes nothing, so no audit row either
    assert "0 added" in run("seed", "starter").output
    log = run("admin", "log", "5").output
    assert "(cli:ops) · seed.starter" in log and "(cli:ops) · import" in log
    assert log.count("· import") == 1
    stats = run("admin", "stats").output
    assert "starter catalog: 0 added, 177 already there" in stats
