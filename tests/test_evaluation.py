"""Evaluation figures against scikit-learn's own metrics, the HTML report, cross-validation."""

import json
import os
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from typer.testing import CliRunner

from classifier import cross_validate, evaluate, load_model
from classifier.errors import DataFormatError
from classifier.cli import app
from classifier.evaluation import calibration
from classifier.report import render_html

from conftest import write_jsonl

runner = CliRunner()


@pytest.fixture(scope="module")
def held_out(corpus_blocks):
    from conftest import TRAINING_DATA
    from classifier import read_labelled

    seen = {b.page for b in corpus_blocks}
    blocks = [b for b in read_labelled(TRAINING_DATA[-3:]) if b.page not in seen]
    return blocks[:400]


def test_figures_agree_with_sklearn(small_model, held_out):
    metrics = evaluate(small_model, held_out)
    truth = [b.label for b in held_out]
    predicted = small_model.predict(held_out)
    labels = sorted(set(truth) | set(predicted))
    assert metrics["accuracy"] == pytest.approx(accuracy_score(truth, predicted))
    assert metrics["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro"))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    for k, label in enumerate(labels):
        assert metrics["per_label"][label] == pytest.approx({"precision": p[k], "recall": r[k], "f1": f[k], "support": s[k]})
    assert metrics["confusion_matrix"]["labels"] == labels
    assert metrics["confusion_matrix"]["matrix"] == confusion_matrix(truth, predicted, labels=labels).tolist()
    assert [p["predicted"] for p in metrics["predictions"]] == predicted


def test_a_label_the_model_does_not_have_is_scored_and_said(small_model, held_out):
    from dataclasses import replace

    blocks = [replace(b, label="bdy") if k in (0, 3) else b for k, b in enumerate(held_out)]
    with pytest.warns(UserWarning) as caught:
        metrics = evaluate(small_model, blocks)
    assert [str(w.message) for w in caught] == [
        f"{small_model.source}: has no label(s) 'bdy' (2 blocks); they count as never predicted. Its labels: "
        + ", ".join(small_model.labels)]
    assert metrics["per_label"]["bdy"]["support"] == 2 and metrics["per_label"]["bdy"]["recall"] == 0.0


def test_calibration_error_by_hand():
    confidence = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, False, True, True])
    result = calibration(confidence, correct)
    # bin 0.9-1.0: accuracy 0.5 vs confidence 0.95; bin 0.5-0.6: accuracy 1.0 vs 0.55
    assert result["ece"] == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    assert [b["count"] for b in result["bins"]] == [2, 2]


def test_calibration_weighs_each_bin_by_its_blocks_and_puts_an_edge_in_the_bin_below():
    confidence = np.array([0.95, 0.95, 0.95, 0.55, 0.5])
    correct = np.array([True, True, False, False, True])
    result = calibration(confidence, correct)
    # 0.5 lies on an edge: in the bin (0.4, 0.5], as "confidence up to 0.5" reads
    assert [(round(b["low"], 6), b["count"], b["accuracy"]) for b in result["bins"]] == [
        (0.4, 1, 1.0), (0.5, 1, 0.0), (0.9, 3, pytest.approx(2 / 3))]
    # 3/5 of the blocks are 0.95 sure and 2/3 right; the other two bins a block each
    assert result["ece"] == pytest.approx(3 / 5 * (0.95 - 2 / 3) + 1 / 5 * 0.55 + 1 / 5 * 0.5)


def test_the_report_gives_matplotlib_a_config_folder_where_the_users_cannot_be_made(tmp_path):
    # (no writable home: a service account, a read-only container) matplotlib would print
    # three lines about making one itself
    not_a_folder = tmp_path / "config"
    not_a_folder.write_text("", encoding="utf-8")
    script = ("import os, sys; from classifier import report; report._matplotlib_config_folder(); "
              "folder = os.environ['MPLCONFIGDIR']; print(os.path.isdir(folder), 'matplotlib' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**env, "XDG_CONFIG_HOME": str(not_a_folder)})
    assert (done.returncode, done.stdout, done.stderr) == (0, "True False\n", "")


def table_rows(output: str) -> list[list[str]]:
    """The cells of every body row of the tables rich drew in ``output``."""
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in output.splitlines() if line.startswith("│")]


