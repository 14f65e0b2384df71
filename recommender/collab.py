"""Collaborative signal from members' ratings: an EASE item-item model (Steck 2019), in blocks.

EASE learns, in closed form, how much rating item i predicts rating item j:
B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, where X is the users x items matrix of
interactions. The dense inverse costs items² memory and items³ time, so every title with
`min_raters` ratings is covered by exact EASE blocks of at most `block_items` titles: the
first block is the most rated titles (the whole catalog when it is small enough, which is
plain EASE); each further block is the `shared_head` most rated titles plus a chunk of the
long tail, grouped by the head title they share most raters with. A tail title thus gets
weights to and from the popular titles and the tail titles of its own block, and the cost
grows linearly with the number of titles. The inverse is a float32 Cholesky inverse done in
place, and B keeps only each item's strongest weights per block (a sparse CSR matrix): the
weak tail barely moves a ranking. Scoring a user sums the sparse rows of the items they
rated, so a new rating folds in without a refit.

Besides the scores it keeps the "loved" matrix (ratings >= `like_stars`) so a pick can be
explained with real co-ratings: "loved by 12 members who rated I Am Sam 4★+".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommender.models import RatingTriple
from recommender.sparse_ops import row_entries, take_rows, weighted_row_sum


@dataclass(frozen=True)
class CollabSettings:
    ease_lambda: float = 300.0
    like_stars: float = 4.0
    # The interaction value of a rating below `like_stars`: a rating is still a sign of interest
    # (the member chose to watch it), but less than a like.
    disliked_value: float = 0.5
    min_raters: int = 2
    # EASE with side information (Jeunen et al. 2020): content features join the Gram matrix
    # as extra "users", so titles with few raters borrow strength from similar content.
    side_weight: float = 0.0
    # The titles of the first exact EASE block (its dense inverse is block_items² floats), of
    # each further block, and how many of the most rated titles every further block shares, so
    # the long tail is always solved together with the titles that predict it best.
    block_items: int = 6000
    tail_block_items: int = 4000
    shared_head: int = 1000
    # The strongest item-item weights kept per item (by absolute value) in the first block and
    # in each further block; 0 keeps them all.
    neighbours: int = 1024
    tail_neighbours: int = 128


class CollabModel:
    """Blocked EASE over every title with enough raters; answers for any rating mapping."""

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
        self.weights = weights  # B, items x items (source x target), sparse float32
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
        x, loved, item_ids = interaction_matrices(ratings, settings)
        features = side(item_ids) if side is not None and settings.side_weight > 0 else None
        weights, residual = blocked_ease(x, settings, features)
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
        """Scores over the model's items for one user (their row of X times B), and the
        user's covered ratings."""
        vec, n = self.user_vector(ratings)
        if n == 0:
            return np.zeros(len(self.item_ids), dtype=np.float32), 0
        nz = np.flatnonzero(vec)
        scores = weighted_row_sum(self.weights, nz, vec[nz], len(self.item_ids))
        scores += np.float32(vec.sum()) * self.residual
        return scores, n

    def item_scores(self, title_id: int) -> np.ndarray | None:
        """What rating `title_id` predicts about every other item; None if it has too few raters."""
        nonzero = self.item_weights(title_id)
        if nonzero is None:
            return None
        out = np.zeros(len(self.item_ids), dtype=np.float32)
        out[nonzero[0]] = nonzero[1]
        return out

    def item_weights(self, title_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        """`item_scores` as its nonzero item columns and their weights (read-only views)."""
        c = self.col.get(title_id)
        if c is None:
            return None
        lo, hi = self.weights.indptr[c], self.weights.indptr[c + 1]
        return self.weights.indices[lo:hi], self.weights.data[lo:hi]

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
        if len(sources) == 1:
            # One source (similar titles): gathered from the raw arrays, as the product
            # below would count them; scipy's product setup costs more than the counting.
            counts = self._shared_lovers(self.col[sources[0]], [c for _, c in found]).tolist()
            for (i, _), n in zip(found, counts, strict=True):
                if n > 0:
                    out[i] = (sources[0], int(n))
            return out
        src = take_rows(self.loved, [self.col[s] for s in sources])
        tgt = take_rows(self.loved, [c for _, c in found])
        shared = (src @ tgt.T).toarray()  # sources x targets: members who loved both
        for j, (i, _) in enumerate(found):
            best = int(np.argmax(shared[:, j]))
            if shared[best, j] > 0:
                out[i] = (sources[best], int(shared[best, j]))
        return out

    def _shared_lovers(self, source: int, targets: Sequence[int]) -> np.ndarray:
        """For each target item: the members who loved both it and `source` (rows of `loved`)."""
        loved = self.loved
        mine = np.zeros(loved.shape[1], dtype=np.float32)
        lo, hi = loved.indptr[source], loved.indptr[source + 1]
        mine[loved.indices[lo:hi]] = loved.data[lo:hi]
        idx, lens = row_entries(loved, targets)
        products = mine[loved.indices[idx]] * loved.data[idx]
        which = np.repeat(np.arange(len(lens)), lens)
        return np.bincount(which, weights=products, minlength=len(lens))


def interaction_matrices(
    ratings: Iterable[RatingTriple], settings: CollabSettings
) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """(X users x items with rating values, loved items x users, the item ids in column
    order) over the titles with at least `min_raters` ratings."""
    triples = list(ratings)
    titles = np.fromiter((r.title_id for r in triples), dtype=np.int64, count=len(triples))
    seen, counts = np.unique(titles, return_counts=True)
    item_ids = seen[counts >= settings.min_raters]
    # Column per rating (in arrays: a Python loop over a million ratings was seconds).
    at = np.searchsorted(item_ids, titles)
    kept = at < len(item_ids)
    kept[kept] = item_ids[at[kept]] == titles[kept]
    cols = at[kept]
    # Users numbered in order of their first kept rating.
    users: dict[str, int] = {}
    rows = np.fromiter(
        (users.setdefault(triples[i].user, len(users)) for i in np.flatnonzero(kept).tolist()),
        dtype=np.int64,
        count=len(cols),
    )
    stars = np.fromiter((r.stars for r in triples), dtype=np.float64, count=len(triples))[kept]
    like = stars >= settings.like_stars
    vals = np.where(like, 1.0, settings.disliked_value)
    liked = like.astype(np.float64)
    shape = (max(len(users), 1), len(item_ids))
    x = sp.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=shape)
    loved = sp.csr_matrix((np.array(liked, dtype=np.float32), (cols, rows)), shape=shape[::-1])
    loved.eliminate_zeros()
    return x, loved, item_ids


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


