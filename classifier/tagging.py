"""Tagging: pages in, tagged blocks out, streaming in batches, optionally on several cores.

Pages are read lazily and tagged in batches of whole pages (``DEFAULT_BATCH_BLOCKS``
blocks or so), so one model call vectorises many pages at once and memory stays flat
however long the input. Results come out in input order, every input block exactly once.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import warnings
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from . import blocks as blocks_module
from .blocks import (LABELLED_SUFFIXES, Block, capped_pages, iter_labelled, iter_records,
                     iter_segments, jsonl_text_records, validated_blocks)
from .errors import BlocktagError, InputError
from .files import DEFAULT_ENCODING, GZIP_MAGIC, decode_text, gunzip, read_bytes, text_encoding
from .bundle import ModelBundle, load_model
from .sources import PAGE_SUFFIX, STDIN, STDIN_PAGE, expand_arguments  # noqa: F401  (PAGE_SUFFIX: the CLI's)
from .workers import can_fork, interrupts_held, resolve_jobs, worker_deaths_reported, worker_started
from .readers import SNIFF_BYTES, input_kind, looks_like_html, not_a_page, page_stem
from .readers.records import holds_pages, page_records
from .segmentation import DEFAULT_SPLIT, SPLIT_MODES, split_page

# Big enough that TF-IDF and the logistic regression run vectorised; small enough that a
# batch's features stay a few MB.
DEFAULT_BATCH_BLOCKS = 2000
SCORE_DECIMALS = 4
# A JSON document of page records (one, or a list: see readers.records).
JSON_SUFFIX = ".json"
# The HTML and WARC readers write the corpus's form, blank-line blocks: the repairs of
# --split auto are for other converters' text.
READER_SPLIT = "blank"


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
        record.update(index=self.block.index, text=self.block.text, label=self.label,
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


# ---------------------------------------------------------------------- reading input


def expand_inputs(inputs: Iterable[str | Path]) -> Iterator[str | Path]:
    """Each input as files: a directory becomes its pages (text, HTML, WARC), sorted. Raises the
    error of the first input that cannot be expanded (see :mod:`classifier.sources`)."""
    for source in expand_arguments(inputs):
        if isinstance(source, BlocktagError):
            raise source
        yield source.path


def read_pages(source: str | Path, encoding: str = DEFAULT_ENCODING, page: str | None = None,
               split: str = DEFAULT_SPLIT) -> Iterator[list[Block]]:
    """The pages of one input: a page of text (named ``page``, by default its file stem,
    and split into blocks by ``split``, see :func:`segmentation.split_page`), an HTML page,
    a WARC file's HTML responses, stdin, a ``.jsonl``/``.csv`` file of blocks (grouped
    by ``page``; any ``label`` is ignored) or of whole pages (see :mod:`readers.records`). A page over ``MAX_PAGE_BLOCKS`` blocks comes in chunks (see ``capped_pages``).
    The whole input is read and checked before its first page comes out, so an input
    skipped for an error has nothing output."""
    if str(source) == STDIN:
        yield from _pages_of_bytes(_read_stdin(), "<stdin>", page or STDIN_PAGE, encoding, split)
        return
    path = Path(source)
    kind = input_kind(path, sniff=False)  # a page named as text is sniffed below, from the bytes read once
    if kind in ("html", "warc"):
        yield from _markup_pages(path, kind, page or page_stem(path))
        return
    if path.suffix.lower() == JSON_SUFFIX:
        yield from _json_document_pages(decode_text(read_bytes(path, encoding), str(path), encoding), str(path),
                                        page or page_stem(path), split)
        return
    if path.suffix.lower() in LABELLED_SUFFIXES:
        if holds_pages(next((record for _, record in iter_records(path, encoding, required=())), None)):
            yield from _record_pages(lambda: _lines_located(iter_records(path, encoding, required=()), str(path)),
                                     page or page_stem(path), split)
            return
        for _ in iter_labelled(path, require_label=False, encoding=encoding):
            pass  # a first pass that only validates; the second streams
        blocks = (Block(b.page, b.index, b.text) for b in iter_labelled(path, require_label=False, encoding=encoding))
        yield from capped_pages(blocks)
        return
    data = read_bytes(path, encoding, allow=_checked_later)
    yield from _pages_of_bytes(data, str(path), page or page_stem(path), encoding, split)


def _checked_later(head: bytes) -> bool:
    """Bytes :func:`_pages_of_bytes` reads or refuses itself, so a file's binary check must
    not refuse them first: HTML, gzip, and documents that get an error of their own."""
    return looks_like_html(head) or head.startswith(GZIP_MAGIC) or not_a_page(head) is not None


def _pages_of_bytes(data: bytes, source: str, page: str, encoding: str, split: str) -> Iterator[list[Block]]:
    """A page file's bytes (or stdin's) as its page: gzipped or not, text or HTML; a PDF, a
    zip archive or a feed is refused with what to do instead."""
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, source)
    text = None
    if text_encoding(data, ""):  # marked UTF-16, UTF-32 or UTF-8: sniffed as UTF-8
        text = decode_text(data, source, encoding)
        data = text.encode("utf-8")
    refusal = not_a_page(data)
    if refusal:
        raise InputError(f"{source}: {refusal}")
    if data.lstrip()[:1] in (b"{", b"["):
        text = decode_text(data, source, encoding) if text is None else text
        if _first_line_is_json_object(text):  # JSON lines piped in: pages or blocks, never a page of JSON
            yield from _json_lines_pages(text, source, page, split)
            return
        if _is_json(text):  # one page record, or a list of them
            yield from _json_document_pages(text, source, page, split)
            return
    if looks_like_html(data):  # a saved page named as text: never tagged as markup
        yield from _text_pages(_html_text(data, source=source), page, READER_SPLIT)
        return
    yield from _text_pages(decode_text(data, source, encoding) if text is None else text, page, split)


def _first_line_is_json_object(text: str) -> bool:
    line = text.lstrip().split("\n", 1)[0]
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:  # a text page that opens with a brace ("{{ title }}"), not JSON
        return False


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _json_lines_pages(text: str, source: str, page: str, split: str) -> Iterator[list[Block]]:
    """Pages from JSON lines read as one input (stdin, or a text file holding them)."""
    first = next((record for _, record in jsonl_text_records(text, source)), None)
    if holds_pages(first):
        yield from _record_pages(lambda: _lines_located(jsonl_text_records(text, source), source), page, split)
        return
    blocks = [Block(b.page, b.index, b.text) for _, b in validated_blocks(jsonl_text_records(text, source), source)]
    yield from capped_pages(blocks)


def _json_document_pages(text: str, source: str, page: str, split: str) -> Iterator[list[Block]]:
    """A JSON document of pages: one page record, or a list of them."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError):
        raise InputError(f"{source}: not a JSON document blocktag can read") from None
    records = document if isinstance(document, list) else [document]
    if not holds_pages(records[0] if records else None):
        raise InputError(f"{source}: is a JSON file that holds no pages (a 'text' or 'html' field in each record); "
                         "give pages as text, HTML or WARC files, or blocks as .jsonl or .csv")
    yield from _record_pages(lambda: ((f"{source}[{n}]", record) for n, record in enumerate(records)), page, split)


