"""Mapping-suggestion accuracy on the corpus and the held-out corpus, as Markdown for docs/mapping-accuracy.md.

    python bench/mapping_accuracy.py

The same figures as `python -m tests.mapping.scoring` (see that module for what is counted), both corpora in
one report, with the time `suggest_mapping` takes on 100 columns and 50 sample rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere: the tests package is the scorer

from tests.mapping import scoring  # noqa: E402


def main() -> None:
    corpus = scoring.load_corpus(scoring.CORPUS)
    holdout = scoring.load_corpus(scoring.HOLDOUT)
    print("## Corpus\n")
    print(scoring.render(scoring.score(corpus), markdown=True))
    print("\n## Held-out corpus\n")
    print(scoring.render(scoring.score(holdout), markdown=True))
    print(f"\n100 columns, 50 sample rows: {scoring.timing_ms(corpus):.1f} ms (median of 7 calls, headers matched "
          "afresh)")


if __name__ == "__main__":
    main()
