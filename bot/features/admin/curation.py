"""Catalog curation by admins: add, edit, alias, merge and remove titles, say where to watch,
take down reviews, reload the starter catalog, and look at numbers and the audit log.

Every change runs in one unit of work with its audit row (who, what, when, before and after), so
the log never records something that did not happen. Callers check permissions first."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.core.context import CommandContext
from bot.core.errors import UsageError, UserError
from bot.core.params import parse_year
from bot.core.permissions import actor
from bot.core.replies import Action, Field, Item, Reply, TitleCard
from bot.core.text import COUNTRIES, ISO_REGIONS, country_name, normalise_title, shorten
from bot.features.admin.articles import PROVIDER_NAMES
from db.curation_repository import AuditRecord
from db.models import OFFER_KINDS
from db.records import TitleSpec
from db.repositories import Repositories
from db.starter import seed_starter
from db.startup_lock import exclusive_start
from recommender import TitleFacts

if TYPE_CHECKING:
    from bot.core.kernel import Core
    from db.repositories import Repositories

SOURCE = "admin"
MAX_LOG = 50
_KINDS = {"film": "film", "movie": "film", "series": "series", "drama": "series", "show": "series",
          "tv": "series"}  # fmt: skip
_COUNTRY_WORDS = {
    **{name.casefold(): code for code, (name, _adj) in COUNTRIES.items()},
    **{adj.casefold(): code for code, (_name, adj) in COUNTRIES.items()},
    "korea": "KR", "usa": "US", "uk": "GB",
}  # fmt: skip
TITLE_FIELDS = {
    "name": "name", "title": "name", "original": "original_name", "year": "year",
    "kind": "kind", "type": "kind", "country": "countries", "countries": "countries",
    "lang": "languages", "language": "languages", "languages": "languages",
    "genre": "genres", "genres": "genres", "runtime": "runtime_minutes",
    "episodes": "episodes", "synopsis": "synopsis", "poster": "poster_url",
}  # fmt: skip
FIELD_HELP = (
    "Fields: year:2019 kind:film|series country:KR lang:ko genres:Drama,Comedy runtime:127 "
    "episodes:16 original:<original title> synopsis:<text> poster:<url> name:<new name>"
)


def parse_title_fields(raw: dict[str, str]) -> dict[str, Any]:
    """Column values from "key:value" words, checked the way the schema would check them."""
    values: dict[str, Any] = {}
    for key, text in raw.items():
        column = TITLE_FIELDS[key]
        text = text.strip()
        empty = text.casefold() in {"", "none", "-", "null"}
        if column == "name":
            if empty or len(text) > 300:
                raise UsageError("A title's name can't be empty or over 300 characters.")
            values[column] = text
        elif column in {"original_name", "synopsis", "poster_url"}:
            limit = {"original_name": 300, "synopsis": 4000, "poster_url": 500}[column]
            if len(text) > limit:
                raise UsageError(f"{key} can be up to {limit} characters.")
            values[column] = None if empty else text
        elif column in {"year", "runtime_minutes", "episodes"}:
            values[column] = None if empty else _number(key, text, column)
        elif column == "kind":
            if text.casefold() not in _KINDS:
                raise UsageError("kind is film or series.")
            values[column] = _KINDS[text.casefold()]
        elif column == "countries":
            values[column] = [] if empty else [_country(p) for p in _split(text)]
        elif column == "languages":
            codes = [] if empty else [p.casefold() for p in _split(text)]
            if any(not re.fullmatch(r"[a-z]{2,3}", c) for c in codes):
                raise UsageError("Languages are ISO 639 codes, e.g. lang:ko or lang:en,ko.")
            values[column] = codes
        elif column == "genres":
            values[column] = [] if empty else [g.strip().title() for g in _split(text)][:10]
    return values


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\s*[,/]\s*", text) if p.strip()]


def _number(key: str, text: str, column: str) -> int:
    if column == "year":
        return parse_year(text)
    if not text.isdigit():
        raise UsageError(f"{key} must be a whole number, not {text!r}.")
    value = int(text)
    if not 1 <= value <= 10_000:
        raise UsageError(f"{key} must be between 1 and 10000.")
    return value


def _country(text: str) -> str:
    code = text.upper() if len(text) == 2 else _COUNTRY_WORDS.get(text.casefold(), "")
    if code not in ISO_REGIONS:
        raise UsageError(f"{text!r} is not a country. Use a two-letter code such as KR or US.")
    return code


def provider_name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > 100:
        raise UsageError("Name the service, e.g. Netflix or Viki.")
    return PROVIDER_NAMES.get(name.casefold(), name)


def _json_safe(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}


class Curator:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def _audit(
        self,
        repos: Repositories,
        ctx: CommandContext,
        action: str,
        target: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        await repos.curation.audit(
            actor(ctx), ctx.display_name, action, target, _json_safe(before), _json_safe(after)
        )

    def _changed(self, title_ids: Iterable[int]) -> None:
        """Committed: the catalog snapshot applies the change to these titles before the next
        command reads it."""
        self.core.catalog.invalidate(title_ids)

    # -- titles --------------------------------------------------------------------------------

    async def title_add(self, ctx: CommandContext, name: str, raw: dict[str, str]) -> Reply:
        values = parse_title_fields({**raw, "name": name})
        spec = TitleSpec(
            name=values["name"],
            year=values.get("year"),
            kind=values.get("kind") or "film",
            original_name=values.get("original_name"),
            countries=values.get("countries") or [],
            languages=values.get("languages") or [],
            genres=values.get("genres") or [],
            synopsis=values.get("synopsis"),
            runtime_minutes=values.get("runtime_minutes"),
            episodes=values.get("episodes"),
            poster_url=values.get("poster_url"),
        )
        key = f"{normalise_title(spec.name)}|{spec.year or ''}|{spec.kind}"
        async with self.core.db.unit_of_work(write=True) as repos:
            existing = await repos.curation.find_titles(spec.name, spec.year, spec.kind)
            if existing:
                raise UserError(
                    f"{spec.name}{f' ({spec.year})' if spec.year else ''} is already in the "
                    f"catalog as #{existing[0]}. Edit it with /admin title edit #{existing[0]} …",
                )
            title_id = await repos.catalog.add_title(spec, source=SOURCE, external_id=key)
            await repos.catalog.bump_revision()
            after = await repos.curation.title_row(title_id)
            await self._audit(repos, ctx, "title.add", f"{spec.name} #{title_id}", None, after)
        self._changed([title_id])
        label = spec.name + (f" ({spec.year})" if spec.year else "")
        return Reply(
            text=f"Added {label} to the catalog as #{title_id}.",
            notes=("Say where to watch it: /admin where add #" + f"{title_id} | Netflix | US",),
            actions=(Action("Title card", f"/title #{title_id}"),),
        )

    async def title_edit(self, ctx: CommandContext, t: TitleFacts, raw: dict[str, str]) -> Reply:
        if not raw:
            raise UsageError(
                f"What should change? e.g. /admin title edit #{t.id} year:2013. " + FIELD_HELP
            )
        values = parse_title_fields(raw)
        genres = values.pop("genres", None)
        async with self.core.db.unit_of_work(write=True) as repos:
            before = await repos.curation.title_row(t.id)
            if before is None:
                raise UserError("That title is no longer in the catalog.")
            await repos.curation.update_title(t.id, values)
            if genres is not None:
                await repos.curation.set_genres(t.id, genres)
            after = await repos.curation.title_row(t.id)
            assert after is not None
            changed = [k for k in after if before.get(k) != after.get(k)]
            if changed:
                # The row names each changed field with its old and its new value, nothing else;
                # an edit that changes nothing is no admin action and leaves no row.
                await repos.catalog.bump_revision()
                await self._audit(
                    repos,
                    ctx,
                    "title.edit",
                    f"{t.name} #{t.id}",
                    {k: before.get(k) for k in changed},
                    {k: after[k] for k in changed},
                )
        if changed:
            self._changed([t.id])
        return Reply(
            text=f"Updated {self.core.label(t)}: {', '.join(changed)}."
            if changed
            else f"Nothing changed: {self.core.label(t)} already has those values.",
            actions=(Action("Title card", f"/title #{t.id}"),),
        )

    async def title_alias(self, ctx: CommandContext, t: TitleFacts, alias: str) -> Reply:
        alias = alias.strip()
        if not alias or len(alias) > 300:
            raise UsageError(f"Give the other name after a bar: /admin title alias #{t.id} | …")
        async with self.core.db.unit_of_work(write=True) as repos:
            before = await repos.curation.title_row(t.id)
            added = await repos.curation.add_alias(t.id, alias)
            if not added:
                raise UserError(f"{self.core.label(t)} already has the alias {alias!r}.")
            await repos.catalog.bump_revision()
            after = await repos.curation.title_row(t.id)
            await self._audit(repos, ctx, "title.alias", f"{t.name} #{t.id}", before, after)
        self._changed([t.id])
        return Reply(text=f"{self.core.label(t)} can now also be found as “{alias}”.")

    async def title_merge(self, ctx: CommandContext, dup: TitleFacts, keep: TitleFacts) -> Reply:
        if dup.id == keep.id:
            raise UsageError("Those are the same title; name the duplicate and the one to keep.")
        async with self.core.db.unit_of_work(write=True) as repos:
            before = {
                "duplicate": await repos.curation.title_row(dup.id),
                "duplicate_usage": await repos.curation.usage(dup.id),
                "kept": await repos.curation.title_row(keep.id),
            }
            moved = await repos.curation.merge_titles(dup.id, keep.id)
            await repos.catalog.bump_revision()
            after = {"kept": await repos.curation.title_row(keep.id), "moved": moved}
            await self._audit(
                repos, ctx, "title.merge", f"#{dup.id} into {keep.name} #{keep.id}", before, after
            )
        self._changed([dup.id, keep.id])
        summary = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in moved.items() if n)
        return Reply(
            text=f"Merged {self.core.label(dup)} (#{dup.id}) into {self.core.label(keep)} "
            f"(#{keep.id}).",
            notes=(f"Moved: {summary or 'nothing else'}.",),
            actions=(Action("Title card", f"/title #{keep.id}"),),
        )

    async def title_remove(self, ctx: CommandContext, t: TitleFacts, confirmed: bool) -> Reply:
        async with self.core.db.unit_of_work(write=confirmed) as repos:
            usage = await repos.curation.usage(t.id)
            if not confirmed:
                lost = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in usage.items() if n)
                return Reply(
                    text=f"Remove {self.core.label(t, with_country=True)} (#{t.id}) from the "
                    f"catalog? {'This also deletes ' + lost + '.' if lost else ''}".strip(),
                    notes=("Duplicates are better merged: /admin title merge <dup> | <keep>",),
                    actions=(
                        Action("Remove it", f"/admin title remove #{t.id} confirm"),
                        Action("Keep it", f"/title #{t.id}"),
                    ),
                )
            before = await repos.curation.title_row(t.id)
            if before is None:
                raise UserError("That title is no longer in the catalog.")
            await repos.catalog.remove_title(t.id)
            await repos.catalog.bump_revision()
            await self._audit(
                repos, ctx, "title.remove", f"{t.name} #{t.id}", {**before, **usage}, None
            )
        self._changed([t.id])
        return Reply(text=f"Removed {self.core.label(t)} (#{t.id}) from the catalog.")

    # -- where to watch ------------------------------------------------------------------------

    async def where_add(
        self,
        ctx: CommandContext,
        t: TitleFacts,
        provider: str,
        region: str,
        kind: str,
        link: str | None,
    ) -> Reply:
        provider, region, kind = provider_name(provider), _country(region), kind.casefold()
        if kind not in OFFER_KINDS:
            raise UsageError(f"The kind is one of {', '.join(OFFER_KINDS)}.")
        if link and not re.match(r"https?://\S+$", link):
            raise UsageError("A link starts with http:// or https://.")
        offer = {"provider": provider, "region": region, "kind": kind, "link": link}
        async with self.core.db.unit_of_work(write=True) as repos:
            async with repos.alerts.owed_for_new_offers(self.core.settings.default_region):
                await repos.catalog.add_offer(
                    t.id, provider, region, kind, date.today(), link, f"{SOURCE}:{actor(ctx)}"
                )
            await repos.catalog.bump_revision()
            await self._audit(repos, ctx, "where.add", f"{t.name} #{t.id}", None, offer)
        self._changed([t.id])
        return Reply(
            text=f"{self.core.label(t)}: {kind} on {provider} in {country_name(region)} "
            f"({region}).",
            actions=(Action("Where to watch", f"/where #{t.id} {region}"),),
        )

    async def where_remove(
        self,
        ctx: CommandContext,
        t: TitleFacts,
        provider: str,
        region: str | None,
        kind: str | None,
    ) -> Reply:
        provider = provider_name(provider)
        region = _country(region) if region else None
        async with self.core.db.unit_of_work(write=True) as repos:
            removed = await repos.curation.remove_offers(t.id, provider, region, kind)
            if not removed:
                place = f" in {region}" if region else ""
                raise UserError(f"{self.core.label(t)} is not listed on {provider}{place}.")
            await repos.catalog.bump_revision()
            await self._audit(
                repos, ctx, "where.remove", f"{t.name} #{t.id}", {"offers": removed}, None
            )
        self._changed([t.id])
        where = ", ".join(f"{o['provider']} {o['region']} ({o['kind']})" for o in removed)
        return Reply(text=f"{self.core.label(t)}: removed {where}.")

    # -- moderation ----------------------------------------------------------------------------

    async def review_remove(self, ctx: CommandContext, ref: str, reason: str) -> Reply:
        reason = reason.strip()
        if not reason:
            raise UsageError(
                "Say why, so members and other admins can see it: "
                "/admin review remove 12 spoils the ending without a spoiler tag"
            )
        editorial = ref.casefold().startswith("e")
        number = ref[1:] if editorial else ref.lstrip("#")
        if not number.isdigit():
            raise UsageError("Review ids look like 12 (a member's) or e3 (an editorial one).")
        async with self.core.db.unit_of_work(write=True) as repos:
            if editorial:
                found = await repos.curation.get_editorial(int(number))
                if found is None or found.removed_at is not None:
                    raise UserError(f"There is no editorial review e{number}.")
                await repos.curation.remove_editorial(found.id, actor(ctx), reason)
                await repos.catalog.bump_revision()  # its compares-with links went too
                reviewed = [found.title_id]
                before = found.as_json()
                target = f"editorial review e{found.id} of #{found.title_id}"
            else:
                member = await repos.curation.member_review(int(number))
                if member is None or member.review is None:
                    raise UserError(f"There is no review {number} (or it was already removed).")
                await repos.curation.moderate_review(member, reason, actor(ctx))
                before = {
                    "rating_id": member.rating_id,
                    "author": member.author,
                    "half_stars": member.half_stars,
                    "review": member.review,
                    "spoiler": member.spoiler,
                }
                target = f"review {member.rating_id} by {member.author} of #{member.title_id}"
            await self._audit(
                repos, ctx, "review.remove", target, before, {"removed": True, "reason": reason}
            )
        if editorial:
            self._changed(reviewed)
        kept = "" if editorial else " The member's star rating still counts."
        return Reply(text=f"Removed {target}. Reason: {reason}.{kept}")

    # -- seeding, numbers, log -----------------------------------------------------------------

    async def seed_starter(self, ctx: CommandContext) -> Reply:
        # Under the start-up lock, so a reseed beside a process's first start (which seeds an
        # empty catalog) cannot insert the same starter rows twice.
        db = self.core.db
        async with exclusive_start(db.engine) as conn, db.sessions(bind=conn) as session:
            repos = Repositories(session)
            last = await repos.catalog.last_title_id()
            before = {"titles": await repos.catalog.count_titles()}
            summary = await seed_starter(repos)
            after = {
                "titles": await repos.catalog.count_titles(),
                "added": summary.added,
                "already_there": summary.existing,
                "links": summary.links,
            }
            await self._audit(repos, ctx, "seed.starter", "starter catalog", before, after)
            added = await repos.catalog.title_ids_after(last)
            await session.flush()
        self._changed(added)  # its links between titles already there come with the rebuild
        return Reply(
            text=f"Starter catalog: {summary.added} added, {summary.existing} already there, "
            f"{summary.links} editorial links."
        )

    async def stats(self, ctx: CommandContext) -> Reply:
        async with self.core.db.unit_of_work() as repos:
            s = await repos.curation.stats()
        sources = ", ".join(f"{name} {n:,}" for name, n in s.sources.items()) or "none"
        last = "none yet"
        if s.last_import is not None:
            li = s.last_import
            counts = f": {li.counts}" if li.counts else ""
            last = f"{li.what}{counts} · {li.at:%d %b %Y %H:%M} UTC by {li.by}"
        fields = (
            Field("Titles", f"{s.titles:,}"),
            Field("Sources", sources),
            Field("Users", f"{s.users:,}"),
            Field("Ratings", f"{s.ratings:,}"),
            Field(
                "Reviews",
                f"{s.reviews:,} from members ({s.moderated_reviews:,} taken down), "
                f"{s.editorial_reviews:,} editorial",
            ),
            Field("Last import", last),
        )
        return Reply(
            card=TitleCard(
                title_id=None,
                heading="Catalog stats",
                subheading="titles and community",
                fields=fields,
            )
        )

    async def log(self, ctx: CommandContext, limit: int) -> Reply:
        if not 1 <= limit <= MAX_LOG:
            raise UsageError(f"Show 1 to {MAX_LOG} entries.")
        async with self.core.db.unit_of_work() as repos:
            rows = await repos.curation.latest_audit(limit)
        if not rows:
            return Reply(text="The audit log is empty: no admin has changed anything yet.")
        return Reply(
            text=f"The latest {len(rows)} admin action(s), newest first:",
            items=tuple(_log_item(r) for r in rows),
        )


def _log_item(row: AuditRecord) -> Item:
    return Item(
        text=f"{row.created_at:%d %b %Y %H:%M} · {row.actor_name} ({row.actor}) · {row.action}",
        detail=shorten(row.target, 120),
        extra=shorten(_diff(row.before, row.after), 200),
    )


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What changed, in one line: "year: 2012 → 2013"."""
    if before is None and after is None:
        return ""
    if before is None:
        assert after is not None
        return "added " + ", ".join(f"{k}: {v}" for k, v in after.items() if v not in (None, []))
    if after is None:
        return "removed"
    keys = [k for k in after if k in before and before[k] != after[k]]
    if keys:
        return "; ".join(f"{k}: {before[k]} → {after[k]}" for k in keys)
    return ", ".join(f"{k}: {v}" for k, v in after.items() if v not in (None, [], {}))
