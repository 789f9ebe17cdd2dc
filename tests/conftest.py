"""Shared fixtures: paths to samples and shared data, and a CLI runner for end-to-end tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SHARED = Path(os.environ.get("NEWSBEAM_SHARED", REPO.parent / "shared"))
SAMPLE_INPUTS = [f"--input={SAMPLES}/*.{ext}" for ext in ("txt", "srt", "vtt", "json", "gz")]


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix not in (".py", ".md") and p.is_file())


def needs_shared():
    return pytest.mark.skipif(not (SHARED / "devset").is_dir(), reason="../shared is not present")


def run_cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the real console entry point in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def staged_runs(out: Path) -> list[str]:
    """Runs with files left under the output's _staging (its lock file aside)."""
    staging = out / "_staging"
    return sorted(p.name for p in staging.iterdir() if not p.name.startswith(".")) if staging.exists() else []


def beam_test_pipeline():
    """A TestPipeline on the Python FnApiRunner: never the Prism download path."""
    from apache_beam.testing.test_pipeline import TestPipeline

    return TestPipeline(runner="FnApiRunner")


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory):
    """One CLI run over the bundled samples, shared by the end-to-end tests."""
    out = tmp_path_factory.mktemp("sample_run") / "out"
    result = run_cli("run", *SAMPLE_INPUTS, f"--output={out}", "--date=2026-11-20")
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result
