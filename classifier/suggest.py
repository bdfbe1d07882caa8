"""Which pages to label next: the ones the model is least sure of, and unlike each other.

Each unlabelled page is scored by its **expected mistakes**: the sum over its blocks of
``1 - top probability``, i.e. how many of the model's guesses on it are wrong if its
confidences are calibrated (they are, to an expected error of about 0.02). Labelling that
page corrects those guesses, so it teaches the model the most.

Pages of one site repeat the same chrome, so the most uncertain pages often share the
same uncertain blocks; labelling the second copy teaches little. Pages are therefore
picked greedily: each pick's score is discounted by its cosine similarity to the pages
already picked, measured on the words of their uncertain blocks (each block's words
weighted by its ``1 - top probability``):

    score = expected_mistakes * (1 - DIVERSITY * max_similarity_to_picked)
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from numbers import Real
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Sequence

import numpy as np

from .blocks import (LABEL_STUDIO_SUFFIX, Block, as_int, checked_pages, group_pages, is_given_label, iter_labelled,
                     iter_records, page_fingerprint, records_suffix, validated_blocks)
from .errors import BlocktagError, OutputError, SettingError, check_callback, warn
from .files import DEFAULT_ENCODING, decoded_lines, is_special
from .bundle import ModelBundle, as_model
from .tagging import batches

# How much a page's likeness to an already picked page discounts it (0: rank by
# uncertainty alone; 1: a copy of a picked page scores 0).
DIVERSITY = 0.7
CONFIDENCE_DECIMALS = 4
_COMPACT_AT = 1024  # candidates kept before the first sweep of those out of contention
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Suggestion:
    """A page worth labelling: its blocks with the model's guesses, and why it was picked."""

    rank: int
    blocks: list[Block]
    guesses: list[str]
    confidences: list[float]
    expected_mistakes: float  # sum of 1 - top probability over the page's blocks
    score: float  # expected_mistakes discounted for likeness to higher-ranked pages

    @property
    def page(self) -> str:
        return self.blocks[0].page

    def records(self) -> list[dict]:
        """The page in the guide's JSONL: ``label`` is the model's guess, plus ``confidence``
        (and the page's ``url``, when its input named it, as ``tag`` writes it)."""
        return [
            {"page": b.page, "index": b.index, "text": b.text, "label": g, "confidence": c,
             **({"url": b.url} if b.url is not None else {})}
            for b, g, c in zip(self.blocks, self.guesses, self.confidences)
        ]


@dataclass
class _Candidate:
    position: int
    blocks: list[Block]
    proba: np.ndarray
    expected_mistakes: float

    @cached_property
    def words(self) -> dict[str, float]:
        """Unit-length vector of the uncertain blocks' words (only pages in contention need it)."""
        return uncertain_words(self.blocks, 1.0 - self.proba.max(axis=1))


def suggest_pages(
    model: ModelBundle | str | Path | None, pages: Iterable[list[Block]], n: int, diversity: float = DIVERSITY,
    exclude_pages: Iterable[str] | None = (), exclude_texts: Iterable[str] | None = (),
    on_excluded: Callable[[str], None] | None = None, exclude: LabelledPages | None = None,
) -> list[Suggestion]:
    """The ``n`` pages most worth labelling, best first (fewer if there are fewer pages), by
    ``model`` (a bundle, a model file, or None for the shipped model).

    ``pages`` are unlabelled pages (lists of blocks in page order), e.g. from
    :func:`classifier.readers.pages.iter_pages`. A page named in ``exclude_pages``, or whose
    :func:`page_fingerprint` is in ``exclude_texts``, or that ``exclude`` holds (pages
    already labelled, see :func:`labelled`), is never suggested; ``on_excluded`` is called
    with each such page's name. Ties keep input order, so the ranking is deterministic.
    """
    check_callback("on_excluded", on_excluded, "each excluded page's name")
    if exclude is not None and not isinstance(exclude, LabelledPages):
        raise SettingError("exclude", exclude, "give the pages labelled(files) reads, or None")
    n = as_int(n)
    if type(n) is not int or n < 1:
        raise SettingError("n", n, "give a whole number of pages from 1")
    if isinstance(diversity, bool) or not isinstance(diversity, Real) or not 0 <= diversity <= 1:
        # (above 1 scores go negative; below 0 a page's twin ranks above it)
        raise SettingError("diversity", diversity, "give a number from 0 (rank by doubt alone) to 1")
    model = as_model(model)
    excluded = {exclude_pages} if isinstance(exclude_pages, str) else set(exclude_pages or ())  # one page named alone
    texts = {exclude_texts} if isinstance(exclude_texts, str) else set(exclude_texts or ())

    seen: set[int] = set()  # the pages read so far, by their fingerprints' first 8 bytes (flat enough for a crawl)
    repeats = 0

    def wanted(page: list[Block]) -> bool:
        nonlocal repeats
        if not page:
            return True
        fingerprint = page_fingerprint(page) if page[0].page not in excluded else None
        if fingerprint is None or (texts and fingerprint in texts) or (exclude is not None and exclude.holds(page, fingerprint)):
            # labelled already, under this name or another
            if on_excluded is not None:
                on_excluded(page[0].page)
            return False
        short = int(fingerprint[:16], 16)
        if short in seen:  # the same page again (a copy, an AMP twin, a file given twice): labelled once is enough
            repeats += 1
            return False
        seen.add(short)
        return True

    candidates = _contenders(_candidates(model, filter(wanted, checked_pages(pages))), n, diversity)
    if repeats:
        warn(f"{repeats} page(s) repeat the text of a page read before them (a copy, or an input given "
             "twice): each is suggested once at most")
    labels = model.labels
    picked: list[Suggestion] = []
    written_names: set[str] = set()
    best_similarity = [0.0] * len(candidates)
    remaining = set(range(len(candidates)))
    while remaining and len(picked) < n:
        def score(i: int) -> float:
            return candidates[i].expected_mistakes * (1.0 - diversity * best_similarity[i])

        best = min(remaining, key=lambda i: (-score(i), candidates[i].position))
        c = candidates[best]
        top = c.proba.argmax(axis=1)
        # Two inputs may hold pages of one name ("home" in two crawls): the written file
        # names each page once, as 'label' and 'train' require ("home", "home#2").
        # (Checked against every name written, which an input's own "home#2" may already be.)
        name = written = c.blocks[0].page
        number = 1
        while written in written_names:
            number += 1
            written = f"{name}#{number}"
        written_names.add(written)
        blocks = c.blocks if written == name else [replace(b, page=written) for b in c.blocks]
        picked.append(Suggestion(
            rank=len(picked) + 1,
            blocks=blocks,
            guesses=[labels[k] for k in top],
            confidences=[round(float(p), CONFIDENCE_DECIMALS) for p in c.proba.max(axis=1)],
            expected_mistakes=round(c.expected_mistakes, CONFIDENCE_DECIMALS),
            score=round(score(best), CONFIDENCE_DECIMALS),
        ))
        remaining.discard(best)
        for i in remaining:
            best_similarity[i] = max(best_similarity[i], cosine(candidates[i].words, c.words))
    return picked


