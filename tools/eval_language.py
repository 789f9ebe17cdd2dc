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

'und' and langdetect errors count as wrong. The tagger columns are
detect_many as shipped, early stopping included; a line below the table
says how many texts it decided on their first-look sample and how many
answers differ from scoring every n-gram.

--tune fits the tagger's MIN_PROFILE_FREQ, ALPHA and TRIGRAM_WEIGHT (best
mean accuracy over buckets, averaged without and with the true prior),
TEMPERATURE (least log-loss), PRIOR_LOG_ODDS (best accuracy if 10% of
segments are code-switched) and EARLY_MARGIN (the smallest that costs no
bucket more than 0.02 points) on held-out lines (default 200-799) and
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
from transforms.language import UND, LanguageTagger, available_languages  # noqa: E402

BUCKETS = ((1, 20), (21, 50), (51, 100), (101, 300), (301, None))
SETS = ("single-words", "word-pairs", "sentences")
# lingua file name -> the langdetect codes that count as right (the first is the prior).
ALIASES = {"zh": ("zh-cn", "zh-tw"), "nb": ("no",)}
JOINED_SENTENCES = 4
CODE_SWITCH_SHARE = 0.1  # share of segments assumed not in their document's language, for --tune
EARLY_TOLERANCE = 0.02  # accuracy points early stopping may cost in any bucket, for --tune


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
    early = early_stopping_report(tagger, texts, columns["tagger"])
    print(
        f"Early stopping: {early['decided_on_sample']} of {len(texts)} texts decided on their first-look sample; "
        f"{early['differ_from_all_ngrams']} answers differ from scoring every n-gram"
    )
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
        "early_margin": language.EARLY_MARGIN,
        "min_profile_freq": language.MIN_PROFILE_FREQ,
        "accuracy": rows,
        "early_stopping": early,
        "timing": timing,
    }
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def early_stopping_report(tagger: LanguageTagger, texts: list[str], answers: list[str]) -> dict[str, int]:
    """How many texts the first look decided, and how many answers scoring every n-gram would change."""
    loglik, judged = tagger.log_likelihoods(texts)
    full = [tagger.languages[i] if ok else UND for i, ok in zip(loglik.argmax(axis=1).tolist(), judged, strict=True)]
    # A text decided on its sample misses the (positive) rest of its sum.
    sampled, _ = tagger._evidence(texts, None, early=True)
    return {
        "decided_on_sample": int((sampled != loglik).any(axis=1).sum()),
        "differ_from_all_ngrams": sum(a != b for a, b in zip(answers, full, strict=True)),
    }


class Scorer:
    """Accuracy and log-loss of tempered log-likelihoods (all n-grams) on fixed items, with or without a prior."""

    def __init__(self, items: list[Item], loglik: np.ndarray, judged: np.ndarray, languages: tuple[str, ...]) -> None:
        col = {code: i for i, code in enumerate(languages)}
        self.n = len(items)
        self.loglik, self.judged = loglik, judged
        self.buckets = np.array([bucket_of(len(it.text)) for it in items])
        # Probability mass on any accepted code (zh-cn or zh-tw for Chinese).
        self.accepted = np.zeros(loglik.shape, dtype=bool)
        for i, it in enumerate(items):
            self.accepted[i, [col[c] for c in it.accepted]] = True
        self.truth = np.array([col[it.accepted[0]] for it in items])
        self.other = np.array([col[other_prior(it)] for it in items])

    def posterior(self, temperature: float, prior: np.ndarray | None = None, bonus: float = 0.0) -> np.ndarray:
        z = self.loglik / temperature
        if prior is not None:
            z[np.arange(self.n), prior] += bonus
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def bucket_accuracy(self, p: np.ndarray) -> np.ndarray:
        right = self.accepted[np.arange(self.n), p.argmax(axis=1)] & self.judged
        return np.array([right[self.buckets == b].mean() for b in range(len(BUCKETS))])


def bucket_accuracy_of(items: list[Item], guesses: list[str]) -> np.ndarray:
    buckets = np.array([bucket_of(len(it.text)) for it in items])
    right = np.array([g in it.accepted for g, it in zip(guesses, items, strict=True)])
    return np.array([right[buckets == b].mean() for b in range(len(BUCKETS))])


