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
    assert set(model_defaults()) >= {"C", "word_ngrams", "trim_edges", "context_window", "features", "tol"}


@pytest.mark.parametrize("pair, message", [
    ("C", "--param C: write KEY=VALUE, e.g. --param C=2"),
    ("gamma=1", "--param gamma=1: unknown parameter 'gamma'; known: "),
    ("C=abc", "--param C=abc: C takes a number (default 4.0)"),
    ("context_window=1.5", "--param context_window=1.5: context_window takes a whole number (default 0)"),
    ("word_ngrams=1,x", "--param word_ngrams=1,x: word_ngrams takes comma-separated numbers (default 1,1)"),
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
    assert result.output == "Error: C must be > 0\n"
