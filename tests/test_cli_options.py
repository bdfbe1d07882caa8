"""One meaning per short option, readable metavars and an example in every command's help."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from classifier.cli import app

runner = CliRunner()


def _commands():
    group = typer.main.get_command(app)
    return group, group.commands


def test_each_short_option_means_one_thing_across_commands():
    meanings: dict[str, set[str]] = {}
    for name, command in _commands()[1].items():
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts + param.secondary_opts if re.fullmatch(r"-\w", o)):
                meanings.setdefault(short, set()).update(longs)
    clashes = {short: longs for short, longs in meanings.items() if len(longs) > 1}
    assert not clashes


def test_every_command_has_help_with_an_example_and_no_python_types():
    for name in _commands()[1]:
        result = runner.invoke(app, [name, "--help"], terminal_width=200)
        assert result.exit_code == 0, name
        assert "Example: blocktag " + name in result.output, name
        for leftover in ("<list[", "<Path>", "list[str]", "{inputs}", "{data}", "PathLike"):
            assert leftover not in result.output, (name, leftover)


def test_a_value_outside_the_choices_names_them():
    import subprocess
    import sys

    from conftest import ROOT, SEED_PAGE

    done = subprocess.run([sys.executable, "-m", "classifier", "tag", str(SEED_PAGE), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == "Error: --format must be text, jsonl or csv\n"
    assert done.stdout == ""
