"""The CLI's standard streams when they are not an ordinary terminal or pipe: closed
(``<&-``, ``>&-``), full (``/dev/full``), a pipe whose reader left, or an encoding that
cannot hold the text (``PYTHONIOENCODING=latin-1``). Each ends in one line on stderr,
never a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import sys

STD_FDS = (0, 1, 2)


def _encoding(stream) -> str:
    return getattr(stream or sys.stdout, "encoding", None) or "utf-8"


def _holds(stream, text: str) -> bool:
    """Whether ``stream`` (default: stdout) can write ``text`` (an unknown encoding: assumed so)."""
    try:
        text.encode(_encoding(stream))
    except UnicodeEncodeError:
        return False
    except LookupError:
        pass
    return True


def own_mark(mark: str, fallback: str, stream=None) -> str:
    """``mark`` (blocktag's own "·" or "…"), or its ASCII ``fallback`` where ``stream``
    (default: stdout) cannot hold it (``PYTHONIOENCODING=ascii``): the page's own text is the
    user's to name an encoding for, blocktag's decoration is not."""
    return mark if _holds(stream, mark) else fallback


def escaped_for(text: str, stream=None) -> str:
    """``text`` (blocktag's own notation: an evidence's name, a word shape "■ ⋯") with what
    ``stream`` (default: stdout) cannot hold written as ``\\u25a0`` escapes."""
    if _holds(stream, text):
        return text
    return text.encode(_encoding(stream), "backslashreplace").decode(_encoding(stream))


# Control characters a page may hold (ESC starts a sequence that retitles a terminal, clears
# it or worse), tab and line feed aside.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """``text`` with its control characters written as ``\\x1b`` escapes, to be shown on a terminal."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal (False for a file, a pipe, or anything that cannot say)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # (not a file, or closed)
        return False


class PipeClosed(Exception):
    """The reader of stdout went away (``| head -1``): stop quietly, exit 0.

    Not an ``OSError``, so Click's own handler (which exits 1) lets it through."""


class _ClosedStream:
    """Stands in for a stdout the process was started without: writing to it is an error
    the CLI reports, instead of an ``AttributeError`` on ``None``."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def guard_std_streams() -> None:
    """Before anything else: fill closed standard file descriptors with /dev/null, so no
    file the run opens lands on fd 0-2 (and worker processes do not inherit a stray
    descriptor there); make a closed stdout an error to write to; and write file names
    that are not valid UTF-8 as their original bytes, as ``ls`` does."""
    for fd in STD_FDS:
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)  # takes the lowest free fd: this one
    if sys.stderr is None:  # started with stderr closed: progress and warnings go nowhere, not to stdout
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    if sys.stdout is None:
        sys.stdout = _ClosedStream()
    elif _is_utf8(getattr(sys.stdout, "encoding", None)) and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")


def _is_utf8(encoding: str | None) -> bool:
    return bool(encoding) and encoding.lower().replace("-", "").replace("_", "") == "utf8"


def silence_stdout() -> None:
    """After stdout failed: point its descriptor at /dev/null so the interpreter's final
    flush does not fail again with an 'Exception ignored' message."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


# How writing a stream fails (as opposed to opening a named file, whose errors carry a name).
_WRITE_ERRNOS = {errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EPIPE}


def is_stdout_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is stdout failing to take the output (not some other error)."""
    if isinstance(exc, UnicodeEncodeError):
        return True
    return isinstance(exc, OSError) and exc.filename is None and exc.errno in _WRITE_ERRNOS


def stdout_error(exc: BaseException, to_file: str = "write to a file with --output") -> str:
    """The ``Error:`` line for a failure to write stdout; ``to_file`` says how the command
    writes to a file instead."""
    if isinstance(exc, UnicodeEncodeError):
        char = exc.object[exc.start:exc.start + 1] if isinstance(exc.object, str) else "?"
        return (f"standard output's encoding ({exc.encoding}) cannot write {char!r}; "
                f"set PYTHONIOENCODING=utf-8 or {to_file}")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"cannot write to standard output ({reason}); {to_file}"