def _lines_located(records: Iterator[tuple[int, object]], source: str) -> Iterator[tuple[str, object]]:
    return ((f"{source}:{lineno}", record) for lineno, record in records)


def _record_pages(records: Callable[[], Iterator[tuple[str, object]]], stem: str, split: str) -> Iterator[list[Block]]:
    """The pages of a file of page records (``(where, record)`` pairs): every record checked
    before the first page comes out, then read again, one page at a time."""
    for _ in page_records(records(), stem, _text_is_html):
        pass
    for record in page_records(records(), stem, _text_is_html):
        if record.is_html:
            text, mode = _html_text(record.content, source=record.where, url=record.url), READER_SPLIT
        else:
            text, mode = record.content, split
        yield from _text_pages(text, record.name, mode, url=record.url)


def _text_is_html(text: str) -> bool:
    return looks_like_html(text[:SNIFF_BYTES].encode("utf-8", "surrogatepass"))


def _markup_pages(path: Path, kind: str, page: str) -> Iterator[list[Block]]:
    """An HTML page, or a WARC file's HTML responses (``page:0``, ``page:1``, ... each with
    its ``url``), as pages of text in the corpus's form."""
    if kind == "html":
        from .readers.html import read_html

        yield from _text_pages(read_html(path), page, READER_SPLIT)
        return
    from .readers.warc import check_warc, read_warc

    check_warc(path)  # a broken archive is refused before any of its pages is tagged
    for record in read_warc(path):
        blocks = split_page(record.text, "line") if record.lines else iter_segments(record.text)
        yield from capped_pages(Block(f"{page}:{record.number}", i, text, url=record.url) for i, text in enumerate(blocks))


