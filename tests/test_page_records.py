"""Files of whole pages, a page a record (crawl datasets' JSON lines, a CSV of pages), and JSON
lines piped to stdin: read as pages, never tagged as a page of JSON."""

import json

import pytest
from typer.testing import CliRunner

from classifier.blocks import MAX_PAGE_BLOCKS
from classifier.cli import app
from classifier.errors import DataFormatError, InputError
from classifier.readers.pages import iter_pages

from conftest import tagged_records, write_jsonl

runner = CliRunner()


def _pages(path):
    return [[(b.page, b.url, b.index, b.text) for b in page] for page in iter_pages([path])]


def test_json_lines_of_pages_are_read_as_pages_with_their_urls(tmp_path):
    path = write_jsonl(tmp_path / "crawl.jsonl", [
        {"url": "https://a.example/story", "text": "Bridge reopens\n\nBy Ana Ruiz\n\nThe bridge carried cars."},
        {"url": "https://b.example/news", "html": "<h1>News</h1><p><a href='/more'>More</a></p>", "title": "ignored"},
        {"text": "<!doctype html><title>t</title><p>Saved page</p>"},  # a saved page in a text field: HTML
    ])
    assert _pages(path) == [
        [("crawl:0", "https://a.example/story", 0, "Bridge reopens"),
         ("crawl:0", "https://a.example/story", 1, "By Ana Ruiz"),
         ("crawl:0", "https://a.example/story", 2, "The bridge carried cars.")],
        [("crawl:1", "https://b.example/news", 0, "News"),
         ("crawl:1", "https://b.example/news", 1, "[More](https://b.example/more)")],
        [("crawl:2", None, 0, "Saved page")],
    ]


def test_a_csv_of_pages_and_a_record_naming_its_page(tmp_path):
    path = tmp_path / "pages.csv"
    path.write_text('page,url,text\nhome,https://a.example/,"One\n\nTwo"\n,,Three\n', encoding="utf-8")
    assert _pages(path) == [
        [("home", "https://a.example/", 0, "One"), ("home", "https://a.example/", 1, "Two")],
        [("pages:1", None, 0, "Three")],
    ]


@pytest.mark.parametrize("records, message", [
    ([{"text": "A page"}, {"page": "p", "index": 0, "text": "A block"}],
     r"p.jsonl:2: record has an 'index' but the file's first record is a whole page"),
    ([{"page": "p", "text": "A page"}, {"page": "p", "text": "Another"}],
     r"p.jsonl:2: page 'p' is also at \S*p.jsonl:1; a page file holds a whole page a record"),
    ([{"text": "A page"}, {"text": ["not", "text"]}], r"p.jsonl:2: 'text' must be a string"),
    ([{"text": "A page", "url": 7}], r"p.jsonl:1: 'url' must be a string"),
])
def test_a_bad_page_record_is_an_error_naming_its_line_before_any_page_comes_out(tmp_path, records, message):
    path = write_jsonl(tmp_path / "p.jsonl", records)
    pages = iter_pages([path])
    with pytest.raises(DataFormatError, match=message):
        next(pages)


def test_a_block_file_still_needs_page_and_index(tmp_path):
    path = write_jsonl(tmp_path / "b.jsonl", [{"page": "p", "index": 0, "text": "One"}, {"page": "p", "text": "Two"}])
    with pytest.raises(DataFormatError, match=r"b.jsonl:2: record has no 'index' field"):
        list(iter_pages([path]))


def test_tag_a_file_of_pages_writes_each_pages_url(tmp_path, small_model_path):
    path = write_jsonl(tmp_path / "crawl.jsonl", [{"url": "https://a.example/story", "text": "Story\n\nBody text here."}])
    records = tagged_records(path, small_model_path)
    assert [(r["page"], r["url"], r["index"], r["text"]) for r in records] == [
        ("crawl:0", "https://a.example/story", 0, "Story"),
        ("crawl:0", "https://a.example/story", 1, "Body text here."),
    ]


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_training_and_evaluation_say_they_need_blocks_not_pages(tmp_path, small_model_path, command):
    path = write_jsonl(tmp_path / "crawl.jsonl", [{"url": "https://a.example/", "text": "A page", "label": "body"}])
    args = [command, str(path)] + (["-o", str(tmp_path / "m.npz")] if command == "train" else ["-m", str(small_model_path)])
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}:1: record is a whole page (no 'page' or 'index'); training and "
                             "evaluation read one block a record: page, index, text and label (blocktag tag reads "
                             "page records)\n")
    # a page record named by its 'page' field, as tag reads them too
    named = write_jsonl(tmp_path / "named.jsonl", [{"page": "home", "text": "A page"}])
    result = runner.invoke(app, [command, str(named)] + args[2:])
    assert (result.exit_code, result.output) == (
        1, f"Error: {named}:1: record has no 'index' field; if it is a whole page, training and evaluation read "
           "one block a record: page, index, text and label (blocktag tag reads page records)\n")


