"""Reading text files safely and writing outputs atomically.

Everything blocktag writes goes through :func:`atomic_write`, so a failed or interrupted
run never leaves a half-written file or clobbers the previous one.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Callable, IO, Iterable, Iterator

from .errors import InputError, OutputError, setting

DEFAULT_ENCODING = "utf-8"
# A NUL character never occurs in text files; looking at the first chunk is enough to tell.
BINARY_SNIFF_BYTES = 8192
# A gzipped page bigger than this once unpacked is refused (a gzip bomb is tiny packed).
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# Text whose byte-order mark names its encoding is read in it, whatever --encoding says
# (a BOM is unambiguous; Windows tools write UTF-16 with one). UTF-32 LE's mark starts with
# UTF-16 LE's, so it is looked for first.
_BOM_ENCODINGS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                  (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
                  (codecs.BOM_UTF8, "utf-8-sig"))


def as_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path, without making a new one when it is one (a folder's pages are
    Paths already, and each is looked at several times)."""
    return path if isinstance(path, Path) else Path(path)


# Codecs of domain names, not of documents (Python before 3.13 cannot even replace a bad byte
# in them).
_NAME_CODECS = frozenset({"idna", "punycode"})


def check_encoding(encoding: str) -> None:
    """Fail early on an encoding Python does not know or that cannot decode text
    (``undefined``, ``base64``, ...)."""
    if not isinstance(encoding, str):
        raise InputError(f"encoding must name one, such as utf-8 or latin-1; got {encoding!r}")
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        # (iter_pages("a.html", "b.html"): a second file where the encoding goes)
        several = "; to read several files, give them as one list" if Path(encoding).suffix or os.sep in encoding else ""
        raise InputError(f"{setting('encoding', encoding)}: unknown encoding; give one such as utf-8 or latin-1"
                         f"{several}") from None
    try:
        if not getattr(codec, "_is_text_encoding", True) or codec.name in _NAME_CODECS:  # base64, rot13, zlib...
            raise LookupError(encoding)
        codec.incrementaldecoder().decode(b"a", final=False)  # 'undefined' refuses everything
    except (LookupError, UnicodeError):
        raise InputError(f"{setting('encoding', encoding)}: is not a text encoding; give one such as utf-8 or latin-1") from None


def text_encoding(head: bytes, encoding: str = DEFAULT_ENCODING) -> str:
    """The encoding to read text starting with ``head`` in: the one its byte-order mark
    names (UTF-8, UTF-16 or UTF-32), else ``encoding``."""
    for bom, named in _BOM_ENCODINGS:
        if head.startswith(bom):
            return named
    return encoding


def ordered_encoding(data: bytes, encoding: str) -> str:
    """The encoding to read ``data`` in: its byte-order mark's; else, for UTF-16 or UTF-32
    named without a byte order (``utf-16``, which Python's decoders refuse to guess a chunk
    of), the order the NULs of its ASCII characters say; else ``encoding``."""
    marked = text_encoding(data, "")
    if marked:
        return marked
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    if name not in ("utf-16", "utf-32"):
        return encoding
    sample = data[:BINARY_SNIFF_BYTES]  # "A" is 41 00 in UTF-16-LE and 00 41 in UTF-16-BE
    return name + ("-be" if sample[0::2].count(0) > sample[1::2].count(0) else "-le")


def is_wide_encoding(encoding: str) -> bool:
    """Whether ``encoding`` is UTF-16 or UTF-32 (in either byte order): text in it must be
    decoded before it is sniffed, as its every ASCII byte comes with NULs."""
    try:
        return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


def nul_every_other_byte(data: bytes) -> bool:
    """Whether ``data`` has the NULs of UTF-16 text, in every other byte."""
    sample = data[:BINARY_SNIFF_BYTES]
    half = len(sample) // 2
    return half > 0 and max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.3 * half


