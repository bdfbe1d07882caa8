"""The model: a scikit-learn classifier of blocks, and training it into a bundle
(:mod:`classifier.bundle`) whose compiled form (:mod:`classifier.inference`) tags with numpy.

:class:`BlockClassifier` is an ordinary scikit-learn estimator (``fit``/``predict``/
``predict_proba``, keyword-only parameters validated at ``fit``) whose samples are
:class:`Block` records. The first pass reads the registered features
(:mod:`classifier.registry`) of each block with its surroundings. An optional second,
learnt pass (``context_window`` > 0) reads the first pass's probabilities for the block and
its neighbours, in the spirit of jusText's context pass; it is trained on out-of-fold
first-pass probabilities (folds grouped by page), so it learns from predictions like those
it will see on new pages.
"""

from __future__ import annotations

from numbers import Integral, Real

import json
import os
import platform
import re
from dataclasses import replace
from datetime import datetime, timezone
from importlib import metadata as package_metadata
from typing import Iterable, Sequence

import numpy as np

from .extras import require

require("train", "training")
import sklearn  # noqa: E402  (after the check that says how to install it)
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from . import __version__
from .blocks import MAX_WEIGHT, Block, block_list, check_page_order, page_fingerprints, training_data_hash  # noqa: F401  (training_data_hash: the model's API)
from .bundle import ModelBundle
from .errors import SettingError, TrainingError, setting, warn
from .features import feature_pipeline
from .inference import CompiledModel, compile_classifier
from .memory import Memory
from .dialects import without_links
from .measures import canonical_texts, context_matrix, holds_link
from .params import check_param_names, source_date_epoch
from .registry import DEFAULT_FEATURES, FEATURES, ngram_params
from .training_checks import check_trainable, typo_note
from .workers import forked_workers, resolve_jobs, submit

RANDOM_STATE = 0
# A fit whose coefficients are all below this learnt nothing from the blocks (a C, tol or
# sample weights so extreme that the solver stops where it starts): refused, not saved.
MIN_LEARNT_COEF = 1e-6
# The second pass reads this many blocks either side at most: each is a column per label for
# every block, and a page's story runs a few blocks, not thousands.
MAX_CONTEXT_WINDOW = 50
# lbfgs stops when the largest gradient component falls below ``tol``. At scikit-learn's
# default (1e-4) it stopped 8 iterations apart on two machines whose BLAS rounds
# differently, and 9 of 2,043 dev labels changed; at 1e-6 both stop at the optimum itself.
DEFAULT_TOL = 1e-6
DEFAULT_MAX_ITER = 5000
# train() checks the compiled form against the pipeline on this many blocks.
COMPILE_CHECK_BLOCKS = 2000
COMPILE_TOLERANCE = 1e-6


