"""Remembered blocks: a block of a new page that reads as one of the user's own labelled
blocks takes the user's label.

A site repeats its chrome, bylines and widgets from page to page. When a user labels a few
pages of their site (``train --with-corpus``), the model learns from them, and the blocks
themselves are remembered. On real sites, one labelled page lifts the site's other pages by
+0.02 to +0.04 macro-F1 remembered alone, and by +0.04 to +0.06 retrained and remembered,
where remembering adds up to +0.008 to retraining (``benchmarks/README.md``, "Real pages,
same site").

Blocks are matched on their text as the features read it (any link dialect), each link
written as its text, lower-cased, each run of digits as 0 and of white space as one space,
so a page's own dates, counts and link targets do not stop a match. A text the user
labelled two ways is not remembered. (Texts without a letter are remembered too: a site's
lone counters and separators recur, and leaving them out cost 0.016 macro-F1 on the study
pages of the real-page adaptation benchmark.) Only an 8-byte hash of each text is kept, not
the text: the memory does not carry the remembered blocks' words (the model's vocabularies
still hold every word seen in two or more training blocks).
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from .blocks import Block
from .dialects import canonical, links_as_text, without_links
from .measures import MAX_FEATURE_CHARS, canonical_texts

KEY_BYTES = 8
NOT_REMEMBERED = -1
_DIGIT = re.compile(r"\d+")


def block_key(text: str) -> int:
    """The hash a block is remembered by (see the module's docstring)."""
    return _key(without_links(text))


def _key(linkless: str) -> int:
    normalised = " ".join(_DIGIT.sub("0", linkless.lower()).split())
    return int.from_bytes(hashlib.blake2b(normalised.encode("utf-8"), digest_size=KEY_BYTES).digest(), "little")


def _block_keys(blocks: Sequence[Block]) -> np.ndarray:
    """:func:`block_key` of each block, from the canonical texts the model has already made
    of the batch (they are cut at ``MAX_FEATURE_CHARS``: a longer block is read whole here)."""
    texts = canonical_texts(blocks)
    return np.fromiter((_key(links_as_text(text if len(b.text) <= MAX_FEATURE_CHARS else canonical(b.text)))
                        for b, text in zip(blocks, texts)), dtype=np.uint64, count=len(blocks))


class Memory:
    """Labelled blocks' keys (sorted) and their labels' indices into ``labels``."""

    def __init__(self, keys: np.ndarray, label_index: np.ndarray):
        keys, label_index = np.asarray(keys, dtype=np.uint64), np.asarray(label_index, dtype=np.int64)
        if keys.shape != label_index.shape or keys.ndim != 1:
            raise ValueError("a memory needs one label for each key")
        order = np.argsort(keys, kind="stable")
        self.keys, self.label_index = keys[order], label_index[order]

    @classmethod
    def of_blocks(cls, blocks: Sequence[Block], labels: Sequence[str]) -> "Memory":
        """The memory of labelled ``blocks``; ``labels`` is the model's label list."""
        column = {label: k for k, label in enumerate(labels)}
        found: dict[int, int] = {}
        for block in blocks:
            key, label = block_key(block.text), column[block.label]
            found[key] = label if found.get(key, label) == label else NOT_REMEMBERED
        kept = {key: label for key, label in found.items() if label != NOT_REMEMBERED}
        return cls(np.fromiter(kept, dtype=np.uint64, count=len(kept)),
                   np.fromiter(kept.values(), dtype=np.int64, count=len(kept)))

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, blocks: Sequence[Block]) -> np.ndarray:
        """Each block's remembered label index, or ``NOT_REMEMBERED``."""
        found = np.full(len(blocks), NOT_REMEMBERED, dtype=np.int64)
        if not len(self.keys) or not len(blocks):
            return found
        keys = _block_keys(blocks)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        hit = self.keys[at] == keys
        found[hit] = self.label_index[at[hit]]
        return found

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"keys": self.keys, "labels": self.label_index}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], n_labels: int) -> "Memory":
        if not all(np.issubdtype(arrays[name].dtype, np.integer) for name in ("keys", "labels")):
            raise ValueError("its remembered blocks are not integer arrays")
        memory = cls(arrays["keys"], arrays["labels"])
        if len(memory) and not (0 <= memory.label_index.min() and memory.label_index.max() < n_labels):
            raise ValueError("a remembered block's label is not one of the model's")
        return memory
