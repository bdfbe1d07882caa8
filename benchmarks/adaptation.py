"""Adaptation benchmark: how much do a few labelled pages of a site help? (issue 14)

Two curves, printed and written to ``--json``:

1. **Same site.** For each of ``--outlets`` (corpus outlets of different kinds), the outlet
   is held out of training; the "k = 0" base is trained on the rest of the corpus (the first
   ``--per-outlet`` pages of every other outlet, to keep the run short). Then k = 1, 2, 3
   of the outlet's pages are added as the user's labels (``train_with_corpus`` with the
   base's training blocks as the corpus, weight ``--weight``) and the model is scored on the
   outlet's remaining pages. Pages are chosen by ``suggest`` (ranked once by the base
   model) and, separately, at random (``--draws`` draws, nested: the first k of a random
   order). The lift at k is measured against the base on the same remaining pages.
   ``--sweep`` adds the suggested k = 2 at other weights.

   That protocol favours random picks: ``suggest`` takes the hardest pages, so the pages
   left to score are the easy ones. ``--test-pages N`` fixes N of each outlet's pages (a
   seeded draw) as its test pages instead; ``suggest`` and the random draws choose from the
   other pages only, and every model of the outlet is scored on the same N pages.
2. **Real pages, other sites.** k pages of ``../shared/realworld/dev/study.jsonl`` (read
   at run time, never written anywhere) are added to the whole corpus with
   ``--with-corpus`` training, and the model is scored on ``dev/check.jsonl`` (only its
   macro-F1 is read). k = 0, 10 (suggested, and random) and 40 (all), at weight 1 and
   ``--weight``.
3. **Real pages, same site** (``--real-same-site study``): what a user adapting to their own
   site gets, on real pages. Each dev site of the half with two pages (read at run time,
   never written anywhere) lends one page as the user's labels (k = 1, the whole corpus
   beside it, weight ``--real-same-site-weights``) and is scored on its other page, both ways
   round; predictions are pooled over every test page. Retrained models are scored without
   and with the taught page's blocks remembered (``classifier.memory``, on by default in
   ``train --with-corpus``); so is the base, remembering them without retraining. Lifts come
   with a paired page-bootstrap interval.

    python benchmarks/adaptation.py --json adaptation.json          # about 45 min on 2 shared cores
    python benchmarks/adaptation.py --skip-same-site --skip-real --real-same-site study  # 15 min
    python benchmarks/adaptation.py --skip-real --outlets kvrn7 hearth-haul --draws 1

It is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.adapt import DEFAULT_USER_WEIGHT, corpus_files, read_corpus, train_with_corpus  # noqa: E402
from classifier.blocks import group_pages, read_labelled  # noqa: E402
from classifier.evaluation import interval, page_bootstrap, score  # noqa: E402
from classifier.memory import Memory  # noqa: E402
from classifier.suggest import suggest_pages  # noqa: E402

DEV = ROOT.parent / "shared" / "realworld" / "dev"
# Ten outlets of different kinds with 6 or more pages each (training/README.md's table).
OUTLETS = [
    "bellmont-gazette",     # US metro newspaper
    "bodyplain",            # consumer-health explainers
    "brackwater-wire",      # wire republishing portal
    "circuitbench",         # gadget reviews
    "copperjar-money",      # money advice
    "gridline-sportswire",  # photo-heavy sports wire
    "hearth-haul",          # home-goods deals
    "mordant-journal",      # art-fair and design magazine
    "kvrn7",                # local TV station
    "globeline-newswire",   # press-release wire
]
KS = (1, 2, 3)
REAL_KS = (10, 40)
SEED = 14


def outlet_pages(name: str) -> list[list]:
    path = next(p for p in corpus_files() if p.stem == name)
    return list(group_pages(read_labelled([path])))


def base_corpus(held_out: str, per_outlet: int) -> list:
    blocks = []
    for path in corpus_files():
        if path.stem != held_out:
            for page in list(group_pages(read_labelled([path])))[:per_outlet]:
                blocks += page
    return blocks


def macro_f1(model, pages: list[list]) -> float:
    blocks = [b for page in pages for b in page]
    return score([b.label for b in blocks], model.predict(blocks))["macro_f1"]


def unlabelled(pages: list[list]) -> list[list]:
    from dataclasses import replace

    return [[replace(b, label=None) for b in page] for page in pages]


def same_site(args_tuple) -> dict:
    """One outlet's runs: the base, then suggested and random pages at every k."""
    name, per_outlet, weight, draws, sweep, ks, test_pages = args_tuple
    from classifier.model import train

    started = time.perf_counter()
    pages = outlet_pages(name)
    corpus = base_corpus(name, per_outlet)
    base = train(corpus)
    rng = np.random.default_rng([SEED, OUTLETS.index(name) if name in OUTLETS else len(name)])
    fixed = []
    if test_pages:
        fixed = [pages[i] for i in sorted(rng.permutation(len(pages))[:test_pages])]
    pool = [p for p in pages if p not in fixed]
    order_suggested = [s.page for s in suggest_pages(base, unlabelled(pool), max(ks))]
    by_name = {p[0].page: p for p in pages}
    orders = {"suggest": order_suggested}
    for d in range(draws):
        orders[f"random{d}"] = [pool[i][0].page for i in rng.permutation(len(pool))[:max(ks)]]

    def run(chosen: list[str], w: float) -> dict:
        user = [b for n in chosen for b in by_name[n]]
        rest = fixed or [p for p in pages if p[0].page not in chosen]
        model = train_with_corpus(user, weight=w, corpus=corpus, source=name)
        return {"pages": chosen, "user_blocks": len(user), "f1": macro_f1(model, rest),
                "base_f1": macro_f1(base, rest)}

    result = {"outlet": name, "pages": len(pages), "corpus_blocks": len(corpus),
              "base_f1_all": macro_f1(base, pages), "test_pages": [p[0].page for p in fixed], "runs": {}}
    for how, order in orders.items():
        result["runs"][how] = {k: run(order[:k], weight) for k in ks}
    result["sweep"] = {w: run(order_suggested[:2], w) for w in sweep}
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(f"  {name}: {result['seconds']} s", file=sys.stderr, flush=True)
    return result


