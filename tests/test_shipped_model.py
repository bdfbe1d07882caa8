"""The shipped model: it is what the documented command builds from training/, it meets
the corpus minimums, and it tags the seed page out of the box."""

import collections

import numpy as np

from classifier import load_model, read_labelled, shipped_model_path, tag_text, train
from classifier.model import training_data_hash

from conftest import SEED_LABELS, SEED_PAGE, TRAINING_DATA

# The corpus minimums of the training-corpus issue.
MIN_PAGES, MIN_BLOCKS, MIN_PER_LABEL, MIN_OUTLETS = 150, 4000, 150, 40
GUIDE_LABELS = {"body", "caption", "byline", "contributor_note", "promotion", "other"}


def test_corpus_meets_its_minimums():
    blocks = read_labelled(TRAINING_DATA)
    counts = collections.Counter(b.label for b in blocks)
    assert set(counts) == GUIDE_LABELS
    assert len({b.page for b in blocks}) >= MIN_PAGES
    assert len(blocks) >= MIN_BLOCKS
    assert min(counts.values()) >= MIN_PER_LABEL, counts
    outlets = {path.stem for path in TRAINING_DATA} - {"seed-000"}
    assert len(outlets) >= MIN_OUTLETS


def test_shipped_model_is_what_the_documented_command_builds():
    # README: blocktag train training/data/*.jsonl --output models/blocktag.joblib
    blocks = read_labelled(TRAINING_DATA)  # sorted, as the shell expands the glob
    shipped = load_model()
    assert shipped.metadata["training_sha256"] == training_data_hash(blocks), (
        "training/ changed since the shipped model was built: rebuild it with the README's command"
    )
    fresh = train(blocks)
    probe = read_labelled([SEED_LABELS]) + blocks[::7]
    np.testing.assert_allclose(shipped.predict_proba(probe), fresh.predict_proba(probe), atol=1e-6)
    assert shipped.metadata["params"] == fresh.metadata["params"]


def test_shipped_model_tags_the_seed_page():
    truth = [b.label for b in read_labelled([SEED_LABELS])]
    tagged = tag_text(SEED_PAGE.read_text(encoding="utf-8"), page=SEED_PAGE.stem)
    assert len(tagged) == 31
    right = sum(t.label == label for t, label in zip(tagged, truth))
    assert right >= 29, [(t.block.index, t.label, label) for t, label in zip(tagged, truth) if t.label != label]


def test_shipped_model_path_points_at_a_file():
    assert shipped_model_path().is_file()
    assert set(load_model().labels) == GUIDE_LABELS
