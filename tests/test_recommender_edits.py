"""`Recommender.with_facts`: catalog edits applied to a built model (what an admin's edit does
to the snapshot until the rebuild). Removed titles leave every list, edited facts count in the
filters at once, and the model it came from (still held by commands in flight) is unchanged."""

from __future__ import annotations

from dataclasses import replace

from bot.app import App
from recommender import Suggestion, TitleFilter
from tests.support import title_id


def shown(suggestions: list[Suggestion]) -> set[int]:
    """Every title a list shows: its picks and the versions folded into their lines."""
    return {s.title_id for s in suggestions} | {v for s in suggestions for v in s.versions}


async def test_removed_titles_leave_every_list(app: App) -> None:
    snap = await app.core.catalog.get()
    model = snap.model
    source = await title_id(app, "Parasite", 2019)
    similar = [s.title_id for s in model.similar(source, k=10)]
    liked = {source: 5.0, similar[5]: 4.5}
    popular = [s.title_id for s in model.popular(5, snap.popularity)]
    gone = {*similar[:3], *popular[:2]}

    patched = model.with_facts({}, gone, snap.offers)
    films = TitleFilter(kind="film")
    lists = {
        "similar": patched.similar(source, k=30),
        "similar --film": patched.similar(source, k=30, filters=films),
        "personal": patched.personal(liked, k=50),
        "personal --film": patched.personal(liked, k=50, filters=films),
        "group": patched.group([liked, {similar[6]: 5.0}], k=50),
        "popular": patched.popular(50, snap.popularity),
        "popular --film": patched.popular(50, snap.popularity, filters=films),
    }
    for name, suggestions in lists.items():
        assert len(suggestions) > 10, name
        assert not shown(suggestions) & gone, name
    for tid in gone:
        assert patched.similar(tid, k=5) == []
        assert all(tid not in patched.versions_of(v) for v in model.versions_of(tid))

    assert set(similar[:3]) <= {s.title_id for s in model.similar(source, k=10)}
    assert set(popular[:2]) <= {s.title_id for s in model.popular(5, snap.popularity)}


async def test_edited_facts_count_in_the_filters_at_once(app: App) -> None:
    snap = await app.core.catalog.get()
    model = snap.model
    source = await title_id(app, "Parasite", 2019)
    top = next(s.title_id for s in model.similar(source, k=10) if snap.titles[s.title_id].year)
    facts = snap.titles[top]
    other_kind = "series" if facts.kind == "film" else "film"
    edited = replace(facts, kind=other_kind, year=1901, name="An Edited Name")

    patched = model.with_facts({top: edited}, (), snap.offers)
    assert top in shown(patched.similar(source, k=10, filters=TitleFilter(kind=other_kind)))
    assert top not in shown(patched.similar(source, k=30, filters=TitleFilter(kind=facts.kind)))
    assert top not in shown(patched.similar(source, k=30, filters=TitleFilter(year_from=1950)))
    assert patched.titles[top].name == "An Edited Name"
    assert model.titles[top] == facts  # the model it came from is left as it was
    assert top in shown(model.similar(source, k=10, filters=TitleFilter(kind=facts.kind)))


async def test_a_cached_similar_list_does_not_survive_an_edit(app: App) -> None:
    """`similar` keeps unfiltered lists per model; the patched copy must not answer from the
    list its parent cached before the removal."""
    snap = await app.core.catalog.get()
    model = snap.model
    source = await title_id(app, "Parasite", 2019)
    before = model.similar(source, k=10)
    assert model.similar(source, k=10) == before  # the cached answer is the computed one
    assert before == model.similar(source, k=10, filters=TitleFilter())  # uncached path
    gone = {before[0].title_id}
    patched = model.with_facts({}, gone, snap.offers)
    after = patched.similar(source, k=10)
    assert len(after) == 10 and not shown(after) & gone
    assert model.similar(source, k=10) == before  # the parent still answers as before
