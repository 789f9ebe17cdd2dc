"""Windowed Parquet for the streaming pipeline: every pane of a fixed event-time window, as finished files.

Same layout, schema, sort order, metadata and compression as the batch writer, so one warehouse
table covers both; file names carry the run, the window start and the pane:
OUT/documents/date=D/language=L/part-stream-RUNID-20261120T101500Z-000-00000.parquet
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import posixpath

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger, window

from schemas.records import ErrorRecord, TaggedDocument
from schemas.tables import TABLES, document_row, error_row, segment_rows

# The batch writer's sort order and partition naming: both modes write alike.
from transforms.parquet import (
    _SORT_KEYS,
    DEFAULT_ROW_GROUP_ROWS,
    DEFAULT_TARGET_FILE_BYTES,
    PartitionFile,
    WrittenFile,
    _language_dir,
    partition_date,
    table_schema,
)
from transforms.stream_state import stage_seen_ids

_LOG = logging.getLogger(__name__)
STREAM_FILE_PREFIX = "part-stream-"
DOCUMENTS_GROUP = "documents"  # a document's row and its segments' rows: written, then marked seen, together
ERRORS_GROUP = "errors"


def stream_file_stem(run_id: str, window_start: dt.datetime, pane_index: int) -> str:
    return f"{STREAM_FILE_PREFIX}{run_id}-{window_start:%Y%m%dT%H%M%SZ}-{pane_index:03d}"


class WindowByPublication(beam.PTransform):
    """Fixed event-time windows: one on-time pane when the watermark passes a window's end, then
    one late pane per late element until `allowed_lateness` after it (panes do not repeat rows)."""

    def __init__(self, window_seconds: float, allowed_lateness: float):
        super().__init__()
        self.window_seconds = window_seconds
        self.allowed_lateness = allowed_lateness

    def expand(self, pcoll):
        return pcoll | "FixedWindows" >> beam.WindowInto(
            window.FixedWindows(self.window_seconds),
            trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
            accumulation_mode=trigger.AccumulationMode.DISCARDING,
            allowed_lateness=self.allowed_lateness,
        )


class _ToStreamRows(beam.DoFn):
    """A TaggedDocument or ErrorRecord -> ((group, partition), (table, row)) for each of its rows."""

    def __init__(self, run_id: str):
        self.run_id = run_id

    def process(self, element, timestamp=beam.DoFn.TimestampParam):
        # Undated inputs go under the date of their event time: the poll that found them.
        default_date = timestamp.to_utc_datetime(has_tz=True).date().isoformat()
        if isinstance(element, ErrorRecord):
            partition = f"date={partition_date(element.published_at, default_date)}"
            yield (ERRORS_GROUP, partition), ("errors", error_row(element, self.run_id))
            return
        doc: TaggedDocument = element
        date = partition_date(doc.cleaned.meta.published_at, default_date)
        partition = f"date={date}/language={_language_dir(doc.language)}"
        yield (DOCUMENTS_GROUP, partition), ("documents", document_row(doc, self.run_id, dt.datetime.now(dt.timezone.utc)))
        for row in segment_rows(doc, self.run_id):
            yield (DOCUMENTS_GROUP, partition), ("segments", row)


def write_table_files(
    directory: str, stem: str, table: str, rows: list[dict], run_id: str, target_file_bytes: int, row_group_rows: int
):
    """Write rows, sorted, to files directory/stem-00000.parquet, ... of bounded size; yields (path, rows).

    Locally each file is written under a hidden name and renamed into place when complete, so
    readers never see half a file; on object stores an object appears only once uploaded.
    """
    schema = table_schema(table, run_id)
    rows = sorted(rows, key=_SORT_KEYS[table])
    local = FileSystems.get_scheme(directory) is None
    part = start = 0
    while start < len(rows):
        path = posixpath.join(directory, f"{stem}-{part:05d}.parquet")
        temp = posixpath.join(directory, f".{stem}-{part:05d}.parquet.inprogress") if local else path
        out = PartitionFile(temp, schema, _SORT_KEYS[table])
        while start < len(rows):
            for row in rows[start:start + row_group_rows]:
                out.add(row)
            start += row_group_rows
            out.flush()
            if out.bytes_written() >= target_file_bytes:
                break
        out.close()
        if local:
            os.replace(temp, path)
        yield path, out.rows
        part += 1


class _WritePane(beam.DoFn):
    """One pane of one window and partition -> its files, in place; then its documents count as seen."""

    def __init__(self, output: str, run_id: str, state_dir: str, target_file_bytes: int, row_group_rows: int):
        self.output = output
        self.run_id = run_id
        self.state_dir = state_dir
        self.target_file_bytes = target_file_bytes
        self.row_group_rows = row_group_rows
        self.rows_written = Metrics.counter("newsbeam", "rows_written")
        self.files_written = Metrics.counter("newsbeam", "files_written")

    def process(self, element, win=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        (group, partition), tagged_rows = element
        by_table: dict[str, list[dict]] = {}
        for table, row in tagged_rows:
            by_table.setdefault(table, []).append(row)
        stem = stream_file_stem(self.run_id, win.start.to_utc_datetime(has_tz=True), pane.index)
        for table in TABLES:  # documents before segments: a reader sees a document no later than its segments
            rows = by_table.get(table)
            if not rows:
                continue
            directory = posixpath.join(self.output, table, partition)
            for path, count in write_table_files(
                directory, stem, table, rows, self.run_id, self.target_file_bytes, self.row_group_rows
            ):
                self.rows_written.inc(count)
                self.files_written.inc()
                _LOG.info("wrote %s (%d rows)", path, count)
                yield WrittenFile(table, partition, path, count)
        if group == DOCUMENTS_GROUP:
            # Only now, with its rows in place, may a restart skip the entry.
            ids = [row["doc_id"] for row in by_table.get("documents", ())]
            stage_seen_ids(self.state_dir, self.run_id, f"{stem}-{partition.replace('/', '-')}", ids)


class WriteWindowedParquet(beam.PTransform):
    """Windowed TaggedDocuments and ErrorRecords -> Parquet files in the dataset, one WrittenFile each."""

    def __init__(
        self,
        output: str,
        run_id: str,
        state_dir: str,
        target_file_bytes: int = DEFAULT_TARGET_FILE_BYTES,
        row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    ):
        super().__init__()
        self.output = output
        self.run_id = run_id
        self.state_dir = state_dir
        self.target_file_bytes = target_file_bytes
        self.row_group_rows = row_group_rows

    def expand(self, pcoll):
        return (
            pcoll
            | "ToRows" >> beam.ParDo(_ToStreamRows(self.run_id)).with_output_types(tuple[tuple[str, str], tuple[str, dict]])
            | "GroupByPartition" >> beam.GroupByKey()
            | "WritePane" >> beam.ParDo(
                _WritePane(self.output, self.run_id, self.state_dir, self.target_file_bytes, self.row_group_rows)
            )
        )