def _contenders(candidates: Iterable[_Candidate], n: int, diversity: float) -> list[_Candidate]:
    """The candidates that may still be among the first ``n`` picks, in input order.

    Before each of the ``n`` picks, one of the ``n`` pages of most expected mistakes is still
    unpicked, and it scores at least ``1 - diversity`` times the least of their expected
    mistakes; a page expecting fewer mistakes than that can never outscore it. Dropping such
    pages as they stream past keeps a large crawl's memory to the pages in contention, and
    leaves the ranking exactly as it would be without the drop.
    """
    most: list[float] = []  # min-heap of the n largest expected mistakes so far
    kept: list[_Candidate] = []
    floor = -math.inf
    compact_at = _COMPACT_AT
    for candidate in candidates:
        heapq.heappush(most, candidate.expected_mistakes)
        if len(most) > n:
            heapq.heappop(most)
        if len(most) == n:
            # (a hair below the bound: a rounded cosine may exceed 1 by an ulp)
            floor = (1.0 - diversity) * most[0] * (1.0 - 1e-9)
        if candidate.expected_mistakes >= floor:
            kept.append(candidate)
        if len(kept) >= compact_at:  # the floor only rises: drop what fell below it
            kept = [c for c in kept if c.expected_mistakes >= floor]
            compact_at = max(_COMPACT_AT, 2 * len(kept))
    return [c for c in kept if c.expected_mistakes >= floor]


def _candidates(model: ModelBundle, pages: Iterable[list[Block]]) -> Iterable[_Candidate]:
    # tagging.batches keeps two pages of one name in a row (two inputs' "home") in different
    # batches, so a batch's runs of one name are its pages.
    position = 0
    for batch in batches(pages):
        proba = model.predict_proba(batch)
        start = 0
        for page in group_pages(batch):
            page_proba = proba[start:start + len(page)]
            start += len(page)
            doubt = 1.0 - page_proba.max(axis=1)
            yield _Candidate(position, page, page_proba, float(doubt.sum()))
            position += 1


def uncertain_words(blocks: Sequence[Block], doubt: Sequence[float]) -> dict[str, float]:
    """The page's words, each counted once per block and weighted by that block's doubt,
    scaled to unit length."""
    vector: Counter[str] = Counter()
    for block, weight in zip(blocks, doubt):
        for word in set(_WORD.findall(block.text.lower())):
            vector[word] += float(weight)
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {w: v / norm for w, v in vector.items()} if norm else {}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two unit-length sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


@dataclass(frozen=True)
class LabelledPages:
    """Pages already labelled, as ``suggest_pages(exclude=...)`` knows them again: by their
    text (:func:`page_fingerprint`), whatever they are named this time (a page is named by
    its file, and a crawl given with another file of that name names it by its folder too);
    or by their name, if the page of that name is the same page: at the same address, or,
    where either has none, sharing a block's text (a page crawled again, or labelled in
    part). Names repeat across sites and days ("index", a crawl file's "pages:3")."""

    names: dict  # name: (its address or None, the hashes of its blocks' texts)
    texts: frozenset

    def holds(self, page: Sequence[Block], fingerprint: str | None = None) -> bool:
        """Whether ``page`` is one of these (``fingerprint``: its :func:`page_fingerprint`, if
        the caller has it already)."""
        if (fingerprint or page_fingerprint(page)) in self.texts:
            return True
        known = self.names.get(page[0].page)
        if known is None:
            return False
        url, blocks = known
        if url is not None and page[0].url is not None:
            return url == page[0].url
        return not blocks.isdisjoint(_block_hashes(page))


