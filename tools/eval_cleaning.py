"""Score the cleaner on every annotated devset file with the shared scorer.

Runs each annotated transcript (annotations stripped) through the same
decode, parse and clean functions as the pipeline, then prints precision,
recall, F1 and content retention per file and overall.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.records import ParsedTranscript, SourceMeta  # noqa: E402
from transforms.clean import clean_transcript  # noqa: E402
from transforms.formats import format_from_name, parse_transcript, sniff_format  # noqa: E402
from transforms.language import LanguageTagger  # noqa: E402

TARGET_F1, TARGET_RETENTION = 0.95, 0.99


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score_cleaning", shared / "tools" / "score_cleaning.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    scorer = load_scorer(args.shared)
    tagger = LanguageTagger()
    results = {}
    totals = {"tp": 0.0, "removed": 0, "marked": 0, "content_kept": 0.0, "content": 0}
    for path in sorted((args.shared / "devset").glob("*.ann.*")):
        annotated = path.read_text(encoding="utf-8")
        raw = scorer.strip_annotations(annotated)
        fmt = sniff_format(raw, format_from_name(path.name.replace(".ann", "")))
        text, title, blocks = parse_transcript(raw, fmt)
        doc = ParsedTranscript(SourceMeta(str(path), "file"), "eval", fmt, "utf-8", text, title, tuple(blocks))
        hint = tagger.detect(" ".join(text[b.start:b.end] for b in blocks[:50])[:5000]).language
        cleaned = clean_transcript(doc, args.profile, hint).text
        score = scorer.score(annotated, cleaned)
        results[path.name] = score
        totals["tp"] += score["precision"] * score["removed_tokens"]
        totals["removed"] += score["removed_tokens"]
        totals["marked"] += score["marked_tokens"]
        n_content = len([k for _, k in scorer.labelled_tokens(annotated) if k == "content"])
        totals["content_kept"] += score["content_retention"] * n_content
        totals["content"] += n_content
    precision = totals["tp"] / totals["removed"] if totals["removed"] else 1.0
    recall = totals["tp"] / totals["marked"] if totals["marked"] else 1.0
    overall = {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "content_retention": round(totals["content_kept"] / totals["content"], 4) if totals["content"] else 1.0,
    }
    if args.json:
        print(json.dumps({"files": results, "overall": overall}, indent=2))
    else:
        print(f"cleaning ({args.profile}) on {args.shared / 'devset'}")
        print(f"{'file':40} {'precision':>9} {'recall':>7} {'f1':>7} {'retention':>9}  target")
        for name, s in results.items():
            ok = s["f1"] >= TARGET_F1 and s["content_retention"] >= TARGET_RETENTION
            print(f"{name:40} {s['precision']:9.4f} {s['recall']:7.4f} {s['f1']:7.4f} {s['content_retention']:9.4f}  {'ok' if ok else 'MISSED'}")
        print(f"{'overall':40} {overall['precision']:9.4f} {overall['recall']:7.4f} {overall['f1']:7.4f} {overall['content_retention']:9.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
