"""Tagging: pages in, tagged blocks out, streaming in batches, optionally on several cores.

Pages are read lazily and tagged in batches of whole pages (``DEFAULT_BATCH_BLOCKS``
blocks or so), so one model call vectorises many pages at once and memory stays flat
however long the input. Results come out in input order, every input block exactly once.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .blocks import Block, group_pages, iter_labelled, page_blocks
from .errors import BlocktagError, InputError
from .files import DEFAULT_ENCODING, decode_text, read_text
from .bundle import ModelBundle, load_model

# Big enough that TF-IDF and the logistic regression run vectorised; small enough that a
# batch's features stay a few MB.
DEFAULT_BATCH_BLOCKS = 2000
STDIN = "-"
SCORE_DECIMALS = 4
PAGE_SUFFIX = ".txt"


@dataclass(frozen=True, slots=True)
class TaggedBlock:
    """A block with the label the model gave it, its probability and every label's probability
    (rounded to ``SCORE_DECIMALS`` places)."""

    block: Block
    label: str
    confidence: float
    scores: dict[str, float]

    def to_record(self) -> dict:
        return {
            "page": self.block.page,
            "index": self.block.index,
            "text": self.block.text,
            "label": self.label,
            "confidence": self.confidence,
            "scores": self.scores,
        }


# ---------------------------------------------------------------------- reading input


def expand_inputs(inputs: Iterable[str | Path]) -> Iterator[str | Path]:
    """Each input as files: a directory becomes its ``*.txt`` pages, sorted."""
    for item in inputs:
        if str(item) == STDIN:
            yield STDIN
            continue
        path = Path(item)
        if path.is_dir():
            pages = sorted(p for p in path.iterdir() if p.suffix == PAGE_SUFFIX and p.is_file())
            if not pages:
                raise InputError(f"{path}: directory holds no {PAGE_SUFFIX} pages")
            yield from pages
        else:
            yield path


def read_pages(source: str | Path, encoding: str = DEFAULT_ENCODING) -> Iterator[list[Block]]:
    """The pages of one input: a page of text (named by its file stem), stdin, or a
    ``.jsonl`` file of blocks (grouped by ``page``; any ``label`` is ignored)."""
    if str(source) == STDIN:
        yield page_blocks(decode_text(sys.stdin.buffer.read(), "<stdin>", encoding), "stdin")
        return
    path = Path(source)
    if path.suffix.lower() == ".jsonl":
        blocks = (Block(b.page, b.index, b.text) for b in iter_labelled(path, require_label=False, encoding=encoding))
        yield from group_pages(blocks)
        return
    yield page_blocks(read_text(path, encoding), path.stem)


def iter_pages(
    inputs: Iterable[str | Path],
    encoding: str = DEFAULT_ENCODING,
    on_error: Callable[[BlocktagError], None] | None = None,
) -> Iterator[list[Block]]:
    """Every page of every input, lazily. A bad file raises, unless ``on_error`` is given:
    then it is told of the error and the run goes on with the next file."""
    sources = expand_inputs(inputs)
    while True:
        try:
            source = next(sources)
        except StopIteration:
            return
        except BlocktagError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        try:
            yield from read_pages(source, encoding)
        except BlocktagError as exc:
            if on_error is None:
                raise
            on_error(exc)


def batches(pages: Iterable[list[Block]], batch_blocks: int = DEFAULT_BATCH_BLOCKS) -> Iterator[list[Block]]:
    """Whole pages gathered into batches of about ``batch_blocks`` blocks."""
    batch: list[Block] = []
    for page in pages:
        batch.extend(page)
        if len(batch) >= batch_blocks:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------------- tagging


def tag_batch(model: ModelBundle, blocks: Sequence[Block]) -> list[TaggedBlock]:
    """Tag blocks (whole pages, in page order) with one model call."""
    if not blocks:
        return []
    return tagged_from_proba(blocks, model.labels, model.predict_proba(blocks))


def tagged_from_proba(blocks: Sequence[Block], labels: list[str], proba) -> list[TaggedBlock]:
    best = proba.argmax(axis=1).tolist()
    rows = proba.round(SCORE_DECIMALS).tolist()  # one C-level pass instead of a round() per score
    return [
        TaggedBlock(block, labels[k], row[k], dict(zip(labels, row)))
        for block, row, k in zip(blocks, rows, best)
    ]


class Tagger:
    """Tags pages with a model: ``tag_text`` for one page, ``tag_pages`` for a stream.

    ``jobs`` > 1 tags batches in that many worker processes (-1: one per core); results
    still come out in input order.
    """

    def __init__(self, model: ModelBundle | str | Path | None = None, batch_blocks: int = DEFAULT_BATCH_BLOCKS, jobs: int = 1):
        self.model = model if isinstance(model, ModelBundle) else load_model(model)
        self.batch_blocks = batch_blocks
        self.jobs = (os.cpu_count() or 1) if jobs == -1 else max(1, jobs)

    def tag_text(self, text: str, page: str = "page") -> list[TaggedBlock]:
        return tag_batch(self.model, page_blocks(text, page))

    def tag_blocks(self, blocks: Sequence[Block]) -> list[TaggedBlock]:
        return tag_batch(self.model, list(blocks))

    def tag_pages(self, pages: Iterable[list[Block]]) -> Iterator[TaggedBlock]:
        work = batches(pages, self.batch_blocks)
        if self.jobs == 1:
            for batch in work:
                yield from tag_batch(self.model, batch)
        else:
            labels = self.model.labels
            for batch, proba in _parallel_ordered(self.model, work, self.jobs):
                yield from tagged_from_proba(batch, labels, proba)

    def tag_files(self, inputs: Iterable[str | Path], encoding: str = DEFAULT_ENCODING,
                  on_error: Callable[[BlocktagError], None] | None = None) -> Iterator[TaggedBlock]:
        return self.tag_pages(iter_pages(inputs, encoding, on_error))


_worker_model: ModelBundle | None = None


def _init_worker(model: ModelBundle) -> None:
    global _worker_model
    _worker_model = model


def _proba_in_worker(pages: list[str], texts: list[str]):
    # The features read only each block's page and text.
    return _worker_model.predict_proba([Block(page, 0, text) for page, text in zip(pages, texts)])


def _parallel_ordered(model: ModelBundle, work: Iterator[list[Block]], jobs: int):
    """Score batches in ``jobs`` processes, keeping a bounded window of batches in flight so
    memory stays flat; yields (batch, probabilities) in input order. Workers send back only
    the probability matrix, the cheapest thing to move between processes; they get plain
    lists of page names and texts, which pickle several times faster than Block records."""
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(model,)) as pool:
        pending: deque = deque()
        for batch in work:
            pending.append((batch, pool.submit(_proba_in_worker, [b.page for b in batch], [b.text for b in batch])))
            if len(pending) >= 2 * jobs:
                batch, future = pending.popleft()
                yield batch, future.result()
        while pending:
            batch, future = pending.popleft()
            yield batch, future.result()
