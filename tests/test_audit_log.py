"""The audit log on SQLite and PostgreSQL: an edit that changes nothing leaves no row, an edit row
names the old and the new value, and the shell's commands all act as one actor."""

from __future__ import annotations

import getpass
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from bot.app import App
from bot.cli import main
from db import models as m
from tests.editorial_score import CORPUS
from tests.support import say, title_id


async def audit_rows(app: App) -> list[m.AuditEntry]:
    async with app.db.unit_of_work() as repos:
        return list(await repos.session.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id)))


async def test_an_edit_that_changes_nothing_writes_no_row(app: App) -> None:
    tid = await title_id(app, "Miracle in Cell No. 7", 2013)
    async with app.db.unit_of_work() as repos:
        revision = await repos.catalog.revision()
    same = await say(app, f"/admin title edit #{tid} year:2013")
    assert not same.is_error, same.text
    assert same.text.startswith("Nothing changed")
    assert await audit_rows(app) == []
    async with app.db.unit_of_work() as repos:
        assert await repos.catalog.revision() == revision  # caches need not reload


async def test_an_edit_row_shows_the_old_and_the_new_value(app: App) -> None:
    tid = await title_id(app, "Miracle in Cell No. 7", 2013)
    edited = await say(app, f"/admin title edit #{tid} year:2012 runtime:130")
    assert not edited.is_error, edited.text
    (row,) = await audit_rows(app)
    assert row.action == "title.edit"
    assert row.before is not None and row.after is not None
    assert row.before["year"] == 2013 and row.after == {"year": 2012, "runtime_minutes": 130}
    assert set(row.before) == {"year", "runtime_minutes"}  # only what changed
    log = await say(app, "/admin log")
    (item,) = log.items
    assert "year: 2013 → 2012" in (item.extra or "")
    assert "runtime_minutes:" in (item.extra or "") and "→ 130" in (item.extra or "")


def test_shell_commands_are_logged_under_one_actor(db_url: str, tmp_path: Path) -> None:
    env = {"REELBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    runner = CliRunner()
    article = CORPUS / "04_no_grade_credits_block.txt"
    reviewed = runner.invoke(main, ["seed", "review", str(article), "--yes"], env=env)
    assert reviewed.exit_code == 0, reviewed.output
    edited = runner.invoke(main, ["admin", "title", "edit", "Okja", "runtime:121"], env=env)
    assert edited.exit_code == 0, edited.output
    seeded = runner.invoke(main, ["seed", "starter"], env=env)
    assert seeded.exit_code == 0, seeded.output
    log = runner.invoke(main, ["admin", "log"], env=env)
    assert log.exit_code == 0, log.output
    actions = [line for line in log.output.splitlines() if " · " in line and "(" in line]
    who = f"({'cli:' + getpass.getuser()})"
    assert {"review.add", "title.edit", "seed.starter"} <= {a.rsplit(" · ", 1)[-1] for a in actions}
    assert actions and all(who in a for a in actions), log.output
