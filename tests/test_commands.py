"""Every command through Dispatcher.handle, as the console user, on SQLite and PostgreSQL.

Assertions are on Reply fields and on what the database holds, not on exact wording."""

from __future__ import annotations

import re
import time
from pathlib import Path

from bot.app import App, open_app
from db import models as m
from tests.conftest import make_settings
from tests.support import all_text, count_rows, field, rating_rows, say, title_id

# -- /help, unknown commands, plain text ------------------------------------------------------


async def test_help_lists_every_command_with_an_example(app: App) -> None:
    reply = await say(app, "/help")
    assert reply.kind == "info"
    assert len(reply.items) == len(app.dispatcher.commands)
    for spec, item in zip(app.dispatcher.commands, reply.items, strict=True):
        assert item.text.startswith(f"/{spec.name}")
        assert item.detail
        assert spec.example in item.extra
    # /start (Telegram's first message) and a group-style suffix give the same help.
    assert await say(app, "/start") == reply
    assert await say(app, "/help@reelbot") == reply
    assert await say(app, "/HELP") == reply


async def test_every_help_example_runs_without_an_error(app: App) -> None:
    for spec in app.dispatcher.commands:
        reply = await say(app, spec.example, user="example-runner")
        assert not reply.is_error, f"{spec.example} -> {reply.text}"


async def test_unknown_command_is_an_error_naming_it(app: App) -> None:
    reply = await say(app, "/frobnicate Parasite")
    assert reply.kind == "error"
    assert "/frobnicate" in reply.text
    assert "/help" in reply.text


async def test_text_without_a_slash_gets_a_pointer_to_help(app: App) -> None:
    for line in ("hello there", "Parasite", "recommend Parasite", "  ", "", "\\help"):
        reply = await say(app, line)
        assert reply.kind == "error", line
        assert "/help" in reply.text, line


async def test_group_style_bot_suffix_works_for_every_command(app: App) -> None:
    reply = await say(app, "/review@reelbot Okja 4 lovely pig")
    assert not reply.is_error, reply.text
    okja = await title_id(app, "Okja", 2017)
    assert [(t, h, r) for _u, t, h, r, _s in await rating_rows(app)] == [(okja, 8, "lovely pig")]
    recommend = await say(app, "/recommend@reelbot_bot Okja 2")
    assert len(recommend.items) == 2


_COMMAND_MENTION = re.compile(r"(?<![\w/])/([a-z_]+)")


async def test_replies_only_point_to_commands_that_exist(app: App) -> None:
    """Hints like "try /review ..." must name commands the dispatcher knows."""
    known = {"help", "start"} | {c.name for c in app.dispatcher.commands}
    lines = [
        "/help",
        "hello",
        "/search zzqqxxvvkk",
        "/title Parasite",
        "/recommend",
        "/reviews Parasite",
        "/myratings",
        "/where Miracle in Cell No. 7",  # no offers known for it
        "/where Prison Playbook",
        "/review Parasite",
        "/title Miracle in Cell No. 7 2019",
    ]
    mentioned: dict[str, set[str]] = {}
    for line in lines:
        reply = await say(app, line, user="hint-reader")
        for name in _COMMAND_MENTION.findall(all_text(reply)):
            mentioned.setdefault(name, set()).add(line)
    unknown = {name: lines for name, lines in mentioned.items() if name not in known}
    assert unknown == {}, f"replies mention commands that do not exist: {unknown}"


# -- /title ------------------------------------------------------------------------------------


async def test_title_card_facts(app: App) -> None:
    parasite = await title_id(app, "Parasite", 2019)
    reply = await say(app, "/title parasite")
    assert reply.kind == "info"
    assert reply.card is not None
    assert reply.card.title_id == parasite
    assert reply.card.heading == "Parasite (2019)"
    assert "Korean" in reply.card.subheading and "film" in reply.card.subheading
    assert reply.card.body  # synopsis
    assert field(reply, "Country") == "South Korea"
    assert "Bong Joon-ho" in field(reply, "Director")
    assert field(reply, "Original title") == "기생충"
    assert "/review" in field(reply, "Members' rating")  # nobody rated it yet
    assert "Apple TV" in field(reply, "Where to watch")
    commands = [a.command for a in reply.actions]
    assert commands == [
        f"/recommend #{parasite}",
        f"/where #{parasite}",
        f"/reviews #{parasite}",
        f"/watchlist add #{parasite}",
    ]


