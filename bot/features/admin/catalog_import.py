"""/admin import: a catalog file attached in the chat, run through the same importer as
`reelbot seed import`, with its options on the command line:

    /admin import --provider Netflix --region US --skip-bad --dry-run   (file attached)

Every reader and rule of the CLI applies (format detection, merging, all-or-nothing unless
--skip-bad); the import and its audit row are one transaction."""

from __future__ import annotations

import codecs
import shlex
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.core.context import CommandContext
from bot.core.errors import UsageError, UserError
from bot.core.permissions import actor
from bot.core.replies import Action, Item, Reply
from db.imports.formats import FORMATS, ImportFileError, Input, open_bundle
from db.imports.importer import ImportOptions, ImportRejected, ImportSummary, import_file
from db.models import OFFER_KINDS

if TYPE_CHECKING:
    from bot.core.kernel import Core

# What a chat upload may be (Telegram's bot download limit); bigger catalogs go through the CLI.
MAX_CHAT_IMPORT_BYTES = 20 * 1024 * 1024
# Files inside an attached zip may be larger than the zip itself, within reason.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
LISTED_BAD_ROWS = 10
USAGE = (
    "Usage: /admin import [--provider Netflix] [--region US] [--as-of 2024-05-01] "
    "[--kind stream|free|rent|buy] [--format NAME] [--encoding cp1252] [--skip-bad] "
    "[--dry-run] with the file attached (Telegram: as its caption; Discord: the file option)."
)
HOW = (
    "Reads reelbot's own CSV/JSON, the Netflix / Prime Video / Disney+ / Hulu title lists, "
    "MovieLens (a zip) and the Korean drama lists; the format is detected from the header.",
    "Start with --dry-run to see what would change. A bad row stops the import with nothing "
    "written, unless --skip-bad.",
    f"Up to {MAX_CHAT_IMPORT_BYTES // (1024 * 1024)} MB here; bigger files: "
    "`reelbot seed import FILE` on the server.",
)
_VALUE_OPTIONS = ("provider", "region", "as-of", "kind", "format", "encoding")
_FLAGS = ("skip-bad", "dry-run")


@dataclass(slots=True)
class ImportRequest:
    values: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def parse_import_args(text: str) -> ImportRequest:
    """--name value / --name=value options and the two flags; anything else is a usage error."""
    try:
        words = shlex.split(text)
    except ValueError as error:  # an unclosed quote
        raise UsageError(f"I couldn't read the options ({error}). {USAGE}") from error
    request = ImportRequest()
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, inline = word.removeprefix("--").partition("=")
        name = name.casefold()
        if not word.startswith("--") or name not in (*_VALUE_OPTIONS, *_FLAGS):
            raise UsageError(f"I don't know the option {word!r}. {USAGE}")
        if name in _FLAGS:
            if eq:
                raise UsageError(f"--{name} takes no value. {USAGE}")
            request.flags.add(name)
        elif eq:
            request.values[name] = inline
        elif i + 1 < len(words) and not words[i + 1].startswith("--"):
            i += 1
            request.values[name] = words[i]
        else:
            raise UsageError(f"--{name} needs a value, e.g. {_EXAMPLES[name]}. {USAGE}")
        i += 1
    return request


_EXAMPLES = {
    "provider": '--provider "Prime Video"',
    "region": "--region US",
    "as-of": "--as-of 2024-05-01",
    "kind": "--kind stream",
    "format": "--format streaming",
    "encoding": "--encoding cp1252",
}


def import_options(request: ImportRequest, ctx: CommandContext) -> ImportOptions:
    """The importer's options, each value checked the way the CLI checks it."""
    values = request.values
    region = values.get("region")
    if region is not None and (len(region) != 2 or not region.isalpha()):
        raise UsageError(f"{region!r} is not a two-letter region code, e.g. --region US.")
    as_of: date | None = None
    if "as-of" in values:
        try:
            as_of = date.fromisoformat(values["as-of"])
        except ValueError as error:
            raise UsageError(f"{values['as-of']!r} is not a date like 2024-05-01.") from error
    kind = values.get("kind", "stream").casefold()
    if kind not in OFFER_KINDS:
        raise UsageError(f"--kind is one of {', '.join(OFFER_KINDS)}.")
    fmt = values.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format is one of {', '.join(FORMATS)}.")
    encoding = values.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as error:
            raise UsageError(f"I don't know the encoding {encoding!r}.") from error
    provider = values.get("provider")
    if provider is not None and not 0 < len(provider.strip()) <= 100:
        raise UsageError("Name the service, e.g. --provider Netflix.")
    return ImportOptions(
        format=fmt,
        provider=provider.strip() if provider else None,
        region=region.upper() if region else None,
        offer_kind=kind,
        as_of=as_of,
        skip_bad="skip-bad" in request.flags,
        dry_run="dry-run" in request.flags,
        encoding=encoding,
        max_bytes=MAX_UNPACKED_BYTES,
        by=actor(ctx),
        by_name=ctx.display_name,
    )


