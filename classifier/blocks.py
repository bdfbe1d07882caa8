"""Blocks: the Block record, page segmentation, and the labelled-data readers and writers.

A scraped page is plain text whose blocks are separated by blank lines. Labelled data is
the labelling guide's JSON Lines (``page``, ``index``, ``text``, ``label``) or a CSV file
with the same columns.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from itertools import groupby
from pathlib import Path
from typing import IO, Iterable, Iterator

from .errors import DataFormatError, InputError
from .files import DEFAULT_ENCODING, read_bytes, decode_text

REQUIRED_FIELDS = ("page", "index", "text")
LABELLED_SUFFIXES = (".jsonl", ".csv")
LABEL_STUDIO_SUFFIX = ".json"
# A line holding only spaces or tabs separates blocks just like an empty one.
_BLANK_LINE = re.compile(r"[ \t]*")


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a page: where it stands and what it says (and, in labelled data, its label)."""

    page: str
    index: int
    text: str
    label: str | None = None

    def to_dict(self) -> dict:
        record = asdict(self)
        if self.label is None:
            del record["label"]
        return record


def normalise_newlines(text: str) -> str:
    """Drop a UTF-8 byte-order mark and turn CRLF / CR line ends into LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def segment(text: str) -> list[str]:
    """Split page text into blocks on blank lines, keeping each block's text as scraped."""
    blocks: list[str] = []
    current: list[str] = []
    for line in normalise_newlines(text).split("\n"):
        if _BLANK_LINE.fullmatch(line):
            if current:
                blocks.append("\n".join(current))
                current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def page_blocks(text: str, page: str) -> list[Block]:
    """The blocks of one page's text, numbered from 0."""
    return [Block(page, i, block) for i, block in enumerate(segment(text))]


def group_pages(blocks: Iterable[Block]) -> Iterator[list[Block]]:
    """Consecutive blocks of the same page, as pages (lazily)."""
    for _, page in groupby(blocks, key=lambda b: b.page):
        yield list(page)


def join_blocks(texts: Iterable[str]) -> str:
    """The inverse of :func:`segment`: blocks separated by one blank line."""
    return "\n\n".join(texts)


# ---------------------------------------------------------------- labelled data readers


def read_labelled(
    paths: Iterable[str | Path], require_label: bool = True, encoding: str = DEFAULT_ENCODING
) -> list[Block]:
    """Read labelled blocks from JSONL and CSV files, validating every record.

    Raises :class:`DataFormatError` naming ``file:line`` for a malformed line, a missing
    field, a non-integer index, an empty label or a ``(page, index)`` seen twice.
    """
    blocks: list[Block] = []
    for path in paths:
        blocks.extend(iter_labelled(path, require_label=require_label, encoding=encoding))
    return blocks


def iter_labelled(
    path: str | Path, require_label: bool = True, encoding: str = DEFAULT_ENCODING
) -> Iterator[Block]:
    """Yield the blocks of one JSONL or CSV file lazily, validating as it goes."""
    seen: set[tuple[str, int]] = set()
    for lineno, record in iter_records(path, encoding):
        block = _validate(record, f"{path}:{lineno}", require_label)
        key = (block.page, block.index)
        if key in seen:
            raise DataFormatError(
                f"{path}:{lineno}: duplicate block: page {block.page!r} index {block.index} appears twice"
            )
        seen.add(key)
        yield block


def iter_records(path: str | Path, encoding: str = DEFAULT_ENCODING) -> Iterator[tuple[int, object]]:
    """The raw records of a JSONL or CSV file with their line numbers, unvalidated."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == LABEL_STUDIO_SUFFIX:  # a Label Studio JSON export (classifier.labelstudio)
        from .labelstudio import export_records

        return export_records(path, encoding)
    if suffix not in LABELLED_SUFFIXES:
        raise InputError(f"{path}: unknown data format; labelled data must be .jsonl, .csv or a Label Studio .json export")
    text_lines = _text_lines(path, encoding)
    return _jsonl_records(path, text_lines) if suffix == ".jsonl" else _csv_records(path, text_lines)


def read_groups(paths: Iterable[str | Path], group: str, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """For each record of the files (in :func:`read_labelled` order), the group it belongs to
    for cross-validation: its ``page``, its ``file``, or the value of any other field."""
    groups: list[str] = []
    for path in paths:
        for lineno, record in iter_records(path, encoding):
            if group == "file":
                groups.append(str(path))
            elif isinstance(record, dict) and record.get(group) not in (None, ""):
                groups.append(str(record[group]))
            else:
                raise DataFormatError(f"{path}:{lineno}: record has no {group!r} field to group by")
    return groups


def _text_lines(path: Path, encoding: str) -> Iterator[str]:
    # Decoding the whole file up front keeps the encoding error in one place; the lines
    # are then parsed lazily.
    text = decode_text(read_bytes(path), str(path), encoding)
    return iter(io.StringIO(text, newline=None))


def _jsonl_records(path: Path, lines: Iterator[str]) -> Iterator[tuple[int, object]]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataFormatError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None


def _csv_records(path: Path, lines: Iterator[str]) -> Iterator[tuple[int, object]]:
    reader = csv.DictReader(lines)
    missing = [f for f in REQUIRED_FIELDS if f not in (reader.fieldnames or [])]
    if missing:
        raise DataFormatError(f"{path}:1: CSV header lacks column(s) {', '.join(missing)}")
    try:
        for row in reader:
            # reader.line_num is the last physical line of the row; report where it starts.
            yield reader.line_num - _row_newlines(row), row
    except csv.Error as exc:
        raise DataFormatError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None


def _row_newlines(row: dict) -> int:
    return sum(str(v).count("\n") for v in row.values() if isinstance(v, str))


def _validate(record: object, where: str, require_label: bool) -> Block:
    if not isinstance(record, dict):
        raise DataFormatError(f"{where}: expected a JSON object with page, index, text and label")
    for field in REQUIRED_FIELDS + (("label",) if require_label else ()):
        if field not in record or record[field] is None:
            raise DataFormatError(f"{where}: record has no {field!r} field")
    page, index, text, label = record["page"], record["index"], record["text"], record.get("label")
    if not isinstance(page, (str, int)) or isinstance(page, bool) or str(page) == "":
        raise DataFormatError(f"{where}: 'page' must be a non-empty string")
    index = _as_index(index, where)
    if not isinstance(text, str):
        raise DataFormatError(f"{where}: 'text' must be a string")
    if label is not None:
        if not isinstance(label, str) or not label.strip():
            if require_label:
                raise DataFormatError(f"{where}: 'label' is empty; give every block a label")
            label = None
        else:
            label = label.strip()
    return Block(str(page), index, text, label)


def _as_index(value: object, where: str) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)  # CSV cells are strings
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DataFormatError(f"{where}: 'index' must be a whole number from 0, got {value!r}")
    return value


# ---------------------------------------------------------------- writers

CSV_COLUMNS = ("page", "index", "text", "label", "confidence")


def csv_writer(out: IO[str]) -> csv.DictWriter:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    return writer
