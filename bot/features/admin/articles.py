"""Reading a review article pasted from a blog: what it reviews, who wrote it, the grade as
written, the verdict, where to watch, the people, and the titles it compares with.

Pure text in, an `Article` out: no database and no catalog. Matching the names to catalog titles
happens in bot/features/admin/editorial_desk.py. Spoiler sections are cut out before anything
else is read, so nothing inside them can reach a synopsis, a verdict or a reply; the facts
stated inside them (a grade, a comparison, credits, where to watch) are still read. Page
clutter (share buttons, subscribe boxes, affiliate notes) is dropped; the comment list and
quoted reader reviews are read only for the titles readers compare with, kept apart from the
author's.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.core.errors import BadRatingError
from bot.core.ratings import parse_rating
from bot.core.text import COUNTRIES, clean_user_text, shorten

MAX_ARTICLE_CHARS = 100_000
MAX_VERDICT_CHARS = 300
MAX_SYNOPSIS_CHARS = 700

# -- spoilers ------------------------------------------------------------------------------------

_SPOILER_OPEN = re.compile(
    r"\[\s*(?:spoiler(?:s)?(?:\s+alert|\s+warning|\s+ahead)?|/?\s*spoiler\s+start)\s*\]",
    re.IGNORECASE,
)
_SPOILER_CLOSE = re.compile(
    r"\[\s*(?:/\s*spoilers?|end\s+(?:of\s+)?spoilers?|spoilers?\s+end(?:s)?)\s*\]", re.IGNORECASE
)
_INLINE_SPOILERS = (
    re.compile(r"\|\|.*?\|\|", re.DOTALL),  # Discord-style ||hidden||
    re.compile(r"\((?:spoiler|spoilers)\s*:[^)]*\)", re.IGNORECASE),
    re.compile(r">!.*?!<", re.DOTALL),  # Reddit-style
)
# A short line announcing spoilers: "Spoilers", "SPOILERS AHEAD", "Ending explained (spoilers)".
_SPOILER_HEADING = re.compile(r"^\W*(?:.{0,40}\b)?spoilers?\b.{0,40}$", re.IGNORECASE)
_SPOILER_HEADING_END = re.compile(
    r"^\W*(?:end\s+(?:of\s+)?spoilers?|spoilers?\s+(?:end|over)(?:\s+here)?|"
    r"(?:ok(?:ay)?,?\s+)?spoilers?\s+done|no\s+more\s+spoilers)\W*$",
    re.IGNORECASE,
)
# Sections that are never part of a spoiler section: they end one that had no closing mark.
_SAFE_HEADINGS = re.compile(
    r"^\W*(?:the\s+|final\s+|our\s+)?(?:verdict|final thoughts|conclusion|bottom line|"
    r"overall|where to (?:watch|stream)|in short|tl;?dr)\W*$",
    re.IGNORECASE,
)

# -- page clutter --------------------------------------------------------------------------------

_CLUTTER_LINE = re.compile(
    r"^\W*(?:share(?:\s+(?:this|on)\b.*)?|tweet|pin(?:\s+it)?|email|print|whatsapp|reddit|"
    r"facebook|twitter|linkedin|telegram|copy link|like this:?|loading\.*|related|"
    r"related posts?:?|you (?:may|might) also like:?|read more.*|continue reading.*|"
    r"advertisement|sponsored|skip to (?:content|main content)|menu|search|home|"
    r"previous (?:post|article).*|next (?:post|article).*|post navigation|"
    r"(?:tags?|categories|filed under|posted in)\s*:.*|"
    r"click to share.*|share this.*|\d+\s+shares?|"
    r"(?:image|photo|poster)\s*(?:credit|courtesy|via)\s*:?.*|source:\s*(?:netflix|imdb).*)\W*$",
    re.IGNORECASE,
)
_CLUTTER_ANYWHERE = re.compile(
    r"subscribe|newsletter|sign up|enter your (?:e-?mail|email address)|affiliate|commission|"
    r"qualifying purchases|paid links?|as an amazon associate|cookies?\b.*\b(?:accept|policy)|"
    r"privacy policy|all rights reserved|©|copyright \d{4}|your email address will not be|"
    r"required fields are marked|notify me of|save my name|follow us on|join our|patreon|"
    r"buy me a coffee|ko-?fi",
    re.IGNORECASE,
)
_BREADCRUMB = re.compile(r"^\s*(?:home\s*[»›>/|]|[^\n]{0,60}\s[»›]\s)", re.IGNORECASE)
# Where the comment list starts: everything after it is readers, not the review.
_COMMENTS_START = re.compile(
    r"^\W*(?:\d+\s+(?:comments?|thoughts? on\b.*|responses?(?:\s+to\b.*)?|replies)|"
    r"comments?(?:\s*\(\d+\))?|leave a (?:reply|comment).*|join the discussion.*|"
    r"comments are closed.*|add a comment.*|what do you think\?*|discussion)\W*$",
    re.IGNORECASE,
)

# -- labelled fields -----------------------------------------------------------------------------

_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z &'/.;-]{0,30}?)\s*[:：]\s*(?P<value>.*)$")
_GRADE_LABELS = {
    "final grade": 3, "final score": 3, "final rating": 3, "overall": 3, "overall grade": 3,
    "overall score": 3, "overall rating": 3, "our rating": 3, "our grade": 3, "our score": 3,
    "verdict": 2, "the verdict": 2, "final verdict": 2, "grade": 2, "rating": 2, "score": 2,
    "my rating": 2, "my grade": 2, "my score": 2, "stars": 1,
}  # fmt: skip
_VERDICT_LABELS = frozenset(
    {
        "verdict", "the verdict", "final verdict", "bottom line", "the bottom line", "in short",
        "tl;dr", "tldr", "final thoughts", "conclusion", "in a nutshell", "overall", "summary",
        "should you watch it", "worth watching",
    }
)  # fmt: skip
_WHERE_LABELS = frozenset(
    {
        "where to watch", "where to stream", "watch it on", "stream it on", "streaming on",
        "available on", "streaming", "watch on", "now streaming on", "where can i watch it",
    }
)  # fmt: skip
_PEOPLE_LABELS = {
    "director": "director", "directors": "director", "directed by": "director",
    "screenwriter": "writer", "screenwriters": "writer", "writer": "writer",
    "writers": "writer", "written by": "writer", "screenplay": "writer",
    "screenplay by": "writer", "script": "writer",
    "cast": "cast", "main cast": "cast", "starring": "cast", "stars": "cast",
    "actors": "cast", "lead actors": "cast", "leads": "cast",
}  # fmt: skip
_TITLE_LABELS = frozenset(
    {
        "title", "movie", "film", "drama", "series", "show", "k-drama", "kdrama",
        "movie title", "drama title", "film title", "english title",
    }
)  # fmt: skip
_REVIEWER_LABELS = frozenset(
    {"reviewer", "review by", "reviewed by", "author", "critic", "posted by", "by"}
)
_SITE_LABELS = frozenset({"site", "blog", "publication", "source", "published on", "website"})
_SYNOPSIS_LABELS = frozenset({"synopsis", "plot", "premise", "story", "what it's about"})
_ALIAS_LABELS = frozenset(
    {
        "original title", "korean title", "native title", "also known as", "aka", "a.k.a",
        "hangul", "alternative title", "alternate title",
    }
)  # fmt: skip
_YEAR_LABELS = frozenset({"year", "release year", "released", "release date", "aired", "air date"})
_INLINE_LABEL = re.compile(
    r"\s+(?P<label>"
    + "|".join(
        re.escape(label)
        for label in sorted(
            {*_GRADE_LABELS, *_VERDICT_LABELS, *_WHERE_LABELS, *_PEOPLE_LABELS},
            key=len,
            reverse=True,
        )
    )
    + r")\s*[:：]",
    re.IGNORECASE,
)
_NOT_A_GRADE = re.compile(r"\b(?:age|content|mpaa|parental|tv)\s+rating\b|\brated\b", re.I)

# -- grades --------------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:[.,]\d{1,2})?"
_GRADE_FORMS = (
    re.compile(rf"(?<![\d.])({_NUM})\s*(?:/|out\s+of)\s*(5|10|100)(?!\d)(?:\s*stars?)?", re.I),
    re.compile(rf"(?<![\d.])({_NUM})\s*%"),
    re.compile(r"([★⭐]+\s*½?\s*☆*|½\s*☆*)"),  # "★★★☆☆": the empty stars are the scale
    re.compile(rf"(?<![\d.])({_NUM})\s*(?:★|⭐|stars?)(?!\w)", re.I),
    # A letter grade stands alone ("A+", "B (good)"); "A shameless tearjerker" is an article.
    re.compile(r"(?<![\w+-])([A-DF][+-]?)(?=\s*(?:$|[.,;:!)(|–—-]))"),
)
# "9/10" needs no cue even in a sentence: nothing else is written that way.
_OUT_OF_TEN = re.compile(r"(?<![\d./])(?P<grade>\d{1,2}(?:[.,]\d)?\s*/\s*10)(?![\d/])")
_BARE_NUMBER = re.compile(rf"^\s*({_NUM})\s*$")
_INLINE_GRADE = re.compile(
    r"\b(?:i\s+give\s+it|i(?:'d|\s+would)\s+give\s+it|we\s+give\s+it|giving\s+it|i\s+rate\s+it|we\s+rate\s+it|rating\s+it|"
    r"gets?\s+an?|earns?\s+an?|scores?|a\s+score\s+of|an?\s+solid|grade\s+of)\b[^.!?\n]{0,25}?"
    rf"(?P<grade>{_NUM}\s*(?:/|out\s+of)\s*(?:5|10|100)|{_NUM}\s*stars?|[A-DF][+-]?(?=[\s.,!;]|$))",
    re.IGNORECASE,
)

# -- headlines, bylines, comparisons -------------------------------------------------------------

_KIND_WORDS = r"(?:movie|film|k-?drama|drama|series|tv|show|anime|documentary)"
_HEADLINE_PATTERNS = (
    re.compile(
        rf"^\W*(?:{_KIND_WORDS}\s+)?review\s*(?:[:\-–—|]|of)\s*(?P<title>.+)$", re.IGNORECASE
    ),
    re.compile(r"^\W*\[\s*review\s*\]\s*(?P<title>.+)$", re.IGNORECASE),
    re.compile(
        rf"^(?P<title>.+?)\s*[:\-–—|]?\s*(?:\(\s*{_KIND_WORDS}\s*\)\s*)?(?:{_KIND_WORDS}\s+)?"
        r"(?:(?:mini|quick|short|full|honest|spoiler[- ]free)\s+)?review\b\s*"
        r"(?:[:\-–—|,]\s*(?P<sub>.*))?$",
        re.IGNORECASE,
    ),
    # No word "review": a first line that is a title with its year, maybe a tagline after it
    # ("Moving (2023) — superpowered parents and the kids who inherit their secrets").
    re.compile(
        r"^(?P<title>[^()\n]{1,120}?\(\s*(?:18|19|20)\d\d\s*\))\s*(?:[:\-–—|]\s*(?P<sub>.*))?$"
    ),
)
_YEAR_HEADLINE = _HEADLINE_PATTERNS[3]
# A tagline that only says what kind of post it is, not what the reviewer thought.
_NOT_A_VERDICT = re.compile(
    r"^\W*(?:(?:my|some|quick|short|brief|first|final|random|mini)[- ]?)*"
    r"(?:thoughts|impressions|review|take|reactions?|notes)\W*$|"
    r"^\W*(?:finally\s+)?(?:caught\s+up|finished(?:\s+it)?|binged(?:\s+it)?|late\s+to\s+the\s+party)"
    r"\W*$",
    re.IGNORECASE,
)
# What makes a sentence a judgement rather than news, a summary or a question: an evaluative
# word or a recommendation ("a masterpiece", "Bong at his best", "skip it", "see it").
_JUDGEMENT = re.compile(
    r"\b(?:best|worst|masterpiece|masterful|must[- ]watch|unreal|wrecked|brilliant|stunning|"
    r"perfect|flawless|gorgeous|beautiful|great|excellent|superb|wonderful|amazing|loved?|"
    r"hated?|boring|dull|overrated|underrated|disappointing|mess|slog|terrible|awful|"
    r"skip\s+(?:it|this)|(?:go\s+)?see\s+(?:it|this)|watch\s+(?:it|this)|recommend(?:ed)?|"
    r"worth\s+(?:it|watching|your\s+time)|don'?t\s+bother|not\s+for\s+me)\b",
    re.IGNORECASE,
)
# A social post that opens with its title and year: "Parasite (2019) is a masterpiece."
_OPENING_TITLE = re.compile(
    r"^\W*(?P<title>[^()\n.!?]{1,80}?)\s*\(\s*(?P<year>(?:18|19|20)\d\d)\s*\)"
)
# Where to watch named inside a sentence: "… is now streaming on MUBI in the UK."
_WHERE_IN_PROSE = re.compile(
    r"\b(?:now\s+)?(?:streaming|available)\s+on\s+(?P<value>[^.!?\n]{2,80})", re.IGNORECASE
)
_STAR_LINE = re.compile(r"^\s*[★⭐]+\s*½?\s*☆*\s*$")
_WHERE_LINE = re.compile(
    r"^\W*(?:watch(?:\s+it)?|stream(?:ing|\s+it)?|now\s+streaming|available)\s+on\s+"
    r"(?P<value>[^\n]{2,120})$",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
_CREDIT_LINE = re.compile(
    r"^\W*(?P<verb>directed\s+by|written\s+by|screenplay\s+by|starring)\s*[:：]?\s+"
    r"(?P<names>[^\n]{2,300})$",
    re.IGNORECASE,
)
_POST_TITLE = re.compile(
    r"(?i:\b(?:just\s+)?(?:finished|watched|saw|seen|rewatched|re-watched|binged))\s+"
    r"(?P<title>[A-Z0-9][^()\n]{0,80}?)\s*\(\s*(?P<year>(?:18|19|20)\d\d)\s*\)"
)
# Where the readers' part starts when it is not a comment list: quoted reader reviews.
_READERS_START = re.compile(
    r"^\W*(?:what\s+(?:our\s+)?(?:readers|viewers|you)\s+(?:said|say|think)|"
    r"(?:reader|user|audience|viewer)s?'?\s+(?:reviews?|comments?|reactions?|takes?)|"
    r"from\s+the\s+comments|readers\s+(?:said|say))\W*$",
    re.IGNORECASE,
)
_QUOTED_READER = re.compile(r"^\s*>\s*\S|^\s*[\"“].+[\"”]\s*[—–-]{1,2}\s*@?\w[\w .-]{0,40}$")
_SUBTITLE_SPLIT = re.compile(r"\s+[–—|]\s+|\s+-\s+")
_TRAILING_YEAR = re.compile(r"\s*[(\[]\s*((?:18|19|20)\d\d)\s*[)\]]\s*")
_YEAR = re.compile(r"\b((?:18|19|20)\d\d)\b")
_BYLINE = re.compile(
    r"^\W*(?:(?:review(?:ed)?|posted|written|words)\s+by|by)\s+(?P<rest>[^\n]{2,120})$",
    re.IGNORECASE,
)
_DATEISH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\bcomments?\b|\bmin(?:ute)?s?\s+read\b|"
    r"\bupdated\b|\bago\b",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://(?:www\.)?(?P<host>[^/\s]+)\S*", re.IGNORECASE)
_COMPARE_TRIGGERS = re.compile(
    r"\b(?:if\s+you\s+(?:loved|liked|enjoyed|adored)|fans\s+of|"
    r"(?:when|once|if)\s+you(?:'ve|\s+have)\s+(?:already\s+)?(?:watched|seen|finished)|"
    r"if\s+you(?:'ve|\s+have)\s+(?:already\s+)?(?:watched|seen)|"
    r"(?:similar|comparable)\s+to|in\s+the\s+(?:vein|spirit)\s+of|reminiscent\s+of|"
    r"compares?\s+(?:well\s+)?(?:with|to)|think|echoes\s+of|remind(?:s|ed)\s+me\s+of|"
    r"(?:it'?s|it\s+is|feels)\s+(?:a\s+(?:bit|lot)\s+)?like|"
    r"for\s+fans\s+of|pairs?\s+well\s+with|double\s+bill\s+with)\s+",
    re.IGNORECASE,
)
_COMPARE_LABELS = frozenset(
    {
        "if you liked", "if you loved", "similar titles", "similar to", "compare with",
        "compares with", "watch next", "watch these next", "for fans of", "also try",
        "if you enjoyed", "recommended if you liked",
    }
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<!\bNo)(?<!\bVol)(?<!\bMr)(?<!\bDr)(?<!\bSt)[.!?](?=\s|$)")

# Streaming services as written on blogs -> the names the catalog uses.
PROVIDER_NAMES = {
    "netflix": "Netflix", "viki": "Viki", "rakuten viki": "Viki", "viki pass": "Viki",
    "amazon prime": "Prime Video", "amazon prime video": "Prime Video",
    "prime video": "Prime Video",
    "prime": "Prime Video", "amazon": "Prime Video", "hulu": "Hulu", "disney+": "Disney+",
    "disney plus": "Disney+", "apple tv+": "Apple TV", "apple tv": "Apple TV",
    "apple tv plus": "Apple TV", "max": "Max", "hbo max": "Max", "hbo": "Max",
    "kocowa": "Kocowa", "kocowa+": "Kocowa", "tving": "Tving", "wavve": "Wavve",
    "watcha": "Watcha", "crunchyroll": "Crunchyroll", "mubi": "Mubi", "tubi": "Tubi",
    "criterion channel": "Criterion Channel", "the criterion channel": "Criterion Channel",
    "google play": "Google Play", "youtube": "YouTube", "peacock": "Peacock",
    "paramount+": "Paramount+", "iqiyi": "iQIYI", "wetv": "WeTV", "viu": "Viu",
    "kanopy": "Kanopy", "plex": "Plex", "pluto tv": "Pluto TV", "shudder": "Shudder",
    "bfi player": "BFI Player",
}  # fmt: skip
_PROVIDER_NAME = re.compile(
    r"(?<![\w+])(?:"
    + "|".join(re.escape(name) for name in sorted(PROVIDER_NAMES, key=len, reverse=True))
    + r")(?![\w+])",
    re.IGNORECASE,
)
_WHERE_REGION = re.compile(
    r"\(\s*([A-Za-z]{2,3})\s*\)|\bin\s+(?:the\s+)?([A-Z]{2,3}\b|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
_FREE_PROVIDERS = frozenset({"Tubi", "Pluto TV", "Plex", "Kanopy"})
_COUNTRY_WORDS = {
    **{name.casefold(): code for code, (name, _adj) in COUNTRIES.items()},
    **{adj.casefold(): code for code, (_name, adj) in COUNTRIES.items()},
    "korea": "KR",
    "republic of korea": "KR",
    "usa": "US",
    "uk": "GB",
    "the us": "US",
    "the uk": "GB",
}


@dataclass(slots=True)
class Article:
    """What one review article says. Names are as written; nothing is matched yet."""

    title: str | None = None
    year: int | None = None
    kind: str | None = None  # "film" | "series" when the article says
    aliases: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    episodes: int | None = None
    runtime_minutes: int | None = None
    reviewer: str | None = None
    site: str | None = None
    source_url: str | None = None
    grade_text: str | None = None
    half_stars: int | None = None
    verdict: str | None = None
    synopsis: str | None = None
    where_to_watch: list[str] = field(default_factory=list)
    region: str | None = None  # when the where-to-watch line names one
    directors: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    # Text that names other titles ("Hachi: A Dog's Tale or I Am Sam, keep tissues ready"):
    # the catalog decides where each name ends.
    compare_phrases: list[str] = field(default_factory=list)
    compare_lists: list[list[str]] = field(default_factory=list)  # labelled lists, one per name
    # The same, from the comment list and quoted reader reviews: kept, but ranked below the
    # author's own comparisons and labelled as the readers'.
    reader_compare_phrases: list[str] = field(default_factory=list)
    spoiler_sections: int = 0
    # How much to trust the grade and verdict found so far: a better-labelled one replaces them
    # ("FINAL GRADE" beats "Rating", a "Verdict:" line beats the headline's tagline).
    grade_rank: int = -1
    verdict_rank: int = -1

    def missing(self) -> list[str]:
        """What a review needs and this article did not say."""
        gaps = []
        if not self.title:
            gaps.append("which title it reviews (a headline like “<Title> Review” or “Title:”)")
        if self.half_stars is None and not self.verdict and not self.synopsis:
            gaps.append("a grade (“FINAL GRADE: A+”, “4/5”), a verdict or any review text")
        return gaps

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Article:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def extract(raw: str) -> Article:
    """Everything the article states, with spoilers and page clutter left out."""
    text = clean_user_text(raw).replace("\r", "")[:MAX_ARTICLE_CHARS]
    text = _split_pasted_line(text)
    text, spoilers, hidden = _cut_spoilers(text)
    lines, readers = _content_lines(text)
    article = Article(spoiler_sections=spoilers)
    body: list[str] = []  # paragraphs that are neither fields nor headings
    pending: str | None = None  # a heading whose paragraph comes next ("Verdict", "Synopsis")
    credits_block = False  # "Written by" inside a credits block names a writer, not the reviewer
    for index, line in enumerate(lines):
        if pending is not None and line:
            _heading_paragraph(article, pending, line)
            # A where-to-watch heading may be followed by a list, one service a line.
            pending = pending if pending == "where" and _LIST_ITEM.match(line) else None
            continue
        if not line:
            continue
        if _read_credit_line(article, line, credits_block):
            credits_block = True
            continue
        credits_block = False
        if _read_field(article, line, index):
            credits_block = _is_people_field(line)
            continue
        heading = _heading(line)
        if heading is not None:
            pending = heading
            continue
        if article.title is None and index < 12 and _read_headline(article, line, index):
            continue
        if index < 15 and _read_byline(article, line):
            continue
        if (_STAR_LINE.match(line) or len(line) <= 20) and _take_grade(article, line, 1):
            continue  # a line that is nothing but a grade: "★★★★½", "8.5/10"
        if where := _WHERE_LINE.match(line):
            _read_where(article, where.group("value"))
            continue
        body.append(line)
    if article.title is None:
        _read_post_title(article, body)
    for paragraph in body:
        _read_prose(article, paragraph)
    for line in hidden:
        _read_hidden(article, line)
    for line in readers:
        _read_reader(article, line)
    if article.verdict is None and len(body) == 1 and len(body[0]) <= MAX_VERDICT_CHARS:
        # A short post with no verdict line is the reviewer's verdict when it passes judgement;
        # a question, a piece of news or a plot summary is none.
        verdict = _first_sentences(_without_grade(body[0]), 2)
        if not _first_sentences(verdict, 1).endswith("?") and _JUDGEMENT.search(verdict):
            _set_verdict(article, verdict, 0)
    if article.synopsis is None:
        article.synopsis = _first_paragraph(body, article)
    _infer_kind(article, "\n".join(lines))
    return article


# -- passes --------------------------------------------------------------------------------------


def _split_pasted_line(text: str) -> str:
    """A whole article pasted on one line ("… FINAL GRADE: A- WHERE TO WATCH: Netflix"): break it
    before each field label written in capitals or opening a sentence, so each is read."""
    out = []
    for line in text.split("\n"):
        cuts = [
            m
            for m in _INLINE_LABEL.finditer(line)
            if m.group("label").isupper() or line[: m.start()].rstrip().endswith((".", "!", "?"))
        ]
        if len(cuts) >= 2:
            for m in reversed(cuts):
                line = line[: m.start()] + "\n" + line[m.start() :].lstrip()
        out.append(line)
    return "\n".join(out)


def _cut_spoilers(text: str) -> tuple[str, int, list[str]]:
    """Cut every spoiler section out, and return its lines apart: their text is never shown, but
    the facts stated in them still count. A section opened without a closing mark covers only its
    own section: it ends at the next heading, the next spoiler marker, or a verdict or
    where-to-watch line."""
    count = 0
    hidden: list[str] = []
    for pattern in _INLINE_SPOILERS:
        hidden += [m.group(0).strip("|>!<() ") for m in pattern.finditer(text)]
        text, n = pattern.subn(" ", text)
        count += n
    out: list[str] = []
    lines = text.split("\n")
    in_spoiler = False
    until_close = False  # the section has a closing mark further down: it runs up to there
    previous_blank = True
    for position, line in enumerate(lines):
        stripped = line.strip()
        blank_before, previous_blank = previous_blank, not stripped
        while True:
            if in_spoiler:
                close = _SPOILER_CLOSE.search(stripped)
                if close is not None:
                    hidden.append(stripped[: close.start()])
                    in_spoiler = False
                    stripped = stripped[close.end() :].strip()
                    continue
                if _SPOILER_HEADING_END.match(stripped):
                    in_spoiler, stripped = False, ""
                elif not until_close and _ends_open_section(stripped, blank_before):
                    in_spoiler = False
                    continue
                else:
                    hidden.append(stripped)
                    stripped = ""
                break
            stripped = _SPOILER_CLOSE.sub("", stripped).strip()  # a stray closing mark
            opened = _SPOILER_OPEN.search(stripped)
            if opened is not None:
                count += 1
                before = stripped[: opened.start()].strip()
                if before:
                    out.append(before)
                in_spoiler = True
                stripped = stripped[opened.end() :].strip()
                until_close = _closes_later(lines, position, stripped)
                continue
            if _is_spoiler_heading(stripped):
                count += 1
                in_spoiler, stripped = True, ""
                until_close = _closes_later(lines, position, "")
                break
            out.append(stripped)
            break
    return "\n".join(out), count, [h for h in hidden if h.strip()]


def _ends_open_section(line: str, blank_before: bool) -> bool:
    """What ends a spoiler section that has no closing mark: the next heading, the next marker,
    or a verdict or where-to-watch line."""
    return bool(
        _SAFE_HEADINGS.match(line)
        or _is_safe_field(line)
        or _is_section_heading(line, blank_before)
        or _SPOILER_OPEN.search(line)
        or _is_spoiler_heading(line)
    )


def _closes_later(lines: list[str], position: int, rest: str) -> bool:
    """Whether a closing mark comes before the next spoiler marker."""
    for line in [rest, *lines[position + 1 :]]:
        if _SPOILER_CLOSE.search(line) or _SPOILER_HEADING_END.match(line.strip()):
            return True
        if _SPOILER_OPEN.search(line) or _is_spoiler_heading(line.strip()):
            return False
    return False


def _is_section_heading(line: str, blank_before: bool) -> bool:
    """A line that opens a new section: a Markdown or bold heading, or a short title-like line
    after a blank one ("Why it works", "Should you watch it?")."""
    if not line:
        return False
    if re.match(r"^#{1,6}\s+\S|^\*\*[^*]{2,60}\*\*$|^__[^_]{2,60}__$", line):
        return True
    bare = line.strip("*_#= ")
    return (
        blank_before
        and 0 < len(bare) <= 60
        and len(bare.split()) <= 8
        and bare[0].isupper()
        and not bare.endswith((".", ",", ";", ":", "!"))
        and _LABEL.match(bare) is None
    )


def _is_spoiler_heading(line: str) -> bool:
    if not line or len(line) > 60 or line.endswith((".", ",", ";")):
        return False
    if re.search(r"\b(?:no|without|spoiler[- ]free|free of)\b", line, re.IGNORECASE):
        return False  # "Spoiler-free review", "No spoilers here"
    if _SPOILER_CLOSE.search(line) or _SPOILER_HEADING_END.match(line):
        return False
    return bool(_SPOILER_HEADING.match(line))


def _is_safe_field(line: str) -> bool:
    m = _LABEL.match(line)
    if m is None:
        return False
    label = _norm_label(m.group("label"))
    return label in _GRADE_LABELS or label in _VERDICT_LABELS or label in _WHERE_LABELS


def _content_lines(text: str) -> tuple[list[str], list[str]]:
    """The article's own lines (clutter dropped, blank lines kept as paragraph breaks), and apart
    from them the readers' lines: the comment list and quoted reader reviews."""
    lines: list[str] = []
    readers: list[str] = []
    in_readers = ""
    for raw in text.split("\n"):
        line = re.sub(r"[ \t\u00a0]+", " ", raw).strip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        if in_readers == "quotes" and (_is_safe_field(line) or _is_section_heading(line, True)):
            in_readers = ""  # the quoted reader reviews were a box inside the article
        if in_readers:
            readers.append(line)
            continue
        if len([x for x in lines if x]) >= 3:
            if _COMMENTS_START.match(line):
                in_readers = "comments"  # the comment list runs to the end of the page
                continue
            if _READERS_START.match(line):
                in_readers = "quotes"
                continue
        if _QUOTED_READER.match(line):
            readers.append(line)
            continue
        if _is_safe_field(line):
            lines.append(_strip_affiliate(line))
            continue
        if _CLUTTER_LINE.match(line) or _CLUTTER_ANYWHERE.search(line) or _BREADCRUMB.match(line):
            continue
        if not re.search(r"\w", line) and not _STAR_LINE.match(line):
            continue  # dividers, lone emoji
        lines.append(line)
    return lines, readers


