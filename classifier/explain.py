"""Why each block got its label: the label, its confidence, the runner-up, and the features
that pushed the block towards its label most, read off the compiled model (no scikit-learn).

A logistic regression's decision for label k is a sum over features of value × weight_k.
A feature's *evidence* for the chosen label is its value times how much more it weighs for
that label than for the average label, so the strongest evidence is what set the block
apart. Measures are standardised, and the second pass's inputs (``context_window`` > 0) are
measured from their training average, so their evidence is relative to an average block.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .blocks import Block, as_int
from .errors import SettingError
from .bundle import MAIN_MODEL, MEMORY, PLAIN_TEXT_MODEL, ModelBundle, as_model
from .memory import NOT_REMEMBERED
from .tagging import SCORE_DECIMALS, TaggedBlock, batches, tagged_from_proba

DEFAULT_TOP = 5


@dataclass(frozen=True)
class Explanation:
    """A tagged block, its runner-up label and the evidence for its label, strongest first."""

    tagged: TaggedBlock
    runner_up: str
    evidence: list[tuple[str, float]]
    model: str = MAIN_MODEL  # or PLAIN_TEXT_MODEL: which of the bundle's models read the block's page
    remembered: bool = False  # the label is the user's own for a block that reads the same

    def to_record(self) -> dict:
        return {
            **self.tagged.to_record(),
            "runner_up": self.runner_up,
            "evidence": [{"feature": name, "weight": round(weight, SCORE_DECIMALS)} for name, weight in self.evidence],
            "model": MEMORY if self.remembered else self.model,
        }


def explain_pages(model: ModelBundle | str | Path | None, pages: Iterable[list[Block]],
                  top: int = DEFAULT_TOP) -> Iterator[Explanation]:
    """Explain every block of ``pages`` (lists of a page's blocks, in order) with ``model`` (a
    bundle, a model file, or None for the shipped model)."""
    top = as_int(top)
    if type(top) is not int or top < 1:  # (2.5 or None would fail deep inside)
        raise SettingError("top", top, "give a whole number of features from 1")
    return _explained(as_model(model), pages, top)  # the checks above at the call, not at the first page


def _explained(model: ModelBundle, pages: Iterable[list[Block]], top: int) -> Iterator[Explanation]:
    labels = model.labels
    for batch in batches(pages):
        proba = model.predict_proba(batch)
        order = np.argsort(-proba, axis=1, kind="stable")
        evidence = model.evidence(batch, order[:, 0], top)
        which = [PLAIN_TEXT_MODEL if plain else MAIN_MODEL for plain in model.plain_rows(batch).tolist()]
        remembered = (model.remembered(batch) != NOT_REMEMBERED).tolist()
        if any(remembered):  # a remembered block's runner-up: what the models would have said
            own = np.argsort(-model.models_proba(batch), axis=1, kind="stable")
            for i in np.flatnonzero(remembered).tolist():
                order[i, 1] = next(k for k in own[i] if k != order[i, 0])
        for tagged, ranked, items, by, known in zip(tagged_from_proba(batch, labels, proba), order, evidence, which,
                                                    remembered):
            yield Explanation(tagged, labels[ranked[1]], items, by, known)
