"""The saved model: a trained classifier with the metadata that says what it is and how it
was made, and the same first pass compiled to plain arrays for tagging.

Loading a ``.joblib`` bundle does not import scikit-learn: the classifier is kept as a
pickle and unpickled only when something needs it (training metrics, the optional second
pass, a model the compiled form cannot reproduce). Tagging uses the compiled arrays
(:mod:`classifier.inference`), so a `blocktag tag` run starts in a fraction of a second.
"""

from __future__ import annotations

import pickle
import warnings
from importlib import metadata as package_metadata
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from .blocks import Block
from .errors import ModelError
from .files import atomic_write
from .inference import CompiledClassifier, compile_classifier

BUNDLE_FORMAT = "blocktag-model"
BUNDLE_FORMAT_VERSION = 2
# In a .joblib bundle the classifier and its compiled form are each one pickle inside the
# joblib file: joblib's own unpickler is pure Python and reads the vocabularies' tens of
# thousands of strings four times slower than the C unpickler, and loading is part of
# every `blocktag tag` run. Keeping the classifier's pickle unopened also keeps
# scikit-learn unimported until it is needed.
PICKLED_CLASSIFIER = "classifier_pickle"
PICKLED_COMPILED = "compiled_pickle"
SHIPPED_MODEL_NAME = "blocktag.joblib"


class ModelBundle:
    """A trained classifier with the metadata that says what it is and how it was made.

    ``ModelBundle(classifier, metadata)`` wraps a fitted
    :class:`~classifier.model.BlockClassifier`; :func:`load_model` makes one from a file.
    """

    def __init__(self, classifier=None, metadata: dict | None = None, *, compiled: CompiledClassifier | None = None,
                 pickled_classifier: bytes | None = None, source: str = "model"):
        if classifier is None and pickled_classifier is None:
            raise ValueError("a ModelBundle needs a classifier or its pickle")
        self._classifier = classifier
        self._pickled_classifier = pickled_classifier
        self.metadata = metadata or {}
        self.source = source
        self.compiled = compiled if compiled is not None or classifier is None else compile_classifier(classifier)

    @property
    def classifier(self):
        """The scikit-learn classifier (unpickled, and scikit-learn imported, on first use)."""
        if self._classifier is None:
            self._classifier = _unpickle_classifier(self._pickled_classifier, self.source)
        return self._classifier

    @property
    def labels(self) -> list[str]:
        if self.compiled is not None:
            return list(self.compiled.classes)
        return [str(c) for c in self.classifier.classes_]

    def predict_proba(self, blocks: Sequence[Block]) -> np.ndarray:
        blocks = list(blocks)
        if not blocks:
            return np.zeros((0, len(self.labels)))
        if self.compiled is not None:
            proba = self.compiled.predict_proba(blocks)
            if proba is not None:
                return proba
        return self.classifier.predict_proba(blocks)

    def predict(self, blocks: Sequence[Block]) -> list[str]:
        labels = self.labels
        return [labels[k] for k in self.predict_proba(blocks).argmax(axis=1)]

    def classifier_pickle(self) -> bytes:
        if self._pickled_classifier is None:
            self._pickled_classifier = pickle.dumps(self._classifier, protocol=pickle.HIGHEST_PROTOCOL)
        return self._pickled_classifier

    def __getstate__(self) -> dict:
        # Sent to worker processes and cluster workers as pickles, not live objects, so a
        # worker that only tags never imports scikit-learn either.
        return {"metadata": self.metadata, "source": self.source, "compiled": self.compiled,
                "pickled_classifier": self.classifier_pickle()}

    def __setstate__(self, state: dict) -> None:
        self.__init__(None, state["metadata"], compiled=state["compiled"],
                      pickled_classifier=state["pickled_classifier"], source=state["source"])

    def save(self, path: str | Path) -> Path:
        """Write the bundle atomically: joblib for ``.joblib``, the safe skops format for ``.skops``."""
        path = Path(path)
        payload = {"format": BUNDLE_FORMAT, "format_version": BUNDLE_FORMAT_VERSION, "metadata": self.metadata}
        with atomic_write(path, "wb") as handle:
            if path.suffix == ".skops":
                from .safe_format import dump_skops

                handle.write(dump_skops({**payload, "classifier": self.classifier}))
            else:
                import joblib

                compiled = pickle.dumps(self.compiled, protocol=pickle.HIGHEST_PROTOCOL) if self.compiled else None
                payload.update({PICKLED_CLASSIFIER: self.classifier_pickle(), PICKLED_COMPILED: compiled})
                joblib.dump(payload, handle, compress=3)
        return path


