"""The registered features (:mod:`classifier.registry`) as scikit-learn transformers, for
training. Tagging never imports this module: it computes the same features from the
compiled model's arrays (:mod:`classifier.inference`).

Every transformer takes a sequence of :class:`~classifier.blocks.Block` records in page
order, each page's blocks contiguous; that is what lets position and neighbour features be
computed inside the pipeline.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .blocks import Block
from .ngrams import WORD_TOKEN_PATTERN, NgramCounter, tfidf_cells
from .registry import MeasureFeature, NgramFeature, feature


class NgramTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF of a registered n-gram feature's texts.

    The vocabulary and IDF are fitted by scikit-learn's ``TfidfVectorizer``; ``transform``
    counts a batch with :class:`~classifier.ngrams.NgramCounter` and weighs it with
    :func:`~classifier.ngrams.tfidf_cells`, the functions tagging uses, so training and
    tagging see the same numbers (a test checks them against scikit-learn's own transform).
    """

    def __init__(self, *, feature_name: str = "words", ngram_range: tuple[int, int] = (1, 1)):
        self.feature_name = feature_name
        self.ngram_range = ngram_range

    def vectorizer(self) -> TfidfVectorizer:
        spec = feature(self.feature_name)
        return TfidfVectorizer(
            analyzer=spec.analyzer, ngram_range=tuple(self.ngram_range), lowercase=spec.lowercase,
            token_pattern=WORD_TOKEN_PATTERN, min_df=spec.min_df, sublinear_tf=True, dtype=np.float64,
        )

    def fit(self, blocks, y=None):
        try:
            fitted = self.vectorizer().fit(feature(self.feature_name).texts(blocks))
            self.vocabulary_, self.idf_ = dict(fitted.vocabulary_), np.asarray(fitted.idf_, dtype=np.float64)
        except ValueError:  # no n-gram at all, or none in min_df texts (e.g. no block has links)
            self.vocabulary_, self.idf_ = {}, np.zeros(0)
        return self

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vocabulary_")
        names = np.empty(len(self.vocabulary_), dtype=object)
        for gram, column in self.vocabulary_.items():
            names[column] = gram
        return names

    def transform(self, blocks):
        check_is_fitted(self, "vocabulary_")
        spec = feature(self.feature_name)
        shape = (len(blocks), len(self.vocabulary_))
        if not self.vocabulary_:
            return sp.csr_matrix(shape, dtype=np.float64)
        counter = NgramCounter(self.vocabulary_, spec.analyzer, tuple(self.ngram_range), spec.lowercase)
        rows, columns, weights = tfidf_cells(*spec.counted(blocks, counter), self.idf_)
        return sp.csr_matrix((weights, (rows, columns)), shape=shape)


class Measures(TransformerMixin, BaseEstimator):
    """A registered measure feature's matrix, with its settings."""

    def __init__(self, *, feature_name: str = "position", settings: dict | None = None):
        self.feature_name = feature_name
        self.settings = settings

    def fit(self, X, y=None):
        return self

    def transform(self, blocks: Sequence[Block]) -> np.ndarray:
        return feature(self.feature_name).measure(blocks, **(self.settings or {}))

    def get_feature_names_out(self, input_features=None):
        return np.array(feature(self.feature_name).columns(**(self.settings or {})), dtype=object)


def feature_pipeline(name: str, params: dict) -> Pipeline:
    """The transformer for registered feature ``name``, configured from the classifier's
    parameters ``params``."""
    spec = feature(name)
    if isinstance(spec, NgramFeature):
        return Pipeline([("tfidf", NgramTfidf(feature_name=name, ngram_range=tuple(params[spec.ngram_param])))])
    assert isinstance(spec, MeasureFeature)
    settings = {key: params[key] for key in spec.settings}
    return Pipeline([("measure", Measures(feature_name=name, settings=settings)), ("scale", StandardScaler())])
