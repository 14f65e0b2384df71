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
