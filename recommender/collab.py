"""Collaborative signal from members' ratings: an EASE item-item model (Steck 2019).

EASE learns, in closed form, how much rating item i predicts rating item j:
B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, where X is the users × items matrix of
interactions. Only titles with enough raters take part (`min_raters`), and at most `max_items`
of the most rated, so the inverse stays small. The inverse is a float32 Cholesky inverse done in
place, and B keeps only each item's `neighbours` strongest weights (a sparse CSR matrix): the
dense B of a few thousand items would be hundreds of MB and slow to score, and the weak tail
barely moves a ranking. Scoring a user sums the sparse rows of the items they rated.

Besides the scores it keeps the "loved" matrix (ratings >= `like_stars`) so a pick can be
explained with real co-ratings: "loved by 12 members who rated I Am Sam 4★+".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from recommender.models import RatingTriple
from recommender.sparse_ops import take_rows, weighted_row_sum


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
    # The strongest item-item weights kept per item (by absolute value); 0 keeps them all.
    neighbours: int = 1024


class CollabModel:
    """EASE over the titles that enough members rated; answers for any rating mapping."""

    def __init__(
        self,
        item_ids: np.ndarray,
        weights: sp.csr_matrix,
        residual: np.ndarray,
        loved: sp.csr_matrix,
        raters: np.ndarray,
        settings: CollabSettings,
    ) -> None:
        self.item_ids = item_ids
        self.col = {int(t): i for i, t in enumerate(item_ids)}
        self.weights = weights  # B, items x items, sparse float32, zero diagonal
        # The mean weight per column that the sparse B dropped: a user with n interactions
        # gets n times it, so long histories keep the sum of B's weak tail.
        self.residual = residual
        self.loved = loved  # items x users, 1 where the user rated the item >= like_stars
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
        x = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=shape)
        loved = sp.csr_matrix((np.array(liked, dtype=np.float32), (cols, rows)), shape=shape[::-1])
        loved.eliminate_zeros()
        features = side(item_ids) if side is not None and settings.side_weight > 0 else None
        dense = ease_weights(x, settings.ease_lambda, features, settings.side_weight)
        weights = strongest_per_row(dense, settings.neighbours)
        residual = dense.sum(axis=0, dtype=np.float64) - np.asarray(weights.sum(axis=0)).ravel()
        residual = (residual / max(len(item_ids), 1)).astype(np.float32)
        del dense
        raters = np.diff(sp.csc_matrix(x).indptr).astype(np.int64)
        return cls(item_ids, weights, residual, loved, raters, settings)

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
        scores = weighted_row_sum(self.weights, nz, vec[nz], len(self.item_ids))
        scores += np.float32(vec.sum()) * self.residual
        return scores, n

    def item_scores(self, title_id: int) -> np.ndarray | None:
        """What rating `title_id` predicts about every other item; None if it has too few raters."""
        c = self.col.get(title_id)
        if c is None:
            return None
        out = np.zeros(len(self.item_ids), dtype=np.float32)
        lo, hi = self.weights.indptr[c], self.weights.indptr[c + 1]
        out[self.weights.indices[lo:hi]] = self.weights.data[lo:hi]
        return out

    def support(self, title_id: int) -> int:
        c = self.col.get(title_id)
        return 0 if c is None else int(self.raters[c])

    def co_lovers(self, source_ids: Sequence[int], target_id: int) -> tuple[int, int]:
        """(source, members who loved both) for the source sharing the most fans with target."""
        return self.co_lovers_many(source_ids, [target_id])[0]

    def co_lovers_many(
        self, source_ids: Sequence[int], target_ids: Sequence[int]
    ) -> list[tuple[int, int]]:
        """`co_lovers` for several targets at once (one sparse product, for a whole top k)."""
        sources = [s for s in dict.fromkeys(source_ids) if s in self.col]
        found = [(i, self.col[t]) for i, t in enumerate(target_ids) if t in self.col]
        out = [(-1, 0)] * len(target_ids)
        if not sources or not found:
            return out
        src = take_rows(self.loved, [self.col[s] for s in sources])
        tgt = take_rows(self.loved, [c for _, c in found])
        shared = (src @ tgt.T).toarray()  # sources x targets: members who loved both
        for j, (i, _) in enumerate(found):
            best = int(np.argmax(shared[:, j]))
            if shared[best, j] > 0:
                out[i] = (sources[best], int(shared[best, j]))
        return out


def strongest_per_row(dense: np.ndarray, k: int, chunk: int = 256) -> sp.csr_matrix:
    """A CSR copy of `dense` keeping each row's k largest entries by absolute value. Built
    straight into int32/float32 arrays so scipy need not copy them."""
    n_rows, n_cols = dense.shape
    if k <= 0 or k >= n_cols:
        out = sp.csr_matrix(dense, dtype=np.float32)
        out.eliminate_zeros()
        return out
    cols = np.empty((n_rows, k), dtype=np.int32)
    vals = np.empty((n_rows, k), dtype=np.float32)
    for lo in range(0, n_rows, chunk):
        block = dense[lo : lo + chunk]
        top = np.argpartition(-np.abs(block), k - 1, axis=1)[:, :k]
        top.sort(axis=1)
        cols[lo : lo + chunk] = top
        vals[lo : lo + chunk] = np.take_along_axis(block, top, axis=1)
    indptr = np.arange(0, n_rows * k + 1, k, dtype=np.int32)
    out = sp.csr_matrix((vals.reshape(-1), cols.reshape(-1), indptr), shape=(n_rows, n_cols))
    out.has_sorted_indices = True
    out.eliminate_zeros()
    return out


def _gram(x: sp.csr_matrix, side: sp.csr_matrix | None, side_weight: float) -> np.ndarray:
    """XᵀX (+ side_weight · S Sᵀ) as a dense float32 matrix, a block of columns at a time so
    the sparse intermediate products stay small."""
    n = x.shape[1]
    gram = np.zeros((n, n), dtype=np.float32)
    xt = sp.csr_matrix(x.T, dtype=np.float32)
    xc = sp.csc_matrix(x, dtype=np.float32)
    st = sp.csr_matrix(side, dtype=np.float32) if side is not None and side_weight > 0 else None
    step = 256
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        gram[:, lo:hi] = (xt @ xc[:, lo:hi]).toarray()
        if st is not None:
            gram[:, lo:hi] += np.float32(side_weight) * (st @ st[lo:hi].T).toarray()
    return gram


def ease_weights(
    x: sp.csr_matrix,
    reg: float,
    side: sp.csr_matrix | None = None,
    side_weight: float = 0.0,
) -> np.ndarray:
    """Steck's closed-form EASE: B = I - P / diag(P), P = (XᵀX + λI)⁻¹, zero diagonal; dense
    float32. With `side` (items x features), the Gram matrix also gets side_weight · S Sᵀ.
    P comes from a Cholesky factorisation inverted in place (LAPACK potrf + potri): a third
    of the work of a general inverse and no second n x n copy."""
    n = x.shape[1]
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    gram = _gram(x, side, side_weight)
    gram[np.diag_indices(n)] += np.float32(reg)
    # gram is symmetric, so its transpose is the same matrix in Fortran order: LAPACK works
    # on it in place. Its "upper" triangle is our lower one.
    factor, info = lapack.spotrf(gram.T, lower=0, clean=0, overwrite_a=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE Gram matrix is not positive definite ({info})")
    p, info = lapack.spotri(factor, lower=0, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE Gram matrix is singular ({info})")
    b: np.ndarray = p.T  # C order again; only the lower triangle is filled
    step = 512
    for lo in range(0, n, step):  # mirror the lower triangle up, a block at a time
        hi = min(n, lo + step)
        b[lo:hi, hi:] = b[hi:, lo:hi].T
        block = b[lo:hi, lo:hi]
        block[np.triu_indices(hi - lo, 1)] = block.T[np.triu_indices(hi - lo, 1)]
    scale = np.float32(-1.0) / np.diag(b).copy()
    b *= scale[None, :]
    b[np.diag_indices(n)] = 0.0
    return b
