"""Platform-neutral recommendations: no database, no chat library.

Build a model from catalog facts and rating triples, then ask it for similar titles or
personal picks::

    from recommender import ContentModel, TitleFacts
    model = ContentModel.build(titles)
    model.similar(title_id, k=10)
    model.personal(ratings={title_id: 4.5, ...}, k=10)
"""

from recommender.content import ContentModel, ContentWeights, Suggestion
from recommender.models import Offer, RatingTriple, TitleFacts

__all__ = ["ContentModel", "ContentWeights", "Offer", "RatingTriple", "Suggestion", "TitleFacts"]
