"""tag --keep: the cleaned pages, in every output format, pages kept apart."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from classifier.cli import app

from test_explain import hand_made_model

runner = CliRunner()


@pytest.fixture()
def crawl(tmp_path):
    """Two pages; the hand-made model tags each page's first block 'other', the rest 'body'."""
    folder = tmp_path / "crawl"
    folder.mkdir()
    (folder / "a.txt").write_text("Menu\n\nStory A one.\n\nStory A two.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Menu\n\nStory B.\n", encoding="utf-8")
    model = hand_made_model().save(tmp_path / "hand.npz")
    return folder, model


def test_kept_text_of_several_pages_comes_under_page_headers(crawl):
    folder, model = crawl
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "# a\n\nStory A one.\n\nStory A two.\n\n# b\n\nStory B.\n"


def test_one_page_is_kept_without_a_header(crawl):
    folder, model = crawl
    result = runner.invoke(app, ["tag", str(folder / "a.txt"), "-m", str(model), "--keep", "body"])
    assert result.stdout == "Story A one.\n\nStory A two.\n"


def test_one_input_of_several_pages_keeps_them_apart_under_headers(crawl, tmp_path):
    folder, model = crawl
    records = "".join(json.dumps({"page": name, "text": (folder / f"{name}.txt").read_text(encoding="utf-8")}) + "\n"
                      for name in ("a", "b"))
    (tmp_path / "pages.txt").write_text(records, encoding="utf-8")  # JSON lines of pages, under a text name
    for args, options in ((["-"], {"input": records}), ([str(tmp_path / "pages.txt")], {})):
        result = runner.invoke(app, ["tag", *args, "-m", str(model), "--keep", "body"], **options)
        assert result.stdout == "# a\n\nStory A one.\n\nStory A two.\n\n# b\n\nStory B.\n"


def test_kept_records_in_jsonl_and_csv(crawl):
    folder, model = crawl
    jsonl = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "other", "--format", "jsonl"])
    assert [(r["page"], r["index"], r["text"], r["label"]) for r in map(json.loads, jsonl.stdout.splitlines())] == [
        ("a", 0, "Menu", "other"), ("b", 0, "Menu", "other")]
    table = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [(r["page"], r["index"], r["label"]) for r in rows] == [("a", "1", "body"), ("a", "2", "body"), ("b", "1", "body")]


def test_a_folder_output_takes_one_cleaned_file_per_page(crawl, tmp_path):
    folder, model = crawl
    out = tmp_path / "clean"
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-o", f"{out}/", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Wrote 2 page(s) to {out}\n"
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    assert (out / "a.txt").read_text(encoding="utf-8") == "Story A one.\n\nStory A two.\n"


def test_a_folder_output_without_keep_is_refused(crawl, tmp_path):
    folder, model = crawl
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "-o", f"{tmp_path}/"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (f"Error: Invalid value for '--output' / '-o': {tmp_path}/ names a folder; "
                                              "give a file name (a folder takes one cleaned file per page, with --keep)")


@pytest.mark.parametrize("fmt, suffix", [("text", ".txt"), ("jsonl", ".jsonl"), ("csv", ".csv")])
def test_each_page_file_holds_what_tagging_the_page_alone_gives(crawl, tmp_path, fmt, suffix):
    folder, model = crawl
    out = tmp_path / "clean"
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-f", fmt, "-o", f"{out}/", "-q"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == [f"a{suffix}", f"b{suffix}"]
    for page in ("a", "b"):
        alone = runner.invoke(app, ["tag", str(folder / f"{page}.txt"), "-m", str(model), "--keep", "body", "-f", fmt])
        assert (out / f"{page}{suffix}").read_text(encoding="utf-8") == alone.stdout


def test_an_existing_empty_folder_takes_one_file_per_page(crawl, tmp_path):
    folder, model = crawl
    out = tmp_path / "clean"
    out.mkdir()
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]


