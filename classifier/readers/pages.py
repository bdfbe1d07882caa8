"""Pages from every kind of input: text pages in any dialect, HTML, WARC and WET archives,
stdin, and files of records (blocks, or whole pages: :mod:`.records`).

:func:`iter_pages` is what tagging reads: every page of every input, lazily, each a list of
:class:`Block` in page order. Each input is read and checked whole before its first page
comes out, so an input skipped for an error has nothing output.
"""

from __future__ import annotations

import codecs
import functools
import json
import os
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .. import blocks as blocks_module
from ..blocks import (LABELLED_SUFFIXES, Block, capped_pages, iter_labelled, iter_records, iter_segments,
                      jsonl_line_records, jsonl_text_records, path_list, records_suffix, validated_blocks)
from ..errors import BlocktagError, InputError, SettingError, check_callback, warn
from ..files import (DEFAULT_ENCODING, GZIP_MAGIC, as_path, check_encoding, decode_text, decoded_lines, read_bytes,
                     read_text, text_encoding, binary_error, is_wide_encoding, looks_binary, unmarked_unicode)
from ..dialects import resolve_citations, resolve_reference_links, without_pandoc_attributes
from ..segmentation import DEFAULT_SPLIT, check_split, is_flattened, split_page
from ..sources import STDIN, STDIN_PAGE, expand_arguments
from . import (SNIFF_READ_BYTES, WARC_MAGIC, http_body, input_kind, looks_like_html, not_a_page, page_stem,
               unpacked_page)
from .envelope import split_envelope
from .records import CONTENT_FIELDS, URL_FIELDS, holds_pages, page_records, unwrapped, unwrapped_document

