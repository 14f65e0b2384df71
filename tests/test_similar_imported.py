"""Similar titles on the imported catalog (../shared/data, no starter catalog), from what the
catalog's own data says: a title a synopsis names, and the format a list keeps to."""

from __future__ import annotations

from bot.app import App
from tests.imported_catalog import imported_app
from tests.support import say

__all__ = ["imported_app"]  # the fixture, imported for pytest


async def test_the_prequel_a_synopsis_names_is_listed_with_that_reason(imported_app: App) -> None:
    # Netflix: Better Call Saul is 'This Emmy-nominated prequel to "Breaking Bad" ...'.
    reply = await say(imported_app, "/recommend Breaking Bad")
    assert not reply.is_error, reply.text
    top = {item.text.split(" (")[0]: item.detail for item in reply.items[:3]}
    assert "Better Call Saul" in top, list(top)
    assert "its synopsis names Breaking Bad" in top["Better Call Saul"]


async def test_a_documentarys_list_is_documentaries(imported_app: App) -> None:
    reply = await say(imported_app, "/recommend Bowling for Columbine")
    assert not reply.is_error, reply.text
    kinds = [item.text.split(" — ")[1] for item in reply.items]
    assert all("Documentary" in k for k in kinds), kinds
