"""``--param KEY=VALUE`` settings for ``train`` and ``cv``: typed from
:class:`~classifier.model.BlockClassifier`'s own defaults, so every parameter it has can be
set from the command line and none it lacks can.

    >>> parse_params(["C=2", "word_ngrams=1,3", "class_weight=balanced"])
    {'C': 2.0, 'word_ngrams': (1, 3), 'class_weight': 'balanced'}

Values a parameter cannot take (C=-1) are refused when the model is fitted, with the same
error the library gives.
"""

from __future__ import annotations

import inspect
from typing import Iterable

from .errors import TrainingError

NONE_WORDS = ("none", "null")


def model_defaults() -> dict:
    """BlockClassifier's parameters and their defaults."""
    from .model import BlockClassifier

    return {name: p.default for name, p in inspect.signature(BlockClassifier.__init__).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def parse_params(pairs: Iterable[str]) -> dict:
    """``KEY=VALUE`` strings as BlockClassifier keyword arguments, each value typed like the
    parameter's default. Raises :class:`TrainingError` for a malformed pair, an unknown key
    or a value of the wrong type."""
    defaults = model_defaults()
    parsed = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise TrainingError(f"--param {pair}: write KEY=VALUE, e.g. --param C=2")
        if key not in defaults:
            raise TrainingError(f"--param {pair}: unknown parameter {key!r}; known: {', '.join(sorted(defaults))}")
        parsed[key] = _typed(key, text, defaults[key], pair)
    return parsed


def _typed(key: str, text: str, default, pair: str):
    def bad(kind: str) -> TrainingError:
        return TrainingError(f"--param {pair}: {key} takes {kind} (default {_shown(default)})")

    if text.lower() in NONE_WORDS and (default is None or isinstance(default, str)):
        return None
    if isinstance(default, bool):
        if text.lower() not in ("true", "false"):
            raise bad("true or false")
        return text.lower() == "true"
    if isinstance(default, tuple):
        items = [t.strip() for t in text.split(",") if t.strip()]
        kind = type(default[0]) if default else str
        try:
            return tuple(kind(t) for t in items)
        except ValueError:
            raise bad(f"comma-separated {'numbers' if kind in (int, float) else 'names'}") from None
    for kind, name in ((int, "a whole number"), (float, "a number")):
        if isinstance(default, kind):
            try:
                return kind(text)
            except ValueError:
                raise bad(name) from None
    return text  # a name (class_weight and other string parameters)


def _shown(default) -> str:
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return str(default)


def validate_params(params: dict) -> None:
    """Refuse values BlockClassifier cannot take (C=-1) before any work, with the error its
    ``fit`` would give."""
    from .model import BlockClassifier

    BlockClassifier(**params)._validate()
