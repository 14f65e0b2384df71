"""The command declarations: what a typed invocation compiles to (the line each handler already
reads), usages derived from them, and rules every declaration keeps so that every front end can
build on it (names, descriptions, questions for what is required)."""

from __future__ import annotations

import re

import pytest

from bot.app import App
from bot.core.declaration import Command, command_line, find_leaf, required_params, usage
from bot.core.dispatch import Dispatcher
from bot.features.admin.commands import ADMIN
from bot.features.library.letterboxd import IMPORT
from bot.features.recommend import commands as recommend
from bot.features.reviews import commands as reviews
from bot.features.reviews.myratings import RatingsView
from bot.features.watchparty.parties import WATCHPARTY
from tests.support import say

NAME = re.compile(r"^[a-z0-9_-]{1,32}$")


def path_to(command: Command, words: str) -> tuple[Command, ...]:
    found = find_leaf(command, words)
    assert found is not None and not found[1], words
    return found[0]


def core(name: str) -> Command:
    """One of the member commands every chat has."""
    return next(c for c in (*recommend.COMMANDS, *reviews.COMMANDS) if c.name == name)


@pytest.mark.parametrize(
    ("command", "words", "values", "line"),
    [
        (
            WATCHPARTY,
            "new",
            {"when": "sat 8pm", "titles": "Parasite; Okja", "voting": "2d"},
            "/watchparty new sat 8pm; Parasite; Okja --for 2d",
        ),
        (WATCHPARTY, "new", {"titles": "Parasite; Okja"}, "/watchparty new Parasite; Okja"),
        (WATCHPARTY, "status", {}, "/watchparty status"),
        (
            core("recommend"),
            "",
            {"title": "#12", "n": 3, "only": "series", "on": "Prime Video, Viki", "in": "kr"},
            "/recommend #12 3 --series --on primevideo,viki --in KR",
        ),
        (core("recommend"), "", {"n": 2, "unrated": True}, "/recommend 2 --unrated"),
        (
            core("review"),
            "",
            {"title": "#4", "rating": "8/10", "text": "a pig", "spoiler": True},
            "/review #4 | 8/10 | a pig --spoiler",
        ),
        (core("review"), "", {"title": "#4", "rating": "4", "spoiler": False}, "/review #4 | 4"),
        (
            core("review"),
            "",
            {"title": "#4", "rating": "4", "on": "30 nov"},
            "/review #4 | 4 --on 30 nov",  # the day's words as typed: the handler reads them
        ),
        (
            core("myratings"),
            "",
            {"page": 2, "sort": "rating", "spoilers": True},
            RatingsView(2, "rating", True).command(),
        ),
        (WATCHPARTY, "move", {"when": "sun 9pm"}, "/watchparty move sun 9pm"),
        (
            ADMIN,
            "where add",
            {"title": "#1", "service": "Netflix", "region": "us", "link": "https://x.example"},
            "/admin where add #1 | Netflix | US |  | https://x.example",
        ),
        (
            ADMIN,
            "title edit",
            {"title": "#1", "year": 2018, "kind": "film"},
            "/admin title edit #1 year:2018 kind:film",
        ),
        (
            ADMIN,
            "review",  # the article: written without a word of its own
            {"text": "GRADE A", "region": "US", "grade": "3.5 stars", "file": object()},
            "/admin review GRADE A --region US --grade '3.5 stars'",
        ),
        (
            ADMIN,
            "import",
            {"provider": "Prime Video", "skip_bad": True, "dry_run": False},
            "/admin import --provider 'Prime Video' --skip-bad",
        ),
        (ADMIN, "seed starter", {}, "/admin seed starter"),
        (IMPORT, "", {}, "/import letterboxd"),
    ],
)
def test_a_typed_invocation_compiles_to_the_command_line(
    command: Command, words: str, values: dict[str, object], line: str
) -> None:
    assert command_line(path_to(command, words), values) == line


def test_usages_come_from_the_declaration() -> None:
    assert usage((core("where"),)) == "/where <title> [region] [--notify]"
    assert usage((core("review"),)).startswith("/review <title> <rating> [text] [--spoiler]")
    assert usage((WATCHPARTY,)).startswith("/watchparty new|status|join|leave|move|close")
    assert usage(path_to(ADMIN, "where add")).startswith(
        "/admin where add <title> | <service> | <region> | [kind]"
    )
    assert "--series|--film" in usage((core("recommend"),))


async def test_every_declaration_keeps_the_rules_front_ends_build_on(app: App) -> None:
    commands = app.dispatcher.commands
    assert len({c.name for c in commands}) == len(commands)
    for command in commands:
        assert command.example.startswith(f"/{command.name}"), command.name
        for path, leaf in command.leaves():
            assert len(path) <= 3, "Discord nests subcommands two levels at most"
            for node in path:
                assert NAME.match(node.name), node.name
                assert 0 < len(node.description) <= 100, node.name
            assert len(leaf.params) <= 25
            names = [p.name for p in leaf.params]
            assert len(set(names)) == len(names), usage(path)
            for param in leaf.params:
                assert NAME.match(param.name) and 0 < len(param.description) <= 100
                assert param.kind.value_type != "text" or param.limits[2] or param.choices
            for param in required_params(leaf):
                assert param.ask().endswith(("?", ".")), param.name  # a Telegram question
            # What the declaration compiles to reaches the handler: never "I don't know".
            if not required_params(leaf) and not command.admin_only:
                reply = await say(app, command_line(path, {}), user="declaration-walker")
                assert "I don't know" not in (reply.text or ""), usage(path)


async def test_help_for_one_command_lists_its_subcommands(app: App) -> None:
    reply = await say(app, "/help watchparty")
    assert [i.text.split()[1] for i in reply.items] == [
        "new",
        "status",
        "join",
        "leave",
        "move",
        "close",
        "cancel",
        "history",
    ]
    assert "when:" in reply.items[0].extra
    unknown = await say(app, "/help nope")
    assert unknown.kind == "error" and "/help" in unknown.text


def test_the_dispatcher_finds_the_declared_leaf(app: App) -> None:
    dispatcher: Dispatcher = app.dispatcher
    found = dispatcher.leaf_of("/admin where add Okja | Netflix")
    assert found is not None
    path, rest = found
    assert [c.name for c in path] == ["admin", "where", "add"] and rest == "Okja | Netflix"
    article = dispatcher.leaf_of("/admin review FINAL GRADE: A")
    assert article is not None and article[0][-1].name == "article"
    assert dispatcher.leaf_of("/admin frobnicate") is None