async def test_title_card_shows_members_rating_after_reviews(app: App) -> None:
    await say(app, "/review Parasite 5", user="ana")
    await say(app, "/review Parasite 4", user="ben")
    rating = field(await say(app, "/title Parasite", user="cy"), "Members' rating")
    assert "4.5" in rating
    assert "2" in rating


async def test_title_card_where_to_watch_follows_the_region(app: App) -> None:
    everywhere = field(await say(app, "/title Prison Playbook"), "Where to watch")
    assert "Netflix" in everywhere and "Tving" in everywhere
    in_us = field(await say(app, "/title Prison Playbook", region="US"), "Where to watch")
    assert "Netflix" in in_us
    assert "Tving" not in in_us  # Tving is Korea only
    nowhere = field(await say(app, "/title Prison Playbook", region="BR"), "Where to watch")
    assert "Netflix" not in nowhere and "BR" in nowhere


async def test_title_card_lists_other_versions(app: App) -> None:
    versions = field(await say(app, "/title Miracle in Cell No. 7"), "Other versions")
    for fact in ("Turkey", "Philippines", "Indonesia", "2019", "2022"):
        assert fact in versions
    assert "2013" not in versions


async def test_title_without_a_name_is_a_usage_error(app: App) -> None:
    reply = await say(app, "/title")
    assert reply.kind == "error"
    assert "/title" in reply.text


# -- /recommend <title> ------------------------------------------------------------------------


async def test_recommend_miracle_gives_reasons_and_where_to_watch(app: App) -> None:
    reply = await say(app, "/recommend Miracle in Cell No. 7")
    assert reply.kind == "info"
    assert "Miracle in Cell No. 7 (2013)" in reply.text
    ids = [i.title_id for i in reply.items]
    assert await title_id(app, "Prison Playbook", 2017) in ids
    assert await title_id(app, "I Am Sam", 2001) in ids
    assert len(reply.items) == 5  # the default
    for item in reply.items:
        assert item.detail.strip(), item
        assert item.extra.strip(), item
    assert len(set(ids)) == len(ids)
    # ℹ n opens item n, + n puts it on the presser's watchlist.
    assert [a.command for a in reply.actions] == [f"/title #{i}" for i in ids] + [
        f"/watchlist add #{i}" for i in ids
    ]


async def test_recommend_does_not_list_remakes_of_the_same_story(app: App) -> None:
    snap = await app.core.catalog.get()
    versions = {t.id for t in snap.titles.values() if t.name == "Miracle in Cell No. 7"}
    assert len(versions) == 4
    for query in ("Miracle in Cell No. 7", "Miracle in Cell No. 7 (2019, Turkey)"):
        reply = await say(app, f"/recommend {query} 20")
        assert len(reply.items) == 20
        assert not versions & {i.title_id for i in reply.items}, query


async def test_recommend_count(app: App) -> None:
    three = await say(app, "/recommend Parasite 3")
    assert three.kind == "info"
    assert len(three.items) == 3
    assert [a.label for a in three.actions] == ["ℹ 1", "ℹ 2", "ℹ 3", "+ 1", "+ 2", "+ 3"]
    assert "Parasite (2019)" in three.text
    one = await say(app, "/recommend Parasite 1")
    assert len(one.items) == 1
    assert one.items[0] == three.items[0]
    twenty = await say(app, "/recommend Parasite 20")
    assert len(twenty.items) == 20


