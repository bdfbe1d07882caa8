"""Every feature the model can read, each defined once.

A feature is either n-grams of a text derived from each block (TF-IDF weighted) or a matrix
of measures (standard-scaled). Its entry here says how to extract it and how it is
vectorised; the scikit-learn pipeline (:mod:`classifier.features`), the compiled model that
tags with numpy alone (:mod:`classifier.inference`) and ``blocktag explain`` all look
features up here by name. Adding a feature means registering it here and naming it in
``BlockClassifier(features=...)``: nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from . import measures
from .blocks import Block
from .ngrams import BatchTokens, NgramCounter


@dataclass(frozen=True)
class NgramFeature:
    """TF-IDF of n-grams of a text made from each block.

    ``ngram_param`` names the :class:`~classifier.model.BlockClassifier` parameter that gives
    the n-gram range, so it can be tuned like any other; ``describe`` turns an n-gram into
    the words ``explain`` shows.
    """

    name: str
    texts: Callable[[Sequence[Block]], list[str]]
    analyzer: str  # "word" or "char", as scikit-learn's CountVectorizer reads them
    lowercase: bool
    ngram_param: str
    describe: Callable[[str], str]
    min_df: int = 2
    # The same unigrams as ``texts`` give, already split for the whole batch (lower-cased
    # when ``lowercase``), or None for a batch it cannot split: read instead of the texts
    # when the feature counts single words, as it is faster (a test holds the two equal).
    tokens: Callable[[Sequence[Block]], BatchTokens | None] | None = None

    kind = "ngrams"

    def counted(self, blocks: Sequence[Block], counter: NgramCounter,
                rows: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
        """The vocabulary n-grams of ``blocks`` (or of the blocks at ``rows``, each read in
        the whole batch) as ``counter`` counts them: (text number, column) pairs, and the
        number of texts."""
        n = len(blocks) if rows is None else len(rows)
        if self.tokens is not None and counter.reads_tokens:
            tokens = self.tokens(blocks)
            if tokens is not None:
                return (*counter.count_tokens(tokens, rows), n)
        texts = self.texts(blocks)
        if rows is not None:
            texts = [texts[i] for i in rows]
        return (*counter.count(texts), n)


@dataclass(frozen=True)
class MeasureFeature:
    """Numbers measured of each block (in page context), standard-scaled.

    ``measure(blocks, **settings)`` returns one row a block; ``columns(**settings)`` names
    the columns. ``settings`` are the names of ``BlockClassifier`` parameters passed on.
    """

    name: str
    measure: Callable[..., np.ndarray]
    columns: Callable[..., list[str]]
    settings: tuple[str, ...] = field(default=())

    kind = "measures"


FEATURES: dict[str, NgramFeature | MeasureFeature] = {}


def register(feature: NgramFeature | MeasureFeature) -> NgramFeature | MeasureFeature:
    """Add ``feature`` to the registry (replacing one of the same name)."""
    FEATURES[feature.name] = feature
    return feature


def ngram_params() -> tuple[str, ...]:
    """The :class:`~classifier.model.BlockClassifier` parameters that give the registered
    n-gram features' ranges."""
    return tuple(dict.fromkeys(spec.ngram_param for spec in FEATURES.values() if isinstance(spec, NgramFeature)))


def feature(name: str) -> NgramFeature | MeasureFeature:
    try:
        return FEATURES[name]
    except KeyError:
        from .errors import ModelError

        raise ModelError(
            f"unknown feature {name!r}; known: {', '.join(sorted(FEATURES))}"
        ) from None


def _word(word: str) -> str:
    """A word of the word features as explain names it: "link" is also what a link's text
    is marked with (the word TF-IDF reads ``⟦link⟧`` beside it), so it says both."""
    return 'a link (or the word "link")' if word == measures.LINK_WORD else f'word "{word}"'


def _edge_word(opening: bool, word: str) -> str:
    """One of a block's opening or closing words as explain names it (see :func:`_word`)."""
    if word == measures.LINK_WORD:
        return f'{"opens" if opening else "ends"} with a link (or the word "link")'
    return f'{"opening" if opening else "closing"} word "{word}"'


def _neighbour_columns(neighbours: tuple[int, ...]) -> list[str]:
    names = list(measures.SHAPE_FEATURES)
    for offset in neighbours:
        names += [f"{offset:+d} {n}" for n in measures.SHAPE_FEATURES] + [f"{offset:+d} exists"]
    return names


register(NgramFeature(
    "words", measures.block_texts, analyzer="word", lowercase=True, ngram_param="word_ngrams",
    describe=_word, tokens=measures.block_tokens,
))
register(NgramFeature(
    "edge_words", measures.block_edge_words, analyzer="word", lowercase=True, ngram_param="edge_ngrams",
    describe=lambda gram: " ".join(
        _edge_word(word[:1] == "s", word[1:]) for word in gram.split(" ")),
    tokens=measures.block_edge_tokens,
))
def _visible_edges(gram: str) -> str:
    """A shape n-gram with the spaces at its edges shown (``␣⋯$``: a word's start, then prose
    to the end), which would otherwise read the same as the n-gram without them."""
    inner = gram.strip(" ")
    start = len(gram) - len(gram.lstrip(" "))
    end = len(gram) - len(gram.rstrip(" ")) if inner else 0
    return VISIBLE_SPACE * start + inner + VISIBLE_SPACE * end


VISIBLE_SPACE = "\u2423"  # ␣


register(NgramFeature(
    "word_shapes", measures.block_shapes, analyzer="char", lowercase=False, ngram_param="shape_ngrams",
    describe=lambda gram: f"shape {_visible_edges(gram)}",
))
register(NgramFeature(
    "link_targets", measures.block_link_targets, analyzer="word", lowercase=True, ngram_param="link_ngrams",
    describe=lambda gram: f'link to "{gram}"', min_df=2,
))
register(MeasureFeature(
    "shape", lambda blocks, neighbours: measures.shape_features(blocks, tuple(neighbours)),
    lambda neighbours: _neighbour_columns(tuple(neighbours)), settings=("neighbours",),
))
register(MeasureFeature(
    "position", lambda blocks: measures.position_features(blocks), lambda: list(measures.POSITION_FEATURES),
))
register(MeasureFeature(
    "images", lambda blocks: measures.image_features(blocks), lambda: list(measures.IMAGE_FEATURES),
))
register(MeasureFeature(
    "page_context", lambda blocks: measures.page_context_features(blocks), lambda: list(measures.PAGE_CONTEXT_FEATURES),
))

# page_context and link_targets are registered but off: on the real dev pages the first cost
# 0.03 macro-F1 on the studied sites, and the second made pages whose scraper kept link
# targets read unlike the same pages with "#" targets (see training/README.md).
DEFAULT_FEATURES = ("words", "edge_words", "word_shapes", "shape", "position", "images")
