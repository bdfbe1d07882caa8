"""Tagging a crawl on a Dask cluster (``pip install blocktag[dask]``).

Workers load a model file themselves, once each, from its path (an in-memory model is
scattered to them once); the model never rides in the task graph. Pages are read by the
workers too: the input files and the model must be on a filesystem they share. Paths go to
the workers made absolute, as a worker's own folder is not the caller's.
"""

from __future__ import annotations

import functools
import json
import threading
import warnings
from pathlib import Path
from typing import Iterable, Sequence

from .blocks import Block, page_blocks
from .errors import BlocktagError, ClusterError, InputError
from .extras import require
from .files import DEFAULT_ENCODING, atomic_write, prepare_output_folder
from .bundle import ModelBundle, load_model, shipped_model_path
from .readers.pages import nothing_to_tag, read_pages
from .sources import STDIN, expand_arguments
from .segmentation import DEFAULT_SPLIT
from .tagging import Tagger

DEFAULT_FILES_PER_PARTITION = 64


def _require_dask():
    require("dask", "tagging on a Dask cluster")
    import dask
    import dask.bag

    return dask


def connect(address: str):
    """A ``dask.distributed.Client`` for the scheduler at ``address``."""
    _require_dask()
    from dask.distributed import Client

    try:
        return Client(address, timeout="10s")
    except ValueError as exc:  # no port, an unknown scheme: distributed parses the address first
        raise ClusterError(f"{address}: is no Dask scheduler address ({exc}); give one such as "
                           "tcp://10.0.0.5:8786") from None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); check the address, "
                           "or start one with: dask scheduler") from None


def _as_blocks(page) -> list[Block]:
    """A bag element as a page's blocks: a ``{"page", "text"}`` dict (a whole page's text) or
    a list of block dicts / :class:`Block` records (a page from a JSONL shard)."""
    if isinstance(page, dict):
        return page_blocks(page["text"], str(page["page"]))
    return [b if isinstance(b, Block) else Block(str(b["page"]), int(b["index"]), b["text"]) for b in page]


@functools.lru_cache(maxsize=4)
def _model_on_worker(path: str | None, mtime: float) -> ModelBundle:
    """A worker's copy of a model file, loaded once per worker process (``mtime`` keys the
    cache, so a rewritten file is loaded afresh)."""
    return load_model(path)


def _tag_partition(pages: Iterable, model) -> list[dict]:
    if isinstance(model, tuple):  # (path, mtime): load it here rather than ship it
        model = _model_on_worker(*model)
    return [t.to_record() for t in Tagger(model).tag_pages(_as_blocks(page) for page in pages)]


def tag_bag(pages, model: ModelBundle | str | Path | None = None, client=None):
    """Tag a ``dask.bag`` of pages; returns a bag of tagged block records (the ``jsonl`` fields).

    Each element is a page: ``{"page": name, "text": page_text}`` or a list of blocks
    (dicts with ``page``, ``index``, ``text``, e.g. one page of a JSONL shard).

    A model file (or the shipped model) is loaded by each worker from its path, which the
    workers share with this machine; a ``ModelBundle`` is sent to every worker once
    (scattered when ``client`` is given). Neither goes into the task graph itself.
    """
    return pages.map_partitions(_tag_partition, _shipped(model, client))


def _shipped(model: ModelBundle | str | Path | None, client):
    """What the workers get to tag with: a bundle scattered once (or a delayed one), or a model
    file's (absolute path, mtime), which each worker loads itself."""
    dask = _require_dask()
    if isinstance(model, ModelBundle):
        return client.scatter(model, broadcast=True, hash=False) if client is not None else \
            dask.delayed(model, traverse=False)
    load_model(model)  # a bad model file fails here, with its error and its name as given, not on every worker
    path = str(Path(model).absolute()) if model is not None else None
    return path, (Path(path) if path else shipped_model_path()).stat().st_mtime


def _read_partition(sources: Iterable[tuple[str, str]], encoding: str, split: str) -> list[list[Block]]:
    """The pages of (path, page name) pairs, as ``iter_pages`` reads them."""
    pages = []
    for path, page in sources:
        read = list(read_pages(path, encoding, page, split))
        if not read:  # said, as iter_pages says it
            warnings.warn(nothing_to_tag(path), stacklevel=2)
        pages.extend(read)
    return pages


def _write_shard(records: list[dict], path: str) -> str:
    with atomic_write(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _shard_of_files(sources: list[tuple[str, str]], encoding: str, split: str, model, path: str) -> tuple[str, list[str]]:
    """Read, tag and write one partition's files ((path, page name) pairs) as one shard;
    returns its path and what reading them warned of (a skipped record, an empty page), for
    the caller to say: a worker's own log is no place a user looks."""
    said: list[str] = []
    _SAID.said = said
    _catch_warnings()
    try:
        _write_shard(_tag_partition(_read_partition(sources, encoding, split), model), path)
    finally:
        _SAID.said = None
    return path, said


# Warnings raised by a task of this thread go to its list (a worker runs tasks in several
# threads: warnings.catch_warnings, which swaps process-wide state, would mix them up).
_SAID = threading.local()
_shown_elsewhere = None


def _catch_warnings() -> None:
    global _shown_elsewhere
    if warnings.showwarning is not _show_or_keep:
        _shown_elsewhere, warnings.showwarning = warnings.showwarning, _show_or_keep


def _show_or_keep(message, category, filename, lineno, file=None, line=None) -> None:
    said = getattr(_SAID, "said", None)
    if said is not None:
        said.append(str(message))
    else:  # a warning of anything else the worker runs, shown as before
        _shown_elsewhere(message, category, filename, lineno, file, line)


def tag_files_on_dask(
    inputs: Sequence[str | Path],
    output_dir: str | Path,
    client=None,
    model: ModelBundle | str | Path | None = None,
    encoding: str = DEFAULT_ENCODING,
    files_per_partition: int = DEFAULT_FILES_PER_PARTITION,
    split: str = DEFAULT_SPLIT,
) -> list[Path]:
    """Tag page files and JSONL shards on a Dask cluster, writing one JSONL shard per
    partition (``part-00000.jsonl``, ...) into ``output_dir``, in input order. Text pages
    split into blocks by ``split``, as :func:`classifier.iter_pages` splits them; a bad file
    stops the run (as ``tag --strict``).

    ``client`` is a ``dask.distributed.Client`` (None: Dask's current scheduler).
    Returns the shard paths.
    """
    dask = _require_dask()

    sources = expand_arguments(inputs)
    error = next((source for source in sources if isinstance(source, BlocktagError)), None)
    if error is not None:
        raise error
    if not sources:
        raise InputError("no input files to tag")
    if any(str(source.path) == STDIN for source in sources):
        raise InputError("-: stdin cannot be tagged on a cluster; give files")
    # each file named as the local run names it (two "index.html" apart by their folders)
    files = [(str(Path(source.path).absolute()), source.page) for source in sources]
    out = prepare_output_folder(output_dir).absolute()  # new or empty: an earlier run's shards would mix with these
    shipped = _shipped(model, client)
    parts = [files[i:i + files_per_partition] for i in range(0, len(files), files_per_partition)]
    writes = [dask.delayed(_shard_of_files)(part, encoding, split, shipped, str(out / f"part-{i:05d}.jsonl"))
              for i, part in enumerate(parts)]
    written = client.compute(writes, sync=True) if client is not None else dask.compute(*writes)
    for _, said in written:  # in input order, as the shards are
        for message in said:
            warnings.warn(message, stacklevel=2)
    return [Path(path) for path, _ in written]
