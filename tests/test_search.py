"""Finding the title someone means: typos, punctuation, original titles, aliases, remakes that
share a name, and year/country qualifiers. Through the dispatcher, as the console user."""

from __future__ import annotations

from bot.app import App
from tests.support import all_text, say, title_id


async def resolved(app: App, query: str) -> int:
    """The id /title settles on for `query` (failing the test if it does not settle)."""
    reply = await say(app, f"/title {query}")
    assert not reply.is_error, f"/title {query!r} -> {reply.text}"
    assert reply.card is not None
    return reply.card.title_id


async def test_loose_spellings_resolve_to_the_right_title(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    miracle = await title_id(app, "Miracle in Cell No. 7", 2013, "KR")
    mister = await title_id(app, "My Mister", 2018)
    green_mile = await title_id(app, "The Green Mile", 1999)
    cases = {
        # typos, with a note saying what was shown
        "prison playbok": playbook,
        "Prison Plybook": playbook,
        "Mirakle in Cel No 7": miracle,
        # case and punctuation
        "PRISON PLAYBOOK": playbook,
        "prison-playbook!!": playbook,
        "  prison   playbook  ": playbook,
        # "No." vs "No" vs "Number"
        "miracle in cell no 7": miracle,
        "Miracle in Cell No.7": miracle,
        "Miracle in Cell Number 7": miracle,
        # original-language title and aliases
        "7번방의 선물": miracle,
        "슬기로운 감빵생활": playbook,
        "Wise Prison Life": playbook,
        "My Ahjussi": mister,
        "나의 아저씨": mister,
        # a leading article may be left out
        "green mile": green_mile,
    }
    got = {query: await resolved(app, query) for query in cases}
    assert got == cases


async def test_an_exact_name_beats_the_same_name_without_its_article(app: App) -> None:
    """ "A Taxi Driver" (2017 film) and "Taxi Driver" (2021 series) are different titles, as are
    "The Good Doctor" (2017, US remake) and "Good Doctor" (2013, Korean original). Typing a
    name exactly as the catalog spells it must find that title, not ask or pick the other."""
    cases = {
        "A Taxi Driver": await title_id(app, "A Taxi Driver", 2017),
        "Taxi Driver": await title_id(app, "Taxi Driver", 2021),
        "The Good Doctor": await title_id(app, "The Good Doctor", 2017),
        "Good Doctor": await title_id(app, "Good Doctor", 2013),
    }
    got = {}
    for query in cases:
        reply = await say(app, f"/title {query}")
        got[query] = reply.card.title_id if reply.card is not None else reply.text
    assert got == cases


async def test_every_title_is_found_by_the_label_the_bot_shows_for_it(app: App) -> None:
    """Buttons and lists show "Name (year, Country)"; typing that back must find the title."""
    snap = await app.core.catalog.get()
    assert len(snap.titles) == 177
    wrong = {}
    for t in snap.titles.values():
        label = app.core.label(t, with_country=True)
        reply = await say(app, f"/title {label}")
        if reply.card is None or reply.card.title_id != t.id:
            wrong[label] = reply.text or (reply.card and reply.card.heading)
    assert wrong == {}


async def test_a_typo_says_what_it_is_showing(app: App) -> None:
    reply = await say(app, "/title prison playbok")
    assert reply.card is not None and reply.card.heading.startswith("Prison Playbook")
    assert any("Prison Playbook" in n and "prison playbok" in n for n in reply.notes)
    exact = await say(app, "/title Prison Playbook")
    assert not any("Showing" in n for n in exact.notes)


async def test_plain_name_shared_by_remakes_picks_the_original_and_mentions_the_others(
    app: App,
) -> None:
    original = await title_id(app, "Miracle in Cell No. 7", 2013, "KR")
    reply = await say(app, "/title Miracle in Cell No. 7")
    assert not reply.is_error
    assert reply.card is not None
    assert reply.card.title_id == original
    assert "2013" in reply.card.heading
    # A note tells the reader other versions exist and how to pick one.
    note = " ".join(reply.notes)
    assert "2019" in note and "2022" in note


async def test_year_shared_by_two_remakes_picks_the_better_known_and_names_the_other(
    app: App,
) -> None:
    # The Turkish remake is on Netflix as well as in the starter catalog; the Filipino one is
    # listed once: clearly less known, so it is named in a note rather than asked about.
    turkish = await title_id(app, "Miracle in Cell No. 7", 2019, "TR")
    for query in ("Miracle in Cell No. 7 2019", "Miracle in Cell No. 7 (2019)"):
        reply = await say(app, f"/title {query}")
        assert not reply.is_error and reply.card is not None, query
        assert reply.card.title_id == turkish
        (note,) = [n for n in reply.notes if "best known" in n]
        assert "Miracle in Cell No. 7 (2019, Philippines)" in note
        again = await say(app, "/title Miracle in Cell No. 7 (2019, Philippines)")
        assert again.card is not None and again.card.title_id != turkish


async def test_comparably_known_titles_ask_with_one_button_each(app: App) -> None:
    # Three films called Mother, none clearly better known than the next: reelbot asks.
    ids = {t for t in [await title_id(app, "Mother", y) for y in (2009, 2010, 2018)]}
    reply = await say(app, "/where Mother")
    assert reply.kind == "error" and reply.card is None
    assert {a.command for a in reply.actions} == {f"/where #{t}" for t in ids}
    for action in reply.actions:
        chosen = await say(app, action.command)
        assert not chosen.is_error
        assert "Mother (" in all_text(chosen)


async def test_year_and_country_qualifiers_pick_one_version(app: App) -> None:
    cases = {
        "Miracle in Cell No. 7 (2019, Turkey)": (2019, "TR"),
        "Miracle in Cell No. 7 (2019, TR)": (2019, "TR"),
        "Miracle in Cell No. 7 (Turkish)": (2019, "TR"),
        "miracle in cell no 7 (2019, philippines)": (2019, "PH"),
        "Miracle in Cell No. 7 (Philippines)": (2019, "PH"),
        "Miracle in Cell No. 7 2022": (2022, "ID"),
        "Miracle in Cell No. 7 (2013)": (2013, "KR"),
        "Miracle in Cell No. 7 (Korea)": (2013, "KR"),
        "7. Koğuştaki Mucize": (2019, "TR"),
        "7. Kogustaki Mucize": (2019, "TR"),
    }
    expected = {
        query: await title_id(app, "Miracle in Cell No. 7", year, country)
        for query, (year, country) in cases.items()
    }
    assert {query: await resolved(app, query) for query in cases} == expected


async def test_unknown_title_is_an_error_with_did_you_mean_buttons(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    reply = await say(app, "/title Prison Plybook Season Two")
    assert reply.kind == "error"
    assert reply.card is None
    assert "Prison Plybook Season Two" in reply.text
    assert f"/title #{playbook}" in [a.command for a in reply.actions]
    # Each button's label names a real title with its year.
    for action in reply.actions:
        assert "(" in action.label and ")" in action.label


async def test_unknown_title_keeps_the_command_in_its_buttons(app: App) -> None:
    reply = await say(app, "/recommend Prison Plybook Season Two")
    assert reply.kind == "error"
    assert reply.actions
    assert all(a.command.startswith("/recommend #") for a in reply.actions)


async def test_nonsense_is_an_error_not_a_guess(app: App) -> None:
    reply = await say(app, "/title zzqqxxvvkk")
    assert reply.kind == "error"
    assert reply.card is None


async def test_query_length_limit(app: App) -> None:
    for command in ("/title", "/search", "/recommend", "/where", "/reviews"):
        too_long = await say(app, f"{command} {'a' * 301}")
        assert too_long.kind == "error", command
        assert "300" in too_long.text, command
    at_limit = await say(app, f"/search {'a' * 300}")
    assert at_limit.kind != "apology"
    assert "300" not in at_limit.text


async def test_search_lists_every_version_with_year_and_country(app: App) -> None:
    reply = await say(app, "/search miracle cell 7")
    assert not reply.is_error
    miracles = [i for i in reply.items if i.text.startswith("Miracle in Cell No. 7")]
    assert len(miracles) == 4
    labels = " ".join(i.text for i in miracles)
    for fact in ("2013", "2019", "2022", "South Korea", "Turkey", "Philippines", "Indonesia"):
        assert fact in labels
    # Every hit has a description and a /title button for it.
    assert all(i.detail for i in reply.items)
    assert [a.command for a in reply.actions] == [f"/title #{i.title_id}" for i in reply.items]


async def test_search_tolerates_typos_and_finds_by_original_title(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    for query in ("prison playbok", "감빵생활", "wise prison"):
        reply = await say(app, f"/search {query}")
        assert playbook in [i.title_id for i in reply.items], query


async def test_search_without_matches_or_without_a_query(app: App) -> None:
    nothing = await say(app, "/search zzqqxxvvkk")
    assert nothing.kind == "info"
    assert nothing.items == ()
    assert "zzqqxxvvkk" in all_text(nothing)
    empty = await say(app, "/search")
    assert empty.kind == "error"
