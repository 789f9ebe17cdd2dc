#!/usr/bin/env python3
"""End-to-end speed and memory of `newsbeam run` on generated corpora, against a plain Python loop.

For each size (default 10 MB and 100 MB; --full adds 1 GB) a seeded corpus is
generated once (bench/corpus.py, cached under --work-dir) and put through:

- the real CLI, `newsbeam run --input CORPUS/transcripts/* --output TMP` (as
  `python -m pipeline run`, with this tree first on PYTHONPATH, so a copy of
  the tree benchmarks its own code), on the default runner (Beam's Python
  FnApiRunner, one worker), pinned to one core;
- the plain loop (`plain-loop` below): the functions the stage DoFns call
  (transforms/stages.py: parse_document, clean_transcript with the language
  hint, segment_transcript, LanguageTagger.detect/detect_many, the topic
  model, document_topics; schemas/tables.py's row builders; pyarrow's zstd
  ParquetWriter into the same Hive partitions) in one Python loop over the
  same files, also pinned to one core. Like the pipeline's writer it writes
  a row group per (table, partition) as rows arrive, at 50,000 rows (the
  CLI's default) or 4 M characters of text; unlike it, it does not sort a
  row group first. The same rows and bytes to encode;
- the CLI with `--direct_num_workers=2 --direct_running_mode=multi_processing`
  on both cores.

What each figure includes:
- wall_s: the whole process, from exec to exit: interpreter start-up, imports,
  (CLI) option parsing, pipeline construction, run, publish and manifest.
- pipeline_s (CLI): the run's own `timings.pipeline` from its manifest,
  pipeline.run() to wait_until_finish(): the runner's planning, DoFn set-up
  (the language tagger), every stage, the GroupByKey and the Parquet writing.
  It excludes interpreter start-up, imports and pipeline construction (where
  the lexicons and topic model are loaded) and publishing.
- loop_s (plain loop): reading the files to the last Parquet file closed. It
  excludes interpreter start-up, imports and loading the lexicons, the
  tagger and the topic model (setup_s).
- beam overhead, headline: CPU seconds beyond each side's fixed cost, i.e.
  (cpu_s - cpu_s on a one-transcript corpus) of the CLI over the same of the
  plain loop: neither side's start-up, imports, construction or model
  loading, and, being CPU time, not the neighbours' load on a shared
  machine. Also shown: cpu_s / cpu_s and wall_s / wall_s (start-up included
  on both sides) and pipeline_s / loop_s (excluded on both, but wall time).
- 2-worker speed-up: 1-worker wall_s over 2-worker wall_s, with cores_used
  (cpu_s / wall_s: how much of the machine the run got) and the CPU ceiling
  (2 x 1-worker cpu_s / 2-worker cpu_s: the most two idle cores could give).
- MB/s are raw transcript bytes (decompressed, as the pipeline reads them:
  the sum of its bytes_read counter) per second; 1 MB = 10**6 bytes.
- cpu_s: user + system CPU of the whole process tree (os.wait4), which the
  load of a shared machine does not inflate as it does wall time.
- peak_rss: the largest sum of VmRSS over the process tree, sampled every
  0.1 s from /proc (the CLI and any SDK worker subprocesses);
  peak_process_rss: the largest single process (ru_maxrss from wait4).

The 1-worker, plain-loop and 2-worker runs are made at every size below 1 GB;
at 1 GB only the 1-worker run (for peak memory), and only with --full or
--sizes. The 1 GB run needs about ten times the 100 MB run's wall time.
Prints tables, then returns the figures (key "pipeline") for bench/results.json.

`python bench/bench_pipeline.py plain-loop --corpus DIR --output DIR [--profile FILE]`
runs the plain loop alone (what the benchmark times); --profile adds cProfile
and prints the hot functions by stage.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _path in (str(REPO), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import corpus  # noqa: E402

DEFAULT_SIZES = ("10MB", "100MB")
FULL_SIZE = "1GB"
ONE_WORKER_ONLY_FROM = 10**9  # at 1 GB and above only the 1-worker run (memory), to bound the time
SEED = 7
FIXED_COST_SIZE = "5KB"  # one transcript
RUN_DATE = "2026-01-01"  # fixed partition date: every run writes the same partitions
TARGETS = {
    "mb_per_s_per_core": 2.0,  # raw transcript, end to end, one worker
    "beam_overhead_max": 1.3,  # pipeline_s / loop_s
    "memory_ratio_1gb_vs_100mb_max": 1.5,
    "speedup_two_workers_min": 1.7,
}
POLL_S = 0.1
ROW_GROUP_CHARS = 4_000_000  # plain loop: a row group also closes at this much text (documents rows carry whole texts)
DEFINITIONS = {
    "wall_s": "whole process, exec to exit: start-up, imports, construction, run, publish",
    "pipeline_s": "CLI manifest timings.pipeline: pipeline.run() to wait_until_finish(); no start-up, imports, construction, publish",
    "loop_s": "plain loop: first file read to last Parquet file closed; no start-up, imports, lexicon/tagger/model loading",
    "cpu_s": "user + system CPU seconds of the process tree",
    "mb_per_s": "raw (decompressed) transcript MB (10**6 bytes) per wall second; pipeline_mb_per_s per pipeline_s or loop_s",
    "peak_rss_mb": "largest sum of VmRSS over the process tree, sampled every 0.1 s",
    "peak_process_rss_mb": "largest single process (ru_maxrss)",
    "beam_overhead": "1 worker vs plain loop, both on one core: marginal_cpu (headline) = (cpu_s - cpu_s on one transcript) of each"
    " side, so start-up, imports, construction and model loading drop out and the neighbours' load does not count;"
    " also cpu_s / cpu_s, pipeline_s / loop_s and wall_s / wall_s",
    "cores_used": "cpu_s / wall_s: how much of the machine a run got",
    "cpu_ceiling": "2 * cpu_s (1 worker) / cpu_s (2 workers): the 2-worker speed-up two idle cores would allow at most",
    "speedup_two_workers": "1-worker (1 core) wall_s / 2-worker multi_processing (2 cores) wall_s",
}
STAGES = ("read", "parse", "clean", "segment", "language", "topics", "rows", "write")


# --------------------------------------------------------------------------- measuring a process tree


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                out += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo += _children(p)
    return pids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process so far (/proc/PID/stat fields 14 and 15)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


def _is_sdk_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read().split(b"\0")
    except OSError:
        return False
    # Beam starts each worker through `sh -c`: count the Python process, not the shell.
    return not argv[0].endswith(b"sh") and any(b"sdk_worker_main" in a for a in argv)


def run_measured(cmd: list[str], cpus: set[int] | None, log: Path) -> dict:
    """Run cmd to exit; wall time, CPU time (in all, of the launched process, of each SDK worker),
    peak RSS of its process tree, machine load before and after."""
    load_before = os.getloadavg()
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            # The code of this tree, not whatever the virtualenv has installed (SDK workers inherit both).
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))},
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        peak_tree_kb, max_processes = 0, 0
        cpu_by_pid: dict[int, float] = {}
        workers: set[int] = set()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree = _tree(proc.pid)
            max_processes = max(max_processes, len(tree))
            peak_tree_kb = max(peak_tree_kb, sum(_rss_kb(p) for p in tree))
            for p in tree:
                if p not in cpu_by_pid and p != proc.pid and _is_sdk_worker(p):
                    workers.add(p)
                cpu = _cpu_s(p)
                if cpu is not None:
                    cpu_by_pid[p] = cpu
            time.sleep(POLL_S)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "exit_code": proc.returncode,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "cores_used": round(cpu / wall, 2),  # on a shared machine, what the neighbours left this run
        # Sampled every POLL_S: the launched process (with 2 workers, the runner) and each SDK worker.
        "main_process_cpu_s": round(cpu_by_pid.get(proc.pid, 0.0), 1),
        "worker_cpu_s": sorted(round(cpu_by_pid[p], 1) for p in workers),
        "peak_rss_mb": round(max(peak_tree_kb, usage.ru_maxrss) / 1024, 1),
        "peak_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "processes": max_processes,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


# --------------------------------------------------------------------------- the two sides


def run_cli(corpus_dir: Path, work: Path, workers: int, cpus: set[int] | None) -> dict:
    output = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    # `python -m pipeline` is the newsbeam command (README), here from this tree.
    cmd = [sys.executable, "-m", "pipeline", "run", "--input", corpus.input_glob(corpus_dir), "--output", str(output), "--date", RUN_DATE]
    if workers > 1:
        cmd += [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]
    log = work / f"cli-{workers}w.log"
    try:
        figures = run_measured(cmd, cpus, log)
        manifests = list((output / "_runs").glob("*.json"))
        if not manifests:  # the run failed before publishing: no figures to take
            raise RuntimeError(f"newsbeam run exited with {figures['exit_code']}:\n{log.read_text(errors='replace')[-3000:]}")
        manifest = json.loads(manifests[0].read_text())
    finally:
        shutil.rmtree(output, ignore_errors=True)
    if figures["exit_code"] != 0:
        figures["failure"] = log.read_text(errors="replace").strip().splitlines()[-1]
    figures["pipeline_s"] = manifest["timings"]["pipeline"]
    figures["setup_s"] = manifest["timings"]["setup"]
    figures.update({k: manifest["counts"].get(k, 0) for k in ("documents", "segments", "errors")})
    return figures


def run_plain(corpus_dir: Path, work: Path, cpus: set[int] | None) -> dict:
    output = Path(tempfile.mkdtemp(prefix="plain-", dir=work))
    report = work / "plain-loop.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "plain-loop", "--corpus", str(corpus_dir),
           "--output", str(output), "--json", str(report)]
    try:
        figures = run_measured(cmd, cpus, work / "plain-loop.log")
    finally:
        shutil.rmtree(output, ignore_errors=True)
    if figures["exit_code"] != 0:
        raise RuntimeError(f"the plain loop failed:\n{(work / 'plain-loop.log').read_text(errors='replace')[-3000:]}")
    figures.update(json.loads(report.read_text()))
    return figures


def plain_loop(corpus_dir: Path, output: Path, profile: Path | None = None) -> dict:
    """The stage functions of the pipeline in one loop, Parquet written per partition as rows arrive."""
    import dataclasses
    import datetime as dt
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas.records import CleanedDocument, RawDocument, Segment, SourceMeta, TaggedDocument
    from schemas.tables import TABLES, document_row, error_row, segment_rows
    from transforms.clean import Lexicons, clean_transcript
    from transforms.errors import InputError
    from transforms.formats import format_from_name
    from transforms.language import LanguageTagger
    from transforms.parse import parse_document
    from transforms.segment import segment_transcript
    from transforms.topic_model import load_topic_model
    from transforms.topics import document_topics

    clock = time.perf_counter
    t0 = clock()
    lexicons = Lexicons.load()
    tagger = LanguageTagger()
    model = load_topic_model(None)
    setup_s = clock() - t0

    run_id = "plain-loop"
    ingested_at = dt.datetime.now(dt.timezone.utc)
    row_group_rows = 50_000  # the CLI's --row-group-rows default
    schemas = {
        name: t.arrow_schema.with_metadata({**t.arrow_schema.metadata, b"newsbeam.run_id": run_id.encode()})
        for name, t in TABLES.items()
    }
    buffers: dict[tuple[str, str], list[dict]] = {}
    buffered_chars: dict[tuple[str, str], int] = {}
    writers: dict[tuple[str, str], pq.ParquetWriter] = {}
    spent = dict.fromkeys(STAGES, 0.0)
    counts = {"documents": 0, "segments": 0, "errors": 0, "raw_bytes": 0}

    def flush(key: tuple[str, str]) -> None:
        table, partition = key
        if key not in writers:
            directory = output / table / partition
            directory.mkdir(parents=True, exist_ok=True)
            writers[key] = pq.ParquetWriter(directory / f"part-{run_id}-00000.parquet", schemas[table], compression="zstd")
        writers[key].write_table(pa.Table.from_pylist(buffers.pop(key), schema=schemas[table]), row_group_size=row_group_rows)
        buffered_chars.pop(key, None)

    def add(key: tuple[str, str], rows: list[dict]) -> None:
        buffer = buffers.setdefault(key, [])
        buffer += rows
        # A row group closes at row_group_rows rows or ROW_GROUP_CHARS characters of text, so memory stays flat.
        buffered_chars[key] = buffered_chars.get(key, 0) + sum(r.get("raw_chars") or len(r.get("text") or "") for r in rows)
        if len(buffer) >= row_group_rows or buffered_chars[key] >= ROW_GROUP_CHARS:
            t = clock()
            flush(key)
            spent["write"] += clock() - t

    def process(path: Path) -> None:
        t = clock()
        payload = path.read_bytes()
        if path.suffix == ".gz":
            payload = gzip.decompress(payload)
        counts["raw_bytes"] += len(payload)
        raw = RawDocument(SourceMeta(str(path), "file"), payload, format_from_name(path.name))
        t1 = clock()
        spent["read"] += t1 - t
        parsed = parse_document(raw)
        t2 = clock()
        spent["parse"] += t2 - t1
        # transforms/stages.py _CleanFn: a first look at the raw content picks the lexicons.
        sample = " ".join(parsed.raw_text[b.start:b.end] for b in parsed.blocks[:50])[:5000]
        result = clean_transcript(parsed, "full", tagger.detect(sample).language, lexicons)
        if not result.text.strip():
            raise InputError("NoContent", "nothing is left after cleaning")
        cleaned = CleanedDocument(
            meta=parsed.meta, doc_id=parsed.doc_id, format=parsed.format, encoding=parsed.encoding,
            title=parsed.title, raw_chars=len(parsed.raw_text), text=result.text, edits=result.edits,
            turns=result.turns, cleaning="full", timeline=result.timeline,
        )
        t3 = clock()
        spent["clean"] += t3 - t2
        spans = segment_transcript(cleaned.text, cleaned.turns, cleaned.timeline, 200, 2000)
        segments = tuple(
            Segment(cleaned.doc_id, i, cleaned.text[s.start:s.end], s.start, s.end, s.speaker, s.speaker_role,
                    s.start_seconds, s.end_seconds)
            for i, s in enumerate(spans)
        )
        doc = TaggedDocument(cleaned=cleaned, segments=segments)
        t4 = clock()
        spent["segment"] += t4 - t3
        guess = tagger.detect(cleaned.text)
        guesses = tagger.detect_many([s.text for s in segments], [guess.language] * len(segments))
        segments = tuple(
            dataclasses.replace(s, language=g.language, language_score=g.score) for s, g in zip(segments, guesses, strict=True)
        )
        doc = doc.replace(segments=segments, language=guess.language, language_score=guess.score)
        t5 = clock()
        spent["language"] += t5 - t4
        segments = tuple(dataclasses.replace(s, topics=model.classify(s.text, s.language)) for s in segments)
        doc = doc.replace(segments=segments, topics=document_topics([(s.topics, len(s.text)) for s in segments]))
        t6 = clock()
        spent["topics"] += t6 - t5
        partition = f"date={RUN_DATE}/language={doc.language}"
        documents, seg_rows = [document_row(doc, run_id, ingested_at)], segment_rows(doc, run_id)
        spent["rows"] += clock() - t6
        add(("documents", partition), documents)
        add(("segments", partition), seg_rows)
        counts["documents"] += 1
        counts["segments"] += len(seg_rows)

    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = clock()
    for path in sorted((corpus_dir / corpus.TRANSCRIPTS).iterdir()):
        try:
            process(path)
        except InputError as exc:
            counts["errors"] += 1
            from schemas.records import ErrorRecord

            add(("errors", f"date={RUN_DATE}"), [error_row(ErrorRecord(str(path), "plain", exc.error_type, exc.message), run_id)])
    t = clock()
    for key in list(buffers):
        flush(key)
    for writer in writers.values():
        writer.close()
    spent["write"] += clock() - t
    loop_s = clock() - t0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    return {
        "setup_s": round(setup_s, 3),
        "loop_s": round(loop_s, 3),
        "stage_s": {k: round(v, 3) for k, v in spent.items()},
        **counts,
    }


def print_profile(path: Path, top: int = 12) -> None:
    """The hot functions of a profiled plain loop: tottime overall, and cumulative time of each stage's entry point."""
    import pstats

    stats = pstats.Stats(str(path))
    entries = {
        "parse": "parse_document", "clean": "clean_transcript", "segment": "segment_transcript",
        "language": "detect_many", "topics": "classify", "rows": "segment_rows", "write": "write_table",
    }
    print("\ncProfile, cumulative seconds of each stage's entry point (profiler overhead included):")
    for stage, name in entries.items():
        cumulative = sum(v[3] for k, v in stats.stats.items() if k[2] == name)
        calls = sum(v[1] for k, v in stats.stats.items() if k[2] == name)
        print(f"  {stage:9} {name:20} {calls:>9,} calls {cumulative:9.2f} s")
    print(f"\ntop {top} functions by own time:")
    stats.sort_stats("tottime").print_stats(top)


