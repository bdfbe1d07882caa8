"""Shared fixtures: small models trained once per session on the project's own corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier import read_labelled, train

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGE = ROOT / "seeds" / "000_14a2760a10b87bff.txt"
SEED_LABELS = ROOT / "seeds" / "000_14a2760a10b87bff.labels.jsonl"
TRAINING_DATA = sorted((ROOT / "training" / "data").glob("*.jsonl"))
DEV = ROOT.parent / "shared" / "realworld" / "dev"
# Set by tox and CI services; exact-output tests read what a plain terminal shows.
FORCED_TERMINAL_SETTINGS = ("FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


@pytest.fixture(autouse=True)
def plain_terminal(monkeypatch):
    for name in FORCED_TERMINAL_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    """--jobs 2 runs two processes in this one even on a single-core machine (where it is
    otherwise capped at 1), so the tests comparing it with --jobs 1 always compare two paths."""
    from classifier import workers

    cores = workers.available_cores()
    monkeypatch.setattr(workers, "available_cores", lambda: max(cores, 2))


# Small enough to train in a second or two, big enough (several pages of several outlets)
# for the two-pass model to be exercised.
SMALL_CORPUS_PAGES = 12


def small_corpus():
    blocks, pages = [], []
    for path in TRAINING_DATA:
        for block in read_labelled([path]):
            if block.page not in pages:
                if len(pages) >= SMALL_CORPUS_PAGES:
                    continue
                pages.append(block.page)
            if block.page in pages:
                blocks.append(block)
        if len(pages) >= SMALL_CORPUS_PAGES:
            break
    return blocks


@pytest.fixture(scope="session")
def corpus_blocks():
    return small_corpus()


@pytest.fixture(scope="session")
def small_model(corpus_blocks):
    return train(corpus_blocks, stack_folds=3)


@pytest.fixture(scope="session")
def small_model_path(small_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "small.npz"
    small_model.save(path)
    return path


def ctrl_c_restored() -> None:
    """A subprocess's ``preexec_fn``: Ctrl-C handled as usual, even when the tests run as a
    background job, whose processes inherit SIGINT ignored (the tests that send it need it)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def tagged_records(path: Path, model_path: Path) -> list[dict]:
    """``blocktag tag PATH --format jsonl`` run through typer's CliRunner: its JSON records."""
    from typer.testing import CliRunner

    from classifier.cli import app

    result = CliRunner().invoke(app, ["tag", str(path), "--format", "jsonl", "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def first_difference(got: list, expected: list) -> int | None:
    """Where two lists first differ (None when equal): what a test over the dev pages reports
    instead of an assertion diff, which would print the pages' text (the check half's is never
    to be read)."""
    for k, (a, b) in enumerate(zip(got, expected)):
        if a != b:
            return k
    return None if len(got) == len(expected) else min(len(got), len(expected))


class FailingWrites:
    """A file opened for writing whose every write runs ``fail(handle, data)`` instead: a
    full disk, an interrupt half-way through (patched over ``files.os.fdopen``)."""

    def __init__(self, handle, fail):
        self.handle, self.fail = handle, fail

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()

    def write(self, data):
        return self.fail(self.handle, data)
