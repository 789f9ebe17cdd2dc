"""Run statistics written beside the staged data, readable whatever the runner.

Beam metrics are not queryable on every runner, so the count of inputs that
the manifest checks against documents + errors is written as a small file.
"""
from __future__ import annotations

import json
import posixpath

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from transforms.filesystem import ensure_dir

STATS_DIR = "_stats"


def read_input_count(staging_dir: str) -> int | None:
    path = posixpath.join(staging_dir, STATS_DIR, "inputs.json")
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return int(json.loads(handle.read().decode())["inputs"])


class _WriteCount(beam.DoFn):
    def __init__(self, staging_dir: str):
        self.staging_dir = staging_dir

    def process(self, count: int):
        directory = posixpath.join(self.staging_dir, STATS_DIR)
        ensure_dir(directory)
        with FileSystems.create(posixpath.join(directory, "inputs.json")) as handle:
            handle.write(json.dumps({"inputs": count}).encode())
        yield count


class RecordInputCount(beam.PTransform):
    """Count the inputs (files matched, patterns that matched nothing) into the staging directory."""

    def __init__(self, staging_dir: str):
        super().__init__()
        self.staging_dir = staging_dir

    def expand(self, inputs):
        return inputs | "Count" >> beam.combiners.Count.Globally() | "Write" >> beam.ParDo(_WriteCount(self.staging_dir))


FILES_LIST = "files.json"


def read_file_list(staging_dir: str) -> list[dict] | None:
    """The files the run's successful bundles wrote: [{table, partition, path (relative), rows}]."""
    path = posixpath.join(staging_dir, STATS_DIR, FILES_LIST)
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path) as handle:
        return json.loads(handle.read().decode())


class _WriteFileList(beam.DoFn):
    def __init__(self, staging_dir: str):
        self.staging_dir = staging_dir

    def process(self, written: list):
        prefix = self.staging_dir.rstrip("/") + "/"
        entries = sorted(
            ({"table": f.table, "partition": f.partition, "path": f.path[len(prefix):], "rows": f.rows} for f in written),
            key=lambda e: e["path"],
        )
        directory = posixpath.join(self.staging_dir, STATS_DIR)
        ensure_dir(directory)
        with FileSystems.create(posixpath.join(directory, FILES_LIST)) as handle:
            handle.write(json.dumps(entries, indent=1).encode())
        yield len(entries)


class RecordWrittenFiles(beam.PTransform):
    """List the WrittenFiles of successful bundles into the staging directory: what publishing moves in."""

    def __init__(self, staging_dir: str):
        super().__init__()
        self.staging_dir = staging_dir

    def expand(self, written):
        return written | "Collect" >> beam.combiners.ToList() | "Write" >> beam.ParDo(_WriteFileList(self.staging_dir))
