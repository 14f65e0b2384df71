"""Small sparse-matrix helpers that work on the raw CSR arrays, for per-query speed."""

from __future__ import annotations

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
