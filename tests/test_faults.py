"""Fault injection: bugs, crashes mid-bundle, a full disk, vanished and unreadable inputs, an unwritable output.

Each fault must give a clear error, leave no partial dataset, and show in the
errors table or the exit status.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import transforms.read
import transforms.segment
import transforms.stages
from pipeline.cli import main
from tests.conftest import REPO, SAMPLES, staged_runs
from tests.test_nightly import published_snapshot

SEED = SAMPLES / "seed_cnn_kursk.txt"


def run_in_process(*args: str) -> int:
    """The CLI in this process, so that a monkeypatched function is the one the pipeline calls."""
    return main(["run", *args, "--log-level=WARNING"])


def errors(out: Path) -> list[tuple]:
    return duckdb.sql(
        f"select source_uri, stage, error_type, message from read_parquet('{out}/errors/**/*.parquet')"
    ).fetchall()


def documents(out: Path) -> list[str]:
    return [u for (u,) in duckdb.sql(f"select source_uri from read_parquet('{out}/documents/**/*.parquet')").fetchall()]


def test_a_bug_in_a_stage_becomes_an_errors_row_and_the_run_goes_on(tmp_path, monkeypatch):
    real = transforms.segment.segment_transcript

    def buggy(text, *args, **kwargs):
        if "Kursk" in text:
            raise ZeroDivisionError("injected")
        return real(text, *args, **kwargs)

    monkeypatch.setattr(transforms.segment, "segment_transcript", buggy)
    out = tmp_path / "out"
    assert run_in_process(f"--input={SAMPLES}/*.txt", f"--output={out}") == 0
    ((uri, stage, error_type, message),) = errors(out)
    assert uri.endswith("seed_cnn_kursk.txt") and stage == "segment" and error_type == "InternalError"
    assert message == "ZeroDivisionError: injected"
    assert len(documents(out)) == len(list(SAMPLES.glob("*.txt"))) - 1


def test_a_crash_in_the_middle_of_a_bundle_fails_the_run_and_publishes_nothing(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert run_in_process(f"--input={SEED}", f"--output={out}") == 0
    before = published_snapshot(out)
    calls = {"n": 0}
    real = pq.ParquetWriter.write_table

    def crash_on_second_write(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("injected: the worker lost its disk")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", crash_on_second_write)
    capsys.readouterr()
    assert run_in_process(f"--input={SAMPLES}/*.txt", f"--input={SAMPLES}/*.vtt", f"--output={out}") == 1
    (line,) = capsys.readouterr().err.strip().splitlines()[-1:]
    assert line.startswith("newsbeam: error: run ") and "nothing was published" in line and "lost its disk" in line
    assert published_snapshot(out) == before
    assert not staged_runs(out)


def test_an_input_that_vanishes_between_match_and_read_is_an_errors_row(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for sample in SAMPLES.glob("*.txt"):
        shutil.copy(sample, inputs / sample.name)
    doomed = inputs / "tagesschau_wetter.txt"
    real_match = transforms.read.FileSystems.match

    def match_then_delete(patterns, *args, **kwargs):
        result = real_match(patterns, *args, **kwargs)
        doomed.unlink(missing_ok=True)
        return result

    monkeypatch.setattr(transforms.read.FileSystems, "match", match_then_delete)
    out = tmp_path / "out"
    assert run_in_process(f"--input={inputs}/*.txt", f"--output={out}") == 0
    ((uri, stage, error_type, message),) = errors(out)
    assert uri == str(doomed) and stage == "read" and "No such file" in message, (error_type, message)
    manifest = json.loads(next((out / "_runs").glob("*.json")).read_text())
    assert manifest["accounted"] and manifest["inputs_total"] == len(documents(out)) + 1


def _without_dac_override(*command: str) -> list[str]:
    """Run as root without the capabilities that bypass file permissions, or as is when not root."""
    if os.geteuid() != 0:
        return list(command)
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="needs setpriv to drop root's file override")
def test_permission_denied_input_and_unwritable_output(tmp_path):
    locked = tmp_path / "locked.txt"
    shutil.copy(SEED, locked)
    locked.chmod(0)
    out = tmp_path / "out"
    cli = [sys.executable, "-m", "pipeline", "run", f"--input={locked}", f"--input={SAMPLES}/tagesschau_wetter.txt"]
    result = subprocess.run(_without_dac_override(*cli, f"--output={out}"), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    ((uri, stage, error_type, message),) = errors(out)
    assert uri == str(locked) and stage == "read" and "Permission denied" in message, (error_type, message)
    read_only = tmp_path / "read_only"
    read_only.mkdir()
    read_only.chmod(0o555)
    refused = subprocess.run(_without_dac_override(*cli, f"--output={read_only}"), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("newsbeam: error: --output") and "not writable" in line
    assert list(read_only.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs: a real file system that fills up."""
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_fails_the_run_cleanly_and_the_dataset_stays_as_it_was(small_disk, tmp_path):
    out = small_disk / "out"
    cli = [sys.executable, "-m", "pipeline", "run", f"--output={out}", "--log-level=WARNING"]
    first = subprocess.run([*cli, f"--input={SEED}"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    before = published_snapshot(out)
    # Leave about 40 KB free: less than the next run writes.
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 40_000))
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(60):
        shutil.copy(SEED, inputs / f"copy-{i:02d}.txt")
    full = subprocess.run([*cli, f"--input={inputs}/*.txt"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert full.returncode == 1, full.stdout
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith("newsbeam: error: run ") and "No space left on device" in last, last
    assert published_snapshot(out) == before
    (small_disk / "filler").unlink()
    again = subprocess.run([*cli, f"--input={inputs}/*.txt"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(documents(out)) == 61


def test_a_run_that_loses_a_document_is_not_published(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert run_in_process(f"--input={SEED}", f"--output={out}") == 0
    before = published_snapshot(out)
    real = transforms.stages._TopicsFn.process

    def drop_the_seed(self, element):
        if not element.cleaned.meta.source_uri.endswith("seed_cnn_kursk.txt"):
            yield from real(self, element)

    monkeypatch.setattr(transforms.stages._TopicsFn, "process", drop_the_seed)
    capsys.readouterr()
    assert run_in_process(f"--input={SAMPLES}/*.txt", f"--output={out}") == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("newsbeam: error: run ") and "was not published" in last and "not accounted for" in last
    assert published_snapshot(out) == before and not staged_runs(out)
