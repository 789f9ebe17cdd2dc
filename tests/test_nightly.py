"""Nightly runs: idempotent partition replacement, atomic publish, SIGKILL at random moments, late feed entries."""
from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from pipeline import publish
from tests.conftest import REPO, SAMPLES, beam_test_pipeline, run_cli, sample_files, staged_runs
from tests.feed_server import FeedServer, serve_podcast
from tests.test_transforms import _tagged
from transforms.parquet import WritePartitionedParquet
from transforms.stages import TagLanguage, TagTopics

DAY = "2026-11-24"
IGNORED_COLUMNS = ("run_id", "ingested_at")


def make_inputs(root: Path, day: str, copies: int, skip: int = 0) -> None:
    """copies x every sample under root/day/, named apart so each is its own document."""
    folder = root / day
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(skip, copies):
        for sample in sample_files():
            shutil.copy(sample, folder / f"c{i:03d}-{sample.name}")


def nightly(out: Path, inputs: Path, day: str = DAY, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("nightly", f"--date={day}", f"--input={inputs}/{{date}}/*", f"--output={out}", *extra)


def table_rows(out: Path, table: str) -> list[tuple]:
    con = duckdb.connect()
    relation = con.sql(f"select * from read_parquet('{out}/{table}/**/*.parquet', hive_partitioning=true)")
    keep = [c for c in relation.columns if c not in IGNORED_COLUMNS]
    return sorted(map(repr, con.sql(f"select {', '.join(keep)} from relation").fetchall()))


def dataset_rows(out: Path) -> dict[str, list]:
    return {table: table_rows(out, table) for table in ("documents", "segments", "errors") if (out / table).exists()}


def published_snapshot(out: Path) -> dict[str, str]:
    """Every file a reader could see, with its content hash: all but staging, trash and feed state."""
    snapshot = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.is_file() and not relative.startswith(("_staging", "_trash", "_state")):
            snapshot[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot


def test_a_night_run_twice_gives_the_rows_of_one_run(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inputs, "2026-11-23", 1)
    make_inputs(inputs, DAY, 2)
    other = nightly(out, inputs, "2026-11-23")
    assert other.returncode == 0, other.stderr[-3000:]
    other_partitions = {p: h for p, h in published_snapshot(out).items() if "date=2026-11-23" in p}
    first = nightly(out, inputs)
    assert first.returncode == 0, first.stderr[-3000:]
    # One line for cron and Airflow.
    (line,) = first.stdout.strip().splitlines()
    assert line.startswith(f"newsbeam nightly {DAY} ok: ") and "manifest " in line
    rows_once = dataset_rows(out)
    second = nightly(out, inputs)
    assert second.returncode == 0, second.stderr[-3000:]
    assert dataset_rows(out) == rows_once
    doc_ids = duckdb.sql(f"select doc_id from read_parquet('{out}/documents/**/*.parquet')").fetchall()
    assert len(doc_ids) == len(set(doc_ids)) == 2 * len(sample_files()) + len(sample_files())
    # Other dates' partitions are untouched, byte for byte.
    assert {p: h for p, h in published_snapshot(out).items() if "date=2026-11-23" in p} == other_partitions
    manifest = json.loads((out / "_runs" / f"{json.loads((out / '_SUCCESS').read_text())['run_id']}.json").read_text())
    assert manifest["mode"] == "nightly" and manifest["accounted"] is True
    assert set(manifest["replaced"]) == {f"{t}/date={DAY}" for t in ("documents", "segments", "errors")}
    assert manifest["retired_files"] > 0 and {"setup", "pipeline", "total"} <= set(manifest["timings"])
    assert not staged_runs(out) and not list((out / "_trash").glob("*"))


def test_a_rerun_with_fewer_inputs_replaces_the_partition_as_a_whole(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inputs, DAY, 2)
    assert nightly(out, inputs).returncode == 0
    for path in (inputs / DAY).glob("c001-*"):
        path.unlink()
    assert nightly(out, inputs).returncode == 0
    fresh = tmp_path / "fresh"
    assert nightly(fresh, inputs).returncode == 0
    assert dataset_rows(out) == dataset_rows(fresh)
    # Warehouse view: GROUP BY date, language gives the last manifest's partition counts.
    manifest = json.loads(sorted((out / "_runs").glob("*.json"), key=lambda p: p.stat().st_mtime)[-1].read_text())
    counted = duckdb.sql(
        f"select date, language, count(*) from read_parquet('{out}/documents/**/*.parquet', hive_partitioning=true) group by all"
    ).fetchall()
    assert {f"date={d}/language={lang}": n for d, lang, n in counted} == manifest["partitions"]["documents"]
    # Segments join their documents on doc_id, in the same date and language partition.
    (joined,) = duckdb.sql(
        f"select count(*), count(d.doc_id), sum((d.n_segments = 0)::int) from read_parquet('{out}/segments/**/*.parquet', "
        f"hive_partitioning=true) s left join read_parquet('{out}/documents/**/*.parquet', hive_partitioning=true) d "
        "on s.doc_id = d.doc_id and s.date = d.date and s.language = d.language"
    ).fetchall()
    assert joined == (manifest["counts"]["segments"], manifest["counts"]["segments"], 0)
    # PyArrow's dataset API reads it with Hive partitioning as well.
    table = ds.dataset(out / "segments", format="parquet", partitioning="hive").to_table(columns=["doc_id", "language"])
    assert table.num_rows == manifest["counts"]["segments"]


def test_nightly_needs_a_date_and_a_well_formed_template(tmp_path):
    missing = run_cli("nightly", f"--input={SAMPLES}/*.txt", f"--output={tmp_path / 'out'}")
    assert missing.returncode == 2 and missing.stderr.strip().endswith("the day to ingest")
    bad = run_cli("nightly", "--date=2026-11-24", f"--input={tmp_path}/{{day}}/*.txt", f"--output={tmp_path / 'out'}")
    assert bad.returncode == 2 and "{date}" in bad.stderr


@pytest.mark.parametrize("crash_after", [0, 1, 3])
def test_a_commit_interrupted_anywhere_is_completed_by_the_next_run(tmp_path, monkeypatch, crash_after):
    inputs, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inputs, DAY, 1)
    assert nightly(out, inputs).returncode == 0
    reference = tmp_path / "reference"
    shutil.copytree(out, reference)
    make_inputs(inputs, DAY, 2, skip=1)
    # Stage a second night without publishing it: the pipeline's files are under _staging.
    staged = tmp_path / "staged"
    shutil.copytree(out, staged)
    result = nightly(staged, inputs)
    assert result.returncode == 0
    completed_rows = dataset_rows(staged)
    # Replay the same commit on the reference copy, with a crash after `crash_after` renames.
    manifest_path = sorted((staged / "_runs").glob("*.json"), key=lambda p: p.stat().st_mtime)[-1]
    run_id = manifest_path.stem
    _restage(staged, reference, run_id)
    plan = publish.plan_commit(str(reference), run_id, _manifest(run_id), replace_dates=(DAY,))
    calls = {"n": 0}
    real_rename = publish.FileSystems.rename

    def crashing_rename(src, dst):
        if calls["n"] >= crash_after:
            raise KeyboardInterrupt("killed")  # what a SIGKILL leaves: some renames done, the rest not
        calls["n"] += 1
        return real_rename(src, dst)

    monkeypatch.setattr(publish.FileSystems, "rename", crashing_rename)
    with pytest.raises(KeyboardInterrupt):
        publish.commit(str(reference), plan)
    monkeypatch.setattr(publish.FileSystems, "rename", real_rename)
    recovery = publish.recover(str(reference))
    assert recovery.rolled_forward == (run_id,)
    assert dataset_rows(reference) == completed_rows
    assert (reference / "_runs" / f"{run_id}.json").exists()
    assert json.loads((reference / "_SUCCESS").read_text())["run_id"] == run_id


def _manifest(run_id: str) -> publish.Manifest:
    return publish.Manifest(run_id, "", "", [], {"date": DAY}, {}, {}, mode="nightly")


def _restage(completed: Path, target: Path, run_id: str) -> None:
    """Put the files a completed run published back under target's _staging, as its pipeline left them."""
    manifest = json.loads((completed / "_runs" / f"{run_id}.json").read_text())
    staging = target / "_staging" / run_id
    for entry in manifest["files"]:
        dst = staging / entry["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(completed / entry["path"], dst)
    (staging / "_stats").mkdir(parents=True, exist_ok=True)
    (staging / "_stats" / "inputs.json").write_text(json.dumps({"inputs": manifest["inputs_total"]}))
    (staging / "_stats" / "files.json").write_text(json.dumps(manifest["files"]))


def test_sigkill_at_random_moments_leaves_the_published_dataset_unchanged(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inputs, DAY, 3)
    assert nightly(out, inputs).returncode == 0
    make_inputs(inputs, DAY, 12, skip=3)
    before = published_snapshot(out)
    success_before = (out / "_SUCCESS").read_bytes()
    command = [sys.executable, "-m", "pipeline", "nightly", f"--date={DAY}", f"--input={inputs}/{{date}}/*", f"--output={out}"]
    full = tmp_path / "full"
    shutil.copytree(out, full)
    started = time.monotonic()
    complete = subprocess.run([*command[:-1], f"--output={full}"], cwd=REPO, capture_output=True, text=True, timeout=300)
    duration = time.monotonic() - started
    assert complete.returncode == 0, complete.stderr[-3000:]
    rng = random.Random(20261124)
    for delay in sorted(rng.uniform(0.2, 0.95 * duration) for _ in range(4)):
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is not None:
            break  # it finished first: nothing left to kill
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if list((out / "_staging").glob("*/_COMMIT.json")):
            # Killed after the commit point: the next run rolls it forward (checked below).
            break
        if (out / "_SUCCESS").read_bytes() != success_before:
            break  # killed while exiting, after its commit was complete
        assert published_snapshot(out) == before, f"published files changed by a run killed after {delay:.1f}s"
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert dataset_rows(out) == dataset_rows(full)
    assert not staged_runs(out)


def test_nightly_feeds_take_the_day_and_late_entries_the_dataset_lacks(tmp_path):
    out = tmp_path / "out"
    with FeedServer() as server:
        # ep1 was published 2026-11-20 23:30 UTC, ep2 2026-11-21 08:00 UTC; ep3 and ep4 carry no date.
        feed = serve_podcast(server, "/podcast", etag='"v1"')
        args = ("nightly", "--date=2026-11-21", f"--feed={feed}", f"--output={out}", "--allow-private-network")
        first = run_cli(*args)
        assert first.returncode == 0, first.stderr[-3000:]
        by_date = dict(duckdb.sql(
            f"select title, date::varchar from read_parquet('{out}/documents/**/*.parquet', hive_partitioning=true)"
        ).fetchall())
        # ep2 belongs to the night; ep1 came within the 24 h lookback and the dataset lacked it.
        assert by_date == {"Markets": "2026-11-21", "Storm on the coast": "2026-11-20"}
        manifest = json.loads(sorted((out / "_runs").glob("*.json"))[-1].read_text())
        assert manifest["feeds"]["entries_outside_window"] == 2 and manifest["accounted"]
        rows_once = dataset_rows(out)
        # A rerun fetches in full (no 304: it must see the night again) and adds nothing twice.
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr[-3000:]
        assert not any("if-none-match" in r.headers for r in server.requests_to("/podcast/feed.xml"))
        assert dataset_rows(out) == rows_once
        last = json.loads(max((out / "_runs").glob("*.json"), key=lambda p: p.stat().st_mtime).read_text())
        assert last["feeds"]["entries_skipped_seen"] == 1
        # Without lookback, the night of the 20th owns ep1 alone.
        third = run_cli("nightly", "--date=2026-11-20", "--lookback-hours=0", f"--feed={feed}", f"--output={out}", "--allow-private-network")
        assert third.returncode == 0, third.stderr[-3000:]
        titles = sorted(t for (t,) in duckdb.sql(f"select title from read_parquet('{out}/documents/**/*.parquet')").fetchall())
        assert titles == ["Markets", "Storm on the coast"]


def test_ten_thousand_short_transcripts_make_one_file_per_partition(tmp_path):
    def copies(doc):
        for i in range(10_000):
            yield doc.replace(cleaned=dataclasses.replace(doc.cleaned, doc_id=f"{doc.cleaned.doc_id}-{i}"))

    when = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
    with beam_test_pipeline() as p:
        _, segmented = _tagged(p)
        tagged, _ = segmented | TagLanguage(None)
        tagged, _ = tagged | TagTopics()
        _ = tagged | beam.FlatMap(copies) | WritePartitionedParquet(str(tmp_path / "out"), "run1", when, DAY)
    files = sorted((tmp_path / "out").rglob("*.parquet"))
    assert [f.relative_to(tmp_path / "out").parent.as_posix() for f in files] == [
        "documents/date=2026-11-24/language=en",
        "segments/date=2026-11-24/language=en",
    ]
    assert pq.ParquetFile(files[0]).metadata.num_rows == 10_000


def test_the_airflow_job_file_runs_a_night_as_the_operator_calls_it(tmp_path):
    """BeamRunPythonPipelineOperator runs `python py_file --runner=R --key=value ...`; lists repeat the flag."""
    dag_dir = REPO / "deploy" / "airflow"
    dag = ast.parse((dag_dir / "newsbeam_nightly_dag.py").read_text())
    calls = {node.func.id for node in ast.walk(dag) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert "BeamRunPythonPipelineOperator" in calls
    inputs, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inputs, DAY, 1)
    result = subprocess.run(
        [sys.executable, str(dag_dir / "newsbeam_nightly_job.py"), "--runner=FnApiRunner", f"--date={DAY}",
         f"--output={out}", f"--input={inputs}/{{date}}/*.txt", f"--input={inputs}/{{date}}/*.vtt", "--lookback-hours=24"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith(f"newsbeam nightly {DAY} ok: ")
    assert (out / "_SUCCESS").exists()


def test_a_second_writer_on_the_same_output_is_refused(tmp_path):
    out = tmp_path / "out"
    held = publish.lock_output(str(out))
    try:
        refused = run_cli("nightly", f"--date={DAY}", f"--input={SAMPLES}/*.txt", f"--output={out}")
        assert refused.returncode == 2
        assert refused.stderr.strip() == f"newsbeam: error: another newsbeam run is writing to {out}; one writer at a time"
    finally:
        held.close()
    assert run_cli("nightly", f"--date={DAY}", f"--input={SAMPLES}/*.txt", f"--output={out}").returncode == 0
