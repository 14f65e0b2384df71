"""How editorial reviews show beside members' own: a card field per review, and the
services a reviewer names that no dated offer lists (they are mentions, not offers)."""

from __future__ import annotations

from bot.core.ratings import stars_number
from bot.core.replies import Field
from db.curation_repository import EditorialRecord


def editorial_field(review: EditorialRecord, show_id: bool = False) -> Field:
    """One editorial review as a card field, shown apart from members' reviews."""
    by = " · ".join(x for x in (review.reviewer, review.site) if x) or "editorial"
    grade = ""
    if review.grade_text and review.half_stars is not None:
        normalised = stars_number(review.half_stars)
        grade = (
            review.grade_text
            if review.grade_text == normalised
            else (f"{review.grade_text} ({normalised})")
        )
    parts = [p for p in (grade, f"“{review.verdict}”" if review.verdict else "") if p]
    if review.where_to_watch:
        parts.append(reviewer_points_to(review.where_to_watch))
    name = f"Editorial review — {by}" + (f" (id e{review.id})" if show_id else "")
    return Field(name, " · ".join(parts) or "no grade or verdict")


def reviewer_points_to(providers: list[str] | tuple[str, ...]) -> str:
    """A reviewer's where-to-watch: a mention with no region or date, not an offer."""
    names = list(providers)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the reviewer points to {listed}"


def reviewer_mentions(reviews: list[EditorialRecord], offered: set[str]) -> list[str]:
    """Notes for /where: each editorial review's services that no dated offer lists."""
    notes = []
    for review in reviews:
        named = [p for p in review.where_to_watch if p.casefold() not in offered]
        if named:
            by = review.reviewer or review.site or "An editorial review"
            notes.append(
                f"{by} (editorial review): {reviewer_points_to(named)}, with no region or date."
            )
    return notes
