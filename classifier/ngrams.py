"""Counting n-grams and weighing them by TF-IDF, as scikit-learn's vectorisers do, without
scikit-learn: what both the training transformers (:mod:`classifier.features`) and the
compiled model (:mod:`classifier.inference`) call, so the two count alike by construction.
"""

from __future__ import annotations

import re
from itertools import repeat
from typing import NamedTuple

import numpy as np

# Joins texts for the batch passes (:mod:`classifier.measures` joins with it too): a NUL,
# which no character n-gram of a vocabulary holds.
JOINT = "\x00"


# How the TF-IDF vectorisers split texts; count_ngrams reproduces scikit-learn's analyzers.
WORD_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
# The same tokens, found a quarter faster: a run of word characters is matched whole from
# its first one, so the word boundaries hold by themselves (a test holds the two equal).
FAST_TOKEN_PATTERNS = {WORD_TOKEN_PATTERN: r"\w\w+"}
_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's character analyzer folds to " "
# Joins texts for word n-grams: a token that cannot be in the vocabulary (see count_ngrams),
# so no n-gram spans two texts. For character n-grams the joint is a NUL.
WORD_JOINT = "zqxjointzqx"


def join_for_words(texts: list[str]) -> str:
    """Texts as one string for word tokens, the joint word between each two."""
    return f" {WORD_JOINT} ".join(texts)


class BatchTokens(NamedTuple):
    """A batch's word tokens, already split: every token of every text, in text order (a
    text after the first may start with the joint word, which no vocabulary holds), the
    number of the text each comes from, and the number of texts. Several features read the
    same tokens of a batch (:func:`classifier.measures.block_tokens`); counting unigrams from
    them skips joining and splitting the texts again."""

    tokens: list[str]
    text_of_token: np.ndarray
    texts: int


