"""/admin: curation in chat. Parses the sub-commands, checks that the person is an admin before
anything else happens, and hands over to the Curator and the EditorialDesk."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.dispatch import Dispatcher, command_help
from bot.core.errors import UsageError, UserError
from bot.core.kernel import Core
from bot.core.params import (
    CHOICE,
    COUNT,
    FILE,
    FLAG,
    REGION,
    SERVICE,
    TEXT,
    TITLE,
    YEAR,
    Param,
    choices,
)
from bot.core.permissions import require_admin
from bot.core.replies import Action, Reply
from bot.core.text import shorten
from bot.features.admin.catalog_import import AdminImport
from bot.features.admin.curation import FIELD_HELP, MAX_LOG, TITLE_FIELDS, Curator
from bot.features.admin.editorial_desk import EditorialDesk
from db.imports.formats import FORMATS
from db.models import OFFER_KINDS
from recommender import TitleFacts

MAX_ATTACHMENT_BYTES = 1_000_000
_FIELDS = (
    Param("year", YEAR, "Release year (first season for a series)", style="key"),
    Param("kind", CHOICE, "Film or series", style="key", options=choices("film", "series")),
    Param("country", TEXT, "Country codes, e.g. KR or KR,US", style="key", max_length=100),
    Param("lang", TEXT, "Language codes, e.g. ko or en,ko", style="key", max_length=100),
    Param("genres", TEXT, "Genres, e.g. Drama,Comedy", style="key", max_length=300),
    Param("runtime", COUNT, "Minutes", style="key", max_value=10_000),
    Param("episodes", COUNT, "Number of episodes", style="key", max_value=10_000),
    Param("original", TEXT, "The original title", style="key", max_length=300),
    Param("synopsis", TEXT, "What it is about", style="key", max_length=4000),
    Param("poster", TEXT, "A poster image's https:// link", style="key", max_length=500),
)
_TITLE = Param("title", TITLE, "Start typing and pick one", required=True, question="Which title?")
_SERVICE = Param(
    "service",
    SERVICE,
    "The service, e.g. Netflix",
    required=True,
    question="On which service? e.g. Netflix or Viki.",
)
_OFFER_KIND = Param(
    "kind", CHOICE, "How it is offered (default stream)", options=choices(*OFFER_KINDS)
)
ADMIN = Command(
    "admin",
    "admins: curate titles, where to watch, reviews; see /admin help",
    subcommands=(
        Command("help", "every admin command"),
        Command(
            "title",
            "add, edit, alias, merge or remove titles",
            subcommands=(
                Command(
                    "add",
                    "add a title",
                    params=(
                        Param("name", TEXT, "Its name", required=True, max_length=300),
                        *_FIELDS,
                    ),
                ),
                Command(
                    "edit",
                    "change facts of a title",
                    params=(
                        _TITLE,
                        Param("name", TEXT, "A new name", style="key", max_length=300),
                        *_FIELDS,
                    ),
                ),
                Command(
                    "alias",
                    "another name it can be found by",
                    params=(
                        _TITLE,
                        Param("alias", TEXT, "The other name", required=True, max_length=300),
                    ),
                    separator=" | ",
                ),
                Command(
                    "merge",
                    "fold a duplicate into the right title",
                    params=(
                        Param("duplicate", TITLE, "The duplicate, to remove", required=True),
                        Param("keep", TITLE, "The title to keep", required=True),
                    ),
                    separator=" | ",
                ),
                Command("remove", "delete a title (asks first)", params=(_TITLE,)),
            ),
        ),
        Command(
            "where",
            "say where a title can be watched",
            subcommands=(
                Command(
                    "add",
                    "add where to watch it",
                    params=(
                        _TITLE,
                        _SERVICE,
                        Param(
                            "region",
                            REGION,
                            "Country, e.g. US",
                            required=True,
                            question="In which country? Reply with its code, e.g. US.",
                        ),
                        _OFFER_KIND,
                        Param("link", TEXT, "An https:// link to it", max_length=500),
                    ),
                    separator=" | ",
                    by_position=True,
                ),
                Command(
                    "remove",
                    "take a service off a title",
                    params=(
                        _TITLE,
                        _SERVICE,
                        Param("region", REGION, "Only in this country"),
                        _OFFER_KIND,
                    ),
                    separator=" | ",
                    by_position=True,
                ),
            ),
        ),
        Command(
            "review",
            "editorial review articles and moderation",
            subcommands=(
                Command(
                    "article",
                    "read a review article, pasted or attached as a file",
                    params=(
                        Param("text", TEXT, "The pasted article", max_length=6000),
                        Param("file", FILE, "The article as a .txt file"),
                        Param("region", REGION, "Where its where-to-watch applies", style="flag"),
                        Param(
                            "grade", TEXT, "A grade it does not give, e.g. A-", style="flag",
                            max_length=20,
                        ),
                    ),
                    written="",
                ),
                Command(
                    "remove",
                    "take down a review (ids show in /reviews)",
                    params=(
                        Param("id", TEXT, "12 (a member's) or e3 (editorial)", required=True,
                              max_length=12),
                        Param("reason", TEXT, "Why, for members and admins", required=True,
                              max_length=500),
                    ),
                ),
            ),
        ),
        Command(
            "import",
            "import the attached catalog file (CSV, JSON or a zip)",
            params=(
                Param("file", FILE, "The catalog: CSV, JSON or a zip"),
                Param("provider", SERVICE, "The service a title list is from", style="flag"),
                Param("region", REGION, "Where its offers apply (default US)", style="flag"),
                Param("as_of", TEXT, "When the list was made, e.g. 2024-05-01", style="flag",
                      written="as-of", max_length=10),
                Param("kind", CHOICE, "How its titles are offered", style="flag",
                      options=choices(*OFFER_KINDS)),
                Param("format", CHOICE, "The file's format (default: detected)", style="flag",
                      options=choices(*FORMATS)),
                Param("encoding", TEXT, "e.g. cp1252 (default UTF-8)", style="flag",
                      max_length=30),
                Param("skip_bad", FLAG, "Skip bad rows instead of stopping", style="flag",
                      written="skip-bad"),
                Param("dry_run", FLAG, "Show what would change, write nothing", style="flag",
                      written="dry-run"),
            ),
        ),
        Command(
            "seed",
            "load shipped catalogs",
            subcommands=(Command("starter", "load the starter catalog again (safe)"),),
        ),
        Command("stats", "titles, sources, users, ratings, reviews, last import"),
        Command(
            "log",
            "the latest admin actions",
            params=(Param("n", COUNT, "How many", max_value=MAX_LOG),),
        ),
    ),
    example="/admin stats",
    admin_only=True,
)  # fmt: skip
_FIELD = re.compile(r"(?:^|\s)(" + "|".join(sorted(TITLE_FIELDS, key=len, reverse=True)) + r"):")
_TRAILING_YEAR = re.compile(r"^(?P<name>.+?)\s*\((?P<year>(?:18|19|20)\d\d)\)$")
_REGION_FLAG = re.compile(r"(?:^|\s)--region[= ](?P<region>[A-Za-z]{2})(?=\s|$)")
# A grade the article does not give: "--grade A-", "--grade 4/5", "--grade '3.5 stars'".
_GRADE_FLAG = re.compile(r"(?:^|\s)--grade[= ](?:'(?P<quoted>[^'\n]+)'|(?P<grade>\S+))(?=\s|$)")


class _Choose(Exception):
    """A title needs picking: carries the reply with one button per candidate."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply


