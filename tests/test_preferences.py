"""Region, services and time zone that count everywhere: the command's option, then the
member's own setting, then the chat's, then the server default; per-offer dates in /where;
--in / --on in the region that applies; unknown services named as unknown."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.app import App, open_app
from bot.console_adapter.chat import console_context, run_chat
from bot.core.preferences import decide
from db.records import ChatSettings, MemberSettings
from tests.conftest import make_settings
from tests.support import all_text, field, say, title_id

CHAT = ChatSettings(1, "US", "Europe/London", None, ("Netflix",))


def test_precedence_option_member_chat_platform_server() -> None:
    member = MemberSettings("KR", "Asia/Seoul", ("Tving",))
    layers = {"chat": CHAT, "platform_region": "JP", "default_region": "GB"}
    chosen = decide(option_region="FR", member=member, **layers)  # type: ignore[arg-type]
    assert (chosen.region, chosen.region_source) == ("FR", "option")
    chosen = decide(option_region=None, member=member, **layers)  # type: ignore[arg-type]
    assert (chosen.region, chosen.region_source) == ("KR", "you")
    assert (chosen.services, chosen.services_source) == (("Tving",), "you")
    assert (chosen.zone.key, chosen.timezone_source) == ("Asia/Seoul", "you")
    chosen = decide(option_region=None, member=MemberSettings(), **layers)  # type: ignore[arg-type]
    assert (chosen.region, chosen.region_source) == ("US", "chat")
    assert (chosen.services, chosen.zone.key) == (("Netflix",), "Europe/London")
    bare = ChatSettings(1, None, None, None, ())
    chosen = decide(option_region=None, member=None, chat=bare, platform_region="JP",
                    default_region="GB")  # fmt: skip
    assert (chosen.region, chosen.region_source) == ("JP", "platform")
    chosen = decide(option_region=None, member=None, chat=None, platform_region=None,
                    default_region="GB")  # fmt: skip
    assert (chosen.region, chosen.region_source, chosen.zone.key) == ("GB", "server", "UTC")
    assert chosen.services == () and chosen.services_source == "none"


async def test_where_title_and_settings_follow_the_members_own_region(app: App) -> None:
    await say(app, "/settings region US")
    us = await say(app, "/where Prison Playbook")
    assert "Netflix" in field(us, "Stream") and "Tving" not in all_text(us)
    mine = await say(app, "/settings me region KR")
    assert not mine.is_error, mine.text
    assert "KR (South Korea), your setting" in mine.text
    kr = await say(app, "/where Prison Playbook")
    assert "Tving" in field(kr, "Stream") and "(KR)" in kr.card.heading  # type: ignore[union-attr]
    assert any("your setting" in n for n in kr.notes)
    assert "Tving" in field(await say(app, "/title Prison Playbook"), "Where to watch")
    # The command's own option beats the member's setting.
    assert "Tving" not in all_text(await say(app, "/where Prison Playbook US"))
    # Another member in the same chat gets the chat's region; the setting is the member's own.
    assert "Tving" not in all_text(await say(app, "/where Prison Playbook", user="bo"))
    await say(app, "/settings me region none")
    assert "Tving" not in all_text(await say(app, "/where Prison Playbook"))
    shown = await say(app, "/settings")
    assert "US (United States), this chat's setting" in shown.text


async def test_member_time_zone_and_services_apply_and_are_explained(app: App) -> None:
    await say(app, "/settings timezone London")
    reply = await say(app, "/settings me timezone Seoul")
    assert "Time zone: Asia/Seoul (your setting)" in reply.text
    reply = await say(app, "/settings me services netflix")
    assert "Services: Netflix, your setting" in reply.text
    where = await say(app, "/where Prison Playbook US")
    assert "Netflix ✓" in field(where, "Stream")
    # List lines put the member's services first, ticked.
    snap = await app.core.catalog.get()
    picks = await say(app, "/recommend Parasite 10")
    on_netflix = [
        i
        for i in picks.items
        if i.title_id is not None and any(o.provider == "Netflix" for o in snap.offers[i.title_id])
    ]
    assert on_netflix
    assert all(i.extra.startswith("▶ Netflix ✓") for i in on_netflix), [
        i.extra for i in picks.items
    ]
    # Parties in this (private) chat use the member's zone.
    party = await say(app, "/watchparty new sat 8pm; Parasite; Okja")
    assert "Asia/Seoul" in all_text(party)


async def test_member_settings_need_no_admin_in_a_group(app: App) -> None:
    ctx = console_context("bo")
    group = replace(ctx, chat_id="group-1", is_group=True, is_admin=False)
    refused = await app.dispatcher.handle(group, "/settings region KR")
    assert refused.is_error and "admin" in refused.text
    allowed = await app.dispatcher.handle(group, "/settings me region KR")
    assert not allowed.is_error, allowed.text
    kr = await app.dispatcher.handle(group, "/where Prison Playbook")
    assert "Tving" in field(kr, "Stream")
    # /settings in the group says the member's own region applies, without showing it.
    shown = await app.dispatcher.handle(group, "/settings")
    assert "your own setting" in shown.text
    assert "South Korea" not in shown.text and "Yours" not in shown.text


async def test_where_dates_each_offer_and_marks_old_ones(
    app: App, db_url: str, tmp_path: Path
) -> None:
    show = await title_id(app, "Prison Playbook", 2017)
    async with app.db.unit_of_work(write=True) as repos:
        await repos.catalog.add_offer(show, "Kocowa", "US", "stream", date(2021, 9, 25), None, "t")
        await repos.catalog.bump_revision()
    app.core.catalog.invalidate()
    stream = field(await say(app, "/where Prison Playbook US"), "Stream")
    lines = dict(line.split(" — ", 1) for line in stream.splitlines())
    assert lines["Kocowa"] == "as of 25 Sep 2021 (old, may have changed)"
    assert lines["Netflix"].startswith("as of ") and "2021" not in lines["Netflix"]
    assert "old" not in lines["Netflix"]
    patient = await open_app(make_settings(db_url, tmp_path, stale_offer_days=100 * 365))
    try:
        stream = field(await say(patient, "/where Prison Playbook US"), "Stream")
        assert "as of 25 Sep 2021" in stream and "old" not in stream
    finally:
        await patient.close()


async def test_in_region_lists_only_that_regions_offers(app: App) -> None:
    reply = await say(app, "/recommend Prison Playbook --in KR 10", region="US")
    snap = await app.core.catalog.get()
    assert reply.items
    for item in reply.items:
        assert item.title_id is not None
        kr = {o.provider for o in snap.offers[item.title_id] if o.region == "KR"}
        listed = item.extra.removeprefix("▶ ").removesuffix(" …").split(", ")
        assert {p.split(" (")[0] for p in listed} <= kr, (item.text, item.extra)
        assert " US" not in item.extra


async def test_on_a_service_means_there_in_the_chats_region(app: App) -> None:
    snap = await app.core.catalog.get()
    similar = await say(app, "/recommend Parasite 20")
    target = next(
        i.title_id
        for i in similar.items
        if i.title_id is not None
        and not any(o.provider == "Netflix" and o.region == "US" for o in snap.offers[i.title_id])
    )
    async with app.db.unit_of_work(write=True) as repos:
        await repos.catalog.add_offer(
            target, "Netflix", "GB", "stream", date(2026, 11, 1), None, "t"
        )
        await repos.catalog.bump_revision()
    app.core.catalog.invalidate()
    assert target in {
        i.title_id for i in (await say(app, "/recommend Parasite --on netflix 20")).items
    }
    await say(app, "/settings region US")
    us = await say(app, "/recommend Parasite --on netflix 20")
    assert target not in {i.title_id for i in us.items}
    snap = await app.core.catalog.get()
    for item in us.items:
        assert item.title_id is not None
        assert any(o.provider == "Netflix" and o.region == "US" for o in snap.offers[item.title_id])
    gb = await say(app, "/recommend Parasite --on netflix --in GB 20")
    assert target in {i.title_id for i in gb.items}


@pytest.mark.parametrize("command", ["/settings services foo", "/settings me services foo",
                                     "/recommend Parasite --on foo"])  # fmt: skip
async def test_unknown_service_is_named_as_unknown(app: App, command: str) -> None:
    reply = await say(app, command)
    assert reply.is_error
    assert 'I don\'t know a service called "foo"' in reply.text
    assert "Did you mean" not in reply.text and "Google Play" not in reply.text.split("Known")[0]


async def test_close_misspellings_and_aliases_find_the_real_service(app: App) -> None:
    typo = await say(app, "/settings services Netflixx")
    assert typo.is_error and "Did you mean: Netflix?" in typo.text
    near = await say(app, "/settings services Tvng")
    assert near.is_error and "Did you mean: Tving" in near.text
    hbo = await say(app, "/recommend --on hbo 10")
    assert not hbo.is_error, hbo.text
    assert any("on max" in n for n in hbo.notes)
    snap = await app.core.catalog.get()
    for item in hbo.items:
        assert item.title_id is not None
        assert any(o.provider == "Max" for o in snap.offers[item.title_id])


async def test_console_where_uses_the_members_region(app: App) -> None:
    stdout = io.StringIO()
    script = "/settings me region KR\n/where Prison Playbook\n"
    await run_chat(app.dispatcher, console_context("ana"), io.StringIO(script), stdout)
    out = stdout.getvalue().split("/where", 1)[-1]
    assert "Tving" in out
    assert "No region set" not in out


async def test_a_change_made_by_another_process_is_seen_once_the_cache_expires(app: App) -> None:
    assert "Tving" in all_text(await say(app, "/where Prison Playbook"))  # every region
    async with app.db.unit_of_work(write=True) as repos:  # as another process would
        user = await repos.users.ensure("console", "ana", "ana")
        await repos.users.set_region(user, "US")
    assert "Tving" in all_text(await say(app, "/where Prison Playbook"))  # still cached
    app.core.preference_store.TTL_SECONDS = 0.0
    assert "Tving" not in all_text(await say(app, "/where Prison Playbook"))
