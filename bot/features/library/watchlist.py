"""Watchlists: titles a member wants to watch, and a group's shared list.

Commands (registered on the Dispatcher by `register`):
    /watchlist [page]                   your list, latest first, with where to watch each title
    /watchlist add | remove <title>     (also the "+ Watchlist" buttons on cards and lists)
    /watchlist chat [page]              the group's shared list, the most wanted first
    /watchlist chat add | remove <title>

Writes never land on a guess: titles resolve like ratings do (Core.resolve with write=True),
and a name that is not surely one title gets the closest titles as buttons. Both lists offer
"Watch party from these": /watchparty new with the top titles the chat can watch.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.catalog import CatalogSnapshot
from bot.core.context import CommandContext
from bot.core.declaration import Command
from bot.core.dispatch import Dispatcher, error_reply
from bot.core.errors import AmbiguousTitleError, UnknownTitleError, UsageError
from bot.core.kernel import Core
from bot.core.params import COUNT, TITLE, Param
from bot.core.preferences import SOURCES, Preferences, load_preferences
from bot.core.replies import Action, Item, Reply
from bot.core.text import clean_user_text, shorten
from bot.features.settings.commands import enter_chat
from bot.features.watchparty.group_picks import available_on
from db.models import MIN_PARTY_CANDIDATES
from recommender import TitleFacts


def _title(action: str) -> Param:
    return Param(
        "title",
        TITLE,
        "Start typing and pick one",
        required=True,
        question=f"Which title do you want to {action}? Reply with its name.",
    )


_PAGE = Param("page", COUNT, "Which page (10 titles a page)", max_value=10_000)
WATCHLIST = Command(
    "watchlist",
    "titles you want to watch, with where to watch them; chat: this group's shared list",
    subcommands=(
        Command("show", "your watchlist, with where to watch each", params=(_PAGE,), written=""),
        Command("add", "put a title on your watchlist", params=(_title("add to your watchlist"),)),
        Command(
            "remove", "take a title off your watchlist", params=(_title("take off your list"),)
        ),
        Command(
            "chat",
            "this group's shared watchlist, most wanted first",
            subcommands=(
                Command("show", "the group's list", params=(_PAGE,), written=""),
                Command("add", "propose a title for the group", params=(_title("propose"),)),
                Command("remove", "take your vote for a title back", params=(_title("take back"),)),
            ),
        ),
    ),
    example="/watchlist add Parasite",
)
PAGE_SIZE = 10
PARTY_TITLES = 4  # the top titles a "Watch party from these" button proposes
PARTY_LABEL = "Watch party from these"
MAX_BUTTON_COMMAND_BYTES = 64  # Telegram's callback data, the smallest of the front ends
_ADD = frozenset({"add", "+", "put"})
_REMOVE = frozenset({"remove", "rm", "delete", "del", "-", "drop"})
_SOURCE_NOTES = {"letterboxd": "from Letterboxd", "notify": "🔔 alert when on your services"}


def register(dispatcher: Dispatcher, core: Core) -> Watchlists:
    watchlists = Watchlists(core)
    dispatcher.register(WATCHLIST, watchlists.watchlist)
    return watchlists


def party_action(
    snap: CatalogSnapshot, title_ids: Sequence[int], chat: Preferences
) -> Action | None:
    """/watchparty new with the first titles (in list order) the chat can watch on its
    services in its region, as many as fit in a button; None when fewer than a vote needs."""
    command = "/watchparty new"
    chosen = 0
    for tid in title_ids:
        if chosen == PARTY_TITLES:
            break
        if not available_on(snap, tid, chat.region, chat.services):
            continue
        longer = f"{command}{' ' if chosen == 0 else '; '}#{tid}"
        if len(longer.encode()) > MAX_BUTTON_COMMAND_BYTES:
            break
        command, chosen = longer, chosen + 1
    return Action(PARTY_LABEL, command) if chosen >= MIN_PARTY_CANDIDATES else None


def _page_of(count: int, page: int) -> tuple[int, int]:
    """(the page to show, how many there are): an out-of-range page shows the nearest one."""
    pages = max(1, -(-count // PAGE_SIZE))
    return min(max(page, 1), pages), pages


class Watchlists:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.db = core.db

    async def watchlist(self, ctx: CommandContext, args: str) -> Reply:
        verb, _, rest = clean_user_text(args).strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb in ("", "show", "list") and not rest:
            return await self.show(ctx, 1)
        if page := _page_number(verb, rest):
            return await self.show(ctx, page)
        if verb in _ADD:
            return await self.add(ctx, rest)
        if verb in _REMOVE:
            return await self.remove(ctx, rest)
        if verb in ("chat", "group", "shared"):
            return await self.chat(ctx, rest)
        raise UsageError(
            f'I don\'t know "/watchlist {shorten(verb, 40)}". Try /watchlist add Parasite, '
            "/watchlist remove Parasite, /watchlist, or /watchlist chat."
        )

    # -- the member's own list ---------------------------------------------------------------

    async def add(self, ctx: CommandContext, query: str) -> Reply:
        if not query:
            raise UsageError("Which title? e.g. /watchlist add Parasite")
        try:
            t, added, notes = await self.core.watchlist_add(ctx, query)
        except (UnknownTitleError, AmbiguousTitleError) as error:
            return error_reply(error, "watchlist add")
        snap = await self.core.catalog.get()
        prefs = await self.core.preferences(ctx)
        watch = self.core.offers_line(snap.offers.get(t.id, []), prefs.region, prefs.services)
        if not added:
            return Reply(
                text=f"{self.core.label(t)} is already on {_whose(ctx)} watchlist.",
                notes=(*notes, watch),
                actions=(
                    _own("Remove", f"/watchlist remove #{t.id}"),
                    Action("My watchlist", "/watchlist"),
                ),
            )
        return Reply(
            text=f"Added {self.core.label(t)} to {_whose(ctx)} watchlist.",
            notes=(*notes, watch),
            actions=(
                Action("My watchlist", "/watchlist"),
                _own("Undo", f"/watchlist remove #{t.id}"),
            ),
        )

    async def remove(self, ctx: CommandContext, query: str) -> Reply:
        if not query:
            raise UsageError("Which title? e.g. /watchlist remove Parasite")
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            listed = await repos.watchlist.title_ids(user_id) if user_id is not None else set()
        # Of several titles with that name, the one on their list is the one they mean.
        on_list = snap.index.exact_ids(query) & listed
        notes: list[str] = []
        if len(on_list) == 1:
            t = snap.titles[on_list.pop()]
        else:
            try:
                _snap, t, notes = await self.core.resolve(query, write=True)
            except (UnknownTitleError, AmbiguousTitleError) as error:
                return error_reply(error, "watchlist remove")
        removed = False
        if user_id is not None:
            async with self.db.unit_of_work(write=True) as repos:
                removed = await repos.watchlist.remove(user_id, t.id)
        if not removed:
            return Reply(
                text=f"{self.core.label(t)} isn't on {_whose(ctx)} watchlist, so nothing changed.",
                notes=(*notes, "Your watchlist: /watchlist"),
            )
        return Reply(
            text=f"Removed {self.core.label(t)} from {_whose(ctx)} watchlist.",
            notes=tuple(notes),
            actions=(
                _own("Undo", f"/watchlist add #{t.id}"),
                Action("My watchlist", "/watchlist"),
            ),
        )

    async def show(self, ctx: CommandContext, page: int) -> Reply:
        snap = await self.core.catalog.get()
        prefs = await self.core.preferences(ctx)
        async with self.db.unit_of_work() as repos:
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            entries = await repos.watchlist.entries(user_id) if user_id is not None else []
            chat = await load_preferences(
                repos, self.core.settings, ctx, with_member=not ctx.is_group
            )
        entries = [e for e in entries if e.title_id in snap.titles]
        if not entries:
            return Reply(
                text="Your watchlist is empty.",
                notes=(
                    "Add titles with /watchlist add Parasite, or + Watchlist on any title card.",
                ),
            )
        page, pages = _page_of(len(entries), page)
        shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        items = tuple(
            Item(
                text=self._line(snap.titles[e.title_id]),
                detail=" · ".join(
                    [f"added {e.added_at:%d %b %Y}"]
                    + ([_SOURCE_NOTES[e.source]] if e.source in _SOURCE_NOTES else [])
                ),
                extra=self._watch(snap, e.title_id, prefs),
                title_id=e.title_id,
            )
            for e in shown
        )
        party = party_action(snap, [e.title_id for e in entries], chat)
        return Reply(
            text=f"{ctx.display_name}'s watchlist ({len(entries)} title(s)), latest first:",
            items=items,
            notes=(
                *self._page_notes(page, pages, len(entries)),
                "✕ n takes that title off your watchlist.",
                self._region_note(prefs),
            ),
            actions=self._actions(items, page, pages, "/watchlist", party, own=True),
        )

    # -- the chat's shared list --------------------------------------------------------------

    async def chat(self, ctx: CommandContext, args: str) -> Reply:
        if not ctx.is_group:
            raise UsageError(
                "The shared watchlist needs a group: use /watchlist chat in a group chat. "
                "Your own list is /watchlist."
            )
        verb, _, rest = args.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb in ("", "show", "list") and not rest:
            return await self.chat_show(ctx, 1)
        if page := _page_number(verb, rest):
            return await self.chat_show(ctx, page)
        if verb in _ADD:
            return await self.chat_add(ctx, rest)
        if verb in _REMOVE:
            return await self.chat_remove(ctx, rest)
        raise UsageError(
            "Try /watchlist chat, /watchlist chat add Parasite or /watchlist chat remove Parasite."
        )

    async def _resolve_for(self, query: str, command: str) -> tuple[TitleFacts, list[str]] | Reply:
        if not query:
            raise UsageError(f"Which title? e.g. /{command} Parasite")
        try:
            _snap, t, notes = await self.core.resolve(query, write=True)
        except (UnknownTitleError, AmbiguousTitleError) as error:
            return error_reply(error, command)
        return t, notes

    async def chat_add(self, ctx: CommandContext, query: str) -> Reply:
        resolved = await self._resolve_for(query, "watchlist chat add")
        if isinstance(resolved, Reply):
            return resolved
        t, notes = resolved
        async with self.db.unit_of_work(write=True) as repos:
            view = await enter_chat(self.core, repos, ctx)
            added = await repos.watchlist.chat_add(view.id, view.user_id, t.id)
            entries = await repos.watchlist.chat_entries(view.id)
        wanted = next((len(e.wanted_by) for e in entries if e.title_id == t.id), 1)
        count = f"{wanted} member{'s' if wanted != 1 else ''} want{'s' if wanted == 1 else ''} it"
        actions = (
            Action("Chat's watchlist", "/watchlist chat"),
            _own("Remove", f"/watchlist chat remove #{t.id}"),
        )
        if not added:
            return Reply(
                text=f"You already want {self.core.label(t)} on this chat's watchlist ({count}).",
                notes=tuple(notes),
                actions=actions,
            )
        return Reply(
            text=f"Added {self.core.label(t)} to this chat's watchlist ({count}).",
            notes=(*notes, "Watch parties here propose the titles most members want first."),
            actions=actions,
        )

    async def chat_remove(self, ctx: CommandContext, query: str) -> Reply:
        resolved = await self._resolve_for(query, "watchlist chat remove")
        if isinstance(resolved, Reply):
            return resolved
        t, notes = resolved
        removed = False
        left = 0
        async with self.db.unit_of_work(write=True) as repos:
            chat = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
            user_id = await repos.users.find(ctx.platform, ctx.user_id)
            if chat is not None and user_id is not None:
                removed = await repos.watchlist.chat_remove(chat.id, user_id, t.id)
                entries = await repos.watchlist.chat_entries(chat.id)
                left = next((len(e.wanted_by) for e in entries if e.title_id == t.id), 0)
        if not removed:
            return Reply(
                text=f"You hadn't asked for {self.core.label(t)} on this chat's watchlist.",
                notes=(*notes, "This chat's watchlist: /watchlist chat"),
            )
        still = (
            f" {left} other member{'s' if left != 1 else ''} still want{'s' if left == 1 else ''}"
            " it."
            if left
            else ""
        )
        return Reply(
            text=f"Took {self.core.label(t)} off this chat's watchlist for you.{still}",
            notes=tuple(notes),
            actions=(_own("Undo", f"/watchlist chat add #{t.id}"),),
        )

    async def chat_show(self, ctx: CommandContext, page: int) -> Reply:
        snap = await self.core.catalog.get()
        async with self.db.unit_of_work() as repos:
            found = await repos.parties.find_chat(ctx.platform, ctx.chat_id)
            entries = await repos.watchlist.chat_entries(found.id) if found is not None else []
            chat = await load_preferences(repos, self.core.settings, ctx, with_member=False)
        entries = [e for e in entries if e.title_id in snap.titles]
        if not entries:
            return Reply(
                text="This chat's watchlist is empty.",
                notes=(
                    "Suggest a title for everyone: /watchlist chat add Parasite. Watch parties "
                    "here propose the titles most members want first.",
                ),
            )
        page, pages = _page_of(len(entries), page)
        shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        items = tuple(
            Item(
                text=f"{self._line(snap.titles[e.title_id])} — {len(e.wanted_by)} "
                f"want{'s' if len(e.wanted_by) == 1 else ''} it",
                detail="wanted by " + ", ".join(e.wanted_by),
                extra=self._watch(snap, e.title_id, chat),
                title_id=e.title_id,
            )
            for e in shown
        )
        party = party_action(snap, [e.title_id for e in entries], chat)
        return Reply(
            text=f"This chat's watchlist ({len(entries)} title(s)), the most wanted first:",
            items=items,
            notes=(*self._page_notes(page, pages, len(entries)), self._region_note(chat)),
            actions=self._actions(items, page, pages, "/watchlist chat", party, own=False),
        )

    # -- shared pieces -----------------------------------------------------------------------

    def _line(self, t: TitleFacts) -> str:
        return f"{self.core.label(t)} — {self.core.describe(t)}"

    def _watch(self, snap: CatalogSnapshot, title_id: int, prefs: Preferences) -> str:
        """Where to watch, as /where and list lines show it, for the region that applies."""
        return self.core.offers_line(snap.offers.get(title_id, []), prefs.region, prefs.services)

    @staticmethod
    def _region_note(prefs: Preferences) -> str:
        if prefs.region is None:
            return "No region set, so every region is listed: /settings me region US"
        return f"Where to watch in {prefs.region} ({SOURCES[prefs.region_source]})."

    @staticmethod
    def _page_notes(page: int, pages: int, count: int) -> tuple[str, ...]:
        return (f"Page {page} of {pages} · {count} in all",) if pages > 1 else ()

    @staticmethod
    def _actions(
        items: Sequence[Item],
        page: int,
        pages: int,
        command: str,
        party: Action | None,
        *,
        own: bool,
    ) -> tuple[Action, ...]:
        """ℹ n for each item, and Previous/Next, which replace the list's message. `own`: a
        member's own list, whose pages and ✕ n (remove) only that member may press; a chat's
        shared list anyone in it may page."""
        # Front ends number each reply's items from 1, so the buttons do too.
        actions = [Action(f"ℹ {n}", f"/title #{item.title_id}") for n, item in enumerate(items, 1)]
        if own:
            actions += [
                _own(f"✕ {n}", f"/watchlist remove #{item.title_id}")
                for n, item in enumerate(items, 1)
            ]
        if page > 1:
            actions.append(
                Action("◀ Previous", f"{command} {page - 1}", owner_only=own, in_place=True)
            )
        if page < pages:
            actions.append(Action("Next ▶", f"{command} {page + 1}", owner_only=own, in_place=True))
        if party is not None:
            actions.append(party)
        return tuple(actions)


def _own(label: str, command: str) -> Action:
    """A button of one member's own list or change, refused to anyone else: pressed by another
    member it would act on *their* list (Undo would remove the title from the presser's)."""
    return Action(label, command, owner_only=True)


def _whose(ctx: CommandContext) -> str:
    """ "your", or in a group (where everyone sees the answer to a button) the member's name."""
    return (
        f"{clean_user_text(ctx.display_name).strip() or ctx.user_id}'s" if ctx.is_group else "your"
    )


def _page_number(verb: str, rest: str) -> int | None:
    """The page asked for: "/watchlist 2" or "/watchlist page 2"."""
    if verb.isdigit() and not rest:
        return int(verb)
    if verb == "page" and rest.isdigit():
        return int(rest)
    return None