class AdminImport:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def run(self, ctx: CommandContext, args: str) -> Reply:
        """Callers check that ctx is an admin first."""
        options = replace(
            import_options(parse_import_args(args), ctx),
            default_region=self.core.settings.default_region,
        )
        attachment = ctx.attachment
        if attachment is None:
            return Reply(text="Attach the catalog file to import. " + USAGE, notes=HOW)
        name = attachment.filename
        if len(attachment.content) > MAX_CHAT_IMPORT_BYTES:
            raise UserError(
                f"{name} is {len(attachment.content) / (1024 * 1024):.1f} MB; chat imports take "
                f"up to {MAX_CHAT_IMPORT_BYTES // (1024 * 1024)} MB. Import it on the server "
                "with `reelbot seed import FILE`. Nothing was written."
            )
        source = Input.from_bytes(name, attachment.content)
        try:
            bundle = open_bundle(
                source, options.format, encoding=options.encoding, max_bytes=options.max_bytes
            )
            if bundle.format == "letterboxd":
                raise UserError(
                    f"{name} is a Letterboxd export: it belongs to one member, who imports it "
                    "with /import letterboxd. Nothing was written."
                )
            async with self.core.db.unit_of_work() as repos:
                last = await repos.catalog.last_title_id()
            summary = await import_file(self.core.db, source, options)
        except ImportFileError as error:
            raise UserError(f"I couldn't import {error}. Nothing was written.") from error
        except ImportRejected as rejected:
            return _rejected_reply(rejected)
        if not summary.dry_run:
            # The titles it added are searchable at once; what it merged into titles already
            # there (names, offers) comes with the rebuild that follows.
            async with self.core.db.unit_of_work() as repos:
                self.core.catalog.invalidate(await repos.catalog.title_ids_after(last))
        return summary_reply(summary)


def _bad_rows(summary: ImportSummary) -> list[str]:
    lines = [
        f"{bad.where.unit.capitalize()} {bad.where.line}: {bad.reason}"
        for bad in summary.bad[:LISTED_BAD_ROWS]
    ]
    if summary.skipped > len(lines):
        lines.append(f"… and {summary.skipped - len(lines):,} more bad rows")
    return lines


def _rejected_reply(rejected: ImportRejected) -> Reply:
    return Reply(
        text=str(rejected),
        items=tuple(Item(line) for line in _bad_rows(rejected.summary)),
        kind="error",
    )


def summary_reply(summary: ImportSummary) -> Reply:
    head = (
        f"Dry run of {summary.file} ({summary.format}): nothing was written. The import would do:"
        if summary.dry_run
        else f"Imported {summary.file} ({summary.format}):"
    )
    items = [
        Item(f"{summary.added:,} added", "new titles"),
        Item(f"{summary.merged:,} merged", "into titles already in the catalog"),
        Item(f"{summary.unchanged:,} already imported", "no change"),
        Item(f"{summary.skipped:,} skipped", "bad rows" if summary.skipped else ""),
    ]
    if summary.offers:
        items.append(Item(f"{summary.offers:,} where-to-watch entries", "written or confirmed"))
    if summary.ratings or summary.ratings_kept:
        items.append(
            Item(
                f"{summary.ratings:,} ratings",
                f"from {summary.users_added:,} imported users" if summary.users_added else "",
            )
        )
    notes = [*summary.notes]
    if summary.bad:
        notes.append("Bad rows (skipped):")
        notes.extend(_bad_rows(summary))
    notes.append(f"Took {summary.seconds:.1f} s.")
    actions = (Action("Catalog stats", "/admin stats"), Action("Admin log", "/admin log"))
    return Reply(
        text=head,
        items=tuple(items),
        notes=tuple(notes),
        actions=() if summary.dry_run else actions,
    )
