"""Record types passed between pipeline stages.

One frozen dataclass per stage boundary, so every stage knows exactly what it
receives: RawDocument (read) -> ParsedTranscript (parse) -> CleanedDocument
(clean) -> TaggedDocument with Segments (segment, language, topics).
ErrorRecord is the dead-letter value any stage may emit instead.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import operator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceMeta:
    """Where a document came from and what its source said about it."""

    source_uri: str
    source_kind: str  # "file" or "feed"
    title: str | None = None
    link: str | None = None
    guid: str | None = None
    published_at: dt.datetime | None = None  # timezone-aware, UTC
    authors: tuple[str, ...] = ()
    feed_title: str | None = None


@dataclass(frozen=True)
class RawDocument:
    """Bytes of one transcript as read from a file or fetched from a feed."""

    meta: SourceMeta
    payload: bytes
    format_hint: str | None = None  # from the extension or a declared media type


@dataclass(frozen=True)
class Block:
    """A stretch of transcript content inside the raw text.

    start/end are offsets into ParsedTranscript.raw_text. Everything of the raw
    text outside blocks is format structure (caption headers, cue numbers,
    timings) and is removed by the cleaner as markup.
    """

    start: int
    end: int
    start_seconds: float | None = None
    end_seconds: float | None = None
    speaker: str | None = None  # given by the format itself (JSON speaker field)


@dataclass(frozen=True)
class ParsedTranscript:
    meta: SourceMeta
    doc_id: str
    format: str  # txt, srt, vtt, json
    encoding: str
    raw_text: str
    title: str | None
    blocks: tuple[Block, ...]

    @property
    def timed(self) -> bool:
        return any(b.start_seconds is not None for b in self.blocks)


@dataclass(frozen=True)
class Edit:
    """One change the cleaner made, in raw-text coordinates.

    raw_text[start:end] == text was replaced by `replacement` (usually "").
    Applying every edit to the raw text gives the cleaned text; undoing them
    gives the raw text back.
    """

    kind: str
    start: int
    end: int
    text: str
    replacement: str = ""


@dataclass(frozen=True)
class Turn:
    """A stretch of the cleaned text spoken by one speaker (or one clip)."""

    start: int  # offsets into CleanedDocument.text
    end: int
    speaker: str | None = None
    speaker_role: str | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None
    is_clip: bool = False  # inside (BEGIN VIDEO CLIP) ... (END VIDEO CLIP)


@dataclass(frozen=True)
class TimedSpan:
    """Media time of a stretch of the cleaned text (one caption cue or JSON segment)."""

    start: int
    end: int
    start_seconds: float | None
    end_seconds: float | None


def cue_finder(timeline: tuple[TimedSpan, ...]):
    """A function giving the part of the timeline that can overlap text[start:end].

    Cues come in text order, so the overlapping ones are one slice of it; that
    slice gives media_time() the answer the whole timeline gives.
    """
    starts = [t.start for t in timeline]
    ends = [t.end for t in timeline]
    if not (all(map(operator.le, starts, starts[1:])) and all(map(operator.le, ends, ends[1:]))):
        return lambda start, end: timeline

    def around(start: int, end: int) -> tuple[TimedSpan, ...]:
        return timeline[bisect.bisect_right(ends, start):bisect.bisect_left(starts, end)]

    return around


def media_time(timeline: tuple[TimedSpan, ...], start: int, end: int) -> tuple[float | None, float | None]:
    """(start_seconds, end_seconds) of the cues overlapping text[start:end]; (None, None) when untimed."""
    times = [t for t in timeline if t.start < end and t.end > start]
    t0 = min((t.start_seconds for t in times if t.start_seconds is not None), default=None)
    t1 = max((t.end_seconds for t in times if t.end_seconds is not None), default=None)
    return t0, t1


@dataclass(frozen=True)
class CleanedDocument:
    meta: SourceMeta
    doc_id: str
    format: str
    encoding: str
    title: str | None
    raw_chars: int
    text: str
    edits: tuple[Edit, ...]
    turns: tuple[Turn, ...]
    cleaning: str  # profile name
    timeline: tuple[TimedSpan, ...] = ()  # empty for untimed inputs
    language_hint: str | None = None  # a first guess from the raw text, for language-specific rules


@dataclass(frozen=True)
class Topic:
    label: str
    score: float


@dataclass(frozen=True)
class Segment:
    doc_id: str
    segment_index: int
    text: str
    start_char: int
    end_char: int
    speaker: str | None = None
    speaker_role: str | None = None
    start_seconds: float | None = None
    end_seconds: float | None = None
    language: str = "und"
    language_score: float = 0.0
    topics: tuple[Topic, ...] = ()
    boundary: str = "turn"  # why the segment starts: turn, topic or size

    @property
    def segment_id(self) -> str:
        return f"{self.doc_id}-{self.segment_index:05d}"


@dataclass(frozen=True)
class TaggedDocument:
    """A cleaned document with its segments, language and topics."""

    cleaned: CleanedDocument
    segments: tuple[Segment, ...]
    language: str = "und"
    language_score: float = 0.0
    topics: tuple[Topic, ...] = ()

    def replace(self, **changes) -> TaggedDocument:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class ErrorRecord:
    """A dead letter: an input that could not become a document, and why."""

    source_uri: str
    stage: str
    error_type: str
    message: str
    excerpt: str = ""
    published_at: dt.datetime | None = None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
