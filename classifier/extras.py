"""Optional dependencies, by need: the core tags, converts, explains and evaluates with numpy;
training, HTML reports and Dask each need an extra. A missing one is a one-line error that
says what to install."""

from __future__ import annotations

import re
import shlex
from importlib import metadata
from importlib.util import find_spec

from .errors import MissingExtraError

EXTRAS = {
    "train": ("sklearn", "threadpoolctl"),
    "report": ("matplotlib",),
    "dask": ("dask", "distributed"),
}
MODULE_PACKAGES = {"sklearn": "scikit-learn"}


def install_command(extra: str) -> str:
    """The pip command that installs ``extra``'s packages, as the installed blocktag's own
    metadata requires them (``pip install 'scikit-learn>=1.4.2' ...``): blocktag itself is
    not on PyPI, so ``pip install 'blocktag[train]'`` would fail outside a checkout."""
    try:
        requirements = metadata.requires("blocktag") or []
    except metadata.PackageNotFoundError:  # (run from a checkout that was never installed)
        requirements = []
    marker = re.compile(rf"""extra\s*==\s*["']{re.escape(extra)}["']""")
    packages = [r.split(";")[0].strip() for r in requirements if marker.search(r)]
    return "pip install " + " ".join(shlex.quote(p) for p in packages or
                                     [MODULE_PACKAGES.get(m, m) for m in EXTRAS[extra]])


def require(extra: str, purpose: str) -> None:
    """Raise :class:`MissingExtraError` unless the modules of ``extra`` can be imported."""
    missing = [MODULE_PACKAGES.get(m, m) for m in EXTRAS[extra] if find_spec(m) is None]
    if missing:
        raise MissingExtraError(f"{purpose} needs {' and '.join(missing)}: {install_command(extra)} "
                                f"(blocktag's {extra!r} extra)")
