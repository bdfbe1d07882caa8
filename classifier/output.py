"""Writing tagged blocks in the CLI's formats: text (for people), jsonl, csv, and kept text."""

from __future__ import annotations

import contextlib
import os
import re
from itertools import chain, groupby
from json.encoder import encode_basestring as _json_string  # json's own escaping (ensure_ascii=False)
from pathlib import Path
from typing import IO, Iterable, Iterator

from .blocks import MAX_PAGE_BLOCKS, csv_writer
from .bundle import PLAIN_TEXT_MODEL
from .stdio import escape_controls, escaped_for, is_terminal, own_mark
from .files import atomic_write
from .tagging import TaggedBatch, TaggedBlock

LABEL_COLOURS = {
    "body": "green",
    "caption": "cyan",
    "byline": "blue",
    "contributor_note": "magenta",
    "promotion": "red",
    "other": "yellow",
}
# The terminal's (ANSI) codes for those colours and for bold.
_ANSI_CODES = {"bold": 1, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}


def write_tagged(tagged: Iterable[TaggedBlock], out: IO[str], fmt: str = "text", colour: bool = False) -> int:
    """Write every tagged block in ``fmt``; returns how many were written."""
    writers = {"jsonl": _write_jsonl, "csv": _write_csv, "text": _write_text}
    return writers[fmt](tagged, out, colour)


def write_batches(batches: Iterable[TaggedBatch], out: IO[str], fmt: str = "text", colour: bool = False) -> int:
    """:func:`write_tagged` for the batches of :meth:`Tagger.tag_batches`: JSON lines are
    written a batch at a time, from the batch's rows."""
    if fmt != "jsonl":
        return write_tagged((item for batch in batches for item in batch), out, fmt, colour)
    n = 0
    for batch in batches:
        out.write(jsonl_batch(batch))
        n += len(batch)
    return n


def write_selected(tagged: Iterable[TaggedBlock], out: IO[str], fmt: str, keep: set[str] | None,
                   headers: bool | None = False) -> int:
    """The blocks in ``fmt``, or, with ``keep``, only those of its labels: as text, the kept
    text alone (:func:`write_kept`, ``headers`` as it takes them)."""
    if keep is None:
        return write_tagged(tagged, out, fmt)
    if fmt == "text":
        return write_kept(tagged, out, keep, headers=headers)
    return write_tagged(kept_only(tagged, keep), out, fmt)


def write_kept(tagged: Iterable[TaggedBlock], out: IO[str], keep: Iterable[str] | str,
               headers: bool | None = False) -> int:
    """The cleaned page: the text of the blocks whose label is in ``keep``, blank-line
    separated. With ``headers``, each page's text comes under a ``# page`` line and pages are
    separated by a blank line, so several pages do not run together; None: headers when the
    blocks hold more than one page (read as far as the second page's first block)."""
    keep = {keep} if isinstance(keep, str) else set(keep)  # (one label given alone: not its letters, "in" a str)
    if headers is None:
        tagged, headers = _more_than_one_page(tagged)
    shown = shown_on(out)
    written, page = 0, None
    for item in tagged:
        if item.label not in keep:
            continue
        if written:
            out.write("\n")
        if headers and item.block.page != page:
            page = item.block.page
            out.write(f"# {page_title(item.block)}\n\n")
        out.write(shown(item.block.text) + "\n")
        written += 1
    return written


def _more_than_one_page(tagged: Iterable[TaggedBlock]) -> tuple[Iterator[TaggedBlock], bool]:
    """``tagged`` (unread, as an iterator) and whether it holds blocks of two pages; past
    ``MAX_PAGE_BLOCKS`` blocks of one page, taken to (headers cost nothing; holding a huge
    page would)."""
    tagged = iter(tagged)
    first: list[TaggedBlock] = []
    for item in tagged:
        first.append(item)
        if item.block.page != first[0].block.page or len(first) > MAX_PAGE_BLOCKS:
            return chain(first, tagged), True
    return iter(first), False


def kept_only(tagged: Iterable[TaggedBlock], keep: set[str]) -> Iterator[TaggedBlock]:
    return (item for item in tagged if item.label in keep)


PAGE_FILE_SUFFIXES = {"text": ".txt", "jsonl": ".jsonl", "csv": ".csv"}
_UNSAFE_IN_FILE_NAMES = re.compile(r"[^\w.~+-]")