@pytest.mark.parametrize("field", ["markdown", "content"])
def test_a_scrapers_markdown_page_record_is_known_as_a_page_in_training_data(tmp_path, field):
    # Firecrawl's and Jina Reader's field names, which tag reads as pages too
    path = write_jsonl(tmp_path / "crawl.jsonl", [{"url": "https://a.example/", field: "# A page\n\nIts text."}])
    result = runner.invoke(app, ["train", str(path), "-o", str(tmp_path / "m.npz")])
    assert (result.exit_code, result.output) == (
        1, f"Error: {path}:1: record is a whole page (no 'page' or 'index'); training and evaluation read one "
           "block a record: page, index, text and label (blocktag tag reads page records)\n")


# ---------------------------------------------------------------------- JSON on stdin


def test_json_lines_of_pages_on_stdin_are_pages(small_model_path):
    lines = json.dumps({"url": "https://a.example/", "text": "One\n\nTwo"}) + "\n" + json.dumps({"text": "Three"}) + "\n"
    result = runner.invoke(app, ["tag", "-", "--format", "jsonl", "--model", str(small_model_path)], input=lines)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["page"], r.get("url"), r["text"]) for r in records] == [
        ("stdin:0", "https://a.example/", "One"), ("stdin:0", "https://a.example/", "Two"), ("stdin:1", None, "Three")]


def test_json_lines_of_blocks_on_stdin_are_blocks(small_model_path, tmp_path):
    lines = "".join(json.dumps({"page": "p", "index": i, "text": t, "url": "https://a.example/p"}) + "\n"
                    for i, t in enumerate(["One", "Two"]))
    blocks = tmp_path / "blocks.jsonl"
    blocks.write_text(lines, encoding="utf-8")
    named_as_text = tmp_path / "blocks.txt"
    named_as_text.write_text(lines, encoding="utf-8")
    for given, piped in ((blocks, None), ("-", lines), (named_as_text, None)):  # the same records, however given
        result = runner.invoke(app, ["tag", str(given), "--format", "jsonl", "--model", str(small_model_path)], input=piped)
        assert result.exit_code == 0, result.output
        assert [(r["page"], r["index"], r["text"], r["url"]) for r in map(json.loads, result.output.splitlines())] == [
            ("p", 0, "One", "https://a.example/p"), ("p", 1, "Two", "https://a.example/p")]


def test_a_json_document_of_one_page_on_stdin_is_that_page(small_model_path):
    result = runner.invoke(app, ["tag", "-", "--format", "jsonl", "--model", str(small_model_path)],
                           input='{\n  "url": "https://a.example/",\n  "text": "One\\n\\nTwo"\n}\n')
    assert result.exit_code == 0, result.output
    assert [(r["page"], r["url"], r["text"]) for r in map(json.loads, result.output.splitlines())] == [
        ("stdin:0", "https://a.example/", "One"), ("stdin:0", "https://a.example/", "Two")]


def test_a_json_list_of_pages_as_scrapy_and_apify_export_them(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"url": "https://a.example/1", "text": "One\n\nTwo"},
                                {"url": "https://a.example/2", "html": "<p>Three</p>"}], indent=2), encoding="utf-8")
    assert _pages(path) == [
        [("items:0", "https://a.example/1", 0, "One"), ("items:0", "https://a.example/1", 1, "Two")],
        [("items:1", "https://a.example/2", 0, "Three")],
    ]


def test_a_bad_record_in_a_json_list_is_named_by_its_place(tmp_path):
    path = tmp_path / "items.json"
    path.write_text(json.dumps([{"text": "One"}, "https://a.example/2"]), encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"items.json\[1\]: expected a JSON object with a page's text"):
        list(iter_pages([path]))


