"""Which titles a list may show: type, year range, country, language, where it streams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.models import Offer, TitleFacts

# Offers that "only on my services" means: included in a subscription or free.
SUBSCRIPTION_KINDS = frozenset({"stream", "free"})


@dataclass(frozen=True)
class TitleFilter:
    """All set parts must hold. Providers are matched case-insensitively; with a region, the
    offer must be in that region. Empty means "no constraint"."""

    kind: str | None = None  # "film" | "series"
    year_from: int | None = None
    year_to: int | None = None
    countries: frozenset[str] = frozenset()  # ISO codes, e.g. {"KR"}
    languages: frozenset[str] = frozenset()  # ISO 639-1, e.g. {"ko"}
    providers: frozenset[str] = frozenset()  # e.g. {"netflix"}
    region: str | None = None  # e.g. "US"; alone it means "watchable somewhere in US"

    @property
    def is_empty(self) -> bool:
        return self == TitleFilter()

    def allows(self, t: TitleFacts, offers: Sequence[Offer] = ()) -> bool:
        if self.kind is not None and t.kind != self.kind:
            return False
        if self.year_from is not None and (t.year is None or t.year < self.year_from):
            return False
        if self.year_to is not None and (t.year is None or t.year > self.year_to):
            return False
        if self.countries and not self.countries.intersection(t.countries):
            return False
        if self.languages and not self.languages.intersection(t.languages):
            return False
        if self.providers or self.region:
            return any(self._offer_fits(o) for o in offers)
        return True

    def _offer_fits(self, o: Offer) -> bool:
        if self.region and o.region != self.region:
            return False
        if self.providers:
            name = o.provider.casefold()
            return o.kind in SUBSCRIPTION_KINDS and any(p in name for p in self.providers)
        return True

    def mask(
        self,
        titles: Sequence[TitleFacts],
        offers: Mapping[int, Sequence[Offer]],
    ) -> np.ndarray:
        """A boolean per title, in the given order."""
        return np.fromiter(
            (self.allows(t, offers.get(t.id, ())) for t in titles), dtype=bool, count=len(titles)
        )
