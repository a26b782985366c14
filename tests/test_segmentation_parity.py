"""Word segmentation is pyvi's, whether or not scikit-learn is loaded.

``retrieval.text`` loads pyvi with scikit-learn hidden (a cold start no longer pays ~1.3 s for
scipy.stats): the CRF that pyvi unpickles then derives from sklearn-crfsuite's own fallback
base class instead of scikit-learn's ``BaseEstimator``. Stored passage tokens and query tokens
must not depend on which base class was used, so this compares both on real text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[1]

SEGMENT = r"""
import json, sys
if sys.argv[1] == "sklearn":
    import sklearn.base  # loaded first: pyvi's CRF gets scikit-learn's BaseEstimator
from retrieval.text import ViTokenizer
from sklearn_crfsuite.compat import BaseEstimator
print(BaseEstimator.__module__)
lines = json.load(sys.stdin)
print(json.dumps([ViTokenizer.tokenize(line) for line in lines], ensure_ascii=False))
"""


def _segment(lines: list[str], mode: str) -> tuple[str, list[str]]:
    """(module of the CRF's base class, segmented lines) from a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", SEGMENT, mode],
        input=json.dumps(lines),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    base, segmented = out.stdout.split("\n", 1)
    return base, json.loads(segmented)


def _corpus_lines(limit_per_file: int = 400) -> list[str]:
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").splitlines()
        lines += [line.lower() for line in text if line.strip()][:limit_per_file]
    return lines


def test_the_search_path_does_not_import_scikit_learn() -> None:
    code = "import sys; import retrieval.engine, knowledge.store; print('sklearn' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"


@needs_corpus
def test_segmentation_is_the_same_with_scikit_learn_loaded() -> None:
    lines = _corpus_lines()
    assert len(lines) > 500
    reference_base, reference = _segment(lines, "sklearn")
    our_base, ours = _segment(lines, "ours")
    assert (reference_base, our_base) == ("sklearn.base", "sklearn_crfsuite.compat")
    assert ours == reference