def write_page_files(tagged: Iterable[TaggedBlock], folder: str | Path, fmt: str = "text",
                     keep: set[str] | None = None) -> list[Path]:
    """One file per page in ``folder`` (``<page>.txt``, ``.jsonl`` or ``.csv``), each written
    atomically as soon as its page is tagged: in ``text`` format the kept blocks' text (an
    empty file when none is kept), otherwise the kept blocks' records. A page name becomes a
    safe file name of its own (``/``, ``..`` and other odd characters become ``_``; a second
    page of the same name gets ``~2``), so no page can write outside ``folder`` or over
    another. A run that fails part-way (a bad file with ``--strict``, Ctrl-C) removes the
    files it wrote, so no folder is left half-filled. Returns the files in page order."""
    folder = Path(folder)
    suffix = PAGE_FILE_SUFFIXES[fmt]
    used: set[str] = set()
    written = []
    try:
        for page, items in groupby(tagged, key=lambda item: item.block.page):
            path = folder / (_unique_file_name(page, used) + suffix)
            written.append(path)  # before it exists: an interrupt just after the rename still removes it
            with atomic_write(path) as handle:
                write_selected(items, handle, fmt, keep)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written


def _fs_encodable(name: str) -> str:
    """``name`` with the characters the file system's encoding cannot write ("ō" where file
    names are Latin-1, as in a C or Latin-1 locale) as "_"."""
    def writable(text: str) -> bool:
        try:
            os.fsencode(text)
        except UnicodeEncodeError:
            return False
        return True

    return name if writable(name) else "".join(c if writable(c) else "_" for c in name)


# File systems take names of up to 255 bytes; room is left for "~N" and the suffix.
MAX_FILE_NAME_BYTES = 200


def _unique_file_name(page: str, used: set[str]) -> str:
    name = _fs_encodable(_UNSAFE_IN_FILE_NAMES.sub("_", page).lstrip(".")) or "page"
    name = name.encode("utf-8")[:MAX_FILE_NAME_BYTES].decode("utf-8", "ignore")  # (a cut character is dropped)
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{name}~{n}"
    used.add(candidate.lower())
    return candidate


def _write_jsonl(tagged: Iterable[TaggedBlock], out: IO[str], colour: bool) -> int:
    n = 0
    for n, item in enumerate(tagged, 1):
        out.write(jsonl_line(item))
    return n


class _FloatTexts(dict):
    """float -> its JSON text, remembered: scores are rounded (SCORE_DECIMALS), so a run
    has few distinct ones, and a look-up is cheaper than ``float.__repr__``. Bounded, for
    scores that are not rounded."""

    MAX_SIZE = 50_000
    # 0.0 and -0.0 are one key but two texts, so zero is remembered only where no -0.0 comes.
    ZERO_TOO = False

    def __missing__(self, value: float) -> str:
        text = float.__repr__(value)
        if (value or self.ZERO_TOO) and value == value and len(self) < self.MAX_SIZE:  # (NaN is never found again)
            self[value] = text
        return text


_float_text = _FloatTexts().__getitem__


class _ProbabilityTexts(_FloatTexts):
    """_FloatTexts for a TaggedBatch's rows, which hold no -0.0: zero, the commonest score
    of all, is remembered too."""

    ZERO_TOO = True


_probability_text = _ProbabilityTexts().__getitem__


class _ScoreKeys(dict):
    """label -> its JSON key text (``"body": ``), remembered: a run has a handful of labels."""

    def __missing__(self, label: str) -> str:
        self[label] = text = f"{_json_string(label)}: "
        return text


_score_key = _ScoreKeys().__getitem__


def jsonl_line(item: TaggedBlock) -> str:
    """``json.dumps(item.to_record(), ensure_ascii=False)`` and a newline, built directly.

    Writing JSON is a large share of a tagging run's own work (it is done in the parent
    process, which the workers wait on); the record's layout is fixed, so only its strings
    need the JSON encoder's escaping. A test checks the output against json.dumps.
    """
    block = item.block
    scores = ", ".join([_score_key(label) + _float_text(p) for label, p in item.scores.items()])
    url = "" if block.url is None else f'"url": {_json_string(block.url)}, '
    return (
        f'{{"page": {_json_string(block.page)}, {url}"index": {int(block.index)}, "text": {_json_string(block.text)}, '
        f'"label": {_json_string(item.label)}, "confidence": {_float_text(item.confidence)}, '
        f'"scores": {{{scores}}}}}\n'
    )


class _BatchLineFormats(dict):
    """labels -> the %-format of a JSON line (page, url part, index, text, label,
    confidence, then each label's score), remembered: a run has one model."""

    def __missing__(self, labels: tuple[str, ...]) -> str:
        scores = ", ".join(_score_key(label).replace("%", "%%") + "%s" for label in labels)
        self[labels] = line = (
            '{"page": %s, %s"index": %d, "text": %s, "label": %s, "confidence": %s, "scores": {' + scores + "}}\n")
        return line


_batch_line_format = _BatchLineFormats().__getitem__


