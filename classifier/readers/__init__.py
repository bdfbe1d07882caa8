"""Reading every input into pages: what a file is and its text or page records
(:mod:`.pages`), HTML pages (:mod:`.html`), WARC and ARC archives (:mod:`.warc`), files of
whole pages (:mod:`.records`) and a scraper's metadata above a page (:mod:`.envelope`). This
module holds what they share: file kinds and suffixes, sniffing, and saved HTTP responses.

:func:`input_kind` tells what a file is, by its name and, for a file that claims to be
text, by its first bytes, so an HTML page is never tagged as plain text. This module imports
nothing heavy: lxml and warcio load only when a page needs them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from ..files import as_path

# MHTML and .webarchive: a page a browser saved (Chrome, Firefox's add-ons; Safari).
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".mhtml", ".mht", ".mhtml.gz", ".mht.gz",
                 ".webarchive", ".webarchive.gz")
# WET: Common Crawl's extracted text; ARC: the Internet Archive's format before WARC.
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".warc.wet", ".warc.wet.gz", ".arc", ".arc.gz")
# Markdown files are text pages too: markdownify, html2text and many scrapers save .md.
TEXT_SUFFIXES = (".txt", ".txt.gz", ".md", ".md.gz", ".markdown")
# Files of records: blocks or whole pages (JSONL, CSV), or pages (a JSON document); gzipped too.
RECORD_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".json", ".jsonl.gz", ".ndjson.gz", ".csv.gz", ".json.gz")
# Pages a folder is read for.
PAGE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + WARC_SUFFIXES
# The same, as messages name them.
PAGE_SUFFIXES_SAID = (".txt, .md, .html, .htm, .warc, .wet, .arc (each also .gz), .markdown, .xhtml, .mhtml, .mht, "
                      ".webarchive, and a mirror's .php, .asp, .aspx, .jsp, .shtml and .cfm files that hold HTML")
# An HTML page announces itself in its first bytes (after a BOM, blanks, an XML declaration
# and comments).
SNIFF_BYTES = 1024
# Blanks, declarations and comments (a CMS's licence, a build stamp) are skipped this far
# before the first element is looked for.
PROLOGUE_BYTES = 65536
# A fragment's first closing tag is looked for this far in (readability's output opens with
# a paragraph that may run past SNIFF_BYTES).
FRAGMENT_BYTES = 8192
# What a caller reads of a file to sniff it.
SNIFF_READ_BYTES = PROLOGUE_BYTES + FRAGMENT_BYTES
# Files that are documents of another kind, named by their first bytes: each is refused with
# what to do instead, rather than tagged as text or called "binary".
# What a document may open with before its first element: blanks, an XML declaration (an
# XHTML page's too) and comments.
_PROLOGUE = rb"\s*(?:<\?xml[^>]{0,500}>\s*|<!--.{0,500}?-->\s*)*"
_FEED_START = re.compile(_PROLOGUE + rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE | re.DOTALL)
# What a WARC (or WET) file opens with, and an ARC file (its header record).
WARC_MAGIC = b"WARC/"
ARC_MAGIC = b"filedesc://"
_OTHER_DOCUMENTS = (
    (b"%PDF-", "is a PDF document, not a page of text; convert it to text first (e.g. with pdftotext)"),
    (b"PK\x03\x04", "is a zip archive (a .docx, .epub or .zip file?), not a page of text; unpack or convert it first"),
    (WARC_MAGIC, "is a WARC archive, not a page; give it as a file named .warc, .warc.gz, .wet or .wet.gz to tag its pages"),
    (ARC_MAGIC, "is an ARC archive, not a page; give it as a file named .arc or .arc.gz to tag its pages"),
    (b"{\\rtf", "is an RTF document, not a page of text; save it as text or HTML first"),
    # compressed otherwise than with gzip (which is read): each named, with the tool that unpacks it
    *((b"BZh%d1AY&SY" % size, "is compressed with bzip2; unpack it first (bunzip2), or gzip it") for size in range(1, 10)),
    (b"\xfd7zXZ\x00", "is compressed with xz; unpack it first (unxz), or gzip it"),
    (b"\x28\xb5\x2f\xfd", "is compressed with zstd; unpack it first (unzstd), or gzip it"),
    (b"7z\xbc\xaf\x27\x1c", "is a 7-Zip archive, not a page of text; unpack it first"),
)
# An e-mail (.eml) of several parts: its headers, then a multipart body whose MIME boundaries
# would be read as blocks. (MHTML, a web page saved so, is multipart/related and read.)
# (Office 365 mail carries a hundred headers or more before its Content-Type.)
_HEADER_LINES = rb"(?:[A-Za-z][\w-]*:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*){0,300}?"
_EMAIL_START = re.compile(_HEADER_LINES + rb"Content-Type:[ \t]*multipart/(?:mixed|alternative|signed|report)",
                          re.IGNORECASE)
_EMAIL = "is an e-mail message of several parts, not a page; save its HTML or text part and give that"
# An e-mail of one part, its HTML (or text) encoded for mail: headers, a mail's own among
# them, then base64 or quoted-printable ("=3D") that would be read as blocks.
_ONE_PART_EMAIL_START = re.compile(
    rb"(?=" + _HEADER_LINES + rb"(?:MIME-Version|Return-Path|Received|Delivered-To|Message-ID):)"
    rb"(?!" + _HEADER_LINES + rb"(?:Snapshot-)?Content-Location:)"  # (a web page saved as one part: MHTML)
    + _HEADER_LINES + rb"Content-(?:Type:[ \t]*text/html|Transfer-Encoding:[ \t]*\"?(?:base64|quoted-printable))",
    re.IGNORECASE)
_ONE_PART_EMAIL = "is an e-mail message, not a page; save its HTML part (a mail client's \"Save as\") and give that"
_FEED = "is an RSS or Atom feed, not a page; tag the pages its items link to"
# An XML document's root element, after its prologue and any doctype: a sitemap, or XML of
# another kind, is no page (XHTML is read as HTML, a feed is refused above).
_XML_ROOT = re.compile(rb"\s*<\?xml[^>]{0,500}>" + _PROLOGUE + rb"(?:<!doctype[^>]{0,500}>\s*)?<([a-z][\w:.-]{0,100})",
                       re.IGNORECASE | re.DOTALL)
_SITEMAP_ROOTS = (b"urlset", b"sitemapindex")
# trafilatura's --xml and --xmltei output (no XML declaration): its extract, as XML.
_TRAFILATURA_XML = re.compile(_PROLOGUE + rb"<(?:doc\s[^>]{0,2000}>|TEI[\s>])", re.DOTALL)
_TRAFILATURA = ("is trafilatura's XML output, not a page; give the page's HTML, or trafilatura's text, "
                "--markdown or --json output")
# trafilatura's --csv output: tab-separated url, id, a 16-hex-digit fingerprint, hostname,
# title, image, date and the text, with "null" for what it lacks; no header row.
_TRAFILATURA_CSV = re.compile(rb"[^\t\r\n]*\t[^\t\r\n]*\t[0-9a-f]{16}\t(?:[^\t\r\n]*\t){4}")
_TRAFILATURA_TSV = ("is trafilatura's --csv output (tab-separated metadata and text), not a page; give "
                    "trafilatura's text, --markdown or --json output")
_HTML_START = re.compile(_PROLOGUE + rb"<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
# A fragment of a page (what readability or an element's innerHTML gives): an element that
# only HTML opens with, first, and a closing tag within the sniffed bytes.
_HTML_FRAGMENT_START = re.compile(
    _PROLOGUE + rb"<(?:head|body|main|article|section|div|header|footer|nav|aside|figure|p|h[1-6]|ul|ol|table"
    rb"|blockquote|span|a|img|svg|meta|link|title|script|style|noscript|iframe|form)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_CLOSING_TAG = re.compile(rb"</[a-z][a-z0-9]*\s*>", re.IGNORECASE)
# A blank line, then a line that opens with no tag: a paragraph of markdown or text, which an
# HTML fragment does not hold. Markdown may open with raw HTML (pandoc's gfm keeps a page's
# <div> wrappers, a README opens with <p align="center">) and is still read as text.
_TEXT_PARAGRAPH = re.compile(rb"\n[ \t]*\r?\n[ \t]*[^\s<]")
# Header lines ("From: <Saved by Blink>", folded lines) up to a multipart/related content type.
_MHTML_HEADERS = rb"(?:[A-Za-z][\w-]*:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*){0,40}?"
# (or a page saved as one part: its HTML, and the address it was saved from)
_MHTML_START = re.compile(_MHTML_HEADERS + rb"Content-Type:[ \t]*multipart/related|"
                          rb"(?=" + _MHTML_HEADERS + rb"(?:Snapshot-)?Content-Location:)"
                          + _MHTML_HEADERS + rb"Content-Type:[ \t]*text/html", re.IGNORECASE)


def input_kind(path: str | os.PathLike, sniff: bool = True) -> str:
    """``"warc"``, ``"html"``, ``"labelled"`` (a file of records: JSONL or CSV blocks or
    pages, a JSON document of pages) or ``"text"``, by the file's name; a file named
    otherwise is ``"html"`` when its first bytes are an HTML document (unless ``sniff`` is
    false: then it is ``"text"``, for a reader that sniffs the bytes it reads anyway)."""
    name = as_path(path).name.lower()
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(RECORD_SUFFIXES):
        return "labelled"
    return "html" if sniff and _sniff(path) else "text"


def is_page_name(name: str) -> bool:
    """Whether a folder's file is, by its name, a page blocktag reads (text, HTML or WARC)."""
    return name.lower().endswith(PAGE_SUFFIXES)


