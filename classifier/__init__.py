"""blocktag: tag the blocks of scraped article pages.

Labels (the labelling guide's six): body, caption, byline, contributor_note, promotion, other.
For example (``page_text`` a scraped page; the files your labelled blocks)::

    import classifier as blocktag
    tagged = blocktag.tag_text(page_text)            # the shipped model
    article = [t.block.text for t in tagged if t.label == "body"]
    model = blocktag.train(blocktag.read_labelled(["my.jsonl"]))
    blocktag.evaluate(model, blocktag.read_labelled(["held_out.jsonl"]))["macro_f1"]
"""

__version__ = "0.4.12"

from importlib.util import find_spec  # noqa: E402
from typing import TYPE_CHECKING, Sequence  # noqa: E402
from os import PathLike as _PathLike  # noqa: E402
from threading import Lock as _Lock  # noqa: E402

from .blocks import Block, join_blocks, page_blocks, read_groups, read_labelled, segment  # noqa: E402
from .errors import (  # noqa: E402
    BlocktagError,
    DataFormatError,
    InputError,
    ModelError,
    OutputError,
    SettingError,
    TrainingError,
    WorkerError,
)
from .bundle import ModelBundle, load_model, model_path, shipped_model_path  # noqa: E402
from .evaluation import cross_validate, evaluate  # noqa: E402
from .explain import explain_pages  # noqa: E402
from .readers.pages import iter_pages  # noqa: E402
from .files import DEFAULT_ENCODING  # noqa: E402
from .segmentation import DEFAULT_SPLIT  # noqa: E402
from .suggest import suggest_pages  # noqa: E402
from .tagging import Tagger, TaggedBlock  # noqa: E402

# Training needs scikit-learn (the [train] extra), which takes about a second to import;
# tagging does not (see classifier.inference). These names are imported when first used.
_TRAINING_NAMES = {"BlockClassifier", "train"}
if TYPE_CHECKING:  # (what type checkers see; at run time, __getattr__ below imports them)
    from .model import BlockClassifier, train


def __getattr__(name: str):
    if name in _TRAINING_NAMES:
        from . import model

        return getattr(model, name)
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_TRAINING_NAMES})  # (help() and completion list the lazy names too)


def _tagger(model: "ModelBundle | str | _PathLike | None") -> Tagger:
    """A Tagger for ``model``. A model file (the shipped one by default) is loaded once and
    reused while the file is unchanged, so tagging page after page does not reload it; the
    last few files are kept, so a model a site does not thrash against the shipped one."""
    if isinstance(model, ModelBundle) or not isinstance(model, (str, _PathLike, type(None))) or model == "":
        return Tagger(model)  # (a bundle; or no model at all, or "", which Tagger refuses saying what to give)
    path = model_path(model).resolve()
    try:
        stat = path.stat()  # a file retrained in place is a new inode (written atomically) or a new size or time
    except OSError:
        return Tagger(path)  # load_model says what is wrong with it
    key = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    with _LOADING:  # (threads of a server share the cache)
        loaded = _LOADED.pop(str(path), None)
        if loaded is None or loaded[0] != key:
            loaded = (key, Tagger(path))
        _LOADED[str(path)] = loaded  # now the most recently used
        while len(_LOADED) > MODELS_KEPT:
            del _LOADED[next(iter(_LOADED))]
        return loaded[1]


MODELS_KEPT = 4  # model files kept loaded by tag_text and tag_blocks (the shipped one takes about 22 MB)
_LOADED: "dict[str, tuple[tuple[int, int, int], Tagger]]" = {}  # path: (its inode, size and time, its Tagger), oldest first
_LOADING = _Lock()


def tag_text(text: "str | bytes", *, model: "ModelBundle | str | _PathLike | None" = None, page: str = "page",
             split: str = DEFAULT_SPLIT, encoding: str = DEFAULT_ENCODING) -> list[TaggedBlock]:
    """Tag one page given as a string (text in any dialect, or HTML; or its bytes, as
    ``response.content``, read as a file's are, in ``encoding`` unless they name their own)
    with ``model`` (a bundle or a path; default: the shipped model, loaded on the first call
    and reused)."""
    return _tagger(model).tag_text(text, page, split, encoding)


def tag_blocks(blocks: "Sequence[Block]", *, model: "ModelBundle | str | _PathLike | None" = None) -> list[TaggedBlock]:
    """Tag blocks as given (whole pages, each page's blocks together in index order)."""
    return _tagger(model).tag_blocks(blocks)


__all__ = [
    "Block", "BlocktagError", "DataFormatError", "InputError", "ModelBundle",
    "ModelError", "OutputError", "SettingError", "TaggedBlock", "Tagger", "TrainingError", "WorkerError", "cross_validate",
    "evaluate", "explain_pages", "iter_pages", "join_blocks", "load_model", "page_blocks", "read_groups",
    "read_labelled", "segment", "shipped_model_path", "suggest_pages", "tag_blocks", "tag_text",
]
# The training names only where scikit-learn is installed: `from classifier import *` in a
# tagging-only install would fail on them (importing one by name says what to install).
if find_spec("sklearn") is not None:
    __all__ += sorted(_TRAINING_NAMES)