async def test_recommend_count_out_of_range_is_an_error(app: App) -> None:
    for count in ("0", "21", "99", "100000000000000000000"):
        reply = await say(app, f"/recommend Parasite {count}")
        assert reply.kind == "error", count
        assert "20" in reply.text, count
        assert reply.items == (), count


async def test_recommend_title_that_ends_in_a_number(app: App) -> None:
    peninsula = await title_id(app, "Peninsula", 2020)  # also known as "Train to Busan 2"
    reply = await say(app, "/recommend Train to Busan 2")
    assert reply.kind == "info"
    assert "Peninsula" in reply.text
    assert len(reply.items) == 5
    three = await say(app, "/recommend Train to Busan 2 3")
    assert "Peninsula" in three.text
    assert len(three.items) == 3
    assert peninsula not in [i.title_id for i in three.items]
    idiots = await say(app, "/recommend 3 Idiots")
    assert "3 Idiots" in idiots.text
    assert len(idiots.items) == 5


# -- /recommend with no title: popular, then personal picks --------------------------------


async def test_recommend_for_a_new_member_gives_popular_picks_with_a_note(app: App) -> None:
    reply = await say(app, "/recommend", user="newcomer")
    assert reply.kind == "info"
    assert len(reply.items) == 5
    assert reply.notes, "a new member should be told how to get personal picks"
    assert any("/review" in n for n in reply.notes)
    for item in reply.items:
        assert item.title_id is not None
        assert item.detail.strip() and item.extra.strip()
    three = await say(app, "/recommend 3", user="newcomer")
    assert len(three.items) == 3
    for line in ("/recommend 0", "/recommend Okja 0"):
        refused = await say(app, line, user="newcomer")
        assert refused.kind == "error" and "1 to 20" in refused.text, line


async def test_recommend_after_rating_gives_personal_picks_without_rated_titles(app: App) -> None:
    popular = await say(app, "/recommend", user="dana")
    rated = {
        await title_id(app, "Miracle in Cell No. 7", 2013, "KR"),
        await title_id(app, "Parasite", 2019),
        await title_id(app, "I Am Sam", 2001),
    }
    for line in ("Miracle in Cell No. 7 5", "Parasite 4.5", "I Am Sam 4"):
        assert not (await say(app, f"/review {line}", user="dana")).is_error
    picks = await say(app, "/recommend 20", user="dana")
    assert picks.kind == "info"
    assert len(picks.items) == 20
    assert not rated & {i.title_id for i in picks.items}
    assert not any("/review" in n for n in picks.notes)  # no more "rate a few titles"
    assert [i.title_id for i in picks.items[:5]] != [i.title_id for i in popular.items]
    # Each pick says which of the member's titles it follows from.
    for item in picks.items:
        assert any(name in item.detail for name in ("Miracle", "Parasite", "I Am Sam")), item


async def test_personal_picks_skip_other_versions_of_a_story_already_rated(app: App) -> None:
    """Someone who rated the Turkish Miracle in Cell No. 7 has seen that story; /recommend
    <title> folds versions away, and personal picks should too."""
    snap = await app.core.catalog.get()
    versions = {t.id for t in snap.titles.values() if t.name == "Miracle in Cell No. 7"}
    await say(app, "/review Miracle in Cell No. 7 (2019, Turkey) 5", user="eli")
    picks = await say(app, "/recommend 20", user="eli")
    assert picks.items
    assert not versions & {i.title_id for i in picks.items}


async def test_other_members_ratings_do_not_make_my_picks_personal(app: App) -> None:
    await say(app, "/review Parasite 5", user="ana")
    mine = await say(app, "/recommend", user="fresh")
    assert any("/review" in n for n in mine.notes)


# -- /where ------------------------------------------------------------------------------------


async def test_where_with_a_region(app: App) -> None:
    reply = await say(app, "/where Prison Playbook US")
    assert reply.kind == "info"
    assert reply.card is not None
    assert "US" in reply.card.heading
    assert "Netflix" in field(reply, "Stream")
    assert "Tving" not in all_text(reply)  # Korea only
    assert "as of" in field(reply, "Stream")  # the date each offer was checked
    assert await say(app, "/where Prison Playbook us") == reply