def test_evaluate_cli_json_and_report(small_model_path, held_out, tmp_path):
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    scores, report = tmp_path / "scores.json", tmp_path / "report.html"
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--json", str(scores), "--report", str(report)])
    assert result.exit_code == 0, result.output
    figures = json.loads(scores.read_text())
    assert set(figures) >= {"accuracy", "macro_f1", "per_label", "confusion_matrix", "calibration", "blocks", "pages"}
    # what is printed is what the JSON holds: the summary line, each label's row, the confusion matrix's rows
    spread = figures["macro_f1_interval"]
    assert (f"accuracy {figures['accuracy']:.3f}   macro-F1 {figures['macro_f1']:.3f} ({spread['level']:.0%} interval "
            f"over pages {spread['low']:.3f} to {spread['high']:.3f})   calibration error (ECE) "
            f"{figures['calibration']['ece']:.3f}") in result.stdout.splitlines()
    rows = table_rows(result.stdout)
    labels = figures["confusion_matrix"]["labels"]
    assert rows == [[label, f"{f['precision']:.3f}", f"{f['recall']:.3f}", f"{f['f1']:.3f}", str(f["support"])]
                    for label, f in figures["per_label"].items()] + [
                   [label, *map(str, counts)] for label, counts in zip(labels, figures["confusion_matrix"]["matrix"])]
    assert len(set(map(tuple, figures["confusion_matrix"]["matrix"]))) > 1  # (a matrix whose rows differ: read the right way round)
    page = report.read_text()
    assert "<img id=heatmap" in page and "data:image/png;base64," in page
    # self-contained: nothing to fetch (block texts may quote URLs; no element loads one)
    assert not re.search(r"<(?:img|script|link|iframe)[^>]*(?:src|href)=[\"']?(?:https?:)?//", page)


def test_a_report_names_a_file_whose_name_is_not_utf8(small_model_path, held_out, tmp_path):
    # "caf\xe9.jsonl" from a Latin-1 system: its name is read with its byte as "\udce9", and written so
    data = write_jsonl(tmp_path / os.fsdecode(b"caf\xe9.jsonl"), [b.to_dict() for b in held_out])
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "--report", str(report), "-q"])
    assert result.exit_code == 0, result.output
    assert "caf\\udce9.jsonl" in report.read_text(encoding="utf-8")


def test_evaluate_cli_interrupted_while_drawing_the_report_writes_neither_file(small_model_path, held_out, tmp_path,
                                                                                 monkeypatch):
    from classifier import report as report_module

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_module, "render_html", interrupted)
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path),
                                 "--json", str(tmp_path / "scores.json"), "--report", str(tmp_path / "report.html")])
    assert result.exit_code == 130  # as Ctrl-C ends every command
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held.jsonl"]


def test_evaluate_cli_with_no_room_for_the_report_leaves_no_json_either(small_model_path, held_out, tmp_path,
                                                                         monkeypatch):
    import errno
    import os

    from classifier import files as files_module

    fdopen = os.fdopen

    def opened(fd, *args, **kwargs):
        handle = fdopen(fd, *args, **kwargs)
        if "report" in os.readlink(f"/proc/self/fd/{fd}"):  # the report's temporary file: the disk is full
            def write(data):
                raise OSError(errno.ENOSPC, "No space left on device")
            handle.write = write
        return handle

    monkeypatch.setattr(files_module.os, "fdopen", opened)
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path),
                                 "--json", str(tmp_path / "scores.json"), "--report", str(tmp_path / "report.html")])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"Error: {tmp_path / 'report.html'}: could not be written (No space left on device)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held.jsonl"]  # the JSON is not left without its report


def test_evaluate_cli_writes_to_two_fifos_read_one_after_the_other(small_model_path, held_out, tmp_path):
    import os
    import threading

    first, second = tmp_path / "scores", tmp_path / "report"
    os.mkfifo(first), os.mkfifo(second)
    got = []
    reader = threading.Thread(target=lambda: got.extend([first.read_bytes(), second.read_bytes()]), daemon=True)
    reader.start()  # as `cat scores report` reads them: the first to its end, then the second
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path),
                                 "--json", str(first), "--report", str(second)])
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert json.loads(got[0])["blocks"] == len(held_out) and got[1].startswith(b"<!DOCTYPE html>")


@pytest.fixture
def terminal_width(monkeypatch):
    """The console reads COLUMNS at each print, even if COLUMNS was set when the CLI was imported."""
    from classifier import cli

    monkeypatch.setattr(cli.stdout_console(), "_width", None)


