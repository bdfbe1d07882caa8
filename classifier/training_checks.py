"""Whether labelled blocks can teach a model, checked before scikit-learn is called.

Too little data otherwise surfaces as a scikit-learn ``ValueError`` ("After pruning, no
terms remain") that says nothing about the data. :func:`check_trainable` says what is
missing instead, as a :class:`TrainingError` naming the data.
"""

from __future__ import annotations

import difflib
import re
from typing import Iterable, Sequence

from .blocks import GUIDE_LABELS, Block, check_page_order, is_label_name, unprintable_label
from .errors import TrainingError
from .ngrams import WORD_TOKEN_PATTERN

# Fewer blocks than this cannot show a model what a page looks like.
MIN_TRAINING_BLOCKS = 10
# Words as the word features find them (lower-cased).
_WORD = re.compile(WORD_TOKEN_PATTERN)


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
    unprintable = next((label for label in labels if isinstance(label, str) and not is_label_name(label)), None)
    if unprintable is not None:  # a model's labels are printed in every output
        raise TrainingError(f"{source}: {unprintable_label(unprintable)}")
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


def label_typos(labels: Iterable[str]) -> dict[str, str]:
    """The labels that look like a misspelling of one of the guide's ("Body", "bylne"), each
    with the label it likely means. A team's own labels are allowed; one this close to a
    guide label is a typo more often than a new kind of block, and is learnt as a label of
    its own."""
    typos = {}
    for label in set(labels) - set(GUIDE_LABELS):
        folded = label.strip().lower()
        close = difflib.get_close_matches(folded, GUIDE_LABELS, n=1, cutoff=TYPO_LIKENESS)
        # Two letters swapped ("bdoy") score under the likeness in a short label.
        swapped = [guide for guide in GUIDE_LABELS if sorted(guide) == sorted(folded)]
        if close or swapped:
            typos[label] = (close or swapped)[0]
    return dict(sorted(typos.items()))


# How alike (difflib's ratio) a label must be to a guide label to be taken for its misspelling:
# "bylne" and "Caption " are, "sponsored" and "advert" are not.
TYPO_LIKENESS = 0.8


def typo_note(counts: dict[str, int]) -> str | None:
    """What to say of ``counts`` (label -> blocks)' likely misspellings, or None."""
    typos = label_typos(counts)
    if not typos:
        return None
    named = ", ".join(f"{label!r} ({counts[label]} block{'s' if counts[label] != 1 else ''}; {meant!r}?)"
                      for label, meant in typos.items())
    return f"label(s) that look misspelt: {named}; each is learnt as a label of its own. Fix them, or ignore this for labels of your own"
