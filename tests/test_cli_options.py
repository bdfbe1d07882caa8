"""One meaning per short option, readable metavars and an example in every command's help."""

from __future__ import annotations

import json
import os
import re

import pytest
import typer
from typer.testing import CliRunner

from classifier.cli import app

from conftest import SEED_LABELS, SEED_PAGE

runner = CliRunner()


def _commands():
    group = typer.main.get_command(app)
    return group, group.commands


def test_each_short_option_means_one_thing_across_commands():
    meanings: dict[str, set[str]] = {}
    for name, command in _commands()[1].items():
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts + param.secondary_opts if re.fullmatch(r"-\w", o)):
                meanings.setdefault(short, set()).update(longs)
    clashes = {short: longs for short, longs in meanings.items() if len(longs) > 1}
    assert not clashes


def test_every_command_has_help_with_an_example_and_no_python_types():
    for name in _commands()[1]:
        result = runner.invoke(app, [name, "--help"], terminal_width=200)
        assert result.exit_code == 0, name
        assert "Example: blocktag " + name in result.output, name
        for leftover in ("<list[", "<Path>", "list[str]", "{inputs}", "{data}", "PathLike"):
            assert leftover not in result.output, (name, leftover)
        # each example is one line as written, to copy and paste, however narrow the terminal
        examples = [line.strip() for line in _commands()[1][name].help.splitlines() if line.strip().startswith("Example")]
        narrow = runner.invoke(app, [name, "--help"], terminal_width=40).output.splitlines()
        assert examples and all(example in (line.strip() for line in narrow) for example in examples), name


