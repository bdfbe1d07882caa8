"""The ``blocktag`` command: a thin typer layer over the library.

Each command is a typed ``*_cli`` wrapper: it parses options, calls the library and prints.
Library errors (:class:`BlocktagError`) become one line ``Error: ...`` on stderr and exit 1.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import shlex
import sys
import time
import warnings
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Iterator, Optional

import typer
from typer.core import TyperGroup

from . import __version__, help_format
from .adapt import DEFAULT_USER_WEIGHT
from .blocks import GUIDE_LABELS, read_groups, read_labelled
from .errors import BlocktagError, SettingError, command_line_names
from .extras import require
from .evaluation import DEFAULT_FOLDS, comparison_rows, interval_text
from .files import (DEFAULT_ENCODING, atomic_write, check_encoding, check_not_input, check_outputs, check_writable, is_folder_path,
                    prepare_output_folder)
from .bundle import SHIPPED_MODEL_WORD, check_model_path, load_model, model_path
from .params import parse_params, source_date_epoch
from .output import one_line, page_title, shown_on, write_batches, write_page_files, write_selected
from .stdio import (PipeClosed, escaped_for, guard_std_streams, is_stdout_failure, is_terminal, own_mark, silence_stdout,
                    stdout_error)
from .readers import input_kind, is_page_name
from .readers.pages import expand_inputs, holds_blocks, iter_pages
from .explain import DEFAULT_TOP
from .segmentation import DEFAULT_SPLIT, SPLIT_MODES
from .tagging import TaggedBatch, TaggedBlock, Tagger
from .training_checks import check_trainable
from .workers import exit_on_sigterm, resolve_jobs

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from .blocks import Block

help_format.install()


class _OptionsOnceGroup(TyperGroup):
    """The commands, each refusing an option that takes one value given twice (``-m a.npz
    -m b.npz`` kept only the last, silently); options that repeat (``--param``) may."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            _refuse_repeated_options(command, rest)
        return name, command, rest


def _refuse_repeated_options(command, args: list[str]) -> None:
    """A usage error for an option of ``command`` that takes one value (or a flag) given twice
    in its ``args`` (``-m a -m b``, ``-q --quiet``, ``--quiet --no-quiet``)."""
    options = {}
    for param in command.params:
        if getattr(param, "param_type_name", None) == "option":  # (typer's own click's Option)
            for opt in (*param.opts, *param.secondary_opts):
                options[opt] = param
    given: dict = {}
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        for name, param, valued in _options_in(token, options):
            if param in given and not (param.multiple or param.count):
                also = ", or for each model to compare, evaluate -m A -m B" if "--model" in param.opts else ""
                raise typer.BadParameter(f"given twice ({given[param]}, then {name}): give it once{also}",
                                         param_hint=" / ".join(param.opts))
            given.setdefault(param, name)
            if not param.is_flag and not valued:
                next(tokens, None)  # its value, whatever it looks like


def _options_in(token: str, options: dict) -> list[tuple[str, Any, bool]]:
    """The options one command-line token gives, as Click reads it: each one's name, its
    parameter and whether its value is in the token (``--format=csv``; ``-fcsv``; ``-q``, and
    short flags run together, ``-qk body``)."""
    if token.startswith("--"):
        name = token.split("=", 1)[0]
        return [(name, options[name], "=" in token)] if name in options else []
    if not token.startswith("-") or len(token) < 2:
        return []
    found = []
    for place, letter in enumerate(token[1:], start=2):
        param = options.get(f"-{letter}")
        if param is None:
            break  # (not an option Click knows: it says so itself)
        found.append((f"-{letter}", param, not param.is_flag and place < len(token)))
        if not param.is_flag:
            break  # the rest of the token is its value
    return found


