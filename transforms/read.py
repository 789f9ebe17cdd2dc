"""Beam transforms that find and read transcript files on any Beam filesystem.

Every pattern and every matched file comes out either as a RawDocument or as
an ErrorRecord: a pattern that matches nothing, a file that vanished, a file
over the size limit.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.records import ErrorRecord, RawDocument, SourceMeta
from transforms.formats import format_from_name

ERRORS = "errors"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class _MatchPattern(beam.DoFn):
    def __init__(self):
        self.matched = Metrics.counter("newsbeam", "files_matched")

    def process(self, pattern: str):
        try:
            result = FileSystems.match([pattern])[0]
            files = [m for m in result.metadata_list if not m.path.endswith(("/", "\\"))]
        except Exception as exc:  # noqa: BLE001 - an unreachable bucket, a malformed URI: a dead letter
            yield beam.pvalue.TaggedOutput(
                ERRORS, ErrorRecord(pattern, "match", "MatchError", f"cannot match {pattern!r}: {exc}")
            )
            return
        if not files:
            yield beam.pvalue.TaggedOutput(
                ERRORS, ErrorRecord(pattern, "match", "NoMatch", f"pattern {pattern!r} matched no files")
            )
        for metadata in files:
            self.matched.inc()
            yield metadata


class _ReadFile(beam.DoFn):
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes_read = Metrics.counter("newsbeam", "bytes_read")

    def process(self, readable: fileio.ReadableFile):
        path = readable.metadata.path
        too_large = ErrorRecord(
            path, "read", "FileTooLarge", f"file is larger than the --max-bytes limit of {self.max_bytes} bytes"
        )
        if readable.metadata.size_in_bytes > self.max_bytes:
            yield beam.pvalue.TaggedOutput(ERRORS, too_large)
            return
        try:
            with readable.open(compression_type=CompressionTypes.AUTO) as handle:
                payload = handle.read(self.max_bytes + 1)
        except Exception as exc:  # noqa: BLE001 - vanished, permission denied, corrupt gzip: a dead letter
            yield beam.pvalue.TaggedOutput(
                ERRORS, ErrorRecord(path, "read", "ReadError", f"cannot read file: {type(exc).__name__}: {exc}")
            )
            return
        if len(payload) > self.max_bytes:
            yield beam.pvalue.TaggedOutput(ERRORS, too_large)
            return
        self.bytes_read.inc(len(payload))
        yield RawDocument(SourceMeta(path, "file"), payload, format_from_name(path))


class ReadTranscriptFiles(beam.PTransform):
    """File patterns -> (RawDocument, ErrorRecord, input) PCollections.

    The third output names every input once (each matched file, each pattern
    that matched nothing) so the run can prove inputs = documents + errors.
    """

    def __init__(self, patterns: list[str], max_bytes: int = DEFAULT_MAX_BYTES):
        super().__init__()
        self.patterns = list(patterns)
        self.max_bytes = max_bytes

    def expand(self, pbegin):
        matched = (
            pbegin
            | "Patterns" >> beam.Create(self.patterns)
            | "Match" >> beam.ParDo(_MatchPattern()).with_outputs(ERRORS, main="files")
        )
        read = (
            matched.files
            # Spread files over workers: matching happens on one.
            | "Reshuffle" >> beam.Reshuffle()
            | "ReadMatches" >> fileio.ReadMatches()
            | "Read" >> beam.ParDo(_ReadFile(self.max_bytes)).with_outputs(ERRORS, main="documents")
        )
        errors = (matched[ERRORS], read[ERRORS]) | "FlattenReadErrors" >> beam.Flatten()
        inputs = (
            matched.files | "FileInputs" >> beam.Map(lambda m: m.path),
            matched[ERRORS] | "PatternInputs" >> beam.Map(lambda e: e.source_uri),
        ) | "FlattenInputs" >> beam.Flatten()
        return read.documents, errors, inputs