def _read_hidden(article: Article, line: str) -> None:
    """A spoiler line: its grade, credits, where to watch and comparisons count; its words are
    never kept as a verdict or synopsis."""
    m = _LABEL.match(line.strip("*_# "))
    if m is not None:
        label = _norm_label(m.group("label"))
        if label in _GRADE_LABELS:
            _take_grade(article, m.group("value"), _GRADE_LABELS[label], bare_ok=True)
            return
        if label in _VERDICT_LABELS or label in _SYNOPSIS_LABELS:
            return
        if _read_field(article, line, 0):
            return
    if article.half_stars is None:
        _take_grade(article, line, 0, inline_only=True)
    for phrase in _compare_phrases(line):
        article.compare_phrases.append(_first_sentences(phrase, 1))


def _read_reader(article: Article, line: str) -> None:
    for phrase in _compare_phrases(line):
        article.reader_compare_phrases.append(_first_sentences(phrase, 1))


def _read_credit_line(article: Article, line: str, in_block: bool) -> bool:
    """ "Directed by X", "Starring X, Y", and "Written by X" inside a credits block (elsewhere
    "Written by" names the reviewer)."""
    m = _CREDIT_LINE.match(line)
    if m is None:
        return False
    verb = m.group("verb").casefold()
    if verb.startswith("written") and not in_block:
        return False
    role = "director" if verb.startswith("directed") else "cast" if verb == "starring" else "writer"
    _add_people(article, role, m.group("names"))
    return True


