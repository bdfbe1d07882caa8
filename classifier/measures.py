"""What the model measures of blocks, as plain functions over numpy (no scikit-learn).

The scikit-learn transformers in :mod:`classifier.features` wrap these for training, and the
compiled model in :mod:`classifier.inference` calls them directly when tagging, so that a
tagging run never imports scikit-learn. Every function takes blocks (or their texts) in page
order, with each page's blocks contiguous (the readers and the tagger keep them so).
Text measures read at most ``MAX_FEATURE_CHARS`` characters of a block, so one giant block
costs bounded time and memory.
"""

from __future__ import annotations

import functools
import operator
import re
import threading
from math import log1p
from typing import NamedTuple, Sequence

import numpy as np

from .blocks import CAPITAL_CODE_POINTS, CAPITAL_LETTERS, CJK_LETTERS, Block
from .dialects import canonical
from .ngrams import FAST_TOKEN_PATTERNS, JOINT, WORD_JOINT, WORD_TOKEN_PATTERN, BatchTokens, join_for_words

# Long article paragraphs rarely pass 2,500 characters; nothing past this point changes
# what a block is, and capping it bounds the cost of a pathological 20 MB block.
MAX_FEATURE_CHARS = 4000

# A link as scrapers write it, ``[text](target)`` with any target (``#``, a path, a URL, a
# "title"); never across a NUL, which joins texts in batch passes. Neither part may hold
# its own opening bracket, so every match attempt stops at the next bracket: the scan is
# linear even on a block of 4,000 "[" (nested brackets are rare in link text).
_LINK = re.compile(r"\[([^\[\]\x00]*)\]\(([^()\x00]*)\)")
_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile(r"[0-9]")
_UPPER = re.compile(f"[{CAPITAL_LETTERS}]")
# An upper-case letter not preceded by a letter, digit or underscore: a capitalised word.
_CAPITALISED = re.compile(rf"(?<![0-9A-Za-z_\u00C0-\U0010FFFF])[{CAPITAL_LETTERS}]")
# A line that starts (after indentation) with a list marker; \x00 separates blocks.
_LIST_LINE = re.compile(r"(?<=[\n\x00])[^\S\n]*(?:- |\* |• )")
_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)
# What _MONTH needs, found fast in lower-cased text: a month's name (or "ſ", which
# IGNORECASE matches to "s").
_MONTH_NAME = re.compile("jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\u017f")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d\d\b|\b\d{1,2}\s?(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_ZONE = re.compile(r"\b(GMT|UTC|EST|EDT|PST|PDT|CET|BST|ET|PT)\b")
# What _ZONE needs, found fast: a "T" ending a word (GMT, EST, ET...) or "UTC".
_ZONE_HINT = re.compile(r"T\b|UTC")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
# Read in a block's head, in SHAPE_FEATURES order: month date, year, clock, zone, numeric date.
_DATE_PATTERNS = (_MONTH, _YEAR, _CLOCK, _ZONE, _NUMERIC_DATE)
_DOT_WORD = re.compile(r"\.\w")


def _holds_email(text: str) -> bool:
    """Whether ``text`` holds an e-mail address (what ``\\S+@\\S+\\.\\w+`` finds), in one pass:
    a word holding an "@" after its first character and, from the second character after it
    on, a "." before a word character. (That regex takes cubic time over a run of "@"s: 20 ms
    for a block of them.)"""
    for word in text.split() if "@" in text else ():
        at = word.find("@", 1)
        if at > 0 and _DOT_WORD.search(word, at + 2):
            return True
    return False


_HANDLE = re.compile(r"(^|\s)@\w+")
_CREDIT_START = re.compile(
    r"^\W*(photo|image|picture|credit|video|illustration|graphic|source|courtesy|file)\b", re.IGNORECASE
)
_BY_START = re.compile(r"^\W*by\b", re.IGNORECASE)


def _link_texts(text: str) -> list[str]:
    return [m.group(1) for m in _LINK.finditer(text)]


def cap(text: str) -> str:
    return text[:MAX_FEATURE_CHARS]


class _Around(NamedTuple):
    """A link's replacement: its text between ``before`` and ``after``. As fast as
    ``_LINK.sub(before + r"\1" + after)`` would be if Python 3.11 did not expand the template
    in Python for every link: ``_LINK.split`` gives the link texts, and they are joined."""

    before: str
    after: str


# What the word TF-IDF reads after a link's text: the word "link" between marks, which the
# word tokens leave as LINK_WORD (the same token as the word "link" itself).
LINK_MARK, LINK_WORD = "⟦link⟧", "link"
_TEXT_SUBS = [(_LINK, _Around(" ", f" {LINK_MARK} ")), (_DIGIT, "0")]


def normalise_text(text: str) -> str:
    """The text the word TF-IDF reads: capped, canonical, digits folded, links marked."""
    return _substitute_plainly(spaced_cjk(_LINK.sub(r"[\1](#)", canonical(cap(text)))), _TEXT_SUBS)


def per_batch(compute):
    """``compute(blocks)`` remembered for the last batch it was given: several features of one
    model call (and both models of a bundle) read the same canonical texts and shape
    statistics, which are computed once. The batch itself is held (not just its id), so a new
    batch is never taken for it, and its length, so a batch grown in place is computed again.
    Each thread remembers its own (cluster workers tag in threads)."""
    local = threading.local()

    def cached(blocks):
        last = getattr(local, "last", None)
        if last is None or last[0] is not blocks or last[1] != len(blocks):
            local.last = last = (blocks, len(blocks), compute(blocks))
        return last[2]

    cached.__doc__ = compute.__doc__
    return cached


@per_batch
def canonical_texts(blocks: Sequence[Block]) -> list[str]:
    """Each block's text, capped, in the corpus's one dialect (:func:`dialects.canonical`),
    link targets kept: what the link-target feature reads."""
    return [canonical(cap(b.text)) for b in blocks]


def holds_link(canonical_text: str) -> bool:
    """Whether a block's canonical text holds a link as the features read one (an image or a
    "[Print](javascript:print())" does not)."""
    return "](" in canonical_text and _LINK.search(canonical_text) is not None


def pages_without_links(blocks: Sequence[Block]) -> np.ndarray:
    """For each block, whether no block of its page (its run of blocks with one page name)
    :func:`holds_link`: one regex scan of the batch's canonical texts joined by NUL (which
    no link holds), or one text at a time when a text holds a NUL itself."""
    n = len(blocks)
    texts = canonical_texts(blocks)
    joined = JOINT.join(texts)
    if joined.count(JOINT) != max(n - 1, 0):
        linked = np.fromiter(map(holds_link, texts), dtype=bool, count=n)
    else:
        ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=n) + 1) - 1
        starts = [m.start() for m in _LINK.finditer(joined)]
        linked = np.zeros(n, dtype=bool)
        linked[np.searchsorted(ends, np.asarray(starts, dtype=np.int64))] = True
    position, length = page_positions(blocks)
    run_start = np.flatnonzero(position == 0)
    if not len(run_start):
        return np.zeros(0, dtype=bool)
    links_in_run = np.add.reduceat(linked.astype(np.int64), run_start)
    return np.repeat(links_in_run == 0, length[run_start])


