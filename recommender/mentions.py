"""What a title's synopsis says about other catalog entries: the titles it names and the
directors it credits.

Distributors' blurbs carry facts no other field has: "From director Bong Joon-ho (THE HOST)",
"From PARK Chan-wook, the celebrated director of OLDBOY, LADY VENGEANCE and STOKER", "This
Emmy-nominated prequel to "Breaking Bad" ...". Imported films often come without credits, so
these are the only place that knows who made them or what they follow.

- Named titles: a quoted span, words in capitals ("THE HOST"; one word only in brackets, as
  "(MOTHER)"), or the names after "prequel to", "director of" and the like ("director of OLDBOY,
  LADY VENGEANCE and STOKER"), when one is the full name (or alias) of a catalog title of a
  genre in common. Several titles of that name: the best known one released no later than the
  naming title (a blurb names what came before it).
- Directors: two to four words that spell the name of someone who directs titles in the
  catalog, next to "director", "directed", "filmmaker" or "from" (so an actor who once directed
  something is not credited for every film he stars in).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from recommender.franchise import name_key
from recommender.models import TitleFacts

_QUOTED = re.compile(r"[\"“”](?P<span>[^\"“”]{2,80})[\"“”]")
# Words in capitals (OLDBOY, THE HOST, LADY VENGEANCE), joined by spaces and name punctuation.
_CAPITALS = re.compile(r"\b[A-Z0-9][A-Z0-9'’:&.\-]*(?:\s+[A-Z0-9][A-Z0-9'’:&.\-]*)*\b")
# A title after "prequel to", "director of": words that start with a capital or a digit, with
# small words between them, and lists of such ("OLDBOY, LADY VENGEANCE and STOKER").
_NAME = r"[A-Z0-9][\w'’:&\-]*(?:\s+(?:[A-Z0-9][\w'’:&\-]*|of|the|and|in|on|a))*"
_NAMES = rf"{_NAME}(?:\s*,\s*{_NAME})*"
_AFTER_CUE = re.compile(
    r"\b(?:prequel|sequel|spin-?off|follow-up|companion|successor|remake|reboot|adaptation)"
    r"\s+(?:to|of)\s+(?:the\s+(?:hit|acclaimed|beloved|popular)\s+\w+\s+)?"
    rf"(?P<span>{_NAMES})"
    r"|\b(?:director|creators?|makers?|writer|filmmaker)s?\s+of\s+"
    rf"(?P<made>{_NAMES})"
)
_LIST_SPLIT = re.compile(r"\s*(?:,|\band\b|\bAND\b|&)\s*")
_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")
_NAME_PUNCT = str.maketrans("", "", "'’-.")
_DIRECTOR_CUES = frozenset({"director", "directed", "directs", "filmmaker", "from", "auteur"})
# A one-word name must be this long to count ("IT", "UP", "FBI", "Closer" are words first).
MIN_ONE_WORD = 6
MAX_NAME_WORDS = 4


def _squeezed(name: str) -> str:
    """A name's key with spaces dropped too: "OLDBOY" names *Old Boy*."""
    return name_key(name).replace(" ", "")


def _person(words: Sequence[str]) -> str:
    return "".join(words).casefold().translate(_NAME_PUNCT)


def named_spans(synopsis: str) -> list[str]:
    """The parts of a synopsis that may be another title's name, in order."""
    spans = [m.group("span") for m in _QUOTED.finditer(synopsis)]
    for m in _AFTER_CUE.finditer(synopsis):
        spans.extend(_LIST_SPLIT.split(m.group("span") or m.group("made")))
    for m in _CAPITALS.finditer(synopsis):
        run = m.group(0)
        # One word in capitals is often just emphasis ("CLOSER than ever"), unless it stands
        # in brackets as a title does ("From director Bong Joon-ho (MOTHER)").
        bracketed = (
            synopsis[m.start() - 1 : m.start()] == "(" and synopsis[m.end() : m.end() + 1] == ")"
        )
        if " " in run.strip() or bracketed:
            spans.extend(_LIST_SPLIT.split(run))
    spans = [s.strip(" .:'’-") for s in spans]
    return [s for s in spans if " " in s or len(s) >= MIN_ONE_WORD]


def title_mentions(
    titles: Sequence[TitleFacts], fame: Callable[[TitleFacts], float]
) -> dict[int, set[int]]:
    """title id -> the catalog titles its synopsis names (never itself)."""
    by_key: dict[str, list[TitleFacts]] = {}
    for t in titles:
        for name in {t.name, t.original_name, *t.aliases}:
            if name:
                by_key.setdefault(_squeezed(name), []).append(t)
    out: dict[int, set[int]] = {}
    for t in titles:
        if not t.synopsis:
            continue
        for span in named_spans(t.synopsis):
            found = by_key.get(_squeezed(span))
            if not found:
                continue
            earlier = [o for o in found if o.id != t.id and _not_later(o, t) and _akin(o, t)]
            if earlier:
                out.setdefault(t.id, set()).add(max(earlier, key=fame).id)
    return out


def _akin(a: TitleFacts, b: TitleFacts) -> bool:
    """A genre in common, when both have genres: a crime drama's "THE HOST" is a film, not
    the reality show of that name."""
    ga, gb = {g.casefold() for g in a.genres}, {g.casefold() for g in b.genres}
    return not ga or not gb or bool(ga & gb)


def _not_later(named: TitleFacts, naming: TitleFacts) -> bool:
    return named.year is None or naming.year is None or named.year <= naming.year


def credited_directors(titles: Iterable[TitleFacts]) -> dict[int, tuple[str, ...]]:
    """title id -> directors its synopsis credits that its own credits lack, spelt as the
    catalog spells them elsewhere."""
    titles = list(titles)
    known: dict[str, str] = {}
    first_words: set[str] = set()  # a name can only start at one of these
    for t in titles:
        for d in t.directors:
            if len(words := d.split()) >= 2:
                known.setdefault(_person(words), d)
                first_words.add(_person(words[:1]))
    out: dict[int, tuple[str, ...]] = {}
    for t in titles:
        if t.synopsis and known:
            found = _directors_in(t.synopsis, known, first_words)
            extra = tuple(d for d in found if d not in t.directors)
            if extra:
                out[t.id] = extra
    return out


def _directors_in(synopsis: str, known: Mapping[str, str], first_words: set[str]) -> list[str]:
    words = _WORD.findall(synopsis.casefold())
    keys = [w.translate(_NAME_PUNCT) for w in words]
    found: list[str] = []
    for i, key in enumerate(keys):
        if key not in first_words:
            continue
        for size in range(2, MAX_NAME_WORDS + 1):
            name = known.get("".join(keys[i : i + size]))
            if name is None or name in found:
                continue
            near = {*words[max(0, i - 3) : i], *words[i + size : i + size + 4]}
            if near & _DIRECTOR_CUES:
                found.append(name)
    return found
