"""blocktag against the rule-based extractors on trafilatura's own benchmark.

trafilatura's repository holds the benchmark it reports its scores on: web pages in
``tests/cache/`` (and ``tests/eval/``), and in ``tests/evaldata.py`` a dict ``EVAL_PAGES``
giving, for each page, snippets its main text must hold (``with``) and snippets of boilerplate
it must not (``without``). Its ``tests/comparison.py`` scores an extractor by plain substring
search of each snippet in the extracted text: a ``with`` snippet found is a true positive, one
missed a false negative; a ``without`` snippet found a false positive, one missed a true
negative. This script scores the same way:

- **blocktag**: the page through the HTML reader, tagged with the shipped model (or
  ``--model``), and the blocks labelled ``body`` kept (what ``blocktag tag page.html --keep
  body`` keeps), each link written as its text;
- **trafilatura**: ``extract(html, include_comments=False, include_tables=True)``, as
  ``comparison.py`` calls it (with its fallback extractors, the default);
- **readability-lxml** and **jusText** where installed, as ``comparison.py`` runs them
  (jusText with its German stoplist: most of the pages are German).

The pages and snippets are trafilatura's, so they are not in this project: give a checkout of
its ``tests`` folder::

    git clone --depth 1 https://github.com/adbar/trafilatura /tmp/trafilatura
    python benchmarks/trafilatura_eval.py /tmp/trafilatura/tests

Needs ``pip install ".[bench]"`` for trafilatura and jusText (``pip install readability-lxml``
adds readability); an extractor that is not installed is skipped with a note. ``--gold
FILE.json`` takes the snippets as JSON instead of ``evaldata.py`` (``{file name:
{"with": [...], "without": [...]}}``), for a page folder of an older release. Only scores are
printed, never a page's text. The pages' languages are counted from their ``<html lang>``,
since blocktag's corpus is mostly English and most of these pages are not.

The pages are split in two halves by a hash of their file names, as the dev pages are split
by site: blocktag's errors may be studied on the ``study`` half only; the ``check`` half is
scored, never read, so that it stays an honest estimate for pages nobody here has looked at.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier import Tagger, load_model  # noqa: E402
from classifier.dialects import links_as_text  # noqa: E402
from dialects import other_extractors  # noqa: E402  (this folder's)

PAGE_FOLDERS = ("cache", "eval")  # where comparison.py looks for a page, in this order
ARTICLE_LABELS = frozenset({"body"})
_LANG = re.compile(rb"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2})", re.IGNORECASE)


def read_gold(tests: Path, gold: Path | None) -> dict[str, dict]:
    """The snippets, by page file name: from ``--gold`` JSON, else from ``evaldata.py``'s
    ``EVAL_PAGES`` read as a literal (the file is data; it is never run)."""
    if gold is not None:
        return json.loads(gold.read_text(encoding="utf-8"))
    if not (tests / "evaldata.py").is_file():
        sys.exit(f"Error: {tests} holds no evaldata.py: give trafilatura's tests folder, or the snippets with --gold")
    tree = ast.parse((tests / "evaldata.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EVAL_PAGES" for t in node.targets):
            pages = ast.literal_eval(node.value)
            return {entry["file"]: entry for entry in pages.values() if entry.get("file")}
    sys.exit(f"Error: {tests / 'evaldata.py'} holds no EVAL_PAGES dict")


def find_page(tests: Path, name: str) -> Path | None:
    for folder in PAGE_FOLDERS:
        path = tests / folder / name
        if path.is_file():
            return path
    return None


def blocktag_extractor(model: Path | None) -> Callable[[bytes], str]:
    tagger = Tagger(load_model(model))

    def extract(data: bytes) -> str:
        with warnings.catch_warnings():  # (a page whose JSON-LD holds more text than its HTML is warned of)
            warnings.simplefilter("ignore", UserWarning)
            tagged = tagger.tag_text(data)  # read as `blocktag tag page.html` reads the file
        return "\n\n".join(links_as_text(t.block.text) for t in tagged if t.label in ARTICLE_LABELS)
    return extract


def extractors_as_compared(model: Path | None) -> dict[str, Callable[[bytes], str]]:
    """blocktag, then trafilatura, readability-lxml and jusText as trafilatura's
    comparison.py runs them (jusText with its German stoplist), for those installed."""
    found = {"blocktag": blocktag_extractor(model)}
    try:
        import trafilatura
    except ImportError:
        print("trafilatura not installed (pip install '.[bench]'): skipped")
    else:
        found["trafilatura"] = lambda data: trafilatura.extract(data, include_comments=False, include_tables=True) or ""
    return {**found, **other_extractors(justext_stoplist="German")}


def half(name: str) -> str:
    """The page's half: ``study`` (its errors may be read) or ``check`` (scored only)."""
    return "study" if hashlib.sha256(name.encode("utf-8")).digest()[0] % 2 == 0 else "check"