# A JSON document of page records (one, or a list: see .records).
JSON_SUFFIX = ".json"
# The HTML and WARC readers write the corpus's form, blank-line blocks: the repairs of
# --split auto are for other converters' text.
READER_SPLIT = "blank"


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
    a WARC file's HTML responses (or a WET file's text), stdin, a ``.jsonl``/``.csv`` file of
    blocks (grouped by ``page``; any ``label`` is ignored) or of whole pages, or a ``.json``
    file of pages (see :mod:`.records`). A page over ``MAX_PAGE_BLOCKS`` blocks comes in
    chunks (see ``capped_pages``).
    The whole input is read and checked before its first page comes out, so an input
    skipped for an error has nothing output."""
    if str(source) == STDIN:
        yield from _stdin_pages(page or STDIN_PAGE, encoding, split)
        return
    path = as_path(source)
    kind = input_kind(path, sniff=False)  # a page named as text is sniffed below, from the bytes read once
    if kind in ("html", "warc"):
        yield from _markup_pages(path, kind, page or page_stem(path), encoding)
        return
    suffix = records_suffix(path)
    if suffix == JSON_SUFFIX:
        yield from _json_file_pages(read_text(path, encoding), str(path), page or page_stem(path), split)
        return
    if suffix in LABELLED_SUFFIXES:
        if holds_pages(_telling_record(iter_records(path, encoding, required=()))):
            yield from _record_pages(lambda: _lines_located(iter_records(path, encoding, required=()), str(path)),
                                     page or page_stem(path), split)
            return
        for _ in iter_labelled(path, require_label=False, encoding=encoding):
            pass  # a first pass that only validates; the second streams
        blocks = (Block(b.page, b.index, b.text, url=b.url)
                  for b in iter_labelled(path, require_label=False, encoding=encoding))
        yield from capped_pages(blocks)
        return
    data = read_bytes(path, encoding, allow=_checked_later)
    yield from _pages_of_bytes(data, str(path), page or page_stem(path), encoding, split)


def holds_blocks(path: str | Path, encoding: str = DEFAULT_ENCODING) -> bool:
    """Whether ``path`` is a JSONL or CSV file of blocks (split already: ``--split`` has nothing
    to do with them), not of whole pages; False for any other input, or one not readable."""
    if str(path) == STDIN or records_suffix(as_path(path)) not in LABELLED_SUFFIXES:
        return False
    try:
        record = _telling_record(iter_records(as_path(path), encoding, required=()))
    except BlocktagError:
        return False  # its error is said when it is read
    return record is not None and not holds_pages(record)


def _telling_record(records) -> object:
    """The first record that says whether a file holds pages or blocks (a page's text, or a
    block's index): a crawl's failed fetches ({"url", "status": 404}) may come first."""
    first = _NO_RECORD
    for _, record in records:
        if first is _NO_RECORD:
            first = record
        record = unwrapped(record)
        if not isinstance(record, dict) or "index" in record or any(f in record for f in CONTENT_FIELDS):
            return record
    return None if first is _NO_RECORD else first


_NO_RECORD = object()


def _header_decoded(data: bytes, charset: str) -> str | None:
    from .html import header_decoded  # lxml, only for the rare page that needs it

    return header_decoded(data, charset)


def _checked_later(head: bytes) -> bool:
    """Bytes :func:`_pages_of_bytes` reads or refuses itself, so a file's binary check must
    not refuse them first: HTML, gzip, and documents that get an error of their own."""
    return (looks_like_html(head) or head.startswith((GZIP_MAGIC, b"HTTP/")) or not_a_page(head) is not None)


def _pages_of_bytes(data: bytes, source: str, page: str, encoding: str, split: str) -> Iterator[list[Block]]:
    """A page file's bytes (or stdin's) as its page: gzipped or not, text (less any scraper's
    envelope) or HTML; JSON as the pages (or blocks) it holds; a PDF, a zip archive or a
    feed is refused with what to do instead."""
    data, charset = unpacked_page(data, source)  # gzip, or `curl -i` output: the page after its headers
    decoded = None
    # UTF-16, UTF-32 or UTF-8 marked; or named by --encoding as UTF-16 or UTF-32 and holding
    # their NULs (a UTF-8 page among them is read by its own charset, as ever)
    if text_encoding(data, "") or (is_wide_encoding(encoding) and unmarked_unicode(data)):
        decoded = decode_text(data, source, encoding)
    elif charset:  # a saved response's header names it; a body not in it is read as without one
        decoded = _header_decoded(data, charset)
    if decoded is not None:  # sniffed as UTF-8; HTML gets the text, so its meta charset is not read
        yield from _content_pages(decoded[:SNIFF_READ_BYTES].encode("utf-8"), decoded, lambda: decoded, source, page, split)
        return
    yield from _content_pages(data, data, functools.cache(lambda: decode_text(data, source, encoding)),
                              source, page, split, encoding)


def _content_pages(head: bytes, html: bytes | str, text: Callable[[], str], source: str, page: str,
                   split: str, encoding: str = DEFAULT_ENCODING) -> Iterator[list[Block]]:
    """A page's content sniffed by its first bytes, ``head``: refused when it is a document of
    another kind (a PDF, a zip archive, a feed); JSON as the pages (or blocks) it holds; HTML
    through the HTML reader (given ``html``: bytes, whose meta charset it reads, or text);
    else its text (``text()``), less any scraper's envelope, split by ``split``."""
    refusal = not_a_page(head)
    if refusal:
        raise InputError(f"{source}: {refusal}")
    if _JSON_START.match(head):
        pages = _json_text_pages(text(), source, page, split)
        if pages is not None:
            return pages
    header = _records_csv_header(head)
    if header:  # blocks or pages as CSV, under a name (or on stdin) that does not say so
        fix = "save it to a .csv file and give that" if source == "<stdin>" else "name it .csv to read the records it holds"
        raise InputError(f"{source}: is CSV of blocks or pages (its first line is the header {header}), not a page; {fix}")
    if looks_like_html(head):  # a saved page named as text: never tagged as markup
        html_text, url = _html_page(html, source=source, encoding=encoding)
        return text_pages(html_text, page, READER_SPLIT, url=url)
    body, url = split_envelope(text())
    return text_pages(body, page, split, url=url, source=source)


