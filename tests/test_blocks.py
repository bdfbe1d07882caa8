import json
import sys

import pytest

from classifier import Block, DataFormatError, InputError, iter_pages, join_blocks, read_labelled, segment
from classifier.blocks import iter_labelled

from conftest import DEV, write_jsonl


def test_segment_splits_on_blank_lines_and_keeps_block_text():
    text = "\n\nFirst line\nsecond line\n\n\n- a\n- b\n\nLast"
    assert segment(text) == ["First line\nsecond line", "- a\n- b", "Last"]


def test_whitespace_only_lines_are_blank():
    assert segment("A\n  \t \nB\n\t\nC") == ["A", "B", "C"]


def test_crlf_and_bom_are_handled():
    assert segment("\ufeffA\r\nstill A\r\n\r\nB\r\n") == ["A\nstill A", "B"]


def test_unicodes_paragraph_and_line_separators_are_blank_lines_and_line_breaks():
    # as a word processor's export or a CMS writes them: a byline no longer joins the story
    assert segment("By Ana Ruiz\u2029The council met.\u2028It voted.\x85Late.\u2029Café") == [
        "By Ana Ruiz", "The council met.\nIt voted.\nLate.", "Café"]


def test_trailing_spaces_inside_a_block_are_kept():
    assert segment("A  \nB\n\nC") == ["A  \nB", "C"]


def test_empty_page_has_no_blocks():
    assert segment("") == []
    assert segment("\n \n\t\n") == []


def test_join_then_segment_is_identity():
    blocks = ["One", "Two\nlines", "- x\n- y"]
    assert segment(join_blocks(blocks)) == blocks


@pytest.mark.skipif(not DEV.exists(), reason="the shared dev pages are not beside the project")
def test_segmentation_reproduces_every_dev_page():
    expected: dict[str, list[str]] = {}
    for block in read_labelled([DEV / "blocks.jsonl"]):
        expected.setdefault(block.page, []).append(block.text)
    assert len(expected) == 75
    differing = [page for page, texts in expected.items()  # (page ids only, never the pages' text)
                 if segment((DEV / "pages" / f"{page}.txt").read_text(encoding="utf-8")) != texts]
    assert differing == []


def test_read_jsonl_ignores_extra_keys(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [
        {"page": "p", "index": 0, "text": "Hello", "label": "body", "source": "x"},
        {"page": "p", "index": 1, "text": "By Me", "label": "byline"},
    ])
    assert read_labelled([path]) == [Block("p", 0, "Hello", "body"), Block("p", 1, "By Me", "byline")]


def test_read_csv_same_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('page,index,text,label\np,0,"Two\nlines",body\np,1,By Me,byline\n', encoding="utf-8")
    assert read_labelled([path]) == [Block("p", 0, "Two\nlines", "body"), Block("p", 1, "By Me", "byline")]


def _csv_error(path, text: str) -> str:
    """The error of reading ``text`` written as the CSV file ``path``."""
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_labelled([path])
    return str(info.value)


def test_csv_without_the_block_columns_says_which_are_needed(tmp_path):
    path = tmp_path / "texts.csv"
    assert _csv_error(path, "text\nHello world.\n") == (
        f"{path}:1: CSV header lacks column(s) page, index; a block file's header names "
        "page, index and text (and label, to train or evaluate)")



@pytest.mark.parametrize("header", ["page,index,text,text,label", "page,index,text,label,label"])
def test_a_csv_header_naming_a_column_twice_is_refused_not_read_by_its_last(tmp_path, header):
    path = tmp_path / "blocks.csv"
    twice = header.split(",")[-2]
    assert _csv_error(path, f"{header}\np,0,Hello there story,Subscribe now,body\n") == (
        f"{path}:1: CSV header names column {twice!r} twice; keep one")

@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_a_csv_separated_otherwise_than_by_commas_is_named_so(tmp_path, separator):
    path = tmp_path / "blocks.csv"
    header = separator.join(["page", "index", "text", "label"])
    assert _csv_error(path, f"{header}\np{separator}0{separator}Hello, world.{separator}body\n") == (
        f"{path}:1: its columns are separated by {separator!r}, not commas; save it as comma-separated CSV (or as JSONL)")


def test_an_empty_csv_says_what_it_should_hold(tmp_path):
    path = tmp_path / "blocks.csv"
    assert _csv_error(path, "") == (f"{path}: is empty; a block file's CSV header names page, index and text (and "
                                    "label, to train or evaluate), a block a row below it")