class BlockClassifier(ClassifierMixin, BaseEstimator):
    """Tags blocks of scraped pages. ``X`` is a sequence of :class:`Block` in page order.

    Parameters (keyword-only, validated at ``fit``)
    ----------
    features : names of registered features (:mod:`classifier.registry`) the first pass reads.
    C : inverse regularisation strength of the first pass's logistic regression.
    word_ngrams : n-gram range of the word TF-IDF. Words alone scored as well as words and
        word pairs on real pages, and train four times faster.
    shape_ngrams : n-gram range of the character TF-IDF over the block's opening written in
        word shapes ("By Jane Doe/AP" → "^■ ■ ■/▲$").
    edge_ngrams : n-gram range of the TF-IDF over the block's first and last words
        (``measures.EDGE_WORDS`` each side).
    link_ngrams : n-gram range of the TF-IDF over the words of the block's link targets.
    neighbours : offsets of the neighbouring blocks whose shape the first pass sees.
    context_window : how many blocks either side the second pass looks at (0: no second pass).
    context_C : regularisation of the second pass.
    stack_folds : page-grouped folds used to make the second pass's training probabilities.
    class_weight : passed to the logistic regressions (None or "balanced").
    trim_edges : share of training pages also learnt from as a main-content scraper would
        deliver them, without (some of) the chrome at their top and bottom; 0 turns it off.
        1.0 (every page) scored best on real pages (0.800 against 0.791 at 0.5).
    linkless_pages : share of training pages (those with links) also learnt from as
        converters that drop links deliver them (inscriptis, BeautifulSoup's ``get_text``):
        every link written as its text. 0 turns it off.
    element_pages : share of training pages also learnt from as BeautifulSoup's
        ``get_text("\\n\\n")`` delivers them: one element a block (each line of a block,
        each list item and table cell, its own block, with its block's label). 0 turns it off.
        At 0.3 it lifts BeautifulSoup's rendering of the dev pages from 0.665 to 0.690, but
        costs the linkless dev pages as given and about 15 s of training a model, so the
        shipped model leaves it off.
    tol : the solver's stopping tolerance. Tight, so that the fit stops at the optimum
        itself rather than at a point that depends on the machine's floating-point rounding:
        a rebuild then gives the same labels on any machine.
    max_iter : the solver's iteration cap.
    random_state : seeds the trimmed copies and the solver.
    """

    def __init__(
        self,
        *,
        features: tuple[str, ...] = DEFAULT_FEATURES,
        C: float = 4.0,
        word_ngrams: tuple[int, int] = (1, 1),
        shape_ngrams: tuple[int, int] = (1, 3),
        edge_ngrams: tuple[int, int] = (1, 1),
        link_ngrams: tuple[int, int] = (1, 1),
        neighbours: tuple[int, ...] = (-1, 1),
        context_window: int = 0,
        context_C: float = 1.0,
        stack_folds: int = 5,
        class_weight: str | None = None,
        trim_edges: float = 1.0,
        linkless_pages: float = 0.0,
        element_pages: float = 0.0,
        tol: float = DEFAULT_TOL,
        max_iter: int = DEFAULT_MAX_ITER,
        random_state: int = RANDOM_STATE,
    ):
        self.features = features
        self.C = C
        self.word_ngrams = word_ngrams
        self.shape_ngrams = shape_ngrams
        self.edge_ngrams = edge_ngrams
        self.link_ngrams = link_ngrams
        self.neighbours = neighbours
        self.context_window = context_window
        self.context_C = context_C
        self.stack_folds = stack_folds
        self.class_weight = class_weight
        self.trim_edges = trim_edges
        self.linkless_pages = linkless_pages
        self.element_pages = element_pages
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    # ------------------------------------------------------------------ building

    def first_pass(self) -> Pipeline:
        """The per-block pipeline: the registered features → logistic regression."""
        params = {name: python_setting(value) for name, value in self.get_params().items()}  # (a grid's np.int64: JSON later)
        return Pipeline([
            ("features", FeatureUnion([(name, feature_pipeline(name, params)) for name in self.features])),
            ("classify", self._logistic(self.C)),
        ])

    def _logistic(self, C: float) -> LogisticRegression:
        return LogisticRegression(C=C, class_weight=self.class_weight, tol=self.tol, max_iter=self.max_iter,
                                  random_state=self.random_state)

    def context_matrix(self, proba: np.ndarray, X: Sequence[Block]) -> np.ndarray:
        """The second pass's input: first-pass probabilities of the block and its neighbours,
        and the block's position on the page."""
        return context_matrix(proba, X, self.context_window)

    def check_params(self) -> None:
        """Raise :class:`TrainingError` for a parameter the model cannot take (``fit`` calls
        it first; ``--param`` checks its values with it before any file is read)."""
        if isinstance(self.features, str):  # ("words" would be read as its letters)
            raise TrainingError(f"features must be a list of registered features ({', '.join(sorted(FEATURES))}); "
                                f"got the string {self.features!r}: give [{', '.join(map(repr, self.features.split(',')))}]")
        unknown = [name for name in self.features if name not in FEATURES]
        if unknown or not self.features:
            raise TrainingError(
                f"features must name registered features ({', '.join(sorted(FEATURES))}); got {list(self.features)}"
            )
        if len(set(self.features)) != len(self.features):
            raise TrainingError(f"features must name each feature once; got {list(self.features)}")
        numbers = {"C": Real, "context_C": Real, "context_window": Integral, "stack_folds": Integral, "trim_edges": Real,
                   "linkless_pages": Real, "element_pages": Real, "tol": Real, "max_iter": Integral,
                   "random_state": Integral}
        for name, kind in numbers.items():
            value = getattr(self, name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TrainingError(f"{name} must be a {'whole ' if kind is Integral else ''}number; got {value!r}")
        for name in ngram_params():
            span = getattr(self, name)
            if not isinstance(span, (tuple, list)) or len(span) != 2 or not all(isinstance(n, Integral) for n in span):
                raise TrainingError(f"{name} must be (low, high) with 1 <= low <= high; got {span!r}")
        if not isinstance(self.neighbours, (tuple, list)):
            raise TrainingError(f"neighbours must be distinct non-zero offsets, e.g. -1,1; got {self.neighbours!r}")
        if len(set(self.neighbours)) != len(self.neighbours) or not all(isinstance(n, Integral) and n for n in self.neighbours):
            raise TrainingError(f"neighbours must be distinct non-zero offsets, e.g. -1,1; got {list(self.neighbours)}")
        checks = [
            (self.C > 0, "C must be > 0"),
            (self.context_C > 0, "context_C must be > 0"),
            (0 <= self.context_window <= MAX_CONTEXT_WINDOW, f"context_window must be from 0 to {MAX_CONTEXT_WINDOW}"),
            (self.stack_folds >= 2, "stack_folds must be >= 2"),
            (0 <= self.trim_edges <= 1, "trim_edges must be between 0 and 1"),
            (0 <= self.linkless_pages <= 1, "linkless_pages must be between 0 and 1"),
            (0 <= self.element_pages <= 1, "element_pages must be between 0 and 1"),
            (0 < self.tol < np.inf and self.max_iter > 0, "tol and max_iter must be > 0 and finite"),
            (self.class_weight in (None, "balanced"), "class_weight must be None or 'balanced'"),
            (0 <= self.random_state < 2 ** 32, "random_state must be from 0 to 2**32 - 1"),
        ]
        for name in ngram_params():
            low, high = getattr(self, name)
            checks.append((1 <= low <= high, f"{name} must be (low, high) with 1 <= low <= high"))
        for ok, message in checks:
            if not ok:
                raise TrainingError(message)

    # ------------------------------------------------------------------ estimator API

    def fit(self, X: Sequence[Block], y: Sequence[str], sample_weight: Sequence[float] | None = None) -> "BlockClassifier":
        self.check_params()
        X = block_list(X, "X")
        check_page_order(X, "X")  # the features read a page in its blocks' order, as at predict
        y = np.asarray(y)  # (its own dtype: scikit-learn's cross_val_predict hands labels over as integers)
        if y.dtype.kind not in "iuUO":
            y = y.astype(object)
        if y.dtype.kind in "iu" and self.trim_edges > 0:
            warn("labels are numbers, not names: the copies with a page's edges trimmed (trim_edges) cut "
                 f"its {' and '.join(sorted(EDGE_CHROME_LABELS))} blocks by name, so none are made; give "
                 "the labels' names to train as train() does")
        if y.shape != (len(X),):
            given = "no labels (y=None)" if y.ndim == 0 and y.item() is None else f"{y.size} labels"
            raise TrainingError(f"{len(X)} blocks but {given}: give one label a block")
        if y.dtype.kind not in "iu" and self.trim_edges > 0 and not EDGE_CHROME_LABELS & set(y.tolist()):
            warn(f"trim_edges={self.trim_edges:g}: the copies with a page's edges trimmed cut its "
                 f"{' and '.join(sorted(EDGE_CHROME_LABELS))} blocks, and these labels have neither, so "
                 "none are made; give trim_edges=0 (--param trim_edges=0) to say so")
        # One BLAS thread and a tight tolerance: the fitted numbers then depend as little as
        # possible on the machine (see ``tol``).
        with threadpool_limits(limits=1):
            return self._fit(X, y, sample_weight)

    def _fit(self, X: list[Block], y: np.ndarray, sample_weight) -> "BlockClassifier":
        n_given = len(X)
        # a weight train() was given times a record's own: each at most MAX_WEIGHT
        weights = np.ones(n_given) if sample_weight is None else checked_weights(sample_weight, n_given, MAX_WEIGHT ** 2)
        origin = np.arange(n_given)  # each block's block as given (a copy's, its original's)
        for share, add_copies in ((self.trim_edges, with_trimmed_pages), (self.linkless_pages, with_linkless_pages),
                                  (self.element_pages, with_element_pages)):
            if share:  # the copies follow the blocks as given, and are never copied again
                X, y, source = add_copies(X, y, share, np.random.default_rng(self.random_state), given=n_given)
                weights, origin = weights[source], origin[source]
        is_given = np.arange(len(X)) < n_given
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise TrainingError("training data has a single label; a model needs blocks of at least two labels")
        # A copy shares its page's fold, so the second pass never sees a page's twin.
        pages = [X[i].page for i in origin]
        n_pages = len(set(pages))
        self.context_ = self.context_mean_ = self.first_pass_out_of_fold_ = None  # nothing of an earlier fit
        if self.context_window and n_pages < 2:
            warn(f"context_window={self.context_window}: the second pass learns from pages held out in turn, "
                 "and these blocks are one page; trained without it")
        if self.context_window and n_pages >= 2:
            out_of_fold = np.zeros((len(X), len(self.classes_)))
            for train_rows, test_rows in GroupKFold(n_splits=min(self.stack_folds, n_pages)).split(X, y, pages):
                seen = np.unique(y[train_rows])
                if len(seen) < 2:  # a rare label on few pages, all of them in this fold's test part
                    out_of_fold[test_rows, np.searchsorted(self.classes_, seen[0])] = 1.0  # what it would learn
                    continue
                fold = self._fit_first_pass([X[i] for i in train_rows], y[train_rows], weights[train_rows],
                                            is_given[train_rows])
                proba = fold.predict_proba([X[i] for i in test_rows])
                out_of_fold[np.ix_(test_rows, np.searchsorted(self.classes_, fold.classes_))] = proba
            matrix = self.context_matrix(out_of_fold, X)
            self.context_ = self._logistic(self.context_C).fit(matrix, y, sample_weight=weights)
            # the average block's second-pass input: explain's evidence is measured from it
            self.context_mean_ = np.average(matrix, axis=0, weights=weights)
            self.first_pass_out_of_fold_ = out_of_fold[:n_given]  # the blocks as given, not the copies
        self.first_pass_ = self._fit_first_pass(X, y, weights, is_given)
        return self

    def _fit_first_pass(self, X: list[Block], y: np.ndarray, weights: np.ndarray, is_given: np.ndarray) -> Pipeline:
        """Fit the features on the blocks as given (``is_given``: not the copies) and the
        classifier on all of ``X``.

        The trimmed copies repeat blocks, so fitted on them the vectorisers would count a
        word seen once as seen twice (``min_df``), doubling the vocabulary for no gain.
        """
        given = [b for b, kept in zip(X, is_given) if kept]
        pipeline = self.first_pass()
        features, classify = pipeline.named_steps["features"], pipeline.named_steps["classify"]
        features.fit(given)
        matrix = features.transform(X)
        if matrix.shape[1] == 0:
            raise TrainingError(f"the features {', '.join(self.features)} read nothing in these blocks (no word, "
                                "shape or link target to learn from); add a feature that does, e.g. words")
        classify.fit(matrix, y, sample_weight=weights)
        largest = np.abs(classify.coef_).max()
        if not np.isfinite(largest) or largest < MIN_LEARNT_COEF:
            raise TrainingError(f"the fit learnt nothing from the blocks (its largest coefficient is {largest:.3g}): "
                                f"C={self.C:g}, tol={self.tol:g} or weights this small leave it nothing to fit; give "
                                "settings near the defaults (C=4, tol=1e-6) and weights near 1")
        return pipeline

    def predict_proba(self, X: Sequence[Block]) -> np.ndarray:
        check_is_fitted(self, "first_pass_")
        X = block_list(X, "X")
        check_page_order(X, "X")  # as fit checks: the features read a page in its blocks' order
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
    X: list[Block], y: np.ndarray, share: float, rng: np.random.Generator, *, given: int | None = None
) -> tuple[list[Block], np.ndarray, np.ndarray]:
    """``X`` plus, for a ``share`` of its pages, a copy with the chrome at the top and bottom
    cut away (all of it, or a random part); also each block's position in ``X`` (a copy's
    block points to its original, whose weight it takes). Only the first ``given`` blocks
    (all, by default) are copied: those after them are copies made before.

    Scrapers differ in how much chrome they keep: some deliver the whole page, others start
    at the headline and stop after the story's last note. Pages written with their full
    chrome would teach the model that the last block is always a footer; the trimmed copies
    teach it that a page may end on a contributor's note or a paragraph.
    """
    extra: list[int] = []
    copies: list[Block] = []
    suffix = _copy_suffix(X, TRIMMED_PAGE_SUFFIX)
    for start, end in _page_spans(X, given):
        labels = y[start:end]
        lead = _chrome_run(labels)
        trail = _chrome_run(labels[::-1])
        if rng.random() < share and (lead or trail) and lead + trail < len(labels):
            keep_lead = int(rng.integers(0, lead + 1)) if rng.random() < 0.5 else 0
            keep_trail = int(rng.integers(0, trail + 1)) if rng.random() < 0.5 else 0
            page = f"{X[start].page}{suffix}"
            kept = range(start + lead - keep_lead, end - trail + keep_trail)
            copies += [replace(X[i], page=page, index=n) for n, i in enumerate(kept)]
            extra += kept
    source = np.concatenate([np.arange(len(X)), np.asarray(extra, dtype=np.int64)])
    return X + copies, y[source], source


