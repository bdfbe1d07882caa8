"""The trained model as plain arrays: what tagging, evaluating and explaining need, with
numpy alone.

A fitted :class:`~classifier.model.BlockClassifier` is only arithmetic: TF-IDF weights over
vocabularies, scaled measures and logistic regressions. :func:`compile_classifier` copies
those numbers out, looking each feature up in :mod:`classifier.registry` by name, and
:class:`CompiledModel` computes the same probabilities from them with the functions of
:mod:`classifier.measures` (``train`` checks that they agree). Importing scikit-learn
takes about a second, and a pickle can run code when loaded; this form needs neither, and
is what a model file holds (:mod:`classifier.bundle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np

from .blocks import Block, is_label_name
from .measures import POSITION_FEATURES, SHAPE_WINDOW_CHARS, context_matrix
from .ngrams import NgramCounter, tfidf_cells
from .registry import NgramFeature, feature


@dataclass
class Part:
    """One registered feature's block of columns: its fitted numbers and settings.

    An n-gram part holds its ``vocabulary`` (n-grams in column order) and ``idf``; a
    measure part holds the scaler's ``mean`` and ``scale``.
    """

    name: str
    offset: int
    settings: dict = field(default_factory=dict)
    vocabulary: list[str] | None = None
    idf: np.ndarray | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    def __post_init__(self):
        self.spec = feature(self.name)

    @cached_property
    def counter(self) -> NgramCounter:
        """The n-gram counter, built on first use: a model's plain-text half is loaded with it
        but only tags pages without links, so most runs never build its lookup tables."""
        index = {gram: k for k, gram in enumerate(self.vocabulary)}
        return NgramCounter(index, self.spec.analyzer, tuple(self.settings["ngram_range"]), self.spec.lowercase)

    @property
    def numbers(self) -> tuple:
        """The part's fitted arrays: ``(idf,)``, or ``(mean, scale)``."""
        return (self.idf,) if self.vocabulary is not None else (self.mean, self.scale)

    @property
    def width(self) -> int:
        return len(self.vocabulary) if self.vocabulary is not None else len(self.mean)

    def cells(self, blocks: Sequence[Block], rows: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The part's non-zero values for ``blocks`` (or only the blocks at ``rows``, each read
        in the whole batch): rows (numbered among those blocks), columns (within the part),
        values."""
        if isinstance(self.spec, NgramFeature):
            if not self.vocabulary:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
            return tfidf_cells(*self.spec.counted(blocks, self.counter, rows), self.idf)
        values = self.scaled(blocks, rows)
        at, columns = np.indices(values.shape)
        return at.ravel(), columns.ravel(), values.ravel()

    def scaled(self, blocks: Sequence[Block], rows: Sequence[int] | None = None) -> np.ndarray:
        """A measure part's scaled values for ``blocks`` (or the blocks at ``rows``)."""
        values = self.spec.measure(blocks, **self.settings)
        if rows is not None:
            values = values[np.asarray(rows, dtype=np.int64)]
        return (values - self.mean) / self.scale

    def describe(self, name: str, column: int, value: float) -> str:
        """A column as ``explain`` shows it: an n-gram's name, or a measure with its value
        (before scaling)."""
        if self.vocabulary is not None:
            return name
        # Unscaled, the value carries floating-point dust (3.5e-18 for 0): rounded away.
        return readable_measure(name, round(value * self.scale[column] + self.mean[column], 9) + 0.0)

    def column_names(self) -> list[str]:
        if self.vocabulary is not None:
            return [self.spec.describe(gram) for gram in self.vocabulary]
        return self.spec.columns(**self.settings)


_NEIGHBOURS = {"-1": "previous block", "+1": "next block"}


