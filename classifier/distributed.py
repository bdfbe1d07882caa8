"""Tagging a crawl on a Dask cluster (``pip install blocktag[dask]``).

The model goes into the task graph once, as a single delayed object every partition
depends on, so each worker receives it once however many partitions it tags. Pages are
read by the workers themselves: the input files must be on a filesystem they share.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Sequence

from .blocks import Block, page_blocks
from .errors import BlocktagError, InputError
from .files import DEFAULT_ENCODING, atomic_write
from .bundle import ModelBundle, load_model
from .tagging import Tagger, expand_inputs, read_pages

DEFAULT_FILES_PER_PARTITION = 64


def _require_dask():
    try:
        import dask
        import dask.bag
    except ImportError:
        raise BlocktagError("Dask is not installed; install it with: pip install 'blocktag[dask]'") from None
    return dask


def connect(address: str):
    """A ``dask.distributed.Client`` for the scheduler at ``address``."""
    _require_dask()
    from dask.distributed import Client

    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise BlocktagError(f"cannot reach the Dask scheduler at {address} ({exc})") from None


def _as_blocks(page) -> list[Block]:
    """A bag element as a page's blocks: a ``{"page", "text"}`` dict (a whole page's text) or
    a list of block dicts / :class:`Block` records (a page from a JSONL shard)."""
    if isinstance(page, dict):
        return page_blocks(page["text"], str(page["page"]))
    return [b if isinstance(b, Block) else Block(str(b["page"]), int(b["index"]), b["text"]) for b in page]


def _tag_partition(pages: Iterable, model: ModelBundle) -> list[dict]:
    return [t.to_record() for t in Tagger(model).tag_pages(_as_blocks(page) for page in pages)]


def tag_bag(pages, model: ModelBundle | str | Path | None = None):
    """Tag a ``dask.bag`` of pages; returns a bag of tagged block records (the ``jsonl`` fields).

    Each element is a page: ``{"page": name, "text": page_text}`` or a list of blocks
    (dicts with ``page``, ``index``, ``text``, e.g. one page of a JSONL shard).
    """
    dask = _require_dask()
    bundle = model if isinstance(model, ModelBundle) else load_model(model)
    shipped_once = dask.delayed(bundle, traverse=False)
    return pages.map_partitions(_tag_partition, shipped_once)


def _read_partition(paths: Iterable[str], encoding: str) -> list[list[Block]]:
    pages = []
    for path in paths:
        pages.extend(read_pages(path, encoding))
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
) -> list[Path]:
    """Tag page files and JSONL shards on a Dask cluster, writing one JSONL shard per
    partition (``part-00000.jsonl``, ...) into ``output_dir``, in input order.

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
    out = Path(output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    paths = db.from_sequence(files, partition_size=files_per_partition)
    pages = paths.map_partitions(_read_partition, encoding)
    tagged = tag_bag(pages, model)
    writes = [
        dask.delayed(_write_shard)(part, str(out / f"part-{i:05d}.jsonl"))
        for i, part in enumerate(tagged.to_delayed())
    ]
    if client is not None:
        written = client.compute(writes, sync=True)
    else:
        written = dask.compute(*writes)
    return [Path(p) for p in written]
