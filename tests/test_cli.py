import json
import re

import pytest
import typer
from typer.testing import CliRunner

from classifier import __version__, segment
from classifier.cli import app

from conftest import SEED_LABELS, SEED_PAGE, small_corpus, write_jsonl

runner = CliRunner()


def run(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.output == f"blocktag {__version__}\n"


COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_help_test_covers_every_command():
    assert {"tag", "train", "evaluate", "cv", "convert", "explain", "suggest", "label"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help", terminal_width=100)
    assert result.exit_code == 0
    assert f"Example: blocktag {command} " in result.output
    usage = result.output.splitlines()[0]
    assert re.fullmatch(rf"Usage: \S+ {command} \[OPTIONS\]( (PATH|FILE)(\.\.\.)?)?", usage), usage
    # no Python types or typer's placeholders: <list[str]>, <int>, <path>, {inputs}...
    assert not re.search(r"<(list\[|int|float|str|path|bool|Path)|\{\w+\}", result.output), result.output


@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("command", COMMANDS)
def test_help_never_folds_a_name_at_its_hyphen(command, width):
    result = run(command, "--help", terminal_width=width)
    assert result.exit_code == 0
    folded = [line for line in result.output.splitlines() if re.search(r"\w-$", line)]
    assert not folded, folded


def test_help_keeps_hyphenated_names_whole():
    # click's wrapper folded this one as "[default: plain-" / "text-model]" at 80 columns
    result = run("train", "--help", terminal_width=80)
    assert "plain-text-model]" in result.output
    assert "--with-corpus" in result.output


def test_tag_jsonl_gives_every_block_with_scores(small_model_path):
    result = run("tag", SEED_PAGE, "--model", small_model_path, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    texts = segment(SEED_PAGE.read_text(encoding="utf-8"))
    assert [r["text"] for r in records] == texts
    assert [r["index"] for r in records] == list(range(len(texts)))
    assert {r["page"] for r in records} == {SEED_PAGE.stem}
    for r in records:
        assert r["label"] == max(r["scores"], key=r["scores"].get)
        assert r["confidence"] == max(r["scores"].values())


def test_tag_text_format_shows_labels(small_model_path):
    result = run("tag", SEED_PAGE, "--model", small_model_path)
    assert result.exit_code == 0
    first_lines = result.stdout.splitlines()[:4]
    assert first_lines[0] == f"=== {SEED_PAGE.stem}"
    assert first_lines[2].startswith("[") and first_lines[3] == "Written by [denz](#) on January 29, 2026"
    # every block under its label and confidence, as the JSON records give them
    records = [json.loads(line) for line in run("tag", SEED_PAGE, "--model", small_model_path, "-f", "jsonl").stdout.splitlines()]
    assert result.stdout == f"=== {SEED_PAGE.stem}\n\n" + "".join(
        f"[{r['label']} {r['confidence']:.2f}]\n{r['text']}\n\n" for r in records)


def test_tag_csv(small_model_path, tmp_path):
    out = tmp_path / "out.csv"
    result = run("tag", SEED_PAGE, "--model", small_model_path, "--format", "csv", "--output", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    import csv

    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["page", "index", "text", "label", "confidence", "url"]
    assert [(r["page"], r["index"], r["text"]) for r in rows] == [
        (SEED_PAGE.stem, str(i), text) for i, text in enumerate(segment(SEED_PAGE.read_text(encoding="utf-8")))]


def test_tag_jsonl_input_keeps_page_and_index(small_model_path, tmp_path):
    data = write_jsonl(tmp_path / "in.jsonl", [
        {"page": "a", "index": 5, "text": "By Jane Doe", "label": "ignored"},
        {"page": "a", "index": 6, "text": "The council voted on Tuesday to close the bridge."},
    ])
    result = run("tag", data, "--model", small_model_path, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["page"], r["index"]) for r in records] == [("a", 5), ("a", 6)]


def test_tag_stdin(small_model_path):
    result = run("tag", "-", "--model", small_model_path, "--format", "jsonl", input="One\n\nTwo\n")
    assert result.exit_code == 0
    assert [json.loads(l)["text"] for l in result.stdout.splitlines()] == ["One", "Two"]


def test_empty_page_tags_to_nothing(small_model_path, tmp_path):
    page = tmp_path / "empty.txt"
    page.write_text("\n\n", encoding="utf-8")
    result = run("tag", page, "--model", small_model_path, "--format", "jsonl")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_keep_prints_only_kept_blocks(small_model_path):
    text = run("tag", SEED_PAGE, "--model", small_model_path, "--keep", "body")
    records = run("tag", SEED_PAGE, "--model", small_model_path, "--keep", "body", "--format", "jsonl")
    tagged = [json.loads(l) for l in run("tag", SEED_PAGE, "--model", small_model_path, "--format", "jsonl").stdout.splitlines()]
    kept = [r for r in tagged if r["label"] == "body"]
    assert text.stdout == "\n\n".join(r["text"] for r in kept) + "\n"
    assert [json.loads(l) for l in records.stdout.splitlines()] == kept


def test_missing_file_is_one_line_error():
    result = run("tag", "no-such-page.txt")
    assert result.exit_code == 1
    assert result.output == "Error: no-such-page.txt: no such file\n"


def test_binary_file_is_refused(tmp_path, small_model_path):
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = run("tag", png, "--model", small_model_path)
    assert result.exit_code == 1
    assert result.output == f"Error: {png}: is a binary file, not text; give a page of scraped text\n"


def test_wrong_encoding_suggests_encoding_option(tmp_path, small_model_path):
    # Text saved on Windows: its dash and curly quotes are bytes latin-1 reads as control characters.
    page = tmp_path / "windows.txt"
    page.write_bytes("Caf\xe9 opens \u2014 \u201csoon\u201d\n\nBy Ana".encode("cp1252"))
    result = run("tag", page, "--model", small_model_path)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {page}: is not valid utf-8 text (byte 3); name its encoding, e.g. --encoding cp1252\n"
    )
    followed = run("tag", page, "--model", small_model_path, "--encoding", "cp1252", "--format", "jsonl")
    assert followed.exit_code == 0
    assert json.loads(followed.stdout.splitlines()[0])["text"] == "Caf\xe9 opens \u2014 \u201csoon\u201d"


def test_wrong_encoding_suggests_latin_1_where_cp1252_has_no_character(tmp_path, small_model_path):
    page = tmp_path / "latin.txt"
    page.write_bytes(b"Caf\xe9 \x8d opens\n\nBy Ana")  # 0x8D: undefined in cp1252
    result = run("tag", page, "--model", small_model_path)
    assert result.output == (
        f"Error: {page}: is not valid utf-8 text (byte 3); name its encoding, e.g. --encoding latin-1\n"
    )
    assert run("tag", page, "--model", small_model_path, "--encoding", "latin-1").exit_code == 0


@pytest.mark.parametrize("text, encoding, advice", [
    ("Городской совет проголосовал во вторник за новый бюджет.\n\nЧлены совета спорили несколько часов.", "cp1251",
     "cp1251 (Cyrillic)"),
    ("Городской совет проголосовал во вторник за новый бюджет.\n\nЧлены совета спорили несколько часов.", "koi8_r",
     "koi8_r (Cyrillic)"),
    ("市議会は火曜日に来年度の予算を可決した。\n\n議員たちは何時間も議論した。", "shift_jis", "cp932 (Japanese)"),
    ("市议会周二批准了明年的预算。\n\n会议持续了五个小时，居民挤满了大厅。", "gbk", "gb18030 (Chinese)"),
    ("市議會週二批准了明年的預算。\n\n會議持續了五個小時，居民擠滿了大廳。", "big5", "big5 (Traditional Chinese)"),
    ("서울시는 화요일 새 예산안을 승인했다.\n\n예산은 지난해보다 늘었다.", "euc_kr", "cp949 (Korean)"),
    ("وافق مجلس المدينة يوم الثلاثاء على الميزانية.\n\nاستمر الاجتماع خمس ساعات.", "cp1256", "cp1256 (Arabic)"),
    ("מועצת העיר אישרה ביום שלישי את התקציב.\n\nהישיבה נמשכה חמש שעות.", "cp1255", "cp1255 (Hebrew)"),
    ("Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό.\n\nΗ συνεδρίαση κράτησε ώρες.", "cp1253", "cp1253 (Greek)"),
], ids=["Russian in cp1251", "Russian in KOI8-R", "Japanese in Shift JIS", "Chinese in GBK", "Chinese in Big5",
        "Korean in EUC-KR", "Arabic in cp1256", "Hebrew in cp1255", "Greek in cp1253"])
def test_wrong_encoding_of_another_script_suggests_the_encodings_it_reads_in(tmp_path, small_model_path, text,
                                                                             encoding, advice):
    # cp1252 would read these bytes without an error, as nonsense: it is not suggested for them;
    # the likeliest encoding of the script the bytes read in comes first
    page = tmp_path / "page.txt"
    page.write_bytes(text.encode(encoding))
    result = run("tag", page, "--model", small_model_path)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {page}: is not valid utf-8 text (byte ")
    assert result.output.split("; name its encoding, e.g. --encoding ")[1].startswith(advice)
    followed = run("tag", page, "--model", small_model_path, "--encoding", advice.split()[0], "--format", "jsonl")
    assert [json.loads(line)["text"] for line in followed.stdout.splitlines()] == text.split("\n\n")


def test_western_text_with_runs_of_punctuation_is_advised_a_western_encoding(tmp_path, small_model_path):
    # "\xa0—\xa0" and curly quotes are runs of bytes too, but no other script's letters
    page = tmp_path / "page.txt"
    page.write_bytes("The council\xa0—\xa0at last\xa0— backs “two” ferries.\n\nÜber alles: Straße.".encode("cp1252"))
    result = run("tag", page, "--model", small_model_path)
    assert result.output.endswith("; name its encoding, e.g. --encoding cp1252\n")


def test_bad_model_file(tmp_path):
    model = tmp_path / "model.npz"
    model.write_text("hello", encoding="utf-8")
    result = run("tag", SEED_PAGE, "--model", model)
    assert result.exit_code == 1
    assert result.output == f"Error: {model}: is not a blocktag model (not a readable .npz file of arrays); download or train it again\n"


def test_malformed_training_line(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"page": "p", "index": 0, "text": "t", "label": "body"}\n{oops\n', encoding="utf-8")
    result = run("train", data, "--output", tmp_path / "m.npz")
    assert result.exit_code == 1
    assert result.output == f"Error: {data}:2: not valid JSON (Expecting property name enclosed in double quotes at column 2)\n"
    assert not (tmp_path / "m.npz").exists()


def test_many_files_skip_the_bad_one_and_exit_1(small_model_path, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("A story.\n\nBy Ana", encoding="utf-8")
    result = run("tag", good, tmp_path / "missing.txt", "--model", small_model_path, "--format", "jsonl")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == (
        f"Warning: {tmp_path}/missing.txt: no such file (skipped)\nError: 1 input file(s) could not be tagged\n"
    )


def test_train_then_evaluate_round_trips_on_the_seed(tmp_path):
    model = tmp_path / "seed.npz"
    result = run("train", SEED_LABELS, "--output", model)
    assert result.exit_code == 0, result.output
    assert "Trained on 1 page, 31 blocks" in result.output
    assert result.output.endswith(f"Saved model to {model} (and a plain-text model, for pages with no link)\n")
    scores = tmp_path / "scores.json"
    result = run("evaluate", SEED_LABELS, "--model", model, "--json", scores)
    assert result.exit_code == 0, result.output
    figures = json.loads(scores.read_text())
    assert figures["accuracy"] == 1.0
    assert figures["per_label"]["contributor_note"]["support"] == 1
    assert "accuracy 1.000   macro-F1 1.000" in result.output


def test_evaluate_and_cv_write_their_json_to_stdout_and_their_tables_to_stderr(small_model_path, tmp_path):
    result = run("evaluate", SEED_LABELS, "--model", small_model_path, "--json", "-", "-q")
    assert result.exit_code == 0, result.output
    scores = tmp_path / "scores.json"
    run("evaluate", SEED_LABELS, "--model", small_model_path, "--json", scores, "-q")
    assert result.stdout == scores.read_text(encoding="utf-8")  # the figures alone, as the file holds them
    assert "macro-F1" in result.stderr and "Wrote" not in result.stderr
    both = run("evaluate", SEED_LABELS, "-m", small_model_path, "-m", "shipped", "--json", "-", "-q")
    assert both.exit_code == 0, both.output
    assert list(json.loads(both.stdout)) == ["models", "comparison"] and "A = " in both.stderr
    folds = run("cv", SEED_LABELS, "--folds", "2", "--group", "index", "--json", "-", "-q")
    assert folds.exit_code == 1 and folds.stdout == ""  # (an error writes no JSON: page split between groups)
    pages = write_jsonl(tmp_path / "pages.jsonl", [
        {"page": b.page, "index": b.index, "text": b.text, "label": b.label} for b in small_corpus()[:300]])
    folds = run("cv", pages, "--folds", "2", "--no-plain-text-model", "--json", "-", "-q")
    assert folds.exit_code == 0, folds.output
    assert json.loads(folds.stdout)["folds"] == 2 and "macro-F1" in folds.stderr


def test_keep_body_strips_the_seed_to_its_story(tmp_path):
    model = tmp_path / "seed.npz"
    run("train", SEED_LABELS, "--output", model)
    result = run("tag", SEED_PAGE, "--model", model, "--keep", "body")
    assert "Ukraine welcomes Trump's claimed pause" in result.stdout
    assert "Written by" not in result.stdout
    assert "Efreem Lukatsky/AP" not in result.stdout
    assert "contributed to this report" not in result.stdout
    assert "Subscribe" not in result.stdout


def test_keep_an_unknown_label(small_model_path):
    result = run("tag", SEED_PAGE, "--model", small_model_path, "--keep", "article")
    assert result.exit_code == 1
    assert result.output == (
        "Error: --keep article: the model has no such label; its labels are "
        "body, byline, caption, contributor_note, other, promotion\n"
    )


@pytest.mark.parametrize("own_process", [True, False])
def test_tag_freezes_what_it_loaded_only_in_its_own_process(small_model_path, monkeypatch, own_process):
    """blocktag (main) runs one command and exits, so tag takes the modules and the model
    out of the collector's sight; called in-process (tests, host programs) it leaves the
    host's collector alone."""
    import gc

    from classifier import cli

    monkeypatch.setattr(cli, "_own_process", own_process)
    gc.unfreeze()
    try:
        result = run("tag", SEED_PAGE, "-m", small_model_path, "-f", "jsonl")
        assert result.exit_code == 0, result.output
        assert (gc.get_freeze_count() > 0) is own_process
    finally:
        gc.unfreeze()


def test_tag_csv_reads_back_whole_with_carriage_returns_and_urls(small_model_path, tmp_path):
    blocks = write_jsonl(tmp_path / "in.jsonl", [{"page": "p", "index": 0, "text": "Line one\rline two, with a comma"},
                                                 {"page": "p", "index": 1, "text": 'A "quoted"\nword'}])
    out = tmp_path / "out.csv"
    assert run("tag", blocks, "--model", small_model_path, "-o", out).exit_code == 0
    again = run("tag", out, "--model", small_model_path, "-f", "jsonl")
    assert again.exit_code == 0, again.output
    # every row whole (a lone "\r" is read back as the line break it stands for)
    assert [json.loads(line)["text"] for line in again.stdout.splitlines()] == [
        "Line one\nline two, with a comma", 'A "quoted"\nword']
    warc = tmp_path / "crawl.warc"
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    import io
    with open(warc, "wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://a.example/s", "response",
                                                      payload=io.BytesIO(b"<p>Story.</p>"), http_headers=headers))
    csv_out = run("tag", warc, "--model", small_model_path, "-f", "csv").stdout
    assert csv_out.splitlines()[1].endswith(",https://a.example/s")


def test_tag_csv_quotes_a_row_whose_url_holds_a_lone_carriage_return(small_model_path, tmp_path):
    import csv
    import io

    pages = write_jsonl(tmp_path / "pages.jsonl", [{"url": "https://a.example/a\rb", "text": "Para one.\n\nPara two."}])
    result = run("tag", pages, "--model", small_model_path, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [(r["text"], r["url"]) for r in rows] == [("Para one.", "https://a.example/a\rb"), ("Para two.", "https://a.example/a\rb")]


def test_tagged_records_read_back_keep_their_pages_url(small_model_path, tmp_path):
    pages = write_jsonl(tmp_path / "pages.jsonl", [{"url": "https://a.example/x", "text": "Para one.\n\nPara two."}])
    for fmt in ("jsonl", "csv"):
        tagged = tmp_path / f"tagged.{fmt}"
        assert run("tag", pages, "--model", small_model_path, "-o", tagged).exit_code == 0
        again = run("tag", tagged, "--model", small_model_path, "-f", "jsonl")
        assert [json.loads(line)["url"] for line in again.stdout.splitlines()] == ["https://a.example/x"] * 2, fmt


def test_info_names_an_adapted_models_two_sources_with_their_sizes():
    from classifier.cli import sources_text

    sources = {"corpus": {"pages": 1118, "blocks": 48152, "files": 236}, "user": {"pages": 2, "blocks": 61, "weight": 5.0}}
    assert sources_text(sources) == ("the corpus, 1,118 pages (48,152 blocks); yours, 2 pages (61 blocks), each block "
                                     "counted 5 times")
    weighted = {**sources, "user": {**sources["user"], "pages": 1, "own_weights": 40}}  # (blocks with their own 'weight')
    assert sources_text(weighted) == ("the corpus, 1,118 pages (48,152 blocks); yours, 1 page (61 blocks), each block "
                                      "counted 5 times (40 of them times their own weight as well)")
    # whatever else a caller of train(sources=...) recorded, as it is
    assert sources_text({"mine": "labels.jsonl"}) == "mine: labels.jsonl"
