"""Title resolution on the imported catalog (../shared/data, no starter catalog): the
best-known version by default, no silent substitution on writes, /recommend <n> as a count.

The tests share one App per backend (see tests/imported_catalog.py), so each writes only as its
own member and checks only that member's ratings."""

from __future__ import annotations

from bot.app import App
from tests.imported_catalog import imported_app
from tests.support import all_text, rating_rows, say, title_id

__all__ = ["imported_app"]  # the fixture, imported for pytest


async def ratings_of(app: App, user: str) -> list[tuple[int, int, str | None]]:
    return [(t, h, r) for u, t, h, r, _s in await rating_rows(app) if u == user]


async def test_parasite_is_the_2019_film_and_the_note_names_the_1982_one(
    imported_app: App,
) -> None:
    reply = await say(imported_app, "/title Parasite")
    assert not reply.is_error, reply.text
    assert reply.card is not None and reply.card.heading == "Parasite (2019)"
    (note,) = reply.notes
    assert "Parasite (1982)" in note  # the other one, and how to ask for it
    older = await say(imported_app, "/title Parasite (1982)")
    assert older.card is not None and older.card.heading == "Parasite (1982)"


async def test_kingdom_is_the_korean_series(imported_app: App) -> None:
    reply = await say(imported_app, "/title Kingdom")
    assert not reply.is_error, reply.text
    assert reply.card is not None
    assert reply.card.heading.startswith("Kingdom (20") and "Korean series" in reply.card.subheading
    assert "Kingdom (2020" in " ".join(reply.notes)  # Netflix's listing of it, a year later


async def test_the_host_is_bong_joon_hos_2006_film(imported_app: App) -> None:
    reply = await say(imported_app, "/title The Host")
    assert not reply.is_error, reply.text
    assert reply.card is not None and reply.card.heading == "The Host (2006)"
    assert "The Host (2013)" in " ".join(reply.notes)


async def test_a_rating_for_a_title_not_in_the_catalog_is_saved_nowhere(
    imported_app: App,
) -> None:
    reply = await say(imported_app, "/review Oppenheimer 5 a masterpiece", user="op")
    assert reply.kind == "error"
    assert "not in the catalog" in reply.text
    assert await ratings_of(imported_app, "op") == []
    er = await title_id(imported_app, "ER", 1994)
    assert f"#{er}" not in all_text(reply)  # two letters of "Oppenheimer" are not a guess


async def test_lovely_runner_is_not_rated_as_runner_runner_unless_picked(
    imported_app: App,
) -> None:
    reply = await say(imported_app, "/review Lovely Runner 5 so sweet", user="lr")
    assert reply.kind == "error" and "not in the catalog" in reply.text
    assert await ratings_of(imported_app, "lr") == []
    runner = await title_id(imported_app, "Runner Runner", 2013)
    (button,) = [a for a in reply.actions if a.command.startswith(f"/review #{runner} ")]
    pressed = await say(imported_app, button.command, user="lr")
    assert not pressed.is_error, pressed.text
    assert await ratings_of(imported_app, "lr") == [(runner, 10, "so sweet")]


async def test_a_typo_is_a_confident_match_and_rates_the_best_known_version(
    imported_app: App,
) -> None:
    parasite = await title_id(imported_app, "Parasite", 2019)
    reply = await say(imported_app, "/review Parasit 4", user="ty")
    assert not reply.is_error, reply.text
    assert any("Showing Parasite (2019)" in n for n in reply.notes)
    assert await ratings_of(imported_app, "ty") == [(parasite, 8, None)]
    removed = await say(imported_app, "/review Parasite remove", user="ty")
    assert "Removed your rating of Parasite (2019)" in removed.text
    assert await ratings_of(imported_app, "ty") == []


async def test_recommend_with_a_bare_number_is_that_many_picks(imported_app: App) -> None:
    reply = await say(imported_app, "/recommend 10", user="rn")
    assert not reply.is_error, reply.text
    assert len(reply.items) == 10
    assert "If you liked" not in reply.text  # not "like the film 10"
    assert any("/recommend 10 (1979)" in n for n in reply.notes)  # how to mean the film
    film = await say(imported_app, "/recommend 10 (1979)", user="rn")
    assert film.text == "If you liked 10 (1979), watch:"
    similar = await say(imported_app, "/recommend Parasite 5", user="rn")
    assert similar.text == "If you liked Parasite (2019), watch:" and len(similar.items) == 5


async def test_recommend_with_a_number_that_cannot_be_a_count_names_a_title(
    imported_app: App,
) -> None:
    film = await say(imported_app, "/recommend 300", user="rn")
    assert film.text.startswith("If you liked 300 (20"), film.text
    unknown = await say(imported_app, "/recommend 1917", user="rn")  # not in this catalog
    assert unknown.kind == "error" and 'a title called "1917"' in unknown.text


async def test_the_readme_watch_party_opens_with_parasite_2019_and_okja(
    imported_app: App,
) -> None:
    reply = await say(imported_app, "/watchparty new sat 8pm; Parasite; Okja", user="wp")
    assert not reply.is_error, reply.text
    assert [i.text for i in reply.items] == ["Parasite (2019)", "Okja (2017)"]
    await say(imported_app, "/watchparty cancel", user="wp")