def _page_spans(X: Sequence[Block], given: int | None = None):
    """(start, end) of each page's run of blocks in ``X``, or in its first ``given``."""
    last = len(X) if given is None else given
    start = 0
    for end in range(1, last + 1):
        if end == last or X[end].page != X[start].page:
            yield start, end
            start = end


def _copy_suffix(X: Sequence[Block], suffix: str) -> str:
    """What a copy's page name ends with: ``suffix``, lengthened until no page name holds it
    (a page of the user's may be named "a~trimmed"; a copy's name is never a page's)."""
    names = {b.page for b in X}
    while any(suffix in name for name in names):
        suffix = "~" + suffix
    return suffix


LINKLESS_PAGE_SUFFIX = "~linkless"
ELEMENT_PAGE_SUFFIX = "~elements"
# What an element-split copy drops of a line: a list or quote marker; and table rules.
_ITEM_MARKER = re.compile(r"\s*(?:[-*+•]|\d{1,9}[.)]|>)\s+")
_TABLE_RULE_LINE = re.compile(r"\|?[\s:|-]+\|?")


def with_linkless_pages(
    X: list[Block], y: np.ndarray, share: float, rng: np.random.Generator, *, given: int | None = None
) -> tuple[list[Block], np.ndarray, np.ndarray]:
    """``X`` plus, for a ``share`` of its pages that hold links (of its first ``given`` blocks:
    not copies made before), a copy with every link written as its text; also each block's
    position in ``X``."""
    extra: list[int] = []
    copies: list[Block] = []
    suffix = _copy_suffix(X, LINKLESS_PAGE_SUFFIX)
    for start, end in _page_spans(X, given):
        page = range(start, end)
        if any("](" in X[i].text for i in page) and rng.random() < share:
            name = f"{X[start].page}{suffix}"
            copies += [replace(X[i], page=name, text=without_links(X[i].text)) for i in page]
            extra += page
    source = np.concatenate([np.arange(len(X)), np.asarray(extra, dtype=np.int64)])
    return X + copies, y[source], source


