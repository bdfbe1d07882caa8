"""Issue 15, items 3-15 and 17-19: each way to lose data, crash or leave a mess, reproduced.

Signals, pipes and closed descriptors are tested on the real command in its own process;
everything else through typer's CliRunner or the library.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shlex
import signal
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier import Block, DataFormatError, InputError, Tagger, TrainingError, read_labelled, segment
from classifier import blocks as blocks_module
from classifier import files as files_module
from classifier.cli import app
from classifier.files import read_bytes
from classifier.training_checks import MIN_TRAINING_BLOCKS, check_trainable
from classifier.workers import available_cores

from conftest import ROOT, SEED_PAGE, FailingWrites, ctrl_c_restored, write_jsonl

# A subprocess's --jobs 2 starts no worker on one core (it is capped with a warning).
needs_two_cores = pytest.mark.skipif(available_cores() < 2, reason="needs 2 cores for a worker process")

runner = CliRunner()
PAGE = "Headline here\n\nBy Ann Lee and Bo Chen\n\nThe story goes on about the town.\n"
OTHER_PAGE = "Another story, about the harbour.\n\nSubscribe to our newsletter\n\nPhoto: Jo Park\n\nShare this"
# Long enough that a run is still going when a test interrupts it.
CRAWL_PAGES, CRAWL_BLOCKS = 1500, 20


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def command(*args) -> list[str]:
    return [sys.executable, "-m", "classifier", *map(str, args)]


def blocktag(*args, **kwargs):
    return subprocess.run(command(*args), capture_output=True, text=True, cwd=ROOT, **kwargs)


def write(path: Path, text: str = PAGE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pages_of(result) -> list[str]:
    return [json.loads(line)["page"] for line in result.stdout.splitlines()]


def model_file(tmp_path: Path, small_model_path: Path, name: str = "m") -> Path:
    """An output path for a model, in the format the fixtures save."""
    return tmp_path / f"{name}{small_model_path.suffix}"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawl")
    body = "\n\n".join(f"Paragraph {i} of the story, with some words." for i in range(CRAWL_BLOCKS))
    for k in range(CRAWL_PAGES):
        (folder / f"page{k:05d}.txt").write_text(body, encoding="utf-8")
    return folder


# ---------------------------------------------------------------- 3, 10: a bad argument, the rest go on


def test_3_empty_folder_before_a_good_page_loses_nothing(tmp_path, small_model_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    good = write(tmp_path / "good.txt")
    result = run("tag", empty, good, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 1
    assert pages_of(result) == ["good"] * 3
    assert result.stderr.splitlines() == [
        f"Warning: {empty}: directory holds no pages (.txt, .md, .html, .htm, .warc, .wet, .arc (each also .gz), .markdown, "
        ".xhtml, .mhtml, .mht, .webarchive, and a mirror's .php, .asp, .aspx, .jsp, .shtml and .cfm files that hold HTML) (skipped)",
        "Error: 1 input file(s) could not be tagged",
    ]


def test_10_unreadable_folder_is_skipped_and_the_rest_tagged(tmp_path, small_model_path, monkeypatch):
    locked = tmp_path / "locked"
    write(locked / "x.txt")
    good = write(tmp_path / "good.txt")
    listing = Path.iterdir

    def iterdir(self):  # what a non-root user meets in a folder without read permission
        if self == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return listing(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    result = run("tag", locked, good, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 1
    assert pages_of(result) == ["good"] * 3
    assert result.stderr.splitlines()[0] == f"Warning: {locked}: folder cannot be read (Permission denied) (skipped)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder; the monkeypatched test covers it")
def test_10_unreadable_folder_for_real(tmp_path, small_model_path):
    locked = tmp_path / "locked"
    write(locked / "x.txt")
    good = write(tmp_path / "good.txt")
    locked.chmod(0)
    try:
        result = run("tag", locked, good, "-m", small_model_path, "-f", "jsonl")
    finally:
        locked.chmod(0o755)
    assert pages_of(result) == ["good"] * 3
    assert "folder cannot be read" in result.stderr


# ---------------------------------------------------------------- 4: pages with the same name


def _scores(tagged):
    return [(t.block.index, t.block.text, t.scores) for t in tagged]


def test_4_pages_of_the_same_name_are_never_merged(tmp_path, small_model):
    a = write(tmp_path / "a" / "index.txt")
    b = write(tmp_path / "b" / "index.txt", OTHER_PAGE)
    tagger = Tagger(small_model)
    together = list(tagger.tag_files([a, b]))
    assert [t.block.page for t in together] == [str(tmp_path / "a" / "index")] * 3 + [str(tmp_path / "b" / "index")] * 4
    assert _scores(together) == _scores(tagger.tag_files([a])) + _scores(tagger.tag_files([b]))


def test_4_same_page_name_in_two_jsonl_files_is_tagged_apart(tmp_path, small_model):
    one = write_jsonl(tmp_path / "one.jsonl", [{"page": "p", "index": i, "text": t} for i, t in enumerate(segment(PAGE))])
    two = write_jsonl(tmp_path / "two.jsonl", [{"page": "p", "index": i, "text": t} for i, t in enumerate(segment(OTHER_PAGE))])
    tagger = Tagger(small_model)
    assert _scores(tagger.tag_files([one, two])) == _scores(tagger.tag_files([one])) + _scores(tagger.tag_files([two]))


def test_4_the_same_block_in_two_labelled_files_is_an_error(tmp_path):
    record = {"page": "p", "index": 0, "text": "t", "label": "body"}
    first = write_jsonl(tmp_path / "first.jsonl", [record])
    second = write_jsonl(tmp_path / "second.jsonl", [{**record, "page": "q"}, record])
    with pytest.raises(DataFormatError) as caught:
        read_labelled([first, second])
    assert str(caught.value) == (
        f"{second}:2: duplicate block: page 'p' index 0 is also at {first}:1; if it is the same page labelled twice, "
        "keep one file's copy; if they are different pages, give each a name no other file uses"
    )


# ---------------------------------------------------------------- 5: skipped means nothing output


def test_5_a_skipped_file_has_nothing_of_it_output(tmp_path, small_model_path):
    records = [{"page": p, "index": i, "text": t} for p in ("p1", "p2") for i, t in enumerate(segment(PAGE))]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r) + "\n" for r in records) + "{broken\n", encoding="utf-8")
    good = write(tmp_path / "good.txt")
    result = run("tag", bad, good, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 1
    assert pages_of(result) == ["good"] * 3
    assert result.stderr.splitlines()[0].startswith(f"Warning: {bad}:7: not valid JSON (")


# ---------------------------------------------------------------- 6, 7, 9, 11: one Error line each


def _jsonl_line(index_json: str, text_json: str = '"t"') -> str:
    return f'{{"page": "p", "index": {index_json}, "text": {text_json}, "label": "body"}}\n'


@pytest.mark.parametrize("index_json, shown", [
    ('"\\u00b2"', "got '²'"),
    ('"--5"', "got '--5'"),
    ('"' + "9" * 5000 + '"', "got '" + "9" * 39 + "..."),
    ("9" * 5000, None),
])
def test_6_odd_indexes_in_jsonl(tmp_path, small_model_path, index_json, shown):
    data = tmp_path / "d.jsonl"
    data.write_text(_jsonl_line(index_json), encoding="utf-8")
    result = run("tag", data, "-m", small_model_path)
    assert result.exit_code == 1
    if shown is None:
        assert result.output == f"Error: {data}:1: not valid JSON (a number too long to read)\n"
    else:
        assert result.output == f"Error: {data}:1: 'index' must be a whole number from 0, {shown}\n"


@pytest.mark.parametrize("index, shown", [("²", "got '²'"), ("--5", "got '--5'"), ("9" * 5000, "got '" + "9" * 39 + "...")])
def test_6_odd_indexes_in_csv(tmp_path, index, shown):
    data = tmp_path / "d.csv"
    data.write_text(f"page,index,text,label\np,{index},t,body\n", encoding="utf-8")
    result = run("evaluate", data)
    assert result.exit_code == 1
    assert result.output == f"Error: {data}:2: 'index' must be a whole number from 0, {shown}\n"


@pytest.mark.parametrize("command_name", ["tag", "train", "evaluate"])
def test_7_a_lone_surrogate_is_one_error_line(tmp_path, small_model_path, command_name):
    data = tmp_path / "d.jsonl"
    data.write_text(_jsonl_line("0", '"x\\ud83d"'), encoding="utf-8")
    args = {
        "tag": ["tag", data, "-m", small_model_path],
        "train": ["train", data, "-o", model_file(tmp_path, small_model_path)],
        "evaluate": ["evaluate", data, "-m", small_model_path, "--report", tmp_path / "r.html"],
    }[command_name]
    result = run(*args)
    assert result.exit_code == 1
    assert result.output == f"Error: {data}:1: 'text' holds a lone surrogate \\ud83d, not valid Unicode; fix or drop the character\n"


@pytest.mark.parametrize("encoding, why", [("undefined", "is not a text encoding"), ("no-such-codec", "unknown encoding"),
                                           ("punycode", "is not a text encoding"), ("idna", "is not a text encoding")])
def test_9_an_unusable_encoding_is_one_error_line(small_model_path, tmp_path, encoding, why):
    page = write(tmp_path / "p.txt")
    result = run("tag", page, "--encoding", encoding, "-m", small_model_path)
    assert result.exit_code == 1
    assert result.output == f"Error: --encoding {encoding}: {why}; give one such as utf-8 or latin-1\n"


def test_11_deeply_nested_json_is_one_error_line(tmp_path, small_model_path):
    data = tmp_path / "d.jsonl"
    data.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    result = run("tag", data, "-m", small_model_path)
    assert result.exit_code == 1
    assert result.output == f"Error: {data}:1: JSON nested too deeply; a record is one flat object\n"


# ---------------------------------------------------------------- 8: names and encodings


def test_8_a_file_name_that_is_not_utf8(tmp_path, small_model_path):
    page = write(tmp_path / os.fsdecode(b"caf\xe9.txt"))
    out = tmp_path / os.fsdecode(b"out\xff.jsonl")
    done = blocktag("tag", page, "-m", small_model_path, "-f", "jsonl", "-o", out)
    assert done.returncode == 0, done.stderr
    assert {json.loads(line)["page"] for line in out.read_text(encoding="utf-8").splitlines()} == {"caf\\xe9"}


def test_8_stdout_in_an_encoding_too_narrow_for_the_text(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt", "A snowman \u2603 here\n\nBy Ann Lee")
    done = subprocess.run(command("tag", page, "-m", small_model_path), capture_output=True, cwd=ROOT,
                          env={**os.environ, "PYTHONIOENCODING": "latin-1"})
    assert done.returncode == 1
    assert done.stderr.decode("latin-1") == (
        "Error: standard output's encoding (latin-1) cannot write '\\u2603'; "
        "set PYTHONIOENCODING=utf-8 or write to a file with --output\n"
    )


# ---------------------------------------------------------------- 12: output failures


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full")
def test_12_output_to_a_full_device(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    result = run("tag", page, "-m", small_model_path, "-o", "/dev/full")
    assert result.exit_code == 1
    assert result.output == "Error: /dev/full: could not be written (No space left on device)\n"
    assert Path("/dev/full").is_char_device()


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full")
def test_12_stdout_to_a_full_device(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    with open("/dev/full", "w") as full:
        done = subprocess.run(command("tag", page, "-m", small_model_path), stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write to standard output (No space left on device); write to a file with --output\n"


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full")
def test_12_a_command_without_output_says_to_redirect(tmp_path, small_model_path):
    data = write_jsonl(tmp_path / "d.jsonl", _tiny(6))
    with open("/dev/full", "w") as full:
        done = subprocess.run(command("evaluate", data, "-m", small_model_path, "-q"), stdout=full,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write to standard output (No space left on device); redirect it to a file (> FILE)\n"


def _disk_full(handle, data):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("failure", ["disk full", "rename refused"])
def test_12_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path, small_model_path, monkeypatch, failure):
    page = write(tmp_path / "p.txt")
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    if failure == "disk full":
        fdopen = os.fdopen
        monkeypatch.setattr(files_module.os, "fdopen", lambda *a, **k: FailingWrites(fdopen(*a, **k), _disk_full))
        reason = "No space left on device"
    else:
        def refused(*args):
            raise PermissionError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(files_module.os, "replace", refused)
        reason = "Operation not permitted"
    result = run("tag", page, "-m", small_model_path, "-f", "jsonl", "-o", out)
    assert result.exit_code == 1
    assert result.output == f"Error: {out}: could not be written ({reason})\n"
    assert out.read_text() == "previous\n"
    assert sorted(os.listdir(tmp_path)) == ["out.jsonl", "p.txt"]


def test_12_evaluate_checks_json_and_report_paths_before_the_work(tmp_path, small_model_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": 0, "text": "t", "label": "body"}])
    for option in ("--json", "--report"):
        # The model is missing too: the output path must be found bad first.
        result = run("evaluate", data, "-m", tmp_path / "missing-model.npz", option, tmp_path)
        assert result.exit_code == 1
        assert result.output == f"Error: {tmp_path}: is a directory; give a file name\n"


def test_12_cv_checks_its_json_path_before_the_work(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": 0, "text": "t", "label": "body"}])
    result = run("cv", data, "--json", tmp_path)
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path}: is a directory; give a file name\n"


# ---------------------------------------------------------------- 13: too little to train on


def _tiny(n_pages: int) -> list[dict]:
    return [{"page": f"p{k}", "index": i, "text": text, "label": label}
            for k in range(n_pages) for i, (text, label) in enumerate([("The story goes on", "body"), ("By Ann Lee", "byline")])]


def test_13_train_on_a_few_blocks_says_what_is_too_small(tmp_path, small_model_path):
    data = write_jsonl(tmp_path / "d.jsonl", _tiny(2))
    result = run("train", data, "-o", model_file(tmp_path, small_model_path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {data}: only 4 labelled blocks; training needs at least {MIN_TRAINING_BLOCKS} (several pages' worth is better)\n"
    )


def test_13_cv_on_a_few_blocks_says_what_is_too_small(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", _tiny(2))
    result = run("cv", data, "--folds", "2")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {data}: only 4 labelled blocks; training needs at least {MIN_TRAINING_BLOCKS} (several pages' worth is better)\n"
    )


def test_13_no_recurring_word_is_refused_before_scikit_learn():
    blocks = [Block(f"p{i}", 0, f"word{i}", "body" if i % 2 else "byline") for i in range(MIN_TRAINING_BLOCKS)]
    with pytest.raises(TrainingError, match="no word occurs in more than one block"):
        check_trainable(blocks)
    check_trainable([Block(b.page, 0, b.text + " shared", b.label) for b in blocks])  # enough: no error


# ---------------------------------------------------------------- 14: closed streams, Ctrl-C with workers


def test_14_closed_stdin(small_model_path):
    done = subprocess.run(shlex.join(map(str, command("tag", "-", "-m", small_model_path))) + " <&-", shell=True,
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr == "Error: <stdin>: standard input is closed; pipe a page in or name a file\n"


def test_14_label_with_stdin_closed_says_where_answers_come_from(tmp_path):
    path = tmp_path / "to_label.jsonl"
    path.write_text('{"page": "p", "index": 0, "text": "By Ann Lee", "label": "byline", "confidence": 0.5}\n', encoding="utf-8")
    done = subprocess.run(shlex.join(map(str, command("label", path))) + " <&-", shell=True, capture_output=True,
                          text=True, cwd=ROOT)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == ("Error: standard input is closed, and label reads its answers there; run it at a terminal, "
                           f"or pipe answers in (printf '\\n\\nq\\n' | blocktag label {path})\n")


def test_14_closed_stdout(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    done = subprocess.run(shlex.join(map(str, command("tag", page, "-m", small_model_path))) + " >&-", shell=True,
                          capture_output=False, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr == "Error: cannot write to standard output (standard output is closed); write to a file with --output\n"
    out = tmp_path / "out.txt"  # with --output, a closed stdout does not matter
    done = subprocess.run(" ".join(command("tag", page, "-m", small_model_path, "-o", out)) + " >&-", shell=True,
                          stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").startswith("=== p\n")


def test_14_closed_stderr(tmp_path, small_model_path):
    page, out = write(tmp_path / "p.txt"), tmp_path / "out.jsonl"
    done = subprocess.run(shlex.join(map(str, command("tag", page, "-m", small_model_path, "-o", out))) + " 2>&-",
                          shell=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert done.returncode == 0  # (its progress and notices go nowhere)
    assert [json.loads(line)["page"] for line in out.read_text(encoding="utf-8").splitlines()][:1] == ["p"]
    done = subprocess.run(shlex.join(map(str, command("tag", page, "--no-such-option"))) + " 2>&-", shell=True,
                          stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout) == (2, "")  # a usage error is not written into the data stream


def _started(args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(command(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=ctrl_c_restored, **kwargs)


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                children.append(int(entry.name))
    return children


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@needs_two_cores
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("attempt", range(3))
def test_14_ctrl_c_with_workers_prints_no_traceback(crawl, small_model_path, attempt):
    process = _started(["tag", crawl, "-m", small_model_path, "--jobs", "2", "-f", "jsonl"])
    # The worker running (--jobs 2: the parent and one worker), and the parent blocked on
    # the pipe nobody reads: mid-run.
    assert _wait_for(lambda: len(_children(process.pid)) >= 1)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole process group
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# ---------------------------------------------------------------- 15: memory per page is bounded


def test_15_a_page_over_the_cap_is_tagged_in_chunks(tmp_path, small_model, monkeypatch):
    cap = 100
    monkeypatch.setattr(blocks_module, "MAX_PAGE_BLOCKS", cap)
    texts = [f"Block {i} of a very long page" for i in range(2 * cap + 50)]
    page = write(tmp_path / "long.txt", "\n\n".join(texts))
    seen = []
    predict = small_model.predict_proba
    monkeypatch.setattr(small_model, "predict_proba", lambda blocks: (seen.append(len(blocks)), predict(blocks))[1])
    with pytest.warns(UserWarning) as warned:
        tagged = list(Tagger(small_model).tag_files([page]))
    assert [(t.block.page, t.block.index, t.block.text) for t in tagged] == [("long", i, t) for i, t in enumerate(texts)]
    assert max(seen) <= cap  # the model never holds more than a chunk of the page
    assert [str(w.message) for w in warned] == [
        f"page 'long' has more than {cap} blocks; it is tagged in chunks of {cap}, each as a page of its own"
    ]


def test_15_a_long_jsonl_page_is_chunked_too(tmp_path, small_model, monkeypatch):
    monkeypatch.setattr(blocks_module, "MAX_PAGE_BLOCKS", 10)
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": i, "text": f"b{i}"} for i in range(25)])
    with pytest.warns(UserWarning, match="more than 10 blocks"):
        tagged = list(Tagger(small_model, batch_blocks=1000).tag_files([data]))
    assert [t.block.index for t in tagged] == list(range(25))


# ---------------------------------------------------------------- 17: SIGTERM, dead parents, --jobs


def _temp_files(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def test_17_sigterm_during_tag_output_leaves_no_temp_file(crawl, small_model_path, tmp_path):
    out = tmp_path / "out.jsonl"
    process = _started(["tag", crawl, "-m", small_model_path, "-f", "jsonl", "-o", out])
    assert _wait_for(lambda: bool(_temp_files(tmp_path)))  # mid-write
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["a" * 245 + ".jsonl", "é" * 122 + ".jsonl", "a" * 249 + ".jsonl"])
def test_17_an_output_name_as_long_as_the_file_system_takes_is_written(tmp_path, small_model_path, name):
    # the temporary file beside it is named shorter, so a name of up to 255 bytes is written
    out = tmp_path / name
    assert len(os.fsencode(name)) <= 255
    result = run("tag", write(tmp_path / "p.txt"), "-m", small_model_path, "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == sorted(["p.txt", name])
    assert out.read_text(encoding="utf-8").count("\n") == len(segment(PAGE))


def test_17_sigterm_inside_an_atomic_write_cleans_up(tmp_path):
    # What a model save does, killed mid-write: the handler turns SIGTERM into SystemExit.
    script = (
        "import os, signal, sys\n"
        "from classifier.files import atomic_write\n"
        "from classifier.workers import exit_on_sigterm\n"
        "exit_on_sigterm()\n"
        f"with atomic_write({str(tmp_path / 'model.bin')!r}, 'wb') as handle:\n"
        "    handle.write(b'half a model')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    signal.pause()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 143
    assert os.listdir(tmp_path) == []


@needs_two_cores
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_17_workers_die_with_their_parent(crawl, small_model_path):
    process = _started(["tag", crawl, "-m", small_model_path, "--jobs", "2", "-f", "jsonl"])
    # Mid-run: the parent is blocked on the pipe nobody reads, its worker (--jobs 2: the
    # parent and one worker) waits for work.
    assert _wait_for(lambda: len(_children(process.pid)) >= 1)
    workers = _children(process.pid)
    process.kill()  # no chance to clean up: the kernel must take the workers
    process.communicate(timeout=60)
    assert _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=30)


@needs_two_cores
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_17_a_worker_killed_mid_run_is_one_error_line(crawl, small_model_path):
    process = _started(["tag", crawl, "-m", small_model_path, "--jobs", "2", "-f", "jsonl"])
    assert _wait_for(lambda: len(_children(process.pid)) >= 1)
    os.kill(_children(process.pid)[0], signal.SIGKILL)  # as the out-of-memory killer would
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.splitlines()[-1] == (
        "Error: a worker process died before finishing its share (killed, or out of memory?); "
        "run again, or with --jobs 1 to work in one process")
    assert "Traceback" not in err


def test_17_blocktags_own_marks_fall_back_to_ascii_where_stdout_cannot_hold_them(tmp_path, small_model_path):
    # "·" between a model's figures and "…" after a cut text are blocktag's, not the page's
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    info = blocktag("info", "-m", small_model_path, env=env)
    assert info.returncode == 0, info.stderr
    assert " | " in info.stdout and "·" not in info.stdout
    page = write(tmp_path / "p.txt", "A plain page whose one paragraph runs well past the seventy characters shown.")
    explained = blocktag("explain", page, "-m", small_model_path, "--top", "1", env=env)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.splitlines()[1].endswith(": A plain page whose one paragraph runs well past the seventy characters...")
    # its evidence's word shapes ("shape ^■ ⋯") are blocktag's notation too: escaped
    every = blocktag("explain", page, "-m", small_model_path, "--top", "100", env=env)
    assert every.returncode == 0, every.stderr
    assert "shape ^\\u25a0" in every.stdout


@pytest.mark.parametrize("warnings_filter", [None, "error"])
def test_17_jobs_over_the_core_count_is_capped_with_a_warning(tmp_path, small_model_path, warnings_filter):
    # a notice is a Warning line, even where warnings in general are errors (CI's PYTHONWARNINGS=error)
    page = write(tmp_path / "p.txt")
    cores = available_cores()
    env = {**os.environ, "PYTHONWARNINGS": warnings_filter} if warnings_filter else None
    done = blocktag("tag", page, "-m", small_model_path, "-f", "jsonl", "--jobs", cores + 3, env=env)
    assert done.returncode == 0
    assert done.stderr == f"Warning: --jobs {cores + 3}: only {cores} core(s) available; using {cores} process(es)\n"
    assert len(done.stdout.splitlines()) == 3


def test_17_jobs_where_workers_cannot_be_forked_is_one_process_with_a_warning(tmp_path, small_model_path, monkeypatch):
    from classifier import workers

    monkeypatch.setattr(workers, "can_fork", lambda: False)  # as on Windows
    args = ["tag", write(tmp_path / "p.txt"), "-m", small_model_path, "-f", "jsonl", "-q"]
    one = run(*args)
    two = run(*args, "--jobs", "2")
    assert two.exit_code == 0, two.output
    assert two.stderr == "Warning: --jobs 2: worker processes need fork, which this OS lacks; using 1 process\n"
    assert two.stdout == one.stdout
    # train and cv ask the same function how many processes to run
    for jobs in (2, -1):
        with pytest.warns(UserWarning, match=f"^jobs={jobs}: worker processes need fork, which this OS lacks; "
                                             "using 1 process$"):
            assert workers.resolve_jobs(jobs) == 1


@pytest.mark.parametrize("jobs", ["0", "-5"])
def test_17_jobs_zero_or_negative_is_refused(tmp_path, small_model_path, jobs):
    page = write(tmp_path / "p.txt")
    result = run("tag", page, "-m", small_model_path, "--jobs", jobs)
    assert result.exit_code == 1
    assert result.output == f"Error: --jobs {jobs}: give a number of processes from 1, or -1 for one per core\n"


# ---------------------------------------------------------------- 18: special files, symlinks, modes


def test_18_output_through_a_symlink_replaces_its_target(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    result = run("tag", page, "-m", small_model_path, "-f", "jsonl", "-o", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert len(target.read_text(encoding="utf-8").splitlines()) == 3


def test_18_output_into_a_fifo_is_written_through(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    result = run("tag", page, "-m", small_model_path, "-f", "jsonl", "-o", fifo)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(received[0].splitlines()) == 3


def test_18_an_existing_output_keeps_its_mode(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    out.chmod(0o600)
    assert run("tag", page, "-m", small_model_path, "-f", "jsonl", "-o", out).exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3


def test_18_train_refuses_to_overwrite_its_own_input(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", _tiny(6))
    before = data.read_bytes()
    result = run("train", data, "-o", data)
    assert result.exit_code == 1
    assert result.output == f"Error: {data}: is also an input file; write the output elsewhere\n"
    assert data.read_bytes() == before


@pytest.mark.parametrize("command, options", [
    ("convert", []), ("explain", []), ("suggest", ["-n", "1"]), ("tag", ["-f", "jsonl"])])
def test_18_no_command_writes_over_its_input_page_or_a_page_of_its_input_folder(tmp_path, small_model_path, command, options):
    page = write(tmp_path / "p.txt")
    before = page.read_bytes()
    for given, message in ((page, "is also an input file"), (tmp_path, f"is also an input (a page of {tmp_path})")):
        model = [] if command == "convert" else ["-m", small_model_path]
        result = run(command, given, *model, *options, "-o", page)
        assert result.exit_code == 1
        if command == "suggest":  # refused for its name before anything else: label reads .jsonl
            assert result.output == (f"Error: --output {page}: suggest writes JSON lines, which blocktag label reads "
                                     "from a .jsonl file; name it .jsonl\n")
        else:
            assert result.output == f"Error: {page}: {message}; write the output elsewhere\n"
        assert page.read_bytes() == before


def test_18_evaluate_writes_over_neither_its_data_nor_its_model_nor_one_output_with_another(tmp_path, small_model_path):
    data = write_jsonl(tmp_path / "d.jsonl", _tiny(6))
    before = data.read_bytes()
    model = tmp_path / "model.data"  # (named .npz, an output is refused for its name before this check)
    model.write_bytes(small_model_path.read_bytes())
    for options, message in ((["--json", data], f"{data}: is also an input file"),
                             (["--json", model], f"{model}: is also an input file"),
                             (["--json", tmp_path / "s.out", "--report", tmp_path / "s.out"],
                              f"{tmp_path / 's.out'}: is named for two outputs; give each its own file")):
        result = run("evaluate", data, "-m", model, *options)
        assert result.exit_code == 1
        assert result.output == f"Error: {message}" + ("" if "two outputs" in message else "; write the output elsewhere") + "\n"
    assert data.read_bytes() == before and not (tmp_path / "s.out").exists()


# ---------------------------------------------------------------- 19: the smaller ones


def test_19_utf8_text_read_as_utf16_is_refused_not_tagged_as_nonsense(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    result = run("tag", page, "-m", small_model_path, "--encoding", "utf-16")
    assert result.exit_code == 1
    assert result.output == (f"Error: {page}: is not utf-16 text (its line breaks hold no NUL byte); drop --encoding, "
                             "or name the file's own\n")


def test_19_utf16_text_is_not_called_binary(tmp_path, small_model_path):
    page = tmp_path / "p.txt"
    page.write_text(PAGE, encoding="utf-16")
    result = run("tag", page, "-m", small_model_path, "-f", "jsonl", "--encoding", "utf-16")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == segment(PAGE)


@pytest.mark.parametrize("chunk_fraction", [0, 0.5, "one short", 1, "one over", 6])
def test_19_a_text_file_of_any_size_is_read_whole(tmp_path, chunk_fraction):
    """The first chunk is read alone (for the binary check); a file that ends inside it is
    not read again, and a longer one is read to its end."""
    from classifier.files import BINARY_SNIFF_BYTES as chunk

    size = {"one short": chunk - 1, "one over": chunk + 1}.get(chunk_fraction) or int(chunk_fraction * chunk)
    data = bytes(b"abcdefghij\n"[i % 11] for i in range(size))
    path = tmp_path / "p.txt"
    path.write_bytes(data)
    assert read_bytes(path) == data


def test_19_a_huge_binary_file_is_refused_without_reading_it_whole(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(1 << 30)  # 1 GB of NULs, sparse on disk
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="is a binary file"):
            read_bytes(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20


def test_19_binary_standard_input_is_refused_from_its_first_chunk(monkeypatch):
    # `blocktag tag - < /dev/zero`: refused at once, not once an endless input is all kept
    import io
    import types

    from classifier.readers.pages import iter_pages

    class Zeros(io.RawIOBase):
        reads = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            Zeros.reads += 1
            assert Zeros.reads < 100, "stdin read on past its first chunk"
            buffer[:] = bytes(len(buffer))
            return len(buffer)

    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BufferedReader(Zeros())))
    with pytest.raises(InputError, match=r"^<stdin>: is a binary file, not text; give a page of scraped text$"):
        list(iter_pages(["-"]))


def test_19_utf16_text_of_few_ascii_characters_is_named_not_called_binary(tmp_path, small_model_path):
    # Chinese in UTF-16 with no byte-order mark: its NULs are only in line breaks and a few characters
    page = tmp_path / "zh.txt"
    page.write_bytes("中文段落，这是一个测试。\n\n第二段。\n".encode("utf-16-le"))
    result = run("tag", page, "-m", small_model_path)
    assert (result.exit_code, result.output) == (
        1, f"Error: {page}: looks like UTF-16 text with no byte-order mark; give its encoding, e.g. --encoding utf-16\n")


def test_19_upper_case_txt_and_broken_symlinks_in_a_folder(tmp_path, small_model_path):
    crawl = tmp_path / "crawl"
    write(crawl / "A.TXT")
    broken = crawl / "b.txt"
    broken.symlink_to(tmp_path / "gone.txt")
    result = run("tag", crawl, write(tmp_path / "c.txt"), "-m", small_model_path, "-f", "jsonl")
    assert pages_of(result) == ["A"] * 3 + ["c"] * 3
    assert result.stderr.splitlines() == [
        f"Warning: {broken}: is a broken symbolic link (to {tmp_path / 'gone.txt'}) (skipped)",
        "Error: 1 input file(s) could not be tagged",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_19_a_pipe_or_a_device_in_a_folder_is_left_out_and_said(tmp_path, small_model_path):
    crawl = tmp_path / "crawl"
    write(crawl / "a.txt")
    os.mkfifo(crawl / "b.txt")  # read, it would wait for a writer
    (crawl / "z.txt").symlink_to("/dev/zero")  # read, it would never end
    result = run("tag", crawl, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 0 and pages_of(result) == ["a"] * 3
    assert result.stderr == (f"Warning: {crawl}: not read, being no regular files (a pipe or a device): b.txt, z.txt; "
                             "name one to read it\n")


def test_19_a_csv_file_given_to_tag_is_read_as_blocks(tmp_path, small_model_path):
    data = tmp_path / "blocks.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["page", "index", "text"])
        writer.writerows([["p", i, t] for i, t in enumerate(segment(PAGE))])
    result = run("tag", data, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    assert [(r["page"], r["index"], r["text"]) for r in map(json.loads, result.stdout.splitlines())] == [
        ("p", i, t) for i, t in enumerate(segment(PAGE))
    ]


def test_19_a_mathtext_label_in_the_report(tmp_path, small_model_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": i, "text": t, "label": "$\\foo{$" if i else "body"}
                                              for i, t in enumerate(segment(PAGE))])
    report = tmp_path / "r.html"
    result = run("evaluate", data, "-m", small_model_path, "--report", report)
    assert result.exit_code == 0, result.output
    assert "$\\foo{$" in report.read_text(encoding="utf-8")


def test_19_a_closed_pipe_exits_0(crawl, small_model_path):
    process = _started(["tag", crawl, "-m", small_model_path, "-f", "jsonl"])
    process.stdout.readline()
    process.stdout.close()  # what `| head -1` does
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert err == ""


@pytest.mark.parametrize("args", [["info"], ["evaluate", "SEED_LABELS"],
                                  ["train", "SEED_LABELS", "--no-plain-text-model", "-o", "OUT"]])
def test_19_a_closed_pipe_exits_0_from_the_commands_that_print_tables(tmp_path, args):
    from conftest import SEED_LABELS

    args = [{"SEED_LABELS": str(SEED_LABELS), "OUT": str(tmp_path / "m.npz")}.get(a, a) for a in args]
    process = _started(args)
    process.stdout.close()  # gone before the table is printed: `| true`
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0
    assert "Error" not in err and "Traceback" not in err
    if args[0] == "train":
        assert (tmp_path / "m.npz").is_file()


def test_19_a_csv_field_over_128_kib(tmp_path):
    data = tmp_path / "d.csv"
    text = "x" * 200_000
    data.write_text(f"page,index,text,label\np,0,{text},body\n", encoding="utf-8")
    assert read_labelled([data]) == [Block("p", 0, text, "body")]


def test_19_an_unterminated_quote_is_named(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text('page,index,text,label\np,0,fine,body\np,1,"never closed,body\np,2,more,body\n', encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([data])
    assert str(caught.value) == f"{data}:3: a quoted field is never closed; add the missing '\"'"


@pytest.mark.parametrize("command, extra, done", [
    ("convert", [], "converted"), ("explain", [], "explained"), ("suggest", ["-n", "1"], "read")])
def test_19_a_bad_file_among_many_is_skipped_and_counted_by_every_reading_command(tmp_path, small_model_path, command, extra, done):
    folder = tmp_path / "crawl"
    write(folder / "a.txt")
    (folder / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    write(folder / "c.txt", OTHER_PAGE)
    out = tmp_path / ("out.jsonl" if command == "suggest" else "out.txt")
    model = [] if command == "convert" else ["-m", small_model_path]
    result = run(command, folder, *extra, *model, "-o", out)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"Warning: {folder / 'b.txt'}: is a binary file, not text; give a page of scraped text (skipped)"
    assert result.stderr.splitlines()[-1] == f"Error: 1 input file(s) could not be {done}"
    written = out.read_text(encoding="utf-8")
    if command == "suggest":  # one page picked, from the two good ones
        assert {json.loads(line)["page"] for line in written.splitlines()} in ({"a"}, {"c"})
    else:  # both good pages, in order
        assert written.index("Headline here") < written.index("harbour")


@pytest.mark.skipif(not Path("/proc/self").is_dir() or not os.access("/proc", os.W_OK),
                    reason="needs /proc, writable by its mode (as root): a non-root user is told it is not writable")
def test_18_a_folder_that_takes_no_new_files_is_not_called_missing(tmp_path, small_model_path):
    page = write(tmp_path / "p.txt")
    result = run("tag", page, "-m", small_model_path, "-o", "/proc/blocktag-out.txt")
    assert result.exit_code == 1
    assert result.output == "Error: /proc/blocktag-out.txt: cannot write here: folder /proc takes no new files\n"


TOO_LONG = "a" * 300  # past any file system's 255-byte name


@pytest.mark.parametrize("args, named", [
    (["tag", f"{TOO_LONG}.txt"], f"{TOO_LONG}.txt: cannot be read (File name too long)"),
    (["convert", f"{TOO_LONG}.txt"], f"{TOO_LONG}.txt: cannot be read (File name too long)"),
    (["evaluate", f"{TOO_LONG}.jsonl"], f"{TOO_LONG}.jsonl: File name too long"),
    (["train", f"{TOO_LONG}.jsonl", "-o", "m.npz"], f"{TOO_LONG}.jsonl: File name too long"),
    (["info", "-m", f"{TOO_LONG}.npz"], f"{TOO_LONG}.npz: File name too long"),
    (["tag", "SEED", "-o", f"{TOO_LONG}.txt"], f"{TOO_LONG}.txt: File name too long"),
    (["tag", "SEED", "--keep", "body", "-o", f"{TOO_LONG}/"], f"{TOO_LONG}: File name too long"),
])
def test_a_path_the_system_refuses_is_one_error_line_that_names_it(tmp_path, monkeypatch, args, named):
    monkeypatch.chdir(tmp_path)
    args = [str(SEED_PAGE) if a == "SEED" else a for a in args]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert result.output == f"Error: {named}\n"
    assert sorted(os.listdir(tmp_path)) == []


def test_a_path_the_system_refuses_among_others_is_skipped_with_the_others_tagged(tmp_path, small_model_path):
    result = CliRunner().invoke(app, ["tag", str(tmp_path / f"{TOO_LONG}.txt"), str(SEED_PAGE), "--model", str(small_model_path)])
    assert result.exit_code == 1
    assert f"Warning: {tmp_path / TOO_LONG}.txt: cannot be read (File name too long)" in result.stderr
    assert result.stderr.endswith("Error: 1 input file(s) could not be tagged\n")
    alone = CliRunner().invoke(app, ["tag", str(SEED_PAGE), "--model", str(small_model_path)])
    assert result.stdout == alone.stdout  # the seed page, tagged as it is alone
