"""Long jobs (train, cv, evaluate, tag -o) say where they are on stderr when it is not a
terminal; --quiet silences them.

CliRunner's stderr is not a terminal, as in a log file or CI. The clock is fixed, so the
lines are exact.
"""

import functools
from collections import Counter
import sys

import pytest
from typer.testing import CliRunner

from classifier import cli
from classifier import load_model, read_labelled
from classifier.cli import app
from classifier.tagging import Tagger

from conftest import SEED_LABELS, SEED_PAGE, write_jsonl

runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    monkeypatch.setattr(cli, "clock", lambda: 0.0)


def test_train_says_when_training_starts_and_ends(tmp_path):
    out = tmp_path / "m.npz"
    result = run("train", SEED_LABELS, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == "Training on 31 blocks...\nTraining on 31 blocks: finished in 0.0 s\n"
    # and what it trained on, a label a row, as the model's metadata counts it
    counts = load_model(out).metadata["label_counts"]
    rows = [[cell.strip() for cell in line.strip("│").split("│")] for line in result.stdout.splitlines() if line.startswith("│")]
    assert result.stdout.splitlines()[0] == "Trained on 1 page, 31 blocks in 0.0 s"
    assert rows == [[label, str(n)] for label, n in counts.items()]
    assert counts == dict(sorted(Counter(b.label for b in read_labelled([SEED_LABELS])).items()))
    assert run("train", SEED_LABELS, "-o", out, "--quiet").stderr == ""


def test_cv_logs_a_line_a_fold(tmp_path, corpus_blocks):
    data = write_jsonl(tmp_path / "d.jsonl", [b.to_dict() for b in corpus_blocks])
    scores = tmp_path / "cv.json"
    result = run("cv", data, "--folds", 3, "--json", scores)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Cross-validating (3 folds)...\n"
        "Cross-validating (3 folds): 1/3 done (0 s)\n"
        "Cross-validating (3 folds): 2/3 done (0 s)\n"
        "Cross-validating (3 folds): 3/3 done (0 s)\n"
        "Cross-validating (3 folds): finished in 0.0 s\n"
        f"Wrote {scores}\n"
    )
    assert run("cv", data, "--folds", 3, "-q").stderr == ""


def test_evaluate_logs_each_model_and_names_what_it_wrote(tmp_path, small_model_path):
    import shutil

    scores, report = tmp_path / "scores.json", tmp_path / "report.html"
    copy = shutil.copy(small_model_path, tmp_path / "copy.npz")
    result = run("evaluate", SEED_LABELS, "-m", small_model_path, "-m", copy,
                 "--json", scores, "--report", report)
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Tagging blocks with {small_model_path}: 31 done, finished in 0.0 s\n"
        f"Tagging blocks with {copy}: 31 done, finished in 0.0 s\n"
        + f"Wrote {scores}\nWrote {report}\n"
    )
    quiet = run("evaluate", SEED_LABELS, "-m", small_model_path, "--json", scores, "-q")
    assert quiet.stderr == f"Wrote {scores}\n"  # what was written is still named


