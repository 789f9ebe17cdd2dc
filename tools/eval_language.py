#!/usr/bin/env python3
"""Accuracy of transforms.language.LanguageTagger against plain langdetect, by text length.

Data: the lingua language-ID test set in <shared>/corpora/lingua-testdata
(see its SOURCE.md): sentences/, word-pairs/ and single-words/, one file per
ISO 639-1 language, 1,000 lines each. Only languages langdetect knows are
scored; lingua's 'zh' counts as right when tagged zh-cn or zh-tw, and 'nb'
(Norwegian Bokmal) is langdetect's 'no'. Texts over 300 characters are made
by joining 4 consecutive sentences of one language.

A deterministic subsample: lines [--offset, --offset + --per-language) of
every file (default the first 200). Columns:

  langdetect     langdetect.detect with DetectorFactory.seed = 0
  tagger         LanguageTagger.detect_many, no prior
  +prior         with the document prior = the true language (a segment
                 inside a document of its own language)
  +other prior   with a wrong prior, 'en' (or 'de' for English lines): a
                 code-switched segment; shows that evidence beats the prior

'und' and langdetect errors count as wrong.

--tune fits the tagger's ALPHA and TRIGRAM_WEIGHT (best mean accuracy over
buckets), TEMPERATURE (least log-loss) and PRIOR_LOG_ODDS (best accuracy if
10% of segments are code-switched) on held-out lines (default 200-799) and
prints the grids; langdetect is not run. Copy the results into
transforms/language.py.

Usage:
  eval_language.py [--per-language N] [--offset K] [--shared DIR] [--json OUT]
  eval_language.py --tune
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from transforms import language  # noqa: E402
from transforms.language import LanguageTagger, available_languages  # noqa: E402

BUCKETS = ((1, 20), (21, 50), (51, 100), (101, 300), (301, None))
SETS = ("single-words", "word-pairs", "sentences")
# lingua file name -> the langdetect codes that count as right (the first is the prior).
ALIASES = {"zh": ("zh-cn", "zh-tw"), "nb": ("no",)}
JOINED_SENTENCES = 4
CODE_SWITCH_SHARE = 0.1  # share of segments assumed not in their document's language, for --tune


@dataclass(frozen=True)
class Item:
    text: str
    accepted: tuple[str, ...]  # langdetect codes that count as right; accepted[0] is the true language
    source: str  # set name, or "joined"


def bucket_name(bounds: tuple[int, int | None]) -> str:
    lo, hi = bounds
    return f"{lo}-{hi}" if hi is not None else f">{lo - 1}"


def bucket_of(length: int) -> int:
    for i, (lo, hi) in enumerate(BUCKETS):
        if length >= lo and (hi is None or length <= hi):
            return i
    return -1  # empty lines carry no label worth scoring


def load_items(corpus: Path, offset: int, per_language: int) -> list[Item]:
    known = set(available_languages())
    items: list[Item] = []
    for name in SETS:
        for path in sorted((corpus / name).glob("*.txt")):
            accepted = ALIASES.get(path.stem, (path.stem,))
            if accepted[0] not in known:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()[offset : offset + per_language]
            items += [Item(line, accepted, name) for line in lines if line.strip()]
            if name == "sentences":
                for i in range(0, len(lines) - JOINED_SENTENCES + 1, JOINED_SENTENCES):
                    items.append(Item(" ".join(lines[i : i + JOINED_SENTENCES]), accepted, "joined"))
    return items


def other_prior(item: Item) -> str:
    return "de" if item.accepted[0] == "en" else "en"


def run_langdetect(texts: list[str]) -> list[str]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    out = []
    for i, text in enumerate(texts):
        try:
            out.append(detect(text))
        except LangDetectException:
            out.append("unknown")
        if (i + 1) % 5000 == 0:
            print(f"  langdetect {i + 1}/{len(texts)}", file=sys.stderr)
    return out


def accuracy_table(items: list[Item], columns: dict[str, list[str]]) -> list[dict[str, object]]:
    buckets = np.array([bucket_of(len(it.text)) for it in items])
    rows = []
    for b, bounds in enumerate((*BUCKETS, None)):
        mask = buckets >= 0 if bounds is None else buckets == b
        row: dict[str, object] = {"bucket": "all" if bounds is None else bucket_name(bounds), "n": int(mask.sum())}
        for name, predictions in columns.items():
            right = [p in it.accepted for p, it, m in zip(predictions, items, mask, strict=True) if m]
            row[name] = round(100.0 * sum(right) / len(right), 2) if right else None
        rows.append(row)
    return rows


def print_table(rows: list[dict[str, object]], names: list[str]) -> None:
    header = f"{'chars':>8} {'n':>6} " + " ".join(f"{n:>13}" for n in names)
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = " ".join(f"{row[n]:>13.2f}" if row[n] is not None else f"{'-':>13}" for n in names)
        print(f"{row['bucket']:>8} {row['n']:>6} {cells}")


def evaluate(corpus: Path, offset: int, per_language: int, json_out: Path | None) -> dict[str, object]:
    items = load_items(corpus, offset, per_language)
    texts = [it.text for it in items]
    print(f"{len(items)} texts, {len({it.accepted[0] for it in items})} languages, lines {offset}-{offset + per_language - 1}")

    t0 = time.perf_counter()
    tagger = LanguageTagger()
    build_s = time.perf_counter() - t0
    columns: dict[str, list[str]] = {}
    timing: dict[str, float] = {"tagger_build_s": round(build_s, 3)}
    for name, priors in (
        ("tagger", None),
        ("+prior", [it.accepted[0] for it in items]),
        ("+other prior", [other_prior(it) for it in items]),
    ):
        t0 = time.perf_counter()
        columns[name] = [g.language for g in tagger.detect_many(texts, priors)]
        timing[f"{name}_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    columns = {"langdetect": run_langdetect(texts), **columns}
    timing["langdetect_s"] = round(time.perf_counter() - t0, 3)

    rows = accuracy_table(items, columns)
    print()
    print("Accuracy (%) by text length in characters")
    print_table(rows, list(columns))
    print()
    print(
        "Timing: langdetect {langdetect_s:.1f} s; tagger {tagger_s:.2f} s, +prior {+prior_s:.2f} s, "
        "+other prior {+other prior_s:.2f} s (build {tagger_build_s:.2f} s)".format(**timing)
    )
    result = {
        "corpus": str(corpus),
        "lines": [offset, offset + per_language],
        "texts": len(items),
        "alpha": language.ALPHA,
        "trigram_weight": language.TRIGRAM_WEIGHT,
        "temperature": language.TEMPERATURE,
        "prior_log_odds": language.PRIOR_LOG_ODDS,
        "accuracy": rows,
        "timing": timing,
    }
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def tune(corpus: Path, offset: int, per_language: int) -> None:
    """Grid-fit ALPHA, TEMPERATURE and PRIOR_LOG_ODDS on held-out lines."""
    items = load_items(corpus, offset, per_language)
    texts = [it.text for it in items]
    buckets = np.array([bucket_of(len(t)) for t in texts])
    n = len(items)
    print(f"{n} texts, lines {offset}-{offset + per_language - 1}")

    print("\nALPHA x TRIGRAM_WEIGHT (langdetect: 0.5 x 1): accuracy (%) by bucket without prior")
    print("  " + " " * 22 + " ".join(f"{bucket_name(b):>8}" for b in BUCKETS) + "      mean")
    best, best_mean = (language.ALPHA, language.TRIGRAM_WEIGHT), -np.inf
    for alpha in (0.1, 0.2, 0.3, 0.5):
        for weight in (1.0, 1.25, 1.5, 2.0):
            # Module constants, read when a tagger builds its tables.
            language.ALPHA, language.TRIGRAM_WEIGHT = alpha, weight
            guesses = LanguageTagger().detect_many(texts)
            right = np.array([g.language in it.accepted for g, it in zip(guesses, items, strict=True)])
            by_bucket = np.array([right[buckets == b].mean() for b in range(len(BUCKETS))])
            cells = " ".join(f"{100 * a:8.2f}" for a in by_bucket)
            print(f"  ALPHA={alpha:4.2f} weight={weight:4.2f} {cells}  {100 * by_bucket.mean():8.3f}")
            if by_bucket.mean() > best_mean:
                best, best_mean = (alpha, weight), by_bucket.mean()
    print(f"  -> ALPHA = {best[0]}, TRIGRAM_WEIGHT = {best[1]} (best mean over buckets)")
    language.ALPHA, language.TRIGRAM_WEIGHT = best

    tagger = LanguageTagger()
    loglik, judged = tagger.log_likelihoods(texts)
    col = {code: i for i, code in enumerate(tagger.languages)}
    # Probability mass on any accepted code (zh-cn or zh-tw for Chinese).
    accepted = np.zeros(loglik.shape, dtype=bool)
    for i, it in enumerate(items):
        accepted[i, [col[c] for c in it.accepted]] = True
    truth = np.array([col[it.accepted[0]] for it in items])
    other = np.array([col[other_prior(it)] for it in items])

    def posterior(temperature: float, prior: np.ndarray | None, bonus: float) -> np.ndarray:
        z = loglik / temperature
        if prior is not None:
            z = z.copy()
            z[np.arange(n), prior] += bonus
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def bucket_accuracy(p: np.ndarray) -> np.ndarray:
        right = accepted[np.arange(n), p.argmax(axis=1)] & judged
        return np.array([right[buckets == b].mean() for b in range(len(BUCKETS))])

    print("\nTEMPERATURE: log-loss of the true language; mean confidence vs accuracy (judged texts)")
    best_t, best_loss = None, np.inf
    for t in np.arange(2.0, 8.01, 0.25):
        p = posterior(float(t), None, 0.0)
        loss = float(-np.log(np.maximum((p * accepted).sum(axis=1), 1e-300))[judged].mean())
        confidence = p.max(axis=1)[judged].mean()
        right = accepted[np.arange(n), p.argmax(axis=1)][judged].mean()
        print(f"  T={t:4.2f}  log-loss {loss:.4f}  confidence {confidence:.3f}  accuracy {right:.3f}")
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    print(f"  -> TEMPERATURE = {best_t}")

    print(
        f"\nPRIOR_LOG_ODDS at T={best_t}: accuracy (%) by bucket with the true prior | a wrong prior; "
        f"objective = mean over buckets of {1 - CODE_SWITCH_SHARE:.1f} x true + {CODE_SWITCH_SHARE:.1f} x wrong"
    )
    names = " ".join(f"{bucket_name(b):>7}" for b in BUCKETS)
    print(f"  {'':9}{names} |{names}")
    best_b, best_score = None, -np.inf
    for bonus in np.arange(0.0, 10.01, 0.5):
        right_prior = bucket_accuracy(posterior(best_t, truth, float(bonus)))
        wrong_prior = bucket_accuracy(posterior(best_t, other, float(bonus)))
        score = float(((1 - CODE_SWITCH_SHARE) * right_prior + CODE_SWITCH_SHARE * wrong_prior).mean())
        cells = " ".join(f"{100 * a:7.1f}" for a in right_prior) + " |" + " ".join(f"{100 * a:7.1f}" for a in wrong_prior)
        print(f"  B={bonus:4.1f}  {cells}  objective {100 * score:.2f}")
        if score > best_score + 1e-4:  # ties within 0.01 points go to the weaker prior
            best_b, best_score = float(bonus), score
    print(f"  -> PRIOR_LOG_ODDS = {best_b}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--per-language", type=int, default=None, help="lines per file (default 200; 600 with --tune)")
    parser.add_argument("--offset", type=int, default=None, help="first line per file (default 0; 200 with --tune)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--tune", action="store_true", help="fit the tagger's constants on held-out lines")
    args = parser.parse_args(argv)
    corpus = args.shared / "corpora" / "lingua-testdata"
    if not corpus.is_dir():
        parser.error(f"no lingua test data at {corpus} (use --shared)")
    if args.tune:
        tune(corpus, 200 if args.offset is None else args.offset, 600 if args.per_language is None else args.per_language)
    else:
        evaluate(corpus, args.offset or 0, args.per_language or 200, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
