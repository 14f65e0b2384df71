"""The schema. Rules that protect data (one rating per user and title, rating range, review length)
live here as constraints, so no code path can break them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MAX_REVIEW_CHARS = 2000
TITLE_KINDS = ("film", "series")
OFFER_KINDS = ("stream", "free", "rent", "buy")

# Deterministic constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class Title(Base):
    __tablename__ = "titles"
    __table_args__ = (
        CheckConstraint("kind IN ('film', 'series')", name="kind"),
        CheckConstraint("year IS NULL OR (year >= 1870 AND year <= 2100)", name="year"),
        Index("ix_titles_name_year", "name", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    original_name: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    synopsis: Mapped[str | None] = mapped_column(Text)
    countries: Mapped[list[str]] = mapped_column(default=list)
    languages: Mapped[list[str]] = mapped_column(default=list)
    runtime_minutes: Mapped[int | None] = mapped_column(Integer)
    episodes: Mapped[int | None] = mapped_column(Integer)
    poster_url: Mapped[str | None] = mapped_column(String(500))
    # How widely known the title is, as a data set reports it (TMDB's popularity score and
    # vote count): what tells the famous version of a shared name from the obscure one.
    popularity: Mapped[float | None] = mapped_column(Float)
    vote_count: Mapped[int | None] = mapped_column(Integer)
    # The original this title remakes or adapts: versions of one story are grouped by it.
    original_id: Mapped[int | None] = mapped_column(
        ForeignKey("titles.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class TitleAlias(Base):
    __tablename__ = "title_aliases"
    __table_args__ = (UniqueConstraint("title_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(300))


class Genre(Base):
    __tablename__ = "genres"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class TitleGenre(Base):
    __tablename__ = "title_genres"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    genre_id: Mapped[int] = mapped_column(
        ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Theme(Base):
    """Themes, keywords and tags: what a title is about."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class TitleTheme(Base):
    __tablename__ = "title_themes"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class TitlePerson(Base):
    __tablename__ = "title_people"
    __table_args__ = (CheckConstraint("role IN ('director', 'writer', 'cast')", name="role"),)

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class TitleRelation(Base):
    """Editorial links between titles, e.g. "fans of X compare it with Y"."""

    __tablename__ = "title_relations"
    __table_args__ = (CheckConstraint("kind IN ('compares_with')", name="kind"),)

    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    related_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(100))