def test_text_that_opens_with_a_brace_is_still_text(small_model_path):
    # a template's leftover, not JSON
    result = runner.invoke(app, ["tag", "-", "--format", "jsonl", "--model", str(small_model_path)],
                           input="{{ title }}\n\nThe story.\n")
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in map(json.loads, result.output.splitlines())] == ["{{ title }}", "The story."]


def test_bad_json_lines_on_stdin_are_an_error_naming_the_line(small_model_path):
    result = runner.invoke(app, ["tag", "-", "--model", str(small_model_path)], input='{"text": "A page"}\n["x"]\n')
    assert result.exit_code == 1
    assert result.output == "Error: <stdin>:2: expected a JSON object with a page's text (or html) and its url\n"


@pytest.fixture
def spool_on_disk(monkeypatch):
    """stdin past the spool's size from the first byte: read back from a temporary file."""
    import classifier.readers.pages as pages

    monkeypatch.setattr(pages, "STDIN_SPOOL_BYTES", 16)


@pytest.mark.parametrize("records", [
    [{"url": f"https://a.example/{k}", "text": f"Story {k}\n\nBy Ana Ruiz\n\nThe bridge carried cars."} for k in range(30)],
    [{"page": f"p{k // 3}", "index": k % 3, "text": f"Block {k}"} for k in range(90)],
], ids=["pages", "blocks"])
@pytest.mark.parametrize("gzipped", [False, True])
def test_json_lines_piped_in_are_tagged_as_the_same_file_is(tmp_path, small_model_path, spool_on_disk, records,
                                                            gzipped):
    import gzip

    path = write_jsonl(tmp_path / "stdin.jsonl", records)  # named as stdin's pages are: stdin:0, stdin:1...
    if gzipped:
        path = path.rename(tmp_path / "stdin.jsonl.gz")
        path.write_bytes(gzip.compress(path.read_bytes()))
    piped = runner.invoke(app, ["tag", "-", "-f", "jsonl", "-m", str(small_model_path)], input=path.read_bytes())
    named = runner.invoke(app, ["tag", str(path), "-f", "jsonl", "-m", str(small_model_path)])
    assert (piped.exit_code, named.exit_code) == (0, 0)
    assert piped.stdout == named.stdout and len(piped.stdout.splitlines()) == 90


def test_json_lines_piped_in_with_a_bad_last_line_write_nothing(small_model_path, spool_on_disk):
    lines = "".join(json.dumps({"page": f"p{k}", "index": 0, "text": "Block"}) + "\n" for k in range(50)) + '{"page": "q"\n'
    result = runner.invoke(app, ["tag", "-", "-f", "jsonl", "-m", str(small_model_path)], input=lines)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: <stdin>:51: ")


def test_json_lines_piped_in_in_another_encoding_say_to_name_it(small_model_path, spool_on_disk):
    data = '{"text": "Caf\xe9 opens"}\n'.encode("latin-1")
    result = runner.invoke(app, ["tag", "-", "-m", str(small_model_path)], input=data)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (
        "Error: <stdin>:1: is not valid utf-8 text (byte 13); name its encoding, e.g. --encoding cp1252\n"))
    latin = runner.invoke(app, ["tag", "-", "-f", "jsonl", "-m", str(small_model_path), "--encoding", "latin-1"], input=data)
    assert [json.loads(line)["text"] for line in latin.stdout.splitlines()] == ["Café opens"]


