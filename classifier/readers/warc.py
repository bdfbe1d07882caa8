"""Crawl archives: every HTML response of a WARC file (plain or gzipped), and every text
conversion of a WET file (Common Crawl's extracted text, a block a line), as a page.

A Common Crawl WARC or WET file can be tagged as it is: warcio reads it as a stream, so
memory holds one record at a time.
"""

from __future__ import annotations

import gzip
import os
import warnings
import zlib
from pathlib import Path
from typing import Iterator, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError
from ..files import GZIP_MAGIC, gunzip, looks_binary, text_encoding
from . import SNIFF_READ_BYTES, looks_like_html, not_a_page
from .html import decode_html, html_to_text, is_json_document, known_encoding, utf8_under_western_label

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Served as any XML: a page when its body reads as HTML (XHTML so served), as an untyped one is.
XML_TYPES = ("application/xml", "text/xml")
# A WET file's records: the text extracted from a page ("conversion"), one block a line.
TEXT_RECORD_TYPE, TEXT_CONTENT_TYPE = "conversion", "text/plain"
# A response bigger than this is not an article page; it is skipped unread.
MAX_RECORD_BYTES = 50 * 1024 * 1024
CHECK_CHUNK_BYTES = 1024 * 1024
# The smallest gzip file (a header and a trailer around nothing): anything shorter is cut short.
MIN_GZIP_BYTES = 18


class WarcPage(NamedTuple):
    """One HTML response or text conversion: its position among the file's pages, URL and
    text (in the corpus's form, or a WET record's text, a block a line: ``lines``)."""

    number: int
    url: str | None
    text: str
    lines: bool = False


class _Archive(ArchiveIterator):
    """warcio's iterator, less its own multi-line note on stderr of a record whose
    Content-Length is off (which names no file, and came once per pass): :func:`check_warc`
    counts them (``err_count``) and says so in one warning."""

    INC_RECORD = ""


def read_warc(path: str | os.PathLike) -> Iterator[WarcPage]:
    """The HTML responses of a WARC file (and the text conversions of a WET file), in file
    order, as text; a page's number is its record's place in the file, counted from 0, so
    it names the same record whatever else is skipped. Raises :class:`InputError` naming the
    file when it is not a readable WARC archive."""
    path = Path(path)
    not_pages = truncated = 0
    truncated_url = None
    try:
        with open(path, "rb") as raw:
            # Through Python's gzip: a file gzipped whole (`gzip crawl.warc`) reads as one
            # gzipped record a member does; warcio alone stops after the first record.
            for number, record in enumerate(_Archive(_decompressed(raw))):
                _check_format(record)
                lines = _is_text_conversion(record)
                html = lines or (record.rec_type == "response" and _is_html(record))
                if not lines and html is False:
                    continue
                if not lines and not _succeeded(record):
                    not_pages += html is True  # (one with no type is no page either way)
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                payload = _body(record, MAX_RECORD_BYTES + 1)
                # One unreadable page does not stop a crawl of thousands; each skip is said.
                if len(payload) > MAX_RECORD_BYTES:
                    warnings.warn(f"{path}: record {url}: is larger than {MAX_RECORD_BYTES // 2**20} MB, "
                                  "not a web page (skipped)", stacklevel=2)
                    continue
                try:
                    if lines and b"\x00" in payload:  # a conversion of a binary file, not of a page
                        raise InputError(f"{path}: record {url}: holds NUL bytes: binary, not a page of text")
                    if html is None and _media_type(record) in XML_TYPES and not looks_like_html(payload):
                        continue  # XML that is no XHTML page: a feed, a sitemap, as other types are passed over
                    if not lines:
                        payload = _page_bytes(record, payload, f"{path}: record {url}", typed=html is True)
                        if payload is None:
                            continue  # no Content-Type, and no HTML: an image, a script
                    text = (payload.decode("utf-8", errors="replace") if lines  # WET text is UTF-8
                            else html_to_text(_decode(record, payload, f"{path}: record {url}"), url=url,
                                              source=f"{path}: record {url}"))
                except InputError as exc:
                    warnings.warn(f"{exc} (skipped)", stacklevel=2)
                    continue
                if not text.strip():
                    if not lines:
                        warnings.warn(f"{path}: record {url}: holds no text to tag once its markup is dropped (skipped)",
                                      stacklevel=2)
                    continue  # (a WET record of an empty page is common and says nothing)
                if record.rec_headers.get_header("WARC-Truncated"):
                    truncated += 1
                    truncated_url = truncated_url or url
                yield WarcPage(number, url, text, lines)
        if not_pages:
            # Crawls hold many redirects and error pages; said once, not a line each.
            warnings.warn(f"{path}: {not_pages} HTML response(s) with an HTTP status other than 2xx "
                          "(redirects, errors) are no pages (skipped)", stacklevel=2)
        if truncated:
            warnings.warn(f"{path}: {truncated} record(s) the crawler cut short (WARC-Truncated: over its size or "
                          f"time limit; the first: {truncated_url}) are tagged as far as they go", stacklevel=2)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
        raise InputError(f"{path}: is not a readable WARC file ({_reason(exc)})") from None