def test_a_value_outside_the_choices_names_them():
    import subprocess
    import sys

    from conftest import ROOT, SEED_PAGE

    done = subprocess.run([sys.executable, "-m", "classifier", "tag", str(SEED_PAGE), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == "Error: --format must be text, jsonl or csv\n"
    assert done.stdout == ""


def test_long_jobs_log_progress_lines_when_piped_and_quiet_silences_them(tmp_path):
    from conftest import SEED_LABELS

    logged = runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(tmp_path / "a.npz")])
    assert logged.exit_code == 0, logged.output
    lines = logged.stderr.splitlines()
    assert lines[0] == "Training on 31 blocks..." and lines[1].startswith("Training on 31 blocks: finished in ")
    quiet = runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(tmp_path / "b.npz"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_cross_validation_logs_a_line_a_fold_when_piped():
    from conftest import TRAINING_DATA

    data = [str(p) for p in TRAINING_DATA[:3]]
    result = runner.invoke(app, ["cv", *data, "--folds", "2", "--group", "file"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "Cross-validating (2 folds)..."  # at once: a fold of a big corpus takes minutes
    assert [line.split(" (")[0] for line in lines[1:3]] == ["Cross-validating", "Cross-validating"]
    assert [line.split(": ")[1].split(" done")[0] for line in lines[1:3]] == ["1/2", "2/2"]
    assert lines[3].startswith("Cross-validating (2 folds): finished in ")


def test_cross_validation_on_two_cores_prints_what_one_core_prints():
    from conftest import TRAINING_DATA

    data = [str(p) for p in TRAINING_DATA[:3]]
    one = runner.invoke(app, ["cv", *data, "--folds", "2", "--group", "file", "-q"])
    two = runner.invoke(app, ["cv", *data, "--folds", "2", "--group", "file", "-q", "--jobs", "2"])
    assert one.exit_code == two.exit_code == 0, (one.output, two.output)
    assert "macro-F1 " in one.stdout and two.stdout == one.stdout


def test_train_and_cv_refuse_jobs_they_cannot_run(tmp_path):
    from conftest import SEED_LABELS

    for command in (["train", str(SEED_LABELS), "-o", str(tmp_path / "m.npz")], ["cv", str(SEED_LABELS)]):
        result = runner.invoke(app, [*command, "--jobs", "0"])
        assert result.exit_code == 1
        assert result.output == "Error: --jobs 0: give a number of processes from 1, or -1 for one per core\n"
        assert not (tmp_path / "m.npz").exists()


def test_options_name_what_they_take():
    wanted = {
        "tag": ["-k, --keep LABEL", "-o, --output FILE", "-m, --model FILE", "--encoding NAME", "--dask ADDRESS",
                "-j, --jobs N", "-q, --quiet", "-f, --format <text|jsonl|csv>"],
        "train": ["-o, --output FILE", "-p, --param KEY=VALUE", "-j, --jobs N", "-q, --quiet"],
        "evaluate": ["-m, --model FILE", "--json FILE", "--report FILE", "-q, --quiet"],
        "cv": ["--folds N", "--group FIELD", "-p, --param KEY=VALUE", "--json FILE", "-j, --jobs N", "-q, --quiet"],
    }
    for name, options in wanted.items():
        result = runner.invoke(app, [name, "--help"], terminal_width=200)
        lines = [line.strip() for line in result.output.splitlines()]
        for option in options:
            assert any(line.startswith(option + " ") for line in lines), (name, option)
    usage = runner.invoke(app, ["tag", "--help"]).output.splitlines()[0]
    assert usage.endswith(" tag [OPTIONS] PATH...")


def test_the_output_files_name_sets_the_format_unless_format_is_given(tmp_path, small_model_path):
    import csv

    page = tmp_path / "page.txt"
    page.write_text("Bridge reopens\n\nBy Ana Ruiz", encoding="utf-8")
    model = ["--model", str(small_model_path), "-q"]
    for name in ("out.jsonl", "OUT.NDJSON"):
        assert runner.invoke(app, ["tag", str(page), "-o", str(tmp_path / name), *model]).exit_code == 0
        assert [json.loads(line)["text"] for line in (tmp_path / name).read_text().splitlines()] == ["Bridge reopens", "By Ana Ruiz"]
    assert runner.invoke(app, ["tag", str(page), "-o", str(tmp_path / "out.csv"), *model]).exit_code == 0
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        assert [row["text"] for row in csv.DictReader(handle)] == ["Bridge reopens", "By Ana Ruiz"]
    assert runner.invoke(app, ["tag", str(page), "-o", str(tmp_path / "out.txt"), *model]).exit_code == 0
    assert (tmp_path / "out.txt").read_text().startswith("=== page\n")
    assert runner.invoke(app, ["explain", str(page), "-o", str(tmp_path / "why.jsonl"), "--model", str(small_model_path)]).exit_code == 0
    assert "evidence" in json.loads((tmp_path / "why.jsonl").read_text().splitlines()[0])


def test_a_format_that_contradicts_the_output_files_name_is_refused(tmp_path, small_model_path):
    page = tmp_path / "page.txt"
    page.write_text("Bridge reopens", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["tag", str(page), "-f", "csv", "-o", str(out), "--model", str(small_model_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: --format csv contradicts --output {out} (a .jsonl file): drop --format, or name "
                             "the output to match\n")
    assert not out.exists()


@pytest.mark.parametrize("command, name, message", [
    ("explain", "why.csv", "this command cannot write csv (it writes text, jsonl); name the output to match"),
    ("suggest", "pick.csv", "this command cannot write csv (it writes jsonl, labelstudio); name the output to match"),
    ("convert", "text.jsonl", "this command cannot write jsonl (it writes text); name the output to match"),
    ("convert", "text.csv", "this command cannot write csv (it writes text); name the output to match"),
])
def test_an_output_named_for_a_format_the_command_cannot_write_is_refused(tmp_path, small_model_path, command, name, message):
    page = tmp_path / "page.txt"
    page.write_text("Bridge reopens\n\nBy Ana Ruiz", encoding="utf-8")
    out = tmp_path / name
    extra = {"suggest": ["-n", "1"], "convert": []}.get(command, [])
    model = [] if command == "convert" else ["--model", str(small_model_path)]  # convert reads no model
    result = runner.invoke(app, [command, str(page), *extra, "-o", str(out), *model])
    assert result.exit_code == 1
    assert result.output == f"Error: --output {out}: {message}\n"
    assert not out.exists()


def test_suggest_writes_label_studio_tasks_to_a_json_file_and_refuses_them_in_a_jsonl_one(tmp_path, small_model_path):
    page = tmp_path / "page.txt"
    page.write_text("Bridge reopens\n\nBy Ana Ruiz", encoding="utf-8")
    model = ["--model", str(small_model_path)]
    assert runner.invoke(app, ["suggest", str(page), "-n", "1", "-o", str(tmp_path / "tasks.json"), *model]).exit_code == 0
    assert json.loads((tmp_path / "tasks.json").read_text())[0]["data"]["page"] == "page"
    out = tmp_path / "tasks.jsonl"
    result = runner.invoke(app, ["suggest", str(page), "-n", "1", "-f", "labelstudio", "-o", str(out), *model])
    assert result.exit_code == 1
    assert result.output == (f"Error: --format labelstudio contradicts --output {out} (a .jsonl file): drop --format, or "
                             "name the output to match\n")


def test_flags_that_would_be_ignored_are_refused(tmp_path, small_model_path):
    from conftest import SEED_LABELS

    result = runner.invoke(app, ["train", str(SEED_LABELS), "-o", str(tmp_path / "m.npz"), "--jobs", "2",
                                 "--no-plain-text-model"])
    assert result.exit_code == 1
    assert result.output == ("Error: --jobs fits the main and the plain-text model at once: with --no-plain-text-model "
                             "there is one model to fit; drop --jobs\n")
    result = runner.invoke(app, ["evaluate", str(SEED_LABELS), "-m", str(small_model_path), "-m", str(small_model_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: --model {small_model_path} is given twice: give each model to compare once\n"
    loop = tmp_path / "loop.npz"
    loop.symlink_to(loop)  # (a link to itself: resolving it fails, and is not asked to)
    result = runner.invoke(app, ["evaluate", str(SEED_LABELS), "-m", str(loop)])
    assert (result.exit_code, result.output) == (1, f"Error: {loop}: no such model file\n")
    assert not (tmp_path / "m.npz").exists()


def test_empty_or_folder_data_is_named_with_the_fix(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_text("", encoding="utf-8")
    for command, message in (("evaluate", f"{empty}: no labelled blocks to evaluate on"),
                             ("cv", f"{empty}: no labelled blocks to cross-validate on")):
        result = runner.invoke(app, [command, str(empty)])
        assert result.exit_code == 1
        assert result.output == f"Error: {message}\n"
    result = runner.invoke(app, ["evaluate", str(tmp_path)])
    assert result.output == f"Error: {tmp_path}: is a folder; give its files of labelled blocks, e.g. {tmp_path / '*.jsonl'}\n"


def _die(*args):  # at module level: the worker is sent it by name
    import os

    os._exit(1)  # as the out-of-memory killer leaves a worker


@pytest.mark.parametrize("command", ["train", "cv"])
def test_a_worker_dying_in_train_or_cv_is_one_error_line_and_no_model(tmp_path, monkeypatch, command):
    import os

    from classifier import evaluation, model
    from conftest import TRAINING_DATA

    # (the worker's share: the plain-text model in train, the folds in cv)
    monkeypatch.setattr(model, "_fit_plain", _die)
    monkeypatch.setattr(evaluation, "_fold_figures", _die)
    data = [str(p) for p in TRAINING_DATA[:2]]
    extra = ["-o", str(tmp_path / "m.npz")] if command == "train" else ["--folds", "2", "--group", "file"]
    result = runner.invoke(app, [command, *data, *extra, "--jobs", "2", "-q"])
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.output == ("Error: a worker process died before finishing its share (killed, or out of memory?); "
                             "run again, or with --jobs 1 to work in one process\n")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", [
    ["explain", "{page}", "-o", "out/"],
    ["convert", "{page}", "-o", "out/"],
    ["train", "{labels}", "-o", "out.npz/"],
    ["evaluate", "{labels}", "--json", "out/"],
    ["evaluate", "{labels}", "--report", "out/"],
    ["cv", "{labels}", "--json", "out/"],
    ["suggest", "{page}", "--pages", "1", "-f", "labelstudio", "--config", "out/"],
])
def test_an_output_file_ending_in_a_slash_is_refused_not_written_as_a_file(command, tmp_path, monkeypatch):
    from conftest import SEED_LABELS, SEED_PAGE

    monkeypatch.chdir(tmp_path)
    args = [a.format(page=SEED_PAGE, labels=SEED_LABELS) for a in command]
    result = runner.invoke(app, args)
    option, value = command[-2:]
    shown = {"-o": "'--output' / '-o'"}.get(option, f"'{option}'")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: Invalid value for {shown}: {value} names a folder; give a file name"
    assert list(tmp_path.iterdir()) == []


EMPTY_NAME = "an empty name (a shell variable left unset?); give a file's name"
EMPTY_INPUT = "Error: '': an empty file name (a shell variable left unset?); name a file or folder ('.' for this one)"


@pytest.mark.parametrize("command, last_line", [
    (["tag", ""], EMPTY_INPUT),
    (["convert", "{page}", ""], EMPTY_INPUT),
    (["explain", ""], EMPTY_INPUT),
    (["suggest", "", "--pages", "1"], EMPTY_INPUT),
    (["tag", "{page}", "-o", ""], f"Error: Invalid value for '--output' / '-o': {EMPTY_NAME}"),
    (["tag", "{page}", "-m", ""], f"Error: Invalid value for '--model' / '-m': {EMPTY_NAME}"),
    (["train", "", "-o", "m.npz"], f"Error: Invalid value for 'FILE...': {EMPTY_NAME}"),
    (["evaluate", "{labels}", "-m", ""], f"Error: Invalid value for '--model' / '-m': {EMPTY_NAME}"),
    (["evaluate", "{labels}", "--json", ""], f"Error: Invalid value for '--json': {EMPTY_NAME}"),
    (["cv", ""], f"Error: Invalid value for 'FILE...': {EMPTY_NAME}"),
    (["label", ""], f"Error: Invalid value for 'FILE': {EMPTY_NAME}"),
    (["info", "-m", ""], f"Error: Invalid value for '--model' / '-m': {EMPTY_NAME}"),
    (["suggest", "{page}", "--pages", "1", "--exclude", ""], f"Error: Invalid value for '--exclude': {EMPTY_NAME}"),
])
def test_an_empty_name_is_refused_not_read_as_this_folder(command, last_line, tmp_path, monkeypatch):
    (tmp_path / "page.txt").write_text("A page in the folder the empty name would have read.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [a.format(page=SEED_PAGE, labels=SEED_LABELS) for a in command])
    assert (result.exit_code in (1, 2), result.output.splitlines()[-1]) == (True, last_line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.txt"]


@pytest.mark.parametrize("command", [["train", "-", "-o", "m.npz"], ["evaluate", "-"], ["cv", "-"], ["label", "-"]])
def test_labelled_blocks_on_stdin_are_refused_saying_to_save_them_to_a_file(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, command, input='{"page": "p", "index": 0, "text": "x", "label": "body"}\n')
    said = ("-: blocktag label saves its answers into the file it reads, so it reads a file, not standard input; save "
            "it to one (e.g. to_label.jsonl) and give that" if command[0] == "label" else
            "-: labelled blocks are read from files, not standard input; save it to one (e.g. blocks.jsonl) and give that")
    assert (result.exit_code, result.stderr) == (1, f"Error: {said}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_keep_run_that_writes_no_page_leaves_no_folder_it_made(tmp_path):
    (tmp_path / "junk.txt").write_bytes(b"\x00\x01\x02\x03" * 50)
    result = runner.invoke(app, ["tag", str(tmp_path / "junk.txt"), "--keep", "body", "-o", f"{tmp_path / 'out' / 'pages'}/"])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {tmp_path / 'junk.txt'}: ")
    assert not (tmp_path / "out").exists()  # nor the parent it made for it
    # nothing to write, but no error: said so, not "Wrote 0 page(s) to" a folder that is not there
    (tmp_path / "blank.txt").write_text("\n\n", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(tmp_path / "blank.txt"), "--keep", "body", "-o", f"{tmp_path / 'out'}/", "-q"])
    assert result.exit_code == 0 and not (tmp_path / "out").exists()
    assert result.stderr.splitlines()[-1] == f"Wrote no page, so {tmp_path / 'out'} was not made"


def test_info_shows_what_a_model_is(small_model_path, small_model):
    result = runner.invoke(app, ["info", "-m", str(small_model_path)], terminal_width=400)
    assert result.exit_code == 0, result.output
    meta = small_model.metadata
    lines = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in result.output.splitlines())
    assert lines["File"] == str(small_model_path)
    assert lines["Created"] == meta["created"]
    assert lines["Labels"] == " · ".join(f"{label} {n:,}" for label, n in meta["label_counts"].items())
    assert lines["Trained on"] == f"{meta['pages']:,} pages, {meta['blocks']:,} blocks (sha256 {meta['training_sha256']})"
    assert lines["Settings"].startswith("C=4 · class_weight=none · ")
    assert "features=words,edge_words,word_shapes,shape,position,images" in lines["Settings"]
    assert lines["Plain-text model"] == ("yes" if small_model.plain is not None else "no")
    assert lines["Remembered blocks"] == "0"
    assert lines["Made with"] == (f"blocktag {meta['blocktag_version']} · scikit-learn {meta['sklearn_version']} · "
                                  f"numpy {meta['numpy_version']} · scipy {meta['scipy_version']} · "
                                  f"Python {meta['python_version']}")
    as_json = json.loads(runner.invoke(app, ["info", "-m", str(small_model_path), "--json"]).output)
    assert as_json["labels"] == meta["label_counts"] and as_json["settings"] == meta["params"]
    assert as_json["training_sha256"] == meta["training_sha256"] and as_json["remembered_blocks"] == 0


def test_info_shows_a_models_metadata_of_any_shape_a_caller_or_a_hand_wrote(small_model, tmp_path):
    from classifier import ModelBundle

    def info(metadata, *flags):
        path = ModelBundle(small_model.compiled, metadata).save(tmp_path / "m.npz")
        result = runner.invoke(app, ["info", "-m", str(path), *flags], terminal_width=400)
        assert result.exit_code == 0, result.output
        return result.output if flags else dict(re.split(r"\s{2,}", line, maxsplit=1) for line in result.output.splitlines())

    meta = small_model.metadata
    # train(sources=...) records whatever a caller names
    assert info({**meta, "sources": {"mine": "x.jsonl", "pages": 3}})["Sources"] == "mine: x.jsonl · pages: 3"
    # fields of the wrong kind are not recorded, as far as info can tell
    lines = info({**meta, "label_counts": ["body"], "blocks": "488", "pages": None, "params": ["C"], "created": 5})
    assert lines["Labels"] == " · ".join(small_model.labels) and lines["Created"] == "(not recorded)"
    assert "Trained on" not in lines and "Settings" not in lines
    assert info({**meta, "pages": None})["Trained on"].startswith(f"? pages, {meta['blocks']:,} blocks")
    as_json = json.loads(info({**meta, "params": {**meta["params"], "C": float("nan")}}, "--json"))
    assert as_json["settings"]["C"] == "nan"
    # a hand-edited field's escape sequences and line breaks are shown escaped, one line a field
    lines = info({**meta, "created": "2026\x1b]0;pwned\x07", "sources": {"mine": "x.jsonl\nSettings  forged"}})
    assert lines["Created"] == "2026\\x1b]0;pwned\\x07" and "\x1b" not in str(lines)
    assert lines["Sources"] == "mine: x.jsonl\\nSettings  forged" and lines["Settings"].startswith("C=4")

def test_info_on_a_file_that_is_no_model_is_one_line(tmp_path):
    bad = tmp_path / "m.npz"
    bad.write_text("hello", encoding="utf-8")
    result = runner.invoke(app, ["info", "-m", str(bad)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}: is not a blocktag model (not a readable .npz file of arrays); download or train it again\n"


def test_train_and_cv_print_the_settings_given_and_cv_json_records_how_it_ran(tmp_path):
    from conftest import TRAINING_DATA

    files = [str(f) for f in TRAINING_DATA[:3]]
    model = tmp_path / "m.npz"
    trained = runner.invoke(app, ["train", *files, "-o", str(model), "-p", "C=2", "-p", "word_ngrams=1,2", "-q",
                                  "--no-plain-text-model"], terminal_width=200)
    assert trained.exit_code == 0, trained.output
    assert "Settings: C=2 · word_ngrams=1,2 (saved with the model; the rest are the defaults)\n" in trained.output
    scores = tmp_path / "cv.json"
    cv = runner.invoke(app, ["cv", *files, "--folds", "3", "--group", "file", "-p", "C=2", "--no-plain-text-model",
                             "--json", str(scores), "-q"], terminal_width=200)
    assert cv.exit_code == 0, cv.output
    assert "Settings: C=2 (the rest are the defaults)\n" in cv.output
    recorded = json.loads(scores.read_text(encoding="utf-8"))
    assert (recorded["grouped_by"], recorded["plain_text_model"], recorded["data"], recorded["params"]["C"]) == \
        ("file", False, files, 2.0)


def test_cv_refuses_fewer_than_two_folds_before_reading_anything(tmp_path):
    result = runner.invoke(app, ["cv", str(tmp_path / "missing.jsonl"), "--folds", "1"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith("Error: Invalid value for '--folds': ")


@pytest.mark.parametrize("args, message", [
    (["tag", "PAGE", "-o", "t.jsonl.gz"], "--output t.jsonl.gz: blocktag writes no compressed file; name it without .gz (and gzip it after)"),
    (["tag", "PAGE", "-o", "t.json"], "--output t.json: a .json file holds one JSON document, and this writes text, jsonl, csv; name it to match"),
    (["explain", "PAGE", "-o", "e.json"], "--output e.json: a .json file holds one JSON document, and this writes text, jsonl; name it to match"),
    (["convert", "PAGE", "-o", "c.html"], "--output c.html: an .html file is a web page, and this writes text; name it to match"),
    (["tag", "PAGE", "-o", "t.xlsx"], "--output t.xlsx: a .xlsx file is a spreadsheet (open a .csv in it), and this writes text, jsonl, csv; name it to match"),
    (["tag", "PAGE", "-o", "t.TSV"], "--output t.TSV: a .tsv file's columns are separated by tabs, and this writes text, jsonl, csv; name it to match"),
    (["explain", "PAGE", "-o", "e.yaml"], "--output e.yaml: a .yaml file is YAML, and this writes text, jsonl; name it to match"),
    (["evaluate", "LABELS", "--json", "x.html"], "--json x.html: an .html file is a web page, and this writes JSON; name it to match"),
    (["evaluate", "LABELS", "--report", "y.json"], "--report y.json: a .json file holds one JSON document, and this writes an HTML page; name it to match"),
    (["cv", "LABELS", "--json", "x.json.gz"], "--json x.json.gz: blocktag writes no compressed file; name it without .gz (and gzip it after)"),
    (["suggest", "PAGE", "-n", "1", "-o", "s.txt"],
     "--output s.txt: suggest writes JSON lines, which blocktag label reads from a .jsonl file; name it .jsonl"),
    (["suggest", "PAGE", "-n", "1", "-f", "labelstudio", "-o", "config.xml"],  # -o taken for --config
     "--output config.xml: suggest writes Label Studio tasks, which Label Studio imports from a .json file; name it .json"),
])
def test_an_output_named_for_a_kind_the_option_does_not_write_is_refused(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    args = [{"PAGE": str(SEED_PAGE), "LABELS": str(SEED_LABELS)}.get(a, a) for a in args]
    result = runner.invoke(app, args)
    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", ["tag", "explain", "suggest"])
def test_an_output_over_the_model_read_is_refused(tmp_path, small_model_path, command):
    model = tmp_path / "m.model"  # a model file under any name: the output must not replace it
    model.write_bytes(small_model_path.read_bytes())
    extra = ["-n", "1"] if command == "suggest" else []
    result = runner.invoke(app, [command, str(SEED_PAGE), *extra, "-m", str(model), "-o", str(model)])
    assert (result.exit_code, result.output) == (1, f"Error: {model}: is also an input file; write the output elsewhere\n")
    assert model.read_bytes() == small_model_path.read_bytes()


@pytest.mark.parametrize("args", [["tag", "PAGE", "-o", "-"], ["evaluate", "LABELS", "--report", "-"]])
def test_a_dash_for_an_output_file_is_refused_not_written_as_a_file_named_dash(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [{"PAGE": str(SEED_PAGE), "LABELS": str(SEED_LABELS)}.get(a, a) for a in args])
    assert result.exit_code == 2
    assert "- is standard output; give a file name" in result.output
    assert os.listdir(tmp_path) == []


def test_an_error_or_warning_naming_a_file_with_a_line_break_in_its_name_stays_one_line(tmp_path):
    bad = tmp_path / "two\nlines.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(app, ["tag", str(bad)])
    shown = str(bad).replace("\n", "\\n")
    assert (result.exit_code, result.stderr) == (1, f"Error: {shown}: is a binary file, not text; give a page of scraped text\n")
    (tmp_path / "page.txt").write_text("A page.\n", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(bad), str(tmp_path / "page.txt"), "-q"])
    assert result.stderr.splitlines() == [f"Warning: {shown}: is a binary file, not text; give a page of scraped text (skipped)",
                                          "Error: 1 input file(s) could not be tagged"]


@pytest.mark.parametrize("args, said", [
    (["info", "-m", "shipped", "--model", "MODEL"], "Invalid value for --model / -m: given twice (-m, then --model): give "
                                                    "it once, or for each model to compare, evaluate -m A -m B"),
    (["tag", "PAGE", "-f", "csv", "--format=jsonl"], "Invalid value for --format / -f: given twice (-f, then --format): "
                                                     "give it once"),
    (["tag", "PAGE", "-q", "--quiet"], "Invalid value for --quiet / -q: given twice (-q, then --quiet): give it once"),
    # A short option's value may be joined to it, and short flags run together, as Click reads them.
    (["tag", "PAGE", "-fjsonl", "-f", "csv"], "Invalid value for --format / -f: given twice (-f, then -f): give it once"),
    (["tag", "PAGE", "-mMODEL", "--model=shipped"], "Invalid value for --model / -m: given twice (-m, then --model)"),
    (["tag", "PAGE", "-q", "-qk", "body"], "Invalid value for --quiet / -q: given twice (-q, then -q): give it once"),
])
def test_an_option_of_one_value_given_twice_is_refused_not_overridden(small_model_path, args, said):
    result = runner.invoke(app, [{"PAGE": str(SEED_PAGE), "MODEL": str(small_model_path)}.get(a, a) for a in args])
    assert result.exit_code == 2
    assert said in " ".join(result.output.split())


def test_options_that_repeat_and_values_that_look_like_options_are_taken(small_model_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # -o's value "-m" is a file's name here, not a second --model
    result = runner.invoke(app, ["tag", str(SEED_PAGE), "-m", str(small_model_path), "--keep", "body", "--keep",
                                 "byline", "-o", "-m"])
    assert result.exit_code == 0, result.output
    kept = (tmp_path / "-m").read_text(encoding="utf-8")
    assert "Written by" in kept and "Ukraine welcomes" in kept  # a byline and the story: both --keep taken
    result = runner.invoke(app, ["evaluate", str(SEED_LABELS), "-m", str(small_model_path), "-m", "shipped", "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["tag", str(SEED_PAGE), "-qk", "body", "-fjsonl", "-k-m"])  # (a label "-m": refused as one)
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1, "Error: --keep -m: the model has no such label; its labels are body, byline, caption, contributor_note, other, "
           "promotion")


@pytest.mark.parametrize("environment, coloured", [({}, True), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, True),
                                                   ({"TERM": "dumb"}, False)])
def test_colour_is_for_terminals_that_want_it(monkeypatch, environment, coloured):
    from classifier.cli import wants_colour

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    terminal = type("Terminal", (), {"isatty": lambda self: True})()
    assert wants_colour(terminal) is coloured
    assert wants_colour(type("Pipe", (), {"isatty": lambda self: False})()) is False


def test_a_warning_is_one_line_and_said_once(monkeypatch, capsys):
    from classifier import cli

    monkeypatch.setattr(cli, "_warned", set())
    for _ in range(2):
        cli._show_warning(UserWarning("lbfgs failed to converge.\n\nIncrease the number of iterations."), UserWarning,
                          "x.py", 1)
    cli._show_warning(UserWarning("another"), UserWarning, "x.py", 2)
    assert capsys.readouterr().err == ("Warning: lbfgs failed to converge. Increase the number of iterations.\n"
                                       "Warning: another\n")


def test_json_dash_in_a_folder_is_a_file_not_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["evaluate", str(SEED_LABELS), "--json", "./-", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "-").read_text(encoding="utf-8"))["blocks"] == 31 and not result.stdout.startswith("{")
