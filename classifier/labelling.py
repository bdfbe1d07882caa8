"""A terminal labeller for pre-labelled JSONL (``blocktag label``): works over ssh, no browser.

It walks the file block by block, showing each block between its neighbours with the
model's guess. One key answers: a label's number or letter picks it, Enter accepts the
guess, ``u`` undoes the last answer, ``q`` saves and quits.

Progress lives in the file itself: an answered record gets ``"reviewed": true``, so a
later run resumes at the first block not reviewed. The file is rewritten atomically
(:func:`classifier.files.atomic_write`) after every page and on quitting, and on Ctrl-C,
SIGTERM or SIGHUP, so only a session killed outright (SIGKILL) loses the page in hand.

Keys are read through a ``read_key()`` callable returning one answer: ``""`` for Enter,
otherwise the key pressed. :func:`line_keys` reads one answer a line (tests, pipes);
:func:`terminal_keys` reads single key presses from a terminal.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import select
import shlex
import signal
import sys
import threading
from string import ascii_lowercase
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from rich.console import Console
from rich.text import Text

from .blocks import (GUIDE_LABELS, WHOLE_PAGE_FOR_LABELLING, PageOrder, guide_order, is_given_label, iter_records,  # noqa: PLC2701
                     _validate)  # (the readers' own validation)
from .errors import DataFormatError, OutputError, warn
from .files import DEFAULT_ENCODING, atomic_write, check_writable
from .stdio import escape_controls, own_mark
from .training_checks import typo_note

# The guide's labels get letters that are all different and easy to remember.
GUIDE_KEYS = {"body": "b", "caption": "c", "byline": "y", "contributor_note": "n", "promotion": "p", "other": "o"}
UNDO, QUIT, ACCEPT = "u", "q", ""
# An arrow, page or function key: ESC and the bytes that follow it within this long.
ESCAPE_KEY, ESCAPE_SEQUENCE_SECONDS = "esc", 0.05
RESERVED_KEYS = {UNDO, QUIT}
# Neighbours are context, not the question: show only their beginning.
NEIGHBOUR_CHARS = 160
SHOWN_CHARS = 2000  # of the block asked about
REVIEWED = "reviewed"
LABEL_SUFFIXES = (".jsonl", ".ndjson")  # the files 'blocktag label' reads and marks reviewed


@dataclass
class Summary:
    path: Path
    reviewed: int
    total: int
    changed: int  # answers this session that differ from the guess
    quit: bool

    @property
    def done(self) -> bool:
        return self.reviewed == self.total


def label_keys(labels: list[str]) -> dict[str, str]:
    """Key → label: ``1``..``9`` in order, and a letter per label (for the guide's six:
    b body, c caption, y byline, n contributor_note, p promotion, o other; for other labels
    the first letter of the label not yet taken, else the first letter of the alphabet not
    yet taken: every label has a key while letters last). Letters are ASCII, as a terminal
    sends them in one byte."""
    keys: dict[str, str] = {str(n): label for n, label in enumerate(labels[:9], 1)}
    taken = set(RESERVED_KEYS)
    for label in labels:
        letter = GUIDE_KEYS.get(label)
        if letter is None or letter in taken:
            letter = next((ch for ch in label.lower() + ascii_lowercase if ch in ascii_lowercase and ch not in taken),
                          None)
        if letter is not None:
            taken.add(letter)
            keys[letter] = label
    return keys


class LineAnswers:
    """Answers one a line (Enter alone accepts; a label's whole name picks it too); end of
    input quits (and saves). Answers written ahead cannot see the screen, so one that is
    no answer ends the session (:class:`AnswerError`) rather than be asked again, which
    would give every answer after it to the block before its own."""

    strict = True

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self.line = 0  # the answers read so far

    def __call__(self) -> str:
        stream = self.stream or sys.stdin
        line = stream.readline() if stream is not None else ""  # (no stdin at all: the end of input)
        if not line:
            return QUIT
        self.line += 1
        return line.strip().lower()


def line_keys(stream: TextIO | None = None) -> LineAnswers:
    """Answers one a line, from ``stream`` (default: standard input)."""
    return LineAnswers(stream)


class AnswerError(DataFormatError):
    """An answer read from a pipe that is no key, no label's name and no command."""


def terminal_keys() -> Callable[[], str]:
    """Single key presses from the terminal (no Enter needed); Ctrl-C interrupts."""
    import termios
    import tty

    def read() -> str:
        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
        try:
            tty.setraw(fd, termios.TCSANOW)  # (not the default TCSAFLUSH: keys typed ahead are kept)
            ch = _read_character(fd)
            if ch == "\x1b":
                # An arrow, page or function key sends ESC and more bytes at once: one key,
                # answered as unknown, not a label a byte.
                _read_escape_sequence(fd)
                return ESCAPE_KEY
        finally:
            with contextlib.suppress(termios.error):  # a closed terminal has no settings to restore
                termios.tcsetattr(fd, termios.TCSADRAIN, old)
        if not ch:  # the terminal was closed: like the end of piped input (saves and quits)
            return QUIT
        if ch == "\x03":
            raise KeyboardInterrupt
        if ch == "\x04":  # Ctrl-D: like the end of piped input
            return QUIT
        return ACCEPT if ch in "\r\n" else ch.lower()
    return read


def _read_byte(fd: int) -> bytes:
    """One byte from the terminal; none once it is closed (hung up: a dropped ssh session),
    which reads as the end of input or fails with EIO."""
    try:
        return os.read(fd, 1)
    except OSError as exc:
        if exc.errno != errno.EIO:
            raise
        return b""


def _read_character(fd: int) -> str:
    """One key's character: a UTF-8 lead byte's continuation bytes are read with it, so "é"
    is one unknown key, not two."""
    first = _read_byte(fd)
    if not first or first[0] < 0xC0:
        return first.decode("utf-8", "replace")
    more = 1 if first[0] < 0xE0 else 2 if first[0] < 0xF0 else 3
    data = first
    for _ in range(more):
        byte = _read_byte(fd)
        if not byte or not 0x80 <= byte[0] < 0xC0:  # (a broken sequence: what came is the key)
            break
        data += byte
    return data.decode("utf-8", "replace")[:1]


def _read_escape_sequence(fd: int) -> None:
    """The bytes after an ESC: "[" then parameters up to a final byte (arrows, PageDown
    "[6~"), or "O" and one byte (F1 "OP"). A lone Esc key sends nothing more."""
    def ready() -> bool:
        return bool(select.select([fd], [], [], ESCAPE_SEQUENCE_SECONDS)[0])

    if not ready():
        return
    second = os.read(fd, 1)
    if second == b"[":
        while ready() and not 0x40 <= os.read(fd, 1)[0] <= 0x7E:
            pass
    elif second == b"O" and ready():
        os.read(fd, 1)


@dataclass
class LabelFile:
    """The records of a JSONL file as read, extra keys kept, in file order."""

    path: Path
    records: list[dict]
    labels: list[str] = field(default_factory=list)
    encoding: str = DEFAULT_ENCODING
    stamp: tuple | None = None  # the file as last read or saved: another writer's save changes it

    @classmethod
    def read(cls, path: str | Path, encoding: str = DEFAULT_ENCODING, labels: Sequence[str] | None = None) -> "LabelFile":
        """The file's records; the labels offered are ``labels`` (a model's own), else the
        guide's six, and either way any other label a record holds."""
        if str(path) == "-":
            raise DataFormatError("-: blocktag label saves its answers into the file it reads, so it reads a file, not "
                                  "standard input; save it to one (e.g. to_label.jsonl) and give that")
        path = Path(path)
        if path.suffix.lower() not in LABEL_SUFFIXES:
            stem = path.name.split(".")[0] or "to_label"
            export = path.suffix.lower() == ".json"  # (a Label Studio export: labelled there, read as it is)
            raise DataFormatError(f"{path}: blocktag label reads JSON Lines (.jsonl); make one with "
                                  f"'blocktag suggest ... -o {stem}.jsonl'" + (
                                      "; a Label Studio export is labelled in Label Studio, and train, evaluate "
                                      "and cv read it as it is" if export else ""))
        check_writable(path)  # before any answer is given, not at the first save
        stamp = _stamp(path)
        records = []
        order = PageOrder()  # as train and evaluate read it: labels they would refuse are not asked for
        for lineno, record in iter_records(path, encoding):
            block = _validate(record, f"{path}:{lineno}", require_label=False, whole_page_hint=WHOLE_PAGE_FOR_LABELLING)
            order.check(block, f"{path}:{lineno}")
            if "label" in record:
                record["label"] = block.label  # checked and stripped; None for no (or no usable) guess
            records.append(record)
        if not records:
            raise DataFormatError(f"{path}: holds no blocks to label")
        offered = list(GUIDE_LABELS) if labels is None else sorted(labels, key=guide_order)
        extra = sorted({r["label"] for r in records if r.get("label")} - set(offered))
        return cls(path, records, offered + extra, encoding, stamp)

    def save(self) -> None:
        """Write the records back, atomically, unless another program (a second session on
        the file) saved it since: then they go to a file beside it, and :class:`LabelConflict`
        says where, so neither session's answers are lost."""
        target, now = self.path, _stamp(self.path)
        if now != self.stamp:
            target = _free_name(self.path)
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in self.records)
        # In the encoding it was read in: a second run with the same --encoding reads it back.
        with atomic_write(target, encoding=self.encoding) as out:
            out.write(text)
        if target != self.path:
            what = ("was moved or deleted" if now is None else
                    "was changed by another program (a second 'blocktag label' on it?)")
            raise LabelConflict(f"{self.path} {what} since this session read it; this session's answers are in "
                                f"{target}: keep one of the two files")
        self.stamp = _stamp(self.path, text.encode(self.encoding))  # (what was just written, not read back)

    def reviewed(self) -> int:
        return sum(1 for r in self.records if _is_done(r))