app = typer.Typer(
    cls=_OptionsOnceGroup,
    name="blocktag",
    help="Tag the blocks of scraped article pages: body, caption, byline, contributor_note, promotion, other.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# rich is imported on first use: tagging prints through it only for a progress bar on a terminal.
@cache
def stdout_console() -> Console:
    from rich.console import Console

    class StdoutConsole(Console):
        def on_broken_pipe(self) -> None:  # rich exits 1; a reader gone (`| head -1`) ends the run as tag's does
            self.quiet = True
            raise PipeClosed()

    # (labels and paths are data, not markup or :emoji: codes; and a table or screen of blocktag's
    # shows what the terminal's encoding cannot as escapes: a label, a page's name, a file's in a
    # C locale)
    return StdoutConsole(file=_EscapingStdout(), highlight=False, soft_wrap=True, markup=False, emoji=False)


class _EscapingStdout:
    """Standard output (whichever it is at each write), with what its encoding cannot hold
    written as escapes (``\\u00e9``)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(escaped_for(text))

    def __getattr__(self, name: str):
        return getattr(sys.stdout, name)


@cache
def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


class Format(str, Enum):
    text = "text"
    jsonl = "jsonl"
    csv = "csv"


# What an output file's name says it holds; --format may be left out for these.
SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}


def output_format(fmt: Optional[Enum], output: Optional[str], formats: type[Enum], default: Enum,
                  suffixes: dict[str, str] = SUFFIX_FORMATS) -> Enum:
    """The output format: --format, else the one --output's suffix names (out.jsonl), else
    ``default``; a --format that contradicts the suffix, or a suffix naming a format the
    command cannot write, is refused, not written anyway."""
    suffix = Path(output).suffix.lower() if output else ""
    if output and not is_folder_path(output):  # (a folder of page files may be named anything)
        check_file_kind(output, "--output", ", ".join(formats.__members__), suffixes)
    implied = suffixes.get(suffix)
    if implied is not None and implied not in formats.__members__:
        raise fail(f"--output {output}: this command cannot write {implied} (it writes "
                   f"{', '.join(formats.__members__)}); name the output to match")
    if fmt is None:
        return formats(implied) if implied is not None else default
    if implied is not None and fmt.value != implied:
        raise fail(f"--format {fmt.value} contradicts --output {output} (a {suffix} file): drop --format, or name the "
                   f"output to match")
    return fmt


# Names of files of kinds a command may be asked to write and does not: each refused rather
# than written in another format under that name.
NOT_WRITTEN = {".json": "a .json file holds one JSON document", ".html": "an .html file is a web page",
               ".htm": "an .htm file is a web page", ".npz": "an .npz file is a model",
               ".tsv": "a .tsv file's columns are separated by tabs",
               ".yaml": "a .yaml file is YAML", ".yml": "a .yml file is YAML", ".parquet": "a .parquet file is Parquet",
               **{suffix: f"a {suffix} file is a spreadsheet (open a .csv in it)" for suffix in (".xlsx", ".xls", ".ods")},
               **{suffix: f"a {suffix} file is a document" for suffix in (".pdf", ".docx", ".doc", ".odt")}}


def check_file_kind(path, option: str, writes: str, suffixes: dict[str, str] = SUFFIX_FORMATS) -> None:
    """Refuse ``option``'s file when its name says a kind the command does not write there
    (``writes`` names what it does): `-o out.json` would hold text, `--json x.html` JSON."""
    suffix = Path(path).suffix.lower() if path else ""
    if suffix == ".gz":
        raise fail(f"{option} {path}: blocktag writes no compressed file; name it without .gz (and gzip it after)")
    if suffix in NOT_WRITTEN and suffix not in suffixes:
        raise fail(f"{option} {path}: {NOT_WRITTEN[suffix]}, and this writes {writes}; name it to match")


def fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {one_line(str(message))}", err=True)
    return typer.Exit(1)



def _check_source_date_epoch() -> None:
    """Before scikit-learn is imported: a SOURCE_DATE_EPOCH that is not a number of seconds
    would crash numpy's import (its f2py reads it) with a traceback."""
    if os.environ.get("SOURCE_DATE_EPOCH") == "":  # set to nothing (SOURCE_DATE_EPOCH= blocktag train ...): unset, as meant
        del os.environ["SOURCE_DATE_EPOCH"]
    try:
        source_date_epoch()
    except SettingError as exc:
        raise fail(f"SOURCE_DATE_EPOCH={exc.value!r} is not a number of seconds since 1970; set it to one (e.g. "
                   "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)) or unset it") from None


def wants_colour(stream) -> bool:
    """Colour on a terminal, unless NO_COLOR is set to anything but "" (no-color.org) or the
    terminal is a dumb one (TERM=dumb), as rich decides for the tables."""
    return is_terminal(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def echo_out(text: str, nl: bool = True) -> None:
    """Print to stdout; a reader gone (`| head -1`) ends the run quietly (exit 0), as tag's
    output does, not with Click's exit 1."""
    try:
        typer.echo(text, nl=nl)
        sys.stdout.flush()
    except BrokenPipeError:
        raise PipeClosed() from None


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into ``Error: ...`` and exit 1, with no traceback; within
    it, the library's messages name settings as options (``--encoding cp1252``)."""
    try:
        with command_line_names():
            yield
    except BlocktagError as exc:
        raise fail(str(exc)) from None
    except BrokenPipeError:
        raise PipeClosed() from None  # past Click, which would exit 1
    except OSError as exc:  # a path the system refused: not allowed, a name too long, a full disk
        if exc.filename is None:
            raise
        raise fail(path_error(exc)) from None


@contextlib.contextmanager
def option_checked(option: str, given: object) -> Iterator[None]:
    """A :class:`SettingError` raised inside as ``Error: --option GIVEN: its fix`` and exit 1."""
    try:
        yield
    except SettingError as exc:
        raise fail(f"{option} {given}: {exc.fix}") from None


def path_error(exc: OSError) -> str:
    """An OSError about a file, as one line that names it: "/root/page.txt: Permission denied"."""
    return f"{exc.filename}: {exc.strerror or exc}"


# A piped long job (train, cv, evaluate, tag -o) logs a line a stage instead of drawing a bar;
# --quiet stops both.
MAX_LOGGED_STAGES = 100
_quiet = False
clock = time.perf_counter  # what the progress lines time with (tests fix it)
TAG_LOG_EVERY_S = 30.0  # tag --output and evaluate, piped: a count of the blocks tagged at most this often
GC_YOUNG_OBJECTS = 20_000  # tag in its own process: the collector's young generation (Python's default: 700)


def _set_quiet(value: bool) -> bool:
    global _quiet
    _quiet = value
    return value


QuietOption = Annotated[bool, typer.Option(
    "--quiet", "-q", callback=_set_quiet,
    help="No progress on stderr (otherwise a bar on a terminal, and a line a stage when stderr is a file or pipe).")]


@contextlib.contextmanager
def progress_bar(description: str, total: int | None, show: bool = True, log: bool = False,
                 every: float | None = None) -> Iterator:
    """Progress on stderr, yielding ``advance(n)``: a bar on a terminal; elsewhere, with
    ``log``, a line at the start, one a stage (when there are few) and one at the end. With
    ``every`` (seconds), a streaming job instead logs no start line, a count at most that
    often, and the count at the end, so a run that fails at once prints only its error."""
    if not show or _quiet:
        yield lambda n: None
        return
    if not sys.stderr.isatty():
        if not log:
            yield lambda n: None
            return
        yield from _count_lines(description, every) if every is not None else _progress_lines(description, total)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    global _bar_console
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr_console(), transient=True) as bar:
        task = bar.add_task(description, total=total)
        _bar_console = bar.console
        try:
            yield lambda n: bar.advance(task, n)
        finally:
            _bar_console = None


_bar_console = None  # the console of the bar being drawn: a warning goes above the bar, not onto its line


def _progress_lines(description: str, total: int | None) -> Iterator:
    started, done = clock(), 0
    staged = total is not None and total <= MAX_LOGGED_STAGES
    typer.echo(f"{description}...", err=True)  # at once: a first stage may take minutes

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if staged:
            typer.echo(f"{description}: {done}/{total} done ({clock() - started:.0f} s)", err=True)

    yield advance
    typer.echo(f"{description}: finished in {clock() - started:.1f} s", err=True)


def _count_lines(description: str, every: float) -> Iterator:
    started = last = clock()
    done = 0

    def advance(n: int) -> None:
        nonlocal done, last
        done += n
        if clock() - last >= every:
            last = clock()
            typer.echo(f"{description}: {done:,} so far ({last - started:.0f} s)", err=True)

    yield advance
    typer.echo(f"{description}: {done:,} done, finished in {clock() - started:.1f} s", err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    # One line each (a library's warning of several lines joined at its breaks), and once: the
    # main and plain-text models' fits may each warn the same.
    if issubclass(category, DeprecationWarning):
        return  # a library's notice to its developers (pyparsing's is a UserWarning too), not to blocktag's users
    text = one_line(" ".join(str(message).split()))
    if text not in _warned:
        _warned.add(text)
        if _bar_console is not None:
            _bar_console.print(f"Warning: {text}")
        else:
            typer.echo(f"Warning: {text}", err=True)


_warned: set[str] = set()  # what this run has warned of


def _version(value: bool) -> None:
    if value:
        echo_out(f"blocktag {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
) -> None:
    """Tag the blocks of scraped article pages: body, caption, byline, contributor_note, promotion, other."""
    warnings.showwarning = _show_warning
    _warned.clear()  # (a host running several commands in one process hears each command's own)
    # The CLI's notices are Warning lines, not tracebacks, whatever -W or PYTHONWARNINGS asks
    # of warnings in general (CI sets "error"); other categories keep the filters given.
    warnings.filterwarnings("default", category=UserWarning)


# ---------------------------------------------------------------------- tag

def _path(value: str, param_hint: str | None = None) -> Path:
    """A file or folder's name; an empty one (a shell variable left unset) is refused, as
    Path("") would be the current folder."""
    if value == "":
        raise typer.BadParameter("an empty name (a shell variable left unset?); give a file's name", param_hint=param_hint)
    return Path(value)


def _model_name(value: Optional[Path]) -> Optional[Path]:
    """--model shipped is the shipped model (None, as no --model), unless a file of that name is here."""
    if value is not None and str(value) == SHIPPED_MODEL_WORD and not value.exists():
        return None
    return value


def _model_names(values: Optional[list[Path]]) -> Optional[list[Optional[Path]]]:
    return None if values is None else [_model_name(v) for v in values]


ModelOption = Annotated[Optional[Path], typer.Option(
    "--model", "-m", metavar="FILE", parser=_path, callback=_model_name,
    help=f"Model file (.npz), or '{SHIPPED_MODEL_WORD}' for the shipped model from any folder. Default: the shipped model.")]


def _known_encoding(value: str) -> str:
    """--encoding is checked before any file is read (a typo fails once, not per file)."""
    with user_errors():
        check_encoding(value)
    return value


def _valid_jobs(value: int) -> int:
    """--jobs 0 or -5 is refused up front; the cap at the core count warns in Tagger."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with option_checked("--jobs", value):
            resolve_jobs(value)
    return value


TrainJobsOption = Annotated[int, typer.Option("--jobs", "-j", help="Processes: 2 fits the main and plain-text models at once (the same model in about half the time; -1: as the cores allow).", callback=_valid_jobs)]
EncodingOption = Annotated[str, typer.Option("--encoding", metavar="NAME", help="Text encoding of the input files. An HTML page (or a WARC file's response) is read in the charset it names (and one naming none, in this encoding if it is not utf-8, else as browsers guess; a WARC's response that reads as UTF-8, as UTF-8); a byte-order mark wins over both.", callback=_known_encoding)]
# (Commands that read labelled blocks only: no HTML to say anything of.)
LabelledEncodingOption = Annotated[str, typer.Option("--encoding", metavar="NAME", help="Text encoding of the files of labelled blocks (JSONL, CSV, Label Studio JSON); a byte-order mark wins over it.", callback=_known_encoding)]
PlainTextModelOption = Annotated[bool, typer.Option("--plain-text-model/--no-plain-text-model", help="Also learn a model for pages with no links (plain-text scrapers' output), from your blocks with their links written as text. Doubles the training time.")]


def _file_name(value: str) -> Path:
    """An output file's name; a trailing "/" means a folder, which these outputs are not (the
    slash would otherwise be dropped and a file written in the folder's place)."""
    if value.endswith(("/", os.sep)):
        raise typer.BadParameter(f"{value} names a folder; give a file name")
    _refuse_dash(value)
    return _path(value)


def _json_name(value: str) -> Path:
    """--json's file name, or ``-`` for standard output (the tables then go to stderr)."""
    return JSON_TO_STDOUT if value == STDOUT_NAME else _file_name(value)


STDOUT_NAME = "-"
# What --json - stands for: this object itself, not a path that reads "-" (--json ./- is a file).
JSON_TO_STDOUT = Path(STDOUT_NAME)


def _refuse_dash(value: str, hint: str = "", param_hint: str | None = None) -> None:
    """``-`` for an output file is refused: it would be written as a file named "-"."""
    if value == "-":
        raise typer.BadParameter(f"- is standard output; give a file name{hint}", param_hint=param_hint)


OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", parser=_file_name, help="Write here (atomically) instead of stdout.")]
ParamOption = Annotated[Optional[list[str]], typer.Option(
    "--param", "-p", metavar="KEY=VALUE", show_default=False,
    help="A BlockClassifier parameter (repeatable), e.g. --param C=2 --param word_ngrams=1,3; saved with the model.",
)]


Split = Enum("Split", {mode: mode for mode in SPLIT_MODES}, type=str)  # --split's choices, as segmentation names them


SplitOption = Annotated[Optional[Split], typer.Option(
    "--split", show_default=False,
    help="How text pages split into blocks: auto (the default: at blank lines, re-joining hard-wrapped paragraphs such "
         "as html2text writes and its loose lists, and splitting pages written one paragraph a line); blank (at "
         "blank lines only); or line (every line a block). HTML and WARC pages split at the reader's blank lines, so "
         "--split with only those (or only files of blocks, split already) is refused.")]


def split_mode(split: Optional[Split], inputs: list[str]) -> str:
    """--split's mode (auto when not given); refused when every input is HTML or WARC by its
    name, which the HTML reader splits whatever --split says."""
    if split is None:
        return DEFAULT_SPLIT
    if "-" in inputs:
        return split.value
    try:
        with warnings.catch_warnings():  # what reading the inputs warns of is said once, when they are read
            warnings.simplefilter("ignore")
            paths = list(expand_inputs(inputs))
            kinds = [input_kind(path, sniff=False) for path in paths]
            unsplit = [kind for kind, path in zip(kinds, paths) if kind == "text" or (kind == "labelled" and not holds_blocks(path))]
    except BlocktagError:
        return split.value  # the input's own error is said when it is read
    if kinds and set(kinds) <= {"html", "warc"}:
        raise fail(f"--split {split.value} splits pages of text, and these inputs are all HTML or WARC, whose blocks "
                   "are their elements: drop --split")
    if kinds and not unsplit:
        raise fail(f"--split {split.value} splits pages of text, and these inputs are all files of blocks (split "
                   "already), HTML or WARC: drop --split")
    return split.value


@app.command("tag")
def tag_cli(
    inputs: Annotated[list[str], typer.Argument(help="Page files (.txt, .md or any text, .html/.htm/.mhtml/.mht/.webarchive, each also gzipped; .warc/.warc.gz, WET .wet.gz, ARC .arc/.arc.gz), directories of them (a mirror's .php, .asp... pages holding HTML too), .jsonl/.csv files of blocks or of whole pages (a 'text', 'html', 'markdown' or 'content' field, and 'url'), .json files of pages, or - for stdin.", show_default=False, metavar="PATH...")],
    model: ModelOption = None,
    fmt: Annotated[Optional[Format], typer.Option("--format", "-f", help="Output format. Default: the one --output's name says (.jsonl, .csv), else text.", show_default=False)] = None,
    split: SplitOption = None,
    keep: Annotated[Optional[list[str]], typer.Option("--keep", "-k", metavar="LABEL", help="Keep only blocks with this label (repeatable): the cleaned page as text (a '# page' line above each page when there are several), or the kept records with --format jsonl/csv; with -o DIR/, one cleaned file per page (.txt, or .jsonl/.csv with --format).")] = None,
    output_arg: Annotated[Optional[str], typer.Option("--output", "-o", metavar="FILE", help="Write here (atomically) instead of stdout; with --keep, a folder (DIR/) takes one file per page.")] = None,
    encoding: EncodingOption = DEFAULT_ENCODING,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes tagging at once: this one and N-1 workers (-1: one per core).", callback=_valid_jobs)] = 1,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad file instead of skipping it.")] = False,
    dask_address: Annotated[Optional[str], typer.Option("--dask", metavar="ADDRESS", help="Tag on this Dask scheduler (e.g. tcp://10.0.0.5:8786); --output names a new or empty folder for the JSONL shards. Needs the dask extra: dask and distributed (in a checkout, pip install '.[dask]').")] = None,
    quiet: QuietOption = False,
) -> None:
    """Tag every block of scraped pages.

    \b
    Example: blocktag tag page.txt --keep body
    """
    if output_arg is not None:  # (a str, not parsed by _file_name: it may name a folder)
        _refuse_dash(output_arg, ", or leave the option out to print", param_hint="'--output' / '-o'")
    output = _path(output_arg, param_hint="'--output' / '-o'") if output_arg is not None else None
    mode = split_mode(split, inputs)
    if dask_address is not None:
        if keep or fmt is not None:
            raise fail("--dask writes every block as JSONL shards: drop --keep and --format")
        if jobs != 1:
            raise fail("--dask tags on the cluster's workers: drop --jobs (give the workers more threads instead)")
        return _tag_on_dask(inputs, model, output, encoding, dask_address, mode)
    fmt = output_format(fmt, output_arg, Format, Format.text)
    bad_files = BadFiles(inputs, strict)
    # -o DIR/ (or an existing folder) with --keep: one cleaned file per page.
    to_folder = output is not None and output_arg.endswith(("/", os.sep))
    if to_folder and not keep:  # the usage error every file option gives, and what a folder is for
        raise typer.BadParameter(f"{output_arg} names a folder; give a file name (a folder takes one cleaned "
                                 "file per page, with --keep)", param_hint="'--output' / '-o'")
    per_page = bool(keep) and output is not None and is_folder_path(output_arg)
    with user_errors():
        if output is not None and not per_page:
            check_not_input(output, [*inputs, model_path(model)], is_page_name)
            _check_keeps_given_labels(output, "the tagged blocks")  # an earlier run's output, labelled since
        tagger = Tagger(model, jobs=jobs)
        if _own_process:
            # The modules and the model live for the whole run: the collector need not walk
            # them again at each full collection, nor at exit (a run is 40-70 ms faster).
            gc.freeze()
            # Tagging makes and drops tens of thousands of small containers a batch, freed by
            # their counts; collecting the young generation every 700 of them finds no cycle
            # to free (a run is about 20 ms faster with a young generation of 20,000).
            gc.set_threshold(GC_YOUNG_OBJECTS, *gc.get_threshold()[1:])
        unknown = sorted(set(keep or []) - set(tagger.model.labels))
        if unknown:
            raise fail(f"--keep {unknown[0]}: the model has no such label; its labels are {', '.join(tagger.model.labels)}")
        # the folders the run makes, the output's first: a run that writes nothing leaves none behind
        made = [path for path in (output, *output.parents) if not path.exists()] if per_page else []
        folder = prepare_output_folder(output) if per_page else None  # new or empty, before any tagging
        pages = iter_pages(inputs, encoding, on_error=bad_files.on_error, split=mode)
        batches = tagger.tag_batches(pages)
        if keep and per_page:
            written = []
            try:
                with progress_bar("Tagging blocks", None, log=True, every=TAG_LOG_EVERY_S) as advance:
                    written = write_page_files(_blocks_of(batches, advance), folder, fmt.value, set(keep))
            finally:
                for path in made if not written else ():
                    with contextlib.suppress(OSError):
                        path.rmdir()
            if written or not made:
                typer.echo(f"Wrote {len(written)} page(s) to {one_line(str(output))}", err=True)
            else:
                typer.echo(f"Wrote no page, so {one_line(str(output))} was not made", err=True)
        else:
            # the output is closed (and any failure to write it raised) before the last progress line
            with progress_bar("Tagging blocks", None, show=output is not None, log=True, every=TAG_LOG_EVERY_S) as advance, \
                    _output_stream(output) as out:
                if keep:
                    write_selected(_blocks_of(batches, advance), out, fmt.value, set(keep), headers=None)
                else:
                    colour = output is None and fmt is Format.text and wants_colour(sys.stdout)
                    write_batches(_counting(batches, advance), out, fmt.value, colour=colour)
    bad_files.finish("tagged")