def test_a_csv_row_with_more_fields_than_the_header_is_an_error_naming_its_line(tmp_path):
    path = tmp_path / "d.csv"
    text = 'page,index,text,label\np,0,"One, quoted",body\np,1,"Two\nlines",body\np,2,Hello, world,body\n'
    assert _csv_error(path, text) == (f"{path}:5: 1 more field(s) than the header has columns; put a text that holds "
                                      'commas in double quotes ("...")')


def _error(tmp_path, lines: list[str]) -> str:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as info:
        read_labelled([path])
    return str(info.value).replace(str(tmp_path) + "/", "")


GOOD = json.dumps({"page": "p", "index": 0, "text": "t", "label": "body"})


def test_malformed_json_line_names_file_and_line(tmp_path):
    assert _error(tmp_path, [GOOD, "{not json"]) == "bad.jsonl:2: not valid JSON (Expecting property name enclosed in double quotes at column 2)"


@pytest.mark.parametrize("weight", [0, -1, "heavy", True, None, "nan", "inf", 1e20])
def test_a_weight_is_a_number_above_0(tmp_path, weight):
    record = json.dumps({"page": "p", "index": 1, "text": "t", "label": "body", "weight": weight})
    if weight is None:  # (as absent: counts once)
        path = tmp_path / "ok.jsonl"
        path.write_text(record + "\n", encoding="utf-8")
        assert read_labelled([path])[0].weight == 1.0
        return
    assert _error(tmp_path, [GOOD, record]) == (f"bad.jsonl:2: 'weight' must be a number above 0 and at most 1000 "
                                                f"(how much the block counts in training), got {weight!r}")


def test_missing_field(tmp_path):
    assert _error(tmp_path, [json.dumps({"page": "p", "index": 0, "label": "body"})]) == "bad.jsonl:1: record has no 'text' field"
    assert _error(tmp_path, [json.dumps({"page": "p", "index": 0, "text": "t"})]) == "bad.jsonl:1: record has no 'label' field"


def test_empty_label(tmp_path):
    record = {"page": "p", "index": 0, "text": "t", "label": " "}
    assert _error(tmp_path, [json.dumps(record)]) == "bad.jsonl:1: 'label' is empty; give every block a label"
    record["label"] = 5  # a label id, not its name
    assert _error(tmp_path, [json.dumps(record)]) == "bad.jsonl:1: 'label' must be a string, got 5"


def test_non_integer_index(tmp_path):
    record = {"page": "p", "index": "first", "text": "t", "label": "body"}
    assert _error(tmp_path, [json.dumps(record)]) == "bad.jsonl:1: 'index' must be a whole number from 0, got 'first'"


def test_duplicate_page_index(tmp_path):
    assert _error(tmp_path, [GOOD, GOOD]) == "bad.jsonl:2: duplicate block: page 'p' index 0 appears twice"


def test_not_an_object(tmp_path):
    assert _error(tmp_path, ["[1, 2]"]) == "bad.jsonl:1: expected a JSON object with page, index, text and label"


def test_labels_optional_when_tagging(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"page": "p", "index": 0, "text": "t"}])
    assert list(iter_labelled(path, require_label=False)) == [Block("p", 0, "t")]


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        read_labelled([tmp_path / "d.txt"])
    assert str(info.value) == (f"{tmp_path / 'd.txt'}: unknown data format; labelled data must be .jsonl, .csv or a "
                               f"Label Studio .json export; {tmp_path / 'd.txt'} is a page: make labels of it with: "
                               f"blocktag suggest {tmp_path / 'd.txt'} -o to_label.jsonl, then: blocktag label to_label.jsonl")
    with pytest.raises(InputError, match=r"the page\.html' -o to_label\.jsonl, then"):  # a name a shell would cut, quoted
        read_labelled([tmp_path / "the page.html"])
    with pytest.raises(InputError, match=r"d\.xml: unknown data format; labelled data must be \.jsonl, \.csv or a Label Studio \.json export$"):
        read_labelled([tmp_path / "d.xml"])
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file"):
        read_labelled([tmp_path / "nope.jsonl"])


