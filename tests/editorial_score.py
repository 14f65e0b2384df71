"""Scoring the editorial extractor against tests/editorial_corpus/: per field, how many facts it
found that the expectations list (precision) and how many listed facts it found (recall).

Shared by bench/editorial.py (the table) and tests/test_editorial_corpus.py (the goal)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.features.admin.articles import Article, extract

CORPUS = Path(__file__).parent / "editorial_corpus"
FIELDS = ("title", "grade", "verdict", "providers", "region", "compares", "credits", "spoilers")
_CREDIT_ROLES = {
    "original": "aliases",
    "director": "directors",
    "writer": "writers",
    "cast": "cast",
}


@dataclass
class Count:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0

    def sets(self, found: set[Any], wanted: set[Any]) -> None:
        self.true_pos += len(found & wanted)
        self.false_pos += len(found - wanted)
        self.false_neg += len(wanted - found)

    def single(self, found: Any, wanted: Any, same: bool) -> None:
        if found is not None and wanted is not None and same:
            self.true_pos += 1
            return
        self.false_pos += found is not None
        self.false_neg += wanted is not None


def _fold(text: str | None) -> str | None:
    return re.sub(r"\s+", " ", text).strip().casefold() if text else None


def _expected() -> dict[str, Any]:
    return dict(json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")))


def held_out() -> set[str]:
    """Articles written after the extractor was tuned on the rest."""
    return set(_expected()["_held_out"])


def corpus(which: str = "all") -> list[tuple[str, str, dict[str, Any]]]:
    """The articles with their expected facts: "all", "tuning" or "held-out"."""
    later = held_out()
    return [
        (name, (CORPUS / name).read_text(encoding="utf-8"), facts)
        for name, facts in sorted(_expected().items())
        if not name.startswith("_") and (which == "all" or (name in later) == (which == "held-out"))
    ]


def _compares(article: Article, wanted: dict[str, list[str]], count: Count) -> list[str]:
    """A phrase names every expected title it starts a list with; a phrase naming none is a
    false positive. Returns what went wrong, for the bench's details."""
    names = {n.casefold() for who in wanted.values() for n in who}
    phrases = [("author", p) for p in article.compare_phrases]
    phrases += [("reader", p) for p in article.reader_compare_phrases]
    phrases += [("author", ", ".join(names_)) for names_ in article.compare_lists]
    found: set[tuple[str, str]] = set()
    misses: list[str] = []
    for who, phrase in phrases:
        head = re.split(r"[.!?]\s|$", phrase, maxsplit=1)[0].casefold()
        hits = [n for n in names if re.search(rf"(?:^|,\s*|\bor\s+|\band\s+){re.escape(n)}", head)]
        if not hits:
            count.false_pos += 1
            misses.append(f"extra {who}: {phrase[:40]!r}")
        found |= {(who, n) for n in hits}
    want = {(who, n.casefold()) for who, ns in wanted.items() for n in ns}
    count.true_pos += len(found & want)
    count.false_pos += len(found - want)
    count.false_neg += len(want - found)
    misses += [f"missed {w}: {n}" for w, n in sorted(want - found)]
    return misses


def score(article: Article, facts: dict[str, Any], counts: dict[str, Count]) -> list[str]:
    """Adds one article's outcome to `counts`; returns a line per mistake."""
    mistakes: list[str] = []

    def check(field: str, found: Any, wanted: Any, same: bool) -> None:
        before = counts[field].true_pos
        counts[field].single(found, wanted, same)
        if counts[field].true_pos == before and (found is not None or wanted is not None):
            mistakes.append(f"{field}: got {found!r}, want {wanted!r}")

    title = (_fold(article.title), article.year) if article.title else None
    wanted_title = (_fold(facts["title"]), facts["year"])
    check("title", title, wanted_title, title == wanted_title)
    grade, wanted_grade = _fold(article.grade_text), _fold(facts["grade"])
    check("grade", grade, wanted_grade, grade == wanted_grade)
    verdict, wanted_verdict = _fold(article.verdict), _fold(facts["verdict"])
    check(
        "verdict",
        verdict,
        wanted_verdict,
        bool(verdict and wanted_verdict and wanted_verdict in verdict),
    )
    region = article.region if article.where_to_watch else None
    check("region", region, facts["region"], region == facts["region"])
    for field, found_set, wanted_set in (
        ("providers", set(article.where_to_watch), set(facts["providers"])),
        (
            "credits",
            {(r, n) for r, attr in _CREDIT_ROLES.items() for n in getattr(article, attr)},
            {(r, n) for r, ns in facts["credits"].items() for n in ns},
        ),
    ):
        counts[field].sets(found_set, wanted_set)
        if found_set != wanted_set:
            mistakes.append(
                f"{field}: extra {sorted(found_set - wanted_set)}, "
                f"missed {sorted(wanted_set - found_set)}"
            )
    mistakes += _compares(article, facts["compares"], counts["compares"])
    spoilers, wanted_spoilers = article.spoiler_sections, facts["spoilers"]
    leaked = "SECRET" in json.dumps(article.to_json(), ensure_ascii=False)
    tally = counts["spoilers"]
    tally.true_pos += min(spoilers, wanted_spoilers)
    tally.false_pos += max(0, spoilers - wanted_spoilers) + leaked
    tally.false_neg += max(0, wanted_spoilers - spoilers)
    if spoilers != wanted_spoilers or leaked:
        mistakes.append(f"spoilers: got {spoilers}, want {wanted_spoilers}, leaked={leaked}")
    return mistakes


def run(which: str = "all") -> tuple[dict[str, Count], dict[str, list[str]]]:
    counts = {field: Count() for field in FIELDS}
    mistakes: dict[str, list[str]] = {}
    for name, text, facts in corpus(which):
        if found := score(extract(text), facts, counts):
            mistakes[name] = found
    return counts, mistakes