def _holds_pages(path: str) -> bool:
    """Whether ``path`` is a folder holding pages (False where it cannot be looked into: its
    reading says why)."""
    try:
        return any(is_page_name(p.name) for p in Path(path).glob("*"))
    except OSError:
        return False


def _check_keeps_given_labels(output: Path, what: str) -> None:
    from .suggest import MAX_CHECKED_LINES, check_keeps_given_labels

    check_keeps_given_labels(output, what, MAX_CHECKED_LINES)


class BadFiles:
    """What a command does with an input file it cannot read: with several inputs, warn
    and carry on to the others, then end with exit 1 saying how many; with ``strict``, or a
    single page (or an empty folder: nothing to carry on to), its error is the run's."""

    def __init__(self, inputs: list[str], strict: bool = False):
        single = len(inputs) == 1 and not _holds_pages(inputs[0])
        self.strict = strict or single
        self.skipped: list[str] = []

    @property
    def on_error(self):
        return None if self.strict else self._skip

    def _skip(self, exc: BlocktagError) -> None:
        self.skipped.append(str(exc))
        typer.echo(f"Warning: {one_line(str(exc))} (skipped)", err=True)

    def finish(self, done: str) -> None:
        if self.skipped:
            raise fail(f"{len(self.skipped)} input file(s) could not be {done}")