def _html_text(data: bytes | str, source: str = "<stdin>", url: str | None = None) -> str:
    from .readers.html import html_to_text

    return html_to_text(data, url=url, source=source)


def _text_pages(text: str, page: str, split: str = DEFAULT_SPLIT, url: str | None = None) -> Iterator[list[Block]]:
    if split == "blank":  # lazily: a page of a million blocks is never held whole
        return capped_pages(Block(page, i, block, url=url) for i, block in enumerate(iter_segments(text)))
    texts = split_page(text, split)
    if len(texts) <= blocks_module.MAX_PAGE_BLOCKS:  # one page, as capped_pages would give it
        return iter([[Block(page, i, block, url=url) for i, block in enumerate(texts)]] if texts else [])
    return capped_pages(Block(page, i, block, url=url) for i, block in enumerate(texts))


def _read_stdin() -> bytes:
    if sys.stdin is None:  # started with stdin closed (`<&-`)
        raise InputError("<stdin>: standard input is closed; pipe a page in or name a file")
    try:
        return sys.stdin.buffer.read()
    except OSError as exc:
        raise InputError(f"<stdin>: cannot be read ({exc.strerror})") from None


def iter_pages(
    inputs: Iterable[str | Path],
    encoding: str = DEFAULT_ENCODING,
    on_error: Callable[[BlocktagError], None] | None = None,
    split: str = DEFAULT_SPLIT,
) -> Iterator[list[Block]]:
    """Every page of every input, lazily. A bad file raises, unless ``on_error`` is given:
    then it is told of the error and the run goes on with the next file. ``split`` is how
    text pages are split into blocks (``blank``, ``line`` or ``auto``)."""
    if split not in SPLIT_MODES:
        raise InputError(f"unknown split mode {split!r}; use one of {', '.join(SPLIT_MODES)}")
    for source in expand_arguments(inputs):
        try:
            if isinstance(source, BlocktagError):
                raise source
            empty = True
            for page in read_pages(source.path, encoding, source.page, split):
                empty = False
                yield page
            if empty:  # said, not silently left out of the output
                warnings.warn(_nothing_to_tag(source.path), stacklevel=2)
        except BlocktagError as exc:
            if on_error is None:
                raise
            on_error(exc)


def _nothing_to_tag(path: str | Path) -> str:
    if str(path) == STDIN:
        return "<stdin>: holds no text to tag; nothing is written for it"
    kind = input_kind(path, sniff=False)
    if kind == "warc":
        return f"{path}: holds no HTML response (or WET text) with text to tag; nothing is written for it"
    hint = " once its markup is dropped (a page built by JavaScript?)" if kind == "html" else ""
    return f"{path}: holds no text to tag{hint}; nothing is written for it"