def test_a_jsonl_file_is_read_a_line_at_a_time(tmp_path):
    # The second line's bad byte is only met when that line is read: the first record came
    # out before it, so the file was never decoded whole. The error names the byte in the file.
    data = json.dumps({"page": "p", "index": 0, "text": "One"}).encode() + b'\n{"page": "p", "index": 1, "text": "caf\xe9"}\n'
    path = tmp_path / "d.jsonl"
    path.write_bytes(data)
    blocks = iter_labelled(path, require_label=False)
    assert next(blocks) == Block("p", 0, "One")
    bad_byte = data.index(b"\xe9")
    with pytest.raises(InputError, match=rf"d.jsonl:2: is not valid utf-8 text \(byte {bad_byte}\); "):
        next(blocks)


def test_a_stray_byte_in_a_utf8_file_is_pointed_at_not_blamed_on_the_files_encoding(tmp_path):
    # Read as cp1252, as the usual advice would have it, every "£" before it would become "Â£"
    lines = [json.dumps({"page": "p", "index": i, "text": f"Fares rise to £{i}", "label": "body"}, ensure_ascii=False)
             for i in range(12)]
    data = "\n".join(lines).encode("utf-8") + b'\n{"page": "p", "index": 3, "text": "caf\xe9", "label": "body"}\n'
    path = tmp_path / "d.jsonl"
    path.write_bytes(data)
    message = (f"{path}:13: is UTF-8 text up to byte {data.index(b'caf') + 3}, which is not (a file joined from files "
               "in two encodings, or damaged?); fix or remove that byte")
    with pytest.raises(InputError) as caught:
        read_labelled([path])
    assert str(caught.value) == message
    page = tmp_path / "page.txt"  # a page, decoded whole: the same, without a line
    page.write_bytes("Fares rise to £3 — “up” by €1, déjà vu — “naïve”\n\nThe caf".encode("utf-8") + b"\xe9 reopens.")
    with pytest.raises(InputError) as caught:
        list(iter_pages([page]))
    assert str(caught.value) == (f"{page}: is UTF-8 text up to byte 75, which is not (a file joined from files in two "
                                 "encodings, or damaged?); fix or remove that byte")


RECORD = '{"page": "p", "index": 0, "text": "caf\u00e9"}\r\n'


@pytest.mark.parametrize("encoding, data", [
    ("utf-8", b"\xef\xbb\xbf" + RECORD.encode()),  # a UTF-8 byte-order mark is dropped
    ("utf-8", RECORD.encode("utf-16")),  # UTF-16, marked: read whole
    ("latin-1", RECORD.encode("latin-1")),
])
def test_jsonl_lines_are_decoded_as_a_whole_file_would_be(tmp_path, encoding, data):
    path = tmp_path / "d.jsonl"
    path.write_bytes(data)
    assert list(iter_labelled(path, require_label=False, encoding=encoding)) == [Block("p", 0, "caf\u00e9")]


def test_a_lone_carriage_return_ends_a_jsonl_line(tmp_path):
    # old Mac line ends, as universal newlines read them
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"page": "p", "index": 0, "text": "One"}\r{"page": "p", "index": 1, "text": "Two"}\r')
    assert list(iter_labelled(path, require_label=False)) == [Block("p", 0, "One"), Block("p", 1, "Two")]


