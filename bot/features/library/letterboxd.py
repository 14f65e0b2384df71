"""/import letterboxd: a member brings their Letterboxd history into the chat by attaching the
export (the zip from Letterboxd's Settings → Import & Export, or its ratings.csv / reviews.csv /
diary.csv)."""

from __future__ import annotations

from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.dispatch import Dispatcher
from bot.core.errors import UsageError, UserError
from bot.core.params import CHOICE, FILE, Param, choices
from bot.core.replies import Action, Item, Reply
from db.imports.formats import ImportFileError, Input
from db.imports.importer import ImportOptions, ImportSummary, Member, import_file
from db.session import Database

IMPORT = Command(
    "import",
    "bring your Letterboxd ratings, reviews and watchlist (attach the export zip)",
    params=(
        Param(
            "source",
            CHOICE,
            "Where the export comes from",
            options=choices("letterboxd"),
            default="letterboxd",
        ),
        Param(
            "file",
            FILE,
            "Your Letterboxd export: the zip, or its ratings.csv, reviews.csv or watchlist.csv",
        ),
    ),
    example="/import letterboxd",
)
# Front ends cap attachments lower; this is the core's own ceiling for a chat upload.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
HOW_TO = (
    "On letterboxd.com: Settings → Import & Export → Export your data. Then send the zip "
    "(or its ratings.csv or watchlist.csv) here with /import letterboxd (Telegram: as the "
    "file's caption; Discord: in the command's file option)."
)


async def import_letterboxd(db: Database, ctx: CommandContext) -> ImportSummary:
    """Import the attached export as the asking member's ratings. Rows that cannot be read
    are skipped and listed rather than failing the whole import: a member cannot edit the
    export Letterboxd made."""
    if ctx.attachment is None:
        raise UsageError(f"Attach your Letterboxd export to the command. {HOW_TO}")
    attachment = ctx.attachment
    options = ImportOptions(
        format="letterboxd",
        skip_bad=True,
        max_bytes=MAX_ATTACHMENT_BYTES,
        member=Member(ctx.platform, ctx.user_id, ctx.display_name),
        by=f"{ctx.platform}:{ctx.user_id}",
        by_name=ctx.display_name,
        audit=False,  # a member's own history, not an admin action
    )
    source = Input.from_bytes(attachment.filename, attachment.content)
    try:
        return await import_file(db, source, options)
    except ImportFileError as error:
        raise UserError(f"I couldn't read {attachment.filename}: {error.reason}.") from error


def summary_reply(summary: ImportSummary) -> Reply:
    total = summary.ratings_added + summary.ratings_updated + summary.ratings_kept
    listed = summary.watchlist_added + summary.watchlist_kept + summary.watchlist_rated
    if not (total or summary.unmatched_count or listed or summary.watchlist_unmatched_count):
        return Reply(text="That export has no rated films in it.", notes=(HOW_TO,), kind="error")
    items = []
    if total or summary.unmatched_count or not listed:
        items.append(Item(f"{summary.ratings_added:,} new ratings", "added to your history here"))
    if summary.ratings_updated:
        items.append(Item(f"{summary.ratings_updated:,} updated", "newer on Letterboxd"))
    if summary.ratings_kept:
        items.append(Item(f"{summary.ratings_kept:,} kept", "you rated them here more recently"))
    if listed or summary.watchlist_unmatched_count:
        items.append(
            Item(
                f"{summary.watchlist_added:,} added to your watchlist",
                f"{summary.watchlist_kept:,} already on it" if summary.watchlist_kept else "",
            )
        )
    notes = list(summary.notes)
    if summary.watchlist_rated:
        notes.append(f"{summary.watchlist_rated:,} watchlist film(s) you have rated were left off.")
    if summary.watchlist_unmatched_count:
        sample = ", ".join(summary.watchlist_unmatched[:5])
        more = summary.watchlist_unmatched_count - min(5, len(summary.watchlist_unmatched))
        notes.append(
            f"{summary.watchlist_unmatched_count:,} watchlist film(s) are not in this catalog "
            f"yet: {sample}" + (f" and {more:,} more" if more > 0 else "")
        )
    if summary.unmatched_count:
        sample = ", ".join(summary.unmatched[:5])
        more = summary.unmatched_count - min(5, len(summary.unmatched))
        notes.append(
            f"{summary.unmatched_count:,} film(s) are not in this catalog yet: {sample}"
            + (f" and {more:,} more" if more > 0 else "")
        )
    if summary.skipped:
        notes.append(f"{summary.skipped:,} row(s) could not be read and were skipped.")
    return Reply(
        text="Imported your Letterboxd history.",
        items=tuple(items),
        notes=tuple(notes),
        actions=(
            Action("My ratings", "/myratings"),
            Action("My watchlist", "/watchlist"),
            Action("Picks for me", "/recommend"),
        ),
    )


def register_import_commands(dispatcher: Dispatcher, db: Database) -> None:
    async def handle(ctx: CommandContext, args: str) -> Reply:
        what = args.strip().casefold()
        if what != "letterboxd":
            raise UsageError(
                "Only Letterboxd exports can be imported from the chat: /import letterboxd "
                "with the export attached. Admins import catalogs with `reelbot seed import`."
            )
        if ctx.attachment is None:  # asked how: explain, it is not a mistake
            return Reply(
                text="Bring your Letterboxd ratings and reviews here.",
                notes=(HOW_TO, "Films not in this catalog yet are listed, not lost."),
            )
        return summary_reply(await import_letterboxd(db, ctx))

    dispatcher.register(IMPORT, handle)
