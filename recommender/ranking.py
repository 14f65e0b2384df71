"""Per-query vector helpers over a whole catalog's scores: picking the best few and putting a
score on a common scale, in a handful of passes over the vector (at 130k titles every full
pass or temporary costs tens of microseconds, and a full partition several hundred)."""

from __future__ import annotations

import numpy as np

# A partition of the whole vector is ~0.6 ms at 130k titles; from this length on a threshold
# read off a strided sample first cuts the partition down to a few times the wanted rows.
SAMPLED_FROM = 20_000
SAMPLE_STEP = 16
MIN_SAMPLE_STEP = 4  # a denser sample saves too little of the partition to pay for itself


def largest(scores: np.ndarray, want: int) -> np.ndarray:
    """Rows of the `want` highest scores, best first, equal scores in row order (so a list
    never depends on how a partition happened to split ties). Rows of -inf only fill up a
    vector with fewer finite scores than `want`."""
    want = min(want, len(scores))
    if want <= 0:
        return np.zeros(0, dtype=np.intp)
    candidates = _candidates(scores, want)
    if candidates is None:
        finite = np.flatnonzero(scores > -np.inf)
        rest = np.flatnonzero(scores == -np.inf)[: want - len(finite)]
        return np.concatenate((finite[np.argsort(-scores[finite], kind="stable")], rest))
    best = np.argsort(-scores[candidates], kind="stable")[:want]
    return candidates[best]


def reaching(scores: np.ndarray, want: int, most: int) -> np.ndarray:
    """Rows (in row order) of every score at least the `want`-th highest, ties included, so
    which of many equal scores make the cut is never arbitrary; when more than `most` tie,
    the best `most` by `largest`."""
    want = min(want, len(scores))
    if want <= 0:
        return np.zeros(0, dtype=np.intp)
    candidates = _candidates(scores, want)
    if candidates is None:
        return np.sort(largest(scores, want))
    if len(candidates) > want:
        # exactly the want-th highest, when the sample's cut let more through
        among = scores[candidates]
        kth = np.partition(among, len(among) - want)[len(among) - want]
        candidates = candidates[among >= kth]
    if len(candidates) > most:
        # in row order already, so ties among them stay in row order
        return np.sort(candidates[largest(scores[candidates], most)])
    return candidates


def _candidates(scores: np.ndarray, want: int) -> np.ndarray | None:
    """The rows (in row order) of every score at least some finite cut that `want` or more
    scores reach: the `want`-th highest, or on long vectors a bit below it, read off a strided
    sample (cheaper than partitioning the whole vector; a few times `want` rows pass it).
    None when fewer than `want` scores are finite."""
    n = len(scores)
    # A sample of at least four times `want` rows: sparser for many wanted rows on a shorter
    # vector (a thousand semantic candidates of 33k titles: every 8th score).
    step = min(SAMPLE_STEP, n // (4 * want))
    if n >= SAMPLED_FROM and step >= MIN_SAMPLE_STEP:
        sample = scores[::step]
        # About twice the wanted share of the sample; twice as deep again when the sample
        # happened to let too few through (a partition of the whole vector costs ~10x this).
        keep = min(len(sample), 2 * (want // step) + 16)
        for _ in range(2):
            cut = np.partition(sample, len(sample) - keep)[len(sample) - keep]
            if cut == -np.inf:
                break
            rows = np.flatnonzero(scores >= cut)
            if len(rows) >= want:
                # A cut on a score that thousands of titles share (same facts, no ratings)
                # lets them all through: only the scores above it, when they are enough.
                above = rows[scores[rows] > cut]
                return above if len(above) >= want else rows
            keep = min(len(sample), 2 * keep)
    cut = np.partition(scores, n - want)[n - want]
    return np.flatnonzero(scores >= cut) if cut > -np.inf else None


def standardise(x: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """scale * (x - mean) / std as a new float32 array (zeros when x is constant)."""
    mean, std = moments(x)
    if std < 1e-9:
        return np.zeros_like(x, dtype=np.float32)
    out: np.ndarray = np.subtract(x, np.float32(mean), dtype=np.float32)
    out *= np.float32(scale / std)
    return out


def moments(x: np.ndarray) -> tuple[float, float]:
    """The mean and standard deviation of x, from its sum and its dot product with itself
    (two fast passes; `x.std()` makes temporaries). When the spread is tiny next to the mean,
    where that shortcut loses precision, the exact two-pass way."""
    n = len(x)
    if n == 0:
        return 0.0, 0.0
    mean = float(x.sum()) / n  # numpy sums pairwise: accurate in float32
    square = float(np.dot(x, x)) / n
    var = square - mean * mean
    if var <= 1e-4 * square:
        return mean, float(x.std(dtype=np.float64))
    return mean, var**0.5


def sparse_moments(values: np.ndarray, n: int) -> tuple[float, float]:
    """The mean and standard deviation of a length-n vector that is zero except for `values`."""
    if n == 0:
        return 0.0, 0.0
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.sum()) / n
    var = max(float(np.dot(values, values)) / n - mean * mean, 0.0)
    return mean, var**0.5
