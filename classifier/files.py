"""Reading text files safely and writing outputs atomically.

Everything blocktag writes goes through :func:`atomic_write`, so a failed or interrupted
run never leaves a half-written file or clobbers the previous one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from .errors import InputError, OutputError

DEFAULT_ENCODING = "utf-8"
# A NUL byte never occurs in text files; looking at the first chunk is enough to tell.
BINARY_SNIFF_BYTES = 8192


def decode_text(data: bytes, source: str, encoding: str = DEFAULT_ENCODING) -> str:
    """Decode ``data`` read from ``source``, refusing binary content with a clear error."""
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        raise InputError(f"{source}: is a binary file, not text; give a page of scraped text")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: is not valid {encoding} text (byte {exc.start}); "
            "name its encoding with --encoding, e.g. --encoding latin-1"
        ) from None
    except LookupError:
        raise InputError(f"{source}: unknown encoding {encoding!r}") from None
    return text.removeprefix("\ufeff")


def read_text(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING) -> str:
    """Read a whole text file, turning every failure into an :class:`InputError`."""
    return decode_text(read_bytes(path), str(path), encoding)


def read_bytes(path: str | os.PathLike) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None


def check_writable(path: str | os.PathLike) -> None:
    """Fail early, before any long work, when ``path`` cannot be written."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a directory; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: cannot write here: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{target}: cannot write here: folder {folder} is not writable")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success."""
    target = Path(path)
    if "b" in mode:
        encoding = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except FileNotFoundError:
        raise OutputError(f"{target}: cannot write here: folder {target.parent} does not exist") from None
    except OSError as exc:
        raise OutputError(f"{target}: cannot write here ({exc.strerror})") from None
    try:
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes 0600; outputs get the usual mode
        with os.fdopen(fd, mode, encoding=encoding, newline="" if encoding else None) as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