def test_tag_to_a_file_logs_the_blocks_it_tagged(tmp_path, small_model_path):
    out = tmp_path / "tagged.jsonl"
    result = run("tag", SEED_PAGE, "-m", small_model_path, "-f", "jsonl", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == "Tagging blocks: 31 done, finished in 0.0 s\n"
    assert len(out.read_text(encoding="utf-8").splitlines()) == 31
    assert run("tag", SEED_PAGE, "-m", small_model_path, "-o", out, "-q").stderr == ""


def test_tag_to_stdout_logs_nothing(small_model_path):
    result = run("tag", SEED_PAGE, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_long_tag_run_logs_as_it_goes(tmp_path, small_model_path, monkeypatch):
    """A count at most every TAG_LOG_EVERY_S, as batches are written, then the total."""
    ticks = iter(range(100_000))
    monkeypatch.setattr(cli, "clock", lambda: float(next(ticks)))  # a second a look at the clock
    monkeypatch.setattr(cli, "TAG_LOG_EVERY_S", 2.0)
    monkeypatch.setattr(cli, "Tagger", functools.partial(Tagger, batch_blocks=31))  # a batch a page
    pages = tmp_path / "crawl"
    pages.mkdir()
    for k in range(5):
        (pages / f"p{k}.txt").write_text(SEED_PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("tag", pages, "-m", small_model_path, "-o", tmp_path / "out.txt")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Tagging blocks: 62 so far (3 s)\n"
        "Tagging blocks: 124 so far (6 s)\n"
        "Tagging blocks: 155 done, finished in 8.0 s\n"
    )


def test_an_error_at_once_is_the_only_line(tmp_path, small_model_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9")
    result = run("tag", bad, "-m", small_model_path, "-o", tmp_path / "out.txt")
    assert result.exit_code == 1
    assert result.output == (f"Error: {bad}: is not valid utf-8 text (byte 3); name its encoding, "
                             "e.g. --encoding cp1252\n")


def test_a_bar_not_lines_on_a_terminal(monkeypatch):
    tty = type("Tty", (), {"isatty": lambda self: True, "write": lambda self, s: len(s), "flush": lambda self: None})()
    monkeypatch.setattr(sys, "stderr", tty)
    lines = []
    monkeypatch.setattr(cli.typer, "echo", lambda message, err=False: lines.append(message))
    import io

    from rich.console import Console

    drawn = io.StringIO()
    monkeypatch.setattr(cli, "stderr_console", lambda: Console(file=drawn, force_terminal=True, width=80))
    with cli.progress_bar("Training", 3, log=True) as advance:
        advance(1)
    assert lines == []  # on a terminal: the rich bar, no lines
    assert "Training" in drawn.getvalue() and "1/3" in drawn.getvalue()  # ... and the bar was drawn


def test_a_warning_during_the_bar_gets_a_line_of_its_own(monkeypatch):
    # Echoed straight to stderr, it would land after the bar's last frame on the bar's line.
    import io
    import re
    import warnings

    from rich.console import Console

    # Like a real stderr, with a byte buffer: click writes there, past rich's redirection.
    tty = type("Tty", (), {"isatty": lambda self: True, "write": lambda self, s: len(s), "flush": lambda self: None,
                           "buffer": io.BytesIO(), "encoding": "utf-8"})()
    monkeypatch.setattr(sys, "stderr", tty)
    drawn = io.StringIO()
    monkeypatch.setattr(cli, "stderr_console", lambda: Console(file=drawn, force_terminal=True, width=80))
    monkeypatch.setattr(cli, "_warned", set())
    with warnings.catch_warnings():
        warnings.showwarning = cli._show_warning
        with cli.progress_bar("Tagging blocks", 3, log=True) as advance:
            advance(1)
            warnings.warn("page.txt: holds no text to tag")
            advance(1)
    shown = re.split(r"[\r\n]", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", drawn.getvalue()))
    assert "Warning: page.txt: holds no text to tag" in shown
    assert cli._bar_console is None  # the bar is gone: later warnings are plain lines again


def test_the_consoles_print_emoji_codes_as_they_are(capsys):
    # A page or file named "a:smile:b.txt", or a label ":x:", is data, not an emoji to draw.
    cli.stderr_console().print("Warning: a:smile:b.txt: holds no text to tag")
    cli.stdout_console().print("label :x:")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("label :x:\n", "Warning: a:smile:b.txt: holds no text to tag\n")


def test_a_librarys_deprecation_notice_is_not_shown_as_a_warning_of_blocktags(capsys, monkeypatch):
    # pyparsing's (under matplotlib's report) is a UserWarning and a DeprecationWarning: the
    # filter that shows blocktag's warnings whatever -W says let it through as "Warning: ...".
    class LibraryDeprecation(UserWarning, DeprecationWarning):
        pass

    monkeypatch.setattr(cli, "_warned", set())
    cli._show_warning(LibraryDeprecation("'parseString' deprecated - use 'parse_string'"), LibraryDeprecation, "x.py", 1)
    cli._show_warning(UserWarning("page.txt: holds no text to tag"), UserWarning, "x.py", 1)
    assert capsys.readouterr().err == "Warning: page.txt: holds no text to tag\n"
