"""HTML pages to the project's text form, with lxml.

What a reader sees is kept and what it does not is dropped: scripts, styles, templates,
``<noscript>``, SVG, form controls and hidden elements (``hidden``, ``aria-hidden="true"``,
inline ``display:none`` / ``visibility:hidden``). Block elements become blocks separated by
blank lines, in the corpus's form: links ``[text](href)``, list items ``- item`` (``1. item``
in an ordered list; a list is one block), headings as their text, quotes as ``> `` lines, a
table row of plain cells as one line ``a | b``. Inline elements are joined within their block
and ``<br>`` breaks a line.
"""

from __future__ import annotations

import codecs
from collections import Counter
import os
import re
import sys
import textwrap
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree

from ..blocks import DIRECTION_MARKS, normalise_newlines, without_cjk_line_breaks
from ..dialects import NO_TARGET
from ..errors import InputError, short_repr, warn
from ..files import (DEFAULT_ENCODING, GZIP_MAGIC, binary_error, decode_text, encoding_advice, gunzip,
                     in_another_script, is_wide_encoding, looks_binary, nul_every_other_byte, ordered_encoding,
                     text_encoding, unmarked_unicode)
from . import SNIFF_BYTES, WEBARCHIVE_MAGIC, looks_like_html, looks_like_mhtml, not_a_page, unpacked_page

# Read at most this much of a page's head for its <meta charset>: browsers honour one met
# later than their 1 KiB prescan (after a long inline script, say) by decoding again.
CHARSET_SNIFF_BYTES = 64 * 1024
FALLBACK_ENCODING = "cp1252"  # what browsers assume for undeclared non-UTF-8 pages
# Nesting deeper than this is read as plain text: it bounds the recursion. Tag soup nests
# deep (every unclosed <font> or <div> of an old forum holds the rest of the page), and a
# page 250 deep was read as one block; the interpreter's recursion limit is raised to fit.
MAX_DEPTH = 1000
_FRAMES_PER_LEVEL = 4  # element() -> children() -> element(), and list() or a link's card between
_CALLERS_FRAMES = 1500  # the frames of whatever called the reader
CODE_FENCE = "```"

