"""Evaluation: how well a model's labels agree with hand labels, and grouped cross-validation.

The figures are computed with numpy and gathered into one plain dict (JSON-ready) that the
CLI prints and the HTML report draws; only cross-validation (which trains) needs
scikit-learn.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .blocks import (PAGE_FINGERPRINT_BYTES, Block, as_int, block_list, check_page_order, fingerprint_set, group_pages,
                     page_fingerprint, read_labelled, training_data_hash)
from .errors import DataFormatError, InputError, SettingError, TrainingError, check_callback, warn
from .bundle import ModelBundle, as_model
from .memory import NOT_REMEMBERED
from .extras import require
from .params import check_param_names
from .tagging import SCORE_DECIMALS, batches
from .training_checks import check_trainable

CALIBRATION_BINS = 10
DEFAULT_FOLDS = 5
# Macro-F1's interval: pages drawn with replacement (a site's blocks are not independent
# draws, its pages nearly are), this many times, with a fixed seed so figures repeat.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_LEVEL = 0.95
BOOTSTRAP_SEED = 0
# Fewer pages than this give no interval: one page always draws itself (a zero-width
# interval that would read as certainty), and a handful give one far too narrow.
MIN_BOOTSTRAP_PAGES = 5
# Draws are made this many at a time, so memory stays flat however many pages there are.
BOOTSTRAP_CHUNK = 100


def evaluate(model: ModelBundle | str | Path | None, blocks: Sequence[Block],
             on_progress: Callable[[int], None] | None = None) -> dict:
    """Tag labelled ``blocks`` with ``model`` and score the labels against theirs.

    Returns accuracy, macro-F1, per-label precision/recall/F1/support, the confusion matrix
    (rows: true labels, columns: predicted, in ``labels`` order), the expected calibration
    error of the confidences, the model's labels (``model_labels``), and every block's
    prediction (for error analysis).
    ``on_progress`` is called with the number of blocks tagged after each batch.
    """
    check_callback("on_progress", on_progress, "the number of blocks tagged")
    model = as_model(model)  # a bundle, a model file, or None for the shipped model
    blocks = block_list(blocks, "evaluation data")
    if not blocks:
        raise DataFormatError("no labelled blocks to evaluate on")
    check_page_order(blocks, "evaluation data")  # Blocks, of the right types, before their fields are read
    unlabelled = next((b for b in blocks if b.label is None or not str(b.label).strip()), None)
    if unlabelled is not None:
        raise DataFormatError(f"page {unlabelled.page!r} block {unlabelled.index} has no label; evaluate scores labelled blocks")
    unknown = Counter(b.label for b in blocks if b.label not in model.labels)
    if unknown:  # a misspelt label, most likely: scored, but said
        named = ", ".join(f"{label!r} ({n} block{'s' if n > 1 else ''})" for label, n in sorted(unknown.items()))
        warn(f"{model.source}: has no label(s) {named}; they count as never predicted. "
             f"Its labels: {', '.join(model.labels)}")
    _say_if_trained_on(model, blocks)
    parts = []
    for batch in batches(group_pages(blocks)):
        parts.append(model.predict_proba(batch))
        if on_progress:
            on_progress(len(batch))
    proba = np.vstack(parts)
    model_labels = model.labels
    predicted = [model_labels[k] for k in proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    true = [b.label for b in blocks]
    metrics = score(true, predicted, confidence)
    metrics["pages"] = len({b.page for b in blocks})
    metrics["model_labels"] = list(model_labels)  # (what compare() checks two models share)
    enough = metrics["pages"] >= MIN_BOOTSTRAP_PAGES
    metrics["macro_f1_interval"] = interval(page_bootstrap(true, predicted, [b.page for b in blocks])) if enough else None
    metrics["predictions"] = [
        {"page": b.page, "index": b.index, "text": b.text, "label": b.label, "predicted": p, "confidence": round(float(c), SCORE_DECIMALS)}
        for b, p, c in zip(blocks, predicted, confidence)
    ]
    return metrics


def _say_if_trained_on(model: ModelBundle, blocks: Sequence[Block]) -> None:
    """Warn when the blocks are the model's own training data, or hold pages it remembers
    whole (its user's pages, which ``train --with-corpus`` remembers): figures on them say
    how well it learnt them, not how well it tags pages it has not seen."""
    advice = "its figures on them say how well it learnt them: evaluate on pages kept out of training"
    meta = model.metadata if isinstance(model.metadata, dict) else {}
    # (hashed only when the counts agree: a cross-validation fold's test blocks never are)
    if meta.get("blocks") == len(blocks) and meta.get("training_sha256") == training_data_hash(blocks):
        warn(f"{model.source}: these blocks are this model's training data; {advice}")
        return
    if isinstance(meta.get("page_fingerprints"), str):  # (models that record them) its pages, in any order or number
        learnt = fingerprint_set(meta["page_fingerprints"])
        pages = list(group_pages(blocks))
        seen = sum(bytes.fromhex(page_fingerprint(page))[:PAGE_FINGERPRINT_BYTES] in learnt for page in pages)
        if seen:
            warn(f"{model.source}: {seen} of {len(pages)} page(s) are pages this model was trained on; {advice}")
            return
    corpus_pages = _shipped_corpus_pages(blocks)
    if corpus_pages and _trained_on_shipped_corpus(meta):
        warn(f"{model.source}: {corpus_pages} of {len({b.page for b in blocks})} page(s) are pages of the shipped "
             f"corpus, which this model was trained on; {advice}")
        return
    if model.memory is None:
        return
    remembered = model.memory.lookup(blocks) != NOT_REMEMBERED
    pages: dict[str, bool] = {}
    for block, hit in zip(blocks, remembered):
        pages[block.page] = pages.get(block.page, True) and bool(hit)
    whole = sum(pages.values())
    if whole:
        warn(f"{model.source}: {whole} of {len(pages)} page(s) are pages this model was trained on (it remembers "
             f"every block of them); {advice}")


def _shipped_corpus_pages(blocks: Sequence[Block]) -> int:
    """How many of the blocks' pages are pages of the shipped corpus, text for text. Only the
    corpus files that the pages' names point to are read: a corpus page is named for its
    outlet's file ("<outlet>-NN" in "<outlet>.jsonl"), the seed page's file is "seed-NNN"."""
    from .adapt import corpus_files

    texts = {page[0].page: [b.text for b in page] for page in group_pages(blocks)}
    outlets = {str(page).rsplit("-", 1)[0] for page in texts}
    try:
        files = [f for f in corpus_files() if f.stem in outlets or f.stem.startswith("seed-")]
    except InputError:  # (no corpus beside this install: nothing to compare with)
        return 0
    corpus = {page[0].page: [b.text for b in page] for page in group_pages(read_labelled(files))} if files else {}
    return sum(corpus.get(page) == page_texts for page, page_texts in texts.items())


def _trained_on_shipped_corpus(meta: dict) -> bool:
    """Whether a model's training data held the shipped corpus: `train --with-corpus`
    records it as a source; a model trained on the corpus alone has the shipped model's."""
    from .bundle import load_model

    corpus = meta.get("sources", {}).get("corpus") if isinstance(meta.get("sources"), dict) else None
    if isinstance(corpus, dict):  # (not "a corpus given": a benchmark's corpus less the outlet it scores)
        return str(corpus.get("from", "")).startswith("the corpus shipped with blocktag")
    return meta.get("training_sha256") == load_model(None).metadata.get("training_sha256")


def _label_scores(hits: np.ndarray, support: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, ...]:
    """Precision, recall and F1 from each label's hits, blocks truly of it (support) and
    blocks given it (chosen), 0 where undefined; arrays of any shape, element by element."""
    hits = hits.astype(float)
    precision = np.divide(hits, chosen, out=np.zeros_like(hits), where=chosen > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(hits), where=both > 0)
    return precision, recall, f1


def score(true: Sequence[str], predicted: Sequence[str], confidence: Sequence[float] | None = None) -> dict:
    """The figures for one set of predictions. Labels are those in the truth or the predictions.

    Computed with numpy (the definitions of scikit-learn's ``precision_recall_fscore_support``
    with ``zero_division=0``; a test checks they agree), so evaluating needs no scikit-learn.
    """
    labels = sorted(set(true) | set(predicted))
    column = {label: k for k, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, ([column[t] for t in true], [column[p] for p in predicted]), 1)
    hits = np.diag(matrix).astype(float)
    support, chosen = matrix.sum(axis=1), matrix.sum(axis=0)
    precision, recall, f1 = _label_scores(hits, support, chosen)
    result = {
        "blocks": len(true),
        "accuracy": float(hits.sum() / max(len(true), 1)),
        "macro_f1": float(f1.mean()) if len(labels) else 0.0,
        "per_label": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)}
            for label, p, r, f, n in zip(labels, precision, recall, f1, support)
        },
        "confusion_matrix": {"labels": labels, "matrix": matrix.tolist()},
    }
    if confidence is not None:
        correct = np.asarray(true, dtype=object) == np.asarray(predicted, dtype=object)
        result["calibration"] = calibration(np.asarray(confidence, dtype=float), correct)
    return result