def with_element_pages(
    X: list[Block], y: np.ndarray, share: float, rng: np.random.Generator, *, given: int | None = None
) -> tuple[list[Block], np.ndarray, np.ndarray]:
    """``X`` plus, for a ``share`` of its pages (of its first ``given`` blocks: not copies
    made before), a copy cut one element a block (see ``element_pages``); also each copied
    block's position in ``X``."""
    extra: list[int] = []
    copies: list[Block] = []
    suffix = _copy_suffix(X, ELEMENT_PAGE_SUFFIX)
    for start, end in _page_spans(X, given):
        if rng.random() >= share:
            continue
        name = f"{X[start].page}{suffix}"
        first = len(copies)
        for i in range(start, end):
            for part in element_texts(X[i].text):
                copies.append(replace(X[i], page=name, index=len(copies) - first, text=part))
                extra.append(i)
    source = np.concatenate([np.arange(len(X)), np.asarray(extra, dtype=np.int64)])
    return X + copies, y[source], source


def element_texts(text: str) -> list[str]:
    """A block as ``get_text`` cuts it: each line, list item and table cell on its own."""
    parts = []
    for line in text.split("\n"):
        if _TABLE_RULE_LINE.fullmatch(line):
            continue
        if line.lstrip().startswith("|"):
            parts += [cell.strip() for cell in line.strip().strip("|").split("|")]
        else:
            marker = _ITEM_MARKER.match(line)
            parts.append(line[marker.end():].strip() if marker else line.strip())
    return [part for part in parts if part]


