"""The bare tagger: the least a block tagger can do, as a yardstick for blocktag's speed.

Split each page on blank lines, run a joblib-loaded TfidfVectorizer(ngram_range=(1, 2)) +
LogisticRegression pipeline's predict_proba once per page (or, with --batch N, once per N
blocks of whole pages, as blocktag batches), write one JSON line a block.

    python benchmarks/bare_tagger.py MODEL.joblib PAGE_DIR > out.jsonl
    python benchmarks/bare_tagger.py MODEL.joblib PAGE_DIR --batch 2000 > out.jsonl
    python benchmarks/bare_tagger.py --train MODEL.joblib training/data/*.jsonl
"""

import json
import re
import sys
from pathlib import Path

import joblib

BLANK = re.compile(r"\n[ \t]*\n")


def train(model_path: str, data: list[str]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    records = [json.loads(line) for path in data for line in open(path, encoding="utf-8")]
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=2000))
    pipeline.fit([r["text"] for r in records], [r["label"] for r in records])
    joblib.dump(pipeline, model_path)


def tag(model_path: str, page_dir: str, batch: int = 0) -> None:
    pipeline = joblib.load(model_path)
    labels = list(pipeline.classes_)
    out = sys.stdout
    pending: list[tuple[str, str]] = []  # (page, text) of whole pages, up to about ``batch`` blocks

    def flush() -> None:
        if pending:
            for (page, text), row in zip(pending, pipeline.predict_proba([text for _, text in pending])):
                k = row.argmax()
                out.write(json.dumps({"page": page, "text": text, "label": labels[k], "confidence": float(row[k])}) + "\n")
            pending.clear()

    for path in sorted(Path(page_dir).glob("*.txt")):
        pending.extend((path.stem, b.strip()) for b in BLANK.split(path.read_text(encoding="utf-8")) if b.strip())
        if len(pending) >= batch:  # (batch 0: a call a page)
            flush()
    flush()


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
    if sys.argv[1] == "--train":
        train(sys.argv[2], sys.argv[3:])
    else:
        tag(sys.argv[1], sys.argv[2], int(sys.argv[4]) if sys.argv[3:4] == ["--batch"] else 0)
