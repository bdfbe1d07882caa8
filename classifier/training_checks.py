"""Whether labelled blocks can teach a model, checked before scikit-learn is called.

Too little data otherwise surfaces as a scikit-learn ``ValueError`` ("After pruning, no
terms remain") that says nothing about the data. :func:`check_trainable` says what is
missing instead, as a :class:`TrainingError` naming the data.
"""

from __future__ import annotations

import re
from typing import Sequence

from .blocks import Block, check_page_order
from .errors import TrainingError

# Fewer blocks than this cannot show a model what a page looks like.
MIN_TRAINING_BLOCKS = 10
# How scikit-learn's vectorisers find words (their default token pattern, lower-cased).
_WORD = re.compile(r"(?u)\b\w\w+\b")


def check_trainable(blocks: Sequence[Block], source: str = "training data") -> None:
    """Raise :class:`TrainingError` unless ``blocks`` are enough to train on: some blocks,
    every one labelled, at least two labels, at least ``MIN_TRAINING_BLOCKS`` blocks, and a
    word found in two blocks (the word vectoriser keeps only those: its ``min_df`` is 2);
    :class:`DataFormatError` unless each page's blocks come together, in index order."""
    if not blocks:
        raise TrainingError(f"{source}: no labelled blocks to train on")
    check_page_order(blocks, source)  # what the readers check in files, for blocks built by a caller
    unlabelled = next((b for b in blocks if not b.label), None)
    if unlabelled is not None:
        raise TrainingError(f"{source}: block {unlabelled.index} of page {unlabelled.page!r} has no label")
    labels = {b.label for b in blocks}
    if len(labels) < 2:
        raise TrainingError(
            f"{source}: every block is labelled {blocks[0].label!r}; a model needs blocks of at least two labels"
        )
    if len(blocks) < MIN_TRAINING_BLOCKS:
        raise TrainingError(
            f"{source}: only {len(blocks)} labelled blocks; training needs at least {MIN_TRAINING_BLOCKS} "
            "(several pages' worth is better)"
        )
    seen: set[str] = set()
    for block in blocks:
        words = set(_WORD.findall(block.text.lower()))
        if words & seen:
            return
        seen |= words
    raise TrainingError(
        f"{source}: no word occurs in more than one block, and the model learns only from words that "
        "recur; give it more text"
    )
