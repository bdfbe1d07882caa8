"""Crawl archives: every HTML response of a WARC file (plain or gzipped), and every text
conversion of a WET file (Common Crawl's extracted text, a block a line), as a page.

A Common Crawl WARC or WET file can be tagged as it is: warcio reads it as a stream, so
memory holds one record at a time.
"""

from __future__ import annotations

import collections
import contextlib
import gzip
import logging
import os
import re
import zlib
from pathlib import Path
from typing import Iterator, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import InputError, warn
from ..files import DEFAULT_ENCODING, GZIP_MAGIC, gunzip, looks_binary, text_encoding
from . import ARC_MAGIC, SNIFF_READ_BYTES, WARC_MAGIC, brotli_needed, dechunked, looks_like_html, not_a_page, unbrotli
from .html import decode_html, empty_page_hint, html_to_text, is_json_document, is_utf8, response_decoded

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Served as any XML: a page when its body reads as HTML (XHTML so served), as an untyped one is.
XML_TYPES = ("application/xml", "text/xml")
# The Internet Archive's older crawl format: a file of them starts with its header record.
ARC_SUFFIXES = (".arc", ".arc.gz")
# Records that hold a page: an HTTP response, or a resource (a page stored as it is, with no
# response around it, as warcit and some capture tools write them).
RESOURCE_RECORD_TYPE = "resource"
PAGE_RECORD_TYPES = ("response", RESOURCE_RECORD_TYPE)
# A WET file's records: the text extracted from a page ("conversion"), one block a line.
TEXT_RECORD_TYPE, TEXT_CONTENT_TYPE = "conversion", "text/plain"
# The Content-Encodings a response's body is undone from (warcio's, and Brotli's by hand).
UNDONE_ENCODINGS = ("", "identity", "gzip", "x-gzip", "deflate", "br")
# A body sent in chunks starts with its first chunk's size in hex (and maybe an extension).
_CHUNK_SIZE_LINE = re.compile(rb"[0-9A-Fa-f]{1,8}[ \t]*(?:;[^\r\n]{0,200})?\r?\n")
# A response bigger than this is not an article page; it is skipped unread.
MAX_RECORD_BYTES = 50 * 1024 * 1024
CHECK_CHUNK_BYTES = 1024 * 1024
# The smallest gzip file (a header and a trailer around nothing): anything shorter is cut short.
MIN_GZIP_BYTES = 18
# A response holding part of a page only (a range request's answer).
PARTIAL_CONTENT = "206"


class WarcPage(NamedTuple):
    """One HTML response or text conversion: its position among the file's pages, URL and
    text (in the corpus's form, or a WET record's text, a block a line: ``lines``)."""

    number: int
    url: str | None
    text: str
    lines: bool = False


