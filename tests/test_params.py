"""--param KEY=VALUE: typed from BlockClassifier's defaults, validated, saved with the model."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from classifier import TrainingError, load_model
from classifier.cli import app
from classifier.params import model_defaults, parse_params

from conftest import SEED_LABELS

runner = CliRunner()


def test_values_are_typed_like_the_defaults():
    assert parse_params(["C=2", "word_ngrams=1,3", "class_weight=balanced", "context_window=1",
                         "neighbours=-2, 1", "features=words,shape"]) == {
        "C": 2.0, "word_ngrams": (1, 3), "class_weight": "balanced", "context_window": 1,
        "neighbours": (-2, 1), "features": ("words", "shape"),
    }
    assert parse_params(["class_weight=none"]) == {"class_weight": None}


def test_every_parameter_can_be_set():
    from classifier import BlockClassifier

    assert set(model_defaults()) == set(BlockClassifier().get_params())
    assert set(model_defaults()) >= {"C", "word_ngrams", "trim_edges", "context_window", "features", "tol"}
    # each one, given its default as text, parses back to the default
    for key, default in model_defaults().items():
        text = ",".join(map(str, default)) if isinstance(default, tuple) else "none" if default is None else str(default)
        assert parse_params([f"{key}={text}"]) == {key: default}, key


def test_values_are_typed_by_the_annotation():
    import typing

    from classifier.params import _BAD, _typed

    optional_pair = typing.Optional[typing.Tuple[int, int]]
    assert _typed(optional_pair, "none") is None
    assert _typed(optional_pair, "2,4") == (2, 4)
    assert _typed(optional_pair, "2") is _BAD
    assert _typed(float | None, "0.5") == 0.5
    assert _typed(tuple[str, ...], "words, shape") == ("words", "shape")
    assert _typed(bool, "true") is True and _typed(bool, "yes") is _BAD
    assert _typed(int, "1.5") is _BAD and _typed(float, "inf") is _BAD


def test_a_key_given_twice_is_refused():
    with pytest.raises(TrainingError, match=r"^--param C=2: C is already set by --param C=1; give it once$"):
        parse_params(["C=1", "C=2"])


def test_an_unknown_key_lists_the_known_ones():
    with pytest.raises(TrainingError) as caught:
        parse_params(["gamma=1"])
    assert str(caught.value) == "--param gamma=1: unknown parameter 'gamma'; known: " + ", ".join(sorted(model_defaults()))


@pytest.mark.parametrize("pair, message", [
    ("C", "--param C: write KEY=VALUE, e.g. --param C=2"),
    ("gamma=1", "--param gamma=1: unknown parameter 'gamma'; known: "),
    ("C=abc", "--param C=abc: C takes a number (default 4.0)"),
    ("context_window=1.5", "--param context_window=1.5: context_window takes a whole number (default 0)"),
    ("word_ngrams=1,x", "--param word_ngrams=1,x: word_ngrams takes 2 comma-separated whole numbers (default 1,1)"),
    ("word_ngrams=1,2,3", "--param word_ngrams=1,2,3: word_ngrams takes 2 comma-separated whole numbers (default 1,1)"),
    ("word_ngrams=", "--param word_ngrams=: word_ngrams takes 2 comma-separated whole numbers (default 1,1)"),
    ("neighbours=-1,x", "--param neighbours=-1,x: neighbours takes comma-separated whole numbers (default -1,1)"),
    ("C=nan", "--param C=nan: C takes a number (default 4.0)"),
    ("C=-1", "--param C=-1: C must be > 0"),
    ("random_state=-1", "--param random_state=-1: random_state must be from 0 to 2**32 - 1"),
    ("trim_edges=2", "--param trim_edges=2: trim_edges must be between 0 and 1"),
    ("class_weight=Balanced", "--param class_weight=Balanced: class_weight must be None or 'balanced'"),
    ("shape_ngrams=3,2", "--param shape_ngrams=3,2: shape_ngrams must be (low, high) with 1 <= low <= high"),
])
def test_bad_pairs_say_what_is_wrong(pair, message):
    with pytest.raises(TrainingError) as caught:
        parse_params([pair])
    assert str(caught.value).startswith(message)


def test_train_records_the_parameters_in_the_model(tmp_path):
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(out), "--param", "C=0.5",
                                 "--param", "word_ngrams=1,1"])
    assert result.exit_code == 0, result.output
    params = load_model(out).metadata["params"]
    assert params["C"] == 0.5 and params["word_ngrams"] == [1, 1]


def test_a_bad_param_is_an_error_line_and_no_model(tmp_path):
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(out), "--param", "C=abc"])
    assert result.exit_code == 1
    assert result.output == "Error: --param C=abc: C takes a number (default 4.0)\n"
    assert not out.exists()


def test_a_value_the_model_refuses_is_an_error_line(tmp_path):
    result = runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(tmp_path / "m.npz"), "--param", "C=-1"])
    assert result.exit_code == 1
    assert result.output == "Error: --param C=-1: C must be > 0\n"
    assert not (tmp_path / "m.npz").exists()


def test_cv_trains_every_fold_with_the_parameters(tmp_path, corpus_blocks, monkeypatch):
    import json

    from classifier import model

    from conftest import write_jsonl

    seen = []
    real_train = model.train
    monkeypatch.setattr(model, "train", lambda blocks, **params: seen.append(params) or real_train(blocks, **params))
    data = write_jsonl(tmp_path / "d.jsonl", [b.to_dict() for b in corpus_blocks])
    scores = tmp_path / "cv.json"
    result = runner.invoke(app, ["cv", str(data), "--folds", "2", "-p", "C=0.5", "-p", "word_ngrams=1,3", "--json", str(scores),
                                 "--no-plain-text-model"])
    assert result.exit_code == 0, result.output
    assert seen == [{"C": 0.5, "word_ngrams": (1, 3), "plain_text_model": False}] * 2
    params = json.loads(scores.read_text())["params"]
    assert params["C"] == 0.5 and params["word_ngrams"] == [1, 3]
    assert params["trim_edges"] == model_defaults()["trim_edges"]  # the others at their defaults


def test_cv_refuses_a_bad_param_before_reading_the_data(tmp_path):
    result = runner.invoke(app, ["cv", str(tmp_path / "missing.jsonl"), "--param", "C=abc"])
    assert result.exit_code == 1
    assert result.output == "Error: --param C=abc: C takes a number (default 4.0)\n"