def _json_text_pages(text: str, source: str, page: str, split: str) -> Iterator[list[Block]] | None:
    """The pages of text that opens like JSON, or None when it is no JSON after all."""
    lines = _json_lines_start(text)
    if lines is not None:  # JSON lines: pages or blocks, never a page of JSON
        return _json_lines_pages(lambda: jsonl_text_records(text, source), source, page, split) if lines else None
    document = _parsed(text)
    if document is not _NOT_JSON:  # one page record, or a list of them
        return _json_document_pages(document, source, page, split)
    return None


def _json_lines_start(text: str) -> bool | None:
    """Whether text (its start, at least its first line and some after) opens JSON lines:
    None when its first line is no JSON object, False when that object is a blob atop a page
    of text (:func:`_opens_a_page_of_text`)."""
    first = _FIRST_LINE.match(text)
    record = _parsed(first.group(1))
    if not isinstance(record, dict):
        return None
    return not _opens_a_page_of_text(record, text, first.end())


def _opens_a_page_of_text(record: dict, text: str, after: int) -> bool:
    """Whether a first line of JSON is a blob a scraper kept at the top of a page of text
    (JSON-LD, a state object: lxml's text_content() keeps <script> text), not the first of
    JSON lines: it has no field a page or block record has (nor a failed fetch's, unless it is
    JSON-LD; a state object's "page" route, with no "index", is not a block's), and the next
    line that is not blank or JSON-LD opens no JSON (a file of records with other fields is
    refused, naming them, and a broken line is refused at its line; a line opening with "["
    that does not parse is text: a markdown link, "[Home](/)")."""
    if any(name in record for name in (*CONTENT_FIELDS, "label")) or ("page" in record and "index" in record):
        return False
    if not _is_json_ld(record) and any(name in record for name in (*URL_FIELDS, "status", "error")):
        return False  # (a crawl's failed fetch, {"url", "status": 404}, may come first)
    following = _NEXT_LINE.match(text, after)
    while following is not None and _is_json_ld(_parsed(following.group(1).rstrip())):  # a page may carry several
        following = _NEXT_LINE.match(text, following.end())
    # Text follows, not a JSON line (a broken one says so: JSON lines are refused at it).
    if following is None:
        return False
    line = following.group(1).rstrip()
    return not (line.startswith("{") or (line.startswith("[") and _parsed(line) is not _NOT_JSON))


def _is_json_ld(value: object) -> bool:
    return isinstance(value, dict) and ("@context" in value or "@type" in value)


_NEXT_LINE = re.compile(r"(?=\s*\n)\s*(\S[^\n]*)")  # the next line with text (its trailing spaces: rstrip)

# Text that may be JSON (it opens with a brace or bracket), and its first line; matched, not
# stripped, so no page is copied to be sniffed.
_JSON_START = re.compile(rb"\s*[{\[]")
# A CSV header of records (blocks: page,index,text[,label]; pages: url,text): column names
# alone on the first line, a content column among them and a page's or block's other field.
_CSV_HEADER = re.compile(r"\ufeff?[A-Za-z_][\w ]{0,30}(?:,[A-Za-z_][\w ]{0,30})+\r?(?:\n|$)")
_RECORD_COLUMNS = frozenset({"page", "index", "label", *URL_FIELDS})


def _records_csv_header(head: bytes) -> str | None:
    """The first line of ``head`` when it is the header of a CSV file of blocks or pages."""
    line = head[:1024].decode("utf-8", "replace")
    found = _CSV_HEADER.match(line)
    if not found:
        return None
    names = [name.strip() for name in found.group().lstrip("\ufeff").strip().split(",")]
    lowered = {name.lower() for name in names}
    return ",".join(names) if lowered & set(CONTENT_FIELDS) and lowered & _RECORD_COLUMNS else None
_FIRST_LINE = re.compile(r"\s*([^\n]*)")
_NOT_JSON = object()