def summarise_same_site(results: list[dict], draws: int, ks=KS) -> dict:
    summary = {}
    for k in ks:
        s = [r["runs"]["suggest"][k] for r in results]
        rnd = [r["runs"][f"random{d}"][k] for r in results for d in range(draws)]
        summary[k] = {
            "suggest_f1": float(np.mean([x["f1"] for x in s])),
            "suggest_lift": float(np.mean([x["f1"] - x["base_f1"] for x in s])),
            "suggest_blocks": float(np.mean([x["user_blocks"] for x in s])),
            "random_f1": float(np.mean([x["f1"] for x in rnd])),
            "random_lift": float(np.mean([x["f1"] - x["base_f1"] for x in rnd])),
            "random_blocks": float(np.mean([x["user_blocks"] for x in rnd])),
            "suggest_wins": sum(
                x["f1"] - x["base_f1"] > np.mean([r["runs"][f"random{d}"][k]["f1"] - r["runs"][f"random{d}"][k]["base_f1"]
                                                  for d in range(draws)])
                for x, r in zip(s, results)),
        }
    return summary


def real_pages(weight: float, draws: int, dev: Path = DEV) -> dict:
    """Curve 2: study pages added to the whole corpus, scored on check (macro-F1 only)."""
    from classifier.model import train

    study = list(group_pages(read_labelled([dev / "study.jsonl"])))
    check = read_labelled([dev / "check.jsonl"])

    def f1_on_check(model) -> float:
        return score([b.label for b in check], model.predict(check))["macro_f1"]

    corpus = read_corpus()
    base = train(corpus)
    out = {"k0": f1_on_check(base), "runs": []}
    order_suggested = [s.page for s in suggest_pages(base, unlabelled(study), max(REAL_KS))]
    by_name = {p[0].page: p for p in study}
    rng = np.random.default_rng(SEED)
    choices = [("suggest", order_suggested)] + [
        (f"random{d}", [study[i][0].page for i in rng.permutation(len(study))]) for d in range(draws)]
    for k in REAL_KS:
        for how, order in choices:
            if k >= len(study) and how != "suggest":
                continue  # every page: the choice no longer matters
            for w in sorted({1.0, weight}):
                user = [b for n in order[:k] for b in by_name[n]]
                model = train_with_corpus(user, weight=w, corpus=corpus, source="study")
                out["runs"].append({"k": k, "how": how if k < len(study) else "all", "weight": w,
                                    "user_blocks": len(user), "f1": f1_on_check(model)})
                print(f"  real k={k} {how} W={w:g}: {out['runs'][-1]['f1']:.3f}", file=sys.stderr, flush=True)
    return out


