import dataclasses
import json
import warnings

import numpy as np
import sklearn.base
import pytest
from typer.testing import CliRunner

from classifier import Block, BlockClassifier, ModelError, TrainingError, WorkerError, load_model, train
from classifier.cli import app
from conftest import SEED_LABELS
from classifier.model import (
    ELEMENT_PAGE_SUFFIX, LINKLESS_PAGE_SUFFIX, TRIMMED_PAGE_SUFFIX, training_data_hash, with_element_pages,
    with_linkless_pages, with_trimmed_pages,
)


def test_bundle_metadata(small_model, corpus_blocks):
    meta = small_model.metadata
    assert meta["labels"] == sorted({b.label for b in corpus_blocks})
    assert meta["blocks"] == len(corpus_blocks)
    assert meta["pages"] == len({b.page for b in corpus_blocks})
    assert meta["training_sha256"] == training_data_hash(corpus_blocks)
    for key in ("blocktag_version", "sklearn_version", "python_version", "created", "label_counts"):
        assert meta[key]


def test_save_load_round_trip_gives_same_predictions(small_model, corpus_blocks, tmp_path):
    path = small_model.save(tmp_path / "m.npz")
    loaded = load_model(path)
    assert loaded.metadata == small_model.metadata
    np.testing.assert_array_equal(loaded.predict_proba(corpus_blocks), small_model.predict_proba(corpus_blocks))


def test_training_is_reproducible(corpus_blocks, small_model):
    again = train(corpus_blocks, stack_folds=3)
    np.testing.assert_allclose(again.predict_proba(corpus_blocks), small_model.predict_proba(corpus_blocks))


def test_training_on_two_cores_gives_the_same_model(corpus_blocks, small_model):
    both = train(corpus_blocks, stack_folds=3, jobs=2)  # the plain-text model fitted in a worker
    assert both.plain is not None
    for part in ("compiled", "plain"):
        spec, arrays = getattr(both, part).to_arrays()
        expected_spec, expected = getattr(small_model, part).to_arrays()
        assert spec == expected_spec and arrays.keys() == expected.keys()
        for name in arrays:
            np.testing.assert_array_equal(arrays[name], expected[name])
    assert both.metadata["plain_text_model"] == small_model.metadata["plain_text_model"]


def test_worker_processes_run_the_work_elsewhere_and_bring_its_result_back():
    import os

    from classifier.workers import forked_workers, submit

    with forked_workers(1) as workers:
        assert submit(workers, os.getpid).result() != os.getpid()
        with pytest.raises(ZeroDivisionError):
            submit(workers, divmod, 1, 0).result()
    with forked_workers(0) as none:
        assert none is None and submit(none, os.getpid).result() == os.getpid()
    with pytest.raises(WorkerError, match="^a worker process died before finishing its share"):
        with forked_workers(1) as workers:
            submit(workers, os._exit, 1).result()  # a worker that dies, as the out-of-memory killer leaves it


@pytest.mark.parametrize("params", [{}, {"word_ngrams": (1, 1), "shape_ngrams": (2, 4), "neighbours": (-2, 1)}])
def test_classifier_is_a_sklearn_estimator(corpus_blocks, params):
    clf = BlockClassifier(**params)
    labels = [b.label for b in corpus_blocks]
    clf.fit(corpus_blocks, labels)
    proba = clf.predict_proba(corpus_blocks)
    assert proba.shape == (len(corpus_blocks), len(set(labels)))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predicted = clf.predict(corpus_blocks)
    assert list(predicted) == list(clf.classes_[proba.argmax(axis=1)])
    assert set(clf.classes_) == set(labels)
    assert clf.score(corpus_blocks, labels) == np.mean(predicted == np.asarray(labels, dtype=object))
    # It learns its data: blocks that recur on several pages, always with one label (site
    # chrome, pitches), get that label; and it beats always answering the commonest label.
    pages, seen = {}, {}
    for b in corpus_blocks:
        pages.setdefault(b.text, set()).add(b.page)
        seen.setdefault(b.text, set()).add(b.label)
    recurring = [(k, b.label) for k, b in enumerate(corpus_blocks) if len(pages[b.text]) > 1 and len(seen[b.text]) == 1]
    assert len(recurring) >= 10
    assert [predicted[k] for k, _ in recurring] == [label for _, label in recurring]
    majority = max(labels.count(label) for label in set(labels)) / len(labels)
    assert clf.score(corpus_blocks, labels) > majority
    # scikit-learn's clone: an unfitted copy with the same parameters, which fits the same
    copy = sklearn.base.clone(clf)
    assert copy.get_params() == clf.get_params() and not hasattr(copy, "classes_")
    np.testing.assert_allclose(copy.fit(corpus_blocks, labels).predict_proba(corpus_blocks), proba)