def jsonl_batch(batch: TaggedBatch) -> str:
    """The JSON lines of a batch, as :func:`jsonl_line` writes each of its blocks, without
    making a record of each (a test holds the two equal)."""
    line = _batch_line_format(tuple(batch.labels))
    label_texts = [_json_string(label) for label in batch.labels]
    lines = []
    page, page_text = None, ""
    for block, row, k in zip(batch.blocks, batch.rows, batch.best):
        if block.page != page:
            page, page_text = block.page, _json_string(block.page)
        url = "" if block.url is None else f'"url": {_json_string(block.url)}, '
        scores = list(map(_probability_text, row))
        lines.append(line % (page_text, url, block.index, _json_string(block.text), label_texts[k], scores[k], *scores))
    return "".join(lines)


def _write_csv(tagged: Iterable[TaggedBlock], out: IO[str], colour: bool) -> int:
    # The header comes with the first row (or at the end of a run with none), so a run whose
    # input is refused before its first page writes nothing, as with the other formats.
    items = iter(tagged)
    first = next(items, None)
    writer = csv_writer(out)
    shown = shown_on(out)  # (a terminal shows a cell's escape sequences escaped, as text output does)
    n = 0
    for n, item in enumerate(chain([first], items) if first is not None else (), 1):
        writer.writerow({k: shown(v) if isinstance(v, str) else v for k, v in item.to_record().items()})
    return n


def _write_text(tagged: Iterable[TaggedBlock], out: IO[str], colour: bool) -> int:
    """Each block under a header line naming its label and confidence."""
    shown = shown_on(out)
    n, page = 0, None
    for n, item in enumerate(tagged, 1):
        if item.block.page != page:
            page = item.block.page
            out.write(_style(f"=== {page_title(item.block)}", colour, bold=True) + "\n\n")
        header = f"[{item.label} {item.confidence:.2f}]"
        out.write(_style(header, colour, fg=LABEL_COLOURS.get(item.label), bold=True) + "\n")
        out.write(shown(item.block.text) + "\n\n")
    return n


def page_title(block) -> str:
    """A page's header: its name, and its URL when the input gave one (a crawl's page), on
    one line whatever they hold."""
    return one_line(block.page if block.url is None else f"{block.page} ({block.url})")


def one_line(name: str) -> str:
    """``name`` with its line breaks and other unprintable characters escaped ("a\\nb"), so
    that a header stays one line."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name)


def shown_on(out: IO[str]):
    """How block text is written to ``out``: with its control characters escaped when ``out``
    is a terminal; a file keeps the page's text as it is."""
    return escape_controls if is_terminal(out) else (lambda text: text)


def _style(text: str, colour: bool, fg: str | None = None, bold: bool = False) -> str:
    """``text`` in the colour ``fg`` and bold, as a terminal shows them, when ``colour``."""
    codes = [str(_ANSI_CODES[name]) for name in (("bold",) if bold else ()) + ((fg,) if fg else ())]
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if colour and codes else text


# How much of a block's text explain's text format shows beside its label.
EXPLAIN_TEXT_CHARS = 70


def write_explanations(explanations, out: IO[str], fmt: str = "text") -> int:
    """``blocktag explain``'s output: JSON lines (the tag record plus ``runner_up``,
    ``evidence`` and the ``model`` that tagged it), or for people a header per page (naming
    the plain-text model when it tagged the page) and each block's label, runner-up and
    evidence."""
    import json

    n, page = 0, None
    for n, item in enumerate(explanations, 1):
        if fmt == "jsonl":
            out.write(json.dumps(item.to_record(), ensure_ascii=False) + "\n")
            continue
        tagged = item.tagged
        if tagged.block.page != page:
            page = tagged.block.page
            by = " (the page holds no link: tagged by the plain-text model)" if item.model == PLAIN_TEXT_MODEL else ""
            out.write(f"{'' if n == 1 else chr(10)}# {page_title(tagged.block)}{by}\n")
        text = " ".join(tagged.block.text.split())
        cut = text[:EXPLAIN_TEXT_CHARS]  # (cut before escaping: an escape is never cut in two)
        # (a remembered block's runner-up is the models' second choice; its score is the memory's 0, not theirs)
        runner_up = item.runner_up if item.remembered else f"{item.runner_up} {tagged.scores[item.runner_up]:.2f}"
        out.write(f"[{tagged.block.index}] {tagged.label} {tagged.confidence:.2f} (runner-up {runner_up}): "
                  f"{one_line(cut)}{own_mark('…', '...', out) if len(text) > len(cut) else ''}\n")
        for name, weight in item.evidence:
            out.write(f"    {weight:+.2f}  {escaped_for(one_line(name), out)}\n")  # (a shape n-gram may hold a line break)
    return n