def _is_people_field(line: str) -> bool:
    m = _LABEL.match(line.strip("*_# "))
    return m is not None and _norm_label(m.group("label")) in _PEOPLE_LABELS


def _add_people(article: Article, role: str, value: str) -> None:
    target = {"director": article.directors, "writer": article.writers, "cast": article.cast}
    for name in _names(value):
        if name not in target[role]:
            target[role].append(name)


def _read_post_title(article: Article, body: list[str]) -> None:
    """A social post names its title in a sentence: "Just finished Past Lives (2023) and …"."""
    for paragraph in body[:2]:
        if m := _POST_TITLE.search(paragraph):
            article.title, article.year = m.group("title").strip(), int(m.group("year"))
            return
    if body and (m := _OPENING_TITLE.match(body[0])):
        article.title, article.year = m.group("title").strip(), int(m.group("year"))


def _strip_affiliate(line: str) -> str:
    return re.sub(
        r"\s*[(\[][^)\]]*(?:affiliate|paid link|commission|sponsored)[^)\]]*[)\]]",
        "",
        line,
        flags=re.IGNORECASE,
    ).strip()


def _norm_label(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip().casefold().strip("*#_ ")).strip()


def _read_field(article: Article, line: str, index: int) -> bool:
    m = _LABEL.match(line.strip("*_# "))
    if m is None:
        return False
    label, value = _norm_label(m.group("label")), m.group("value").strip().strip("*_ ")
    if not value:
        return False  # "Synopsis:" alone is a heading; handled by _heading
    if label in _GRADE_LABELS or label in _VERDICT_LABELS:
        if _NOT_A_GRADE.search(m.group("label")):
            return True
        taken = label in _GRADE_LABELS and _take_grade(
            article, value, _GRADE_LABELS[label], bare_ok=True
        )
        if label in _VERDICT_LABELS:
            rest = _without_grade(value) if taken else value
            if rest and re.search(r"[A-Za-z]{3}", rest):
                _set_verdict(article, rest, 3 if "verdict" in label else 2)
        return taken or label in _VERDICT_LABELS
    if label in _WHERE_LABELS:
        _read_where(article, value)
        return True
    if label in _PEOPLE_LABELS:
        _add_people(article, _PEOPLE_LABELS[label], value)
        return True
    if label in _TITLE_LABELS:
        title, year = _title_and_year(value)
        if title:
            article.title, article.year = title, year or article.year
        return True
    if label in _REVIEWER_LABELS:
        _read_byline_rest(article, value)
        return True
    if label in _SITE_LABELS:
        url = _URL.search(value)
        if url:
            article.source_url = url.group(0)
            article.site = article.site or url.group("host")
        else:
            article.site = shorten(value, 100)
        return True
    if label in _SYNOPSIS_LABELS:
        article.synopsis = shorten(value, MAX_SYNOPSIS_CHARS)
        return True
    if label in _ALIAS_LABELS:
        for alias in re.split(r"\s*[,/;]\s*", value):
            if alias and alias not in article.aliases:
                article.aliases.append(shorten(alias, 300))
        return True
    if label in _YEAR_LABELS:
        if y := _YEAR.search(value):
            article.year = article.year or int(y.group(1))
        return True
    if label in {"country", "countries", "country of origin", "origin"}:
        for part in re.split(r"\s*(?:,|/|\band\b)\s*", value):
            code = _country(part)
            if code and code not in article.countries:
                article.countries.append(code)
        return True
    if label in {"genre", "genres"}:
        article.genres = [g.title() for g in re.split(r"\s*[,/|]\s*", value) if g][:6]
        return True
    if label in {"episodes", "number of episodes", "no. of episodes"}:
        if n := re.search(r"\d+", value):
            article.episodes, article.kind = int(n.group()), "series"
        return True
    if label in {"runtime", "running time", "duration", "length"}:
        article.runtime_minutes = _minutes(value) or article.runtime_minutes
        return True
    if label in {"type", "format"}:
        low = value.casefold()
        if re.search(r"series|drama|show|tv", low):
            article.kind = "series"
        elif re.search(r"movie|film", low):
            article.kind = "film"
        return True
    if label in _COMPARE_LABELS:
        names = [n for n in re.split(r"\s*(?:[,;]|\bor\b|\band\b)\s*", value) if n.strip()]
        article.compare_lists.append([n.strip(" .") for n in names])
        return True
    return False


