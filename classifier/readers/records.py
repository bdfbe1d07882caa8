"""Page records: a JSONL, CSV or JSON file that holds a whole page a record, as crawl datasets
and scrapers' exports keep pages: ``{"url": ..., "text": ...}`` lines, or an ``html`` field
with the raw page; a JSON file holds one such record or a list of them (Scrapy's and Apify's
exports, ``trafilatura --json``).

A file of records holds blocks when its records have an ``index`` (one block a record, see
:func:`classifier.blocks.read_labelled`) and pages when they do not. A page is named by its
record's ``page`` field, else ``FILE:N`` (N counts the file's records from 0, as WARC pages
are counted), and keeps its record's ``url``.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

from ..blocks import CONTENT_FIELDS, check_unicode
from ..errors import DataFormatError
from . import SNIFF_READ_BYTES, looks_like_html

# Where a record names its page's address: "url", or trafilatura's "source", or Firecrawl's
# "metadata": {"sourceURL": ...}; only a web address counts, except in "url" itself.
URL_FIELDS = ("url", "source", "sourceURL")


class RecordPage(NamedTuple):
    """One page record: its page name, URL, and its text or HTML (``is_html``)."""

    name: str
    url: str | None
    content: str
    is_html: bool
    where: str  # FILE:LINE, for messages
    fields: tuple[str, ...] = ()  # a record with no page field at all: the fields it has, for the warning


def holds_pages(record: object) -> bool:
    """Whether a file whose first record is ``record`` holds pages (no ``index``, and a
    field of ``CONTENT_FIELDS``) rather than blocks. (An API response is read as the page under
    its ``data``: give :func:`unwrapped` records, as ``_telling_record`` does.)"""
    return isinstance(record, dict) and "index" not in record and any(field in record for field in CONTENT_FIELDS)


def unwrapped(record: object) -> object:
    """The page under an API response's ``data`` (Firecrawl's and Jina Reader's JSON, as
    saved with curl: ``{"success": true, "data": {"markdown": ..., "metadata": ...}}``), or
    ``record`` itself when it holds a page's field or no such ``data``."""
    if _is_api_response(record):
        data = record.get("data")
        if isinstance(data, dict) and any(field in data for field in CONTENT_FIELDS):
            return data
    return record


# What such a response says besides its "data" (Firecrawl: "success"; Jina Reader: "code"
# and "status"); a Label Studio task ("data", "annotations") is none.
_RESPONSE_FIELDS = ("success", "code", "status")


def _is_api_response(record: object) -> bool:
    return (isinstance(record, dict) and "index" not in record and any(f in record for f in _RESPONSE_FIELDS)
            and not any(field in record for field in CONTENT_FIELDS))


def unwrapped_document(document: object) -> object:
    """A JSON document's pages: a crawl's response holds its list under ``data``
    (Firecrawl: ``{"status": "completed", "data": [{"markdown": ...}, ...]}``)."""
    if _is_api_response(document):
        data = document.get("data")
        if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
            return data
    return unwrapped(document)


def page_records(records: Iterable[tuple[str, object]], stem: str) -> Iterator[RecordPage]:
    """The pages of a file's ``(where, record)`` pairs (``where``: ``FILE:LINE``, or
    ``FILE[N]`` in a JSON list), each checked as it is read: raises :class:`DataFormatError`
    naming where for a record that is not an object, a record with an ``index`` among pages,
    or a page name given twice. A record without a page's text is an empty page. A ``text``
    field holding a saved HTML page is read as HTML, so markup is never tagged."""
    seen: dict[str, str] = {}
    for number, (where, record) in enumerate(records):
        record = unwrapped(record)
        if not isinstance(record, dict):
            raise DataFormatError(f"{where}: expected a JSON object with a page's text (or html) and its url")
        if "index" in record:
            raise DataFormatError(f"{where}: record has an 'index' but the file's first record is a whole page; "
                                  "give one page a record (text or html) or one block a record (page, index, text)")
        # A record with no text among pages, or an empty or null one, is a page with no text (a
        # failed fetch: {"url", "status": 404}, trafilatura's None), which the reader warns of.
        given = [f for f in CONTENT_FIELDS if f in record] or [None]
        field = next((f for f in given if record.get(f) not in ("", None)), given[0])
        content = _page_content(record.get(field))
        if isinstance(content, dict) and field == "markdown":
            raise DataFormatError(f"{where}: {field!r} is an object with no 'raw_markdown' string; give the page's "
                                  "text as a string (Crawl4AI: keep its raw_markdown)")
        if not isinstance(content, str):
            raise DataFormatError(f"{where}: {field!r} must be a string")
        check_unicode(content, field, where)
        url = record.get("url")
        if url is not None and not isinstance(url, str):
            raise DataFormatError(f"{where}: 'url' must be a string")
        if not url:
            url = _web_address(record)
        check_unicode(url, "url", where)
        name = record.get("page")
        if name in (None, ""):
            name = f"{stem}:{number}"
        else:  # only names given are remembered: a file of a million unnamed pages stays small
            if isinstance(name, bool) or not isinstance(name, (str, int)):
                raise DataFormatError(f"{where}: 'page' must be a string")
            name = str(name)
            check_unicode(name, "page", where)
            if name in seen:
                raise DataFormatError(f"{where}: page {name!r} is also at {seen[name]}; a page file holds a whole "
                                      "page a record (for one block a record, give each its 'index')")
            seen[name] = where
        is_html = field == "html" or looks_like_html(content[:SNIFF_READ_BYTES].encode("utf-8", "surrogatepass"))
        fields = () if field is not None else tuple(str(f) for f in record)
        yield RecordPage(name, url or None, content, is_html, where, fields)


def _page_content(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dict) and isinstance(value.get("raw_markdown"), str):
        return value["raw_markdown"]  # Crawl4AI's markdown object: the whole page's markdown
    return value


def _web_address(record: dict) -> str | None:
    metadata = record.get("metadata")
    for holder in (record, metadata if isinstance(metadata, dict) else {}):
        for field in URL_FIELDS:
            value = holder.get(field)
            if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
                return value
    return None