def _page_bytes(record, payload: bytes, source: str, typed: bool = True) -> bytes | None:
    """A response's page bytes: its body as warcio decoded it, gunzipped if it is still
    gzip (a body sent gzipped with no Content-Encoding header, as a file may be); refused
    (:class:`InputError`) when it is compressed in a way that cannot be undone here, or binary.
    A response with no Content-Type (``typed`` false) is a page only if it reads as HTML:
    else None."""
    encoding = (record.http_headers.get_header("Content-Encoding") or "").strip().lower()
    if encoding == "br" and not _has_brotli():
        raise InputError(f"{source}: is compressed with Brotli (Content-Encoding: br), which needs the brotli "
                         "package: pip install brotli")
    if payload.startswith(GZIP_MAGIC):
        payload = gunzip(payload, source)  # (a damaged one: "is not a valid gzip file")
    refusal = not_a_page(payload[:SNIFF_READ_BYTES], html=typed)
    if refusal:  # a feed or a PDF a server called text/html
        raise InputError(f"{source}: {refusal}")
    if typed and is_json_document(payload):  # an API's answer a server called text/html
        raise InputError(f"{source}: is JSON, not an HTML page")
    if not looks_like_html(payload):
        if not typed:
            return None
        if looks_binary(payload):
            raise InputError(f"{source}: is binary, not an HTML page")
    return payload


def _has_brotli() -> bool:
    import importlib.util

    return importlib.util.find_spec("brotli") is not None or importlib.util.find_spec("brotlicffi") is not None


def check_warc(path: str | os.PathLike) -> None:
    """Read a WARC file through without parsing its pages; raise :class:`InputError`
    naming the file if it is not a readable archive, or is cut short (warcio itself takes
    the end of a file cut mid-record for the end of the archive)."""
    whole = 0
    try:
        with open(path, "rb") as raw:
            head = raw.read(MIN_GZIP_BYTES)
            raw.seek(0)
            if not head or (str(path).lower().endswith(".gz") and len(head) < MIN_GZIP_BYTES):
                raise EOFError  # an empty file, or a gzip header cut short: a failed download
            stream = _decompressed(raw)
            records = _Archive(stream)
            try:
                for record in records:
                    _check_format(record)
                    while record.raw_stream.read(CHECK_CHUNK_BYTES):  # (its bytes only: bodies are undone when read)
                        pass
                    limit = getattr(record.raw_stream, "limit", None)  # what the header promised and is unread
                    if limit is None:  # text with a WARC line at its top: warcio finds no length to read by
                        raise ValueError("a record with no Content-Length")
                    if limit:  # bytes its header promised and the file lacks
                        raise EOFError
                    whole += 1
            except Exception:
                if not _cut_short(stream):  # (else warcio failed on the half record: it is cut short)
                    raise
            if _cut_short(stream):
                raise EOFError
            if records.err_count:
                warnings.warn(f"{path}: {records.err_count} record(s) not followed by the blank line that ends a "
                              "record (a Content-Length a few bytes off?); read as warcio reads them", stacklevel=2)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except EOFError:
        raise InputError(f"{path}: is cut short after {whole} whole record(s) (an interrupted download or "
                         "crawl?); fetch it again") from None
    except (ArchiveLoadFailed, OSError, ValueError, zlib.error) as exc:
        raise InputError(f"{path}: is not a readable WARC file ({_reason(exc)})") from None
    except (AttributeError, TypeError, KeyError):  # warcio's own failure on a record it cannot parse
        raise InputError(f"{path}: is not a readable WARC file (record {whole} is malformed: a header missing or "
                         "garbled, e.g. no WARC-Target-URI)") from None


