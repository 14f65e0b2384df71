"""Franchises and seasons recognised from the catalog's own names and facts.

Two titles are candidates when their names say so:
- numbered: one name is another's stem plus a number, a roman numeral or "Season/Part/Vol N"
  (*Toy Story* / *Toy Story 3*, *Hospital Playlist 2*, *Reply 1988* / *Reply 1997*), or both
  carry such a marker on one stem;
- subtitled: one name is the start of the other (*Kingdom* / *Kingdom: Ashin of the North*,
  *Shrek* / *Shrek the Third*), or both share the part before a colon (*The Lord of the Rings:
  The Two Towers* / *...: The Return of the King*); without a colon, facts alone link them only
  when both name a country and share one (*Memories* is no prequel of *Memories of Murder*).
A candidate pair is linked only when the facts agree: a shared director, writer or leading
cast member, or else (numbered names, or a short and specific shared stem) the same kind, an
overlapping genre, a compatible country and release years within a generation. That keeps
*Up* away from *Up in the Air* and *Frozen* away from *Frozen Planet*.

Seasons: linked series whose names are numbered with a small number or a season marker are
one show, folded into one line of a list (the earliest is the line's root); so are two titles
of one name and kind a year or two apart that agree on their facts (one show from two sources).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from recommender.formats import DOCUMENTARY, title_format
from recommender.models import TitleFacts

_PUNCT = re.compile(r"[^\w]+")
_ARTICLE = re.compile(r"^(the|a|an) ")
_ROMAN = {"ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_MARKER_WORDS = ("season", "series", "part", "vol", "volume", "chapter", "book")
_NUMBERED = re.compile(
    r"^(?P<stem>.+?) (?:(?P<word>" + "|".join(_MARKER_WORDS) + r") )?"
    r"(?P<number>\d{1,4}|" + "|".join(_ROMAN) + r")$"
)
# "Arthdal Chronicles Part 2: The Sky Turning": a season marker before a subtitle.
_INNER_SEASON = re.compile(r" (?:season|part) \d{1,2} ")
# A stem shared by more titles than this is too generic to link on names and genres alone.
MAX_LOOSE_GROUP = 8
MAX_GROUP = 100
MAX_YEAR_GAP = 30
LEAD_CAST = 5
MAX_SEASON_GAP = 4  # years between a docuseries' first season and its latest
SAME_LEADS = 2  # leading actors two entries of one year share when they are one title
LEADS = 3
SAME_NAME = 70  # rapidfuzz token_set_ratio of the names, out of 100


def name_key(name: str) -> str:
    """Casefolded, accents and punctuation dropped, a leading article dropped."""
    text = name.casefold().replace("&", " and ").replace("'", "")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return _ARTICLE.sub("", _PUNCT.sub(" ", text).replace("_", " ").strip())


@dataclass(frozen=True, slots=True)
class NamedParts:
    key: str
    stem: str | None  # the name without its number/season marker
    season_like: bool  # the marker reads as a season or part, not a year
    colon_stem: str | None  # the name before its first colon


def parse_name(name: str) -> NamedParts:
    key = name_key(name)
    colon_stem = None
    if ":" in name:
        head = name_key(name.split(":", 1)[0])
        colon_stem = head if head and head != key else None
    stem, season_like = _numbered(key)
    if stem is None and colon_stem:  # "Super Size Me 2: Holy Chicken!"
        stem, season_like = _numbered(colon_stem)
    if stem is None and (inner := _INNER_SEASON.search(key)):
        stem, season_like = key[: inner.start()], True
    return NamedParts(key, stem, season_like, colon_stem)


def _numbered(key: str) -> tuple[str | None, bool]:
    """(stem, reads as a season) for "stem N", "stem Season N", "stem II"; else (None, False)."""
    match = _NUMBERED.match(key)
    if not match:
        return None, False
    number = match.group("number")
    value = _ROMAN.get(number) or int(number)
    if match.group("word") or 1 < value <= 20 or value >= 1900:
        return match.group("stem"), match.group("word") is not None or value <= 20
    return None, False


@dataclass
class Franchises:
    """Linked titles (title id -> the ids it is linked with) and season lines (title id ->
    the id of the first season of its show, for titles that are a later or earlier season)."""

    links: dict[int, frozenset[int]] = field(default_factory=dict)
    season_root: dict[int, int] = field(default_factory=dict)

    def linked(self, title_id: int) -> frozenset[int]:
        return self.links.get(title_id, frozenset())

    def line_of(self, title_id: int) -> int:
        return self.season_root.get(title_id, title_id)

    @classmethod
    def build(cls, titles: Iterable[TitleFacts]) -> Franchises:
        titles = list(titles)
        by_id = {t.id: t for t in titles}
        parts = {t.id: parse_name(t.name) for t in titles}
        by_key: dict[str, list[int]] = {}
        for tid, p in parts.items():
            by_key.setdefault(p.key, []).append(tid)
        numbered: dict[str, set[int]] = {}
        subtitled: dict[str, set[int]] = {}
        prefixed: dict[str, set[int]] = {}  # one name starts another's, no colon between
        for tid, p in parts.items():
            if p.stem:
                numbered.setdefault(p.stem, set()).add(tid)
                numbered[p.stem].update(by_key.get(p.stem, ()))
            words = p.key.split(" ")
            for n in range(1, len(words)):
                prefix = " ".join(words[:n])
                if prefix in by_key and prefix != p.stem:
                    prefixed.setdefault(prefix, set()).update([tid, *by_key[prefix]])
            if p.colon_stem:
                subtitled.setdefault(p.colon_stem, set()).update(
                    [tid, *by_key.get(p.colon_stem, ())]
                )
        people = _People()
        links: dict[int, set[int]] = {}
        seasons = _UnionFind()
        # Without a number or a colon, a name that merely starts another is weak evidence
        # (*Memories* / *Memories of Murder*, *Burning* / *Burning Plain*): linked on facts
        # alone only when both titles name a country and share one.
        rules = (
            (numbered, _always, _agree),
            (subtitled, _specific, _agree),
            (prefixed, _specific, _agree_on_country),
        )
        for groups, loose_ok, agree in rules:
            for stem, members in groups.items():
                if len(members) < 2 or len(members) > MAX_GROUP:
                    continue
                loose = loose_ok(stem, len(members))
                # Without the facts rule only shared people link: the pairs that share one
                # come from who is in which title, not from every pair of a big group.
                pairs = (
                    combinations(sorted(members), 2)
                    if loose
                    else people.sharing_pairs([by_id[t] for t in members])
                )
                for a, b in pairs:
                    ta, tb = by_id[a], by_id[b]
                    if not (people.shared(ta, tb) or (loose and agree(ta, tb))):
                        continue
                    links.setdefault(a, set()).add(b)
                    links.setdefault(b, set()).add(a)
                    if groups is numbered and _seasons_of_one_show(parts[a], parts[b], ta, tb):
                        seasons.union(a, b)
        # One show imported twice (two sources, years a season apart): one line.
        for same_name in by_key.values():
            if not 1 < len(same_name) <= MAX_LOOSE_GROUP:
                continue
            for a, b in combinations(sorted(same_name), 2):
                ta, tb = by_id[a], by_id[b]
                close = ta.year is None or tb.year is None or abs(ta.year - tb.year) <= 2
                alike = ta.kind == tb.kind and (people.shared(ta, tb) or _agree(ta, tb))
                if (close and alike) or _one_docuseries(ta, tb):
                    seasons.union(a, b)
        # One show or film under two names (Netflix's *Strong Girl Bong-soon* is MyDramaList's
        # *Strong Woman Do Bong Soon*): the same kind and year and two leading actors in common.
        for a, b in _same_leads(titles, people):
            seasons.union(a, b)
        roots = seasons.groups(lambda ids: min(ids, key=lambda t: (by_id[t].year or 0, t)))
        return cls(
            links={t: frozenset(s) for t, s in links.items()},
            season_root={t: r for t, r in roots.items() if t != r},
        )


def _same_leads(titles: Sequence[TitleFacts], people: _People) -> list[tuple[int, int]]:
    """Pairs of titles of one kind and year that share at least SAME_LEADS leading actors and
    most of their name's words (two westerns of one star and year are two films; *Rambo: Last
    Blood (4K UHD)* and *Rambo: Last Blood* are one)."""
    by_id = {t.id: t for t in titles}
    by_actor: dict[tuple[str, int, str], list[int]] = {}
    for t in titles:
        if t.year is not None:
            for actor in people.leads(t):
                by_actor.setdefault((actor, t.year, t.kind), []).append(t.id)
    shared: dict[tuple[int, int], int] = {}
    for ids in by_actor.values():
        if 1 < len(ids) <= MAX_LOOSE_GROUP:  # a prolific actor's year says nothing
            for pair in combinations(sorted(ids), 2):
                shared[pair] = shared.get(pair, 0) + 1
    return [
        (a, b)
        for (a, b), n in shared.items()
        if n >= SAME_LEADS
        and fuzz.token_set_ratio(name_key(by_id[a].name), name_key(by_id[b].name)) >= SAME_NAME
    ]


def _always(stem: str, size: int) -> bool:
    return True


def _specific(stem: str, size: int) -> bool:
    return size <= MAX_LOOSE_GROUP and (" " in stem or len(stem) >= 6)


class _People:
    """Each title's crew and leading cast as name keys, made once per title."""

    def __init__(self) -> None:
        self._crew: dict[int, frozenset[str]] = {}
        self._cast: dict[int, frozenset[str]] = {}

    def _of(self, t: TitleFacts) -> tuple[frozenset[str], frozenset[str]]:
        if t.id not in self._crew:
            self._crew[t.id] = frozenset(name_key(p) for p in (*t.directors, *t.writers))
            self._cast[t.id] = frozenset(name_key(p) for p in t.cast[:LEAD_CAST])
        return self._crew[t.id], self._cast[t.id]

    def leads(self, t: TitleFacts) -> list[str]:
        return [name_key(p) for p in t.cast[:LEADS]]

    def sharing_pairs(self, titles: Sequence[TitleFacts]) -> list[tuple[int, int]]:
        """The pairs (smaller id first, sorted) of these titles that `shared` says share a
        director, writer or leading actor."""
        with_name: dict[tuple[bool, str], list[int]] = {}
        for t in titles:
            crew, cast = self._of(t)
            for key in crew:
                with_name.setdefault((True, key), []).append(t.id)
            for key in cast:
                with_name.setdefault((False, key), []).append(t.id)
        pairs = {
            pair
            for ids in with_name.values()
            if len(ids) > 1
            for pair in combinations(sorted(ids), 2)
        }
        return sorted(pairs)

    def shared(self, a: TitleFacts, b: TitleFacts) -> bool:
        crew_a, cast_a = self._of(a)
        crew_b, cast_b = self._of(b)
        return bool(crew_a & crew_b or cast_a & cast_b)


