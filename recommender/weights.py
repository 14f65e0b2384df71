"""Every tuned number of the hybrid recommender, in one place.

The values live in `weights.json` next to this file. `bench/movielens.py --save-weights` tunes
the blend on a validation split cut from the MovieLens training data (never on the test set);
`bench/tune_similar.py --save` tunes the content block weights (the "content_blocks" object)
on MovieLens co-rating neighbours mapped onto the catalog; `bench/tune_similar_blend.py --save`
the similar_* blend on held-out MovieLens raters; each keeps the others' values.
`bench/similar.py` reports how similar titles do on probe titles (never tuned on).
`weights_version` goes into the on-disk index cache key, so new weights mean a new index.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from recommender.collab import CollabSettings

WEIGHTS_FILE = Path(__file__).with_name("weights.json")
# bump when scoring code or the pickled layout changes (11: FeatureIndex, ties in similar lists)
CODE_VERSION = "hybrid-11"


@dataclass(frozen=True)
class HybridWeights:
    """How the personal, similar and group scores are blended from their parts.

    Each part is standardised over the catalog (mean 0, spread 1) before blending, so the
    weights are comparable. The collaborative share grows with evidence: for a user with n
    ratings on co-rated titles it is n / (n + collab_half_at); for a title with m raters,
    m / (m + similar_collab_half_at).
    """

    # personal picks
    content: float = 1.0
    collab: float = 1.0
    collab_half_at: float = 3.0
    popularity: float = 0.2
    quality: float = 0.1
    era: float = 0.2
    era_years: float = 6.0  # spread of the user's release-year taste
    trend: float = 0.3
    trend_years: float = 1.0  # spread around the time the user was rating
    # similar titles
    similar_content: float = 1.0
    similar_collab: float = 0.8
    similar_collab_half_at: float = 20.0
    similar_popularity: float = 0.05
    similar_prominence: float = 0.0  # how well known (recommender.prominence)
    similar_origin: float = 0.0  # shared countries/languages, rare ones count more
    similar_origin_cap: float = 3.0  # at most this many standard deviations (times the weight)
    similar_semantic: float = 0.0  # what the synopses mean (recommender.semantic)
    # taken off a title whose format (documentary, animation) is not the one asked about; 100
    # puts them after every related title of the format (they only fill a short list)
    similar_format_gap: float = 0.0
    # sequels, seasons and spin-offs (recommender.franchise): the lift, in standardised units,
    # and how many of their lines get it
    similar_franchise: float = 10.0
    similar_franchise_lines: int = 3
    # group picks: how much the least happy member's dislike counts against a title
    misery: float = 2.0
    # explanations: fewest shared fans worth naming
    min_co_lovers: int = 2
    # the collaborative model itself
    ease_lambda: float = 300.0
    disliked_value: float = 0.5
    like_stars: float = 4.0
    side_weight: float = 0.0  # content features inside EASE (see CollabSettings)

    def collab_settings(self) -> CollabSettings:
        return CollabSettings(
            ease_lambda=self.ease_lambda,
            like_stars=self.like_stars,
            disliked_value=self.disliked_value,
            side_weight=self.side_weight,
        )

    def with_values(self, **values: Any) -> HybridWeights:
        return replace(self, **values)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


CONTENT_BLOCKS_KEY = "content_blocks"


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_content_block_weights(path: Path = WEIGHTS_FILE) -> dict[str, float]:
    """The tuned content block weights (block name -> weight); {} means the code defaults."""
    return {k: float(v) for k, v in _read(path).get(CONTENT_BLOCKS_KEY, {}).items()}


def save_weights(
    weights: HybridWeights | None = None,
    content_blocks: dict[str, float] | None = None,
    path: Path = WEIGHTS_FILE,
) -> None:
    """Write the blend weights and/or the content block weights, keeping what is not given."""
    data = _read(path)
    if weights is not None:
        data.update(asdict(weights))
    if content_blocks is not None:
        data[CONTENT_BLOCKS_KEY] = dict(sorted(content_blocks.items()))
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_weights(path: Path = WEIGHTS_FILE) -> HybridWeights:
    """The tuned weights; names the file doesn't set keep their defaults."""
    data = _read(path)
    known = {f.name for f in fields(HybridWeights)}
    return HybridWeights(**{k: v for k, v in data.items() if k in known})


def weights_version(weights: HybridWeights) -> str:
    blocks = json.dumps(load_content_block_weights(), sort_keys=True)
    digest = hashlib.sha256((CODE_VERSION + weights.to_json() + blocks).encode()).hexdigest()
    return f"{CODE_VERSION}-{digest[:12]}"
