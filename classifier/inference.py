"""The trained first pass as plain arrays, for tagging without importing scikit-learn.

Importing scikit-learn takes about a second (it pulls in SciPy's statistics), more than a
third of a whole `blocktag tag` run over a thousand pages, and every extra worker process
waits for it. The fitted pipeline is only arithmetic, though: TF-IDF weights over vocabularies,
scaled shape and position measures, and a logistic regression. :func:`compile_classifier`
copies those numbers out of a fitted :class:`~classifier.model.BlockClassifier`, and
:class:`CompiledClassifier` computes the same probabilities from them with numpy and the
functions of :mod:`classifier.measures` (a test checks they agree).

A model it cannot reproduce (the optional second pass, character n-grams of the text,
settings its counting does not cover) is not compiled; the bundle then uses scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from . import measures
from .blocks import Block

# The text functions the pipeline may apply before a TF-IDF, by name.
TEXT_FUNCTIONS = {"block_texts": measures.block_texts, "block_shapes": measures.block_shapes}


@dataclass
class TextPart:
    """One TF-IDF block of columns: its text function, vocabulary and weights."""

    text_function: str
    vocabulary: dict
    counting: dict
    idf: np.ndarray
    sublinear_tf: bool
    offset: int


@dataclass
class DensePart:
    """One block of measured, standard-scaled columns (shape or position)."""

    measure: str  # "shape" or "position"
    neighbours: tuple[int, ...]
    mean: np.ndarray
    scale: np.ndarray
    offset: int


class CompiledClassifier:
    """Probabilities of a fitted first pass, from its numbers alone."""

    def __init__(self, classes: list[str], text_parts: list[TextPart], dense_parts: list[DensePart],
                 coef: np.ndarray, intercept: np.ndarray):
        self.classes = classes
        self.text_parts = text_parts
        self.dense_parts = dense_parts
        self.coef = coef
        self.intercept = intercept

    def predict_proba(self, blocks: Sequence[Block]) -> np.ndarray | None:
        """Like ``BlockClassifier.predict_proba``; None for the rare batch whose text holds
        the joint that batch counting relies on (the caller then asks scikit-learn)."""
        n = len(blocks)
        scores = np.tile(self.intercept, (n, 1))
        for part in self.text_parts:
            if not self._add_text_scores(scores, part, blocks):
                return None
        for part in self.dense_parts:
            if part.measure == "shape":
                values = measures.shape_features(blocks, part.neighbours)
            else:
                values = measures.position_features(blocks)
            values = (values - part.mean) / part.scale
            scores += values @ self.coef[:, part.offset: part.offset + values.shape[1]].T
        return _probabilities(scores)

    def _add_text_scores(self, scores: np.ndarray, part: TextPart, blocks: Sequence[Block]) -> bool:
        found = measures.count_ngrams(TEXT_FUNCTIONS[part.text_function](blocks), part.vocabulary, **part.counting)
        if found is None:
            return False
        rows, columns = found
        if not len(rows):
            return True
        width = len(part.idf)
        cells, counts = np.unique(rows * width + columns, return_counts=True)
        rows, columns = cells // width, cells % width
        weights = counts.astype(np.float64)
        if part.sublinear_tf:
            weights = 1.0 + np.log(weights)
        weights *= part.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(scores)))
        weights /= norms[rows]  # l2 norm per text, as TfidfVectorizer's default
        coef = self.coef[:, part.offset + columns]
        for k in range(coef.shape[0]):
            scores[:, k] += np.bincount(rows, weights=weights * coef[k], minlength=len(scores))
        return True


def _probabilities(scores: np.ndarray) -> np.ndarray:
    """LogisticRegression.predict_proba from its decision values."""
    if scores.shape[1] == 1:  # two labels: one decision column, the second label's
        positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - positive, positive])
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def compile_classifier(classifier) -> CompiledClassifier | None:
    """The numbers of a fitted BlockClassifier's first pass, or None when this module cannot
    reproduce it. Reads fitted attributes only, so it needs no scikit-learn import."""
    if getattr(classifier, "context_", None) is not None:
        return None
    pipeline = classifier.first_pass_
    union, logistic = pipeline.named_steps["features"], pipeline.named_steps["classify"]
    if union.transformer_weights or getattr(logistic, "multi_class", "auto") not in ("auto", "multinomial"):
        return None
    text_parts, dense_parts, offset = [], [], 0
    for _, steps in union.transformer_list:
        first, last = steps.steps[0][1], steps.steps[-1][1]
        if hasattr(last, "vocabulary_"):  # a TF-IDF over a text function
            name = getattr(getattr(first, "func", None), "__name__", None)
            counting = last.counting() if hasattr(last, "counting") else None
            if name not in TEXT_FUNCTIONS or counting is None or last.norm != "l2" or not last.use_idf:
                return None
            text_parts.append(TextPart(name, dict(last.vocabulary_), counting, np.asarray(last.idf_, dtype=np.float64),
                                       bool(last.sublinear_tf), offset))
            offset += len(last.vocabulary_)
        elif hasattr(last, "mean_") and hasattr(last, "scale_"):  # a scaled measure
            kind = "shape" if hasattr(first, "neighbours") else "position"
            neighbours = tuple(first.neighbours) if kind == "shape" else ()
            dense_parts.append(DensePart(kind, neighbours, last.mean_.copy(), last.scale_.copy(), offset))
            offset += len(last.mean_)
        else:
            return None
    if offset != logistic.coef_.shape[1]:
        return None
    return CompiledClassifier(
        [str(c) for c in classifier.classes_], text_parts, dense_parts,
        np.asarray(logistic.coef_, dtype=np.float64), np.asarray(logistic.intercept_, dtype=np.float64),
    )