def tune(corpus: Path, offset: int, per_language: int) -> None:
    """Grid-fit the profile floor, ALPHA, TRIGRAM_WEIGHT, TEMPERATURE, PRIOR_LOG_ODDS and EARLY_MARGIN on held-out lines."""
    items = load_items(corpus, offset, per_language)
    texts = [it.text for it in items]
    print(f"{len(items)} texts, lines {offset}-{offset + per_language - 1}")
    names = " ".join(f"{bucket_name(b):>7}" for b in BUCKETS)

    # The model's constants are read when a tagger builds its tables; every
    # n-gram is scored (log_likelihoods), as early stopping must not matter.
    print(
        "\nMIN_PROFILE_FREQ x ALPHA x TRIGRAM_WEIGHT (langdetect: 0 x 0.5 x 1): accuracy (%) by bucket "
        f"without | with the true prior (T={language.TEMPERATURE}, B={language.PRIOR_LOG_ODDS}); "
        "objective = mean over both"
    )
    print(f"  {'':34}{names} |{names}")
    best, best_score = (language.MIN_PROFILE_FREQ, language.ALPHA, language.TRIGRAM_WEIGHT), -np.inf
    for floor in (0.0, 2e-5, 5e-5, 1e-4):
        for alpha in (0.1, 0.2, 0.3, 0.5):
            for weight in (1.0, 1.5, 2.0):
                language.MIN_PROFILE_FREQ, language.ALPHA, language.TRIGRAM_WEIGHT = floor, alpha, weight
                tagger = LanguageTagger()
                scorer = Scorer(items, *tagger.log_likelihoods(texts), tagger.languages)
                plain = scorer.bucket_accuracy(scorer.posterior(language.TEMPERATURE))
                prior = scorer.bucket_accuracy(scorer.posterior(language.TEMPERATURE, scorer.truth, language.PRIOR_LOG_ODDS))
                score = float((plain.mean() + prior.mean()) / 2)
                cells = " ".join(f"{100 * a:7.2f}" for a in plain) + " |" + " ".join(f"{100 * a:7.2f}" for a in prior)
                print(f"  floor={floor:7.1e} ALPHA={alpha:4.2f} w={weight:4.2f} {cells}  objective {100 * score:.3f}")
                if score > best_score:
                    best, best_score = (floor, alpha, weight), score
    print(f"  -> MIN_PROFILE_FREQ = {best[0]}, ALPHA = {best[1]}, TRIGRAM_WEIGHT = {best[2]}")
    language.MIN_PROFILE_FREQ, language.ALPHA, language.TRIGRAM_WEIGHT = best

    tagger = LanguageTagger()
    scorer = Scorer(items, *tagger.log_likelihoods(texts), tagger.languages)
    print("\nTEMPERATURE: log-loss of the true language; mean confidence vs accuracy (judged texts)")
    best_t, best_loss = language.TEMPERATURE, np.inf
    judged = scorer.judged
    for t in np.arange(2.0, 8.01, 0.25):
        p = scorer.posterior(float(t))
        loss = float(-np.log(np.maximum((p * scorer.accepted).sum(axis=1), 1e-300))[judged].mean())
        confidence = p.max(axis=1)[judged].mean()
        right = scorer.accepted[np.arange(scorer.n), p.argmax(axis=1)][judged].mean()
        print(f"  T={t:4.2f}  log-loss {loss:.4f}  confidence {confidence:.3f}  accuracy {right:.3f}")
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    print(f"  -> TEMPERATURE = {best_t}")
    language.TEMPERATURE = best_t

    print(
        f"\nPRIOR_LOG_ODDS at T={best_t}: accuracy (%) by bucket with the true prior | a wrong prior; "
        f"objective = mean over buckets of {1 - CODE_SWITCH_SHARE:.1f} x true + {CODE_SWITCH_SHARE:.1f} x wrong"
    )
    print(f"  {'':9}{names} |{names}")
    best_b, best_score = language.PRIOR_LOG_ODDS, -np.inf
    for bonus in np.arange(0.0, 10.01, 0.5):
        right_prior = scorer.bucket_accuracy(scorer.posterior(best_t, scorer.truth, float(bonus)))
        wrong_prior = scorer.bucket_accuracy(scorer.posterior(best_t, scorer.other, float(bonus)))
        score = float(((1 - CODE_SWITCH_SHARE) * right_prior + CODE_SWITCH_SHARE * wrong_prior).mean())
        cells = " ".join(f"{100 * a:7.1f}" for a in right_prior) + " |" + " ".join(f"{100 * a:7.1f}" for a in wrong_prior)
        print(f"  B={bonus:4.1f}  {cells}  objective {100 * score:.2f}")
        if score > best_score + 1e-4:  # ties within 0.01 points go to the weaker prior
            best_b, best_score = float(bonus), score
    print(f"  -> PRIOR_LOG_ODDS = {best_b}")
    language.PRIOR_LOG_ODDS = best_b

    # Early stopping: the answers of detect_many against scoring every n-gram.
    settings = {"none": None, "true": [it.accepted[0] for it in items], "wrong": [other_prior(it) for it in items]}
    print(
        f"\nEARLY_MARGIN: accuracy (%) by bucket without prior | with the true prior | with a wrong prior; "
        f"the smallest margin within {EARLY_TOLERANCE:.2f} points of scoring every n-gram everywhere"
    )
    print(f"  {'':10}{names} |{names} |{names}")
    reference = None
    chosen = None
    for margin in (np.inf, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0):
        language.EARLY_MARGIN = margin
        accuracy = np.array([bucket_accuracy_of(items, [g.language for g in tagger.detect_many(texts, p)]) for p in settings.values()])
        if reference is None:
            reference = accuracy
        cells = " |".join(" ".join(f"{100 * a:7.2f}" for a in row) for row in accuracy)
        print(f"  M={margin:5.1f}  {cells}")
        if chosen is None and np.isfinite(margin) and (100 * (reference - accuracy)).max() <= EARLY_TOLERANCE:
            chosen = margin
    print(f"  -> EARLY_MARGIN = {chosen}")


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
