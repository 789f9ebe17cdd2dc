"""Write tables as Hive-partitioned Parquet datasets with any Beam filesystem.

Rows are grouped by (table, partition) and each group is written, sorted, to
files of a bounded size under a run's staging directory; publishing moves
them into place only after the pipeline has succeeded.
"""
from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.records import ErrorRecord, TaggedDocument
from schemas.tables import TABLES, document_row, error_row, segment_rows
from transforms.filesystem import ensure_dir

DEFAULT_TARGET_FILE_BYTES = 128 * 1024 * 1024
DEFAULT_ROW_GROUP_ROWS = 50_000
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


class _ToRows(beam.DoFn):
    def __init__(self, run_id: str, ingested_at: dt.datetime, dates: PartitionDates):
        self.run_id = run_id
        self.ingested_at = ingested_at
        self.dates = dates

    def process(self, element):
        if isinstance(element, ErrorRecord):
            date = self.dates.for_error(element.published_at)
            yield ("errors", f"date={date}"), error_row(element, self.run_id)
            return
        doc: TaggedDocument = element
        date = self.dates.for_document(doc.cleaned.meta.published_at)
        partition = f"date={date}/language={_language_dir(doc.language)}"
        yield ("documents", partition), document_row(doc, self.run_id, self.ingested_at)
        for row in segment_rows(doc, self.run_id):
            yield ("segments", partition), row


class _WritePartition(beam.DoFn):
    def __init__(self, staging_dir: str, run_id: str, target_file_bytes: int, row_group_rows: int):
        self.staging_dir = staging_dir
        self.run_id = run_id
        self.target_file_bytes = target_file_bytes
        self.row_group_rows = row_group_rows
        self.rows_written = Metrics.counter("newsbeam", "rows_written")
        self.files_written = Metrics.counter("newsbeam", "files_written")

    def process(self, element):
        (table, partition), rows = element
        spec = TABLES[table]
        rows = sorted(rows, key=_SORT_KEYS[table])
        schema = spec.arrow_schema.with_metadata(
            {**spec.arrow_schema.metadata, b"newsbeam.run_id": self.run_id.encode()}
        )
        directory = posixpath.join(self.staging_dir, table, partition)
        part = 0
        start = 0
        while start < len(rows):
            path = posixpath.join(directory, f"part-{self.run_id}-{part:05d}.parquet")
            ensure_dir(directory)
            count = 0
            with FileSystems.create(path) as handle:
                writer = pq.ParquetWriter(handle, schema, compression="zstd")
                while start < len(rows):
                    batch = rows[start:start + self.row_group_rows]
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema), row_group_size=self.row_group_rows)
                    start += len(batch)
                    count += len(batch)
                    if handle.tell() >= self.target_file_bytes:
                        break
                writer.close()
            self.rows_written.inc(count)
            self.files_written.inc()
            yield WrittenFile(table, partition, path, count)
            part += 1


class WritePartitionedParquet(beam.PTransform):
    """TaggedDocuments and ErrorRecords -> Parquet files under staging_dir, one WrittenFile each."""

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

    def expand(self, pcoll):
        return (
            pcoll
            | "ToRows" >> beam.ParDo(_ToRows(self.run_id, self.ingested_at, self.dates))
            | "GroupByPartition" >> beam.GroupByKey()
            | "WriteFiles" >> beam.ParDo(
                _WritePartition(self.staging_dir, self.run_id, self.target_file_bytes, self.row_group_rows)
            )
        )