def split_fields(text: str) -> tuple[str, dict[str, str]]:
    """("Okja", {"year": "2017"}) from "Okja year:2017": values run to the next key."""
    marks = list(_FIELD.finditer(text))
    head = text[: marks[0].start()].strip() if marks else text.strip()
    fields: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        fields[mark.group(1).casefold()] = text[mark.end() : end].strip()
    return head, fields


def _bars(text: str, at_least: int, usage: str) -> list[str]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < at_least or not all(parts[:at_least]):
        raise UsageError(f"Usage: {usage}")
    return parts


class AdminCommands:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.curator = Curator(core)
        self.desk = EditorialDesk(core)
        self.importer = AdminImport(core)

    async def handle(self, ctx: CommandContext, args: str) -> Reply:
        require_admin(ctx, self.core.settings)  # before any parsing: non-admins learn nothing
        group, _, rest = args.partition(" ")
        group = group.casefold()
        try:
            if group in {"", "help"}:
                return self.help()
            if group == "title":
                return await self.title(ctx, rest.strip())
            if group == "where":
                return await self.where(ctx, rest.strip())
            if group == "review":
                return await self.review(ctx, rest.strip())
            if group == "import":
                return await self.importer.run(ctx, rest)
            if group == "seed":
                if rest.strip().casefold() != "starter":
                    raise UsageError("Usage: /admin seed starter")
                return await self.curator.seed_starter(ctx)
            if group == "stats":
                return await self.curator.stats(ctx)
            if group == "log":
                limit = rest.strip() or "10"
                if not limit.isdigit():
                    raise UsageError("Usage: /admin log [how many, up to 50]")
                return await self.curator.log(ctx, int(limit))
        except _Choose as choose:
            return choose.reply
        raise UsageError(f"I don't know /admin {shorten(group, 40)}. Try /admin help.")

    def help(self) -> Reply:
        return command_help(ADMIN, "Admin commands (every change is written to the audit log):")

    async def _title(self, query: str, redo: Callable[[int], str]) -> TitleFacts:
        """The title an admin means; when unsure, a reply with one button per candidate."""
        try:
            _snap, t, _notes = await self.core.resolve(query, write=True, famous=False)
        except UserError as error:
            if not error.choices:
                raise
            raise _Choose(
                Reply(
                    text=error.message,
                    actions=tuple(Action(c.label, redo(c.title_id)) for c in error.choices),
                    kind="error",
                )
            ) from error
        return t

    async def title(self, ctx: CommandContext, rest: str) -> Reply:
        verb, _, rest = rest.partition(" ")
        verb, rest = verb.casefold(), rest.strip()
        if verb == "add":
            name, fields = split_fields(rest)
            if m := _TRAILING_YEAR.match(name):
                name = m.group("name")
                fields.setdefault("year", m.group("year"))
            if not name:
                raise UsageError("Usage: /admin title add <name> [year:2024 kind:film …]")
            return await self.curator.title_add(ctx, name, fields)
        if verb == "edit":
            query, fields = split_fields(rest)
            if not query:
                raise UsageError("Usage: /admin title edit <title> <field:value …>. " + FIELD_HELP)
            tail = rest[len(query) :].strip()
            t = await self._title(query, lambda i: f"/admin title edit #{i} {tail}")
            return await self.curator.title_edit(ctx, t, fields)
        if verb == "alias":
            query, alias = _bars(rest, 2, "/admin title alias <title> | <other name>")[:2]
            t = await self._title(query, lambda i: f"/admin title alias #{i} | {alias}")
            return await self.curator.title_alias(ctx, t, alias)
        if verb == "merge":
            text = rest if "|" in rest else re.sub(r"\s+into\s+", " | ", rest, count=1)
            first, second = _bars(text, 2, "/admin title merge <duplicate> | <keep>")[:2]
            dup = await self._title(first, lambda i: f"/admin title merge #{i} | {second}")
            keep = await self._title(second, lambda i: f"/admin title merge #{dup.id} | #{i}")
            return await self.curator.title_merge(ctx, dup, keep)
        if verb == "remove":
            confirmed = rest.casefold().endswith(" confirm")
            query = rest[: -len(" confirm")].strip() if confirmed else rest
            if not query:
                raise UsageError("Usage: /admin title remove <title>")
            t = await self._title(query, lambda i: f"/admin title remove #{i}")
            return await self.curator.title_remove(ctx, t, confirmed)
        raise UsageError("Usage: /admin title add|edit|alias|merge|remove … (see /admin help)")

    async def where(self, ctx: CommandContext, rest: str) -> Reply:
        verb, _, rest = rest.partition(" ")
        verb = verb.casefold()
        if verb == "add":
            usage = "/admin where add <title> | <service> | <region> [| kind] [| link]"
            parts = _bars(rest, 3, usage)
            kind = parts[3] if len(parts) > 3 and parts[3] else "stream"
            link = parts[4] if len(parts) > 4 and parts[4] else None
            tail = " | ".join(parts[1:])
            t = await self._title(parts[0], lambda i: f"/admin where add #{i} | {tail}")
            return await self.curator.where_add(ctx, t, parts[1], parts[2], kind, link)
        if verb == "remove":
            parts = _bars(rest, 2, "/admin where remove <title> | <service> [| region] [| kind]")
            region = parts[2] if len(parts) > 2 and parts[2] else None
            only_kind = parts[3].casefold() if len(parts) > 3 and parts[3] else None
            tail = " | ".join(parts[1:])
            t = await self._title(parts[0], lambda i: f"/admin where remove #{i} | {tail}")
            return await self.curator.where_remove(ctx, t, parts[1], region, only_kind)
        raise UsageError("Usage: /admin where add|remove … (see /admin help)")

    async def review(self, ctx: CommandContext, rest: str) -> Reply:
        verb, _, tail = rest.partition(" ")
        verb, tail = verb.casefold(), tail.strip()
        if verb == "remove" and re.match(r"^#?e?\d+\b", tail, re.IGNORECASE):
            ref, _, reason = tail.partition(" ")
            return await self.curator.review_remove(ctx, ref, reason)
        if verb in {"confirm", "cancel"} and tail.isdigit():
            if verb == "confirm":
                return await self.desk.confirm(ctx, int(tail))
            return await self.desk.cancel(ctx, int(tail))
        if verb == "title" and (m := re.match(r"^(\d+)\s+(.+)$", tail)):
            return await self.desk.retarget(ctx, int(m.group(1)), m.group(2))
        region: str | None = None
        if m := _REGION_FLAG.search(rest):
            region = m.group("region").upper()
            rest = (rest[: m.start()] + rest[m.end() :]).strip()
        grade: str | None = None
        if m := _GRADE_FLAG.search(rest):
            grade = m.group("quoted") or m.group("grade")
            rest = (rest[: m.start()] + rest[m.end() :]).strip()
        text = rest
        if ctx.attachment is not None:
            text = (text + "\n\n" if text else "") + self._attachment_text(ctx)
        return await self.desk.draft(ctx, text, region, grade)

    @staticmethod
    def _attachment_text(ctx: CommandContext) -> str:
        assert ctx.attachment is not None
        content = ctx.attachment.content
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise UsageError("That file is too big for a review article (1 MB at most).")
        if b"\x00" in content[:4096]:
            raise UsageError(
                f"{ctx.attachment.filename} is not a text file. Attach the article as .txt."
            )
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                continue
        return content.decode("latin-1")


def register_admin(dispatcher: Dispatcher) -> AdminCommands:
    commands = AdminCommands(dispatcher.core)
    dispatcher.register(ADMIN, commands.handle)
    return commands
