"""Formats a title is in, by genre as the catalogs name them: what a similar-title list keeps
to (a documentary's fans want documentaries) and what tells a docuseries a film data set
lists as a film from any film of that name."""

from __future__ import annotations

from recommender.models import TitleFacts

DOCUMENTARY = 1
ANIMATION = 2
FORMAT_GENRES = {"documentary": DOCUMENTARY, "animation": ANIMATION}


def title_format(t: TitleFacts) -> int:
    """Bit flags of the formats a title is in: documentary, animation, both or neither (0)."""
    flags = 0
    for genre in t.genres:
        flags |= FORMAT_GENRES.get(genre.casefold(), 0)
    return flags
