"""After a successful pipeline: move staged files into the dataset and write the run manifest."""
from __future__ import annotations

import datetime as dt
import json
import platform
import posixpath
from dataclasses import asdict, dataclass, field

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas.tables import SCHEMA_VERSION
from transforms.filesystem import ensure_dir
from transforms.run_stats import read_input_count

RUNS_DIR = "_runs"
STAGING_DIR = "_staging"


@dataclass
class Manifest:
    run_id: str
    started_at: str
    finished_at: str
    inputs: list[str]
    settings: dict  # newsbeam's own settings: cleaning profile, date, bounds, ...
    options: dict  # every pipeline option given
    versions: dict
    counts: dict = field(default_factory=dict)  # table -> rows
    partitions: dict = field(default_factory=dict)  # table -> partition -> rows
    files: list[dict] = field(default_factory=list)
    feeds: dict = field(default_factory=dict)  # feed counts: fetched, not modified, bozo, skipped as seen, ...
    inputs_total: int | None = None
    accounted: bool = False  # inputs_total == documents + errors


def staging_dir_for(output: str, run_id: str) -> str:
    return posixpath.join(output, STAGING_DIR, run_id)


def _staged_files(staging: str) -> list[str]:
    patterns = [posixpath.join(staging, *["*"] * depth, "*.parquet") for depth in (2, 3)]
    found = []
    for result in FileSystems.match(patterns):
        found.extend(m.path for m in result.metadata_list)
    return sorted(found)


def _row_count(path: str) -> int:
    with FileSystems.open(path) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    import apache_beam
    import feedparser
    import pyarrow

    try:
        newsbeam_version = version("newsbeam")
    except PackageNotFoundError:
        newsbeam_version = "unknown"
    return {
        "newsbeam": newsbeam_version,
        "schema": SCHEMA_VERSION,
        "apache_beam": apache_beam.__version__,
        "pyarrow": pyarrow.__version__,
        "feedparser": feedparser.__version__,
        "python": platform.python_version(),
    }


def publish(output: str, run_id: str, manifest: Manifest) -> Manifest:
    """Move the run's staged files into the dataset, count them, write _runs/RUN_ID.json."""
    staging = staging_dir_for(output, run_id)
    counts: dict[str, int] = {"documents": 0, "segments": 0, "errors": 0}
    partitions: dict[str, dict[str, int]] = {}
    for src in _staged_files(staging):
        relative = src[len(staging):].lstrip("/")
        table, partition = relative.split("/", 1)[0], posixpath.dirname(relative.split("/", 1)[1])
        dst = posixpath.join(output, relative)
        ensure_dir(posixpath.dirname(dst))
        FileSystems.rename([src], [dst])
        rows = _row_count(dst)
        counts[table] = counts.get(table, 0) + rows
        partitions.setdefault(table, {}).setdefault(partition, 0)
        partitions[table][partition] += rows
        manifest.files.append({"table": table, "partition": partition, "path": relative, "rows": rows})
    manifest.inputs_total = read_input_count(staging)
    manifest.counts = counts
    manifest.partitions = partitions
    manifest.accounted = manifest.inputs_total == counts["documents"] + counts["errors"]
    manifest.finished_at = dt.datetime.now(dt.timezone.utc).isoformat()
    try:
        FileSystems.delete([staging])
    except Exception:  # noqa: BLE001 - leftover staging is harmless and reported by inspect
        pass
    runs = posixpath.join(output, RUNS_DIR)
    ensure_dir(runs)
    with FileSystems.create(posixpath.join(runs, f"{run_id}.json")) as handle:
        handle.write(json.dumps(asdict(manifest), indent=2, sort_keys=True, default=str).encode())
    return manifest