def _chrome_run(labels: Sequence[str]) -> int:
    """How many labels at the start of ``labels`` are edge chrome."""
    run = 0
    for label in labels:
        if label not in EDGE_CHROME_LABELS:
            break
        run += 1
    return run


def checked_weights(sample_weight: Sequence[float], n_blocks: int, most: float = MAX_WEIGHT) -> np.ndarray:
    """``sample_weight`` as an array, or TrainingError unless it is one number from 0 to
    ``most`` a block, not all 0 (scikit-learn would fail deep inside on NaN or all zeros,
    quietly learn the opposite from negative weights, and give up on weights of 1e20)."""
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TrainingError("sample_weight must be numbers, one a block") from None
    if weights.shape != (n_blocks,):
        raise TrainingError(f"sample_weight has {weights.size} values for {n_blocks} blocks")
    if not (np.isfinite(weights).all() and (weights >= 0).all() and (weights <= most).all() and weights.sum() > 0):
        raise TrainingError(f"sample_weight must be numbers from 0 to {most:g}, not all 0 (how much each block counts)")
    return weights


def _with_record_weights(blocks: Sequence[Block], sample_weight: Sequence[float] | None) -> list[float] | None:
    """``sample_weight`` times each block's own weight (its record's ``weight``, 1 when it
    has none); None when every block counts once."""
    if all(b.weight == 1.0 for b in blocks):
        return None if sample_weight is None else list(sample_weight)
    given = [1.0] * len(blocks) if sample_weight is None else sample_weight
    return [w * b.weight for w, b in zip(given, blocks)]


