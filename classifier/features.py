"""Feature transformers: what the model sees of a block, as scikit-learn estimators.

Each wraps a plain function of :mod:`classifier.measures` (the compiled model used for
tagging calls those directly). Every transformer takes a sequence of
:class:`~classifier.blocks.Block` records in page order, with each page's blocks contiguous;
that is what lets position and neighbour features be computed inside the pipeline.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from .blocks import Block
from .measures import POSITION_FEATURES, SHAPE_FEATURES, WORD_TOKEN_PATTERN, count_ngrams, position_features, shape_features


class BatchTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` whose ``transform`` counts a whole batch with
    :func:`~classifier.measures.count_ngrams` (C-level calls instead of a Python loop per
    n-gram). The fitted vectoriser and its output are scikit-learn's own (a test checks);
    configurations ``count_ngrams`` does not cover fall back to scikit-learn's ``transform``.
    """

    def transform(self, raw_documents):
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        texts = list(raw_documents)
        counting = self.counting()
        found = None
        if counting is not None and all(isinstance(t, str) for t in texts):
            found = count_ngrams(texts, self.vocabulary_, **counting)
        if found is None:
            return super().transform(texts)
        rows, columns = found
        counts = sp.csr_matrix(
            (np.ones(len(rows), dtype=self.dtype), (rows, columns)), shape=(len(texts), len(self.vocabulary_)),
        )
        counts.sum_duplicates()
        return self._tfidf.transform(counts, copy=False)

    def counting(self) -> dict | None:
        """The arguments of ``count_ngrams`` that reproduce this vectoriser's analyzer, or None."""
        plain = (self.preprocessor is None and self.tokenizer is None and self.stop_words is None
                 and self.strip_accents is None and not self.binary and self.input == "content"
                 and self.analyzer in ("word", "char"))
        if not plain or (self.analyzer == "word" and self.token_pattern != WORD_TOKEN_PATTERN):
            return None
        return {"analyzer": self.analyzer, "ngram_range": tuple(self.ngram_range), "lowercase": self.lowercase}


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
        return shape_features(X, tuple(self.neighbours))

    def get_feature_names_out(self, input_features=None):
        names = [f"shape__{name}" for name in SHAPE_FEATURES]
        for offset in self.neighbours:
            names += [f"neighbour{offset:+d}__{name}" for name in SHAPE_FEATURES] + [f"neighbour{offset:+d}__exists"]
        return np.array(names, dtype=object)


class PagePosition(TransformerMixin, BaseEstimator):
    """Where a block stands on its page: from the top, from the bottom, relative."""

    def fit(self, X, y=None):
        return self

    def transform(self, X: Sequence[Block]) -> np.ndarray:
        return position_features(X)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"position__{name}" for name in POSITION_FEATURES], dtype=object)
