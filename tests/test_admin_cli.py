"""`reelbot seed review` and `reelbot admin` on a fresh SQLite database, as an admin types them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from tests import articles


def _env(tmp_path: Path) -> dict[str, str]:
    return {"REELBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "LOG_LEVEL": "WARNING"}


def test_seed_review_asks_then_saves_and_admin_commands_run_as_owner(tmp_path: Path) -> None:
    runner = CliRunner()
    article = tmp_path / "miracle.txt"
    article.write_text(articles.MIRACLE, encoding="utf-8")

    declined = runner.invoke(
        main, ["seed", "review", str(article), "--region", "US"], input="n\n", env=_env(tmp_path)
    )
    assert declined.exit_code == 0, declined.output
    assert "Grade: A+ → 5★" in declined.output
    assert "/admin review confirm" not in declined.output  # the prompt replaces the buttons
    assert "SECRET" not in declined.output
    assert "Nothing was saved" in declined.output

    saved = runner.invoke(
        main, ["seed", "review", "-", "--yes", "--region", "US"], input=articles.MIRACLE,
        env=_env(tmp_path),
    )  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert "Saved the editorial review of Miracle in Cell No. 7 A+ (5★)" in saved.output

    stats = runner.invoke(main, ["admin", "stats"], env=_env(tmp_path))
    assert stats.exit_code == 0 and "1 editorial" in stats.output
    log = runner.invoke(main, ["admin", "log"], env=_env(tmp_path))
    assert "review.add" in log.output

    bad = runner.invoke(main, ["admin", "where", "add", "Okja | Netflix | XX"], env=_env(tmp_path))
    assert bad.exit_code == 1 and "not a country" in bad.output


def test_seed_review_refuses_text_that_is_not_a_review(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["seed", "review", "-", "--yes"], input=articles.RECIPE, env=_env(tmp_path)
    )
    assert result.exit_code == 1
    assert "could not find which title" in result.output
    assert "Traceback" not in result.output