def _settings_used(classifier: BlockClassifier) -> dict:
    """The classifier's settings as the model holds them: a second pass asked for but not
    learnt (the blocks were one page: the fit warned) is saved as none, as it tags."""
    params = {name: python_setting(value, as_json=True) for name, value in classifier.get_params().items()}
    if classifier.context_ is None:
        params["context_window"] = 0
    return params


def train(blocks: Sequence[Block], source: str = "training data", *, sample_weight: Sequence[float] | None = None,
          sources: dict | None = None, plain_text_model: bool = True, remember: Sequence[Block] = (),
          jobs: int = 1, **params) -> ModelBundle:
    """Fit a :class:`BlockClassifier` on labelled blocks and compile it into a bundle with
    metadata.

    ``params`` are :class:`BlockClassifier` parameters; ``sample_weight`` weighs blocks;
    ``sources`` (name → description) is recorded in the metadata. With
    ``plain_text_model`` (and links in the data), a second classifier is fitted on the same
    blocks with every link written as its text, for pages that hold no link (see
    :class:`ModelBundle`); with ``jobs`` of 2 or more (-1: one per core) it is fitted in a
    worker process at the same time as the main one, which gives the same model in about
    half the time. The labelled blocks in ``remember`` are remembered
    (:mod:`classifier.memory`). Raises :class:`TrainingError` when the data cannot teach a
    model (``check_trainable``) or a compiled form disagrees with its pipeline.
    """
    blocks = block_list(blocks, source)
    check_trainable(blocks, source)
    labels = [b.label for b in blocks]
    if sample_weight is not None:  # before it meets the records' weights, and before any fit starts
        checked_weights(sample_weight, len(blocks))
    sample_weight = _with_record_weights(blocks, sample_weight)
    check_param_names(params)
    _check_sources(sources)  # now, not when the model is saved after the fit
    if not isinstance(plain_text_model, (bool, np.bool_)):
        raise SettingError("plain_text_model", plain_text_model, "give True or False")
    if isinstance(remember, (str, bytes)) or not isinstance(remember, Iterable):  # (True and None are no iterables)
        raise SettingError("remember", remember, "give the labelled Blocks to remember, e.g. remember=blocks "
                                                 "(train_with_corpus remembers its user's blocks itself)")
    remember = list(remember)
    _check_remembered(remember, set(labels))  # before the fit, not minutes into it
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    note = typo_note(counts)
    if note:  # said before the fit, which may take minutes
        warn(note)
    with_plain = plain_text_model and any(map(holds_link, canonical_texts(blocks)))
    jobs = resolve_jobs(jobs)  # (checked whether or not there is a second model to fit beside)
    with forked_workers(min(jobs, 2) - 1 if with_plain else 0) as workers:
        plain_fit = submit(workers, _fit_plain, blocks, labels, sample_weight, params) if with_plain else None
        classifier, compiled = _fit_compiled(blocks, labels, sample_weight, params)
        plain, plain_metadata = None, {}
        if plain_fit is not None:
            spec, arrays, metrics = plain_fit.result()
            plain = CompiledModel.from_arrays(spec, arrays)
            plain_metadata = {"plain_text_model": {
                "for": "pages that hold no link markup; learnt from every block with its links written as their text",
                "metrics": metrics}}
    model_labels = [str(c) for c in classifier.classes_]
    memory = Memory.of_blocks(remember, model_labels) if remember else None
    metadata = {
        "labels": model_labels,
        "label_counts": counts,
        "blocks": len(blocks),
        "pages": len({b.page for b in blocks}),
        "training_sha256": training_data_hash(blocks),
        "page_fingerprints": page_fingerprints(blocks),
        "params": _settings_used(classifier),
        "metrics": _training_metrics(classifier, blocks, labels),
        "created": created_time(),
        **({"sources": sources} if sources else {}),
        **plain_metadata,
        **({"memory": {"blocks": len(remember), "remembered": len(memory)}} if memory is not None else {}),
        **environment_versions(),
    }
    return ModelBundle(compiled, metadata, plain=plain, memory=memory, classifier=classifier)