def _not_space_note(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Replacing spaces in invalid WARC-Target-URI")


# warcio logs each address with a space in it (which it reads as %20) on stderr, once a pass,
# with no file named; the address a page carries says it well enough.
logging.getLogger("warcio.recordloader").addFilter(_not_space_note)


class _Archive(ArchiveIterator):
    """warcio's iterator, less its own multi-line note on stderr of a record whose
    Content-Length is off (which names no file, and came once per pass): :func:`check_warc`
    counts them (``err_count``) and says so in one warning."""

    INC_RECORD = ""


def _archive(stream, path) -> _Archive:
    """warcio's records of ``stream``; an ARC file's (the Internet Archive's older format)
    as the WARC records they stand for, only when the file is named so (else text that is
    no archive would be read as ARC records)."""
    arc = _kind(path) == "ARC"
    if arc:
        head = stream.peek(len(ARC_MAGIC)) if hasattr(stream, "peek") else b""
        if not head.startswith(ARC_MAGIC):
            raise ValueError(f"it does not start with an ARC file header ({ARC_MAGIC.decode()}...)")
    return _Archive(stream, arc2warc=arc)


def _kind(path) -> str:
    return "ARC" if str(path).lower().endswith(ARC_SUFFIXES) else "WARC"


def read_warc(path: str | os.PathLike, stream=None, encoding: str = DEFAULT_ENCODING) -> Iterator[WarcPage]:
    """The HTML responses of a WARC file (and the text conversions of a WET file), in file
    order, as text; a page's number is its record's place in the file, counted from 0, so
    it names the same record whatever else is skipped. Raises :class:`InputError` naming the
    file when it is not a readable WARC archive. ``stream``, a seekable binary file, is
    read instead of opening ``path`` (which then only names it: ``<stdin>``). A response that
    names no charset (in its HTTP header or its page) is read in ``encoding`` if it is not
    UTF-8 (unless it reads as UTF-8: a crawl holds many sites), else as browsers guess
    (:func:`decode_html`)."""
    path = Path(path) if stream is None else path
    not_pages = truncated = partial = 0
    truncated_url = partial_url = None
    try:
        with _opened(path, stream) as raw:
            # Through Python's gzip: a file gzipped whole (`gzip crawl.warc`) reads as one
            # gzipped record a member does; warcio alone stops after the first record.
            for number, record in enumerate(_archive(_decompressed(raw), path)):
                _check_format(record)
                lines = _is_text_conversion(record)
                html = lines or (record.rec_type in PAGE_RECORD_TYPES and _is_html(record))
                if not lines and html is False:
                    continue
                if not lines and not _succeeded(record):
                    not_pages += html is True  # (one with no type is no page either way)
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                # Its number is what its page is called in the output (crawl.warc.gz:12).
                source = f"{path}: record {number}" + (f" ({url})" if url else "")
                payload = _body(record, MAX_RECORD_BYTES + 1)
                # One unreadable page does not stop a crawl of thousands; each skip is said.
                if len(payload) > MAX_RECORD_BYTES:
                    warn(f"{source}: is larger than {MAX_RECORD_BYTES // 2**20} MB, "
                         "not a web page (skipped)")
                    continue
                try:
                    if lines and b"\x00" in payload:  # a conversion of a binary file, not of a page
                        raise InputError(f"{source}: holds NUL bytes: binary, not a page of text")
                    if html is None and _media_type(record) in XML_TYPES and not looks_like_html(payload):
                        continue  # XML that is no XHTML page: a feed, a sitemap, as other types are passed over
                    if not lines:
                        payload = _page_bytes(record, payload, source, typed=html is True)
                        if payload is None:
                            continue  # no Content-Type, and no HTML: an image, a script
                    text = (payload.decode("utf-8", errors="replace") if lines  # WET text is UTF-8
                            else html_to_text(_decode(record, payload, source, encoding), url=url, source=source))
                except InputError as exc:
                    warn(f"{exc} (skipped)")
                    continue
                if not text.strip():
                    if not lines:
                        warn(f"{source}: holds no text to tag once its markup is dropped"
                             f"{empty_page_hint(payload)} (skipped)")
                    continue  # (a WET record of an empty page is common and says nothing)
                if record.rec_headers.get_header("WARC-Truncated"):
                    truncated += 1
                    truncated_url = truncated_url or url
                elif _status(record) == PARTIAL_CONTENT:
                    partial += 1
                    partial_url = partial_url or url
                yield WarcPage(number, url, text, lines)
        if not_pages:
            # Crawls hold many redirects and error pages; said once, not a line each.
            warn(f"{path}: {not_pages} HTML response(s) with an HTTP status other than 2xx "
                 "(redirects, errors) are no pages (skipped)")
        if truncated:
            warn(f"{path}: {truncated} record(s) the crawler cut short (WARC-Truncated: over its size or "
                 f"time limit; the first: {truncated_url}) are tagged as far as they go")
        if partial:
            warn(f"{path}: {partial} response(s) hold part of a page only (206 Partial Content; the first: "
                 f"{partial_url}) and are tagged as far as they go")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error) as exc:
        raise InputError(f"{path}: is not a readable {_kind(path)} file ({_reason(exc, _kind(path))})") from None


def _page_bytes(record, payload: bytes, source: str, typed: bool = True) -> bytes | None:
    """A response's page bytes: its body as warcio decoded it, gunzipped if it is still
    gzip (a body sent gzipped with no Content-Encoding header, as a file may be); refused
    (:class:`InputError`) when it is compressed in a way that cannot be undone here, or binary.
    A response with no Content-Type (``typed`` false) is a page only if it reads as HTML:
    else None."""
    headers = record.http_headers  # (none around a resource record's page)
    encoding = ((headers.get_header("Content-Encoding") if headers else None) or "").strip().lower()
    if encoding == "br" and (needed := brotli_needed(source)):
        raise InputError(needed)
    if encoding == "br" and not looks_like_html(payload):
        # warcio undoes Brotli with brotlicffi only, and hands the `brotli` package's users
        # the compressed bytes: undone here (or refused: not Brotli, or a bomb).
        payload = unbrotli(payload, source)
    if _CHUNK_SIZE_LINE.match(payload) and (joined := dechunked(payload)):
        payload = joined  # still in its chunks (a crawler that dropped the Transfer-Encoding header)
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
            if encoding not in UNDONE_ENCODINGS:  # (Chrome sends zstd)
                raise InputError(f"{source}: is compressed with {encoding} (Content-Encoding: {encoding}), which "
                                 "blocktag cannot undo; crawl with Accept-Encoding: gzip, deflate, br")
            raise InputError(f"{source}: is binary, not an HTML page")
    return payload