def _heading(line: str) -> str | None:
    """A heading whose paragraph follows: returns what that paragraph is."""
    bare = line.strip("*_#:= ").casefold()
    if len(bare) > 40:
        return None
    if re.fullmatch(
        r"(?:the\s+|final\s+|our\s+)?(?:verdict|final thoughts|conclusion|bottom line|"
        r"in short|tl;?dr|in a nutshell)",
        bare,
    ):
        return "verdict"
    if re.fullmatch(r"(?:the\s+)?(?:synopsis|plot|premise|story|what it'?s about)", bare):
        return "synopsis"
    if re.fullmatch(r"(?:the\s+)?(?:where to (?:watch|stream)(?: it)?)", bare):
        return "where"
    return None


def _heading_paragraph(article: Article, heading: str, paragraph: str) -> None:
    if heading == "verdict":
        if article.half_stars is None:
            _take_grade(article, paragraph, 1, inline_only=True)
        _set_verdict(article, _first_sentences(paragraph, 2), 2)
    elif heading == "synopsis":
        article.synopsis = shorten(paragraph, MAX_SYNOPSIS_CHARS)
    elif heading == "where":
        _read_where(article, paragraph)


def _read_headline(article: Article, line: str, index: int) -> bool:
    for pattern in _HEADLINE_PATTERNS:
        if pattern is _YEAR_HEADLINE and index > 2:
            continue  # only the first lines: later "Title (2019)" lines are prose or lists
        m = pattern.match(line)
        if m is None:
            continue
        candidate = m.group("title").strip()
        subtitle = m.groupdict().get("sub")
        if "sub" not in pattern.groupindex:
            parts = _SUBTITLE_SPLIT.split(candidate, maxsplit=1)
            candidate = parts[0]
            subtitle = parts[1] if len(parts) > 1 else None
        title, year = _title_and_year(candidate)
        if not title or len(title) > 150 or len(title.split()) > 14:
            continue
        article.title, article.year = title, year or article.year
        if subtitle and subtitle.strip(" :-–—") and not _NOT_A_VERDICT.match(subtitle):
            # The headline's tagline stands in for a verdict until a real one is found.
            _set_verdict(article, subtitle.strip(" :-–—"), 0)
        return True
    return False