def python_setting(value, as_json: bool = False):
    """A setting with numpy's numbers (a grid built with ``np.arange``) as Python's; with
    ``as_json``, its tuples as lists too, as JSON holds them."""
    if isinstance(value, (tuple, list)):
        items = [python_setting(v, as_json) for v in value]
        return items if as_json or isinstance(value, list) else tuple(items)
    return value.item() if isinstance(value, np.generic) else value


def _check_sources(sources: object) -> None:
    if sources is None:
        return
    if not isinstance(sources, dict) or not all(isinstance(name, str) for name in sources):
        raise SettingError("sources", sources, "give a dict of names to descriptions, e.g. {'corpus': 'training/data'}")
    try:  # the model file's metadata is JSON
        json.dumps(sources, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        raise SettingError("sources", sources, "give descriptions JSON can hold: strings, numbers, lists and "
                           "dicts of them (str() a path)") from None


def _check_remembered(remember: list[Block], labels: set[str]) -> None:
    for position, block in enumerate(remember):
        if not isinstance(block, Block):
            raise TrainingError(f"remember: item {position} is a {type(block).__name__}, not a Block; remember labelled "
                                "Blocks, with the training data's labels")
        if block.label not in labels:
            said = "has no label" if not block.label else f"is labelled {block.label!r}, a label the training data has not"
            raise TrainingError(f"remember: block {position} (page {block.page!r} index {block.index}) {said}; "
                                "remember labelled blocks, with the training data's labels")


def _fit_plain(blocks: list[Block], labels: list[str], sample_weight, params: dict):
    """The plain-text model: fitted on ``blocks`` with every link written as its text, and
    returned as its arrays (the bundle's own form, so it crosses from a worker process as
    data) with its training metrics."""
    plain_blocks = [replace(b, text=without_links(b.text)) for b in blocks]
    try:
        plain_classifier, plain = _fit_compiled(plain_blocks, labels, sample_weight, params)
    except TrainingError as exc:
        raise TrainingError(f"the plain-text model (your blocks with their links written as text): {exc}; or train "
                            f"without it ({setting('plain_text_model', False)})") from None
    spec, arrays = plain.to_arrays()
    return spec, arrays, _training_metrics(plain_classifier, plain_blocks, labels)


def _fit_compiled(blocks: list[Block], labels: list[str], sample_weight, params: dict):
    """A fitted BlockClassifier and its compiled form, checked to agree."""
    classifier = BlockClassifier(**params).fit(blocks, labels, sample_weight=sample_weight)
    compiled = compile_classifier(classifier)
    check_compiled(classifier, compiled, blocks)
    return classifier, compiled


def check_compiled(classifier: BlockClassifier, compiled, blocks: Sequence[Block]) -> None:
    """Fail loudly if the compiled form's probabilities differ from the pipeline's on the
    first ``COMPILE_CHECK_BLOCKS`` blocks (a feature whose two definitions drifted apart)."""
    sample = list(blocks[:COMPILE_CHECK_BLOCKS])
    difference = float(np.abs(compiled.predict_proba(sample) - classifier.predict_proba(sample)).max())
    if difference > COMPILE_TOLERANCE:
        raise TrainingError(
            f"the compiled model differs from the trained pipeline by {difference:.2g} "
            f"(more than {COMPILE_TOLERANCE:g}): a feature is computed differently in training and tagging"
        )


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
    proba = classifier.first_pass_out_of_fold_
    if proba is not None:
        out_of_fold = classifier.classes_[proba.argmax(axis=1)]
        metrics["first_pass_grouped_cv_macro_f1"] = round(float(f1_score(labels, out_of_fold, average="macro")), 4)
    return metrics


def created_time() -> str:
    """When a model is made: now, or ``SOURCE_DATE_EPOCH`` (the reproducible-builds variable)
    when it is set, so that a rebuild can be checked byte for byte."""
    when = datetime.now(timezone.utc)
    try:
        epoch = source_date_epoch()
        if epoch is not None:
            when = datetime.fromtimestamp(epoch, timezone.utc)
    except (ValueError, OverflowError, OSError):  # (SettingError is a ValueError)
        warn(f"SOURCE_DATE_EPOCH={os.environ['SOURCE_DATE_EPOCH']!r} is not a number of seconds; the "
             "model's time is now's")
    return when.isoformat(timespec="seconds")


def environment_versions() -> dict:
    """The versions that made a model: a rebuild elsewhere is comparable when these match."""
    versions = {
        "blocktag_version": __version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
    }
    try:
        versions["scipy_version"] = package_metadata.version("scipy")
    except package_metadata.PackageNotFoundError:
        pass
    return versions