@contextlib.contextmanager
def _opened(path, stream=None):
    """``path`` opened to read, or ``stream`` from its start (left open: its owner closes it)."""
    if stream is None:
        with open(path, "rb") as raw:
            yield raw
        return
    stream.seek(0)
    yield stream


def check_warc(path: str | os.PathLike, stream=None) -> None:
    """Read a WARC file through without parsing its pages; raise :class:`InputError`
    naming the file if it is not a readable archive, or is cut short (warcio itself takes
    the end of a file cut mid-record for the end of the archive)."""
    whole = end = 0
    try:
        with _opened(path, stream) as raw:
            head = raw.read(MIN_GZIP_BYTES)
            raw.seek(0)
            if not head or (str(path).lower().endswith(".gz") and len(head) < MIN_GZIP_BYTES):
                raise EOFError  # an empty file, or a gzip header cut short: a failed download
            body_stream = _Tail(_decompressed(raw))
            records = _archive(body_stream, path)
            try:
                for record in records:
                    _check_format(record)
                    length = record.rec_headers.get_header("Content-Length")
                    if length is not None and not length.strip().isdigit():  # (warcio reads "" as 0)
                        raise ValueError(f"a record whose Content-Length is {length.strip()!r}, not a number: "
                                         "damaged, or cut short")
                    while record.raw_stream.read(CHECK_CHUNK_BYTES):  # (its bytes only: bodies are undone when read)
                        pass
                    limit = getattr(record.raw_stream, "limit", None)  # what the header promised and is unread
                    if limit is None:  # text with a WARC line at its top: warcio finds no length to read by
                        raise ValueError("a record with no Content-Length")
                    if limit:  # bytes its header promised and the file lacks
                        raise EOFError
                    whole += 1
                    records.read_to_end()  # (its end, for the check below)
                    end = records.get_record_offset() + records.get_record_length()
            except (AttributeError, TypeError, KeyError):  # warcio's own failure on a record it cannot parse
                if not body_stream.starts_record_after(end):  # (else a header cut short at the file's end)
                    raise
                raise EOFError from None
            except Exception:
                # (warcio failed on the half record at the file's end: it is cut short)
                if not (_cut_short(body_stream) or body_stream.starts_record_after(end)):
                    raise
                raise EOFError from None
            if _cut_short(body_stream) or body_stream.starts_record_after(end):
                raise EOFError
            if records.err_count:
                warn(f"{path}: {records.err_count} record(s) not followed by the blank line that ends a "
                     "record (a Content-Length a few bytes off?); read as warcio reads them")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except EOFError:
        raise InputError(f"{path}: is cut short after {whole} whole record(s) (an interrupted download or "
                         "crawl?); fetch it again") from None
    except (ArchiveLoadFailed, OSError, ValueError, zlib.error) as exc:
        if isinstance(exc, gzip.BadGzipFile) and str(exc).startswith(_GZIP_TRAILER_FAILURES):
            # gzip checks a member at its end, once its record was counted: a member a record
            # (as crawlers write them), that record; a file gzipped whole, all of it.
            upto = f" up to the end of record {whole - 1}" if whole else ""
            raise InputError(f"{path}: is damaged (gzip's check of the data{upto} failed: {exc}); "
                             "fetch it again") from None
        where = f"after {whole} whole record(s): " if whole else ""  # (where to look in a file of gigabytes)
        raise InputError(f"{path}: is not a readable {_kind(path)} file ({where}{_reason(exc, _kind(path), whole)})") from None
    except (AttributeError, TypeError, KeyError):  # (raised again above: not a header cut short)
        raise InputError(f"{path}: is not a readable {_kind(path)} file (record {whole} is malformed: a header missing or "
                         "garbled, e.g. no WARC-Target-URI)") from None


# What Python's gzip says when a member's data fails the check at its end.
_GZIP_TRAILER_FAILURES = ("CRC check failed", "Incorrect length of data produced")
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*([0-9]+)", re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# An ARC record's header: one line, its URL first and its length last
# ("http://a.example/ 1.2.3.4 20240101000000 text/html 1234").
_ARC_RECORD_START = re.compile(rb"[A-Za-z][A-Za-z0-9+.-]{0,20}://\S")
_ARC_LENGTH = re.compile(rb" ([0-9]{1,12})\r?$")


