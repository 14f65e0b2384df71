"""/admin review end to end on SQLite and PostgreSQL, with the team's own articles: grade-less
reviews imported, credits that differ shown, reader comparisons kept apart from the author's,
where-to-watch without a region kept as the reviewer's mention, the catalog's capitalisation."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from db import models as m
from tests.editorial_score import CORPUS
from tests.support import all_text, field, say, title_id


def corpus(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def confirm_command(draft_text_reply: object) -> str:
    actions = getattr(draft_text_reply, "actions", ())
    return next(a.command for a in actions if a.label == "Confirm")


async def editorial_rows(app: App) -> list[m.EditorialReview]:
    async with app.db.unit_of_work() as repos:
        return list(await repos.session.scalars(select(m.EditorialReview)))


async def test_review_without_a_grade_is_imported_with_its_verdict(app: App) -> None:
    draft = await say(app, "/admin review " + corpus("04_no_grade_credits_block.txt"))
    assert not draft.is_error, draft.text
    assert field(draft, "Grade").startswith("none in the article")
    assert "tearjerker" in field(draft, "Verdict")
    saved = await say(app, confirm_command(draft))
    assert not saved.is_error, saved.text
    (row,) = await editorial_rows(app)
    assert (row.grade_text, row.half_stars) == (None, None)
    assert row.verdict is not None and "tearjerker" in row.verdict


async def test_admin_adds_the_missing_grade_with_a_flag(app: App) -> None:
    article = corpus("16_no_grade_warm_verdict.txt")
    bad = await say(app, "/admin review --grade great " + article)
    assert bad.is_error and "not a grade" in bad.text
    draft = await say(app, "/admin review --grade B+ " + article)
    assert not draft.is_error, draft.text
    assert field(draft, "Grade").startswith("B+ → ")
    await say(app, confirm_command(draft))
    (row,) = await editorial_rows(app)
    assert row.grade_text == "B+" and row.half_stars is not None


async def test_unterminated_spoiler_keeps_the_authors_comparison(app: App) -> None:
    reply_1988 = await title_id(app, "Reply 1988", 2015)
    draft = await say(app, "/admin review " + corpus("01_fanblog_unterminated_spoiler.txt"))
    assert not draft.is_error, draft.text
    assert field(draft, "Compares with") == "Reply 1988 (2015)"
    assert "SECRET" not in all_text(draft)
    await say(app, confirm_command(draft))
    snap = await app.core.catalog.get()
    tid = await title_id(app, "Twenty-Five Twenty-One", 2022)
    assert reply_1988 in snap.titles[tid].compares_with


async def test_reader_comparisons_are_labelled_and_not_linked(app: App) -> None:
    parasite = await title_id(app, "Parasite", 2019)
    handmaiden = await title_id(app, "The Handmaiden", 2016)
    draft = await say(app, "/admin review " + corpus("07_reader_comments_compare.txt"))
    assert not draft.is_error, draft.text
    assert "Parasite (2019)" in field(draft, "Readers compare with")
    await say(app, confirm_command(draft))
    async with app.db.unit_of_work() as repos:
        linked = set(
            await repos.session.scalars(
                select(m.TitleRelation.related_id).where(
                    m.TitleRelation.title_id == handmaiden,
                    m.TitleRelation.source.like("editorial:%"),
                )
            )
        )
    assert parasite not in linked  # a reader's name is not the author's comparison
    (row,) = await editorial_rows(app)
    assert "Parasite (2019) (a reader's)" in row.compares_with


async def test_credits_that_differ_are_shown_and_the_catalogs_are_kept(app: App) -> None:
    parasite = await title_id(app, "Parasite", 2019)
    snap = await app.core.catalog.get()
    directors = snap.titles[parasite].directors
    article = (
        "Parasite (2019) review: the stairs never end\n"
        "By Noor Haddad\n\n"
        "Director: Kim Someone\n\n"
        "A poor family works its way into a rich one's house, one job at a time.\n\n"
        "Grade: A\n"
    )
    draft = await say(app, "/admin review " + article)
    assert not draft.is_error, draft.text
    if directors:
        assert field(draft, "Director") == "Kim Someone — the catalog has " + ", ".join(directors)
    else:
        assert field(draft, "Director") == "Kim Someone (will be added)"
    await say(app, confirm_command(draft))
    app.core.catalog.invalidate()
    after = (await app.core.catalog.get()).titles[parasite].directors
    assert after == (directors or ("Kim Someone",))


async def test_where_to_watch_without_region_is_the_reviewers_mention(app: App) -> None:
    article = (
        "The Lantern Keeper (2024) review: a lighthouse, a ghost and a grudge\n"
        "By Iris Vale\n\n"
        "A retired keeper goes back to the lighthouse he left after a storm, and finds someone "
        "has kept the lamp lit for thirty years.\n\n"
        "Verdict: Quietly eerie and very moving.\n\n"
        "Where to watch\n"
        "You can find it on Mubi and Kanopy .\n"
    )
    draft = await say(app, "/admin review " + article)
    assert not draft.is_error, draft.text
    assert field(draft, "Where to watch").startswith("the reviewer points to Mubi and Kanopy")
    saved = await say(app, confirm_command(draft))
    assert "the reviewer points to Mubi and Kanopy" in all_text(saved)
    where = await say(app, "/where The Lantern Keeper")
    assert "the reviewer points to Mubi and Kanopy, with no region or date" in all_text(where)
    card = await say(app, "/title The Lantern Keeper")
    assert "the reviewer points to Mubi and Kanopy" in field(card, "Reviewers' mentions")


async def test_saved_title_keeps_the_catalogs_capitalisation(app: App) -> None:
    article = (
        "miracle in cell no. 7 (2013) review — still the saddest prison comedy\n"
        "FINAL GRADE: A-\nVERDICT: Bring tissues.\n"
    )
    draft = await say(app, "/admin review " + article)
    saved = await say(app, confirm_command(draft))
    assert saved.text.startswith("Saved the editorial review of Miracle in Cell No. 7 A-"), saved
