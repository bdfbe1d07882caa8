"""Time blocktag on adversarial pages at sizes n, 2n and 4n: a page that takes time as the
square of its size shows a ratio near 4 per doubling, a linear one near 2 (or less, the fixed
costs aside).

    python benchmarks/pathological.py            # every kind, n as below
    python benchmarks/pathological.py --scale 2  # each n doubled

Each kind is one of the inputs a review found slow (now fixed): regexes that read a run of
spaces, colons, underscores or "@"s every way there is, a hard-wrapped Chinese page, quotes
nested a forum deep. Pages are read and tagged in this process with the shipped model
(``Tagger.tag_text``), best of 3 runs; the machine's load is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import classifier

CJK_LINE = "港口议会周二投票决定为两艘新渡轮提供资金此前居民抱怨了一年之久委员们说新船将在明年春天投入"


def cjk_chapter(n: int) -> str:  # hard-wrapped at 40 characters, paragraphs indented, no blank line
    lines = []
    for k in range(n):
        text = (CJK_LINE * 4)[k % 7:][:160]
        lines += ["\u3000\u3000" + text[:38]] + [text[i:i + 40] for i in range(38, len(text), 40)]
    return "\n".join(lines)


KINDS = {
    "Chinese chapter, hard-wrapped": (cjk_chapter, 200),
    "a line of leading spaces": (lambda n: " " * (n * 50) + "x\nSecond line.", 200),
    "lines of pipes": (lambda n: "\n".join("| " + " " * 40 + "a" for _ in range(n * 8)), 200),
    "underscores glued to words": (lambda n: "\n\n".join("Signature" + "_" * 3980 + "Date" for _ in range(n // 8)), 200),
    "blocks of @": (lambda n: "\n\n".join("@" * 299 for _ in range(n)), 200),
    "a heading's spaces, pandoc page": (lambda n: "# a" + " " * (n * 50) + "x\n\n{#id}", 200),
    "a line of colons": (lambda n: ":" * (n * 25) + " end of notes", 200),
    "a JSON line, then blank lines": (lambda n: json.dumps({"text": "a"}) + "\n" * (n * 25) + "x", 200),
    "quotes nested a forum deep (HTML)": (
        lambda n: "<html><body>" + "".join(f"<blockquote><p>Post {i}<br>line two</p>" for i in range(n))
        + "</body></html>", 400),
    "TOML front matter, aligned keys": (
        lambda n: "+++\n" + "".join(f"key{i}     = {i}\n" for i in range(n // 8)) + "tags = [\n\"a\",\n]\nx\n", 200),
}


def best_time(tagger: classifier.Tagger, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        try:
            tagger.tag_text(text)
        except classifier.BlocktagError:  # (refused, as some are: the time to say so counts)
            pass
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every kind's n by this")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # (a flattened page's or a long page's notice, said each run)
    tagger = classifier.Tagger()
    tagger.tag_text("Warm-up.\n\nBy Ann Lee")
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    print(f"{'kind':36} {'chars (n)':>10} {'n':>8} {'2n':>8} {'4n':>8}  ratio 4n/2n")
    for name, (make, n) in KINDS.items():
        n = max(8, int(n * args.scale))
        times = [best_time(tagger, make(n * k)) for k in (1, 2, 4)]
        print(f"{name:36} {len(make(n)):>10,} {times[0]:>7.3f}s {times[1]:>7.3f}s {times[2]:>7.3f}s  "
              f"{times[2] / max(times[1], 1e-9):.1f}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
