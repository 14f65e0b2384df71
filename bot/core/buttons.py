"""Buttons several features put under their replies: "+ Watchlist" on a title, and the
numbered "ℹ n" / "+ n" rows under a list of titles."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.replies import Action

WATCHLIST_LABEL = "+ Watchlist"
WATCHLIST_ADD = "/watchlist add #"  # + the title id: what every "+ Watchlist" button runs
BUTTONS_PER_ROW = 5  # list buttons go in rows of five on every front end


def watchlist_action(title_id: int) -> Action:
    """The "+ Watchlist" button: adds the title for whoever presses it."""
    return Action(WATCHLIST_LABEL, f"{WATCHLIST_ADD}{title_id}")


def is_watchlist_add(command: str) -> bool:
    """A "+ Watchlist" press: front ends may answer it in place (a toast) rather than post."""
    return command.startswith(WATCHLIST_ADD)


def list_actions(title_ids: Sequence[int], add: bool = True) -> tuple[Action, ...]:
    """Buttons for a numbered list of titles: "ℹ n" opens item n's card and "+ n" puts it on
    the presser's watchlist, a row of five of each at a time, so each row lines up with the
    items it is for on every front end."""
    actions: list[Action] = []
    for start in range(0, len(title_ids), BUTTONS_PER_ROW):
        chunk = list(enumerate(title_ids[start : start + BUTTONS_PER_ROW], start + 1))
        actions += [Action(f"ℹ {n}", f"/title #{tid}") for n, tid in chunk]
        if add:
            actions += [Action(f"+ {n}", f"{WATCHLIST_ADD}{tid}") for n, tid in chunk]
    return tuple(actions)
