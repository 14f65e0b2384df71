"""/admin in chat on SQLite and PostgreSQL: review articles with Confirm / Cancel, catalog
curation, moderation, permissions, and the audit log behind every change."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.app import App, open_app
from bot.core.context import Attachment, CommandContext
from bot.core.replies import Reply
from db import models as m
from tests import articles
from tests.conftest import make_settings
from tests.support import all_text, count_rows, field, say, title_id

MIRACLE_2013 = ("Miracle in Cell No. 7", 2013)


def member(user_id: str = "777", attachment: Attachment | None = None) -> CommandContext:
    """A Telegram member who is not an admin of the chat."""
    return CommandContext(
        platform="telegram",
        user_id=user_id,
        display_name=f"member {user_id}",
        chat_id="-100",
        is_group=True,
        attachment=attachment,
    )


def admin_ctx(attachment: Attachment | None = None) -> CommandContext:
    return CommandContext(
        platform="discord",
        user_id="55",
        display_name="Mod",
        chat_id="guild",
        is_admin=True,  # Discord says: Manage Server
        attachment=attachment,
    )


def action(reply: Reply, label: str) -> str:
    found = [a.command for a in reply.actions if a.label == label]
    assert found, f"no {label!r} button in {[a.label for a in reply.actions]}"
    return found[0]


async def audit_rows(app: App) -> list[m.AuditEntry]:
    async with app.db.unit_of_work() as repos:
        return list(await repos.session.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id)))


async def relations_from(app: App, tid: int) -> dict[int, str]:
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.TitleRelation.related_id, m.TitleRelation.source).where(
                m.TitleRelation.title_id == tid
            )
        )
        return {r: s for r, s in rows}


async def offers_of(app: App, tid: int) -> set[tuple[str, str, str]]:
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.execute(
            select(m.Provider.name, m.Availability.region, m.Availability.kind)
            .join(m.Provider, m.Provider.id == m.Availability.provider_id)
            .where(m.Availability.title_id == tid)
        )
        return {(p, r, k) for p, r, k in rows}


# -- review articles -------------------------------------------------------------------------


async def test_review_article_draft_then_confirm(app: App) -> None:
    miracle = await title_id(app, *MIRACLE_2013)
    hachi = await title_id(app, "Hachi: A Dog's Tale", 2009)
    sam = await title_id(app, "I Am Sam", 2001)
    async with app.db.unit_of_work() as repos:
        revision = await repos.catalog.revision()

    draft = await say(app, "/admin review --region US\n" + articles.MIRACLE)
    assert not draft.is_error, draft.text
    assert field(draft, "Title").startswith("Miracle in Cell No. 7 (2013, South Korea)")
    assert field(draft, "Grade") == "A+ → 5★"
    assert field(draft, "Verdict") == "A shameless tearjerker that earns every single tear."
    assert field(draft, "Where to watch") == "Viki, Prime Video (US)"
    # The catalog already credits the same director: only credits that differ are shown.
    assert draft.card is not None and "Director" not in [f.name for f in draft.card.fields]
    assert field(draft, "Compares with") == "Hachi: A Dog's Tale (2009), I Am Sam (2001)"
    assert "SECRET" not in all_text(draft) and "Jenny" not in all_text(draft)
    # Nothing is written before Confirm.
    assert await count_rows(app, m.EditorialReview) == 0
    assert await audit_rows(app) == []

    saved = await say(app, action(draft, "Confirm"))
    assert not saved.is_error, saved.text
    assert "A+ (5★) by Hana Seo" in saved.text
    assert await count_rows(app, m.EditorialReview) == 1
    assert await count_rows(app, m.ReviewDraft) == 0
    assert {("Viki", "US", "stream"), ("Prime Video", "US", "stream")} <= await offers_of(
        app, miracle
    )
    links = await relations_from(app, miracle)
    # A link the starter catalog already had keeps its source; the new one is editorial.
    assert links[hachi].startswith("editorial:") and links[sam] == "starter"
    async with app.db.unit_of_work() as repos:
        assert await repos.catalog.revision() > revision
    snap = await app.core.catalog.get()
    assert {hachi, sam} <= set(snap.titles[miracle].compares_with)

    (entry,) = await audit_rows(app)
    assert (entry.action, entry.actor) == ("review.add", "console:ana")
    assert entry.before is not None and entry.before["name"] == "Miracle in Cell No. 7"
    assert entry.after is not None and entry.after["grade"] == "A+"
    assert entry.after["compares_with"] == [hachi, sam]

    # Confirming the same draft again does nothing.
    again = await say(app, action(draft, "Confirm"))
    assert again.is_error and await count_rows(app, m.EditorialReview) == 1


async def test_reviews_show_the_editorial_verdict_apart_from_members(app: App) -> None:
    draft = await say(app, "/admin review " + articles.PARASITE)
    await say(app, action(draft, "Confirm"))
    await say(app, "/review Parasite 3 too cruel for me", user="bo")

    reply = await app.dispatcher.handle(member(), "/reviews Parasite")  # no ids for members
    editorial = field(reply, "Editorial review — Mark Ellison · The Reel Ledger")
    assert editorial.startswith("4/5 (4★) · “A furious, funny and precise film")
    assert "SECRET" not in all_text(reply)
    # Members' numbers are their own: the critic's 4/5 is not averaged in.
    assert field(reply, "Average").startswith("3★ average from 1 rating")
    assert [i.detail for i in reply.items] == ["too cruel for me"]

    # With no member ratings yet, the editorial verdict still shows.
    draft = await say(app, "/admin review " + articles.PRISON_PLAYBOOK)
    await say(app, action(draft, "Confirm"))
    alone = await say(app, "/reviews Prison Playbook")
    assert "8.5/10 (4.5★)" in field(
        alone, "Editorial review — Dae-ho Min · seoulscreen.blog (id e2)"
    )


async def test_comparisons_named_in_a_list_reach_the_recommender(app: App) -> None:
    playbook = await title_id(app, "Prison Playbook", 2017)
    draft = await say(app, "/admin review " + articles.PRISON_PLAYBOOK)
    assert field(draft, "Compares with") == (
        "Reply 1988 (2015), Hospital Playlist (2020), Stranger (2017)"
    )
    # Netflix (US) is stated in the article, so availability is recorded for the US.
    assert field(draft, "Where to watch") == "Netflix (US)"
    await say(app, action(draft, "Confirm"))
    stranger = await title_id(app, "Stranger", 2017)
    assert stranger in await relations_from(app, playbook)
    reply = await say(app, "/recommend Prison Playbook 10")
    names = [i.text for i in reply.items]
    assert any(n.startswith("Stranger (2017)") for n in names), names


async def test_an_unknown_title_is_created_from_the_article(app: App) -> None:
    titles = await count_rows(app, m.Title)
    draft = await say(app, "/admin review " + articles.NEW_FILM)
    assert "new: will be added as a film from South Korea" in field(draft, "Title")
    assert "no region given" in field(draft, "Where to watch")
    await say(app, action(draft, "Confirm"))
    assert await count_rows(app, m.Title) == titles + 1
    card = await say(app, "/title The Quiet Harbour (2024)")
    assert field(card, "Director") == "Park Eun-ji"
    assert field(card, "Country") == "South Korea"
    assert card.card is not None and (card.card.body or "").startswith("A ferry mechanic")
    assert await count_rows(app, m.Availability) == await _starter_offers(app)


async def _starter_offers(app: App) -> int:
    async with app.db.unit_of_work() as repos:
        rows = await repos.session.scalars(
            select(m.Availability.id).where(m.Availability.source == "starter")
        )
        return len(list(rows))


async def test_cancel_and_unreadable_text_write_nothing(app: App) -> None:
    before = {model: await count_rows(app, model) for model in (m.Title, m.Availability)}
    draft = await say(app, "/admin review " + articles.MIRACLE)
    cancelled = await say(app, action(draft, "Cancel"))
    assert "Nothing was saved" in cancelled.text
    assert (await say(app, action(draft, "Confirm"))).is_error

    refused = await say(app, "/admin review " + articles.RECIPE)
    assert refused.is_error
    assert "could not find which title" in refused.text and "Nothing was saved" in refused.text
    for model in (m.EditorialReview, m.ReviewDraft, m.AuditEntry):
        assert await count_rows(app, model) == 0
    assert {model: await count_rows(app, model) for model in before} == before


async def test_draft_buttons_work_after_a_restart_and_expire(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path)
    first = await open_app(settings)
    try:
        draft = await say(first, "/admin review " + articles.PARASITE)
        stale = await say(first, "/admin review " + articles.NEW_FILM)
    finally:
        await first.close()
    second = await open_app(settings)
    try:
        saved = await say(second, action(draft, "Confirm"))
        assert not saved.is_error and await count_rows(second, m.EditorialReview) == 1
        async with second.db.unit_of_work(write=True) as repos:
            await repos.session.execute(
                update(m.ReviewDraft).values(expires_at=m.utcnow() - timedelta(minutes=1))
            )
        expired = await say(second, action(stale, "Confirm"))
        assert expired.is_error and "expired" in expired.text
        assert await count_rows(second, m.EditorialReview) == 1
        # A new draft clears out expired ones, and never reuses an old draft's number.
        fresh = await say(second, "/admin review " + articles.MIRACLE)
        assert action(fresh, "Confirm") not in {action(draft, "Confirm"), action(stale, "Confirm")}
        assert await count_rows(second, m.ReviewDraft) == 1
    finally:
        await second.close()


async def test_article_attached_as_a_file(app: App) -> None:
    attached = Attachment("parasite.txt", articles.PARASITE.encode("utf-8"), "text/plain")
    draft = await app.dispatcher.handle(admin_ctx(attached), "/admin review")
    assert field(draft, "Grade") == "4/5 → 4★"
    saved = await app.dispatcher.handle(admin_ctx(), action(draft, "Confirm"))
    assert not saved.is_error
    (entry,) = await audit_rows(app)
    assert (entry.actor, entry.actor_name) == ("discord:55", "Mod")

    binary = Attachment("poster.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")
    refused = await app.dispatcher.handle(admin_ctx(binary), "/admin review")
    assert refused.is_error and "not a text file" in refused.text


async def test_a_draft_can_be_switched_to_another_version(app: App) -> None:
    turkish = await title_id(app, "Miracle in Cell No. 7", 2019, "TR")
    article = articles.MIRACLE.replace(" (2013)", "")
    draft = await say(app, "/admin review " + article)
    switched = await say(app, action(draft, "Use Miracle in Cell No. 7 (2019, Turkey)"))
    assert field(switched, "Title").startswith("Miracle in Cell No. 7 (2019, Turkey)")
    await say(app, action(switched, "Confirm"))
    async with app.db.unit_of_work() as repos:
        assert [e.title_id for e in await repos.curation.editorial_for(turkish)]


# -- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "/admin stats",
        "/admin log",
        "/admin title add Sneaky Film year:2020",
        "/admin title remove Okja confirm",
        "/admin where add Okja | Netflix | US",
        "/admin seed starter",
        "/admin review " + articles.MIRACLE,
        "/admin review confirm 1",
        "/admin review remove 1 spam",
    ],
)
async def test_members_get_admins_only_and_nothing_happens(app: App, line: str) -> None:
    before = {
        model: await count_rows(app, model)
        for model in (m.Title, m.Availability, m.ReviewDraft, m.EditorialReview, m.AuditEntry)
    }
    reply = await app.dispatcher.handle(member(), line)
    assert reply.is_error and reply.text.startswith("Admins only")
    assert {model: await count_rows(app, model) for model in before} == before


async def test_owner_ids_from_settings_are_admins(db_url: str, tmp_path: Path) -> None:
    app = await open_app(make_settings(db_url, tmp_path, owner_ids=frozenset({"telegram:42"})))
    try:
        owner = await app.dispatcher.handle(member("42"), "/admin title add Owner Pick year:2021")
        assert not owner.is_error, owner.text
        other = await app.dispatcher.handle(member("43"), "/admin title add Other Pick year:2021")
        assert other.is_error and other.text.startswith("Admins only")
        (entry,) = await audit_rows(app)
        assert (entry.actor, entry.action) == ("telegram:42", "title.add")
    finally:
        await app.close()


async def test_review_ids_show_to_admins_only(app: App) -> None:
    await say(app, "/review Okja 4 a pig and a girl", user="bo")
    seen_by_member = await app.dispatcher.handle(member(), "/reviews Okja")
    seen_by_admin = await say(app, "/reviews Okja")
    assert " · id " not in all_text(seen_by_member)
    assert " · id " in seen_by_admin.items[0].text


# -- curation --------------------------------------------------------------------------------


async def test_title_add_edit_alias_with_audit(app: App) -> None:
    added = await say(
        app,
        "/admin title add The Quiet Harbour (2024) kind:film country:KR "
        "genres:Drama, Mystery synopsis:A mechanic finds letters.",
    )
    assert not added.is_error, added.text
    tid = await title_id(app, "The Quiet Harbour", 2024)
    duplicate = await say(app, "/admin title add The Quiet Harbour year:2024")
    assert duplicate.is_error and f"#{tid}" in duplicate.text

    edited = await say(app, f"/admin title edit #{tid} year:2023 runtime:104 lang:ko")
    assert not edited.is_error, edited.text
    card = await say(app, "/title The Quiet Harbour (2023)")
    assert card.card is not None and "104 min" in card.card.subheading

    aliased = await say(app, f"/admin title alias #{tid} | 조용한 항구")
    assert not aliased.is_error
    found = await say(app, "/title 조용한 항구")
    assert found.card is not None and found.card.title_id == tid

    add, edit, alias = await audit_rows(app)
    assert (add.action, add.before, add.after and add.after["genres"]) == (
        "title.add",
        None,
        ["Drama", "Mystery"],
    )
    assert edit.action == "title.edit"
    assert edit.before is not None and edit.after is not None
    assert (edit.before["year"], edit.after["year"]) == (2024, 2023)
    assert (edit.before["runtime_minutes"], edit.after["runtime_minutes"]) == (None, 104)
    assert alias.before is not None and alias.after is not None
    assert (alias.before["aliases"], alias.after["aliases"]) == ([], ["조용한 항구"])

    bad = await say(app, f"/admin title edit #{tid} year:1700")
    assert bad.is_error and "1870" in bad.text


async def test_ambiguous_titles_offer_buttons_for_the_same_admin_command(app: App) -> None:
    reply = await say(app, "/admin title edit Miracle in Cell No. 7 (2019) runtime:130")
    assert reply.is_error
    commands = [a.command for a in reply.actions]
    assert len(commands) == 2
    assert all(c.startswith("/admin title edit #") and c.endswith(" runtime:130") for c in commands)


async def test_title_merge_moves_ratings_links_and_names(app: App) -> None:
    await say(app, "/admin title add Okja Redux year:2017")
    dup = await title_id(app, "Okja Redux", 2017)
    okja = await title_id(app, "Okja", 2017)
    await say(app, f"/review #{dup} 5 better cut", user="bo")
    await say(app, f"/review #{dup} 2 old rating", user="cy")
    await say(app, f"/review #{okja} 4 original", user="cy")  # cy's newer rating wins
    await say(app, f"/admin where add #{dup} | Kocowa | US")

    merged = await say(app, f"/admin title merge #{dup} into Okja")
    assert not merged.is_error, merged.text
    snap = await app.core.catalog.get()
    assert dup not in snap.titles and "Okja Redux" in snap.titles[okja].aliases
    reviews = await say(app, "/reviews Okja")
    assert sorted(i.detail for i in reviews.items) == ["better cut", "original"]
    assert ("Kocowa", "US", "stream") in await offers_of(app, okja)
    entry = (await audit_rows(app))[-1]
    assert entry.action == "title.merge"
    assert entry.before is not None and entry.before["duplicate"]["name"] == "Okja Redux"
    assert entry.after is not None and entry.after["moved"]["ratings"] == 1


async def test_title_remove_asks_first(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    await say(app, "/review Okja 4", user="bo")
    asked = await say(app, "/admin title remove Okja")
    assert "also deletes 1 ratings" in asked.text
    assert okja in (await app.core.catalog.get()).titles
    removed = await say(app, action(asked, "Remove it"))
    assert not removed.is_error
    assert okja not in (await app.core.catalog.get()).titles
    (entry,) = await audit_rows(app)
    assert entry.action == "title.remove" and entry.after is None
    assert entry.before is not None and (entry.before["name"], entry.before["ratings"]) == (
        "Okja",
        1,
    )


async def test_where_add_and_remove(app: App) -> None:
    okja = await title_id(app, "Okja", 2017)
    added = await say(app, "/admin where add Okja | viki | kr | free | https://viki.com/okja")
    assert not added.is_error, added.text
    assert ("Viki", "KR", "free") in await offers_of(app, okja)
    where = await say(app, "/where Okja KR")
    assert "Viki" in field(where, "Free")

    removed = await say(app, "/admin where remove Okja | Viki | KR")
    assert not removed.is_error
    assert ("Viki", "KR", "free") not in await offers_of(app, okja)
    missing = await say(app, "/admin where remove Okja | Viki")
    assert missing.is_error
    add, remove = await audit_rows(app)
    assert add.after == {
        "provider": "Viki",
        "region": "KR",
        "kind": "free",
        "link": "https://viki.com/okja",
    }
    assert remove.before == {
        "offers": [
            {"provider": "Viki", "region": "KR", "kind": "free", "link": "https://viki.com/okja"}
        ]
    }
    assert remove.after is None


async def test_moderation_hides_a_review_but_keeps_the_rating(app: App) -> None:
    await say(app, "/review Okja 1 SPAM buy followers at example.com", user="spammer")
    await say(app, "/review Okja 5 a masterpiece", user="bo")
    listed = await say(app, "/reviews Okja")
    spam = next(i for i in listed.items if "SPAM" in i.detail)
    review_id = spam.text.rsplit("id ", 1)[1]

    no_reason = await say(app, f"/admin review remove {review_id}")
    assert no_reason.is_error and "Say why" in no_reason.text
    removed = await say(app, f"/admin review remove {review_id} advertising")
    assert not removed.is_error, removed.text

    after = await say(app, "/reviews Okja")
    assert "SPAM" not in all_text(after)
    assert field(after, "Average").endswith("from 2 ratings")  # the stars still count
    assert await count_rows(app, m.ReviewModeration) == 1
    (entry,) = await audit_rows(app)
    assert entry.action == "review.remove"
    assert entry.before is not None and "SPAM" in entry.before["review"]
    assert entry.after == {"removed": True, "reason": "advertising"}
    assert (await say(app, f"/admin review remove {review_id} again")).is_error


async def test_editorial_review_removal_drops_its_links(app: App) -> None:
    miracle = await title_id(app, *MIRACLE_2013)
    draft = await say(app, "/admin review " + articles.MIRACLE)
    await say(app, action(draft, "Confirm"))
    async with app.db.unit_of_work() as repos:
        (review,) = await repos.curation.editorial_for(miracle)
    editorial_links = {
        r for r, s in (await relations_from(app, miracle)).items() if s.startswith("editorial")
    }
    assert editorial_links
    removed = await say(app, f"/admin review remove e{review.id} wrong film")
    assert not removed.is_error, removed.text
    reviews = await say(app, f"/reviews #{miracle}")
    assert "Editorial review" not in all_text(reviews)
    left = await relations_from(app, miracle)
    assert not any(s.startswith("editorial") for s in left.values())


async def test_seed_stats_and_log(app: App) -> None:
    seeded = await say(app, "/admin seed starter")
    assert "0 added" in seeded.text
    await say(app, "/review Okja 4 lovely", user="bo")
    stats = await say(app, "/admin stats")
    assert field(stats, "Titles") == "177"
    assert field(stats, "Sources") == "starter 177"
    assert field(stats, "Users") == "1"
    assert field(stats, "Ratings") == "1"
    assert field(stats, "Reviews").startswith("1 from members")
    assert field(stats, "Last import").startswith("starter catalog: 0 added, 177 already there")

    await say(app, "/admin title add Log Test year:2020")
    log = await say(app, "/admin log 5")
    assert [i.text.rsplit(" · ", 1)[1] for i in log.items] == ["title.add", "seed.starter"]
    assert "console:ana" in log.items[0].text
    assert (await say(app, "/admin log 500")).is_error


async def test_help_lists_admin_commands(app: App) -> None:
    reply = await say(app, "/admin")
    usages = [i.text for i in reply.items]
    assert any(u.startswith("/admin title add") for u in usages)
    assert any(u.startswith("/admin review remove") for u in usages)
    help_reply = await say(app, "/help")
    assert any(i.text.startswith("/admin") for i in help_reply.items)


async def test_huge_pastes_answer_quickly_and_write_nothing(app: App) -> None:
    for text in (
        "x " * 50_000,
        (articles.MIRACLE + "\n") * 60,  # 100 KB of a real article, repeated
        "Review: " + "Okja " * 20_000,
        "Rating: " + "4/5 " * 25_000,
    ):
        started = time.perf_counter()
        reply = await say(app, "/admin review " + text)
        assert reply.kind != "apology", reply.text
        assert len(all_text(reply)) < 10_000
        # Not a speed target (bench/ has those): only catches work quadratic in the paste size.
        assert time.perf_counter() - started < 15.0
    assert await count_rows(app, m.EditorialReview) == 0