def page_stem(path: str | os.PathLike) -> str:
    """The page name of a file: its name less every page suffix ("a.html.gz" -> "a")."""
    name = os.path.basename(path) if isinstance(path, str) else as_path(path).name
    lowered = name.lower()
    for suffix in _LONGEST_SUFFIX_FIRST:
        if lowered.endswith(suffix):
            return name[: -len(suffix)] or name
    return Path(path).stem


_LONGEST_SUFFIX_FIRST = sorted(PAGE_SUFFIXES + RECORD_SUFFIXES, key=len, reverse=True)


# Safari's saved page (.webarchive): a binary property list, an Apple format.
WEBARCHIVE_MAGIC = b"bplist00"


def looks_like_html(data: bytes) -> bool:
    """Whether bytes start like an HTML document (``<!doctype html`` or ``<html``), a
    fragment of one (``<div class=...>...</div>``, ``<p>...</p>``) or a page a browser saved
    (MHTML, :func:`looks_like_mhtml`; Safari's binary property list, read as its page or
    refused as no web archive)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    if looks_like_mhtml(data) or data.startswith(WEBARCHIVE_MAGIC):
        return True
    document = past_prologue(data, PROLOGUE_BYTES)  # (the prologue walked once, for both looks)
    body = document[:FRAGMENT_BYTES]
    head = body[:SNIFF_BYTES]
    if _HTML_START.match(head):
        return True
    if _preamble_then_document(document):
        return True
    return bool(_HTML_FRAGMENT_START.match(head) and _CLOSING_TAG.search(body) and not _TEXT_PARAGRAPH.search(head))


# A server-side warning printed before the page (PHP's "<br />\n<b>Warning</b>: ... on line
# <b>3</b><br />"), or a host's injected ad code (tens of kilobytes of <script>): markup, no
# paragraph of text outside scripts and style sheets, then the document's own start.
PREAMBLE_BYTES = 4096  # of the preamble less its scripts' and style sheets' code
_DOCUMENT_START = re.compile(rb"<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)
_CODE_OPEN = re.compile(rb"<(script|style)\b", re.IGNORECASE)


def _preamble_then_document(body: bytes) -> bool:
    if not (body[:1] == b"<" and body[1:2].isalpha()):
        return False
    found = _DOCUMENT_START.search(body, 0, PROLOGUE_BYTES)
    if found is None:
        return False
    preamble = _without_code(body[:found.start()])  # (code's lines may follow a blank line: they are no text)
    return len(preamble) <= PREAMBLE_BYTES and not _TEXT_PARAGRAPH.search(preamble)


def _without_code(markup: bytes) -> bytes:
    """``markup`` less its script and style elements, in one pass (one left open runs to the end)."""
    lowered, kept, pos = markup.lower(), [], 0
    while (opened := _CODE_OPEN.search(markup, pos)) is not None:
        kept.append(markup[pos:opened.start()])
        close = lowered.find(b"</" + opened.group(1).lower(), opened.end())
        if close < 0:
            return b"".join(kept)
        pos = lowered.find(b">", close) + 1 or len(markup)
    kept.append(markup[pos:])
    return b"".join(kept)


_BLANKS = re.compile(rb"\s*")


def past_prologue(data: bytes, length: int) -> bytes:
    """``length`` bytes of ``data`` from its first element or text on: blanks, XML
    declarations and comments before it skipped, up to :data:`PROLOGUE_BYTES`."""
    pos = 0
    while True:
        pos = _BLANKS.match(data, pos, PROLOGUE_BYTES).end()
        if data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4, PROLOGUE_BYTES)
            closing = 3
        elif data[pos:pos + 5].lower() == b"<?xml":
            end = data.find(b">", pos, PROLOGUE_BYTES)
            closing = 1
        else:
            return data[pos:pos + length]
        if end < 0:  # a comment that runs on (a page of text may open with "<!--")
            return data[pos:pos + length]
        pos = end + closing


# A saved HTTP response (`curl -i`, `wget --save-headers`): a status line, headers and a
# blank line before the body. A status line with no headers ("100 Continue", a proxy's
# "200 Connection established") counts only when another response follows it.
# (A header may be folded onto lines that start with a space or a tab.)
_HTTP_HEAD = re.compile(rb"HTTP/\d(?:\.\d)? (\d{3})[^\r\n]{0,200}\r?\n"
                        rb"((?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)*)\r?\n")
_CHUNKED = re.compile(rb"(?im)^transfer-encoding:[^\r\n]*\bchunked\b")
_CONTENT_ENCODING = re.compile(rb"(?im)^content-encoding:[ \t]*([a-z-]+)")
_HEADER_CHARSET = re.compile(rb"(?im)^content-type:[^\r\n]*?charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})")


class HttpBody(NamedTuple):
    """What a saved HTTP response holds: its body, its status code and the charset its
    headers name (None when ``data`` was no response)."""

    body: bytes
    status: int | None = None
    charset: str | None = None
    headers: bytes = b""  # the final response's header lines


def http_body(data: bytes) -> HttpBody:
    """``data`` less the HTTP response head(s) before it, if it is a saved response."""
    pos, status, charset, headers = 0, None, None, b""
    while (head := _HTTP_HEAD.match(data, pos)) is not None:
        if not head.group(2) and _HTTP_HEAD.match(data, head.end()) is None:
            break  # a status line with no headers and no response after it: text that starts so
        headers = head.group(2)
        named = _HEADER_CHARSET.search(headers)
        pos, status = head.end(), int(head.group(1))
        charset = named.group(1).decode("ascii") if named else None  # the final response's own (a redirect's is not)
    if status is None or status < 200:  # no response, or only "100 Continue" lines: text
        return HttpBody(data)
    return HttpBody(data[pos:], status, charset, headers)


def dechunked(body: bytes) -> bytes | None:
    """A body sent in chunks (``curl -i --raw`` keeps their sizes) joined, or None when it
    is not so framed."""
    parts, pos = [], 0
    while True:
        end = body.find(b"\n", pos)
        if end < 0:
            return None
        try:
            size = int(body[pos:end].split(b";")[0].strip(), 16)
        except ValueError:
            return None
        if size == 0:
            return b"".join(parts)
        parts.append(body[end + 1:end + 1 + size])
        pos = end + 1 + size
        pos += 2 if body.startswith(b"\r\n", pos) else 1 if body.startswith(b"\n", pos) else 0


def _decoded_body(body: bytes, headers: bytes, source: str) -> bytes:
    """A saved response's body as the page: unchunked, and inflated from deflate or Brotli
    (gzip is undone by the caller, as any gzip is)."""
    import zlib

    from ..errors import InputError

    if _CHUNKED.search(headers):
        body = dechunked(body) or body
    coding = _CONTENT_ENCODING.search(headers)
    coding = coding.group(1).lower() if coding else b""
    if coding == b"deflate":
        for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # zlib-wrapped, as the standard says, or raw, as servers send
            try:
                return zlib.decompress(body, wbits)
            except zlib.error:
                continue
        raise InputError(f"{source}: its body is not the deflate data its Content-Encoding says")
    if coding == b"br":
        return unbrotli(body, source)
    return body


def _brotli_module():
    """The brotli package, or brotlicffi (the same functions, for PyPy), or None."""
    import importlib

    for name in ("brotli", "brotlicffi"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


_BROTLI_NEEDED = "{}: is compressed with Brotli (Content-Encoding: br), which needs the brotli package: pip install brotli"


def brotli_needed(source: str) -> str | None:
    """The error for a Brotli-compressed page when no Brotli package is installed, else None."""
    return None if _brotli_module() is not None else _BROTLI_NEEDED.format(source)


# Brotli is undone this many input bytes at a time, so that a body that unpacks to
# gigabytes is stopped past MAX_UNPACKED_BYTES (a few bytes can stand for megabytes).
_BROTLI_STEP = 64


def unbrotli(data: bytes, source: str) -> bytes:
    """Brotli-compressed ``data`` undone; :class:`InputError` naming ``source`` when no
    Brotli package is installed, ``data`` is not Brotli, or it unpacks to more than
    :data:`files.MAX_UNPACKED_BYTES` (as gzip is capped)."""
    from ..errors import InputError
    from ..files import MAX_UNPACKED_BYTES

    brotli = _brotli_module()
    if brotli is None:
        raise InputError(_BROTLI_NEEDED.format(source))
    parts, size = [], 0
    try:
        decompressor = brotli.Decompressor()
        for start in range(0, len(data), _BROTLI_STEP):
            parts.append(decompressor.process(data[start:start + _BROTLI_STEP]))
            size += len(parts[-1])
            if size > MAX_UNPACKED_BYTES:
                raise InputError(f"{source}: unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; not a web page")
        if not decompressor.is_finished():
            raise ValueError("cut short")
    except InputError:
        raise
    except Exception:  # (brotli.error; brotlicffi names its own)
        raise InputError(f"{source}: its body is not the Brotli data its Content-Encoding says") from None
    return b"".join(parts)


# gzip inside a saved response inside gzip, at most: no page is packed deeper.
MAX_UNPACKING = 4


def unpacked_page(data: bytes, source: str) -> tuple[bytes, str | None]:
    """A page file's bytes as its page, gunzipped and less a saved HTTP response's head, in
    whatever order they came (``curl -i | gzip``, or a body sent gzip-encoded), and the
    charset the head names. A saved response that is no page (not 2xx) is refused."""
    from ..errors import InputError
    from ..files import GZIP_MAGIC, gunzip

    charset = None
    for _ in range(MAX_UNPACKING):
        if data.startswith(GZIP_MAGIC):
            data = gunzip(data, source)
            continue
        response = http_body(data)
        if response.status is None:
            break
        if not 200 <= response.status < 300:  # as the WARC reader skips them
            raise InputError(f"{source}: is a saved HTTP {response.status} response, not a page")
        data, charset = _decoded_body(response.body, response.headers, source), response.charset or charset
    return data, charset


def looks_like_mhtml(data: bytes) -> bool:
    """Whether bytes start like MHTML ("Save as single file", ``.mhtml``): mail-style
    headers, one of them ``Content-Type: multipart/related``."""
    return bool(_MHTML_START.match(data[:SNIFF_BYTES]))


def is_trafilatura_xml(head: bytes) -> bool:
    """Whether a file starting with ``head`` is trafilatura's --xml or --xmltei output."""
    head = head.removeprefix(b"\xef\xbb\xbf")[:SNIFF_BYTES]
    root = _XML_ROOT.match(head)
    return bool(_TRAFILATURA_XML.match(head) or (root and root.group(1) in (b"doc", b"TEI")))


