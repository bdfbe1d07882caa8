"""Optional dependencies, by need: the core tags, converts, explains and evaluates with numpy;
training, HTML reports and Dask each need an extra. A missing one is a one-line error that
says what to install."""

from __future__ import annotations

from importlib.util import find_spec

from .errors import MissingExtraError

EXTRAS = {
    "train": ("sklearn", "threadpoolctl"),
    "report": ("matplotlib",),
    "dask": ("dask", "distributed"),
}
MODULE_PACKAGES = {"sklearn": "scikit-learn"}


def require(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtraError` unless the modules of ``extra`` can be imported."""
    missing = [MODULE_PACKAGES.get(m, m) for m in EXTRAS[extra] if find_spec(m) is None]
    if missing:
        raise MissingExtraError(f"{purpose} needs {' and '.join(missing)}: pip install 'blocktag[{extra}]'")