def _set_verdict(article: Article, text: str, rank: int) -> None:
    if rank >= article.verdict_rank:
        article.verdict, article.verdict_rank = shorten(text, MAX_VERDICT_CHARS), rank


def _read_byline(article: Article, line: str) -> bool:
    if url := _URL.fullmatch(line.strip()):
        article.source_url = url.group(0)
        article.site = article.site or url.group("host")
        return True
    m = _BYLINE.match(line)
    if m is None or article.reviewer:
        return False
    _read_byline_rest(article, m.group("rest"))
    return True


def _read_byline_rest(article: Article, rest: str) -> None:
    parts = [p.strip() for p in re.split(r"\s*[|·•]\s*|\s+[–—-]\s+", rest) if p.strip()]
    name = parts[0] if parts else rest
    site: str | None = None
    if m := re.match(r"^(?P<name>.+?)\s+(?:for|at|of|on)\s+(?P<site>[A-Z].+)$", name):
        name, site = m.group("name"), m.group("site")
    elif "," in name:
        name, _, after = name.partition(",")
        if after.strip() and not _DATEISH.search(after) and not _YEAR.search(after):
            site = after.strip()
    name = re.split(r"\s+on\s+(?=\w+\s+\d)|\s+(?=\d)", name)[0].strip(" ,")
    if name and not _DATEISH.search(name):
        article.reviewer = shorten(name, 100)
    if site is None:
        for part in parts[1:]:
            if not _DATEISH.search(part) and not _YEAR.search(part) and len(part) < 60:
                site = part
                break
    if site and not article.site:
        article.site = shorten(site.strip(" ."), 100)