def _site_pairs(half: str, dev: Path) -> list[tuple[list, list]]:
    """(training page, test page) for every site of ``half`` with two or more pages: each of
    a site's pages is the test page once, its first other page the user's label."""
    pages = list(group_pages(read_labelled([dev / f"{half}.jsonl"])))
    site = {name: meta.get("domain") or name for name, meta in json.loads((dev / "pages.json").read_text()).items()}
    by_site: dict[str, list] = {}
    for page in pages:
        by_site.setdefault(site.get(page[0].page, page[0].page), []).append(page)
    return [(group[(i + 1) % len(group)], test) for group in by_site.values() if len(group) > 1
            for i, test in enumerate(group)]


def _predicted(model, taught: list, test: list, remember: bool) -> list[str]:
    """``model``'s labels for ``test``, with the ``taught`` page's blocks remembered or not."""
    model.memory = Memory.of_blocks(taught, model.labels) if remember else None
    return model.predict(test)


def _real_same_site_run(args_tuple) -> dict:
    taught, test, weight = args_tuple
    model = train_with_corpus(taught, weight=weight, corpus=read_corpus(), source="study", plain_text_model=False,
                              remember=False)
    return {"taught": taught[0].page, "test": test[0].page,
            "retrained": _predicted(model, taught, test, False), "remembered": _predicted(model, taught, test, True)}


