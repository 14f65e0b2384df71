"""From a pasted review article to an editorial review: read it, match it to the catalog, show
the admin a draft with Confirm / Cancel, and write it all in one transaction on Confirm.

Drafts live in the database (buttons keep working after a restart) and expire after a day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.core.catalog import CatalogSnapshot
from bot.core.context import CommandContext
from bot.core.critics import reviewer_points_to
from bot.core.errors import AmbiguousTitleError, UnknownTitleError, UsageError, UserError
from bot.core.permissions import actor
from bot.core.ratings import stars_number
from bot.core.replies import Action, Field, Reply, TitleCard
from bot.core.text import ISO_REGIONS, country_name, normalise_title
from bot.features.admin.articles import Article, extract, parse_grade_text, provider_kind
from db.curation_repository import today
from db.models import utcnow
from db.records import TitleSpec

if TYPE_CHECKING:
    from bot.core.kernel import Core

DRAFT_TTL = timedelta(hours=24)
SOURCE = "editorial"
_SEPARATORS = {",", ";", "or", "and", "&", "/", "nor"}
_QUOTES = "\"'“”‘’«»"


@dataclass(frozen=True, slots=True)
class Match:
    """The catalog's answer for an article: which title, and what it compares with."""

    title_id: int | None  # None: a new title will be created
    notes: tuple[str, ...]
    choices: tuple[int, ...]  # other titles with the same name, for the admin to switch to
    compares: tuple[int, ...]
    unknown_compares: tuple[str, ...]
    reader_compares: tuple[int, ...]  # named in comments and quoted reader reviews only


def titles_in_phrase(snap: CatalogSnapshot, phrase: str, prefer_kind: str | None) -> list[int]:
    """The catalog titles a phrase starts with: "Hachi: A Dog's Tale or I Am Sam, keep a box of
    tissues ready" names two. The catalog decides where each name ends (titles hold commas,
    colons and "No. 7"); items after a comma count only when an "or"/"and" closes the list, so
    "Parasite, You will love this" stays one title."""
    tokens = re.findall(r"[,;]|[^\s,;]+", phrase)
    items: list[tuple[int, str]] = []
    separator = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.lower() in _SEPARATORS:
            separator = (
                token.lower() if token.lower() not in {",", ";"} or not separator else separator
            )
            i += 1
            continue
        if items and not separator:
            break
        first = token.lstrip(_QUOTES)[:1]
        if not (first.isupper() or first.isdigit()):
            break
        found = None
        for j in range(min(len(tokens), i + 12), i, -1):
            if tokens[j - 1] in {",", ";"}:
                continue  # "Reply 1988," is the title and the list's comma
            candidate = " ".join(tokens[i:j]).strip(_QUOTES + " .!?:")
            ids = snap.index.exact(candidate) if candidate else set()
            if ids:
                found = (j, _pick(snap, ids, prefer_kind))
                break
        if found is None:
            break
        i, title_id = found
        items.append((title_id, separator))
        separator = ""
    closing = [k for k, (_t, sep) in enumerate(items) if sep not in {"", ",", ";"}]
    keep = closing[-1] + 1 if closing else 1
    return list(dict.fromkeys(t for t, _sep in items[:keep]))


def _pick(snap: CatalogSnapshot, ids: set[int], prefer_kind: str | None) -> int:
    """Several titles share the name: the same kind as the reviewed one, then the original."""
    return min(
        ids,
        key=lambda t: (
            snap.titles[t].kind != prefer_kind,
            snap.titles[t].original_id is not None,
            snap.titles[t].year or 0,
        ),
    )


