"""A linear topic model trained on a user's labelled text, and the loader for --topic-model.

Multinomial naive Bayes over words and word pairs: linear in log space, trained
in one counting pass, no dependency beyond numpy, stored as one JSON file.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from schemas.records import Topic
from transforms.topics import TopicClassifier, TopicModel, tokenize

MODEL_KIND = "newsbeam.linear-topics"
MODEL_VERSION = 1
# Fewer known features than this and the text says too little to label ("Good evening.").
MIN_KNOWN_FEATURES = 4
DEFAULT_MIN_SCORE = 0.5
DEFAULT_MAX_TOPICS = 3
DEFAULT_MIN_COUNT = 2
SMOOTHING = 0.1


def features(text: str) -> list[str]:
    """Case- and accent-folded words and adjacent word pairs."""
    words = [w for w in tokenize(text) if len(w) > 1]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class LinearTopicModel:
    """Topics from a weighted sum of feature log-probabilities, softmaxed per label."""

    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    weights: np.ndarray  # (n_features, n_labels): log P(feature | label)
    bias: np.ndarray  # (n_labels,): log P(label)
    min_score: float = DEFAULT_MIN_SCORE
    max_topics: int = DEFAULT_MAX_TOPICS

    def classify(self, text: str, language: str | None = None) -> tuple[Topic, ...]:
        rows = [self.vocabulary[f] for f in features(text) if f in self.vocabulary]
        if len(rows) < MIN_KNOWN_FEATURES:
            return ()
        logits = self.bias + self.weights[rows].sum(axis=0)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities, kind="stable")[: self.max_topics]
        return tuple(
            Topic(self.labels[i], float(round(probabilities[i], 6))) for i in order if probabilities[i] >= self.min_score
        )

    def to_json(self) -> str:
        vocabulary = sorted(self.vocabulary, key=self.vocabulary.get)
        return json.dumps(
            {
                "kind": MODEL_KIND,
                "version": MODEL_VERSION,
                "labels": list(self.labels),
                "min_score": self.min_score,
                "max_topics": self.max_topics,
                "bias": [round(float(b), 6) for b in self.bias],
                "vocabulary": vocabulary,
                "weights": [[round(float(w), 5) for w in row] for row in self.weights],
            }
        )

    @classmethod
    def from_json(cls, text: str, origin: str = "model") -> LinearTopicModel:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{origin}: not a newsbeam topic model (invalid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("kind") != MODEL_KIND:
            raise ValueError(f"{origin}: not a newsbeam topic model (expected kind {MODEL_KIND!r})")
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"{origin}: topic model version {data.get('version')!r} is not supported")
        labels = tuple(data["labels"])
        weights = np.asarray(data["weights"], dtype=np.float64).reshape(len(data["vocabulary"]), len(labels))
        return cls(
            labels=labels,
            vocabulary={feature: i for i, feature in enumerate(data["vocabulary"])},
            weights=weights,
            bias=np.asarray(data["bias"], dtype=np.float64),
            min_score=float(data.get("min_score", DEFAULT_MIN_SCORE)),
            max_topics=int(data.get("max_topics", DEFAULT_MAX_TOPICS)),
        )


def train_linear_model(
    examples: Iterable[tuple[str, str]], min_count: int = DEFAULT_MIN_COUNT, min_score: float = DEFAULT_MIN_SCORE
) -> LinearTopicModel:
    """Fit the model on (text, label) pairs; labels are used as given."""
    per_label: dict[str, Counter] = {}
    documents: Counter = Counter()
    for text, label in examples:
        per_label.setdefault(label, Counter()).update(features(text))
        documents[label] += 1
    if len(per_label) < 2:
        raise ValueError("training needs examples of at least two labels")
    totals: Counter = Counter()
    for counts in per_label.values():
        totals.update(counts)
    vocabulary = sorted(f for f, n in totals.items() if n >= min_count)
    if not vocabulary:
        raise ValueError(f"no feature occurs {min_count} times or more: too little training text")
    labels = tuple(sorted(per_label))
    index = {f: i for i, f in enumerate(vocabulary)}
    counts = np.zeros((len(vocabulary), len(labels)))
    for j, label in enumerate(labels):
        for feature, n in per_label[label].items():
            i = index.get(feature)
            if i is not None:
                counts[i, j] = n
    smoothed = counts + SMOOTHING
    weights = np.log(smoothed / smoothed.sum(axis=0, keepdims=True))
    n_docs = sum(documents.values())
    bias = np.log(np.array([documents[label] / n_docs for label in labels]))
    return LinearTopicModel(labels, index, weights, bias, min_score=min_score)


def read_labelled_csv(
    data: str,
    text_column: str,
    label_column: str,
    label_map: dict[str, str] | None,
    known_labels: set[str] | None,
) -> tuple[list[tuple[str, str]], int]:
    """(text, label) pairs from CSV text, and how many rows were skipped for an empty text.

    Labels go through label_map (case-insensitive) when given; a label that is
    not in known_labels is an error naming it, not a silently new topic.
    """
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    missing = {text_column, label_column} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"CSV has no column {', '.join(sorted(missing))}; columns are {reader.fieldnames}")
    mapping = {k.casefold().strip(): v for k, v in (label_map or {}).items()}
    examples, skipped, unknown = [], 0, set()
    for row in reader:
        text = (row.get(text_column) or "").strip()
        raw_label = (row.get(label_column) or "").strip()
        if not text or not raw_label:
            skipped += 1
            continue
        label = mapping.get(raw_label.casefold(), raw_label)
        if known_labels is not None and label not in known_labels:
            unknown.add(raw_label)
            continue
        examples.append((text, label))
    if unknown:
        raise ValueError(f"labels not in the taxonomy (map them with --label-map): {', '.join(sorted(unknown))}")
    return examples, skipped


def load_topic_model(path: str | None) -> TopicModel:
    """The built-in lexicon classifier, or the linear model saved at `path` (any Beam filesystem)."""
    if not path:
        return TopicClassifier.load()
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.open(path) as handle:
        return LinearTopicModel.from_json(handle.read().decode("utf-8"), origin=path)