def real_same_site(base, half: str, weights: list[float], jobs: int, dev: Path = DEV) -> dict:
    """Curve 3: a real site's page as the user's label (k = 1), scored on the site's other
    page, pooled over every such pair of ``half``; ``base`` is the model of the corpus alone.
    Also the base with the taught page's blocks remembered (no retraining), and both together."""
    pairs = _site_pairs(half, dev)
    gold = [b.label for _, test in pairs for b in test]
    pages = [b.page for _, test in pairs for b in test]
    base_labels = [x for taught, test in pairs for x in _predicted(base, taught, test, False)]
    base_samples = page_bootstrap(gold, base_labels, pages)

    def totals(predicted: list[str]) -> dict:
        # Totals and per-label F1 only: the report may be of the check half, whose blocks and
        # errors are never written anywhere (no confusion matrix, no per-block labels).
        found = score(gold, predicted)
        return {"macro_f1": found["macro_f1"], "accuracy": found["accuracy"],
                "per_label": {label: {"f1": v["f1"]} for label, v in found["per_label"].items()}}

    def scored(predicted: list[str]) -> dict:
        """Pooled scores, and the lift over the base with its paired page-bootstrap interval."""
        found = totals(predicted)
        found["lift"] = found["macro_f1"] - out["base"]["macro_f1"]
        found["lift_interval"] = interval(page_bootstrap(gold, predicted, pages) - base_samples)
        return found

    out = {"half": half, "pairs": len(pairs), "test_blocks": len(gold), "base": totals(base_labels), "weights": {}}
    out["base_remembered"] = scored([x for taught, test in pairs for x in _predicted(base, taught, test, True)])
    for weight in weights:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            runs = list(pool.map(_real_same_site_run, [(taught, test, weight) for taught, test in pairs]))
        out["weights"][weight] = {"retrained": scored([x for run in runs for x in run["retrained"]]),
                                  "retrained_remembered": scored([x for run in runs for x in run["remembered"]])}
        print(f"  real same site {half} W={weight:g}: done", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", nargs="+", default=OUTLETS)
    parser.add_argument("--per-outlet", type=int, default=2, help="pages of each other outlet in the base corpus")
    parser.add_argument("--weight", type=float, default=DEFAULT_USER_WEIGHT)
    parser.add_argument("--sweep", type=float, nargs="*", default=[1.0, 20.0], help="extra weights at suggested k=2")
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--ks", type=int, nargs="+", default=list(KS), help="numbers of the outlet's pages to add")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--test-pages", type=int, default=0,
                        help="fixed test pages per outlet (0: score each model on the pages not chosen)")
    parser.add_argument("--real-draws", type=int, default=1)
    parser.add_argument("--skip-same-site", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--real-same-site", nargs="*", default=[], metavar="HALF",
                        help="also curve 3 on these halves of dev (study, check)")
    parser.add_argument("--real-same-site-weights", type=float, nargs="+", default=[DEFAULT_USER_WEIGHT])
    parser.add_argument("--dev", type=Path, default=DEV, help="the real dev pages' folder")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    report: dict = {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    if not args.skip_same_site:
        jobs = [(name, args.per_outlet, args.weight, args.draws, args.sweep, tuple(args.ks), args.test_pages)
                for name in args.outlets]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(same_site, jobs))
        report["same_site"] = {"outlets": results, "summary": summarise_same_site(results, args.draws, tuple(args.ks))}
        print(f"Same site: {len(results)} outlets, base = {args.per_outlet} pages of every other outlet, "
              f"weight {args.weight:g}, {args.draws} random draws, "
              + (f"{args.test_pages} fixed test pages an outlet" if args.test_pages else "scored on the pages not chosen"))
        print("k | suggest macro-F1 (lift) | random macro-F1 (lift) | blocks labelled s/r | suggest beats random")
        print(f"0 | base on all pages: {np.mean([r['base_f1_all'] for r in results]):.3f}")
        for k, s in report["same_site"]["summary"].items():
            print(f"{k} | {s['suggest_f1']:.3f} ({s['suggest_lift']:+.3f}) | {s['random_f1']:.3f} ({s['random_lift']:+.3f}) | "
                  f"{s['suggest_blocks']:.0f}/{s['random_blocks']:.0f} | {s['suggest_wins']}/{len(results)} outlets")
        for w in (args.sweep + [args.weight]) if 2 in args.ks else args.sweep:
            runs = [r["sweep"][w] if w in r["sweep"] else r["runs"]["suggest"][2] for r in results]
            print(f"suggested k=2 at weight {w:g}: lift {np.mean([x['f1'] - x['base_f1'] for x in runs]):+.3f}")
    if not args.skip_real:
        report["real"] = real_pages(args.weight, args.real_draws, args.dev)
        print(f"Real pages: k=0 (corpus only) check macro-F1 {report['real']['k0']:.3f}")
        for run in report["real"]["runs"]:
            print(f"k={run['k']} {run['how']} weight {run['weight']:g}: {run['f1']:.3f} ({run['f1'] - report['real']['k0']:+.3f})")
    if args.real_same_site:
        from classifier.model import train

        corpus_model = train(read_corpus(), plain_text_model=False)  # one base for every half
    for half in args.real_same_site:
        found = report.setdefault("real_same_site", {})[half] = real_same_site(
            corpus_model, half, args.real_same_site_weights, args.jobs, args.dev)
        print(f"Real pages, same site ({half}: {found['pairs']} page pairs, {found['test_blocks']} test blocks), "
              "macro-F1 pooled over the test pages:")
        rows = [("base (corpus only)", found["base"]), ("base, taught page remembered", found["base_remembered"])]
        for w, runs in found["weights"].items():
            rows += [(f"retrained, W={w:g}", runs["retrained"]), (f"retrained, W={w:g}, remembered", runs["retrained_remembered"])]
        for name, r in rows:
            lift = (f", lift {r['lift']:+.3f} (95% interval over pages {r['lift_interval']['low']:+.3f} to "
                    f"{r['lift_interval']['high']:+.3f})") if "lift" in r else ""
            print(f"  {name}: {r['macro_f1']:.3f}{lift}; "
                  + ", ".join(f"{k} {v['f1']:.2f}" for k, v in sorted(r["per_label"].items())))
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"{report['seconds']} s in all")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