def not_a_page(head: bytes, html: bool = False) -> str | None:
    """What a file starting with ``head`` is instead of a page (a PDF, a zip archive, a
    feed), as the end of an error message, or None for a file that may be a page. With
    ``html`` (the content is said to be HTML: an ``.html`` file, a ``text/html`` response, a
    record's ``html`` field), an ``<svg>`` with no XML declaration first is an inline icon."""
    for magic, what in _OTHER_DOCUMENTS:
        if head.startswith(magic):
            return what
    if head[257:262] == b"ustar":  # a tar archive's mark, in its first member's header
        return "is a tar archive, not a page; unpack it first (tar -xf) and give its pages, or their folder"
    if _EMAIL_START.match(head, 0, SNIFF_READ_BYTES):  # (bounds, not a copy of the head)
        return _EMAIL
    if _ONE_PART_EMAIL_START.match(head, 0, SNIFF_READ_BYTES):
        return _ONE_PART_EMAIL
    whole = head = head.removeprefix(b"\xef\xbb\xbf")
    body = past_prologue(head, SNIFF_BYTES)
    head = head[:SNIFF_BYTES]
    if _FEED_START.match(body):
        return _FEED
    if is_trafilatura_xml(head) or _TRAFILATURA_XML.match(body):
        return _TRAFILATURA
    if _TRAFILATURA_CSV.match(head):
        return _TRAFILATURA_TSV
    root = _XML_ROOT.match(head)
    name = root.group(1).lower() if root else None
    if name is None:  # no XML declaration: only the roots no page opens with (an SVG file, a sitemap)
        bare = _NO_PAGE_ROOT.match(body)
        name = bare.group(1).lower() if bare else None
        if name == b"svg" and (html or _AFTER_SVG.search(past_prologue(whole, SNIFF_READ_BYTES))):
            name = None  # an icon atop a page or fragment
    if name is not None and name != b"html":
        if name in _SITEMAP_ROOTS:
            return "is a sitemap, not a page; tag the pages it lists"
        if name == b"svg":
            return "is an SVG image, not a page"
        if name == b"plist":  # Safari's .webarchive after `plutil -convert xml1`
            return ("is a property list in XML (a .webarchive converted to XML?); convert it back with "
                    "plutil -convert binary1, or give the page's HTML")
        return (f"is an XML document (<{root.group(1).decode('ascii', 'replace')}>), not a page; "
                "give pages as text, HTML or WARC files")
    return None


# The root elements that say a file is no page even without an XML declaration (after any
# doctype but HTML's).
_NO_PAGE_ROOT = re.compile(rb"(?:<!doctype\s+(?!html)[^>]{0,500}>\s*)?<(svg|urlset|sitemapindex)[\s>]", re.IGNORECASE)
# An element after an <svg>'s end (not another <svg>): the SVG is part of a page.
_AFTER_SVG = re.compile(rb"</svg>\s*<(?!svg)[a-z]", re.IGNORECASE)


def _sniff(path) -> bool:
    try:
        with open(path, "rb") as handle:
            return looks_like_html(handle.read(SNIFF_READ_BYTES))
    except OSError:
        return False  # the text reader reports the missing or unreadable file