DROPPED = frozenset({
    "script", "style", "template", "noscript", "svg", "math", "head", "title", "meta", "link",
    "iframe", "object", "embed", "canvas", "video", "audio", "source", "track", "map",
    "input", "select", "option", "textarea", "button", "datalist",
    "rt", "rp",  # ruby's readings: the text is the base it annotates ("漢字", not "漢かん字じ")
})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tr", "td", "th",
    "caption", "ul",
})
LISTS = frozenset({"ul", "ol", "menu", "dl"})
# Elements of running text: a list item holding them is a post or a comment, not a line.
PARAGRAPHS = frozenset({"p", "article", "blockquote", "pre", "figure", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
# Holding these, a list item is read as blocks (a live blog's post, a comment, a gallery
# slide), not as one line of its list; two <p>, or one in an item this long, likewise.
ITEM_CONTAINERS = frozenset({"figure", "blockquote", "pre", "table", "article"})
MAX_ITEM_LINE_CHARS = 300
# A list item of more elements than this is searched by lxml's filters, not in Python.
MAX_ITEM_WALK = 32
LIST_ITEMS = frozenset({"li", "dt", "dd"})
TABLE_CELLS = frozenset({"td", "th"})
# What a data cell may wrap its text in (editors paste "<td><p>2025</p></td>"): still a row.
CELL_CONTENT = TABLE_CELLS | {"p", "div"}

_CLOSES = re.compile(r"[.,;:!?)\]}»”’]")  # punctuation a date or time runs into
_OPENERS = "([{«“‘"
# Characters that show nothing: a soft hyphen, zero-width spaces and joiners' kin, a word
# joiner, a byte-order mark, and the marks that set text's direction (Arabic, Hebrew pages).
_INVISIBLE = re.compile(f"[\u00ad\u200b\u2060\ufeff{DIRECTION_MARKS}]")
MAX_QUOTE_DEPTH = 8  # blockquotes within blockquotes read as quotes
_PERMALINK_MARKS = frozenset({"#", "¶", "§", "🔗", "⚓", "⚓︎", "🔗︎"})
_URL_BREAKS = {ord("\n"): None, ord("\t"): None, ord("\r"): None}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# An inline element its style shows as a block (a recipe plugin's notes and steps in spans):
# a block of its own, as a browser shows it.
_BLOCK_STYLE = re.compile(r"display\s*:\s*(?:block|flex|grid|list-item|table)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_ATTRIBUTE = re.compile(rb"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_CHARSET_IN_CONTENT = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})["']""")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
# Any tag, comment, doctype or processing instruction: a document with none is not markup.
_ANY_TAG = re.compile(r"<[A-Za-z!/?]")


def _one_line(text: str) -> str:
    """``text`` with each run of white space one space, stripped: what ``_SPACES.sub(" ",
    text).strip()`` gives, faster (str.split() splits where the regex's white space matches,
    at the characters str.isspace() holds; a test compares the two)."""
    return " ".join(text.split())


def html_to_text(html: bytes | str, url: str | None = None, source: str = "<html>") -> str:
    """The page's text as blank-line separated blocks ("" for an empty document). Relative
    links are resolved against ``url`` (or the page's ``<base href>``) when known. Raises
    :class:`InputError` naming ``source`` for a document lxml cannot read."""
    return html_page(html, url, source)[0]


def html_page(html: bytes | str, url: str | None = None, source: str = "<html>",
              encoding: str = DEFAULT_ENCODING) -> tuple[str, str | None]:
    """:func:`html_to_text`, and the page's address: ``url``, or the one a browser saved
    an MHTML page from. Bytes that name no charset are read in ``encoding`` (see
    :func:`decode_html`)."""
    if not isinstance(html, (bytes, str)):
        raise InputError(f"{source}: expected the page's HTML as bytes or str, got {short_repr(html)}")
    html, url = _saved_page(html, url, source)
    text, stated = _page_text(html, url, source, encoding)
    return text, url or stated


# A page's own word on its address, for a page saved as HTML alone (which keeps no record of
# where it came from): its canonical link, its og:url, or the comment a browser saves it with.
# Reported as the page's url only: links are resolved as before, against <base> alone.
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d{1,5}\)(https?://[^\s>]{1,%d}?)\s*-->" % 2000, re.IGNORECASE)
_ABSOLUTE = re.compile(r"https?://[^\s/]", re.IGNORECASE)


def _stated_address(root, html: str) -> str | None:
    for link in root.iterfind(".//link[@rel][@href]"):
        href = link.get("href").strip()
        if "canonical" in link.get("rel").lower().split() and _ABSOLUTE.match(href):
            return href
    for meta in root.iterfind(".//meta[@property][@content]"):
        content = meta.get("content").strip()
        if meta.get("property").strip().lower() == "og:url" and _ABSOLUTE.match(content):
            return content
    saved = _SAVED_FROM.search(html, 0, SNIFF_BYTES)
    return saved.group(1) if saved else None


def _page_text(html: bytes | str, url: str | None, source: str,
               encoding: str = DEFAULT_ENCODING) -> tuple[str, str | None]:
    """The page's text, and (when ``url`` is None) the address the page states, if any."""
    if isinstance(html, bytes):
        html = decode_html(html, encoding, source)
    html = _XML_DECLARATION.sub("", html, count=1)
    end = max(html.rfind("</html"), html.rfind("</HTML"))
    if end >= 0 and html[end:].partition(">")[2].strip():  # libxml2 drops what follows it; browsers show it
        html = _HTML_END.sub("", html)
    if not html.strip():
        return "", None
    if not _ANY_TAG.search(html):  # text saved under an HTML name: its blank lines are its blocks
        return normalise_newlines(html).strip(), None
    root = _parsed(html, source)
    if _past_depth_limit():
        # Tag soup of unclosed <font>, <b>, <span>...: browsers nest no more than three alike
        # (the HTML parser's "Noah's Ark" rule); without them the page reads as they show it.
        root = _parsed(_INLINE_FORMATTING_TAG.sub("", html), source)
        if _past_depth_limit():
            raise InputError(f"{source}: is not a readable HTML page (elements nested over libxml2's limit)")
    if root is None:
        return "", None
    stated = _stated_address(root, html) if url is None else None
    stated = stated.replace(" ", "%20") if stated else None  # (its spaces escaped, as a link target's are)
    base = root.find(".//base[@href]")
    if base is not None:
        url = _joined(url or "", base.get("href")) or url
    _parse_noframes(root, source)
    # (A page's tree is walked, not its text searched: its scripts and styles make the text
    # ten times the size of its elements.)
    scripted = _scripted_article(root)
    hidden = _prune(root, clones=any(mark in html for mark in _CLONE_MARKS))
    _mark_layout_tables(root)
    builder = _Builder(url)
    needed = MAX_DEPTH * _FRAMES_PER_LEVEL + _CALLERS_FRAMES
    if sys.getrecursionlimit() < needed:  # (only ever raised: threads may be deep in it too)
        sys.setrecursionlimit(needed)
    builder.element(root, depth=0)
    text = "\n\n".join(builder.finish())
    if scripted and len(text) < scripted[1]:
        warn(f"{source}: shows less text than its {scripted[0]} holds: its article is probably written in "
             "by JavaScript, which blocktag does not run; save the page as a browser shows it (e.g. with a "
             "headless browser's page.content())")
    elif hidden >= MIN_HIDDEN_CHARS and hidden > HIDDEN_TIMES_SHOWN * len(text):
        warn(f"{source}: hides most of its paragraphs' text ({hidden:,} characters in hidden elements or "
             f"<template>s, {len(text):,} shown): blocktag reads what a browser shows before scripts run; if "
             "the article is among it, save the page as a browser shows it (e.g. with a headless browser's "
             "page.content())")
    return text, stated


# A page whose article is hidden until a script shows it (display:none, hidden, a <template>
# a script fills the page from): said when its hidden paragraphs hold this many characters,
# and this many times the text it shows.
MIN_HIDDEN_CHARS = 500
HIDDEN_TIMES_SHOWN = 2


# A page whose article a script writes in (Next.js, Nuxt) holds it as data: said when the
# page shows much less text than the data holds. JSON-LD's articleBody is the article's own
# length; a framework's data holds much besides, so only a page showing little is said.
_ARTICLE_BODY = re.compile(r'"articleBody"\s*:\s*"')
MIN_ARTICLE_BODY_CHARS = 500
MAX_SHOWN_SHARE = 0.5  # of articleBody
MAX_SCRIPTED_PAGE_CHARS = 2000
MIN_DATA_TIMES_SHOWN = 5


_FRAMEWORK_DATA = {"__NEXT_DATA__": "Next.js data", "__NUXT_DATA__": "Nuxt data"}


def _scripted_article(root) -> tuple[str, float] | None:
    """What a page's scripts hold of its article ("articleBody", or a framework's data), and
    the length of text a page that shows it would reach; None when they hold none. (Only
    those scripts' text is read: a page's other scripts are most of its bytes.)"""
    found = None
    for script in root.iter("script"):
        kind = script.get("type")
        if kind is not None and kind.strip().lower() == "application/ld+json":
            data = script.text or ""
            body = max((_string_length(data, m.end()) for m in _ARTICLE_BODY.finditer(data)), default=0)
            if body >= MIN_ARTICLE_BODY_CHARS:
                return "JSON-LD articleBody", MAX_SHOWN_SHARE * body
        elif script.get("id") in _FRAMEWORK_DATA:
            data_chars = len(script.text or "")
            found = _FRAMEWORK_DATA[script.get("id")], min(MAX_SCRIPTED_PAGE_CHARS, data_chars / MIN_DATA_TIMES_SHOWN)
    return found


def _string_length(data: str, start: int) -> int:
    """The length of the JSON string that opens at ``start`` (its escapes counted as written),
    found by str.find: a regex over a long article's characters costs a page more."""
    end = start
    while True:
        end = data.find('"', end)
        if end < 0:
            return 0  # (never closed: no article to measure)
        before = end - 1
        while before >= start and data[before] == "\\":
            before -= 1
        if (end - 1 - before) % 2 == 0:  # not escaped: an even run of backslashes before it
            return end - start
        end += 1


def _saved_page(html: bytes | str, url: str | None, source: str) -> tuple[bytes | str, str | None]:
    """``html`` and ``url`` as given, or, for a page a browser saved (MHTML, Safari's
    .webarchive), the page inside and (unless ``url`` is given) the address it was saved from."""
    if isinstance(html, bytes) and html.startswith(WEBARCHIVE_MAGIC):
        page, saved_from = _webarchive_page(html, source)
        return page, url or saved_from
    head = html[:SNIFF_BYTES]
    if not looks_like_mhtml(head.encode("utf-8", "surrogatepass") if isinstance(head, str) else head):
        return html, url
    data = html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html
    page, saved_from = _mhtml_document(data, source)
    return page, url or saved_from


_MHTML_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def _mhtml_document(data: bytes, source: str) -> tuple[bytes | str, str | None]:
    """The page a browser saved as MHTML: the part its ``multipart/related`` names as its
    ``start``, else its first HTML (or XHTML) part (quoted-printable or base64 undone;
    decoded when the part names its charset, as an HTTP header would), and the URL it was
    saved from."""
    import email
    from email.errors import CloseBoundaryNotFoundDefect

    message = email.message_from_bytes(data)
    if any(isinstance(defect, CloseBoundaryNotFoundDefect) for defect in message.defects):
        raise InputError(f"{source}: is an MHTML archive cut short (its parts never end: an interrupted save or "
                         "download?); save the page again")
    pages = [part for part in message.walk() if part.get_content_type() in _MHTML_PAGE_TYPES]
    start = _header_text(message.get_param("start")) if message.is_multipart() else None
    main = next((part for part in pages if start and _header_text(part.get("Content-ID")) == start), None)
    for part in [main] if main is not None else pages[:1]:
        payload = part.get_payload(decode=True) or b""
        url = _header_text(part.get("Content-Location") or message.get("Snapshot-Content-Location"))
        return response_decoded(payload, part.get_content_charset()), url
    raise InputError(f"{source}: is an MHTML archive with no HTML page in it")


def _header_text(value) -> str | None:
    """A header's value as text: the email parser gives a header holding raw UTF-8 bytes
    (a saved address with "ü" in it) as a ``Header`` object, not a string."""
    if value is None or isinstance(value, str):
        return value
    from email.header import decode_header
    from email.utils import collapse_rfc2231_value

    if isinstance(value, tuple):  # a parameter given in RFC 2231's (charset, language, value) form
        return collapse_rfc2231_value(value)
    words = []
    for word, charset in decode_header(value):
        if isinstance(word, bytes):
            try:
                word = word.decode(charset if charset and charset != "unknown-8bit" else "utf-8", errors="replace")
            except LookupError:
                word = word.decode("utf-8", errors="replace")
        words.append(word)
    return "".join(words)


def read_html(path: str | os.PathLike, url: str | None = None, encoding: str = DEFAULT_ENCODING) -> tuple[str, str | None]:
    """An HTML page file (``.html``, ``.htm``, gzipped or not, MHTML or a Safari
    ``.webarchive``) as text, and its address (``url``, or the one a browser saved it from).
    A page that names no charset is read in ``encoding`` (see :func:`decode_html`)."""
    data, charset = _unpacked(path)
    refusal = not_a_page(data, html=True)
    if refusal:  # a PDF or a feed named .html
        raise InputError(f"{path}: {refusal}")
    marked = text_encoding(data, "")
    if not marked and is_wide_encoding(encoding) and unmarked_unicode(data):  # UTF-16 with no mark, named by --encoding
        decoded = decode_text(data, str(path), encoding)
    else:
        decoded = header_decoded(data, charset) if not marked else None
    if decoded is None and not marked and not looks_like_html(data) and looks_binary(data):  # an image saved as ID.html
        if unmarked_unicode(data):
            raise binary_error(path, data)  # named as UTF-16, with the option that reads it
        raise InputError(f"{path}: is a binary file, not an HTML page")
    if is_json_document(data if decoded is None else decoded):  # an API's answer saved as page.html
        raise InputError(f"{path}: is JSON, not an HTML page; name it .json or .jsonl to read the pages it holds")
    return html_page(data if decoded is None else decoded, url=url, source=str(path), encoding=encoding)


_FRAME = re.compile(rb"<(?:frameset|frame|iframe)[\s>/]", re.IGNORECASE)
# <meta http-equiv="refresh" content="0; url=https://...">: a page that only sends the reader on.
_REFRESH = re.compile(rb"<meta\b[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*?content\s*=\s*[\"']?\s*\d*\s*[;,]?\s*"
                      rb"(?:url\s*=\s*)?['\"]?([^'\">\s]+)", re.IGNORECASE)


def empty_page_hint(html: bytes | None) -> str:
    """Why an HTML page showed no text, as the end of a message: its frames' pages hold it,
    it sends the reader on (a meta refresh), or else JavaScript builds it."""
    if html is None:
        return ""
    if not html.strip():
        return ": its body is empty"
    refresh = _REFRESH.search(html[:65536])
    if refresh:
        target = refresh.group(1).decode("utf-8", "replace")
        return f": it only sends the reader on to {target} (a meta refresh); tag that page"
    if _FRAME.search(html):
        return ": its text is in the pages its frames show (<frame src>); tag those"
    return " (a page built by JavaScript?)"


def is_json_document(data: bytes | str) -> bool:
    """Whether a whole file (or a response's body, a record's ``html``) is one JSON object or
    array (or JSON Lines of them): an API's answer, not a page."""
    import json

    start = (data[:4096].decode("utf-8", "replace") if isinstance(data, bytes) else data[:4096]).lstrip("\ufeff \t\r\n")
    if start[:1] not in ("{", "["):  # (an HTML page is not decoded whole to learn that)
        return False
    text = (data.decode("utf-8", "replace") if isinstance(data, bytes) else data).lstrip("\ufeff \t\r\n")
    first = text.split("\n", 1)[0] if text[:1] == "{" else text
    try:
        json.loads(first)
    except ValueError:
        try:
            json.loads(text)
        except ValueError:
            return False
    return True


# What a web archive's page may be: HTML, or text (read as a text page is, at its blank lines).
_WEBARCHIVE_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _webarchive_page(data: bytes, source: str) -> tuple[bytes | str, str | None]:
    """The page Safari saved as a ``.webarchive``: its main resource's HTML (decoded by the
    encoding the archive names, as an HTTP header's charset would be) and its address."""
    import plistlib

    try:
        main = plistlib.loads(data)["WebMainResource"]
        body, mime = main["WebResourceData"], main.get("WebResourceMIMEType", "text/html")
    except Exception as exc:  # a damaged binary property list fails in many ways, all meaning the same
        raise InputError(f"{source}: is not a readable Safari web archive ({type(exc).__name__}); "
                         f"save the page again, or as HTML") from None
    if not isinstance(body, bytes):
        raise InputError(f"{source}: is not a readable Safari web archive (its page is no data); save the page "
                         f"again, or as HTML")
    if mime not in _WEBARCHIVE_PAGE_TYPES:
        raise InputError(f"{source}: is a Safari web archive of {mime}, not of a page")
    encoding = main.get("WebResourceTextEncodingName")
    decoded = header_decoded(body, encoding if isinstance(encoding, str) else None)  # (a damaged name: the page's own)
    url = main.get("WebResourceURL")
    return (body if decoded is None else decoded), (url if isinstance(url, str) else None)


def response_decoded(data: bytes, charset: str | None) -> str | bytes:
    """A response's (or a saved part's) body as browsers read it: in its header's charset;
    where the body is not in it, as the page's own ``<meta charset>`` (or UTF-8) says,
    returned as bytes for :func:`decode_html` to read; else still in the header's charset,
    a bad byte or a character cut short as U+FFFD (a crawler's size limit cuts mid-character)."""
    decoded = header_decoded(data, charset)
    if decoded is not None:
        return decoded
    encoding = known_encoding(charset, in_page=False) if charset else None
    if encoding is None or declared_charset(data) or is_utf8(data):
        return data
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:  # a codec that is not a text encoding ("base64")
        return data


def header_decoded(data: bytes, charset: str | None) -> str | None:
    """A saved response's body decoded by the charset its header names, or None when there
    is none, no text codec has it, or the body is not in it (then it is read as a page with
    no header is). UTF-16 is believed only where the body has the NUL bytes it would hold,
    every other byte, and their places say its byte order when no byte-order mark does."""
    encoding = known_encoding(charset, in_page=not nul_every_other_byte(data)) if charset else None
    if encoding is None:
        return None
    encoding = ordered_encoding(data, encoding)  # no mark: ASCII's NULs say UTF-16's order
    if utf8_under_legacy_label(data, encoding):
        return data.decode("utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def utf8_under_legacy_label(data: bytes, encoding: str | None) -> bool:
    """Whether a body labelled with a legacy encoding (windows-1252 as a server's default
    header, a page's old ``<meta charset="shift_jis">`` kept when it moved to UTF-8) is UTF-8
    with non-ASCII characters in it, as text in a legacy encoding almost never is: UTF-8's
    multi-byte characters need lead and continuation bytes in an order that Western,
    Cyrillic or Greek letters and Chinese, Japanese or Korean byte pairs do not keep up. It
    is then read as UTF-8."""
    return encoding is not None and not encoding.startswith(("utf-8", "utf-16")) and is_utf8(data)


def html_bytes(path: str | os.PathLike) -> bytes:
    """An HTML page file's bytes, unpacked when gzipped."""
    return _unpacked(path)[0]


def _unpacked(path) -> tuple[bytes, str | None]:
    data = _read_raw(path)
    # A page.html.gz that is plain HTML (a browser or `curl --compressed` unpacked it and kept
    # the name) is read as it is; anything else not gzip is a damaged file.
    if str(path).lower().endswith(".gz") and not data.startswith(GZIP_MAGIC) and not looks_like_html(data):
        data = gunzip(data, str(path))  # says what is wrong with it
    return unpacked_page(data, str(path))


def _read_raw(path) -> bytes:
    # HTML may be gzipped or UTF-16: no text-file binary check here.
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def decode_html(data: bytes, encoding: str = DEFAULT_ENCODING, source: str = "<html>", hint: bool = True) -> str:
    """Decode a page by its byte-order mark, else its ``<meta charset>``, else the
    ``encoding`` the user named (``--encoding``, strictly: a page not in it is an
    :class:`InputError`), else UTF-8 (a page of UTF-8 with a few bad bytes, or cut short
    mid-character, too), else the legacy encoding browsers default to for the language the
    page declares (``<html lang="pl">``: ISO-8859-2), if it reads in it, else
    :data:`FALLBACK_ENCODING` as browsers do, unless its bytes are of another encoding's kind
    (an :class:`InputError` then, saying to give ``--encoding`` where ``hint``). Undecodable
    bytes of a page that names its charset become U+FFFD; a page labelled UTF-8 that holds
    more bad bytes than UTF-8 characters is read as one that names no charset."""
    marked = text_encoding(data, "")  # the codec it names drops the mark
    if marked:
        return data.decode(marked, errors="replace")
    declared = declared_charset(data)
    named = known_encoding(declared) if declared else None
    if utf8_under_legacy_label(data, named):  # a page moved to UTF-8 with its old label kept
        return data.decode("utf-8")
    if named and codecs.lookup(named).name == "utf-8":
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        if not bad or sum(ord(c) > 0x7F for c in text) >= 2 * bad:
            return text  # (UTF-8, but for a stray byte or two)
        named = None  # more bad bytes than UTF-8 characters: a legacy page under a template's UTF-8 label
    if named:
        try:
            return data.decode(named, errors="replace")
        except LookupError:  # a codec that is not a text encoding ("base64")
            pass
    if codecs.lookup(encoding).name != "utf-8":
        return decode_text(data, source, encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        as_utf8 = _mostly_utf8(data, exc.start)
    if as_utf8 is not None:
        return as_utf8
    by_language = _language_encoding(data)
    if by_language:
        try:
            text = data.decode(by_language)  # strictly: a page not in it reads on as below
        except UnicodeDecodeError:
            text = None
        if text is not None and _mostly_lower_case(text):
            return text
    if in_another_script(data):  # tagged as cp1252, it would be nonsense
        fix = f"; {encoding_advice(data)}" if hint else ""
        raise InputError(f"{source}: names no charset and is neither UTF-8 nor {FALLBACK_ENCODING} text (its "
                         f"non-ASCII bytes come in runs, as another encoding's letters do){fix}")
    return data.decode(FALLBACK_ENCODING, errors="replace")


# The encoding browsers assume for an undeclared page that is not UTF-8, by language, where it
# is not windows-1252 (the HTML Standard's suggested defaults by locale): here read off the
# language the page declares, as the page's own word on who it was written for.
LANGUAGE_ENCODINGS = {
    "ar": "windows-1256", "fa": "windows-1256", "he": "windows-1255", "el": "iso-8859-7", "th": "windows-874",
    "tr": "windows-1254", "ku": "windows-1254", "vi": "windows-1258", "et": "windows-1257", "lt": "windows-1257",
    "lv": "windows-1257", "cs": "windows-1250", "sk": "windows-1250", "hr": "windows-1250", "bs": "windows-1250",
    "hu": "iso-8859-2", "pl": "iso-8859-2", "sl": "iso-8859-2", "ja": "shift_jis", "ko": "euc-kr",
    "zh": "gb18030", "zh-tw": "big5", "zh-hk": "big5", "zh-mo": "big5", "zh-hant": "big5",
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "tg", "tt", "ba", "sah"), "windows-1251"),
}
# An ISO-8859 page holds no byte from 0x80 to 0x9F (controls there), its Windows sibling
# letters (Polish "ś" and "ź" in windows-1250): such bytes say which of the two it is.
_WINDOWS_SIBLINGS = {"iso8859-2": "cp1250", "iso8859-7": "cp1253"}
_C1_BYTE = re.compile(rb"[\x80-\x9f]")
_HTML_LANG = re.compile(rb"<html\b[^>]{0,2000}?[\s\"'](?:xml:)?lang\s*=\s*[\"']?\s*([a-z]{2,3}(?:[-_][a-z0-9]{1,8})*)",
                        re.IGNORECASE)


def _language_encoding(data: bytes) -> str | None:
    """The codec browsers read an undeclared page of the language its ``<html lang>`` names
    with, when that is not :data:`FALLBACK_ENCODING`; else None."""
    found = _HTML_LANG.search(data, 0, CHARSET_SNIFF_BYTES)
    if found is None:
        return None
    tag = found.group(1).decode("ascii").lower().replace("_", "-")
    label = LANGUAGE_ENCODINGS.get(tag) or LANGUAGE_ENCODINGS.get("-".join(tag.split("-")[:2]))
    label = label or LANGUAGE_ENCODINGS.get(tag.split("-")[0])
    encoding = known_encoding(label) if label else None
    if encoding in _WINDOWS_SIBLINGS and _C1_BYTE.search(data):
        return _WINDOWS_SIBLINGS[encoding]
    return encoding


# Prose is mostly lower case. A page read in the wrong one of a script's encodings is not:
# KOI8-R's small letters are windows-1251's capitals. (A page of a script without case,
# or with too few letters to tell, passes.)
MIN_CASED_LETTERS = 20
CASE_SAMPLE_CHARS = 256 * 1024  # enough letters to tell, on a page of any size


def _mostly_lower_case(text: str) -> bool:
    cased = [c for c in text[:CASE_SAMPLE_CHARS] if c > "\x7f" and c.isalpha() and c.lower() != c.upper()]
    return len(cased) < MIN_CASED_LETTERS or sum(map(str.isupper, cased)) <= len(cased) / 2


def undo_latin1_misreading(text: str) -> str:
    """``text`` as its page's bytes say, when it is a UTF-8 page read as ISO-8859-1: what
    ``requests.get(url).text`` gives for a server that names no charset ("CafÃ©" for "Café").
    Only a page that declares UTF-8, whose every character fits a byte, and whose bytes then
    read as UTF-8 is read again; any other text is as given."""
    if text.isascii():
        return text
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return text  # a character past U+00FF: not a byte-for-byte reading
    declared = declared_charset(data)
    try:
        if declared is None or codecs.lookup(declared).name != "utf-8":
            return text
        return data.decode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return text


def declared_charset(data: bytes) -> str | None:
    """The charset a page's markup declares in its first :data:`CHARSET_SNIFF_BYTES`: a
    ``<meta charset>``, or the ``charset=`` of a ``<meta>``'s content type (``http-equiv``,
    or no name: not a description's words), passing over comments, scripts and style sheets,
    which may quote one; else its XML declaration's encoding. One pass, each skip found with
    ``find``: an unclosed comment or script runs to the end of what is read."""
    head = data[:CHARSET_SNIFF_BYTES]
    lower = head.lower()
    at = 0
    while (at := lower.find(b"<", at)) >= 0:
        if lower.startswith(b"<!--", at):
            at = lower.find(b"-->", at + 4)
        elif (tag := _SNIFFED_TAG.match(lower, at)) is None:
            at += 1
            continue
        elif tag.group(1) != b"meta":
            at = lower.find(b"</" + tag.group(1), tag.end())
        else:
            close = head.find(b">", tag.end(), tag.end() + MAX_META_BYTES)
            if close < 0:
                at = tag.end()
                continue
            charset = _meta_charset(head[tag.end():close])
            if charset:
                return charset
            at = close
        if at < 0:
            break
        at += 1
    declaration = _XML_ENCODING.match(data)
    return declaration.group(1).decode("ascii") if declaration else None


MAX_META_BYTES = 1000
_SNIFFED_TAG = re.compile(rb"<(script|style|meta)(?=[\s/>])")


def _meta_charset(attributes: bytes) -> str | None:
    found = {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or b"" for m in _ATTRIBUTE.finditer(attributes)}
    charset = found.get(b"charset")
    if charset is None and b"content" in found and (
            found.get(b"http-equiv", b"").strip().lower() == b"content-type" or b"name" not in found):
        in_content = _CHARSET_IN_CONTENT.search(found[b"content"])
        charset = in_content.group(1) if in_content else None
    charset = (charset or b"").strip()
    return charset.decode("ascii", errors="replace") if charset else None


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 text with something beyond ASCII (ASCII tells no encoding)."""
    if data.isascii():
        return False  # nothing to tell
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# A page of UTF-8 with a stray byte or two pasted in is still UTF-8 when it has at least this
# many well-formed non-ASCII characters a bad byte: a short cp1252 page may hold one pair of
# bytes that happens to be UTF-8 ("É”"), never ten.
MAX_BAD_UTF8 = 2
MIN_GOOD_UTF8_PER_BAD = 10


def _mostly_utf8(data: bytes, first_bad: int) -> str | None:
    """``data`` (not UTF-8 from byte ``first_bad`` on) as UTF-8 when it is UTF-8 cut short
    mid-character, or with at most :data:`MAX_BAD_UTF8` bad bytes among many good
    characters; else None."""
    if len(data) - first_bad <= 3:  # a download that stopped inside a character: all before it decodes
        return data[:first_bad].decode("utf-8") + "\ufffd"
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(ord(c) > 0x7F for c in text) - bad
    return text if bad <= MAX_BAD_UTF8 and good >= MIN_GOOD_UTF8_PER_BAD * bad else None


# What browsers decode a page labelled with one of these as (the WHATWG Encoding Standard):
# the superset the label's pages are written in, so characters outside the strict charset
# ("①" in a shift_jis page, curly quotes in a latin-1 one) are read, not replaced.
_BROWSER_ENCODINGS = {
    "iso8859-1": FALLBACK_ENCODING, "ascii": FALLBACK_ENCODING,
    "iso8859-9": "cp1254", "iso8859-11": "cp874", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932", "euc_kr": "cp949", "big5": "big5hkscs",
}


# The encodings of the WHATWG Encoding Standard, by Python's codec names: the only ones a
# browser decodes a page in. A label of any other (UTF-32, UTF-7, EBCDIC's cp037, Python's own
# "unicode_escape" or "idna") is ignored, as browsers ignore it, and the page read as one
# naming no charset.
WEB_ENCODINGS = frozenset({
    "utf-8", "utf-16", "utf-16-be", "utf-16-le", "cp866", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic",
    "ascii", "tis-620", *(f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16)),
    *(f"cp{n}" for n in range(1250, 1259)), "cp874", "gbk", "gb2312", "gb18030", "big5", "big5hkscs", "euc_jp",
    "iso2022_jp", "shift_jis", "cp932", "euc_kr", "cp949",
})


def known_encoding(name: str, in_page: bool = True) -> str | None:
    """The codec a browser decodes a page labelled ``name`` with (by its ``<meta charset>``,
    or with ``in_page=False`` its HTTP header), or None for a label of no encoding a browser
    reads (:data:`WEB_ENCODINGS`)."""
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except LookupError:
        return None
    if codec.name not in WEB_ENCODINGS:  # base64 and zlib too: no page is written in them
        return None
    encoding = codec.name
    # A page that could state its charset in ASCII bytes is not UTF-16.
    if in_page and encoding.startswith("utf-16"):
        return "utf-8"
    return _BROWSER_ENCODINGS.get(encoding, encoding)


# huge_tree: libxml2 would otherwise drop the text of a page nested over 256 deep.
_PARSER = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, no_network=True, huge_tree=True)
# Elements that may be hidden, dialogs and declarative shadow roots, in document order
# (ancestors first), in one pass; the few hidden ones get this tag, and are cut out with the
# dropped ones in one C-level pass (their tails, the text after them, stay). One path, no
# union: libxml2 merges the node sets of a union in quadratic time, which on a page of 40,000
# styled elements took 17 s instead of 0.04 s.
_MAYBE_HIDDEN = lxml.etree.XPath(
    "descendant-or-self::*[@hidden or @aria-hidden or @style or @layout or @fallback or @placeholder or @popover"
    " or self::dialog or self::template[@shadowrootmode or @shadowroot]]")
# A carousel's copies of its slides, for its endless scrolling: looked for only in pages that
# name them (a second pass over every element costs a large page a twentieth of its time).
_CLONE_CLASSES = ("slick-cloned", "swiper-slide-duplicate", "glide__slide--clone", "splide__slide--clone")
_CLONE_MARKS = ("clone", "swiper-slide-duplicate")  # in every copy's class (Owl's is "owl-item cloned")
_MAYBE_CLONE = lxml.etree.XPath(  # one path, no union (see _MAYBE_HIDDEN)
    "descendant::*[" + " or ".join(f"contains(@class, '{mark}')" for mark in _CLONE_MARKS) + "]")


def _is_carousel_clone(classes: str) -> bool:
    names = classes.split()
    # ("cloned" alone names no carousel's copy: Owl's are "owl-item" too)
    return any(name in _CLONE_CLASSES for name in names) or ("cloned" in names and "owl-item" in names)


_PRUNED = "blocktag-pruned"
_VOID_CONTAINERS = ("embed", "source", "track", "wbr", "keygen")
# React's streamed HTML: content sent in <div hidden id="S:0">, which a script moves into the
# page in place of its "Loading..." fallback; what the browser shows.
_STREAMED = re.compile(r"S:\d+")


def _parsed(html: str, source: str):
    try:
        return lxml.etree.fromstring(html, parser=_PARSER)
    except (lxml.etree.LxmlError, ValueError) as exc:
        raise InputError(f"{source}: is not a readable HTML page ({exc})") from None


# The tags of inline formatting elements, opening and closing (not links, whose targets are
# evidence, nor anything that makes a block).
_INLINE_FORMATTING_TAG = re.compile(r"</?(?:font|b|i|u|s|em|strong|span|small|big|strike|tt|nobr|mark)(?=[\s/>])[^<>]{0,2000}>",
                                    re.IGNORECASE)


def _past_depth_limit() -> bool:
    # (by its code: lxml before 6.0.2 names XML_ERR_RESOURCE_LIMIT "unknown")
    return any(error.type == _RESOURCE_LIMIT_ERROR for error in _PARSER.error_log)


_RESOURCE_LIMIT_ERROR = 114  # libxml2's XML_ERR_RESOURCE_LIMIT: "Excessive depth in document"


def _parse_noframes(root, source: str) -> None:
    """A frameset page's <noframes>, which libxml2 keeps as raw text, read as the markup it
    is: it is the page's only text."""
    for element in list(root.iter("noframes")):
        if element.text and "<" in element.text:
            # Parsed as a page's body (a stray </div> in it ends nothing), which takes its place.
            body = lxml.etree.fromstring(f"<html><body>{element.text}</body></html>", parser=_PARSER).find("body")
            if _past_depth_limit():
                raise InputError(f"{source}: is not a readable HTML page (elements nested over libxml2's limit)")
            element.text = None
            if body is not None:
                body.tag = "div"
                element.append(body)


def _prune(root, clones: bool = False) -> int:
    """Drop what a browser does not show; returns how many characters of paragraphs' text
    (``PARAGRAPHS``) hidden elements and templates held, for the caller to say so."""
    hidden = 0
    # Void elements libxml2 2.14 reads as containers when not self-closed ("<embed src=...>"):
    # what follows them was taken as their content, and dropped with them.
    lxml.etree.strip_tags(root, *_VOID_CONTAINERS)
    # A formula is its text ("E=mc2", or the TeX its alttext gives), not a hole in its sentence.
    for formula in list(root.iter("math")):
        text = (formula.get("alttext") or "").strip() or "".join(formula.itertext()).strip()
        tail = formula.tail
        formula.clear()
        formula.tag, formula.text, formula.tail = "span", text, tail
    if clones:  # the slide itself is read once
        for element in _MAYBE_CLONE(root):
            if _is_carousel_clone(element.get("class") or ""):
                element.tag = _PRUNED
    for element in _MAYBE_HIDDEN(root):
        if element.tag == "template" and _is_shadow_root(element):
            element.tag = "div"  # a declarative shadow root (server-rendered web components) is shown
        if _is_hidden(element):
            hidden += _paragraphs_text(element)
            element.tag = _PRUNED
        elif element.tag not in BLOCKS and element.tag != "a" and _styled_as_block(element):
            element.tag = "div"  # a span its style shows as a block (a recipe plugin's notes and steps)
    for template in root.iter("template"):  # (a shadow root's was renamed above: it is shown)
        hidden += _paragraphs_text(template)
    lxml.etree.strip_elements(root, _PRUNED, *DROPPED, with_tail=False)
    return hidden


def _paragraphs_text(element) -> int:
    """The characters of the paragraphs an element holds (none for an icon, a menu, a label),
    unless a hidden element around it counted them already."""
    if not _holds_block_elements(element) or next(element.iterancestors(_PRUNED, "template"), None) is not None:
        return 0
    return sum(len(text.strip()) for text in element.itertext())


def _is_shadow_root(template) -> bool:
    return template.get("shadowrootmode") is not None or template.get("shadowroot") is not None


def _is_hidden(element) -> bool:
    if element.get("hidden") is not None:
        # "until-found": collapsed, but shown by find-in-page (accordions, Wikipedia's sections)
        return (not _STREAMED.fullmatch(element.get("id") or "")
                and element.get("hidden").strip().lower() != "until-found")
    if element.get("popover") is not None:
        return True  # a popover is shown only when opened (a menu, a share sheet)
    if element.get("aria-hidden", "").strip().lower() == "true":
        # Hidden from screen readers, not from the screen: an icon or a separator is dropped,
        # but not a page whose app a dialog hid while it was open (it holds the article's blocks).
        return not _holds_block_elements(element)
    if element.tag == "dialog":
        return element.get("open") is None  # a closed dialog is not shown
    if element.get("layout") == "nodisplay" or (
            (element.get("fallback") is not None or element.get("placeholder") is not None)
            and element.getparent() is not None and str(element.getparent().tag).startswith("amp-")
            and element.tag != "blockquote"):  # (an embedded post's text, as the page without AMP shows it)
        return True  # AMP: shown only when its element fails, or before it loads, or never
    style = element.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _holds_block_elements(element) -> bool:
    return next(element.iterdescendants(*PARAGRAPHS), None) is not None  # (lxml filters the tags in C)


def _joined(url: str, href: str) -> str | None:
    """``href`` resolved against ``url``, or None when either is no address urllib can read
    (a template's placeholder, "//[domain]/contact", is no host)."""
    try:
        return urljoin(url, href)
    except ValueError:
        return None


class _Builder:
    """Walks the tree once, gathering inline text into lines and lines into blocks."""

    def __init__(self, url: str | None):
        try:
            parts = urlsplit(url) if url else None
        except ValueError:  # "https://[site]/": a template's placeholder, no address to resolve against
            url = parts = None
        self.url = url
        # "/path" links are most of a page's; joining them by hand skips urljoin's parsing.
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts and parts.scheme and parts.netloc else None
        self.blocks: list[str] = []
        self.lines: list[str] = []
        self.inline: list[str] = []
        self.line_prefix = ""
        self.list_depth = 0
        self.quote_depth = 0
        self.link_target: str | None = None  # inside a link around blocks: its target
        self._running_text: dict = {}  # parent element -> whether it holds text of its own
        self._last_link: str | None = None  # the last link written, to tell when the next meets it
        self._last_target: str | None = None

    # -- assembling

    def flat(self, element) -> None:
        """An element nested past :data:`MAX_DEPTH`, walked without recursion: its text, with
        each paragraph (each element of :data:`BLOCKS`) still a block of its own, but no
        link, list or table markup."""
        for event, node in lxml.etree.iterwalk(element, events=("start", "end")):
            block = isinstance(node.tag, str) and node.tag in BLOCKS
            if block:
                self.end_block()
            if event == "start" and isinstance(node.tag, str):
                self.text(node.text)
            elif event == "end" and node is not element:
                self.text(node.tail)

    def text(self, text: str | None) -> None:
        if text:
            self.inline.append(text)

    def end_line(self) -> None:
        if not self.inline:  # most block boundaries close no text
            self.line_prefix = ""
            return
        # (a source's line break between two Chinese characters is no space)
        line = _one_line(without_cjk_line_breaks("".join(self.inline)))
        if not line.isascii():  # soft hyphens, zero-width and direction marks: invisible in a word
            line = _INVISIBLE.sub("", line)
        self.inline = []
        if line and self.link_target is not None and "](" not in line:
            line = f"[{line}]({self.link_target})"
        if line:
            self.lines.append(self.line_prefix + line)
        self.line_prefix = ""

    def end_block(self) -> None:
        self.end_line()
        if self.lines:
            prefix = "> " * self.quote_depth
            self.blocks.append("\n".join(prefix + line for line in self.lines))
        self.lines = []

    def finish(self) -> list[str]:
        self.end_block()
        return self.blocks

    # -- walking

    def element(self, element, depth: int) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if depth > MAX_DEPTH:
            self.flat(element)
            return
        if tag == "br":
            if self.lines and not self.list_depth and not "".join(self.inline).strip():
                self.inline = []
                self.end_block()  # a second <br> in a row: a paragraph break, as browsers show it
            else:
                self.end_line()
        elif tag == "a" and element.get("href") is not None and not self._holds_blocks(element):
            self.link(element)
        elif tag == "a" and element.get("href") is not None:
            # A link around blocks (a teaser card: a heading, a summary): each of its lines
            # is linked, as a link around a heading is written "[## Title](url)".
            self.end_line()  # the text before the card is not the card's ("Read next:")
            outer, self.link_target = self.link_target, self.target(element.get("href"))
            self.children(element, depth)
            self.end_line()
            self.link_target = outer
        elif tag == "img":
            pass  # an image's alt text is used only as the text of a link that has none
        elif tag == "q":  # the quotation marks browsers show around it
            self.text("“")
            self.children(element, depth)
            self.text("”")
        elif tag == "time":
            # A date set beside a name or a reading time by the style sheet, not by a space:
            # "Ruth Penhallow", "Apr 20, 2024", "3 min read" are three things, not "20243".
            if not (self.inline and self.inline[-1][-1:] in _OPENERS):  # "(May)" stays so
                self.text(" ")
            _space_parts(element)
            self.children(element, depth)
            if not element.tail or not _CLOSES.match(element.tail):  # "at 9am." stays so
                self.text(" ")
        elif tag in LISTS:
            self.list(element, depth)
        elif tag == "tr" and not self._holds_blocks(element, ignore=CELL_CONTENT) and element.get(_LAYOUT) is None:
            self.row(element, depth)
        elif tag == "pre":
            # Code as markdown writes it, fenced, its lines as they are (indentation is
            # Python's and YAML's syntax); a blank line in it would end the block.
            self.end_block()
            for br in element.iter("br"):  # a highlighter's line breaks
                br.tail = "\n" + (br.tail or "")
            lines = textwrap.dedent("".join(element.itertext()).strip("\n")).split("\n")
            code = [line.rstrip() for line in lines if line.strip()]
            if code:
                self.lines = [CODE_FENCE, *code, CODE_FENCE]
            self.end_block()
        elif tag == "blockquote" and self.quote_depth < MAX_QUOTE_DEPTH:
            # One block, its paragraphs separated by a bare ">" line, as html2text writes it.
            # (Deeper quotes are a forum's unclosed tags, one more a post: read as blocks, as
            # every level's marks and re-joined text would grow as the square of the page.)
            self.end_block()
            start = len(self.blocks)
            self.quote_depth += 1
            self.children(element, depth)
            self.end_block()
            self.quote_depth -= 1
            if len(self.blocks) - start > 1:
                self.blocks[start:] = [f"\n{('> ' * (self.quote_depth + 1)).rstrip()}\n".join(self.blocks[start:])]
        elif ((tag in BLOCKS or ("-" in tag and self._stands_apart(element)))
              and not (self.list_depth and tag not in LIST_ITEMS)):
            self.end_block()
            self.children(element, depth)
            self.end_block()
        else:
            # Inline, or a block inside a list item: it stays on the item's line.
            self.text(" " if tag in BLOCKS else None)
            self.children(element, depth)
            self.text(" " if tag in BLOCKS else None)

    def _stands_apart(self, element) -> bool:
        """Whether a custom element (``<story-paragraph>``, ``<amp-story-page>``) is a block:
        browsers show one inline unless styled, and sites style them as blocks, so one is read
        as a block unless it sits in running text (its parent holds text of its own beside
        it: "updated <relative-time>2 hours ago</relative-time>")."""
        parent = element.getparent()
        if parent is None:
            return True
        running = self._running_text.get(parent)
        if running is None:  # (once a parent: a page may hold thousands of components side by side)
            running = bool((parent.text or "").strip()) or any((child.tail or "").strip() for child in parent)
            self._running_text[parent] = running
        return not running

    def children(self, element, depth: int) -> None:
        # (self.text() written out: this runs for every element of a page)
        if element.text:
            self.inline.append(element.text)
        depth += 1
        for child in element:
            self.element(child, depth)
            if child.tail:
                self.inline.append(child.tail)

    def list(self, element, depth: int) -> None:
        # A list is one block, an item a line; a nested list's items are more lines of it.
        if self.list_depth == 0:
            self.end_block()
        else:
            self.end_line()
        self.list_depth += 1
        # An ordered list keeps its numbers ("1. Fill the canner"): they are the page's words.
        number, step = _numbering(element)
        self.text(element.text)
        for child in element:
            if isinstance(child.tag, str) and child.tag in LIST_ITEMS and _holds_posts(child):
                self.item_as_blocks(child, depth + 1)
                number = None if number is None else _int(child.get("value"), number) + step
            elif isinstance(child.tag, str) and child.tag in LIST_ITEMS:
                self.end_line()
                if number is None:
                    self.line_prefix = "- "
                else:
                    number = _int(child.get("value"), number)  # <li value="10">: numbering goes on from it
                    self.line_prefix = f"{number}. "
                    number += step
                self.children(child, depth + 1)
                self.end_line()
            else:
                self.element(child, depth + 1)
            self.text(child.tail)
        self.list_depth -= 1
        if self.list_depth == 0:
            self.end_block()
        else:
            self.end_line()

    def item_as_blocks(self, item, depth: int) -> None:
        """A list item that holds a post (paragraphs, a figure, a quote), read as a <div> is:
        its blocks are blocks, not one line of its list."""
        outer_depth, self.list_depth = self.list_depth, 0
        self.end_block()
        self.children(item, depth)
        self.end_block()
        self.list_depth = outer_depth

    def row(self, element, depth: int) -> None:
        cells = [self._cell(cell, depth + 1) for cell in element if isinstance(cell.tag, str) and cell.tag in TABLE_CELLS]
        self.end_line()
        self.text(" | ".join(cell for cell in cells if cell))
        self.end_line()

    def _cell(self, cell, depth: int) -> str:
        # A cell on one line, its links kept ("[Report](https://...)").
        builder = _Builder(self.url)
        builder.children(cell, depth)  # (the page's depth: a cell's own walk counts on from it)
        return " ".join(_SPACES.sub(" ", block) for block in builder.finish())

    def link(self, element) -> None:
        raw = _plain(element)
        text = _one_line(raw)
        if not text:
            images = [img.get("alt", "").strip() for img in element.iter("img")]
            text = next((alt for alt in images if alt), "")
        if not text:
            return  # an icon link with no words says nothing to a reader
        if text in _PERMALINK_MARKS and element.get("href", "").lstrip().startswith("#"):
            return  # a heading's permalink ("#", "¶"): not a word of the heading
        target = self.target(element.get("href"))
        if raw[:1].isspace() or (self.inline and self.inline[-1] is self._last_link and target != self._last_target):
            # A space the link's text opens with is the sentence's ("President Emmanuel" /
            # " Macron"); links to different pages side by side are a flex or grid menu's
            # ("[World](/a) [Politics](/b)"), while one word cut into links to one page is not.
            self.text(" ")
        self._last_link, self._last_target = f"[{text}]({target})", target
        self.text(self._last_link)
        if raw[-1:].isspace() and not (element.tail or "")[:1].isspace():
            self.text(" ")  # and a space it ends with ("[Read more ](/x)and") is the sentence's too

    def target(self, href: str) -> str:
        href = href.strip()
        if "\n" in href or "\t" in href or "\r" in href:  # a wrapped attribute: browsers drop them from a URL
            href = href.translate(_URL_BREAKS)
        if not href or href.lower().startswith("javascript:"):
            return NO_TARGET
        if self.url and not href.startswith(("#", "http://", "https://")):
            if self.origin and href.startswith("/") and not href.startswith("//") and "/." not in href:
                href = self.origin + href
            else:
                href = _joined(self.url, href) or href  # (a link that is no address is kept as written)
        return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")

    @staticmethod
    def _holds_blocks(element, ignore: frozenset = frozenset()) -> bool:
        return any(isinstance(e.tag, str) and e.tag in BLOCKS and e.tag not in ignore for e in element.iterdescendants())


# A table cell this long is prose, not data: old sites and forums lay out pages in cells.
MAX_DATA_CELL_CHARS = 300
# Marks the rows of a table that lays out a page (set before the walk, read by it).
_LAYOUT = "data-blocktag-layout"


def _mark_layout_tables(root) -> None:
    """Mark the rows of every table that lays out a page rather than holding data, decided
    once per table: a cell holds paragraphs (two or more ``<br><br>`` breaks) or prose, and
    fewer than half its rows are rows of data (as many cells as most of its rows, two or
    more of them with text, not a menu of three or more links, none of them paragraphs).
    Its cells are then read as blocks of their own, not as data rows."""
    for table in root.iter("table"):
        rows = list(_own_rows(table))
        cells = [_cells(row) for row in rows]
        paragraphs = [[_holds_paragraphs(cell) for cell in row] for row in cells]
        if not any(map(any, paragraphs)):
            continue
        widths = Counter(len(row) for row in cells)
        usual = max(widths, key=lambda width: (widths[width], width))
        data_rows = sum(1 for row, held in zip(cells, paragraphs)
                        if len(row) == usual >= 2 and not any(held) and _holds_data(row))
        if data_rows * 2 < len(rows):
            for row in rows:
                row.set(_LAYOUT, "")


def _holds_data(row) -> bool:
    """Two or more cells with text, and not a menu (three or more cells that are each a link
    and at most a separator)."""
    texts = [cell for cell in row if _SPACES.sub("", "".join(cell.itertext()))]
    menu = len(texts) >= 3 and all(_a_link_alone(cell) for cell in texts)
    return len(texts) >= 2 and not menu


def _a_link_alone(cell) -> bool:
    links = cell.findall(".//a")
    if len(links) != 1:
        return False
    rest = "".join(cell.itertext()).replace("".join(links[0].itertext()), "", 1)
    return not rest.strip(" \t\n\r|•·/-–—")


def _holds_posts(item) -> bool:
    """Whether a list item holds a post rather than a line: a figure, quote, code or table,
    two paragraphs, or a paragraph in an item of over :data:`MAX_ITEM_LINE_CHARS`."""
    paragraphs = 0
    # Most items hold a link or two: walked in Python, which costs less than lxml's tag
    # filters, built anew for each call. A bigger item (a post, or lists nested deep, each
    # of whose items is asked in turn) is left to the filters, which walk it in C.
    for seen, element in enumerate(item.iterdescendants()):
        if seen == MAX_ITEM_WALK:
            return _holds_posts_by_filters(item)
        if element.tag in ITEM_CONTAINERS:
            return True
        paragraphs += element.tag == "p"
    return _holds_a_post(item, paragraphs)


def _holds_posts_by_filters(item) -> bool:
    if next(item.iterdescendants(*ITEM_CONTAINERS), None) is not None:
        return True
    return _holds_a_post(item, sum(1 for _ in zip(range(2), item.iterdescendants("p"))))


def _holds_a_post(item, paragraphs: int) -> bool:
    return paragraphs >= 2 or (paragraphs == 1 and len(_one_line("".join(item.itertext()))) > MAX_ITEM_LINE_CHARS)


def _cells(row) -> list:
    return [cell for cell in row if isinstance(cell.tag, str) and cell.tag in TABLE_CELLS]


def _holds_paragraphs(cell) -> bool:
    """Prose, two or more paragraphs, or two or more paragraph breaks (one is an address's:
    "12 Quay St<br><br>Marrowby"; one <p> a cell is an editor's wrapper for a datum)."""
    breaks = 0
    for br in cell.iter("br"):
        following = br.getnext()
        breaks += following is not None and following.tag == "br" and not (br.tail or "").strip()
    return (breaks >= 2 or sum(1 for _ in zip(range(2), cell.iter("p"))) == 2
            or len(_one_line("".join(cell.itertext()))) > MAX_DATA_CELL_CHARS)


def _own_rows(table):
    """A table's rows, not those of the tables nested in its cells."""
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot", "form"):  # (old sites wrap a table's rows in its form)
            yield from (row for row in child if row.tag == "tr")


def _numbering(element) -> tuple[int | None, int]:
    """An ordered list's first number and step (a countdown's ``<ol reversed>`` counts down
    from its number of items); None for a list without numbers."""
    if element.tag != "ol":
        return None, 1
    if element.get("reversed") is None:
        return _int(element.get("start"), 1), 1
    items = sum(1 for child in element if child.tag == "li")
    return _int(element.get("start"), items), -1


def _int(value: str | None, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _styled_as_block(element) -> bool:
    style = element.get("style")
    return bool(style) and _BLOCK_STYLE.search(style) is not None


def _space_parts(time) -> None:
    """A ``<time>``'s parts set apart where nothing comes between them: "1h ago" and "01.58
    BST" in spans side by side are two things, as the style sheet shows them."""
    for part in time:
        if not part.tail and part.getnext() is not None:
            part.tail = " "


def _plain(element) -> str:
    """An element's text as it stands (``_one_line`` makes it one line), a ``<br>`` read as
    a space, and a ``<time>`` set apart from what it meets, as the walk sets it apart (written
    into the tree: an element is read once)."""
    if len(element):  # (most links hold text alone: no <br> or <time> to look for)
        for br in element.iter("br"):
            br.tail = " " + (br.tail or "")
        for time in element.iter("time"):  # "[March 12, 2024 March 13, 2024](/p/)", not "...2024March..."
            _space_parts(time)
            time.text = " " + (time.text or "")
            time.tail = " " + (time.tail or "")
    return "".join(element.itertext())
