"""``--param KEY=VALUE`` settings for ``train`` and ``cv``: typed from
:class:`~classifier.model.BlockClassifier`'s own ``__init__`` (its annotations, else its
defaults), so every parameter it has can be set from the command line and none it lacks can.

    >>> parse_params(["C=2", "word_ngrams=1,3", "class_weight=balanced"])
    {'C': 2.0, 'word_ngrams': (1, 3), 'class_weight': 'balanced'}

Values are typed as the parameter is: whole numbers, numbers, names, ``none`` where the
parameter may be None, and comma-separated tuples (``1,3``; a ``tuple[int, int]`` takes
exactly two). A value the parameter cannot take (``C=-1``) is refused with the model's own
check. Every error of :func:`parse_params` starts with ``--param KEY=VALUE:``; keywords given
to ``train`` or ``cross_validate`` directly are checked by :func:`check_param_names`.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import types
import typing
from typing import Any, Iterable

from .errors import SettingError, TrainingError

NONE_WORDS = ("none", "null")
_NUMBER_KINDS = {int: "a whole number", float: "a number"}


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds variable, which a model records as its
    time) as seconds since 1970, or None where it is unset or empty; :class:`SettingError`
    where it is not ASCII digits, as reproducible-builds.org says."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not epoch:
        return None
    if not re.fullmatch(r"[0-9]+", epoch):
        raise SettingError("SOURCE_DATE_EPOCH", epoch, "give a number of seconds since 1970, or unset it")
    return int(epoch)


class ParameterError(TrainingError):
    """A ``--param`` that is malformed, unknown, or of a value the parameter cannot take."""


def model_parameters() -> dict[str, tuple[Any, Any]]:
    """BlockClassifier's parameters: name → (type annotation, default)."""
    from .model import BlockClassifier

    init = BlockClassifier.__init__
    try:
        hints = typing.get_type_hints(init)
    except Exception:  # an annotation this Python cannot evaluate: type from the defaults
        hints = {}
    return {
        name: (hints.get(name, type(p.default) if p.default is not None else str), p.default)
        for name, p in inspect.signature(init).parameters.items()
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD) and name != "self"
    }


def model_defaults() -> dict:
    """BlockClassifier's parameters and their defaults."""
    return {name: default for name, (_, default) in model_parameters().items()}


def check_param_names(params: dict) -> None:
    """Keywords given to :func:`~classifier.train` or :func:`~classifier.cross_validate` that
    BlockClassifier has no parameter of: a ParameterError naming the known ones, not a
    TypeError from inside the fit."""
    known = model_parameters()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")


def parse_params(pairs: Iterable[str]) -> dict:
    """``KEY=VALUE`` strings as BlockClassifier keyword arguments, typed and checked.

    Raises :class:`ParameterError` (a :class:`TrainingError`) for a malformed pair, an
    unknown key (the message lists the known ones), a key given twice, a value of the wrong
    type, or a value the model refuses."""
    known = model_parameters()
    parsed: dict = {}
    given: dict[str, str] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key:
            raise ParameterError(f"--param {pair}: write KEY=VALUE, e.g. --param C=2")
        if key not in known:
            raise ParameterError(f"--param {pair}: unknown parameter {key!r}; known: {', '.join(sorted(known))}")
        if key in given:
            raise ParameterError(f"--param {pair}: {key} is already set by --param {given[key]}; give it once")
        annotation, default = known[key]
        value = _typed(annotation, text)
        if value is _BAD:
            raise ParameterError(f"--param {pair}: {key} takes {_describe(annotation)} (default {_shown(default)})")
        _check_alone(key, value, pair)
        parsed[key], given[key] = value, pair
    if len(parsed) > 1:
        _check_together(parsed, given)
    return parsed


# ---------------------------------------------------------------------- typing

_BAD = object()


def _parts(annotation) -> tuple[Any, list]:
    """(origin, args) of an annotation, with ``X | None`` and ``Optional[X]`` alike."""
    origin = typing.get_origin(annotation)
    if origin is types.UnionType:
        origin = typing.Union
    return origin, list(typing.get_args(annotation))


def _typed(annotation, text: str):
    """``text`` as a value of ``annotation``, or ``_BAD``."""
    origin, args = _parts(annotation)
    if origin is typing.Union:
        if type(None) in args and text.lower() in NONE_WORDS:
            return None
        for option in (a for a in args if a is not type(None)):
            value = _typed(option, text)
            if value is not _BAD:
                return value
        return _BAD
    if origin is tuple:
        items = [t.strip() for t in text.split(",")] if text else []
        if args and args[-1] is Ellipsis:
            kinds = [args[0]] * len(items)
        else:
            kinds = args or [str] * len(items)
            if len(kinds) != len(items):
                return _BAD
        values = tuple(_typed(kind, item) for kind, item in zip(kinds, items))
        return _BAD if any(v is _BAD or v is None for v in values) else values
    if annotation is bool:
        return {"true": True, "false": False}.get(text.lower(), _BAD)
    if annotation is int:
        try:
            return int(text)
        except ValueError:
            return _BAD
    if annotation is float:
        try:
            value = float(text)
        except ValueError:
            return _BAD
        return value if math.isfinite(value) else _BAD
    if annotation is str:
        return text if text else _BAD
    return _BAD


def _describe(annotation) -> str:
    origin, args = _parts(annotation)
    if origin is typing.Union:
        kinds = [_describe(a) for a in args if a is not type(None)]
        return " or ".join(kinds) + (" or none" if type(None) in args else "")
    if origin is tuple:
        if args and args[-1] is Ellipsis:
            return f"comma-separated {_plural(args[0])}"
        if args and len(set(args)) == 1:
            return f"{len(args)} comma-separated {_plural(args[0])}"
        return "comma-separated values"
    if annotation is bool:
        return "true or false"
    return _NUMBER_KINDS.get(annotation, "a name")


def _plural(kind) -> str:
    return {int: "whole numbers", float: "numbers"}.get(kind, "names")


def _shown(default) -> str:
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return "none" if default is None else str(default)


# ---------------------------------------------------------------------- the model's own checks


def _check_alone(key: str, value, pair: str) -> None:
    """The model's check of one value with every other parameter at its default."""
    problem = _model_refuses({key: value})
    if problem:
        raise ParameterError(f"--param {pair}: {problem}")


def _check_together(parsed: dict, given: dict[str, str]) -> None:
    problem = _model_refuses(parsed)
    if problem:
        raise ParameterError(f"--param {' --param '.join(given.values())}: {problem}")


def _model_refuses(params: dict) -> str | None:
    from .model import BlockClassifier

    try:
        BlockClassifier(**params).check_params()
    except TrainingError as exc:
        return str(exc)
    return None