def _overlap_or_unknown(a: Sequence[str], b: Sequence[str]) -> bool:
    if not a or not b:
        return True
    return bool({x.casefold() for x in a} & {x.casefold() for x in b})


def _agree(a: TitleFacts, b: TitleFacts) -> bool:
    return (
        a.kind == b.kind
        and bool(a.genres)
        and bool(b.genres)
        and _overlap_or_unknown(a.genres, b.genres)
        and _overlap_or_unknown(a.countries, b.countries)
        and (a.year is None or b.year is None or abs(a.year - b.year) <= MAX_YEAR_GAP)
    )


def _one_docuseries(a: TitleFacts, b: TitleFacts) -> bool:
    """A documentary of one name as a film and as a series, a few years apart: film data sets
    list docuseries as films (MovieLens's *Making a Murderer* (2015) is Netflix's series,
    dated by its latest season)."""
    documentary = all(title_format(t) & DOCUMENTARY for t in (a, b))
    near = a.year is None or b.year is None or abs(a.year - b.year) <= MAX_SEASON_GAP
    return documentary and near and _overlap_or_unknown(a.countries, b.countries)


def _agree_on_country(a: TitleFacts, b: TitleFacts) -> bool:
    return bool(a.countries) and bool(b.countries) and _agree(a, b)


def _seasons_of_one_show(pa: NamedParts, pb: NamedParts, a: TitleFacts, b: TitleFacts) -> bool:
    if a.kind != "series" or b.kind != "series":
        return False
    marked = [p for p in (pa, pb) if p.stem]
    return all(p.season_like for p in marked)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)

    def groups(self, pick_root: Callable[[list[int]], int]) -> dict[int, int]:
        """member -> the root `pick_root(members)` chooses for its group."""
        members: dict[int, list[int]] = {}
        for x in list(self.parent):
            members.setdefault(self.find(x), []).append(x)
        out: dict[int, int] = {}
        for ids in members.values():
            root = pick_root(ids)
            out.update({t: root for t in ids})
        return out