def item_blocks(
    x: sp.spmatrix, block_items: int, tail_block_items: int, shared_head: int
) -> list[np.ndarray]:
    """The item columns of each EASE block. The first block is the `block_items` most rated
    titles; each further block is the `shared_head` most rated plus a chunk of the rest (up
    to `tail_block_items` in all), the rest ordered by the head title they share most raters
    with (then by raters), so titles liked by the same members tend to land in the same
    block."""
    n = x.shape[1]
    xc = sp.csc_matrix(x)
    raters = np.diff(xc.indptr)
    by_raters = np.lexsort((np.arange(n), -raters))
    if n <= block_items:
        return [np.sort(by_raters)]
    head = by_raters[:shared_head]
    rest = by_raters[block_items:]
    co = sp.csr_matrix(xc[:, rest].T @ xc[:, head])  # rest x head co-ratings
    best = np.full(len(rest), shared_head, dtype=np.int64)  # no co-rated head title: last
    has = np.diff(co.indptr) > 0
    if has.any():
        best[has] = np.asarray(co[has].argmax(axis=1)).ravel()
    rest = rest[np.lexsort((rest, -raters[rest], best))]
    chunk = max(tail_block_items - shared_head, 1)
    blocks = [np.sort(by_raters[:block_items])]
    for lo in range(0, len(rest), chunk):
        blocks.append(np.sort(np.concatenate([head, rest[lo : lo + chunk]])))
    return blocks


