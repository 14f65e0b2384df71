"""Small sparse-matrix helpers that work on the raw CSR arrays, for per-query speed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


def weighted_row_sum(m: sp.csr_matrix, rows: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """sum_i w[i] * m[rows[i]] as a dense float32 vector of length n, straight from the CSR
    arrays for a few rows (no scipy indexing overhead), through scipy for many."""
    starts = m.indptr[rows]
    lens = m.indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(n, dtype=np.float32)
    if total > 20_000:  # many rows: scipy's C row copy + mat-vec beats numpy's gather
        picked = m[rows]
        dense: np.ndarray = np.asarray(picked.T @ np.asarray(w, dtype=np.float32), np.float32)
        return dense
    idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
    weights = m.data[idx] * np.repeat(np.asarray(w, dtype=np.float32), lens)
    return np.bincount(m.indices[idx], weights=weights, minlength=n).astype(np.float32)


def take_rows(m: sp.csr_matrix, rows: Sequence[int] | np.ndarray) -> sp.csr_matrix:
    """m[rows] for a CSR matrix, gathered from the raw arrays: scipy's fancy indexing
    validates and converts its arguments, which costs more than the copy for a few rows."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = m.indptr[rows].astype(np.int64)
    lens = m.indptr[rows + 1] - starts
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    total = int(indptr[-1])
    idx = np.repeat(starts - indptr[:-1], lens) + np.arange(total)
    out = sp.csr_matrix(
        (m.data[idx], m.indices[idx], indptr.astype(m.indptr.dtype)),
        shape=(len(rows), m.shape[1]),
    )
    out.has_sorted_indices = m.has_sorted_indices
    return out
