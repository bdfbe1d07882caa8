"""Adapting the model (issue 14): suggest, label, Label Studio interchange, --with-corpus."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from classifier import Block, __version__, load_model, read_labelled, train
from classifier.adapt import train_with_corpus
from classifier.blocks import training_data_hash
from classifier.blocks import group_pages
from classifier.cli import app
from classifier.errors import DataFormatError, SettingError, TrainingError
from classifier.labelling import label_keys, label_file, line_keys
from classifier.labelstudio import export_records, labeling_config, page_task
from classifier.blocks import page_fingerprint
from classifier.suggest import suggest_pages
from classifier.readers.pages import iter_pages

from conftest import SEED_LABELS, SEED_PAGE, TRAINING_DATA, write_jsonl

runner = CliRunner()
CORPUS_FILES = TRAINING_DATA[:3]  # a few outlets: fast to train on


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


@pytest.mark.parametrize("command", ["suggest", "label"])
def test_help_has_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert f"Example: blocktag {command}" in result.output


# ---------------------------------------------------------------------- suggest


class StubModel:
    """A model whose probabilities are fixed per block text: exact expectations."""

    labels = ["body", "other"]

    def __init__(self, proba: dict[str, list[float]]):
        self.proba = proba

    def predict_proba(self, blocks):
        return np.array([self.proba[b.text] for b in blocks])


def page(name: str, *texts: str) -> list[Block]:
    return [Block(name, i, t) for i, t in enumerate(texts)]


STUB = StubModel({
    "sure story": [1.0, 0.0],
    "share this": [0.5, 0.5],
    "more from us": [0.5, 0.5],
    "subscribe now": [0.6, 0.4],
    "cookie notice": [0.4, 0.6],
    "tags list": [0.9, 0.1],
})
PAGES = [
    page("a", "sure story", "share this", "more from us"),  # expected mistakes 1.0
    page("b", "share this", "more from us", "sure story"),  # the same uncertain blocks as a: 1.0
    page("c", "subscribe now", "cookie notice"),  # 0.8, other words
    page("d", "sure story", "tags list"),  # 0.1
]


def test_suggest_ranks_by_expected_mistakes_then_discounts_look_alikes():
    picked = suggest_pages(STUB, PAGES, 4)
    # a and b tie at 1.0 (a first: input order); b shares all of a's uncertain words, so
    # after a it scores 1.0 * (1 - 0.7) = 0.3, below c's 0.8.
    assert [(s.rank, s.page, s.expected_mistakes, s.score) for s in picked] == [
        (1, "a", 1.0, 1.0), (2, "c", 0.8, 0.8), (3, "b", 1.0, 0.3), (4, "d", 0.1, 0.1)]
    assert suggest_pages(STUB, PAGES, 4, diversity=0.0)[1].page == "b"


def test_suggest_records_carry_the_guess_and_its_confidence():
    best = suggest_pages(STUB, PAGES, 1)
    assert len(best) == 1
    assert best[0].records() == [
        {"page": "a", "index": 0, "text": "sure story", "label": "body", "confidence": 1.0},
        {"page": "a", "index": 1, "text": "share this", "label": "body", "confidence": 0.5},
        {"page": "a", "index": 2, "text": "more from us", "label": "body", "confidence": 0.5},
    ]


def test_suggest_keeps_a_pages_url_through_label_studio_and_back(tmp_path):
    # a page read from a WARC record or a page record names its address: the labeller sees it
    url = "https://news.example/2026/seawall"
    pages = [[replace(b, url=url) for b in PAGES[0]]]
    (best,) = suggest_pages(STUB, pages, 1)
    assert [r["url"] for r in best.records()] == [url] * 3
    task = page_task(best.records())
    assert task["data"]["url"] == url
    export = tmp_path / "export.json"
    unlabelled = page_task(suggest_pages(STUB, PAGES[2:3], 1)[0].records())  # (left unannotated)
    export.write_text(json.dumps(simulated_export([task, unlabelled], {})), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the unannotated task is said to be skipped)
        assert [b.url for b in read_labelled([export])] == [url] * 3


def test_suggest_names_each_page_once_when_two_inputs_share_a_name():
    pages = [page("home", "share this", "more from us"), page("home", "subscribe now", "cookie notice")]
    picked = suggest_pages(STUB, pages, 2)
    assert [s.page for s in picked] == ["home", "home#2"]
    assert {r["page"] for r in picked[1].records()} == {"home#2"}

    # the reader named a third input's "home" apart from the page before it only: "home#2"
    # is taken by then, so the next free name is written
    pages = [page("home", "share this", "more from us"), page("home#2", "subscribe now", "cookie notice"),
             page("home", "tags list", "sure story")]
    picked = suggest_pages(STUB, pages, 3)
    assert sorted(s.page for s in picked) == ["home", "home#2", "home#3"]


def test_suggest_offers_a_page_repeated_in_the_crawl_once():
    # A copy of a page (an AMP twin, a file given twice) is as uncertain as the page: it
    # would outrank other pages, though labelling it again teaches nothing. Said, not hidden.
    twin = [replace(b, page="a-amp") for b in PAGES[0]]
    spaced = [replace(b, page="a-again", text=b.text.replace(" ", "  ")) for b in PAGES[0]]
    with pytest.warns(UserWarning, match=r"^2 page\(s\) repeat the text of a page read before them \(a copy, or an "
                                         r"input given twice\): each is suggested once at most$"):
        picked = suggest_pages(STUB, [PAGES[0], twin, *PAGES[1:], spaced], 5)
    assert [s.page for s in picked] == ["a", "c", "b", "d"]


def test_suggest_gives_every_page_when_asked_for_more():
    assert [s.page for s in suggest_pages(STUB, PAGES[2:], 10)] == ["c", "d"]


class RandomModel:
    """Random but fixed probabilities per block text, over three labels."""

    labels = ["body", "other", "promotion"]

    def __init__(self, seed: int):
        self.rng, self.proba = np.random.default_rng(seed), {}

    def predict_proba(self, blocks):
        for b in blocks:
            if b.text not in self.proba:  # sharp or flat at random, so pages differ widely in doubt
                self.proba[b.text] = self.rng.dirichlet([self.rng.choice([0.05, 3.0])] * 3)
        return np.array([self.proba[b.text] for b in blocks])


@pytest.mark.parametrize("n, diversity", [(1, 0.7), (5, 0.7), (5, 0.0), (12, 1.0), (40, 0.3)])
def test_suggest_ranks_a_large_crawl_as_it_would_with_every_page_kept(monkeypatch, n, diversity):
    import classifier.suggest as suggest

    rng = np.random.default_rng(n)
    words = [f"w{i}" for i in range(30)]
    pages = [page(f"p{p}", *(" ".join(rng.choice(words, 3)) for _ in range(rng.integers(1, 12))))
             for p in range(600)]
    monkeypatch.setattr(suggest, "_COMPACT_AT", 8)  # sweep often, as a crawl of thousands would
    pruned = suggest_pages(RandomModel(0), pages, n, diversity=diversity)
    monkeypatch.setattr(suggest, "_contenders", lambda candidates, n, diversity: list(candidates))
    assert pruned == suggest_pages(RandomModel(0), pages, n, diversity=diversity)


def test_suggest_keeps_only_the_pages_still_in_contention():
    from classifier.suggest import _Candidate, _contenders

    doubts = [0.5, 4.0, 1.0, 0.2, 3.0, 1.3, 0.9]
    candidates = [_Candidate(i, page(f"p{i}", "x"), np.zeros((1, 2)), d) for i, d in enumerate(doubts)]
    # the 2 largest are 4.0 and 3.0; a page below (1 - 0.6) * 3.0 = 1.2 can never be picked
    # among the first 2, but pages that passed before the floor rose are swept at the end
    assert [c.position for c in _contenders(candidates, 2, 0.6)] == [1, 4, 5]
    assert [c.position for c in _contenders(candidates, 2, 1.0)] == list(range(7))  # no floor: all kept


def corpus_pages_file(tmp_path: Path, name: str = "crawl.jsonl") -> Path:
    """A few corpus pages as unlabelled blocks, as a crawl would give them."""
    blocks = read_labelled(CORPUS_FILES[:1])
    return write_jsonl(tmp_path / name, [{"page": b.page, "index": b.index, "text": b.text} for b in blocks])


def test_suggest_cli_writes_ranked_prelabelled_jsonl(small_model_path, tmp_path):
    crawl = corpus_pages_file(tmp_path)
    out = tmp_path / "to_label.jsonl"
    result = run("suggest", crawl, SEED_PAGE, "--pages", 2, "--model", small_model_path, "-o", out)
    assert result.exit_code == 0, result.output
    expected = suggest_pages(load_model(small_model_path), iter_pages([crawl, SEED_PAGE]), 2)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == [json.dumps(r, ensure_ascii=False) for s in expected for r in s.records()]
    records = [json.loads(line) for line in lines]
    assert list(records[0]) == ["page", "index", "text", "label", "confidence"]
    assert [p[0].page for p in group_pages(Block(r["page"], r["index"], r["text"]) for r in records)] == \
        [s.page for s in expected]
    assert "2 page(s) to label, best first\n" in result.stderr
    rows = [line.split("│")[1:-1] for line in result.stderr.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row] for row in rows] == [  # ranked by score, which descends
        [str(s.rank), s.page, str(len(s.blocks)), f"{s.expected_mistakes:.2f}", f"{s.score:.2f}"] for s in expected]
    assert expected[0].score >= expected[1].score
    fewer = run("suggest", SEED_PAGE, "--pages", 3, "--model", small_model_path, "-o", tmp_path / "one.jsonl")
    assert "1 page(s) to label, best first (every page there was to pick from; 3 asked)" in fewer.stderr


def test_suggest_cli_labelstudio_tasks_and_config(small_model_path, tmp_path):
    out, config = tmp_path / "tasks.json", tmp_path / "config.xml"
    result = run("suggest", SEED_PAGE, "--pages", 1, "--model", small_model_path, "--format", "labelstudio",
                 "-o", out, "--config", config)
    assert result.exit_code == 0, result.output
    model = load_model(small_model_path)
    [expected] = suggest_pages(model, iter_pages([SEED_PAGE]), 1)
    tasks = json.loads(out.read_text(encoding="utf-8"))
    assert tasks == [page_task(expected.records())]
    assert config.read_text(encoding="utf-8") == labeling_config(  # in the guide's order, not the model's (a-z)
        ["body", "caption", "byline", "contributor_note", "promotion", "other"])
    assert '<Choices name="label_{{idx}}" toName="text_{{idx}}" choice="single"' in config.read_text(encoding="utf-8")


def test_page_task_shape():
    records = [{"page": "p", "index": 0, "text": "By Ann", "label": "byline", "confidence": 0.9},
               {"page": "p", "index": 1, "text": "Story.", "label": "body", "confidence": 0.7}]
    assert page_task(records) == {
        "data": {"page": "p", "blocks": [{"index": 0, "text": "By Ann"}, {"index": 1, "text": "Story."}]},
        "predictions": [{"model_version": "blocktag", "score": 0.8, "result": [
            {"id": "b0", "from_name": "label_0", "to_name": "text_0", "type": "choices",
             "value": {"choices": ["byline"]}, "score": 0.9},
            {"id": "b1", "from_name": "label_1", "to_name": "text_1", "type": "choices",
             "value": {"choices": ["body"]}, "score": 0.7},
        ]}],
    }


def test_suggest_cli_shows_a_pages_name_escaped_in_its_table(small_model_path, tmp_path):
    # a crawl's names are anybody's: an escape code (a terminal's title, a cleared screen) or rich markup
    name = "story\x1b]0;owned\x07\x1b[2J[red]x[/red]"
    blocks = write_jsonl(tmp_path / "b.jsonl", [{"page": name, "index": i, "text": t}
                                                for i, t in enumerate(["Seawall vote", "By Ana Ruiz", "The council voted."])])
    result = run("suggest", blocks, "-n", 1, "-m", small_model_path, "-o", tmp_path / "s.jsonl")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stderr and "story\\x1b]0;owned\\x07\\x1b[2J[red]x[/red]" in result.stderr


def test_suggest_cli_rejects_config_without_labelstudio(tmp_path):
    result = run("suggest", SEED_PAGE, "--pages", 1, "--config", tmp_path / "c.xml")
    assert result.exit_code == 1
    assert result.stderr == ("Error: --config writes a Label Studio labeling config: add --format labelstudio, "
                             "or drop --config\n")


def test_suggest_never_picks_an_excluded_page():
    assert [s.page for s in suggest_pages(STUB, PAGES, 4, exclude_pages={"a"})] == ["b", "c", "d"]
    assert [s.page for s in suggest_pages(STUB, PAGES, 4, exclude_pages=["a", "c", "nowhere"])] == ["b", "d"]


def test_suggest_never_picks_a_labelled_page_under_another_name():
    from dataclasses import replace

    from classifier.blocks import page_fingerprint

    renamed = [replace(b, page="site/a") for b in PAGES[0]]  # page a, named by its folder this time
    spaced = [replace(b, text=f" {b.text}\n") for b in renamed]  # and its spacing aside
    fingerprint = page_fingerprint(PAGES[0])
    assert page_fingerprint(spaced) == fingerprint != page_fingerprint(PAGES[1])  # b: a's blocks in another order
    assert [s.page for s in suggest_pages(STUB, [spaced, *PAGES[1:]], 4, exclude_texts={fingerprint})] == ["b", "c", "d"]


def test_suggest_cli_excludes_a_labelled_page_found_under_another_name(small_model_path, tmp_path):
    crawl, later = tmp_path / "crawl", tmp_path / "later"
    crawl.mkdir(), later.mkdir()
    (crawl / "index.txt").write_text("Seawall vote\n\nBy Ana Ruiz\n\nThe council voted.", encoding="utf-8")
    assert run("suggest", crawl, "-n", 1, "-m", small_model_path, "-o", tmp_path / "r1.jsonl").exit_code == 0
    (later / "home.txt").write_bytes((crawl / "index.txt").read_bytes())  # the same page, saved under another name
    result = run("suggest", later, "-n", 1, "-m", small_model_path, "--exclude", tmp_path / "r1.jsonl")
    assert (result.exit_code, result.stderr) == (
        1, "Error: every page is already labelled (held in --exclude's files): nothing to suggest\n")


def test_suggest_cli_does_not_take_another_page_of_a_labelled_pages_name_for_it(small_model_path, tmp_path):
    # names repeat across sites and days: "index", a crawl file's "pages:0"
    site_a, site_b = tmp_path / "a", tmp_path / "b"
    site_a.mkdir(), site_b.mkdir()
    (site_a / "index.txt").write_text("Seawall vote\n\nBy Ana Ruiz\n\nThe council voted.", encoding="utf-8")
    (site_b / "index.txt").write_text("Ferry fares rise\n\nBy Li Wei\n\nThe board raised fares.", encoding="utf-8")
    assert run("suggest", site_a, "-n", 1, "-m", small_model_path, "-o", tmp_path / "r1.jsonl").exit_code == 0
    result = run("suggest", site_b, "-n", 1, "-m", small_model_path, "--exclude", tmp_path / "r1.jsonl",
                 "-o", tmp_path / "r2.jsonl")
    assert result.exit_code == 0 and "Left out 0 page(s) that --exclude's files hold" in result.stderr, result.output
    # a crawl file saved under one name each day: its pages are "pages:0", "pages:1" both days
    (tmp_path / "day1").mkdir(), (tmp_path / "day2").mkdir()
    day1, day2 = tmp_path / "day1" / "pages.jsonl", tmp_path / "day2" / "pages.jsonl"
    write_jsonl(day1, [{"url": "https://a.example/1", "text": "Seawall vote\n\nBy Ana Ruiz\n\nThe council voted."}])
    write_jsonl(day2, [{"url": "https://a.example/2", "text": "Ferry fares\n\nBy Li Wei\n\nThe board raised fares."},
                       {"url": "https://a.example/1", "text": "Seawall vote\n\nBy Ana Ruiz\n\nThe council voted."}])
    assert run("suggest", day1, "-n", 1, "-m", small_model_path, "-o", tmp_path / "d1.jsonl").exit_code == 0
    result = run("suggest", day2, "-n", 2, "-m", small_model_path, "--exclude", tmp_path / "d1.jsonl",
                 "-o", tmp_path / "d2.jsonl")
    assert result.exit_code == 0, result.output
    assert "Left out 1 page(s) that --exclude's files hold" in result.stderr  # day 1's page, by its text
    offered = [json.loads(line)["url"] for line in (tmp_path / "d2.jsonl").read_text(encoding="utf-8").splitlines()]
    assert set(offered) == {"https://a.example/2"}  # another page, though day 1's was "pages:0" too


def test_suggest_cli_excludes_the_pages_of_labelled_files(small_model_path, tmp_path):
    crawl = corpus_pages_file(tmp_path)
    model = load_model(small_model_path)
    first, second = suggest_pages(model, iter_pages([crawl]), 2)
    # the first page labelled in the terminal (JSONL), the second in Label Studio (an export)
    labelled = write_jsonl(tmp_path / "mine.jsonl", [{**r, "reviewed": True} for r in first.records()])
    export = tmp_path / "export.json"
    export.write_text(json.dumps(simulated_export([page_task(second.records())] * 2, {})), encoding="utf-8")
    out = tmp_path / "round2.jsonl"
    result = run("suggest", crawl, "--pages", 3, "--model", small_model_path, "--exclude", labelled,
                 "--exclude", export, "-o", out)
    assert result.exit_code == 0, result.output
    expected = suggest_pages(model, iter_pages([crawl]), 3, exclude_pages={first.page, second.page})
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == \
        [r for s in expected for r in s.records()]
    assert {first.page, second.page}.isdisjoint(s.page for s in expected)
    assert "no submitted annotation" not in result.stderr  # a page the project holds is excluded, labelled or not
    assert "Left out 2 page(s) that --exclude's files hold\n" in result.stderr
    told = []  # one left out by its name, one by its text
    assert suggest_pages(model, iter_pages([crawl]), 3, exclude_pages={first.page},
                         exclude_texts={page_fingerprint(second.blocks)}, on_excluded=told.append) == expected
    assert sorted(told) == sorted([first.page, second.page])


def test_suggest_cli_says_an_exclude_file_that_holds_no_pages(small_model_path, tmp_path):
    crawl = corpus_pages_file(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    result = run("suggest", crawl, "--pages", 1, "--model", small_model_path, "--exclude", empty, "-o", tmp_path / "s.jsonl")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"Warning: {empty}: holds no pages, so it leaves none out"


def test_suggest_cli_excludes_the_pages_of_tasks_not_yet_labelled(small_model_path, tmp_path):
    # round 1's tasks, imported into Label Studio and exported before anyone labelled them
    crawl = corpus_pages_file(tmp_path)
    tasks = tmp_path / "round1.json"
    assert run("suggest", crawl, "-n", 2, "-m", small_model_path, "-f", "labelstudio", "-o", tasks).exit_code == 0
    first_round = {task["data"]["page"] for task in json.loads(tasks.read_text(encoding="utf-8"))}
    out = tmp_path / "round2.jsonl"
    result = run("suggest", crawl, "-n", 2, "-m", small_model_path, "--exclude", tasks, "-o", out)
    assert result.exit_code == 0 and "Warning" not in result.stderr, result.output
    second_round = {json.loads(line)["page"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert len(first_round) == len(second_round) == 2 and first_round.isdisjoint(second_round)


def test_suggest_cli_with_every_page_labelled_says_so_and_writes_nothing(small_model_path, tmp_path):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "p1.txt").write_text("A story paragraph.\n\nBy Ana Ruiz", encoding="utf-8")
    labelled = write_jsonl(tmp_path / "mine.jsonl", [{"page": "p1", "index": 0, "text": "A story paragraph.", "label": "body"}])
    out = tmp_path / "round2.jsonl"
    result = run("suggest", crawl, "--pages", 2, "--model", small_model_path, "--exclude", labelled, "-o", out)
    assert result.exit_code == 1
    assert result.output == "Error: every page is already labelled (held in --exclude's files): nothing to suggest\n"
    assert not out.exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 2.5}, "n=2.5: give a whole number of pages from 1"),
    ({"n": 2, "diversity": 1.5}, "diversity=1.5: give a number from 0 (rank by doubt alone) to 1"),
    ({"n": 2, "diversity": -0.1}, "diversity=-0.1: give a number from 0 (rank by doubt alone) to 1"),
])
def test_suggest_refuses_settings_out_of_range(kwargs, message):
    from classifier.errors import SettingError

    with pytest.raises(SettingError) as info:
        suggest_pages(STUB, PAGES, **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("given, said", [
    ([{"reviewed": True}, {}, {}], "1 label"),
    ([{"reviewed": True}, {"reviewed": True}, {}], "2 labels"),
    ([{"reviewed": 1}, {"reviewed": "yes"}, {}], "2 labels"),  # reviewed as training reads it
    ([{"confidence": None}, {"confidence": None}, {"confidence": None}], "3 labels"),  # labelled by hand
])
def test_suggest_cli_refuses_to_write_over_labels_a_person_gave(tmp_path, given, said):
    out = write_jsonl(tmp_path / "round1.jsonl", [
        {"page": "p", "index": i, "text": f"t{i}", "label": "body", "confidence": 0.5, **extra}
        for i, extra in enumerate(given)])
    before = out.read_bytes()
    result = run("suggest", SEED_PAGE, "--pages", 1, "-o", out)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", f"Error: {out} holds {said} a person gave (reviewed, or with no model's confidence); write the "
               "suggestions to another file, or move it away first\n")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round1.jsonl"]  # no temporary file either


@pytest.mark.parametrize("name", ["labels.jsonl.bak", "labels", "export.bak"])
def test_suggest_cli_refuses_to_write_over_labels_whatever_the_files_name(tmp_path, name):
    out = tmp_path / name
    if name.startswith("export"):  # a Label Studio export kept under another name
        tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])]
        out.write_text(json.dumps(simulated_export(tasks * 2, {})), encoding="utf-8")  # (the last unannotated)
    else:
        out.write_bytes(SEED_LABELS.read_bytes())
    before = out.read_bytes()
    result = run("suggest", SEED_PAGE, "--pages", 1, "-f", "labelstudio" if name.startswith("export") else "jsonl", "-o", out)
    assert result.exit_code == 1 and "move it away first" in result.stderr
    assert out.read_bytes() == before


@pytest.mark.parametrize("encode", [
    lambda text: "\ufeff".encode() + text.encode(),  # a byte-order mark, as Windows editors save
    lambda text: text.encode("utf-16"),
    lambda text: text.replace("\n", "\n{broken\n", 1).encode(),  # one line that is no JSON
])
def test_suggest_cli_guards_labels_as_training_reads_them(tmp_path, encode):
    out = tmp_path / "mine.jsonl"
    out.write_bytes(encode(SEED_LABELS.read_text(encoding="utf-8")))
    before = out.read_bytes()
    result = run("suggest", SEED_PAGE, "--pages", 1, "-o", out)
    assert result.exit_code == 1 and "a person gave" in result.stderr
    assert out.read_bytes() == before


def test_suggest_cli_writes_to_a_fifo_without_reading_it_first(small_model_path, tmp_path):
    import threading

    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("suggest", SEED_PAGE, "--pages", 1, "-m", small_model_path, "-o", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert got and got[0].decode().count("\n") == len(read_labelled([SEED_LABELS]))  # the seed page, a line a block


def test_suggest_cli_refuses_to_write_over_an_annotated_export_saved_as_utf16(tmp_path):
    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])]
    out = tmp_path / "export.json"
    out.write_bytes(json.dumps(simulated_export(tasks * 2, {})).encode("utf-16"))
    before = out.read_bytes()
    result = run("suggest", SEED_PAGE, "--pages", 1, "-f", "labelstudio", "-o", out)
    assert result.exit_code == 1 and "annotated task" in result.stderr
    assert out.read_bytes() == before


def test_suggest_cli_refuses_to_write_over_a_hand_labelled_file(tmp_path):
    out = tmp_path / "mine.jsonl"
    out.write_bytes(SEED_LABELS.read_bytes())  # the guide's format: labels, no confidence
    result = run("suggest", SEED_PAGE, "--pages", 1, "-o", out)
    assert result.exit_code == 1 and "a person gave" in result.stderr
    assert out.read_bytes() == SEED_LABELS.read_bytes()


@pytest.mark.parametrize("held", [
    '{"page": "p", "index": 0, "text": "t", "label": "body", "confidence": 0.5}\n',  # guesses not yet reviewed
    '{"page": "p", "index": 0, "text": "t", "reviewed": true}\n',  # reviewed, but no label to keep
    'notes: "reviewed": true, by Ann\n',  # not JSON Lines: written over, as any other file
])
def test_suggest_cli_writes_over_a_file_with_no_labels_a_person_gave(small_model_path, tmp_path, held):
    out = tmp_path / "to_label.jsonl"
    out.write_text(held, encoding="utf-8")
    result = run("suggest", SEED_PAGE, "--pages", 1, "--model", small_model_path, "-o", out)
    assert result.exit_code == 0, result.output
    [expected] = suggest_pages(load_model(small_model_path), iter_pages([SEED_PAGE]), 1)
    assert out.read_text(encoding="utf-8").splitlines() == [json.dumps(r, ensure_ascii=False) for r in expected.records()]


def test_given_labels_counts_the_labels_training_would_read(tmp_path):
    from classifier.suggest import given_labels

    path = write_jsonl(tmp_path / "l.jsonl", [{"page": "p", "index": 0, "label": "body", "confidence": 0.9, "reviewed": True},
                                              {"page": "p", "index": 1, "label": "body", "confidence": 0.9, "reviewed": False},
                                              {"page": "p", "index": 2, "label": "body", "confidence": 0.9, "reviewed": "true"},
                                              {"page": "p", "index": 3, "label": "other"},
                                              {"page": "p", "index": 4, "label": None}])
    assert given_labels(path) == 3
    assert given_labels(tmp_path / "missing.jsonl") == 0
    assert given_labels(tmp_path) == 0  # a folder
    (tmp_path / "tasks.json").write_text('[{"label": "body"}]', encoding="utf-8")
    assert given_labels(tmp_path / "tasks.json") == 0  # not a file 'blocktag label' marks
    (tmp_path / "bin.jsonl").write_bytes(b'\x00\xff"reviewed"\x00\n')
    assert given_labels(tmp_path / "bin.jsonl") == 0


# ---------------------------------------------------------------------- -m shipped


def test_model_shipped_names_the_shipped_model_from_any_folder(small_model_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a team's own folder: no models/ in it
    result = run("evaluate", SEED_LABELS, "-m", small_model_path, "-m", "shipped", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-3:-1] == [f"A = {small_model_path}", "B = shipped model"]
    assert run("evaluate", SEED_LABELS, "-m", "shipped", "--quiet").stdout == run("evaluate", SEED_LABELS, "--quiet").stdout
    assert run("tag", SEED_PAGE, "-m", "shipped").stdout == run("tag", SEED_PAGE).stdout
    twice = run("evaluate", SEED_LABELS, "-m", "shipped", "-m", "shipped")
    assert (twice.exit_code, twice.stderr) == (1, "Error: --model shipped is given twice: give each model to compare once\n")
    from classifier.bundle import shipped_model_path
    again = run("evaluate", SEED_LABELS, "-m", "shipped", "-m", shipped_model_path())  # one file, two names
    assert (again.exit_code, again.stderr) == (1, f"Error: --model {shipped_model_path()} is given twice (as shipped, "
                                                  f"then as {shipped_model_path()}): give each model to compare once\n")


def test_a_file_named_shipped_is_a_model_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("shipped").write_text("not a model", encoding="utf-8")
    result = run("tag", SEED_PAGE, "-m", "shipped")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: shipped: ")


@pytest.mark.parametrize("command", ["tag", "explain", "suggest", "evaluate"])
def test_a_missing_blocktag_npz_says_the_shipped_model_needs_no_model_option(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    data = SEED_LABELS if command == "evaluate" else SEED_PAGE
    result = run(command, data, "-m", "models/blocktag.npz", *(["--pages", 1] if command == "suggest" else []))
    assert (result.exit_code, result.stderr) == (
        1, "Error: models/blocktag.npz: no such model file; the shipped model needs no -m (or give -m shipped)\n")
    other = run(command, data, "-m", "models/mine.npz", *(["--pages", 1] if command == "suggest" else []))
    assert other.stderr == "Error: models/mine.npz: no such model file\n"


# ---------------------------------------------------------------------- Label Studio import


def simulated_export(tasks: list[dict], relabel: dict[tuple[int, int], str]) -> list[dict]:
    """What Label Studio exports once annotators submitted each task: the prediction as the
    starting point, with some choices changed (``relabel``: (task, block position) → label).
    The last task is left unannotated."""
    exported = []
    for t, task in enumerate(tasks):
        result = json.loads(json.dumps(task["predictions"][0]["result"]))
        for item in result:
            item.pop("score")
            position = int(item["from_name"].removeprefix("label_"))
            if (t, position) in relabel:
                item["value"]["choices"] = [relabel[(t, position)]]
        annotations = [] if t == len(tasks) - 1 else [
            {"id": 10 + t, "result": [{"type": "choices", "from_name": "label_0", "to_name": "text_0",
                                       "value": {"choices": ["other"]}}], "was_cancelled": True,
             "created_at": "2026-12-01T10:00:00Z"},
            {"id": 20 + t, "result": result, "was_cancelled": False, "created_at": "2026-12-02T10:00:00Z"},
        ]
        exported.append({"id": t + 1, "data": task["data"], "annotations": annotations,
                         "predictions": task["predictions"]})
    return exported


def test_label_studio_round_trip_train_and_evaluate(small_model_path, tmp_path):
    crawl = corpus_pages_file(tmp_path)
    tasks_path = tmp_path / "tasks.json"
    result = run("suggest", crawl, "--pages", 3, "--model", small_model_path, "--format", "labelstudio", "-o", tasks_path)
    assert result.exit_code == 0, result.output
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    relabel = {(0, 0): "promotion", (1, 2): "caption"}
    export = tmp_path / "export.json"
    export.write_text(json.dumps(simulated_export(tasks, relabel)), encoding="utf-8")

    blocks = read_labelled([export])
    expected = []
    for t, task in enumerate(tasks[:-1]):  # the unannotated last task is skipped
        for pos, (block, guess) in enumerate(zip(task["data"]["blocks"], task["predictions"][0]["result"])):
            label = relabel.get((t, pos), guess["value"]["choices"][0])
            expected.append(Block(task["data"]["page"], block["index"], block["text"], label))
    assert blocks == expected

    evaluated = run("evaluate", export, "--model", small_model_path)
    assert evaluated.exit_code == 0, evaluated.output
    pages = len({b.page for b in expected})
    assert f"{len(expected)} blocks, {pages} pages" in evaluated.stdout

    trained = run("train", export, CORPUS_FILES[1], "-o", tmp_path / "m.npz")
    assert trained.exit_code == 0, trained.output
    assert load_model(tmp_path / "m.npz").metadata["blocks"] == len(expected) + len(read_labelled([CORPUS_FILES[1]]))

    crossed = run("cv", export, "--folds", 2)
    assert crossed.exit_code == 0, crossed.output
    assert f"2-fold cross-validation grouped by page ({pages} groups)" in crossed.stdout
    # A field a team added to its tasks' data (a site) groups their blocks, as a JSONL field does.
    for t, task in enumerate(tasks):
        # (and fields a JSONL record's reader would read as an unreviewed guess: not passed on)
        task["data"].update(site=f"site-{t % 2}", confidence=0.8, reviewed=False)
    export.write_text(json.dumps(simulated_export(tasks, relabel)), encoding="utf-8")
    crossed = run("cv", export, "--folds", 2, "--group", "site")
    assert crossed.exit_code == 0, crossed.output
    assert "2-fold cross-validation grouped by site (2 groups)" in crossed.stdout
    assert read_labelled([export]) == expected


def test_a_gzipped_label_studio_export_is_read(tmp_path):
    import gzip

    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])]
    path = tmp_path / "export.json.gz"
    path.write_bytes(gzip.compress(json.dumps(simulated_export(tasks + tasks, {})).encode("utf-8")))
    with pytest.warns(UserWarning, match="1 of 2 tasks has no submitted annotation; skipped$"):
        assert read_labelled([path]) == [Block("p", 0, "a", "body")]


@pytest.mark.parametrize("command", ["train", "evaluate", "cv"])
def test_a_json_file_nested_too_deeply_is_one_error_line(tmp_path, small_model_path, command):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")  # (past every Python's JSON depth)
    extra = {"train": ["-o", tmp_path / "m.npz"], "evaluate": ["--model", small_model_path], "cv": []}[command]
    result = run(command, path, *extra)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", f"Error: {path}: JSON nested too deeply to read; export the project as JSON\n")


def test_label_studio_export_errors_name_the_task(tmp_path):
    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9},
                        {"page": "p", "index": 1, "text": "b", "label": "other", "confidence": 0.9}]),
             page_task([{"page": "q", "index": 0, "text": "c", "label": "body", "confidence": 0.9}])]
    export = simulated_export(tasks + tasks[:1], {})
    del export[0]["annotations"][1]["result"][1]  # block 1 of task 1 left without a choice
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    message = (f"{path}:task 1 (id 1): block 1 of page 'p' has no label in the annotation; "
               "label every block in Label Studio and export again")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path])
    assert str(caught.value) == message
    result = run("train", path, "-o", tmp_path / "m.npz")
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")


@pytest.mark.parametrize("edit, message", [
    (lambda result: result[0].update(from_name="label_²"), None),  # no block's control: not read as one
    (lambda result: result[0].update(value=["body"]), "label_0 must have exactly one choice, got ['body']"),
    (lambda result: result.append({"type": "choices", "from_name": "label_9", "to_name": "text_9",
                                   "value": {"choices": ["body"]}}),
     "the annotation labels block 9, and data.blocks has 1; export the project again"),
])
def test_a_hand_edited_label_studio_result_is_named_not_a_traceback(tmp_path, edit, message):
    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])]
    export = simulated_export(tasks + tasks, {})
    edit(export[0]["annotations"][1]["result"])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    expected = message or "block 0 of page 'p' has no label in the annotation; label every block in Label Studio and export again"
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path])
    assert str(caught.value) == f"{path}:task 1 (id 1): {expected}"


@pytest.mark.parametrize("edit, message", [
    (lambda task: task["data"].pop("blocks"), "has no data.blocks (the page's blocks); a task not made by 'blocktag "
                                              "suggest --format labelstudio'? Remove it and export again"),
    (lambda task: task["data"].pop("page"), "has no data.page (the page's name); export the project again"),
    (lambda task: task.update(annotations=1), "annotations must be a list of annotations, got 1; export the project "
                                              "as JSON again"),
])
def test_one_task_of_another_kind_is_named_not_the_whole_export_refused(tmp_path, edit, message):
    tasks = [page_task([{"page": p, "index": 0, "text": "a", "label": "body", "confidence": 0.9}]) for p in "pqr"]
    export = simulated_export(tasks, {})
    edit(export[1])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path])
    assert str(caught.value) == f"{path}:task 2 (id 2): {message}"


def test_label_studios_csv_export_says_to_export_json(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('annotation_id,annotator,blocks,id,label_0,page\n1,1,"[]",1,body,p\n', encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path])
    assert str(caught.value) == f"{path}: is Label Studio's CSV export, a task a row; export the project as JSON (blocktag reads that)"


def test_label_studios_json_min_export_says_to_export_json(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": 1, "page": "p", "blocks": [{"index": 0, "text": "a"}], "annotator": 1,
                                 "annotation_id": 1, "label_0": "body"}]), encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path])
    assert str(caught.value) == (f"{path}: is Label Studio's JSON-MIN export, a task a record with its data flattened; "
                                 "export the project as JSON (blocktag reads that)")


def test_suggest_never_writes_over_labels_given(small_model_path, tmp_path):
    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(simulated_export(tasks + tasks, {})), encoding="utf-8")
    reviewed = write_jsonl(tmp_path / "round1.jsonl", [{"page": "p", "index": 0, "text": "a", "label": "body",
                                                        "reviewed": True}])
    before = export.read_bytes(), reviewed.read_bytes()
    for args, message in (
            (["-f", "labelstudio", "-o", export], f"{export} is a Label Studio export with 1 annotated task; write "
                                                  "the suggestions to another file, or move it away first"),
            (["-o", export], f"{export} is a Label Studio export with 1 annotated task; write the suggestions to "
                             "another file, or move it away first"),
            (["-f", "labelstudio", "-o", tmp_path / "t.json", "--config", reviewed],
             f"{reviewed} holds 1 label a person gave (reviewed, or with no model's confidence); write the labeling "
             "config to another file, or move it away first")):
        result = run("suggest", SEED_PAGE, "-n", 1, "--model", small_model_path, *args)
        assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")
    assert (export.read_bytes(), reviewed.read_bytes()) == before


@pytest.mark.parametrize("command", ["tag", "explain"])
def test_tag_and_explain_never_write_over_labels_given_since(small_model_path, tmp_path, command):
    # tag a crawl, label it with `blocktag label`, then run the same tag command again
    output = tmp_path / "held.jsonl"
    assert run("tag", SEED_PAGE, "--model", small_model_path, "-o", output).exit_code == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert run(command, SEED_PAGE, "--model", small_model_path, "-o", output).exit_code == 0  # a model's guesses: replaced
    records[3]["reviewed"] = True
    write_jsonl(output, records)
    before = output.read_bytes()
    result = run(command, SEED_PAGE, "--model", small_model_path, "-o", output)
    what = {"tag": "the tagged blocks", "explain": "the explanations"}[command]
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {output} holds 1 label a person gave (reviewed, or with no model's confidence); write {what} to "
           "another file, or move it away first\n")
    assert output.read_bytes() == before


def test_tag_never_writes_over_a_csv_of_labels_given_by_hand(small_model_path, tmp_path):
    output = tmp_path / "gold.csv"
    output.write_text("page,index,text,label\np,0,By Ann Lee,byline\n", encoding="utf-8")
    result = run("tag", SEED_PAGE, "--model", small_model_path, "-o", output)
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {output} holds 1 label a person gave (reviewed, or with no model's confidence); write the tagged "
           "blocks to another file, or move it away first\n")
    tagged = tmp_path / "tagged.csv"  # tag's own CSV: the model's guesses, replaced on the next run
    assert run("tag", SEED_PAGE, "--model", small_model_path, "-o", tagged).exit_code == 0
    assert run("tag", SEED_PAGE, "--model", small_model_path, "-o", tagged).exit_code == 0


@pytest.mark.parametrize("command", ["train", "evaluate", "cv"])
def test_a_label_studio_export_with_no_submitted_annotation_says_so(tmp_path, small_model_path, command):
    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])] * 2
    path = tmp_path / "export.json"
    path.write_text(json.dumps(simulated_export(tasks, {})[1:]), encoding="utf-8")  # the unannotated task alone
    extra = {"train": ["-o", tmp_path / "m.npz"], "evaluate": ["--model", small_model_path], "cv": []}[command]
    result = run(command, path, *extra)
    assert (result.exit_code, result.stderr) == (
        1, f"Error: {path}: none of its 1 task has a submitted annotation (predictions are not labels); label the "
           "tasks in Label Studio, submit them and export again\n")
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"the export holds no tasks; export the Label Studio project again$"):
        read_labelled([path])


@pytest.mark.parametrize("command", ["train", "evaluate", "cv"])
def test_label_studio_tasks_left_out_are_counted_on_stderr(tmp_path, small_model_path, command):
    pages = list(group_pages(read_labelled(TRAINING_DATA[-1:])))[:4]  # (pages the small model did not learn)
    tasks = [page_task([{**b.to_dict(), "confidence": 0.9} for b in blocks]) for blocks in pages]
    export = simulated_export(tasks, {})  # the last task not annotated
    export[1]["annotations"] = export[1]["annotations"][:1]  # the second's only annotation cancelled
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    with pytest.warns(UserWarning) as warned:
        assert {b.page for b in read_labelled([path])} == {pages[0][0].page, pages[2][0].page}
    assert [str(w.message) for w in warned] == [f"{path}: 2 of 4 tasks have no submitted annotation; skipped"]
    extra = {"train": ["-o", tmp_path / "m.npz"], "evaluate": ["--model", small_model_path], "cv": ["--folds", 2]}[command]
    result = run(command, path, *extra, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Warning: {path}: 2 of 4 tasks have no submitted annotation; skipped\n"


def test_json_that_is_not_a_label_studio_export(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"page": "p"}', encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"other\.json: not a Label Studio export of blocktag tasks"):
        list(export_records(path))


# ---------------------------------------------------------------------- label


def label_input(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "to_label.jsonl", [
        {"page": "p1", "index": 0, "text": "By Ann Lee", "label": "byline", "confidence": 0.91},
        {"page": "p1", "index": 1, "text": "The story.", "label": "body", "confidence": 0.55},
        {"page": "p1", "index": 2, "text": "Photo: Ann Lee", "label": "body", "confidence": 0.4},
        {"page": "p2", "index": 0, "text": "Subscribe!", "label": "promotion", "confidence": 0.8},
        {"page": "p2", "index": 1, "text": "Home | News", "label": "other", "confidence": 0.7},
    ])


def saved(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_label_keys_for_the_guide_labels():
    keys = label_keys(["body", "caption", "byline", "contributor_note", "promotion", "other"])
    assert keys == {"1": "body", "2": "caption", "3": "byline", "4": "contributor_note", "5": "promotion", "6": "other",
                    "b": "body", "c": "caption", "y": "byline", "n": "contributor_note", "p": "promotion", "o": "other"}


def test_label_keys_reach_every_label():
    # past the nine numbers, a label whose letters are all taken gets the alphabet's first
    # free letter; a letter a terminal sends in several bytes ("ü") is never a key
    labels = ["body", "caption", "byline", "contributor_note", "promotion", "other", "bo", "bob", "boy", "by", "yo",
              "überschrift"]
    keys = label_keys(labels)
    assert set(keys.values()) == set(labels)
    assert {key: label for key, label in keys.items() if not key.isdigit()} == {
        "b": "body", "c": "caption", "y": "byline", "n": "contributor_note", "p": "promotion", "o": "other",
        "a": "bo", "d": "bob", "e": "boy", "f": "by", "g": "yo", "r": "überschrift"}


def test_label_cli_accepts_picks_undoes_and_quits(tmp_path):
    path = label_input(tmp_path)
    # Enter accepts "byline"; "c" picks caption for block 1; "u" undoes it; "1" picks body;
    # "c" picks caption for block 2 (page p1 done: saved); "q" quits.
    result = run("label", path, input="\nc\nu\n1\nc\nq\n")
    assert result.exit_code == 0, result.output
    records = saved(path)
    assert [(r["label"], r.get("reviewed")) for r in records] == [
        ("byline", True), ("body", True), ("caption", True), ("promotion", None), ("other", None)]
    assert records[0] == {"page": "p1", "index": 0, "text": "By Ann Lee", "label": "byline", "confidence": 0.91,
                          "reviewed": True}
    lines = result.stdout.splitlines()
    assert lines[0] == "page p1  block 1 of 3  (0 of 5 reviewed)"
    assert lines[1] == "▶ By Ann Lee"
    assert lines[2] == "  ┆ The story.  [body]"
    assert lines[3] == "guess: byline (0.91)"
    assert lines[4] == ("1/b body  2/c caption  3/y byline  4/n contributor_note  5/p promotion  6/o other  |  "
                        "Enter accept  u undo  q save and quit")
    assert records[2] == {"page": "p1", "index": 2, "text": "Photo: Ann Lee", "label": "caption", "reviewed": True}  # (the guess's confidence gone with it)
    assert lines[-1] == (f"Saved {path}: 3 of 5 blocks reviewed (1 changed from the guess this session). "
                         f"Run 'blocktag label {path}' again to resume.")


def test_a_label_changed_drops_the_guess_scores_of_a_file_tag_wrote(tmp_path, small_model_path):
    path = tmp_path / "held.jsonl"
    assert run("tag", SEED_PAGE, "--model", small_model_path, "-o", path).exit_code == 0
    first = saved(path)[0]
    other = next(label for label in first["scores"] if label != first["label"])
    assert run("label", path, input=f"{other}\n\nq\n").exit_code == 0
    changed, accepted = saved(path)[:2]
    assert changed == {key: value for key, value in first.items() if key not in ("confidence", "scores", "label")} | {
        "label": other, "reviewed": True}
    assert "scores" in accepted and "confidence" in accepted  # the guess kept: its scores are its own


def test_label_again_goes_through_reviewed_blocks_to_correct_an_earlier_answer(tmp_path):
    path = label_input(tmp_path)
    assert run("label", path, input="1\n\n\n\n\n").exit_code == 0  # "By Ann Lee" labelled body by mistake
    assert run("label", path, input="u\n").stdout.startswith("All 5 blocks of ")  # nothing left to ask: no undo either
    result = run("label", path, "--again", input="y\n\nq\n")  # byline for block 1, Enter keeps block 2's label
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:5] == ["page p1  block 1 of 3  (5 of 5 reviewed)", "▶ By Ann Lee", "  ┆ The story.  [body]",
                         "label: body",
                         "1/b body  2/c caption  3/y byline  4/n contributor_note  5/p promotion  6/o other  |  "
                         "Enter accept  u undo  q save and quit"]
    assert [(r["label"], r["reviewed"]) for r in saved(path)] == [
        ("byline", True), ("body", True), ("body", True), ("promotion", True), ("other", True)]
    assert lines[-1].startswith(f"All 5 blocks of {path} reviewed (1 changed from the guess this session).")


def test_label_shows_its_screen_where_the_terminal_holds_ascii_only(tmp_path):
    # a C or Latin-1 locale: its own marks in ASCII, a page's, a label's and a file's other
    # characters as escapes
    path = write_jsonl(tmp_path / "étiquettes.jsonl", [
        {"page": "página", "index": 0, "text": "Café reopens", "label": "body", "confidence": 0.9},
        {"page": "página", "index": 1, "text": "By Zoë Lee", "label": "légende", "confidence": 0.6},
        {"page": "página", "index": 2, "text": "The story → here.", "label": "body", "confidence": 0.8}])
    result = CliRunner(charset="ascii").invoke(app, ["label", str(path)], input="\n\n\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[5:10] == ["page p\\xe1gina  block 2 of 3  (1 of 3 reviewed)", "  | Caf\\xe9 reopens  [body]",
                           "> By Zo\\xeb Lee", "  | The story \\u2192 here.  [body]", "guess: l\\xe9gende (0.60)"]
    assert lines[-1].startswith(f"All 3 blocks of {tmp_path}/\\xe9tiquettes.jsonl reviewed")


def test_label_offers_a_models_own_labels(tmp_path, corpus_blocks):
    names = {"body": "Artikel", "byline": "autor", "caption": "légende"}
    blocks = [replace(b, label=names.get(b.label, "rest")) for b in corpus_blocks[:400]]
    model = train(blocks, plain_text_model=False, trim_edges=0.0).save(tmp_path / "own.npz")
    path = write_jsonl(tmp_path / "s.jsonl", [{"page": "p", "index": 0, "text": "By Ann Lee", "label": "autor", "confidence": 0.6},
                                              {"page": "p", "index": 1, "text": "Photo: A. Lee", "label": "rest", "confidence": 0.5}])
    result = run("label", path, "-m", model, input="\n3\n")  # 3: the third of the model's labels, légende
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[4] == ("1/a Artikel  2/t autor  3/l légende  4/r rest  |  Enter accept  u undo  "
                                             "q save and quit")
    assert [r["label"] for r in saved(path)] == ["autor", "légende"]
    # the next step trains on the team's labels alone (the corpus teaches the guide's six)
    assert result.stdout.splitlines()[-1].startswith(f"All 2 blocks of {path} reviewed (1 changed from the guess "
                                                     f"this session). Next: blocktag train {path} --output mine.npz (")
    # and a session stopped early is resumed with the model that offered its labels
    path = write_jsonl(tmp_path / "t.jsonl", [{"page": "p", "index": 0, "text": "By Ann Lee", "label": "autor", "confidence": 0.6},
                                              {"page": "p", "index": 1, "text": "Photo: A. Lee", "label": "rest", "confidence": 0.5}])
    result = run("label", path, "-m", model, input="q\n")
    assert result.stdout.splitlines()[-1] == (f"Saved {path}: 0 of 2 blocks reviewed (0 changed from the guess this "
                                              f"session). Run 'blocktag label {path} -m {model}' again to resume.")


def test_label_asks_only_for_guesses_as_training_reads_them(tmp_path):
    # A label written by hand (no model's confidence) is a person's, as train takes it: not
    # asked again. Only the guess is.
    path = write_jsonl(tmp_path / "gold.jsonl", [{"page": "p", "index": 0, "text": "By Ann Lee", "label": "byline"},
                                                 {"page": "p", "index": 1, "text": "The story.", "label": "body",
                                                  "confidence": 0.6}])
    result = run("label", path, input="q\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == ["page p  block 2 of 2  (1 of 2 reviewed)", "  ┆ By Ann Lee  [byline]",
                                             "▶ The story.", "guess: body (0.60)"]
    done = write_jsonl(tmp_path / "done.jsonl", [{"page": "p", "index": 0, "text": "By Ann Lee", "label": "byline"}])
    assert run("label", done, input="").stdout.startswith("All 1 blocks of ")


def test_label_from_a_pipe_stops_at_an_answer_that_is_none(tmp_path):
    # Answers written ahead cannot see the screen: asking again would give every later
    # answer to the block before its own. A label's name is an answer too.
    path = label_input(tmp_path)
    result = run("label", path, input="\nBody\nx\nc\n")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {path}: answer 3: 'x' is no label's key or name; give a key (b body, c caption, y byline, "
        "n contributor_note, p promotion, o other) or a label's name, an empty line to accept the guess, u to undo or q "
        "to quit (the answers before it are saved)")
    assert [(r["label"], r.get("reviewed")) for r in saved(path)] == [
        ("byline", True), ("body", True), ("body", None), ("promotion", None), ("other", None)]


def test_label_at_a_terminal_asks_again_after_a_key_that_is_none(tmp_path):
    from io import StringIO
    from rich.console import Console

    from classifier.labelling import label_file

    path = label_input(tmp_path)
    answers = iter(["x", "b", "q"])
    screen = StringIO()
    summary = label_file(path, lambda: next(answers), Console(file=screen, width=200))
    assert "Unknown key 'x': pick a label." in screen.getvalue().splitlines()
    assert (summary.reviewed, summary.quit) == (1, True) and saved(path)[0]["label"] == "body"


def test_label_cli_resumes_where_it_stopped(tmp_path):
    path = label_input(tmp_path)
    assert run("label", path, input="\n\n\nq\n").exit_code == 0
    result = run("label", path, input="o\n\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "page p2  block 1 of 2  (3 of 5 reviewed)"
    assert [r["label"] for r in saved(path)] == ["byline", "body", "body", "other", "other"]
    assert all(r["reviewed"] for r in saved(path))
    assert result.stdout.splitlines()[-1] == (
        f"All 5 blocks of {path} reviewed (1 changed from the guess this session). "
        f"Next: blocktag train {path} --with-corpus --output mine.npz (name the files of earlier rounds too, but not "
        "one kept to evaluate on; a new --output keeps the model you have)")
    again = run("label", path, input="")
    assert again.stdout == (f"All 5 blocks of {path} reviewed (0 changed from the guess this session). "
                            f"Next: blocktag train {path} --with-corpus --output mine.npz (name the files of earlier "
                            "rounds too, but not one kept to evaluate on; a new --output keeps the model you have)\n")


def test_label_saves_each_page_as_it_is_finished(tmp_path, capsys):
    path = label_input(tmp_path)
    answers = iter(["", "", "p"])
    on_disk_when_page_2_shown = []

    def read_key() -> str:
        try:
            return next(answers)
        except StopIteration:
            on_disk_when_page_2_shown.append([(r["label"], r.get("reviewed")) for r in saved(path)])
            raise KeyboardInterrupt

    from rich.console import Console

    with pytest.raises(KeyboardInterrupt):
        label_file(path, read_key, Console(file=open(tmp_path / "screen.txt", "w")))
    assert on_disk_when_page_2_shown == [[("byline", True), ("body", True), ("promotion", True),
                                          ("promotion", None), ("other", None)]]
    assert capsys.readouterr().err == f"Saved {path}: 3 of 5 blocks reviewed. Run 'blocktag label {path}' again to resume.\n"


def test_label_saves_the_answers_given_when_its_screen_goes_away(tmp_path, capsys):
    # the reader of its output gone (a closed pipe: rich raises), mid-page: no answer is lost
    from rich.console import Console

    from classifier.stdio import PipeClosed

    path = label_input(tmp_path)
    answers = iter(["", "c", "", "o"])  # page p1, then the first block of p2 (not a whole page)

    def read_key() -> str:
        try:
            return next(answers)
        except StopIteration:
            raise PipeClosed() from None

    with pytest.raises(PipeClosed):
        label_file(path, read_key, Console(file=open(tmp_path / "screen.txt", "w")))
    assert [(r["label"], r.get("reviewed")) for r in saved(path)] == [
        ("byline", True), ("caption", True), ("body", True), ("other", True), ("other", None)]
    assert capsys.readouterr().err == f"Saved {path}: 4 of 5 blocks reviewed. Run 'blocktag label {path}' again to resume.\n"


def test_label_end_of_input_saves_like_q(tmp_path):
    path = label_input(tmp_path)
    import io

    from rich.console import Console

    summary = label_file(path, line_keys(io.StringIO("2\n")), Console(file=io.StringIO()))
    assert (summary.reviewed, summary.total, summary.changed, summary.quit) == (1, 5, 1, True)
    assert saved(path)[0]["label"] == "caption"


def test_label_never_saves_over_another_sessions_answers(tmp_path):
    import io

    from rich.console import Console

    from classifier.labelling import LabelConflict

    path = label_input(tmp_path)
    answers = iter(["", "", ""])  # page p1 accepted: its save meets the other session's

    def read_key() -> str:
        answer = next(answers)
        if not saved(path)[3].get("reviewed"):  # meanwhile, a second session answers page p2 and saves
            records = saved(path)
            records[3].update(label="other", reviewed=True)
            write_jsonl(path, records)
        return answer

    with pytest.raises(LabelConflict) as info:
        label_file(path, read_key, Console(file=io.StringIO()))
    mine = tmp_path / "to_label.session-1.jsonl"
    assert str(info.value) == (f"{path} was changed by another program (a second 'blocktag label' on it?) since this "
                               f"session read it; this session's answers are in {mine}: keep one of the two files")
    assert [(r["label"], r.get("reviewed")) for r in saved(path)][:4] == [
        ("byline", None), ("body", None), ("body", None), ("other", True)]  # the other session's, kept
    assert [(r["label"], r.get("reviewed")) for r in saved(mine)][:4] == [
        ("byline", True), ("body", True), ("body", True), ("promotion", None)]  # this one's, kept too


def test_label_sees_an_edit_in_place_that_keeps_the_files_size_and_time(tmp_path):
    import io

    from rich.console import Console

    from classifier.labelling import LabelConflict

    path = label_input(tmp_path)
    status = path.stat()

    def read_key() -> str:  # an editor changes one letter in place, within the clock's tick
        with open(path, "r+b") as handle:
            handle.seek(path.read_bytes().index(b"Ann Lee"))
            handle.write(b"Ann Lea")
        os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
        return "q"

    with pytest.raises(LabelConflict):
        label_file(path, read_key, Console(file=io.StringIO()))
    assert b"Ann Lea" in path.read_bytes()  # the edit is kept


@pytest.mark.parametrize("records, message", [
    ([{"page": "p1", "index": 0, "text": "a"}, {"page": "p2", "index": 0, "text": "b"}, {"page": "p1", "index": 1, "text": "c"}],
     "page 'p1' starts again after other pages; give a page's blocks together, one after another"),
    ([{"page": "p1", "index": 1, "text": "a"}, {"page": "p1", "index": 0, "text": "b"}],
     "page 'p1' index 0 comes after index 1; give a page's blocks in the order of their index"),
])
def test_label_refuses_a_file_train_would_refuse(tmp_path, records, message):
    path = write_jsonl(tmp_path / "edited.jsonl", records)
    result = run("label", path, input="q\n")
    lineno = len(records)
    assert (result.exit_code, result.stderr) == (1, f"Error: {path}:{lineno}: {message}\n")


def test_label_asks_again_for_a_block_marked_reviewed_with_no_label(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [{"page": "p", "index": 0, "text": "By Ann Lee", "label": "byline", "reviewed": "yes"},
                                              {"page": "p", "index": 1, "text": "The story.", "reviewed": True}])
    result = run("label", path, input="b\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "page p  block 2 of 2  (1 of 2 reviewed)"
    assert "(0 changed from the guess this session)" in result.stdout  # there was no guess to change
    assert saved(path)[1] == {"page": "p", "index": 1, "text": "The story.", "reviewed": True, "label": "body"}


def test_label_cuts_a_long_block_and_notes_labels_that_look_misspelt(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [{"page": "p", "index": 0, "text": "word " * 1000, "label": "bylne",
                                               "confidence": 0.5},
                                              {"page": "p", "index": 1, "text": "The story.", "label": "Body"}])
    result = run("label", path, input="q\n")
    lines = result.stdout.splitlines()
    assert lines[1] == "▶ " + ("word " * 400) + "… (3,000 more characters)"
    note = ("label(s) that look misspelt: 'Body' (1 block; 'body'?), 'bylne' (1 block; 'byline'?); each is learnt as "
            "a label of its own. Fix them, or ignore this for labels of your own")
    assert note in " ".join(lines)
    # a file with nothing left to ask says it too, before it sends the file to train
    done = write_jsonl(tmp_path / "done.jsonl", [{"page": "p", "index": 0, "text": "The story.", "label": "Body"}])
    result = run("label", done, input="")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (f"Warning: {done}: label(s) that look misspelt: 'Body' (1 block; 'body'?); "
                                             "each is learnt as a label of its own. Fix them, or ignore this for labels "
                                             "of your own")


def test_a_labels_name_typed_is_the_guides_label_though_the_file_holds_it_misspelt(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [{"page": "p", "index": 0, "text": "Home | News", "label": "Other",
                                               "confidence": 0.5},
                                              {"page": "p", "index": 1, "text": "The story.", "label": "body",
                                               "confidence": 0.6}])
    result = run("label", path, input="other\nother\n")
    assert result.exit_code == 0, result.output
    assert [r["label"] for r in saved(path)] == ["other", "other"]


def test_label_reads_keys_from_a_person_though_its_screen_is_piped(tmp_path, monkeypatch):
    # blocktag label f.jsonl | tee log: the keyboard is still there; only a piped stdin reads lines
    from classifier import cli, labelling

    path = label_input(tmp_path)
    pressed = []
    monkeypatch.setattr(labelling, "terminal_keys", lambda: lambda: pressed.append("q") or "q")
    monkeypatch.setattr(cli, "is_terminal", lambda stream: stream is cli.sys.stdin)  # the keyboard, not the screen
    result = run("label", path)
    assert result.exit_code == 0, result.output
    assert pressed == ["q"]  # a key read from the terminal, not a line from the pipe
    assert result.stdout.splitlines()[-1] == (f"Saved {path}: 0 of 5 blocks reviewed (0 changed from the guess this "
                                              f"session). Run 'blocktag label {path}' again to resume.")


def test_train_warns_of_labels_that_look_misspelt_and_labels_the_corpus_lacks(tmp_path):
    from classifier.training_checks import label_typos

    assert label_typos(["body", "Body", "bylne", "Caption ", "contributor note", "sponsored", "advert", "bdoy", "Ohter",
                        "dobby"]) == {"Body": "body", "Caption ": "caption", "bylne": "byline", "bdoy": "body",
                                      "contributor note": "contributor_note", "Ohter": "other"}
    corpus = read_labelled(CORPUS_FILES[:1])
    mine = [Block("mine", 0, "Sponsored by Acme", "sponsored"), Block("mine", 1, "Harbour reopens.", "Body")]
    with pytest.warns(UserWarning) as said:
        train_with_corpus(mine, corpus=corpus, plain_text_model=False, remember=False)
    assert [str(w.message) for w in said] == [
        "label(s) the corpus does not have: 'Body' (1 block), 'sponsored' (1 block); learnt from your blocks alone",
        "label(s) that look misspelt: 'Body' (1 block; 'body'?); each is learnt as a label of its own. Fix them, or "
        "ignore this for labels of your own"]


STOPPING = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]


@pytest.mark.parametrize("signum", STOPPING, ids=[s.name for s in STOPPING])
def test_label_killed_by_sigterm_or_sighup_saves_like_ctrl_c(tmp_path, monkeypatch, signum):
    import classifier.labelling

    path = label_input(tmp_path)
    answers = iter(["", "c", "", "o"])  # page p1, then the first block of p2 (not a whole page)

    def keys(stream=None):
        def read() -> str:
            try:
                return next(answers)
            except StopIteration:
                os.kill(os.getpid(), signum)  # killed while waiting for a key
                time.sleep(30)  # (the handler's exception ends this at once)
                raise AssertionError("the signal did not end the session")
        return read

    def outside_the_session(signum, frame):
        raise AssertionError("the labelling session did not handle the signal")

    monkeypatch.setattr(classifier.labelling, "line_keys", keys)
    before = signal.signal(signum, outside_the_session)  # (not the default: that would end the tests)
    try:
        result = run("label", path)
        assert signal.getsignal(signum) is outside_the_session  # the session's handler is gone with it
    finally:
        signal.signal(signum, before)
    assert (result.exit_code, result.stderr) == (
        128 + signum, f"Saved {path}: 4 of 5 blocks reviewed. Run 'blocktag label {path}' again to resume.\n")
    assert [(r["label"], r.get("reviewed")) for r in saved(path)] == [
        ("byline", True), ("caption", True), ("body", True), ("other", True), ("other", None)]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_closed_terminal_reads_as_quit_not_as_enter(monkeypatch):
    import io
    import threading

    from classifier.labelling import QUIT, terminal_keys

    master, slave = os.openpty()
    try:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.FileIO(slave, closefd=False)))
        read = terminal_keys()
        os.write(master, b"y")
        assert read() == "y"
        threading.Timer(0.2, os.close, [master]).start()  # the terminal goes away while a key is awaited
        assert read() == QUIT
    finally:
        os.close(slave)


@pytest.mark.parametrize("name", ["x.csv", "x.jsonl.gz"])
def test_label_rejects_a_file_that_is_not_jsonl(tmp_path, name):
    path = tmp_path / name
    path.write_text("page,index,text,label\n", encoding="utf-8")
    result = run("label", path, input="")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}: blocktag label reads JSON Lines (.jsonl); make one with 'blocktag suggest ... "
                             "-o x.jsonl'\n")


def test_label_given_a_label_studio_export_says_where_it_is_read(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("[]", encoding="utf-8")
    result = run("label", path, input="")
    assert (result.exit_code, result.stderr) == (1, (
        f"Error: {path}: blocktag label reads JSON Lines (.jsonl); make one with 'blocktag suggest ... -o export.jsonl'; "
        "a Label Studio export is labelled in Label Studio, and train, evaluate and cv read it as it is\n"))


def test_label_on_a_file_of_whole_pages_says_how_to_make_blocks(tmp_path):
    path = tmp_path / "crawl.jsonl"
    path.write_text(json.dumps({"url": "https://a.example/", "text": "A page"}) + "\n", encoding="utf-8")
    result = run("label", path, input="")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}:1: record is a whole page (no 'page' or 'index'); blocktag label reads "
                             "one block a record; make such a file from pages with 'blocktag suggest PAGES --pages N "
                             "-o to_label.jsonl'\n")


def test_label_keeps_the_files_encoding_and_reads_a_non_string_guess_as_none(tmp_path):
    path = tmp_path / "l.jsonl"
    records = [{"page": "p", "index": 0, "text": "Café news", "label": "body", "confidence": 0.5},
               {"page": "p", "index": 1, "text": "By Ana", "label": 5, "confidence": 0.5}]
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("latin-1"))
    for _ in range(2):  # a second run with the same --encoding reads what the first saved
        result = run("label", path, "--encoding", "latin-1", input="\ny\n")
        assert result.exit_code == 0, result.output
    # the next step it names reads the file as this one did
    assert f"Next: blocktag train {path} --encoding latin-1 --with-corpus" in result.stdout
    assert run("label", path, "--encoding", "latin-1", input="").stdout.startswith("All 2 blocks")
    saved = [json.loads(line) for line in path.read_bytes().decode("latin-1").splitlines()]
    assert [(r["text"], r["label"], r["reviewed"]) for r in saved] == [("Café news", "body", True), ("By Ana", "byline", True)]


def test_label_shows_control_characters_as_escapes_not_as_terminal_commands(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [{"page": "p\x1b]0;x\x07", "index": 0, "label": "body",
                                               "text": "Fair \x1b[8mhidden\x1b[0m prices", "confidence": 0.5}])
    result = run("label", path, input="q\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["page p\\x1b]0;x\\x07  block 1 of 1  (0 of 1 reviewed)",
                                              "▶ Fair \\x1b[8mhidden\\x1b[0m prices"]
    assert "\x1b" not in result.stdout


# ---------------------------------------------------------------------- train --with-corpus


@pytest.fixture
def small_shipped_corpus(monkeypatch):
    """Make the 'shipped corpus' a few outlets, so --with-corpus trains in seconds."""
    import classifier.adapt

    folder = CORPUS_FILES[0].parent
    monkeypatch.setattr(classifier.adapt, "corpus_files", lambda: list(CORPUS_FILES))
    monkeypatch.setattr(classifier.adapt, "corpus_dir", lambda: folder)
    return read_labelled(CORPUS_FILES)


def test_train_with_corpus_records_both_sources(small_shipped_corpus, tmp_path):
    out = tmp_path / "mine.npz"
    result = run("train", SEED_LABELS, "--with-corpus", "--weight", 2, "-o", out)
    assert result.exit_code == 0, result.output
    user = read_labelled([SEED_LABELS])
    corpus = small_shipped_corpus
    pages = len({b.page for b in corpus})
    assert (f"Corpus: {pages} pages, {len(corpus)} blocks; yours: 1 page, {len(user)} blocks, each block counted 2 times"
            in result.stdout)
    sources = load_model(out).metadata["sources"]
    assert sources["corpus"] == {"from": f"the corpus shipped with blocktag {__version__}", "sha256": training_data_hash(corpus),
                                 "pages": pages, "blocks": len(corpus)}
    assert sources["user"] == {"from": str(SEED_LABELS), "sha256": training_data_hash(user), "pages": 1,
                               "blocks": len(user), "weight": 2.0, "own_weights": 0}
    # blocks weighted by their own 'weight' too: said, as the counts multiply
    weighted = write_jsonl(tmp_path / "weighted.jsonl", [{**b.to_dict(), "weight": 3} for b in user[:2]] +
                           [b.to_dict() for b in user[2:]])
    result = run("train", weighted, "--with-corpus", "--weight", 2, "-o", tmp_path / "w.npz")
    assert f"yours: 1 page, {len(user)} blocks, each block counted 2 times (2 of them times their own weight as well)" in result.stdout


def test_weighting_the_users_pages_moves_predictions_towards_their_labels(small_shipped_corpus):
    # The user's site calls its "Related:" link lists body, which the corpus calls promotion.
    def site_page(n: int, related: str) -> list[Block]:
        return [Block(f"mysite-{n}", i, text, label) for i, (text, label) in enumerate([
            ("By Kim Doe, staff writer", "byline"),
            (f"The council met on day {n} to discuss the budget and the new library.", "body"),
            (f"Related: {related}", "body"),
            ("© 2026 My Site. All rights reserved.", "other"),
        ])]

    user = site_page(0, "[Budget vote delayed](#) [Library plans](#)") + site_page(1, "[Bus routes change](#)")
    unseen = site_page(2, "[Parks reopen in May](#) [New tax rates](#)")
    p_body = []
    for weight in (1, 30):
        model = train_with_corpus(user, weight=weight, corpus=small_shipped_corpus)
        p_body.append(model.predict_proba(unseen)[2, model.labels.index("body")])
    assert p_body[1] > p_body[0]


@pytest.mark.parametrize("weight", ["0", "inf", "nan", "1e+20", "1000.0001"])
def test_weight_must_be_a_finite_number_above_0(small_shipped_corpus, tmp_path, weight):
    result = run("train", SEED_LABELS, "--with-corpus", "--weight", weight, "-o", tmp_path / "m.npz")
    assert result.exit_code == 1
    assert result.stderr == f"Error: --weight {weight}: must be a number above 0 and at most 1000, e.g. 5\n"
    assert not (tmp_path / "m.npz").exists()


def test_weight_needs_with_corpus(tmp_path):
    result = run("train", SEED_LABELS, "--weight", 3, "-o", tmp_path / "m.npz")
    assert result.exit_code == 1
    assert result.stderr == ("Error: --weight weighs your blocks against the shipped corpus: add --with-corpus, "
                             "or drop --weight\n")


def test_with_corpus_refuses_corpus_pages_as_the_users(small_shipped_corpus):
    with pytest.raises(TrainingError, match=r"page '[^']+' is also a page of the corpus given; train them with train, "
                                            r"not train_with_corpus, if these are corpus files, or rename your page$"):
        train_with_corpus(small_shipped_corpus[:5], corpus=small_shipped_corpus)
    from classifier.errors import command_line_names

    with command_line_names(), pytest.raises(TrainingError, match=r"; drop --with-corpus if these are corpus files"):
        train_with_corpus(small_shipped_corpus[:5], corpus=small_shipped_corpus)


def test_with_corpus_says_an_unlabelled_block_before_any_label_warning(small_shipped_corpus):
    mine = [Block("u", 0, "hello there"), Block("u", 1, "more text")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "label(s) the corpus does not have: None" first
        with pytest.raises(TrainingError, match=r"^your blocks: block 0 of page 'u' has no label$"):
            train_with_corpus(mine, corpus=small_shipped_corpus, source="your blocks")


def test_suggest_takes_none_for_no_exclusions():
    assert [s.page for s in suggest_pages(STUB, PAGES, 4, exclude_pages=None, exclude_texts=None)] == ["a", "c", "b", "d"]


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_an_arrow_page_or_function_key_is_one_unknown_key_not_labels(monkeypatch):
    import io

    from classifier.labelling import ESCAPE_KEY, terminal_keys

    master, slave = os.openpty()
    try:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.FileIO(slave, closefd=False)))
        os.write(master, b"\x1b[6~")  # PageDown: ESC [ 6 ~ ("6" would be the sixth label)
        read = terminal_keys()
        assert read() == ESCAPE_KEY
        for key in (b"\x1bOP", b"y", b"\r"):  # F1, then a label's letter, then Enter
            os.write(master, key)
        assert [read(), read(), read()] == [ESCAPE_KEY, "y", ""]
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_key_of_several_bytes_is_one_key(monkeypatch):
    import io

    from classifier.labelling import terminal_keys

    master, slave = os.openpty()
    try:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.FileIO(slave, closefd=False)))
        os.write(master, "é😀y".encode("utf-8"))  # two and four bytes, then a label's letter
        read = terminal_keys()
        assert [read(), read(), read()] == ["é", "😀", "y"]
    finally:
        os.close(master)
        os.close(slave)


def test_label_studio_annotations_tied_in_time_take_the_later_in_the_export_whatever_their_ids():
    from classifier.labelstudio import _latest_annotation

    def annotation(id_, label):
        return {"id": id_, "updated_at": "2026-12-02T10:00:00Z", "result": label}

    assert _latest_annotation({"annotations": [annotation(7, "a"), annotation("x1", "b")]})["result"] == "b"
    assert _latest_annotation({"annotations": [annotation("x1", "a"), annotation(None, "b")]})["result"] == "b"


@pytest.mark.parametrize("truth", [None, 0, 1])
def test_annotators_who_disagree_are_said_and_ground_truth_decides(tmp_path, truth):
    tasks = [page_task([{"page": "p", "index": 0, "text": "a", "label": "body", "confidence": 0.9}])] * 2
    export = simulated_export(tasks, {})
    first = export[0]["annotations"][1]
    later = json.loads(json.dumps(first))
    later.update(id=99, created_at="2026-12-03T10:00:00Z")
    later["result"][0]["value"]["choices"] = ["caption"]
    export[0]["annotations"] = [first, later]
    if truth is not None:
        export[0]["annotations"][truth]["ground_truth"] = True
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        [block] = read_labelled([path])
    assert block.label == ("caption", "body", "caption")[0 if truth is None else 1 + truth]
    disagreement = [str(w.message) for w in said if "annotated differently" in str(w.message)]
    assert disagreement == ([] if truth is not None else [
        f"{path}: 1 task annotated differently by several annotators; the latest annotation of each is used (mark "
        "one as ground truth in Label Studio to choose)"])


def test_suggest_reads_two_pages_of_one_name_each_as_the_page_it_is(small_model_path):
    # in one model call the features would read them as one page of twice the blocks
    # (the second less its last block: the same text twice is suggested once)
    model = load_model(small_model_path)
    [alone] = suggest_pages(model, iter_pages([SEED_PAGE]), 1)
    [shorter] = suggest_pages(model, [alone.blocks[:-1]], 1)
    twice = suggest_pages(model, [alone.blocks, alone.blocks[:-1]], 2)
    assert sorted(s.page for s in twice) == [alone.page, f"{alone.page}#2"]
    assert sorted((s.guesses, s.confidences, s.expected_mistakes) for s in twice) == \
        sorted([(alone.guesses, alone.confidences, alone.expected_mistakes),
                (shorter.guesses, shorter.confidences, shorter.expected_mistakes)])


def test_train_with_corpus_refuses_the_settings_it_makes_itself(small_shipped_corpus):
    user = [Block("mine", 0, "Subscribe now", "promotion"), Block("mine", 1, "The story.", "body")]
    for name, value in (("sample_weight", [1.0, 2.0]), ("sources", {"mine": "x"})):
        with pytest.raises(SettingError) as caught:
            train_with_corpus(user, corpus=small_shipped_corpus, **{name: value})
        assert str(caught.value) == (f"{name}={value!r}: train_with_corpus sets it; weigh your blocks with weight=, "
                                     "or a block of its own with its 'weight' field")
