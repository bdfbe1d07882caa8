"""The exceptions blocktag raises for problems a user can fix.

The library raises them; only the CLI turns them into a one-line ``Error: ...`` and exit 1.
Every message names the file (and line) it is about and, where there is one, the fix; a fix
that is a setting names it as the caller gives it (:func:`setting`).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import warnings
from typing import Iterator

# Whether the command line is running the library: then a message names a setting by its
# option (--encoding cp1252), else by the Python keyword (encoding='cp1252').
_COMMAND_LINE = contextvars.ContextVar("command_line", default=False)


def setting(name: str, value: object = None) -> str:
    """How a message names the setting ``name`` (with ``value``): ``encoding='cp1252'`` to a
    Python caller, ``--encoding cp1252`` inside :func:`command_line_names` (a flag's False:
    ``--no-plain-text-model``)."""
    if not on_command_line():
        return name if value is None else f"{name}={value!r}"
    option = name.replace("_", "-")
    if isinstance(value, bool):
        return f"--{option}" if value else f"--no-{option}"
    return f"--{option}" if value is None else f"--{option} {value}"


def on_command_line() -> bool:
    """Whether messages are for the command line (inside :func:`command_line_names`)."""
    return _COMMAND_LINE.get()


@contextlib.contextmanager
def command_line_names() -> Iterator[None]:
    """Within it, messages name settings as the command line's options."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


class BlocktagError(Exception):
    """Base class: a problem with the user's input, data or model, explained in one line."""


class InputError(BlocktagError):
    """A file that cannot be read as text: missing, unreadable, binary or wrongly encoded."""


class DataFormatError(BlocktagError):
    """Labelled data that breaks the format: a malformed line, a missing or wrong field."""


class TrainingError(BlocktagError):
    """Training data that cannot teach a model (no blocks, a single label)."""


class ModelError(BlocktagError):
    """A file that is not a usable blocktag model."""


class OutputError(BlocktagError):
    """An output path that cannot be written."""


class MissingExtraError(BlocktagError, ImportError):
    """A command needs an optional dependency that is not installed (an ImportError too, as
    Python's missing optional dependencies are)."""


class SettingError(BlocktagError, ValueError):
    """A setting out of its range (``jobs``, ``top``, ``n``), named as the function's
    argument; the CLI names its option instead."""

    def __init__(self, name: str, value: object, fix: str):
        # (cut short: a corpus of blocks given in the wrong place is megabytes of repr)
        super().__init__(f"{name}={short_repr(value, MAX_SHOWN_VALUE)}: {fix}")
        self.name, self.value, self.fix = name, value, fix


MAX_SHOWN_VALUE = 80  # characters of a wrong value's repr a SettingError quotes


def short_repr(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for a message that names what it was given."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def check_callback(name: str, value: object, called_with: str) -> None:
    """A callback argument is a function or None: a SettingError now, naming it, rather than
    "'bool' object is not callable" from the middle of a run (or never, if nothing calls it)."""
    if value is not None and not callable(value):
        raise SettingError(name, value, f"give a function, called with {called_with}, or None")


def warn(message: str) -> None:
    """``warnings.warn`` pointing at the caller's own line, the first outside this package,
    however deep in blocktag (a reader's generator, the module-level ``tag_text``) it is said."""
    frame, level = sys._getframe(1), 2  # (stacklevel 1 is this function)
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == __package__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, stacklevel=level)


class ClusterError(BlocktagError):
    """A Dask scheduler that cannot be reached (``--dask``)."""


class WorkerError(BlocktagError):
    """A worker process (``--jobs``) died before finishing its share: killed, or out of memory."""
