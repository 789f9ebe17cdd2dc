"""`newsbeam stream`: run the streaming pipeline until SIGINT, SIGTERM or --max-runtime, then record the run.

On Beam's Python direct runner the poll ticks come from an in-process WallClock, which a signal
or the deadline stops: the watermark then goes to the end of time, every window in flight is
written, the seen-set is committed and _runs/RUN_ID.json written, with mode "stream".
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import posixpath
import signal
import sys
import time

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions

from pipeline.cli import check_output, new_run_id
from pipeline.options import NewsbeamOptions, UsageError
from pipeline.publish import Manifest, versions
from pipeline.stream import build_stream_pipeline
from pipeline.stream_options import StreamConfig, StreamOptions
from schemas.tables import TABLES
from transforms.feed_state import write_atomic
from transforms.poll_clock import PollTicks, WallClock, is_direct_runner
from transforms.stream_feeds import STREAM_STAT_KEYS
from transforms.stream_parquet import STREAM_FILE_PREFIX
from transforms.stream_state import commit_stream_run, read_stream_stats, recover_stream_runs

# Beam's Python runner for unbounded pipelines (streaming GroupByKey, state, timers, TestStream).
# `DirectRunner` resolves to it too for this pipeline, without trying to download Prism first.
DEFAULT_STREAM_RUNNER = "BundleBasedDirectRunner"
RUNS_DIR = "_runs"
# Shared settings that mean nothing to a stream.
_NOT_STREAM_SETTINGS = ("inputs", "date", "max_bytes", "mode", "lookback_hours", "window_start", "window_end")
_LOG = logging.getLogger("newsbeam.stream")

STREAM_HELP = (
    "Run continuously: poll the feeds every --poll-interval seconds (conditional GETs), push new entries "
    "through the batch stages and write each --window of publication time as Parquet files into the "
    "dataset's partitions. Stops on SIGINT/SIGTERM or after --max-runtime, writing the windows in flight. "
    "Unknown flags go to Beam."
)
# Options of `newsbeam run` that a stream does not take.
_BATCH_ONLY = ("--input", "--date", "--max-bytes", "--lookback-hours")


def print_help() -> None:
    parser = argparse.ArgumentParser(prog="newsbeam stream", description=STREAM_HELP)
    StreamOptions._add_argparse_args(parser)
    shared = argparse.ArgumentParser(add_help=False)
    NewsbeamOptions._add_argparse_args(shared)
    group = parser.add_argument_group("shared with newsbeam run")
    for action in shared._actions:
        if not any(flag in _BATCH_ONLY for flag in action.option_strings):
            group._add_action(action)
    parser.print_help()


def _configure_logging(level: str) -> None:
    """newsbeam's loggers at `level` (INFO: a line per file written); Beam's and urllib3's at WARNING unless DEBUG."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger().setLevel(level)
    for name in ("apache_beam", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)