# --------------------------------------------------------------------------- the benchmark


def _cpus() -> tuple[set[int] | None, set[int] | None]:
    """(one core for the 1-worker runs, two cores for the 2-worker run)."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = sorted(os.sched_getaffinity(0))
    return {available[-1]}, set(available[-2:])


def fixed_costs(work: Path, seed: int, shared: Path) -> dict:
    """CPU of each side on a one-transcript corpus: start-up, imports, construction, models; the overhead subtracts it."""
    corpus_dir = work / f"corpus-{FIXED_COST_SIZE}-seed{seed}"
    manifest = corpus.generate(corpus_dir, corpus.parse_size(FIXED_COST_SIZE), seed, shared)
    one_core, _ = _cpus()
    cli, plain = run_cli(corpus_dir, work, 1, one_core), run_plain(corpus_dir, work, one_core)
    print(f"fixed costs ({manifest['documents']} transcript, {manifest['raw_bytes'] / 1e3:.0f} KB): newsbeam run "
          f"{cli['cpu_s']:.1f} CPU s, plain loop {plain['cpu_s']:.1f} CPU s", flush=True)
    return {"documents": manifest["documents"], "raw_bytes": manifest["raw_bytes"],
            "newsbeam_run_cpu_s": cli["cpu_s"], "plain_loop_cpu_s": plain["cpu_s"]}


def bench_size(size: str, work: Path, seed: int, shared: Path, full_measure: bool, fixed: dict) -> dict:
    total = corpus.parse_size(size)
    corpus_dir = work / f"corpus-{size}-seed{seed}"
    t0 = time.perf_counter()
    manifest = corpus.generate(corpus_dir, total, seed, shared)
    generate_s = time.perf_counter() - t0
    raw_mb = manifest["raw_bytes"] / 1e6
    n = manifest["documents"]
    print(f"\n== {size}: {n} transcripts, {raw_mb:.1f} MB raw ({manifest['disk_bytes'] / 1e6:.1f} MB on disk), "
          f"corpus ready in {generate_s:.1f} s; load {_load()}", flush=True)
    one_core, two_cores = _cpus()

    def rates(fig: dict, seconds_key: str = "pipeline_s") -> dict:
        fig["mb_per_s"] = round(raw_mb / fig["wall_s"], 3)
        fig["pipeline_mb_per_s"] = round(raw_mb / fig[seconds_key], 3)
        fig["mb_per_cpu_s"] = round(raw_mb / fig["cpu_s"], 3)
        fig["docs_per_s"] = round(n / fig["wall_s"], 2)
        return fig

    result: dict[str, object] = {
        "corpus": {k: manifest[k] for k in ("documents", "raw_bytes", "disk_bytes", "seed", "by_kind", "by_language")}
    }
    print("  newsbeam run, 1 worker, 1 core ...", flush=True)
    one = result["one_worker"] = rates(run_cli(corpus_dir, work, 1, one_core))
    _check(one, n)
    if full_measure:
        print("  plain loop, 1 core ...", flush=True)
        plain = result["plain_loop"] = rates(run_plain(corpus_dir, work, one_core), "loop_s")
        result["beam_overhead"] = {
            "pipeline_s_over_loop_s": round(one["pipeline_s"] / plain["loop_s"], 3),
            "wall_over_wall": round(one["wall_s"] / plain["wall_s"], 3),
            "cpu_over_cpu": round(one["cpu_s"] / plain["cpu_s"], 3),
            "marginal_cpu": round(
                (one["cpu_s"] - fixed["newsbeam_run_cpu_s"]) / (plain["cpu_s"] - fixed["plain_loop_cpu_s"]), 3
            ),
        }
        print("  newsbeam run, 2 workers (multi_processing), 2 cores ...", flush=True)
        two = result["two_workers"] = rates(run_cli(corpus_dir, work, 2, two_cores))
        _check(two, n)
        result["speedup_two_workers"] = {
            "wall": round(one["wall_s"] / two["wall_s"], 3),
            "pipeline_s": round(one["pipeline_s"] / two["pipeline_s"], 3),
            # What two idle cores could give at most: twice the work per CPU second of one worker.
            "cpu_ceiling": round(2 * one["cpu_s"] / two["cpu_s"], 3),
        }
    print_size(size, result)
    return result


def _check(figures: dict, documents: int) -> None:
    if figures["documents"] != documents or figures["errors"] or figures["exit_code"]:
        print(f"  WARNING: {documents} inputs gave {figures['documents']} documents and {figures['errors']} errors rows;"
              f" exit status {figures['exit_code']}: {figures.get('failure', '')}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def print_size(size: str, r: dict) -> None:
    print(f"  {'':28} {'wall s':>8} {'pipe s':>8} {'cpu s':>8} {'cores':>5} {'MB/s':>7} {'pipe MB/s':>9} {'MB/cpu-s':>8} "
          f"{'docs/s':>7} {'peak RSS':>9} {'procs':>5}  load before/after (1 min)")
    for key, label in (("one_worker", "newsbeam run, 1 worker"), ("plain_loop", "plain loop"), ("two_workers", "newsbeam run, 2 workers")):
        f = r.get(key)
        if not f:
            continue
        seconds = f.get("pipeline_s", f.get("loop_s"))
        print(f"  {label:28} {f['wall_s']:8.1f} {seconds:8.1f} {f['cpu_s']:8.1f} {f['cores_used']:5.2f} {f['mb_per_s']:7.2f} "
              f"{f['pipeline_mb_per_s']:9.2f} {f['mb_per_cpu_s']:8.2f} {f['docs_per_s']:7.1f} "
              f"{f['peak_rss_mb']:7.0f} MB {f['processes']:5}  {f['load_before'][0]:.2f}/{f['load_after'][0]:.2f}")
    if "beam_overhead" in r:
        o = r["beam_overhead"]
        x = r["speedup_two_workers"]
        print(f"  beam overhead: CPU beyond fixed costs {o['marginal_cpu']:.2f}x, CPU / CPU {o['cpu_over_cpu']:.2f}x,"
              f" pipeline_s / loop_s {o['pipeline_s_over_loop_s']:.2f}x, wall / wall {o['wall_over_wall']:.2f}x")
        print(f"  2 workers: {x['wall']:.2f}x one worker (wall), {x['pipeline_s']:.2f}x (pipeline_s); the run got "
              f"{r['two_workers']['cores_used']:.2f} cores; CPU ceiling on two idle cores {x['cpu_ceiling']:.2f}x; "
              f"CPU s of the runner process {r['two_workers']['main_process_cpu_s']}, of each worker {r['two_workers']['worker_cpu_s']}")
    if "plain_loop" in r:
        stages = r["plain_loop"]["stage_s"]
        total = sum(stages.values()) or 1
        print("  plain loop by stage: " + ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in stages.items()))


def summarize(sizes: dict[str, dict]) -> dict:
    """The figures the targets speak of, from the largest size that has each."""
    summary: dict[str, object] = {}
    measured = sorted(sizes, key=corpus.parse_size)
    largest = measured[-1]
    summary["mb_per_s_per_core"] = {"size": largest, "value": sizes[largest]["one_worker"]["mb_per_s"],
                                    "pipeline_only": sizes[largest]["one_worker"]["pipeline_mb_per_s"],
                                    "per_cpu_second": sizes[largest]["one_worker"]["mb_per_cpu_s"]}
    compared = [s for s in measured if "beam_overhead" in sizes[s]]
    if compared:
        s = compared[-1]
        o = sizes[s]["beam_overhead"]
        summary["beam_overhead"] = {"size": s, "value": o["marginal_cpu"], "measure": "marginal_cpu", **o}
        x = sizes[s]["speedup_two_workers"]
        summary["speedup_two_workers"] = {"size": s, "value": x["wall"], "cpu_ceiling": x["cpu_ceiling"],
                                          "cores_used": sizes[s]["two_workers"]["cores_used"]}
    summary["peak_rss_mb"] = {s: sizes[s]["one_worker"]["peak_rss_mb"] for s in measured}
    if len(measured) >= 2:
        a, b = measured[-2], measured[-1]
        summary["memory_ratio"] = {"sizes": [a, b], "value": round(
            sizes[b]["one_worker"]["peak_rss_mb"] / sizes[a]["one_worker"]["peak_rss_mb"], 3)}
    big = corpus.parse_size(largest)
    if big < corpus.parse_size(FULL_SIZE):
        factor = corpus.parse_size(FULL_SIZE) / big
        # The 1 GB case is one 1-worker run (and generating its corpus, about a minute).
        summary["full_run_estimate_min"] = round(sizes[largest]["one_worker"]["wall_s"] * factor / 60 + 1, 1)
    return summary


def verdicts(summary: dict) -> list[str]:
    lines = []
    t = TARGETS
    v = summary["mb_per_s_per_core"]
    lines.append(f"end to end, 1 worker on 1 core: {v['value']:.2f} MB/s at {v['size']} (pipeline only {v['pipeline_only']:.2f},"
                 f" {v['per_cpu_second']:.2f} MB per CPU second); target >= {t['mb_per_s_per_core']}: "
                 f"{'met' if v['value'] >= t['mb_per_s_per_core'] else 'NOT met'}")
    if "beam_overhead" in summary:
        v = summary["beam_overhead"]
        lines.append(f"beam overhead at {v['size']}: {v['value']:.2f}x the plain loop (CPU seconds beyond each side's fixed cost;"
                     f" CPU / CPU {v['cpu_over_cpu']:.2f}x, pipeline_s / loop_s {v['pipeline_s_over_loop_s']:.2f}x,"
                     f" wall / wall {v['wall_over_wall']:.2f}x); target <= {t['beam_overhead_max']}: {'met' if v['value'] <= t['beam_overhead_max'] else 'NOT met'}")
        v = summary["speedup_two_workers"]
        lines.append(f"2 workers at {v['size']}: {v['value']:.2f}x one worker (wall; the run got {v['cores_used']:.2f} of 2 cores,"
                     f" CPU ceiling {v['cpu_ceiling']:.2f}x); target >= {t['speedup_two_workers_min']}: "
                     f"{'met' if v['value'] >= t['speedup_two_workers_min'] else 'NOT met'}")
    rss = ", ".join(f"{s} {mb:.0f} MB" for s, mb in summary["peak_rss_mb"].items())
    line = f"peak RSS (process tree, 1 worker): {rss}"
    if "memory_ratio" in summary:
        a, b = summary["memory_ratio"]["sizes"]
        line += f"; {b} / {a}: {summary['memory_ratio']['value']:.2f}x"
        if (a, b) == ("100MB", "1GB"):
            ok = summary["memory_ratio"]["value"] <= t["memory_ratio_1gb_vs_100mb_max"]
            line += f" (target <= {t['memory_ratio_1gb_vs_100mb_max']}: {'met' if ok else 'NOT met'})"
        else:
            line += f" (flat memory would be about 1x; the target is 1 GB within {t['memory_ratio_1gb_vs_100mb_max']}x of 100 MB)"
    lines.append(line)
    if "full_run_estimate_min" in summary:
        lines.append(f"the 1 GB case (1 worker only) would take about {summary['full_run_estimate_min']:.0f} min at this load: "
                     f"`make bench BENCH_ARGS=--full` or `python bench/bench_pipeline.py --sizes 100MB,1GB`")
    return lines


def main(argv: list[str] | None = None) -> dict[str, object]:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["plain-loop"]:
        return _plain_loop_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help="comma-separated corpus sizes (default 10MB,100MB)")
    parser.add_argument("--full", action="store_true", help="add the 1 GB case (1-worker run only; about 10x the 100 MB run)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--work-dir", type=Path, default=HERE / "corpus", help="generated corpora (kept) and scratch output")
    parser.add_argument("--shared", type=Path, default=corpus.DEFAULT_SHARED, help="the folder holding corpora/lingua-testdata")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON figures here")
    args = parser.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.full and FULL_SIZE not in sizes:
        sizes.append(FULL_SIZE)
    sizes.sort(key=corpus.parse_size)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    print(f"newsbeam end to end ({', '.join(sizes)}, seed {args.seed}); machine load {_load()}")
    fixed = fixed_costs(args.work_dir, args.seed, args.shared)
    results = {
        size: bench_size(size, args.work_dir, args.seed, args.shared, corpus.parse_size(size) < ONE_WORKER_ONLY_FROM, fixed)
        for size in sizes
    }
    summary = summarize(results)
    print("\nsummary")
    for line in verdicts(summary):
        print("  " + line)
    figures = {"pipeline": {"sizes": results, "summary": summary, "targets": TARGETS, "fixed_costs": fixed,
                            "machine": {"cpus": os.cpu_count(), "load_at_end": [round(x, 2) for x in os.getloadavg()]},
                            "definitions": DEFINITIONS}}
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures


def _plain_loop_main(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="bench_pipeline.py plain-loop", description="The pipeline's stage functions in one Python loop.")
    parser.add_argument("--corpus", type=Path, required=True, help="a directory written by bench/corpus.py")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--profile", type=Path, default=None, help="write cProfile stats here and print the hot functions")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    figures = plain_loop(args.corpus, args.output, args.profile)
    print(json.dumps(figures))
    if args.json is not None:
        args.json.write_text(json.dumps(figures) + "\n", encoding="utf-8")
    if args.profile is not None:
        print_profile(args.profile)
    return figures


if __name__ == "__main__":
    main()
