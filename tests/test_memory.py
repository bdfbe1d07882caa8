"""Remembered blocks: a user's labelled blocks, matched word for word on new pages."""

from __future__ import annotations

import io
from dataclasses import replace
import warnings
import json
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

import classifier.adapt
from classifier import Block, load_model, read_labelled
from classifier.blocks import group_pages
from classifier.adapt import train_with_corpus
from classifier.bundle import MEMORY, MEMORY_FORMAT_VERSION, REMEMBERED_EVIDENCE, model_from_bytes
from classifier.cli import app
from classifier.explain import explain_pages
from classifier.memory import NOT_REMEMBERED, Memory, block_key
from classifier.tagging import Tagger

from conftest import TRAINING_DATA, write_jsonl

runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


TOPICS = ["budget", "library", "bus routes", "parks", "schools", "tax rates", "bridge", "market", "pool", "trees"]


def site_page(n: int) -> list[Block]:
    """A page of one site: its chrome repeats from page to page, its story does not."""
    return [Block(f"mysite-{n}", i, text, label) for i, (text, label) in enumerate([
        ("[Home](https://mysite.example/) · [Council](https://mysite.example/council/)", "other"),
        (f"Posted {n} March 2026 at 9:{n}0", "byline"),
        (f"The council met to discuss the {TOPICS[n]} on Tuesday night.", "body"),
        ("Want the council news in your inbox? Sign up below, it's free.", "promotion"),
        (f"© 2026 My Site · [Privacy](https://mysite.example/privacy?from={n})", "other"),
    ])]


def test_keys_ignore_case_digits_spacing_and_link_targets():
    same = ["Posted 3 March 2026 at 9:30", "posted 4 march  2027 at 8:15", "POSTED 9 MARCH 1999\nAT 1:00"]
    assert len({block_key(t) for t in same}) == 1
    assert block_key("[Privacy](https://a.example/p?x=1)") == block_key("[Privacy](#)") == block_key("Privacy")
    assert block_key("Posted 3 March") != block_key("Posted 3 May")


def test_a_text_labelled_two_ways_is_not_remembered():
    labels = ["body", "byline", "caption", "contributor_note", "other", "promotion"]
    blocks = [Block("a", 0, "Share", "other"), Block("a", 1, "Photo: AP", "caption"),
              Block("b", 0, "share", "promotion"), Block("b", 1, "Photo: AP", "caption")]
    memory = Memory.of_blocks(blocks, labels)
    assert len(memory) == 1
    found = memory.lookup([Block("c", 0, "SHARE"), Block("c", 1, "photo:  ap"), Block("c", 2, "Photo: Reuters")])
    assert found.tolist() == [NOT_REMEMBERED, labels.index("caption"), NOT_REMEMBERED]


def test_a_number_is_one_number_however_many_digits():
    labels = ["body", "byline", "caption", "contributor_note", "other", "promotion"]
    memory = Memory.of_blocks([Block("a", 0, "3 comments", "other"), Block("a", 1, "1 / 8", "caption")], labels)
    found = memory.lookup([Block("b", 0, "12 comments"), Block("b", 1, "10 / 12"), Block("b", 2, "12 comment")])
    assert found.tolist() == [labels.index("other"), labels.index("caption"), NOT_REMEMBERED]


def test_remembered_blocks_take_their_label_and_the_rest_are_untouched(small_model):
    model = model_from_bytes(small_model.to_bytes(), "copy")
    new_page = site_page(7)
    before = model.predict_proba(new_page)
    model.memory = Memory.of_blocks(site_page(1), model.labels)
    after = model.predict_proba(new_page)
    # Chrome, byline and pitch repeat (case, digits and link targets aside); the story does not.
    remembered = [0, 1, 3, 4]
    for i, block in enumerate(site_page(1)):
        if i in remembered:
            assert after[i].tolist() == [1.0 if label == block.label else 0.0 for label in model.labels]
    assert after[2].tolist() == before[2].tolist()