class LabelConflict(OutputError):
    """The file being labelled was saved by another program during the session."""


def _is_done(record: dict) -> bool:
    """A block answered, as training reads it: a label, reviewed or given with no model's
    confidence beside it (a label written by hand)."""
    return bool(record.get("label")) and is_given_label(record)


def _stamp(path: Path, content: bytes | None = None) -> tuple | None:
    # Every save replaces the file (a new inode); an editor's save in place changes its time,
    # size or, within one tick of a coarse clock (FAT, HFS+), at least its bytes (``content``:
    # the bytes just written there).
    try:
        status = path.stat()
        digest = hashlib.sha256(path.read_bytes() if content is None else content).hexdigest()
    except OSError:
        return None
    return status.st_ino, status.st_mtime_ns, status.st_size, digest


def _free_name(path: Path) -> Path:
    for n in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}.session-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise OutputError(f"{path}: no free name beside it for this session's answers")


class Labeller:
    """Walks a :class:`LabelFile`, asking ``read_key`` for an answer per block."""

    def __init__(self, file: LabelFile, read_key: Callable[[], str], console: Console, clear: bool = False,
                 again: bool = False):
        self.file = file
        self.again = again  # every block from the first, reviewed ones too: to correct an answer
        self.read_key = read_key
        self.console = console
        self.clear = clear
        self.keys = label_keys(file.labels)
        # A name typed is its label, spelt as the guide spells it where a file also holds it misspelt ("Other")
        self.names = {label.lower(): label for label in reversed(file.labels)}
        self.history: list[tuple[int, dict]] = []  # (position, the record before the answer)

    def run(self) -> Summary:
        records = self.file.records
        pos = self._next_unreviewed(0)
        quit_ = False
        message = typo_note(Counter(r["label"] for r in records if r.get("label"))) or ""
        while pos is not None:
            self._show(pos, message)
            answer = self.read_key()
            message = ""
            if answer == QUIT:
                quit_ = True
                break
            if answer == UNDO:
                if not self.history:
                    message = "Nothing to undo in this session." + (
                        "" if self.again else f" To change an earlier session's answers: blocktag label {self.file.path} --again")
                    continue
                pos, before = self.history.pop()
                records[pos] = before
                continue
            record = records[pos]
            label = record.get("label") if answer == ACCEPT else self.keys.get(answer, self.names.get(answer))
            if not label:
                if getattr(self.read_key, "strict", False):
                    problem = (f"{answer!r} is no label's key or name" if answer != ACCEPT
                               else f"an empty line accepts the guess, and block {pos + 1} has none")
                    raise AnswerError(f"{self.file.path}: answer {self.read_key.line}: {problem}; give a key "
                                      f"({self._key_list()}) or a label's name, an empty line to accept the guess, "
                                      f"u to undo or q to quit (the answers before it are saved)")
                message = (f"Unknown key {answer!r}: " if answer != ACCEPT else "No guess to accept: ") + "pick a label."
                continue
            self.history.append((pos, dict(record)))
            if label != record.get("label"):
                record.pop("confidence", None)  # the model's, for the guess: not for this label
                record.pop("scores", None)  # (a file `tag` wrote carries the guess's every score too)
            record["label"] = label
            record[REVIEWED] = True
            following = self._next_unreviewed(pos + 1)
            if following is None or records[following]["page"] != record["page"]:
                self.file.save()  # a page finished: keep it, whatever happens next
            pos = following
        self.file.save()
        # Each block answered this session is in the history once (answering it again needs an undo).
        changed = sum(1 for p, before in self.history if before.get("label") and before["label"] != records[p]["label"])
        return Summary(self.file.path, self.file.reviewed(), len(records), changed, quit_)

    def _key_list(self) -> str:
        return ", ".join(f"{key} {label}" for key, label in self.keys.items() if not key.isdigit())

    def _next_unreviewed(self, start: int) -> int | None:
        if self.again:
            return start if start < len(self.file.records) else None
        return next((i for i in range(start, len(self.file.records)) if not _is_done(self.file.records[i])), None)

    def _show(self, pos: int, message: str) -> None:
        records = self.file.records
        record = records[pos]
        page = record["page"]
        page_positions = [i for i, r in enumerate(records) if r["page"] == page]
        if self.clear:
            self.console.clear()
        out = self.console
        out.print(Text(f"page {escape_controls(str(page))}  block {page_positions.index(pos) + 1} of {len(page_positions)}  "
                       f"({self.file.reviewed()} of {len(records)} reviewed)", style="bold"))
        before = records[pos - 1] if pos > 0 and records[pos - 1]["page"] == page else None
        after = records[pos + 1] if pos + 1 < len(records) and records[pos + 1]["page"] == page else None
        beside, this = own_mark("┆", "|"), own_mark("▶", ">")  # (in ASCII where the terminal's encoding lacks them)
        if before is not None:
            out.print(Text(f"  {beside} {_short(before['text'])}  [{before.get('label') or '?'}]", style="dim"))
        text = escape_controls(record["text"])
        if len(text) > SHOWN_CHARS:  # a page's worth would scroll the question off the screen
            text = f"{text[:SHOWN_CHARS]}{own_mark('…', '...')} ({len(text) - SHOWN_CHARS:,} more characters)"
        out.print(Text(f"{this} {text}", style="reverse" if self.clear else ""))
        if after is not None:
            out.print(Text(f"  {beside} {_short(after['text'])}  [{after.get('label') or '?'}]", style="dim"))
        guess = record.get("label")
        confidence = record.get("confidence")
        if guess and (record.get(REVIEWED) or not isinstance(confidence, (int, float))):  # someone's, not a guess
            out.print(Text(f"label: {guess}", style="bold cyan"))
        else:
            out.print(Text("guess: " + (f"{guess} ({confidence:.2f})" if guess else "none"), style="bold cyan"))
        out.print(Text(self.legend()))
        if message:
            out.print(Text(message, style="yellow"))

    def legend(self) -> str:
        by_label: dict[str, list[str]] = {}
        for key, label in self.keys.items():
            by_label.setdefault(label, []).append(key)
        picks = "  ".join(f"{'/'.join(keys)} {label}" for label, keys in by_label.items())
        return f"{picks}  |  Enter accept  u undo  q save and quit"


