"""The Python API as a notebook or pipeline uses it: what a command takes, a function takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import classifier
from classifier import SettingError, TrainingError, cross_validate, evaluate, explain_pages, iter_pages, read_labelled
from classifier import Block, suggest_pages

from conftest import SEED_LABELS, SEED_PAGE


@pytest.mark.filterwarnings("ignore:.*1 of 1 page\\(s\\) are pages (of the shipped corpus|this model was trained on)")  # (the seed page: it is)
@pytest.mark.parametrize("given", ["path", "none"])
def test_evaluate_explain_and_suggest_take_a_model_file_or_none_as_tagging_does(small_model, small_model_path, given):
    model = str(small_model_path) if given == "path" else None
    bundle = small_model if given == "path" else classifier.load_model()
    blocks = read_labelled([SEED_LABELS])
    assert evaluate(model, blocks) == evaluate(bundle, blocks)
    explained = [e.to_record() for e in explain_pages(model, iter_pages([SEED_PAGE]), top=2)]
    assert explained == [e.to_record() for e in explain_pages(bundle, iter_pages([SEED_PAGE]), top=2)]
    (suggested,) = suggest_pages(model, iter_pages([SEED_PAGE]), 1)
    assert suggested == suggest_pages(bundle, iter_pages([SEED_PAGE]), 1)[0]


def test_one_path_given_alone_is_read_as_one_path_not_as_its_letters():
    for alone in (str(SEED_LABELS), Path(SEED_LABELS)):
        assert read_labelled(alone) == read_labelled([SEED_LABELS])
    for alone in (str(SEED_PAGE), Path(SEED_PAGE)):
        assert list(iter_pages(alone)) == list(iter_pages([SEED_PAGE]))
        assert [t.block for t in classifier.Tagger().tag_files(alone)] == [b for p in iter_pages([SEED_PAGE]) for b in p]


def test_cross_validate_refuses_groups_that_are_not_one_a_block(corpus_blocks):
    with pytest.raises(SettingError, match=r"^groups='file': give one group per block, e\.g\. read_groups\(files, 'file'\)$"):
        cross_validate(corpus_blocks, folds=2, groups="file")
    for folds in (1, 2.0):
        with pytest.raises(SettingError, match=rf"^folds={folds!r}: give a whole number of folds from 2$"):
            cross_validate(corpus_blocks, folds=folds)
    with pytest.raises(TrainingError, match=rf"^4 groups for {len(corpus_blocks)} blocks: give one group per block"):
        cross_validate(corpus_blocks, folds=2, groups=["a", "b", "a", "b"])
    # a group of each block's own (its index, its label) would split pages between folds
    first = corpus_blocks[0].page
    with pytest.raises(TrainingError) as caught:
        cross_validate(corpus_blocks, folds=2, groups=[b.label for b in corpus_blocks])
    labels = [b.label for b in corpus_blocks if b.page == first]
    other = next(label for label in labels if label != labels[0])
    assert str(caught.value) == (f"training data: page {first!r} is in more than one group ({labels[0]!r}, {other!r}): a fold would "
                                 "train on part of it and test on the rest; group by whole pages, e.g. 'page', 'file' "
                                 "or a field every block of a page shares, such as its site")


def test_cross_validate_without_scikit_learn_names_the_extra(corpus_blocks, monkeypatch):
    import sys

    from classifier.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now fails, as if not installed
    from classifier import extras

    monkeypatch.setattr(extras, "find_spec", lambda name: None if name == "sklearn" else object())
    with pytest.raises(MissingExtraError, match=r"^cross-validation needs scikit-learn: pip install 'scikit-learn>=[\d.]+' "
                                                 r"'threadpoolctl>=[\d.]+' \(blocktag's 'train' extra\)$"):
        cross_validate(corpus_blocks, folds=2)
    # an ImportError too, as code that guards an optional dependency expects
    import classifier

    monkeypatch.delitem(sys.modules, "classifier.model", raising=False)
    monkeypatch.delattr(classifier, "model", raising=False)  # (imported already: not imported again)
    with pytest.raises(ImportError, match=r"^training needs scikit-learn: pip install 'scikit-learn>=[\d.]+' "
                                          r"'threadpoolctl>=[\d.]+' \(blocktag's 'train' extra\)$"):
        from classifier import train  # noqa: F401



def test_blocks_to_remember_are_checked_before_training_starts(corpus_blocks, monkeypatch):
    from classifier import model

    monkeypatch.setattr(model, "_fit_compiled", lambda *args: pytest.fail("trained before the check"))
    page = corpus_blocks[0].page
    for label, said in ((None, "has no label"), ("bodyy", "is labelled 'bodyy', a label the training data has not")):
        with pytest.raises(TrainingError) as caught:
            classifier.train(corpus_blocks, remember=[classifier.Block(page, 0, "Hello there", label)])
        assert str(caught.value) == (f"remember: block 0 (page {page!r} index 0) {said}; remember labelled blocks, "
                                     "with the training data's labels")


def test_a_setting_out_of_range_is_a_blocktag_error_named_as_the_argument(small_model):
    from classifier import SettingError

    pages = lambda: iter_pages([SEED_PAGE])  # noqa: E731
    calls = [(lambda: classifier.Tagger(small_model, jobs=0),
              "jobs=0: give a number of processes from 1, or -1 for one per core"),
             (lambda: list(explain_pages(small_model, pages(), top=0)), "top=0: give a whole number of features from 1"),
             (lambda: suggest_pages(small_model, pages(), 0), "n=0: give a whole number of pages from 1")]
    for call, message in calls:
        with pytest.raises(SettingError) as caught:
            call()
        assert str(caught.value) == message and isinstance(caught.value, classifier.BlocktagError)


def test_tag_files_refuses_an_unknown_split_when_called_not_when_read():
    from classifier import InputError

    with pytest.raises(InputError, match=r"^unknown split mode 'blnk'; use one of auto, blank, line$"):
        classifier.Tagger().tag_files([SEED_PAGE], split="blnk")  # no next() needed


@pytest.mark.parametrize("weights, message", [
    ([0.0], "sample_weight must be numbers from 0 to 1000, not all 0 (how much each block counts)"),
    ([float("nan")], "sample_weight must be numbers from 0 to 1000, not all 0 (how much each block counts)"),
    ([-1.0], "sample_weight must be numbers from 0 to 1000, not all 0 (how much each block counts)"),
    ([1.0, 2.0], None),
])
def test_train_checks_sample_weight_before_fitting(corpus_blocks, weights, message):
    from classifier import train
    from classifier.errors import TrainingError

    blocks = corpus_blocks[:200]
    given = weights * len(blocks) if len(weights) == 1 else weights
    expected = message or f"sample_weight has 2 values for {len(blocks)} blocks"
    with pytest.raises(TrainingError) as info:
        train(blocks, sample_weight=given, plain_text_model=False)
    assert str(info.value) == expected


def test_train_and_cross_validate_name_the_known_parameters_for_an_unknown_one(corpus_blocks):
    from classifier import cross_validate, train
    from classifier.params import ParameterError, model_parameters

    known = ", ".join(sorted(model_parameters()))
    for call in (lambda: train(corpus_blocks[:200], bogus=1), lambda: cross_validate(corpus_blocks[:200], folds=2, bogus=1)):
        with pytest.raises(ParameterError) as info:
            call()
        assert str(info.value) == f"unknown parameter 'bogus'; known: {known}"


@pytest.mark.parametrize("top", [2.5, None, True])
def test_explain_refuses_a_top_that_is_no_whole_number(small_model, top):
    from classifier.errors import SettingError

    with pytest.raises(SettingError) as info:
        list(explain_pages(small_model, [[Block("p", 0, "A story.")]], top=top))
    assert str(info.value) == f"top={top!r}: give a whole number of features from 1"


def test_train_refuses_a_sample_weight_of_the_wrong_length_beside_weighted_records(corpus_blocks):
    """Records with their own weight are multiplied by sample_weight: a longer list must not
    be cut to fit."""
    from dataclasses import replace

    from classifier import train
    from classifier.errors import TrainingError

    blocks = [replace(b, weight=0.5) for b in corpus_blocks[:200]]
    with pytest.raises(TrainingError) as info:
        train(blocks, sample_weight=[1.0] * 205, plain_text_model=False)
    assert str(info.value) == "sample_weight has 205 values for 200 blocks"


def _blocks_with(**fields):
    from dataclasses import replace

    return [replace(Block("p", 0, "Harbour reopens", "body"), **fields), Block("p", 1, "By Ana Ruiz", "byline")]


@pytest.mark.parametrize("call, error, message", [
    # what a caller built wrongly is named as a file's record would be, not met deep inside
    (lambda m: m.tag_blocks(_blocks_with(text=123)), "DataFormatError", "blocks: block 0: 'text' must be a string, got 123"),
    (lambda m: m.tag_blocks(_blocks_with(page=None)), "DataFormatError", "blocks: block 0: 'page' must be a string, got None"),
    (lambda m: m.tag_blocks(_blocks_with(index="9")), "DataFormatError",
     "blocks: block 0: 'index' must be a whole number from 0, got '9'"),
    (lambda m: evaluate(m.model, _blocks_with(label=3)), "DataFormatError",
     "evaluation data: block 0: 'label' must be a string or None, got 3"),
    (lambda m: classifier.train(_blocks_with(weight=1e8)), "DataFormatError",
     "training data: block 0: 'weight' must be a number above 0 and at most 1000 (how much the block counts in "
     "training), got 100000000.0"),
    (lambda m: classifier.train("blocks.jsonl"), "DataFormatError",
     "training data: expected Block records, got 'blocks.jsonl'; read files of blocks with read_labelled(files), "
     "pages with iter_pages(files)"),
    (lambda m: evaluate(m.model, None), "DataFormatError",
     "evaluation data: expected Block records, got None; read files of blocks with read_labelled(files), pages with "
     "iter_pages(files)"),
    (lambda m: list(m.tag_pages(classifier.page_blocks("One\n\nTwo", "p"))), "DataFormatError",
     "pages[0]: pages are lists of blocks, one list a page (as iter_pages gives them); got a Block: give [blocks] "
     "for one page, or tag blocks with tag_blocks"),
    # a page a caller built is checked as a file's blocks are, by every function that takes pages
    (lambda m: list(m.tag_pages([[Block("p", 0, "One")], [{"page": "q", "index": 0, "text": "Two"}]])),
     "DataFormatError", "pages[1]: expected a Block, got {'page': 'q', 'index': 0, 'text': 'Two'}"),
    (lambda m: list(explain_pages(m.model, [[Block("p", 1, "One"), Block("p", 0, "Two")]])), "DataFormatError",
     "pages[0]: page 'p' index 0 comes after index 1; give a page's blocks in the order of their index"),
    (lambda m: suggest_pages(m.model, [[Block("p", 0, "One"), Block("p", 0, "Two")]], 1), "DataFormatError",
     "pages[0]: duplicate block: page 'p' index 0 appears twice"),
    (lambda m: suggest_pages(m.model, ["One\n\nTwo"], 1), "DataFormatError",
     "pages[0]: a page is a list of Block records, got 'One\\n\\nTwo'"),
    (lambda m: list(m.tag_pages([[Block("p", 0, None)]])), "DataFormatError",
     "pages[0]: 'text' must be a string, got None"),
    (lambda m: iter_pages(None), "InputError", "expected file names (a path, or a list of them), got None"),
    (lambda m: read_labelled([SEED_LABELS, 5]), "InputError",
     "expected file names (a path, or a list of them), got 5 among them"),
    (lambda m: list(iter_pages([None])), "InputError",  # (None is no "nothing wrong")
     "expected file names (a path, or a list of them), got None among them"),
    (lambda m: iter_pages([SEED_PAGE], encoding=None), "InputError",
     "encoding must name one, such as utf-8 or latin-1; got None"),
    (lambda m: iter_pages([SEED_PAGE], split="lines"), "InputError",
     "unknown split mode 'lines'; use one of auto, blank, line"),  # at the call, before any page is read
    (lambda m: explain_pages(m.model, [], top=0), "SettingError", "top=0: give a whole number of features from 1"),
    (lambda m: classifier.Tagger(3), "ModelError",
     "model must be a ModelBundle, a model file's path or None (the shipped model); got 3"),
    (lambda m: classifier.tag_text("A page.", model=3), "ModelError",
     "model must be a ModelBundle, a model file's path or None (the shipped model); got 3"),
    (lambda m: list(m.tag_pages(None)), "DataFormatError",
     "pages: expected lists of Block records, a list a page (as iter_pages gives them), got None"),
    (lambda m: classifier.page_blocks(None, "p"), "DataFormatError",
     "a page's text must be a string, got None; decode bytes first, or tag them with tag_text"),
    (lambda m: classifier.load_model(3), "ModelError", "a model file's path must be a str or Path; got 3"),
    (lambda m: classifier.load_model(""), "ModelError", "a model file's path is empty; give one, or None for the shipped model"),
    (lambda m: classifier.ModelBundle(None), "ModelError", "compiled must be a CompiledModel (a trained model's .compiled); got None"),
    (lambda m: classifier.ModelBundle(m.model.compiled, "notes"), "ModelError", "metadata must be a dict or None; got 'notes'"),
    (lambda m: classifier.load_model("shipped"), "ModelError",  # (the command line's name for it; the tests run in the checkout)
     "shipped: no such model file; for the shipped model give None (or no model)"),
    (lambda m: m.model.save(None), "OutputError", "a model is saved to a file's path, e.g. models/my.npz; got None"),
    (lambda m: classifier.Tagger(m.model, batch_blocks="10"), "SettingError",
     "batch_blocks='10': give a whole number of blocks from 1 (or None)"),
    (lambda m: suggest_pages(m.model, [], 1, diversity="0.5"), "SettingError",
     "diversity='0.5': give a number from 0 (rank by doubt alone) to 1"),
    (lambda m: classifier.train(read_labelled([SEED_LABELS]), tol=float("inf")), "TrainingError", "tol and max_iter must be > 0 and finite"),
    # checked before the fit, not when the model is saved after it
    (lambda m: classifier.train(read_labelled([SEED_LABELS]), sources={"mine": {"pages": {3}}}), "SettingError",
     "sources={'mine': {'pages': {3}}}: give descriptions JSON can hold: strings, numbers, lists and dicts of them "
     "(str() a path)"),
    (lambda m: classifier.train(read_labelled([SEED_LABELS]), sources=["mine.jsonl"]), "SettingError",
     "sources=['mine.jsonl']: give a dict of names to descriptions, e.g. {'corpus': 'training/data'}"),
    (lambda m: classifier.train(read_labelled([SEED_LABELS]), features="words,shape"), "TrainingError",
     "features must be a list of registered features (edge_words, images, link_targets, page_context, position, "
     "shape, word_shapes, words); got the string 'words,shape': give ['words', 'shape']"),
    (lambda m: classifier.dialects.canonical(None), "DataFormatError", "a block's text must be a string, got None"),
    (lambda m: classifier.readers.html.html_to_text(5), "InputError",
     "<html>: expected the page's HTML as bytes or str, got 5"),
    (lambda m: cross_validate(read_labelled([SEED_LABELS]), folds=2, groups=5), "SettingError",
     "groups=5: give one group per block (a list), e.g. read_groups(files, 'file')"),
    (lambda m: cross_validate(read_labelled([SEED_LABELS]), folds=2, groups=[{}] * 31), "SettingError",
     "groups={}: give each block a group that is a name or number (that one is not), e.g. read_groups(files, 'file')"),
])
def test_a_call_built_wrongly_is_a_blocktag_error_that_says_what_to_give(small_model, call, error, message):
    tagger = classifier.Tagger(small_model)
    with pytest.raises(getattr(classifier.errors, error)) as caught:
        call(tagger)
    assert str(caught.value) == message


def test_sample_weight_past_the_records_cap_is_refused(corpus_blocks):
    blocks = corpus_blocks[:200]
    with pytest.raises(TrainingError) as caught:  # 1e20 makes the solver give up and tag everything one way
        classifier.train(blocks, sample_weight=[1e20 if i % 50 == 0 else 1.0 for i in range(len(blocks))],
                         plain_text_model=False)
    assert str(caught.value) == "sample_weight must be numbers from 0 to 1000, not all 0 (how much each block counts)"


def test_suggest_takes_one_page_named_alone_as_that_page(small_model):
    pages = [classifier.page_blocks("Storm hits\n\nBy Ana", "a"), classifier.page_blocks("Floods rise\n\nBy Li", "b")]
    assert [s.page for s in suggest_pages(small_model, pages, 2, exclude_pages="a")] == ["b"]


def test_train_with_corpus_names_the_users_blocks_by_their_own_places_and_its_weight_as_the_argument():
    from classifier.adapt import train_with_corpus

    corpus = [Block("c", 0, "Storm hits", "body"), Block("c", 1, "By Li", "byline")]
    reversed_page = [Block("u", 1, "By Ana", "byline"), Block("u", 0, "Floods rise", "body")]
    with pytest.raises(classifier.DataFormatError) as caught:
        train_with_corpus(reversed_page, corpus=corpus)
    assert str(caught.value) == ("your labels: block 1: page 'u' index 0 comes after index 1; give a page's blocks "
                                 "in the order of their index")
    for weight in (None, "5", 0):
        with pytest.raises(SettingError) as caught:
            train_with_corpus(reversed_page[::-1], weight=weight, corpus=corpus)
        assert str(caught.value) == f"weight={weight!r}: must be a number above 0 and at most 1000, e.g. 5"


def test_blocks_built_from_numpy_numbers_are_tagged_as_python_numbers_are(small_model):
    import numpy as np

    texts = ["Harbour reopens", "By Ana Ruiz", "The harbour reopened on Monday."]
    plain = [Block("p", i, t) for i, t in enumerate(texts)]
    from_numpy = [Block("p", np.int64(i), t, weight=np.float32(2.0)) for i, t in enumerate(texts)]
    tagger = classifier.Tagger(small_model)
    assert [t.scores for t in tagger.tag_blocks(from_numpy)] == [t.scores for t in tagger.tag_blocks(plain)]
    assert [t.scores for t in tagger.tag_pages([from_numpy])] == [t.scores for t in tagger.tag_pages([plain])]


def test_a_callers_huge_page_is_tagged_in_the_chunks_a_file_of_it_is(small_model, monkeypatch):
    import json
    import warnings

    import numpy as np

    from classifier import blocks as blocks_module

    monkeypatch.setattr(blocks_module, "MAX_PAGE_BLOCKS", 4)
    monkeypatch.setattr(classifier.tagging, "MAX_PAGE_BLOCKS", 4)
    text = "\n\n".join(["Harbour reopens", "By Ana Ruiz", "The harbour reopened.", "Photo: Li Wei"] * 3)
    tagger = classifier.Tagger(small_model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_text = tagger.tag_text(text, page="p")
        from_pages = list(tagger.tag_pages([classifier.page_blocks(text, "p")]))
        numbered = [Block("p", np.int64(i), b.text) for i, b in enumerate(classifier.page_blocks(text, "p"))]
        records = [t.to_record() for t in tagger.tag_pages([numbered])]
    assert [t.scores for t in from_pages] == [t.scores for t in from_text]
    assert json.loads(json.dumps(records))[1]["index"] == 1  # (numpy's int64 is no JSON)


def test_numpy_whole_numbers_are_taken_for_counts(small_model):
    import numpy as np

    tagger = classifier.Tagger(small_model, jobs=np.int64(1), batch_blocks=np.int32(50))
    assert (tagger.jobs, tagger.batch_blocks) == (1, 50)
    page = classifier.page_blocks("Harbour reopens\n\nBy Ana Ruiz", "p")
    assert len(list(explain_pages(small_model, [page], top=np.int64(2)))[0].evidence) == 2
    assert len(suggest_pages(small_model, [page], np.int64(1))) == 1
    with pytest.raises(SettingError):
        classifier.Tagger(small_model, batch_blocks=np.bool_(True))


def test_cross_validate_with_numpy_settings_gives_json(corpus_blocks):
    import json

    import numpy as np

    result = cross_validate(corpus_blocks, folds=np.int64(2), plain_text_model=False, max_iter=np.int64(300))
    assert json.loads(json.dumps(result))["folds"] == 2 and result["params"]["max_iter"] == 300


def test_cross_validate_refuses_splits_made_for_other_folds(corpus_blocks):
    from classifier.evaluation import cross_validation_splits

    splits = cross_validation_splits(corpus_blocks, 2)
    with pytest.raises(SettingError) as info:
        cross_validate(corpus_blocks, folds=3, splits=splits)
    assert str(info.value) == "folds=3: give the folds the 2 splits were made for, or no splits"


def test_cross_validate_counts_groups_given_as_a_generator(corpus_blocks):
    pages = sorted({b.page for b in corpus_blocks})
    group_of = {page: f"g{k % 3}" for k, page in enumerate(pages)}
    result = cross_validate(corpus_blocks, folds=3, groups=(group_of[b.page] for b in corpus_blocks),
                            plain_text_model=False)
    assert result["groups"] == 3


def test_tag_blocks_tags_many_pages_a_batch_at_a_time_with_the_labels_of_one_call(small_model, corpus_blocks, monkeypatch):
    blocks = corpus_blocks[:1500]
    whole = small_model.predict_proba(blocks)
    sizes = []
    predict = small_model.predict_proba
    monkeypatch.setattr(small_model, "predict_proba", lambda batch: sizes.append(len(batch)) or predict(batch))
    tagged = classifier.Tagger(small_model, batch_blocks=200).tag_blocks(blocks)
    assert [t.block for t in tagged] == blocks
    one_call = classifier.tagging.tagged_from_proba(blocks, small_model.labels, whole)
    assert [(t.label, t.scores) for t in tagged] == [(t.label, t.scores) for t in one_call]
    longest_page = max(len(page) for page in classifier.blocks.group_pages(blocks))
    assert len(sizes) > 1 and sum(sizes) == len(blocks) and max(sizes) < 200 + longest_page


def test_an_empty_file_name_is_refused_not_read_as_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "page.txt").write_text("A page the empty name would have read.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    said = "'': an empty file name (a shell variable left unset?); name a file or folder ('.' for this one)"
    for call in (lambda: list(iter_pages([""])), lambda: list(iter_pages("")), lambda: read_labelled([""])):
        with pytest.raises(classifier.InputError) as caught:
            call()
        assert str(caught.value) == said


def test_a_page_string_with_no_text_is_said_to_hold_none(small_model):
    # as a file of it is: a warning, not silence
    tagger = classifier.Tagger(small_model)
    with pytest.warns(UserWarning, match=r"^<text> \(page 'page'\): holds no text to tag$"):
        assert tagger.tag_text("  \n\n ") == []
    with pytest.warns(UserWarning, match=r"^<text> \(page 'story-2'\): holds no text to tag once its markup is "
                                         r"dropped \(a page built by JavaScript\?\)$"):
        assert tagger.tag_text("<html><body><div id=root></div><script>start()</script></body></html>", "story-2") == []


def test_warnings_point_at_the_callers_file_however_deep_they_are_said(small_model, small_model_path, monkeypatch,
                                                                      tmp_path):
    """Through the module-level tag_text, a reader's generator or a chunked page, a warning
    names the caller's own file, not blocktag's (where Python's filters would also show one
    warning for many pages)."""
    import warnings

    from classifier import blocks as blocks_module

    monkeypatch.setattr(blocks_module, "MAX_PAGE_BLOCKS", 4)
    monkeypatch.setattr(classifier.tagging, "MAX_PAGE_BLOCKS", 4)
    empty = tmp_path / "empty.txt"
    empty.write_text(" ")
    calls = {"tag_text": lambda: classifier.tag_text("  \n\n ", model=str(small_model_path)),
             "Tagger.tag_text": lambda: classifier.Tagger(small_model).tag_text("  \n\n "),
             "iter_pages": lambda: list(classifier.iter_pages([str(empty)])),
             "a huge page": lambda: classifier.tag_blocks([Block("p", i, "x") for i in range(5)], model=small_model)}
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert [w.filename for w in caught] == [__file__], name


def test_train_refuses_settings_of_the_wrong_kind_before_the_fit(corpus_blocks):
    for value in (True, None, "blocks"):
        with pytest.raises(SettingError, match=r"^remember=.*: give the labelled Blocks to remember, e\.g\. remember=blocks"):
            classifier.train(corpus_blocks[:50], remember=value)
    with pytest.raises(TrainingError, match=r"^remember: item 0 is a dict, not a Block; "):
        classifier.train(corpus_blocks[:50], remember=[{"page": "p", "index": 0, "text": "t", "label": "body"}])
    with pytest.raises(SettingError, match=r"^plain_text_model='no': give True or False$"):
        classifier.train(corpus_blocks[:50], plain_text_model="no")


def test_evaluate_refuses_a_block_with_an_empty_label(small_model, corpus_blocks):
    from dataclasses import replace

    from classifier.errors import DataFormatError

    blocks = [replace(corpus_blocks[0], label=" ")] + list(corpus_blocks[1:20])
    with pytest.raises(DataFormatError, match=r"has no label; evaluate scores labelled blocks$"):
        classifier.evaluate(small_model, blocks)


@pytest.mark.filterwarnings("ignore:.*1 of 1 page\\(s\\) are pages of the shipped corpus")
def test_a_callback_that_is_no_function_is_refused_at_the_call():
    # Not "'bool' object is not callable" after the first batch, nor never (a run with no bad
    # file never calls on_error): the call itself names the argument.
    blocks = read_labelled(SEED_LABELS)
    with pytest.raises(SettingError, match=r"^on_progress=True: give a function, called with the number of blocks "
                                           r"tagged, or None$"):
        evaluate(None, blocks, on_progress=True)
    with pytest.raises(SettingError, match=r"^on_error='skip': give a function, called with each bad file's error, "
                                           r"or None$"):
        iter_pages([SEED_PAGE], on_error="skip")
    with pytest.raises(SettingError, match=r"^on_error='skip'"):
        classifier.Tagger(None).tag_files([SEED_PAGE], on_error="skip")
    told = []
    with pytest.warns(UserWarning, match=r"1 of 1 page\(s\) are pages this model was trained on"):  # (the seed page)
        assert evaluate(None, blocks, on_progress=told.append)["macro_f1"] > 0 and sum(told) == len(blocks)
    assert sum(len(page) for page in iter_pages([SEED_PAGE], on_error=told.append)) > 0


def test_one_page_is_tagged_in_this_process_whatever_jobs_says(small_model, monkeypatch):
    """A pipeline tagging page after page with Tagger(jobs=2) would fork a worker per page for
    nothing: one batch is scored here, and workers start only for two or more."""
    started = []

    class Workers:
        def __init__(self, *args):
            started.append(args)
            raise RuntimeError("a worker was started")

    monkeypatch.setattr(classifier.tagging, "PipedWorkers", Workers)
    tagger = classifier.Tagger(small_model, batch_blocks=2)
    tagger.jobs = 2  # (as on a machine of 2 cores or more)
    one = tagger.tag_text("Harbour reopens\n\nBy Ana Ruiz\n\nThe harbour reopened on Monday.")
    assert [t.block.text for t in one] == ["Harbour reopens", "By Ana Ruiz", "The harbour reopened on Monday."]
    assert started == []
    with pytest.raises(RuntimeError, match="a worker was started"):
        list(tagger.tag_pages([classifier.page_blocks("A\n\nB", "p1"), classifier.page_blocks("C\n\nD", "p2")]))


def test_tagger_settings_are_keyword_only(small_model):
    with pytest.raises(TypeError):
        classifier.Tagger(small_model, 2)  # (it once set batch_blocks, read as jobs)


def test_a_bundles_block_methods_refuse_what_is_not_blocks(small_model):
    model = small_model
    methods = [model.predict, model.predict_proba, model.models_proba, model.remembered, model.plain_rows]
    for method in methods:
        with pytest.raises(classifier.DataFormatError, match=r"^blocks: block 0: expected a Block, got 'some text'$"):
            method(["some text"])
        with pytest.raises(classifier.DataFormatError, match=r"^blocks: expected Block records, got None; "):
            method(None)
    with pytest.raises(classifier.DataFormatError, match=r"^blocks: block 1: expected a Block, got 3$"):
        model.evidence([Block("p", 0, "Text"), 3], [0, 0], 3)
    assert model.predict((b for b in [Block("p", 0, "By Ana Ruiz")])) in ([label] for label in model.labels)


def test_a_callback_or_name_of_the_wrong_kind_is_refused_before_any_fit(corpus_blocks):
    with pytest.raises(SettingError, match=r"^on_fold='x': give a function, called with each fold's number as it "
                                           r"ends, or None$"):
        cross_validate(corpus_blocks[:50], on_fold="x")
    with pytest.raises(SettingError, match=r"^source=2\.0: give the data's name for messages, a string$"):
        classifier.train(corpus_blocks[:50], 2.0)  # (meant as C)


def test_a_bundle_scores_a_batch_it_is_given_as_a_list_without_copying_it(small_model, monkeypatch):
    # the features remember their work by the batch list; a copy made to check it would have
    # them compute every block's canonical text twice a call
    from classifier import bundle

    batch = classifier.page_blocks("Headline\n\nBy Ann Lee\n\nThe story.", "p")
    seen = []
    real = bundle.pages_without_links
    monkeypatch.setattr(bundle, "pages_without_links", lambda blocks: seen.append(blocks) or real(blocks))
    small_model.predict_proba(batch)
    assert seen and all(blocks is batch for blocks in seen)


def test_several_files_given_as_separate_arguments_are_refused_saying_to_list_them(tmp_path):
    # Else the second file is taken for require_label (read_labelled reads the first alone)
    # or for the encoding.
    with pytest.raises(SettingError, match=r"^require_label='b\.jsonl': give True or False; to read several files, "
                                           r"give them as one list: read_labelled\(\[a, b\]\)$"):
        read_labelled(SEED_LABELS, "b.jsonl")
    assert read_labelled(SEED_LABELS, np.True_) == read_labelled(SEED_LABELS)  # (a numpy bool is a bool)
    with pytest.raises(classifier.InputError, match=r"^encoding='page\.html': unknown encoding; give one such as "
                                                    r"utf-8 or latin-1; to read several files, give them as one list$"):
        list(iter_pages(SEED_PAGE, "page.html"))
    with pytest.raises(classifier.InputError, match=r"^encoding='latin-9': unknown encoding; give one such as utf-8 "
                                                    r"or latin-1$"):
        list(iter_pages(SEED_PAGE, "latin-9"))  # (a name with no suffix: no word of files)


def test_a_wrong_encoding_is_refused_for_a_page_given_as_a_string_or_bytes(small_model):
    for page in (b"<p>A page.</p>", "A page."):
        with pytest.raises(classifier.InputError, match=r"^encoding must name one, such as utf-8 or latin-1; got None$"):
            classifier.tag_text(page, model=small_model, encoding=None)


def test_an_empty_model_path_is_said_to_be_empty_by_every_entry_point():
    said = "^a model file's path is empty; give one, or None for the shipped model$"
    for call in (lambda: classifier.load_model(""), lambda: classifier.tag_text("A page.", model=""),
                 lambda: classifier.tag_blocks([Block("p", 0, "A page.")], model="")):
        with pytest.raises(classifier.ModelError, match=said):
            call()


def test_a_setting_error_quotes_a_huge_value_cut_short(corpus_blocks):
    with pytest.raises(SettingError) as raised:
        raise SettingError("source", corpus_blocks, "give a name")
    assert str(raised.value) == f"source={repr(corpus_blocks)[:80]}...: give a name"
    assert raised.value.value is corpus_blocks  # (the value itself is kept whole)


def test_join_blocks_and_write_kept_take_one_string_as_one_thing_not_its_letters(small_model):
    import io

    from classifier.output import write_kept

    assert classifier.join_blocks(["One.", "Two."]) == "One.\n\nTwo."
    for wrong, quoted in (("ab", "'ab'"), (None, "None")):
        with pytest.raises(SettingError, match=rf"^texts={quoted}: give the blocks' texts as a list of strings$"):
            classifier.join_blocks(wrong)
    tagged = classifier.tag_text("A story paragraph of some length.\n\nMore of it.", model=small_model)
    with pytest.raises(SettingError, match=r"of tagged blocks: t\.block\.text\)$"):
        classifier.join_blocks(tagged)
    labels = {t.label for t in tagged}
    for label in labels:
        out = io.StringIO()
        assert write_kept(tagged, out, label) == write_kept(tagged, io.StringIO(), {label}) >= 1
    assert write_kept(tagged, io.StringIO(), "".join(sorted(labels))) == 0  # ("bodyother" holds no label: no block kept)


def test_evidence_refuses_label_places_and_counts_it_cannot_read(small_model):
    blocks = [Block("p", 0, "One."), Block("p", 1, "Two.")]
    for places in ([99, 99], ["body", "byline"], [0], [-1, 0]):
        with pytest.raises(SettingError, match=rf"^label_index=.*: give one label's place in the model's labels "
                                               rf"\(0 to {len(small_model.labels) - 1}\) for each of the 2 blocks$"):
            small_model.evidence(blocks, places, 2)
    for top in (0, -1, True, 2.5):
        with pytest.raises(SettingError, match=r"^top=.*: give a whole number of features from 1$"):
            small_model.evidence(blocks, [0, 1], top)
    assert [len(found) for found in small_model.evidence(blocks, [0, 1], 2)] == [2, 2]
    assert small_model.evidence([], [], 2) == []


def test_training_checks_jobs_and_remember_before_it_fits_anything(corpus_blocks):
    from classifier.adapt import train_with_corpus

    with pytest.raises(SettingError, match=r"^jobs=0: "):
        classifier.train(corpus_blocks, jobs=0, plain_text_model=False)  # (no second model: jobs was not read)
    with pytest.raises(SettingError, match=r"^remember='yes': give True or False: train_with_corpus remembers your "
                                           r"blocks itself$"):
        train_with_corpus(corpus_blocks[:20], remember="yes", corpus=corpus_blocks[20:])


def test_the_lazily_imported_training_names_are_listed():
    assert {"train", "BlockClassifier"} <= set(dir(classifier))


def test_a_page_name_or_labels_left_out_are_named_as_the_caller_gave_them(small_model):
    for page in (None, ""):
        with pytest.raises(SettingError, match=rf"^page={page!r}: give the page's name, a non-empty string$"):
            classifier.tag_text("A page.", model=small_model, page=page)
    with pytest.raises(TrainingError, match=r"^1 blocks but no labels \(y=None\): give one label a block$"):
        classifier.BlockClassifier().fit([Block("p", 0, "A page.")], None)
