"""Adapting the model to your sites: train on the shipped corpus plus your own labelled pages.

The corpus (``training/data/*.jsonl`` in the checkout) ships inside the package as
``classifier/corpus/``, so an installed blocktag can retrain on it with the user's pages
added (``blocktag train my_labels.jsonl --with-corpus``). The user's blocks count ``weight``
times (``train(..., sample_weight=...)``): a few pages of one site are otherwise drowned by
the corpus's tens of thousands of blocks.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from . import __version__
from .blocks import MAX_WEIGHT, Block, block_list, check_page_order, is_weight, read_labelled, training_data_hash
from .errors import InputError, SettingError, TrainingError, on_command_line, warn

CORPUS_SUFFIX = ".jsonl"
# Chosen by benchmarks/adaptation.py (same-site curve): see benchmarks/README.md.
DEFAULT_USER_WEIGHT = 5.0


def corpus_dir() -> Path:
    """The shipped training corpus: inside the installed package, or the checkout's
    ``training/data/`` when running from source or an editable install."""
    packaged = resources.files("classifier") / "corpus"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "training" / "data"


def corpus_files() -> list[Path]:
    folder = corpus_dir()
    files = sorted(folder.glob(f"*{CORPUS_SUFFIX}")) if folder.is_dir() else []
    if not files:
        raise InputError(f"{folder}: the shipped training corpus is missing; reinstall blocktag")
    return files


def read_corpus() -> list[Block]:
    """Every block of the shipped corpus, in file order."""
    return read_labelled(corpus_files())


def check_weight(weight: float) -> None:
    if not is_weight(weight):
        raise SettingError("weight", weight, f"must be a number above 0 and at most {MAX_WEIGHT:g}, e.g. "
                                             f"{DEFAULT_USER_WEIGHT:g}")


def train_with_corpus(
    user_blocks: Sequence[Block],
    weight: float = DEFAULT_USER_WEIGHT,
    corpus: Sequence[Block] | None = None,
    source: str = "your labels",
    remember: bool = True,
    **params,
):
    """Train on ``corpus`` (default: the shipped one) plus ``user_blocks`` weighted ``weight``.

    With ``remember``, the user's blocks are also remembered word for word
    (:mod:`classifier.memory`): sites repeat their chrome from page to page. Returns a
    :class:`~classifier.bundle.ModelBundle` whose metadata names both sources (``sources``:
    each one's sha256, pages and blocks) and the weight used.
    """
    from .model import train

    for name in ("sample_weight", "sources"):  # set here: the corpus's blocks count once, yours `weight` times
        if name in params:
            raise SettingError(name, params[name], "train_with_corpus sets it; weigh your blocks with weight=, or a "
                                                   "block of its own with its 'weight' field")
    if not isinstance(remember, (bool, np.bool_)):  # ("yes", or blocks meant for train()'s remember=)
        raise SettingError("remember", remember, "give True or False: train_with_corpus remembers your blocks itself")
    user_blocks = block_list(user_blocks, source)
    check_page_order(user_blocks, source)  # named by their place in the user's blocks, not in the corpus's
    if not user_blocks:
        raise TrainingError(f"{source}: no labelled blocks to add to the corpus")
    unlabelled = next((b for b in user_blocks if not b.label), None)
    if unlabelled is not None:  # (said before any warning about the labels it does have)
        raise TrainingError(f"{source}: block {unlabelled.index} of page {unlabelled.page!r} has no label")
    check_weight(weight)
    # Named, not located: a shared model holds no path of the machine that trained it.
    corpus_name = f"the corpus shipped with blocktag {__version__}" if corpus is None else "a corpus given"
    shipped = corpus is None
    corpus = list(read_corpus() if corpus is None else corpus)
    _check_disjoint(corpus, user_blocks, source, "the shipped corpus" if shipped else "the corpus given")
    corpus_labels = {b.label for b in corpus}
    new_labels = Counter(b.label for b in user_blocks if b.label not in corpus_labels)
    if new_labels:  # a label of the team's own, or a typo: either way the corpus teaches it nothing
        named = ", ".join(f"{label!r} ({n} block{'s' if n != 1 else ''})" for label, n in sorted(new_labels.items()))
        warn(f"label(s) the corpus does not have: {named}; learnt from your blocks alone")
    sources = {
        "corpus": _describe(corpus, corpus_name),
        # `weight` multiplies a block's own 'weight' (a record's), as train() counts it
        "user": {**_describe(user_blocks, source), "weight": float(weight),
                 "own_weights": sum(b.weight != 1.0 for b in user_blocks)},
    }
    weights = [1.0] * len(corpus) + [float(weight)] * len(user_blocks)
    return train(corpus + user_blocks, source=source, sample_weight=weights, sources=sources,
                 remember=user_blocks if remember else (), **params)


def _describe(blocks: Sequence[Block], where: str) -> dict:
    return {"from": where, "sha256": training_data_hash(blocks), "pages": len({b.page for b in blocks}),
            "blocks": len(blocks)}


def _check_disjoint(corpus: Sequence[Block], user: Sequence[Block], source: str,
                    corpus_name: str = "the shipped corpus") -> None:
    """A user page named like a corpus page would be read as one page with it."""
    corpus_pages = {b.page for b in corpus}
    clash = next((b.page for b in user if b.page in corpus_pages), None)
    if clash is not None:
        drop = "drop --with-corpus" if on_command_line() else "train them with train, not train_with_corpus,"
        raise TrainingError(f"{source}: page {clash!r} is also a page of {corpus_name}; {drop} if these are corpus "
                            "files, or rename your page")
