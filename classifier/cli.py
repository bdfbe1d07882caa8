"""The ``blocktag`` command: a thin typer layer over the library.

Each command is a typed ``*_cli`` wrapper: it parses options, calls the library and prints.
Library errors (:class:`BlocktagError`) become one line ``Error: ...`` on stderr and exit 1.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated, Iterator, Optional

import click
import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .blocks import read_labelled
from .errors import BlocktagError, OutputError
from .evaluation import evaluate
from .files import DEFAULT_ENCODING, atomic_write
from .model import load_model, train
from .output import write_kept, write_tagged
from .tagging import Tagger
from .report import write_json

app = typer.Typer(
    name="blocktag",
    help="Tag the blocks of scraped article pages: body, caption, byline, contributor_note, promotion, other.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)
stdout = Console(highlight=False, soft_wrap=True)


class Format(str, Enum):
    text = "text"
    jsonl = "jsonl"
    csv = "csv"


def fail(message: str) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(1)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's errors into ``Error: ...`` and exit 1, with no traceback."""
    try:
        yield
    except BlocktagError as exc:
        raise fail(str(exc)) from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    typer.echo(f"Warning: {message}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"blocktag {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
) -> None:
    """Tag the blocks of scraped article pages: body, caption, byline, contributor_note, promotion, other."""
    warnings.showwarning = _show_warning


# ---------------------------------------------------------------------- tag

ModelOption = Annotated[
    Optional[Path], typer.Option("--model", "-m", help="Model file (.joblib or .skops). Default: the shipped model.")
]
EncodingOption = Annotated[str, typer.Option("--encoding", help="Text encoding of the input files.")]


@app.command("tag")
def tag_cli(
    inputs: Annotated[list[str], typer.Argument(help="Page files (.txt or any text), directories of .txt pages, .jsonl block files, or - for stdin.", show_default=False)],
    model: ModelOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    keep: Annotated[Optional[list[str]], typer.Option("--keep", "-k", help="Print only the text of blocks with this label (repeatable): the cleaned page.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")] = None,
    encoding: EncodingOption = DEFAULT_ENCODING,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (-1: one per core).")] = 1,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad file instead of skipping it.")] = False,
) -> None:
    """Tag every block of scraped pages.

    Example: blocktag tag page.txt --keep body
    """
    skipped: list[str] = []

    def skip(exc: BlocktagError) -> None:
        skipped.append(str(exc))
        typer.echo(f"Warning: {exc} (skipped)", err=True)

    # With a single page there is nothing to carry on to: its error is the run's error.
    strict = strict or (len(inputs) == 1 and not Path(inputs[0]).is_dir())
    with user_errors():
        tagger = Tagger(model, jobs=jobs)
        tagged = tagger.tag_files(inputs, encoding, on_error=None if strict else skip)
        with _output_stream(output) as out:
            if keep:
                write_kept(tagged, out, set(keep))
            else:
                colour = output is None and fmt is Format.text and sys.stdout.isatty()
                write_tagged(tagged, out, fmt.value, colour=colour)
    if skipped:
        raise fail(f"{len(skipped)} input file(s) could not be tagged")


@contextlib.contextmanager
def _output_stream(path: Optional[Path]):
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name for --output")
    with atomic_write(path) as handle:
        yield handle


# ---------------------------------------------------------------------- train


@app.command("train")
def train_cli(
    data: Annotated[list[Path], typer.Argument(help="Labelled blocks: JSONL or CSV files (page, index, text, label).", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to save the model (.joblib, or .skops to share it safely).", show_default=False)],
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Train a model on labelled blocks and save it.

    Example: blocktag train training/data/*.jsonl --output models/my.joblib
    """
    with user_errors():
        started = time.perf_counter()
        blocks = read_labelled(data, encoding=encoding)
        bundle = train(blocks, source=", ".join(str(p) for p in data))
        bundle.save(output)
        elapsed = time.perf_counter() - started
    meta = bundle.metadata
    table = Table("label", "blocks", title=f"Trained on {meta['pages']} pages, {meta['blocks']} blocks in {elapsed:.1f} s")
    for label, count in meta["label_counts"].items():
        table.add_row(label, str(count))
    stdout.print(table)
    stdout.print(f"Saved model to {output}")


# ---------------------------------------------------------------------- evaluate


@app.command("evaluate")
def evaluate_cli(
    data: Annotated[list[Path], typer.Argument(help="Labelled blocks to score against: JSONL or CSV files.", show_default=False)],
    model: ModelOption = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the figures to this JSON file.")] = None,
    encoding: EncodingOption = DEFAULT_ENCODING,
) -> None:
    """Score a model on labelled blocks: accuracy, per-label precision/recall/F1, macro-F1, confusion matrix.

    Example: blocktag evaluate ../shared/realworld/dev/blocks.jsonl --json scores.json
    """
    with user_errors():
        blocks = read_labelled(data, encoding=encoding)
        bundle = load_model(model)
        metrics = evaluate(bundle, blocks)
        if json_path is not None:
            write_json(metrics, json_path)
    print_metrics(metrics)


def print_metrics(metrics: dict) -> None:
    table = Table("label", "precision", "recall", "F1", "support",
                  title=f"{metrics['blocks']} blocks, {metrics['pages']} pages")
    for label, row in metrics["per_label"].items():
        table.add_row(label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"]))
    stdout.print(table)
    stdout.print(f"accuracy {metrics['accuracy']:.3f}   macro-F1 {metrics['macro_f1']:.3f}"
                 + (f"   calibration error (ECE) {metrics['calibration']['ece']:.3f}" if "calibration" in metrics else ""))
    labels = metrics["confusion_matrix"]["labels"]
    confusion = Table("true \\ predicted", *[label[:10] for label in labels], title="confusion matrix")
    for label, row in zip(labels, metrics["confusion_matrix"]["matrix"]):
        confusion.add_row(label, *[str(n) for n in row])
    stdout.print(confusion)


# ---------------------------------------------------------------------- entry point


def main() -> None:
    """Run the CLI: Ctrl-C exits 130 and a closed pipe ends quietly, neither with a traceback."""
    try:
        # standalone_mode=False lets Ctrl-C reach us as Abort instead of click's exit 1.
        code = app(standalone_mode=False)
    except click.exceptions.Abort:
        typer.echo("Interrupted", err=True)
        code = 130
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except BrokenPipeError:
        # The reader went away (e.g. `| head -1`): silence the final flush and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    sys.exit(code if isinstance(code, int) else 0)
