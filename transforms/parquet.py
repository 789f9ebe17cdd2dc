"""Write tables as Hive-partitioned Parquet datasets with any Beam filesystem.

Rows are written as they arrive, one open file per (table, partition) per
bundle, in row groups and files of bounded size, under a run's staging
directory; publishing moves them into place only after the pipeline has
succeeded. No GroupByKey: a partition is never held in memory as a whole.
"""
from __future__ import annotations

import datetime as dt
import posixpath
import uuid
from dataclasses import dataclass

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from schemas.records import ErrorRecord, TaggedDocument
from schemas.tables import TABLES, document_row, error_row, segment_rows
from transforms.filesystem import ensure_dir
from transforms.run_stats import RecordWrittenFiles

DEFAULT_TARGET_FILE_BYTES = 128 * 1024 * 1024
DEFAULT_ROW_GROUP_ROWS = 50_000
# Row groups of about this much row data; all a bundle buffers stays under
# BUFFER_BYTES (estimated), which bounds the writer's memory whatever the input size.
ROW_GROUP_BYTES = 16 * 1024 * 1024
BUFFER_BYTES = 48 * 1024 * 1024
_SORT_KEYS = {
    "documents": lambda r: (r["doc_id"],),
    "segments": lambda r: (r["doc_id"], r["segment_index"]),
    "errors": lambda r: (r["source_uri"], r["stage"], r["message"]),
}


@dataclass(frozen=True)
class WrittenFile:
    table: str
    partition: str  # "date=2026-11-25/language=en"
    path: str
    rows: int


def partition_date(published_at: dt.datetime | None, default_date: str) -> str:
    """The UTC publication date when known, else the run's date."""
    if published_at is None:
        return default_date
    return published_at.astimezone(dt.timezone.utc).date().isoformat()


@dataclass(frozen=True)
class PartitionDates:
    """Which date partition a row goes to.

    A batch run files rows under their publication date, undated ones under
    the run's date. A nightly run for date D owns D's partitions and may add
    late rows to the few days before it (`allowed`); a row dated anywhere else,
    and every errors row, goes under D so that rerunning the night replaces it.
    """

    default: str
    allowed: frozenset[str] | None = None
    errors_on_default: bool = False

    def for_document(self, published_at: dt.datetime | None) -> str:
        date = partition_date(published_at, self.default)
        return date if self.allowed is None or date in self.allowed else self.default

    def for_error(self, published_at: dt.datetime | None) -> str:
        return self.default if self.errors_on_default else self.for_document(published_at)


def _language_dir(language: str) -> str:
    # Partition values go into paths: keep them to safe characters.
    return "".join(c if c.isalnum() or c == "-" else "_" for c in language) or "und"


def table_rows(element, run_id: str, ingested_at: dt.datetime, dates: PartitionDates):
    """((table, partition), row) for a TaggedDocument (its document and segments) or an ErrorRecord."""
    if isinstance(element, ErrorRecord):
        yield ("errors", f"date={dates.for_error(element.published_at)}"), error_row(element, run_id)
        return
    doc: TaggedDocument = element
    date = dates.for_document(doc.cleaned.meta.published_at)
    partition = f"date={date}/language={_language_dir(doc.language)}"
    yield ("documents", partition), document_row(doc, run_id, ingested_at)
    for row in segment_rows(doc, run_id):
        yield ("segments", partition), row


def _row_bytes(table: str, row: dict) -> int:
    """A cheap estimate of a row's size in memory, for bounding what is buffered."""
    # Python objects, not Parquet bytes: a str costs its length plus ~50 bytes, a dict ~650.
    if table == "documents":
        return len(row["text"]) + 800 * len(row["edits"]) + 2048
    if table == "segments":
        return len(row["text"]) + 1500
    return len(row["message"]) + len(row["excerpt"] or "") + 256


def table_schema(table: str, run_id: str) -> pa.Schema:
    """The table's Arrow schema with the writing run's id in its metadata."""
    spec = TABLES[table]
    return spec.arrow_schema.with_metadata({**spec.arrow_schema.metadata, b"newsbeam.run_id": run_id.encode()})


class PartitionFile:
    """One open Parquet file of a partition, fed rows and flushed a row group at a time (each sorted)."""

    def __init__(self, path: str, schema: pa.Schema, sort_key):
        self.path = path
        self.schema = schema
        self.sort_key = sort_key
        self.buffer: list[dict] = []
        self.buffered_bytes = 0
        self.rows = 0
        self._handle = None
        self._writer = None

    def add(self, row: dict, size: int = 0) -> None:
        self.buffer.append(row)
        self.buffered_bytes += size

    def flush(self) -> None:
        if not self.buffer:
            return
        if self._writer is None:
            ensure_dir(posixpath.dirname(self.path))
            self._handle = FileSystems.create(self.path)
            self._writer = pq.ParquetWriter(self._handle, self.schema, compression="zstd")
        self.buffer.sort(key=self.sort_key)
        self._writer.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema), row_group_size=len(self.buffer))
        self.rows += len(self.buffer)
        self.buffer, self.buffered_bytes = [], 0

    def bytes_written(self) -> int:
        return self._handle.tell() if self._handle is not None else 0

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._handle.close()