def test_gzipped_json_lines_piped_in_cut_short_are_an_error(small_model_path, spool_on_disk):
    import gzip

    data = gzip.compress("".join(json.dumps({"text": f"Story {k}"}) + "\n" for k in range(5000)).encode())  # past the sniffed head
    result = runner.invoke(app, ["tag", "-", "-m", str(small_model_path)], input=data[:-30])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: <stdin>: is not a valid gzip file (")


def test_a_gzip_on_stdin_whose_first_line_runs_past_a_page_record_is_read_as_a_page(monkeypatch):
    # as a page it meets the page's unpacking limit; read as a first line it held gigabytes
    import gzip
    import io

    import classifier.readers.pages as pages

    monkeypatch.setattr(pages, "MAX_FIRST_LINE_BYTES", 1000)
    record = json.dumps({"text": "x" * 500}).encode() + b"\n"
    assert pages._json_lines_in(io.BytesIO(gzip.compress(record * 3)), "utf-8") is not None
    assert pages._json_lines_in(io.BytesIO(gzip.compress(b"{" + b" " * 100_000 + b"}\n")), "utf-8") is None
    long_record = json.dumps({"text": "x" * 2000}).encode() + b"\n"
    assert pages._json_lines_in(io.BytesIO(gzip.compress(long_record)), "utf-8") is None


def test_json_lines_piped_in_as_utf16_without_a_mark_are_read_in_the_encoding_named(small_model_path):
    data = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in ("Café ok", "naïve")).encode("utf-16-le")
    result = runner.invoke(app, ["tag", "-", "-f", "jsonl", "-m", str(small_model_path), "--encoding", "utf-16-le"],
                           input=data)
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["Café ok", "naïve"]


def test_json_lines_piped_in_with_a_byte_order_mark(small_model_path, spool_on_disk):
    data = "\ufeff".encode("utf-8") + b'{"page": "p", "index": 0, "text": "One"}\n'
    result = runner.invoke(app, ["tag", "-", "-f", "jsonl", "-m", str(small_model_path)], input=data)
    assert [(r["page"], r["text"]) for r in map(json.loads, result.stdout.splitlines())] == [("p", "One")]


