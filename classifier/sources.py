"""Input expansion: the command line's arguments as the files to read, each with a page name.

An argument that cannot be expanded (an empty or unreadable folder) is an error of its own,
kept in its place in the list, so the run reports it and goes on with the other arguments.
A text page is named by its file stem unless another input has the same stem: then by its
path as given without the suffix (``a/index``, ``b/index``), so two pages never merge.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from .blocks import LABELLED_SUFFIXES, path_list, records_suffix
from .errors import BlocktagError, InputError, warn
from .readers import PAGE_SUFFIXES_SAID, RECORD_SUFFIXES, SNIFF_BYTES, is_page_name, is_trafilatura_xml, page_stem

STDIN = "-"
STDIN_PAGE = "stdin"
# An argument that names a web page rather than a file.
_URL = re.compile(r"(?i)(?:https?|ftp)://")
# Pages a mirror (wget -r) saves under their server script's name ("story.php?id=12"): a
# folder's such files are read when they hold HTML, not when they are the scripts themselves.
_SERVER_PAGE = re.compile(r"(?i).+\.(?:php\d?|aspx?|jsp|shtml|cfm)(?:\?.*)?$")
# Documents a user may have meant to tag that are no pages, and what to do instead: said when
# a folder holds them, not silently left out. (Images, style sheets, sitemaps and feeds a
# mirror saves go unmentioned.)
_PDF = (".pdf",)
_OFFICE = (".docx", ".doc", ".odt", ".rtf", ".epub")
_XML = (".xml",)


@dataclass(frozen=True, slots=True)
class Source:
    """One file to read (or stdin) and the page name its text is tagged under."""

    path: Union[str, Path]
    page: str


def expand_arguments(inputs: Iterable[str | Path]) -> list[Source | BlocktagError]:
    """Every input as the files it stands for, in order; a folder becomes its pages (text,
    HTML or WARC, gzipped or not, any case), sorted. An argument that cannot be expanded becomes its error, in its place."""
    files: list[str | Path | BlocktagError] = []
    inputs = path_list(inputs)
    named = {os.path.realpath(item) for item in inputs if str(item) != STDIN}  # files of records named as well
    for item in inputs:
        if str(item) == STDIN:
            files.append(STDIN if STDIN not in files else InputError("-: standard input is given twice; it can be read once"))
            continue
        if isinstance(item, str) and _URL.match(item) and not os.path.exists(item):
            files.append(InputError(f"{item}: is a web address; blocktag reads pages already fetched: save it first "
                                    f"(curl -sL '{item}' -o page.html), or give a WARC file of a crawl"))
            continue
        try:
            files.extend(_expand(Path(item), named))
        except BlocktagError as exc:
            files.append(exc)
    return _named(files)


def _expand(path: Path, named: set[str] = frozenset()) -> list[Path]:
    try:
        folder = path.is_dir()
    except OSError:  # a name too long, a folder above it not to be entered
        folder = False
    if not folder:
        return [path]  # a missing or unreadable file is reported when it is read
    try:
        # Listed once: pages, files of records and sub-folders are read from it. Hidden files
        # are left out, as a shell's * leaves them (macOS's ._ copies, an editor's .# locks).
        entries = [p for p in path.iterdir() if not p.name.startswith(".")]
        pages, special = [], []
        for p in entries:
            if is_page_name(p.name):
                # A broken symlink is listed (and reported when read) rather than silently left
                # out; a pipe or a device named like a page (a FIFO would wait for a writer,
                # /dev/zero never ends) is left out, and said.
                if p.is_file() or not p.exists():
                    pages.append(p)
                elif not p.is_dir():
                    special.append(p.name)
            elif _SERVER_PAGE.match(p.name) and p.is_file() and _holds_html(p):
                pages.append(p)
        pages.sort()
        special.sort()
    except OSError as exc:
        raise InputError(f"{path}: folder cannot be read ({exc.strerror})") from None
    if special:
        shown = ", ".join(special[:3]) + (f" and {len(special) - 3} more" if len(special) > 3 else "")
        warn(f"{path}: not read, being no regular files (a pipe or a device): {shown}; name one to read it")
    documents = _documents_said(entries, named)
    if pages and documents:
        warn(f"{path}: not read, being no pages: {documents}")
    record_files = [p for p in entries if p.name.lower().endswith(RECORD_SUFFIXES)]
    records = sorted({p.name[len(page_stem(p)):] for p in record_files})
    if pages and any(os.path.realpath(p) not in named for p in record_files):  # said, not silently left out
        warn(f"{path}: its files of records ({', '.join(records)}) are not read from a folder; name them to "
             f"read them too, e.g. {path / ('*' + records[0])}")
    if not pages:
        if records:
            hint = f"; its files of records ({', '.join(records)}) are read only when named, e.g. {path / ('*' + records[0])}"
        elif any(p.is_dir() for p in entries):
            hint = f"; its sub-folders are not searched: give them, e.g. {path / '*'}"
        elif documents:
            hint = f"; it holds {documents}"
        else:
            hint = ""
        raise InputError(f"{path}: directory holds no pages ({PAGE_SUFFIXES_SAID}){hint}")
    return pages


def _documents_said(entries: list[Path], named: set[str]) -> str:
    """A folder's documents that are no pages (PDF, office and e-book files, trafilatura's
    XML), counted by kind with what to do instead; "" when it holds none. Files also named as
    arguments are left out: they are read, and reported, on their own."""
    def kind(p: Path) -> str | None:
        name = p.name.lower()
        if not name.endswith(_PDF + _OFFICE + _XML) or os.path.realpath(p) in named or not p.is_file():
            return None
        if name.endswith(_XML):
            try:
                with open(p, "rb") as handle:
                    return "xml" if is_trafilatura_xml(handle.read(SNIFF_BYTES)) else None
            except OSError:
                return None
        return "pdf" if name.endswith(_PDF) else "office"

    counts = Counter(filter(None, map(kind, entries)))
    said = {"pdf": ("PDF file", "convert {} to text first, e.g. with pdftotext"),
            "office": ("office or e-book file", "convert {} to text or HTML first"),
            "xml": ("file of trafilatura's XML", "give trafilatura's text, --markdown or --json output instead")}
    parts = []
    for key in ("xml", "pdf", "office"):
        if counts[key]:
            what, advice = said[key]
            n = counts[key]
            plural = what.replace("file", "files") if n > 1 else what
            parts.append(f"{n} {plural} ({advice.format('them' if n > 1 else 'it')})")
    return "; ".join(parts)


def _holds_html(path: Path) -> bool:
    from .readers import SNIFF_READ_BYTES, looks_like_html

    try:
        with open(path, "rb") as handle:
            return looks_like_html(handle.read(SNIFF_READ_BYTES))
    except OSError:
        return True  # listed, so that reading it reports why it cannot be read


def _valid_unicode(name: str) -> str:
    """A file name's bytes that are not UTF-8 (kept by Python as lone surrogates, which no
    output can hold) written as ``\\xff`` escapes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


def _named(files: list[str | Path | BlocktagError]) -> list[Source | BlocktagError]:
    stem_of = {f: page_stem(f) for f in files if isinstance(f, Path)}
    stems = Counter(stem_of[f] for f in files if isinstance(f, Path) and records_suffix(f) not in LABELLED_SUFFIXES)
    used: Counter = Counter()
    named: list[Source | BlocktagError] = []
    for f in files:
        if isinstance(f, BlocktagError):
            named.append(f)
            continue
        if f == STDIN:
            page = STDIN_PAGE
        elif stems[stem_of[f]] > 1:
            page = os.fspath(f.parent / stem_of[f]) if is_page_name(f.name) else os.fspath(f)
        else:
            page = stem_of[f]
        page = _valid_unicode(page)
        used[page] += 1
        # The same file given twice is still two pages.
        named.append(Source(f, page if used[page] == 1 else f"{page}#{used[page]}"))
    return named