def _unpickle_classifier(data: bytes, source: str):
    from .model import BlockClassifier

    return _checked(_unpickle(data, source), BlockClassifier, source)


def _unpickle(data: bytes, source: str):
    try:
        return pickle.loads(data)
    except Exception as exc:  # a damaged pickle can fail in any way
        raise ModelError(f"{source}: is a damaged blocktag model (cannot be loaded: {type(exc).__name__})") from None


def _checked(value, expected: type, source: str):
    """``value`` if it is an ``expected``; else the file is of a format this version cannot read."""
    if not isinstance(value, expected):
        raise _unsupported(source)
    return value


def _unsupported(source: str) -> ModelError:
    return ModelError(f"{source}: is a blocktag model of an unsupported format; retrain it with this version")


def shipped_model_path() -> Path:
    """The model that ships with blocktag: inside the installed package, or in the
    checkout's ``models/`` folder when running from source or an editable install."""
    packaged = resources.files("classifier") / "models" / SHIPPED_MODEL_NAME
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "models" / SHIPPED_MODEL_NAME


def load_model(path: str | Path | None = None) -> ModelBundle:
    """Load a saved bundle (the shipped model when ``path`` is None).

    ``.joblib`` files are pickles: load only files you trust. ``.skops`` files are loaded
    with an explicit list of trusted types. Raises :class:`ModelError` for a file that is
    not a blocktag model; warns when it was saved with another scikit-learn version.
    """
    path = Path(path) if path is not None else shipped_model_path()
    if not path.is_file():
        raise ModelError(f"{path}: no such model file" if not path.exists() else f"{path}: is not a file")
    try:
        if path.suffix == ".skops":
            from .safe_format import load_skops

            payload = load_skops(path)
        else:
            import joblib

            payload = joblib.load(path)
    except ModelError:
        raise
    except Exception as exc:  # a pickle can fail in any way; none of them is a model
        raise ModelError(f"{path}: is not a blocktag model (cannot be loaded: {type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != BUNDLE_FORMAT:
        raise ModelError(f"{path}: is not a blocktag model; train one with 'blocktag train'")
    source = str(path)
    if payload.get("format_version") != BUNDLE_FORMAT_VERSION:
        raise _unsupported(source)
    metadata = payload.get("metadata") or {}
    _warn_on_version_mismatch(path, metadata)
    if "classifier" in payload:  # skops: the classifier itself
        from .model import BlockClassifier

        return ModelBundle(_checked(payload["classifier"], BlockClassifier, source), metadata, source=source)
    pickled = _checked(payload.get(PICKLED_CLASSIFIER), bytes, source)
    compiled = None
    if payload.get(PICKLED_COMPILED) is not None:
        compiled = _checked(_unpickle(payload[PICKLED_COMPILED], source), CompiledClassifier, source)
    return ModelBundle(None, metadata, compiled=compiled, pickled_classifier=pickled, source=source)


def _warn_on_version_mismatch(path: Path, metadata: dict) -> None:
    saved_with = metadata.get("sklearn_version")
    try:
        running = package_metadata.version("scikit-learn")  # without importing it
    except package_metadata.PackageNotFoundError:
        return
    if saved_with and saved_with != running:
        warnings.warn(
            f"{path}: saved with scikit-learn {saved_with}, running {running}; "
            "predictions may differ; retrain the model to be sure",
            stacklevel=3,
        )
