"""The console chat end to end: run_chat over in-memory streams, rendering, and the real
`reelbot chat` process with commands piped in."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.app import App
from bot.console_adapter.chat import console_context, run_chat
from bot.console_adapter.render import render
from bot.core.replies import Action, Field, Item, Reply, TitleCard
from tests.support import rating_rows

REPO = Path(__file__).resolve().parent.parent


async def chat(app: App, script: str, user: str = "ana", region: str | None = None) -> str:
    stdout = io.StringIO()
    await run_chat(app.dispatcher, console_context(user, region), io.StringIO(script), stdout)
    return stdout.getvalue()


async def test_piped_commands_get_one_reply_each_until_eof(app: App) -> None:
    script = (
        "/recommend Miracle in Cell No. 7\n"
        "\n"
        "   \n"
        "# a comment line is skipped\n"
        "/where Prison Playbook US\n"
        "/review Okja 4 lovely pig\n"
        "/myratings"  # the last line has no newline
    )
    out = await chat(app, script)
    assert "If you liked Miracle in Cell No. 7 (2013)" in out
    assert "Prison Playbook (2017)" in out and "I Am Sam (2001)" in out
    assert "Netflix" in out
    assert "Okja (2017)" in out
    assert "lovely pig" in out  # /myratings shows the review
    assert "a comment line" not in out
    assert "reelbot console" not in out  # no welcome banner when piped
    # One block per command, separated by a blank line; nothing for blank or comment lines.
    blocks = [b for b in out.split("\n\n") if b.strip()]
    assert len(blocks) == 4
    assert blocks[0].startswith("If you liked Miracle in Cell No. 7")
    assert blocks[1].startswith("🎬 Where to watch Prison Playbook")
    assert blocks[3].startswith("Your 1 rating")
    assert [r[3] for r in await rating_rows(app)] == ["lovely pig"]


async def test_empty_input_ends_at_once_with_no_output(app: App) -> None:
    assert await chat(app, "") == ""
    assert await chat(app, "\n\n# nothing\n") == ""


async def test_errors_are_marked_and_the_chat_goes_on(app: App) -> None:
    out = await chat(app, "/nope\nhello\n/title zzqqxxvvkk\n/help\n")
    lines = out.splitlines()
    assert sum(1 for line in lines if line.startswith("⚠")) == 3
    assert "/myratings" in out  # /help still answered after the errors


async def test_console_region_filters_where_to_watch(app: App) -> None:
    out = await chat(app, "/where Prison Playbook\n", region="KR")
    assert "Tving" in out
    assert "(US)" not in out


async def test_spoilers_are_hidden_in_the_console(app: App) -> None:
    out = await chat(
        app, "/review Okja 4 --spoiler the pig lives\n/reviews Okja\n/myratings\n", user="ben"
    )
    assert "the pig lives" not in out
    assert "spoiler" in out.lower()


async def test_stored_control_characters_never_reach_the_terminal(app: App) -> None:
    out = await chat(app, "/review Okja 4 \x1b[2Jwiped\u202e\n/reviews Okja\n")
    assert "\x1b" not in out and "\u202e" not in out
    assert "wiped" in out


def test_render_shows_every_part_of_a_reply() -> None:
    reply = Reply(
        text="Heading text",
        card=TitleCard(
            title_id=1,
            heading="Okja (2017)",
            subheading="Korean film",
            fields=(Field("Country", "South Korea"), Field("Distribution", "5★ 1\n4★ 2")),
            body="A girl and her pig.",
        ),
        items=(
            Item("First item", "its reason", "▶ Netflix US"),
            Item("Second item", "the twist", spoiler=True),
        ),
        notes=("A note.",),
        actions=(Action("More", "/recommend #1"),),
    )
    out = render(reply)
    for part in (
        "Heading text",
        "Okja (2017)",
        "Korean film",
        "Country: South Korea",
        "5★ 1",
        "4★ 2",
        "A girl and her pig.",
        "1. First item",
        "its reason",
        "▶ Netflix US",
        "2. Second item",
        "A note.",
        "/recommend #1",
    ):
        assert part in out, part
    assert "the twist" not in out
    assert not out.startswith("⚠")
    assert render(Reply(text="bad", kind="error")).startswith("⚠")


def test_render_wraps_long_lines() -> None:
    out = render(Reply(text="word " * 200, notes=("note " * 100,)))
    assert max(len(line) for line in out.splitlines()) <= 100


def _reelbot_chat(
    stdin: str, data_dir: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["REELBOT_DATA_DIR"] = str(data_dir)
    env.pop("REELBOT_DEFAULT_REGION", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )


def test_reelbot_chat_process_answers_piped_commands(tmp_path: Path) -> None:
    done = _reelbot_chat(
        "/recommend Miracle in Cell No. 7\n/review Prison Playbook 5 brilliant\n", tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Prison Playbook" in done.stdout
    assert "I Am Sam" in done.stdout
    assert "Traceback" not in done.stderr
    # A fresh SQLite database was made where REELBOT_DATA_DIR points, and it keeps the review.
    assert (tmp_path / "reelbot.sqlite3").is_file()
    again = _reelbot_chat("/myratings\n", tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Prison Playbook" in again.stdout and "brilliant" in again.stdout


async def test_myratings_pages_and_remove_are_text_commands(app: App) -> None:
    snap = await app.core.catalog.get()
    for n, tid in enumerate(sorted(snap.titles)[:12]):
        await chat(app, f"/review #{tid} 4 --on 2026-10-{n + 1:02d}\n")
    out = await chat(app, "/myratings 2\n")
    assert "11. " in out and "12. " in out and "\n1. " not in out
    assert "[✕ 11] /review #" in out and "[◀ Previous] /myratings" in out
    remove = out.split("[✕ 11] ")[1].split("   ")[0].strip()
    removed = await chat(app, f"{remove}\n")
    assert "Removed your rating of" in removed and "/review #" in removed
    undo = removed.split("[Undo] ")[1].split("   ")[0].strip()
    assert "Restored your rating of" in await chat(app, f"{undo}\n")