@per_batch
def feature_texts(blocks: Sequence[Block]) -> list[str]:
    """What the word, shape and measure features read: the canonical text with every link's
    target written ``#``, as most of the corpus and many scrapers write it. A kept URL would
    otherwise fill the shape windows and dilute the link share, and a page from a scraper
    that keeps targets would read unlike the same page without them. Chinese and Japanese
    are read a character a word (:func:`spaced_cjk`)."""
    return [spaced_cjk(text) for text in _substitute_all(list(canonical_texts(blocks)), bare_links)]


# Chinese and Japanese write no space between words: read as it is, a paragraph of three
# sentences is one "word" with no sentence mark, and reads as a caption. Each character is
# read as a word, and the full-width stops as their ASCII twins, so its length, sentences
# and dates ("2025年3月19日": a year) show as a spaced language's do. (Hangul is spaced.)
_CJK_CHARACTER = re.compile(f"[{CJK_LETTERS}]")
_CJK_SPACED = [(re.compile(f"(?<=[{CJK_LETTERS}])(?=\\w)|(?<=\\w)(?=[{CJK_LETTERS}])"), " "),
               (re.compile("[。．]"), ". "), (re.compile("！"), "! "), (re.compile("？"), "? "),
               (re.compile("[、，]"), ", "), (re.compile("[：]"), ": "), (re.compile(" +(?=\n|$)"), "")]


_CJK_NUMBER = re.compile(f"(?<=[0-9])(?=[{CJK_LETTERS}])|(?<=[{CJK_LETTERS}])(?=[0-9])")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_OTHER_DIGIT = re.compile("[٠-٩۰-۹]")
_READ_APART = re.compile(f"[٠-٩۰-۹{CJK_LETTERS}]")
# Only a block written in them is read so: a few words of Chinese in an English page (a
# language menu's "中文", a link to a translation) stay one word each.
MIN_CJK_LETTERS = 20


def spaced_cjk(text: str) -> str:
    """``text`` with each Chinese or Japanese character a word of its own, when the text is
    mostly Chinese or Japanese (:data:`MIN_CJK_LETTERS` or more, and most of its letters),
    else with its numbers apart from such characters; Arabic-Indic digits as ASCII ones (a
    date's year shows); other text as it is."""
    if text.isascii() or max(text) < "\u0660" or not _READ_APART.search(text):  # (most text: one pass at most)
        return text
    if _OTHER_DIGIT.search(text):  # Arabic-Indic and Persian digits, read as the digits they are
        text = text.translate(_DIGITS)
    cjk = len(_CJK_CHARACTER.findall(text))
    if cjk < MIN_CJK_LETTERS or cjk < sum(map(str.isalpha, text)) / 2:
        # a number stays apart from the character after it, so "2025年3月19日" shows a year
        return _CJK_NUMBER.sub(" ", text) if cjk else text
    for pattern, replacement in _CJK_SPACED:
        text = pattern.sub(replacement, text)
    return text


def bare_links(text: str) -> str:
    """``text`` with every link's target written ``#``."""
    if text.count("](") == text.count("](#)"):  # every link's target is "#" already
        return text
    return _substitute(text, [(_LINK, _Around("[", "](#)"))])


@per_batch
def block_texts(blocks: Sequence[Block]) -> list[str]:
    return _substitute_all(list(feature_texts(blocks)), _TEXT_SUBS)


# A block's first and last words, apart from its other words: "By", "Photo", "Getty
# Images", "this report", "subscribe" say most where they stand. Two each side: one, two and
# three scored level on outlet-grouped CV (0.913-0.915), and two best on the studied real pages.
EDGE_WORDS = 2
# The words are looked for this far in from each end (a longer block is not read whole).
EDGE_WORD_CHARS = 80
_WORD = re.compile(FAST_TOKEN_PATTERNS[WORD_TOKEN_PATTERN])  # the word TF-IDF's tokens


@per_batch
def block_edge_words(blocks: Sequence[Block]) -> list[str]:
    """Each block's first and last :data:`EDGE_WORDS` words of the text the word TF-IDF
    reads, marked by their end: "By Jane Doe … to this report." → "sBy sJane ethis ereport"."""
    return list(map(edge_words, block_texts(blocks)))


