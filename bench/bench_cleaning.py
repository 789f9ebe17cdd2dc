#!/usr/bin/env python3
"""Cleaning throughput on one core: MB of raw transcript per second through clean_transcript.

Two mixes: the bundled samples (every format and language, 0.5-5 KB each, so
per-document costs weigh in) and long transcripts of 20-60 KB, the size of an
hour of broadcast, built by joining the samples (and ../shared/devset when
present) of one format and language. The headline "mb_per_s" is over both
mixes together, bytes-weighted; each mix and document is reported too.
Times are this process's CPU time, best of several rounds, so other work on a
shared machine skews them less than wall-clock time would.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from schemas.records import ParsedTranscript, RawDocument, SourceMeta  # noqa: E402
from transforms.clean import Lexicons, clean_transcript  # noqa: E402
from transforms.language import LanguageTagger  # noqa: E402
from transforms.parse import parse_document, parse_local_file  # noqa: E402

TARGET_MB_S = 20.0
SAMPLES = REPO / "samples"
ANNOTATION = re.compile(r"\{(?:filler|disfluency|cue|boiler|label|markup|soft):(.*?)\}", re.S)
TIMESTAMP = re.compile(r"(\d{2}):(\d{2}):(\d{2})([.,])(\d{3})")
# Long documents: name -> (format, target size in bytes, sources: sample names or devset/NAME).
LONG_DOCUMENTS = {
    "long_studio_en.txt": ("txt", 50_000, ["devset/studio_labels_storm.ann.txt", "seed_cnn_kursk.txt"]),
    "long_captions_en.vtt": ("vtt", 40_000, ["council_rollup.vtt", "devset/captions_rollup_council.ann.vtt"]),
    "long_bulletin_en.srt": ("srt", 30_000, ["evening_bulletin.srt"]),
    "long_podcast_en.json": ("json", 40_000, ["podcast_episode.json"]),
    "long_tagesschau_de.txt": ("txt", 20_000, ["tagesschau_wetter.txt"]),
    "long_journal_fr.txt": ("txt", 20_000, ["journal_fr_utf16.txt"]),
    "long_noticias_es.txt": ("txt", 20_000, ["noticias_mercados.txt.gz"]),
}


def _language(tagger: LanguageTagger, doc: ParsedTranscript) -> str | None:
    # The pipeline's hint (transforms/stages.py): a first look at the raw content.
    sample = " ".join(doc.raw_text[b.start:b.end] for b in doc.blocks[:50])[:5000]
    return tagger.detect(sample).language


def load_samples(tagger: LanguageTagger) -> list[tuple[str, ParsedTranscript, str | None]]:
    out = []
    for path in sorted(SAMPLES.iterdir()):
        if path.suffix in (".py", ".md") or not path.is_file():
            continue
        doc = parse_local_file(path)
        out.append((path.name, doc, _language(tagger, doc)))
    return out


def _source_text(name: str, shared: Path) -> str | None:
    if name.startswith("devset/"):
        path = shared / name
        return ANNOTATION.sub(r"\1", path.read_text(encoding="utf-8")) if path.is_file() else None
    data = (SAMPLES / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8")


def _seconds(m: re.Match) -> float:
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) + int(m.group(5)) / 1000


def _stamp(seconds: float, sep: str) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def _caption_cues(text: str) -> list[str]:
    """The cues of an SRT or WebVTT text, each from its timing line on (cue numbers dropped)."""
    cues = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = chunk.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is not None:
            cues.append("\n".join(lines[timing:]))
    return cues


def _join(fmt: str, texts: list[str], target: int) -> str:
    """Sources of one format, repeated in turn until the document reaches `target` bytes."""
    out: list[str] = []
    size, clock, number, i = 0, 0.0, 0, 0
    segments: list[dict] = []
    while size < target:
        text = texts[i % len(texts)]
        i += 1
        if fmt == "txt":
            out.append(text.strip())
            size += len(out[-1].encode("utf-8")) + 2
        elif fmt == "json":
            for seg in json.loads(text)["segments"]:
                seg = dict(seg, startTime=round(seg["startTime"] + clock, 3), endTime=round(seg["endTime"] + clock, 3))
                segments.append(seg)
                size += len(json.dumps(seg).encode("utf-8")) + 2
            clock = segments[-1]["endTime"]
        else:
            end = clock
            for cue in _caption_cues(text):
                shifted = TIMESTAMP.sub(lambda m, by=clock: _stamp(_seconds(m) + by, m.group(4)), cue)
                end = max([end] + [_seconds(m) for m in TIMESTAMP.finditer(shifted)])
                number += 1
                out.append(f"{number}\n{shifted}")
                size += len(out[-1].encode("utf-8")) + 2
            clock = end + 1.0
    if fmt == "json":
        return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)
    if fmt == "vtt":
        return "WEBVTT\nKind: captions\nLanguage: en\n\n" + "\n\n".join(out) + "\n"
    return "\n\n".join(out) + "\n"


def load_long_documents(tagger: LanguageTagger, shared: Path) -> list[tuple[str, ParsedTranscript, str | None]]:
    out = []
    for name, (fmt, target, sources) in LONG_DOCUMENTS.items():
        texts = [t for t in (_source_text(s, shared) for s in sources) if t]
        text = _join(fmt, texts, target)
        doc = parse_document(RawDocument(SourceMeta(f"bench://{name}", "file"), text.encode("utf-8"), fmt))
        out.append((name, doc, _language(tagger, doc)))
    return out


def _best_seconds(doc: ParsedTranscript, profile: str, language: str | None, lexicons: Lexicons, repeat: int, rounds: int) -> float:
    """CPU seconds per clean: the best of `rounds` timings of `repeat` runs (the machine is shared)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeat):
            clean_transcript(doc, profile, language, lexicons)
        best = min(best, (time.process_time() - start) / repeat)
    return best


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="cleans per timing of a sample (a long document: a tenth)")
    parser.add_argument("--rounds", type=int, default=5, help="timings per document; the best counts")
    parser.add_argument("--profile", default="full")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="for ../shared/devset in the long documents")
    args = parser.parse_args(argv)
    lexicons = Lexicons.load()
    tagger = LanguageTagger()
    mixes = {
        "samples": (load_samples(tagger), args.repeat),
        "long": (load_long_documents(tagger, args.shared), max(1, args.repeat // 10)),
    }
    rates: dict[str, dict[str, float]] = {}
    sizes: dict[str, dict[str, int]] = {}
    totals: dict[str, tuple[int, float]] = {}
    for mix, (docs, repeat) in mixes.items():
        rates[mix], sizes[mix] = {}, {}
        mix_bytes, mix_seconds = 0, 0.0
        for name, doc, language in docs:
            clean_transcript(doc, args.profile, language, lexicons)  # warm the per-language pattern cache
            size = len(doc.raw_text.encode("utf-8"))
            seconds = _best_seconds(doc, args.profile, language, lexicons, repeat, args.rounds)
            rates[mix][name] = round(size / seconds / 1e6, 3)
            sizes[mix][name] = size
            mix_bytes += size
            mix_seconds += seconds
        totals[mix] = (mix_bytes, mix_seconds)
    mix_rates = {mix: round(b / s / 1e6, 3) for mix, (b, s) in totals.items()}
    all_bytes = sum(b for b, _ in totals.values())
    overall = round(all_bytes / sum(s for _, s in totals.values()) / 1e6, 3)
    mix_label = f"{len(rates['samples'])} samples + {len(rates['long'])} long transcripts, each cleaned once, bytes-weighted"
    print(f"cleaning throughput ({args.profile}, one core, CPU time, best of {args.rounds}), MB/s of raw text; target >= {TARGET_MB_S}")
    for mix in mixes:
        for name, rate in rates[mix].items():
            print(f"  {name:32} {sizes[mix][name] / 1000:6.1f} KB {rate:8.2f}")
        print(f"  {mix + ' mix':32} {totals[mix][0] / 1000:6.1f} KB {mix_rates[mix]:8.2f}")
    print(f"  {'overall (' + mix_label + ')'}: {overall:.2f}")
    return {
        "cleaning": {
            "profile": args.profile,
            "mb_per_s": overall,
            "mix": mix_label,
            "samples_mb_per_s": mix_rates["samples"],
            "long_mb_per_s": mix_rates["long"],
            "per_sample_mb_per_s": rates["samples"],
            "per_long_document_mb_per_s": rates["long"],
            "target_mb_per_s": TARGET_MB_S,
        }
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
