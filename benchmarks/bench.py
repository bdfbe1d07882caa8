"""blocktag's speed, memory and size figures, measured side by side in one run.

    python benchmarks/bench.py                  # everything (a few minutes on 2 cores)
    python benchmarks/bench.py --skip-training  # tagging figures only

Tagging runs on a corpus built by repeating the real dev pages (``--repeat`` times, 1,350
pages by default), against the *bare tagger* (benchmarks/bare_tagger.py: split on blank
lines, a TF-IDF + logistic regression call per page, one JSON line a block) and against
trafilatura.extract on the same pages' HTML. Whole-process figures include start-up; the
commands compared with each other are run in turn (``--runs`` rounds, the best of each kept).
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "realworld" / "dev"
sys.path.insert(0, str(ROOT))

from classifier import Tagger, load_model, read_labelled, segment, shipped_model_path, train  # noqa: E402
from classifier.blocks import Block  # noqa: E402


FLOOR = """
import json, sys
from pathlib import Path
from classifier.segmentation import split_page
out = sys.stdout
for path in sorted(Path(sys.argv[1]).glob("*.txt")):
    for index, text in enumerate(split_page(path.read_text(encoding="utf-8"), "blank")):
        out.write(json.dumps({"page": path.stem, "index": index, "text": text, "label": "body"}) + "\\n")