def _read_prose(article: Article, paragraph: str) -> None:
    if article.half_stars is None:
        _take_grade(article, paragraph, 0, inline_only=True)
    article.compare_phrases += _compare_phrases(paragraph)
    if not article.where_to_watch and (where := _WHERE_IN_PROSE.search(paragraph)):
        _read_where(article, where.group("value"))


def _compare_phrases(paragraph: str) -> list[str]:
    """The text after each "if you loved …" cue that starts with a name."""
    phrases = []
    for m in _COMPARE_TRIGGERS.finditer(paragraph):
        phrase = paragraph[m.end() : m.end() + 200].strip()
        if phrase and (phrase[0].isupper() or phrase[0].isdigit() or phrase[0] in "\"'“‘"):
            phrases.append(phrase)
    return phrases


def _first_paragraph(body: list[str], article: Article) -> str | None:
    for paragraph in body:
        if len(paragraph) < 80 or _COMPARE_TRIGGERS.search(paragraph[:40]):
            continue
        return shorten(paragraph, MAX_SYNOPSIS_CHARS)
    return None


def _infer_kind(article: Article, text: str) -> None:
    if article.kind is not None:
        return
    if re.search(r"\bk-?drama\b|\bepisodes?\b|\bseason\s+\d|\bdrama series\b", text, re.I):
        article.kind = "series"
    elif re.search(r"\bfilm\b|\bmovie\b|\bminutes\b|\bbox office\b", text, re.I):
        article.kind = "film"


