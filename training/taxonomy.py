"""Count the corpus and write its counts into the datasheet, training/README.md: the taxonomy
cells (training/TAXONOMY.md) between its taxonomy markers, the totals under "What it holds",
and each outlet's pages, blocks and labels in the outlets table.

    python training/taxonomy.py          # rewrite the counts
    python training/taxonomy.py --check  # exit 1 if the counts are out of date

Pages written from wave 8 on carry ``template`` on every record, ``form`` on every block
that is not a plain paragraph and ``artifacts`` where there are any; earlier pages carry
none and are counted as "not annotated".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DATASHEET = HERE / "README.md"
TAXONOMY = HERE / "TAXONOMY.md"
START, END = "<!-- taxonomy:start -->", "<!-- taxonomy:end -->"
LABELS = ("body", "byline", "caption", "contributor_note", "promotion", "other")


def declared() -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The templates, forms by label and artifacts that TAXONOMY.md names."""
    text = TAXONOMY.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    templates = [t.strip() for t in sections[1].split("\n", 1)[1].replace("\n", " ").split(",") if t.strip()]
    forms = {}
    for label, names in re.findall(r"- \*\*(\w+)\*\*: (.*?)(?=\n- \*\*|\n\n|\Z)", sections[2], flags=re.DOTALL):
        forms[label] = [n.strip() for n in names.replace("\n", " ").split(",")]
    artifacts = [a.strip() for a in sections[3].split("\n", 1)[1].replace("\n", " ").split(",") if a.strip()]
    return templates, forms, artifacts


def count() -> dict:
    templates, forms, artifacts, pages, annotated = Counter(), Counter(), Counter(), set(), set()
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            record = json.loads(line)
            pages.add(record["page"])
            # (wave 11 added forms to blocks of earlier pages, which carry no template)
            if record.get("form"):
                forms[record["label"], record["form"]] += 1
            for artifact in record.get("artifacts") or ():
                artifacts[artifact] += 1
            if "template" in record and record["page"] not in annotated:
                annotated.add(record["page"])
                templates[record["template"]] += 1
    return {"templates": templates, "forms": forms, "artifacts": artifacts,
            "pages": len(pages), "annotated": len(annotated)}


def tables(counts: dict) -> str:
    names, forms_by_label, artifact_names = declared()
    lines = [
        f"{counts['annotated']} of the corpus's {counts['pages']} pages carry taxonomy keys (wave 8 on); "
        "a cell at 0 is a gap to write next.",
        "",
        "**Pages per template**",
        "",
        " · ".join(f"{name} {counts['templates'].get(name, 0)}" for name in names),
        "",
        "**Blocks per surface form** (body paragraphs carry no form)",
        "",
        "| label | forms |",
        "|---|---|",
    ]
    for label in LABELS:
        cells = " · ".join(f"{form} {counts['forms'].get((label, form), 0)}" for form in forms_by_label.get(label, []))
        lines.append(f"| {label} | {cells} |")
    lines += ["", "**Blocks per scraper artifact**", "",
              " · ".join(f"{name} {counts['artifacts'].get(name, 0)}" for name in artifact_names)]
    unknown = sorted({f"{label}/{form}" for label, form in counts["forms"]
                      if form not in forms_by_label.get(label, [])})
    if unknown:
        lines += ["", "Forms outside the taxonomy: " + ", ".join(unknown)]
    return "\n".join(lines)


# The outlets table's label columns, in its order.
TABLE_LABELS = ("body", "caption", "byline", "contributor_note", "promotion", "other")


def label_counts() -> dict[str, Counter]:
    """Each outlet file's pages, blocks and labels (``"pages"``, ``"blocks"``, a label each)."""
    outlets = {}
    for path in sorted(DATA.glob("*.jsonl")):
        counts: Counter = Counter()
        pages = set()
        for line in path.open(encoding="utf-8"):
            record = json.loads(line)
            pages.add(record["page"])
            counts[record["label"]] += 1
            counts["blocks"] += 1
        counts["pages"] = len(pages)
        outlets[path.stem] = counts
    return outlets


def with_counts(text: str, outlets: dict[str, Counter]) -> str:
    """The datasheet with its totals rows and each outlet row's numbers recounted."""
    total = sum(outlets.values(), Counter())
    lines = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| ") else []
        if len(cells) == 2 and cells[0] in ("pages", "blocks", *LABELS) and cells[1].replace(",", "").isdigit():
            line = f"| {cells[0]} | {total[cells[0]]:,} |"
        elif len(cells) == 11 and cells[0] in outlets and cells[2].isdigit():
            counts = outlets[cells[0]]
            numbers = [counts["pages"], counts["blocks"], *(counts[label] for label in TABLE_LABELS)]
            line = "| " + " | ".join(cells[:3] + [str(n) for n in numbers]) + " |"
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the datasheet's counts are out of date")
    args = parser.parse_args(argv)
    text = DATASHEET.read_text(encoding="utf-8")
    if START not in text:
        print(f"{DATASHEET}: no {START} marker", file=sys.stderr)
        return 1
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    updated = with_counts(f"{before}{START}\n{tables(count())}\n{END}{after}", label_counts())
    if args.check:
        return 0 if updated == text else 1
    DATASHEET.write_text(updated, encoding="utf-8")
    print(tables(count()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
