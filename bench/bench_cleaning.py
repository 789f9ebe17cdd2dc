#!/usr/bin/env python3
"""Cleaning throughput on one core: MB of raw transcript per second through clean_transcript.

Uses the bundled samples (every format and language), each parsed once and
cleaned --repeat times; prints a table per sample and the overall rate, and
returns the figures under the key "cleaning" for bench/results.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from schemas.records import ParsedTranscript  # noqa: E402
from transforms.clean import Lexicons, clean_transcript  # noqa: E402
from transforms.language import LanguageTagger  # noqa: E402
from transforms.parse import parse_local_file  # noqa: E402

TARGET_MB_S = 20.0


def load_samples() -> list[tuple[str, ParsedTranscript, str]]:
    tagger = LanguageTagger()
    out = []
    for path in sorted((REPO / "samples").iterdir()):
        if path.suffix in (".py", ".md") or not path.is_file():
            continue
        doc = parse_local_file(path)
        out.append((path.name, doc, tagger.detect(doc.raw_text).language))
    return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", default="full")
    args = parser.parse_args(argv)
    lexicons = Lexicons.load()
    rows = {}
    total_bytes, total_seconds = 0, 0.0
    for name, doc, language in load_samples():
        size = len(doc.raw_text.encode("utf-8"))
        start = time.perf_counter()
        for _ in range(args.repeat):
            clean_transcript(doc, args.profile, language, lexicons)
        seconds = time.perf_counter() - start
        rows[name] = round(size * args.repeat / seconds / 1e6, 3)
        total_bytes += size * args.repeat
        total_seconds += seconds
    overall = round(total_bytes / total_seconds / 1e6, 3)
    print(f"cleaning throughput ({args.profile}, one core), MB/s of raw text; target >= {TARGET_MB_S}")
    for name, rate in rows.items():
        print(f"  {name:32} {rate:8.2f}")
    print(f"  {'overall':32} {overall:8.2f}")
    return {"cleaning": {"profile": args.profile, "mb_per_s": overall, "per_sample_mb_per_s": rows, "target_mb_per_s": TARGET_MB_S}}


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