def _tag_on_dask(inputs: list[str], model: Optional[Path], output: Optional[Path], encoding: str, address: str,
                 split: str) -> None:
    if output is None:
        raise fail("--dask writes JSONL shards into a folder: give one with --output")
    if Path(output).suffix.lower() in _FILE_SUFFIXES and not Path(output).is_dir():
        raise fail(f"--output {output}: with --dask, blocktag writes a folder of JSONL shards (part-00000.jsonl, ...); "
                   f"name a folder, e.g. {Path(output).with_suffix('')}/")
    created = not Path(output).exists()
    with user_errors():
        from .distributed import connect, tag_files_on_dask

        try:
            prepare_output_folder(output)  # a folder holding an earlier run's shards fails before connecting
            with connect(address) as client:
                shards = tag_files_on_dask(inputs, output, client=client, model=model, encoding=encoding, split=split)
        except BaseException:
            if created:  # a failed run leaves no empty folder behind
                with contextlib.suppress(OSError):
                    Path(output).rmdir()
            raise
    typer.echo(f"Wrote {len(shards)} shard(s) to {one_line(str(output))}", err=True)


# Names of files, not of the folder --dask writes into.
_FILE_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".txt", ".json", ".gz", ".html", ".md")


def _counting(batches: Iterator[TaggedBatch], advance) -> Iterator[TaggedBatch]:
    for batch in batches:
        yield batch
        advance(len(batch))  # once written


def _blocks_of(batches: Iterator[TaggedBatch], advance) -> Iterator[TaggedBlock]:
    for batch in _counting(batches, advance):
        yield from batch


@contextlib.contextmanager
def _output_stream(path: Optional[Path]):
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    check_writable(path)
    with atomic_write(path) as handle:
        yield handle


# ---------------------------------------------------------------------- convert


class ConvertFormat(str, Enum):
    text = "text"  # the one thing convert writes: an output named .jsonl or .csv is refused


@app.command("convert")
def convert_cli(
    inputs: Annotated[list[str], typer.Argument(help="Pages as for 'blocktag tag': text (.txt, .md), HTML (.html/.htm, .mhtml, .webarchive; also gzipped), WARC/WET/ARC files, .jsonl/.csv/.json files of pages, folders, or - for stdin.", show_default=False, metavar="PATH...")],
    output: OutputOption = None,
    encoding: EncodingOption = DEFAULT_ENCODING,
    split: SplitOption = None,
) -> None:
    """Print the text blocktag tags for each page: HTML turned into blocks, in the corpus's form.

    With several pages, each comes under a '==> page <==' line.

    \b
    Example: blocktag convert page.html
    """
    from itertools import chain

    from .blocks import join_blocks

    output_format(None, output, ConvertFormat, ConvertFormat.text)
    mode = split_mode(split, inputs)
    bad_files = BadFiles(inputs)
    with user_errors():
        check_outputs([output], inputs, is_page_name)
        pages = _whole_pages(iter_pages(inputs, encoding, on_error=bad_files.on_error, split=mode))
        first = list(next(pages, []) for _ in range(2))
        headers = bool(first[1])
        with _output_stream(output) as out:
            shown = shown_on(out)  # (a page's escape sequences escaped on a terminal, as tag shows them)
            for n, page in enumerate(chain((p for p in first if p), pages)):
                if headers:
                    out.write(("\n" if n else "") + f"==> {page_title(page[0])} <==\n")  # (a crawl's page: with its URL)
                out.write(shown(join_blocks(b.text for b in page)) + "\n")
    bad_files.finish("converted")