def test_wrong_encoding_suggests_flag(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(json.dumps({"page": "p", "index": 0, "text": "café", "label": "body"}).encode("latin-1").replace(b"\\u00e9", b"\xe9"))
    with pytest.raises(InputError, match=r"is not valid utf-8 text .*; name its encoding, e.g. encoding='cp1252'$"):
        read_labelled([path])
    assert read_labelled([path], encoding="latin-1")[0].text == "café"


def test_unreviewed_guesses_are_refused_for_training_and_scoring_but_read_for_tagging(tmp_path):
    guessed = {"page": "p", "index": 0, "text": "By Ana Ruiz", "label": "byline", "confidence": 0.62}
    path = write_jsonl(tmp_path / "to_label.jsonl", [{**guessed, "reviewed": True}, {**guessed, "index": 1}])
    with pytest.raises(DataFormatError) as info:
        read_labelled([path])
    assert str(info.value) == (f"{path}:2: the label is a model's guess, not yet reviewed (a 'confidence' and no "
                               f"\"reviewed\": true); review the file first with: blocktag label {path}")
    assert [b.index for b in iter_labelled(path, require_label=False)] == [0, 1]
    write_jsonl(path, [{**guessed, "reviewed": True}, {**guessed, "index": 1, "reviewed": True}])
    assert [b.label for b in read_labelled([path])] == ["byline", "byline"]


def test_a_csv_of_reviewed_guesses_is_read_once_its_confidence_is_emptied_or_it_says_reviewed(tmp_path):
    path = tmp_path / "tagged.csv"
    assert _csv_error(path, "page,index,text,label,confidence\np,0,By Ana Ruiz,byline,0.62\n") == (
        f"{path}:2: the label is a model's guess, not yet reviewed (a 'confidence' and no \"reviewed\": true); once "
        "its labels are checked, empty its 'confidence' column (or add a 'reviewed' column of true)")
    for header, row in (("page,index,text,label,confidence", "p,0,By Ana Ruiz,byline,"),
                        ("page,index,text,label,confidence,reviewed", "p,0,By Ana Ruiz,byline,0.62,true")):
        path.write_text(f"{header}\n{row}\n", encoding="utf-8")
        assert read_labelled([path]) == [Block("p", 0, "By Ana Ruiz", "byline")]


@pytest.mark.parametrize("order, message", [
    ([("p", 0), ("p", 2), ("p", 1)], "d.jsonl:3: page 'p' index 1 comes after index 2; give a page's blocks in the order of their index"),
    ([("p", 0), ("q", 0), ("p", 1)], "d.jsonl:3: page 'p' starts again after other pages; give a page's blocks together, one after another"),
])
def test_a_page_in_pieces_or_out_of_order_is_an_error_naming_the_line(tmp_path, order, message):
    path = write_jsonl(tmp_path / "d.jsonl", [{"page": p, "index": i, "text": f"Block {p}{i}", "label": "body"} for p, i in order])
    with pytest.raises(DataFormatError) as info:
        read_labelled([path])
    assert str(info.value) == f"{tmp_path / message}"


def test_ndjson_is_read_as_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "d.ndjson", [{"page": "p", "index": 0, "text": "Hello", "label": "body"}])
    assert read_labelled([path]) == [Block("p", 0, "Hello", "body")]


# ---------------------------------------------------------------------- blocks a caller built

def _labelled_pages():
    a = [Block("a", i, f"Story paragraph {i} of page a, with words.", "body") for i in range(6)]
    b = [Block("b", i, f"Share this {i}", "other") for i in range(6)]
    return a, b


@pytest.mark.parametrize("arrange, message", [
    (lambda a, b: [block for pair in zip(a, b) for block in pair],
     "{source}: block 2: page 'a' starts again after other pages; give a page's blocks together, one after another"),
    (lambda a, b: a[::-1] + b,
     "{source}: block 1: page 'a' index 4 comes after index 5; give a page's blocks in the order of their index"),
    (lambda a, b: a + b + a[:1],
     "{source}: block 12: duplicate block: page 'a' index 0 appears twice"),
])
def test_the_api_refuses_pages_out_of_order_as_the_readers_do(small_model, arrange, message):
    # The features read a block's neighbours and position from the list's order: scrambled
    # pages would be tagged, scored or learnt as other pages than they are, without a word.
    from classifier import cross_validate, evaluate, tag_blocks, train

    blocks = arrange(*_labelled_pages())
    calls = {"blocks": lambda: tag_blocks(blocks, model=small_model),
             "evaluation data": lambda: evaluate(small_model, blocks),
             "training data": lambda: train(blocks),
             "cross-validation data": lambda: cross_validate(blocks, folds=2, source="cross-validation data")}
    for source, call in calls.items():
        with pytest.raises(DataFormatError) as caught:
            call()
        assert str(caught.value) == message.format(source=source)
    a, b = _labelled_pages()
    assert [t.block for t in tag_blocks(a + b, model=small_model)] == a + b


def test_a_page_that_starts_again_in_another_file_is_named_by_file_and_line(tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [{"page": "p", "index": 0, "text": "a", "label": "body"},
                                               {"page": "q", "index": 0, "text": "b", "label": "other"}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"page": "p", "index": 1, "text": "c", "label": "body"}])
    with pytest.raises(DataFormatError) as caught:
        read_labelled([first, second])
    assert str(caught.value) == (f"{second}:1: page 'p' goes on from {first}, with other pages between; give a "
                                 "page's blocks in one file, or its files one after another")
    third = write_jsonl(tmp_path / "c.jsonl", [{"page": "q", "index": 1, "text": "d", "label": "body"}])
    assert [b.page for b in read_labelled([first, third])] == ["p", "q", "q"]  # going on in order is fine


