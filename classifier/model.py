"""The model: a scikit-learn classifier of blocks, and training it into a saved bundle
(:mod:`classifier.bundle`; tagging uses its compiled form, :mod:`classifier.inference`).

:class:`BlockClassifier` is an ordinary scikit-learn estimator (``fit``/``predict``/
``predict_proba``, parameters in ``__init__``) whose samples are :class:`Block` records.
The first pass reads each block with its surroundings: word TF-IDF, n-grams of the block's
opening written in word shapes, the block's shape statistics and its neighbours', and its
position on the page.
An optional second, learnt pass (``context_window`` > 0) reads the first pass's
probabilities for the block and its neighbours, in the spirit of jusText's context pass;
it is trained on out-of-fold first-pass probabilities (folds grouped by page), so it learns
from predictions like those it will see on new pages. Grouped cross-validation found it
worth about +0.005 macro-F1 for three times the training time, so it is off by default.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import replace
from datetime import datetime, timezone
from typing import Sequence

import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from . import __version__
from .blocks import Block
from .bundle import ModelBundle, load_model, shipped_model_path  # noqa: F401  (the model's API)
from .errors import TrainingError
from .features import BatchTfidfVectorizer, BlockShape, PagePosition
from .measures import block_openings, block_shapes, block_texts, neighbour_rows, position_features

RANDOM_STATE = 0


class BlockClassifier(ClassifierMixin, BaseEstimator):
    """Tags blocks of scraped pages. ``X`` is a sequence of :class:`Block` in page order.

    Parameters
    ----------
    C : inverse regularisation strength of the first pass's logistic regression.
    word_ngrams : n-gram range of the word TF-IDF.
    shape_ngrams : n-gram range of the character TF-IDF over the block's opening written in
        word shapes ("By Jane Doe/AP" → "^■ ■ ■/▲$"); None leaves it out.
    char_ngrams : n-gram range of a character TF-IDF over the block's opening; None (the
        default) leaves it out: it scored below the word shapes at ten times their cost.
    max_char_features : vocabulary cap of the character TF-IDF (bounds model size).
    neighbours : offsets of the neighbouring blocks whose shape the first pass sees.
    context_window : how many blocks either side the second pass looks at (0, the default:
        no second pass).
    context_C : regularisation of the second pass.
    stack_folds : page-grouped folds used to make the second pass's training probabilities.
    class_weight : passed to the logistic regressions; None (the default) scored better in
        grouped cross-validation than "balanced".
    trim_edges : share of training pages also learnt from as a main-content scraper would
        deliver them, without (some of) the chrome at their top and bottom; 0 turns it off.
        0.5 scored best in grouped cross-validation on pages both whole and trimmed.
    """

    def __init__(
        self,
        C: float = 4.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = None,
        max_char_features: int = 60000,
        shape_ngrams: tuple[int, int] | None = (1, 3),
        neighbours: tuple[int, ...] = (-1, 1),
        context_window: int = 0,
        context_C: float = 1.0,
        stack_folds: int = 5,
        class_weight: str | None = None,
        trim_edges: float = 0.5,
        random_state: int = RANDOM_STATE,
    ):
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_char_features = max_char_features
        self.shape_ngrams = shape_ngrams
        self.neighbours = neighbours
        self.context_window = context_window
        self.context_C = context_C
        self.stack_folds = stack_folds
        self.class_weight = class_weight
        self.trim_edges = trim_edges
        self.random_state = random_state

    # ------------------------------------------------------------------ building

    def first_pass(self) -> Pipeline:
        """The per-block pipeline: features → logistic regression."""
        features = [
            ("words", Pipeline([
                ("text", FunctionTransformer(block_texts)),
                ("tfidf", BatchTfidfVectorizer(
                    ngram_range=tuple(self.word_ngrams), sublinear_tf=True, min_df=2, dtype=np.float32,
                )),
            ])),
        ]
        if self.shape_ngrams:
            features.append(("word_shapes", Pipeline([
                ("text", FunctionTransformer(block_shapes)),
                ("tfidf", BatchTfidfVectorizer(
                    analyzer="char", ngram_range=tuple(self.shape_ngrams), sublinear_tf=True, min_df=2,
                    lowercase=False, dtype=np.float32,
                )),
            ])))
        if self.char_ngrams:
            features.append(("chars", Pipeline([
                ("text", FunctionTransformer(block_openings)),
                ("tfidf", BatchTfidfVectorizer(
                    analyzer="char_wb", ngram_range=tuple(self.char_ngrams), sublinear_tf=True,
                    min_df=2, max_features=self.max_char_features, dtype=np.float32,
                )),
            ])))
        features += [
            ("shape", Pipeline([("measure", BlockShape(tuple(self.neighbours))), ("scale", StandardScaler())])),
            ("position", Pipeline([("measure", PagePosition()), ("scale", StandardScaler())])),
        ]
        return Pipeline([
            ("features", FeatureUnion(features)),
            ("classify", self._logistic(self.C)),
        ])

    def _logistic(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, class_weight=self.class_weight, max_iter=3000, random_state=self.random_state)

    def context_matrix(self, proba: np.ndarray, X: Sequence[Block]) -> np.ndarray:
        """The second pass's input: first-pass probabilities of the block and its neighbours,
        and the block's position on the page."""
        columns = [proba]
        for offset in range(-self.context_window, self.context_window + 1):
            if offset:
                columns += neighbour_rows(proba, X, offset)
        columns.append(position_features(X))
        return np.hstack(columns)

    # ------------------------------------------------------------------ estimator API

    def fit(self, X: Sequence[Block], y: Sequence[str]) -> "BlockClassifier":
        # One BLAS thread: the fitted numbers then do not depend on the machine's core count
        # (a multi-threaded sum rounds differently), so a rebuild matches the shipped model.
        with threadpool_limits(limits=1):
            return self._fit(X, y)

    def _fit(self, X: Sequence[Block], y: Sequence[str]) -> "BlockClassifier":
        X = list(X)
        y = np.asarray(y, dtype=object)
        n_given = len(X)
        if self.trim_edges:
            X, y = with_trimmed_pages(X, y, self.trim_edges, np.random.default_rng(self.random_state))
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise TrainingError("training data has a single label; a model needs blocks of at least two labels")
        # A trimmed copy shares its page's fold, so the second pass never sees a page's twin.
        pages = [b.page.removesuffix(TRIMMED_PAGE_SUFFIX) for b in X]
        n_pages = len(set(pages))
        self.context_ = None
        if self.context_window and n_pages >= 2:
            out_of_fold = cross_val_predict(
                self.first_pass(), X, y, groups=pages,
                cv=GroupKFold(n_splits=min(self.stack_folds, n_pages)), method="predict_proba",
            )
            self.context_ = self._logistic(self.context_C).fit(self.context_matrix(out_of_fold, X), y)
            self.first_pass_out_of_fold_ = out_of_fold[:n_given]  # the blocks as given, not the copies
        self.first_pass_ = self._fit_first_pass(X, y, n_given)
        return self

    def _fit_first_pass(self, X: list[Block], y: np.ndarray, n_given: int) -> Pipeline:
        """Fit the features on the blocks as given and the classifier on all of ``X``.

        The trimmed copies repeat blocks, so fitted on them the vectorisers would count a
        word seen once as seen twice (``min_df``), doubling the vocabulary for no gain.
        """
        pipeline = self.first_pass()
        features, classify = pipeline.named_steps["features"], pipeline.named_steps["classify"]
        features.fit(X[:n_given], y[:n_given])
        classify.fit(features.transform(X), y)
        return pipeline

    def predict_proba(self, X: Sequence[Block]) -> np.ndarray:
        X = list(X)
        if not X:
            return np.zeros((0, len(self.classes_)))
        proba = self.first_pass_.predict_proba(X)
        if self.context_ is not None:
            proba = self.context_.predict_proba(self.context_matrix(proba, X))
        return proba

    def predict(self, X: Sequence[Block]) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)


