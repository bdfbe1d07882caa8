"""Tagging a crawl on a Dask cluster (the ``dask`` extra: ``pip install ".[dask]"`` in a checkout).

Workers load a model file themselves, once each, from its path (an in-memory model is
scattered to them once); the model never rides in the task graph. Pages are read by the
workers too: the input files and the model must be on a filesystem they share. Paths go to
the workers made absolute, as a worker's own folder is not the caller's.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .blocks import Block, page_blocks
from .errors import BlocktagError, ClusterError, InputError, warn
from .extras import require
from .files import DEFAULT_ENCODING, atomic_write, prepare_output_folder
from .bundle import ModelBundle, load_model, model_path
from .output import jsonl_batch
from .readers.pages import named_apart, nothing_to_tag, read_pages
from .sources import STDIN, expand_arguments
from .segmentation import DEFAULT_SPLIT
from .tagging import Tagger

DEFAULT_FILES_PER_PARTITION = 64
# How long connecting to a scheduler may take, and how long its first worker is waited for.
CONNECT_SECONDS = 10
WORKERS_SECONDS = 10


def _require_dask():
    require("dask", "tagging on a Dask cluster")
    import dask
    import dask.bag

    return dask


def connect(address: str):
    """A ``dask.distributed.Client`` for the scheduler at ``address``."""
    import asyncio

    _require_dask()
    from dask.distributed import Client

    try:
        client = Client(address, timeout=f"{CONNECT_SECONDS}s")
    except ValueError as exc:  # no port, an unknown scheme: distributed parses the address first
        raise ClusterError(f"{address}: is no Dask scheduler address ({exc}); give one such as "
                           "tcp://10.0.0.5:8786") from None
    except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc}); check the address, "
                           "or start one with: dask scheduler") from None
    except Exception as exc:  # something else answered there (it sent bytes Dask read as a huge message)
        raise ClusterError(f"{address}: what answers there is no Dask scheduler ({type(exc).__name__}); check the "
                           "address") from None
    try:  # a scheduler with no workers would take the work and never do it
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except (TimeoutError, asyncio.TimeoutError, OSError):  # (on Python 3.10 asyncio's is not the built-in one)
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers (none joined in {WORKERS_SECONDS} s); "
                           "start one with: dask worker " + address) from None
    return client


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


def _worker_model(model) -> ModelBundle:
    """What :func:`_shipped` gave, as a model on a worker: a file's (path, mtime) loaded here
    rather than shipped."""
    return _model_on_worker(*model) if isinstance(model, tuple) else model


def _tag_partition(pages: Iterable, model) -> list[dict]:
    return [t.to_record() for t in Tagger(_worker_model(model)).tag_pages(_as_blocks(page) for page in pages)]


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
    return path, model_path(path).stat().st_mtime


def _read_partition(sources: Iterable[tuple[str, str]], encoding: str, split: str, edges: dict) -> Iterator[list[Block]]:
    """The pages of (path, page name) pairs, as ``iter_pages`` reads them, lazily, named
    apart within the partition; ``edges["inputs"]`` gets, for each input, its pages' names as
    read and as given and their numbers of blocks, for the caller to name them apart across
    the whole run as ``iter_pages`` does."""
    last, taken = [None], set()
    inputs = edges.setdefault("inputs", [])
    for path, page in sources:
        named: list[tuple[str, str, int]] = []
        inputs.append(named)
        empty = True
        for read in named_apart(read_pages(path, encoding, page, split), last, taken,
                                on_named=lambda *entry: named.append(entry)):
            empty = False
            yield read
        if empty:  # said, as iter_pages says it
            warn(nothing_to_tag(path))


def _shard_of_files(sources: list[tuple[str, str]], encoding: str, split: str, model, path: str) -> tuple[str, dict, list[str]]:
    """Read, tag and write one partition's files ((path, page name) pairs) as one shard, a
    page at a time (memory holds a batch of pages, not the partition); returns its path, its
    pages' names at its edges (:func:`_read_partition`) and what reading them warned of (a
    skipped record, an empty page), for the caller to say: a worker's own log is no place a
    user looks."""
    said: list[str] = []
    edges: dict = {}
    _SAID.said = said
    _catch_warnings()
    try:
        with atomic_write(path) as handle:
            for batch in Tagger(_worker_model(model)).tag_batches(_read_partition(sources, encoding, split, edges)):
                handle.write(jsonl_batch(batch))
    finally:
        _SAID.said = None
    return path, edges, said


def _name_apart_across(written: list[tuple[str, dict, list[str]]]) -> None:
    """The shards' pages named as one ``iter_pages`` run names them: each partition named its
    pages apart from its own only, so a page named as one in an earlier partition is named
    apart again, in its shard rewritten (rare: two inputs of one page name in different
    partitions)."""
    inputs = [named for _, edges, _ in written for named in edges.get("inputs", [])]
    last, taken = [None], (set() if len(inputs) > 1 else None)
    for path, edges, _ in written:
        renames = []  # (blocks, name in the shard, name in the run), page by page
        for named in edges.get("inputs", []):
            as_read = ([Block(name, 0, "")] for name, _, _ in named)
            for (_, given, blocks), page in zip(named, named_apart(as_read, last, taken)):
                renames.append((blocks, given, page[0].page))
        if any(given != new for _, given, new in renames):
            _rename_pages(Path(path), renames)


def _rename_pages(path: Path, renames: list[tuple[int, str, str]]) -> None:
    """Rename a shard's pages, page by page (their blocks, in order), rewritten atomically."""
    with open(path, encoding="utf-8") as records, atomic_write(path) as handle:
        for blocks, given, new in renames:
            for _ in range(blocks):
                line = next(records)
                if new != given:
                    record = json.loads(line)
                    record["page"] = new
                    line = json.dumps(record, ensure_ascii=False) + "\n"
                handle.write(line)


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
    # The workers write into a folder of their own inside it, moved into place once every
    # shard is whole: a run that fails or is stopped leaves no shards (a task still running
    # then finds its folder gone, and writes nothing).
    staging = Path(tempfile.mkdtemp(prefix=".blocktag-shards-", dir=out))
    try:
        parts = [files[i:i + files_per_partition] for i in range(0, len(files), files_per_partition)]
        writes = [dask.delayed(_shard_of_files)(part, encoding, split, shipped, str(staging / f"part-{i:05d}.jsonl"))
                  for i, part in enumerate(parts)]
        written = _computed(writes, client)
        _name_apart_across(written)
        shards = []
        for path, _, said in written:  # in input order, as the shards are
            for message in said:
                warn(message)
            shards.append(Path(path).replace(out / Path(path).name))
        return shards
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _computed(writes: list, client) -> list:
    """Every shard written, in order; a worker lost on the way (killed, out of memory, on
    every retry the scheduler allows) is a :class:`ClusterError`, and the work left is
    cancelled when the run stops (an error, Ctrl-C)."""
    dask = _require_dask()
    if client is None:
        return list(dask.compute(*writes))
    from distributed import KilledWorker

    futures = client.compute(writes)
    try:
        return client.gather(futures)
    except KilledWorker as exc:
        raise ClusterError(f"a Dask worker died while tagging its share ({exc.args[0] if exc.args else 'a task'}; "
                           "killed, or out of memory?); give the workers more memory, or fewer files a partition")\
            from None
    except (KeyboardInterrupt, SystemExit):
        # Stopped (Ctrl-C, SIGTERM): the client's waits left behind end with an exception
        # asyncio would print, each with its traceback, as they are collected.
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        raise
    finally:
        client.cancel(futures)  # (done ones are kept as they are; the rest stop)
