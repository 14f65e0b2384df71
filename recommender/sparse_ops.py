"""Small sparse-matrix helpers that work on the raw CSR arrays, for per-query speed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def row_entries(
    m: sp.csr_matrix, rows: Sequence[int] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where these rows' entries are in `m.indices` and `m.data`, row after row, and how many
    each row has: the gather behind every raw-array helper here."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = m.indptr[rows].astype(np.int64)
    lens = m.indptr[rows + 1] - starts
    idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
    return idx, lens


def weighted_row_sum(m: sp.csr_matrix, rows: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """sum_i w[i] * m[rows[i]] as a dense float32 vector of length n, straight from the CSR
    arrays for a few rows (no scipy indexing overhead), through scipy for many."""
    lens = m.indptr[rows + 1] - m.indptr[rows]
    total = int(lens.sum())
    if total == 0:
        return np.zeros(n, dtype=np.float32)
    if total > 20_000:  # many rows: scipy's C row copy + mat-vec beats numpy's gather
        picked = m[rows]
        dense: np.ndarray = np.asarray(picked.T @ np.asarray(w, dtype=np.float32), np.float32)
        return dense
    idx, lens = row_entries(m, rows)
    weights = m.data[idx] * np.repeat(np.asarray(w, dtype=np.float32), lens)
    return np.bincount(m.indices[idx], weights=weights, minlength=n).astype(np.float32)


def take_rows(m: sp.csr_matrix, rows: Sequence[int] | np.ndarray) -> sp.csr_matrix:
    """m[rows] for a CSR matrix, gathered from the raw arrays: scipy's fancy indexing
    validates and converts its arguments, which costs more than the copy for a few rows."""
    idx, lens = row_entries(m, rows)
    indptr = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    out = sp.csr_matrix(
        (m.data[idx], m.indices[idx], indptr.astype(m.indptr.dtype)),
        shape=(len(lens), m.shape[1]),
    )
    out.has_sorted_indices = m.has_sorted_indices
    return out


class FeatureIndex:
    """Which titles have each feature, with the feature's weight there (a features x titles
    matrix), for queries that add up a few features' rows. A feature that many titles have (a
    kind, a language, a big genre) is a dense row: adding it is one pass over the output,
    where scattering its tens of thousands of postings costs several times that. The rest
    stay sparse. Dense rows cost 4 bytes per title where the sparse form costs 8 per posting,
    so at `dense_share` 1/8 and up they take at most four times their sparse size."""

    def __init__(self, by_feature: sp.csr_matrix, dense_share: float = 1 / 8) -> None:
        n_features, titles = by_feature.shape
        self.n = int(titles)
        lens = np.diff(by_feature.indptr)
        common = np.flatnonzero(lens >= max(1.0, self.n * dense_share))
        self.slot = np.full(n_features, -1, dtype=np.int32)
        self.slot[common] = np.arange(len(common), dtype=np.int32)
        self.dense = np.ascontiguousarray(by_feature[common].toarray(), dtype=np.float32)
        rare = np.ones(n_features, dtype=np.float32)
        rare[common] = 0
        sparse = sp.csr_matrix(sp.diags(rare) @ by_feature, dtype=np.float32)
        sparse.eliminate_zeros()
        self.sparse = sparse

    def cost(self, cols: np.ndarray) -> int:
        """About how many postings a query on these features touches (a dense row counts as
        a quarter of the titles: a pass over it is that much cheaper than a scatter)."""
        slots = self.slot[cols]
        rare = cols[slots < 0]
        lens = self.sparse.indptr[rare + 1] - self.sparse.indptr[rare]
        return int(lens.sum()) + int((slots >= 0).sum()) * (self.n // 4)

    def weighted_sum(self, cols: np.ndarray, vals: np.ndarray) -> np.ndarray:
        """sum_i vals[i] * row(cols[i]) as a dense float32 vector over the titles."""
        slots = self.slot[cols]
        common = slots >= 0
        out = np.zeros(self.n, dtype=np.float32)
        m = self.sparse
        for row, value in zip(cols[~common].tolist(), vals[~common].tolist(), strict=True):
            lo, hi = m.indptr[row], m.indptr[row + 1]
            # one row's titles are distinct, so a buffered fancy add is exact
            out[m.indices[lo:hi]] += m.data[lo:hi] * np.float32(value)
        if common.any():
            scratch = np.empty(self.n, dtype=np.float32)
            for slot, value in zip(slots[common].tolist(), vals[common].tolist(), strict=True):
                np.multiply(self.dense[slot], np.float32(value), out=scratch)
                out += scratch
        return out