def _block_hashes(page: Sequence[Block]) -> frozenset:
    return frozenset(hash(" ".join(block.text.split())) for block in page)


def labelled(paths: Iterable[str | Path], encoding: str = DEFAULT_ENCODING) -> LabelledPages:
    """The pages in files of labelled blocks (or of tasks), read once: what
    ``suggest_pages(exclude=...)`` leaves out."""
    pages = []
    for path in paths:
        held = list(_held_pages(path, encoding))
        if not held:  # (a file meant to keep pages out that keeps none out is said, not passed over)
            warn(f"{path}: holds no pages, so it leaves none out")
        pages += held
    return LabelledPages({page[0].page: (page[0].url, _block_hashes(page)) for page in pages},
                         frozenset(page_fingerprint(page) for page in pages))


def _held_pages(path: str | Path, encoding: str) -> Iterator[list[Block]]:
    """Every page a file holds, labelled or not: a Label Studio export's tasks not yet
    annotated too (pages the project already has), each task a page of its own (an export
    may hold a page twice)."""
    if records_suffix(path) != LABEL_STUDIO_SUFFIX:
        return group_pages(iter_labelled(path, require_label=False, encoding=encoding))
    from itertools import groupby

    from .labelstudio import export_records

    tasks = groupby(export_records(path, encoding, annotated_only=False), key=lambda pair: pair[0])
    return ([block for _, block in validated_blocks(records, str(path))] for _, records in tasks)


# How many lines of an existing output `tag` and `explain` read for labels a person gave
# before writing over it: a labelled file's reviewed or hand-given labels come from its
# first page on, and a big earlier output is not read whole.
MAX_CHECKED_LINES = 10_000


def check_keeps_given_labels(path: str | Path, what: str = "the suggestions", max_lines: int | None = None) -> None:
    """Refuse to write ``what`` over a file of labels a person gave: JSON Lines whose labels
    training would read (reviewed, as ``blocktag label`` marks them, or with no model's
    confidence, as a hand-labelled file holds them), or a Label Studio export with submitted
    annotations. A second round of the loop reusing the first round's name would replace them,
    and so would `tag` or `explain` run again with the name of the file labelled since.
    ``max_lines``: read at most this many lines of it."""
    from .labelstudio import annotated_tasks

    if is_special(path):  # /dev/stdout, a FIFO: nothing to keep, and reading it would block
        return
    count = given_labels(path, max_lines)
    if count:
        raise OutputError(f"{path} holds {count} label{'s' if count != 1 else ''} a person gave (reviewed, or with "
                          f"no model's confidence); write {what} to another file, or move it away first")
    tasks = annotated_tasks(path)
    if tasks:
        raise OutputError(f"{path} is a Label Studio export with {tasks} annotated task{'s' if tasks != 1 else ''}; "
                          f"write {what} to another file, or move it away first")


def given_labels(path: str | Path, max_lines: int | None = None) -> int:
    """How many records of a file of JSON lines, whatever its name (a copy kept as
    ``labels.jsonl.bak``) or encoding (a byte-order mark, UTF-16), hold a label a person gave
    (see :func:`classifier.blocks.is_given_label`), a line that is no JSON record passed
    over; 0 for a file that is missing, or whose first line is no JSON record (not JSON
    lines: notes, a page of text). A ``.csv`` file's rows are read as the guide's CSV."""
    count = 0
    if str(path).lower().endswith(".csv"):
        try:
            for _, record in itertools.islice(iter_records(path, DEFAULT_ENCODING, required=()), max_lines):
                count += isinstance(record, dict) and record.get("label") not in (None, "") and is_given_label(record)
        except (OSError, BlocktagError):  # no such file, a folder, not the guide's CSV
            return count
        return count
    try:
        with open(path, "rb") as handle:
            lines = (line for line in decoded_lines(handle, str(path), DEFAULT_ENCODING) if line.strip())
            for number, line in enumerate(itertools.islice(lines, max_lines)):
                try:
                    record = json.loads(line)
                except (ValueError, RecursionError):
                    record = None
                if not isinstance(record, dict):
                    if number == 0:
                        return 0
                    continue  # one broken line among labels does not make them anyone's to lose
                count += record.get("label") not in (None, "") and is_given_label(record)
    except (OSError, BlocktagError):  # no such file, a folder, binary or undecodable
        return count
    return count


def write_jsonl(suggestions: Iterable[Suggestion], out: IO[str]) -> int:
    """The suggested pages' records, best page first, one JSON line a block; returns the page count."""
    count = 0
    for suggestion in suggestions:
        for record in suggestion.records():
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
