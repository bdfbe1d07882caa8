"""blocktag explain: each block's label, runner-up and the evidence behind it, from the
compiled model alone."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from classifier.bundle import ModelBundle
from classifier.cli import app
from classifier.explain import explain_pages
from classifier.inference import CompiledModel, LogisticLayer, Part
from classifier.blocks import page_blocks

from conftest import SEED_PAGE


def hand_made_model() -> ModelBundle:
    """Two labels, position features only: a first block leans to 'other' by 2, a last
    block to 'body' by 2; nothing else counts."""
    part = Part("position", 0, {}, mean=np.zeros(6), scale=np.ones(6))
    first = LogisticLayer(np.array([[0.0, 0.0, 0.0, 2.0, -2.0, 0.0]]), np.zeros(1))
    return ModelBundle(CompiledModel(["body", "other"], [part], first), {"labels": ["body", "other"]})


def test_explain_prints_label_runner_up_and_evidence(tmp_path):
    model = hand_made_model().save(tmp_path / "hand.npz")
    page = tmp_path / "page.txt"
    page.write_text("Otters\n\nCranes\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(page), "-m", str(model)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "# page\n"
        "[0] other 0.88 (runner-up body 0.12): Otters\n"
        "    +1.00  first block: yes\n"
        "[1] body 0.88 (runner-up other 0.12): Cranes\n"
        "    +1.00  last block: yes\n"
    )


def test_explain_jsonl_adds_runner_up_and_evidence(tmp_path):
    model = hand_made_model().save(tmp_path / "hand.npz")
    page = tmp_path / "page.txt"
    page.write_text("Otters\n\nCranes\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(page), "-m", str(model), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["label"], r["runner_up"], r["evidence"]) for r in records] == [
        ("other", "body", [{"feature": "first block: yes", "weight": 1.0}]),
        ("body", "other", [{"feature": "last block: yes", "weight": 1.0}]),
    ]
    assert records[0]["scores"] == {"body": 0.1192, "other": 0.8808}


def test_evidence_of_the_shipped_model_is_its_strongest_first(small_model):
    blocks = page_blocks(SEED_PAGE.read_text(encoding="utf-8"), "seed")
    explained = list(explain_pages(small_model, [blocks], top=3))
    assert [e.tagged.block.index for e in explained] == list(range(len(blocks)))
    for e in explained:
        assert e.runner_up != e.tagged.label
        weights = [w for _, w in e.evidence]
        assert 0 < len(weights) <= 3 and weights == sorted(weights, reverse=True)


def test_explain_refuses_a_top_below_one(tmp_path):
    result = CliRunner().invoke(app, ["explain", str(SEED_PAGE), "--top", "0"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "Error: Invalid value for '--top': Input should be greater than or equal to 1"


def test_measures_are_explained_with_their_values_without_floating_point_dust():
    result = CliRunner().invoke(app, ["explain", str(SEED_PAGE), "--top", "40", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    names = [e["feature"] for line in result.stdout.splitlines() for e in json.loads(line)["evidence"]]
    values = [name.rsplit(" ", 1)[1] for name in names if name.rsplit(" ", 1)[-1][:1].isdigit()]
    assert values and not [v for v in values if "e-" in v]


def test_explain_splits_pages_as_tag_does():
    for split in ("blank", "line"):
        tagged = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--split", split, "-f", "jsonl"])
        explained = CliRunner().invoke(app, ["explain", str(SEED_PAGE), "--split", split, "-f", "jsonl"])
        assert [json.loads(line)["text"] for line in explained.stdout.splitlines()] == \
            [json.loads(line)["text"] for line in tagged.stdout.splitlines()]


def test_second_pass_evidence_is_measured_from_the_average_training_block(corpus_blocks, tmp_path):
    # Unmeasured, a column such as the page's length pushes every block of a long page alike
    # and would lead every explanation; measured from the training average, a block that is
    # average in every second-pass input has no second-pass evidence at all.
    from classifier import load_model, train
    from classifier.measures import context_matrix

    bundle = train(corpus_blocks, context_window=1, stack_folds=3)
    compiled = load_model(bundle.save(tmp_path / "m.npz")).compiled
    np.testing.assert_array_equal(compiled.context_mean, bundle.compiled.context_mean)

    page = [b for b in corpus_blocks if b.page == corpus_blocks[0].page]
    chosen = bundle.predict_proba(page).argmax(axis=1)
    second_pass = ("context: ",)

    def second_pass_evidence():
        return [[(name, weight) for name, weight in items if name.startswith(second_pass)]
                for items in compiled.evidence(page, chosen, top=10_000)]

    found = second_pass_evidence()
    assert any(found)
    # each named with the block's own value: the first block has no previous block, the last no next one
    assert all(name.endswith(" 0") for name, _ in found[0] if name.startswith("context: previous block"))
    assert all(name.endswith(" 0") for name, _ in found[-1] if name.startswith("context: next block"))
    assert any(name.startswith(("context: previous block", "context: next block")) for items in found for name, _ in items)
    first = compiled.first.probabilities(compiled.first_pass_scores(page))
    compiled.context_mean = context_matrix(first, page, 1)[2]  # block 2 now the average block
    assert second_pass_evidence()[2] == []


def test_a_second_pass_average_of_the_wrong_width_is_a_damaged_model(corpus_blocks):
    from classifier import train

    spec, arrays = train(corpus_blocks[:400], context_window=1, stack_folds=2).compiled.to_arrays()
    spec["context_mean"] = spec["context_mean"][:-1]
    with pytest.raises(ValueError, match="^the second pass's average input does not match its features$"):
        CompiledModel.from_arrays(spec, arrays)


def test_explain_text_keeps_each_evidence_on_one_line():
    import io

    from classifier import Block
    from classifier.explain import Explanation
    from classifier.output import write_explanations
    from classifier.tagging import TaggedBlock

    tagged = TaggedBlock(Block("p", 0, "Two\nlines"), "body", 0.9, {"body": 0.9, "other": 0.1})
    out = io.StringIO()
    write_explanations([Explanation(tagged, "other", [("shape ]\n", 0.5), ("word \"two\"", 0.25)])], out)
    assert out.getvalue() == ('# p\n[0] body 0.90 (runner-up other 0.10): Two lines\n'
                              '    +0.50  shape ]\\n\n    +0.25  word "two"\n')


def test_a_measure_of_a_thousand_or_more_reads_as_a_whole_number():
    from classifier.inference import readable_measure

    assert readable_measure("characters", 1234.0).endswith(" 1,234")  # (not 1.23e+03)
    assert readable_measure("characters", 4000.0).endswith(" 4,000")
    assert readable_measure("characters", 33.0).endswith(" 33")


def test_a_shapes_edge_spaces_are_shown_so_two_shapes_never_read_the_same():
    from classifier.registry import FEATURES

    describe = FEATURES["word_shapes"].describe
    assert [describe(gram) for gram in (" ⋯$", "⋯$", "■ ■", "  ·", "· ", " ")] == [
        "shape ␣⋯$", "shape ⋯$", "shape ■ ■", "shape ␣␣·", "shape ·␣", "shape ␣"]