def test_stdin_that_cannot_be_spooled_says_where_to_make_room(small_model_path, monkeypatch):
    import tempfile

    class FullDisk(tempfile.SpooledTemporaryFile):
        def write(self, data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", FullDisk)
    result = runner.invoke(app, ["tag", "-", "-m", str(small_model_path)], input='{"text": "One"}\n')
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("Error: <stdin>: cannot be kept in a temporary file while it is read (No space left on "
                             "device); save it to a file and name that, or set TMPDIR to a folder with room\n")


@pytest.mark.parametrize("failed", [{"url": "https://a.example/1", "text": None},
                                    {"url": "https://a.example/1", "status": 404, "error": "Not Found"}])
@pytest.mark.parametrize("first", [True, False])
def test_a_failed_fetch_in_a_crawl_file_is_skipped_with_a_warning(tmp_path, small_model_path, failed, first):
    # trafilatura's None, or a crawler's error record: the file's other pages are tagged
    good = {"url": "https://a.example/2", "text": "Seawall vote\n\nBy Ana Ruiz"}
    path = write_jsonl(tmp_path / "crawl.jsonl", [failed, good] if first else [good, failed])
    result = runner.invoke(app, ["tag", str(path), "-f", "jsonl", "-m", str(small_model_path)])
    assert result.exit_code == 0
    assert [(r["page"], r["text"]) for r in map(json.loads, result.stdout.splitlines())] == [
        (f"crawl:{int(first)}", "Seawall vote"), (f"crawl:{int(first)}", "By Ana Ruiz")]
    said = "" if "text" in failed else " (no 'text', 'html', 'markdown' or 'content' field; it has url, status, error)"
    assert result.stderr == f"Warning: {path}:{1 if first else 2}: holds no text to tag{said} (skipped)\n"


def test_records_of_neither_pages_nor_blocks_name_the_fields_they_have(tmp_path, small_model_path):
    path = write_jsonl(tmp_path / "items.jsonl", [{"url": "https://a.example/", "title": "T", "body": "<p>x</p>"}])
    result = runner.invoke(app, ["tag", str(path), "-m", str(small_model_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}:1: record holds neither a page (a 'text', 'html', 'markdown' or 'content' "
                             "field) nor a block ('page', 'index', 'text'); it has url, title, body\n")


@pytest.mark.parametrize("blob", [
    '{"@context":"https://schema.org","@type":"NewsArticle","headline":"Seawall vote"}',
    '{"props":{"pageProps":{"slug":"seawall-vote"}},"buildId":"x7Q2"}',  # a framework's state object
    '{"@type":"NewsArticle"}\n{"@type":"BreadcrumbList"}',  # a page may carry several JSON-LD scripts
    '{"@context":"https://schema.org","@type":"NewsArticle","url":"https://a.example/seawall"}',  # JSON-LD with a url
])
def test_a_page_of_text_opening_with_a_kept_json_blob_is_read_as_text(tmp_path, blob):
    # lxml's text_content() keeps <script> text, so a page may open with its JSON-LD.
    path = tmp_path / "page.txt"
    path.write_text(f"{blob}\n\nSeawall vote\n\nBy Ana Ruiz\n", encoding="utf-8")
    assert _pages(path) == [[("page", None, 0, blob), ("page", None, 1, "Seawall vote"), ("page", None, 2, "By Ana Ruiz")]]


@pytest.mark.parametrize("blob", [
    '{"@context":"https://schema.org","@type":"NewsArticle"}',
    '{"props":{"pageProps":{}},"page":"/[slug]","buildId":"x7Q2"}',  # Next.js: a route under "page", no "index"
])
def test_a_kept_json_blob_before_a_markdown_link_line_is_text_too(tmp_path, blob):
    path = tmp_path / "page.txt"
    path.write_text(f"{blob}\n\n[Home](/) [World](/world)\n\nSeawall vote\n", encoding="utf-8")
    assert [text for *_, text in _pages(path)[0]] == [blob, "[Home](/) [World](/world)", "Seawall vote"]


@pytest.mark.parametrize("lines, broken, column", [
    ('{"url": "https://a.example/a", "status": 404}\n{"url": "https://a.example/b", "text": "Sea\n', 2, 40),  # a failed fetch
    ('{"title": "Sea", "body": "x"}\n{"title": "Sea\n', 2, 11),  # records of other fields
    ('{"@context": "https://schema.org", "@type": "Event"}\n{"@type": "Event"}\n{"@type": "Ev\n', 3, 11),  # JSON-LD
])
def test_json_lines_are_refused_at_a_broken_line_not_read_as_text(small_model_path, lines, broken, column):
    # (a line cut short in a string: said so, where, not as "Invalid control character" for its line break)
    result = runner.invoke(app, ["tag", "-", "-m", str(small_model_path)], input=lines)
    assert (result.exit_code, result.output) == (
        1, f"Error: <stdin>:{broken}: not valid JSON (Unterminated string starting at column {column})\n")


def test_a_refused_input_writes_no_csv_header(small_model_path):
    lines = '{"url": "https://a.example/a", "status": 404}\n{"url": "https://a.example/b", "text": "Sea\n'
    result = runner.invoke(app, ["tag", "-", "-m", str(small_model_path), "-f", "csv"], input=lines)
    assert (result.exit_code, result.output) == (
        1, "Error: <stdin>:2: not valid JSON (Unterminated string starting at column 40)\n")
    empty = runner.invoke(app, ["tag", "-", "-m", str(small_model_path), "-f", "csv"], input="")
    assert empty.stdout == "page,index,text,label,confidence,url\n"  # no pages, and no error: the header alone


def test_json_lines_of_other_records_are_still_refused_though_a_line_is_no_json(tmp_path, small_model_path):
    # A record with a page's field is one of JSON lines, even when a later line is broken.
    path = tmp_path / "crawl.jsonl"
    path.write_text('{"url": "https://a.example/", "text": "Seawall vote"}\n\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, ["tag", str(path), "-m", str(small_model_path)])
    assert (result.exit_code, result.output) == (1, f"Error: {path}:3: not valid JSON (Expecting value at column 1)\n")


def test_firecrawl_and_jina_api_responses_are_read_as_the_pages_under_data(tmp_path):
    # Their JSON as saved with curl: the page (or a crawl's pages) under "data".
    page = {"markdown": "Seawall vote\n\nBy Ana Ruiz", "metadata": {"sourceURL": "https://a.example/seawall"}}
    scrape = tmp_path / "scrape.json"
    scrape.write_text(json.dumps({"success": True, "data": page}), encoding="utf-8")
    crawl = tmp_path / "crawl.json"
    crawl.write_text(json.dumps({"success": True, "status": "completed", "data": [page, page]}), encoding="utf-8")
    jina = write_jsonl(tmp_path / "jina.jsonl", [{"code": 200, "status": 20000, "data": {
        "url": "https://a.example/seawall", "content": "Seawall vote\n\nBy Ana Ruiz"}}])
    expected = [("https://a.example/seawall", "Seawall vote"), ("https://a.example/seawall", "By Ana Ruiz")]
    assert [[(b.url, b.text) for b in p] for p in iter_pages([scrape, jina])] == [expected, expected]
    assert [[(b.page, b.text) for b in p] for p in iter_pages([crawl])] == [
        [("crawl:0", "Seawall vote"), ("crawl:0", "By Ana Ruiz")], [("crawl:1", "Seawall vote"), ("crawl:1", "By Ana Ruiz")]]
    failed = tmp_path / "failed.json"  # an error response holds no page under "data": refused as before
    failed.write_text(json.dumps({"success": False, "error": "timeout"}), encoding="utf-8")
    with pytest.raises(InputError, match="holds no pages"):
        list(iter_pages([failed]))


def test_crawl4ais_markdown_object_is_read_as_its_raw_markdown(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", [{"url": "https://a.example/", "markdown": {
        "raw_markdown": "Seawall vote\n\nBy Ana Ruiz", "fit_markdown": "Seawall vote"}}])
    assert _pages(path) == [[("c:0", "https://a.example/", 0, "Seawall vote"), ("c:0", "https://a.example/", 1, "By Ana Ruiz")]]
    fit_only = write_jsonl(tmp_path / "f.jsonl", [{"url": "https://a.example/", "markdown": {"fit_markdown": "Seawall"}}])
    with pytest.raises(DataFormatError, match=r"f\.jsonl:1: 'markdown' is an object with no 'raw_markdown' string; "
                                              r"give the page's text as a string \(Crawl4AI: keep its raw_markdown\)$"):
        _pages(fit_only)


def test_a_page_record_with_no_text_is_skipped_with_a_warning(tmp_path):
    path = write_jsonl(tmp_path / "crawl.jsonl", [{"url": "https://a.example/1", "text": ""},
                                                   {"url": "https://a.example/2", "html": "<script>x()</script>"},
                                                   {"url": "https://a.example/3", "text": "Story"}])
    with pytest.warns(UserWarning) as said:
        pages = _pages(path)
    assert pages == [[("crawl:2", "https://a.example/3", 0, "Story")]]
    assert [str(w.message) for w in said] == [f"{path}:1: holds no text to tag (skipped)",
                                              f"{path}:2: holds no text to tag once its markup is dropped (skipped)"]


def test_gzipped_files_of_records_are_unpacked_as_they_are_read(tmp_path):
    import gzip

    pages = tmp_path / "shard.jsonl.gz"
    pages.write_bytes(gzip.compress(b'{"url": "https://a.example/", "text": "One\\n\\nTwo"}\n'))
    blocks = tmp_path / "labelled.csv.gz"
    blocks.write_bytes(gzip.compress(b"page,index,text\np,0,Hello\np,1,World\n"))
    listed = tmp_path / "items.json.gz"
    listed.write_bytes(gzip.compress(b'[{"text": "Three"}]'))
    assert _pages(pages) == [[("shard:0", "https://a.example/", 0, "One"), ("shard:0", "https://a.example/", 1, "Two")]]
    assert _pages(blocks) == [[("p", None, 0, "Hello"), ("p", None, 1, "World")]]
    assert _pages(listed) == [[("items:0", None, 0, "Three")]]


def test_a_broken_gzipped_file_of_records_is_an_error_naming_it(tmp_path):
    import gzip

    path = tmp_path / "shard.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "One"}\n' * 1000)[:60])  # cut short
    with pytest.raises(InputError, match=r"shard.jsonl.gz: is not a valid gzip file"):
        list(iter_pages([path]))


@pytest.mark.parametrize("text", ["[" * 100_000, '{"a": ' * 100_000])
def test_brackets_nested_past_what_json_can_read_are_text_not_a_crash(small_model_path, text):
    result = runner.invoke(app, ["tag", "-", "--format", "jsonl", "--model", str(small_model_path)], input=text + "\n")
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in map(json.loads, result.output.splitlines())] == [text]


