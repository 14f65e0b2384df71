"""/recommend filters typed in the chat: type, services and region, years, country, language,
"not rated by me"; checked against the catalog facts behind every suggestion."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.support import say, title_id


async def facts(app: App, ids: list[int | None]):  # type: ignore[no-untyped-def]
    snap = await app.core.catalog.get()
    return [snap.titles[i] for i in ids if i is not None], snap


async def test_series_only(app: App) -> None:
    reply = await say(app, "/recommend Miracle in Cell No. 7 10 --series")
    titles, _ = await facts(app, [i.title_id for i in reply.items])
    assert titles, reply
    assert all(t.kind == "series" for t in titles)
    assert any("series only" in n for n in reply.notes)
    ids = [t.id for t in titles]
    assert await title_id(app, "Prison Playbook", 2017) in ids


async def test_films_only_from_a_year_range(app: App) -> None:
    reply = await say(app, "/recommend Parasite --film --from 2010 --to 2020 10")
    titles, _ = await facts(app, [i.title_id for i in reply.items])
    assert titles, reply
    assert all(t.kind == "film" and t.year is not None and 2010 <= t.year <= 2020 for t in titles)


async def test_only_on_my_services_in_my_region(app: App) -> None:
    reply = await say(app, "/recommend Parasite --on netflix 10", region="US")
    titles, snap = await facts(app, [i.title_id for i in reply.items])
    assert titles, reply
    for t in titles:
        assert any(
            o.provider == "Netflix" and o.region == "US" and o.kind == "stream"
            for o in snap.offers[t.id]
        ), t.name
    # An explicit region wins over the member's own.
    kr = await say(app, "/recommend Parasite --on netflix --in KR 10", region="US")
    kr_titles, _ = await facts(app, [i.title_id for i in kr.items])
    assert kr_titles
    assert all(any(o.region == "KR" for o in snap.offers[t.id]) for t in kr_titles)


async def test_country_and_language_by_name_or_code(app: App) -> None:
    by_name = await say(app, "/recommend Parasite --country korean 10")
    by_code = await say(app, "/recommend Parasite --country KR 10")
    assert [i.title_id for i in by_name.items] == [i.title_id for i in by_code.items]
    titles, _ = await facts(app, [i.title_id for i in by_code.items])
    assert titles and all("KR" in t.countries for t in titles)
    lang = await say(app, "/recommend Parasite --lang ko")
    lang_titles, _ = await facts(app, [i.title_id for i in lang.items])
    assert lang_titles and all("ko" in t.languages for t in lang_titles)


async def test_not_rated_by_me(app: App) -> None:
    plain = await say(app, "/recommend Miracle in Cell No. 7", user="gus")
    first = plain.items[0].title_id
    assert first is not None
    await say(app, f"/review #{first} 4", user="gus")
    again = await say(app, "/recommend Miracle in Cell No. 7 --unrated", user="gus")
    assert first not in [i.title_id for i in again.items]
    assert any("not rated by you" in n for n in again.notes)


async def test_personal_picks_take_filters_too(app: App) -> None:
    await say(app, "/review Prison Playbook 5", user="hana")
    reply = await say(app, "/recommend --film 10", user="hana")
    assert reply.text.startswith("Picks for")
    titles, _ = await facts(app, [i.title_id for i in reply.items])
    assert titles and all(t.kind == "film" for t in titles)
    newcomer = await say(app, "/recommend --series 3", user="ivy")
    new_titles, _ = await facts(app, [i.title_id for i in newcomer.items])
    assert len(new_titles) == 3 and all(t.kind == "series" for t in new_titles)


async def test_nothing_fits_says_so(app: App) -> None:
    reply = await say(app, "/recommend Parasite --from 1900 --to 1901")
    assert reply.kind == "info"
    assert not reply.items
    assert "fits" in reply.text


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("/recommend Parasite --from soon", "needs a year"),
        ("/recommend Parasite --in XX", "not a region"),
        ("/recommend Parasite --colour red", "don't know the filter"),
        ("/recommend Parasite --on", "needs a value"),
        ("/recommend Parasite --from 2020 --to 2010", "not be later"),
    ],
)
async def test_bad_filters_explain_themselves(app: App, line: str, hint: str) -> None:
    reply = await say(app, line)
    assert reply.kind == "error"
    assert hint in reply.text


async def test_help_shows_the_filter_syntax(app: App) -> None:
    reply = await say(app, "/help")
    recommend = [i for i in reply.items if i.text.startswith("/recommend")]
    assert recommend and "--series" in recommend[0].text and "--on netflix" in recommend[0].extra
