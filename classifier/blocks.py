"""Blocks: the Block record, page segmentation, and the labelled-data readers and writers.

A scraped page is plain text whose blocks are separated by blank lines. Labelled data is
the labelling guide's JSON Lines (``page``, ``index``, ``text``, ``label``), a CSV file
with the same columns, or a Label Studio JSON export of blocktag's tasks
(:mod:`classifier.labelstudio`).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
import os
import re
import shlex
import sys
import unicodedata
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from itertools import groupby, islice
from pathlib import Path
from typing import IO, Iterable, Iterator, Sequence

import numpy as np

from .errors import DataFormatError, InputError, SettingError, short_repr, warn
from .files import DEFAULT_ENCODING, as_path, iter_text_lines, same_file

REQUIRED_FIELDS = ("page", "index", "text")
# The fields a page record (tag's input, no "index") holds its page in, the raw HTML first;
# "markdown" and "content" as Firecrawl, Crawl4AI and Jina Reader's JSON name them.
CONTENT_FIELDS = ("html", "text", "markdown", "content")
LABELLED_SUFFIXES = (".jsonl", ".csv")  # each also gzipped (.jsonl.gz), as crawl datasets ship
LABEL_STUDIO_SUFFIX = ".json"
# The marks that set text's direction on Arabic and Hebrew pages (left-to-right and
# right-to-left marks, embeddings, isolates): they show nothing and say nothing of a block.
DIRECTION_MARKS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# A line holding only spaces or tabs separates blocks just like an empty one.
_BLANK_LINE = re.compile(r"[ \t]*")
# An index is written in ASCII digits ("²" and "--5" are not indexes); 18 digits fit any page.
_INDEX = re.compile(r"[0-9]{1,18}")
# A block's text can be any length: lift the csv module's 128 KiB cap on a field.
CSV_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)
MAX_INDEX = 10**18
# The features need a whole page at once (neighbours, page length), so a page's blocks are
# held together while it is tagged; this bounds that memory. A longer page is tagged in
# consecutive chunks of this many blocks, each as if a page of its own.
MAX_PAGE_BLOCKS = 10_000


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a page: where it stands and what it says (and, in labelled data, its label)."""

    page: str
    index: int
    text: str
    label: str | None = None
    url: str | None = None  # the page's URL, when the input names it (a WARC record)
    weight: float = 1.0  # how much a labelled block counts in training (a record's "weight")

    def to_dict(self) -> dict:
        record = asdict(self)
        if self.label is None:
            del record["label"]
        if self.url is None:
            del record["url"]
        if self.weight == 1.0:
            del record["weight"]
        return record


# Chinese and Japanese characters, and their full-width marks: no space is written between
# them, so none is read where a line breaks between two (CSS Text's segment-break rule).
CJK_LETTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_MARKS = "\u3001-\u303f\uff01-\uff60"