def _whole_pages(pages: Iterator[list[Block]]) -> Iterator[list[Block]]:
    """Pages as :func:`iter_pages` gives them, a very long page's chunks (which tagging
    reads as pages of their own, with a warning) joined again: ``convert`` shows the page."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"page .* blocks; it is tagged in chunks")
        whole: list[Block] = []
        for page in pages:
            if whole and (page[0].page, page[0].index) != (whole[-1].page, whole[-1].index + 1):
                yield whole
                whole = []
            whole += page
        if whole:
            yield whole


# ---------------------------------------------------------------------- train


@app.command("train")
def train_cli(
    data: Annotated[list[Path], typer.Argument(parser=_path, help="Labelled blocks: JSONL or CSV files (page, index, text, label), or Label Studio JSON exports.", show_default=False, metavar="FILE...")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", parser=_file_name, help="Where to save the model (.npz: arrays, safe to share).", show_default=False)],
    with_corpus: Annotated[bool, typer.Option("--with-corpus", help="Also train on the shipped corpus: adapts the shipped model to your pages.")] = False,
    weight: Annotated[Optional[float], typer.Option("--weight", help=f"With --with-corpus: how many times each of your blocks counts. [default: {DEFAULT_USER_WEIGHT:g}]", show_default=False)] = None,
    param: ParamOption = None,
    plain_text_model: PlainTextModelOption = True,
    remember: Annotated[Optional[bool], typer.Option("--remember/--no-remember", help="Also remember your blocks word for word: a block of a new page that reads as one of them (case, numbers, spacing and link targets aside) gets your label. Sites repeat their chrome. [default: on with --with-corpus]", show_default=False)] = None,
    jobs: TrainJobsOption = 1,
    quiet: QuietOption = False,
    encoding: LabelledEncodingOption = DEFAULT_ENCODING,
) -> None:
    """Train a model on labelled blocks and save it.

    \b
    Example: blocktag train training/data/*.jsonl --output my.npz

    \b
    Example: blocktag train my_labels.jsonl --with-corpus --output mine.npz
    """
    if weight is not None and not with_corpus:
        raise fail("--weight weighs your blocks against the shipped corpus: add --with-corpus, or drop --weight")
    if jobs != 1 and not plain_text_model:
        raise fail("--jobs fits the main and the plain-text model at once: with --no-plain-text-model there is one "
                   "model to fit; drop --jobs")
    _check_source_date_epoch()
    with user_errors():
        require("train", "training")  # before the output path is checked: say what to install first
        if weight is not None:
            from .adapt import check_weight

            with option_checked("--weight", repr(weight).removesuffix(".0")):  # (as given: no rounding)
                check_weight(weight)
        check_not_input(output, data)
        check_model_path(output)
        check_writable(output)
        settings = parse_params(param or [])  # typed and checked: a bad --param fails before any reading
        started = clock()
        blocks = read_labelled(data, encoding=encoding)
        source = ", ".join(str(p) for p in data)
        if not with_corpus:  # with the corpus, a few blocks of your own are enough
            check_trainable(blocks, source=source)
        with progress_bar(f"Training on {len(blocks):,} blocks" + (" and the corpus" if with_corpus else ""), None,
                          log=True):
            from .model import train  # scikit-learn, imported only to train

            if with_corpus:
                from .adapt import train_with_corpus

                bundle = train_with_corpus(blocks, DEFAULT_USER_WEIGHT if weight is None else weight, source=source,
                                           plain_text_model=plain_text_model, remember=remember is not False,
                                           jobs=jobs, **settings)
            else:
                bundle = train(blocks, source=source, plain_text_model=plain_text_model,
                               remember=blocks if remember else (), jobs=jobs, **settings)
        bundle.save(output)
        elapsed = clock() - started
    meta = bundle.metadata
    table = _table("label", "blocks", title=f"Trained on {_count(meta['pages'], 'page')}, {_count(meta['blocks'], 'block')} "
                                           f"in {elapsed:.1f} s")
    for label, count in meta["label_counts"].items():
        table.add_row(label, f"{count:,}")
    print_table(table)
    if "sources" in meta:
        corpus, user = meta["sources"]["corpus"], meta["sources"]["user"]
        stdout_console().print(f"Corpus: {_count(corpus['pages'], 'page')}, {_count(corpus['blocks'], 'block')}; yours: "
                               f"{_count(user['pages'], 'page')}, {_count(user['blocks'], 'block')}, {_user_weight(user)}")
    if settings:  # as saved: a setting the data could not use is saved as it was used
        saved = {name: meta["params"].get(name, value) for name, value in settings.items()}
        stdout_console().print(f"Settings: {settings_text(saved)} (saved with the model; the rest are the defaults)",
                               highlight=False)
    if "memory" in meta:
        stdout_console().print(f"Remembered {meta['memory']['remembered']} of your blocks' texts"
                               " (a text you labelled two ways is not remembered)")
    plain = " (and a plain-text model, for pages with no link)" if bundle.plain is not None else ""
    stdout_console().print(f"Saved model to {one_line(str(output))}{plain}")


# ---------------------------------------------------------------------- evaluate


@app.command("evaluate")
def evaluate_cli(
    data: Annotated[list[Path], typer.Argument(parser=_path, help="Labelled blocks to score against: JSONL or CSV files (page, index, text, label), or Label Studio JSON exports.", show_default=False, metavar="FILE...")],
    models: Annotated[Optional[list[Path]], typer.Option("--model", "-m", metavar="FILE", parser=_path, callback=_model_names, help=f"Model file, or '{SHIPPED_MODEL_WORD}' for the shipped model from any folder; repeat to compare models side by side (e.g. -m {SHIPPED_MODEL_WORD} -m mine.npz: B - A is what yours adds). Default: the shipped model.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", metavar="FILE", parser=_json_name, help="Also write the figures to this JSON file (- for standard output: the tables then go to stderr).")] = None,
    report_path: Annotated[Optional[Path], typer.Option("--report", metavar="FILE", parser=_file_name, help="Also write a self-contained HTML report with plots.")] = None,
    quiet: QuietOption = False,
    encoding: LabelledEncodingOption = DEFAULT_ENCODING,
) -> None:
    """Score models on labelled blocks: accuracy, per-label precision/recall/F1, macro-F1, confusion matrix.

    \b
    Example: blocktag evaluate held_out.jsonl --json scores.json

    \b
    Example (the report needs matplotlib, the report extra): blocktag evaluate held_out.jsonl -m shipped -m my.npz --report report.html
    """
    from .evaluation import compare, evaluate, figures_of
    from .report import json_text, render_html, write_files

    named = [SHIPPED_MODEL_WORD if path is None else str(path) for path in models or []]  # (None: -m shipped)
    files = [os.path.realpath(model_path(path)) for path in models or []]  # one file under two names is twice too
    twice = next((k for k, file in enumerate(files) if file in files[:k]), None)
    if twice is not None:
        first = named[files.index(files[twice])]
        also = "" if first == named[twice] else f" (as {first}, then as {named[twice]})"
        raise fail(f"--model {named[twice]} is given twice{also}: give each model to compare once")
    json_out, json_path = _json_target(json_path)
    check_file_kind(json_path, "--json", "JSON", {".json": "json"})
    check_file_kind(report_path, "--report", "an HTML page", {".html": "html", ".htm": "html"})
    with user_errors():
        model_files = [path for path in models or [] if path is not None]
        check_outputs([json_path, report_path], [*data, *model_files])  # before the work, not after it
        if report_path is not None:
            require("report", "--report")
        bundles = [load_model(path) for path in models or [None]]  # every model file checked before the work
        blocks = read_labelled(data, encoding=encoding)
        if not blocks:
            raise fail(f"{', '.join(map(str, data))}: no labelled blocks to evaluate on")
        results: dict[str, dict] = {}
        for path, bundle in zip(models or [None], bundles):
            name = str(path) if path is not None else "shipped model"
            with progress_bar(f"Tagging blocks with {name}", len(blocks), log=True, every=TAG_LOG_EVERY_S) as advance:
                results[name] = evaluate(bundle, blocks, on_progress=advance)
        figures = {name: figures_of(metrics) for name, metrics in results.items()}
        comparison = compare(results) if len(results) > 1 else {}
        # Both files, or neither (the plots, seconds of drawing, before either is written).
        texts = []  # (both may be /dev/stdout)
        as_json = json_text(next(iter(figures.values())) if len(figures) == 1
                            else {"models": figures, "comparison": comparison})
        if json_path is not None:
            texts.append((json_path, as_json))
        if report_path is not None:
            texts.append((report_path, render_html(results, [str(p) for p in data], comparison or None)))
        write_files(texts)
        for path, _ in texts:
            typer.echo(f"Wrote {one_line(str(path))}", err=True)
    console = stderr_console() if json_out else stdout_console()
    for name, metrics in figures.items():
        print_metrics(metrics, name if len(figures) > 1 else None, console)
    if len(figures) > 1:
        print_comparison(figures, comparison, console)
    if json_out:
        echo_out(as_json, nl=False)  # (it ends with its line break)


def _json_target(json_path: Path | None) -> tuple[bool, Path | None]:
    """Whether --json is standard output, and the file it names otherwise."""
    if json_path is JSON_TO_STDOUT:
        return True, None
    return False, json_path


def _table(*columns: str, title: str) -> Table:
    """A table whose cells are never cut or wrapped: label names and figures stay whole."""
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, no_wrap=True)
    return table


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` without cutting a cell ("contributor_note" never becomes "contributo").

    A table wider than the terminal folds its column headers to fit (a confusion matrix's
    "contributor_note" header over two lines), never narrower than the column's values; the
    first column (the labels) and every value stay whole. A table still too wide is printed
    at its natural width, running past the edge rather than cutting anything."""
    console = console or stdout_console()
    folded = table.columns[1:]
    if folded and _natural_width(console, table) > console.width:
        first = max(len(str(cell)) for cell in [table.columns[0].header, *table.columns[0].cells])
        rules_and_padding = len(table.columns) + 1 + 2 * len(table.columns)
        share = (console.width - first - rules_and_padding) // len(folded)
        for column in folded:
            widest = max((len(str(cell)) for cell in column.cells), default=0)
            column.max_width = max(3, share, widest)
            column.min_width = widest  # (the header folds; a figure never does: "0.99" / "2")
            column.no_wrap, column.overflow = False, "fold"
    needed = _natural_width(console, table)
    if needed <= console.width:
        console.print(table)
        return
    # (print(width=) is capped at the console's width: the console is widened for the table)
    width = console.width
    console.width = needed
    try:
        console.print(table)
    finally:
        console.width = width


def _natural_width(console: Console, table: Table) -> int:
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(10_000), table).maximum


def _count(n: int, noun: str) -> str:
    """A count and its noun: 1 page, 2 pages, 1,065 blocks."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def print_metrics(metrics: dict, name: str | None = None, console: Console | None = None) -> None:
    console = console or stdout_console()
    title = f"{_count(metrics['blocks'], 'block')}, {_count(metrics['pages'], 'page')}" + (f": {name}" if name else "")
    table = _table("label", "precision", "recall", "F1", "support", title=title)
    for label, row in metrics["per_label"].items():
        table.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    print_table(table, console)
    spread = metrics.get("macro_f1_interval")
    console.print(f"accuracy {metrics['accuracy']:.3f}   macro-F1 {metrics['macro_f1']:.3f} ({interval_text(spread)})"
                  + (f"   calibration error (ECE) {metrics['calibration']['ece']:.3f}" if "calibration" in metrics else ""))
    labels = metrics["confusion_matrix"]["labels"]
    confusion = _table("true \\ predicted", *labels, title="confusion matrix")
    for label, row in zip(labels, metrics["confusion_matrix"]["matrix"]):
        confusion.add_row(label, *[str(n) for n in row])
    print_table(confusion, console)




def print_comparison(figures: dict[str, dict], comparison: dict[str, dict] | None = None,
                     console: Console | None = None) -> None:
    """Models side by side, each column headed by a letter; the legend names the files (a
    long path would otherwise be cut to fit the column). ``comparison`` (from
    :func:`evaluation.compare`) adds each model's macro-F1 difference from A with its paired
    interval."""
    names = list(figures)
    letters = [chr(ord("A") + k) if k < 26 else f"M{k + 1}" for k in range(len(names))]
    delta = own_mark("Δ", "d")
    table = _table("figure", *letters, *[f"{delta} {n}" for n in letters[1:]],
                   title=f"models side by side ({delta} against A)")

    for title, values in comparison_rows(figures):
        table.add_row(title, *[f"{v:.3f}" for v in values], *[f"{v - values[0]:+.3f}" for v in values[1:]])
    console = console or stdout_console()
    print_table(table, console)
    for letter, name in zip(letters, names):
        console.print(f"{letter} = {name}")
    for letter, name in zip(letters[1:], names[1:]):
        if comparison and name in comparison:
            change = comparison[name]
            spread = f" ({interval_text(change['interval'], signed=True)})"
            console.print(f"{letter} - A: macro-F1 {change['macro_f1_difference']:+.3f}{spread}")


# ---------------------------------------------------------------------- cv


@app.command("cv")
def cv_cli(
    data: Annotated[list[Path], typer.Argument(parser=_path, help="Labelled blocks: JSONL or CSV files (page, index, text, label), or Label Studio JSON exports.", show_default=False, metavar="FILE...")],
    folds: Annotated[int, typer.Option("--folds", min=2, help="Number of folds.")] = DEFAULT_FOLDS,
    group: Annotated[str, typer.Option("--group", metavar="FIELD", help="Keep each group in one fold: 'page', 'file' (e.g. one file per site), or a field of the records that every block of a page shares (e.g. 'site').")] = "page",
    json_path: Annotated[Optional[Path], typer.Option("--json", metavar="FILE", parser=_json_name, help="Also write the figures to this JSON file (- for standard output: the tables then go to stderr).")] = None,
    param: Annotated[Optional[list[str]], typer.Option(
        "--param", "-p", metavar="KEY=VALUE", show_default=False,
        help="A BlockClassifier parameter (repeatable), e.g. --param C=2 --param word_ngrams=1,3; recorded in --json.",
    )] = None,
    plain_text_model: PlainTextModelOption = True,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Folds trained at once, each in its own process (-1: one per core); the figures are the same.", callback=_valid_jobs)] = 1,
    quiet: QuietOption = False,
    encoding: LabelledEncodingOption = DEFAULT_ENCODING,
) -> None:
    """Cross-validate the training recipe, grouped so no page (or site) is in both train and test folds.

    \b
    Example: blocktag cv training/data/*.jsonl --folds 5 --group file
    """
    from .evaluation import cross_validate, cross_validation_splits
    from .report import json_text, write_json

    json_out, json_path = _json_target(json_path)
    check_file_kind(json_path, "--json", "JSON", {".json": "json"})
    _check_source_date_epoch()
    with user_errors():
        check_outputs([json_path], data)  # before the work, not after it
        settings = parse_params(param or [])
        blocks = read_labelled(data, encoding=encoding)
        if not blocks:
            raise fail(f"{', '.join(map(str, data))}: no labelled blocks to cross-validate on")
        groups = [b.page for b in blocks] if group == "page" else read_groups(data, group, encoding)
        source = ", ".join(str(p) for p in data)
        splits = cross_validation_splits(blocks, folds, groups, source, **settings)  # errors before the first line
        with progress_bar(f"Cross-validating ({folds} folds)", folds, log=True) as advance:
            result = cross_validate(blocks, folds=folds, groups=groups, on_fold=lambda k: advance(1), source=source,
                                    plain_text_model=plain_text_model, jobs=jobs, splits=splits, **settings)
        result = {**result, "grouped_by": group, "data": [str(p) for p in data]}
        if json_path is not None:
            write_json(result, json_path)
            typer.echo(f"Wrote {one_line(str(json_path))}", err=True)
    table = _table("label", "F1 mean", "F1 std",
                   title=f"{result['folds']}-fold cross-validation grouped by {group} ({result['groups']} groups)")
    for label, spread in result["per_label"].items():
        folds = spread["folds"]  # (a label only some folds hold: said, as one fold has no spread)
        table.add_row(label, f"{spread['mean']:.3f}", "n/a (1 fold)" if folds == 1 else f"{spread['std']:.3f}"
                      + (f" ({folds} folds)" if folds < result["folds"] else ""))
    console = stderr_console() if json_out else stdout_console()
    print_table(table, console)
    if settings:
        console.print(f"Settings: {settings_text(settings)} (the rest are the defaults)", highlight=False)
    plus_minus = own_mark("±", "+/-")
    console.print(f"macro-F1 {result['macro_f1']['mean']:.3f} {plus_minus} {result['macro_f1']['std']:.3f}   "
                  f"accuracy {result['accuracy']['mean']:.3f} {plus_minus} {result['accuracy']['std']:.3f}")
    if json_out:
        echo_out(json_text(result), nl=False)


# ---------------------------------------------------------------------- explain


class ExplainFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


@app.command("explain")
def explain_cli(
    inputs: Annotated[list[str], typer.Argument(help="Pages as for 'blocktag tag': text, HTML, WARC, .jsonl/.csv blocks or pages, folders, or -.", show_default=False, metavar="PATH...")],
    top: Annotated[int, typer.Option("--top", min=1, help="How many features to show for each block.")] = DEFAULT_TOP,
    fmt: Annotated[Optional[ExplainFormat], typer.Option("--format", "-f", help="text (for people) or jsonl (the tag record plus runner_up, evidence and model). Default: jsonl when --output's name ends .jsonl, else text.", show_default=False)] = None,
    output: OutputOption = None,
    model: ModelOption = None,
    split: SplitOption = None,
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Show why each block got its label: confidence, runner-up, and the features that pushed it there most.

    \b
    Example: blocktag explain page.txt --top 3
    """
    from .explain import explain_pages
    from .output import write_explanations

    fmt = output_format(fmt, None if output is None else str(output), ExplainFormat, ExplainFormat.text)
    mode = split_mode(split, inputs)
    bad_files = BadFiles(inputs)
    with user_errors():
        check_outputs([output], [*inputs, model_path(model)], is_page_name)
        if output is not None:
            _check_keeps_given_labels(output, "the explanations")
        bundle = load_model(model)
        with _output_stream(output) as out:
            pages = iter_pages(inputs, encoding, on_error=bad_files.on_error, split=mode)
            write_explanations(explain_pages(bundle, pages, top), out, fmt.value)
    bad_files.finish("explained")


# ---------------------------------------------------------------------- suggest


class SuggestFormat(str, Enum):
    jsonl = "jsonl"
    labelstudio = "labelstudio"


@app.command("suggest")
def suggest_cli(
    inputs: Annotated[list[str], typer.Argument(help="Unlabelled pages as for 'blocktag tag': text, HTML, WARC, .jsonl/.csv blocks or pages, folders, or -.", show_default=False, metavar="PATH...")],
    pages: Annotated[int, typer.Option("--pages", "-n", min=1, help="How many pages to suggest.", show_default=False)],
    output: OutputOption = None,
    fmt: Annotated[Optional[SuggestFormat], typer.Option("--format", "-f", help="jsonl: the guide's JSONL with the guesses as labels, for 'blocktag label'; labelstudio: Label Studio tasks (JSON). Default: the one --output's name says (.jsonl, .json), else jsonl.", show_default=False)] = None,
    config: Annotated[Optional[Path], typer.Option("--config", metavar="FILE", parser=_file_name, help="With --format labelstudio: also write the Label Studio labeling config (XML) here.")] = None,
    exclude: Annotated[Optional[list[Path]], typer.Option("--exclude", metavar="FILE", parser=_path, help="Pages already labelled: never suggest a page this file of labelled blocks holds, by its name or by its text (JSONL, CSV or a Label Studio export; repeatable).", show_default=False)] = None,
    model: ModelOption = None,
    split: SplitOption = None,
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Pick the pages most worth labelling: the least certain, unlike each other; written pre-labelled, best first.

    \b
    Example: blocktag suggest crawl/ --pages 10 -o to_label.jsonl
    For Label Studio: blocktag suggest crawl/ --pages 10 --format labelstudio -o tasks.json --config config.xml
    """
    fmt = output_format(fmt, None if output is None else str(output), SuggestFormat, SuggestFormat.jsonl,
                        {**SUFFIX_FORMATS, ".json": SuggestFormat.labelstudio.value})
    if config is not None and fmt is not SuggestFormat.labelstudio:
        raise fail("--config writes a Label Studio labeling config: add --format labelstudio, or drop --config")
    check_file_kind(config, "--config", "a labeling config (XML)")
    if output is not None and Path(output).suffix.lower() in (".txt", ".md", ".xml"):  # label would refuse it next
        # (.xml: the tasks written over the labeling config, -o taken for --config)
        raise fail(f"--output {output}: suggest writes Label Studio tasks, which Label Studio imports from a .json "
                   "file; name it .json" if fmt is SuggestFormat.labelstudio else
                   f"--output {output}: suggest writes JSON lines, which blocktag label reads from a .jsonl file; "
                   "name it .jsonl")
    from .suggest import check_keeps_given_labels, labelled, suggest_pages

    mode = split_mode(split, inputs)
    bad_files = BadFiles(inputs)
    with user_errors():
        check_outputs([output, config], [*inputs, *(exclude or []), model_path(model)], is_page_name)
        if output is not None:
            check_keeps_given_labels(output)  # round two of the loop may reuse round one's name
        if config is not None:
            check_keeps_given_labels(config, "the labeling config")
        already = labelled(exclude or [], encoding)
        bundle = load_model(model)
        left_out: list[str] = []
        picked = suggest_pages(bundle, iter_pages(inputs, encoding, on_error=bad_files.on_error, split=mode), pages,
                               exclude=already, on_excluded=left_out.append)
        if not picked:  # nothing written: an empty file would only fail at 'blocktag label'
            bad_files.finish("read")
            raise fail("every page is already labelled (held in --exclude's files): nothing to suggest" if left_out
                       else "no pages to suggest from")
        with _output_stream(output) as out:
            if fmt is SuggestFormat.labelstudio:
                from .labelstudio import write_tasks

                write_tasks([s.records() for s in picked], out)
            else:
                from .suggest import write_jsonl

                write_jsonl(picked, out)
        if config is not None:
            from .labelstudio import labeling_config

            with atomic_write(config) as handle:
                handle.write(labeling_config(bundle.labels))
            typer.echo(f"Wrote {one_line(str(config))}", err=True)
    fewer = f" (every page there was to pick from; {pages} asked)" if len(picked) < pages else ""
    if exclude:
        typer.echo(f"Left out {len(left_out)} page(s) that --exclude's files hold", err=True)
    # (ranked by score: the expected mistakes, cut for a page like one ranked above it)
    table = _table("rank", "page", "blocks", "expected mistakes", "score", title=f"{len(picked)} page(s) to label, "
                   f"best first{fewer}")
    from rich.text import Text

    for s in picked:
        # (a page's name as plain text, escaped: a crawl's names are anybody's, "[red]" or an escape code)
        table.add_row(str(s.rank), Text(one_line(s.page)), str(len(s.blocks)), f"{s.expected_mistakes:.2f}",
                      f"{s.score:.2f}")
    print_table(table, stderr_console())
    bad_files.finish("read")


# ---------------------------------------------------------------------- label


@app.command("label")
def label_cli(
    path: Annotated[Path, typer.Argument(parser=_path, help="Pre-labelled blocks in the guide's JSONL, e.g. from 'blocktag suggest'.", show_default=False, metavar="FILE")],
    model: Annotated[Optional[Path], typer.Option("--model", "-m", metavar="FILE", parser=_path, callback=_model_name, help="Offer this model's labels (one trained on labels of your own, as given to suggest). Default: the guide's six; any other label the file holds is offered too.")] = None,
    encoding: Annotated[str, typer.Option("--encoding", metavar="NAME", help="Text encoding of the JSONL file; a byte-order mark wins over it.", callback=_known_encoding)] = DEFAULT_ENCODING,
    again: Annotated[bool, typer.Option("--again", help="Go through every block from the first, reviewed ones too, to correct an answer of an earlier session: Enter keeps a block's label.")] = False,
) -> None:
    """Label blocks in the terminal: a key per label (1-6 or its letter), Enter accepts the guess, u undoes, q saves and quits.

    The letters: b body, c caption, y byline, n contributor_note, p promotion, o other.
    Saves after every page and resumes where it stopped. From a pipe it reads one answer
    a line (an empty line accepts; a label's name is an answer too).

    \b
    Example: blocktag label to_label.jsonl
    From a pipe: printf 'b\\n\\nq\\n' | blocktag label to_label.jsonl
    Correct an earlier answer: blocktag label to_label.jsonl --again
    """
    from .labelling import encoding_option, label_file, line_keys, terminal_keys

    # the model's labels are the ones offered: resuming without it would offer the guide's six
    with_model = f" -m {shlex.quote(one_line(str(model)))}" if model is not None else ""
    read_as = encoding_option(encoding)
    again_as = f"{shlex.quote(one_line(str(path)))}{read_as}{with_model}"  # (what a command to run it again names)
    if sys.stdin is None:  # started with stdin closed (`<&-`)
        raise fail("standard input is closed, and label reads its answers there; run it at a terminal, or pipe "
                   f"answers in (printf '\\n\\nq\\n' | blocktag label {again_as})")
    typing = is_terminal(sys.stdin)  # a person at the keys, though the screen be piped (| tee log)
    with user_errors():
        labels = load_model(model).labels if model is not None else None
        summary = label_file(path, terminal_keys() if typing else line_keys(), stdout_console(),
                             clear=typing and is_terminal(sys.stdout), encoding=encoding, labels=labels, again=again,
                             resume_options=with_model)
    if summary.done:
        # the shipped corpus teaches the guide's labels: a team's own label set trains alone
        corpus = " --with-corpus" if labels is None or set(labels) == set(GUIDE_LABELS) else ""
        stdout_console().print(f"All {summary.total} blocks of {path} reviewed ({summary.changed} changed from the guess this session). "
                               f"Next: blocktag train {shlex.quote(one_line(str(path)))}{read_as}{corpus} --output mine.npz (name the files of "
                               "earlier rounds too, but not one kept to evaluate on; a new --output keeps the model "
                               "you have)")
    else:
        stdout_console().print(f"Saved {path}: {summary.reviewed} of {summary.total} blocks reviewed "
                               f"({summary.changed} changed from the guess this session). "
                               f"Run 'blocktag label {again_as}' again to resume.")


# ---------------------------------------------------------------------- info


def dotted(items) -> str:
    """Items on one line between middle dots (``|`` where the terminal cannot show one)."""
    return own_mark(" · ", " | ").join(items)


def settings_text(settings: dict) -> str:
    """Model settings as --param would give them: ``C=2 · word_ngrams=1,3``."""
    def value(v):
        if isinstance(v, (list, tuple)):
            return ",".join(map(str, v))
        return "none" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

    return dotted(f"{name}={value(v)}" for name, v in settings.items())


def sources_text(sources: dict) -> str:
    """What a model was trained on: the corpus and the user's pages (``--with-corpus``), else
    whatever a caller of ``train(sources=...)`` recorded."""
    corpus, user = sources.get("corpus"), sources.get("user")
    try:
        return (f"the corpus, {_count(corpus['pages'], 'page')} ({_count(corpus['blocks'], 'block')}); yours, "
                f"{_count(user['pages'], 'page')} ({_count(user['blocks'], 'block')}), {_user_weight(user)}")
    except (TypeError, KeyError, ValueError):
        return dotted(f"{name}: {value}" for name, value in sources.items())


def _user_weight(user: dict) -> str:
    """How much a team's blocks counted beside the corpus (``--with-corpus``)."""
    own = user.get("own_weights")
    return (f"each block counted {user['weight']:g} times"
            + (f" ({own} of them times their own weight as well)" if own else ""))


def _json_safe(value):
    """``value`` with every float that is not finite as its name ("nan", "inf")."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


@app.command("info")
def info_cli(
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print it all as JSON.")] = False,
) -> None:
    """Show what a model is: its labels, training data, settings and the versions that made it.

    \b
    Example: blocktag info -m my.npz
    """
    with user_errors():
        summary = load_model(model).summary()
    if as_json:  # (a setting of NaN, written by hand, as a string: NaN is no JSON)
        echo_out(json.dumps(_json_safe(summary), indent=2, ensure_ascii=False, allow_nan=False))
        return
    out = stdout_console()
    counts = dotted(label if n is None else f"{label} {n:,}" for label, n in summary["labels"].items())
    rows = [("File", summary["file"]), ("Created", summary["created"] or "(not recorded)"),
            ("Labels", counts)]
    if summary["blocks"] is not None:
        pages = "? pages" if summary["pages"] is None else _count(summary["pages"], "page")
        rows.append(("Trained on", f"{pages}, {_count(summary['blocks'], 'block')} "
                                   f"(sha256 {summary['training_sha256'] or '(not recorded)'})"))
    if summary["sources"]:
        rows.append(("Sources", sources_text(summary["sources"])))
    if summary["settings"]:
        rows.append(("Settings", settings_text(summary["settings"])))
    rows.append(("Plain-text model", "yes" if summary["plain_text_model"] else "no"))
    rows.append(("Remembered blocks", f"{summary['remembered_blocks']:,}"))
    versions = summary["versions"]
    rows.append(("Made with", dotted(f"{name} {v}" for name, v in (
        ("blocktag", versions["blocktag"]), ("scikit-learn", versions["sklearn"]), ("numpy", versions["numpy"]), ("scipy", versions["scipy"]),
        ("Python", versions["python"])) if v)))
    width = max(len(name) for name, _ in rows)
    for name, text in rows:  # (the file's own words: one line each, whatever they hold)
        out.print(f"{name:<{width}}  {one_line(text)}", highlight=False, markup=False, soft_wrap=True)


# ---------------------------------------------------------------------- entry point


def _bad_choice(exc: Exception) -> str | None:
    """For a value outside an option's choices, the one line that names them
    ("--format must be text, jsonl or csv"); None for any other usage error."""
    param = getattr(exc, "param", None)
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    if not choices or not getattr(param, "opts", None):
        return None
    names = [getattr(c, "value", c) for c in choices]
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]
    return f"{max(param.opts, key=len)} must be {listed}"


# Set by main(): the process runs this one command (not a test or a host program calling the
# app), so what it loads may be frozen out of the garbage collector's sight.
_own_process = False


# The commands whose --output takes what they print.
PRINTING_TO_OUTPUT = {"tag", "convert", "explain", "suggest"}


def _to_file_advice(args: list[str]) -> str:
    command = next((a for a in args if not a.startswith("-")), None)
    return "write to a file with --output" if command in PRINTING_TO_OUTPUT else "redirect it to a file (> FILE)"


def main() -> None:
    """Run the CLI: Ctrl-C exits 130 and a closed pipe ends quietly, neither with a traceback.
    SIGTERM cleans up like Ctrl-C (exit 143); a stdout that cannot be written is an Error line."""
    global _own_process
    _own_process = True
    guard_std_streams()
    exit_on_sigterm()
    try:
        # standalone_mode=False: we pick the exit codes (typer turns Ctrl-C into Exit(130)).
        code = app(standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):  # (the latter: Ctrl-C before Click takes it, as typer builds the commands)
        code = 130
    except typer.TyperException as exc:  # usage errors and bad options, from typer's own Click
        choices = _bad_choice(exc)
        if choices:
            typer.echo(f"Error: {choices}", err=True)
        elif hasattr(exc, "show"):
            exc.show()  # the error with the command's usage line
        else:
            typer.echo(f"Error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except (BrokenPipeError, PipeClosed):
        # The reader went away (e.g. `| head -1`): silence the final flush and stop quietly.
        silence_stdout()
        code = 0
    except (OSError, UnicodeEncodeError) as exc:  # stdout full, closed, or in an encoding too narrow
        if is_stdout_failure(exc):
            silence_stdout()
            typer.echo(f"Error: {stdout_error(exc, _to_file_advice(sys.argv[1:]))}", err=True)
        elif isinstance(exc, OSError) and exc.filename is not None:  # a path refused outside user_errors
            typer.echo(f"Error: {one_line(path_error(exc))}", err=True)
        else:
            raise
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