# How explain names a measure (its column's name less "log_", as the value is shown unlogged),
# where the name alone would puzzle a reader; the others read as their words ("link share").
_MEASURE_PHRASES = {
    "relative": "how far down the page (0 to 1)", "from_top": "blocks above it", "from_bottom": "blocks below it",
    "page_blocks": "blocks on the page", "chars": "characters", "whole_link": "all one link",
    "starts_by": 'opens with "By"', "starts_credit": "opens with a credit (Photo:, Credit:)",
    "capitalised_word_share": "capitalised words' share", "has_month_date": "has a date with a month",
    "has_clock": "has a clock time", "has_zone": "has a time zone", "has_email": "has an e-mail address",
    "has_handle": "has an @handle", "has_copyright": "has ©", "has_pipe": "has |",
    "code_mark_share": "share of { } ; =", "image_text_share": "share that is image alt text",
    "is_first": "first block", "is_last": "last block",
    # counted in the block's first SHAPE_WINDOW_CHARS characters, as the model reads them
    "words": f"words (first {SHAPE_WINDOW_CHARS} characters)", "links": f"links (first {SHAPE_WINDOW_CHARS} characters)",
    "lines": f"line breaks (first {SHAPE_WINDOW_CHARS} characters)",
    "sentence_marks": f"sentence ends (first {SHAPE_WINDOW_CHARS} characters)",
}
# Measures kept as log(1 + count) under a name without "log_": shown as the count.
_LOGGED = ("sentence_marks",)
# Measures that are 0 or 1, shown as no or yes.
_YES_NO = ("has_", "is_", "starts_", "whole_link", "exists")


def readable_measure(name: str, value: float) -> str:
    """A measure column and its value as a person reads them: "next block: words 33",
    "opens with "By": yes"."""
    where, _, measure = name.rpartition(" ")
    where = _NEIGHBOURS.get(where, f"block {where}") + ": " if where else ""
    if measure.startswith("log_") or measure in _LOGGED:
        measure, value = measure.removeprefix("log_"), float(np.expm1(value))
    phrase = _MEASURE_PHRASES.get(measure, measure.replace("_", " "))
    if measure.startswith(_YES_NO) and value in (0.0, 1.0):
        return f"{where}{phrase}: {'yes' if value else 'no'}"
    shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"  # (1,234, not 1.23e+03)
    return f"{where}{phrase} {shown}"