def _short(text: str) -> str:
    """A neighbour's text on one line, cut to ``NEIGHBOUR_CHARS``; control characters shown
    as escapes (an ESC starts a terminal command), so what is labelled is what is seen."""
    flat = " ".join(escape_controls(text).split())
    return flat if len(flat) <= NEIGHBOUR_CHARS else flat[: NEIGHBOUR_CHARS - 1] + own_mark("…", "...")


class _Stopped(BaseException):
    """A signal asking the session to end (SIGTERM, SIGHUP): handled as Ctrl-C is."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


# A killed session (`kill`, a closed terminal, a dropped ssh connection) keeps its answers too.
STOPPING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _signals_stop_the_session() -> Iterator[None]:
    """While labelling, SIGTERM and SIGHUP raise :class:`_Stopped`; the previous handlers
    are back afterwards. (Only the main thread may set handlers: elsewhere, none are.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise _Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def label_file(path: str | Path, read_key: Callable[[], str], console: Console, clear: bool = False,
               encoding: str = DEFAULT_ENCODING, labels: Sequence[str] | None = None, again: bool = False,
               resume_options: str = "") -> Summary:
    """Label the blocks of a JSONL file interactively, offering ``labels`` (default: the
    guide's six) and any other label the file holds; returns how far it got. With ``again``,
    every block from the first is asked, reviewed ones too (their label is the answer Enter
    keeps), to correct an answer given in an earlier session. Ctrl-C, SIGTERM
    and SIGHUP save every answer given so far, say so, and end it: KeyboardInterrupt for
    Ctrl-C, ``SystemExit(128 + signal)`` for the others. Anything else that ends the session
    (the output's reader gone, a fault) saves them too, and is raised as it came. The command
    said to resume with names ``resume_options`` too (" -m mine.npz": the labels it offered)."""
    file = LabelFile.read(path, encoding, labels)
    if file.reviewed() == len(file.records) and not (again and file.records):
        # (a session shows the note on its first screen; a file with nothing to ask, here)
        if note := typo_note(Counter(r["label"] for r in file.records if r.get("label"))):
            warn(f"{file.path}: {note}")
        return Summary(file.path, len(file.records), len(file.records), 0, False)
    try:
        with _signals_stop_the_session():
            return Labeller(file, read_key, console, clear, again).run()
    except (KeyboardInterrupt, _Stopped) as exc:
        file.save()  # every answer given so far is kept, and said so
        _say_saved(file, resume_options)
        if isinstance(exc, _Stopped):
            raise SystemExit(128 + exc.signum) from None
        raise
    except OutputError:  # a save that failed or met another session's: said by the error itself
        raise
    except AnswerError:  # piped answers gone astray: the error says the answers before it are saved
        file.save()
        raise
    except BaseException:  # the output's reader gone, or a fault: no answer given is lost either
        with contextlib.suppress(OSError, OutputError):  # (the error that ended the session is the one to say)
            file.save()
            _say_saved(file, resume_options)
        raise


def _say_saved(file: LabelFile, resume_options: str = "") -> None:
    with contextlib.suppress(OSError):  # (a closed terminal takes no message)
        print(f"Saved {file.path}: {file.reviewed()} of {len(file.records)} blocks reviewed. "
              f"Run 'blocktag label {shlex.quote(str(file.path))}{encoding_option(file.encoding)}{resume_options}' again "
              "to resume.",
              file=sys.stderr)


def encoding_option(encoding: str) -> str:
    """The ``--encoding`` a next command needs to read a file as this one did ("" for the
    default): a saved file keeps its encoding."""
    return "" if encoding == DEFAULT_ENCODING else f" --encoding {encoding}"
