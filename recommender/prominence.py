"""How well known each title is, from the catalog's own data: the prior that, among titles
about equally similar, puts the ones fans have heard of first.

One point per catalog or data set that chose to list the title (a streaming service, a
curated top-250 list, the TMDB 5000 table, MovieLens) plus half a point per doubling of its
TMDB vote count over the catalog's median. Id namespaces that only come along with another
data set (MovieLens brings IMDb and TMDB ids) are not listings. Members' ratings are counted
separately (the popularity part), so this prior works before anyone has rated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import median

import numpy as np

from recommender.models import TitleFacts

ID_NAMESPACES = frozenset({"imdb", "tmdb"})


def prominence(titles: Sequence[TitleFacts]) -> np.ndarray:
    """Points per title, in the order given (float32)."""
    votes = [t.vote_count for t in titles if t.vote_count]
    typical = float(median(votes)) if votes else 1.0
    out = np.zeros(len(titles), dtype=np.float32)
    for i, t in enumerate(titles):
        points = float(len(set(t.listed_by) - ID_NAMESPACES))
        if t.vote_count:
            points += 0.5 * math.log2(1 + t.vote_count / typical)
        out[i] = points
    return out