def test_two_models_side_by_side(small_model_path, held_out, tmp_path, terminal_width):
    from classifier import read_labelled
    from conftest import SEED_LABELS

    other = tmp_path / "a-rather-long-folder-name-for-the-second-model" / "seed-only.npz"
    other.parent.mkdir()
    assert runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(other)]).exit_code == 0
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    scores = tmp_path / "scores.json"
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-m", str(other), "--json", str(scores),
                                 "--quiet"], env={"COLUMNS": "60"})  # a narrow terminal
    assert result.exit_code == 0, result.output
    figures = json.loads(scores.read_text())["models"]
    assert list(figures) == [str(small_model_path), str(other)]
    first, second = (figures[str(p)]["macro_f1"] for p in (small_model_path, other))
    assert first != second  # two different models, each scored on its own
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ macro-F1"))
    assert row.split("│")[2:5] == [f" {first:.3f} ", f" {second:.3f} ", f" {second - first:+.3f} "]
    change = json.loads(scores.read_text())["comparison"][str(other)]
    assert change["against"] == str(small_model_path) and change["macro_f1_difference"] == pytest.approx(second - first)
    low, high = change["interval"]["low"], change["interval"]["high"]
    assert result.stdout.splitlines()[-3:] == [
        f"A = {small_model_path}", f"B = {other}",
        f"B - A: macro-F1 {second - first:+.3f} (95% interval over pages {low:+.3f} to {high:+.3f})",
    ]
    assert "│ contributor_note │" in result.stdout  # label names stay whole at 60 columns
    assert "…" not in result.stdout
    missing = sum(b.label == "other" for b in held_out)  # the seed page has no chrome: its model no 'other'
    assert result.stderr == (f"Warning: {other}: has no label(s) 'other' ({missing} blocks); they count as never "
                             "predicted. Its labels: body, byline, caption, contributor_note, promotion\n"
                             f"Warning: {other} and {small_model_path} have different labels (only one of them has "
                             "other): their macro-F1s average different labels; compare their per-label F1s\n"
                             f"Wrote {scores}\n")
    # where standard output holds ASCII only (a C locale), the table says "d" for its delta
    result = CliRunner(charset="ascii").invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-m", str(other),
                                                     "-q"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "models side by side (d against A)" in result.stdout and "| d B " in result.stdout