class EditorialDesk:
    def __init__(self, core: Core) -> None:
        self.core = core

    # -- reading and matching ------------------------------------------------------------------

    async def match(self, article: Article) -> Match:
        assert article.title
        snap = await self.core.catalog.get()
        query = article.title + (f" ({article.year})" if article.year else "")
        title_id: int | None = None
        notes: list[str] = []
        choices: tuple[int, ...] = ()
        try:
            _snap, t, found_notes = await self.core.resolve(query)
            fuzzy = bool(found_notes) and found_notes[0].startswith("Showing")
            if fuzzy and article.year and t.year != article.year:
                notes.append(f"Not the same as {self.core.label(t)}: that has another year.")
            else:
                title_id = t.id
                notes += [n for n in found_notes if not n.startswith("This is the")]
                choices = tuple(v for v in snap.index.exact(t.name) if v != t.id)
        except AmbiguousTitleError as error:
            title_id = error.choices[0].title_id
            choices = tuple(c.title_id for c in error.choices[1:])
            notes.append(
                f"Several titles are called {article.title}; I picked "
                f"{error.choices[0].label}. Switch with the buttons below."
            )
        except UnknownTitleError:
            pass
        kind = snap.titles[title_id].kind if title_id else article.kind
        compares: list[int] = []
        for phrase in article.compare_phrases:
            compares += titles_in_phrase(snap, phrase, kind)
        unknown: list[str] = []
        for names in article.compare_lists:
            for name in names:
                matches = snap.index.search(name, limit=1)
                if matches and (matches[0].exact or matches[0].score >= 90):
                    compares.append(matches[0].title_id)
                else:
                    unknown.append(name)
        compares = [c for c in dict.fromkeys(compares) if c != title_id]
        # The author's comparisons outrank names dropped by readers: a title both name is the
        # author's; the readers' own are kept, labelled, and not linked.
        readers: list[int] = []
        for phrase in article.reader_compare_phrases:
            readers += titles_in_phrase(snap, phrase, kind)
        readers = [c for c in dict.fromkeys(readers) if c != title_id and c not in compares]
        return Match(
            title_id, tuple(notes), choices, tuple(compares), tuple(unknown), tuple(readers)
        )

    def region_for(self, ctx: CommandContext, article: Article, explicit: str | None) -> str | None:
        region = explicit or article.region or ctx.region or self.core.settings.default_region
        return region.upper() if region and region.upper() in ISO_REGIONS else None

    # -- drafts --------------------------------------------------------------------------------

    async def draft(
        self, ctx: CommandContext, text: str, region: str | None = None, grade: str | None = None
    ) -> Reply:
        """Read the article and keep what was found as a draft; nothing reaches the catalog."""
        draft_id, payload = await self.prepare(ctx, text, region, grade)
        return await self.show(draft_id, payload)

    async def prepare(
        self,
        ctx: CommandContext,
        text: str,
        region: str | None = None,
        grade: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """The stored draft's id and contents; UsageError says what the text is missing."""
        if not text.strip():
            raise UsageError(
                "Paste the review article after /admin review, or attach it as a text file."
            )
        article = extract(text)
        if grade is not None:
            typed = parse_grade_text(grade)
            if typed is None:
                raise UsageError(
                    f"{grade!r} is not a grade I can read. Try A-, 4/5, 8.5/10 or 3.5 stars."
                )
            article.grade_text, article.half_stars = typed
        gaps = article.missing()
        if gaps:
            found = f" I did find the title “{article.title}”." if article.title else ""
            raise UsageError(
                "I couldn't read that as a review article. I could not find "
                + " or ".join(gaps)
                + f".{found} Nothing was saved."
            )
        match = await self.match(article)
        payload = {
            "article": article.to_json(),
            "title_id": match.title_id,
            "notes": list(match.notes),
            "choices": list(match.choices),
            "compares": list(match.compares),
            "unknown_compares": list(match.unknown_compares),
            "reader_compares": list(match.reader_compares),
            "region": self.region_for(ctx, article, region),
        }
        now = utcnow()
        async with self.core.db.unit_of_work(write=True) as repos:
            await repos.curation.purge_drafts(now)
            draft_id = await repos.curation.add_draft(actor(ctx), payload, now + DRAFT_TTL)
        return draft_id, payload

    async def show(self, draft_id: int, payload: dict[str, Any]) -> Reply:
        snap = await self.core.catalog.get()
        article = Article.from_json(payload["article"])
        title_id = payload["title_id"]
        fields: list[Field] = []
        if title_id is not None and title_id in snap.titles:
            t = snap.titles[title_id]
            heading = self.core.label(t, with_country=True)
            fields.append(Field("Title", f"{heading} — in the catalog (#{t.id})"))
        else:
            spec = self.new_title_spec(article)
            heading = spec.name + (f" ({spec.year})" if spec.year else "")
            origin = ", ".join(country_name(c) for c in spec.countries)
            fields.append(
                Field(
                    "Title",
                    f"{heading} — new: will be added as a {spec.kind}"
                    + (f" from {origin}" if origin else ""),
                )
            )
        if article.reviewer or article.site:
            fields.append(
                Field("Reviewer", " · ".join(x for x in (article.reviewer, article.site) if x))
            )
        if article.half_stars is not None:
            fields.append(
                Field("Grade", f"{article.grade_text} → {stars_number(article.half_stars)}")
            )
        else:
            fields.append(
                Field("Grade", "none in the article: saved as a verdict only (add one: --grade A-)")
            )
        if article.verdict:
            fields.append(Field("Verdict", article.verdict))
        if article.where_to_watch:
            region = payload.get("region")
            where = ", ".join(article.where_to_watch)
            fields.append(
                Field(
                    "Where to watch",
                    f"{where} ({region})"
                    if region
                    else f"{reviewer_points_to(article.where_to_watch)} — no region given, so it "
                    "is kept as the reviewer's mention, not as an offer "
                    "(add --region CC, or set REELBOT_DEFAULT_REGION)",
                )
            )
        known = snap.titles.get(title_id) if title_id is not None else None
        for label, names, listed in (
            ("Original title", article.aliases, known.aliases if known else ()),
            ("Director", article.directors, known.directors if known else ()),
            ("Screenwriter", article.writers, known.writers if known else ()),
            ("Cast", article.cast, known.cast if known else ()),
        ):
            if not names:
                continue
            if known is None or not listed:
                fields.append(
                    Field(label, ", ".join(names) + (" (will be added)" if known else ""))
                )
            elif {n.casefold() for n in names} - {n.casefold() for n in listed}:
                # The catalog keeps its own; the admin sees where the article differs.
                fields.append(
                    Field(label, f"{', '.join(names)} — the catalog has {', '.join(listed)}")
                )
        if payload["compares"]:
            fields.append(
                Field(
                    "Compares with",
                    ", ".join(
                        self.core.label(snap.titles[c])
                        for c in payload["compares"]
                        if c in snap.titles
                    ),
                )
            )
        readers = [c for c in payload.get("reader_compares") or [] if c in snap.titles]
        if readers:
            fields.append(
                Field(
                    "Readers compare with",
                    ", ".join(self.core.label(snap.titles[c]) for c in readers)
                    + " (from comments and quoted reader reviews; not linked)",
                )
            )
        notes = list(payload.get("notes") or [])
        if payload.get("unknown_compares"):
            notes.append(
                "Not in the catalog, so not linked: " + ", ".join(payload["unknown_compares"]) + "."
            )
        if article.spoiler_sections:
            notes.append(
                f"Left out {article.spoiler_sections} spoiler section"
                f"{'s' if article.spoiler_sections != 1 else ''}."
            )
        notes.append(f"Draft {draft_id}: nothing is saved until you confirm (expires in 24 h).")
        actions = [
            Action("Confirm", f"/admin review confirm {draft_id}"),
            Action("Cancel", f"/admin review cancel {draft_id}"),
        ]
        actions += [
            Action(
                f"Use {self.core.label(snap.titles[c], with_country=True)}",
                f"/admin review title {draft_id} #{c}",
            )
            for c in payload.get("choices") or []
            if c in snap.titles
        ][:4]
        return Reply(
            text="Here is what I read from the article. Confirm to save it as an editorial review.",
            card=TitleCard(
                title_id=title_id or None,
                heading=f"Editorial review: {heading}",
                subheading="draft — check it before confirming",
                fields=tuple(fields),
                body=article.synopsis,
            ),
            notes=tuple(notes),
            actions=tuple(actions),
        )

    async def _load(self, draft_id: int) -> dict[str, Any]:
        async with self.core.db.unit_of_work() as repos:
            draft = await repos.curation.get_draft(draft_id)
        # The drafts table also keeps members' removed ratings for Undo: those are no article.
        if (
            draft is None
            or draft.expires_at.timestamp() < utcnow().timestamp()
            or "article" not in draft.payload
        ):
            raise UserError(
                f"There is no draft {draft_id}: it was confirmed, cancelled or has expired. "
                "Paste the article again."
            )
        return draft.payload

    async def retarget(self, ctx: CommandContext, draft_id: int, query: str) -> Reply:
        """Point a draft at another catalog title ("#12"), or at a new one ("new")."""
        payload = await self._load(draft_id)
        if query.strip().casefold() == "new":
            payload["title_id"] = None
        else:
            _snap, t, _notes = await self.core.resolve(query)
            previous = payload["title_id"]
            payload["title_id"] = t.id
            payload["choices"] = [c for c in [previous, *payload["choices"]] if c and c != t.id]
        payload["compares"] = [c for c in payload["compares"] if c != payload["title_id"]]
        payload["notes"] = []
        async with self.core.db.unit_of_work(write=True) as repos:
            await repos.curation.update_draft(draft_id, payload)
        return await self.show(draft_id, payload)

    async def cancel(self, ctx: CommandContext, draft_id: int) -> Reply:
        async with self.core.db.unit_of_work(write=True) as repos:
            deleted = await repos.curation.delete_draft(draft_id)
        if not deleted:
            raise UserError(f"There is no draft {draft_id}; nothing to cancel.")
        return Reply(text=f"Draft {draft_id} cancelled. Nothing was saved.")

    def new_title_spec(self, article: Article) -> TitleSpec:
        assert article.title
        return TitleSpec(
            name=article.title,
            year=article.year,
            kind=article.kind or "film",
            aliases=list(article.aliases),
            countries=list(article.countries),
            genres=list(article.genres),
            directors=list(article.directors),
            writers=list(article.writers),
            cast=list(article.cast),
            synopsis=article.synopsis,
            runtime_minutes=article.runtime_minutes if article.kind != "series" else None,
            episodes=article.episodes,
        )

    async def confirm(self, ctx: CommandContext, draft_id: int) -> Reply:
        """Write the editorial review, the new title if any, people, where to watch and the
        compares-with links, with one audit row, all in one transaction."""
        payload = await self._load(draft_id)
        article = Article.from_json(payload["article"])
        region = payload.get("region")
        who = actor(ctx)
        async with self.core.db.unit_of_work(write=True) as repos:
            if not await repos.curation.delete_draft(draft_id):
                raise UserError(f"Draft {draft_id} was already confirmed or cancelled.")
            title_id = payload["title_id"]
            before = await repos.curation.title_row(title_id) if title_id else None
            if title_id is not None and before is None:
                raise UserError("The title this draft points to was removed. Paste it again.")
            created = False
            if title_id is None:
                spec = self.new_title_spec(article)
                key = f"{normalise_title(spec.name)}|{spec.year or ''}|{spec.kind}"
                title_id = await repos.catalog.title_id_for_source(SOURCE, key)
                if title_id is None:
                    title_id = await repos.catalog.add_title(spec, source=SOURCE, external_id=key)
                    created = True
            people: dict[str, list[str]] = {}
            aliases_added: list[str] = []
            if not created:
                # The article's credits fill what the catalog leaves empty; where the catalog
                # has its own, the draft showed the difference and the catalog's stay.
                snap = await self.core.catalog.get()
                known = snap.titles.get(title_id)
                for role, names, listed in (
                    ("director", article.directors, known.directors if known else ()),
                    ("writer", article.writers, known.writers if known else ()),
                    ("cast", article.cast, known.cast if known else ()),
                ):
                    added = (
                        await repos.curation.add_people(title_id, role, names)
                        if (names and not listed)
                        else []
                    )
                    if added:
                        people[role] = added
                if known is not None and not known.aliases:
                    for alias in article.aliases:
                        if await repos.curation.add_alias(title_id, alias):
                            aliases_added.append(alias)
                if before and not before["synopsis"] and article.synopsis:
                    await repos.curation.update_title(title_id, {"synopsis": article.synopsis})
            snap = await self.core.catalog.get()
            compares = [c for c in payload["compares"] if c in snap.titles and c != title_id]
            labels = [self.core.label(snap.titles[c]) for c in compares]
            reader_labels = [
                self.core.label(snap.titles[c]) + " (a reader's)"
                for c in payload.get("reader_compares") or []
                if c in snap.titles and c != title_id and c not in compares
            ]
            saved_name = snap.titles[title_id].name if title_id in snap.titles else article.title
            review_id = await repos.curation.add_editorial(
                title_id,
                reviewer=article.reviewer,
                site=article.site,
                source_url=article.source_url,
                grade_text=article.grade_text,
                half_stars=article.half_stars,
                verdict=article.verdict,
                where_to_watch=list(article.where_to_watch),
                compares_with=labels + reader_labels,
                added_by=who,
            )
            source = f"{SOURCE}:{review_id}"
            offers = []
            if region:
                async with repos.alerts.owed_for_new_offers(self.core.settings.default_region):
                    for provider in article.where_to_watch:
                        kind = provider_kind(provider)
                        await repos.catalog.add_offer(
                            title_id, provider, region, kind, today(), None, source
                        )
                        offers.append({"provider": provider, "region": region, "kind": kind})
            for other in compares:
                await repos.catalog.link(title_id, other, "compares_with", source)
            await repos.catalog.bump_revision()
            after = {
                "editorial_review": review_id,
                "title_id": title_id,
                "new_title": created,
                "reviewer": article.reviewer,
                "site": article.site,
                "grade": article.grade_text,
                "half_stars": article.half_stars,
                "verdict": article.verdict,
                "offers": offers,
                "compares_with": compares,
                "readers_compare_with": reader_labels,
                "people_added": people,
                "aliases_added": aliases_added,
            }
            name = saved_name or ""
            await repos.curation.audit(
                who, ctx.display_name, "review.add", f"{name} #{title_id}", before, after
            )
        self.core.catalog.invalidate([title_id])
        return self._saved(article, saved_name or "", title_id, created, offers, labels, region)

    def _saved(
        self,
        article: Article,
        name: str,
        title_id: int,
        created: bool,
        offers: list[dict[str, str]],
        labels: list[str],
        region: str | None,
    ) -> Reply:
        grade = (
            f" {article.grade_text} ({stars_number(article.half_stars)})"
            if article.half_stars is not None
            else ""
        )
        by = f" by {article.reviewer}" if article.reviewer else ""
        notes = []
        if created:
            notes.append(f"{name} was new to the catalog and has been added.")
        if offers:
            notes.append(
                f"Where to watch ({region}): " + ", ".join(o["provider"] for o in offers) + "."
            )
        if labels:
            notes.append("Fans will now be pointed to: " + ", ".join(labels) + ".")
        if article.where_to_watch and not region:
            notes.append(f"Where to watch: {reviewer_points_to(article.where_to_watch)}.")
        return Reply(
            text=f"Saved the editorial review of {name}{grade}{by}.",
            notes=tuple(notes),
            actions=(
                Action("Reviews", f"/reviews #{title_id}"),
                Action("More like this", f"/recommend #{title_id}"),
            ),
        )