def _letters(*tests, within: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """The code points of the ranges ``within`` whose character passes one of ``tests``."""
    return tuple(c for low, high in within for c in range(low, high + 1) if any(test(chr(c)) for test in tests))


def _character_class(codes: tuple[int, ...]) -> str:
    """Code points (ascending) as the ranges of a regex character class: "A-Z..."."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(chr(low) if low == high else f"{chr(low)}-{chr(high)}" for low, high in runs)


_CASED_SCRIPTS = ((0x41, 0x58F), (0x1E00, 0x1FFF))
CAPITAL_CODE_POINTS = _letters(str.isupper, str.istitle, within=_CASED_SCRIPTS)
CAPITAL_LETTERS = _character_class(CAPITAL_CODE_POINTS)  # (for a regex class: "[%s]" % CAPITAL_LETTERS)
SMALL_LETTERS = _character_class(_letters(str.islower, within=_CASED_SCRIPTS))

_CJK_LINE_BREAK = re.compile(f"(?<=[{CJK_LETTERS}{CJK_MARKS}])[ \t]*\n[ \t]*(?=[{CJK_LETTERS}{CJK_MARKS}])")
_CJK_ANY = re.compile(f"[{CJK_LETTERS}{CJK_MARKS}]")


def is_cjk(character: str) -> bool:
    """Whether a character is Chinese or Japanese (or one of their full-width marks)."""
    return bool(character) and _CJK_ANY.match(character) is not None


def without_cjk_line_breaks(text: str) -> str:
    """``text`` with each line break between two Chinese or Japanese characters taken out."""
    # (max() first: a C-level pass that tells most text holds no such character)
    return _CJK_LINE_BREAK.sub("", text) if "\n" in text and not text.isascii() and max(text) >= "\u3001" else text


def normalise_newlines(text: str) -> str:
    """Drop a UTF-8 byte-order mark and turn CRLF / CR line ends into LF, and Unicode's line
    separator (and NEL) into LF and its paragraph separator into a blank line, as word
    processors' exports and some CMSs write them."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():
        return text
    for separator, plain in _UNICODE_BREAKS:
        if separator in text:
            text = text.replace(separator, plain)
    return text


_UNICODE_BREAKS = (("\u2029", "\n\n"), ("\u2028", "\n"), ("\x85", "\n"))


def segment(text: str) -> list[str]:
    """Split page text into blocks on blank lines, keeping each block's text as scraped."""
    if not isinstance(text, str):  # (bytes: tag_text reads them, in their encoding; this takes text)
        raise DataFormatError(f"a page's text must be a string, got {short_repr(text)}; decode bytes first, or tag "
                              "them with tag_text")
    return list(iter_segments(text))


def iter_segments(text: str) -> Iterator[str]:
    """:func:`segment`, lazily: a page of a million blocks is never one list of them."""
    current: list[str] = []
    for line in io.StringIO(normalise_newlines(text)):
        line = line.removesuffix("\n")
        if _BLANK_LINE.fullmatch(line):
            if current:
                yield "\n".join(current)
                current = []
        else:
            current.append(line)
    if current:
        yield "\n".join(current)


def page_blocks(text: str, page: str) -> list[Block]:
    """The blocks of one page's text split at its blank lines (``--split blank``), numbered
    from 0. ``tag_text`` splits by ``--split auto``'s repairs (see
    :func:`classifier.segmentation.split_page`)."""
    return [Block(page, i, block) for i, block in enumerate(segment(text))]


def group_pages(blocks: Iterable[Block]) -> Iterator[list[Block]]:
    """Consecutive blocks of the same page, as pages (lazily)."""
    for _, page in groupby(blocks, key=lambda b: b.page):
        yield list(page)


def capped_pages(blocks: Iterable[Block], max_blocks: int | None = None) -> Iterator[list[Block]]:
    """:func:`group_pages` for tagging: a page over ``max_blocks`` (default
    :data:`MAX_PAGE_BLOCKS`) comes in consecutive chunks of that many blocks, with a warning,
    and is never held whole."""
    cap = max_blocks or MAX_PAGE_BLOCKS
    for name, page in groupby(blocks, key=lambda b: b.page):
        chunk = list(islice(page, cap))
        first = True
        while chunk:
            nxt = list(islice(page, cap))
            if first and nxt:
                warn(f"page {name!r} has more than {cap:,} blocks; it is tagged in chunks of "
                     f"{cap:,}, each as a page of its own")
            yield chunk
            chunk, first = nxt, False


def join_blocks(texts: Iterable[str]) -> str:
    """The inverse of :func:`segment`: blocks separated by one blank line."""
    if isinstance(texts, str) or not isinstance(texts, Iterable):  # (a str's letters would each be a block)
        raise SettingError("texts", texts, "give the blocks' texts as a list of strings")
    texts = list(texts)
    wrong = next((text for text in texts if not isinstance(text, str)), None)
    if wrong is not None:
        raise SettingError("texts", wrong, "give each block's text, a string (of tagged blocks: t.block.text)")
    return "\n\n".join(texts)


# ---------------------------------------------------------------- labelled data readers


def path_list(paths: "Iterable[str | os.PathLike] | str | os.PathLike") -> list:
    """``paths`` as a list; one path given alone (a str is iterable too: its letters would be
    read as file names) is a list of one."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, bytes) or not isinstance(paths, Iterable):
        raise InputError(f"expected file names (a path, or a list of them), got {short_repr(paths)}")
    paths = list(paths)
    wrong = [p for p in paths if not isinstance(p, (str, os.PathLike))][:1]  # (a list: None may be the one)
    if wrong:
        raise InputError(f"expected file names (a path, or a list of them), got {short_repr(wrong[0])} among them")
    if "" in paths:  # Path("") is the current folder: a shell variable left unset would read it all
        raise InputError("'': an empty file name (a shell variable left unset?); name a file or folder ('.' for this one)")
    return paths


def read_labelled(
    paths: Iterable[str | os.PathLike] | str | os.PathLike, require_label: bool = True, encoding: str = DEFAULT_ENCODING
) -> list[Block]:
    """Read labelled blocks from JSONL, CSV and Label Studio JSON files, validating every record.

    Raises :class:`DataFormatError` naming ``file:line`` for a malformed line, a missing
    field, a non-integer index, an empty label or a ``(page, index)`` seen twice.
    """
    # (read_labelled("a.jsonl", "b.jsonl") would read a.jsonl alone)
    if not isinstance(require_label, (bool, np.bool_)):
        raise SettingError("require_label", require_label, "give True or False; to read several files, give them "
                                                           "as one list: read_labelled([a, b])")
    blocks: list[Block] = []
    # Where each (page, index) was first read, to catch the same block in two files.
    first_seen: dict[tuple[str, int], tuple[int, int]] = {}
    order = PageOrder()  # across the files too: a page that goes on in the next file must go on in order
    page_file: dict[str, int] = {}  # the file each page starts in
    paths = path_list(paths)
    for k, path in enumerate(paths):
        count = len(blocks)
        for lineno, block in _numbered_blocks(path, require_label, encoding):
            key = (block.page, block.index)
            other = first_seen.setdefault(key, (k, lineno))
            if other[0] != k and same_file(paths[other[0]], path):
                raise DataFormatError(f"{path}: is given twice (also as {paths[other[0]]}); give each file once")
            if other[0] != k:
                raise DataFormatError(
                    f"{path}:{lineno}: duplicate block: page {block.page!r} index {block.index} "
                    f"is also at {paths[other[0]]}:{other[1]}; if it is the same page labelled twice, keep one file's copy; "
                    "if they are different pages, give each a name no other file uses"
                )
            started = page_file.setdefault(block.page, k)
            if started != k and block.page in order.pages_done:  # (the rule below, said of files)
                raise DataFormatError(f"{path}:{lineno}: page {block.page!r} goes on from {paths[started]}, with other "
                                      "pages between; give a page's blocks in one file, or its files one after another")
            order.check(block, f"{path}:{lineno}")
            blocks.append(block)
        if len(blocks) == count and len(paths) > 1:  # (alone, it is refused as no data at all)
            warn(f"{path}: holds no labelled blocks (an export or filter that wrote nothing?)")
    return blocks


def iter_labelled(
    path: str | Path, require_label: bool = True, encoding: str = DEFAULT_ENCODING
) -> Iterator[Block]:
    """Yield the blocks of one JSONL or CSV file lazily, validating as it goes."""
    return (block for _, block in _numbered_blocks(path, require_label, encoding))


def _numbered_blocks(path: str | Path, require_label: bool, encoding: str) -> Iterator[tuple[int, Block]]:
    return validated_blocks(iter_records(path, encoding), str(path), require_label)


def validated_blocks(records: Iterable[tuple[int, object]], source: str,
                     require_label: bool = False) -> Iterator[tuple[int, Block]]:
    """Blocks of ``(line, record)`` pairs with their line numbers, each checked as it is read
    (:class:`DataFormatError` naming ``source:line``, as :func:`read_labelled` raises)."""
    order = PageOrder()
    for lineno, record in records:
        block = _validate(record, f"{source}:{lineno}", require_label, source=source)
        order.check(block, f"{source}:{lineno}")
        yield lineno, block


class PageOrder:
    """Checks blocks, one at a time, for what the features assume: each page's blocks
    together, in the order of their index, none twice. A page in pieces, or out of order,
    would be tagged as other pages than it is (its neighbours and position wrong)."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, int]] = set()
        self.pages_done: set[str] = set()  # pages whose blocks have ended: one more would start a second copy
        self.last: Block | None = None

    def check(self, block: Block, where: str) -> None:
        last = self.last
        if (block.page, block.index) in self.seen:
            raise DataFormatError(f"{where}: duplicate block: page {block.page!r} index {block.index} appears twice")
        if last is not None and block.page == last.page and block.index < last.index:
            raise DataFormatError(f"{where}: page {block.page!r} index {block.index} comes after index "
                                  f"{last.index}; give a page's blocks in the order of their index")
        if last is not None and block.page != last.page:
            self.pages_done.add(last.page)
        if block.page in self.pages_done:
            raise DataFormatError(f"{where}: page {block.page!r} starts again after other pages; give a "
                                  "page's blocks together, one after another")
        self.seen.add((block.page, block.index))
        self.last = block


def check_page_order(blocks: Iterable[Block], source: str = "blocks") -> None:
    """Raise :class:`DataFormatError` (naming ``source`` and the block's place in it) unless
    ``blocks`` are :class:`Block` records with fields of their types that hold each page's
    blocks together, in index order, none twice: what the readers check in a file, for
    blocks a caller built."""
    order = PageOrder()
    for position, block in enumerate(blocks):
        where = f"{source}: block {position}"
        check_fields(block, where)
        order.check(block, where)


def check_page(page: object, where: str) -> None:
    """Raise :class:`DataFormatError` (naming ``where``) unless ``page`` is a list of
    :class:`Block` records with fields of their types, each page's blocks in the order of
    their index, none twice: what a caller's page must be for the features to read it as
    the page it is (:func:`check_page_order` for a flat list of blocks)."""
    if isinstance(page, Block):  # a flat list of blocks given for a list of pages
        raise DataFormatError(f"{where}: pages are lists of blocks, one list a page (as iter_pages gives them); got "
                              "a Block: give [blocks] for one page, or tag blocks with tag_blocks")
    if not isinstance(page, (list, tuple)):
        raise DataFormatError(f"{where}: a page is a list of Block records, got {short_repr(page)}")
    last = None
    for block in page:
        if type(block) is not Block or type(block.text) is not str or type(block.page) is not str or \
                type(block.index) is not int or block.index < 0 or block.url is not None:
            check_fields(block, where)  # the fields tagging reads, at a glance; the rest when one is odd
        if last is not None and block.page == last.page and block.index <= last.index:
            if block.index == last.index:
                raise DataFormatError(f"{where}: duplicate block: page {block.page!r} index {block.index} appears twice")
            raise DataFormatError(f"{where}: page {block.page!r} index {block.index} comes after index "
                                  f"{last.index}; give a page's blocks in the order of their index")
        last = block


def checked_pages(pages: Iterable[list[Block]]) -> Iterator[list[Block]]:
    """``pages`` as given, each checked by :func:`check_page` as it passes (a reader's pages
    pass in well under 1% of tagging's time)."""
    if isinstance(pages, (str, bytes)) or not isinstance(pages, Iterable):
        raise DataFormatError(f"pages: expected lists of Block records, a list a page (as iter_pages gives them), "
                              f"got {short_repr(pages)}")
    for position, page in enumerate(pages):
        check_page(page, f"pages[{position}]")
        yield page


def block_list(blocks: Iterable[Block], source: str = "blocks") -> list[Block]:
    """``blocks`` as a list; :class:`DataFormatError` for a file name or text given instead."""
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str):  # (given second, a number meant as C or a weight would land here)
        raise SettingError("source", source, "give the data's name for messages, a string")
    if isinstance(blocks, (str, bytes, os.PathLike)) or not isinstance(blocks, Iterable):
        raise DataFormatError(f"{source}: expected Block records, got {short_repr(blocks)}; read files of blocks "
                              "with read_labelled(files), pages with iter_pages(files)")
    return list(blocks)