@pytest.mark.parametrize("columns", [10, 30, 50])
def test_tables_keep_every_figure_whole_however_narrow_the_terminal(small_model_path, held_out, tmp_path, terminal_width,
                                                                 columns):
    # headers fold; a figure is never split over two lines ("0.99" / "2") nor dropped
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    metrics = evaluate(load_model(small_model_path), held_out)
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-q"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    for label, row in metrics["per_label"].items():
        cells = [f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"])]
        assert any(line.startswith(f"│ {label} ") and all(f" {cell} " in line for cell in cells)
                   for line in result.stdout.splitlines()), (label, result.stdout)


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_tables_keep_label_names_whole_at_any_width(small_model_path, held_out, tmp_path, terminal_width, columns):
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-q"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "…" not in result.stdout and "contributo " not in result.stdout
    # the per-label table and the confusion matrix's rows name the label whole
    assert sum(line.startswith("│ contributor_note │") for line in lines) == 2
    # the confusion matrix fits the terminal: its long headers fold rather than overflow
    matrix = lines[next(i for i, line in enumerate(lines) if line.startswith("confusion matrix")):]
    assert max(len(line) for line in matrix) <= columns
    if columns >= 140:
        assert any("┃ contributor_note ┃" in line for line in matrix)  # room enough: headers whole too


def test_cv_and_train_tables_keep_label_names_whole(tmp_path, corpus_blocks, terminal_width):
    data = write_jsonl(tmp_path / "d.jsonl", [b.to_dict() for b in corpus_blocks])
    for args in (["cv", str(data), "--folds", "2", "-q"], ["train", str(data), "-o", str(tmp_path / "m.npz"), "-q"]):
        result = runner.invoke(app, args, env={"COLUMNS": "30"})
        assert result.exit_code == 0, result.output
        assert any(line.startswith("│ contributor_note ") for line in result.stdout.splitlines()), result.stdout
        assert "…" not in result.stdout


def test_report_groups_errors_by_confusion_pair():
    predictions = [
        {"page": "p", "index": i, "text": f"t{i}", "label": t, "predicted": p, "confidence": 0.9}
        for i, (t, p) in enumerate([("body", "promotion"), ("body", "promotion"), ("caption", "body"), ("body", "body")])
    ]
    metrics = {
        "blocks": 4, "pages": 1, "accuracy": 0.25, "macro_f1": 0.2,
        "per_label": {l: {"precision": 0, "recall": 0, "f1": 0, "support": 1} for l in ["body", "caption", "promotion"]},
        "confusion_matrix": {"labels": ["body", "caption", "promotion"], "matrix": [[1, 0, 2], [1, 0, 0], [0, 0, 0]]},
        "calibration": {"ece": 0.5, "bins": [{"low": 0.8, "high": 0.9, "count": 4, "confidence": 0.9, "accuracy": 0.25}]},
        "predictions": predictions,
    }
    page = render_html({"m": metrics}, ["d.jsonl"])
    assert page.index("body tagged as promotion: 2") < page.index("caption tagged as body: 1")


def test_report_ranks_pages_by_their_errors():
    outcomes = {"a-few": [("body", "body"), ("body", "other")], "most": [("body", "other"), ("byline", "body")],
                "none": [("body", "body")], "b-few": [("caption", "body")]}
    predictions = [{"page": page, "index": i, "text": "t", "label": t, "predicted": p, "confidence": 0.9}
                   for page, pairs in outcomes.items() for i, (t, p) in enumerate(pairs)]
    labels = ["body", "byline", "caption", "other"]
    metrics = {
        "blocks": 6, "pages": 4, "accuracy": 0.33, "macro_f1": 0.2,
        "per_label": {l: {"precision": 0, "recall": 0, "f1": 0, "support": 1} for l in labels},
        "confusion_matrix": {"labels": labels, "matrix": [[2, 0, 0, 2], [1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]},
        "calibration": {"ece": 0.5, "bins": [{"low": 0.8, "high": 0.9, "count": 6, "confidence": 0.9, "accuracy": 0.33}]},
        "predictions": predictions,
    }
    table = render_html({"m": metrics}, ["d.jsonl"]).split("<table id=pages>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=num>(\d+)</td><td class=num>(\d+)</td>", table)
    assert rows == [("most", "2", "2"), ("a-few", "1", "2"), ("b-few", "1", "1"), ("none", "0", "1")]


def test_a_report_of_several_models_keeps_its_element_ids_unique(small_model, held_out):
    metrics = evaluate(small_model, held_out)
    page = render_html({"first": metrics, "second": metrics, "third": metrics}, ["held-out"])
    ids = re.findall(r"\bid=([\w-]+)", page)
    assert sorted(ids) == sorted(["comparison", "paired"] + [f"{kind}{suffix}" for kind in ("heatmap", "reliability", "pages")
                                                             for suffix in ("", "-2", "-3")])


def test_write_html_writes_the_report_it_renders(small_model, held_out, tmp_path):
    from classifier.report import write_html

    metrics = evaluate(small_model, held_out)
    path = tmp_path / "report.html"
    write_html({"mine": metrics}, ["held-out.jsonl"], path)
    assert path.read_text(encoding="utf-8") == render_html({"mine": metrics}, ["held-out.jsonl"])
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left beside it


def test_cross_validation_keeps_pages_apart(corpus_blocks, monkeypatch):
    from classifier import evaluation, model

    folds = []
    real_train, real_evaluate = model.train, evaluation.evaluate
    monkeypatch.setattr(model, "train", lambda blocks, **params: folds.append([{b.page for b in blocks}])
                        or real_train(blocks, **params))
    monkeypatch.setattr(evaluation, "evaluate", lambda bundle, blocks, **kw: folds[-1].append({b.page for b in blocks})
                        or real_evaluate(bundle, blocks, **kw))
    result = cross_validate(corpus_blocks, folds=3)
    assert len(folds) == 3
    for trained_on, tested_on in folds:
        assert trained_on and tested_on and not trained_on & tested_on
    assert set.union(*(tested for _, tested in folds)) == {b.page for b in corpus_blocks}
    assert sum(s["blocks"] for s in result["fold_scores"]) == len(corpus_blocks)
    assert set(result["per_label"]) == {b.label for b in corpus_blocks}


def test_cross_validation_on_two_cores_gives_the_same_figures(corpus_blocks):
    from classifier import TrainingError

    one = cross_validate(corpus_blocks, folds=3, stack_folds=2)
    two = cross_validate(corpus_blocks, folds=3, stack_folds=2, jobs=2)
    assert two == one
    with pytest.raises(TrainingError, match="C must be > 0"):  # raised in a worker, brought back as it is
        cross_validate(corpus_blocks, folds=3, jobs=2, C=-1.0)


def test_cv_cli_by_file(tmp_path, corpus_blocks):
    pages = sorted({b.page for b in corpus_blocks})
    files = []
    for k in range(3):
        keep = set(pages[k::3])
        files.append(str(write_jsonl(tmp_path / f"site{k}.jsonl", [b.to_dict() for b in corpus_blocks if b.page in keep])))
    scores = tmp_path / "cv.json"
    result = runner.invoke(app, ["cv", *files, "--folds", "3", "--group", "file", "--json", str(scores)])
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation grouped by file (3 groups)" in result.output
    # what is printed is what the JSON holds
    figures = json.loads(scores.read_text())
    assert table_rows(result.stdout) == [[label, f"{f['mean']:.3f}", f"{f['std']:.3f}"]
                                         for label, f in figures["per_label"].items()]
    assert result.stdout.splitlines()[-1] == (
        f"macro-F1 {figures['macro_f1']['mean']:.3f} ± {figures['macro_f1']['std']:.3f}   "
        f"accuracy {figures['accuracy']['mean']:.3f} ± {figures['accuracy']['std']:.3f}")
    assert figures["macro_f1"]["mean"] != figures["accuracy"]["mean"]  # (two figures: printed in the right places)


def test_cv_needs_enough_groups(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": i, "text": "x", "label": "body" if i else "other"} for i in range(3)])
    result = runner.invoke(app, ["cv", str(data), "--folds", "2"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {data}: 2-fold cross-validation needs at least 2 groups, the data has 1; give "
                             "data of two groups or more\n")
    pages = write_jsonl(tmp_path / "p.jsonl", [{"page": f"p{i}", "index": 0, "text": "x", "label": "body"} for i in range(3)])
    more = runner.invoke(app, ["cv", str(pages), "--folds", "4"])
    assert more.output == (f"Error: {pages}: 4-fold cross-validation needs at least 4 groups, the data has 3; give 3 "
                           "folds or fewer\n")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_reliability_diagram_draws_each_bins_accuracy_at_its_confidence(monkeypatch):
    from classifier import report

    figures = []
    real = report._png_data_uri
    monkeypatch.setattr(report, "_png_data_uri", lambda figure: figures.append(figure) or real(figure))
    bins = [{"low": 0.4, "high": 0.5, "count": 1, "confidence": 0.47, "accuracy": 1.0},
            {"low": 0.9, "high": 1.0, "count": 3, "confidence": 0.95, "accuracy": 2 / 3}]
    report.reliability_diagram({"calibration": {"ece": 0.38, "bins": bins}})
    axes = figures[0].axes[0]
    # a bar over each bin, as high as its accuracy
    assert [(round(bar.get_x(), 6), round(bar.get_width(), 6), bar.get_height()) for bar in axes.patches] == [
        (0.4, 0.1, 1.0), (0.9, 0.1, pytest.approx(2 / 3))]
    # a point at each bin's mean confidence and accuracy, beside the diagonal
    diagonal, points = axes.lines
    assert diagonal.get_xydata().tolist() == [[0, 0], [1, 1]]
    assert points.get_xydata().tolist() == [[0.47, 1.0], [0.95, pytest.approx(2 / 3)]]
    assert axes.get_title() == "ECE 0.380"


def test_the_reports_label_table_gives_each_labels_precision_recall_f1_and_support(small_model, held_out):
    from classifier.report import render_html

    metrics = evaluate(small_model, held_out)
    metrics["per_label"] = {"body": {"precision": 0.9, "recall": 0.6, "f1": 0.72, "support": 30},
                            "caption": {"precision": 0.25, "recall": 0.5, "f1": 1 / 3, "support": 4}}
    page = render_html({"m": metrics}, ["d.jsonl"])
    assert ("<table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>"
            "<tr><td>body</td><td class=num>0.900</td><td class=num>0.600</td><td class=num>0.720</td>"
            "<td class=num>30</td></tr><tr><td>caption</td><td class=num>0.250</td><td class=num>0.500</td>"
            "<td class=num>0.333</td><td class=num>4</td></tr></table>") in page


def test_the_heatmap_draws_the_confusion_matrix(small_model, held_out, monkeypatch):
    from classifier import report

    figures = []
    real = report._png_data_uri
    monkeypatch.setattr(report, "_png_data_uri", lambda figure: figures.append(figure) or real(figure))
    metrics = evaluate(small_model, held_out)
    uri = report.confusion_heatmap(metrics)
    labels = metrics["confusion_matrix"]["labels"]
    counts = np.array(metrics["confusion_matrix"]["matrix"])
    axes = figures[0].axes[0]
    # one cell per (true, predicted) pair, coloured by the share of the true label's blocks
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    np.testing.assert_allclose(axes.images[0].get_array(), share)
    assert [t.get_text() for t in axes.get_xticklabels()] == labels
    assert [t.get_text() for t in axes.get_yticklabels()] == labels
    # and each cell shows its count, row by row
    assert [t.get_text() for t in axes.texts] == [str(n) for n in counts.ravel()]
    assert uri.startswith("data:image/png;base64,")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_report_renders_its_plots_in_a_browser(small_model, held_out, tmp_path):
    import base64
    import io

    from PIL import Image

    page = render_html({"model": evaluate(small_model, held_out)}, ["held-out"])
    # A probe the browser runs once the page has loaded: what it made of each image.
    probe = """<script>addEventListener("load", () => { const out = document.createElement("pre");
      out.id = "probe"; out.textContent = JSON.stringify([...document.images].map(i => ({id: i.id,
      complete: i.complete, natural: [i.naturalWidth, i.naturalHeight],
      shown: [i.getBoundingClientRect().width, i.getBoundingClientRect().height]})));
      document.body.append(out); });</script>"""
    report = tmp_path / "report.html"
    report.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600", "--virtual-time-budget=5000",
         "--dump-dom", report.as_uri()],
        check=True, capture_output=True, text=True, timeout=120,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    images = {i["id"]: i for i in json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))}
    assert set(images) == {"heatmap", "reliability"}
    for name, image in images.items():
        data = re.search(rf'<img id={name} [^>]*src="data:image/png;base64,([^"]+)"', page).group(1)
        png = Image.open(io.BytesIO(base64.b64decode(data)))
        # the browser decoded the embedded PNG whole and lays it out on the page
        assert image["complete"] and image["natural"] == list(png.size), name
        assert image["shown"][0] > 0 and image["shown"][1] > 0, name


def test_page_bootstrap_draws_whole_pages_and_scores_them_as_score_does():
    from classifier.evaluation import interval, page_bootstrap, score

    # page a: both blocks right; page b: both captions taken for body
    true, predicted, pages = ["body", "body", "caption", "caption"], ["body"] * 4, ["a", "a", "b", "b"]
    samples = page_bootstrap(true, predicted, pages, resamples=200)
    both = score(true, predicted)["macro_f1"]  # one draw of each page: 1/3
    assert both == pytest.approx(1 / 3)
    # a sample is a+a (1.0: only body, all right), b+b (0.0) or a+b (as score gives it)
    assert set(np.round(samples, 6)) == {1.0, 0.0, round(both, 6)}
    assert np.array_equal(samples, page_bootstrap(true, predicted, pages, resamples=200))  # seeded
    spread = interval(samples)
    assert spread["low"] == 0.0 and spread["high"] == 1.0 and spread["level"] == 0.95 and spread["unit"] == "page"


def test_a_model_compared_with_itself_differs_by_nothing(small_model_path, held_out):
    from classifier import load_model
    from classifier.evaluation import compare, evaluate

    result = evaluate(load_model(small_model_path), held_out)
    change = compare({"a": result, "b": result})["b"]
    assert change["macro_f1_difference"] == 0.0
    assert (change["interval"]["low"], change["interval"]["high"]) == (0.0, 0.0)


def test_too_few_pages_give_no_interval(small_model_path, tmp_path):
    from classifier import load_model
    from classifier.blocks import Block
    from classifier.evaluation import MIN_BOOTSTRAP_PAGES, compare, evaluate

    blocks = [Block(f"p{n}", 0, "Harbour reopens after repairs.", "body") for n in range(MIN_BOOTSTRAP_PAGES - 1)]
    result = evaluate(load_model(small_model_path), blocks)
    assert result["macro_f1_interval"] is None  # one page would draw itself every time
    assert compare({"a": result, "b": result})["b"]["interval"] is None
    data = write_jsonl(tmp_path / "few.jsonl", [b.to_dict() for b in blocks])
    output = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-q"]).stdout
    line = next(line for line in output.splitlines() if line.startswith("accuracy"))
    assert f"macro-F1 {result['macro_f1']:.3f} (no interval: it takes {MIN_BOOTSTRAP_PAGES} pages or more)" in line
    copy = tmp_path / "copy.npz"
    copy.write_bytes(small_model_path.read_bytes())
    compared = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-m", str(copy), "-q"]).stdout
    assert compared.splitlines()[-1] == f"B - A: macro-F1 +0.000 (no interval: it takes {MIN_BOOTSTRAP_PAGES} pages or more)"


def test_compare_refuses_results_on_different_blocks(small_model_path, held_out):
    from classifier import load_model
    from classifier.evaluation import compare, evaluate

    model = load_model(small_model_path)
    whole, part = evaluate(model, held_out), evaluate(model, held_out[:-1])
    with pytest.raises(DataFormatError, match="compare\\(\\) needs every model's results on the same blocks"):
        compare({"a": whole, "b": part})


def test_labels_and_paths_print_as_written_not_as_markup(small_model_path, tmp_path):
    data = write_jsonl(tmp_path / "[v2].jsonl", [{"page": "p", "index": 0, "text": "Hello world, a story.", "label": "[/body]"},
                                                {"page": "p", "index": 1, "text": "By Ana", "label": "byline"}])
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path)])
    assert result.exit_code == 0, result.output
    assert "│ [/body]" in result.stdout