def edge_words(text: str, _words=_WORD.findall, _n=EDGE_WORDS, _reach=EDGE_WORD_CHARS) -> str:
    """The first and last words of one text, "s" and "e" before each."""
    if len(text) > 2 * _reach:
        head, tail = _words(text, 0, _reach), _words(text, len(text) - _reach)
        # Past the first EDGE_WORDS words of each end, a word cut by the window cannot count.
        if len(head) > _n and len(tail) > _n:
            return " ".join(["s" + word for word in head[:_n]] + ["e" + word for word in tail[-_n:]])
    words = _words(text)
    return " ".join(["s" + word for word in words[:_n]] + ["e" + word for word in words[-_n:]])


@per_batch
def _split_words(blocks: Sequence[Block]) -> tuple[BatchTokens | None, bool]:
    """:func:`block_tokens`, and whether the batch's lower-cased text splits into the
    lower-cased tokens of its text, as edge_words reads them: it does unless a character's
    lower case is longer ("İ" is "i̇") or hangs on what follows it (a final "Σ" is "ς");
    no character's lower case changes whether it is a word character (a test checks all of
    Unicode)."""
    texts = block_texts(blocks)
    joined = join_for_words(texts)
    lowered = joined.lower()
    tokens = _WORD.findall(lowered)
    joints = np.fromiter(map(WORD_JOINT.__eq__, tokens), dtype=bool, count=len(tokens))
    if joints.sum() != max(len(texts) - 1, 0):
        return None, False
    return BatchTokens(tokens, np.cumsum(joints), len(texts)), len(lowered) == len(joined) and "\u03a3" not in joined


def block_tokens(blocks: Sequence[Block]) -> BatchTokens | None:
    """The word TF-IDF's tokens of every block (its :func:`block_texts`, lower-cased), from
    one regex pass over the batch joined by the joint word: the words feature counts them,
    and the edge words are taken from them. None for a batch where a text holds the joint
    word itself."""
    return _split_words(blocks)[0]


@per_batch
def block_edge_tokens(blocks: Sequence[Block]) -> BatchTokens | None:
    """The tokens of :func:`block_edge_words`, lower-cased, taken from :func:`block_tokens`:
    each text's first and last EDGE_WORDS tokens, "s" or "e" before each. None where
    edge_words' texts must be split instead."""
    words, lowered_alike = _split_words(blocks)
    if words is None or not lowered_alike:
        return None
    tokens, text_of_token, n = words
    # Text k's tokens run from bounds[k] to bounds[k + 1], after the joint that opens it.
    bounds = np.searchsorted(text_of_token, np.arange(n + 1))
    starts, ends = bounds[:-1] + (np.arange(n) > 0), bounds[1:]
    take = np.minimum(ends - starts, EDGE_WORDS)[:, None]
    nth = np.arange(EDGE_WORDS)[None, :]
    places = np.hstack([np.where(nth < take, starts[:, None] + nth, -1),
                        np.where(nth < take, ends[:, None] - take + nth, -1)]).ravel()
    opening = np.tile(np.arange(2 * EDGE_WORDS) < EDGE_WORDS, n)
    found = places >= 0
    edge = [("s" if first else "e") + tokens[place]
            for first, place in zip(opening[found].tolist(), places[found].tolist())]
    return BatchTokens(edge, np.repeat(np.arange(n), 2 * EDGE_WORDS)[found], n)