def check_fields(block: object, where: str) -> None:
    """:class:`DataFormatError` unless ``block`` is a :class:`Block` whose fields have the
    types a file's records are held to."""
    if not isinstance(block, Block):
        raise DataFormatError(f"{where}: expected a Block, got {short_repr(block)}")
    if not isinstance(block.page, str):
        raise DataFormatError(f"{where}: 'page' must be a string, got {short_repr(block.page)}")
    if not isinstance(block.index, Integral) or isinstance(block.index, bool) or block.index < 0:  # (numpy's too)
        raise DataFormatError(f"{where}: 'index' must be a whole number from 0, got {short_repr(block.index)}")
    if not isinstance(block.text, str):
        raise DataFormatError(f"{where}: 'text' must be a string, got {short_repr(block.text)}")
    for name in ("label", "url"):
        value = getattr(block, name)
        if value is not None and not isinstance(value, str):
            raise DataFormatError(f"{where}: {name!r} must be a string or None, got {short_repr(value)}")
    if block.weight != 1.0 and not is_weight(block.weight):
        raise DataFormatError(f"{where}: 'weight' must be a number above 0 and at most {MAX_WEIGHT:g} (how much the "
                              f"block counts in training), got {short_repr(block.weight)}")


def iter_records(path: str | Path, encoding: str = DEFAULT_ENCODING,
                 required: tuple[str, ...] = REQUIRED_FIELDS) -> Iterator[tuple[int, object]]:
    """The raw records of a JSONL or CSV file with their line numbers, unvalidated but for a
    CSV header, which must name the ``required`` columns."""
    path = Path(path)
    suffix = records_suffix(path)
    if suffix == LABEL_STUDIO_SUFFIX:  # a Label Studio JSON export (classifier.labelstudio)
        from .labelstudio import export_records

        return export_records(path, encoding)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give its files of labelled blocks, e.g. {path / '*.jsonl'}")
    if str(path) == "-":  # (read twice, to check and then to train: a stream cannot be)
        raise InputError("-: labelled blocks are read from files, not standard input; save it to one (e.g. blocks.jsonl) "
                         "and give that")
    if suffix not in LABELLED_SUFFIXES:
        from .readers import is_page_name

        hint = (f"; {path} is a page: make labels of it with: blocktag suggest {shlex.quote(str(path))} -o "
                "to_label.jsonl, then: blocktag label to_label.jsonl") if is_page_name(path.name) else ""
        raise InputError(f"{path}: unknown data format; labelled data must be .jsonl, .csv or a Label Studio .json export{hint}")
    # a line at a time: a file of a million pages is never held whole
    lines = iter_text_lines(path, encoding)
    return _jsonl_records(path, lines) if suffix == ".jsonl" else _csv_records(path, lines, required)