def _parsed(text: str) -> object:
    """``text`` parsed as JSON, or ``_NOT_JSON`` (a text page that opens with a brace,
    "{{ title }}", or brackets nested past what ``json`` can read)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _json_lines_pages(records: Callable[[], Iterator[tuple[int, object]]], source: str, page: str,
                      split: str) -> Iterator[list[Block]]:
    """Pages from JSON lines read as one input (stdin, or a text file holding them), given as
    ``records()``, their ``(line, record)`` pairs from the first line at each call: every record
    is checked before the first page comes out, then read again."""
    if holds_pages(_telling_record(records())):
        yield from _record_pages(lambda: _lines_located(records(), source), page, split)
        return
    for _ in validated_blocks(records(), source):
        pass
    yield from capped_pages(Block(b.page, b.index, b.text, url=b.url) for _, b in validated_blocks(records(), source))


def _json_file_pages(text: str, source: str, page: str, split: str) -> Iterator[list[Block]]:
    """The pages of a ``.json`` file, which must be JSON."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError):
        raise InputError(f"{source}: not a JSON document blocktag can read") from None
    return _json_document_pages(document, source, page, split)


def _json_document_pages(document: object, source: str, page: str, split: str) -> Iterator[list[Block]]:
    """A parsed JSON document of pages: one page record, or a list of them (or an API
    response holding either under ``data``)."""
    document = unwrapped_document(document)
    records = document if isinstance(document, list) else [document]
    if not holds_pages(_telling_record(enumerate(records))):
        raise InputError(f"{source}: is a JSON file that holds no pages (a 'text', 'html', 'markdown' or 'content' "
                         "field in each record); give pages as text, HTML or WARC files, or blocks as .jsonl or .csv")
    yield from _record_pages(lambda: ((f"{source}[{n}]", record) for n, record in enumerate(records)), page, split)


def _lines_located(records: Iterator[tuple[int, object]], source: str) -> Iterator[tuple[str, object]]:
    return ((f"{source}:{lineno}", record) for lineno, record in records)


def _record_pages(records: Callable[[], Iterator[tuple[str, object]]], stem: str, split: str) -> Iterator[list[Block]]:
    """The pages of a file of page records (``(where, record)`` pairs): every record checked
    before the first page comes out, then read again, one page at a time."""
    for _ in page_records(records(), stem):
        pass
    for record in page_records(records(), stem):
        url = record.url
        refusal = record_refusal(record.content, record.is_html)
        if refusal:  # one record of a crawl holding a PDF or a feed is said and skipped, not tagged
            warn(f"{record.where}: {refusal} (skipped)")
            continue
        if record.is_html:
            (text, url), mode = _html_page(record.content, source=record.where, url=url), READER_SPLIT
        else:
            (text, named), mode = split_envelope(record.content), split
            url = url or named
        empty = True
        for page in text_pages(text, record.name, mode, url=url, source=record.where):
            empty = False
            yield page
        if empty:  # one empty page of many (a failed fetch) is said, not an error
            hint = " once its markup is dropped" if record.is_html and record.content else ""
            if record.fields:
                hint = f" (no 'text', 'html', 'markdown' or 'content' field; it has {', '.join(record.fields[:8])})"
            warn(f"{record.where}: holds no text to tag{hint} (skipped)")


def _markup_pages(path: Path, kind: str, page: str, encoding: str = DEFAULT_ENCODING) -> Iterator[list[Block]]:
    """An HTML page, or a WARC file's HTML responses (``page:0``, ``page:1``, ... each with
    its ``url``), as pages of text in the corpus's form."""
    if kind == "html":
        from .html import read_html

        text, url = read_html(path, encoding=encoding)
        yield from text_pages(text, page, READER_SPLIT, url=url)
        return
    yield from _warc_pages(path, page, encoding=encoding)


def _warc_pages(path, page: str, stream=None, encoding: str = DEFAULT_ENCODING) -> Iterator[list[Block]]:
    """A WARC file's pages (``page:0``, ``page:1``, ... each with its ``url``); ``stream``
    is read instead of ``path`` when given (stdin's spool); ``encoding`` reads a response
    that names no charset, as for an HTML file."""
    from .warc import check_warc, read_warc

    check_warc(path, stream)  # a broken archive is refused before any of its pages is tagged
    for record in read_warc(path, stream, encoding=encoding):
        blocks = split_page(record.text, "line") if record.lines else iter_segments(record.text)
        yield from capped_pages(Block(f"{page}:{record.number}", i, text, url=record.url) for i, text in enumerate(blocks))