class _WriteRows(beam.DoFn):
    """Documents and errors -> Parquet files, written as rows arrive: memory stays flat whatever the input size.

    Each bundle keeps one open file per (table, partition), flushes a row group
    when it reaches row_group_rows rows or ROW_GROUP_BYTES, flushes the largest
    buffer when all of them together pass BUFFER_BYTES, and rolls to a new file
    at target_file_bytes. Files are named by run and bundle; only the files of
    bundles that succeeded are reported, and only reported files are published,
    so a retried bundle never duplicates rows.
    """

    def __init__(self, staging_dir: str, run_id: str, ingested_at: dt.datetime, dates: PartitionDates, target_file_bytes: int, row_group_rows: int):
        self.staging_dir = staging_dir
        self.run_id = run_id
        self.ingested_at = ingested_at
        self.dates = dates
        self.target_file_bytes = target_file_bytes
        self.row_group_rows = row_group_rows
        self.rows_written = Metrics.counter("newsbeam", "rows_written")
        self.files_written = Metrics.counter("newsbeam", "files_written")

    def setup(self):
        self._schemas = {name: table_schema(name, self.run_id) for name in TABLES}

    def start_bundle(self):
        self._bundle = uuid.uuid4().hex[:12]
        self._serial = 0
        self._open: dict[tuple[str, str], PartitionFile] = {}
        self._buffered = 0

    def _file(self, table: str, partition: str) -> PartitionFile:
        key = (table, partition)
        if key not in self._open:
            name = f"part-{self.run_id}-{self._bundle}-{self._serial:05d}.parquet"
            self._serial += 1
            path = posixpath.join(self.staging_dir, table, partition, name)
            self._open[key] = PartitionFile(path, self._schemas[table], _SORT_KEYS[table])
        return self._open[key]

    def _finished(self, part: PartitionFile, table: str, partition: str) -> WrittenFile:
        part.close()
        self.rows_written.inc(part.rows)
        self.files_written.inc()
        return WrittenFile(table, partition, part.path, part.rows)

    def process(self, element):
        for (table, partition), row in table_rows(element, self.run_id, self.ingested_at, self.dates):
            part = self._file(table, partition)
            size = _row_bytes(table, row)
            part.add(row, size)
            self._buffered += size
            if len(part.buffer) >= self.row_group_rows or part.buffered_bytes >= ROW_GROUP_BYTES:
                self._buffered -= part.buffered_bytes
                part.flush()
                if part.bytes_written() >= self.target_file_bytes:
                    yield self._finished(self._open.pop((table, partition)), table, partition)
            if self._buffered >= BUFFER_BYTES:
                largest = max(self._open.values(), key=lambda f: f.buffered_bytes)
                self._buffered -= largest.buffered_bytes
                largest.flush()

    def finish_bundle(self):
        for (table, partition), part in sorted(self._open.items()):
            yield WindowedValue(self._finished(part, table, partition), MIN_TIMESTAMP, [GlobalWindow()])
        self._open = {}


class WritePartitionedParquet(beam.PTransform):
    """PCollections of TaggedDocuments or ErrorRecords -> Parquet files under staging_dir, one WrittenFile each.

    The list of files written is also staged (run_stats.write_file_list): what publishing moves in.
    """

    def __init__(
        self,
        staging_dir: str,
        run_id: str,
        ingested_at: dt.datetime,
        dates: str | PartitionDates,
        target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    ):
        super().__init__()
        self.staging_dir = staging_dir
        self.run_id = run_id
        self.ingested_at = ingested_at
        self.dates = dates if isinstance(dates, PartitionDates) else PartitionDates(dates)
        self.target_file_bytes = target_file_bytes
        self.row_group_rows = row_group_rows

    def expand(self, pcolls):
        # One writer per input PCollection rather than a Flatten in front of one:
        # a runner may fuse each writer with the stages that feed it, where a
        # Flatten of several stages' outputs makes the Python runners buffer them all.
        if isinstance(pcolls, beam.PCollection):
            pcolls = (pcolls,)
        fn = _WriteRows(self.staging_dir, self.run_id, self.ingested_at, self.dates, self.target_file_bytes, self.row_group_rows)
        written = [pcoll | f"WriteRows{i}" >> beam.ParDo(fn) for i, pcoll in enumerate(pcolls)]
        written = written | "WrittenFiles" >> beam.Flatten()
        _ = written | "RecordWrittenFiles" >> RecordWrittenFiles(self.staging_dir)
        return written