class _Decompressed:
    """A gzipped file read through Python's gzip, which raises EOFError on a member cut
    short where warcio's own reader stops quietly; warcio takes any EOFError for the end
    of the archive, so it is noted here (``cut_short``) to be raised after."""

    def __init__(self, raw):
        self._stream = gzip.GzipFile(fileobj=raw)
        self.cut_short = False

    def read(self, size: int = -1) -> bytes:
        try:  # read1: a read that fills its whole size would lose what came before the cut
            return self._stream.read1(size)
        except EOFError:
            self.cut_short = True
            return b""

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _decompressed(raw):
    """``raw``, or a gzipped file read through :class:`_Decompressed`."""
    gzipped = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    return _Decompressed(raw) if gzipped else raw


def _cut_short(stream) -> bool:
    # (a plain file's short record is found by its length instead)
    return getattr(stream, "cut_short", False)


def _succeeded(record) -> bool:
    status = record.http_headers.get_statuscode() if record.http_headers else None
    return bool(status) and status.startswith("2")


def _check_format(record) -> None:
    # warcio reads text that is no WARC record as an old ARC record rather than failing.
    if record.format != "warc":
        raise ValueError("not a WARC record")


def _is_text_conversion(record) -> bool:
    content_type = record.rec_headers.get_header("Content-Type") or ""
    return record.rec_type == TEXT_RECORD_TYPE and content_type.split(";")[0].strip().lower() == TEXT_CONTENT_TYPE


def _is_html(record) -> bool | None:
    """Whether a response is an HTML page by its Content-Type; None when it names none, or
    only XML (a browser then sniffs the body, as :func:`read_warc` does)."""
    kind = _media_type(record)
    if not kind or kind in XML_TYPES:
        return None
    return kind in HTML_TYPES


def _media_type(record) -> str:
    """A response's media type ("text/html"), lower case; "" when it names none."""
    headers = record.http_headers
    content_type = (headers.get_header("Content-Type") if headers else None) or ""
    return content_type.split(";")[0].strip().lower()


def _body(record, limit: int) -> bytes:
    """A record's body as warcio undoes its transfer and content encodings; Brotli by hand
    where warcio's own use of it fails (warcio 1.8 with brotli 1.2: an AttributeError)."""
    try:
        stream = record.content_stream()
    except AttributeError:
        data = record.raw_stream.read(limit)
        try:
            import brotli
        except ImportError:  # (then not warcio's brotli failing: read as it is, as below)
            return data
        try:
            return brotli.decompress(data)
        except brotli.error:
            return data  # read as it is: a page is sniffed, and binary is refused with its reason
    return stream.read(limit)


def _decode(record, payload: bytes, source: str) -> str:
    # As browsers read a response: a byte-order mark first, then the HTTP header's charset,
    # then the page's own.
    if text_encoding(payload, ""):
        return decode_html(payload, source=source, hint=False)
    content_type = record.http_headers.get_header("Content-Type") or ""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            encoding = known_encoding(value, in_page=False)
            if utf8_under_western_label(payload, encoding):  # a server's default label on a UTF-8 page
                return payload.decode("utf-8")
            if encoding:
                try:
                    return payload.decode(encoding, errors="replace")
                except LookupError:  # a codec that is not a text encoding ("base64")
                    pass
            break
    return decode_html(payload, source=source, hint=False)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ArchiveLoadFailed) and "Unknown archive format" in str(exc):
        return "it does not start with a WARC record: not a WARC file, or damaged"  # (warcio quotes the bytes)
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
