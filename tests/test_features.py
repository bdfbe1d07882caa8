"""The fast batch features compute exactly what their one-block definitions say."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import Block, read_labelled
from classifier.features import NgramTfidf
from classifier.ngrams import count_ngrams
from classifier.measures import (
    EDGE_WORD_CHARS, PAGE_CONTEXT_FEATURES, SHAPE_FEATURES, block_edge_words, block_shapes, block_texts,
    edge_words, feature_texts, link_target_words,
    normalise_text, page_context_features, shape_matrix, shape_vector, word_shapes,
)
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

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
    "気象庁は19日、東京都心で桜が開花したと発表した。平年より5日早く、昨年より10日早い。",  # read a character a word
    "[田中 美咲](#) 記者 2025年3月19日",  # too few characters to be read so
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


def test_chinese_and_japanese_paragraphs_are_measured_a_character_a_word():
    # no spaces between words: read as written, a paragraph of two sentences is one word
    # with no sentence mark, and looks like a caption
    texts = [TRICKY_BLOCKS[-2], TRICKY_BLOCKS[-1], "A story 中文 (Chinese).", "٢٠٢٥/٠٣/٠٤ ١٦:٢٠"]
    paragraph, byline, english, arabic = (dict(zip(SHAPE_FEATURES, row)) for row in
                                          shape_matrix(feature_texts([Block("p", i, t) for i, t in enumerate(texts)])))
    assert paragraph["log_words"] == pytest.approx(math.log1p(38))  # 35 characters and 3 numbers
    assert paragraph["sentence_marks"] == pytest.approx(math.log1p(1))  # ("。" ends it: no space follows)
    # as written, but for its numbers set apart: "2025年3月19日" shows its year
    assert byline["log_words"] == pytest.approx(math.log1p(9)) and byline["has_year"] == 1
    assert arabic["has_year"] == arabic["has_numeric_date"] == arabic["has_clock"] == 1  # Arabic-Indic digits
    assert english["log_words"] == pytest.approx(math.log1p(4))  # a few words of Chinese: as written
    assert word_shapes(texts[0]) == "^⋯ 0 ·, ⋯. ⋯ 0 ⋯, ⋯ 0 ⋯.$"  # the shape of prose


@settings(max_examples=200, deadline=None)
@given(st.lists(block_text, min_size=1, max_size=6))
def test_batch_substitutions_match_the_one_block_definitions(texts):
    blocks = [Block("p", i, text) for i, text in enumerate(texts)]
    assert block_texts(blocks) == [normalise_text(t) for t in texts]
    assert block_shapes(blocks) == [word_shapes(t) for t in texts]


def test_edge_words_are_a_block_s_first_and_last_two_words():
    assert edge_words("By Jane Doe, who contributed to this report.") == "sBy sJane ethis ereport"
    assert edge_words("Subscribe") == "sSubscribe eSubscribe"
    assert edge_words("a ∙ ∙") == ""  # no word of two characters
    blocks = [Block("p", 0, "[Jane Roe](#) · 12 March 2026")]
    assert block_edge_words(blocks) == ["sJane sRoe eMarch e0000"]  # as the word TF-IDF reads it: digits as 0


def _edge_words_of_the_whole_text(text):
    import re

    from classifier.ngrams import WORD_TOKEN_PATTERN  # scikit-learn's own pattern, not the fast one

    words = re.findall(WORD_TOKEN_PATTERN, text)
    return " ".join(["s" + w for w in words[:2]] + ["e" + w for w in words[-2:]])


_FAR = EDGE_WORD_CHARS  # how far in from each end the fast path looks


@pytest.mark.parametrize("text", [
    "ab" + " " * 3 * _FAR + "cd",  # one word at each end: the windows hold too few
    "ab cd " + "-" * 3 * _FAR + " ef",  # two words at the start, one at the end
    "-" * (_FAR - 1) + "abcdef ghij klm " + "x " * _FAR + "end",  # a word cut by the first window
    "aa bb cc " + "x " * _FAR + "nopq" + "-" * (_FAR - 2),  # a word cut by the last window
    "aa bb cc " + "-" * (2 * _FAR - 16) + " dd ee ff",  # just over twice the window
])
def test_edge_words_read_near_the_ends_find_the_whole_text_s(text):
    assert len(text) > 2 * _FAR
    assert edge_words(text) == _edge_words_of_the_whole_text(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ab", "cd", "x", " ", "-", "é", "_", "\n", "word", "-" * 20, " " * 30]),
                max_size=3 * EDGE_WORD_CHARS))
def test_edge_words_find_the_whole_text_s_on_any_text(pieces):
    text = "".join(pieces)
    assert edge_words(text) == _edge_words_of_the_whole_text(text)


# Letters in and out of the capitals' class, digits in and out of ASCII, blanks, the marks
# the substitutions write, a NUL, a lone surrogate and characters past the BMP.
_SHAPE_CHARACTERS = "aBzÀßÞÿ×²_٣0 \t\n.·▲■⋯\x00\ud800𝐀𝟘😀"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_SHAPE_CHARACTERS, max_size=60))
def test_word_shapes_from_character_classes_are_the_substitutions(text):
    from classifier.measures import _SHAPE_SUBS, _letter_shapes, _substitute_plainly

    assert _letter_shapes(text) == _substitute_plainly(text, _SHAPE_SUBS[1:])


def test_the_shape_class_table_classes_every_character_as_its_patterns_do():
    from classifier.measures import _BMP, _class_of, _shape_class_table

    table = _shape_class_table()
    assert [code for code in range(_BMP) if table[code] != _class_of(chr(code))] == []


def test_word_shape_of_a_byline():
    assert word_shapes("By Jane Doe/AP") == "^■ ■ ■/▲$"
    assert word_shapes("[Jane Roe](# \"Posts by Jane Roe\"), 12 March") == "^[■ ■], 0 ■$"


@pytest.mark.parametrize("name", ["Łukasz Nowak", "Šárka Dvořák", "Đức Nguyễn", "Ştefan Ionescu",
                                  "Ιωάννης Παπαδόπουλος", "Иван Петров", "Արամ Սարգսյան"])
def test_a_name_in_any_cased_script_is_shaped_and_counted_as_capitalised(name):
    # Latin with any accent, Greek, Cyrillic, Armenian: "By Łukasz" is a byline's shape, as "By Jane" is.
    assert word_shapes(f"By {name}") == "^■ ■ ■$"
    assert word_shapes(f"By {name.upper()}") == "^■ ▲ ▲$"
    ours, ascii_name = shape_matrix([f"By {name}", "By Jane Doe"])
    capitalised = SHAPE_FEATURES.index("capitalised_word_share")
    assert ours[capitalised] == ascii_name[capitalised] == 1.0


def _fitted(name, ngram_range, blocks):
    from classifier.registry import feature

    ours = NgramTfidf(feature_name=name, ngram_range=ngram_range).fit(blocks)
    theirs = ours.vectorizer().fit(feature(name).texts(blocks))  # scikit-learn's own, same settings
    return ours, theirs


_CORPUS = read_labelled(TRAINING_DATA[:10])
_FITTED = {name: _fitted(name, ngrams, _CORPUS) for name, ngrams in
           (("words", (1, 2)), ("edge_words", (1, 1)), ("word_shapes", (1, 3)), ("link_targets", (1, 1)))}


def test_ngram_tfidf_equals_scikit_learns_on_the_corpus():
    from classifier.registry import feature

    for name, (ours, theirs) in _FITTED.items():
        expected = theirs.transform(feature(name).texts(_CORPUS))
        got = ours.transform(_CORPUS)
        np.testing.assert_allclose(got.toarray(), expected.toarray(), atol=1e-12, err_msg=name)


@settings(max_examples=100, deadline=None)
@given(st.lists(block_text, min_size=1, max_size=6))
def test_ngram_tfidf_equals_scikit_learns_on_any_text(texts):
    from classifier.registry import feature

    blocks = [Block("p", i, text) for i, text in enumerate(texts)]
    for name, (ours, theirs) in _FITTED.items():
        expected = theirs.transform(feature(name).texts(blocks)).toarray()
        np.testing.assert_allclose(ours.transform(blocks).toarray(), expected, atol=1e-12, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(st.lists(block_text, min_size=2, max_size=8), st.booleans())
def test_character_ngram_codes_count_what_count_vectorizer_counts(texts, small_table):
    """Both ways of looking codes up (a table, or binary search for a large alphabet), on
    any characters: astral ones, surrogates, whitespace runs, characters no n-gram holds."""
    import classifier.ngrams as ngrams

    fitted = CountVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False).fit(texts[::2] + ["x"])
    old_limit = ngrams.MAX_CODE_TABLE
    ngrams.MAX_CODE_TABLE = 1 if small_table else old_limit
    try:
        rows, columns = count_ngrams(texts, fitted.vocabulary_, "char", (1, 3), False)
    finally:
        ngrams.MAX_CODE_TABLE = old_limit
    counts = np.zeros((len(texts), len(fitted.vocabulary_)))
    np.add.at(counts, (rows, columns), 1)
    np.testing.assert_array_equal(counts, fitted.transform(texts).toarray())


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_the_fast_token_pattern_finds_scikit_learns_tokens(text):
    import re

    from classifier.ngrams import FAST_TOKEN_PATTERNS, WORD_TOKEN_PATTERN

    assert re.findall(FAST_TOKEN_PATTERNS[WORD_TOKEN_PATTERN], text) == re.findall(WORD_TOKEN_PATTERN, text)


# Texts the batch's tokens must not be taken from as they are: a lower case longer than its
# capital ("İ"), one that hangs on the next character (a final "Σ"), the joint word itself.
_CASE_TRAPS = ["İstanbul İİ ab", "ΟΔΟΣ'S ΑΣ Σ σ", "ZQXJOINTZQX alpha", "By Ann Lee Σ", "x"]


@settings(max_examples=150, deadline=None)
@given(st.lists(block_text | st.sampled_from(_CASE_TRAPS), min_size=1, max_size=8), st.data())
def test_counting_a_batch_s_tokens_counts_what_its_texts_count(texts, data):
    """The words and edge words are counted from the batch's tokens (split once for both);
    the count must be the one their texts give, for the whole batch or any of its rows."""
    from classifier.ngrams import WORD_TOKEN_PATTERN, NgramCounter
    from classifier.registry import feature

    blocks = [Block("p", i, text) for i, text in enumerate(texts)]
    rows = data.draw(st.none() | st.lists(st.integers(0, len(texts) - 1), unique=True))
    for name in ("words", "edge_words"):
        spec = feature(name)
        assert spec.tokens is not None
        every = spec.texts(blocks)
        fitted = CountVectorizer(token_pattern=WORD_TOKEN_PATTERN).fit(every[::2] + ["sx ex x0 xx"])
        counter = NgramCounter(fitted.vocabulary_, "word", (1, 1), True)
        chosen = every if rows is None else [every[i] for i in rows]
        by_texts = counter.count(chosen)
        *by_tokens, n = spec.counted(blocks, counter, rows)
        assert n == len(chosen)
        assert sorted(zip(*map(np.ndarray.tolist, by_tokens))) == sorted(zip(*map(np.ndarray.tolist, by_texts))), name


def test_lower_case_never_makes_a_character_a_word_character_or_not():
    """Edge words are taken from the tokens of the lower-cased batch, so a token of the
    lower-cased text must be a lower-cased token of the text: no character's lower case may
    join or split words (one longer than the character is caught per batch, by length)."""
    import re
    import sys

    word = re.compile(r"\w")
    changed = [hex(code) for code in range(sys.maxunicode + 1)
               if len(chr(code).lower()) == 1 and bool(word.match(chr(code))) != bool(word.match(chr(code).lower()))]
    assert changed == []


def test_edge_words_of_text_whose_lower_case_reads_otherwise_come_from_the_texts():
    from classifier.measures import block_edge_tokens, block_tokens

    plain = [Block("p", 0, "By Ann Lee"), Block("p", 1, "Photo: AP")]
    assert block_edge_tokens(plain).tokens == ["sby", "sann", "eann", "elee", "sphoto", "sap", "ephoto", "eap"]
    for trap in ("İstanbul", "ΟΔΟΣ"):
        blocks = plain + [Block("p", 2, trap)]
        assert block_tokens(blocks) is not None and block_edge_tokens(blocks) is None


def test_counting_a_batch_that_holds_the_joint_is_exact():
    texts = ["Alpha beta gamma", "alpha Beta delta", "zqxjointzqx alpha", "a\x00b"]
    for analyzer in ("word", "char"):
        vectorizer = TfidfVectorizer(analyzer=analyzer, min_df=1, ngram_range=(1, 2)).fit(texts)
        rows, columns = count_ngrams(texts, vectorizer.vocabulary_, analyzer, (1, 2), True)
        counts = np.zeros((len(texts), len(vectorizer.vocabulary_)))
        np.add.at(counts, (rows, columns), 1)
        expected = CountVectorizer(analyzer=analyzer, min_df=1, ngram_range=(1, 2)).fit(texts).transform(texts)
        np.testing.assert_array_equal(counts, expected.toarray(), err_msg=analyzer)


def test_a_text_holding_the_joint_in_capitals_is_counted_exactly():
    """Lower-casing makes "ZQXJOINTZQX" the joint: the batch pass must notice and count
    one text at a time (the vocabulary itself does not hold the joint)."""
    vectorizer = CountVectorizer(min_df=1).fit(["alpha beta", "beta gamma"])
    texts = ["alpha ZQXJOINTZQX beta", "gamma beta"]
    rows, columns = count_ngrams(texts, vectorizer.vocabulary_, "word", (1, 1), True)
    counts = np.zeros((len(texts), len(vectorizer.vocabulary_)))
    np.add.at(counts, (rows, columns), 1)
    np.testing.assert_array_equal(counts, vectorizer.transform(texts).toarray())


def test_link_target_words_keep_the_evidence_of_where_a_link_points():
    assert link_target_words("#") == "xhash"
    assert link_target_words("/tag/elections/") == "xrelative tag elections"
    assert link_target_words('https://news.example.com/newsletters/signup?utm_source=nav "Sign up"') == (
        "xabsolute news example com newsletters signup utm source nav"
    )
    assert link_target_words("mailto:desk@example.com") == "xmailto mailto desk example com"


def test_image_text_share_says_how_much_of_a_block_is_images_alt_text():
    from classifier.measures import image_features

    texts = ["![The mayor cuts the ribbon on the new bridge.](https://img.example/a.jpg)",  # a photo alone
             "[![Bridge reopens](https://img.example/t.jpg)](https://news.example/bridge)",  # a teaser card
             '<img src="logo.png" alt="Harbour Post">', "![](https://img.example/pixel.gif)",  # no alt: still an image
             "The bridge reopened ![map](m.png) on Tuesday.", "The bridge reopened on Tuesday."]
    shares = image_features([Block("p", i, t) for i, t in enumerate(texts)])[:, 0]
    assert shares.tolist() == [1.0, 1.0, 1.0, 1.0, len("map") / len("The bridge reopened map on Tuesday."), 0.0]
    assert not image_features([Block("p", 0, "No image here.")]).any()


def test_page_context_finds_the_main_run_of_prose():
    prose = "The council met on Tuesday and voted to approve the new budget after a long debate about schools. " * 2
    texts = ["[Home](#)", "[News](#)", prose, "Photo: AP", prose, prose, "[Related story](#)", "[Related story](#)"]
    blocks = [Block("p", i, t) for i, t in enumerate(texts)]
    rows = dict(zip(PAGE_CONTEXT_FEATURES, page_context_features(blocks).T))
    np.testing.assert_array_equal(rows["in_main_run"], [0, 0, 1, 1, 1, 1, 0, 0])
    np.testing.assert_allclose(rows["log_before_run"], np.log1p([2, 1, 0, 0, 0, 0, 0, 0]))
    np.testing.assert_allclose(rows["log_after_run"], np.log1p([0, 0, 0, 0, 0, 0, 1, 2]))
    np.testing.assert_array_equal(rows["repeated_earlier"], [0, 0, 0, 0, 1, 1, 0, 1])
    np.testing.assert_allclose(rows["log_link_run"], np.log1p([2, 2, 0, 0, 0, 0, 2, 2]))


def _texts(path):
    import json

    with open(path, encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


@settings(max_examples=200, deadline=None)
@given(
    page=st.text(max_size=20), index=st.integers(0, 10**6), text=block_text,
    scores=st.lists(st.floats(-1, 1) | st.sampled_from([0.0, -0.0, 0.5]), min_size=6, max_size=6),
)
def test_jsonl_lines_are_what_json_dumps_writes(page, index, text, scores):
    from classifier.output import jsonl_line
    from classifier.tagging import TaggedBlock

    labels = ["body", "byline", "caption", "contributor_note", "other", "promotion"]
    item = TaggedBlock(Block(page, index, text), labels[0], scores[0], dict(zip(labels, scores)))
    assert jsonl_line(item) == json.dumps(item.to_record(), ensure_ascii=False) + "\n"
    assert json.loads(jsonl_line(item)) == item.to_record()


@settings(max_examples=100, deadline=None)
@given(
    pages=st.lists(st.sampled_from(["a", "b", 'q"%s\\']), min_size=1, max_size=6),
    urls=st.lists(st.none() | st.text(max_size=12), min_size=6, max_size=6),
    labels=st.lists(st.text(min_size=1, max_size=8), min_size=2, max_size=4, unique=True),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_batch_s_json_lines_are_its_blocks_lines(pages, urls, labels, seed):
    """write_batches' JSON lines, made from the batch's rows, equal each tagged block's line."""
    from classifier.output import jsonl_batch, jsonl_line
    from classifier.tagging import TaggedBatch

    blocks = [Block(page, i, f"text {i} %d", url=url) for i, (page, url) in enumerate(zip(pages, urls))]
    proba = np.random.default_rng(seed).dirichlet(np.ones(len(labels)), size=len(blocks))
    proba[0, -1] = -0.0  # a zero of either sign is written 0.0
    batch = TaggedBatch.from_proba(blocks, labels, proba)
    assert jsonl_batch(batch) == "".join(map(jsonl_line, batch))
    first = json.loads(jsonl_batch(batch).split("\n")[0])  # (splitlines would also split at U+0085)
    assert math.copysign(1.0, first["scores"][labels[-1]]) == 1.0
    assert [item.label for item in batch] == [labels[k] for k in proba.argmax(axis=1)]