def batches(pages: Iterable[list[Block]], batch_blocks: int = DEFAULT_BATCH_BLOCKS) -> Iterator[list[Block]]:
    """Whole pages gathered into batches of about ``batch_blocks`` blocks. Two pages in a
    row with the same name (a long page's chunks, or pages of two files) go in different
    batches: in one, the features would read them as one page."""
    batch: list[Block] = []
    for page in pages:
        if batch and page and page[0].page == batch[-1].page:
            yield batch
            batch = []
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
    return list(TaggedBatch.from_proba(blocks, labels, proba))


class Tagger:
    """Tags pages with a model: ``tag_text`` for one page, ``tag_pages`` for a stream.

    ``jobs`` > 1 tags batches in that many worker processes (-1: one per core); results
    still come out in input order.
    """

    def __init__(self, model: ModelBundle | str | Path | None = None, batch_blocks: int = DEFAULT_BATCH_BLOCKS, jobs: int = 1):
        self.model = model if isinstance(model, ModelBundle) else load_model(model)
        self.batch_blocks = batch_blocks
        self.jobs = resolve_jobs(jobs)

    def tag_text(self, text: str, page: str = "page") -> list[TaggedBlock]:
        return list(self.tag_pages(_text_pages(text, page)))  # a very long page in chunks

    def tag_blocks(self, blocks: Sequence[Block]) -> list[TaggedBlock]:
        return tag_batch(self.model, list(blocks))

    def tag_pages(self, pages: Iterable[list[Block]]) -> Iterator[TaggedBlock]:
        for batch in self.tag_batches(pages):
            yield from batch

    def tag_batches(self, pages: Iterable[list[Block]]) -> Iterator[TaggedBatch]:
        """:meth:`tag_pages` a model call at a time: what a writer that formats whole
        batches reads (JSON lines, see ``output.write_batches``)."""
        work = batches(pages, self.batch_blocks)
        labels = self.model.labels
        if self.jobs == 1:
            for batch in work:
                yield TaggedBatch.from_proba(batch, labels, self.model.predict_proba(batch))
        else:
            for batch, proba in _parallel_ordered(self.model, work, self.jobs):
                yield TaggedBatch.from_proba(batch, labels, proba)

    def tag_files(self, inputs: Iterable[str | Path], encoding: str = DEFAULT_ENCODING,
                  on_error: Callable[[BlocktagError], None] | None = None, split: str = DEFAULT_SPLIT) -> Iterator[TaggedBlock]:
        return self.tag_pages(iter_pages(inputs, encoding, on_error, split))


_worker_model: ModelBundle | None = None


def _init_worker(model: ModelBundle, parent_pid: int) -> None:
    global _worker_model
    worker_started(parent_pid)
    _worker_model = model


def _proba_in_worker(pages: list[str], indices: list[int], texts: list[str]):
    # The blocks rebuilt whole (page, index, text): a feature may read any of them.
    return _worker_model.predict_proba([Block(*fields) for fields in zip(pages, indices, texts)])


def _parallel_ordered(model: ModelBundle, work: Iterator[list[Block]], jobs: int):
    """Score batches in ``jobs`` processes, keeping a bounded window of batches in flight so
    memory stays flat; yields (batch, probabilities) in input order. Workers send back only
    the probability matrix, the cheapest thing to move between processes; they get plain
    lists of page names and texts, which pickle several times faster than Block records."""
    # fork: the workers share the loaded model instead of unpickling it, and are the
    # children of this process (see worker_started).
    context = multiprocessing.get_context("fork") if can_fork() else None
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                               initargs=(model, os.getpid()))
    # Interrupted, or the reader stopped: the queued work is dropped instead of finished.
    with worker_deaths_reported(pool):
        pending: deque = deque()
        for batch in work:
            with interrupts_held():  # submit may fork the workers
                future = pool.submit(_proba_in_worker, [b.page for b in batch], [b.index for b in batch],
                                     [b.text for b in batch])
            pending.append((batch, future))
            if len(pending) >= 2 * jobs:
                batch, future = pending.popleft()
                yield batch, future.result()
        while pending:
            batch, future = pending.popleft()
            yield batch, future.result()
    pool.shutdown()