def record_refusal(content: str, html: bool = False) -> str | None:
    """What a record's page text is instead of a page (a PDF, a feed, binary bytes), as the
    end of a message, or None (``html``: as for :func:`not_a_page`)."""
    refusal = not_a_page(content[:SNIFF_READ_BYTES].encode("utf-8", "surrogatepass"), html)
    if refusal is None and "\x00" in content:
        refusal = "holds NUL bytes: binary, not a page of text"
    if refusal is None and html:
        from .html import is_json_document

        refusal = "is JSON, not an HTML page" if is_json_document(content) else None
    return refusal


def _html_page(data: bytes | str, source: str = "<stdin>", url: str | None = None,
               encoding: str = DEFAULT_ENCODING) -> tuple[str, str | None]:
    from .html import html_page

    return html_page(data, url=url, source=source, encoding=encoding)


STRING_SOURCE = "<text>"


def string_pages(text: str | bytes, page: str = "page", split: str = DEFAULT_SPLIT,
                 encoding: str = DEFAULT_ENCODING) -> Iterator[list[Block]]:
    """A page given as a string, read as a page file is: HTML (``requests.get(url).text``)
    through the HTML reader, a scraper's envelope (front matter, a reader service's header)
    left out with its URL kept, JSON as the pages it holds, and text split by ``split``. The
    string is already text: no charset is read from it, and no byte is binary, except that an
    HTML page declaring UTF-8 but read as ISO-8859-1 (``.text`` of a response that named no
    charset) is read again as UTF-8. Bytes
    (``response.content``) are read as a file's bytes are: gzip, byte-order marks and an HTML
    page's meta charset, else ``encoding``."""
    check_split(split)
    check_encoding(encoding)  # (a str needs none, but a wrong one is said whatever is given)
    if not isinstance(page, str) or not page:
        raise SettingError("page", page, "give the page's name, a non-empty string")
    if isinstance(text, (bytes, bytearray, memoryview)):
        return _pages_of_bytes(bytes(text), STRING_SOURCE, page, encoding, split)
    if not isinstance(text, str):
        why = " (an extractor that finds no article returns None: skip the page)" if text is None else ""
        raise InputError(f"{STRING_SOURCE}: is {type(text).__name__}, not a page: give its text as a str, or "
                         f"its bytes{why}")
    try:
        text.encode("utf-8")  # what every output writes it in
    except UnicodeEncodeError as exc:
        raise InputError(f"{STRING_SOURCE}: holds a lone surrogate (character {exc.start}); decode the page "
                         "with errors='replace'") from None
    text = text.removeprefix("\ufeff")
    if text.startswith("HTTP/"):  # a saved response: the page after its head (its charset: the str is decoded)
        response = http_body(text.encode("utf-8"))
        if response.status is not None and not 200 <= response.status < 300:
            raise InputError(f"{STRING_SOURCE}: is a saved HTTP {response.status} response, not a page")
        text = response.body.decode("utf-8")
    if looks_like_html(text[:SNIFF_READ_BYTES].encode("utf-8")):
        from .html import undo_latin1_misreading

        text = undo_latin1_misreading(text)
    return _content_pages(text[:SNIFF_READ_BYTES].encode("utf-8"), text, lambda: text, STRING_SOURCE, page, split)


# reStructuredText's and AsciiDoc's own markup (pandoc -t rst / -t asciidoc): a page that
# shows this many of their marks is said to be in them, not in a dialect of markdown.
MIN_OTHER_MARKUP_MARKS = 3
_OTHER_MARKUP = re.compile(
    r"(?P<rst>^\.\. [\w-]{1,40}::|`[^`\n<]{1,300} <[^>\s]{1,2000}>`__?)"
    r"|(?P<asciidoc>(?<![\w/])link:[^\s\[\]]{1,2000}\[|^image::[^\s\[\]]{1,2000}\["
    r"|(?:https?|mailto):[^\s\[\]()]{1,2000}\[[^\]\n]{1,300}\])",
    re.MULTILINE)
