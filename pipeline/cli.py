"""The newsbeam command line: `newsbeam run --input GLOB | --feed URL --output DIR [BEAM OPTIONS...]`."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import posixpath
import secrets
import sys
import time
import uuid

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions, SetupOptions, StandardOptions, WorkerOptions

from pipeline.batch import build_pipeline
from pipeline.options import NewsbeamOptions, RunConfig, UsageError
from pipeline.publish import (
    Manifest,
    UnaccountedRun,
    discard_staging,
    lock_output,
    publish,
    published_doc_ids,
    read_journal,
    recover,
    staging_dir_for,
    versions,
)
from pipeline.run_log import configure_logging, log_stage_counts
from transforms.filesystem import ensure_dir

# Beam's DirectRunner first tries to download the Prism runner; the Python
# FnApiRunner is what it falls back to, so newsbeam asks for it directly
# unless the user names a runner.
DEFAULT_RUNNER = "FnApiRunner"
_LOG = logging.getLogger("newsbeam")


def new_run_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def check_output(output: str) -> None:
    """Fail early, in one line, on an output location the run could not publish to."""
    probe_dir = posixpath.join(output, "_staging")
    probe = posixpath.join(probe_dir, f".probe-{uuid.uuid4().hex}")
    try:
        if _is_local_file(output):
            raise UsageError(f"--output {output!r} is a file, not a directory")
        ensure_dir(probe_dir)
        with FileSystems.create(probe) as handle:
            handle.write(b"")
        FileSystems.delete([probe])
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here means unusable
        raise UsageError(f"--output {output!r} is not writable: {exc}") from None


def _is_local_file(path: str) -> bool:
    # Object stores have no files-versus-directories clash to check.
    return "://" not in path and os.path.isfile(path)


def _summary(manifest: Manifest, output: str) -> str:
    lines = [
        f"newsbeam run {manifest.run_id}: {manifest.inputs_total} inputs -> "
        f"{manifest.counts.get('documents', 0)} documents, {manifest.counts.get('segments', 0)} segments, "
        f"{manifest.counts.get('errors', 0)} errors (all inputs accounted for: {'yes' if manifest.accounted else 'NO'})",
        f"output: {output}",
    ]
    for table in ("documents", "segments", "errors"):
        for partition, rows in sorted(manifest.partitions.get(table, {}).items()):
            lines.append(f"  {table}/{partition}: {rows} rows")
    if manifest.feeds:
        f = manifest.feeds
        lines.append(
            f"feeds: {f.get('feeds', 0)} ({f.get('feeds_not_modified', 0)} not modified, {f.get('feeds_failed', 0)} failed, "
            f"{f.get('bozo_feeds', 0)} read with warnings); entries: {f.get('entries_found', 0)} found, "
            f"{f.get('entries_skipped_seen', 0)} skipped as already seen, {f.get('entries_duplicate', 0)} duplicates"
        )
    lines.append(f"manifest: {posixpath.join(output, '_runs', manifest.run_id + '.json')}")
    return "\n".join(lines)


def _one_line(manifest: Manifest, output: str) -> str:
    """The whole run on one line, for cron mail and Airflow logs."""
    c = manifest.counts
    return (
        f"newsbeam {manifest.mode} {manifest.settings.get('date')} {'ok' if manifest.accounted else 'UNACCOUNTED'}: "
        f"run {manifest.run_id}, {manifest.inputs_total} inputs -> {c.get('documents', 0)} documents, "
        f"{c.get('segments', 0)} segments, {c.get('errors', 0)} errors in {len(manifest.files)} files; "
        f"replaced {len(manifest.replaced)} partitions ({manifest.retired_files} old files); "
        f"{manifest.timings.get('total', 0):.1f}s; manifest {posixpath.join(output, '_runs', manifest.run_id + '.json')}"
    )


RUN_HELP = "Batch run over transcript files and feeds; adds its rows to the dataset."
NIGHTLY_HELP = (
    "Ingest one UTC day: feed entries published that day (plus --lookback-hours of late entries the dataset "
    "lacks) and files matched by date-templated globs ('transcripts/{date}/*.vtt'). The day's partitions are "
    "replaced as a whole, so rerunning a night, or running it after a crash, leaves the rows of one run."
)


def run_pipeline(argv: list[str], mode: str = "run") -> int:
    """`newsbeam run` (appends to the dataset) and `newsbeam nightly` (replaces its date's partitions)."""
    t0 = time.monotonic()
    options = PipelineOptions(argv)
    log_level = options.view_as(NewsbeamOptions).log_level
    configure_logging(log_level)
    # Worker processes (multi-processing, portable runners) log at the same level.
    worker = options.view_as(WorkerOptions)
    worker.default_sdk_harness_log_level = worker.default_sdk_harness_log_level or log_level
    if log_level != "DEBUG" and worker.sdk_harness_log_level_overrides is None:
        worker.sdk_harness_log_level_overrides = {"apache_beam": "WARNING"}
    cfg = RunConfig.from_options(options, mode)
    if options.view_as(StandardOptions).runner is None:
        options.view_as(StandardOptions).runner = DEFAULT_RUNNER
    # Workers import the transforms from the installed package.
    options.view_as(SetupOptions).save_main_session = False
    check_output(cfg.output)
    try:
        _lock = lock_output(cfg.output)  # noqa: F841 - held while this run lives
    except RuntimeError as exc:
        raise UsageError(str(exc)) from None
    started = dt.datetime.now(dt.timezone.utc)
    recovery = recover(cfg.output)
    for run in recovery.rolled_forward:
        print(f"newsbeam: completed the commit of run {run}, which was killed while publishing", file=sys.stderr)
    run_id = new_run_id(started)
    staging = staging_dir_for(cfg.output, run_id)
    known_ids = published_doc_ids(cfg.output, cfg.lookback_dates()) if mode == "nightly" else None
    pipeline = beam.Pipeline(options=options)
    build_pipeline(pipeline, cfg, run_id, started, staging, known_ids)
    pipeline_started = time.monotonic()
    try:
        result = pipeline.run()
        result.wait_until_finish()
    except Exception as exc:  # noqa: BLE001 - any pipeline failure: nothing was published
        _LOG.exception("run %s failed", run_id)
        discard_staging(cfg.output, run_id)
        print(f"newsbeam: error: run {run_id} failed, nothing was published: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    pipeline_done = time.monotonic()
    metrics = log_stage_counts(result) or {}
    feed_stats = {}
    if cfg.feeds:
        from transforms.feed_state import read_run_stats

        feed_stats = read_run_stats(cfg.state_dir, run_id) or {}
    manifest = Manifest(
        run_id=run_id,
        started_at=started.isoformat(),
        finished_at="",
        inputs=list(cfg.inputs) + list(cfg.feeds),
        settings=dataclasses.asdict(cfg),
        feeds=feed_stats,
        options={k: v for k, v in options.get_all_options(drop_default=True).items()},
        versions=versions(),
        mode=mode,
        metrics=metrics,
        # Seconds to the commit point: setup (recovery, reading the lookback days' ids), pipeline.
        timings={
            "setup": round(pipeline_started - t0, 3),
            "pipeline": round(pipeline_done - pipeline_started, 3),
            "total": round(time.monotonic() - t0, 3),
        },
    )
    try:
        manifest = publish(
            cfg.output,
            run_id,
            manifest,
            replace_dates=(cfg.date,) if mode == "nightly" else (),
            # Entries count as seen only once their rows are published.
            feed_state_dir=cfg.state_dir if cfg.feeds else None,
        )
    except UnaccountedRun as exc:
        discard_staging(cfg.output, run_id)
        print(f"newsbeam: error: run {run_id} was not published: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - disk full, a lost connection to the store: say what state is left
        _LOG.exception("publishing run %s failed", run_id)
        if read_journal(cfg.output, run_id) is None:
            discard_staging(cfg.output, run_id)
            state = "nothing was published"
        else:
            state = "its commit is journalled and the next run completes it"
        print(f"newsbeam: error: run {run_id} could not be published, {state}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(_one_line(manifest, cfg.output) if mode == "nightly" else _summary(manifest, cfg.output))
    return 0


def train_topics(argv: list[str]) -> int:
    from transforms.topic_model import read_labelled_csv, train_linear_model
    from transforms.topics import TopicClassifier

    parser = argparse.ArgumentParser(
        prog="newsbeam train-topics",
        description="Train a linear topic model on a labelled CSV; use it with `newsbeam run --topic-model FILE`.",
    )
    parser.add_argument("--input", required=True, help="CSV with a text and a label column (any Beam filesystem).")
    parser.add_argument("--output", required=True, help="Where to write the model (JSON).")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--label-map", default=None, help="JSON object mapping the CSV's labels to taxonomy labels.")
    parser.add_argument("--min-count", type=int, default=2, help="Drop features seen fewer times in training.")
    parser.add_argument("--min-score", type=float, default=0.5, help="Probability a topic needs to be tagged.")
    args = parser.parse_args(argv)
    try:
        with FileSystems.open(args.input) as handle:
            data = handle.read().decode("utf-8")
        label_map = None
        if args.label_map:
            with FileSystems.open(args.label_map) as handle:
                label_map = json.loads(handle.read().decode("utf-8"))
        known = set(TopicClassifier.load().taxonomy.codes)
        examples, skipped = read_labelled_csv(data, args.text_column, args.label_column, label_map, known)
        model = train_linear_model(examples, args.min_count, args.min_score)
        with FileSystems.create(args.output) as handle:
            handle.write(model.to_json().encode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"newsbeam: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"newsbeam train-topics: {len(examples)} examples ({skipped} skipped for an empty text or label), "
        f"{len(model.labels)} labels, {len(model.vocabulary)} features -> {args.output}"
    )
    return 0


def print_schema(argv: list[str]) -> int:
    from schemas.tables import TABLES
    from schemas.warehouse import FORMATS, render_schema

    parser = argparse.ArgumentParser(prog="newsbeam schema", description="Print an output table's schema for a warehouse.")
    parser.add_argument("--table", required=True, choices=sorted(TABLES))
    parser.add_argument("--format", default="arrow", choices=FORMATS)
    args = parser.parse_args(argv)
    print(render_schema(TABLES[args.table], args.format))
    return 0


def inspect_dataset(argv: list[str]) -> int:
    from pipeline.dataset_report import DEFAULT_RUNS, DatasetError, render_html, render_text, summarize

    parser = argparse.ArgumentParser(prog="newsbeam inspect", description="Summarize a dataset written by `newsbeam run`.")
    parser.add_argument("dir", help="Dataset root (--output of the runs).")
    parser.add_argument("--html", metavar="FILE", help="Also write a one-page HTML report with charts.")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="How many of the last runs to list.")
    parser.add_argument("--partitions", type=int, default=20, help="Newest partitions listed per table (0: all).")
    args = parser.parse_args(argv)
    try:
        summary = summarize(args.dir, runs=args.runs)
        if args.html:
            with FileSystems.create(args.html) as handle:
                handle.write(render_html(summary).encode("utf-8"))
    except (DatasetError, OSError) as exc:
        print(f"newsbeam: error: {exc}", file=sys.stderr)
        return 2
    print(render_text(summary, max_partitions=args.partitions))
    if args.html:
        print(f"html report: {args.html}")
    return 0


def stream(argv: list[str]) -> int:
    from pipeline.stream_run import run_stream

    return run_stream(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="newsbeam", description="Ingest broadcast and news transcripts into partitioned Parquet.")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="Batch run over files and feeds; appends to the dataset.", add_help=False)
    run_parser.add_argument("-h", "--help", action="store_true")
    nightly_parser = sub.add_parser(
        "nightly", help="Ingest one day (--date) and replace that day's partitions: safe to rerun.", add_help=False
    )
    nightly_parser.add_argument("-h", "--help", action="store_true")
    sub.add_parser("train-topics", help="Train a topic model on a labelled CSV.", add_help=False)
    sub.add_parser("schema", help="Print a table's schema (arrow, bigquery, duckdb).", add_help=False)
    sub.add_parser("inspect", help="Summarize a dataset: partitions, rows, languages, topics, errors, runs.", add_help=False)
    sub.add_parser("stream", help="Run continuously: poll feeds, write windows of Parquet (SIGINT/SIGTERM stops).", add_help=False)
    commands = {"train-topics": train_topics, "schema": print_schema, "inspect": inspect_dataset, "stream": stream}
    if argv[:1] and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    args, rest = parser.parse_known_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command in ("run", "nightly"):
        if args.help:
            help_parser = argparse.ArgumentParser(
                prog=f"newsbeam {args.command}", description=f"{NIGHTLY_HELP if args.command == 'nightly' else RUN_HELP} Unknown flags go to Beam."
            )
            NewsbeamOptions._add_argparse_args(help_parser)
            help_parser.print_help()
            return 0
        try:
            return run_pipeline(rest, args.command)
        except UsageError as exc:
            print(f"newsbeam: error: {exc}", file=sys.stderr)
            return 2
    return 2


if __name__ == "__main__":
    sys.exit(main())