def small_product(values: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``values @ coef.T`` for a batch's few measure columns and six labels, without BLAS: a
    BLAS product this small is no faster, and its threads spin on every core between calls
    (a one-process run used both cores of the machine for the time of one)."""
    return np.einsum("ij,kj->ik", values, coef)


@dataclass
class LogisticLayer:
    """A fitted logistic regression: decision values ``X @ coef.T + intercept``."""

    coef: np.ndarray
    intercept: np.ndarray

    @cached_property
    def coef_by_column(self) -> np.ndarray:
        """The coefficients a feature column at a time (columns by labels), each column's
        contiguous in memory."""
        return np.ascontiguousarray(self.coef.T)

    @cached_property
    def relative_coef(self) -> np.ndarray:
        """The coefficients (labels by columns) less their mean over labels: how much a
        feature pushes towards each label rather than the others (what explain shows). Two
        labels' one row of coefficients speaks for the second against the first."""
        coef = self.coef
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        return coef - coef.mean(axis=0)

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        """LogisticRegression.predict_proba from decision values."""
        if scores.shape[1] == 1:  # two labels: one decision column, the second label's
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores = scores - scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores


def _measure_width(part) -> int | None:
    """How many columns a measure part's definition makes with the part's settings (None
    when its settings are of a kind the definition cannot read: an edited file)."""
    try:
        columns = part.spec.columns(**part.settings)
    except (TypeError, ValueError):
        return None
    settings_ok = all(type(n) is int for value in part.settings.values() if isinstance(value, list) for n in value)
    return len(columns) if settings_ok else None


class CompiledModel:
    """Probabilities, and the evidence behind them, of a fitted BlockClassifier, from its
    numbers alone."""

    def __init__(self, classes: list[str], parts: list[Part], first: LogisticLayer,
                 context: LogisticLayer | None = None, context_window: int = 0,
                 context_mean: np.ndarray | None = None):
        self.classes = list(classes)
        self.parts = parts
        self.first = first
        self.context = context
        self.context_window = context_window
        # The second pass's average input in training (None in models made before it was
        # kept): its evidence is a value's distance from it, as the scaled measures' is.
        self.context_mean = context_mean

    def build_lookups(self) -> None:
        """Build every n-gram part's lookup tables now rather than on first use."""
        for part in self.parts:
            if part.vocabulary:
                part.counter

    def first_pass_scores(self, blocks: Sequence[Block], rows: Sequence[int] | None = None) -> np.ndarray:
        """Decision values of ``blocks``, or of the blocks at ``rows`` only. Features are read
        in the whole batch either way (its texts and measures are computed once, and shared
        with another model reading the same batch)."""
        n = len(blocks) if rows is None else len(rows)
        scores = np.tile(self.first.intercept, (n, 1))
        for part in self.parts:
            if part.vocabulary is None:  # dense measures: one matrix product
                scores += small_product(part.scaled(blocks, rows), self.first.coef[:, part.offset: part.offset + part.width])
                continue
            at, columns, values = part.cells(blocks, rows)
            if not len(at):
                continue
            # Each cell's weight for every label, summed over each row's run of cells (the
            # cells come sorted by row): one gather of contiguous coefficient rows.
            weights = self.first.coef_by_column[part.offset + columns] * values[:, None]
            first = np.flatnonzero(np.concatenate(([True], at[1:] != at[:-1])))
            scores[at[first]] += np.add.reduceat(weights, first, axis=0)
        return scores

    def predict_proba(self, blocks: Sequence[Block], rows: Sequence[int] | None = None) -> np.ndarray:
        """Probabilities of ``blocks``, or of the blocks at ``rows`` (whole pages, no two
        pages of one name next to each other once the others are left out)."""
        if not len(blocks) or (rows is not None and not len(rows)):
            return np.zeros((0, len(self.classes)))
        proba = self.first.probabilities(self.first_pass_scores(blocks, rows))
        if self.context is not None:
            chosen = blocks if rows is None else [blocks[i] for i in rows]
            matrix = context_matrix(proba, chosen, self.context_window)
            proba = self.context.probabilities(small_product(matrix, self.context.coef) + self.context.intercept)
        return proba

    def evidence(self, blocks: Sequence[Block], label_index: Sequence[int], top: int,
                 rows: Sequence[int] | None = None) -> list[list[tuple[str, float]]]:
        """For each block (of ``rows``, if given; ``label_index`` follows them), the ``top``
        first-pass features that pushed it most towards the label ``label_index[i]`` rather
        than the others: (readable name, contribution to the decision value, relative to the
        mean over labels), strongest first. Measures are scaled, so theirs is relative to an
        average block's value."""
        relative = self.first.relative_coef
        found: list[list[tuple[str, float]]] = [[] for _ in (blocks if rows is None else rows)]
        if len(label_index) != len(found):
            raise ValueError(f"{len(label_index)} labels for {len(found)} blocks")
        for part in self.parts:
            at, columns, values = part.cells(blocks, rows)
            names = None
            weights = values * relative[np.asarray(label_index)[at], part.offset + columns]
            for row, column, value, weight in zip(at.tolist(), columns.tolist(), values.tolist(), weights.tolist()):
                if weight > 0:
                    if names is None:
                        names = part.column_names()
                    found[row].append((part.describe(names[column], column, value), weight))
        if self.context is not None:
            self._context_evidence(blocks, label_index, found, rows)
        return [sorted(items, key=lambda item: -item[1])[:top] for items in found]

    def _context_evidence(self, blocks, label_index, found, rows=None) -> None:
        """The second pass's part: what the block's and its neighbours' first-pass
        probabilities contributed, named apart from the first pass's measures ("context:") and
        with the block's value ("context: next block caption 0.91", "context: previous block
        exists 0"): measured from the training average, a value below it is evidence too, and
        the name says which it was."""
        proba = self.first.probabilities(self.first_pass_scores(blocks, rows))
        matrix = context_matrix(proba, blocks if rows is None else [blocks[i] for i in rows], self.context_window)
        relative = self.context.relative_coef[np.asarray(label_index)]
        names = [f"context: this block {label}" for label in self.classes]
        for offset in range(-self.context_window, self.context_window + 1):
            if offset:
                where = _NEIGHBOURS.get(f"{offset:+d}", f"block {offset:+d}")
                names += [f"context: {where} {label}" for label in self.classes] + [f"context: {where} exists"]
        positions = len(names)
        # or a page-length column, the same for every label, would lead
        centred = matrix - self.context_mean if self.context_mean is not None else matrix
        contributions = centred * relative
        for row, items in enumerate(found):
            for column in np.flatnonzero(contributions[row] > 0):
                value = round(float(matrix[row, column]), 9) + 0.0
                name = (f"{names[column]} {value:.2g}" if column < positions
                        else "context: " + readable_measure(POSITION_FEATURES[column - positions], value))
                items.append((name, float(contributions[row, column])))

    # ------------------------------------------------------------------ as arrays

    def to_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        """A JSON-ready description and the named arrays that :meth:`from_arrays` reads."""
        arrays = {"first.coef": self.first.coef, "first.intercept": self.first.intercept}
        described = []
        for k, part in enumerate(self.parts):
            described.append({"name": part.name, "offset": part.offset, "settings": part.settings})
            if part.vocabulary is not None:
                arrays[f"part{k}.idf"] = part.idf
                described[-1]["vocabulary"] = part.vocabulary
            else:
                arrays[f"part{k}.mean"], arrays[f"part{k}.scale"] = part.mean, part.scale
        if self.context is not None:
            arrays["context.coef"], arrays["context.intercept"] = self.context.coef, self.context.intercept
        spec = {"classes": self.classes, "parts": described, "context_window": self.context_window}
        if self.context_mean is not None:  # in the JSON: a format older readers pass over
            spec["context_mean"] = self.context_mean.tolist()
        return spec, arrays

    @classmethod
    def from_arrays(cls, spec: dict, arrays: dict[str, np.ndarray]) -> "CompiledModel":
        parts = []
        for k, described in enumerate(spec["parts"]):
            if "vocabulary" in described:
                numbers = {"vocabulary": list(described["vocabulary"]), "idf": arrays[f"part{k}.idf"]}
            else:
                numbers = {"mean": arrays[f"part{k}.mean"], "scale": arrays[f"part{k}.scale"]}
            parts.append(Part(described["name"], int(described["offset"]), dict(described["settings"]), **numbers))
        context = None
        if "context.coef" in arrays:
            context = LogisticLayer(arrays["context.coef"], arrays["context.intercept"])
        mean = spec.get("context_mean")
        model = cls(spec["classes"], parts, LogisticLayer(arrays["first.coef"], arrays["first.intercept"]),
                    context, int(spec.get("context_window", 0)),
                    None if mean is None else np.asarray(mean, dtype=np.float64))
        model.check_arrays()
        return model

    def check_arrays(self) -> None:
        """Raise ValueError unless the model is whole (a damaged or edited file): distinct
        labels, each feature's columns right after the last's with the settings its
        definition takes, and every array of the right shape, holding finite numbers (a
        scale above 0). A model that loads, tags sensibly."""
        if (len(self.classes) < 2 or len(set(self.classes)) != len(self.classes)
                or not all(is_label_name(c) for c in self.classes)):
            raise ValueError("its labels are not two or more distinct names (without control characters)")
        n_scores = 1 if len(self.classes) == 2 else len(self.classes)
        offset = 0
        for part in self.parts:
            if part.offset != offset:
                raise ValueError(f"feature {part.name!r} starts at column {part.offset}, not {offset}")
            allowed = {"ngram_range"} if part.vocabulary is not None else set(part.spec.settings)
            if set(part.settings) != allowed:
                raise ValueError(f"feature {part.name!r} has settings {sorted(part.settings)}, not {sorted(allowed)}")
            span = part.settings.get("ngram_range")
            if part.vocabulary is not None and not (isinstance(span, list) and len(span) == 2
                                                    and all(type(n) is int for n in span) and 1 <= span[0] <= span[1]):
                raise ValueError(f"feature {part.name!r} has an n-gram range that is no two lengths")
            if any(a is None or a.shape != (part.width,) for a in part.numbers):
                raise ValueError(f"feature {part.name!r} is damaged")
            if part.vocabulary is not None and (not all(isinstance(g, str) for g in part.vocabulary)
                                                or len(set(part.vocabulary)) != len(part.vocabulary)):
                raise ValueError(f"feature {part.name!r} has a vocabulary that is no list of distinct n-grams")
            if part.vocabulary is None and not (part.scale > 0).all():
                raise ValueError(f"feature {part.name!r} has a scale that is not above 0")
            if part.vocabulary is None and (made := _measure_width(part)) != part.width:
                raise ValueError(f"feature {part.name!r} has {part.width} columns; its settings "
                                 f"{part.settings} make {made}")
            offset += part.width
        layers = [(self.first, offset)]
        if self.context is not None:
            dummy = context_matrix(np.full((1, len(self.classes)), 1.0 / len(self.classes)), [Block("p", 0, "")],
                                   self.context_window)
            layers.append((self.context, dummy.shape[1]))
            if self.context_mean is not None and self.context_mean.shape != (dummy.shape[1],):
                raise ValueError("the second pass's average input does not match its features")
        for layer, width in layers:
            if layer.coef.shape != (n_scores, width) or layer.intercept.shape != (n_scores,):
                raise ValueError("coefficients do not match the features")
        arrays = [a for layer, _ in layers for a in (layer.coef, layer.intercept)]
        arrays += [a for part in self.parts for a in part.numbers]
        arrays += [] if self.context is None or self.context_mean is None else [self.context_mean]
        if not all(np.issubdtype(a.dtype, np.floating) and np.isfinite(a).all() for a in arrays):
            raise ValueError("it holds numbers that are not finite floats")


def compile_classifier(classifier) -> CompiledModel:
    """The numbers of a fitted BlockClassifier, each feature found by its registered name."""
    from .features import Measures, NgramTfidf

    pipeline = classifier.first_pass_
    union, logistic = pipeline.named_steps["features"], pipeline.named_steps["classify"]
    parts, offset = [], 0
    for name, steps in union.transformer_list:
        first, last = steps.steps[0][1], steps.steps[-1][1]
        if isinstance(first, NgramTfidf):
            vocabulary = sorted(first.vocabulary_, key=first.vocabulary_.get)
            part = Part(name, offset, {"ngram_range": list(first.ngram_range)}, vocabulary=vocabulary,
                        idf=np.asarray(first.idf_, dtype=np.float64))
        elif isinstance(first, Measures):
            settings = {k: list(v) if isinstance(v, tuple) else v for k, v in (first.settings or {}).items()}
            part = Part(name, offset, settings, mean=np.asarray(last.mean_, dtype=np.float64),
                        scale=np.asarray(last.scale_, dtype=np.float64))
        else:
            raise TypeError(f"feature {name!r} is not a registered feature's transformer")
        parts.append(part)
        offset += part.width
    first = LogisticLayer(np.asarray(logistic.coef_, dtype=np.float64), np.asarray(logistic.intercept_, dtype=np.float64))
    context = None
    if getattr(classifier, "context_", None) is not None:
        context = LogisticLayer(np.asarray(classifier.context_.coef_, dtype=np.float64),
                                np.asarray(classifier.context_.intercept_, dtype=np.float64))
    mean = getattr(classifier, "context_mean_", None)
    model = CompiledModel([str(c) for c in classifier.classes_], parts, first, context, int(classifier.context_window),
                          None if context is None or mean is None else np.asarray(mean, dtype=np.float64))
    model.check_arrays()
    return model