def test_text_output_names_each_crawled_page_with_its_url(tmp_path, small_model_path):
    path = write_jsonl(tmp_path / "crawl.jsonl", [{"url": "https://a.example/1", "text": "One"}, {"text": "Two"}])
    result = runner.invoke(app, ["tag", str(path), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("===")] == [
        "=== crawl:0 (https://a.example/1)", "=== crawl:1"]
    kept = runner.invoke(app, ["tag", str(path), "--keep", "body", "--keep", "caption", "--keep", "other",
                               "--keep", "promotion", "--keep", "byline", "--keep", "contributor_note",
                               "--model", str(small_model_path)])
    assert kept.output == "# crawl:0 (https://a.example/1)\n\nOne\n\n# crawl:1\n\nTwo\n"


def test_scrapers_field_names_for_the_page_and_its_address_are_read(tmp_path):
    path = tmp_path / "crawl.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"markdown": "# Jam recall\n\nThe maker recalled jars.", "metadata": {"sourceURL": "https://a.example/jam"}},
        {"content": "Council meets.", "source": "https://b.example/council"},
        {"text": "Wire story.", "source": "Reuters"},  # a name, not an address
    ]) + "\n", encoding="utf-8")
    pages = list(iter_pages([path]))
    assert [[(b.page, b.url, b.text) for b in page] for page in pages] == [
        [("crawl:0", "https://a.example/jam", "# Jam recall"), ("crawl:0", "https://a.example/jam", "The maker recalled jars.")],
        [("crawl:1", "https://b.example/council", "Council meets.")],
        [("crawl:2", None, "Wire story.")],
    ]