_MARKUP_NAMES = {"rst": "reStructuredText", "asciidoc": "AsciiDoc"}


def other_markup(text: str) -> str | None:
    """"reStructuredText" or "AsciiDoc" for a page written in it (its directives, its links
    written `` `text <url>`__ `` or ``link:url[text]``), else None."""
    found: dict[str, int] = {}
    for match in _OTHER_MARKUP.finditer(text):
        kind = match.lastgroup
        found[kind] = found.get(kind, 0) + 1
        if found[kind] >= MIN_OTHER_MARKUP_MARKS:
            return _MARKUP_NAMES[kind]
    return None


def text_pages(text: str, page: str, split: str = DEFAULT_SPLIT, url: str | None = None,
               source: str | None = None) -> Iterator[list[Block]]:
    """One page's text as its page of blocks (in chunks, if it is very long). ``source``
    (default: the page's name) names it in a warning."""
    text = resolve_citations(resolve_reference_links(without_pandoc_attributes(text)))
    if split == "blank":  # lazily: a page of a million blocks is never held whole
        return capped_pages(Block(page, i, block, url=url) for i, block in enumerate(iter_segments(text)))
    markup = other_markup(text)
    if markup:
        warn(f"{source or page}: looks like {markup}, which blocktag does not read: its links and "
             "directives are read as words; convert it to markdown (e.g. pandoc -t gfm) or give the "
             "page's HTML")
    texts = split_page(text, split)
    if split == "auto" and len(texts) > 1 and is_flattened(text.strip()):
        warn(f"{source or page}: is one line of {len(text.strip()):,} characters, so it was split at its "
             "sentences; its scraper joined the page's text with spaces: its HTML, or text with line "
             "breaks, tags better")
    if len(texts) <= blocks_module.MAX_PAGE_BLOCKS:  # one page, as capped_pages would give it
        return iter([[Block(page, i, block, url=url) for i, block in enumerate(texts)]] if texts else [])
    return capped_pages(Block(page, i, block, url=url) for i, block in enumerate(texts))


def _stdin_pages(page: str, encoding: str, split: str) -> Iterator[list[Block]]:
    """The pages piped in. JSON lines (a crawl's pages, or blocks) are read twice, to check
    them all and then to tag them, from a spool of stdin that moves to a temporary file past
    ``STDIN_SPOOL_BYTES``, so a crawl piped in is never held whole; anything else is one
    page, read whole as a page file is."""
    with _spooled_stdin(encoding) as spool:
        records = _json_lines_in(spool, encoding)
        if records is not None:
            yield from _json_lines_pages(records, "<stdin>", page, split)
            return
        if _is_warc(spool):  # `curl -s .../crawl.warc.gz | blocktag tag -`: read from the spool
            yield from _warc_pages("<stdin>", page, spool, encoding)
            return
        spool.seek(0)
        data = spool.read()
    yield from _pages_of_bytes(data, "<stdin>", page, encoding, split)


def _is_warc(spool) -> bool:
    """Whether the spooled input is a WARC (or WET) file, gzipped or not."""
    spool.seek(0)
    head = spool.read(len(WARC_MAGIC))
    if head.startswith(GZIP_MAGIC):
        import gzip
        import zlib

        spool.seek(0)
        try:
            head = gzip.GzipFile(fileobj=spool, mode="rb").read(len(WARC_MAGIC))
        except (OSError, EOFError, zlib.error):
            return False
    return head.startswith(WARC_MAGIC)


# stdin is held in memory up to this size, then in a temporary file (in TMPDIR): JSON lines
# are then read from it a line at a time; anything else is read whole, as a page file is.
STDIN_SPOOL_BYTES = 32 * 1024 * 1024
MAX_FIRST_LINE_BYTES = 16 * 1024 * 1024  # the first JSON line sniffed: one page record's
_STDIN_CHUNK_BYTES = 1024 * 1024