def records_suffix(path: str | Path) -> str:
    """A file's suffix, a gzip's ``.gz`` aside (``pages.jsonl.gz`` -> ``.jsonl``), lowercased;
    ``.ndjson`` (what some tools call JSON Lines, and ``tag -o`` writes as such) is ``.jsonl``."""
    name = as_path(path).name.lower().removesuffix(".gz")
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""  # Path.suffix, without making a Path
    return ".jsonl" if suffix == ".ndjson" else suffix


def jsonl_text_records(text: str, source: str) -> Iterator[tuple[int, object]]:
    """The records of JSON lines already read (a text file holding them), with their line numbers."""
    return _jsonl_records(source, iter(io.StringIO(text, newline=None)))


def jsonl_line_records(lines: Iterable[str], source: str) -> Iterator[tuple[int, object]]:
    """The records of JSON lines read a line at a time (stdin), with their line numbers."""
    return _jsonl_records(source, iter(lines))


def read_groups(paths: Iterable[str | Path], group: str, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """For each record of the files (in :func:`read_labelled` order), the group it belongs to
    for cross-validation: its ``page``, its ``file``, or the value of any other field."""
    groups: list[str] = []
    for path in path_list(paths):
        for lineno, record in iter_records(path, encoding):
            if group == "file":
                groups.append(str(path))
            elif isinstance(record, dict) and record.get(group) not in (None, ""):
                groups.append(str(record[group]))
            else:
                raise DataFormatError(f"{path}:{lineno}: record has no {group!r} field to group by")
    return groups


def _jsonl_records(path: Path | str, lines: Iterator[str]) -> Iterator[tuple[int, object]]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"{path}:{lineno}: not valid JSON ({_json_problem(line, exc)})") from None
        except RecursionError:
            raise DataFormatError(f"{path}:{lineno}: JSON nested too deeply; a record is one flat object") from None
        except ValueError:  # the only other failure: a number of more digits than Python reads
            raise DataFormatError(f"{path}:{lineno}: not valid JSON (a number too long to read)") from None
        yield lineno, record


