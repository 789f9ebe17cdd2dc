#!/usr/bin/env python3
"""Speed of transforms.language.LanguageTagger against langdetect.detect_langs, on one core.

Segments: real sentences of 12 languages from the lingua test data
(<shared>/corpora/lingua-testdata/sentences), run together per language and
cut into pieces of 20-300 characters (seeded). Documents: about 5,000
characters of one language each. Both tools get the very same texts. The
tagger is timed through detect() (one call per text) and detect_many() (the
batched, vectorised path: one call for all segments, or for all documents),
the path TagLanguage takes for segments; also with each segment's language
as its document prior, as TagLanguage passes it. Figures are texts per
second, median of --repeat runs (langdetect: one run); segments are also
shown by length, as langdetect's cost hardly depends on it and the tagger's
grows with it up to about 100 characters (beyond, most segments are decided
on their first-look sample). The tagger keeps no state between calls, so
repeated runs on the same texts are not flattered by any cache.

Prints a table, then the figures as one JSON object (key "language") for
bench/results.json; --json also writes it to a file.
"""
from __future__ import annotations

import os

# One core: keep numpy's BLAS from spreading out (set before numpy loads).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import pickle  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from transforms.language import LanguageTagger  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es", "it", "pl", "ru", "ar", "hi", "tr", "zh", "ja")
CODES = {"zh": "zh-cn"}  # lingua file name -> langdetect code, for the priors
TARGET_SPEEDUP = 100  # issue 4: detect_many at least this many times langdetect per segment
SEGMENT_CHARS = (20, 300)
LENGTH_BANDS = ((1, 100), (101, 200), (201, 300))
DOCUMENT_CHARS = 5000


@contextlib.contextmanager
def one_core() -> Iterator[int | None]:
    """Pin this process to one CPU while measuring; restore the old set after."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def language_streams(corpus: Path) -> dict[str, str]:
    return {
        code: " ".join((corpus / "sentences" / f"{code}.txt").read_text(encoding="utf-8").splitlines())
        for code in LANGUAGES
    }


def make_segments(streams: dict[str, str], count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    cursors = dict.fromkeys(streams, 0)
    segments = []
    for i in range(count):
        code = LANGUAGES[i % len(LANGUAGES)]
        size = rng.randint(*SEGMENT_CHARS)
        start = cursors[code]
        if start + size > len(streams[code]):
            start = 0
        segments.append(streams[code][start : start + size].strip())
        cursors[code] = start + size
    return segments


def make_documents(streams: dict[str, str], count: int) -> list[str]:
    documents = []
    for i in range(count):
        code = LANGUAGES[i % len(LANGUAGES)]
        stream = streams[code]
        start = (i // len(LANGUAGES)) * DOCUMENT_CHARS % max(1, len(stream) - DOCUMENT_CHARS)
        documents.append(stream[start : start + DOCUMENT_CHARS])
    return documents


def rate(texts: list[str], run: Callable[[list[str]], object], repeat: int) -> float:
    """Texts per second: median over `repeat` timed runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(texts)
        times.append(time.perf_counter() - t0)
    return len(texts) / statistics.median(times)


def bench(corpus: Path, segments: int, documents: int, repeat: int) -> dict[str, object]:
    with one_core() as cpu:
        return {"language": {"cpu": cpu, **measure(corpus, segments, documents, repeat)}}