def test_a_file_of_labels_given_twice_is_said_to_be_given_twice(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"page": "a", "index": 0, "text": "Rain.", "label": "body"}) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"^.*one.jsonl: is given twice \(also as .*one.jsonl\); give each file once$"):
        read_labelled([path, tmp_path / "." / "one.jsonl"])



def test_a_nul_in_a_files_block_is_its_lines_error_not_utf16_or_a_page_of_text(tmp_path):
    # as JSON's escape, every CSV reader (blocktag's own, after `tag -o x.csv`) would stop at it
    escaped = tmp_path / "escaped.jsonl"
    escaped.write_text('{"page": "p", "index": 0, "text": "One"}\n{"page": "p", "index": 1, "text": "a\\u0000b"}\n',
                       encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([escaped], require_label=False)
    assert str(caught.value) == (f"{escaped}:2: 'text' holds a NUL character (\\u0000), which no page's text does; "
                                 "remove it")
    raw = tmp_path / "raw.jsonl"  # the byte itself, in a file of a few lines: no UTF-16, whose line breaks hold NULs
    raw.write_bytes(b'{"page": "p", "index": 0, "text": "One"}\n{"page": "p", "index": 1, "text": "a\x00b"}\n')
    with pytest.raises(InputError) as caught:
        read_labelled([raw], require_label=False)
    assert str(caught.value) == f"{raw}: is a binary file, not text; give its records (JSON lines or CSV) as text"


@pytest.mark.parametrize("line, said", [
    ('{"page": "p", "index": 0, "text": "He said "hi" there"}',
     "Expecting ',' delimiter at column 45; a '\"' inside a text is written \\\""),
    ('{"page": "p", "index": 0, "text": "x",}', "Expecting property name enclosed in double quotes at column 39; "
                                               "drop the comma before it" if sys.version_info < (3, 13) else
                                               "Illegal trailing comma before end of object at column 38; drop that comma"),
    ('{"page": "p", "index": 0, "text": "x" "label": "body"}', "Expecting ',' delimiter at column 39; a comma is "
                                                             "missing before it"),
    ('{"page": "p", "index": 0, "text": "x", label: "body"}', "Expecting property name enclosed in double quotes at "
                                                            "column 40; a field's name goes in double quotes"),
])
def test_a_broken_json_line_says_where_in_it_and_the_usual_fix(tmp_path, line, said):
    assert _error(tmp_path, [GOOD, line]) == f"bad.jsonl:2: not valid JSON ({said})"


def test_a_bare_quote_in_a_csv_field_says_to_double_it(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('page,index,text\np,0,"He said "hi" there"\n', encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path], require_label=False)
    assert str(caught.value) == (f"{path}:2: malformed CSV (',' expected after '\"'); a '\"' inside a quoted field is "
                                 "written twice (\"\")")


def test_an_empty_file_among_files_of_blocks_is_said_not_passed_over(tmp_path):
    # an export or a jq filter that wrote nothing: its pages are missing from the run
    empty, blank, full = tmp_path / "empty.jsonl", tmp_path / "blank.jsonl", tmp_path / "full.jsonl"
    empty.write_text("", encoding="utf-8")
    blank.write_text("\n\n", encoding="utf-8")
    full.write_text(json.dumps({"page": "p", "index": 0, "text": "One", "label": "body"}) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning) as said:
        assert [b.text for b in read_labelled([empty, full, blank])] == ["One"]
    assert [str(w.message) for w in said] == [
        f"{path}: holds no labelled blocks (an export or filter that wrote nothing?)" for path in (empty, blank)]


def test_a_csv_header_with_spaces_after_its_commas_says_so(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("page, index, text, label\np,0,x,body\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        read_labelled([path])
    assert str(caught.value) == (f"{path}:1: CSV header's names have spaces around them ('page', ' index', ' text', "
                                 "' label'); write them without: page,index,text")


def test_a_byte_order_marked_utf8_file_with_a_bad_byte_is_told_no_encoding_will_mend_it(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"page": "p", "index": 0, "text": "caf\xe9", "label": "body"}\n')
    with pytest.raises(InputError) as caught:
        read_labelled([path])
    assert str(caught.value) == (f"{path}:1: starts with a UTF-8 byte-order mark but is not valid UTF-8 (byte 38); is "
                                 "it cut short or damaged? fix or remove that byte")