"""


SUGGESTED_PAGES = 20


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


# Measured commands run byte-compiled, as a pip-installed package does: pip compiles on
# install, but a checkout run with PYTHONDONTWRITEBYTECODE set (as on the machine these
# figures were taken on) compiles blocktag's 30 modules again at every start (0.04 s).
# Python's default, byte code in __pycache__ folders (ignored by git), for both taggers.
MEASURED_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def byte_compile() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", "classifier", "benchmarks"], check=True, cwd=ROOT,
                   env=MEASURED_ENV)


def run_measured(command: list[str], stdout_path: str = os.devnull, stdin_path: str = os.devnull) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, run in its own process."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "with open(sys.argv[1], 'w') as out, open(sys.argv[2], 'rb') as into:\n"
        "    subprocess.run(sys.argv[3:], stdin=into, stdout=out, check=True)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, stdout_path, stdin_path, *command], capture_output=True,
                          text=True, check=True, cwd=ROOT, env=MEASURED_ENV)
    seconds, rss_kb = done.stdout.split()
    return float(seconds), int(rss_kb) / 1024


def best_of(n: int, command: list[str], stdout_path: str = os.devnull) -> tuple[float, float]:
    runs = [run_measured(command, stdout_path) for _ in range(n)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def timed_in_turn(n: int, commands: list[list[str]]) -> list[tuple[float, float, float]]:
    """Each command's best and median seconds and peak RSS over n rounds, the commands run in
    turn (a, b, c, a, b, c, ...), so that a ratio between two of them compares runs taken
    under the same load: the machine's speed drifts over a benchmark's minutes as much as one
    change moves it."""
    runs = [[run_measured(command) for command in commands] for _ in range(n)]
    return [(min(r[k][0] for r in runs), statistics.median(r[k][0] for r in runs), max(r[k][1] for r in runs))
            for k in range(len(commands))]


def build_corpus(folder: Path, repeat: int) -> tuple[int, int, float]:
    pages = sorted((DEV / "pages").glob("*.txt"))
    for k in range(repeat):
        for page in pages:
            shutil.copy(page, folder / f"{k:03d}_{page.name}")
    files = list(folder.glob("*.txt"))
    blocks = sum(len(segment(p.read_text(encoding="utf-8"))) for p in files)
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    return len(files), blocks, megabytes


def tagging_figures(args, work: Path) -> list[tuple[str, str]]:
    byte_compile()
    corpus = work / "pages"
    corpus.mkdir()
    n_pages, n_blocks, megabytes = build_corpus(corpus, args.repeat)
    rows = [("corpus", f"{n_pages} pages, {n_blocks} blocks, {megabytes:.1f} MB (dev pages x{args.repeat})")]

    bare_model = work / "bare.joblib"
    subprocess.run([sys.executable, "benchmarks/bare_tagger.py", "--train", str(bare_model),
                    *sorted(glob.glob(str(ROOT / "training" / "data" / "*.jsonl")))], check=True, cwd=ROOT)
    def tag_cmd(folder: Path) -> list[str]:
        return [sys.executable, "-m", "classifier", "tag", str(folder), "--format", "jsonl"]

    # The bare tagger; the same pipeline called once per 2,000 blocks of whole pages (as
    # blocktag batched until 0.4.2; it batches 1,000 now), the yardstick without its
    # one-call-a-page overhead; blocktag with one job and with two: taken in turn.
    timings = timed_in_turn(args.runs, [
        [sys.executable, "benchmarks/bare_tagger.py", str(bare_model), str(corpus)],
        [sys.executable, "benchmarks/bare_tagger.py", str(bare_model), str(corpus), "--batch", "2000"],
        tag_cmd(corpus),
        tag_cmd(corpus) + ["--jobs", "2"],
    ])
    (bare_s, bare_median, bare_rss), (batched_s, _, _), (one_s, one_median, one_rss), (two_s, two_median, two_rss) = timings

    # Start-up: the same commands on a folder of one page. What is left of a run is its
    # throughput, which is what a long crawl sees.
    one_page = work / "one_page"
    one_page.mkdir()
    shutil.copy(min(corpus.glob("*.txt")), one_page)
    (bare_start, _, _), (one_start, _, _) = timed_in_turn(args.runs, [
        [sys.executable, "benchmarks/bare_tagger.py", str(bare_model), str(one_page)], tag_cmd(one_page)])

    def speed(seconds: float) -> str:
        return f"{n_blocks / seconds:,.0f} blocks/s, {n_pages / seconds:,.0f} pages/s, {megabytes / seconds:.2f} MB/s"

    # The floor: reading and splitting the pages and writing a JSON line a block, no model.
    floor_s, _ = best_of(args.runs, [sys.executable, "-c", FLOOR, str(corpus)])
    rows += [
        ("floor: read + split + JSON lines, no model", f"{floor_s:.2f} s: {speed(floor_s)}"),
        ("bare tagger (whole process)", f"{bare_s:.2f} s: {speed(bare_s)}, peak RSS {bare_rss:.0f} MB"),
        ("bare tagger, batched (whole process)", f"{batched_s:.2f} s: {speed(batched_s)}"),
        ("blocktag tag --jobs 1 (whole process)", f"{one_s:.2f} s: {speed(one_s)}, peak RSS {one_rss:.0f} MB"),
        ("blocktag tag --jobs 2 (whole process)", f"{two_s:.2f} s: {speed(two_s)}, peak RSS {two_rss:.0f} MB (workers: max of one)"),
        ("blocktag --jobs 1 / bare tagger", f"{bare_s / one_s:.2f}x the bare tagger's speed"),
        ("blocktag --jobs 2 / bare tagger", f"{bare_s / two_s:.2f}x"),
        ("--jobs 2 / --jobs 1", f"{one_s / two_s:.2f}x"),
        (f"the same two ratios, medians of the {args.runs} rounds",
         f"{bare_median / one_median:.2f}x the bare tagger, --jobs 2 {one_median / two_median:.2f}x --jobs 1"),
        ("start-up (a folder of one page)", f"bare tagger {bare_start:.2f} s, blocktag {one_start:.2f} s"),
        ("after start-up: bare tagger", f"{speed(bare_s - bare_start)}"),
        ("after start-up: blocktag --jobs 1", f"{speed(one_s - one_start)}"),
        ("after start-up: blocktag --jobs 2", f"{speed(two_s - one_start)}"),
        ("after start-up: --jobs 1 / bare tagger", f"{(bare_s - bare_start) / (one_s - one_start):.2f}x"),
        ("after start-up: bare tagger, batched", f"{speed(batched_s - bare_start)}"),
        ("after start-up: --jobs 1 / batched bare tagger", f"{(batched_s - bare_start) / (one_s - one_start):.2f}x"),
        ("blocktag --jobs 1 / batched bare tagger", f"{batched_s / one_s:.2f}x (whole processes)"),
        ("after start-up: --jobs 2 / --jobs 1", f"{(one_s - one_start) / (two_s - one_start):.2f}x"),
    ]

    # In-process: the library alone, no start-up, output serialised but not written.
    tagger = Tagger(load_model())
    started = time.perf_counter()
    count = sum(len(json.dumps(t.to_record())) > 0 for t in tagger.tag_files([corpus]))
    inproc = time.perf_counter() - started
    rows.append(("blocktag in-process (Tagger.tag_files)", f"{inproc:.2f} s: {speed(inproc)} ({count} blocks)"))

    # Flat memory: peak RSS with a quarter of the input against the whole of it.
    all_pages = sorted(corpus.glob("*.txt"))
    quarter = work / "quarter"
    quarter.mkdir()
    for page in all_pages[: n_pages // 4]:
        shutil.copy(page, quarter / page.name)
    _, quarter_rss = run_measured(tag_cmd(quarter))
    rows.append(("peak RSS, 1/4 of the input vs all of it", f"{quarter_rss:.0f} MB vs {one_rss:.0f} MB"))

    # The same pages as one file of page records ({"url", "text"} lines, as crawl datasets
    # keep pages): read a line at a time, so memory stays flat here too.
    def records_file(name: str, pages: list[Path]) -> Path:
        path = work / name
        with open(path, "w", encoding="utf-8") as out:
            for page in pages:
                out.write(json.dumps({"url": f"https://example.com/{page.stem}", "text": page.read_text(encoding="utf-8")}) + "\n")
        return path

    records, quarter_records = records_file("pages.jsonl", all_pages), records_file("quarter.jsonl", all_pages[: n_pages // 4])
    records_s, records_rss = best_of(args.runs, tag_cmd(records))
    _, records_quarter_rss = run_measured(tag_cmd(quarter_records))
    # Piped in (`cat pages.jsonl | blocktag tag -`): spooled, past 32 MB to a temporary file.
    piped = [sys.executable, "-m", "classifier", "tag", "-", "--format", "jsonl"]
    piped_s, piped_rss = run_measured(piped, stdin_path=str(records))
    _, piped_quarter_rss = run_measured(piped, stdin_path=str(quarter_records))
    rows += [
        ("the same pages as one JSONL file of page records", f"{records_s:.2f} s: {speed(records_s)}"),
        ("peak RSS, page records: 1/4 of them vs all", f"{records_quarter_rss:.0f} MB vs {records_rss:.0f} MB"),
        ("the page records piped to stdin", f"{piped_s:.2f} s: {speed(piped_s)}"),
        ("peak RSS, piped: 1/4 of them vs all", f"{piped_quarter_rss:.0f} MB vs {piped_rss:.0f} MB"),
    ]

    # suggest holds only the pages that can still be picked, so its memory stays flat too.
    def suggest_cmd(folder: Path) -> list[str]:
        return [sys.executable, "-m", "classifier", "suggest", str(folder), "--pages", str(SUGGESTED_PAGES)]

    suggest_s, suggest_rss = run_measured(suggest_cmd(corpus))
    _, suggest_quarter_rss = run_measured(suggest_cmd(quarter))
    rows += [
        (f"blocktag suggest --pages {SUGGESTED_PAGES} (whole process)", f"{suggest_s:.2f} s: {speed(suggest_s)}"),
        ("peak RSS, suggest: 1/4 of the input vs all", f"{suggest_quarter_rss:.0f} MB vs {suggest_rss:.0f} MB"),
    ]

    # trafilatura on the same pages' HTML (in-process, HTML already decompressed).
    try:
        import trafilatura
    except ImportError:
        rows.append(("trafilatura", "not installed (pip install trafilatura) - skipped"))
    else:
        html = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace") for p in sorted((DEV / "html").glob("*.html.gz"))]
        started = time.perf_counter()
        for _ in range(args.trafilatura_repeat):
            for doc in html:
                trafilatura.extract(doc)
        traf_s = time.perf_counter() - started
        traf_pps = len(html) * args.trafilatura_repeat / traf_s
        # (trafilatura parses HTML, the taggers above read the pages' text: not a like-for-like
        # ratio; benchmarks/dialects.py times blocktag on the same HTML.)
        rows += [
            ("trafilatura.extract on the HTML (in-process)", f"{traf_pps:.1f} pages/s ({len(html)} pages x{args.trafilatura_repeat})"),
        ]
    return rows


def training_figures(args) -> list[tuple[str, str]]:
    blocks = read_labelled(sorted((ROOT / "training" / "data").glob("*.jsonl")))
    rows = []
    base = None
    for factor in args.training_sizes:
        scaled = [Block(f"{b.page}~{k}", b.index, b.text, b.label) for k in range(factor) for b in blocks]
        started = time.perf_counter()
        train(scaled)
        seconds = time.perf_counter() - started
        base = base or seconds / factor
        rows.append((f"training on {factor}x the corpus", f"{len(scaled):,} blocks: {seconds:.1f} s "
                                                          f"({seconds / factor / base:.2f}x the 1x time per copy)"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=18, help="copies of the 75 dev pages (default 18: 1,350 pages)")
    parser.add_argument("--runs", type=int, default=3, help="runs per whole-process figure, the compared commands in turn (the best of each is kept)")
    parser.add_argument("--trafilatura-repeat", type=int, default=2)
    parser.add_argument("--training-sizes", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    if not (DEV / "pages").is_dir():  # (said before a minute of work, not after it)
        parser.error(f"the dev pages are not at {DEV / 'pages'}: check out ../shared beside the project")

    import sklearn
    from threadpoolctl import threadpool_info

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"scikit-learn {sklearn.__version__}, BLAS {[i.get('internal_api') for i in threadpool_info()]}; "
          f"{machine_load()} at the start")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += tagging_figures(args, Path(tmp))
    if not args.skip_training:
        rows += training_figures(args)
    rows.append(("shipped model file", f"{shipped_model_path().stat().st_size / 1e6:.1f} MB"))
    rows.append(("machine load at the end", machine_load()))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