def page_bootstrap(true: Sequence[str], predicted: Sequence[str], pages: Sequence[str],
                   resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> np.ndarray:
    """Macro-F1 (as :func:`score` computes it) of ``resamples`` page bootstrap samples: each
    draws as many pages as there are, with replacement. The same ``seed`` and pages give the
    same samples, so two models' figures on the same blocks are paired sample by sample."""
    labels = sorted(set(true) | set(predicted))
    column = {label: k for k, label in enumerate(labels)}
    page_ids = {page: k for k, page in enumerate(dict.fromkeys(pages))}
    n_labels = len(labels)
    # Each page's confusion matrix, flattened; a sample's matrix is a weighted sum of them.
    per_page = np.zeros((len(page_ids), n_labels * n_labels))
    cells = [column[t] * n_labels + column[p] for t, p in zip(true, predicted)]
    np.add.at(per_page, ([page_ids[page] for page in pages], cells), 1)
    rng = np.random.default_rng(seed)
    share = np.full(len(page_ids), 1 / len(page_ids))
    matrices = np.concatenate([
        rng.multinomial(len(page_ids), share, size=min(BOOTSTRAP_CHUNK, resamples - done)) @ per_page
        for done in range(0, resamples, BOOTSTRAP_CHUNK)
    ]).reshape(resamples, n_labels, n_labels)
    hits = np.diagonal(matrices, axis1=1, axis2=2)
    support, chosen = matrices.sum(axis=2), matrices.sum(axis=1)
    f1 = _label_scores(hits, support, chosen)[2]
    present = (support + chosen) > 0  # a label no sampled block has or gets is not averaged
    return (f1 * present).sum(axis=1) / np.maximum(present.sum(axis=1), 1)


def interval(samples: np.ndarray, level: float = BOOTSTRAP_LEVEL) -> dict:
    """The central ``level`` interval of bootstrap ``samples``."""
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    return {"low": float(low), "high": float(high), "level": level, "resamples": len(samples), "unit": "page"}


def check_results(results: object, what: str) -> None:
    """``results`` are :func:`evaluate`'s, by model name, for one model or more."""
    if not isinstance(results, dict) or not results:
        raise SettingError("results", results, f"{what} takes evaluate()'s results by model name, for one model "
                                               "or more: {name: evaluate(model, blocks)}")
    for name, metrics in results.items():
        if not isinstance(metrics, dict) or "predictions" not in metrics:
            raise SettingError("results", f"{{{name!r}: ...}}", f"{what} needs evaluate()'s results with their "
                                                                "per-block predictions, not figures_of()'s")


def comparison_rows(results: dict[str, dict]) -> list[tuple[str, list[float]]]:
    """Models side by side: accuracy, macro-F1 and each label's F1 (0 for a label a model's
    data lacks), a row each, with one value per model in ``results``' order."""
    names = list(results)
    rows = [("accuracy", [results[n]["accuracy"] for n in names]), ("macro-F1", [results[n]["macro_f1"] for n in names])]
    for label in sorted({label for m in results.values() for label in m["per_label"]}):
        rows.append((f"F1 {label}", [results[n]["per_label"].get(label, {}).get("f1", 0.0) for n in names]))
    return rows


def interval_text(spread: dict | None, signed: bool = False) -> str:
    """A page-bootstrap interval as the tables and the report say it; None: why there is none."""
    if spread is None:
        return f"no interval: it takes {MIN_BOOTSTRAP_PAGES} pages or more"
    number = "{:+.3f}" if signed else "{:.3f}"
    return (f"{spread['level']:.0%} interval over pages {number.format(spread['low'])} to "
            f"{number.format(spread['high'])}")


def compare(results: dict[str, dict]) -> dict[str, dict]:
    """Each model after the first against the first, from :func:`evaluate`'s results on the
    same blocks: the difference in macro-F1 and its paired page-bootstrap interval (None
    with fewer than :data:`MIN_BOOTSTRAP_PAGES` pages)."""
    names = list(results)
    check_results(results, "compare")
    first = results[names[0]]["predictions"]
    true, pages = [p["label"] for p in first], [p["page"] for p in first]
    enough = len(set(pages)) >= MIN_BOOTSTRAP_PAGES
    base = page_bootstrap(true, [p["predicted"] for p in first], pages) if enough else None
    out = {}
    for name in names[1:]:
        predictions = results[name]["predictions"]
        if [(p["page"], p["index"]) for p in predictions] != [(p["page"], p["index"]) for p in first]:
            raise DataFormatError("compare() needs every model's results on the same blocks, in the same order: "
                                  "evaluate each model on the same labelled blocks")
        own, base_labels = (set(results[n].get("model_labels", ())) for n in (name, names[0]))
        if own != base_labels:  # (a model of other labels: its macro-F1 averages other F1s)
            only = ", ".join(sorted(own ^ base_labels))
            warn(f"{name} and {names[0]} have different labels (only one of them has {only}): their "
                 "macro-F1s average different labels; compare their per-label F1s")
        change = {"against": names[0], "macro_f1_difference": results[name]["macro_f1"] - results[names[0]]["macro_f1"],
                  "interval": None}
        if enough:
            change["interval"] = interval(page_bootstrap(true, [p["predicted"] for p in predictions], pages) - base)
        out[name] = change
    return out


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> dict:
    """Expected calibration error of the top-label confidence, and the reliability bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table, ece = [], 0.0
    for k in range(bins):
        inside = which == k
        n = int(inside.sum())
        if n:
            mean_conf, accuracy = float(confidence[inside].mean()), float(correct[inside].mean())
            ece += n / len(confidence) * abs(accuracy - mean_conf)
            table.append({"low": float(edges[k]), "high": float(edges[k + 1]), "count": n,
                          "confidence": mean_conf, "accuracy": accuracy})
    return {"ece": float(ece), "bins": table}


def cross_validation_splits(blocks: Sequence[Block], folds: int = DEFAULT_FOLDS, groups: Sequence[str] | None = None,
                            source: str = "training data", **params) -> list:
    """The (training rows, test rows) of each fold of :func:`cross_validate`, once every
    check has passed that would stop it (the folds and groups, the parameters' names, each
    fold's training part): what a caller runs first to fail before any work is announced."""
    require("train", "cross-validation")
    from sklearn.model_selection import GroupKFold

    blocks = block_list(blocks, source)
    check_page_order(blocks, source)  # Blocks, of the right types, before their pages are read
    groups = group_list(groups) if groups is not None else [b.page for b in blocks]
    if len(groups) != len(blocks):
        raise TrainingError(f"{len(groups)} groups for {len(blocks)} blocks: give one group per block, "
                            "e.g. read_groups(files, 'file') for the files read_labelled(files) read")
    _check_whole_pages(blocks, groups, source)
    n_groups = len(set(groups))
    folds = as_int(folds)
    if type(folds) is not int or folds < 2:
        raise SettingError("folds", folds, "give a whole number of folds from 2")
    if n_groups < folds:
        fix = f"give {n_groups} folds or fewer" if n_groups >= 2 else "give data of two groups or more"
        raise TrainingError(f"{source}: {folds}-fold cross-validation needs at least {folds} groups, the data has "
                            f"{n_groups}; {fix}")
    check_trainable(blocks, source)  # too little data fails here, not inside scikit-learn
    check_param_names(params)
    splits = list(GroupKFold(n_splits=folds).split(blocks, groups=groups))
    for k, (train_idx, _) in enumerate(splits, 1):  # every fold checked before any is trained
        check_trainable([blocks[i] for i in train_idx], source=f"{source} (training part of fold {k} of {folds})")
    return splits


def _check_whole_pages(blocks: Sequence[Block], groups: Sequence, source: str = "training data") -> None:
    """A group holds whole pages: a page split between groups would be trained on in one fold
    and tested on in another (a field of each block, `--group index`, does that)."""
    group_of: dict[str, object] = {}
    for block, group in zip(blocks, groups):
        first = group_of.setdefault(block.page, group)
        if group != first:
            raise TrainingError(f"{source}: page {block.page!r} is in more than one group ({first!r}, {group!r}): a fold would "
                                "train on part of it and test on the rest; group by whole pages, e.g. 'page', 'file' "
                                "or a field every block of a page shares, such as its site")


def group_list(groups) -> list:
    """``groups`` as a list of one group a block, each a name, a number or another hashable
    value; a string, a lone value or an unhashable group is a :class:`SettingError`."""
    if isinstance(groups, str):  # what `cv --group file` reads as, given to the function
        raise SettingError("groups", groups, f"give one group per block, e.g. read_groups(files, {groups!r})")
    if not isinstance(groups, Iterable):
        raise SettingError("groups", groups, "give one group per block (a list), e.g. read_groups(files, 'file')")
    groups = list(groups)
    unhashable = [g for g in groups if not isinstance(g, Hashable)][:1]
    if unhashable:
        raise SettingError("groups", unhashable[0], "give each block a group that is a name or number (that one "
                                                     "is not), e.g. read_groups(files, 'file')")
    return groups


def cross_validate(
    blocks: Sequence[Block],
    folds: int = DEFAULT_FOLDS,
    groups: Sequence[str] | None = None,
    on_fold: Callable[[int], None] | None = None,
    source: str = "training data",
    plain_text_model: bool = True,
    jobs: int = 1,
    splits: list | None = None,
    **params,
) -> dict:
    """Grouped k-fold cross-validation of the training recipe: no group (by default, page)
    is in both a training and a test fold. ``source`` names the data in errors;
    ``plain_text_model`` and ``params`` are :func:`train`'s; ``jobs`` folds are trained at
    once in worker processes (-1: one per core; the figures are the same as with 1);
    ``splits``, what :func:`cross_validation_splits` gave for the same arguments, saves
    checking them again. Returns per-label and macro-F1 as mean ± std over the folds, and
    each fold's figures."""
    from .workers import forked_workers, resolve_jobs, submit

    check_callback("on_fold", on_fold, "each fold's number as it ends")
    blocks = block_list(blocks, source)
    groups = group_list(groups) if groups is not None else None  # (a generator, read once)
    if splits is None:
        splits = cross_validation_splits(blocks, folds, groups, source, **params)
    splits = list(splits)
    if len(splits) != folds:  # (given, they must be cross_validation_splits' for the same folds)
        raise SettingError("folds", folds, f"give the folds the {len(splits)} splits were made for, or no splits")
    processes = min(resolve_jobs(jobs), folds)
    with forked_workers(processes if processes > 1 else 0) as workers:

        def fold(number, split):
            train_idx, test_idx = split
            return submit(workers, _fold_figures, [blocks[i] for i in train_idx], [blocks[i] for i in test_idx],
                          plain_text_model, params, number)

        # A fold for each process at first, then the next as each is done (a worker that
        # finishes a fold gets the next); without workers, each is trained when its turn comes.
        waiting = enumerate(splits, start=1)
        running = deque(fold(*numbered) for numbered in itertools.islice(waiting, processes))
        fold_scores = []
        for k in range(1, folds + 1):
            fold_scores.append(running.popleft().result())
            if on_fold:
                on_fold(k)
            running.extend(fold(*numbered) for numbered in itertools.islice(waiting, 1))
    labels = sorted({label for s in fold_scores for label in s["per_label"]})

    def spread(values: list[float]) -> dict:
        return {"mean": float(np.mean(values)), "std": float(np.std(values))}

    from .model import BlockClassifier, python_setting

    return {
        "folds": as_int(folds),
        "groups": len(set(groups)) if groups is not None else len({b.page for b in blocks}),
        "plain_text_model": plain_text_model,
        "params": {k: python_setting(v, as_json=True) for k, v in BlockClassifier(**params).get_params().items()},
        "accuracy": spread([s["accuracy"] for s in fold_scores]),
        "macro_f1": spread([s["macro_f1"] for s in fold_scores]),
        "per_label": {  # over the folds whose test or predictions hold the label, counted: one fold has no spread
            label: {**spread(f1s), "folds": len(f1s)}
            for label in labels
            for f1s in [[s["per_label"][label]["f1"] for s in fold_scores if label in s["per_label"]]]
        },
        "fold_scores": fold_scores,
    }


def _fold_figures(training: list[Block], test: list[Block], plain_text_model: bool, params: dict,
                  number: int = 1) -> dict:
    """Fold ``number`` of :func:`cross_validate`: train on ``training``, score on ``test``."""
    from .model import train

    model = train(training, plain_text_model=plain_text_model, **params)
    model.source = f"fold {number}'s model"  # what evaluate's warnings call it (a label its training part lacks)
    return figures_of(evaluate(model, test))


def figures_of(metrics: dict) -> dict:
    """The figures without the per-block predictions."""
    return {k: v for k, v in metrics.items() if k != "predictions"}
