"""The fast batch features compute exactly what their one-block definitions say."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import Block
from classifier.features import BatchTfidfVectorizer
from classifier.measures import (
    SHAPE_FEATURES, block_shapes, block_texts, normalise_text, shape_matrix, shape_vector, word_shapes,
)
from sklearn.feature_extraction.text import TfidfVectorizer

from conftest import TRAINING_DATA

TRICKY_BLOCKS = [
    "",
    "By JANE DOE and RAUL ORTEGA, Associated Press",
    "Jan. 14, 2026 6:02 AM EST",
    "Published 14 January 2026 - 07:29 GMT | Updated 2026-01-14T10:05:36Z",
    "- [Home](#)\n  * [News](#)\n• [World](#)\n-no marker",
    "[Jane Roe](# \"Posts by Jane Roe\")",
    "Photo: Name/AP. © 2026 Copyright Holder (c) | tips@outlet.com @handle",
    "ÀB Éc ×D Øe ’Sun o’Neil l'Été 3Com _X",
    "a\x00- b\n- c",
    "x\ud800y",
    "Ends here. Or not? Yes! ",
    "word " * 200 + "tail 12:30 pm",
]

block_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400) | st.sampled_from(TRICKY_BLOCKS)


def test_shape_matrix_matches_the_one_block_definition_on_the_corpus():
    texts = [line for path in TRAINING_DATA[:20] for line in _texts(path)] + TRICKY_BLOCKS
    fast = shape_matrix(texts)
    assert fast.shape == (len(texts), len(SHAPE_FEATURES))
    np.testing.assert_allclose(fast, [shape_vector(t) for t in texts])


@settings(max_examples=200, deadline=None)
@given(st.lists(block_text, min_size=1, max_size=6))
def test_shape_matrix_matches_the_one_block_definition_on_any_text(texts):
    np.testing.assert_allclose(shape_matrix(texts), [shape_vector(t) for t in texts])


def test_shape_of_a_byline_and_a_paragraph():
    byline, paragraph = shape_matrix(["By Jane Doe, Reuters | Jan. 14, 2026 6:02 AM EST",
                                      "The council voted on Tuesday. It was close, members said."])
    features = dict(zip(SHAPE_FEATURES, byline))
    assert features["starts_by"] == 1 and features["has_month_date"] == 1 and features["has_zone"] == 1
    assert features["has_pipe"] == 1 and features["has_clock"] == 1
    other = dict(zip(SHAPE_FEATURES, paragraph))
    assert other["starts_by"] == 0 and other["has_month_date"] == 0 and other["sentence_marks"] > 0


@settings(max_examples=200, deadline=None)
@given(st.lists(block_text, min_size=1, max_size=6))
def test_batch_substitutions_match_the_one_block_definitions(texts):
    blocks = [Block("p", i, text) for i, text in enumerate(texts)]
    assert block_texts(blocks) == [normalise_text(t) for t in texts]
    assert block_shapes(blocks) == [word_shapes(t) for t in texts]


def test_word_shape_of_a_byline():
    assert word_shapes("By Jane Doe/AP") == "^■ ■ ■/▲$"
    assert word_shapes("[Jane Roe](# \"Posts by Jane Roe\"), 12 March") == "^[■ ■], 0 ■$"


VECTORISERS = {
    "words": dict(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
    "shapes": dict(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, lowercase=False),
}


def _fitted_pair(kind):
    from classifier import read_labelled

    blocks = read_labelled(TRAINING_DATA[:10])
    texts = block_texts(blocks) if kind == "words" else block_shapes(blocks)
    exact = TfidfVectorizer(**VECTORISERS[kind]).fit(texts)
    batch = BatchTfidfVectorizer(**VECTORISERS[kind]).fit(texts)
    return exact, batch, texts


def test_batch_tfidf_equals_scikit_learns_on_the_corpus():
    for kind in VECTORISERS:
        exact, batch, texts = _fitted_pair(kind)
        expected, got = exact.transform(texts), batch.transform(texts)
        assert (expected != got).nnz == 0, kind
        assert got.has_sorted_indices


@settings(max_examples=100, deadline=None)
@given(st.lists(block_text, min_size=1, max_size=6))
def test_batch_tfidf_equals_scikit_learns_on_any_text(texts):
    for kind in VECTORISERS:
        exact, batch, _ = _FITTED[kind]
        texts_for = [normalise_text(t) for t in texts] if kind == "words" else [word_shapes(t) for t in texts]
        np.testing.assert_array_equal(exact.transform(texts_for).toarray(), batch.transform(texts_for).toarray())


_FITTED = {kind: _fitted_pair(kind) for kind in VECTORISERS}


def test_batch_tfidf_falls_back_where_it_does_not_apply():
    texts = ["Alpha beta gamma", "alpha Beta delta", "zqxjointzqx alpha"]
    exact = TfidfVectorizer(stop_words=["beta"]).fit(texts)
    batch = BatchTfidfVectorizer(stop_words=["beta"]).fit(texts)
    assert (exact.transform(texts) != batch.transform(texts)).nnz == 0
    # a vocabulary holding the joint word itself: counted one text at a time
    joint = BatchTfidfVectorizer(min_df=1).fit(texts)
    assert "zqxjointzqx" in joint.vocabulary_
    assert (TfidfVectorizer(min_df=1).fit(texts).transform(texts) != joint.transform(texts)).nnz == 0


def _texts(path):
    import json

    with open(path, encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


@settings(max_examples=200, deadline=None)
@given(
    page=st.text(max_size=20), index=st.integers(0, 10**6), text=block_text,
    scores=st.lists(st.floats(0, 1), min_size=6, max_size=6),
)
def test_jsonl_lines_are_what_json_dumps_writes(page, index, text, scores):
    from classifier.output import jsonl_line
    from classifier.tagging import TaggedBlock

    labels = ["body", "byline", "caption", "contributor_note", "other", "promotion"]
    item = TaggedBlock(Block(page, index, text), labels[0], scores[0], dict(zip(labels, scores)))
    assert jsonl_line(item) == json.dumps(item.to_record(), ensure_ascii=False) + "\n"
    assert json.loads(jsonl_line(item)) == item.to_record()
