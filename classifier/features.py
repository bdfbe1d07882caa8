"""Feature transformers: what the model sees of a block.

Every transformer takes a sequence of :class:`~classifier.blocks.Block` records, in page
order, with each page's blocks contiguous (the readers and the tagger keep them so). That
is what lets position and neighbour features be computed inside the scikit-learn pipeline.
Text features read at most ``MAX_FEATURE_CHARS`` characters of a block, so one giant block
costs bounded time and memory.
"""

from __future__ import annotations

import re
from math import log1p
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .blocks import Block

# Long article paragraphs rarely pass 2,500 characters; nothing past this point changes
# what a block is, and capping it bounds the cost of a pathological 20 MB block.
MAX_FEATURE_CHARS = 4000

_LINK = re.compile(r"\[([^\]]*)\]\(#[^)]*\)")
_DIGIT = re.compile(r"\d")
_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_CAPITALISED = re.compile(r"\b[A-ZÀ-ÖØ-Þ]")
_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d\d\b|\b\d{1,2}\s?(am|pm|a\.m\.|p\.m\.)", re.IGNORECASE)
_ZONE = re.compile(r"\b(GMT|UTC|EST|EDT|PST|PDT|CET|BST|ET|PT)\b")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(^|\s)@\w+")
_CREDIT_START = re.compile(
    r"^\W*(photo|image|picture|credit|video|illustration|graphic|source|courtesy|file)\b", re.IGNORECASE
)
_BY_START = re.compile(r"^\W*by\b", re.IGNORECASE)


def cap(text: str) -> str:
    return text[:MAX_FEATURE_CHARS]


def normalise_text(text: str) -> str:
    """The text the TF-IDF vectorisers read: capped, digits folded, links marked."""
    text = _LINK.sub(r" \1 ⟦link⟧ ", cap(text))
    return _DIGIT.sub("0", text)


def block_texts(blocks: Sequence[Block]) -> list[str]:
    return [normalise_text(b.text) for b in blocks]


# A block's opening in word shapes: "By Jane Doe/AP" reads "■ ■ ■/▲". Character n-grams of
# this short string catch the form of credits, bylines, dates and widgets whatever the names,
# at a fraction of the cost of character n-grams of the text (the substitutions run in C).
SHAPE_TOKEN_CHARS = 160
_SHAPE_SUBS = [
    (re.compile(r"\[([^\]]*)\]\(#[^)]*\)"), r"[\1]"),  # a link: its text in brackets
    (re.compile(r"[A-ZÀ-ÖØ-Þ]{2,}[^\W\d_]*"), "▲"),       # capitals: AP, GETTY
    (re.compile(r"[A-ZÀ-ÖØ-Þ][^\W\d_]*"), "■"),            # Capitalised word
    (re.compile(r"[^\W\d_]+"), "·"),                       # lower-case word
    (re.compile(r"\d+"), "0"),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"(?:· ){2,}·"), "⋯"),                      # a run of plain prose, in one mark
]


SHAPE_TAIL_CHARS = 30


def word_shapes(text: str) -> str:
    """The block's opening (and, for a long block, its last few words) in word shapes,
    between ^ and $ so that n-grams see how it starts and ends."""
    text = text.strip()
    if len(text) > SHAPE_TOKEN_CHARS:
        text = text[: SHAPE_TOKEN_CHARS - SHAPE_TAIL_CHARS] + " ‖ " + text[-SHAPE_TAIL_CHARS:]
    for pattern, replacement in _SHAPE_SUBS:
        text = pattern.sub(replacement, text)
    return f"^{text}$"


def block_shapes(blocks: Sequence[Block]) -> list[str]:
    return [word_shapes(b.text) for b in blocks]


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
    """Numbers describing a block's form, whatever its words (see SHAPE_FEATURES).

    Written for speed (it runs on every block): C-level string methods and regexes, date
    patterns only near the start and only when there is a digit to match.
    """
    full_length = len(text)
    text = text[:SHAPE_WINDOW_CHARS].strip()
    n = len(text) or 1
    n_words = len(text.split())
    lines = text.split("\n")
    links = _LINK.findall(text) if "](" in text else []
    link_chars = sum(map(len, links)) + 5 * len(links)
    head = text[:DATE_WINDOW_CHARS]
    digits = len(_DIGIT.findall(text))
    dated = digits > 0 and bool(_DIGIT.search(head))
    at = "@" in text
    lower = text.lower()
    return [
        log1p(full_length),
        log1p(n_words),
        log1p(len(lines) - 1),
        min(1.0, link_chars / n),
        log1p(len(links)),
        float(bool(links) and bool(_LINK.fullmatch(text))),
        sum(line.lstrip().startswith(("- ", "* ", "• ")) for line in lines) / len(lines),
        float(bool(_BY_START.match(text))),
        float(bool(_CREDIT_START.match(text))),
        len(_UPPER.findall(text)) / n,
        digits / n,
        len(_CAPITALISED.findall(text)) / (n_words or 1),
        float(dated and bool(_MONTH.search(head))),
        float(dated and bool(_YEAR.search(head))),
        float(dated and bool(_CLOCK.search(head))),
        float(bool(_ZONE.search(head))),
        float(dated and bool(_NUMERIC_DATE.search(head))),
        float(at and bool(_EMAIL.search(text))),
        float(at and bool(_HANDLE.search(text))),
        float("©" in text or "(c)" in lower or "copyright" in lower),
        float("|" in text),
        log1p(text.count(". ") + text.count("? ") + text.count("! ")),
    ]


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


class BlockShape(TransformerMixin, BaseEstimator):
    """A block's form (length, links, list markers, punctuation, capitals, digits, dates, credits),
    and the same for its neighbours ``neighbours`` places away on the page (e.g. -1 and +1).

    Neighbours are computed here, from the one pass over the texts, rather than by a second
    transformer that would measure every block again.
    """

    def __init__(self, neighbours: tuple[int, ...] = (-1, 1)):
        self.neighbours = neighbours

    def fit(self, X, y=None):
        return self

    def transform(self, X: Sequence[Block]) -> np.ndarray:
        shapes = np.array([shape_vector(b.text) for b in X], dtype=np.float64).reshape(len(X), len(SHAPE_FEATURES))
        columns = [shapes]
        for offset in self.neighbours:
            columns += neighbour_rows(shapes, X, offset)
        return np.hstack(columns)

    def get_feature_names_out(self, input_features=None):
        names = [f"shape__{name}" for name in SHAPE_FEATURES]
        for offset in self.neighbours:
            names += [f"neighbour{offset:+d}__{name}" for name in SHAPE_FEATURES] + [f"neighbour{offset:+d}__exists"]
        return np.array(names, dtype=object)


POSITION_FEATURES = ("relative", "log_from_top", "log_from_bottom", "is_first", "is_last", "log_page_blocks")


class PagePosition(TransformerMixin, BaseEstimator):
    """Where a block stands on its page: from the top, from the bottom, relative."""

    def fit(self, X, y=None):
        return self

    def transform(self, X: Sequence[Block]) -> np.ndarray:
        position, length = page_positions(X)
        from_bottom = length - 1 - position
        return np.column_stack([
            position / np.maximum(length - 1, 1),
            np.log1p(position),
            np.log1p(from_bottom),
            position == 0,
            from_bottom == 0,
            np.log1p(length),
        ]).astype(np.float64).reshape(len(X), len(POSITION_FEATURES))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"position__{name}" for name in POSITION_FEATURES], dtype=object)