def _spooled_stdin(encoding: str = DEFAULT_ENCODING) -> tempfile.SpooledTemporaryFile:
    """Standard input, kept; binary input is refused from its first chunk, as a file is from
    its first bytes, not once all of it is kept (`< /dev/zero` never ends)."""
    if sys.stdin is None:  # started with stdin closed (`<&-`)
        raise InputError("<stdin>: standard input is closed; pipe a page in or name a file")
    check_encoding(encoding)
    spool = tempfile.SpooledTemporaryFile(max_size=STDIN_SPOOL_BYTES)
    first = True
    try:
        while True:
            try:
                chunk = sys.stdin.buffer.read(_STDIN_CHUNK_BYTES)
            except OSError as exc:
                raise InputError(f"<stdin>: cannot be read ({exc.strerror})") from None
            if first and chunk and not _checked_later(chunk) and looks_binary(chunk, encoding):
                raise binary_error("<stdin>", chunk)
            first = False
            if not chunk:
                return spool
            try:
                spool.write(chunk)
            except OSError as exc:  # past the spool's size, in the temporary folder (TMPDIR)
                raise InputError(f"<stdin>: cannot be kept in a temporary file while it is read ({exc.strerror}); "
                                 "save it to a file and name that, or set TMPDIR to a folder with room") from None
    except BaseException:
        spool.close()
        raise


def _json_lines_in(spool, encoding: str) -> Callable[[], Iterator[tuple[int, object]]] | None:
    """``records()`` for :func:`_json_lines_pages` when ``spool`` holds JSON lines, gzipped or
    not, else None (UTF-16 and UTF-32, whose bytes cannot be cut at newlines, are read whole)."""
    spool.seek(0)
    gzipped = spool.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    if gzipped:
        import gzip  # only for gzipped input: not part of every run's start-up
        import zlib

        broken: tuple[type[Exception], ...] = (gzip.BadGzipFile, EOFError, zlib.error)
    else:
        broken = ()

    def opened():
        spool.seek(0)
        return gzip.GzipFile(fileobj=spool, mode="rb") if gzipped else spool

    try:
        check_encoding(encoding)
        if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
            return None  # its bytes cannot be cut at newlines: read whole
        handle = opened()
        head = handle.read(SNIFF_READ_BYTES)
        marked = text_encoding(head, "")
        if not _JSON_START.match(head.removeprefix(codecs.BOM_UTF8)) or marked in ("utf-16", "utf-32"):
            return None
        handle = opened()
        # One record: a page's whole HTML at most. A longer line is read whole, as a page,
        # with its limits (a small gzip may unpack to gigabytes of one line).
        first = handle.readline(MAX_FIRST_LINE_BYTES + 1)
        if len(first) > MAX_FIRST_LINE_BYTES:
            return None
        text = (first + handle.read(SNIFF_READ_BYTES)).decode(marked or encoding, "replace").removeprefix("\ufeff")
    except (InputError, LookupError, *broken):
        return None  # the page reader says what is wrong
    if not _json_lines_start(text):
        return None

    def records() -> Iterator[tuple[int, object]]:
        try:
            yield from jsonl_line_records(decoded_lines(opened(), "<stdin>", encoding), "<stdin>")
        except broken as exc:
            raise InputError(f"<stdin>: is not a valid gzip file ({exc})") from None

    return records


def iter_pages(
    inputs: Iterable[str | os.PathLike] | str | os.PathLike,
    encoding: str = DEFAULT_ENCODING,
    on_error: Callable[[BlocktagError], None] | None = None,
    split: str = DEFAULT_SPLIT,
) -> Iterator[list[Block]]:
    """Every page of every input, lazily. A bad file raises, unless ``on_error`` is given:
    then it is told of the error and the run goes on with the next file. ``split`` is how
    text pages are split into blocks (``blank``, ``line`` or ``auto``)."""
    check_split(split)
    check_encoding(encoding)
    check_callback("on_error", on_error, "each bad file's error")
    return _pages_of_inputs(path_list(inputs), encoding, on_error, split)  # checked at the call, read lazily


