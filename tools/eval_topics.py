"""Evaluate the topic classifier on labelled news data and on the devset expectations.

Prints, per dataset, language and split part, primary-topic accuracy and micro-averaged P/R/F1 of label sets.

Each labelled corpus is split in two by a fixed hash of each row's text: a development part, the
only one anyone may look at (--confusion shows it alone) or tune the classifier on, and a held-out
part, whose figures are the headline. The trainable linear model is trained on the development
part and scored on the held-out part. The labelled corpora live outside the repo (see SOURCE.md in
the shared corpora folder) and are only read here, never copied.

    python tools/eval_topics.py [--shared DIR] [--confusion] [--json OUT]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from transforms.topic_model import train_linear_model  # noqa: E402
from transforms.topics import TopicClassifier, TopicModel, document_topics

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"
TARGET_PRIMARY_ACCURACY = 0.85
# A stand-in for the pipeline's segmenter: blank-line blocks (speaker turns, caption cues)
# merged until a segment has this many words, so one-line cues are not judged alone.
SEGMENT_MIN_WORDS = 20


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    primary: frozenset[str]  # any of these counts as a correct primary topic
    labels: frozenset[str]  # the full expected label set
    ref: str = ""


@dataclass
class Score:
    dataset: str
    language: str
    mode: str
    part: str = "all"
    n: int = 0
    primary_correct: int = 0
    untagged: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    confusion: Counter = field(default_factory=Counter)  # (gold primary, predicted primary) -> count

    def add(self, example: Example, predicted: list[str]) -> None:
        self.n += 1
        primary = predicted[0] if predicted else None
        self.untagged += primary is None
        self.primary_correct += primary in example.primary
        # Where several primaries are acceptable, a correct answer is filed under itself.
        gold_primary = primary if primary in example.primary else sorted(example.primary)[0]
        self.confusion[(gold_primary, primary or "(none)")] += 1
        got = set(predicted)
        self.tp += len(got & example.labels)
        self.fp += len(got - example.labels)
        self.fn += len(example.labels - got)

    @property
    def accuracy(self) -> float:
        return self.primary_correct / self.n if self.n else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


# --------------------------------------------------------------------------- datasets


def _mapping(shared: Path) -> dict[str, str]:
    raw = json.loads((shared / "corpora/topics/iptc-mapping.json").read_text(encoding="utf-8"))
    return {key.strip().casefold(): value for key, value in raw.items()}


def _rows(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(10_000_000)
    # utf-8-sig: the Spanish file starts with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {(k or "").strip().casefold(): (v or "").strip() for k, v in row.items() if k}


def labelled_corpus(
    path: Path, language: str, category_col: str, text_col: str, mapping: dict[str, str]
) -> tuple[list[Example], Counter]:
    """Examples whose category the mapping knows; the rest are counted, not guessed."""
    examples: list[Example] = []
    unmapped: Counter = Counter()
    for number, row in enumerate(_rows(path), 2):
        category, text = row.get(category_col, ""), row.get(text_col, "")
        if not text:
            continue
        label = mapping.get(category.casefold())
        if label is None:
            unmapped[category] += 1
            continue
        examples.append(Example(text, language, frozenset([label]), frozenset([label]), f"{path.name}:{number}"))
    return examples, unmapped


def strip_annotations(path: Path, shared: Path) -> str:
    """The annotated file's original text, via the shared tool the annotations were made for."""
    tool = shared / "tools/score_cleaning.py"
    done = subprocess.run([sys.executable, str(tool), "--raw", str(path)], capture_output=True, text=True, check=True)
    return done.stdout


def devset(shared: Path) -> list[Example]:
    directory = shared / "devset"
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    examples = []
    for name, spec in sorted(expected.items()):
        if "topics" not in spec:
            continue
        topics = frozenset(spec["topics"])
        labels = topics | frozenset(spec.get("also_topics", ()))
        text = strip_annotations(directory / name, shared)
        examples.append(Example(text, spec.get("language", "en"), topics, labels, name))
    return examples


def segments(text: str, min_words: int = SEGMENT_MIN_WORDS) -> Iterable[str]:
    pending: list[str] = []
    words = 0
    for block in re.split(r"\n\s*\n", text):
        if not block.strip():
            continue
        pending.append(block)
        words += len(block.split())
        if words >= min_words:
            yield "\n\n".join(pending)
            pending, words = [], 0
    if pending:
        yield "\n\n".join(pending)


# --------------------------------------------------------------------------- evaluation


def predict_whole(model: TopicModel, example: Example, top_level: frozenset[str]) -> list[str]:
    return [t.label for t in model.classify(example.text, example.language) if t.label in top_level]


def predict_segmented(model: TopicModel, example: Example, top_level: frozenset[str]) -> list[str]:
    tagged = [(model.classify(s, example.language), len(s)) for s in segments(example.text)]
    return [t.label for t in document_topics(tagged) if t.label in top_level]


def evaluate(
    name: str, language: str, mode: str, examples: list[Example], model: TopicModel, top_level: frozenset[str], part: str = "all"
) -> Score:
    predict = predict_segmented if mode == "segments" else predict_whole
    score = Score(name, language, mode, part)
    for example in examples:
        score.add(example, predict(model, example, top_level))
    return score


# Half of each corpus is held out: never looked at, never tuned on, reported as the headline.
HELD_OUT_PERCENT = 50
DEV, HELD_OUT = "dev", "held-out"