class TitleSource(Base):
    """Which catalog a title came from, with that source's id for it (merging key on re-import)."""

    __tablename__ = "title_sources"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(50))
    external_id: Mapped[str] = mapped_column(String(200))


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Availability(Base):
    __tablename__ = "availability"
    __table_args__ = (
        UniqueConstraint("title_id", "provider_id", "region", "kind"),
        CheckConstraint("kind IN ('stream', 'free', 'rent', 'buy')", name="kind"),
        CheckConstraint("length(region) = 2", name="region"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    region: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(10))
    link: Mapped[str | None] = mapped_column(String(500))
    as_of: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    # The member's own settings (/settings me …); None: not set, the chat's or server's apply.
    region: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    services: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Private messages when a watchlisted title reaches the member's services (/settings me
    # alerts off).
    alerts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Rating(Base):
    """A member's rating, in half stars (1 = 0.5★ … 10 = 5★), with an optional review."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("user_id", "title_id"),
        CheckConstraint("half_stars >= 1 AND half_stars <= 10", name="half_stars"),
        CheckConstraint(f"review IS NULL OR length(review) <= {MAX_REVIEW_CHARS}", name="review"),
        Index("ix_ratings_title_updated", "title_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    half_stars: Mapped[int] = mapped_column(SmallInteger)
    review: Mapped[str | None] = mapped_column(Text)
    spoiler: Mapped[bool] = mapped_column(Boolean, default=False)
    # The diary date: the day the member watched it (/review … --on 2026-11-30, Letterboxd's
    # "Watched Date"); None for ratings made before diaries existed.
    watched_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WatchlistEntry(Base):
    """A title a member wants to watch (/watchlist add, Letterboxd's watchlist.csv)."""

    __tablename__ = "watchlist"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # How it got there: "chat" (a command or button), "letterboxd", "notify" (/where … --notify).
    source: Mapped[str] = mapped_column(String(20), default="chat")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatWatchlistEntry(Base):
    """A title proposed for a chat's shared watchlist; one row per member who wants it, so
    watch-party proposals can prefer titles several members want."""

    __tablename__ = "chat_watchlist"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AvailabilityAlert(Base):
    """One private message owed to a member: a watchlisted title became available on one of
    their services in their region. The primary key makes it exactly once per member, title,
    service and region, whichever process (or import re-run) finds it."""

    __tablename__ = "availability_alerts"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sending', 'sent', 'skipped')", name="state"),
        Index("ix_availability_alerts_state_user", "state", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(
        ForeignKey("titles.id", ondelete="CASCADE"), primary_key=True
    )
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    region: Mapped[str] = mapped_column(String(2), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    # The import run (or admin edit) that found it: one batched message per member per batch.
    batch: Mapped[str] = mapped_column(String(64))
    # A sender claims pending rows with a lease, so two processes never both send one.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Chat(Base):
    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "platform_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    platform_chat_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    services: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Meta(Base):
    """Small key/value facts about the database, e.g. the catalog revision that caches watch."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


# -- watch parties (issue 5) ---------------------------------------------------------------------
# A party moves voting -> scheduled (decided, start ahead) -> done, or to cancelled. Every state
# change is one conditional UPDATE (WHERE state = ...), so two processes never both make it.
PARTY_STATES = ("voting", "scheduled", "done", "cancelled")
ACTIVE_PARTY_STATES = ("voting", "scheduled")
PARTY_JOB_KINDS = ("announce", "stop_poll", "remind", "review")
PARTY_JOB_STATES = ("pending", "sending", "sent", "skipped", "failed")
MIN_PARTY_CANDIDATES = 2
MAX_PARTY_CANDIDATES = 10


class ChatMember(Base):
    """Who takes part in a chat: anyone who used a command there, voted or joined a party."""

    __tablename__ = "chat_members"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatPartySettings(Base):
    """Per-chat watch-party preferences (reminder times); a missing row means the defaults."""

    __tablename__ = "chat_party_settings"

    chat_id: Mapped[int] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True
    )
    # Minutes before the start at which joined members are reminded, e.g. [60, 0].
    reminder_minutes: Mapped[list[int]] = mapped_column(JSON, default=list)


class WatchParty(Base):
    __tablename__ = "watch_parties"
    __table_args__ = (
        CheckConstraint("state IN ('voting', 'scheduled', 'done', 'cancelled')", name="state"),
        # One active party per chat, whatever process or platform tries to open a second one.
        Index(
            "uq_watch_parties_active_chat",
            "chat_id",
            unique=True,
            sqlite_where=text("state IN ('voting', 'scheduled')"),
            postgresql_where=text("state IN ('voting', 'scheduled')"),
        ),
        Index("ix_watch_parties_state_closes_at", "state", "closes_at"),
        Index("ix_watch_parties_poll_platform_id", "poll_platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    host_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="voting")
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64))  # the chat's zone when it was opened
    reminder_minutes: Mapped[list[int]] = mapped_column(JSON, default=list)
    winner_position: Mapped[int | None] = mapped_column(SmallInteger)
    closed_by: Mapped[str | None] = mapped_column(String(100))  # "deadline" or a display name
    # The platform's native poll, once the front end has posted it.
    poll_platform_id: Mapped[str | None] = mapped_column(String(100))
    poll_message_id: Mapped[str | None] = mapped_column(String(100))
    # The native poll's final count per option (poll order), read when it was stopped: the
    # result counts these, so votes the bot never saw (cast while it was down) count too.
    poll_counts: Mapped[list[int] | None] = mapped_column(JSON)
    # The platform's scheduled event for the party (a Discord guild event), once published:
    # kept so it can be updated, cancelled and asked who is interested after a restart.
    event_id: Mapped[str | None] = mapped_column(String(100))
    event_url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WatchPartyCandidate(Base):
    __tablename__ = "watch_party_candidates"
    __table_args__ = (
        CheckConstraint(f"position >= 1 AND position <= {MAX_PARTY_CANDIDATES}", name="position"),
    )

    party_id: Mapped[int] = mapped_column(
        ForeignKey("watch_parties.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 1-based, poll order
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    reason: Mapped[str | None] = mapped_column(String(300))


class WatchPartyVote(Base):
    """One vote per member and party; changing it updates the row, withdrawing deletes it."""

    __tablename__ = "watch_party_votes"
    __table_args__ = (
        CheckConstraint(f"position >= 1 AND position <= {MAX_PARTY_CANDIDATES}", name="position"),
    )

    party_id: Mapped[int] = mapped_column(
        ForeignKey("watch_parties.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WatchPartyRsvp(Base):
    __tablename__ = "watch_party_rsvps"

    party_id: Mapped[int] = mapped_column(
        ForeignKey("watch_parties.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WatchPartyJob(Base):
    """Outgoing work for the scheduler: the result, a native poll to stop, reminders, the ask to
    rate. A job is claimed by one conditional UPDATE, so it runs in exactly one process. The
    holder keeps a short lease (`lease_until`) renewed while it works: a job whose holder died
    is taken over once the lease runs out."""

    __tablename__ = "watch_party_jobs"
    __table_args__ = (
        UniqueConstraint("party_id", "kind", "offset_minutes"),
        CheckConstraint(
            "kind IN ('announce', 'stop_poll', 'remind', 'review', 'event', 'event_end')",
            name="kind",
        ),
        CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'skipped', 'failed')", name="state"
        ),
        Index("ix_watch_party_jobs_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("watch_parties.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))  # the chat's, so each process takes its own
    kind: Mapped[str] = mapped_column(String(10))
    offset_minutes: Mapped[int] = mapped_column(Integer, default=0)  # reminders: before the start
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # this attempt
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the holding scheduler
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str | None] = mapped_column(String(100))


# -- Editorial reviews, review drafts, moderation and the audit log (issue 4: curation) ----------


class EditorialReview(Base):
    """A review article from a blog or critic, confirmed by an admin: shown apart from members'."""

    __tablename__ = "editorial_reviews"
    __table_args__ = (
        CheckConstraint(
            "half_stars IS NULL OR (half_stars >= 1 AND half_stars <= 10)", name="half"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str | None] = mapped_column(String(100))
    site: Mapped[str | None] = mapped_column(String(100))
    source_url: Mapped[str | None] = mapped_column(String(500))
    grade_text: Mapped[str | None] = mapped_column(String(50))  # as written: "A+", "8.5/10"
    half_stars: Mapped[int | None] = mapped_column(SmallInteger)  # normalised, 1..10
    verdict: Mapped[str | None] = mapped_column(Text)
    where_to_watch: Mapped[list[str]] = mapped_column(default=list)
    compares_with: Mapped[list[str]] = mapped_column(default=list)  # labels, for display
    added_by: Mapped[str] = mapped_column(String(100))  # "telegram:123"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(100))
    removed_reason: Mapped[str | None] = mapped_column(String(300))


class ReviewDraft(Base):
    """What was read from a pasted article, waiting for the admin's Confirm or Cancel. Kept in
    the database so the buttons still work after a restart; expired drafts are purged."""

    __tablename__ = "review_drafts"
    # Never reuse a deleted draft's id on SQLite: an old Confirm button must not hit a new draft.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ReviewModeration(Base):
    """A member review an admin took down: the text leaves `ratings` (the star rating stays) and
    is kept here with the reason, so the decision can be reviewed or undone."""

    __tablename__ = "review_moderations"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int | None] = mapped_column(
        ForeignKey("ratings.id", ondelete="SET NULL"), index=True
    )
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    review: Mapped[str] = mapped_column(Text)
    spoiler: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(300))
    moderator: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """One admin action: who, what, when, and the state before and after as JSON."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))  # "telegram:123", "console:ana"
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50), index=True)  # "title.edit"
    target: Mapped[str] = mapped_column(String(300))  # "Okja (2017) #41"
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


# -- imports (issue 4: catalog imports) -----------------------------------------------------------


class ImportRun(Base):
    """One finished `reelbot seed import` / `/import`: what was read and what it changed."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(300))
    by: Mapped[str] = mapped_column(String(100))  # "cli" or "platform:user id"
    added: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- the Telegram update inbox (issue 10: votes in flight at a crash) -----------------------------


class UpdateInbox(Base):
    """An update stored on receipt, before Telegram is told it arrived; `handled_at` once its
    handlers ran. Unhandled rows are handled again after a crash; handled ones keep only their
    ids, to recognise an update Telegram delivers twice, until they are pruned."""

    __tablename__ = "update_inbox"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
