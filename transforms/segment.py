"""Split a cleaned transcript into segments: one speaker, whole sentences, bounded size.

Boundaries come from speaker turns and clips first; inside a turn, sentences
are grouped up to max_chars and fragments under min_chars are merged.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from schemas.records import TimedSpan, Turn

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_MIN_CHARS = 200
DEFAULT_MAX_CHARS = 2000


@dataclass(frozen=True)
class SegmentSpan:
    start: int
    end: int
    speaker: str | None
    speaker_role: str | None
    start_seconds: float | None
    end_seconds: float | None


@functools.lru_cache(maxsize=4)
def _abbreviations(path: str) -> frozenset[str]:
    words = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.update(w.casefold() for w in line.split())
    return frozenset(words)


# A sentence may end after . ! ? … (and closing quotes) followed by space.
_CANDIDATE = re.compile(r"[.!?…。！？]+[\"'”’)»]*(?=\s|$)")
_WORD_BEFORE = re.compile(r"(\S+)$")


def split_sentences(text: str, start: int = 0, end: int | None = None, abbreviations: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of text[start:end], trimmed of whitespace.

    Knows abbreviations ("Dr.", "U.S.", "z. B.") and initials, and never cuts a
    decimal ("3.5", "2,1"), since a boundary needs whitespace after the stop.
    """
    end = len(text) if end is None else end
    abbrevs = abbreviations if abbreviations is not None else _abbreviations(str(DATA_DIR / "abbreviations.txt"))
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _CANDIDATE.finditer(text, start, end):
        stop = m.end()
        if m.group(0)[0] == ".":
            before = _WORD_BEFORE.search(text, max(start, m.start() - 40), m.start() + 1)
            token = before.group(1).casefold() if before else ""
            if token in abbrevs or re.fullmatch(r"[^\W\d_]\.", token) or re.fullmatch(r"(?:[^\W\d_]\.){2,}", token):
                continue
            nxt = re.match(r"\s*(\S)", text[stop:stop + 20])
            if nxt and nxt.group(1).islower():
                continue  # "etc. and", "z. b. die": the sentence goes on
        _append(text, spans, pos, stop)
        pos = stop
    _append(text, spans, pos, end)
    return spans


def _append(text: str, spans: list[tuple[int, int]], start: int, end: int) -> None:
    chunk = text[start:end]
    if chunk.strip():
        s = start + len(chunk) - len(chunk.lstrip())
        spans.append((s, s + len(chunk.strip())))


def _group(sentences: list[tuple[int, int]], min_chars: int, max_chars: int) -> list[tuple[int, int]]:
    """Greedy packing of sentences up to max_chars, then short tails merged back."""
    groups: list[list[int]] = []
    for s, e in sentences:
        if groups and e - groups[-1][0] <= max_chars:
            groups[-1][1] = e
        else:
            groups.append([s, e])
    merged: list[list[int]] = []
    for g in groups:
        if merged and (g[1] - g[0] < min_chars or merged[-1][1] - merged[-1][0] < min_chars) and g[1] - merged[-1][0] <= max_chars:
            merged[-1][1] = g[1]
        else:
            merged.append(g)
    return [(s, e) for s, e in merged]


def _timing(timeline: tuple[TimedSpan, ...], start: int, end: int) -> tuple[float | None, float | None]:
    times = [t for t in timeline if t.start < end and t.end > start]
    t0 = min((t.start_seconds for t in times if t.start_seconds is not None), default=None)
    t1 = max((t.end_seconds for t in times if t.end_seconds is not None), default=None)
    return t0, t1


def segment_transcript(
    text: str,
    turns: tuple[Turn, ...],
    timeline: tuple[TimedSpan, ...] = (),
    min_chars: int = DEFAULT_MIN_CHARS,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[SegmentSpan]:
    """Segments of a cleaned text; text[s.start:s.end] is each segment's text."""
    if min_chars < 0 or max_chars <= 0 or min_chars > max_chars:
        raise ValueError(f"need 0 <= min_chars <= max_chars, got {min_chars} and {max_chars}")
    if not turns and text.strip():
        turns = (Turn(0, len(text)),)
    segments: list[SegmentSpan] = []
    for turn in turns:
        sentences = split_sentences(text, turn.start, turn.end)
        for s, e in _group(sentences, min_chars, max_chars):
            t0, t1 = _timing(timeline, s, e)
            segments.append(SegmentSpan(s, e, turn.speaker, turn.speaker_role, t0, t1))
    return segments
