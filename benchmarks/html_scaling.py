"""How the HTML reader's time grows with a page's size, on pages built to stress each of its
passes (hidden-element search, list items, links, tables, dialogs). Each shape is read at
1x, 2x and 4x its base size; a time that grows much faster than the size (the ratio column
well over 2 at each doubling) is a super-linear pass, as a union in the hidden-element XPath
once was (libxml2 merges a union's node sets in quadratic time: 17 s for 40,000 styled
elements).

    python benchmarks/html_scaling.py

Prints its figures; it is not a test.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier.readers.html import html_to_text  # noqa: E402

# Each shape: a function of n that builds a page of about n repeated parts.
SHAPES = {
    "styled and hidden elements": lambda n: "<html><body>" + "".join(
        f'<div style="color:red" aria-hidden="false"><p hidden>{i}</p><span style="x">word {i}</span></div>'
        for i in range(n)) + "</body></html>",
    "dialogs beside styled elements": lambda n: "".join(
        f'<dialog><p>d{i}</p></dialog><div style="x">s{i}</div>' for i in range(n)),
    "a list of links": lambda n: "<ul>" + "".join(f'<li><a href="/x{i}">item {i}</a></li>' for i in range(n)) + "</ul>",
    "links holding line breaks": lambda n: "<p>" + "".join(f'<a href="/{i}">a<br>b</a> ' for i in range(n)) + "</p>",
    "a table of cells": lambda n: "<table>" + "".join(
        "<tr>" + "".join(f"<td>{r}-{c}</td>" for c in range(20)) + "</tr>" for r in range(n // 20)) + "</table>",
    "list items nested 100 deep around a long item": lambda n: "".join("<ul><li>a" for _ in range(100)) + "".join(
        f"<span>w{i}</span>" for i in range(n)) + "".join("</li></ul>" for _ in range(100)),
    "paragraphs 900 divs deep": lambda n: "<div>" * 900 + "".join(f"<p>p{i} <a href='/{i}'>x</a></p>" for i in range(n))
    + "</div>" * 900,
    "carousel slides and their clones": lambda n: "".join(
        f'<div class="slick-slide{" slick-cloned" if i % 3 == 0 else ""}"><figure><figcaption>c{i}</figcaption></figure></div>'
        for i in range(n)),
}
BASE_SIZE = 10_000
SCALES = (1, 2, 4)


def seconds(html: str) -> float:
    started = time.perf_counter()
    html_to_text(html)
    return time.perf_counter() - started


def main() -> None:
    import argparse

    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # (--help; no options)
    print(f"load average at start {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'page shape':48} " + " ".join(f"{f'{s}x':>8}" for s in SCALES) + "   growth at each doubling")
    for name, build in SHAPES.items():
        times = [min(seconds(build(BASE_SIZE * scale)) for _ in range(2)) for scale in SCALES]
        growth = " ".join(f"{later / earlier:4.1f}x" for earlier, later in zip(times, times[1:]))
        print(f"{name:48} " + " ".join(f"{t:7.3f}s" for t in times) + f"   {growth}")
    print(f"load average at end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