# -- small readers -------------------------------------------------------------------------------


def _take_grade(
    article: Article,
    text: str,
    priority: int,
    *,
    bare_ok: bool = False,
    inline_only: bool = False,
) -> bool:
    """Read a grade from `text`; a better-labelled grade replaces a weaker one."""
    found = _find_grade(text, bare_ok=bare_ok, inline_only=inline_only)
    if found is None:
        return False
    if priority > article.grade_rank:
        article.grade_text, article.half_stars = found
        article.grade_rank = priority
    return True


def _find_grade(text: str, *, bare_ok: bool, inline_only: bool) -> tuple[str, int] | None:
    if inline_only:
        m = _INLINE_GRADE.search(text) or _OUT_OF_TEN.search(text)
        if m is None:
            stripped = text.strip()
            # A line that is nothing but a grade ("8.5/10", "★★★★½") is one.
            if len(stripped) <= 20:
                return _find_grade(stripped, bare_ok=False, inline_only=False)
            return None
        return _parse_grade(m.group("grade"))
    if bare_ok and (m := _BARE_NUMBER.match(text)):
        return _parse_grade(m.group(1))
    for pattern in _GRADE_FORMS:
        for m in pattern.finditer(text):
            found = _parse_grade(m.group(0).strip())
            if found is not None:
                return found
    return None