class _Tail:
    """A stream as warcio reads it, with the last ``TAIL_BYTES`` or more it read kept: what
    follows the last whole record, where warcio takes a header cut short for the end."""

    TAIL_BYTES = 65536  # more than any record's header

    def __init__(self, stream):
        self._stream = stream
        self._chunks: collections.deque[bytes] = collections.deque()
        self._kept = self.total = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.total += len(data)
        self._chunks.append(data)
        self._kept += len(data)
        while self._chunks and self._kept - len(self._chunks[0]) >= self.TAIL_BYTES:
            self._kept -= len(self._chunks.popleft())
        return data

    def starts_record_after(self, end: int) -> bool:
        """Whether the stream ends, within a header's worth of ``end`` (the last whole
        record's end), on the start of a record whose header never ends: a header cut short.
        (Blank lines may come first, or a few bytes of that record, when its Content-Length
        is off.)"""
        rest = self._stream.read(self.TAIL_BYTES + 1)  # (nothing, when warcio read it all)
        self.total += len(rest)
        if len(rest) > self.TAIL_BYTES:
            return False  # not the file's end: warcio failed on a record in the middle
        kept = b"".join(self._chunks) + rest
        start = self.total - len(kept)
        if end < start:
            return False  # more than a header's worth after it: no header cut short
        tail = kept[end - start:].lstrip()
        if _ARC_RECORD_START.match(tail):  # an ARC record's header: one line, its length last
            line_end = tail.find(b"\n")
            length = _ARC_LENGTH.search(tail, 0, line_end) if line_end >= 0 else None
            return line_end < 0 or bool(length) and len(tail) - line_end - 1 < int(length.group(1))
        if not (tail.startswith(WARC_MAGIC) or bool(tail) and WARC_MAGIC.startswith(tail[:len(WARC_MAGIC)])):
            return False
        ended = _HEADER_END.search(tail)
        if not ended:
            return True  # a header that never ends
        length = _CONTENT_LENGTH.search(tail, 0, ended.start())  # a header that ends: cut short if its body is
        return bool(length) and len(tail) - ended.end() < int(length.group(1))

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _Decompressed:
    """A gzipped file read through Python's gzip, which raises EOFError on a member cut
    short where warcio's own reader stops quietly; warcio takes any EOFError for the end
    of the archive, so it is noted here (``cut_short``) to be raised after."""

    def __init__(self, raw):
        self._stream = gzip.GzipFile(fileobj=raw, mode="rb")
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
    if record.rec_type == RESOURCE_RECORD_TYPE:  # a page stored as it is, with no HTTP response around it
        return True
    status = _status(record)
    return bool(status) and status.startswith("2")


def _status(record) -> str | None:
    return record.http_headers.get_statuscode() if record.http_headers else None


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
    return _content_type(record).split(";")[0].strip().lower()


def _content_type(record) -> str:
    """A response's Content-Type header, or a resource record's own; "" when it has none."""
    if record.rec_type == RESOURCE_RECORD_TYPE:
        return record.rec_headers.get_header("Content-Type") or ""
    headers = record.http_headers
    return (headers.get_header("Content-Type") if headers else None) or ""


def _body(record, limit: int) -> bytes:
    """A record's body as warcio undoes its transfer and content encodings; Brotli by hand
    where warcio's own use of it fails (warcio 1.8 with brotli 1.2: an AttributeError)."""
    headers = record.http_headers
    chunked = (headers.get_header("Transfer-Encoding") or "") if headers else ""
    if chunked != "chunked" and chunked.strip().lower() == "chunked":
        headers.replace_header("Transfer-Encoding", "chunked")  # warcio reads the name in lower case only; HTTP in any
    try:
        stream = record.content_stream()
    except AttributeError:
        data = record.raw_stream.read(limit)
        try:
            return unbrotli(data, "")
        except InputError:  # no Brotli, or not Brotli: read as it is; a page is sniffed, and binary is refused with its reason
            return data
    return stream.read(limit)


def _decode(record, payload: bytes, source: str, encoding: str = DEFAULT_ENCODING) -> str:
    # As browsers read a response: a byte-order mark first, then the HTTP header's charset
    # (unless the body is not in it and the page names its own: a server's default label).
    decoded = payload if text_encoding(payload, "") else response_decoded(payload, _header_charset(record))
    if isinstance(decoded, str):
        return decoded
    if encoding != DEFAULT_ENCODING and (decoded.isascii() or is_utf8(decoded)):
        encoding = DEFAULT_ENCODING  # a crawl's other sites: a page in UTF-8 is read so, the encoding given the rest
    return decode_html(decoded, encoding, source=source)


def _header_charset(record) -> str | None:
    content_type = _content_type(record)
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"\'') or None
    return None


def _reason(exc: Exception, kind: str = "WARC", whole: int = 0) -> str:
    if isinstance(exc, ArchiveLoadFailed) and "Unknown archive format" in str(exc):  # (warcio quotes the bytes)
        if whole:  # a record after whole ones that is none: a half record at the end, or damage
            return f"then something that is no {kind} record: damaged, or cut short"
        return f"it does not start with a {kind} record: not a {kind} file, or damaged"
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
