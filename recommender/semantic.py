"""What a title is about, beyond shared words: latent semantic analysis of its text.

Each title's synopsis words, themes and genres form one TF-IDF document; a truncated SVD of
the catalog's document matrix (LSA) maps every title to a short dense vector in which words
that keep turning up together ("meth", "cartel", "launder") point the same way. Two titles
whose synopses share no word can still be close: *Breaking Bad* ("crystal meth") and *Ozark*
("launder ... a drug boss"). Cosine of these vectors is the `similar_semantic` part of
similar titles.

The SVD is randomized (Halko, Martinsson & Tropp 2011: a few power iterations on a random
projection) with a fixed seed, so a build is repeatable and takes a couple of seconds on the
imported catalog; only numpy and scipy are needed.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from recommender.models import TitleFacts

DIMENSIONS = 128
DOCS_PER_DIMENSION = 20
OVERSAMPLE = 16
POWER_ITERATIONS = 2
SEED = 20260101


class SemanticSpace:
    """Unit-length LSA vectors per catalog row (zero for a title without any text)."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors  # rows x DIMENSIONS, float32
        # The catalog-wide mean and second moment of the vectors: the mean and spread of any
        # title's scores over the whole catalog, without scoring the whole catalog.
        n = max(len(vectors), 1)
        self._mean = vectors.sum(axis=0, dtype=np.float64) / n
        self._moment = (vectors.T @ vectors).astype(np.float64) / n

    @classmethod
    def build(
        cls,
        titles: Sequence[TitleFacts],
        words: Callable[[TitleFacts], list[str]],
        dimensions: int = DIMENSIONS,
    ) -> SemanticSpace:
        docs = _documents(titles, words)
        n = docs.shape[0]
        # A dimension needs many titles behind it, or it only spells out a few synopses.
        rank = min(dimensions, max(2, n // DOCS_PER_DIMENSION), max(min(docs.shape) - 1, 0))
        if rank <= 0 or docs.nnz == 0:
            return cls(np.zeros((n, max(rank, 1)), dtype=np.float32))
        u, s = _randomized_svd(docs, rank)
        vectors = np.asarray(u * s, dtype=np.float32)
        del u
        norms = np.linalg.norm(vectors, axis=1)
        norms[norms == 0] = 1.0
        vectors /= norms[:, None]
        return cls(vectors)

    def scores(self, row: int) -> np.ndarray:
        """Cosine of every title's vector with this row's (0 where either has no text)."""
        out: np.ndarray = self.vectors @ self.vectors[row]
        return out

    def standardised_scores(self, row: int, among: np.ndarray) -> np.ndarray:
        """The cosines of the titles at rows `among` with this row, as standard scores over
        the whole catalog ((x - mean) / std, 0 when all are alike). A few thousand rows cost a
        fraction of a millisecond; the whole catalog's 33k x 128 product costs several (a
        busy machine's BLAS threads make it worse), so similar titles ask only for their best
        candidates."""
        v = self.vectors[row]
        mean = float(self._mean @ v)
        spread = float(v @ self._moment @ v) - mean * mean
        # A plain loop product, not BLAS: small, and no thread wake-ups. (`take` gathers
        # rows several times faster than fancy indexing.)
        cosines = np.einsum("ij,j->i", self.vectors.take(among, axis=0), v)
        if spread < 1e-12:
            return np.zeros(len(among), dtype=np.float32)
        out: np.ndarray = ((cosines - mean) / math.sqrt(spread)).astype(np.float32)
        return out


def _documents(
    titles: Sequence[TitleFacts], words: Callable[[TitleFacts], list[str]]
) -> sp.csr_matrix:
    """titles x terms, sublinear TF-IDF, rows L2-normalised; terms in one title only dropped."""
    n = len(titles)
    df: Counter[str] = Counter()
    for t in titles:
        df.update(set(words(t)))
    # Sorted: set order changes with every process's string hashing, and the random
    # projection must meet the terms in one order for a build to be repeatable.
    vocab = {w: i for i, w in enumerate(sorted(w for w, c in df.items() if c > 1))}
    rows, cols, vals = array("i"), array("i"), array("f")
    for r, t in enumerate(titles):
        for w, count in Counter(words(t)).items():
            c = vocab.get(w)
            if c is not None:
                rows.append(r)
                cols.append(c)
                vals.append((1.0 + math.log(count)) * (math.log((1 + n) / (1 + df[w])) + 1.0))
    m = sp.csr_matrix(
        (
            np.frombuffer(vals, dtype=np.float32),
            (np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32)),
        ),
        shape=(n, max(len(vocab), 1)),
    )
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ m)


def _randomized_svd(a: sp.csr_matrix, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The top `rank` left singular vectors and values of `a`."""
    rng = np.random.default_rng(SEED)
    width = min(rank + OVERSAMPLE, min(a.shape))
    # float32 throughout (numpy's own QR would work in float64: 150 MB more at build time).
    q = _orthonormal(a @ rng.standard_normal((a.shape[1], width), dtype=np.float32))
    at = sp.csr_matrix(a.T)
    for _ in range(POWER_ITERATIONS):
        q = _orthonormal(a @ _orthonormal(at @ q))
    # The SVD of the small matrix B = q^T a through the eigenvectors of B B^T (width x
    # width): B itself (and its right vectors, width x terms each) is never made.
    y = at @ q
    values, vectors = np.linalg.eigh((y.T @ y).astype(np.float64))
    del y
    order = np.argsort(-values)[:rank]
    u = q @ vectors[:, order].astype(np.float32)
    return u, np.sqrt(np.maximum(values[order], 0.0)).astype(np.float32)


def _orthonormal(m: np.ndarray) -> np.ndarray:
    import scipy.linalg  # only builds need it: not at a bot's start-up (recommender.collab)

    q: np.ndarray = scipy.linalg.qr(
        np.asarray(m, dtype=np.float32), mode="economic", overwrite_a=True, check_finite=False
    )[0]
    return q
