"""Feature transformers: what the model sees of a block.

Every transformer takes a sequence of :class:`~classifier.blocks.Block` records, in page
order, with each page's blocks contiguous (the readers and the tagger keep them so). That
is what lets position and neighbour features be computed inside the scikit-learn pipeline.
Text features read at most ``MAX_FEATURE_CHARS`` characters of a block, so one giant block
costs bounded time and memory.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .blocks import Block

# Long article paragraphs rarely pass 2,500 characters; nothing past this point changes
# what a block is, and capping it bounds the cost of a pathological 20 MB block.
MAX_FEATURE_CHARS = 4000

_LINK = re.compile(r"\[([^\]]*)\]\(#[^)]*\)")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W_]+")
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
_SLASH_CREDIT = re.compile(r"\b[A-Z][\w.'-]+ ?/ ?[A-Z][\w.&-]+\)?\W*$")


def cap(text: str) -> str:
    return text[:MAX_FEATURE_CHARS]


def normalise_text(text: str) -> str:
    """The text the TF-IDF vectorisers read: capped, digits folded, links marked."""
    text = _LINK.sub(r" \1 ⟦link⟧ ", cap(text))
    return _DIGIT.sub("0", text)


def block_texts(blocks: Sequence[Block]) -> list[str]:
    return [normalise_text(b.text) for b in blocks]


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
    "list_line_share", "starts_heading", "starts_quote", "starts_paren", "starts_star",
    "starts_bracket", "starts_by", "starts_credit", "ends_period", "ends_question_or_bang",
    "ends_colon", "ends_paren", "ends_quote", "ends_digit", "ends_letter", "upper_share",
    "digit_share", "capitalised_word_share", "has_month_date", "has_year", "has_clock",
    "has_zone", "has_numeric_date", "has_email", "has_handle", "has_copyright",
    "slash_credit", "has_pipe", "sentence_marks",
)


# Shape statistics read the start of a block: what kind of block it is shows there, and
# long paragraphs cost no more than short ones.
SHAPE_WINDOW_CHARS = 600


def shape_vector(text: str) -> list[float]:
    """Numbers describing a block's form, whatever its words (see SHAPE_FEATURES)."""
    full_length = len(text)
    text = text[:SHAPE_WINDOW_CHARS].strip()
    n = len(text) or 1
    words = _WORD.findall(text)
    n_words = len(words) or 1
    lines = text.split("\n")
    links = _LINK.findall(text)
    link_chars = sum(map(len, links)) + 5 * len(links)
    letters = sum(map(str.isalpha, text)) or 1
    first, last = (text[:1], text[-1:]) if text else ("", "")
    return [
        np.log1p(full_length),
        np.log1p(n_words if words else 0),
        np.log1p(len(lines) - 1),
        min(1.0, link_chars / n),
        np.log1p(len(links)),
        float(bool(_LINK.fullmatch(text))),
        sum(line.lstrip().startswith(("- ", "* ", "• ")) for line in lines) / len(lines),
        float(first == "#"),
        float(first == ">"),
        float(first == "("),
        float(first == "*"),
        float(first == "["),
        float(bool(_BY_START.match(text))),
        float(bool(_CREDIT_START.match(text))),
        float(last == "."),
        float(last in "?!"),
        float(last == ":"),
        float(last == ")"),
        float(last in "\"'”’"),
        float(last.isdigit()),
        float(last.isalpha()),
        sum(map(str.isupper, text)) / letters,
        sum(map(str.isdigit, text)) / n,
        sum(w[0].isupper() for w in words) / n_words,
        float(bool(_MONTH.search(text))),
        float(bool(_YEAR.search(text))),
        float(bool(_CLOCK.search(text))),
        float(bool(_ZONE.search(text))),
        float(bool(_NUMERIC_DATE.search(text))),
        float("@" in text and bool(_EMAIL.search(text))),
        float("@" in text and bool(_HANDLE.search(text))),
        float("©" in text or "(c)" in text.lower() or "copyright" in text.lower()),
        float(bool(_SLASH_CREDIT.search(text))),
        float("|" in text),
        np.log1p(text.count(". ") + text.count("? ") + text.count("! ")),
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