def test_second_pass_reads_the_neighbours_probabilities(corpus_blocks):
    bundle = train(corpus_blocks, context_window=1, stack_folds=3)
    clf = bundle.classifier
    assert clf.context_ is not None
    # block probabilities + (neighbour probabilities + exists flag) either side + position
    assert clf.context_.n_features_in_ == 3 * len(clf.classes_) + 2 + 6
    # the first pass's out-of-fold guesses, scored: not the fitted model's guesses at its own training blocks
    from sklearn.metrics import f1_score

    out_of_fold = clf.classes_[clf.first_pass_out_of_fold_.argmax(axis=1)]
    labels = [b.label for b in corpus_blocks]
    assert bundle.metadata["metrics"]["first_pass_grouped_cv_macro_f1"] == round(f1_score(labels, out_of_fold, average="macro"), 4)
    in_sample = clf.first_pass_.predict_proba(corpus_blocks)  # what a model says of the blocks it was fitted on
    assert np.abs(clf.first_pass_out_of_fold_ - in_sample).max() > 0.1
    proba = bundle.predict_proba(corpus_blocks)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def _page(page, labels):
    return [Block(page, i, f"{page} block {i}", label) for i, label in enumerate(labels)]


def test_trimmed_copies_lose_only_edge_chrome():
    whole = _page("a", ["other", "promotion", "body", "other", "body", "contributor_note", "other", "other"])
    labels = np.array([b.label for b in whole], dtype=object)
    X, y, source = with_trimmed_pages(whole, labels, 1.0, np.random.default_rng(0))
    assert X[: len(whole)] == whole
    assert [whole[i].text for i in source] == [b.text for b in X]  # each copy points to its original
    copy = X[len(whole):]
    assert {b.page for b in copy} == {"a" + TRIMMED_PAGE_SUFFIX}
    assert [b.index for b in copy] == list(range(len(copy)))
    assert list(y[len(whole):]) == [b.label for b in copy]
    texts = [b.text for b in copy]
    # the story and the chrome inside it stay; only chrome at the edges may go
    assert "a block 2" in texts and "a block 3" in texts and "a block 5" in texts
    assert texts == [b.text for b in whole if b.text in texts]
    assert len(copy) < len(whole)


def test_pages_without_edge_chrome_are_not_copied():
    clean = _page("b", ["byline", "body", "body", "contributor_note"])
    only_chrome = _page("c", ["other", "other"])
    labels = np.array([b.label for b in clean + only_chrome], dtype=object)
    X, y, source = with_trimmed_pages(clean + only_chrome, labels, 1.0, np.random.default_rng(0))
    assert X == clean + only_chrome and len(y) == len(labels) and list(source) == list(range(len(labels)))


def test_share_of_trimmed_pages_follows_the_parameter():
    pages = [b for n in range(200) for b in _page(f"p{n}", ["other", "body", "body", "other"])]
    labels = np.array([b.label for b in pages], dtype=object)
    X, _, _ = with_trimmed_pages(pages, labels, 0.5, np.random.default_rng(0))
    copied = {b.page for b in X if b.page.endswith(TRIMMED_PAGE_SUFFIX)}
    assert 70 < len(copied) < 130


def test_linkless_copies_write_each_link_as_its_text():
    linked = [Block("a", 0, "- [Home](#)\n- [World](/world)", "other"), Block("a", 1, "Rain fell.", "body"),
              Block("a", 2, "Read [more](https://x.example/more \"More\") here", "promotion")]
    plain = [Block("b", 0, "No links at all.", "body")]
    trimmed = [Block("a" + TRIMMED_PAGE_SUFFIX, 0, "[Home](#)", "other")]
    blocks = linked + plain + trimmed
    labels = np.array([b.label for b in blocks], dtype=object)
    X, y, source = with_linkless_pages(blocks, labels, 1.0, np.random.default_rng(0), given=4)
    copy = X[len(blocks):]
    # only the page with links is copied (not the page without, nor a copy made before)
    assert [(b.page, b.index, b.text) for b in copy] == [
        ("a" + LINKLESS_PAGE_SUFFIX, 0, "- Home\n- World"),
        ("a" + LINKLESS_PAGE_SUFFIX, 1, "Rain fell."),
        ("a" + LINKLESS_PAGE_SUFFIX, 2, "Read more here"),
    ]
    assert list(y[len(blocks):]) == ["other", "body", "promotion"] and list(source[len(blocks):]) == [0, 1, 2]


