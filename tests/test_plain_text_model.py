"""The plain-text model: pages that hold no link are tagged by a model learnt from the same
blocks with their links written as text; every other page by the main model."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifier import Block, load_model, train
from classifier.bundle import ModelBundle
from classifier.cli import app
from classifier.dialects import canonical, without_links
from classifier.errors import ModelError
from classifier.measures import cap, holds_link, pages_without_links
from classifier.explain import explain_pages

from conftest import write_jsonl


def _pages(blocks):
    pages: dict[str, list[Block]] = {}
    for block in blocks:
        pages.setdefault(block.page, []).append(block)
    return list(pages.values())


def _linked_and_plain(corpus_blocks):
    """One page of the corpus with its links, then the same page with none."""
    page = next(p for p in _pages(corpus_blocks) if any(holds_link(canonical(b.text)) for b in p))
    plain = [replace(b, page=b.page + "~plain", text=without_links(b.text)) for b in page]
    return page, plain


def test_a_page_without_links_is_tagged_by_the_plain_text_model(small_model, corpus_blocks):
    linked, plain = _linked_and_plain(corpus_blocks)
    assert small_model.plain is not None
    # its metrics are its own: the plain-text model's accuracy on the training blocks with links written as text
    plain_blocks = [replace(b, text=without_links(b.text)) for b in corpus_blocks]
    guessed = np.asarray(small_model.plain.classes)[small_model.plain.predict_proba(plain_blocks).argmax(axis=1)]
    accuracy = float(np.mean(guessed == np.asarray([b.label for b in corpus_blocks], dtype=object)))
    assert small_model.metadata["plain_text_model"]["metrics"]["training_accuracy"] == pytest.approx(accuracy, abs=1e-3)
    # One batch: a linked page, a plain one, the linked one again (which the main model
    # must still read as two pages, not one of twice the length).
    mixed = linked + plain + linked
    proba = small_model.predict_proba(mixed)
    n = len(linked)
    np.testing.assert_array_equal(proba[:n], small_model.compiled.predict_proba(linked))
    np.testing.assert_array_equal(proba[n: 2 * n], small_model.plain.predict_proba(plain))
    np.testing.assert_array_equal(proba[2 * n:], small_model.compiled.predict_proba(linked))
    assert not np.allclose(small_model.plain.predict_proba(plain), small_model.compiled.predict_proba(plain))


def test_one_linked_block_sends_its_whole_page_to_the_main_model(small_model, corpus_blocks):
    linked, plain = _linked_and_plain(corpus_blocks)
    one_link = [replace(b, page="other") for b in plain]
    one_link[-1] = replace(one_link[-1], text=one_link[-1].text + " [More](https://example.com/more)")
    np.testing.assert_array_equal(small_model.plain_rows(plain + one_link),
                                  [True] * len(plain) + [False] * len(one_link))


@pytest.mark.parametrize("text", ["a [link](/x) b", "see <https://example.com>", "a &#91;link&#93;&#40;/x&#41; b",
                                  "[Link][1] here\n[1]: https://example.com/x",
                                  "[Print](javascript:window.print())", "[Io](https://wiki.example/Io_(moon))"])
def test_a_link_in_any_dialect_sends_its_page_to_the_main_model(small_model, text):
    page = [Block("p", 0, "A plain paragraph of the story."), Block("p", 1, text)]
    assert small_model.plain_rows(page).tolist() == [False, False]


@pytest.mark.parametrize("text", ["Plain text [in brackets] and (parentheses), <b>bold</b>.", "![A photo](p.png) Its caption",
                                  "[Print](print(x) now"])
def test_what_the_features_do_not_read_as_a_link_leaves_a_page_plain(small_model, text):
    page = [Block("p", 0, "A plain paragraph of the story."), Block("p", 1, text)]
    assert small_model.plain_rows(page).tolist() == [True, True]


def test_the_plain_text_model_survives_saving_and_worker_pickling(small_model, corpus_blocks, tmp_path):
    import pickle

    linked, plain = _linked_and_plain(corpus_blocks)
    loaded = load_model(small_model.save(tmp_path / "m.npz"))
    for copy in (loaded, pickle.loads(pickle.dumps(small_model))):
        np.testing.assert_array_equal(copy.predict_proba(linked + plain), small_model.predict_proba(linked + plain))


def test_a_copy_of_a_fresh_bundle_keeps_its_classifier(small_model, corpus_blocks):
    import copy

    deep, shallow = copy.deepcopy(small_model), copy.copy(small_model)
    assert deep.classifier is not small_model.classifier and shallow.classifier is small_model.classifier
    assert deep.compiled is not small_model.compiled and deep.plain is not None
    blocks = corpus_blocks[:200]
    np.testing.assert_array_equal(deep.classifier.predict_proba(blocks), small_model.classifier.predict_proba(blocks))
    np.testing.assert_array_equal(deep.predict_proba(blocks), small_model.predict_proba(blocks))
    assert deep.metadata == small_model.metadata and deep.metadata is not small_model.metadata

def test_a_model_without_one_is_saved_in_the_format_older_blocktags_read(small_model, tmp_path):
    import zipfile

    alone = ModelBundle(small_model.compiled, small_model.metadata)
    for bundle, version in ((alone, 3), (small_model, 4)):
        path = bundle.save(tmp_path / f"v{version}.npz")
        with zipfile.ZipFile(path) as archive:
            document = json.loads(np.load(archive.open("meta.json.npy")).tobytes())
        assert document["format_version"] == version
        assert (load_model(path).plain is None) is (bundle is alone)


def test_explain_reads_the_model_that_tags_the_page(small_model, corpus_blocks):
    linked, plain = _linked_and_plain(corpus_blocks)
    explained = list(explain_pages(small_model, [linked, plain], top=3))
    label_index = [small_model.labels.index(e.tagged.label) for e in explained]
    expected = (small_model.compiled.evidence(linked, label_index[: len(linked)], 3)
                + small_model.plain.evidence(plain, label_index[len(linked):], 3))
    assert [e.evidence for e in explained] == expected


def test_training_without_it_or_without_links_makes_no_plain_text_model(corpus_blocks):
    assert train(corpus_blocks, stack_folds=3, plain_text_model=False).plain is None
    no_links = [replace(b, text=without_links(b.text)) for b in corpus_blocks]
    bundle = train(no_links, stack_folds=3)
    assert bundle.plain is None and "plain_text_model" not in bundle.metadata


def test_a_plain_text_model_with_other_labels_is_refused(small_model, corpus_blocks):
    two_labels = [b for b in corpus_blocks if b.label in ("body", "other")]
    other = train(two_labels, stack_folds=3, plain_text_model=False)
    with pytest.raises(ModelError, match="plain-text model's labels differ"):
        ModelBundle(small_model.compiled, plain=other.compiled)
    # in a file, said once with the file's name, not twice
    from classifier.bundle import model_from_bytes

    data = ModelBundle(small_model.compiled, plain=small_model.plain).to_bytes()
    swapped = ModelBundle.__new__(ModelBundle)
    swapped.__dict__.update(small_model.__dict__)
    swapped.plain = other.compiled
    with pytest.raises(ModelError) as caught:
        model_from_bytes(swapped.to_bytes(), "m.npz")
    assert str(caught.value) == "m.npz: its plain-text model's labels differ from its main model's"
    assert model_from_bytes(data, "m.npz").labels == small_model.labels


def test_train_cli_can_leave_the_plain_text_model_out(corpus_blocks, tmp_path):
    data = write_jsonl(tmp_path / "labels.jsonl", [
        {"page": b.page, "index": b.index, "text": b.text, "label": b.label} for b in corpus_blocks])
    for flag, has_plain in (("--plain-text-model", True), ("--no-plain-text-model", False)):
        out = tmp_path / f"{flag.strip('-')}.npz"
        result = CliRunner().invoke(app, ["train", str(data), "-o", str(out), "-q", "--param", "stack_folds=3", flag])
        assert result.exit_code == 0, result.output
        assert (load_model(out).plain is not None) is has_plain
        assert result.output.endswith(f"Saved model to {out}" + (
            " (and a plain-text model, for pages with no link)" if has_plain else "") + "\n")


_piece = st.sampled_from(["text ", "[a](#) ", "[b](/x)", "![i](p.png) ", "](", "\x00", "[", ")", "<https://e.com> ", "\n"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ppq"), st.lists(_piece, max_size=4).map("".join)), max_size=12))
def test_pages_without_links_is_any_link_on_the_page(records):
    """The batch scan gives what a page-by-page reading of holds_link gives (NULs included)."""
    blocks = [Block(page, i, text) for i, (page, text) in enumerate(records)]
    expected, start = [], 0
    for end in range(1, len(blocks) + 1):
        if end == len(blocks) or blocks[end].page != blocks[start].page:
            plain = not any(holds_link(canonical(cap(b.text))) for b in blocks[start:end])
            expected += [plain] * (end - start)
            start = end
    assert pages_without_links(blocks).tolist() == expected


def test_explain_names_the_model_that_tagged_each_page(small_model_path, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("By Jane Doe\n\nThe council voted on Tuesday to approve the budget.\n", encoding="utf-8")
    linked = tmp_path / "linked.txt"
    linked.write_text("By [Jane Doe](/authors/jane)\n\nThe council voted on Tuesday to approve the budget.\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(linked), str(plain), "-m", str(small_model_path), "--top", "1"])
    assert result.exit_code == 0, result.output
    headers = [line for line in result.stdout.splitlines() if line.startswith("# ")]
    assert headers == ["# linked", "# plain (the page holds no link: tagged by the plain-text model)"]
    result = CliRunner().invoke(app, ["explain", str(linked), str(plain), "-m", str(small_model_path), "-f", "jsonl"])
    assert [json.loads(line)["model"] for line in result.stdout.splitlines()] == ["main"] * 2 + ["plain-text"] * 2