def measure(corpus: Path, segments: int, documents: int, repeat: int) -> dict[str, object]:
    from langdetect import DetectorFactory, detect_langs

    DetectorFactory.seed = 0
    detect_langs("warm up: load the profiles")

    t0 = time.perf_counter()
    tagger = LanguageTagger()
    build_s = time.perf_counter() - t0
    blob = pickle.dumps(tagger)
    t0 = time.perf_counter()
    pickle.loads(blob)
    unpickle_s = time.perf_counter() - t0

    streams = language_streams(corpus)
    figures: dict[str, object] = {
        "tagger_build_s": round(build_s, 3),
        "tagger_unpickle_s": round(unpickle_s, 3),
        "pickle_bytes": len(blob),
    }
    segment_texts = make_segments(streams, segments)
    for kind, texts in (("segments", segment_texts), ("documents", make_documents(streams, documents))):
        tagger.detect_many(texts[:10])  # warm up
        langdetect_rate = rate(texts, lambda ts: [detect_langs(t) for t in ts], 1)
        single_rate = rate(texts, lambda ts: [tagger.detect(t) for t in ts], repeat)
        batch_rate = rate(texts, tagger.detect_many, repeat)
        figures[kind] = {
            "n": len(texts),
            "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "langdetect_detect_langs_per_s": round(langdetect_rate, 1),
            "tagger_detect_per_s": round(single_rate, 1),
            "tagger_detect_many_per_s": round(batch_rate, 1),
            "speedup_detect": round(single_rate / langdetect_rate, 1),
            "speedup_detect_many": round(batch_rate / langdetect_rate, 1),
        }
        if kind == "segments":
            # Segment i is in LANGUAGES[i % 12] (make_segments).
            priors = ([CODES.get(c, c) for c in LANGUAGES] * (len(texts) // len(LANGUAGES) + 1))[: len(texts)]
            prior_rate = rate(texts, functools.partial(tagger.detect_many, priors=priors), repeat)
            figures[kind]["tagger_detect_many_with_prior_per_s"] = round(prior_rate, 1)
            figures[kind]["speedup_detect_many_with_prior"] = round(prior_rate / langdetect_rate, 1)
            figures[kind]["target_speedup"] = TARGET_SPEEDUP
    # langdetect costs about the same per call whatever the length, the
    # tagger works per character: show how the ratio moves with length.
    by_length = {}
    for lo, hi in LENGTH_BANDS:
        texts = [t for t in segment_texts if lo <= len(t) <= hi]
        langdetect_rate = rate(texts, lambda ts: [detect_langs(t) for t in ts], 1)
        batch_rate = rate(texts, tagger.detect_many, repeat)
        by_length[f"{lo}-{hi}"] = {
            "n": len(texts),
            "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
            "langdetect_detect_langs_per_s": round(langdetect_rate, 1),
            "tagger_detect_many_per_s": round(batch_rate, 1),
            "speedup_detect_many": round(batch_rate / langdetect_rate, 1),
        }
    figures["segments_by_length"] = by_length
    return figures


def print_table(figures: dict[str, object]) -> None:
    f = figures["language"]
    print(f"one core (cpu {f['cpu']}); tagger built in {f['tagger_build_s']} s, unpickled in {f['tagger_unpickle_s']} s")
    print(f"{'texts/s':12} {'n':>5} {'chars':>6} {'langdetect':>11} {'detect':>9} {'x':>6} {'detect_many':>12} {'x':>6}")
    for kind in ("segments", "documents"):
        r = f[kind]
        print(
            f"{kind:12} {r['n']:>5} {r['mean_chars']:>6.0f} {r['langdetect_detect_langs_per_s']:>11,.0f} "
            f"{r['tagger_detect_per_s']:>9,.0f} {r['speedup_detect']:>6.1f} "
            f"{r['tagger_detect_many_per_s']:>12,.0f} {r['speedup_detect_many']:>6.1f}"
        )
    for band, r in f["segments_by_length"].items():
        print(
            f"{'  ' + band + ' ch':12} {r['n']:>5} {r['mean_chars']:>6.0f} {r['langdetect_detect_langs_per_s']:>11,.0f} "
            f"{'':>9} {'':>6} {r['tagger_detect_many_per_s']:>12,.0f} {r['speedup_detect_many']:>6.1f}"
        )
    r = f["segments"]
    print(
        f"{'  + prior':12} {r['n']:>5} {r['mean_chars']:>6.0f} {r['langdetect_detect_langs_per_s']:>11,.0f} "
        f"{'':>9} {'':>6} {r['tagger_detect_many_with_prior_per_s']:>12,.0f} {r['speedup_detect_many_with_prior']:>6.1f}"
    )
    verdict = "met" if r["speedup_detect_many"] >= r["target_speedup"] else "NOT met"
    print(f"target: detect_many >= {r['target_speedup']}x langdetect per segment: {verdict} ({r['speedup_detect_many']:.1f}x)")


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--segments", type=int, default=1200)
    parser.add_argument("--documents", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the tagger (median)")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON figures here")
    args = parser.parse_args(argv)
    corpus = args.shared / "corpora" / "lingua-testdata"
    if not (corpus / "sentences").is_dir():
        parser.error(f"no lingua sentences at {corpus} (use --shared)")
    figures = bench(corpus, args.segments, args.documents, args.repeat)
    print_table(figures)
    print(json.dumps(figures, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


if __name__ == "__main__":
    main()
