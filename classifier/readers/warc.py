"""Crawl archives: every HTML response of a WARC file (plain or gzipped), and every text
conversion of a WET file (Common Crawl's extracted text, a block a line), as a page.

A Common Crawl WARC or WET file can be tagged as it is: warcio reads it as a stream, so
memory holds one record at a time.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Iterator, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError
from .html import html_to_text, decode_html

HTML_TYPES = ("text/html", "application/xhtml+xml")
# A WET file's records: the text extracted from a page ("conversion"), one block a line.
TEXT_RECORD_TYPE, TEXT_CONTENT_TYPE = "conversion", "text/plain"
# A response bigger than this is not an article page; it is skipped unread.
MAX_RECORD_BYTES = 50 * 1024 * 1024


class WarcPage(NamedTuple):
    """One HTML response or text conversion: its position among the file's pages, URL and
    text (in the corpus's form, or a WET record's text, a block a line: ``lines``)."""

    number: int
    url: str | None
    text: str
    lines: bool = False


def read_warc(path: str | os.PathLike) -> Iterator[WarcPage]:
    """The HTML responses of a WARC file (and the text conversions of a WET file), in file
    order, as text. Raises :class:`InputError` naming the file when it is not a readable
    WARC archive."""
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            number = 0
            for record in ArchiveIterator(stream):
                _check_format(record)
                lines = _is_text_conversion(record)
                if not lines and (record.rec_type != "response" or not _is_html(record)):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                payload = record.content_stream().read(MAX_RECORD_BYTES + 1)
                # One unreadable page does not stop a crawl of thousands; each skip is said.
                if len(payload) > MAX_RECORD_BYTES:
                    warnings.warn(f"{path}: record {url}: is larger than {MAX_RECORD_BYTES // 2**20} MB, "
                                  "not a web page (skipped)", stacklevel=2)
                    continue
                try:
                    text = (payload.decode("utf-8", errors="replace") if lines  # WET text is UTF-8
                            else html_to_text(_decode(record, payload), url=url, source=f"{path}: record {url}"))
                except InputError as exc:
                    warnings.warn(f"{exc} (skipped)", stacklevel=2)
                    continue
                if not text.strip():
                    if not lines:
                        warnings.warn(f"{path}: record {url}: holds no text to tag once its markup is dropped (skipped)",
                                      stacklevel=2)
                    continue  # (a WET record of an empty page is common and says nothing)
                yield WarcPage(number, url, text, lines)
                number += 1
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        raise InputError(f"{path}: is not a readable WARC file ({_reason(exc)})") from None


def check_warc(path: str | os.PathLike) -> None:
    """Read a WARC file through without parsing its pages; raise :class:`InputError`
    naming the file if it is not a readable archive."""
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                _check_format(record)
                record.content_stream().read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        raise InputError(f"{path}: is not a readable WARC file ({_reason(exc)})") from None


def _check_format(record) -> None:
    # warcio reads text that is no WARC record as an old ARC record rather than failing.
    if record.format != "warc":
        raise ValueError("not a WARC record")


def _is_text_conversion(record) -> bool:
    content_type = record.rec_headers.get_header("Content-Type") or ""
    return record.rec_type == TEXT_RECORD_TYPE and content_type.split(";")[0].strip().lower() == TEXT_CONTENT_TYPE


def _is_html(record) -> bool:
    headers = record.http_headers
    content_type = (headers.get_header("Content-Type") if headers else None) or ""
    return content_type.split(";")[0].strip().lower() in HTML_TYPES


def _decode(record, payload: bytes) -> str:
    # The HTTP header's charset is authoritative when given; else the page's own.
    content_type = record.http_headers.get_header("Content-Type") or ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            try:
                return payload.decode(value.strip().strip("\"'"), errors="replace")
            except LookupError:
                break
    return decode_html(payload)


def _reason(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