class _StopOnSignals:
    """SIGINT/SIGTERM stop the wall clock once; a second signal gets the default behaviour back."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, clock: WallClock):
        self.clock = clock
        self.received: str | None = None
        self._previous = {s: signal.signal(s, self._handle) for s in self.SIGNALS}

    def _handle(self, signum, frame):
        self.received = signal.Signals(signum).name
        print(f"newsbeam: {self.received}: stopping; writing the windows in flight (again to abort)", file=sys.stderr)
        self.clock.stop()
        self.restore()

    def restore(self) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)


def _match(pattern: str) -> list[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # noqa: BLE001 - Beam raises when a local directory does not exist
        return []


def written_files(output: str, run_id: str) -> list[dict]:
    """The files this stream run wrote, with their rows, table and partition."""
    files = []
    for table, spec in TABLES.items():
        depth = ["*"] * len(spec.partition_by)
        for path in _match(posixpath.join(output, table, *depth, f"{STREAM_FILE_PREFIX}{run_id}-*.parquet")):
            with FileSystems.open(path) as handle:
                rows = pq.ParquetFile(handle).metadata.num_rows
            relative = path[len(output):].lstrip("/")
            files.append({"table": table, "partition": posixpath.dirname(relative.split("/", 1)[1]), "path": relative, "rows": rows})
    return files


def _summary(record: dict, output: str) -> str:
    c, f = record["counts"], record["feeds"]
    lines = [
        f"newsbeam stream {record['run_id']}: {f.get('polls', 0)} polls of {len(record['inputs'])} feeds, "
        f"{record['inputs_total']} inputs -> {c.get('documents', 0)} documents, {c.get('segments', 0)} segments, "
        f"{c.get('errors', 0)} errors in {len(record['files'])} files "
        f"(all inputs accounted for: {'yes' if record['accounted'] else 'NO'}); stopped by {record['stream']['stopped_by']}",
        f"output: {output}",
    ]
    for table in TABLES:
        for partition, rows in sorted(record["partitions"].get(table, {}).items()):
            lines.append(f"  {table}/{partition}: {rows} rows")
    lines.append(
        f"feeds: {f.get('feeds_fetched', 0)} fetched, {f.get('feeds_not_modified', 0)} not modified, "
        f"{f.get('feeds_failed', 0)} failed; entries: {f.get('entries_found', 0)} found, "
        f"{f.get('entries_skipped_seen', 0)} skipped as already ingested, {f.get('entries_duplicate', 0)} duplicates, "
        f"{f.get('entries_late', 0)} later than the allowed lateness"
    )
    lines.append(f"manifest: {posixpath.join(output, RUNS_DIR, record['run_id'] + '.json')}")
    return "\n".join(lines)


def run_stream(argv: list[str]) -> int:
    if "-h" in argv or "--help" in argv:
        print_help()
        return 0
    t0 = time.monotonic()
    try:
        options = PipelineOptions(argv)
        _configure_logging(getattr(options.view_as(NewsbeamOptions), "log_level", None) or "INFO")
        cfg = StreamConfig.from_options(options)
        standard = options.view_as(StandardOptions)
        standard.streaming = True
        if standard.runner is None:
            standard.runner = DEFAULT_STREAM_RUNNER
        options.view_as(SetupOptions).save_main_session = False
        check_output(cfg.shared.output)
    except UsageError as exc:
        print(f"newsbeam: error: {exc}", file=sys.stderr)
        return 2
    s = cfg.shared
    started = dt.datetime.now(dt.timezone.utc)
    run_id = new_run_id(started)
    recovered = recover_stream_runs(s.state_dir, keep=run_id)
    for run in recovered:
        print(f"newsbeam: committed the seen entries of stream run {run}, which was killed", file=sys.stderr)
    clock = stopper = None
    if is_direct_runner(standard.runner):
        deadline = time.time() + cfg.max_runtime if cfg.max_runtime else None
        clock = WallClock(cfg.poll_interval, deadline).start()
        stopper = _StopOnSignals(clock)
    else:
        print(
            f"newsbeam: streaming on {standard.runner}: stop it with the runner's drain "
            "(Dataflow: `gcloud dataflow jobs drain`, Flink: `flink stop --drain`) or --max-runtime",
            file=sys.stderr,
        )
    print(f"newsbeam stream {run_id}: polling {len(s.feeds)} feeds every {cfg.poll_interval:g}s into {s.output}", file=sys.stderr)
    try:
        pipeline = beam.Pipeline(options=options)
        ticks = PollTicks(cfg.poll_interval, cfg.max_runtime, clock.endpoint if clock else None)
        build_stream_pipeline(pipeline, cfg, run_id, ticks)
        pipeline.run().wait_until_finish()
    except Exception as exc:  # noqa: BLE001 - files written so far stay; their ids are committed on the next start
        _LOG.exception("stream %s failed", run_id)
        print(f"newsbeam: error: stream {run_id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        if stopper is not None:
            stopper.restore()
        if clock is not None:
            clock.close()
    pipeline_seconds = time.monotonic() - t0
    # The files of every window are in place: their entries now count as seen for the next run.
    committed = commit_stream_run(s.state_dir, run_id)
    stopped_by = stopper.received if stopper and stopper.received else ("max-runtime" if cfg.max_runtime else "end of stream")
    record = stream_manifest(cfg, run_id, started, options)
    record["timings"] = {"pipeline": round(pipeline_seconds, 3), "total": round(time.monotonic() - t0, 3)}
    record["stream"].update(
        runner=str(standard.runner),
        stopped_by=stopped_by,
        ticks=clock.ticks if clock else None,
        seen_committed=committed.newly_seen,
        recovered_runs=recovered,
    )
    write_atomic(
        posixpath.join(s.output, RUNS_DIR, f"{run_id}.json"),
        (json.dumps(record, indent=2, sort_keys=True, default=str) + "\n").encode(),
    )
    print(_summary(record, s.output))
    if not record["accounted"]:
        print(
            f"newsbeam: error: {record['inputs_total']} inputs but {record['counts']['documents']} documents + "
            f"{record['counts']['errors']} errors: some input was not accounted for",
            file=sys.stderr,
        )
        return 1
    return 0


def stream_manifest(cfg: StreamConfig, run_id: str, started: dt.datetime, options: PipelineOptions) -> dict:
    """The run manifest of a finished stream: the batch manifest's fields, mode "stream" and a "stream" part."""
    s = cfg.shared
    files = written_files(s.output, run_id)
    counts = dict.fromkeys(TABLES, 0)
    partitions: dict[str, dict[str, int]] = {}
    for f in files:
        counts[f["table"]] += f["rows"]
        partitions.setdefault(f["table"], {}).setdefault(f["partition"], 0)
        partitions[f["table"]][f["partition"]] += f["rows"]
    stats = {**dict.fromkeys(STREAM_STAT_KEYS, 0), **read_stream_stats(s.state_dir, run_id)}
    settings = {k: v for k, v in dataclasses.asdict(s).items() if k not in _NOT_STREAM_SETTINGS}
    manifest = Manifest(
        run_id=run_id,
        started_at=started.isoformat(),
        finished_at=dt.datetime.now(dt.timezone.utc).isoformat(),
        inputs=list(s.feeds),
        settings={**settings, **cfg.settings()},
        options={k: v for k, v in options.get_all_options(drop_default=True).items()},
        versions=versions(),
    )
    # Built on the batch manifest, so readers of _runs/ need nothing new.
    record = dataclasses.asdict(manifest)
    record.update(
        mode="stream",
        counts=counts,
        partitions=partitions,
        files=files,
        feeds=stats,
        inputs_total=stats["inputs"],
        accounted=stats["inputs"] == counts["documents"] + counts["errors"],
        stream=cfg.settings(),
    )
    return record