def score(result: str, entry: dict) -> Counter:
    """comparison.py's counts for one page: snippets found by plain substring search."""
    counts: Counter = Counter()
    for snippet in entry["with"]:
        counts["tp" if snippet in result else "fn"] += 1
    for snippet in entry["without"]:
        counts["fp" if snippet in result else "tn"] += 1
    return counts


def figures(counts: Counter) -> tuple[float, float, float, float]:
    """Precision, recall, accuracy and F1, as comparison.py computes them."""
    tp, fn, fp, tn = counts["tp"], counts["fn"], counts["fp"], counts["tn"]
    precision = tp / max(1, tp + fp)
    recall = tp / max(1, tp + fn)
    accuracy = (tp + tn) / max(1, tp + tn + fp + fn)
    return precision, recall, accuracy, 2 * tp / max(1, 2 * tp + fp + fn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tests", type=Path, help="trafilatura's tests folder (evaldata.py, cache/, eval/)")
    parser.add_argument("--gold", type=Path, default=None, help="the snippets as JSON instead of evaldata.py")
    parser.add_argument("--model", type=Path, default=None, help="model file (default: the shipped model)")
    args = parser.parse_args()

    gold = read_gold(args.tests, args.gold)
    pages = {name: path for name in sorted(gold) if (path := find_page(args.tests, name)) is not None}
    print(f"{len(pages)} of the benchmark's {len(gold)} pages found under {args.tests}; "
          f"load average at start {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    data = {name: path.read_bytes() for name, path in pages.items()}
    languages = Counter((m.group(1).lower().decode() if (m := _LANG.search(d[:20000])) else "?") for d in data.values())
    print("languages (<html lang>):", ", ".join(f"{lang} {n}" for lang, n in languages.most_common()))

    extractors = extractors_as_compared(args.model)
    english = {name for name, d in data.items() if (m := _LANG.search(d[:20000])) and m.group(1).lower() == b"en"}
    groups = {"study": {p for p in data if half(p) == "study"}, "check": {p for p in data if half(p) == "check"},
              "English": english}
    print(f"\n{'extractor':12} {'precision':>9} {'recall':>7} {'accuracy':>8} {'F1':>6}   "
          + " ".join(f"{'F1 ' + g:>10}" for g in groups) + f"  {'pages/s':>7}")
    for name, extract in extractors.items():
        started = time.perf_counter()
        results = {page: extract(d) for page, d in data.items()}
        seconds = time.perf_counter() - started
        counts = {page: score(result, gold[page]) for page, result in results.items()}
        p, r, a, f = figures(sum(counts.values(), Counter()))
        by_group = [figures(sum((counts[page] for page in pages_in), Counter()))[3] for pages_in in groups.values()]
        print(f"{name:12} {p:9.3f} {r:7.3f} {a:8.3f} {f:6.3f}   " + " ".join(f"{g:10.3f}" for g in by_group)
              + f"  {len(data) / seconds:7.1f}")
    print("\n(pages: " + ", ".join(f"{g} {len(pages_in)}" for g, pages_in in groups.items())
          + f"; snippets: {sum(len(gold[p]['with']) for p in pages)} with, "
          f"{sum(len(gold[p]['without']) for p in pages)} without)")
    print(f"load average at end {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
          "(pages/s: one run over the pages read into memory, the model loaded)")


if __name__ == "__main__":
    main()
