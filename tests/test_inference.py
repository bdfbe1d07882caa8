"""The compiled first pass predicts what the scikit-learn pipeline predicts, without it."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from classifier import Block, ModelError, load_model, train
from classifier.inference import CompiledClassifier, compile_classifier

from conftest import ROOT, SEED_PAGE


def test_compiled_probabilities_equal_the_pipelines(small_model, corpus_blocks):
    compiled = small_model.compiled
    assert isinstance(compiled, CompiledClassifier)
    np.testing.assert_allclose(
        compiled.predict_proba(corpus_blocks), small_model.classifier.predict_proba(corpus_blocks), atol=1e-6,
    )


def test_shipped_model_is_compiled_and_agrees_on_the_seed_page():
    from classifier import page_blocks

    model = load_model()
    blocks = page_blocks(SEED_PAGE.read_text(encoding="utf-8"), SEED_PAGE.stem)
    np.testing.assert_allclose(model.compiled.predict_proba(blocks), model.classifier.predict_proba(blocks), atol=1e-6)


def test_two_label_models_compile_too(corpus_blocks):
    blocks = [b for b in corpus_blocks if b.label in ("body", "other")]
    bundle = train(blocks)
    assert bundle.compiled is not None and bundle.labels == ["body", "other"]
    np.testing.assert_allclose(bundle.compiled.predict_proba(blocks), bundle.classifier.predict_proba(blocks), atol=1e-6)


@pytest.mark.parametrize("params", [{"context_window": 1, "stack_folds": 3}, {"char_ngrams": (2, 4)}])
def test_models_it_cannot_reproduce_use_scikit_learn(corpus_blocks, params):
    bundle = train(corpus_blocks, **params)
    assert compile_classifier(bundle.classifier) is None and bundle.compiled is None
    np.testing.assert_allclose(bundle.predict_proba(corpus_blocks), bundle.classifier.predict_proba(corpus_blocks))


def test_a_batch_holding_the_joint_falls_back_to_scikit_learn(small_model):
    blocks = [Block("p", 0, "zqxjointzqx is a word here"), Block("p", 1, "Another paragraph.")]
    assert small_model.compiled.predict_proba(blocks) is None
    np.testing.assert_allclose(small_model.predict_proba(blocks), small_model.classifier.predict_proba(blocks))


def test_a_pickled_bundle_travels_as_bytes(small_model, corpus_blocks):
    copy = pickle.loads(pickle.dumps(small_model))
    assert copy._classifier is None  # not unpickled until needed
    np.testing.assert_array_equal(copy.predict_proba(corpus_blocks), small_model.predict_proba(corpus_blocks))
    assert copy.classifier.get_params() == small_model.classifier.get_params()


def test_a_damaged_classifier_pickle_is_reported_when_used(small_model, tmp_path):
    from classifier.bundle import ModelBundle

    bundle = ModelBundle(None, small_model.metadata, compiled=small_model.compiled,
                         pickled_classifier=b"not a pickle", source="m.joblib")
    with pytest.raises(ModelError, match="m.joblib: is a damaged blocktag model"):
        bundle.classifier


def test_tagging_never_imports_scikit_learn(tmp_path):
    out = tmp_path / "out.jsonl"
    probe = (
        "import sys\n"
        "from classifier.cli import main\n"
        f"sys.argv = ['blocktag', 'tag', {str(SEED_PAGE)!r}, '--format', 'jsonl', '--output', {str(out)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 31
