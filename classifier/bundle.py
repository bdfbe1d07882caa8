"""The saved model: the compiled classifier's arrays and the metadata that says what it is
and how it was made, in one ``.npz`` file.

The file is data, not code: numpy arrays plus one JSON document (the format, its version,
the metadata and how the arrays fit together), read with ``allow_pickle=False``. Loading
one cannot run code, whoever made it, and needs neither scikit-learn nor blocktag's class
layout: it is safe to share, and stays readable when the code around it is refactored.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import struct
import tokenize
import zipfile
import zlib
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from .blocks import Block, block_list, check_page_order
from .measures import pages_without_links
from .errors import BlocktagError, ModelError, OutputError, SettingError, short_repr, warn
from .files import GZIP_MAGIC, atomic_write
from .inference import CompiledModel
from .memory import NOT_REMEMBERED, Memory

BUNDLE_FORMAT = "blocktag-model"
# 4: arrays + JSON (.npz) with a plain-text model; 3: without one (written for a bundle
# that has none, so older blocktags still read it); 5: with remembered blocks (a model
# adapted to a user's pages). 1-2 were pickles, no longer read. An older blocktag refuses a
# newer version rather than tag pages without a part of the model.
BUNDLE_FORMAT_VERSION = 4
NO_PLAIN_FORMAT_VERSION = 3
MEMORY_FORMAT_VERSION = 5
READABLE_FORMAT_VERSIONS = (NO_PLAIN_FORMAT_VERSION, BUNDLE_FORMAT_VERSION, MEMORY_FORMAT_VERSION)
MODEL_SUFFIX = ".npz"
SHIPPED_MODEL_NAME = "blocktag.npz"
SHIPPED_MODEL_WORD = "shipped"  # what --model calls the shipped model, from any folder
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".skops")
_META = "meta.json"
_PLAIN_PREFIX = "plain/"  # the plain-text model's arrays
_MEMORY_PREFIX = "memory/"  # the remembered blocks' arrays
# Which of a bundle's models tagged a block (explain says so).
MAIN_MODEL, PLAIN_TEXT_MODEL, MEMORY = "main", "plain-text", "memory"
REMEMBERED_EVIDENCE = "remembered: a block of your labelled pages reads the same"


class ModelBundle:
    """A trained model: its compiled arrays, the metadata that says what it is and how it
    was made and, right after training, the scikit-learn classifier it was compiled from.

    ``plain``, when present, is a second compiled model, learnt from the same pages with
    every link written as its text. It tags the pages that hold no link markup at all, as
    plain-text scrapers deliver them (inscriptis, BeautifulSoup's ``get_text``, text
    exports): a model that has always seen links reads a page without any poorly.

    ``memory``, when present, holds the blocks of a user's own labelled pages
    (:mod:`classifier.memory`): a block that reads as one of them gets its label, with
    probability 1, whatever the models say.

    ``ModelBundle(compiled, metadata)``; :func:`load_model` makes one from a file,
    ``blocktag.train`` from labelled blocks.
    """

    def __init__(self, compiled: CompiledModel, metadata: dict | None = None, *, plain: CompiledModel | None = None,
                 memory: Memory | None = None, classifier=None, source: str = "model"):
        for name, part in (("compiled", compiled), ("plain", compiled if plain is None else plain)):  # (no plain: fine)
            if not isinstance(part, CompiledModel):
                raise ModelError(f"{name} must be a CompiledModel (a trained model's .compiled); got {short_repr(part)}")
        if metadata is not None and not isinstance(metadata, dict):
            raise ModelError(f"metadata must be a dict or None; got {short_repr(metadata)}")
        if plain is not None and list(plain.classes) != list(compiled.classes):
            raise ModelError(f"{source}: its plain-text model's labels differ from its main model's")
        self.compiled = compiled
        # Built now so that forked workers share them; the plain-text model's are built on
        # first use, as most runs tag no page without links.
        compiled.build_lookups()
        self.plain = plain
        self.memory = memory if memory is not None and len(memory) else None
        self.metadata = metadata or {}
        self.source = source
        self._classifier = classifier

    @property
    def classifier(self):
        """The scikit-learn classifier, only on a bundle fresh from training: model files
        hold the compiled arrays alone."""
        if self._classifier is None:
            raise ModelError(f"{self.source}: holds the compiled model only; retrain to get the scikit-learn classifier")
        return self._classifier

    @property
    def labels(self) -> list[str]:
        return list(self.compiled.classes)

    def summary(self) -> dict:
        """What the model is and how it was made, from its metadata: the file, its labels
        with the training blocks of each, the training data's size and sha256, the
        settings it was trained with, its sources and memory, and the versions that made it
        (what ``blocktag info`` shows). A key the model's metadata lacks is None."""
        # Metadata is the file's own word (edited by hand, or written by a caller's code): a
        # field not of its kind is shown as not recorded, as the model tags all the same.
        meta = self.metadata if isinstance(self.metadata, dict) else {}

        def of(key: str, kind: type):
            value = meta.get(key)
            return value if isinstance(value, kind) and not isinstance(value, bool) else None

        counts = of("label_counts", dict) or {}
        return {
            "file": self.source,
            "created": of("created", str),
            "labels": {label: counts.get(label) if isinstance(counts.get(label), int) else None for label in self.labels},
            "pages": of("pages", int),
            "blocks": of("blocks", int),
            "training_sha256": of("training_sha256", str),
            "settings": of("params", dict),
            "plain_text_model": self.plain is not None,
            "remembered_blocks": len(self.memory) if self.memory is not None else 0,
            "sources": of("sources", dict),
            "versions": {name: of(f"{name}_version", str) for name in ("blocktag", "sklearn", "numpy", "scipy", "python")},
        }

    def predict_proba(self, blocks: Sequence[Block]) -> np.ndarray:
        """Each block's probabilities: from the plain-text model for the blocks of a page
        (a run of blocks with one page name) that holds no link, else from the main model;
        a remembered block's are its remembered label's."""
        blocks = _block_records(blocks)
        proba = self.models_proba(blocks)
        if self.memory is not None:
            remembered = self.remembered(blocks)
            rows = np.flatnonzero(remembered != NOT_REMEMBERED)
            proba[rows] = 0.0
            proba[rows, remembered[rows]] = 1.0
        return proba

    def models_proba(self, blocks: Sequence[Block]) -> np.ndarray:
        """:meth:`predict_proba` as the models give it, remembered blocks aside."""
        blocks = _block_records(blocks)
        calls = self._calls(blocks)
        if calls[0][1] is None:
            return calls[0][0].predict_proba(blocks)
        proba = np.empty((len(blocks), len(self.compiled.classes)))
        for model, rows in calls:  # the batch's texts and measures are computed once
            proba[rows] = model.predict_proba(blocks, rows)
        return proba

    def remembered(self, blocks: Sequence[Block]) -> np.ndarray:
        """Each block's remembered label index (into :attr:`labels`), or ``NOT_REMEMBERED``."""
        blocks = _block_records(blocks)
        if self.memory is None:
            return np.full(len(blocks), NOT_REMEMBERED, dtype=np.int64)
        return self.memory.lookup(blocks)

    def evidence(self, blocks: Sequence[Block], label_index: Sequence[int] | np.ndarray,
                 top: int) -> list[list[tuple[str, float]]]:
        """:meth:`CompiledModel.evidence`, from the model that tags each block: for each block,
        the ``top`` features that pushed it most towards ``self.labels[label_index[i]]``."""
        blocks, label_index = _block_records(blocks), np.asarray(label_index)
        if label_index.shape != (len(blocks),) or (len(blocks) and (
                label_index.dtype.kind not in "iu" or label_index.min() < 0 or label_index.max() >= len(self.labels))):
            raise SettingError("label_index", label_index.tolist(), f"give one label's place in the model's labels "
                               f"(0 to {len(self.labels) - 1}) for each of the {len(blocks)} blocks")
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
            raise SettingError("top", top, "give a whole number of features from 1")
        if not blocks:
            return []
        calls = self._calls(blocks)
        if calls[0][1] is None:
            found = calls[0][0].evidence(blocks, label_index, top)
        else:
            found = [None] * len(blocks)
            for model, rows in calls:
                for i, items in zip(rows.tolist(), model.evidence(blocks, label_index[rows], top, rows)):
                    found[i] = items
        if self.memory is not None:
            for i in np.flatnonzero(self.remembered(blocks) != NOT_REMEMBERED).tolist():
                found[i] = [(REMEMBERED_EVIDENCE, 1.0)]
        return found

    def _calls(self, blocks: list[Block]) -> list[tuple[CompiledModel, np.ndarray | None]]:
        """Which model reads which rows of ``blocks``: one (model, None) when one model reads
        them all, else (model, rows) pairs, the rows cut wherever leaving the others out
        would join two pages of one name."""
        plain = self.plain_rows(blocks)
        if not plain.any():
            return [(self.compiled, None)]
        if plain.all():
            return [(self.plain, None)]
        return [(model, part) for model, rows in ((self.compiled, np.flatnonzero(~plain)),
                                                   (self.plain, np.flatnonzero(plain)))
                for part in _split_where_namesakes_meet(rows, blocks)]

    def plain_rows(self, blocks: Sequence[Block]) -> np.ndarray:
        """Which blocks the plain-text model tags: those of pages that hold no link, as the
        features read links (in the canonical text, which the features then reuse)."""
        blocks = _block_records(blocks)
        if self.plain is None or not len(blocks):
            return np.zeros(len(blocks), dtype=bool)
        return pages_without_links(blocks)

    def predict(self, blocks: Sequence[Block]) -> list[str]:
        labels = self.labels
        return [labels[k] for k in self.predict_proba(blocks).argmax(axis=1)]

    # ------------------------------------------------------------------ files

    def to_bytes(self) -> bytes:
        spec, arrays = self.compiled.to_arrays()
        version = (MEMORY_FORMAT_VERSION if self.memory is not None
                   else BUNDLE_FORMAT_VERSION if self.plain is not None else NO_PLAIN_FORMAT_VERSION)
        document = {"format": BUNDLE_FORMAT, "format_version": version, "metadata": self.metadata, "model": spec}
        if self.plain is not None:
            document["plain_model"], plain_arrays = self.plain.to_arrays()
            arrays.update({_PLAIN_PREFIX + name: values for name, values in plain_arrays.items()})
        if self.memory is not None:
            document["memory"] = {"blocks": len(self.memory)}
            arrays.update({_MEMORY_PREFIX + name: values for name, values in self.memory.to_arrays().items()})
        arrays[_META] = np.frombuffer(json.dumps(document, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        return _npz_bytes(arrays)

    def save(self, path: str | Path) -> Path:
        """Write the model atomically to ``path`` (a ``.npz`` file)."""
        if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
            raise OutputError(f"a model is saved to a file's path, e.g. models/my.npz; got {short_repr(path)}")
        path = Path(path)
        check_model_path(path)
        data = self.to_bytes()
        with atomic_write(path, "wb") as handle:
            handle.write(data)
        return path

    def __getstate__(self) -> dict:
        # Worker processes and cluster workers get the model as its file's bytes: data
        # they read back with allow_pickle=False, and no scikit-learn import.
        return {"data": self.to_bytes(), "source": self.source}

    def __setstate__(self, state: dict) -> None:
        loaded = model_from_bytes(state["data"], state["source"])
        self.__init__(loaded.compiled, loaded.metadata, plain=loaded.plain, memory=loaded.memory, source=state["source"])

    def __deepcopy__(self, memo: dict) -> "ModelBundle":
        # The arrays read back, as a worker's copy is, and unlike a worker's, the
        # scikit-learn classifier of a bundle fresh from training copied with them.
        clone = self.__class__.__new__(self.__class__)
        clone.__setstate__(self.__getstate__())
        clone._classifier = copy.deepcopy(self._classifier, memo)
        return clone

    def __copy__(self) -> "ModelBundle":
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        return clone


# An array is stored deflated unless that saves less than this share: the coefficients
# (random-looking floats) barely shrink, and inflating them would slow every start-up.
MIN_DEFLATE_SAVING = 0.1


def _block_records(blocks: Sequence[Block]) -> list[Block]:
    """``blocks`` as a list, refused (naming the first that is wrong) unless all are Block
    records: strings given instead would fail deep in the features. (The check is a pass of
    ``isinstance``; the tagging path's pages are checked where they are read.)"""
    if not isinstance(blocks, list):  # (a list is kept as it is: the features cache their work by the batch)
        blocks = block_list(blocks)
    if not all(isinstance(block, Block) for block in blocks):
        check_page_order(blocks)
    return blocks


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` file (what ``np.load`` reads) of ``arrays``, each member deflated only
    where that pays."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, values in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(values), allow_pickle=False)
            data = member.getvalue()
            saving = 1 - len(zlib.compress(data, 6)) / max(len(data), 1)
            method = zipfile.ZIP_DEFLATED if saving >= MIN_DEFLATE_SAVING else zipfile.ZIP_STORED
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=method)
    return buffer.getvalue()


def _split_where_namesakes_meet(rows: np.ndarray, blocks: Sequence[Block]) -> list[np.ndarray]:
    """``rows`` (ascending) cut wherever leaving out the rows between two of them would join
    two pages of one name, which the features would then read as one page."""
    if not len(rows):
        return []
    gaps = np.flatnonzero(np.diff(rows) > 1).tolist()
    return np.split(rows, [k + 1 for k in gaps if blocks[rows[k]].page == blocks[rows[k + 1]].page])


def check_model_path(path: Path) -> None:
    """Refuse a model path that is not ``.npz``, saying what to use (in the same folder)."""
    if path.name in ("", ".", "..") or path.is_dir():  # (".", "/", "..", or a folder by its name)
        raise OutputError(f"{path}: names a folder; give a model file's name, e.g. {path / ('model' + MODEL_SUFFIX)}")
    if path.suffix.lower() != MODEL_SUFFIX:
        # (a compressor's suffix goes first: "m.npz.gz" -> "m.npz", not "m.npz.npz")
        bare = path.with_suffix("") if path.suffix.lower() in _COMPRESSED_SUFFIXES else path
        # (".npz" alone is a suffix with no name before it)
        stem = bare.stem if bare.stem.strip(".") and bare.stem.lower() != MODEL_SUFFIX else "model"
        raise OutputError(f"{path}: model files are {MODEL_SUFFIX} (arrays, never code); use e.g. "
                          f"{bare.with_name(stem + MODEL_SUFFIX)}")


_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zip")


def shipped_model_path() -> Path:
    """The model that ships with blocktag: inside the installed package, or in the
    checkout's ``models/`` folder when running from source or an editable install."""
    packaged = resources.files("classifier") / "models" / SHIPPED_MODEL_NAME
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "models" / SHIPPED_MODEL_NAME


def model_path(model: str | os.PathLike | None) -> Path:
    """The file ``model`` names, or the shipped model's when it is None."""
    return Path(model) if model is not None else shipped_model_path()


def as_model(model: "ModelBundle | str | Path | None") -> ModelBundle:
    """The model file ``model`` names (None: the shipped one), or ``model`` itself, loaded."""
    if model is None or isinstance(model, (str, os.PathLike)):
        return load_model(model)
    if not (hasattr(model, "labels") and hasattr(model, "predict_proba")):  # (anything that tags as a bundle does)
        raise ModelError(f"model must be a ModelBundle, a model file's path or None (the shipped model); got {short_repr(model)}")
    return model


def load_model(path: str | Path | None = None) -> ModelBundle:
    """Load a model file (the shipped model when ``path`` is None).

    Raises :class:`ModelError` for a file that is not a blocktag model of this format,
    saying what to do; never unpickles anything.
    """
    named = path is not None
    if named and not isinstance(path, (str, os.PathLike)):
        raise ModelError(f"a model file's path must be a str or Path; got {short_repr(path)}")
    if named and not str(os.fspath(path)).strip():
        raise ModelError("a model file's path is empty; give one, or None for the shipped model")
    path = model_path(path)
    if not path.is_file():
        if path.exists():
            raise ModelError(f"{path}: is not a file")
        # models/blocktag.npz, as the checkout names it, is not there in a team's own folder
        shipped = named and path.name == SHIPPED_MODEL_NAME
        word = named and str(path) == SHIPPED_MODEL_WORD  # the command line's name for it, given to Python
        raise ModelError(f"{path}: no such model file"
                         + (f"; the shipped model needs no -m (or give -m {SHIPPED_MODEL_WORD})" if shipped else "")
                         + ("; for the shipped model give None (or no model)" if word else ""))
    if path.suffix.lower() in PICKLE_SUFFIXES:
        if _holds_model_arrays(path):  # a blocktag model renamed: reading its first bytes runs nothing
            raise ModelError(f"{path}: is named as a pickle but holds a model's arrays (.npz); rename it "
                             f"{path.with_suffix(MODEL_SUFFIX).name} to load it")
        raise ModelError(
            f"{path}: is a pickle-based model of an older blocktag, which could run code when loaded; "
            f"retrain it with 'blocktag train ... --output {path.with_suffix(MODEL_SUFFIX).name}'"
        )
    try:
        with open(path, "rb") as handle:
            _check_start(handle.read(len(_LFS_POINTER)), path, os.fstat(handle.fileno()).st_size, named)
            handle.seek(0)
            data = handle.read()
    except OSError as exc:
        raise ModelError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    return model_from_bytes(data, str(path))


# What a file that should be a model starts with instead, and what to do about it.
_LFS_POINTER = b"version https://git-lfs"
_ZIP_START = b"PK"


def _check_start(head: bytes, path: Path, size: int, named: bool) -> None:
    """Refuse, from its first bytes and its size, a file that cannot be a model, before
    reading it whole: a gzipped model, a Git LFS pointer, an empty or huge file."""
    if head.startswith(_ZIP_START) and size <= MAX_MODEL_BYTES:
        return
    reinstall = "reinstall blocktag (pip install --force-reinstall blocktag, or from your checkout)"  # (the shipped one)
    if head.startswith(GZIP_MAGIC):
        raise ModelError(f"{path}: is gzipped; unpack it first (gunzip) and give the .npz")
    if head.startswith(_LFS_POINTER):
        raise ModelError(f"{path}: is a Git LFS pointer, not the model itself; fetch it (git lfs pull)"
                         + ("" if named else f"; {reinstall}"))
    if head.startswith(_ZIP_START):
        raise ModelError(f"{path}: is not a blocktag model ({size // 2**20:,} MB, over the "
                         f"{MAX_MODEL_BYTES // 2**20:,} MB a model may take)")
    raise ModelError(f"{path}: is not a blocktag model ({'an empty file' if not size else 'not a readable .npz file of arrays'}); "
                     + ("download or train it again" if named else reinstall))


def _holds_model_arrays(path: Path) -> bool:
    """Whether ``path`` is a zip archive holding a blocktag model's metadata (its list of
    members is read, nothing in them)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _META + ".npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False


# What reading a damaged zip of arrays raises: a bad deflate stream (zlib.error), a bad
# compression-method field (NotImplementedError), a bad .npy header (tokenize.TokenError,
# from numpy parsing it), besides the usual ones.
_DAMAGED_FILE = (ValueError, OSError, zipfile.BadZipFile, EOFError, UnicodeDecodeError, KeyError, RecursionError,
                 MemoryError, zlib.error, NotImplementedError, tokenize.TokenError, struct.error)


def model_from_bytes(data: bytes, source: str) -> ModelBundle:
    try:
        _check_members(data, source)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            if _META not in npz.files:
                raise ModelError(f"{source}: is not a blocktag model; train one with 'blocktag train'")
            document = json.loads(bytes(npz[_META]).decode("utf-8"))
            arrays = {name: npz[name] for name in npz.files if name != _META}
    except BlocktagError:
        raise
    except _DAMAGED_FILE:
        raise ModelError(f"{source}: is not a blocktag model (not a readable .npz file of arrays); "
                         "download or train it again") from None
    if not isinstance(document, dict) or document.get("format") != BUNDLE_FORMAT:
        raise ModelError(f"{source}: is not a blocktag model; train one with 'blocktag train'")
    version = document.get("format_version")
    if version not in READABLE_FORMAT_VERSIONS:
        from . import __version__

        made_by = (document.get("metadata") or {}).get("blocktag_version") if isinstance(document.get("metadata"), dict) else None
        newer = isinstance(version, int) and not isinstance(version, bool) and version > max(READABLE_FORMAT_VERSIONS)
        fix = (f"upgrade blocktag (this is {__version__}) to {made_by or 'the version that made it'} or later, "
               "or retrain it with 'blocktag train'" if newer else
               "retrain it with 'blocktag train', or use the blocktag that made it")
        raise ModelError(
            f"{source}: is a blocktag model of format {version!r}; this blocktag reads formats "
            f"{', '.join(map(str, READABLE_FORMAT_VERSIONS[:-1]))} and {READABLE_FORMAT_VERSIONS[-1]}: {fix}"
        )
    try:
        main = {name: values for name, values in arrays.items() if not name.startswith((_PLAIN_PREFIX, _MEMORY_PREFIX))}
        compiled = CompiledModel.from_arrays(document["model"], main)
        plain = memory = None
        if "plain_model" in document:
            plain = CompiledModel.from_arrays(document["plain_model"], _prefixed(arrays, _PLAIN_PREFIX))
        if "memory" in document:
            memory = Memory.from_arrays(_prefixed(arrays, _MEMORY_PREFIX), len(compiled.classes))
        metadata = document.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise TypeError("its metadata is not a JSON object")
        if "labels" in metadata and metadata["labels"] != compiled.classes:
            raise ValueError(f"its metadata names labels {metadata['labels']}, its arrays {compiled.classes}")
        bundle = ModelBundle(compiled, metadata, plain=plain, memory=memory, source=source)
    except ModelError as exc:  # a feature this version does not define (or a fault the bundle named itself)
        said = str(exc)
        raise ModelError(said if said.startswith(f"{source}: ") else f"{source}: {said}; "
                         + (_upgrade_advice(document) or "retrain it with this blocktag")) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelError(f"{source}: is a damaged blocktag model ({type(exc).__name__}: {exc}); "
                         + (_upgrade_advice(document) or "download or train it again")) from None
    _warn_on_version_mismatch(source, metadata)
    return bundle


# A member of a model file unpacks to at most this much (the shipped model's largest holds
# a few MB), a model's members to at most MAX_MODEL_BYTES together, and a member of over a
# MB to at most MAX_PACKING times what it takes in the file (real arrays of numbers pack
# to a half or more: only runs of zeros pack a hundredfold), so that a small file cannot
# make loading it take gigabytes.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_MODEL_BYTES = 1024 * 1024 * 1024
MAX_PACKING = 100
_MEMBER = re.compile(r"(?:plain/)?(?:(?:first|context)\.(?:coef|intercept)|part\d{1,4}\.(?:idf|mean|scale))\.npy"
                     r"|memory/(?:keys|labels)\.npy|meta\.json\.npy")


def _check_members(data: bytes, source: str) -> None:
    """Refuse, before anything is unpacked, a file that is no zip of arrays, holds a member
    no model has, or one that would unpack to more than :data:`MAX_MEMBER_BYTES`."""
    if not data.startswith(b"PK"):
        raise ModelError(f"{source}: is not a blocktag model (not a readable .npz file of arrays); "
                         "download or train it again")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if _META + ".npy" not in archive.namelist():  # arrays of something else
            raise ModelError(f"{source}: is not a blocktag model; train one with 'blocktag train'")
        total = 0
        for member in archive.infolist():
            if not _MEMBER.fullmatch(member.filename):
                raise ModelError(f"{source}: is not a blocktag model (it holds {member.filename!r}, which no model has)")
            total += member.file_size
            packed = member.file_size > 2**20 and member.file_size > MAX_PACKING * max(member.compress_size, 1)
            if member.file_size > MAX_MEMBER_BYTES or packed:
                raise ModelError(f"{source}: is not a blocktag model ({member.filename} would unpack to "
                                 f"{member.file_size // 2**20:,} MB from {member.compress_size:,} bytes)")
            if total > MAX_MODEL_BYTES:
                raise ModelError(f"{source}: is not a blocktag model (its arrays would unpack to over "
                                 f"{MAX_MODEL_BYTES // 2**20:,} MB)")


def _upgrade_advice(document: dict) -> str | None:
    """What to do with a model this blocktag cannot read that a newer one saved (a feature or
    setting added since), or None when none did: its fault is its own."""
    from . import __version__

    metadata = document.get("metadata")
    made_by = metadata.get("blocktag_version") if isinstance(metadata, dict) else None
    if not isinstance(made_by, str) or _release(made_by) <= _release(__version__):
        return None
    return (f"it was saved by blocktag {made_by}, newer than this one ({__version__}): upgrade blocktag "
            "(pip install -U blocktag), or retrain it with this one")


def _release(version: str) -> tuple[int, ...]:
    """A version's release numbers, to compare: "0.4.11" is (0, 4, 11); "0.5.0rc1" is (0, 5, 0)."""
    return tuple(int(part) for part in re.findall(r"\d{1,9}", version.split("rc")[0].split("+")[0])[:3])


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name[len(prefix):]: values for name, values in arrays.items() if name.startswith(prefix)}


def _warn_on_version_mismatch(source: str, metadata: dict) -> None:
    from . import __version__

    saved_with = metadata.get("blocktag_version")
    if saved_with and saved_with != __version__:
        warn(f"{source}: saved by blocktag {saved_with}, running {__version__}; "
             "if its features changed, retrain the model")
