"""The parse stage as one plain function: raw bytes of a source to a ParsedTranscript."""
from __future__ import annotations

import gzip
from pathlib import Path

from schemas.records import ParsedTranscript, RawDocument, SourceMeta
from transforms.decode import decode_bytes
from transforms.formats import format_from_name, parse_transcript, sniff_format
from transforms.ids import doc_id_for


def parse_document(raw: RawDocument) -> ParsedTranscript:
    """Decode, recognise the format and find the content blocks; InputError if it cannot."""
    text, encoding = decode_bytes(raw.payload)
    fmt = sniff_format(text, raw.format_hint)
    raw_text, title, blocks = parse_transcript(text, fmt)
    identity = raw.meta.guid or raw.meta.link or raw.meta.source_uri
    return ParsedTranscript(
        meta=raw.meta,
        doc_id=doc_id_for(raw.meta.source_kind, identity),
        format=fmt,
        encoding=encoding,
        raw_text=raw_text,
        title=raw.meta.title or title,
        blocks=tuple(blocks),
    )


def parse_local_file(path: str | Path) -> ParsedTranscript:
    """A local file through the same parse stage (gzip included): for tests, tools and benchmarks."""
    path = Path(path)
    payload = path.read_bytes()
    if path.suffix == ".gz":
        payload = gzip.decompress(payload)
    return parse_document(RawDocument(SourceMeta(str(path), "file"), payload, format_from_name(path.name)))
