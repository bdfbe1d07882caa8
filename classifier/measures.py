"""What the model measures of blocks, as plain functions over numpy (no scikit-learn).

The scikit-learn transformers in :mod:`classifier.features` wrap these for training, and the
compiled model in :mod:`classifier.inference` calls them directly when tagging, so that a
tagging run never imports scikit-learn. Every function takes blocks (or their texts) in page
order, with each page's blocks contiguous (the readers and the tagger keep them so).
Text measures read at most ``MAX_FEATURE_CHARS`` characters of a block, so one giant block
costs bounded time and memory.
"""

from __future__ import annotations

import re
from itertools import repeat
from math import log1p
from typing import Sequence

import numpy as np

from .blocks import Block

# Long article paragraphs rarely pass 2,500 characters; nothing past this point changes
# what a block is, and capping it bounds the cost of a pathological 20 MB block.
MAX_FEATURE_CHARS = 4000

# A link as scrapers write it; never across a NUL, which joins texts in batch passes.
_LINK = re.compile(r"\[([^\]\x00]*)\]\(#[^)\x00]*\)")
_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile(r"[0-9]")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")
# An upper-case letter not preceded by a letter, digit or underscore: a capitalised word.
_CAPITALISED = re.compile(r"(?<![0-9A-Za-z_\u00C0-\U0010FFFF])[A-ZÀ-ÖØ-Þ]")
# A line that starts (after indentation) with a list marker; \x00 separates blocks.
_LIST_LINE = re.compile(r"(?<=[\n\x00])[^\S\n]*(?:- |\* |• )")
_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d\d\b|\b\d{1,2}\s?(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_ZONE = re.compile(r"\b(GMT|UTC|EST|EDT|PST|PDT|CET|BST|ET|PT)\b")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
# Read in a block's head, in SHAPE_FEATURES order: month date, year, clock, zone, numeric date.
_DATE_PATTERNS = (_MONTH, _YEAR, _CLOCK, _ZONE, _NUMERIC_DATE)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(^|\s)@\w+")
_CREDIT_START = re.compile(
    r"^\W*(photo|image|picture|credit|video|illustration|graphic|source|courtesy|file)\b", re.IGNORECASE
)
_BY_START = re.compile(r"^\W*by\b", re.IGNORECASE)


def cap(text: str) -> str:
    return text[:MAX_FEATURE_CHARS]


_TEXT_SUBS = [(_LINK, r" \1 ⟦link⟧ "), (_DIGIT, "0")]


def normalise_text(text: str) -> str:
    """The text the TF-IDF vectorisers read: capped, digits folded, links marked."""
    return _substitute(cap(text), _TEXT_SUBS)


def block_texts(blocks: Sequence[Block]) -> list[str]:
    return _substitute_all([cap(b.text) for b in blocks], _TEXT_SUBS)


# Joins texts for the batch substitutions; no pattern here matches it.
_JOINT = "\x00"


def _substitute(text: str, substitutions) -> str:
    for pattern, replacement in substitutions:
        text = pattern.sub(replacement, text)
    return text


def _substitute_all(texts: list[str], substitutions) -> list[str]:
    """``_substitute`` of every text, in one regex call per substitution over the texts
    joined (per-call overhead, not scanning, is most of the cost on short blocks), or one
    text at a time when a text holds the joint itself."""
    joined = _JOINT.join(texts)
    if joined.count(_JOINT) != len(texts) - 1:
        return [_substitute(text, substitutions) for text in texts]
    return _substitute(joined, substitutions).split(_JOINT)


# How the TF-IDF vectorisers split texts; count_ngrams reproduces scikit-learn's analyzers.
WORD_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's character analyzer folds to " "
# Joins texts for word n-grams: a token that cannot be in the vocabulary (see count_ngrams),
# so no n-gram spans two texts. For character n-grams the joint is a NUL.
_WORD_JOINT = "zqxjointzqx"


def count_ngrams(
    texts: list[str], vocabulary: dict, analyzer: str, ngram_range: tuple[int, int], lowercase: bool,
    token_pattern: str = WORD_TOKEN_PATTERN,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Every n-gram of ``texts`` found in ``vocabulary``, as (text number, column) pairs,
    repeated as often as it occurs: what a scikit-learn ``CountVectorizer`` counts, with a
    ``word`` or ``char`` analyzer and no stop words, accents or preprocessors.

    scikit-learn looks each n-gram up in a Python loop, the largest single cost of tagging.
    Here the batch is joined into one string and tokenised once; all n-grams are made and
    looked up with ``map`` and given to their texts with numpy. Returns None when a text
    holds the joint itself (the callers then fall back to scikit-learn's own counting).
    """
    if analyzer == "word":
        if _WORD_JOINT in vocabulary:  # an n-gram holding the joint is rarer than the joint itself
            return None
        joined = f" {_WORD_JOINT} ".join(texts)
        units = re.findall(token_pattern, joined.lower() if lowercase else joined)
        starts_text = np.fromiter(map(_WORD_JOINT.__eq__, units), dtype=bool, count=len(units))
        glue = " "
    elif analyzer == "char":
        if _JOINT in vocabulary:
            return None
        joined = _WHITE_SPACES.sub(" ", _JOINT.join(texts))
        if lowercase:
            joined = joined.lower()
        units = list(joined)
        starts_text = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 0
        glue = ""
    else:
        return None
    if starts_text.sum() != len(texts) - 1:  # a text holds the joint itself
        return None
    text_of_unit = np.cumsum(starts_text)
    rows, columns = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    grams = units
    low, high = ngram_range
    for n in range(1, high + 1):
        if n > 1:
            following = units[n - 1:]
            grams = list(map(glue.join, zip(grams, following))) if glue else list(map(str.__add__, grams, following))
        if n >= low and grams:
            ids = np.fromiter(map(vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
            found = ids >= 0
            rows.append(text_of_unit[: len(grams)][found])
            columns.append(ids[found])
    return np.concatenate(rows), np.concatenate(columns)


# A block's opening in word shapes: "By Jane Doe/AP" reads "■ ■ ■/▲". Character n-grams of
# this short string catch the form of credits, bylines, dates and widgets whatever the names,
# at a fraction of the cost of character n-grams of the text (the substitutions run in C).
SHAPE_TOKEN_CHARS = 160
_SHAPE_SUBS = [
    (_LINK, r"[\1]"),                                     # a link: its text in brackets
    (re.compile(r"[A-ZÀ-ÖØ-Þ]{2,}[^\W\d_]*"), "▲"),       # capitals: AP, GETTY
    (re.compile(r"[A-ZÀ-ÖØ-Þ][^\W\d_]*"), "■"),            # Capitalised word
    (re.compile(r"[^\W\d_]+"), "·"),                       # lower-case word
    (re.compile(r"\d+"), "0"),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"(?:· ){2,}·"), "⋯"),                      # a run of plain prose, in one mark
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
    return _substitute(_shape_window(text), _SHAPE_SUBS)


def block_shapes(blocks: Sequence[Block]) -> list[str]:
    return _substitute_all([_shape_window(b.text) for b in blocks], _SHAPE_SUBS)


# Character n-grams are the costliest feature; they describe a block's form, which shows in
# its first few hundred characters, so they read only those.
CHAR_WINDOW_CHARS = 300


def block_openings(blocks: Sequence[Block]) -> list[str]:
    """The start (and the very end) of each block, for the character n-grams."""
    texts = []
    for b in blocks:
        text = b.text
        if len(text) > CHAR_WINDOW_CHARS:
            text = text[: CHAR_WINDOW_CHARS - 40] + " … " + text[-40:]
        texts.append(_DIGIT.sub("0", text))
    return texts


SHAPE_FEATURES = (
    "log_chars", "log_words", "log_lines", "link_share", "log_links", "whole_link",
    "list_line_share", "starts_by", "starts_credit", "capitals_share", "digit_share",
    "capitalised_word_share", "has_month_date", "has_year", "has_clock", "has_zone",
    "has_numeric_date", "has_email", "has_handle", "has_copyright", "has_pipe", "sentence_marks",
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
    links = _LINK.findall(window)
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
        float(bool(_EMAIL.search(window))),
        float(bool(_HANDLE.search(window))),
        float("©" in window or "(c)" in lower or "copyright" in lower),
        float("|" in window),
        log1p(window.count(". ") + window.count("? ") + window.count("! ")),
    ]


def shape_matrix(texts: Sequence[str]) -> np.ndarray:
    """:func:`shape_vector` of every text, as one matrix.

    Written for speed (it runs on every block): character counts come from one numpy pass
    over the batch's joined text; each block then costs a few C-level string calls, and
    each regex runs only on blocks that can match it.
    """
    n = len(texts)
    windows = [text[:SHAPE_WINDOW_CHARS].strip() for text in texts]
    digits, uppers, capitalised, n_words, head_digits = _character_counts(windows)
    measures = np.array(
        [_string_measures(w, dated) for w, dated in zip(windows, (head_digits > 0).tolist())], dtype=np.float64,
    ).reshape(n, len(_STRING_MEASURES))
    (newlines, n_links, link_chars, whole_link, list_lines, by, credit, month, year, clock, zone,
     numeric_date, email, handle, copyright_sign, pipe, sentence_marks) = measures.T
    chars = np.maximum(np.fromiter(map(len, windows), dtype=np.float64, count=n), 1)
    full_length = np.fromiter(map(len, texts), dtype=np.float64, count=n)
    return np.column_stack([
        np.log1p(full_length), np.log1p(n_words), np.log1p(newlines),
        np.minimum(1.0, link_chars / chars), np.log1p(n_links), whole_link,
        list_lines / (newlines + 1), by, credit,
        uppers / chars, digits / chars, capitalised / np.maximum(n_words, 1),
        month, year, clock, zone, numeric_date, email, handle, copyright_sign, pipe,
        np.log1p(sentence_marks),
    ]).reshape(n, len(SHAPE_FEATURES))


# Character classes by code point, for the batch counts (code points past the table share
# its last entry: a letter, in no other class).
_DIGIT_BIT, _UPPER_BIT, _WORD_BIT, _SPACE_BIT = 1, 2, 4, 8
_CLASS_TABLE_SIZE = 0x3002


def _character_classes() -> np.ndarray:
    table = np.zeros(_CLASS_TABLE_SIZE, dtype=np.uint8)
    for code in range(_CLASS_TABLE_SIZE):
        char = chr(code)
        if "0" <= char <= "9":
            table[code] |= _DIGIT_BIT
        if _UPPER.fullmatch(char):
            table[code] |= _UPPER_BIT
        if (char.isascii() and (char.isalnum() or char == "_")) or code >= 0xC0:
            table[code] |= _WORD_BIT  # as _CAPITALISED's look-behind counts word characters
        if char.isspace():  # as str.split() splits
            table[code] |= _SPACE_BIT
    return table


_CLASSES = _character_classes()


def _character_counts(windows: list[str]) -> tuple[np.ndarray, ...]:
    """Per window: digits, upper-case letters, capitalised words, words, and digits in its
    first DATE_WINDOW_CHARS characters; one numpy pass over the windows joined."""
    n = len(windows)
    if not n:
        return tuple(np.zeros(0) for _ in range(5))
    joined = "\x00" + "\x00".join(windows)  # \x00 is in no class: nothing spans two windows
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = _CLASSES[np.minimum(codes, _CLASS_TABLE_SIZE - 1)]
    lengths = np.fromiter(map(len, windows), dtype=np.int64, count=n)
    starts = np.cumsum(lengths + 1) - lengths  # where each window begins in ``joined``
    ends = starts + lengths

    def per_window(mask: np.ndarray, stop: np.ndarray = ends) -> np.ndarray:
        running = np.concatenate(([0], np.cumsum(mask, dtype=np.int64)))
        return (running[stop] - running[starts]).astype(np.float64)

    gap = (classes & _SPACE_BIT) > 0
    gap[starts - 1] = True  # the separators
    upper = (classes & _UPPER_BIT) > 0
    after_word = np.concatenate(([False], (classes[:-1] & _WORD_BIT) > 0))
    digit = (classes & _DIGIT_BIT) > 0
    return (
        per_window(digit),
        per_window(upper),
        per_window(upper & ~after_word),
        per_window(~gap & np.concatenate(([True], gap[:-1]))),  # word starts
        per_window(digit, starts + np.minimum(lengths, DATE_WINDOW_CHARS)),
    )


_STRING_MEASURES = (
    "newlines", "links", "link_chars", "whole_link", "list_lines", "starts_by", "starts_credit",
    *(f"head_{name}" for name in ("month", "year", "clock", "zone", "numeric_date")),
    "email", "handle", "copyright", "pipe", "sentence_marks",
)


def _string_measures(window: str, head_has_digit: bool) -> tuple:
    """The measures of one window that need its string (see _STRING_MEASURES)."""
    links = _LINK.findall(window) if "](" in window else ()
    head = window[:DATE_WINDOW_CHARS]
    # Each pattern runs only where the characters it needs are: a digit for all but the
    # zone, ":"/"m"/"M" for a clock, a separator for a numeric date, a "T" in every zone name.
    month = year = clock = numeric_date = False
    if head_has_digit:
        month = bool(_MONTH.search(head))
        year = ("19" in head or "20" in head) and bool(_YEAR.search(head))
        clock = (":" in head or "m" in head or "M" in head) and bool(_CLOCK.search(head))
        numeric_date = ("." in head or "/" in head or "-" in head) and bool(_NUMERIC_DATE.search(head))
    zone = "T" in head and bool(_ZONE.search(head))
    dates = (month, year, clock, zone, numeric_date)
    at = "@" in window
    lower = window.lower() if ("c" in window or "C" in window) else ""
    return (
        window.count("\n"),
        len(links),
        sum(map(len, links)) + 5 * len(links),
        bool(links) and bool(_LINK.fullmatch(window)),
        len(_LIST_LINE.findall("\x00" + window)) if ("- " in window or "* " in window or "• " in window) else 0,
        bool(_BY_START.match(window)),
        bool(_CREDIT_START.match(window)),
        *dates,
        at and bool(_EMAIL.search(window)),
        at and bool(_HANDLE.search(window)),
        "©" in window or "(c)" in lower or "copyright" in lower,
        "|" in window,
        window.count(". ") + window.count("? ") + window.count("! "),
    )


def page_positions(blocks: Sequence[Block]) -> tuple[np.ndarray, np.ndarray]:
    """For each block, its position within its page's run of blocks and that run's length."""
    position = np.zeros(len(blocks), dtype=np.int64)
    length = np.zeros(len(blocks), dtype=np.int64)
    start = 0
    for i in range(1, len(blocks) + 1):
        if i == len(blocks) or blocks[i].page != blocks[start].page:
            position[start:i] = np.arange(i - start)
            length[start:i] = i - start
            start = i
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


POSITION_FEATURES = ("relative", "log_from_top", "log_from_bottom", "is_first", "is_last", "log_page_blocks")


def shape_features(blocks: Sequence[Block], neighbours: tuple[int, ...]) -> np.ndarray:
    """Each block's shape statistics, then for each offset in ``neighbours`` the statistics
    of the block that many places away on its page and whether it exists."""
    shapes = shape_matrix([b.text for b in blocks])
    columns = [shapes]
    for offset in neighbours:
        columns += neighbour_rows(shapes, blocks, offset)
    return np.hstack(columns)


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
