"""The co-rating model covers every title with enough raters, however many, and answers for
any ratings: a new rating folds into a member's scores with no refit."""

from __future__ import annotations

import random

import numpy as np
import scipy.sparse as sp

from recommender import collab
from recommender.collab import CollabModel, CollabSettings, ease_weights, interaction_matrices
from recommender.models import RatingTriple

SMALL_BLOCKS = CollabSettings(
    ease_lambda=20.0, block_items=40, tail_block_items=30, shared_head=10, tail_neighbours=16
)


def taste_ratings(n_titles: int, n_users: int, per_user: int, seed: int) -> list[RatingTriple]:
    """Members who each like one of a few groups of titles; title ids from 1."""
    rng = random.Random(seed)
    groups = [list(range(g + 1, n_titles + 1, 8)) for g in range(8)]
    out = []
    for u in range(n_users):
        liked = groups[u % 8]
        picks = rng.sample(liked, min(per_user, len(liked)))
        picks += rng.sample(range(1, n_titles + 1), per_user // 4)
        for t in dict.fromkeys(picks):
            stars = rng.choice([4.0, 4.5, 5.0]) if t in liked else rng.choice([1.0, 2.0, 3.0])
            out.append(RatingTriple(f"u{u}", t, stars, None))
    return out


def test_every_title_with_raters_is_covered_past_six_thousand() -> None:
    # 6,500 titles, each rated by at least two members: the old model kept only 6,000.
    ratings = []
    for t in range(1, 6501):
        for u in (t % 97, (t * 7) % 89 + 100, (t * 13) % 83 + 200):
            ratings.append(RatingTriple(f"m{u}", t, 5.0 if u % 2 else 3.0, None))
    model = CollabModel.build(ratings)
    assert len(model) == 6500
    tail = [t for t in range(1, 6501) if model.support(t) == 3][-1]
    scores = model.item_scores(tail)
    assert scores is not None and np.count_nonzero(scores) > 0
    picks, n = model.user_scores({tail: 5.0})
    assert n == 1 and np.count_nonzero(picks) > 0


def test_one_block_is_plain_ease() -> None:
    ratings = taste_ratings(60, 80, 12, seed=1)
    settings = CollabSettings(ease_lambda=20.0, neighbours=0)
    model = CollabModel.build(ratings, settings)
    x, _, item_ids = interaction_matrices(ratings, settings)
    dense = ease_weights(sp.csr_matrix(x), settings.ease_lambda)
    assert np.array_equal(model.item_ids, item_ids)
    np.testing.assert_allclose(model.weights.toarray(), dense, atol=1e-5)


def test_blocks_cover_the_tail_and_link_it_to_the_head() -> None:
    ratings = taste_ratings(150, 200, 14, seed=2)
    model = CollabModel.build(ratings, SMALL_BLOCKS)
    rated = {r.title_id for r in ratings}
    assert set(model.col) == {t for t in rated if model.support(t) >= 2} == rated
    b = model.weights.tocsc()
    raters = model.raters
    head = set(np.argsort(-raters, kind="stable")[: SMALL_BLOCKS.shared_head].tolist())
    tail_cols = [c for c in range(len(model)) if c not in head]
    assert all(b[:, c].nnz > 0 for c in tail_cols)  # every title is predicted
    assert all(model.weights[c].nnz > 0 for c in tail_cols)  # and predicts
    # A member of a taste group gets that group's titles first, tail titles included.
    history = {t: 5.0 for t in range(3, 151, 8)[:6]}
    scores, _ = model.user_scores(history)
    scores[[model.col[t] for t in history]] = -np.inf
    top = [int(model.item_ids[j]) for j in np.argsort(-scores)[:8]]
    assert sum((t - 3) % 8 == 0 for t in top) >= 6


def test_build_is_deterministic() -> None:
    ratings = taste_ratings(150, 200, 14, seed=3)
    a = CollabModel.build(ratings, SMALL_BLOCKS)
    b = CollabModel.build(list(reversed(ratings)), SMALL_BLOCKS)
    assert np.array_equal(a.item_ids, b.item_ids)
    assert (a.weights != b.weights).nnz == 0
    assert np.array_equal(a.residual, b.residual)


def test_a_new_rating_folds_in_as_a_refit_would_rank_it() -> None:
    ratings = taste_ratings(150, 240, 14, seed=4)
    model = CollabModel.build(ratings, SMALL_BLOCKS)
    history = {r.title_id: r.stars for r in ratings if r.user == "u5"}
    new_title = next(t for t in range(6, 151, 8) if t not in history)
    before, _ = model.user_scores(history)
    folded, _ = model.user_scores({**history, new_title: 5.0})
    refit = CollabModel.build([*ratings, RatingTriple("u5", new_title, 5.0, None)], SMALL_BLOCKS)
    refitted, _ = refit.user_scores({**history, new_title: 5.0})
    assert not np.allclose(before, folded)  # the rating counts at once
    seen = [model.col[t] for t in (*history, new_title)]
    for s in (folded, refitted):
        s[seen] = -np.inf
    top_folded = np.argsort(-folded, kind="stable")[:10]
    top_refit = np.argsort(-refitted, kind="stable")[:10]
    assert len(set(top_folded) & set(top_refit)) >= 9
    live = np.isfinite(folded)
    assert np.abs(folded[live] - refitted[live]).max() < 0.05 * np.abs(folded[live]).max()


def test_cross_products_match_the_dense_product_with_heavy_and_light_rows() -> None:
    # Rows past DENSE_ROW_SHARE of the columns go through BLAS, the rest through sparse
    # products a block of columns at a time; both halves and `out` must add up to AᵀA.
    rng = np.random.default_rng(3)
    n = 2500  # more columns than one sparse block of columns
    light = sp.random(400, n, density=0.004, format="csr", dtype=np.float32, random_state=4)
    heavy = sp.random(30, n, density=0.3, format="csr", dtype=np.float32, random_state=5)
    a = sp.csr_matrix(sp.vstack([light, heavy, light[:50]]))
    assert (np.diff(a.indptr) >= n * collab.DENSE_ROW_SHARE).sum() == 30
    dense = a.toarray().astype(np.float64)
    expected = dense.T @ dense
    np.testing.assert_allclose(collab.cross_products(a), expected, rtol=1e-5, atol=1e-4)
    start = rng.standard_normal((n, n)).astype(np.float32)
    added = collab.cross_products(a, out=start.copy())
    np.testing.assert_allclose(added, start + expected, rtol=1e-5, atol=1e-4)
    only_light = sp.csr_matrix(light)
    np.testing.assert_allclose(
        collab.cross_products(only_light),
        only_light.toarray().T.astype(np.float64) @ only_light.toarray(),
        rtol=1e-5,
        atol=1e-5,
    )


def test_blocked_ease_weights_do_not_depend_on_the_thread_that_keeps_them() -> None:
    # Each block's strongest weights are picked in a thread while the next block is solved:
    # the result must be the one of picking them block by block.
    ratings = taste_ratings(150, 200, 14, seed=6)
    x, _, _ = interaction_matrices(ratings, SMALL_BLOCKS)
    weights, residual = collab.blocked_ease(sp.csr_matrix(x), SMALL_BLOCKS)
    blocks = collab.item_blocks(
        sp.csc_matrix(x),
        SMALL_BLOCKS.block_items,
        SMALL_BLOCKS.tail_block_items,
        SMALL_BLOCKS.shared_head,
    )
    assert len(blocks) > 3
    expected = np.zeros(weights.shape, dtype=np.float32)
    xc = sp.csc_matrix(x)
    for b, cols in enumerate(blocks):
        dense = ease_weights(sp.csr_matrix(xc[:, cols]), SMALL_BLOCKS.ease_lambda)
        if b > 0:
            head = np.isin(cols, blocks[0])
            dense[np.ix_(head, head)] = 0.0
        k = SMALL_BLOCKS.neighbours if b == 0 else SMALL_BLOCKS.tail_neighbours
        kept = collab.strongest_per_row(dense, k).toarray()
        expected[np.ix_(cols, cols)] += kept
    np.testing.assert_allclose(weights.toarray(), expected, atol=1e-6)
    assert residual.shape == (x.shape[1],)