def test_evaluating_unlabelled_blocks_is_a_blocktag_error(small_model):
    from classifier import Block, DataFormatError

    with pytest.raises(DataFormatError, match=r"^page 'p' block 1 has no label; evaluate scores labelled blocks$"):
        evaluate(small_model, [Block("p", 0, "A story.", "body"), Block("p", 1, "By Ana")])


def test_report_marks_a_cut_text_and_colours_only_a_change_it_shows():
    from classifier.report import MAX_ERROR_TEXT_CHARS, _comparison_table, _cut

    assert _cut("x" * MAX_ERROR_TEXT_CHARS) == "x" * MAX_ERROR_TEXT_CHARS
    assert _cut("x" * (MAX_ERROR_TEXT_CHARS + 5)) == "x" * (MAX_ERROR_TEXT_CHARS - 1) + "…"
    figures = {"accuracy": 0.9, "macro_f1": 0.8, "per_label": {}}
    table = _comparison_table({"a": figures, "b": {**figures, "macro_f1": 0.8000001}, "c": {**figures, "macro_f1": 0.81}}, {})
    assert "<td class='num '>+0.000</td>" in table and "<td class='num better'>+0.010</td>" in table


def test_the_report_gives_each_comparisons_paired_interval_as_the_tables_do(small_model, held_out):
    # Δ's colour shows a sign; whether a change is beyond the pages' spread is the interval's.
    from classifier.evaluation import compare

    results = {"first": evaluate(small_model, held_out), "second": evaluate(small_model, held_out)}
    (change,) = compare(results).values()
    paired = render_html(results, ["held-out"]).split("<ul id=paired>", 1)[1].split("</ul>", 1)[0]
    spread = change["interval"]
    expected = ("no interval: it takes 5 pages or more" if spread is None else
                f"95% interval over pages {spread['low']:+.3f} to {spread['high']:+.3f}")
    assert paired == f"<li>second - first: macro-F1 +0.000 ({expected})</li>"


