"""Collaborative signal from members' ratings: an EASE item-item model (Steck 2019).

EASE learns, in closed form, how much rating item i predicts rating item j:
B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, where X is the users × items matrix of
interactions. Scoring a user is one row vector times B. Only titles with enough raters take
part (`min_raters`), and at most `max_items` of the most rated, so the inverse stays small.

Besides the scores it keeps the "loved" matrix (ratings >= `like_stars`) so a pick can be
explained with real co-ratings: "loved by 12 members who rated I Am Sam 4★+".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.models import RatingTriple


@dataclass(frozen=True)
class CollabSettings:
    ease_lambda: float = 300.0
    like_stars: float = 4.0
    # The interaction value of a rating below `like_stars`: a rating is still a sign of interest
    # (the member chose to watch it), but less than a like.
    disliked_value: float = 0.5
    min_raters: int = 2
    max_items: int = 6000
    # EASE with side information (Jeunen et al. 2020): content features join the Gram matrix
    # as extra "users", so titles with few raters borrow strength from similar content.
    side_weight: float = 0.0


class CollabModel:
    """EASE over the titles that enough members rated; answers for any rating mapping."""

    def __init__(
        self,
        item_ids: np.ndarray,
        weights: np.ndarray,
        loved: sp.csc_matrix,
        raters: np.ndarray,
        settings: CollabSettings,
    ) -> None:
        self.item_ids = item_ids
        self.col = {int(t): i for i, t in enumerate(item_ids)}
        self.weights = weights  # B, items x items, float32, zero diagonal
        self.loved = loved  # users x items, 1 where the user rated the item >= like_stars
        self._loved_rows = sp.csr_matrix(loved)
        self.raters = raters  # ratings per item
        self.settings = settings

    @classmethod
    def build(
        cls,
        ratings: Iterable[RatingTriple],
        settings: CollabSettings | None = None,
        side: Callable[[np.ndarray], sp.csr_matrix] | None = None,
    ) -> CollabModel:
        """`side(item_ids)`: content feature rows for those titles (used when side_weight > 0)."""
        settings = settings or CollabSettings()
        triples = list(ratings)
        counts: dict[int, int] = {}
        for r in triples:
            counts[r.title_id] = counts.get(r.title_id, 0) + 1
        eligible = [t for t, c in counts.items() if c >= settings.min_raters]
        eligible.sort(key=lambda t: (-counts[t], t))
        item_ids = np.array(sorted(eligible[: settings.max_items]), dtype=np.int64)
        col = {int(t): i for i, t in enumerate(item_ids)}
        users: dict[str, int] = {}
        rows, cols, vals, liked = [], [], [], []
        for r in triples:
            c = col.get(r.title_id)
            if c is None:
                continue
            rows.append(users.setdefault(r.user, len(users)))
            cols.append(c)
            like = r.stars >= settings.like_stars
            vals.append(1.0 if like else settings.disliked_value)
            liked.append(1.0 if like else 0.0)
        shape = (max(len(users), 1), len(item_ids))
        x = sp.csr_matrix((np.array(vals, dtype=np.float64), (rows, cols)), shape=shape)
        loved = sp.csc_matrix((np.array(liked, dtype=np.float32), (rows, cols)), shape=shape)
        loved.eliminate_zeros()
        features = side(item_ids) if side is not None and settings.side_weight > 0 else None
        weights = ease_weights(x, settings.ease_lambda, features, settings.side_weight)
        raters = np.asarray((x != 0).sum(axis=0), dtype=np.int64).ravel()
        return cls(item_ids, weights, loved, raters, settings)

    def __len__(self) -> int:
        return len(self.item_ids)

    def user_vector(self, ratings: Mapping[int, float]) -> tuple[np.ndarray, int]:
        """The user's interaction row over the model's items, and how many items it covers."""
        vec = np.zeros(len(self.item_ids), dtype=np.float32)
        n = 0
        for t, stars in ratings.items():
            c = self.col.get(t)
            if c is not None:
                like = stars >= self.settings.like_stars
                vec[c] = 1.0 if like else self.settings.disliked_value
                n += 1
        return vec, n

    def user_scores(self, ratings: Mapping[int, float]) -> tuple[np.ndarray, int]:
        """EASE scores over the model's items for one user, and the user's covered ratings."""
        vec, n = self.user_vector(ratings)
        if n == 0:
            return np.zeros(len(self.item_ids), dtype=np.float32), 0
        nz = np.flatnonzero(vec)
        return vec[nz] @ self.weights[nz], n

    def item_scores(self, title_id: int) -> np.ndarray | None:
        """What rating `title_id` predicts about every other item; None if it has too few raters."""
        c = self.col.get(title_id)
        return None if c is None else self.weights[c]

    def support(self, title_id: int) -> int:
        c = self.col.get(title_id)
        return 0 if c is None else int(self.raters[c])

    def co_lovers(self, source_ids: Sequence[int], target_id: int) -> tuple[int, int]:
        """(source, members who loved both) for the source sharing the most fans with target."""
        t = self.col.get(target_id)
        sources = [s for s in source_ids if s in self.col]
        if t is None or not sources:
            return -1, 0
        fans = self.loved.indices[self.loved.indptr[t] : self.loved.indptr[t + 1]]
        if len(fans) == 0:
            return -1, 0
        cols = [self.col[s] for s in sources]
        shared = np.asarray(self._loved_rows[fans][:, cols].sum(axis=0)).ravel()
        best = int(np.argmax(shared))
        return sources[best], int(shared[best])


def ease_weights(
    x: sp.csr_matrix,
    reg: float,
    side: sp.csr_matrix | None = None,
    side_weight: float = 0.0,
) -> np.ndarray:
    """Steck's closed-form EASE: B = I - P / diag(P), P = (XᵀX + λI)⁻¹, zero diagonal.
    With `side` (items x features), the Gram matrix also gets side_weight · S Sᵀ."""
    n = x.shape[1]
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    gram = np.asarray((x.T @ x).todense(), dtype=np.float64)
    if side is not None and side_weight > 0:
        gram += side_weight * np.asarray((side @ side.T).todense(), dtype=np.float64)
    gram[np.diag_indices(n)] += reg
    p = np.linalg.inv(gram)
    b = p / (-np.diag(p))
    b[np.diag_indices(n)] = 0.0
    return b.astype(np.float32)