def test_a_folder_holding_an_earlier_run_is_refused(crawl, tmp_path):
    folder, model = crawl
    out = tmp_path / "clean"
    out.mkdir()
    for name in ("old.txt", "older.txt"):
        (out / name).write_text("from an earlier run\n", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-o", f"{out}/"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {out}: the output folder is not empty (it holds old.txt and 1 more), and an earlier run's files "
        "would mix with this run's; give a new or empty folder\n"
    )
    assert sorted(p.name for p in out.iterdir()) == ["old.txt", "older.txt"]


def test_page_names_become_safe_unique_file_names(crawl, tmp_path):
    _, model = crawl
    data = tmp_path / "blocks.jsonl"
    pages = ["../../escape", "site/page 1", "site_page_1"]
    data.write_text("".join(json.dumps({"page": page, "index": i, "text": text}) + "\n"
                            for page in pages for i, text in enumerate(["Menu", "Story."])), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["tag", str(data), "-m", str(model), "--keep", "body", "-f", "jsonl", "-o", f"{out}/", "-q"])
    assert result.exit_code == 0, result.output
    # each page a file of its own inside the folder: nothing written outside it, none over another
    names = ["_.._escape.jsonl", "site_page_1.jsonl", "site_page_1~2.jsonl"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert not list(tmp_path.parent.glob("escape*")) and not list(tmp_path.glob("escape*"))
    assert [json.loads((out / name).read_text(encoding="utf-8"))["page"] for name in names] == pages


def test_a_page_name_the_file_systems_encoding_cannot_write_gets_underscores(monkeypatch):
    from classifier import output

    monkeypatch.setattr(output.os, "fsencode", lambda name: name.encode("latin-1"))  # a Latin-1 locale's file names
    assert output._unique_file_name("Tōkyō café", set()) == "T_ky__café"
    monkeypatch.undo()
    assert output._unique_file_name("Tōkyō café", set()) == "Tōkyō_café"  # (UTF-8 file names hold it)


def test_a_run_stopped_by_a_bad_file_leaves_no_page_file_and_can_be_run_again(crawl, tmp_path):
    folder, model = crawl
    (folder / "c.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # read after a and b
    out = tmp_path / "clean"
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-o", f"{out}/", "--strict", "-q"])
    assert result.exit_code == 1
    assert result.output == f"Error: {folder / 'c.txt'}: is a binary file, not text; give a page of scraped text\n"
    assert not out.exists()  # no page file, nor the folder the run made for them
    (folder / "c.txt").unlink()
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-o", f"{out}/", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]


def test_a_page_named_past_a_file_names_length_gets_a_shortened_file(tmp_path):
    from classifier.output import MAX_FILE_NAME_BYTES

    folder = tmp_path / "crawl"
    folder.mkdir()
    long_name = "é" * 150  # 300 bytes
    (folder / "p.jsonl").write_text(json.dumps({"page": long_name, "text": "Menu\n\nStory."}) + "\n", encoding="utf-8")
    model = hand_made_model().save(tmp_path / "hand.npz")
    out = tmp_path / "clean"
    result = runner.invoke(app, ["tag", str(folder / "p.jsonl"), "-m", str(model), "--keep", "body", "-o", f"{out}/", "-q"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["é" * (MAX_FILE_NAME_BYTES // 2) + ".txt"]


def test_one_huge_page_is_not_held_whole_to_decide_its_header(crawl, monkeypatch):
    import classifier.output

    monkeypatch.setattr(classifier.output, "MAX_PAGE_BLOCKS", 2)  # a page past it is written as it comes
    folder, model = crawl
    result = runner.invoke(app, ["tag", str(folder / "a.txt"), "-m", str(model), "--keep", "body"])
    assert result.stdout == "# a\n\nStory A one.\n\nStory A two.\n"


def test_a_folder_of_page_files_may_have_any_name(crawl, tmp_path):
    folder, model = crawl
    out = tmp_path / "pages.json"
    result = runner.invoke(app, ["tag", str(folder), "-m", str(model), "--keep", "body", "-o", f"{out}/", "--quiet"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]


def test_an_interrupt_just_after_a_page_file_is_renamed_into_place_still_removes_it(tmp_path, monkeypatch):
    import os

    import classifier.files
    from classifier import Block
    from classifier.output import write_page_files
    from classifier.tagging import TaggedBlock

    replace = os.replace

    def replace_then_interrupt(source, target):
        replace(source, target)
        raise KeyboardInterrupt  # Ctrl-C landing between the rename and the page's being counted

    monkeypatch.setattr(classifier.files.os, "replace", replace_then_interrupt)
    tagged = [TaggedBlock(Block("p", 0, "Story."), "body", 1.0, {"body": 1.0})]
    with pytest.raises(KeyboardInterrupt):
        write_page_files(tagged, tmp_path, "text", {"body"})
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_inside_the_call_that_makes_the_temporary_file_leaves_no_file(tmp_path, monkeypatch):
    import os

    from classifier import Block
    from classifier.output import write_page_files
    from classifier.tagging import TaggedBlock

    real_open = os.open

    def open_then_interrupt(path, flags, mode=0o777, **kwargs):
        fd = real_open(path, flags, mode, **kwargs)
        if str(path).endswith(".tmp"):
            os.close(fd)
            raise KeyboardInterrupt  # Ctrl-C that a helper thread took, raised as the file is made
        return fd

    monkeypatch.setattr(os, "open", open_then_interrupt)
    tagged = [TaggedBlock(Block("p", 0, "Story."), "body", 1.0, {"body": 1.0})]
    with pytest.raises(KeyboardInterrupt):
        write_page_files(tagged, tmp_path, "text", {"body"})
    assert list(tmp_path.iterdir()) == []


def test_control_characters_of_a_page_are_escaped_on_a_terminal_and_kept_in_a_file():
    import io as _io

    from classifier import Block
    from classifier.output import write_kept, write_tagged
    from classifier.tagging import TaggedBlock

    class Terminal(_io.StringIO):
        def isatty(self):
            return True

    text = "Story \x1b]0;pwned\x07 and \x1b[2J,\ttabbed\nsecond line"
    tagged = [TaggedBlock(Block("p", 0, text), "body", 1.0, {"body": 1.0})]
    shown = "Story \\x1b]0;pwned\\x07 and \\x1b[2J,\ttabbed\nsecond line"
    for write in (lambda out: write_kept(tagged, out, {"body"}), lambda out: write_tagged(tagged, out, "text")):
        terminal, file = Terminal(), _io.StringIO()
        write(terminal), write(file)
        assert shown in terminal.getvalue() and "\x1b" not in terminal.getvalue()
        assert text in file.getvalue()
    terminal, file = Terminal(), _io.StringIO()  # CSV: a cell's text escaped on a terminal only, quoted as ever
    write_tagged(tagged, terminal, "csv"), write_tagged(tagged, file, "csv")
    assert '"Story \\x1b]0;pwned\\x07 and \\x1b[2J,\ttabbed\nsecond line"' in terminal.getvalue()
    assert "\x1b" not in terminal.getvalue() and text in file.getvalue()


def test_convert_escapes_a_pages_control_characters_on_a_terminal(tmp_path, monkeypatch):
    import classifier.cli as cli
    from typer.testing import CliRunner

    page = tmp_path / "ansi.txt"
    page.write_text("Story \x1b]0;pwned\x07 here.\n\nSecond.\n", encoding="utf-8")
    monkeypatch.setattr(cli, "shown_on", lambda out: lambda text: text.replace("\x1b", "\\x1b").replace("\x07", "\\x07"))
    result = CliRunner().invoke(cli.app, ["convert", str(page)])
    assert result.stdout == "Story \\x1b]0;pwned\\x07 here.\n\nSecond.\n"
