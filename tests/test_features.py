"""The fast batch features compute exactly what their one-block definitions say."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import SHAPE_FEATURES, shape_matrix, shape_vector

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


def _texts(path):
    import json

    with open(path, encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]
