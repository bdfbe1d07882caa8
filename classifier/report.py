"""Reports: the evaluation figures as JSON (and, later, HTML)."""

from __future__ import annotations

import json
from pathlib import Path

from .files import atomic_write


def write_json(metrics: dict, path: str | Path) -> None:
    """Write the figures (without the per-block predictions) as JSON, atomically."""
    figures = {k: v for k, v in metrics.items() if k != "predictions"}
    with atomic_write(path) as handle:
        json.dump(figures, handle, indent=2)
        handle.write("\n")