def unmarked_unicode(head: bytes) -> str | None:
    """"utf-16" or "utf-32" when ``head`` reads as such text with no byte-order mark: in the
    byte order its NULs say, printable text with no NUL (a binary file's zeros and an image's
    bytes are not); else None."""
    # (Any NUL will do: UTF-16 text of few ASCII characters, Chinese, has them only in its
    # line breaks, digits and a few letters; the decoding below tells it from binary.)
    if text_encoding(head, "") or b"\x00" not in head[:BINARY_SNIFF_BYTES]:
        return None
    sample = head[:BINARY_SNIFF_BYTES]
    newlines = sample.count(b"\n")  # each a NUL's neighbour in UTF-16 or UTF-32, not in text with a stray NUL
    if newlines and sample.count(b"\n\x00") + sample.count(b"\x00\n") < newlines / 2:
        return None
    for name, width in (("utf-32", 4), ("utf-16", 2)):
        text = head[: len(head) // width * width].decode(ordered_encoding(head, name), errors="replace")
        printable = sum(c.isprintable() or c in "\n\r\t" for c in text)
        if "\x00" not in text and "\ufffd" not in text and printable >= 0.95 * len(text):
            return name
    return None


def looks_binary(head: bytes, encoding: str = DEFAULT_ENCODING) -> bool:
    """Whether the first bytes of a file hold a NUL character once decoded: binary, not text.

    Decoding first lets UTF-16 and UTF-32 text (whose bytes are full of NULs) through."""
    encoding = ordered_encoding(head, encoding)
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        return "\x00" in decoder.decode(head[:BINARY_SNIFF_BYTES])
    except (LookupError, UnicodeError):
        return b"\x00" in head[:BINARY_SNIFF_BYTES]


def binary_error(source, head: bytes, fix: str = "give a page of scraped text") -> InputError:
    """The error for a file that holds NULs once decoded; UTF-16 with no byte-order mark is
    named, with the option that reads it."""
    named = unmarked_unicode(head)
    if named:
        return InputError(f"{source}: looks like {named.upper()} text with no byte-order mark; give its encoding, "
                          f"e.g. {setting('encoding', named)}")
    return InputError(f"{source}: is a binary file, not text; {fix}")


def likely_encoding(data: bytes) -> str:
    """The single-byte encoding to suggest for text that is not UTF-8: Windows' cp1252 (what
    browsers read "latin-1" as), unless the text holds a byte it leaves undefined. latin-1
    would read cp1252's dashes and curly quotes (0x80-0x9F) as invisible control characters."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def encoding_advice(data: bytes) -> str:
    """How to name the encoding of text that is not UTF-8: one of Western Europe's, or, when
    its non-ASCII bytes come in runs (:func:`in_another_script`), a few of other scripts' (a
    Western one would read such text as nonsense)."""
    if in_another_script(data):
        sample = data[:ADVICE_SAMPLE_BYTES]
        scored = [(_script_fit(sample, name, letters, needed, common), name, script)
                  for name, script, letters, needed, common in SCRIPT_ENCODINGS]
        fits = [(name, script) for fit, name, script in sorted(scored, key=lambda x: -x[0]) if fit][:MAX_ADVISED]
        if not fits:  # (too few letters to tell, or none reads as prose: a Western encoding, after all)
            return f"name its encoding, e.g. {setting('encoding', likely_encoding(data))}"
        by_script: dict[str, list[str]] = {}
        for name, script in fits:
            by_script.setdefault(script, []).append(name)
        named = [" or ".join(names) + f" ({script})" for script, names in by_script.items()]
        first, *rest = named
        first = first.replace(fits[0][0], setting("encoding", fits[0][0]), 1)
        return "name its encoding, e.g. " + ", ".join([first, *rest[:-1]]) + (f" or {rest[-1]}" if rest else "")
    return f"name its encoding, e.g. {setting('encoding', likely_encoding(data))}"


# The legacy encodings of scripts other than Latin (each the superset Windows writes:
# cp932 holds what shift_jis lacks, cp949 what euc_kr lacks), with the code points of the
# script's letters, those its text cannot do without (Japanese: kana; Korean: hangul; None:
# a script with capitals, most of its letters lower case), and its commonest letters, which
# a right decoding shows often and a wrong one seldom.
_HAN = (0x4E00, 0x9FFF)
_KANA = ((0x3040, 0x30FF),)
_HANGUL = ((0xAC00, 0xD7A3),)
_CYRILLIC = ((0x400, 0x4FF),)
# (Chinese: its 500 commonest characters, most of any text; a wrong decoding's, scattered
# over twenty thousand, seldom are. Japanese: hiragana, about half of any text.)
_CHINESE = ("的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用"
            "道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日"
            "军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美"
            "相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解"
            "水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计"
            "管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完"
            "设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收"
            "根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深"
            "商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八"
            "們來這個為國說時會過後對發經學當動現麼從實無與長機種體間問關點數電資區義見條聽話議會議員預")
_HIRAGANA = "".join(map(chr, range(0x3041, 0x3097)))
SCRIPT_ENCODINGS = (
    ("cp1251", "Cyrillic", _CYRILLIC, None, "оеаинтсрвлкмдпуя"),
    ("koi8_r", "Cyrillic", _CYRILLIC, None, "оеаинтсрвлкмдпуя"),
    ("cp932", "Japanese", (*_KANA, _HAN), _KANA, _HIRAGANA), ("euc_jp", "Japanese", (*_KANA, _HAN), _KANA, _HIRAGANA),
    ("gb18030", "Chinese", (_HAN,), (_HAN,), _CHINESE), ("big5", "Traditional Chinese", (_HAN,), (_HAN,), _CHINESE),
    ("cp949", "Korean", (*_HANGUL, _HAN), _HANGUL, "이다의는에가을하고서한지로기리사"),
    ("cp1256", "Arabic", ((0x600, 0x6FF),), ((0x600, 0x6FF),), "اليمونرتبهعدك"),
    ("cp1255", "Hebrew", ((0x590, 0x5FF),), ((0x5D0, 0x5EA),), "יוהלאמרבנתשע"),
    ("cp1253", "Greek", ((0x370, 0x3FF),), None, "αοετιηνσρκπμλυ"),
)
ADVICE_SAMPLE_BYTES = 65536
MAX_ADVISED = 3  # encodings named, the likeliest first
MIN_ADVICE_LETTERS = 8  # letters outside ASCII a decoding must give to tell its script (a few é's give one or two)
MIN_SCRIPT_SHARE = 0.9  # of a decoding's letters outside ASCII, in its script
MIN_LOWER_SHARE = 0.7  # of a cased script's letters, lower case (Russian text: over 0.9)
MIN_NEEDED_SHARE = 0.1  # of its letters, the ones its text cannot do without (Japanese: kana, a third or more)


def _script_fit(data: bytes, encoding: str, letters: tuple[tuple[int, int], ...],
                needed: tuple[tuple[int, int], ...] | None, common: str) -> float:
    """How well ``data`` reads in ``encoding`` (strictly: a sample cut mid-character aside) as
    text of its script: the share of its letters that are the script's commonest, times the
    square of the share of letters among its characters outside ASCII; or 0 when
    its letters are not mostly the script's, or neither mostly lower case (a cased script)
    nor holding the letters its text needs."""
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(data)
    except UnicodeDecodeError:
        return 0.0

    def share(ranges, chars) -> float:
        return sum(any(low <= ord(c) <= high for low, high in ranges) for c in chars) / max(len(chars), 1)

    beyond = [c for c in text if ord(c) > 0x7F and not c.isspace()]
    found = [c for c in beyond if c.isalpha()]
    if len(found) < MIN_ADVICE_LETTERS or share(letters, found) < MIN_SCRIPT_SHARE:
        return 0.0
    if needed is None and sum(c.islower() for c in found) < MIN_LOWER_SHARE * len(found):
        return 0.0
    if needed is not None and share(needed, found) < MIN_NEEDED_SHARE:
        return 0.0
    # (a wrong decoding also gives symbols, box-drawing and vowel marks where letters were)
    return (sum(c.lower() in common for c in found) / len(found)) * (len(found) / len(beyond)) ** 2 or 1e-9


# Text of a language written in cp1252 holds its non-ASCII bytes one or two at a time among
# ASCII ones ("café", "informação"), or as a repeated one (a rule of em dashes); a Japanese,
# Chinese or Korean page holds two a character, and a Russian or Greek page one a letter, so
# most of theirs stand in runs of three or more different ones.
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")  # (two: "çã" in Portuguese, "« " with a no-break space in French)
MIN_RUN_BYTES = 12
_ASCII = bytes(range(0x80))
_HIGH_BYTES = bytes(range(0x80, 0x100))


def in_another_script(data: bytes) -> bool:
    """Whether text that is not UTF-8 is written in an encoding of a script other than
    Latin (its non-ASCII bytes mostly in runs of different ones)."""
    high = len(data.translate(None, _ASCII))  # the non-ASCII bytes
    # (a run of the Western encodings' punctuation, "\xa0—\xa0", holds no byte from 0xC0,
    # where their letters and every other script's are)
    mixed = sum(len(run) for run in _HIGH_RUN.findall(data) if run.count(run[:1]) != len(run) and max(run) >= 0xC0)
    return mixed >= MIN_RUN_BYTES and mixed > high / 2


def decode_text(data: bytes, source: str, encoding: str = DEFAULT_ENCODING) -> str:
    """Decode ``data`` read from ``source``, refusing binary content with a clear error."""
    check_encoding(encoding)
    if looks_binary(data, encoding):
        raise binary_error(source, data)
    marked = text_encoding(data, "")
    ordered = ordered_encoding(data, encoding)  # what it is decoded in; messages name what was given
    encoding = marked or encoding
    if not marked and b"\n" in data and b"\x00" not in data and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        # A line break in UTF-16 or UTF-32 holds NUL bytes; the text decodes anyway, as nonsense.
        raise InputError(f"{source}: is not {encoding} text (its line breaks hold no NUL byte); "
                         f"drop {setting('encoding')}, or name the file's own")
    try:
        text = data.decode(ordered)
    except UnicodeDecodeError as exc:
        if marked:  # --encoding cannot help: the mark decides
            raise InputError(f"{source}: starts with a {marked.removesuffix('-sig').upper()} byte-order mark but is "
                             f"not valid {marked.removesuffix('-sig').upper()} (byte {exc.start}); is it cut short or damaged?") from None
        raise undecodable(source, data, exc, encoding) from None
    return text.removeprefix("\ufeff")


# UTF-8 characters beyond ASCII read before a bad byte that make the text UTF-8 (a legacy
# encoding's bytes make one or two by chance before failing).
MIN_UTF8_SEEN = 10


def undecodable(source: str, data: bytes, exc: UnicodeDecodeError, encoding: str, offset: int = 0,
                decoded: int = 0) -> InputError:
    """The error for text (``data``, at ``offset`` in its file) not valid in ``encoding``.
    UTF-8 with many of UTF-8's own characters before the bad byte (``decoded`` of them in
    earlier lines) is UTF-8 damaged or joined with text in another encoding: naming another
    encoding would misread the rest, so the byte is pointed at instead."""
    where = f"byte {offset + exc.start}"
    name = encoding.removesuffix("-sig")
    before = data[:exc.start]
    if codecs.lookup(encoding).name == "utf-8-sig":  # --encoding cannot help: the mark decides
        return InputError(f"{source}: starts with a UTF-8 byte-order mark but is not valid UTF-8 ({where}); is it "
                          "cut short or damaged? fix or remove that byte")
    if codecs.lookup(encoding).name == "utf-8" and (
            decoded + len(before.decode("utf-8")) - len(before.translate(None, _HIGH_BYTES)) >= MIN_UTF8_SEEN):
        return InputError(f"{source}: is UTF-8 text up to {where}, which is not (a file joined from files in two "
                          "encodings, or damaged?); fix or remove that byte")
    return InputError(f"{source}: is not valid {name} text ({where}); {encoding_advice(data)}")


def gunzip(data: bytes, source: str) -> bytes:
    """The unpacked bytes of gzipped ``data`` read from ``source``, refusing a broken file or
    one that unpacks to more than :data:`MAX_UNPACKED_BYTES`."""
    import gzip  # only for gzipped inputs: not part of every run's start-up
    import io
    import zlib

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(MAX_UNPACKED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{source}: is not a valid gzip file ({exc})") from None
    if len(out) > MAX_UNPACKED_BYTES:
        raise InputError(f"{source}: unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB; not a web page")
    return out


def read_text(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING) -> str:
    """Read a whole text file, gzipped or not, turning every failure into an :class:`InputError`."""
    data = read_bytes(path, encoding, allow=lambda head: head.startswith(GZIP_MAGIC))
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, str(path))
    return decode_text(data, str(path), encoding)


def read_bytes(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING, *,
               allow: Callable[[bytes], bool] | None = None) -> bytes:
    """The bytes of a file. Its first chunk is checked for binary content before the rest is
    read, so a large binary file is refused without being read whole; a file whose first
    chunk ``allow`` accepts (an HTML page, which the HTML reader reads as it is) is not
    checked."""
    with _read_errors(path), open(path, "rb") as handle:
        head = _checked_head(handle, path, encoding, allow)
        # A short first read reached the end (BufferedReader reads until it has all it asked for).
        return head + handle.read() if len(head) == BINARY_SNIFF_BYTES else head


def iter_text_lines(path: str | os.PathLike, encoding: str = DEFAULT_ENCODING) -> Iterator[str]:
    """The lines of a text file (gzipped or not), decoded as they are read, so memory holds
    one line at a time (a JSONL file of a million pages); the checks and errors are
    :func:`read_text`'s. Text marked UTF-16 or UTF-32 is read whole: its bytes cannot be cut
    at newlines."""
    with _read_errors(path), open(path, "rb") as handle:
        if handle.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            handle.seek(0)
            yield from decoded_lines(handle, path, encoding)
            return
        import gzip  # only for gzipped inputs: not part of every run's start-up
        import zlib

        handle.seek(0)
        try:  # unpacked as it is read: a gzipped crawl shard is never held whole either
            with gzip.GzipFile(fileobj=handle) as unpacked:
                yield from decoded_lines(unpacked, path, encoding)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: is not a valid gzip file ({exc})") from None


def decoded_lines(handle, path, encoding: str) -> Iterator[str]:
    """The lines of an open binary ``handle`` (at its start), as :func:`iter_text_lines`
    gives a file's; errors name ``path``."""
    head = _checked_head(handle, path, encoding, fix="give its records (JSON lines or CSV) as text")
    marked = text_encoding(head, "")
    if marked in ("utf-16", "utf-32"):
        yield from io.StringIO(decode_text(head + handle.read(), str(path), encoding), newline=None)
        return
    encoding, offset, decoded = marked or encoding, 0, 0
    handle.seek(0)
    for number, raw in enumerate(handle, 1):
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise undecodable(f"{path}:{number}", raw, exc, encoding, offset, decoded) from None
        if decoded < MIN_UTF8_SEEN and not raw.isascii():
            decoded += sum(ord(c) > 0x7F for c in line)
        if offset == 0:
            line = line.removeprefix("\ufeff")
        offset += len(raw)
        if "\r" in line:  # universal newlines, as reading the file whole: "\r" alone ends a line too
            yield from _universal_lines(line)
        else:
            yield line