class NgramCounter:
    """Counts the n-grams of a batch of texts that are in a fitted ``vocabulary`` (n-gram to
    column): what a scikit-learn ``CountVectorizer`` counts, with a ``word`` or ``char``
    analyzer and no stop words, accents or preprocessors. Made once per vocabulary; the
    readable definition of what it counts is :func:`ngrams_of`.

    scikit-learn looks each n-gram up in a Python loop, the largest single cost of tagging.
    Here a batch is joined into one string and tokenised once. Word n-grams are made and
    looked up with ``map``; character n-grams never become strings at all: each character
    is a small number (its place in the vocabulary's alphabet), an n-gram is those numbers
    in a positional code, and a table from code to column looks up all of a batch's
    n-grams in one numpy step. A batch where a text holds the joint itself is counted one
    text at a time.
    """

    def __init__(self, vocabulary: dict, analyzer: str, ngram_range: tuple[int, int], lowercase: bool,
                 token_pattern: str = WORD_TOKEN_PATTERN):
        if analyzer not in ("word", "char"):
            raise ValueError(f"unsupported analyzer {analyzer!r}")
        self.vocabulary, self.analyzer, self.lowercase = vocabulary, analyzer, lowercase
        self.ngram_range, self.token_pattern = tuple(ngram_range), token_pattern
        codes_fit = analyzer == "char" and _CharGramCodes.fits(vocabulary, self.ngram_range)
        self._codes = _CharGramCodes(vocabulary, self.ngram_range) if codes_fit else None
        # Words are looked up with the joint as column -2: one pass finds both.
        self._word_ids = {**vocabulary, WORD_JOINT: -2} if analyzer == "word" else None

    def count(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every n-gram of ``texts`` found in the vocabulary, as (text number, column) pairs,
        repeated as often as it occurs."""
        if (WORD_JOINT if self.analyzer == "word" else JOINT) in self.vocabulary:
            return self._count_each(texts)  # an n-gram holding the joint is rarer than the joint
        if self.analyzer == "char":
            if self._codes is None:  # n-grams too long to code in 64 bits: looked up as strings
                return self._count_each(texts)
            joined = JOINT.join(texts)
            if joined.count(JOINT) != len(texts) - 1:
                return self._count_each(texts)
            joined = _WHITE_SPACES.sub(" ", joined)
            return self._codes.count(joined.lower() if self.lowercase else joined)
        joined = join_for_words(texts)
        pattern = FAST_TOKEN_PATTERNS.get(self.token_pattern, self.token_pattern)
        units = re.findall(pattern, joined.lower() if self.lowercase else joined)
        unigram_ids = np.fromiter(map(self._word_ids.get, units, repeat(-1)), dtype=np.int64, count=len(units))
        starts_text = unigram_ids == -2
        if starts_text.sum() != len(texts) - 1:
            return self._count_each(texts)
        text_of_unit = np.cumsum(starts_text)
        rows, columns = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        grams = units
        low, high = self.ngram_range
        for n in range(1, high + 1):
            if n > 1:
                grams = list(map(" ".join, zip(grams, units[n - 1:])))
            if n >= low and grams:
                ids = unigram_ids if n == 1 else np.fromiter(
                    map(self.vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
                found = ids >= 0
                rows.append(text_of_unit[: len(grams)][found])
                columns.append(ids[found])
        return np.concatenate(rows), np.concatenate(columns)

    @property
    def reads_tokens(self) -> bool:
        """Whether :meth:`count_tokens` can count for this counter: word unigrams, and a
        vocabulary without the joint word."""
        return self.analyzer == "word" and self.ngram_range == (1, 1) and WORD_JOINT not in self.vocabulary

    def count_tokens(self, batch: BatchTokens, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`count` of the texts ``batch`` was split from (or of those at ``rows``, in
        that order and numbered among them), from their tokens (see :attr:`reads_tokens`)."""
        tokens, text_of_token, _ = batch
        if rows is not None:
            tokens, text_of_token = _tokens_of_rows(batch, np.asarray(rows, dtype=np.int64))
        ids = np.fromiter(map(self.vocabulary.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        found = ids >= 0
        return text_of_token[found], ids[found]

    def _count_each(self, texts):
        """One text at a time, for the rare batch the joined pass cannot take."""
        rows, columns = [], []
        for row, text in enumerate(texts):
            for gram in ngrams_of(text, self.analyzer, self.ngram_range, self.lowercase, self.token_pattern):
                column = self.vocabulary.get(gram)
                if column is not None:
                    rows.append(row)
                    columns.append(column)
        return np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)


def _tokens_of_rows(batch: BatchTokens, rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The tokens of the texts at ``rows`` (numbered among them), cut from the batch's list a
    run of consecutive rows at a time: a model that reads some pages of a batch reads runs
    of them."""
    tokens, text_of_token, n_texts = batch
    kept, numbers = [], [np.zeros(0, dtype=np.int64)]
    if not len(rows):
        return kept, numbers[0]
    bounds = np.searchsorted(text_of_token, np.arange(n_texts + 1))  # text k's: bounds[k] to bounds[k + 1]
    cuts = np.flatnonzero(np.diff(rows) != 1) + 1
    for run, start in zip(np.split(rows, cuts), [0, *cuts.tolist()]):
        low, high = int(bounds[run[0]]), int(bounds[run[-1] + 1])
        kept += tokens[low:high]
        numbers.append(text_of_token[low:high] - run[0] + start)
    return kept, np.concatenate(numbers)


# Largest table from n-gram code to column (entries); past it, codes are looked up by
# binary search instead (a vocabulary with a very large alphabet).
MAX_CODE_TABLE = 1 << 22


class _CharGramCodes:
    """A character n-gram vocabulary as integer codes (see :class:`NgramCounter`)."""

    def __init__(self, vocabulary: dict, ngram_range: tuple[int, int]):
        alphabet = sorted({char for gram in vocabulary for char in gram})
        self.alphabet = np.array([ord(c) for c in alphabet], dtype=np.uint32)
        # Characters are numbered from 1; 0 is any character outside the alphabet (and the
        # NUL joint), which no n-gram of the vocabulary holds.
        self.base = len(alphabet) + 1
        self.ngram_range = ngram_range
        position = {char: k + 1 for k, char in enumerate(alphabet)}
        codes = np.array([self._code([position[c] for c in gram]) for gram in vocabulary], dtype=np.int64)
        columns = np.array(list(vocabulary.values()), dtype=np.int64)
        size = self.base ** ngram_range[1]
        if size <= MAX_CODE_TABLE:
            # The smallest integer type that holds every column (the table has base³ entries).
            kind = next(t for t in (np.int16, np.int32, np.int64) if len(vocabulary) < np.iinfo(t).max)
            self.table = np.full(size, -1, dtype=kind)
            self.table[codes] = columns
        else:
            self.table = None
            order = np.argsort(codes)
            self.sorted_codes, self.sorted_columns = codes[order], columns[order]

    @staticmethod
    def fits(vocabulary: dict, ngram_range: tuple[int, int]) -> bool:
        """Whether every n-gram of ``vocabulary`` has a code below 2**63 (``shape_ngrams``
        of nine characters or more, over the corpus's 145 shape characters, have none)."""
        alphabet = {char for gram in vocabulary for char in gram}
        return (len(alphabet) + 1) ** ngram_range[1] <= np.iinfo(np.int64).max

    def _code(self, numbers: list[int]) -> int:
        code = 0
        for number in numbers:
            code = code * self.base + number
        return code

    def count(self, joined: str) -> tuple[np.ndarray, np.ndarray]:
        """(text number, column) of every vocabulary n-gram in ``joined`` (texts joined by NUL)."""
        chars = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        place = np.minimum(np.searchsorted(self.alphabet, chars), max(len(self.alphabet) - 1, 0))
        known = self.alphabet[place] == chars if len(self.alphabet) else np.zeros(len(chars), dtype=bool)
        numbers = np.where(known, place + 1, 0).astype(np.int64)
        text_of_char = np.cumsum(chars == 0)
        rows, columns = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        low, high = self.ngram_range
        codes, complete = numbers, known
        for n in range(1, high + 1):
            if n > 1:
                codes = codes[:-1] * self.base + numbers[n - 1:]
                complete = complete[:-1] & known[n - 1:]
            if n >= low and len(codes):
                at = np.flatnonzero(complete)
                found = self._columns(codes[at])
                hit = found >= 0
                rows.append(text_of_char[at[hit]])
                columns.append(found[hit])
        return np.concatenate(rows), np.concatenate(columns)

    def _columns(self, codes: np.ndarray) -> np.ndarray:
        if self.table is not None:
            return self.table[codes].astype(np.int64)
        place = np.minimum(np.searchsorted(self.sorted_codes, codes), max(len(self.sorted_codes) - 1, 0))
        if not len(self.sorted_codes):
            return np.full(len(codes), -1, dtype=np.int64)
        return np.where(self.sorted_codes[place] == codes, self.sorted_columns[place], -1)


def count_ngrams(
    texts: list[str], vocabulary: dict, analyzer: str, ngram_range: tuple[int, int], lowercase: bool,
    token_pattern: str = WORD_TOKEN_PATTERN,
) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`NgramCounter.count` with a counter made for this call."""
    return NgramCounter(vocabulary, analyzer, ngram_range, lowercase, token_pattern).count(texts)


def ngrams_of(text: str, analyzer: str, ngram_range: tuple[int, int], lowercase: bool,
              token_pattern: str = WORD_TOKEN_PATTERN) -> list[str]:
    """The n-grams of one text as scikit-learn's ``word`` or ``char`` analyzer makes them:
    the readable definition that :func:`count_ngrams` computes for a batch."""
    if lowercase:
        text = text.lower()
    if analyzer == "word":
        units, glue = re.findall(token_pattern, text), " "
    else:
        units, glue = list(_WHITE_SPACES.sub(" ", text)), ""
    low, high = ngram_range
    return [glue.join(units[i: i + n]) for n in range(low, high + 1) for i in range(len(units) - n + 1)]


def tfidf_cells(rows: np.ndarray, columns: np.ndarray, n_texts: int, idf: np.ndarray) -> tuple[np.ndarray, ...]:
    """The non-zero cells of the TF-IDF matrix of counted n-grams (as :func:`count_ngrams`
    gives them): sublinear term frequency times IDF, each text's row l2-normalised, as
    scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` computes it. Returns the cells'
    rows, columns and weights, with each (row, column) once."""
    if not len(rows):
        return rows, columns, np.zeros(0)
    width = len(idf)
    # np.unique, by a stable sort: the cells come in runs already sorted by row, which a
    # stable sort (timsort) takes several times faster than unique's quicksort.
    keys = np.sort(rows * width + columns, kind="stable")
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    cells, counts = keys[first], np.diff(np.append(first, len(keys)))
    rows, columns = cells // width, cells % width
    weights = (1.0 + np.log(counts)) * idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=n_texts))
    return rows, columns, weights / norms[rows]
