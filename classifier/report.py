"""Reports: evaluation figures as JSON, and as one self-contained HTML page with plots.

The HTML report needs no network: its CSS is inline and its plots (a confusion-matrix
heatmap and a reliability diagram, drawn with matplotlib) are embedded as data URIs.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import html
import io
import json
import os
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from .evaluation import comparison_rows, interval_text
from .files import atomic_write, is_special

MAX_ERRORS_PER_PAIR = 50
MAX_ERROR_TEXT_CHARS = 400


def write_json(data: dict, path: str | Path) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_files([(path, json_text(data))])


def json_text(data: dict) -> str:
    return _readable(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _readable(text: str) -> str:
    """``text`` with what UTF-8 cannot hold, the bytes of a file name that is not UTF-8 (read
    as "\\udce9"), written as that escape: in JSON the escape of the same string, in HTML
    readable, either way a file any reader can open. (:func:`json_text` and
    :func:`render_html` give their texts so.)"""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def write_files(texts: list[tuple[str | Path, str]]) -> None:
    """Write each text to its path, all or none: every file is written whole to a temporary
    file (a full disk fails there) before any is renamed into place. A device or FIFO
    (/dev/stdout, a pipe) is written in place, first and at once: a reader may be waiting
    for it to end before it reads the next."""
    regular = [(path, text) for path, text in texts if not is_special(path)]
    for path, text in texts:
        if is_special(path):
            with atomic_write(path) as handle:
                handle.write(text)
    with contextlib.ExitStack() as files:
        for path, text in regular:
            handle = files.enter_context(atomic_write(path))
            handle.write(text)
            handle.flush()


# ---------------------------------------------------------------------- plots


def _png_data_uri(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _matplotlib_config_folder() -> None:
    """Give matplotlib a temporary config folder when the user's cannot be made (no writable
    home: a service account, a read-only container), before it is imported: it would print
    three lines about making one itself."""
    if "MPLCONFIGDIR" in os.environ or "matplotlib" in sys.modules:
        return
    try:
        folder = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "matplotlib"
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return
    except (OSError, RuntimeError):  # (RuntimeError: no home at all)
        pass
    temporary = tempfile.mkdtemp(prefix="blocktag-matplotlib-")
    atexit.register(shutil.rmtree, temporary, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = temporary


MAX_HEATMAP_LABELS = 24  # past this many labels, the heatmap is drawn no larger, and without its counts


def _own_style():
    """matplotlib's default style for the plots, whatever the user's matplotlibrc says (its
    ``text.usetex: True`` would stop the report where LaTeX is not installed)."""
    from matplotlib import style

    return style.context("default")


def confusion_heatmap(metrics: dict) -> str:
    """The confusion matrix as a heatmap (rows: true label, columns: predicted), row-normalised."""
    _matplotlib_config_folder()
    with _own_style():
        return _confusion_heatmap(metrics)


def _confusion_heatmap(metrics: dict) -> str:
    from matplotlib.figure import Figure
    import numpy as np

    labels = metrics["confusion_matrix"]["labels"]
    counts = np.array(metrics["confusion_matrix"]["matrix"], dtype=float)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    # (a label column of free text makes hundreds of labels: the drawing stays a page wide, its cells unnumbered)
    size = min(len(labels), MAX_HEATMAP_LABELS)
    figure = Figure(figsize=(0.75 * size + 2.4, 0.6 * size + 1.6))
    axes = figure.subplots()
    image = axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    shown = [_plain(label) for label in labels]
    axes.set_xticks(range(len(labels)), shown, rotation=35, ha="right")
    axes.set_yticks(range(len(labels)), shown)
    axes.set_xlabel("predicted label")
    axes.set_ylabel("true label")
    for i in range(len(labels) if len(labels) <= MAX_HEATMAP_LABELS else 0):
        for j in range(len(labels)):
            axes.text(j, i, f"{int(counts[i, j])}", ha="center", va="center",
                      color="white" if share[i, j] > 0.5 else "black", fontsize=9)
    figure.colorbar(image, ax=axes, label="share of the true label's blocks")
    return _png_data_uri(figure)


def _plain(label: str) -> str:
    """A label as matplotlib should draw it: literally, not as ``$...$`` mathtext (a label
    such as ``$\\foo{$`` would otherwise fail to parse and stop the report)."""
    return label.replace("$", r"\$")


def reliability_diagram(metrics: dict) -> str:
    """Accuracy against confidence per bin: a calibrated model follows the diagonal."""
    _matplotlib_config_folder()
    with _own_style():
        return _reliability_diagram(metrics)


def _reliability_diagram(metrics: dict) -> str:
    from matplotlib.figure import Figure

    bins = metrics["calibration"]["bins"]
    figure = Figure(figsize=(4.8, 4.2))
    axes = figure.subplots()
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    axes.bar([(b["low"] + b["high"]) / 2 for b in bins], [b["accuracy"] for b in bins],
             width=[b["high"] - b["low"] for b in bins], edgecolor="black", alpha=0.7, label="accuracy")
    axes.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", color="darkred",
              label="mean confidence")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("confidence")
    axes.set_ylabel("accuracy")
    axes.set_title(f"ECE {metrics['calibration']['ece']:.3f}")
    axes.legend(loc="upper left", fontsize=8)
    return _png_data_uri(figure)


# ---------------------------------------------------------------------- HTML

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: .3em .7em; border: 1px solid #ddd; }
th { background: #f4f4f4; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.headline { display: flex; gap: 1.5em; flex-wrap: wrap; }
.figure { font-size: 2em; font-weight: bold; } .caption { color: #666; }
.plots { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; }
.block { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: .85em; }
.better { color: #0a0; } .worse { color: #c00; }
"""


def _e(value) -> str:
    return html.escape(str(value))


def _per_label_table(metrics: dict) -> str:
    rows = "".join(
        f"<tr><td>{_e(label)}</td><td class=num>{r['precision']:.3f}</td><td class=num>{r['recall']:.3f}</td>"
        f"<td class=num>{r['f1']:.3f}</td><td class=num>{r['support']}</td></tr>"
        for label, r in metrics["per_label"].items()
    )
    return f"<table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>{rows}</table>"


def _pages_by_errors(metrics: dict, suffix: str = "") -> str:
    blocks, errors = Counter(), Counter()
    for p in metrics["predictions"]:
        blocks[p["page"]] += 1
        errors[p["page"]] += p["label"] != p["predicted"]
    rows = "".join(
        f"<tr><td>{_e(page)}</td><td class=num>{errors[page]}</td><td class=num>{blocks[page]}</td>"
        f"<td class=num>{errors[page] / blocks[page]:.0%}</td></tr>"
        for page in sorted(blocks, key=lambda p: (-errors[p], p))
    )
    return f"<table id=pages{suffix}><tr><th>page</th><th>errors</th><th>blocks</th><th>error rate</th></tr>{rows}</table>"


def _errors_by_pair(metrics: dict) -> str:
    pairs = defaultdict(list)
    for p in metrics["predictions"]:
        if p["label"] != p["predicted"]:
            pairs[(p["label"], p["predicted"])].append(p)
    sections = []
    for (true, predicted), items in sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows = "".join(
            f"<tr><td>{_e(p['page'])}:{p['index']}</td><td class=block>{_e(_cut(p['text']))}</td>"
            f"<td>{_e(true)}</td><td>{_e(predicted)}</td><td class=num>{p['confidence']:.2f}</td></tr>"
            for p in sorted(items, key=lambda p: -p["confidence"])[:MAX_ERRORS_PER_PAIR]
        )
        more = f"<p class=caption>… and {len(items) - MAX_ERRORS_PER_PAIR} more</p>" if len(items) > MAX_ERRORS_PER_PAIR else ""
        sections.append(
            f"<h3>{_e(true)} tagged as {_e(predicted)}: {len(items)}</h3>"
            f"<table><tr><th>block</th><th>text</th><th>true</th><th>predicted</th><th>confidence</th></tr>{rows}</table>{more}"
        )
    return "".join(sections) or "<p>No errors.</p>"


def _cut(text: str) -> str:
    """A block's text as the report shows it: at most MAX_ERROR_TEXT_CHARS, "…" where cut."""
    return text if len(text) <= MAX_ERROR_TEXT_CHARS else text[: MAX_ERROR_TEXT_CHARS - 1] + "…"


def _comparison_table(results: dict[str, dict], comparison: dict[str, dict]) -> str:
    names = list(results)
    head = "".join(f"<th>{_e(n)}</th>" for n in names) + "".join(f"<th>Δ {_e(n)}</th>" for n in names[1:])

    def row(title: str, values: list[float]) -> str:
        cells = "".join(f"<td class=num>{v:.3f}</td>" for v in values)
        for v in values[1:]:
            d = round(v - values[0], 3)  # coloured as shown: a +0.000 is no change
            cells += f"<td class='num {'better' if d > 0 else 'worse' if d < 0 else ''}'>{d:+.3f}</td>"
        return f"<tr><td>{_e(title)}</td>{cells}</tr>"

    body = "".join(row(title, values) for title, values in comparison_rows(results))
    # What the colours cannot say: whether a change in macro-F1 is beyond page-to-page noise.
    changes = "".join(f"<li>{_e(name)} - {_e(change['against'])}: macro-F1 {change['macro_f1_difference']:+.3f} "
                      f"({_e(interval_text(change['interval'], signed=True))})</li>" for name, change in comparison.items())
    return (f"<table id=comparison><tr><th>figure</th>{head}</tr>{body}</table>"
            f"<ul id=paired>{changes}</ul>"
            "<p class=caption>Δ is coloured by its sign; the paired interval (the same pages drawn for both "
            "models) says whether a change in macro-F1 is more than the pages' own spread.</p>")



def _model_section(name: str, metrics: dict, suffix: str = "") -> str:
    headline = "".join(
        f"<div><div class=figure>{value}</div><div class=caption>{caption}</div></div>"
        for value, caption in [
            (f"{metrics['macro_f1']:.3f}", "macro-F1" + (
                " ({low:.3f}-{high:.3f}, {level:.0%} over pages)".format(**metrics["macro_f1_interval"])
                if metrics.get("macro_f1_interval") else "")),
            (f"{metrics['accuracy']:.3f}", "accuracy"),
            (f"{metrics['calibration']['ece']:.3f}", "calibration error (ECE)"),
            (metrics["blocks"], "blocks"),
            (metrics["pages"], "pages"),
        ]
    )
    return f"""
<h2>Model {_e(name)}</h2>
<div class=headline>{headline}</div>
<h3>Per label</h3>{_per_label_table(metrics)}
<div class=plots>
<figure><img id=heatmap{suffix} alt="confusion matrix heatmap" src="{confusion_heatmap(metrics)}"><figcaption>Confusion matrix (counts; colour: share of the true label)</figcaption></figure>
<figure><img id=reliability{suffix} alt="reliability diagram" src="{reliability_diagram(metrics)}"><figcaption>Reliability diagram</figcaption></figure>
</div>
<h3>Pages by error count</h3>{_pages_by_errors(metrics, suffix)}
<h3>Misclassified blocks, by confusion</h3>{_errors_by_pair(metrics)}
"""


def render_html(results: dict[str, dict], data_names: list[str], comparison: dict[str, dict] | None = None) -> str:
    """The report for one or more models (name → :func:`~classifier.evaluation.evaluate` result);
    ``comparison``, :func:`~classifier.evaluation.compare`'s of the same results, saves
    computing it again."""
    from .evaluation import check_results, compare

    check_results(results, "the report")
    if len(results) > 1 and comparison is None:
        comparison = compare(results)
    comparison = (f"<h2>Models side by side</h2>{_comparison_table(results, comparison)}"
                  if len(results) > 1 else "")
    # Each model's elements keep their ids unique on the page: "heatmap", "heatmap-2", ...
    sections = "".join(_model_section(name, metrics, f"-{n}" if n > 1 else "")
                       for n, (name, metrics) in enumerate(results.items(), 1))
    return _readable(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>blocktag evaluation</title><style>{_CSS}</style></head>
<body>
<h1>blocktag evaluation</h1>
<p class=caption>Data: {_e(', '.join(data_names))}</p>
{comparison}{sections}
</body></html>
""")


def write_html(results: dict[str, dict], data_names: list[str], path: str | Path) -> None:
    """:func:`render_html`'s report, written atomically. Needs matplotlib (the ``report`` extra)."""
    from .extras import require

    require("report", "the HTML report")
    write_files([(path, render_html(results, data_names))])