def split_part(text: str) -> str:
    """The part a row belongs to, from a hash of its text alone: fixed across runs and machines."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return HELD_OUT if int.from_bytes(digest[:8], "big") % 100 < HELD_OUT_PERCENT else DEV


def split(examples: list[Example]) -> dict[str, list[Example]]:
    parts: dict[str, list[Example]] = {DEV: [], HELD_OUT: []}
    for example in examples:
        parts[split_part(example.text)].append(example)
    return parts


def evaluate_trained(name: str, language: str, parts: dict[str, list[Example]], top_level: frozenset[str]) -> Score:
    """The trainable model, trained on the development part and scored on the held-out part:
    what a user gets from their own labelled data."""
    train = [(e.text, sorted(e.primary)[0]) for e in parts[DEV]]
    model = train_linear_model(train, min_count=2)
    return evaluate(name, language, "trained", parts[HELD_OUT], model, top_level, HELD_OUT)


def print_table(scores: list[Score]) -> None:
    header = (
        f"{'dataset':<20}{'lang':<6}{'mode':<10}{'part':<10}{'n':>6}{'primary acc':>13}"
        f"{'P':>7}{'R':>7}{'micro-F1':>10}{'untagged':>10}"
    )
    print(header)
    print("-" * len(header))
    for s in scores:
        print(
            f"{s.dataset:<20}{s.language:<6}{s.mode:<10}{s.part:<10}{s.n:>6}{s.accuracy:>13.3f}"
            f"{s.precision:>7.3f}{s.recall:>7.3f}{s.f1:>10.3f}{s.untagged:>10}"
        )


def print_confusion(score: Score) -> None:
    print(f"\nconfusion of primary topics, {score.dataset} ({score.language}): gold -> predicted")
    by_gold: dict[str, Counter] = {}
    for (gold, predicted), count in score.confusion.items():
        by_gold.setdefault(gold, Counter())[predicted] += count
    for gold, predicted in sorted(by_gold.items()):
        total = sum(predicted.values())
        cells = ", ".join(f"{label} {count}" for label, count in predicted.most_common())
        print(f"  {gold} ({total}): {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data folder (default: %(default)s)")
    parser.add_argument("--taxonomy", help="taxonomy JSON (default: package data)")
    parser.add_argument("--lexicons", help="lexicon folder (default: package data)")
    parser.add_argument("--confusion", action="store_true", help="print aggregate primary-topic confusion")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    model = TopicClassifier.load(args.taxonomy, args.lexicons)
    top_level = model.taxonomy.top_level
    shared: Path = args.shared
    if not shared.is_dir():
        print(f"shared folder not found: {shared}", file=sys.stderr)
        return 2

    scores: list[Score] = []
    trained_scores: list[Score] = []
    corpora = shared / "corpora/topics"
    if corpora.is_dir():
        mapping = _mapping(shared)
        for file, language, category_col, text_col in (
            ("bbc-text-en.csv", "en", "category", "text"),
            ("categorias-es.csv", "es", "categoria", "texto"),
        ):
            examples, unmapped = labelled_corpus(corpora / file, language, category_col, text_col, mapping)
            if unmapped:
                print(f"{file}: {sum(unmapped.values())} rows with unmapped categories skipped: {dict(unmapped)}")
            parts = split(examples)
            for part in (DEV, HELD_OUT):
                scores.append(evaluate(file, language, "whole", parts[part], model, top_level, part))
            trained_scores.append(evaluate_trained(file, language, parts, top_level))
    if (shared / "devset/expected.json").is_file():
        examples = devset(shared)
        for language in sorted({e.language for e in examples}):
            subset = [e for e in examples if e.language == language]
            scores.append(evaluate("devset", language, "segments", subset, model, top_level))
            scores.append(evaluate("devset", language, "whole", subset, model, top_level))

    print(
        "Default lexicons: written from general news vocabulary and language rules; one scoring constant\n"
        "(SECONDARY_MIN_RATIO, the share of the primary score a secondary topic needs) chosen on the development part.\n"
        f"Each labelled corpus is split by a hash of the text: {100 - HELD_OUT_PERCENT}% development (the only part\n"
        "looked at or tuned on), the rest held out. Earlier versions of the lexicons had vocabulary added\n"
        "after reading confusion tables on whole corpora, before the split existed.\n"
    )
    print_table(scores)
    held_out = [s for s in scores if s.part == HELD_OUT]
    total = sum(s.n for s in held_out)
    if total:
        pooled = sum(s.primary_correct for s in held_out) / total
        verdict = "meets" if pooled >= TARGET_PRIMARY_ACCURACY else "below"
        print(f"\nheld-out labelled news data, pooled primary accuracy {pooled:.3f} ({verdict} target {TARGET_PRIMARY_ACCURACY})")
        for s in held_out:
            verdict = "meets" if s.accuracy >= TARGET_PRIMARY_ACCURACY else "below"
            print(f"  {s.dataset} ({s.language}): primary accuracy {s.accuracy:.3f}, micro-F1 {s.f1:.3f} ({verdict} target)")
    if trained_scores:
        print(
            "\n`newsbeam train-topics` linear model, trained per corpus on its development part and scored on its held-out part:"
        )
        print_table(trained_scores)
    if args.confusion:
        for s in scores:
            if s.part == DEV:  # the held-out part is only ever scored
                print_confusion(s)
    if args.json:
        rows = []
        for s in scores + trained_scores:
            row = {k: v for k, v in asdict(s).items() if k != "confusion"}
            row.update(accuracy=s.accuracy, precision=s.precision, recall=s.recall, f1=s.f1)
            rows.append(row)
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