def blocked_ease(
    x: sp.csr_matrix,
    settings: CollabSettings,
    side: sp.csr_matrix | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """(B, residual) over every column of x, EASE solved exactly inside each block of
    `item_blocks`. The first block owns all weights among its titles (it is the capped EASE
    of old); a later block adds only the weights to or from its own chunk, so each pair comes
    from one block. Per row, the first block keeps `neighbours` weights, later blocks
    `tail_neighbours` each. residual: the mean weight per column the sparse B dropped, from
    the block that owns the column."""
    n = x.shape[1]
    xc = sp.csc_matrix(x)
    residual = np.zeros(n, dtype=np.float32)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def keep_strongest(
        dense: np.ndarray, cols: np.ndarray, owned: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sources, targets, values) of the block's kept weights; its residual filled in."""
        kept = strongest_per_row(dense, k)
        dropped = dense.sum(axis=0, dtype=np.float64) - np.asarray(kept.sum(axis=0)).ravel()
        residual[cols[owned]] = (dropped[owned] / len(cols)).astype(np.float32)
        local = cols.astype(np.int32)
        return (
            np.repeat(local, np.diff(kept.indptr)),
            local[kept.indices],
            kept.data.astype(np.float32, copy=False),
        )

    first_block = np.zeros(0, dtype=np.int64)
    # A block's strongest weights are picked (numpy's partition, which lets go of the GIL)
    # in a thread while the next block's Gram matrix and inverse are made: the two cores
    # both work. One block waits at a time, so at most two blocks' dense weights exist.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ease-keep") as pool:
        waiting: Future[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        for b, cols in enumerate(
            item_blocks(xc, settings.block_items, settings.tail_block_items, settings.shared_head)
        ):
            sub_side = side[cols] if side is not None else None
            dense = ease_weights(
                sp.csr_matrix(xc[:, cols]), settings.ease_lambda, sub_side, settings.side_weight
            )
            if b == 0:
                first_block, owned = cols, np.ones(len(cols), dtype=bool)
            else:  # weights among the shared head belong to the first block
                owned = ~np.isin(cols, first_block)
                dense[np.ix_(~owned, ~owned)] = 0.0
            k = settings.neighbours if b == 0 else settings.tail_neighbours
            if waiting is not None:
                parts.append(waiting.result())
            waiting = pool.submit(keep_strongest, dense, cols, owned, k)
            del dense
        if waiting is not None:
            parts.append(waiting.result())
    rows = np.concatenate([part[0] for part in parts])
    columns = np.concatenate([part[1] for part in parts])
    vals = np.concatenate([part[2] for part in parts])
    del parts
    weights = sp.csr_matrix((vals, (rows, columns)), shape=(n, n))
    weights.sort_indices()
    return weights, residual


def _gram(x: sp.csr_matrix, side: sp.csr_matrix | None, side_weight: float) -> np.ndarray:
    """XᵀX (+ side_weight · S Sᵀ) as a dense float32 matrix."""
    gram = cross_products(sp.csr_matrix(x, dtype=np.float32))
    if side is not None and side_weight > 0:
        # The weight goes into S (once per entry, not once per cell of the n x n result).
        scaled = sp.csr_matrix(side.T, dtype=np.float32) * np.float32(np.sqrt(side_weight))
        cross_products(scaled, out=gram)
    return gram


# A row with this share of the columns or more is multiplied densely (BLAS) in
# `cross_products`; a sparse product costs about its nonzeros squared, scattered one by one.
DENSE_ROW_SHARE = 1 / 20
DENSE_ROWS_AT_ONCE = 1024
SPARSE_COLUMNS_AT_ONCE = 1024


def cross_products(a: sp.csr_matrix, out: np.ndarray | None = None) -> np.ndarray:
    """AᵀA of a sparse float32 matrix (rows x n) as a dense n x n float32 matrix, added to
    `out` when given. The rows with many entries (members who rated many of the titles,
    content features many titles share) would cost their entries squared in a sparse
    product: they go through BLAS as dense rows instead, a batch at a time; the rest go
    through sparse products, a block of columns at a time so that the intermediate products
    stay small."""
    n = a.shape[1]
    entries = np.diff(a.indptr)
    dense_from = max(n * DENSE_ROW_SHARE, 1)
    heavy = np.flatnonzero(entries >= dense_from)
    gram = out
    for lo in range(0, len(heavy), DENSE_ROWS_AT_ONCE):
        rows = a[heavy[lo : lo + DENSE_ROWS_AT_ONCE]].toarray()
        if gram is None:
            gram = rows.T @ rows
        else:
            gram += rows.T @ rows
    if gram is None:
        gram = np.zeros((n, n), dtype=np.float32)
    light = a[np.flatnonzero(entries < dense_from)]
    if light.nnz:
        lt = sp.csr_matrix(light.T)
        lc = sp.csc_matrix(light)
        for lo in range(0, n, SPARSE_COLUMNS_AT_ONCE):
            hi = min(n, lo + SPARSE_COLUMNS_AT_ONCE)
            gram[:, lo:hi] += (lt @ lc[:, lo:hi]).toarray()
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
    # Imported here: only builds need it, and a bot process that loads its snapshots never
    # builds one (scipy.linalg is a quarter of a second of its start-up).
    from scipy.linalg import lapack

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