def test_memory_is_saved_as_arrays_and_read_back(small_model, tmp_path):
    model = model_from_bytes(small_model.to_bytes(), "copy")
    model.memory = Memory.of_blocks(site_page(1), model.labels)
    path = model.save(tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        document = json.loads(np.load(io.BytesIO(archive.read("meta.json.npy")), allow_pickle=False).tobytes())
    assert {"memory/keys.npy", "memory/labels.npy"} <= names
    assert document["format_version"] == MEMORY_FORMAT_VERSION
    loaded = load_model(path)
    assert loaded.memory.keys.tolist() == model.memory.keys.tolist()
    assert loaded.predict(site_page(5)) == model.predict(site_page(5))
    assert small_model.to_bytes() == model_from_bytes(small_model.to_bytes(), "again").to_bytes()  # none: unchanged


def test_worker_processes_tag_with_the_memory(small_model):
    model = model_from_bytes(small_model.to_bytes(), "copy")
    model.memory = Memory.of_blocks(site_page(1), model.labels)
    pages = [site_page(n) for n in range(2, 9)]
    one = [(t.label, t.scores) for t in Tagger(model, jobs=1, batch_blocks=5).tag_pages(pages)]
    two = [(t.label, t.scores) for t in Tagger(model, jobs=2, batch_blocks=5).tag_pages(pages)]
    assert one == two
    assert [one[i][0] for i in (0, 1, 3, 4)] == ["other", "byline", "promotion", "other"]  # page 2's chrome


def test_explain_says_a_block_was_remembered(small_model):
    model = model_from_bytes(small_model.to_bytes(), "copy")
    model.memory = Memory.of_blocks(site_page(1), model.labels)
    found = list(explain_pages(model, [site_page(4)]))
    assert [e.remembered for e in found] == [True, True, False, True, True]
    assert [e.to_record()["model"] for e in found] == [MEMORY, MEMORY, "main", MEMORY, MEMORY]
    assert found[0].evidence == [(REMEMBERED_EVIDENCE, 1.0)]
    assert found[2].evidence[0][0] != REMEMBERED_EVIDENCE
    # A remembered block's runner-up is what the models would have said, not a zero-probability label.
    own = small_model.predict_proba(site_page(4))
    for e, row in zip(found, own):
        if e.remembered:
            ranked = [model.labels[k] for k in np.argsort(-row, kind="stable") if model.labels[k] != e.tagged.label]
            assert e.runner_up == ranked[0]


@pytest.fixture
def small_shipped_corpus(monkeypatch):
    """Make the 'shipped corpus' two outlets, so --with-corpus trains in seconds."""
    files = TRAINING_DATA[:2]
    monkeypatch.setattr(classifier.adapt, "corpus_files", lambda: list(files))
    monkeypatch.setattr(classifier.adapt, "corpus_dir", lambda: files[0].parent)
    return read_labelled(files)


def test_train_with_corpus_remembers_the_users_blocks(small_shipped_corpus):
    user = site_page(1) + site_page(2)
    model = train_with_corpus(user, corpus=small_shipped_corpus, plain_text_model=False)
    assert model.metadata["memory"] == {"blocks": 10, "remembered": 6}  # 4 texts recur, the stories differ
    assert model.predict(site_page(9))[3] == "promotion"
    assert train_with_corpus(user, corpus=small_shipped_corpus, plain_text_model=False, remember=False).memory is None


def test_train_cli_remembers_with_corpus_unless_told_not_to(small_shipped_corpus, tmp_path):
    labels = write_jsonl(tmp_path / "mine.jsonl", [
        {"page": b.page, "index": b.index, "text": b.text, "label": b.label} for b in site_page(1)])
    result = run("train", labels, "--with-corpus", "--no-plain-text-model", "-o", tmp_path / "a.npz")
    assert result.exit_code == 0, result.output
    assert "Remembered 5 of your blocks' texts (a text you labelled two ways is not remembered)\n" in result.stdout
    assert len(load_model(tmp_path / "a.npz").memory) == 5
    result = run("train", labels, "--with-corpus", "--no-remember", "--no-plain-text-model", "-o", tmp_path / "b.npz")
    assert result.exit_code == 0, result.output
    assert "Remembered" not in result.stdout
    assert load_model(tmp_path / "b.npz").memory is None


def test_train_cli_remembers_without_corpus_only_when_asked(tmp_path):
    data = TRAINING_DATA[0]
    without = run("train", data, "--no-plain-text-model", "-o", tmp_path / "a.npz")
    asked = run("train", data, "--remember", "--no-plain-text-model", "-o", tmp_path / "b.npz")
    assert without.exit_code == 0 and asked.exit_code == 0, without.output + asked.output
    assert load_model(tmp_path / "a.npz").memory is None
    blocks = read_labelled([data])
    model = load_model(tmp_path / "b.npz")
    hit = model.remembered(blocks) != NOT_REMEMBERED
    # every block but those whose text (as remembered: case, numbers and spacing aside) is labelled two ways
    labels_of = {}
    for b in blocks:
        labels_of.setdefault(block_key(b.text), set()).add(b.label)
    assert hit.tolist() == [len(labels_of[block_key(b.text)]) == 1 for b in blocks]
    assert [label for label, h in zip(model.predict(blocks), hit) if h] == [b.label for b, h in zip(blocks, hit) if h]


def test_explain_cli_names_remembered_blocks(small_model, tmp_path):
    model = model_from_bytes(small_model.to_bytes(), "copy")
    model.memory = Memory.of_blocks(site_page(1), model.labels)
    model.save(tmp_path / "m.npz")
    page = tmp_path / "page.txt"
    page.write_text("\n\n".join(b.text for b in site_page(4)) + "\n", encoding="utf-8")
    result = run("explain", page, "-m", tmp_path / "m.npz", "--top", 2)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "# page"
    assert lines[1].startswith("[0] other 1.00 (runner-up ")
    assert lines.count(f"    +1.00  {REMEMBERED_EVIDENCE}") == 4


def test_evaluate_warns_of_pages_the_model_was_trained_on(small_model):
    from classifier import evaluate

    model = model_from_bytes(small_model.to_bytes(), "copy")
    model.memory = Memory.of_blocks(site_page(1) + site_page(2), model.labels)
    # page 2 is remembered whole; page 3, another page of the site, only in its chrome: held out
    with pytest.warns(UserWarning) as said:
        evaluate(model, site_page(2) + site_page(3))
    assert [str(w.message) for w in said] == [
        "copy: 1 of 2 page(s) are pages this model was trained on (it remembers every block of them); its figures on them "
        "say how well it learnt them: evaluate on pages kept out of training"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate(model, site_page(3) + site_page(4))  # held-out pages: nothing said


def test_evaluate_warns_when_given_the_models_own_training_data(small_model, corpus_blocks):
    from classifier import evaluate

    model = model_from_bytes(small_model.to_bytes(), "copy")
    model.memory = Memory.of_blocks(corpus_blocks, model.labels)  # (remembered too: said once, not twice)
    with pytest.warns(UserWarning) as said:
        evaluate(model, corpus_blocks)
    assert [str(w.message) for w in said] == [
        "copy: these blocks are this model's training data; its figures on them say how well it learnt them: evaluate on "
        "pages kept out of training"]


def test_evaluate_knows_its_training_pages_in_any_order_or_number(corpus_blocks):
    # the commonest slip: training files given in another order, or one of them alone
    from classifier import evaluate, train

    pages, rest = list(group_pages(corpus_blocks))[:8], list(group_pages(corpus_blocks))[8:]
    model = model_from_bytes(train([b for page in pages for b in page], plain_text_model=False).to_bytes(), "mine.npz")
    advice = "its figures on them say how well it learnt them: evaluate on pages kept out of training"
    for given, said in ((pages[::-1], len(pages)), (pages[2:5], 3)):
        renamed = [replace(b, page=f"renamed-{b.page}") for page in given for b in page]  # names aside, as read
        with pytest.warns(UserWarning) as caught:
            evaluate(model, renamed)
        assert [str(w.message) for w in caught] == [
            f"mine.npz: {said} of {len(given)} page(s) are pages this model was trained on; {advice}"]
    held_out = [b for page in rest for b in page]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate(model, held_out)


def test_evaluate_warns_when_given_pages_of_the_shipped_corpus_to_a_model_trained_on_it(small_model):
    # a new user's first try: a corpus file (or the seed page) scores about 1.0 for the shipped model
    from classifier import evaluate
    from conftest import TRAINING_DATA

    from classifier.bundle import ModelBundle

    outlet = read_labelled([TRAINING_DATA[-1]])
    pages = len({b.page for b in outlet})
    advice = "its figures on them say how well it learnt them: evaluate on pages kept out of training"
    shipped = load_model()
    with pytest.warns(UserWarning) as said:  # the shipped model records its pages' fingerprints
        evaluate(None, outlet)
    assert [str(w.message) for w in said] == [f"{shipped.source}: {pages} of {pages} page(s) are pages this model was trained on; {advice}"]
    # a model that records none (trained before 0.4.11) on the shipped corpus knows its pages by their text
    unmarked = ModelBundle(shipped.compiled, {k: v for k, v in shipped.metadata.items() if k != "page_fingerprints"},
                           plain=shipped.plain, source="older.npz")
    with pytest.warns(UserWarning) as said:
        evaluate(unmarked, outlet)
    assert [str(w.message) for w in said] == [
        f"older.npz: {pages} of {pages} page(s) are pages of the shipped corpus, which this model was trained on; {advice}"]
    # a page whose text differs is not the corpus's; a model not trained on the corpus says nothing
    edited = [Block(b.page, b.index, b.text + " (edited)", b.label) if b.page == outlet[0].page else b for b in outlet]
    for model in (None, unmarked):
        with pytest.warns(UserWarning, match=rf": {pages - 1} of {pages} page\(s\) are pages"):
            evaluate(model, edited)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate(small_model, outlet)
