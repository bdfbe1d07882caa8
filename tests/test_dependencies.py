"""The core install (numpy, typer, rich, lxml, warcio) tags, evaluates and converts; the
extras are asked for by name when a command needs one."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT, SEED_LABELS, SEED_PAGE

# Runs the CLI with the extras' modules unimportable (scikit-learn, SciPy, matplotlib, Dask, and
# click, which Dask brings and typer 0.29 no longer needs), as in a core install.
BLOCKED = """
import runpy, sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sklearn", "scipy", "matplotlib", "joblib", "threadpoolctl", "dask", "distributed", "click"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Blocked())
import importlib.util
real_find_spec = importlib.util.find_spec
def find_spec(name, package=None):
    if name.split(".")[0] in ("sklearn", "scipy", "matplotlib", "joblib", "threadpoolctl", "dask", "distributed", "click"):
        return None
    return real_find_spec(name, package)
importlib.util.find_spec = find_spec
sys.argv = ["blocktag", *sys.argv[1:]]
runpy.run_module("classifier", run_name="__main__")
"""


def blocktag_without_extras(*args):
    return subprocess.run([sys.executable, "-c", BLOCKED, *map(str, args)], capture_output=True, text=True, cwd=ROOT)


def test_tag_and_evaluate_need_no_scikit_learn():
    text = blocktag_without_extras("tag", SEED_PAGE)
    assert text.returncode == 0, text.stderr
    assert "body" in text.stdout
    jsonl = blocktag_without_extras("tag", SEED_PAGE, "--format", "jsonl")
    assert jsonl.returncode == 0, jsonl.stderr
    assert jsonl.stdout.count("\n") == len(SEED_LABELS.read_text().splitlines())
    scores = blocktag_without_extras("evaluate", SEED_LABELS)
    assert scores.returncode == 0, scores.stderr
    assert "macro" in scores.stdout.lower()


def test_training_without_the_extra_says_what_to_install(tmp_path):
    result = blocktag_without_extras("train", SEED_LABELS, "--output", tmp_path / "m.npz")
    assert result.returncode == 1
    # the packages themselves, as blocktag's metadata pins them: blocktag is not on PyPI to take extras from
    assert re.fullmatch(r"Error: training needs scikit-learn and threadpoolctl: pip install 'scikit-learn>=[\d.]+' "
                        r"'threadpoolctl>=[\d.]+' \(blocktag's 'train' extra\)", result.stderr.strip().splitlines()[-1])
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.npz").exists()
    # said before anything else is wrong (an output folder that does not exist yet)
    elsewhere = blocktag_without_extras("train", SEED_LABELS, "--output", tmp_path / "models" / "m.npz")
    assert elsewhere.stderr == result.stderr


def test_a_report_without_the_extra_says_what_to_install(tmp_path):
    result = blocktag_without_extras("evaluate", SEED_LABELS, "--report", tmp_path / "r.html")
    assert result.returncode == 1
    assert re.fullmatch(r"Error: --report needs matplotlib: pip install 'matplotlib>=[\d.]+' \(blocktag's 'report' extra\)",
                        result.stderr.strip().splitlines()[-1])
    assert not (tmp_path / "r.html").exists()


def test_a_star_import_works_without_scikit_learn_and_leaves_training_out():
    setup = BLOCKED.split("sys.argv =")[0]  # the same blocked imports, then the library instead of the CLI
    done = subprocess.run([sys.executable, "-c", setup + "from classifier import *\nprint('train' in dir(), Tagger.__name__)"],
                          capture_output=True, text=True, cwd=ROOT)
    assert (done.returncode, done.stdout) == (0, "False Tagger\n"), done.stderr


def test_an_extras_install_command_falls_back_to_its_packages_without_metadata(monkeypatch):
    from importlib import metadata

    from classifier import extras

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(extras.metadata, "requires", not_installed)
    assert extras.install_command("train") == "pip install scikit-learn threadpoolctl"
    assert extras.install_command("dask") == "pip install dask distributed"
