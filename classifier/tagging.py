"""Tagging: pages in, tagged blocks out, streaming in batches, optionally on several cores.

Pages are read lazily and tagged in batches of whole pages (``DEFAULT_BATCH_BLOCKS``
blocks or so), so one model call vectorises many pages at once and memory stays flat
however long the input. Results come out in input order, every input block exactly once.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from .blocks import (MAX_PAGE_BLOCKS, Block, as_int, block_list, capped_pages, check_page_order, checked_pages,
                     group_pages)
from .errors import BlocktagError, SettingError, warn
from .files import DEFAULT_ENCODING
from .bundle import ModelBundle, as_model
from .readers.pages import iter_pages, nothing_in_string, string_pages
from .workers import PipedWorkers, resolve_jobs
from .segmentation import DEFAULT_SPLIT, check_split

# Big enough that TF-IDF and the logistic regression run vectorised; small enough that a
# batch's arrays (a few per character of its text) stay in the processor's caches: in 10
# alternating whole runs on the bench pages, medians 1.60 s at 1000, 1.63 s at 1500 and
# 1.65 s at 2000 (the model calls alone: 1.16 s at 1000, 1.17 s at 750, 1.20 s at 2000).
# With --jobs too: 8 alternating runs on 2 cores, medians 1.00 s at 1000, 1.01 s at 750 and
# 500, 1.16 s at 1500 (where the last batch keeps one process busy while the other waits).
DEFAULT_BATCH_BLOCKS = 1000
SCORE_DECIMALS = 4
# --jobs: batches queued for each worker before this process tags one itself (enough that
# a worker never waits for this one to read and write: in 10 alternating runs on 2 cores,
# medians 1.31 s at 2, 1.27 s at 3, 1.28 s at 4; 1 starves the worker; again with the
# piped workers, 8 runs: 1.04 s at 2, 1.00 s at 3), and batches in flight per job.
WORKER_QUEUE = 3
WINDOW = 4


@dataclass(frozen=True, slots=True)
class TaggedBlock:
    """A block with the label the model gave it, its probability and every label's probability
    (rounded to ``SCORE_DECIMALS`` places)."""

    block: Block
    label: str
    confidence: float
    scores: dict[str, float]

    def to_record(self) -> dict:
        record = {"page": self.block.page}
        if self.block.url is not None:
            record["url"] = self.block.url
        record.update(index=int(self.block.index), text=self.block.text, label=self.label,  # (numpy's, too)
                      confidence=self.confidence, scores=self.scores)
        return record


@dataclass(frozen=True)
class TaggedBatch:
    """One model call's blocks (whole pages, in order) with every label's probability,
    rounded (``rows``), and the best label's place in ``labels`` (``best``). Iterating gives
    its :class:`TaggedBlock` records; a writer may read the rows directly instead. Made by
    :meth:`from_proba`, whose rows hold no -0.0, so a writer may take 0.0 for every zero."""

    blocks: Sequence[Block]
    labels: list[str]
    rows: list[list[float]]
    best: list[int]

    @classmethod
    def from_proba(cls, blocks: Sequence[Block], labels: list[str], proba) -> "TaggedBatch":
        # one C-level pass rounds every score instead of a round() each
        rows = proba.round(SCORE_DECIMALS) + 0.0  # (-0.0 + 0.0 is 0.0)
        return cls(blocks, labels, rows.tolist(), proba.argmax(axis=1).tolist())

    def __len__(self) -> int:
        return len(self.blocks)

    def __iter__(self) -> Iterator[TaggedBlock]:
        labels = self.labels
        return (TaggedBlock(block, labels[k], row[k], dict(zip(labels, row)))
                for block, row, k in zip(self.blocks, self.rows, self.best))


def batches(pages: Iterable[list[Block]], batch_blocks: int = DEFAULT_BATCH_BLOCKS) -> Iterator[list[Block]]:
    """Whole pages gathered into batches of about ``batch_blocks`` blocks. Two pages in a
    row with the same name (a long page's chunks, or pages of two files) go in different
    batches: in one, the features would read them as one page."""
    batch: list[Block] = []
    for page in _chunked(checked_pages(pages)):
        if batch and page and page[0].page == batch[-1].page:
            yield batch
            batch = []
        batch.extend(page)
        if len(batch) >= batch_blocks:
            yield batch
            batch = []
    if batch:
        yield batch


def _chunked(pages: Iterable[list[Block]]) -> Iterator[list[Block]]:
    """A page over ``MAX_PAGE_BLOCKS`` blocks in chunks of that many, with a warning, as the
    readers give one: a caller's page is tagged as the same page read from a file is."""
    for page in pages:
        if len(page) > MAX_PAGE_BLOCKS:
            yield from capped_pages(page)
        else:
            yield page


# ---------------------------------------------------------------------- tagging


def tagged_from_proba(blocks: Sequence[Block], labels: list[str], proba) -> list[TaggedBlock]:
    return list(TaggedBatch.from_proba(blocks, labels, proba))


class Tagger:
    """Tags pages with a model: ``tag_text`` for one page, ``tag_files`` for files and folders
    (streamed, in input order), ``tag_pages`` for a stream of pages of blocks.

    ``jobs`` > 1 tags batches in that many processes at once, this one and ``jobs - 1``
    workers (-1: one per core); results still come out in input order. A model call reads
    about ``batch_blocks`` blocks (whole pages; default ``DEFAULT_BATCH_BLOCKS``).
    """

    def __init__(self, model: ModelBundle | str | Path | None = None, *, batch_blocks: int | None = None, jobs: int = 1):
        self.model = as_model(model)
        self.jobs = resolve_jobs(jobs)
        batch_blocks = as_int(batch_blocks)
        if batch_blocks is not None and (type(batch_blocks) is not int or batch_blocks < 1):
            raise SettingError("batch_blocks", batch_blocks, "give a whole number of blocks from 1 (or None)")
        self.batch_blocks = DEFAULT_BATCH_BLOCKS if batch_blocks is None else batch_blocks

    def tag_text(self, text: str | bytes, page: str = "page", split: str = DEFAULT_SPLIT,
                 encoding: str = DEFAULT_ENCODING) -> list[TaggedBlock]:
        """Tag one page given as a string (or the bytes of a fetched page, read in ``encoding``
        unless they say their own): text in any dialect, or HTML, read as a file of it would be
        (see ``readers.pages.string_pages``)."""
        tagged = list(self.tag_pages(string_pages(text, page, split, encoding)))  # a very long page in chunks
        if not tagged:  # as a file of it is said to hold nothing, not met with silence
            warn(nothing_in_string(text, page))
        return tagged

    def tag_blocks(self, blocks: Sequence[Block]) -> list[TaggedBlock]:
        """Tag blocks as given: whole pages, each page's blocks together in index order
        (:class:`DataFormatError` otherwise). They are tagged in batches of whole pages, as
        :meth:`tag_pages` tags them, so the features of a million blocks are never held at
        once (a page over ``MAX_PAGE_BLOCKS`` blocks in chunks, with a warning)."""
        blocks = block_list(blocks)
        check_page_order(blocks)
        return [tagged for batch in self.tag_batches(group_pages(blocks)) for tagged in batch]

    def tag_pages(self, pages: Iterable[list[Block]]) -> Iterator[TaggedBlock]:
        """Each block of a stream of pages (each a list of its blocks), tagged, in order."""
        for batch in self.tag_batches(pages):
            yield from batch

    def tag_batches(self, pages: Iterable[list[Block]]) -> Iterator[TaggedBatch]:
        """:meth:`tag_pages` a model call at a time: what a writer that formats whole
        batches reads (JSON lines, see ``output.write_batches``)."""
        work = batches(pages, self.batch_blocks)
        labels = self.model.labels
        if self.jobs > 1:  # one batch (one page, as tag_text gives) is not worth starting a worker for
            ahead = list(itertools.islice(work, 2))
            work = itertools.chain(ahead, work)
        if self.jobs == 1 or len(ahead) < 2:
            for batch in work:
                yield TaggedBatch.from_proba(batch, labels, self.model.predict_proba(batch))
        else:
            for batch, proba in _parallel_ordered(self.model, work, self.jobs):
                yield TaggedBatch.from_proba(batch, labels, proba)

    def tag_files(self, inputs: Iterable[str | os.PathLike] | str | os.PathLike, encoding: str = DEFAULT_ENCODING,
                  on_error: Callable[[BlocktagError], None] | None = None, split: str = DEFAULT_SPLIT) -> Iterator[TaggedBlock]:
        """Each block of the pages in ``inputs`` (files, folders, "-" for stdin: what ``blocktag
        tag`` reads), tagged, in input order. A bad file raises its error, or is given to
        ``on_error`` and skipped."""
        check_split(split)  # now, not at the first page the caller asks for
        return self.tag_pages(iter_pages(inputs, encoding, on_error, split))


def _proba_of(model: ModelBundle, pages: list[str], indices: list[int], texts: list[str]):
    # The blocks rebuilt whole (page, index, text): a feature may read any of them.
    return model.predict_proba([Block(*fields) for fields in zip(pages, indices, texts)])


def _parallel_ordered(model: ModelBundle, work: Iterator[list[Block]], jobs: int):
    """Score batches in ``jobs`` processes, this one and ``jobs - 1`` forked workers; yields
    (batch, probabilities) in input order. Each worker is kept ``WORKER_QUEUE`` batches ahead;
    beyond that this process scores the next batch itself instead of waiting, so on as many
    cores as jobs no third process competes with two that tag. A bounded window of batches in
    flight keeps memory flat. Workers get plain lists of page names, indices and texts (which
    pickle several times faster than Block records) and send back only the probability
    matrix."""
    with PipedWorkers(functools.partial(_proba_of, model), jobs - 1) as workers:
        pending: deque = deque()  # (batch, a worker's ticket, or None and this process's probabilities)
        for batch in work:
            k = workers.least_busy()
            if workers.queued(k) < WORKER_QUEUE:
                ticket = workers.send(k, [b.page for b in batch], [b.index for b in batch], [b.text for b in batch])
                pending.append((batch, ticket, None))
            else:
                pending.append((batch, None, model.predict_proba(batch)))
            while pending and (pending[0][1] is None or workers.ready(pending[0][1]) or len(pending) > WINDOW * jobs):
                yield _finished(pending.popleft(), workers)
        while pending:
            yield _finished(pending.popleft(), workers)


def _finished(entry, workers: PipedWorkers):
    batch, ticket, proba = entry
    return batch, proba if ticket is None else workers.result(ticket)