def _universal_lines(text: str) -> Iterator[str]:
    pieces = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for piece in pieces[:-1]:
        yield piece + "\n"
    if pieces[-1]:
        yield pieces[-1]


def _checked_head(handle, path, encoding: str, allow: Callable[[bytes], bool] | None = None,
                  fix: str = "give a page of scraped text") -> bytes:
    head = handle.read(BINARY_SNIFF_BYTES)
    check_encoding(encoding)
    if not (allow and allow(head)) and looks_binary(head, encoding):
        raise binary_error(path, head, fix)
    return head


@contextlib.contextmanager
def _read_errors(path: str | os.PathLike) -> Iterator[None]:
    """A file that cannot be opened or read, as an :class:`InputError` naming it."""
    try:
        yield
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(f"{path}: is a broken symbolic link (to {os.readlink(path)})") from None
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
    if _is_special(target):  # a device or FIFO is written in place
        if not os.access(target, os.W_OK):
            raise OutputError(f"{target}: cannot write here: permission denied")
        return
    target = _followed(target)
    folder = target.parent
    if not folder.is_dir():
        missing = "is a file, not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"{path}: cannot write here: folder {folder} {missing}")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{path}: cannot write here: folder {folder} is not writable")


def is_folder_path(path: str | os.PathLike) -> bool:
    """Whether an output path names a folder: it ends in ``/`` or is an existing directory."""
    text = os.fspath(path)
    return text.endswith(("/", os.sep)) or os.path.isdir(text)