def _json_problem(line: str, exc: json.JSONDecodeError) -> str:
    """What is wrong with a JSON line, where: a line cut short inside a string reads as an
    unterminated string, not as its own line break ("Invalid control character at")."""
    if exc.pos >= len(line.rstrip("\r\n")):  # at the line break: the line ends too soon
        try:
            json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as cut:
            exc = cut
        except (RecursionError, ValueError):
            pass
    where = f"{exc.msg} column {exc.colno}" if exc.msg.endswith(" at") else f"{exc.msg} at column {exc.colno}"
    before, at = exc.doc[:exc.pos].rstrip()[-1:], exc.doc[exc.pos:exc.pos + 1]
    if exc.msg.startswith("Expecting ',' delimiter") and before == '"':
        # "He said "hi"": a word after the string that closed too soon; '"a" "b"': a field after a field
        return where + ("; a comma is missing before it" if at == '"' else '; a \'"\' inside a text is written \\"')
    if exc.msg.startswith("Expecting property name") and before == ",":
        return where + ("; drop the comma before it" if at in "}]" else "; a field's name goes in double quotes")
    if exc.msg.startswith("Illegal trailing comma"):  # (Python 3.13's own word for it)
        return where + "; drop that comma"
    return where


def _csv_records(path: Path, lines: Iterator[str], required: tuple[str, ...]) -> Iterator[tuple[int, object]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    # strict: an unterminated quote is an error, not a field that swallows the rest of the file.
    reader = csv.DictReader(lines, strict=True)
    row_start = 1
    try:
        header = reader.fieldnames
        if header is None:
            raise DataFormatError(f"{path}: is empty; a block file's CSV header names page, index and text (and label, "
                                  "to train or evaluate), a block a row below it")
        twice = next((name for k, name in enumerate(header) if name in header[:k]), None)
        if twice is not None:  # csv keeps the last column of a name, quietly
            raise DataFormatError(f"{path}:1: CSV header names column {twice!r} twice; keep one")
        missing = [f for f in required if f not in header]
        separator = next((s for s in (";", "\t", "|") if len(header) == 1 and s in header[0]), None)
        if separator:  # Excel's CSV in many locales; a TSV named .csv
            raise DataFormatError(f"{path}:1: its columns are separated by {separator!r}, not commas; save it as "
                                  "comma-separated CSV (or as JSONL)")
        if missing and {"annotation_id", "blocks"} <= set(header):  # Label Studio's CSV: a task a row
            raise DataFormatError(f"{path}: is Label Studio's CSV export, a task a row; export the project as JSON "
                                  "(blocktag reads that)")
        if missing and all(f in [name.strip() for name in header] for f in missing):
            raise DataFormatError(f"{path}:1: CSV header's names have spaces around them ({', '.join(map(repr, header))}); "
                                  "write them without: page,index,text")
        if missing:
            raise DataFormatError(f"{path}:1: CSV header lacks column(s) {', '.join(missing)}; a block file's header "
                                  "names page, index and text (and label, to train or evaluate)")
        row_start = reader.line_num + 1
        for row in reader:
            # reader.line_num is the last physical line of the row; report where it starts.
            line = reader.line_num - _row_newlines(row)
            if None in row:  # csv puts the fields past the header's under None, quietly
                raise DataFormatError(f"{path}:{line}: {len(row[None])} more field(s) than the header has columns; "
                                      'put a text that holds commas in double quotes ("...")')
            yield line, row
            row_start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise DataFormatError(f"{path}:{row_start}: a quoted field is never closed; add the missing '\"'") from None
        hint = "; a '\"' inside a quoted field is written twice (\"\")" if "expected after '\"'" in str(exc) else ""
        raise DataFormatError(f"{path}:{row_start}: malformed CSV ({exc}){hint}") from None


def _row_newlines(row: dict) -> int:
    return sum(str(v).count("\n") for v in row.values() if isinstance(v, str))


# What a file of whole pages (tag's input) should become, said to whoever read it as blocks.
WHOLE_PAGE_FOR_TRAINING = ("training and evaluation read one block a record: page, index, text and label "
                           "(blocktag tag reads page records)")
WHOLE_PAGE_FOR_LABELLING = ("blocktag label reads one block a record; make such a file from pages with "
                            "'blocktag suggest PAGES --pages N -o to_label.jsonl'")


def _validate(record: object, where: str, require_label: bool, whole_page_hint: str = WHOLE_PAGE_FOR_TRAINING,
              source: str = "FILE") -> Block:
    if not isinstance(record, dict):
        raise DataFormatError(f"{where}: expected a JSON object with page, index, text and label")
    holds_a_page = "index" not in record and any(field in record for field in CONTENT_FIELDS)
    if holds_a_page and "page" not in record:
        raise DataFormatError(f"{where}: record is a whole page (no 'page' or 'index'); {whole_page_hint}")
    if holds_a_page and "label" not in record:
        # maybe a page record named by its 'page' field, as tag reads them
        raise DataFormatError(f"{where}: record has no 'index' field; if it is a whole page, {whole_page_hint}")
    if "index" not in record and "page" not in record:  # neither a block nor a page blocktag knows
        fields = ", ".join(map(str, list(record)[:8])) + (", ..." if len(record) > 8 else "") or "no fields"
        raise DataFormatError(f"{where}: record holds neither a page (a 'text', 'html', 'markdown' or 'content' "
                              f"field) nor a block ('page', 'index', 'text'); it has {fields}")
    for field in REQUIRED_FIELDS + (("label",) if require_label else ()):
        if field not in record or record[field] is None:
            raise DataFormatError(f"{where}: record has no {field!r} field")
    if require_label and not is_given_label(record):
        # what 'blocktag suggest' (or 'tag') wrote: scoring or training on it learns nothing
        csv_row = isinstance(record.get("index"), str)  # (a CSV's cells are strings; 'blocktag label' reads JSONL)
        fix = ("once its labels are checked, empty its 'confidence' column (or add a 'reviewed' column of true)"
               if csv_row else f"review the file first with: blocktag label {shlex.quote(source)}")
        raise DataFormatError(f"{where}: the label is a model's guess, not yet reviewed (a 'confidence' and no "
                              f"\"reviewed\": true); {fix}")
    page, index, text, label = record["page"], record["index"], record["text"], record.get("label")
    if not isinstance(page, (str, int)) or isinstance(page, bool) or str(page) == "":
        raise DataFormatError(f"{where}: 'page' must be a non-empty string")
    index = _as_index(index, where)
    if not isinstance(text, str):
        raise DataFormatError(f"{where}: 'text' must be a string")
    if "\x00" in text:  # (a page holding one is binary; as a block's, every CSV reader stops at it)
        raise DataFormatError(f"{where}: 'text' holds a NUL character (\\u0000), which no page's text does; remove it")
    for field, value in (("page", page), ("text", text), ("label", label)):
        check_unicode(value, field, where)
    if label is not None:
        if not isinstance(label, str) or not label.strip():
            if require_label and not isinstance(label, str):
                raise DataFormatError(f"{where}: 'label' must be a string, got {short_repr(label)}")
            if require_label:
                raise DataFormatError(f"{where}: 'label' is empty; give every block a label")
            label = None
        else:
            label = label.strip()
            if not is_label_name(label):  # an ESC or a line break would be printed as it is in every output
                raise DataFormatError(f"{where}: {unprintable_label(label)}")
    url = record.get("url") or None  # (blocktag's own JSONL and CSV carry a page's url: kept when read back)
    if url is not None and not isinstance(url, str):
        raise DataFormatError(f"{where}: 'url' must be a string, got {short_repr(url)}")
    check_unicode(url, "url", where)
    return Block(str(page), index, text, label, url=url, weight=_as_weight(record.get("weight"), where))


_YES = ("true", "1", "yes")  # "reviewed" as JSON's true, or a CSV cell

# The labelling guide's labels, in its order.
GUIDE_LABELS = ("body", "caption", "byline", "contributor_note", "promotion", "other")


def guide_order(label: str) -> tuple[int, str]:
    """Sort key: the guide's labels in the guide's order, then any other in a-z order."""
    return (GUIDE_LABELS.index(label), "") if label in GUIDE_LABELS else (len(GUIDE_LABELS), label)


def is_reviewed(record: dict) -> bool:
    """Whether a record says a person checked its label: ``"reviewed"`` true (or a CSV
    cell's "true", "1", "yes")."""
    return str(record.get("reviewed")).lower() in _YES


def as_int(value: object) -> object:
    """``value`` as Python's int when it is a whole number of another type (numpy's, as a
    grid's are), never a bool; else as it is, for the caller's check to refuse."""
    return int(value) if isinstance(value, Integral) and not isinstance(value, bool) else value


def is_given_label(record: dict) -> bool:
    """Whether a record's label (if any) is a person's, as training reads it: reviewed, or
    with no model's ``confidence`` beside it (what 'blocktag suggest' and 'tag' write)."""
    return record.get("confidence") in (None, "") or is_reviewed(record)


def check_unicode(value: object, field: str, where: str) -> None:
    """JSON can spell a lone surrogate (\\ud83d), which no file or terminal can hold."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DataFormatError(
                f"{where}: {field!r} holds a lone surrogate \\u{ord(value[exc.start]):04x}, not valid Unicode; "
                "fix or drop the character"
            ) from None


def _as_index(value: object, where: str) -> int:
    if isinstance(value, str) and _INDEX.fullmatch(value.strip()):
        value = int(value)  # CSV cells are strings
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_INDEX:
        shown = f"a number of {len(str(value).lstrip('-'))} digits" if isinstance(value, int) and value >= MAX_INDEX else short_repr(value)
        raise DataFormatError(f"{where}: 'index' must be a whole number from 0, got {shown}")
    return value


# A weight past this is no emphasis but a broken fit: the solver gives up on weights of 1e20
# and saves a model that tags everything one way. The corpus counts a wave at 0.5, a user's
# pages at 5 (train --with-corpus).
MAX_WEIGHT = 1000.0


def is_weight(value: object) -> bool:
    """Whether ``value`` is a weight a block may have: a number above 0, at most
    :data:`MAX_WEIGHT` (not NaN, not a bool)."""
    return isinstance(value, Real) and not isinstance(value, bool) and 0 < value <= MAX_WEIGHT


def _as_weight(value: object, where: str) -> float:
    """A record's optional ``weight`` (how much its block counts in training; 1 when it has
    none): a number above 0, at most :data:`MAX_WEIGHT`."""
    if value is None or value == "":
        return 1.0
    try:
        weight = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else math.nan
    except ValueError:
        weight = math.nan
    if not is_weight(weight):
        raise DataFormatError(f"{where}: 'weight' must be a number above 0 and at most {MAX_WEIGHT:g} (how much "
                              f"the block counts in training), got {short_repr(value)}")
    return weight


# Unicode's control characters and line and paragraph separators: no label holds one. (A
# no-break space, a zero-width joiner or a soft hyphen may be in a name.)
_NOT_IN_NAMES = frozenset({"Cc", "Zl", "Zp"})


def is_label_name(label: object) -> bool:
    """Whether ``label`` is a label's name: a non-empty string with no control character or
    line break (which every output would print as it is: an ESC sequence to a terminal)."""
    return (isinstance(label, str) and bool(label)
            and not any(unicodedata.category(c) in _NOT_IN_NAMES for c in label))


def unprintable_label(label: object) -> str:
    """What is said of a label :func:`is_label_name` refuses."""
    return f"the label {short_repr(label)} holds a control character or line break; a label is a name, e.g. body"


# ---------------------------------------------------------------- writers

# The tagged records' columns: JSONL's but "scores"; "url" last, empty for a page without one.
CSV_COLUMNS = ("page", "index", "text", "label", "confidence", "url")


class _CsvWriter(csv.DictWriter):
    """Rows of blocks. With "\n" line ends, csv quotes a field holding "\n" but not one
    holding a lone "\r", which a reader then takes for a line end: such a row is quoted whole."""

    def __init__(self, out: IO[str]):
        super().__init__(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        self._quoted = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n",
                                      quoting=csv.QUOTE_ALL)

    def writerow(self, row: dict):
        if any("\r" in str(row.get(column) or "") for column in ("text", "page", "url", "label")):
            return self._quoted.writerow(row)
        return super().writerow(row)


def csv_writer(out: IO[str]) -> csv.DictWriter:
    writer = _CsvWriter(out)
    writer.writeheader()
    return writer


def page_fingerprint(blocks: Sequence[Block]) -> str:
    """A page's blocks' words, hashed: the same page under any name, its spacing aside."""
    digest = hashlib.sha256()
    for block in blocks:
        digest.update(" ".join(block.text.split()).encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


# A model records its training pages' fingerprints, this many bytes of each (a corpus of a
# thousand pages: 8 KB), for evaluate to know them in any order or number.
PAGE_FINGERPRINT_BYTES = 8


def page_fingerprints(blocks: Sequence[Block]) -> str:
    """The fingerprints of ``blocks``' pages (:func:`page_fingerprint`, the first
    :data:`PAGE_FINGERPRINT_BYTES` of each), sorted and joined, as base64: a model's record
    of the pages it learnt, which says nothing of their order or names."""
    digests = sorted({bytes.fromhex(page_fingerprint(page))[:PAGE_FINGERPRINT_BYTES] for page in group_pages(blocks)})
    return base64.b64encode(b"".join(digests)).decode("ascii")


def fingerprint_set(recorded: str) -> set[bytes]:
    """:func:`page_fingerprints`' record as a set of fingerprints (empty for one not readable)."""
    try:
        data = base64.b64decode(recorded, validate=True)
    except (ValueError, TypeError):
        return set()
    return {data[k:k + PAGE_FINGERPRINT_BYTES] for k in range(0, len(data) - PAGE_FINGERPRINT_BYTES + 1,
                                                              PAGE_FINGERPRINT_BYTES)}


def training_data_hash(blocks: Iterable[Block]) -> str:
    """sha256 of labelled records in order (page, index, text, label, and a weight other than
    1): the same data gives the same hash. Models record it for their training data and each
    of its sources."""
    digest = hashlib.sha256()
    for b in blocks:
        record = [b.page, b.index, b.text, b.label] + ([b.weight] if b.weight != 1.0 else [])
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
