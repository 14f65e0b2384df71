"""The architecture as the folders show it, checked on the import graph (grimp, the graph
import-linter reads): front ends -> features -> the shared kernel (bot/core) -> recommender and
db, never the other way, and no import cycles between modules (TYPE_CHECKING imports count:
a cycle hidden behind one is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PACKAGES = ("bot", "recommender", "db")
FRONT_ENDS = ("bot.telegram_adapter", "bot.discord_adapter", "bot.console_adapter")
CHAT_LIBRARIES = {"discord", "telegram", "simcord"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    modules = sorted(graph.modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_module_imports_itself_back(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("recommender", "bot"),
        ("recommender", "db"),
        ("db", "bot"),
        ("bot.core", "bot.features"),
        *[("bot.core", f) for f in FRONT_ENDS],
        *[("bot.features", f) for f in FRONT_ENDS],
    ],
)
def test_layers_only_import_downwards(graph: grimp.ImportGraph, lower: str, higher: str) -> None:
    chains = graph.find_shortest_chains(importer=lower, imported=higher, as_packages=True)
    assert not chains, f"{lower} must not import {higher}: {sorted(chains)[:3]}"


def test_front_ends_do_not_import_each_other(graph: grimp.ImportGraph) -> None:
    for one in FRONT_ENDS:
        for other in FRONT_ENDS:
            if one != other:
                assert not graph.find_shortest_chains(
                    importer=one, imported=other, as_packages=True
                )


def test_the_core_and_features_import_no_chat_library() -> None:
    root = Path(__file__).resolve().parents[1] / "bot"
    found = []
    for path in [*(root / "core").rglob("*.py"), *(root / "features").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in CHAT_LIBRARIES]
    assert found == []