def prepare_output_folder(path: str | os.PathLike) -> Path:
    """Create the output folder ``path`` (and its parents), or check that it is empty, before
    any work: files of an earlier run left beside the new ones would read as one output."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder; give a folder for the output files")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        entries = sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create or read the output folder ({exc.strerror})") from None
    if entries:
        more = f" and {len(entries) - 1} more" if len(entries) > 1 else ""
        raise OutputError(
            f"{folder}: the output folder is not empty (it holds {entries[0]}{more}), and an earlier run's files "
            "would mix with this run's; give a new or empty folder"
        )
    if not os.access(folder, os.W_OK):
        raise OutputError(f"{folder}: cannot write here: folder is not writable")
    return folder


def check_not_input(output: str | os.PathLike, inputs: Iterable[str | os.PathLike],
                    reads_folder: Callable[[str], bool] = lambda name: False) -> None:
    """Refuse an output path that is one of the run's own input files, or a file an input
    folder is read for (``reads_folder`` says which names are): replacing it would destroy
    the input."""
    for item in inputs:
        if os.path.isfile(item) and same_file(output, item):
            raise OutputError(f"{output}: is also an input file; write the output elsewhere")
        if (os.path.isdir(item) and os.path.isfile(output) and reads_folder(os.path.basename(output))
                and same_file(os.path.dirname(os.path.abspath(output)), item)):
            raise OutputError(f"{output}: is also an input (a page of {item}); write the output elsewhere")


def check_outputs(outputs: Iterable[str | os.PathLike | None], inputs: Iterable[str | os.PathLike],
                  reads_folder: Callable[[str], bool] = lambda name: False) -> None:
    """Check a command's output files before any work: each writable, none of them an
    input (see :func:`check_not_input`), and no two the same file (the second would
    silently replace the first)."""
    inputs = list(inputs)
    seen: list[str | os.PathLike] = []
    for output in (o for o in outputs if o is not None):
        check_not_input(output, inputs, reads_folder)
        for earlier in ([] if _is_special(Path(output)) else seen):  # (/dev/null takes any number)
            if os.path.abspath(earlier) == os.path.abspath(output) or same_file(earlier, output):
                raise OutputError(f"{output}: is named for two outputs; give each its own file")
        seen.append(output)
        check_writable(output)


def same_file(a, b) -> bool:
    """Whether two paths name one file (False when either cannot be looked at)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):  # (ValueError: a name holding a NUL)
        return False


