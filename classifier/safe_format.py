"""The skops format: models that can be shared without running a stranger's code on load.

joblib files are pickles, which can execute arbitrary code when loaded. skops files hold
only data and a list of types; blocktag loads one only if every type in it is one that
blocktag or scikit-learn defines for this job (``TRUSTED_TYPES`` below, plus the types
skops itself trusts).
"""

from __future__ import annotations

from pathlib import Path

from .errors import ModelError

# The types of blocktag's own that a saved model holds, beyond what skops trusts by default.
TRUSTED_TYPES = frozenset({
    "classifier.model.BlockClassifier",
    "classifier.features.BatchTfidfVectorizer",
    "classifier.features.BlockShape",
    "classifier.features.PagePosition",
    "classifier.measures.block_texts",
    "classifier.measures.block_openings",
    "classifier.measures.block_shapes",
})


def dump_skops(payload: dict) -> bytes:
    import skops.io as sio

    return sio.dumps(payload)


def load_skops(path: Path) -> dict:
    import skops.io as sio

    try:
        data = path.read_bytes()
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:  # not a zip, a broken schema...: not a skops model either way
        raise ModelError(f"{path}: is not a blocktag model (not a readable skops file: {type(exc).__name__})") from None
    unknown = sorted(set(untrusted) - TRUSTED_TYPES)
    if unknown:
        raise ModelError(
            f"{path}: refusing to load: it holds types blocktag does not trust ({', '.join(unknown[:3])})"
        )
    return sio.loads(data, trusted=list(untrusted))