def test_element_copies_cut_each_line_item_and_cell_into_a_block_of_its_own():
    page = [Block("a", 0, "- [Home](#)\n- World", "other"), Block("a", 1, "Prices rose - again.", "body"),
            Block("a", 2, "| Team | Pts |\n|---|--:|\n| Reds | 74 |", "body"), Block("a", 3, "> Quoted\nline", "body")]
    copied = [Block("b" + TRIMMED_PAGE_SUFFIX, 0, "- x\n- y", "other")]
    blocks = page + copied
    labels = np.array([b.label for b in blocks], dtype=object)
    X, y, source = with_element_pages(blocks, labels, 1.0, np.random.default_rng(0), given=4)
    copy = X[len(blocks):]
    assert [(b.page, b.index, b.text) for b in copy] == [  # only the page as given is cut (not a copy)
        ("a" + ELEMENT_PAGE_SUFFIX, 0, "[Home](#)"), ("a" + ELEMENT_PAGE_SUFFIX, 1, "World"),
        ("a" + ELEMENT_PAGE_SUFFIX, 2, "Prices rose - again."),
        ("a" + ELEMENT_PAGE_SUFFIX, 3, "Team"), ("a" + ELEMENT_PAGE_SUFFIX, 4, "Pts"),
        ("a" + ELEMENT_PAGE_SUFFIX, 5, "Reds"), ("a" + ELEMENT_PAGE_SUFFIX, 6, "74"),
        ("a" + ELEMENT_PAGE_SUFFIX, 7, "Quoted"), ("a" + ELEMENT_PAGE_SUFFIX, 8, "line"),
    ]
    assert list(y[len(blocks):]) == ["other"] * 2 + ["body"] * 7
    assert list(source[len(blocks):]) == [0, 0, 1, 2, 2, 2, 2, 3, 3]
    assert len(with_element_pages(blocks, labels, 0.0, np.random.default_rng(0))[0]) == len(blocks)


def test_element_copies_are_learnt_from_and_the_share_is_checked(corpus_blocks):
    labels = [b.label for b in corpus_blocks]
    without = BlockClassifier(trim_edges=0.0).fit(corpus_blocks, labels)
    split = BlockClassifier(trim_edges=0.0, element_pages=1.0).fit(corpus_blocks, labels)
    cells = [Block("p", i, t) for i, t in enumerate(["74", "Pts", "Reds", "World"])]
    assert not np.allclose(split.predict_proba(cells), without.predict_proba(cells))
    with pytest.raises(TrainingError, match="element_pages must be between 0 and 1"):
        BlockClassifier(element_pages=1.5).fit(corpus_blocks, labels)


def test_a_linkless_training_copy_is_learnt_from(corpus_blocks):
    """A model trained with linkless copies sees pages without link markup as training
    data: it fits more blocks than it was given (and they count in the fit)."""
    labels = [b.label for b in corpus_blocks]
    plain = BlockClassifier(trim_edges=0.0).fit(corpus_blocks, labels)
    linkless = BlockClassifier(trim_edges=0.0, linkless_pages=1.0).fit(corpus_blocks, labels)
    texts = [b.text for b in corpus_blocks if "](" in b.text][:50]
    bare = [Block("p", i, t) for i, t in enumerate(texts)]
    assert not np.allclose(plain.predict_proba(bare), linkless.predict_proba(bare))
    with pytest.raises(TrainingError, match="linkless_pages"):
        BlockClassifier(linkless_pages=1.5).fit(corpus_blocks, labels)


def test_single_label_training_is_refused():
    blocks = [Block("p", i, f"text {i}", "body") for i in range(3)]
    with pytest.raises(TrainingError, match="every block is labelled 'body'; a model needs blocks of at least two labels"):
        train(blocks, source="d.jsonl")


def test_empty_training_data_is_refused():
    with pytest.raises(TrainingError, match="no labelled blocks"):
        train([])


def test_garbage_file_is_not_a_model(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"this is not a model")
    with pytest.raises(ModelError, match=r"m\.npz: is not a blocktag model"):
        load_model(path)