def test_a_page_name_with_a_line_break_keeps_its_header_one_line(tmp_path, small_model_path):
    from typer.testing import CliRunner

    from classifier.cli import app

    from classifier import load_model

    path = write_jsonl(tmp_path / "pages.jsonl", [{"page": "a\nb", "text": "Story one."}, {"page": "c", "text": "Two."}])
    every_label = [arg for label in load_model(small_model_path).labels for arg in ("--keep", label)]
    tagged = CliRunner().invoke(app, ["tag", str(path), "--model", str(small_model_path), *every_label])
    converted = CliRunner().invoke(app, ["convert", str(path)])
    assert tagged.stdout == "# a\\nb\n\nStory one.\n\n# c\n\nTwo.\n"
    assert converted.stdout == "==> a\\nb <==\nStory one.\n\n==> c <==\nTwo.\n"


def test_pages_named_alike_in_two_inputs_are_named_apart_not_merged_in_any_output(tmp_path):
    first = tmp_path / "r1.jsonl"
    first.write_text(json.dumps({"page": "x", "text": "Hello one.\n\nPara two."}) + "\n", encoding="utf-8")
    second = tmp_path / "r2.jsonl"
    second.write_text(json.dumps({"page": "x", "text": "Hello three.\n\nPara four."}) + "\n", encoding="utf-8")
    pages = list(iter_pages([first, second, second]))
    assert [(b.page, b.index, b.text) for page in pages for b in page] == [
        ("x", 0, "Hello one."), ("x", 1, "Para two."), ("x#2", 0, "Hello three."), ("x#2", 1, "Para four."),
        ("x#3", 0, "Hello three."), ("x#3", 1, "Para four.")]  # (not only after another "x")
    # a name made apart that another input gives its own page, before or after it
    third = tmp_path / "r3.jsonl"
    third.write_text(json.dumps({"page": "x#2", "text": "Hello five."}) + "\n"
                     + json.dumps({"page": "y", "text": "Hello six."}) + "\n", encoding="utf-8")
    names = [page[0].page for page in iter_pages([first, third, second, third])]
    assert names == ["x", "x#2", "y", "x#3", "x#4", "y#2"]
    long_page = tmp_path / "long.txt"  # a page too long to tag whole comes in chunks of one name
    long_page.write_text("\n\n".join(f"Block {i}." for i in range(MAX_PAGE_BLOCKS + 5)), encoding="utf-8")
    (tmp_path / "long.jsonl").write_text(json.dumps({"page": "long", "text": "Another page."}) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning):
        names = [page[0].page for page in iter_pages([long_page, tmp_path / "long.jsonl"])]
    assert names == ["long", "long", "long#2"]


@pytest.mark.parametrize("field", ["page", "url"])
def test_a_lone_surrogate_in_a_page_records_name_or_url_is_its_lines_error(tmp_path, field):
    path = tmp_path / "pages.jsonl"
    path.write_text('{"%s": "https://a.example/\\ud83d", "text": "Para one.\\n\\nPara two."}\n' % field, encoding="utf-8")
    with pytest.raises(DataFormatError) as caught:
        list(iter_pages([path]))
    assert str(caught.value) == f"{path}:1: {field!r} holds a lone surrogate \\ud83d, not valid Unicode; fix or drop the character"
