"""Precision and recall per field of the editorial extractor over tests/editorial_corpus/.

    ./run bench editorial            # the table
    ./run bench editorial --details  # and every mistake, article by article

Three tables: all articles, the ones the extractor was tuned on, and the held-out ones written
after tuning. Exit status 1 when a field is under the goal (0.95 precision and recall) over all."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.editorial_score import FIELDS, corpus, run

GOAL = 0.95


def _table(which: str) -> bool:
    """Prints one table; True when every field meets the goal."""
    counts, _mistakes = run(which)
    print(f"\n{which}: {len(corpus(which))} articles")
    print(f"| {'field':<9} | precision | recall | tp | fp | fn |")
    print("| --- | --- | --- | --- | --- | --- |")
    met = True
    for field in FIELDS:
        c = counts[field]
        met &= c.precision >= GOAL and c.recall >= GOAL
        print(
            f"| {field:<9} | {c.precision:9.2f} | {c.recall:6.2f} "
            f"| {c.true_pos:2} | {c.false_pos:2} | {c.false_neg:2} |"
        )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print every mistake")
    args = parser.parse_args()
    print(f"tests/editorial_corpus/ (goal: >= {GOAL} precision and recall on each field)")
    met = _table("all")
    _table("tuning")
    _table("held-out")  # written after the extractor was tuned on the others
    if args.details:
        for name, lines in run("all")[1].items():
            print(f"\n{name}")
            for line in lines:
                print(f"  {line}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