def test_foreign_npz_is_not_a_model(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, weights=np.array([1, 2, 3]))
    with pytest.raises(ModelError, match=r"m\.npz: is not a blocktag model; train one with 'blocktag train'"):
        load_model(path)


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match=r"nope\.npz: no such model file"):
        load_model(tmp_path / "nope.npz")


def test_a_model_of_another_blocktag_version_warns(small_model, tmp_path):
    from classifier.bundle import ModelBundle

    older = ModelBundle(small_model.compiled, {**small_model.metadata, "blocktag_version": "0.0.1"})
    path = older.save(tmp_path / "old.npz")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(path)
    assert any("saved by blocktag 0.0.1" in str(w.message) for w in caught)



def test_tag_text_loads_a_model_file_once_while_it_is_unchanged(monkeypatch, small_model_path):
    import os

    import classifier
    from classifier import bundle

    loads = []
    real = bundle.load_model
    monkeypatch.setattr(bundle, "load_model", lambda path=None: loads.append(path) or real(path))
    monkeypatch.setattr(classifier, "_LOADED", {})
    first = classifier.tag_text("Headline\n\nBy Ann Lee")
    second = classifier.tag_text("Another page\n\nSubscribe now")
    assert loads == [classifier.shipped_model_path()]
    assert [t.block.text for t in first + second] == ["Headline", "By Ann Lee", "Another page", "Subscribe now"]

    given = str(small_model_path)
    classifier.tag_text("Headline", model=given)
    classifier.tag_blocks([classifier.Block("p", 0, "Headline")], model=given)
    assert loads[1:] == [small_model_path.resolve()]
    stat = os.stat(given)
    os.utime(given, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # retrained in place
    classifier.tag_text("Headline", model=given)
    assert loads[1:] == [small_model_path.resolve()] * 2

    for model in [None, given] * 3:  # a site's model beside the shipped one: neither is reloaded
        classifier.tag_text("Headline", model=model)
    assert loads[1:] == [small_model_path.resolve()] * 2


def test_tag_text_keeps_the_last_few_model_files_loaded(monkeypatch, small_model_path, tmp_path):
    import shutil

    import classifier
    from classifier import bundle

    loads = []
    real = bundle.load_model
    monkeypatch.setattr(bundle, "load_model", lambda path=None: loads.append(path.name) or real(path))
    monkeypatch.setattr(classifier, "_LOADED", {})
    names = [f"m{i}.npz" for i in range(classifier.MODELS_KEPT + 1)]
    for name in names:
        shutil.copy(small_model_path, tmp_path / name)
    for name in names[1:] + names[1:]:  # as many as are kept: each loaded once
        classifier.tag_text("Headline", model=str(tmp_path / name))
    assert loads == names[1:]
    classifier.tag_text("Headline", model=str(tmp_path / names[0]))  # one more: the least recently used goes
    classifier.tag_text("Headline", model=str(tmp_path / names[-1]))
    classifier.tag_text("Headline", model=str(tmp_path / names[1]))
    assert loads == names[1:] + [names[0], names[1]]


def test_model_file_members_are_deflated_only_where_it_pays(tmp_path):
    """Random-looking coefficients are stored as they are (inflating them would slow every
    start-up); repetitive arrays are deflated; np.load reads both, without pickles."""
    import io
    import zipfile

    from classifier.bundle import _npz_bytes

    arrays = {"noise": np.random.default_rng(0).random(5000), "flat": np.zeros(5000), "ints": np.arange(3)}
    data = _npz_bytes(arrays)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        methods = {info.filename: info.compress_type for info in archive.infolist()}
    assert methods["noise.npy"] == zipfile.ZIP_STORED
    assert methods["flat.npy"] == zipfile.ZIP_DEFLATED
    with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
        for name, values in arrays.items():
            np.testing.assert_array_equal(loaded[name], values)
    assert _npz_bytes(arrays) == data  # the same arrays, the same bytes


@pytest.mark.parametrize("params, message", [
    ({"features": ("words", "words")}, "features must name each feature once; got ['words', 'words']"),
    ({"C": "x"}, "C must be a number; got 'x'"),
    ({"context_window": 1.5}, "context_window must be a whole number; got 1.5"),
    ({"word_ngrams": (1, 2, 3)}, "word_ngrams must be (low, high) with 1 <= low <= high; got (1, 2, 3)"),
    ({"edge_ngrams": (2, 1)}, "edge_ngrams must be (low, high) with 1 <= low <= high"),
    ({"neighbours": (0, 1)}, "neighbours must be distinct non-zero offsets, e.g. -1,1; got [0, 1]"),
    ({"word_ngrams": 2}, "word_ngrams must be (low, high) with 1 <= low <= high; got 2"),
    ({"neighbours": 1}, "neighbours must be distinct non-zero offsets, e.g. -1,1; got 1"),
])
def test_bad_settings_are_refused_at_fit_with_what_they_must_be(params, message):
    from classifier.model import BlockClassifier

    with pytest.raises(TrainingError) as info:
        BlockClassifier(**params).fit([Block("p", 0, "a")], ["body"])
    assert str(info.value) == message


def test_a_refit_keeps_nothing_of_the_earlier_fit():
    from classifier.model import BlockClassifier, _training_metrics

    pages = [[("Storm hits the coast", "body"), ("By Ana Ruiz", "byline"), ("The rain fell all night.", "body")],
             [("Floods close roads", "body"), ("By Li Wei", "byline"), ("Water rose in the town.", "body")],
             [("Schools shut early", "body"), ("By Sam Orr", "byline"), ("Pupils went home at noon.", "body")]]
    blocks = [Block(f"p{k}", i, text, label) for k, page in enumerate(pages) for i, (text, label) in enumerate(page)]
    labels = [b.label for b in blocks]
    model = BlockClassifier(context_window=1, stack_folds=3, trim_edges=0.0).fit(blocks, labels)
    assert model.first_pass_out_of_fold_.shape == (9, 2)
    assert "first_pass_grouped_cv_macro_f1" in _training_metrics(model, blocks, labels)
    model.set_params(context_window=0).fit(blocks, labels)
    assert model.context_ is None and model.first_pass_out_of_fold_ is None
    assert set(_training_metrics(model, blocks, labels)) == {"training_accuracy", "training_macro_f1"}


def test_the_estimator_says_when_it_is_not_fitted_and_when_labels_are_missing(corpus_blocks):
    from sklearn.exceptions import NotFittedError

    from classifier.model import BlockClassifier

    with pytest.raises(NotFittedError):
        BlockClassifier().predict_proba([Block("p", 0, "a")])
    with pytest.raises(TrainingError, match=rf"^{len(corpus_blocks)} blocks but {len(corpus_blocks) - 3} labels: give one label a block$"):
        BlockClassifier().fit(corpus_blocks, [b.label for b in corpus_blocks][:-3])


def test_a_records_weight_counts_as_its_sample_weight(corpus_blocks, tmp_path):
    # The corpus counts a wave half with "weight": 0.5 on its records: read, hashed, trained on.
    from dataclasses import replace

    from classifier import read_labelled
    from classifier.blocks import training_data_hash

    blocks = corpus_blocks[:600]
    halves = [replace(b, weight=0.5) if k % 3 == 0 else b for k, b in enumerate(blocks)]
    path = tmp_path / "weighted.jsonl"
    path.write_text("".join(json.dumps({**b.to_dict(), "form": "paragraph"}) + "\n" for b in halves), encoding="utf-8")
    assert read_labelled([path]) == halves
    assert training_data_hash(halves) != training_data_hash(blocks)  # the weights are part of the data
    by_records = train(halves, plain_text_model=False, stack_folds=3)
    by_argument = train(blocks, plain_text_model=False, stack_folds=3, sample_weight=[b.weight for b in halves])
    np.testing.assert_allclose(by_records.predict_proba(blocks), by_argument.predict_proba(blocks), atol=1e-9)
    unweighted = train(blocks, plain_text_model=False, stack_folds=3)
    assert np.abs(unweighted.predict_proba(blocks) - by_records.predict_proba(blocks)).max() > 1e-3


def test_fit_and_predict_check_their_blocks_and_take_any_labels():
    from classifier.errors import DataFormatError
    from classifier.model import BlockClassifier

    blocks = [Block("p", 0, "Storm hits the coast"), Block("p", 1, "By Ana Ruiz"), Block("q", 0, "By Li Wei")]
    model = BlockClassifier(trim_edges=0.0).fit(blocks, ["body", "byline", "byline"])
    assert model.predict_proba(blocks).shape == (3, 2)
    # a page out of order would be read as another page (its neighbours and position wrong)
    with pytest.raises(DataFormatError) as info:
        model.predict(blocks[::-1])
    assert str(info.value) == ("X: block 2: page 'p' index 0 comes after index 1; give a page's blocks in the "
                               "order of their index")
    with pytest.raises(DataFormatError) as info:
        model.predict_proba("page.txt")
    assert str(info.value) == ("X: expected Block records, got 'page.txt'; read files of blocks with "
                               "read_labelled(files), pages with iter_pages(files)")
    with pytest.raises(DataFormatError) as info:  # fit checks them too
        BlockClassifier(trim_edges=0.0).fit(blocks[::-1], ["byline", "byline", "body"])
    assert str(info.value).startswith("X: block 2: page 'p' index 0 comes after index 1")
    with pytest.raises(DataFormatError) as info:
        BlockClassifier(trim_edges=0.0).fit([b.text for b in blocks], ["body", "byline", "byline"])
    assert str(info.value) == "X: block 0: expected a Block, got 'Storm hits the coast'"
    # labels of any type scikit-learn takes: cross_val_predict hands them over as integers
    with pytest.warns(UserWarning, match="labels are numbers, not names"):  # (trim_edges reads names)
        BlockClassifier().fit(blocks, [0, 1, 1])
    by_number = BlockClassifier(trim_edges=0.0).fit(blocks, [0, 1, 1])
    assert list(by_number.classes_) == [0, 1] and by_number.predict(blocks).dtype.kind == "i"


def test_numpy_numbers_from_a_grid_train_and_save_as_python_numbers(tmp_path):
    import numpy as np

    from classifier import load_model, train

    pages = [[("Storm hits the coast", "body"), ("By Ana Ruiz", "byline"), ("The rain fell all night.", "body")],
             [("Floods close roads", "body"), ("By Li Wei", "byline"), ("Water rose in the town.", "body")],
             [("Schools shut early", "body"), ("By Sam Orr", "byline"), ("Pupils went home at noon.", "body")],
             [("Bridge reopens", "body"), ("By Jo Park", "byline"), ("Cars crossed at dawn.", "body")]]
    blocks = [Block(f"p{k}", i, text, label) for k, page in enumerate(pages) for i, (text, label) in enumerate(page)]
    model = train(blocks, plain_text_model=False, trim_edges=0.0, context_window=np.int64(1), stack_folds=np.int64(2),
                  word_ngrams=(np.int64(1), np.int64(2)), max_iter=np.int64(500))
    model.save(tmp_path / "m.npz")  # (the metadata is JSON: numpy's int64 is not)
    params = load_model(tmp_path / "m.npz").metadata["params"]
    assert (params["context_window"], params["word_ngrams"], params["max_iter"]) == (1, [1, 2], 500)
    assert type(params["context_window"]) is int


def test_a_second_pass_trains_when_a_fold_of_its_stacking_sees_one_label(corpus_blocks):
    # a rare label on one page only: the stacking fold that tests that page trains on the other label alone
    first = corpus_blocks[0].page
    blocks = [b for b in corpus_blocks if b.page in {first, *{b.page for b in corpus_blocks[200:400]}}]
    labels = ["rare" if b.page == first and b.label == "body" else "common" for b in blocks]
    fitted = BlockClassifier(context_window=1, stack_folds=3, trim_edges=0.0).fit(blocks, labels)
    assert fitted.context_ is not None and list(fitted.classes_) == ["common", "rare"]
    rare_rows = [i for i, label in enumerate(labels) if label == "rare"]
    assert fitted.first_pass_out_of_fold_[rare_rows, 0].tolist() == [1.0] * len(rare_rows)  # what that fold would learn


def test_features_that_read_nothing_are_one_training_error_naming_them(corpus_blocks):
    unlinked = [Block(b.page, b.index, "plain words") for b in corpus_blocks[:40]]
    with pytest.raises(TrainingError, match=r"^the features link_targets read nothing in these blocks \(no word, "
                                            r"shape or link target to learn from\); add a feature that does, e.g\. words$"):
        BlockClassifier(features=("link_targets",)).fit(unlinked, [b.label for b in corpus_blocks[:40]])
    with pytest.raises(TrainingError, match=r"^the plain-text model \(your blocks with their links written as text\): "
                                            r"the features link_targets read nothing .* or train without it"):
        train(corpus_blocks[:300], features=("link_targets",))


def test_character_ngrams_too_long_to_code_in_64_bits_are_counted_as_strings(corpus_blocks):
    from classifier.ngrams import NgramCounter

    vocabulary = {"abcdefghij"[:n]: n - 1 for n in range(1, 11)} | {"zyx": 10}
    counter = NgramCounter(vocabulary, "char", (1, 30), lowercase=False)  # 12 characters ** 30 is past 2**63
    rows, columns = counter.count(["abcdefghij", "zyxw", "nothing"])
    assert sorted(zip(rows.tolist(), columns.tolist())) == [(0, k) for k in range(10)] + [(1, 10)]
    blocks = corpus_blocks[:300]
    bundle = train(blocks, features=("word_shapes", "shape"), shape_ngrams=(1, 30), trim_edges=0, plain_text_model=False)
    assert bundle.compiled.predict_proba(blocks).shape == (300, len(bundle.labels))  # (train checks it against the pipeline)


def test_context_window_is_bounded():
    with pytest.raises(TrainingError, match=r"^context_window must be from 0 to 50$"):
        BlockClassifier(context_window=51).fit([Block("p", 0, "a"), Block("p", 1, "b")], ["x", "y"])


@pytest.mark.parametrize("setting", [{"tol": 1e300}, {"C": 1e-300}, {"weight": 1e-200}])
def test_a_fit_that_learns_nothing_is_refused_not_saved(corpus_blocks, setting):
    from dataclasses import replace

    blocks = corpus_blocks[:300]
    if "weight" in setting:
        blocks, setting = [replace(b, weight=setting["weight"]) for b in blocks], {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (scikit-learn's own, on the way)
        with pytest.raises(TrainingError, match=r"^the fit learnt nothing from the blocks \(its largest coefficient is 0\): "):
            train(blocks, plain_text_model=False, **setting)


def test_a_second_pass_asked_of_one_page_is_said_to_be_left_out(corpus_blocks):
    page = [b for b in corpus_blocks if b.page == corpus_blocks[0].page]
    with pytest.warns(UserWarning, match=r"^context_window=1: the second pass learns from pages held out in turn, and "
                                         r"these blocks are one page; trained without it$"):
        fitted = BlockClassifier(context_window=1).fit(page, [b.label for b in page])
    assert fitted.context_ is None
    with pytest.warns(UserWarning, match=r"^context_window=1: "):
        bundle = train(page, context_window=1, plain_text_model=False)
    assert bundle.metadata["params"]["context_window"] == 0  # saved as it tags: with no second pass
    assert train(corpus_blocks, context_window=1, stack_folds=2, plain_text_model=False).metadata["params"]["context_window"] == 1


@pytest.mark.parametrize("suffix", [TRIMMED_PAGE_SUFFIX, LINKLESS_PAGE_SUFFIX, ELEMENT_PAGE_SUFFIX])
def test_a_page_named_as_a_training_copy_is_a_page_like_any_other(corpus_blocks, suffix):
    """The copies training makes are told apart by where they stand, not by their names: a
    user's pages named "a~trimmed" are learnt from as pages named "a" are."""
    labels = [b.label for b in corpus_blocks]
    params = dict(linkless_pages=1.0, element_pages=0.5, context_window=1, stack_folds=2)
    as_named = BlockClassifier(**params).fit(corpus_blocks, labels)
    renamed = [dataclasses.replace(b, page=b.page + suffix) for b in corpus_blocks]
    as_copies = BlockClassifier(**params).fit(renamed, labels)
    assert np.array_equal(as_named.predict_proba(corpus_blocks), as_copies.predict_proba(renamed))
    # every other page so named, beside pages that are not: each learnt from all the same
    named = sorted({b.page for b in corpus_blocks})[::2]
    half = [dataclasses.replace(b, page=b.page + suffix) if b.page in named else b for b in corpus_blocks]
    mixed = BlockClassifier(**params).fit(half, labels)
    assert np.array_equal(as_named.predict_proba(corpus_blocks), mixed.predict_proba(half))


def test_trimmed_copies_asked_of_labels_without_chrome_are_said_to_be_none(corpus_blocks):
    renamed = {"other": "chrome", "promotion": "ad"}
    labels = [renamed.get(b.label, b.label) for b in corpus_blocks]
    with pytest.warns(UserWarning, match=r"^trim_edges=0.5: the copies with a page's edges trimmed cut its other and "
                                         r"promotion blocks, and these labels have neither, so none are made; give "
                                         r"trim_edges=0 \(--param trim_edges=0\) to say so$"):
        asked = BlockClassifier(trim_edges=0.5).fit(corpus_blocks, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unasked = BlockClassifier(trim_edges=0.0).fit(corpus_blocks, labels)
    assert np.array_equal(asked.predict_proba(corpus_blocks), unasked.predict_proba(corpus_blocks))


@pytest.mark.parametrize("label", ["\x1b[31mred", "two\nlines", "tab\there"])
def test_a_label_with_a_control_character_is_refused(corpus_blocks, tmp_path, label):
    blocks = [dataclasses.replace(b, label=label) if b.label == "caption" else b for b in corpus_blocks]
    with pytest.raises(TrainingError, match=r"the label .* holds a control character or line break; a label is a "
                                            r"name, e.g. body$"):
        train(blocks, plain_text_model=False)
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"page": "a", "index": 0, "text": "Rain.", "label": label}) + "\n", encoding="utf-8")
    from classifier.blocks import read_labelled
    from classifier.errors import DataFormatError
    with pytest.raises(DataFormatError, match=r"labels.jsonl:1: the label .* holds a control character or line break"):
        list(read_labelled([path]))


@pytest.mark.parametrize("label", ["main\u00a0text", "متن\u200cاصلی", "co\u00adop", "👩\u200d💻"])
def test_a_label_with_a_no_break_space_or_a_joiner_is_a_name(corpus_blocks, tmp_path, label):
    blocks = [dataclasses.replace(b, label=label) if b.label == "caption" else b for b in corpus_blocks[:300]]
    path = train(blocks, plain_text_model=False).save(tmp_path / "m.npz")
    assert label in load_model(path).labels


def test_a_model_made_under_source_date_epoch_is_the_same_file_each_time(corpus_blocks, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = train(corpus_blocks[:400], plain_text_model=False)
    second = train(corpus_blocks[:400], plain_text_model=False)
    assert first.metadata["created"] == "2023-11-14T22:13:20+00:00"
    assert first.to_bytes() == second.to_bytes()
    for odd in ("yesterday", "\u0663", "1_700_000_000"):  # (ASCII digits only, as reproducible-builds.org says)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", odd)
        with pytest.warns(UserWarning, match=f"SOURCE_DATE_EPOCH={odd!r} is not a number of seconds"):
            train(corpus_blocks[:400], plain_text_model=False)
    result = CliRunner().invoke(app, ["train", str(SEED_LABELS), "-o", "never.npz"])
    assert (result.exit_code, result.output) == (1, "Error: SOURCE_DATE_EPOCH='1_700_000_000' is not a number of seconds "
                                                    "since 1970; set it to one (e.g. SOURCE_DATE_EPOCH=$(git log -1 "
                                                    "--format=%ct)) or unset it\n")


def test_an_empty_source_date_epoch_is_unset_not_a_crash(tmp_path):
    # numpy's import reads the variable too, as int(""): a traceback before blocktag said anything
    import os
    import subprocess
    import sys

    env = {**os.environ, "SOURCE_DATE_EPOCH": ""}
    done = subprocess.run([sys.executable, "-m", "classifier", "train", str(SEED_LABELS), "-o", str(tmp_path / "m.npz"),
                           "--no-plain-text-model", "-q"], capture_output=True, text=True, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    assert load_model(tmp_path / "m.npz").metadata["created"]


def test_the_model_cache_is_shared_safely_by_threads(monkeypatch, tmp_path, small_model_path):
    # a server's threads tagging with more model files than are kept
    import shutil
    import time
    from concurrent.futures import ThreadPoolExecutor

    import classifier

    class Slow(dict):  # each step a thread may be switched out in, as a load or a del can be
        def __delitem__(self, key):
            time.sleep(0.0005)
            super().__delitem__(key)

    monkeypatch.setattr(classifier, "_LOADED", Slow())
    monkeypatch.setattr(classifier, "Tagger", lambda path: time.sleep(0.0005) or ("tagger of", path.name))  # (a load)
    names = [tmp_path / f"m{i}.npz" for i in range(2 * classifier.MODELS_KEPT)]
    for name in names:
        shutil.copy(small_model_path, name)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda k: classifier._tagger(str(names[k % len(names)])), range(800)))
    assert got == [("tagger of", names[k % len(names)].name) for k in range(800)]
    assert len(classifier._LOADED) == classifier.MODELS_KEPT
