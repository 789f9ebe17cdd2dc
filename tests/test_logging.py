"""Logging: one structured line per stage from Beam's counters, progress on long runs, --log-level."""
from __future__ import annotations

import json
import logging
import re

import apache_beam as beam

from pipeline.run_log import STAGE_COUNTERS, stage_lines
from tests.conftest import SAMPLES, beam_test_pipeline, run_cli
from tests.test_transforms import _tagged
from transforms.progress import LogProgress

STAGE_LINE = re.compile(r"newsbeam\.stages: (stage=\w+(?: \w+=\d+)+)$")


def test_one_line_per_stage_with_the_runs_counts(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", f"--input={SAMPLES}/*.txt", f"--input={SAMPLES}/missing-*.srt", f"--output={out}", "--log-level=INFO")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [m.group(1) for m in map(STAGE_LINE.search, result.stderr.splitlines()) if m]
    assert [line.split()[0] for line in lines] == [f"stage={stage}" for stage, _ in STAGE_COUNTERS]
    counts = {k: int(v) for line in lines for k, v in (kv.split("=") for kv in line.split()[1:])}
    manifest = json.loads(next((out / "_runs").glob("*.json")).read_text())
    n_txt = len(list(SAMPLES.glob("*.txt")))
    assert counts["files_matched"] == n_txt and counts["parse_ok"] == counts["topics_ok"] == manifest["counts"]["documents"] == n_txt
    assert counts["rows_written"] == sum(manifest["counts"].values())
    assert manifest["metrics"]["files_written"] == len(manifest["files"])


def test_log_level_warning_keeps_the_log_quiet(tmp_path):
    result = run_cli("run", f"--input={SAMPLES}/seed_cnn_kursk.txt", f"--output={tmp_path / 'out'}", "--log-level=WARNING")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "newsbeam.stages" not in result.stderr and "progress" not in result.stderr
    bad = run_cli("run", f"--input={SAMPLES}/seed_cnn_kursk.txt", f"--output={tmp_path / 'out'}", "--log-level=LOUD")
    assert bad.returncode == 2


def test_stage_lines_read_zero_for_counters_a_run_did_not_touch():
    lines = stage_lines({"parse_ok": 3})
    assert lines[1] == "stage=parse parse_ok=3 parse_errors=0"
    assert lines[0].startswith("stage=read files_matched=0")


def test_progress_is_logged_as_documents_pass(caplog):
    caplog.set_level(logging.INFO, logger="newsbeam.progress")
    with beam_test_pipeline() as p:
        _, segmented = _tagged(p)
        _ = segmented | LogProgress(interval_seconds=0.0) | beam.Map(lambda x: x)
    progress = [r.getMessage() for r in caplog.records if r.name == "newsbeam.progress"]
    assert progress and re.search(r"documents=1 raw_mb=[\d.]+ docs_per_s=[\d.]+ mb_per_s=[\d.]+", progress[-1])