def _substitute(text: str, substitutions) -> str:
    """Each (pattern, replacement) in turn; a replacement is a string or an :class:`_Around`,
    and an optional third item lists strings one of which the pattern needs (it is not run
    on a text that holds none)."""
    for pattern, replacement, *needs in substitutions:
        if needs and not any(needed in text for needed in needs[0]):
            continue
        if isinstance(replacement, _Around):
            parts = pattern.split(text)  # text, link text, target, text, ...
            parts[2::3] = [replacement.after] * (len(parts) // 3)
            parts[1::3] = [replacement.before + link_text for link_text in parts[1::3]]
            text = "".join(parts)
        else:
            text = pattern.sub(replacement, text)
    return text


def _substitute_plainly(text: str, substitutions) -> str:
    """:func:`_substitute` as its readable definition: each pattern's ``sub``, always (a
    test holds the fast path to it)."""
    for pattern, replacement, *_ in substitutions:
        if isinstance(replacement, _Around):
            replacement = replacement.before + r"\1" + replacement.after
        text = pattern.sub(replacement, text)
    return text


def _substitute_all(texts: list[str], substitutions) -> list[str]:
    """``_substitute`` of every text (or a function of a text, applied the same way), in one
    regex call per substitution over the texts joined (per-call overhead, not scanning, is
    most of the cost on short blocks), or one text at a time when a text holds the joint
    itself."""
    substitute = substitutions if callable(substitutions) else (lambda text: _substitute(text, substitutions))
    joined = JOINT.join(texts)
    if joined.count(JOINT) != len(texts) - 1:
        return [substitute(text) for text in texts]
    return substitute(joined).split(JOINT)


# A block's opening in word shapes: "By Jane Doe/AP" reads "■ ■ ■/▲". Character n-grams of
# this short string catch the form of credits, bylines, dates and widgets whatever the names,
# at a fraction of the cost of character n-grams of the text (the substitutions run in C).
SHAPE_TOKEN_CHARS = 160
_CAPITAL_CLASS, _LETTER_CLASS, _DIGIT_CLASS, _BLANK_CLASS = f"[{CAPITAL_LETTERS}]", r"[^\W\d_]", r"\d", "[ \t]"
_PROSE_RUN = (re.compile(r"(?:· ){2,}·"), "⋯")  # a run of plain prose, in one mark
_SHAPE_SUBS = [
    (_LINK, _Around("[", "]")),                                       # a link: its text in brackets
    (re.compile(f"{_CAPITAL_CLASS}{{2,}}{_LETTER_CLASS}*"), "▲"),      # capitals: AP, GETTY
    (re.compile(f"{_CAPITAL_CLASS}{_LETTER_CLASS}*"), "■"),            # Capitalised word
    (re.compile(f"{_LETTER_CLASS}+"), "·"),                            # lower-case word
    (re.compile(f"{_DIGIT_CLASS}+"), "0"),
    (re.compile(f"{_BLANK_CLASS}{{2,}}|\t"), " ", ("  ", "\t")),       # (a single space stays)
    _PROSE_RUN,
]


SHAPE_TAIL_CHARS = 30


def _shape_window(text: str) -> str:
    """The part of a block its word shape reads, between ^ and $ so that n-grams see how it
    starts and ends."""
    text = text.strip()
    if len(text) > SHAPE_TOKEN_CHARS:
        text = text[: SHAPE_TOKEN_CHARS - SHAPE_TAIL_CHARS] + " ‖ " + text[-SHAPE_TAIL_CHARS:]
    return f"^{text}$"


def word_shapes(text: str) -> str:
    """The block's opening (and, for a long block, its last few words) in word shapes."""
    return _substitute_plainly(_shape_window(spaced_cjk(_LINK.sub(r"[\1](#)", canonical(cap(text))))), _SHAPE_SUBS)


@per_batch
def block_shapes(blocks: Sequence[Block]) -> list[str]:
    windows = [_shape_window(text) for text in feature_texts(blocks)]
    joined = JOINT.join(windows)
    if joined.count(JOINT) != len(windows) - 1:  # a text holds the joint itself: one at a time
        return [_substitute(window, _SHAPE_SUBS) for window in windows]
    return _letter_shapes(_substitute(joined, _SHAPE_SUBS[:1])).split(JOINT)  # (no link spans a NUL)


# The substitutions after the links', done from each character's class in one numpy pass
# over the batch instead of six regex passes. Classes of the BMP's characters come from a
# table built on first use from the substitutions' own character classes; others are
# classed one by one. A run of letters reads, as the substitutions leave it: "·" for any
# letters before its first capital, "■" from that capital up to the first two capitals in a
# row, "▲" from there to its end ("aBcDE" is "·■▲", "AP" is "▲", "Getty" is "■").
_OTHER, _DIGIT_RUN, _BLANK_RUN, _LOWER, _CAPITAL = range(5)
_BMP = 0x10000
# Each kind's class, and a character of it (which marks where the class matches).
_CHARACTER_KINDS = [(re.compile(_CAPITAL_CLASS), "A", _CAPITAL), (re.compile(_LETTER_CLASS), "a", _LOWER),
                    (re.compile(_DIGIT_CLASS), "0", _DIGIT_RUN), (re.compile(_BLANK_CLASS), " ", _BLANK_RUN)]


def _class_of(char: str) -> int:
    return next((kind for pattern, _, kind in _CHARACTER_KINDS if pattern.match(char)), _OTHER)


@functools.cache
def _shape_class_table() -> np.ndarray:
    every = np.arange(_BMP, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    table = np.zeros(_BMP, dtype=np.uint8)
    for pattern, member, kind in reversed(_CHARACTER_KINDS):  # a capital is a letter too: its class last
        marked = pattern.sub(member, every).encode("utf-32-le", "surrogatepass")
        table[np.frombuffer(marked, dtype=np.uint32) == ord(member)] = kind
    return table


def _letter_shapes(joined: str) -> str:
    """``_substitute(joined, _SHAPE_SUBS[1:])``, from the characters' classes (a test
    holds the two equal)."""
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kinds = _shape_class_table()[np.minimum(codes, _BMP - 1)]
    astral = np.flatnonzero(codes >= _BMP)
    if len(astral):
        found, which = np.unique(codes[astral], return_inverse=True)
        kinds[astral] = np.array([_class_of(chr(code)) for code in found.tolist()], dtype=np.uint8)[which]
    out = codes.copy()
    kept = np.ones(len(codes), dtype=bool)
    for kind, mark in ((_DIGIT_RUN, "0"), (_BLANK_RUN, " ")):  # a run of digits or blanks: one mark
        inside = kinds == kind
        kept[1:] &= ~(inside[1:] & inside[:-1])
        out[inside] = ord(mark)
    capital = kinds == _CAPITAL
    letter = capital | (kinds == _LOWER)
    first = letter.copy()
    first[1:] &= ~letter[:-1]
    kept &= ~letter
    run = np.cumsum(first) - 1  # each letter's run
    starts = np.flatnonzero(first)
    nowhere = len(codes)
    capitals = _first_in_run(np.flatnonzero(capital[:-1] & capital[1:]), run, len(starts), nowhere)
    capitalised = _first_in_run(np.flatnonzero(capital), run, len(starts), nowhere)
    capitalised[capitalised >= capitals] = nowhere
    lower = starts[starts < np.minimum(capitals, capitalised)]
    for at, mark in ((lower, "·"), (capitalised, "■"), (capitals, "▲")):
        at = at[at < nowhere]
        out[at], kept[at] = ord(mark), True
    return _PROSE_RUN[0].sub(_PROSE_RUN[1], out[kept].tobytes().decode("utf-32-le", "surrogatepass"))


def _first_in_run(positions: np.ndarray, run: np.ndarray, runs: int, nowhere: int) -> np.ndarray:
    """The first of ``positions`` (sorted) in each run of letters, or ``nowhere``."""
    first = np.full(runs, nowhere)
    if len(positions):
        of_run = run[positions]
        new = np.ones(len(of_run), dtype=bool)
        new[1:] = of_run[1:] != of_run[:-1]
        first[of_run[new]] = positions[new]
    return first


SHAPE_FEATURES = (
    "log_chars", "log_words", "log_lines", "link_share", "log_links", "whole_link",
    "list_line_share", "starts_by", "starts_credit", "capitals_share", "digit_share",
    "capitalised_word_share", "has_month_date", "has_year", "has_clock", "has_zone",
    "has_numeric_date", "has_email", "has_handle", "has_copyright", "has_pipe", "sentence_marks",
    "code_mark_share",
)
# How a block starts and ends ("(", "#", "By", a closing "/AP)") is read from its word
# shapes (block_shapes); these are the measures the shapes do not give.

# Shape statistics read the start of a block: what kind of block it is shows there, and
# long paragraphs cost no more than short ones.
SHAPE_WINDOW_CHARS = 300
# Dates, times and credits that matter (bylines, timestamps) stand near a block's start.
DATE_WINDOW_CHARS = 120

def shape_vector(text: str) -> list[float]:
    """Numbers describing one block's form, whatever its words (see SHAPE_FEATURES).

    The readable definition, one block at a time; :func:`shape_matrix` computes the same
    for a batch, fast.
    """
    window = text[:SHAPE_WINDOW_CHARS].strip()
    head = window[:DATE_WINDOW_CHARS]
    n = len(window) or 1
    n_words = len(window.split())
    lines = window.split("\n")
    links = _link_texts(window)
    link_chars = sum(map(len, links)) + 5 * len(links)
    lower = window.lower()
    return [
        log1p(len(text)),
        log1p(n_words),
        log1p(len(lines) - 1),
        min(1.0, link_chars / n),
        log1p(len(links)),
        float(bool(links) and bool(_LINK.fullmatch(window))),
        len(_LIST_LINE.findall("\x00" + window)) / len(lines),
        float(bool(_BY_START.match(window))),
        float(bool(_CREDIT_START.match(window))),
        len(_UPPER.findall(window)) / n,
        len(_ASCII_DIGIT.findall(window)) / n,
        len(_CAPITALISED.findall(window)) / (n_words or 1),
        *(float(bool(pattern.search(head))) for pattern in _DATE_PATTERNS),
        float(_holds_email(window)),
        float(bool(_HANDLE.search(window))),
        float("©" in window or "(c)" in lower or "copyright" in lower),
        float("|" in window),
        log1p(window.count(". ") + window.count("? ") + window.count("! ")),
        sum(map(window.count, _CODE_MARKS)) / n,
    ]


def shape_matrix(texts: Sequence[str]) -> np.ndarray:
    """:func:`shape_vector` of every text, as one matrix.

    Written for speed (it runs on every block): the windows are joined by NUL into one
    string; character counts come from one numpy pass over it, and each pattern is one
    regex scan of it, its matches given to their windows with numpy. No pattern matches a
    NUL, so no match spans two windows; a batch whose text holds a NUL itself is measured
    one block at a time.
    """
    n = len(texts)
    windows = [text[:SHAPE_WINDOW_CHARS].strip() for text in texts]
    joined = JOINT + JOINT.join(windows)
    if joined.count(JOINT) != n:
        return np.array([shape_vector(t) for t in texts], dtype=np.float64).reshape(n, len(SHAPE_FEATURES))
    count = _ShapeWindows(windows, joined)
    n_links, link_chars, whole_link = count.links()
    newlines = count.chars("\n")
    chars = np.maximum(count.lengths, 1).astype(np.float64)
    n_words = count.words()
    at = count.chars("@") > 0
    return np.column_stack([
        np.log1p(np.fromiter(map(len, texts), dtype=np.float64, count=n)),
        np.log1p(n_words),
        np.log1p(newlines),
        np.minimum(1.0, link_chars / chars),
        np.log1p(n_links),
        whole_link,
        count.matches(_LIST_LINE_JOINED) / (newlines + 1),
        count.matches(_BY_START_JOINED) > 0,
        count.matches(_CREDIT_START_JOINED) > 0,
        count.classes(_UPPER_BIT) / chars,
        count.classes(_DIGIT_BIT) / chars,
        count.capitalised() / np.maximum(n_words, 1),
        *count.dates(),
        count.each(_holds_email, at),
        count.each(lambda w: bool(_HANDLE.search(w)), at),
        (count.chars("©") > 0) | count.copyright_words(),
        count.chars("|") > 0,
        np.log1p(count.sentence_marks()),
        count.classes(_CODE_BIT) / chars,
    ]).astype(np.float64).reshape(n, len(SHAPE_FEATURES))


# Character classes by code point, for the batch counts (code points past the table share
# its last entry: a letter, in no other class).
_DIGIT_BIT, _UPPER_BIT, _WORD_BIT, _SPACE_BIT, _CODE_BIT, _STOP_BIT = 1, 2, 4, 8, 16, 32
_CLASS_TABLE_SIZE = 0x3002
# Characters of code a scraper kept (scripts, styles, JSON-LD), rare in any prose.
_CODE_MARKS = "{};="
_SENTENCE_STOPS = ".?!"  # before a space, the end of a sentence


def _character_classes() -> np.ndarray:
    table = np.zeros(_CLASS_TABLE_SIZE, dtype=np.uint8)
    codes = np.arange(_CLASS_TABLE_SIZE)
    table[ord("0"): ord("9") + 1] |= _DIGIT_BIT
    table[list(CAPITAL_CODE_POINTS)] |= _UPPER_BIT  # as _UPPER reads them (all below 0x0590 or in 0x1E00-0x1FFF)
    ascii_word = [ord(c) for c in "0123456789_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"]
    table[ascii_word] |= _WORD_BIT  # as _CAPITALISED's look-behind counts word characters
    table[codes >= 0xC0] |= _WORD_BIT
    table[[c for c in range(_CLASS_TABLE_SIZE) if chr(c).isspace()]] |= _SPACE_BIT  # as str.split() splits
    table[[ord(c) for c in _CODE_MARKS]] |= _CODE_BIT
    table[[ord(c) for c in _SENTENCE_STOPS]] |= _STOP_BIT
    return table


_CLASSES = _character_classes()


# shape_vector's patterns for windows joined by NUL. Each starts with the character before
# the window or line it reads (a literal, which the regex engine finds fast), and none
# matches a NUL after it (``\W`` would).
_LIST_LINE_JOINED = re.compile(r"[\n\x00][^\S\n]*(?:- |\* |• )")
_BY_START_JOINED = re.compile(r"\x00(?i:[^\w\x00]*by\b)")
_CREDIT_START_JOINED = re.compile(
    r"\x00(?i:[^\w\x00]*(photo|image|picture|credit|video|illustration|graphic|source|courtesy|file)\b)"
)
_COPYRIGHT_LOWER = re.compile(r"\(c\)|copyright")  # read in lower-cased text


class _ShapeWindows:
    """A batch's shape windows joined by NUL (with a NUL first), their characters' classes
    (one numpy pass), and which window a position of the joined string is in."""

    def __init__(self, windows: list[str], joined: str):
        self.windows, self.joined = windows, joined
        self.lengths = np.fromiter(map(len, windows), dtype=np.int64, count=len(windows))
        self.starts = np.cumsum(self.lengths + 1) - self.lengths  # where each window begins
        self.ends = self.starts + self.lengths
        self.codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.classes_of = _CLASSES[np.minimum(self.codes, _CLASS_TABLE_SIZE - 1)]

    def window_of(self, positions) -> np.ndarray:
        return np.searchsorted(self.starts, np.asarray(positions, dtype=np.int64), side="right") - 1

    def matches(self, pattern: re.Pattern) -> np.ndarray:
        """How many matches of ``pattern`` begin in each window, each match starting with
        the character just before (a NUL or a newline)."""
        after = [m.start() + 1 for m in pattern.finditer(self.joined)]
        return np.bincount(self.window_of(after), minlength=len(self.windows))

    def per_window(self, mask: np.ndarray) -> np.ndarray:
        """How many of each window's characters ``mask`` marks (it never marks a NUL)."""
        if not len(self.windows):
            return np.zeros(0)
        # Each segment starts at its window's NUL, so none is empty (reduceat's one trap).
        return np.add.reduceat(mask.astype(np.int64), self.starts - 1).astype(np.float64)

    def chars(self, char: str) -> np.ndarray:
        return self.per_window(self.codes == ord(char))

    def classes(self, bit: int) -> np.ndarray:
        return self.per_window((self.classes_of & bit) > 0)

    def words(self) -> np.ndarray:
        gap = (self.classes_of & _SPACE_BIT) > 0
        gap[self.starts - 1] = True  # the separators
        return self.per_window(~gap & np.concatenate(([True], gap[:-1])))  # word starts

    def capitalised(self) -> np.ndarray:
        upper = (self.classes_of & _UPPER_BIT) > 0
        after_word = np.concatenate(([False], (self.classes_of[:-1] & _WORD_BIT) > 0))
        return self.per_window(upper & ~after_word)

    def sentence_marks(self) -> np.ndarray:
        """". ", "? " and "! " in each window."""
        mark = ((self.classes_of[:-1] & _STOP_BIT) > 0) & (self.codes[1:] == ord(" "))
        return self.per_window(np.concatenate((mark, [False])))

    def links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each window's number of links, their characters (text plus 5 a link) and whether
        one link is the whole window."""
        n = len(self.windows)
        found = [(m.start(), m.end(1) - m.start(1), m.end()) for m in _LINK.finditer(self.joined)]
        if not found:
            return np.zeros(n), np.zeros(n), np.zeros(n)
        start, text_chars, end = (np.array(column, dtype=np.int64) for column in zip(*found))
        window = self.window_of(start)
        n_links = np.bincount(window, minlength=n).astype(np.float64)
        link_chars = np.bincount(window, weights=text_chars + 5, minlength=n)
        whole = np.zeros(n)
        whole[window[(start == self.starts[window]) & (end == self.ends[window])]] = 1.0
        return n_links, link_chars, whole

    def dates(self) -> list[np.ndarray]:
        """The date patterns (_DATE_PATTERNS) found in each window's head, each searched
        only in heads that hold what it needs: a digit for all but the zone, and then a
        month's name for a month date, ":", "am" or "pm" for a clock, a separator for a
        numeric date; a "T" ending a word (or "UTC") for a zone."""
        found = [np.zeros(len(self.windows), dtype=bool) for _ in _DATE_PATTERNS]
        month, year, clock, zone, numeric = found
        for k in np.flatnonzero(self._in_heads((self.classes_of & _DIGIT_BIT) > 0)).tolist():
            head = self.windows[k][:DATE_WINDOW_CHARS]
            low = head.lower()  # (lower() maps no other character to a, m or p)
            month[k] = bool(_MONTH_NAME.search(low)) and bool(_MONTH.search(head))
            year[k] = ("19" in head or "20" in head) and bool(_YEAR.search(head))
            clock[k] = (":" in head or "am" in low or "pm" in low or "a.m." in low or "p.m." in low) and bool(
                _CLOCK.search(head))
            numeric[k] = ("." in head or "/" in head or "-" in head) and bool(_NUMERIC_DATE.search(head))
        for k in np.flatnonzero(self._in_heads(self.codes == ord("T"))).tolist():
            head = self.windows[k][:DATE_WINDOW_CHARS]
            zone[k] = bool(_ZONE_HINT.search(head)) and bool(_ZONE.search(head))
        return found

    def _in_heads(self, mask: np.ndarray) -> np.ndarray:
        """Whether each window's head (its first DATE_WINDOW_CHARS characters) holds a
        character ``mask`` marks."""
        running = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
        return (running[self.starts + np.minimum(self.lengths, DATE_WINDOW_CHARS)] - running[self.starts]) > 0

    def copyright_words(self) -> np.ndarray:
        """Whether each window holds "(c)" or "copyright" in any case (as lower() reads it)."""
        lowered = self.joined.lower()
        if len(lowered) != len(self.joined):  # lower() lengthened a character: one at a time
            return np.array([bool(_COPYRIGHT_LOWER.search(w.lower())) for w in self.windows], dtype=bool)
        starts = [m.start() for m in _COPYRIGHT_LOWER.finditer(lowered)]
        return np.bincount(self.window_of(starts), minlength=len(self.windows)) > 0

    def each(self, test, where: np.ndarray) -> np.ndarray:
        """``test(window)`` where ``where`` holds (False elsewhere): for the patterns that
        could match a NUL, run on the few windows holding the character they need."""
        out = np.zeros(len(self.windows), dtype=bool)
        for k in np.flatnonzero(where).tolist():
            out[k] = test(self.windows[k])
        return out


@per_batch
def page_positions(blocks: Sequence[Block]) -> tuple[np.ndarray, np.ndarray]:
    """For each block, its position within its page's run of blocks and that run's length."""
    n = len(blocks)
    pages = [block.page for block in blocks]
    starts_run = np.ones(n, dtype=bool)
    starts_run[1:] = np.fromiter(map(operator.ne, pages[1:], pages[:-1]), dtype=bool, count=max(n - 1, 0))
    run_start = np.flatnonzero(starts_run)
    run = np.cumsum(starts_run) - 1
    position = np.arange(n) - run_start[run]
    length = np.diff(np.append(run_start, n))[run]
    position.flags.writeable = length.flags.writeable = False  # shared by the batch's features
    return position, length


def neighbour_rows(values: np.ndarray, blocks: Sequence[Block], offset: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` of the block ``offset`` places away on the same page (zeros past the page's edge),
    and a 0/1 column saying whether that neighbour exists."""
    position, length = page_positions(blocks)
    target = position + offset
    exists = (target >= 0) & (target < length)
    rows = np.zeros_like(values)
    index = np.arange(len(blocks)) + offset
    rows[exists] = values[index[exists]]
    return rows, exists.astype(values.dtype)[:, None]


# An image's alt text (markdown "![alt](src)", HTML <img alt=...>) is read as text (it is all a
# converter keeps of a photo, a logo or a teaser card), but no text the page shows: a block
# that is only images is never the article's prose, however much its alt reads like it.
IMAGE_FEATURES = ("image_text_share",)
_IMAGE_ALT = re.compile(r"!\[([^\[\]]{0,500})\]|<img\b[^<>]{0,2000}?\balt\s*=\s*[\"']([^\"'<>]{0,500})", re.IGNORECASE)


_IMG_TAG = re.compile(r"<img", re.IGNORECASE)


@per_batch
def image_features(blocks: Sequence[Block]) -> np.ndarray:
    """The share of each block's text that is images' alt text: 1 for a block of images
    alone (with or without alt text), 0 for a block with none."""
    shares = np.zeros((len(blocks), len(IMAGE_FEATURES)), dtype=np.float64)
    texts = [cap(b.text) for b in blocks]
    if not any("![" in text or ("<" in text and _IMG_TAG.search(text)) for text in texts):
        return shares  # most batches: no image at all
    for row, (text, shown) in enumerate(zip(texts, canonical_texts(blocks))):
        alts = [alt or html_alt or "" for alt, html_alt in _IMAGE_ALT.findall(text)]
        if alts:
            shown_chars = len(_LINK.sub(r"\1", shown).strip())  # (a linked image's text is its alt)
            shares[row, 0] = 1.0 if not shown_chars else min(1.0, sum(map(len, alts)) / shown_chars)
    return shares


POSITION_FEATURES = ("relative", "log_from_top", "log_from_bottom", "is_first", "is_last", "log_page_blocks")


def shape_features(blocks: Sequence[Block], neighbours: tuple[int, ...]) -> np.ndarray:
    """Each block's shape statistics, then for each offset in ``neighbours`` the statistics
    of the block that many blocks with words away on its page and whether it exists."""
    shapes = cached_shape_matrix(blocks)
    columns = [shapes]
    for offset in neighbours:
        columns += worded_neighbour_rows(shapes, blocks, offset)
    return np.hstack(columns)


_WORD_CHARACTER = re.compile(r"[^\W_]")


@per_batch
def holds_words(blocks: Sequence[Block]) -> np.ndarray:
    """Whether each block shows a reader a letter or a digit: not an image's link left
    without alt text (``[](#)``), a rule, or a table's empty borders, which converters write
    as blocks of their own (link targets are ``#`` in feature texts, so they hold no words)."""
    return np.fromiter(map(bool, map(_WORD_CHARACTER.search, feature_texts(blocks))), dtype=bool, count=len(blocks))


def worded_neighbour_rows(values: np.ndarray, blocks: Sequence[Block], offset: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`neighbour_rows`, counting only blocks with words (:func:`holds_words`): the
    block before a caption is its photo's text, not the empty ``[](#)`` one converter left
    between them and another did not, so a page reads the same from any converter."""
    worded = holds_words(blocks)
    if worded.all():
        return neighbour_rows(values, blocks, offset)
    rows, exists = np.zeros_like(values), np.zeros(len(blocks), dtype=bool)
    at = np.flatnonzero(worded)  # the blocks with words, in order
    if len(at):
        position, length = page_positions(blocks)
        here = np.arange(len(blocks))
        page_start = here - position
        # The neighbour's place in ``at``: the k-th block with words before (offset -k) or after (+k).
        place = np.searchsorted(at, here, side="left" if offset < 0 else "right") + (offset if offset < 0 else offset - 1)
        target = at[np.clip(place, 0, len(at) - 1)]
        exists = (place >= 0) & (place < len(at)) & (target >= page_start) & (target < page_start + length)
        rows[exists] = values[target[exists]]
    return rows, exists.astype(values.dtype)[:, None]


def position_features(blocks: Sequence[Block]) -> np.ndarray:
    """Where each block stands on its page (see POSITION_FEATURES)."""
    position, length = page_positions(blocks)
    from_bottom = length - 1 - position
    return np.column_stack([
        position / np.maximum(length - 1, 1),
        np.log1p(position),
        np.log1p(from_bottom),
        position == 0,
        from_bottom == 0,
        np.log1p(length),
    ]).astype(np.float64).reshape(len(blocks), len(POSITION_FEATURES))


# ---------------------------------------------------------------------- link targets

# Where a block's links point says what it is whatever the site: ".../subscribe?utm_...",
# "/tag/...", "/author/...", "twitter.com/intent/tweet", "mailto:". Scrapers that keep
# targets give this evidence; those that write "#" give only the mark of a bare link.
LINK_TARGET_CHARS = 120
_TARGET_WORD = re.compile(r"[a-z]{2,}")
_TARGET_MARKS = (("#", "xhash"), ("mailto:", "xmailto"), ("/", "xrelative"), ("http", "xabsolute"))


def link_target_words(target: str) -> str:
    """The words of one link target, after a mark of its kind (``xhash``, ``xrelative``...)."""
    target = target.strip().split(" ", 1)[0].lower()[:LINK_TARGET_CHARS]  # drop a "title"
    mark = next((m for prefix, m in _TARGET_MARKS if target.startswith(prefix)), "xother")
    if mark == "xhash":
        return mark
    return " ".join([mark, *_TARGET_WORD.findall(target.split("://", 1)[-1])])


def block_link_targets(blocks: Sequence[Block]) -> list[str]:
    """Each block's link targets as words (empty for a block without links)."""
    texts = []
    for text in canonical_texts(blocks):
        texts.append(" ".join(link_target_words(m.group(2)) for m in _LINK.finditer(text)) if "](" in text else "")
    return texts


# ---------------------------------------------------------------------- page context

# What a block is shows in how it sits on its page, whatever the site's words: the story is
# the page's main run of prose; chrome and teasers stand before or after it, in runs of
# short or link-only blocks; captions and widgets repeat.
PAGE_CONTEXT_FEATURES = (
    "in_main_run", "log_before_run", "log_after_run", "no_main_run", "prose_nearby",
    "log_repeats", "repeated_earlier", "log_short_run", "log_link_run",
    "relative_length", "relative_link_share",
)
PROSE_MIN_WORDS = 20       # in the shape window: a paragraph, not a teaser or a credit
SHORT_MAX_WORDS = 8        # a menu item, a headline teaser, a credit
LINKED_SHARE = 0.6         # most of the block is link text
NEARBY = 2                 # blocks either side for "prose nearby"
REPEAT_KEY_CHARS = 200

_SHAPE_INDEX = {name: k for k, name in enumerate(SHAPE_FEATURES)}
@per_batch
def cached_shape_matrix(blocks: Sequence[Block]) -> np.ndarray:
    """``shape_matrix`` of the blocks' feature texts, once a batch (see :func:`per_batch`)."""
    return shape_matrix(feature_texts(blocks))


def _runs(flags: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of True it stands in (0 where False)."""
    n = len(flags)
    out = np.zeros(n)
    start = 0
    while start < n:
        if not flags[start]:
            start += 1
            continue
        end = start
        while end < n and flags[end]:
            end += 1
        out[start:end] = end - start
        start = end
    return out


def page_context_features(blocks: Sequence[Block]) -> np.ndarray:
    """Each block against its page (see PAGE_CONTEXT_FEATURES)."""
    shapes = cached_shape_matrix(blocks)
    words = np.expm1(shapes[:, _SHAPE_INDEX["log_words"]])
    link_share = shapes[:, _SHAPE_INDEX["link_share"]]
    sentences = shapes[:, _SHAPE_INDEX["sentence_marks"]]
    log_chars = shapes[:, _SHAPE_INDEX["log_chars"]]
    prose = (words >= PROSE_MIN_WORDS) & (link_share < 0.5) & (sentences > 0)
    short = words <= SHORT_MAX_WORDS
    linked = link_share >= LINKED_SHARE
    out = np.zeros((len(blocks), len(PAGE_CONTEXT_FEATURES)))
    start = 0
    for end in range(1, len(blocks) + 1):
        if end < len(blocks) and blocks[end].page == blocks[start].page:
            continue
        out[start:end] = _page_context(blocks[start:end], prose[start:end], short[start:end], linked[start:end],
                                       log_chars[start:end], link_share[start:end])
        start = end
    return out


def _page_context(page, prose, short, linked, log_chars, link_share) -> np.ndarray:
    n = len(page)
    position = np.arange(n)
    found = np.flatnonzero(prose)
    if len(found):
        first, last = found[0], found[-1]
        before = np.maximum(first - position, 0)
        after = np.maximum(position - last, 0)
        in_run = (before == 0) & (after == 0)
    else:
        before = after = np.zeros(n)
        in_run = np.zeros(n, dtype=bool)
    running = np.concatenate(([0], np.cumsum(prose)))
    window = running[np.minimum(position + NEARBY + 1, n)] - running[np.maximum(position - NEARBY, 0)] - prose
    keys = [" ".join(b.text[:REPEAT_KEY_CHARS].lower().split()) for b in page]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    seen: set[str] = set()
    earlier = np.zeros(n)
    for i, key in enumerate(keys):
        earlier[i] = key in seen and bool(key)
        seen.add(key)
    repeats = np.array([counts[k] - 1 if k else 0 for k in keys], dtype=float)
    return np.column_stack([
        in_run, np.log1p(before), np.log1p(after), np.full(n, not len(found)), window / (2 * NEARBY),
        np.log1p(repeats), earlier, np.log1p(_runs(short)), np.log1p(_runs(linked)),
        log_chars - np.median(log_chars), link_share - link_share.mean(),
    ])


def context_matrix(proba: np.ndarray, blocks: Sequence[Block], window: int) -> np.ndarray:
    """The second pass's input: first-pass probabilities of each block and of its neighbours
    up to ``window`` places away (with whether they exist), and the block's position."""
    columns = [proba]
    for offset in range(-window, window + 1):
        if offset:
            columns += neighbour_rows(proba, blocks, offset)
    columns.append(position_features(blocks))
    return np.hstack(columns)
