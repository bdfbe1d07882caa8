"""Bad input, interruptions, untrusted model files: nothing lost, nothing half-written."""

import json
import pickle
import os
import shlex
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifier import Block, BlocktagError, DataFormatError, Tagger, join_blocks, read_labelled, segment
from classifier.cli import app
from classifier.measures import MAX_FEATURE_CHARS

from conftest import DEV, ROOT, SEED_LABELS, SEED_PAGE, FailingWrites, ctrl_c_restored, first_difference, write_jsonl

runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def blocktag(*args, **kwargs):
    """The installed command as a user runs it, in its own process."""
    return subprocess.run([sys.executable, "-m", "classifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kwargs)


# ---------------------------------------------------------------- bad input, one line each


def test_directory_without_pages(tmp_path):
    result = run("tag", tmp_path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path}: directory holds no pages "
                             "(.txt, .md, .html, .htm, .warc, .wet, .arc (each also .gz), .markdown, .xhtml, .mhtml, .mht, .webarchive, and a mirror's .php, .asp, .aspx, .jsp, .shtml and .cfm files that hold HTML)\n")


def test_png_renamed_txt(tmp_path):
    png = tmp_path / "page.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    result = run("tag", png)
    assert result.exit_code == 1
    assert result.output == f"Error: {png}: is a binary file, not text; give a page of scraped text\n"


def test_record_without_text_or_label(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": 0, "label": "body"}])
    result = run("train", data, "--output", tmp_path / "m.npz")
    assert result.exit_code == 1
    assert result.output == f"Error: {data}:1: record has no 'text' field\n"
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": 0, "text": "t"}])
    result = run("train", data, "--output", tmp_path / "m.npz")
    assert result.output == f"Error: {data}:1: record has no 'label' field\n"


def test_non_integer_index_and_duplicates(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": 1.5, "text": "t", "label": "body"}])
    assert run("evaluate", data).output == f"Error: {data}:1: 'index' must be a whole number from 0, got 1.5\n"
    record = {"page": "p", "index": 0, "text": "t", "label": "body"}
    data = write_jsonl(tmp_path / "d.jsonl", [record, record])
    assert run("evaluate", data).output == f"Error: {data}:2: duplicate block: page 'p' index 0 appears twice\n"


def test_training_data_with_a_single_label(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": i, "text": f"t{i}", "label": "body"} for i in range(4)])
    result = run("train", data, "--output", tmp_path / "m.npz")
    assert result.exit_code == 1
    assert result.output == f"Error: {data}: every block is labelled 'body'; a model needs blocks of at least two labels\n"


def test_unwritable_output_fails_before_training(tmp_path):
    target = tmp_path / "no" / "such" / "m.npz"
    result = run("train", SEED_LABELS, "--output", target)
    assert result.exit_code == 1
    assert result.output == f"Error: {target}: cannot write here: folder {target.parent} does not exist\n"
    result = run("tag", SEED_PAGE, "--output", tmp_path)
    assert result.output == f"Error: {tmp_path}: is a directory; give a file name\n"
    (tmp_path / "f.txt").write_text("", encoding="utf-8")
    result = run("tag", SEED_PAGE, "--output", tmp_path / "f.txt" / "x.jsonl")
    assert result.output == f"Error: {tmp_path / 'f.txt' / 'x.jsonl'}: cannot write here: folder {tmp_path / 'f.txt'} is a file, not a folder\n"


def test_foreign_model_file(tmp_path):
    foreign = tmp_path / "weights.npz"
    np.savez(foreign, weights=np.array([0.1, 0.2]))
    result = run("tag", SEED_PAGE, "--model", foreign)
    assert result.exit_code == 1
    assert result.output == f"Error: {foreign}: is not a blocktag model; train one with 'blocktag train'\n"


# ---------------------------------------------------------------- many files: skip or stop


def _pages(tmp_path):
    good1, good2 = tmp_path / "a.txt", tmp_path / "c.txt"
    good1.write_text("Headline here\n\nBy Ann Lee", encoding="utf-8")
    good2.write_text("Another story.\n\nSubscribe now", encoding="utf-8")
    bad = tmp_path / "b.txt"
    bad.write_bytes(b"caf\xe9")
    return good1, bad, good2


def test_bad_file_among_many_is_skipped(tmp_path, small_model_path):
    good1, bad, good2 = _pages(tmp_path)
    result = run("tag", tmp_path, "--model", small_model_path, "--format", "jsonl")
    assert result.exit_code == 1
    assert [json.loads(l)["page"] for l in result.stdout.splitlines()] == ["a", "a", "c", "c"]
    assert result.stderr.splitlines() == [
        f"Warning: {bad}: is not valid utf-8 text (byte 3); name its encoding, e.g. --encoding cp1252 (skipped)",
        "Error: 1 input file(s) could not be tagged",
    ]


def test_strict_stops_at_the_first_bad_file(tmp_path, small_model_path):
    good1, bad, good2 = _pages(tmp_path)
    out = tmp_path / "out.jsonl"
    result = run("tag", tmp_path, "--model", small_model_path, "--format", "jsonl", "--strict", "--output", out)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad}: is not valid utf-8 text")
    assert not out.exists()  # nothing half-written


# ---------------------------------------------------------------- nothing half-written


def test_failed_save_keeps_the_old_model_and_leaves_no_temp_file(tmp_path, small_model, monkeypatch):
    from classifier import files as files_module

    target = tmp_path / "model.npz"
    target.write_bytes(b"previous model")
    fdopen = os.fdopen

    def interrupted(handle, data):  # the model's file, interrupted half-way through its bytes
        handle.write(data[: len(data) // 2])
        handle.flush()
        raise KeyboardInterrupt

    monkeypatch.setattr(files_module.os, "fdopen", lambda *a, **k: FailingWrites(fdopen(*a, **k), interrupted))
    with pytest.raises(KeyboardInterrupt):
        small_model.save(target)
    assert target.read_bytes() == b"previous model"
    assert os.listdir(tmp_path) == ["model.npz"]


def test_ctrl_c_exits_130_without_traceback(tmp_path):
    data = sorted((ROOT / "training" / "data").glob("*.jsonl"))
    target = tmp_path / "m.npz"
    process = subprocess.Popen([sys.executable, "-m", "classifier", "train", *map(str, data), "--output", str(target)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=ctrl_c_restored)
    # stderr is not a terminal, so train says when training starts: interrupt it then
    started = _wait_for_line(process.stderr, "Training on ", timeout=120)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert started.endswith(" blocks...")
    assert process.returncode == 130
    assert "Traceback" not in err
    assert "finished in" not in err and "Saved model" not in out  # stopped mid-training
    assert os.listdir(tmp_path) == []


def _wait_for_line(stream, prefix: str, timeout: float) -> str:
    """The first line of ``stream`` that starts with ``prefix`` (failing after ``timeout`` s)."""
    import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = stream.readline()
        if not line:
            pytest.fail(f"the process ended before printing a line starting {prefix!r}")
        if line.startswith(prefix):
            return line.rstrip("\n")
    pytest.fail(f"no line starting {prefix!r} within {timeout} s")


@pytest.mark.parametrize("args, message", [
    (["nosuch"], "No such command 'nosuch'"),
    (["tag"], "Missing argument 'PATH...'"),
    (["cv", SEED_LABELS, "-k", "3"], "No such option: -k"),  # -k is tag's --keep, not cv's --folds
])
def test_usage_errors_exit_2_with_one_error_line(args, message):
    done = blocktag(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Usage: ")
    assert done.stderr.count("Error:") == 1 and f"\nError: {message}" in done.stderr


@pytest.mark.parametrize("args, line", [
    (["tag", SEED_PAGE, "--format", "json"], "Error: --format must be text, jsonl or csv"),
    (["tag", "--format", "nope", SEED_PAGE], "Error: --format must be text, jsonl or csv"),
    (["tag", SEED_PAGE, "--split", "words"], "Error: --split must be auto, blank or line"),
    (["explain", SEED_PAGE, "--format", "csv"], "Error: --format must be text or jsonl"),
])
def test_a_value_outside_the_choices_is_one_line_exit_2(args, line):
    done = blocktag(*args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")


@pytest.mark.parametrize("output", [[], ["-o", "/dev/stdout"]])
def test_closed_pipe_ends_quietly(small_model_path, tmp_path, output):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    for k in range(60):  # ~1 MB of JSON lines: far more than a pipe holds once `head` has gone
        (crawl / f"page{k:02d}.txt").write_text(SEED_PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    pipeline = subprocess.run(
        f"{shlex.quote(sys.executable)} -m classifier tag {shlex.quote(str(crawl))} "
        f"--model {shlex.quote(str(small_model_path))} --format jsonl {' '.join(output)} | head -1; "
        f"echo \"exit ${{PIPESTATUS[0]}}\" >&2",
        shell=True, executable="/bin/bash", capture_output=True, text=True, cwd=ROOT,
    )
    assert len(pipeline.stdout.splitlines()) == 1
    assert json.loads(pipeline.stdout)["page"] == "page00"
    assert pipeline.stderr == "exit 0\n"


# ---------------------------------------------------------------- nothing lost


@pytest.mark.skipif(not DEV.exists(), reason="the shared dev pages are not beside the project")
@pytest.mark.parametrize("jobs", [1, 2])
def test_every_dev_block_comes_out_once_in_order(small_model, jobs):
    expected = [(b.page, b.index, b.text) for b in read_labelled([DEV / "blocks.jsonl"])]
    tagger = Tagger(small_model, batch_blocks=97, jobs=jobs)  # batches end mid-way through pages' runs
    pages = sorted((DEV / "pages").glob("*.txt"))
    got = [(t.block.page, t.block.index, t.block.text) for t in tagger.tag_files(pages, split="blank")]
    assert first_difference(got, expected) is None


page_text = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40), min_size=0, max_size=12
).map(lambda lines: "\n".join(lines))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pages=st.lists(page_text, min_size=1, max_size=5), batch=st.integers(min_value=1, max_value=8),
       jobs=st.sampled_from([1, 2]))
def test_random_pages_come_out_whole_and_in_order(small_model, pages, batch, jobs):
    tagger = Tagger(small_model, batch_blocks=batch, jobs=jobs)
    blocks = [Block(f"p{k}", i, text) for k, page in enumerate(pages) for i, text in enumerate(segment(page))]
    by_page = [[b for b in blocks if b.page == f"p{k}"] for k in range(len(pages))]
    assert [t.block for t in tagger.tag_pages(by_page)] == blocks


# ---------------------------------------------------------------- huge input


def test_one_giant_block_is_read_only_as_far_as_the_features_look(small_model):
    # What bounds the time and memory a block takes: past MAX_FEATURE_CHARS, nothing is read.
    head = ("The council approved the budget after a long debate, said Ana Ruiz. " * 100)[:MAX_FEATURE_CHARS]
    giant = head + "Subscribe to our newsletter for deals and offers!" * 400_000  # 20 MB, no blank line
    tagger = Tagger(small_model)
    (whole,) = tagger.tag_text(giant, split="blank")  # (auto would split a page flattened to one line)
    (alone,) = tagger.tag_text(head, split="blank")
    assert whole.block.text == giant
    assert whole.scores == alone.scores


# ---------------------------------------------------------------- untrusted model files


def test_a_pickle_model_is_refused_unopened_from_the_cli(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.SKOPS"
    evil.write_bytes(pickle.dumps(Stranger(marker)))
    result = run("tag", SEED_PAGE, "--model", evil)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {evil}: is a pickle-based model of an older blocktag, which could run code when loaded; "
        "retrain it with 'blocktag train ... --output evil.npz'\n"
    )
    assert not marker.exists()


class Stranger:
    """A stranger's code: unpickling it would create ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


# ---------------------------------------------------------------- property-based: segmentation and readers


@given(st.text())
def test_segmenting_any_text_gives_clean_blocks(text):
    blocks = segment(text)
    for block in blocks:
        assert block and block.strip(" \t\n") and "\r" not in block
        assert not any(line.strip(" \t") == "" for line in block.split("\n"))


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n\ufeff", blacklist_categories=("Cs",)), min_size=1).filter(lambda s: s.strip(" \t")), max_size=8))
def test_join_then_segment_gives_the_same_blocks(lines):
    blocks = segment(join_blocks(lines))
    assert segment(join_blocks(blocks)) == blocks


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".jsonl", ".csv"]))
def test_any_bytes_give_blocks_or_a_clean_error(tmp_path, data, suffix):
    path = tmp_path / f"data{suffix}"
    path.write_bytes(data)
    try:
        blocks = read_labelled([path], require_label=False)
    except BlocktagError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        assert all(isinstance(b, Block) for b in blocks)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.dictionaries(st.sampled_from(["page", "index", "text", "label", "x"]),
                                        st.one_of(st.none(), st.integers(-2, 3), st.text(max_size=5), st.booleans())), max_size=5))
def test_any_json_records_give_blocks_or_a_clean_error(tmp_path, records):
    path = write_jsonl(tmp_path / "d.jsonl", records)
    try:
        read_labelled([path])
    except DataFormatError as exc:
        assert str(exc).startswith(f"{path}:")


def test_a_web_address_is_not_a_file_and_the_error_says_how_to_fetch_it():
    result = run("tag", "https://example.com/story")
    assert result.exit_code == 1
    assert result.output == ("Error: https://example.com/story: is a web address; blocktag reads pages already "
                             "fetched: save it first (curl -sL 'https://example.com/story' -o page.html), or give a "
                             "WARC file of a crawl\n")


def test_a_folder_of_record_files_says_to_name_them(tmp_path):
    (tmp_path / "shard-1.jsonl.gz").write_bytes(b"")
    (tmp_path / "items.json").write_text("[]", encoding="utf-8")
    result = run("tag", tmp_path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path}: directory holds no pages (.txt, .md, .html, .htm, .warc, .wet, .arc (each also "
                             f".gz), .markdown, .xhtml, .mhtml, .mht, .webarchive, and a mirror's .php, .asp, .aspx, .jsp, .shtml and .cfm files that hold HTML); its files of records (.json, .jsonl.gz) are read only "
                             f"when named, e.g. {tmp_path / '*.json'}\n")