async def test_where_without_a_region_lists_every_region(app: App) -> None:
    reply = await say(app, "/where Prison Playbook")
    stream = field(reply, "Stream")
    assert "Netflix" in stream and "Tving" in stream
    assert "US" in stream and "KR" in stream


async def test_where_uses_the_members_region_and_the_configured_default(
    app: App, db_url: str, tmp_path: Path
) -> None:
    korea = await say(app, "/where Prison Playbook", region="KR")
    assert "Tving" in field(korea, "Stream")
    assert "US" not in field(korea, "Stream")
    configured = await open_app(make_settings(db_url, tmp_path, default_region="US"))
    try:
        us = await say(configured, "/where Prison Playbook")
        assert "Netflix" in field(us, "Stream")
        assert "Tving" not in all_text(us)
        # An explicit region still wins over the default.
        kr = await say(configured, "/where Prison Playbook KR")
        assert "Tving" in field(kr, "Stream")
    finally:
        await configured.close()


async def test_where_in_a_region_without_offers_says_so(app: App) -> None:
    reply = await say(app, "/where Prison Playbook GB")
    assert reply.kind != "apology"
    text = all_text(reply)
    assert "GB" in text
    assert "Netflix" not in text  # nothing is claimed for GB
    # It says where it *is* known to be available.
    assert "US" in text and "KR" in text


async def test_where_with_an_invalid_region_is_an_error(app: App) -> None:
    reply = await say(app, "/where Prison Playbook XX")
    assert reply.kind == "error", all_text(reply)
    assert "XX" in reply.text


async def test_where_does_not_take_the_last_word_of_a_misspelt_title_for_a_region(
    app: App,
) -> None:
    """ "Kill Me, Heal Me" and "That Year, We" end in two-letter words. With a typo the title
    is not an exact match, but /title still finds it; /where must find the same title instead
    of reading "Me" as Montenegro or refusing "We" as a country code."""
    for typo, name in (("Kil Me Heal Me", "Kill Me, Heal Me"), ("That Yaer We", "Our Beloved")):
        card = await say(app, f"/title {typo}")
        assert card.card is not None and card.card.heading.startswith(name), typo
        where = await say(app, f"/where {typo}")
        assert where.kind == "info", (typo, where.text)
        assert where.card is not None and name in where.card.heading, (typo, all_text(where))
        assert "Stream" in [f.name for f in where.card.fields], typo


async def test_where_for_a_title_with_no_known_offers(app: App) -> None:
    reply = await say(app, "/where Miracle in Cell No. 7")
    assert reply.kind == "info"
    assert "Miracle in Cell No. 7 (2013)" in all_text(reply)
    assert reply.notes


async def test_where_without_a_title_is_a_usage_error(app: App) -> None:
    assert (await say(app, "/where")).kind == "error"


# -- title ids, as buttons send them ------------------------------------------------------------