# ---------------------------------------------------------------------- training


# Labels of the site chrome that main-content scrapers often leave out at a page's edges.
EDGE_CHROME_LABELS = frozenset({"other", "promotion"})
TRIMMED_PAGE_SUFFIX = "~trimmed"


def with_trimmed_pages(
    X: list[Block], y: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[list[Block], np.ndarray]:
    """``X`` plus, for a ``share`` of its pages, a copy with the chrome at the top and bottom
    cut away (all of it, or a random part).

    Scrapers differ in how much chrome they keep: some deliver the whole page, others start
    at the headline and stop after the story's last note. Pages written with their full
    chrome would teach the model that the last block is always a footer; the trimmed copies
    teach it that a page may end on a contributor's note or a paragraph.
    """
    extra_blocks: list[Block] = []
    extra_labels: list[str] = []
    start = 0
    for end in range(1, len(X) + 1):
        if end < len(X) and X[end].page == X[start].page:
            continue
        labels = y[start:end]
        lead = _chrome_run(labels)
        trail = _chrome_run(labels[::-1])
        if rng.random() < share and (lead or trail) and lead + trail < len(labels):
            keep_lead = int(rng.integers(0, lead + 1)) if rng.random() < 0.5 else 0
            keep_trail = int(rng.integers(0, trail + 1)) if rng.random() < 0.5 else 0
            page = f"{X[start].page}{TRIMMED_PAGE_SUFFIX}"
            kept = range(start + lead - keep_lead, end - trail + keep_trail)
            extra_blocks += [replace(X[i], page=page, index=n) for n, i in enumerate(kept)]
            extra_labels += [y[i] for i in kept]
        start = end
    if not extra_blocks:
        return X, y
    return X + extra_blocks, np.concatenate([y, np.asarray(extra_labels, dtype=object)])


def _chrome_run(labels: Sequence[str]) -> int:
    """How many labels at the start of ``labels`` are edge chrome."""
    run = 0
    for label in labels:
        if label not in EDGE_CHROME_LABELS:
            break
        run += 1
    return run


def training_data_hash(blocks: Sequence[Block]) -> str:
    """sha256 of the training records in order: the same data gives the same hash."""
    digest = hashlib.sha256()
    for b in blocks:
        digest.update(json.dumps([b.page, b.index, b.text, b.label], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def train(blocks: Sequence[Block], source: str = "training data", **params) -> "ModelBundle":
    """Fit a :class:`BlockClassifier` on labelled blocks and wrap it in a bundle with metadata.

    ``params`` are :class:`BlockClassifier` parameters. Raises :class:`TrainingError` when
    the data cannot teach a model (no blocks, a block without a label, a single label).
    """
    blocks = list(blocks)
    if not blocks:
        raise TrainingError(f"{source}: no labelled blocks to train on")
    unlabelled = next((b for b in blocks if not b.label), None)
    if unlabelled is not None:
        raise TrainingError(f"{source}: block {unlabelled.index} of page {unlabelled.page!r} has no label")
    labels = [b.label for b in blocks]
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    if len(counts) < 2:
        raise TrainingError(
            f"{source}: every block is labelled {labels[0]!r}; a model needs blocks of at least two labels"
        )
    classifier = BlockClassifier(**params).fit(blocks, labels)
    metadata = {
        "labels": [str(c) for c in classifier.classes_],
        "label_counts": counts,
        "blocks": len(blocks),
        "pages": len({b.page for b in blocks}),
        "training_sha256": training_data_hash(blocks),
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in classifier.get_params().items()},
        "metrics": _training_metrics(classifier, blocks, labels),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **environment_versions(),
    }
    return ModelBundle(classifier, metadata)


def _training_metrics(classifier: BlockClassifier, blocks: list[Block], labels: list[str]) -> dict:
    """How well the model fits its own training data (an upper bound, not a forecast: use
    ``blocktag evaluate`` on held-out pages or ``blocktag cv`` for that), plus the grouped
    cross-validated first-pass score when the second pass produced one."""
    from sklearn.metrics import accuracy_score, f1_score

    predicted = classifier.predict(blocks)
    metrics = {
        "training_accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "training_macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
    }
    proba = getattr(classifier, "first_pass_out_of_fold_", None)
    if proba is not None:
        out_of_fold = classifier.classes_[proba.argmax(axis=1)]
        metrics["first_pass_grouped_cv_macro_f1"] = round(float(f1_score(labels, out_of_fold, average="macro")), 4)
    return metrics


def environment_versions() -> dict:
    return {
        "blocktag_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
    }
