"""The output tables: every column's name, Arrow type and description.

This module is the single source of truth for the Parquet files, the
warehouse DDL printed by ``newsbeam schema`` and the row builders below.
Partition columns (date, language) live in the Hive path, not in the files.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pyarrow as pa

from schemas.records import ErrorRecord, TaggedDocument, Topic

# Bumped whenever a column is added or changes meaning; written into every file.
SCHEMA_VERSION = "2"  # 2 added segments.boundary
# "normalize" covers the render's own repairs: whitespace and Unicode NFC.
EDIT_KINDS = ("cue", "filler", "disfluency", "markup", "label", "boiler", "normalize")
EXCERPT_CHARS = 500

TIMESTAMP = pa.timestamp("us", tz="UTC")
TOPIC = pa.struct([pa.field("label", pa.string()), pa.field("score", pa.float64())])
EDIT = pa.struct(
    [
        pa.field("kind", pa.string()),
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("replacement", pa.string()),
    ]
)
EDIT_COUNTS = pa.struct([pa.field(kind, pa.int32()) for kind in EDIT_KINDS])


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    partition_by: tuple[str, ...]
    description: str

    @property
    def arrow_schema(self) -> pa.Schema:
        fields = [
            pa.field(c.name, c.type, nullable=c.nullable, metadata={"description": c.description})
            for c in self.columns
        ]
        return pa.schema(
            fields,
            metadata={
                "newsbeam.table": self.name,
                "newsbeam.schema_version": SCHEMA_VERSION,
                "newsbeam.partition_by": json.dumps(list(self.partition_by)),
            },
        )


DOCUMENTS = Table(
    "documents",
    (
        Column("doc_id", pa.string(), "Stable id: the same input gives the same id on every run.", False),
        Column("source_uri", pa.string(), "File path or URL the document was read from.", False),
        Column("source_kind", pa.string(), "'file' or 'feed'.", False),
        Column("format", pa.string(), "Input format: txt, srt, vtt or json.", False),
        Column("encoding", pa.string(), "Text encoding the input was decoded with."),
        Column("title", pa.string(), "Title from the source (feed entry, or a .txt first line)."),
        Column("link", pa.string(), "Link of the feed entry."),
        Column("guid", pa.string(), "Guid of the feed entry."),
        Column("feed_title", pa.string(), "Title of the feed the entry came from."),
        Column("authors", pa.list_(pa.string()), "Authors named by the source."),
        Column("published_at", TIMESTAMP, "Publication time (UTC) when the source gives one."),
        Column("ingested_at", TIMESTAMP, "Start time (UTC) of the run that wrote the row.", False),
        Column("text", pa.string(), "Cleaned full text.", False),
        Column("raw_chars", pa.int64(), "Characters of the raw transcript text.", False),
        Column("clean_chars", pa.int64(), "Characters of the cleaned text.", False),
        Column("language_score", pa.float64(), "Confidence in [0, 1] of the document language.", False),
        Column("topics", pa.list_(TOPIC), "IPTC Media Topics with scores, best first."),
        Column("topic", pa.string(), "Primary IPTC Media Topic, null when none clears the threshold."),
        Column("speakers", pa.list_(pa.string()), "Distinct speakers in order of first appearance."),
        Column("n_segments", pa.int32(), "Number of rows of this document in segments.", False),
        Column("timed", pa.bool_(), "Whether segments carry start/end seconds.", False),
        Column("cleaning", pa.string(), "Cleaning profile: full, light or none.", False),
        Column("edits", pa.list_(EDIT), "Every cleaning edit in raw-text offsets: kind, start, end, removed text, replacement."),
        Column("edit_counts", EDIT_COUNTS, "Number of edits per kind."),
        Column("run_id", pa.string(), "Id of the run that wrote the row.", False),
    ),
    ("date", "language"),
    "One row per ingested transcript.",
)

SEGMENTS = Table(
    "segments",
    (
        Column("doc_id", pa.string(), "Document the segment belongs to.", False),
        Column("segment_id", pa.string(), "doc_id and segment_index: unique and stable.", False),
        Column("segment_index", pa.int32(), "Position of the segment in its document, from 0.", False),
        Column("speaker", pa.string(), "Speaker name, null when unknown."),
        Column("speaker_role", pa.string(), "Speaker role given with the label (e.g. 'CNN ANCHOR')."),
        Column("text", pa.string(), "Segment text: the document text from start_char to end_char.", False),
        Column("start_char", pa.int64(), "Offset of the segment in the document's cleaned text.", False),
        Column("end_char", pa.int64(), "End offset (exclusive) in the document's cleaned text.", False),
        Column("start_seconds", pa.float64(), "Media time of the segment's start, null when untimed."),
        Column("end_seconds", pa.float64(), "Media time of the segment's end, null when untimed."),
        Column("segment_language", pa.string(), "Language of the segment (ISO 639-1, or 'und').", False),
        Column("language_score", pa.float64(), "Confidence in [0, 1] of segment_language.", False),
        Column("topics", pa.list_(TOPIC), "IPTC Media Topics with scores, best first."),
        Column("topic", pa.string(), "Primary IPTC Media Topic, null when none clears the threshold."),
        Column("n_words", pa.int32(), "Number of words in the segment.", False),
        Column("run_id", pa.string(), "Id of the run that wrote the row.", False),
        # Added in schema version 2; new columns go last.
        Column(
            "boundary",
            pa.string(),
            "Why the segment starts: 'turn' (a speaker change, a clip or the document's start), "
            "'topic' (a topic shift found in the text) or 'size' (a cut to stay under --max-segment-chars).",
        ),
    ),
    ("date", "language"),
    "One row per segment: a stretch of one speaker on one subject.",
)

ERRORS = Table(
    "errors",
    (
        Column("source_uri", pa.string(), "Input (file, glob or URL) the error concerns.", False),
        Column("stage", pa.string(), "Pipeline stage that rejected the input.", False),
        Column("error_type", pa.string(), "Short machine-readable error class.", False),
        Column("message", pa.string(), "What went wrong, for a human.", False),
        Column("excerpt", pa.string(), f"Up to {EXCERPT_CHARS} characters of the offending input."),
        Column("run_id", pa.string(), "Id of the run that wrote the row.", False),
        Column("at", TIMESTAMP, "When the error was recorded (UTC).", False),
    ),
    ("date",),
    "Dead letters: one row per input that did not become a document.",
)

TABLES = {t.name: t for t in (DOCUMENTS, SEGMENTS, ERRORS)}


def _topics(topics: tuple[Topic, ...]) -> list[dict]:
    return [{"label": t.label, "score": round(t.score, 6)} for t in topics]


def primary_topic(topics: tuple[Topic, ...]) -> str | None:
    """Topics are stored best first and already thresholded."""
    return topics[0].label if topics else None


def document_row(doc: TaggedDocument, run_id: str, ingested_at: dt.datetime) -> dict:
    c = doc.cleaned
    counts = {kind: 0 for kind in EDIT_KINDS}
    for e in c.edits:
        counts[e.kind] = counts.get(e.kind, 0) + 1
    speakers: list[str] = []
    for s in doc.segments:
        if s.speaker and s.speaker not in speakers:
            speakers.append(s.speaker)
    return {
        "doc_id": c.doc_id,
        "source_uri": c.meta.source_uri,
        "source_kind": c.meta.source_kind,
        "format": c.format,
        "encoding": c.encoding,
        "title": c.title,
        "link": c.meta.link,
        "guid": c.meta.guid,
        "feed_title": c.meta.feed_title,
        "authors": list(c.meta.authors),
        "published_at": c.meta.published_at,
        "ingested_at": ingested_at,
        "text": c.text,
        "raw_chars": c.raw_chars,
        "clean_chars": len(c.text),
        "language_score": round(doc.language_score, 6),
        "topics": _topics(doc.topics),
        "topic": primary_topic(doc.topics),
        "speakers": speakers,
        "n_segments": len(doc.segments),
        "timed": any(s.start_seconds is not None for s in doc.segments),
        "cleaning": c.cleaning,
        "edits": [
            {"kind": e.kind, "start": e.start, "end": e.end, "text": e.text, "replacement": e.replacement}
            for e in c.edits
        ],
        "edit_counts": {kind: counts.get(kind, 0) for kind in EDIT_KINDS},
        "run_id": run_id,
    }


def segment_rows(doc: TaggedDocument, run_id: str) -> list[dict]:
    return [
        {
            "doc_id": s.doc_id,
            "segment_id": s.segment_id,
            "segment_index": s.segment_index,
            "speaker": s.speaker,
            "speaker_role": s.speaker_role,
            "text": s.text,
            "start_char": s.start_char,
            "end_char": s.end_char,
            "start_seconds": s.start_seconds,
            "end_seconds": s.end_seconds,
            "segment_language": s.language,
            "language_score": round(s.language_score, 6),
            "topics": _topics(s.topics),
            "topic": primary_topic(s.topics),
            "n_words": len(s.text.split()),
            "boundary": s.boundary,
            "run_id": run_id,
        }
        for s in doc.segments
    ]


def error_row(err: ErrorRecord, run_id: str) -> dict:
    return {
        "source_uri": err.source_uri,
        "stage": err.stage,
        "error_type": err.error_type,
        "message": err.message,
        "excerpt": err.excerpt[:EXCERPT_CHARS],
        "run_id": run_id,
        "at": err.at,
    }
