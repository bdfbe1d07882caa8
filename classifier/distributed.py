"""Tagging a crawl on a Dask cluster (``pip install blocktag[dask]``).

Workers load a model file themselves, once each, from its path (an in-memory model is
scattered to them once); the model never rides in the task graph. Pages are read by the
workers too: the input files and the model must be on a filesystem they share. Paths go to
the workers made absolute, as a worker's own folder is not the caller's.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Iterable, Sequence

from .blocks import Block, page_blocks
from .errors import ClusterError, InputError
from .extras import require
from .files import DEFAULT_ENCODING, atomic_write, prepare_output_folder
from .bundle import ModelBundle, load_model, shipped_model_path
from .readers.pages import expand_inputs, read_pages
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
    dask = _require_dask()
    if isinstance(model, ModelBundle):
        shipped = client.scatter(model, broadcast=True, hash=False) if client is not None else \
            dask.delayed(model, traverse=False)
    else:
        load_model(model)  # a bad model file fails here, with its error and its name as given, not on every worker
        path = str(Path(model).absolute()) if model is not None else None
        shipped = (path, (Path(path) if path else shipped_model_path()).stat().st_mtime)
    return pages.map_partitions(_tag_partition, shipped)


def _read_partition(paths: Iterable[str], encoding: str, split: str) -> list[list[Block]]:
    pages = []
    for path in paths:
        pages.extend(read_pages(path, encoding, split=split))
    return pages


def _write_shard(records: list[dict], path: str) -> str:
    with atomic_write(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


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
    import dask.bag as db

    files = [str(p) for p in expand_inputs(inputs)]
    if not files:
        raise InputError("no input files to tag")
    if "-" in files:
        raise InputError("-: stdin cannot be tagged on a cluster; give files")
    files = [str(Path(f).absolute()) for f in files]
    out = prepare_output_folder(output_dir).absolute()  # new or empty: an earlier run's shards would mix with these
    paths = db.from_sequence(files, partition_size=files_per_partition)
    pages = paths.map_partitions(_read_partition, encoding, split)
    tagged = tag_bag(pages, model, client=client)
    writes = [
        dask.delayed(_write_shard)(part, str(out / f"part-{i:05d}.jsonl"))
        for i, part in enumerate(tagged.to_delayed())
    ]
    if client is not None:
        written = client.compute(writes, sync=True)
    else:
        written = dask.compute(*writes)
    return [Path(p) for p in written]