@settings(max_examples=500, deadline=None)
@given(block_text | st.text(alphabet=" abcXY1.-_*#>[]()!&|=:+\n\t\u00a0\u200b", max_size=40)
       | st.lists(st.sampled_from(["[News](#)", "[ a](#)", "x", " ", "![b](#)", "[c](/d)", "(", ")", "-", "[", "e[f](#)",
                                   "Word", ".", "#", "!", "[g](https://x.example/a?b=1#c)", "[h](/a_b_)", "[i](x&amp;y)",
                                   "[j](<u v>)", "[k](/l \"t\")", "_", "*", "&amp;", "~~"]), max_size=8).map("".join))
def test_the_shortcuts_for_canonical_text_agree_with_the_full_path(text):
    from classifier import dialects

    assert dialects.canonical(text) == dialects._canonical(text)
    lines = text.split("|")  # the shortcuts for lists and lines of several lines
    for variant in ["\n".join("- " + line for line in lines), "\n".join(lines)]:
        assert dialects.canonical(variant) == dialects._canonical(variant)


def test_hostile_markup_is_tagged_without_hanging(small_model):
    """400 blocks of 4,000 '[' took 50 s when the link pattern could rescan the rest of a
    block from every bracket; every pattern now stops at the next bracket. The alarm is a
    guard against a hang (the run takes well under a second), not a speed measure."""
    import signal

    def hung(signum, frame):
        raise TimeoutError("tagging hostile markup hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        for unit in ("[", "](", "[a](", "![", "*", "_", "<", "&#"):
            blocks = [Block("p", i, unit * (4000 // len(unit))) for i in range(400)]
            assert small_model.predict_proba(blocks).shape == (400, len(small_model.labels))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from("abc"), max_size=30))
def test_page_positions_count_within_each_run_of_a_page(pages):
    from classifier.measures import page_positions

    blocks = [Block(page, 0, "x") for page in pages]
    position, length = page_positions(blocks)
    expected_position, expected_length = [], []
    for k, page in enumerate(pages):  # the definition: count back and forth to the run's ends
        back = 0
        while k - back - 1 >= 0 and pages[k - back - 1] == page:
            back += 1
        ahead = 0
        while k + ahead + 1 < len(pages) and pages[k + ahead + 1] == page:
            ahead += 1
        expected_position.append(back)
        expected_length.append(back + ahead + 1)
    assert position.tolist() == expected_position and length.tolist() == expected_length


def _shape_rows(texts: list[str], neighbours=(-2, -1, 1, 2)) -> np.ndarray:
    from classifier.measures import shape_features

    return shape_features([Block("p", i, t) for i, t in enumerate(texts)], neighbours)


def test_neighbours_are_the_blocks_with_words_not_a_converters_empty_ones():
    """A linked image without alt text ("[](#)" once its target is read), a rule or a
    table's empty borders stand between blocks in one converter's text and not another's:
    the blocks' neighbours are the same either way."""
    story = ["Flooding closes the coast road", "Photo: Dana Ruiz", "The road reopened on Friday.",
             "By Ana Ortiz"]
    plain = _shape_rows(story)
    messy = ["[](https://cdn.example.com/a.jpg)", story[0], "[![](https://cdn.example.com/b.jpg)](/photos/1)",
             story[1], "---", story[2], "| | |", story[3], "[](#)"]
    rows = _shape_rows(messy)
    np.testing.assert_array_equal(rows[[1, 3, 5, 7]], plain)
    # an empty block's own neighbours are the nearest blocks with words
    own = len(SHAPE_FEATURES)
    np.testing.assert_array_equal(_shape_rows(messy, (-1, 1))[2, own:], _shape_rows([story[0], "x", story[1]], (-1, 1))[1, own:])


def test_a_page_of_blocks_with_words_reads_its_neighbours_in_place():
    texts = ["One", "Two words", "Three words here", "Four", "Five and more words"]
    blocks = [Block("p", i, t) for i, t in enumerate(texts)]
    from classifier.measures import cached_shape_matrix, neighbour_rows, worded_neighbour_rows

    shapes = cached_shape_matrix(blocks)
    for offset in (-2, -1, 1, 2):
        for got, want in zip(worded_neighbour_rows(shapes, blocks, offset), neighbour_rows(shapes, blocks, offset)):
            np.testing.assert_array_equal(got, want)


def test_the_fitted_features_name_every_column_they_fill(small_model):
    union = small_model.classifier.first_pass_.named_steps["features"]
    names = list(union.get_feature_names_out())
    blocks = [Block("p", 0, "Storm closes the harbour"), Block("p", 1, "By Ana Ruiz")]
    matrix = union.transform(blocks)
    assert len(names) == matrix.shape[1] == len(set(names))
    assert matrix[1, names.index("words__by")] > 0 and matrix[0, names.index("words__by")] == 0
    from classifier.measures import POSITION_FEATURES

    assert [n for n in names if n.startswith("position__")] == [f"position__{c}" for c in POSITION_FEATURES]


def test_the_one_pass_email_test_finds_what_the_email_pattern_finds():
    # _holds_email replaces _EMAIL.search, which backtracks cubically over a run of "@"
    import random
    import re

    from classifier.measures import _holds_email

    _EMAIL = re.compile(r"\S+@\S+\.\w+")  # the pattern it replaced

    rng = random.Random(0)
    texts = ["ann@news.example", "@ana@mastodon.social", "a@@b.c", "x@y", "@b.c", "a@.b", "mail ann@x.y.", "@" * 300]
    texts += ["".join(rng.choice("@.a_ -\n") for _ in range(rng.randint(0, 14))) for _ in range(20_000)]
    assert [_holds_email(t) for t in texts] == [bool(_EMAIL.search(t)) for t in texts]