def parse_grade_text(written: str) -> tuple[str, int] | None:
    """A grade typed by an admin ("A-", "4/5", "3.5 stars"): as written, and in half stars."""
    return _find_grade(written.strip(), bare_ok=False, inline_only=False)


def _parse_grade(written: str) -> tuple[str, int] | None:
    candidate = re.sub(r"\s*out\s+of\s*", "/", written.strip(), flags=re.IGNORECASE)
    candidate = candidate.replace("☆", "").strip() or candidate
    candidate = re.sub(r"(/\s*(?:5|10|100))\s*stars?$", r"\1", candidate, flags=re.IGNORECASE)
    try:
        return written.strip(), parse_rating(candidate)
    except BadRatingError:
        return None


def _without_grade(value: str) -> str:
    for pattern in _GRADE_FORMS:
        m = pattern.search(value)
        if m is not None and _parse_grade(m.group(0)) is not None:
            value = (value[: m.start()] + value[m.end() :]).strip()
            break
    return value.strip(" -–—:|,.").strip()


def _read_where(article: Article, value: str) -> None:
    """Named services only, whatever the sentence around them ("you can find it on Netflix and
    Viki ."); a short capitalised list item that is no known service is kept as written."""
    value = re.sub(r"\s+([.,;:!?)])", r"\1", _strip_affiliate(value))
    region = _WHERE_REGION.search(value)
    if region:
        code = _country(region.group(1) or region.group(2))
        if code:
            article.region = code
        value = value[: region.start()] + " " + value[region.end() :]
    for part in re.split(r"\s*(?:,|;|/|&|\s\+\s|\band\b|\bor\b)\s*", _LIST_ITEM.sub("", value)):
        known = [
            PROVIDER_NAMES[m.group(0).casefold()]
            for m in _PROVIDER_NAME.finditer(part)
            if m.group(0)[0].isupper()  # "max", "prime" in a sentence are words
        ]
        name = part.strip(" .!*()")
        if not known and re.fullmatch(r"(?:[A-Z0-9][\w+!.'-]*\s?){1,3}", name):
            known = [name]
        for provider in known:
            if provider not in article.where_to_watch:
                article.where_to_watch.append(provider)


def provider_kind(provider: str) -> str:
    return "free" if provider in _FREE_PROVIDERS else "stream"


def _names(value: str) -> list[str]:
    value = re.sub(r"\([^)]*\)", "", value)  # "(as Yong-gu)"
    value = re.sub(r"\s+(?:as)\s+[^,;]+", "", value)
    parts = re.split(r"\s*(?:,|;|/|\||&|\band\b)\s*", value)
    return [shorten(p.strip(" ."), 200) for p in parts if p.strip(" .") and len(p) < 80][:12]


def _title_and_year(text: str) -> tuple[str | None, int | None]:
    text = text.strip().strip("\"'“”‘’*_ ")
    year: int | None = None
    if m := _TRAILING_YEAR.search(text):
        year = int(m.group(1))
        text = (text[: m.start()] + " " + text[m.end() :]).strip()
    text = re.sub(rf"\s*[(\[]\s*{_KIND_WORDS}\s*[)\]]\s*$", "", text, flags=re.IGNORECASE)
    text = re.sub(rf"\s+{_KIND_WORDS}$", "", text, flags=re.IGNORECASE) if len(text) > 12 else text
    text = text.strip(" :-–—|\"'“”‘’")
    return (text or None), year


def _country(word: str | None) -> str | None:
    if not word:
        return None
    word = word.strip(" .").casefold()
    if len(word) == 2 and word.upper() in COUNTRIES:
        return word.upper()
    return _COUNTRY_WORDS.get(word)


def _minutes(value: str) -> int | None:
    hours = re.search(r"(\d+)\s*h", value, re.IGNORECASE)
    minutes = re.search(r"(\d+)\s*m", value, re.IGNORECASE)
    if hours or minutes:
        return int(hours.group(1) if hours else 0) * 60 + int(minutes.group(1) if minutes else 0)
    plain = re.search(r"\d+", value)
    return int(plain.group()) if plain else None


def _first_sentences(paragraph: str, count: int) -> str:
    ends = [m.end() for m in _SENTENCE_END.finditer(paragraph)]
    cut = ends[count - 1] if len(ends) >= count else len(paragraph)
    return shorten(paragraph[:cut].strip(), MAX_VERDICT_CHARS)
