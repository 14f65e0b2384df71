"""Precision and recall per field of the editorial extractor over tests/editorial_corpus/.

    ./run bench editorial            # the table
    ./run bench editorial --details  # and every mistake, article by article

Exit status 1 when a field is under the goal (0.95 precision and recall)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.editorial_score import FIELDS, corpus, run

GOAL = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="print every mistake")
    args = parser.parse_args()
    counts, mistakes = run()
    print(f"{len(corpus())} articles in tests/editorial_corpus/ (goal: >= {GOAL} on each field)")
    print(f"| {'field':<9} | precision | recall | tp | fp | fn |")
    print("| --- | --- | --- | --- | --- | --- |")
    below = False
    for field in FIELDS:
        c = counts[field]
        below |= c.precision < GOAL or c.recall < GOAL
        print(
            f"| {field:<9} | {c.precision:9.2f} | {c.recall:6.2f} "
            f"| {c.true_pos:2} | {c.false_pos:2} | {c.false_neg:2} |"
        )
    if args.details:
        for name, lines in mistakes.items():
            print(f"\n{name}")
            for line in lines:
                print(f"  {line}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