def _pages_of_inputs(inputs: list[str | Path], encoding: str, on_error: Callable[[BlocktagError], None] | None,
                     split: str) -> Iterator[list[Block]]:
    sources = expand_arguments(inputs)
    last = [None]  # the name of the last page given
    # One input cannot name two pages alike (a file of records refuses it); several can.
    taken: set[int] | None = set() if len(sources) > 1 else None
    for source in sources:
        try:
            if isinstance(source, BlocktagError):
                raise source
            empty = True
            for page in named_apart(read_pages(source.path, encoding, source.page, split), last, taken):
                empty = False
                yield page
            if empty:  # said, not silently left out of the output
                warn(nothing_to_tag(source.path))
        except BlocktagError as exc:
            if on_error is None:
                raise
            on_error(exc)


def named_apart(pages: Iterable[list[Block]], last: list, taken: set[int] | None = None,
                on_named: Callable[[str, str, int], None] | None = None) -> Iterator[list[Block]]:
    """One input's pages, each named apart from the pages given before it (``x#2``, ``x#3``),
    or every output would merge them: two files of records may name a page alike, and a
    name made apart may be another's own. ``taken`` holds the hashes of the names given so far
    (about 70 bytes a page as Python holds them; kept only when there are several inputs);
    without it only a first page named as ``last[0]``, the last page name given, is named
    apart. ``last[0]`` is kept up to date; ``on_named`` is told each page's name as read, as
    given, and its number of blocks.
    (A long page's chunks, one after another from one input, keep their one name.)"""
    renamed: dict[str, str] = {}
    previous = None  # this input's last page name: a page named so is the next chunk of it
    for page in pages:
        name = page[0].page if page else None
        if name is not None and name != previous:
            if name in renamed:
                new = renamed[name]
            elif (hash(name) in taken) if taken is not None else (previous is None and name == last[0]):
                new = renamed[name] = _free_name(name, taken)
            else:
                new = name
            if taken is not None:
                taken.add(hash(new))
        elif name is not None:
            new = renamed.get(name, name)
        if name is not None and new != name:
            page = [replace(block, page=new) for block in page]
        if on_named is not None and name is not None:
            on_named(name, new, len(page))
        previous = name if name is not None else previous
        last[0] = page[0].page if page else last[0]
        yield page


def _free_name(name: str, taken: set[int] | None) -> str:
    new = next_name(name)
    while taken is not None and hash(new) in taken:
        new = next_name(new)
    return new


def next_name(name: str) -> str:
    """``name#2`` (``name#3`` after ``name#2``), as a file given twice is named."""
    stem, mark, number = name.rpartition("#")
    return f"{stem}#{int(number) + 1}" if mark and number.isdigit() else f"{name}#2"


def nothing_to_tag(path: str | Path) -> str:
    """What is said of an input that gave no page."""
    if str(path) == STDIN:
        return "<stdin>: holds no text to tag; nothing is written for it"
    kind = input_kind(path, sniff=False)
    if kind == "warc":
        return f"{path}: holds no HTML response (or WET text) with text to tag; nothing is written for it"
    hint = _markup_hint(_page_bytes_or_none(path)) if kind == "html" else ""
    return f"{path}: holds no text to tag{hint}; nothing is written for it"


def nothing_in_string(text: str | bytes, page: str) -> str:
    """What is said of a page given as a string (or bytes) that held no text, naming it:
    of many pages tagged in a loop, which one."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text)
    hint = _markup_hint(data) if looks_like_html(data[:SNIFF_READ_BYTES]) else ""
    return f"{STRING_SOURCE} (page {page!r}): holds no text to tag{hint}"


def _markup_hint(data: bytes | None) -> str:
    """What a page of markup with no text is said to be (a page built by JavaScript?)."""
    from .html import empty_page_hint

    return " once its markup is dropped" + empty_page_hint(data)


def _page_bytes_or_none(path: str | Path) -> bytes | None:
    from .html import html_bytes

    try:
        return html_bytes(path)
    except BlocktagError:
        return None