# A file name's limit on most file systems, in bytes; a temporary file's name beside the
# output ("." + name + "." + 8 random characters + ".tmp") must fit it too.
MAX_NAME_BYTES = 255
_TEMPORARY_EXTRA_BYTES = len("." + "." + "12345678" + ".tmp")


def temporary_prefix(name: str) -> str:
    """The prefix of a temporary file's name for writing ``name`` atomically: the name, cut
    short enough that the temporary name fits where the name itself does."""
    room = MAX_NAME_BYTES - _TEMPORARY_EXTRA_BYTES
    encoded = os.fsencode(name)
    if len(encoded) > room:
        name = os.fsdecode(encoded[:room])  # (a character cut in two: its bytes kept as they are)
    return f".{name}."


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success.

    A symlink is followed (its target is replaced, the link stays); a device node or FIFO
    cannot be replaced, so it is written directly; an existing file keeps its mode."""
    if "b" in mode:
        encoding = None
    if _is_special(Path(path)):
        with _output_errors(path), open(path, mode, encoding=encoding, newline="" if encoding else None) as handle:
            yield handle
        return
    target = _followed(Path(path))
    tmp = None
    try:
        # The name is chosen before the file is made, so that the cleanup below knows it even
        # when Ctrl-C (or SIGTERM) lands inside the call that makes it: a signal that another
        # thread takes (a progress bar's, BLAS's) raises here whatever this thread's mask says.
        for _ in range(_TEMPORARY_ATTEMPTS):
            tmp = target.parent / f"{temporary_prefix(target.name)}{secrets.token_urlsafe(_RANDOM_NAME_BYTES)}.tmp"
            try:
                fd = os.open(tmp, _TEMPORARY_FLAGS, 0o600)
                break
            except FileExistsError:
                tmp = None  # another's file: not ours to remove
            except OSError as exc:
                tmp = None
                raise _cannot_create(path, target, exc) from None
        else:
            raise OutputError(f"{path}: cannot write here: no free name for a temporary file in {target.parent}")
        with _output_errors(path):
            os.chmod(tmp, _mode_for(target))  # made 0600
            with os.fdopen(fd, mode, encoding=encoding, newline="" if encoding else None) as handle:
                yield handle
            os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


# A temporary file is made as mkstemp makes one (0600, never an existing file's), with a
# random part as long as mkstemp's: 8 characters of URL-safe base64, 48 bits.
_TEMPORARY_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_RANDOM_NAME_BYTES = 6
_TEMPORARY_ATTEMPTS = 100


def _cannot_create(path: str | os.PathLike, target: Path, exc: OSError) -> OutputError:
    if isinstance(exc, FileNotFoundError):
        if target.parent.is_dir():  # (a folder that takes no new files, as /proc)
            return OutputError(f"{path}: cannot write here: folder {target.parent} takes no new files")
        return OutputError(f"{path}: cannot write here: folder {target.parent} does not exist")
    return OutputError(f"{path}: cannot write here ({exc.strerror})")


@contextlib.contextmanager
def _output_errors(path: str | os.PathLike) -> Iterator[None]:
    # Writing can fail after the checks: a full disk, a lost mount, a refused rename.
    try:
        yield
    except BrokenPipeError:  # a pipe named as the output (-o /dev/stdout | head -1) whose reader left: as stdout's
        raise
    except OSError as exc:
        raise OutputError(f"{path}: could not be written ({exc.strerror or exc})") from None


def _followed(path: Path) -> Path:
    """A symlink's target, which is what gets replaced (the link itself stays)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def is_special(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a device, FIFO or socket: written in place, and never read to see
    what it holds (a FIFO would block)."""
    return _is_special(Path(path))


def _is_special(path: Path) -> bool:
    """A character or block device, FIFO or socket (after following symlinks)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _mode_for(target: Path) -> int:
    """An existing file's own mode; otherwise the usual mode for new files."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_current_umask()


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