async def test_every_command_accepts_a_title_id(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    for command in ("/title", "/recommend", "/where", "/reviews"):
        reply = await say(app, f"{command} #{playbook}")
        assert reply.kind == "info", (command, reply.text)
        assert "Prison Playbook (2017)" in all_text(reply), command
    assert not (await say(app, f"/review #{playbook} 4 via a button")).is_error
    assert [r[1:4] for r in await rating_rows(app)] == [(playbook, 8, "via a button")]
    gone = await say(app, "/title #987654")
    assert gone.kind == "error"


async def test_a_title_id_can_take_a_region_or_a_count(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    where = await say(app, f"/where #{playbook} US")
    assert where.kind == "info", where.text
    assert "Netflix" in field(where, "Stream")
    assert "Tving" not in all_text(where)
    recommend = await say(app, f"/recommend #{playbook} 3")
    assert recommend.kind == "info", recommend.text
    assert len(recommend.items) == 3


# -- /review -----------------------------------------------------------------------------------


async def test_review_creates_one_rating_with_its_text(app: App) -> None:
    miracle = await title_id(app, "Miracle in Cell No. 7", 2013, "KR")
    reply = await say(app, "/review Miracle in Cell No. 7 5 loved it")
    assert reply.kind == "info"
    assert "Miracle in Cell No. 7 (2013)" in reply.text
    assert any("1" in n for n in reply.notes)  # members' rating so far
    assert await rating_rows(app) == [("ana", miracle, 10, "loved it", False)]
    assert await count_rows(app, m.User) == 1


async def test_rerating_replaces_the_rating_and_its_text(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    await say(app, "/review Prison Playbook 4 first take")
    reply = await say(app, "/review Prison Playbook 2.5 second take")
    assert reply.kind == "info"
    assert "4" in reply.text  # says what it was before
    assert await rating_rows(app) == [("ana", playbook, 5, "second take", False)]
    reviews = await say(app, "/reviews Prison Playbook")
    assert [i.detail for i in reviews.items] == ["second take"]
    # The same title under another name is still the same rating.
    await say(app, "/review Wise Prison Life 5 third take")
    await say(app, "/review 슬기로운 감빵생활 4.5 fourth take")
    assert await rating_rows(app) == [("ana", playbook, 9, "fourth take", False)]


async def test_review_of_every_rating_form_is_stored_in_half_stars(app: App) -> None:
    forms = {"Parasite": ("8/10", 8), "Okja": ("★★★½", 7), "Burning": ("B+", 8)}
    for title, (typed, _half) in forms.items():
        assert not (await say(app, f"/review {title} {typed}")).is_error
    stored = sorted(h for _u, _t, h, _r, _s in await rating_rows(app))
    assert stored == sorted(h for _typed, h in forms.values())


async def test_review_with_an_ambiguous_title_writes_nothing_and_offers_versions(
    app: App,
) -> None:
    # Three films called Mother, none clearly the best known: the member picks one.
    bong = await title_id(app, "Mother", 2009)
    reply = await say(app, "/review Mother 4 nice")
    assert reply.kind == "error"
    assert await rating_rows(app) == []
    assert len(reply.actions) == 3
    # Pressing a button re-runs the review for that version, rating and text included.
    (button,) = [a for a in reply.actions if a.command.startswith(f"/review #{bong} ")]
    pressed = await say(app, button.command)
    assert not pressed.is_error, pressed.text
    assert await rating_rows(app) == [("ana", bong, 8, "nice", False)]


async def test_review_of_a_name_shared_with_a_lesser_known_remake_rates_the_known_one(
    app: App,
) -> None:
    turkish = await title_id(app, "Miracle in Cell No. 7", 2019, "TR")
    reply = await say(app, "/review Miracle in Cell No. 7 2019 4 nice")
    assert not reply.is_error, reply.text
    assert await rating_rows(app) == [("ana", turkish, 8, "nice", False)]
    assert any("(2019, Philippines)" in n for n in reply.notes)  # how to pick the other


async def test_review_text_over_2000_characters_is_refused_and_nothing_written(
    app: App,
) -> None:
    reply = await say(app, "/review Okja 4 " + "y" * 2001)
    assert reply.kind == "error"
    assert "2,000" in reply.text or "2000" in reply.text
    assert await rating_rows(app) == []
    assert await count_rows(app, m.User) == 0


async def test_review_text_of_exactly_2000_characters_is_kept(app: App) -> None:
    """The limit counts characters, not bytes, on both databases."""
    for user, letter in (("u1", "y"), ("u2", "한"), ("u3", "😀")):
        reply = await say(app, "/review Okja 4 " + letter * 2000, user=user)
        assert reply.kind == "info", (letter, reply.text)
    stored = {u: r for u, _t, _h, r, _s in await rating_rows(app)}
    assert stored == {"u1": "y" * 2000, "u2": "한" * 2000, "u3": "😀" * 2000}


async def test_bad_or_missing_rating_is_an_error_and_nothing_written(app: App) -> None:
    for line in [
        "/review Prison Playbook 0",
        "/review Prison Playbook 6 great",
        "/review Prison Playbook 11/10",
        "/review Prison Playbook -1",
        "/review Prison Playbook abc",
        "/review Prison Playbook",
        "/review",
        "/review | 4 | no title",
        "/review Prison Playbook | abc | text",
        "/review Prison Playbook | 0 | text",
    ]:
        reply = await say(app, line)
        assert reply.kind == "error", line
        assert await rating_rows(app) == [], line
    assert await count_rows(app, m.User) == 0


async def test_review_with_six_suggests_six_out_of_ten(app: App) -> None:
    """The README: a bare number above 5 is refused with a hint ("did you mean 8/10?")."""
    reply = await say(app, "/review Prison Playbook 6 great")
    assert reply.kind == "error"
    assert "6/10" in reply.text


async def test_review_of_a_title_containing_a_grade_letter_and_a_shorter_title(app: App) -> None:
    """ "Hachi" is an alias of "Hachi: A Dog's Tale"; the "A" inside the name is not a grade."""
    hachi = await title_id(app, "Hachi: A Dog's Tale", 2009)
    reply = await say(app, "/review Hachi: A Dog's Tale 5 cried")
    assert reply.kind == "info"
    assert await rating_rows(app) == [("ana", hachi, 10, "cried", False)]


async def test_review_of_a_title_without_a_rating_writes_nothing(app: App) -> None:
    reply = await say(app, "/review Hachi: A Dog's Tale")
    assert reply.kind == "error"
    assert await rating_rows(app) == []


async def test_review_titles_with_numbers_and_quotes(app: App) -> None:
    miracle = await title_id(app, "Miracle in Cell No. 7", 2013, "KR")
    idiots = await title_id(app, "3 Idiots", 2009)
    silent_voice = await title_id(app, "A Silent Voice", 2016)
    await say(app, "/review 3 Idiots 4.5 all is well", user="u1")
    await say(app, '/review "Miracle in Cell No. 7" 8/10 sad', user="u2")
    await say(app, "/review A Silent Voice | B+ | moving", user="u3")
    await say(app, "/review 7번방의 선물 ★★★★★ 눈물 났다", user="u4")
    assert sorted(await rating_rows(app)) == [
        ("u1", idiots, 9, "all is well", False),
        ("u2", miracle, 8, "sad", False),
        ("u3", silent_voice, 8, "moving", False),
        ("u4", miracle, 10, "눈물 났다", False),
    ]


async def test_spoiler_reviews_are_stored_as_spoilers(app: App) -> None:
    await say(app, "/review Okja 4 --spoiler the pig lives", user="u1")
    await say(app, "/review Okja 5 ||she saves her||", user="u2")
    await say(app, "/review Okja 3 --spoiler", user="u3")  # no text, nothing to hide
    await say(app, "/review Okja 2 no secrets", user="u4")
    assert {u: (r, s) for u, _t, _h, r, s in await rating_rows(app)} == {
        "u1": ("the pig lives", True),
        "u2": ("she saves her", True),
        "u3": (None, False),
        "u4": ("no secrets", False),
    }


# -- /reviews ----------------------------------------------------------------------------------


async def test_reviews_shows_average_count_distribution_and_latest(app: App) -> None:
    await say(app, "/review Okja 5 wonderful", user="ana")
    await say(app, "/review Okja 4 --spoiler the pig lives", user="ben")
    await say(app, "/review Okja 3", user="cy")  # a rating without text
    await say(app, "/review Okja 4 fine", user="dee")
    reply = await say(app, "/reviews Okja", user="ana")
    assert reply.kind == "info"
    assert reply.card is not None
    assert "Okja (2017)" in reply.card.heading
    average = field(reply, "Average")
    assert "4" in average and "4 ratings" in average
    distribution = field(reply, "Distribution").splitlines()
    assert len(distribution) == 3  # 5★, 4★, 3★
    assert distribution[0].split()[-1] == "1" and "5" in distribution[0]
    assert distribution[1].split()[-1] == "2" and "4" in distribution[1]
    assert distribution[2].split()[-1] == "1" and "3" in distribution[2]
    # Latest reviews with text, newest first; the spoiler is flagged so renderers hide it.
    assert [(i.detail, i.spoiler) for i in reply.items] == [
        ("fine", False),
        ("the pig lives", True),
        ("wonderful", False),
    ]
    assert "dee" in reply.items[0].text and "ben" in reply.items[1].text


async def test_reviews_of_an_unrated_title(app: App) -> None:
    reply = await say(app, "/reviews Okja")
    assert reply.kind == "info"
    assert reply.items == ()
    assert "Okja (2017)" in all_text(reply)
    assert "/review" in all_text(reply)
    assert (await say(app, "/reviews")).kind == "error"


async def test_reviews_show_only_the_latest_five(app: App) -> None:
    for n in range(7):
        await say(app, f"/review Okja 4 review number {n}", user=f"user{n}")
    reply = await say(app, "/reviews Okja")
    assert [i.detail for i in reply.items] == [f"review number {n}" for n in (6, 5, 4, 3, 2)]
    assert "7 ratings" in field(reply, "Average")


# -- /myratings --------------------------------------------------------------------------------


async def test_myratings_newest_first_and_private_to_each_member(app: App) -> None:
    empty = await say(app, "/myratings", user="ana")
    assert empty.kind == "info" and empty.items == ()
    await say(app, "/review Okja 4 pig", user="ana")
    await say(app, "/review Parasite 5", user="ana")
    await say(app, "/review Prison Playbook 3 --spoiler he walks free", user="ana")
    await say(app, "/review Okja 4.5 pig, again", user="ana")  # re-rating moves it to the top
    await say(app, "/review Burning 1", user="ben")
    reply = await say(app, "/myratings", user="ana")
    assert reply.kind == "info"
    okja = await title_id(app, "Okja", 2017)
    playbook = await title_id(app, "Prison Playbook", 2017)
    parasite = await title_id(app, "Parasite", 2019)
    assert [i.title_id for i in reply.items] == [okja, playbook, parasite]
    assert [(i.detail, i.spoiler) for i in reply.items] == [
        ("pig, again", False),
        ("he walks free", True),
        ("", False),
    ]
    assert "4.5" in reply.items[0].text
    assert "3" in reply.text  # how many
    other = await say(app, "/myratings", user="carol")
    assert other.items == ()
    assert [i.text.split(" (")[0] for i in (await say(app, "/myratings", user="ben")).items] == [
        "Burning"
    ]


# -- hostile text ------------------------------------------------------------------------------

HOSTILE = [
    "<b>bold</b> <script>alert(1)</script>",
    "**bold** __under__ `code` ||hidden|| ~~gone~~",
    "@everyone @here <@123456789> look",
    "\x1b[31mred\x1b[0m and \x07bell and \x00nul",
    "\u202eevil reversed\u202c and \u200bzero width",
    "'; DROP TABLE ratings; --",
    "Robert'); DROP TABLE titles;--",
    "%s %d {0} {title} $(rm -rf /)",
]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


async def test_hostile_text_in_a_review_is_stored_plain_and_echoed_clean(app: App) -> None:
    for text in HOSTILE:
        reply = await say(app, f"/review Okja 4 {text}")
        assert reply.kind == "info", (text, reply.text)
        [(_u, _t, half, stored, _s)] = await rating_rows(app)
        assert half == 8
        assert stored is not None
        assert not _CONTROL.search(stored), text
        assert stored == _CONTROL.sub("", text).strip()  # markup is kept as typed, plain text
        for shown in (await say(app, "/reviews Okja"), await say(app, "/myratings")):
            assert [i.detail for i in shown.items] == [stored]
            assert not _CONTROL.search(all_text(shown)), text
    assert await count_rows(app, m.Title) == 177
    assert await count_rows(app, m.Rating) == 1


async def test_hostile_text_as_a_query_never_breaks_a_command(app: App) -> None:
    for text in HOSTILE:
        for spec in app.dispatcher.commands:
            reply = await say(app, f"/{spec.name} {text}", user="mallory")
            assert reply.kind != "apology", (spec.name, text, reply.text)
            assert not _CONTROL.search(all_text(reply)), (spec.name, all_text(reply))
    # Nothing was dropped or rewritten: the catalog is whole and the tables answer.
    assert await count_rows(app, m.Title) == 177
    assert await count_rows(app, m.User) == 0
    assert await count_rows(app, m.Rating) == 0
    assert not (await say(app, "/review Okja 4 still works", user="mallory")).is_error
    assert await count_rows(app, m.Rating) == 1


async def test_hostile_display_name_is_stored_and_shown_safely(app: App) -> None:
    await say(app, "/review Okja 4 fine", user="\x1b[2J@everyone <b>x</b>")
    reply = await say(app, "/reviews Okja")
    assert reply.items
    assert not _CONTROL.search(all_text(reply))


_BIG = 100_000
# Generous enough for a loaded CI machine, far below what quadratic work takes on 100 KB.
LINEAR_BOUND_SECONDS = 15.0
HUGE = {
    "letters": "x" * _BIG,
    "words": "lorem ipsum " * (_BIG // 12),
    "markup": "<b>*_|" * (_BIG // 6),
    "mentions": "@everyone " * (_BIG // 10),
    "controls": "\x1b[31m\u202e" * (_BIG // 6),
    "title then text": "Prison Playbook 4 " + "y" * _BIG,
}


async def test_a_100kb_line_for_every_command(app: App) -> None:
    for payload, text in HUGE.items():
        for spec in app.dispatcher.commands:
            started = time.perf_counter()
            reply = await say(app, f"/{spec.name} {text}", user="flood")
            elapsed = time.perf_counter() - started
            assert reply.kind != "apology", (spec.name, payload, reply.text)
            # Never echo the whole flood back. The time bound is not a speed target (those live
            # in bench/): it is far above normal, and only catches work that grows with the
            # square of the input, which takes minutes at this size.
            assert len(all_text(reply)) < 10_000, (spec.name, payload)
            assert elapsed < LINEAR_BOUND_SECONDS, (spec.name, payload, elapsed)
    assert await rating_rows(app) == []
    assert await count_rows(app, m.Title) == 177


async def test_review_of_many_rating_like_words_answers_quickly(app: App) -> None:
    """Every word of "4 4 4 …" or "a a a …" reads as a rating (A is a grade), and the title
    split must not try every prefix against the index (quadratic: 100 KB takes several
    minutes), all of it blocking the event loop for every other chat."""
    for word in ("4", "a"):
        line = "/review " + f"{word} " * 50_000
        started = time.perf_counter()
        reply = await say(app, line, user="flood")
        elapsed = time.perf_counter() - started
        assert reply.kind != "apology"
        assert elapsed < LINEAR_BOUND_SECONDS, f"{word!r} x 50,000 took {elapsed:.1f} s"
    assert await rating_rows(app) == []


async def test_re_rating_without_text_keeps_the_earlier_review(app: App) -> None:
    await say(app, "/review Prison Playbook 4 funny and warm --spoiler", user="kim")
    reply = await say(app, "/review Prison Playbook 5", user="kim")
    assert not reply.is_error
    [(_user, _title, half, text, spoiler)] = await rating_rows(app)
    assert (half, text, spoiler) == (10, "funny and warm", True)


async def test_lowercase_a_in_free_text_is_a_word_not_a_grade(app: App) -> None:
    reply = await say(app, "/review Okja a masterpiece", user="lee")
    assert reply.is_error
    assert await rating_rows(app) == []
    await say(app, "/review Okja A masterpiece", user="lee")
    [(_user, _title, half, text, _spoiler)] = await rating_rows(app)
    assert (half, text) == (9, "masterpiece")