def test_the_reports_plots_keep_their_own_style_whatever_the_users_matplotlibrc(small_model, held_out):
    import matplotlib

    results = {"m": evaluate(small_model, held_out)}
    expected = render_html(results, ["held-out"])
    with matplotlib.rc_context({"text.usetex": True, "lines.linewidth": 9.0}):  # (usetex: LaTeX is not installed)
        assert render_html(results, ["held-out"]) == expected


def test_every_model_to_compare_is_checked_before_any_is_run(small_model_path, held_out, tmp_path):
    data = write_jsonl(tmp_path / "held.jsonl", [b.to_dict() for b in held_out])
    missing = tmp_path / "missing.npz"
    result = runner.invoke(app, ["evaluate", str(data), "-m", str(small_model_path), "-m", str(missing)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: {missing}: no such model file"]  # no block tagged first


@pytest.mark.filterwarnings("ignore:.*page\\(s\\) are pages this model was trained on")  # (on purpose)
def test_compare_and_the_report_say_what_results_they_take(small_model, corpus_blocks):
    from classifier.errors import SettingError
    from classifier.evaluation import compare, evaluate, figures_of
    from classifier.report import render_html

    with pytest.raises(SettingError, match=r"^results=\{\}: compare takes evaluate\(\)'s results by model name"):
        compare({})
    figures = {"mine": figures_of(evaluate(small_model, corpus_blocks[:60]))}
    with pytest.raises(SettingError, match=r"the report needs evaluate\(\)'s results with their per-block "
                                           r"predictions, not figures_of\(\)'s$"):
        render_html(figures, ["gold.jsonl"])


@pytest.mark.filterwarnings("ignore:.*page\\(s\\) are pages this model was trained on")  # (on purpose)
def test_models_scored_over_different_labels_are_compared_with_a_caveat(small_model, corpus_blocks):
    from dataclasses import replace

    from classifier import train
    from classifier.evaluation import compare, evaluate

    blocks = corpus_blocks[:300]
    other = train([replace(b, label="chrome" if b.label == "other" else b.label) for b in blocks],
                  plain_text_model=False)
    results = {"small": evaluate(small_model, blocks)}
    with pytest.warns(UserWarning, match="label"):  # ('chrome' is no label of the gold blocks: said)
        results["chrome"] = evaluate(other, blocks)
    with pytest.warns(UserWarning, match=r"^chrome and small have different labels \(only one of them has chrome, "
                                         r"other\): their macro-F1s average different labels; compare their "
                                         r"per-label F1s$"):
        compare(results)



def test_models_of_the_same_labels_are_compared_without_a_caveat(small_model, corpus_blocks):
    from classifier.evaluation import compare, evaluate

    blocks = [b for b in corpus_blocks[:300] if b.label != "other"]  # one model may predict "other", the gold has none
    results = {"a": evaluate(small_model, blocks), "b": evaluate(small_model, blocks)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compare(results)["b"]["macro_f1_difference"] == 0.0


def test_a_label_one_folds_model_never_learnt_is_said_of_that_fold(corpus_blocks):
    from dataclasses import replace

    first = corpus_blocks[0].page
    blocks = [replace(b, label="special") if (b.page, b.index) == (first, 0) else b for b in corpus_blocks]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cross_validate(blocks, folds=3, plain_text_model=False)
    # Its F1 is one fold's (the one whose test part holds it): counted, since one has no spread.
    assert result["per_label"]["special"] == {"mean": 0.0, "std": 0.0, "folds": 1}
    assert {spread["folds"] for label, spread in result["per_label"].items() if label != "special"} == {3}
    said = [str(w.message) for w in caught if "has no label" in str(w.message)]
    # The one page with the label is in one fold's test part: that fold's model never saw it.
    assert len(said) == 1 and re.match(r"^fold [123]'s model: has no label\(s\) 'special' \(1 block\); they count as "
                                       r"never predicted\. ", said[0]), said


def test_cv_says_a_label_one_fold_holds_has_no_spread(tmp_path):
    from classifier import read_labelled
    from conftest import SEED_LABELS

    seed = read_labelled([SEED_LABELS])
    records = [{**b.to_dict(), "page": f"p{n}", "label": "special" if (n, b.index) == (0, 3) else b.label}
               for n in range(6) for b in seed]
    result = runner.invoke(app, ["cv", str(write_jsonl(tmp_path / "rare.jsonl", records)), "--folds", "3", "-q"])
    assert result.exit_code == 0, result.output
    assert "│ special          │ 0.000   │ n/a (1 fold) │" in result.stdout.splitlines()


def test_a_heatmap_of_hundreds_of_labels_is_drawn_no_larger_than_one_of_the_cap():
    # (a label column of free text: the drawing once grew with the labels, to gigabytes)
    import base64
    import struct

    from classifier.report import MAX_HEATMAP_LABELS, confusion_heatmap

    def pixels(n: int) -> tuple[int, int]:
        labels = [f"l{k}" for k in range(n)]
        uri = confusion_heatmap({"confusion_matrix": {"labels": labels, "matrix": np.eye(n, dtype=int).tolist()}})
        return struct.unpack(">II", base64.b64decode(uri.split(",", 1)[1])[16:24])  # (a PNG's width and height)

    capped, many = pixels(MAX_HEATMAP_LABELS), pixels(10 * MAX_HEATMAP_LABELS)
    assert many[0] <= 1.05 * capped[0] and many[1] <= 1.05 * capped[1]
