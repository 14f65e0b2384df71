"""The per-query vector helpers (recommender.ranking, recommender.sparse_ops.FeatureIndex)
against plain numpy and scipy on random catalogs, at lengths on both sides of the sampled
path, with heavy ties and with -inf."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.ranking import SAMPLED_FROM, largest, moments, reaching, sparse_moments
from recommender.sparse_ops import FeatureIndex

LENGTHS = (7, 1_000, SAMPLED_FROM + 17, 130_000)


def reference_largest(scores: np.ndarray, want: int) -> list[int]:
    """Best first, equal scores in row order."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(r) for r in order[:want] if scores[r] > -np.inf]


def vectors(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    smooth = rng.normal(size=n).astype(np.float32)
    # Few distinct values: most scores tie, as titles with the same facts do.
    tied = rng.integers(0, 5, size=n).astype(np.float32)
    sparse = np.where(rng.random(n) < 0.05, smooth, -np.inf).astype(np.float32)
    skewed = np.zeros(n, dtype=np.float32)
    skewed[rng.integers(0, n, size=max(1, n // 500))] = 3.0
    # The best scores just where the strided sample looks (200 of its rows): its first cut
    # lets too few rows through, and at 130k titles the second, twice as deep, enough.
    planted = rng.normal(size=n).astype(np.float32)
    planted[: 200 * 16 : 16] += 10.0
    # A tenth of the catalog shares the score the sample cuts at, a few titles are above it.
    shelf = np.where(rng.random(n) < 0.1, np.float32(2.0), smooth).astype(np.float32)
    shelf[rng.integers(0, n, size=max(1, n // 60))] = 5.0
    return [smooth, tied, sparse, skewed, planted, shelf]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("want", [1, 10, 48, 1000])
def test_largest_is_the_best_first_with_ties_in_row_order(n: int, want: int) -> None:
    for scores in vectors(n, seed=n + want):
        got = largest(scores, want).tolist()
        expected = reference_largest(scores, want)
        assert got[: len(expected)] == expected
        assert len(got) == min(want, n)
        # Rows beyond the finite ones are -inf fillers, each row once.
        assert all(scores[r] == -np.inf for r in got[len(expected) :])
        assert len(set(got)) == len(got)


@pytest.mark.parametrize("n", LENGTHS)
def test_reaching_keeps_every_score_tied_with_the_last_wanted(n: int) -> None:
    want = min(1000, n)
    for scores in vectors(n, seed=n):
        got = reaching(scores, want, most=n)
        finite = np.sort(scores[scores > -np.inf])[::-1]
        if len(finite) >= want:
            kth = finite[want - 1]
            assert got.tolist() == np.flatnonzero(scores >= kth).tolist()
        else:
            assert set(reference_largest(scores, want)) <= set(got.tolist())
        assert (np.diff(got) > 0).all()  # row order


def test_reaching_takes_the_best_rows_when_too_many_tie() -> None:
    scores = np.zeros(50_000, dtype=np.float32)
    scores[[5, 70, 900]] = 1.0
    got = reaching(scores, 10, most=100)
    zeros = [r for r in range(len(scores)) if r not in (5, 70, 900)][:97]
    assert got.tolist() == sorted([5, 70, 900, *zeros])


@pytest.mark.parametrize("n", LENGTHS)
def test_moments_match_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    for x in (
        rng.random(n).astype(np.float32),
        (rng.random(n) < 0.1).astype(np.float32) * 3,
        np.float32(1000.0) + rng.random(n).astype(np.float32) * np.float32(1e-3),
        np.full(n, 2.5, dtype=np.float32),
    ):
        mean, std = moments(x)
        assert mean == pytest.approx(float(x.astype(np.float64).mean()), rel=1e-5, abs=1e-6)
        assert std == pytest.approx(float(x.astype(np.float64).std()), rel=1e-3, abs=1e-6)


def test_sparse_moments_are_those_of_the_dense_vector() -> None:
    rng = np.random.default_rng(3)
    dense = np.zeros(10_000, dtype=np.float32)
    rows = rng.choice(10_000, size=300, replace=False)
    dense[rows] = rng.normal(size=300).astype(np.float32)
    mean, std = sparse_moments(dense[rows], len(dense))
    assert mean == pytest.approx(float(dense.mean()), abs=1e-7)
    assert std == pytest.approx(float(dense.std()), rel=1e-5)


@pytest.mark.parametrize("titles", [50, 20_000])
def test_feature_index_sums_rows_like_the_sparse_product(titles: int) -> None:
    rng = np.random.default_rng(titles)
    features = 60
    # Feature j is had by a share of titles falling from ~90% to a handful: some end dense.
    share = 0.9 ** np.arange(features)
    have = rng.random((features, titles)) < share[:, None]
    values = rng.random((features, titles)).astype(np.float32) * have
    by_feature = sp.csr_matrix(values)
    index = FeatureIndex(by_feature)
    assert 0 < len(index.dense) < features
    for _ in range(20):
        cols = rng.choice(features, size=8, replace=False)
        vals = rng.normal(size=8).astype(np.float32)
        expected = by_feature[cols].T @ vals
        np.testing.assert_allclose(index.weighted_sum(cols, vals), expected, atol=1e-5)
