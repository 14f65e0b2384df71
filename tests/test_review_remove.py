"""/review <title> remove on the starter catalog: a member takes back their own rating and
review, the reply confirms it and the community verdict follows."""

from __future__ import annotations

from bot.app import App
from tests.support import rating_rows, say, title_id


async def test_remove_takes_back_the_rating_and_review_and_the_verdict_updates(
    app: App,
) -> None:
    okja = await title_id(app, "Okja", 2017)
    await say(app, "/review Okja 5 loved it", user="ana")
    await say(app, "/review Okja 3 fine", user="bo")
    reply = await say(app, "/review Okja remove", user="ana")
    assert not reply.is_error, reply.text
    assert reply.text == "Removed your rating and review of Okja (2017) (5★)."
    assert "3★ average from 1 rating" in " ".join(reply.notes)
    assert [(u, t) for u, t, *_ in await rating_rows(app)] == [("bo", okja)]
    reviews = await say(app, "/reviews Okja")
    assert [i.detail for i in reviews.items] == ["fine"]


async def test_remove_with_nothing_rated_says_so_and_writes_nothing(app: App) -> None:
    await say(app, "/review Okja 4", user="bo")
    reply = await say(app, "/review Okja remove", user="ana")
    assert "haven't rated Okja (2017)" in reply.text
    assert len(await rating_rows(app)) == 1


async def test_discord_form_and_delete_also_remove(app: App) -> None:
    await say(app, "/review Okja 4", user="ana")
    await say(app, "/review Okja | remove", user="ana")  # what Discord's rating option sends
    assert await rating_rows(app) == []
    await say(app, "/review Prison Playbook 4", user="ana")
    await say(app, "/review Prison Playbook delete", user="ana")
    assert await rating_rows(app) == []


async def test_review_text_ending_in_remove_is_still_a_review(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    reply = await say(app, "/review Okja 2 a scene I would remove", user="ana")
    assert not reply.is_error, reply.text
    assert await rating_rows(app) == [("ana", okja, 4, "a scene I would remove", False)]


async def test_remove_of_a_shared_name_takes_the_version_the_member_rated(app: App) -> None:
    mother_2018 = await title_id(app, "Mother", 2018)
    await say(app, f"/review #{mother_2018} 4", user="ana")
    reply = await say(app, "/review Mother remove", user="ana")
    assert reply.text == "Removed your rating of Mother (2018) (4★)."
    assert await rating_rows(app) == []


async def test_remove_of_an_unknown_title_offers_buttons_that_remove(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    await say(app, "/review Okja 4", user="ana")
    reply = await say(app, "/review Okjaa Redux remove", user="ana")
    assert reply.kind == "error"
    assert f"/review #{okja} remove" in [a.command for a in reply.actions]
    pressed = await say(app, f"/review #{okja} remove", user="ana")
    assert pressed.text.startswith("Removed your rating of Okja (2017)")
    assert await rating_rows(app) == []


async def test_the_review_reply_has_an_undo_button(app: App) -> None:
    reply = await say(app, "/review Okja 4 good", user="ana")
    (undo,) = [a for a in reply.actions if a.label == "Undo"]
    undone = await say(app, undo.command, user="ana")
    assert undone.text == "Removed your rating and review of Okja (2017) (4★)."
    assert await rating_rows(app) == []
