"""Platform-neutral recommendations: no database, no chat library.

Build a model from catalog facts and rating triples, then ask it for a user's picks, similar
titles or a group's picks (see `recommender.hybrid` for how scores are made)::

    from recommender import Recommender, RatingTriple, TitleFacts, TitleFilter
    rec = Recommender.build(titles, ratings, offers)
    rec.recommend("ana", k=10, exclude={...})          # a known user, from the stored ratings
    rec.personal({title_id: 4.5, ...}, k=10)           # any rating history
    rec.similar(title_id, k=10, filters=TitleFilter(kind="series"))
    rec.group([{...}, {...}], k=10)                    # a watch party
    rec.popular(k=10)                                  # cold start

`ContentModel` is the content-only part (also usable alone); tuned weights live in
`recommender/weights.json` (`recommender.weights`).
"""

from recommender.collab import CollabModel, CollabSettings
from recommender.content import ContentModel, ContentWeights, Suggestion
from recommender.filters import TitleFilter
from recommender.hybrid import Recommender
from recommender.models import Evidence, Offer, RatingTriple, TitleFacts
from recommender.weights import HybridWeights, load_weights, weights_version

__all__ = [
    "CollabModel",
    "CollabSettings",
    "ContentModel",
    "ContentWeights",
    "Evidence",
    "HybridWeights",
    "Offer",
    "RatingTriple",
    "Recommender",
    "Suggestion",
    "TitleFacts",
    "TitleFilter",
    "load_weights",
    "weights_version",
]
