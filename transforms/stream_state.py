"""The streaming side of the feed state directory: doc ids and counts staged per window, committed on stop.

A stream stages the ids of each window's documents right after their files are in place, under
runs/<run_id>/stream-seen/; a clean stop, or the next start after a crash, merges them into the
seen-set with feed_state.commit_run, so a restart skips what any earlier run wrote.
"""
from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable

from apache_beam.io.filesystems import FileSystems

from transforms.feed_state import (
    COMMITTED_FILE,
    NEW_SEEN_FILE,
    RUNS_DIR,
    CommitSummary,
    commit_run,
    read_bytes,
    run_dir,
    write_atomic,
    write_run_file,
)

STREAM_SEEN_DIR = "stream-seen"


def _join(base: str, *parts: str) -> str:
    return posixpath.join(base, *parts)


def stage_seen_ids(state_dir: str, run_id: str, name: str, doc_ids: Iterable[str]) -> None:
    """Stage the doc ids of one written file group; `name` is unique per window, pane and partition."""
    text = "".join(f"{d}\n" for d in sorted(set(doc_ids)))
    write_atomic(_join(run_dir(state_dir, run_id), STREAM_SEEN_DIR, f"{name}.txt"), text.encode("utf-8"))


def _match(pattern: str) -> list[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # noqa: BLE001 - Beam raises when a local directory does not exist
        return []


def staged_seen_ids(state_dir: str, run_id: str) -> set[str]:
    ids: set[str] = set()
    for path in _match(_join(run_dir(state_dir, run_id), STREAM_SEEN_DIR, "*.txt")):
        ids.update(line.strip() for line in (read_bytes(path) or b"").decode("utf-8").splitlines() if line.strip())
    return ids


def commit_stream_run(state_dir: str, run_id: str) -> CommitSummary:
    """Merge a stream run's staged ids into the seen-set (idempotent, like commit_run)."""
    write_run_file(state_dir, run_id, NEW_SEEN_FILE, staged_seen_ids(state_dir, run_id))
    return commit_run(state_dir, run_id)


def recover_stream_runs(state_dir: str, keep: str | None = None) -> list[str]:
    """Commit what stream runs that were killed had staged; returns their run ids.

    Assumes one stream per state directory: a stream running elsewhere on it would be committed
    early, which only makes its entries count as seen sooner.
    """
    recovered = []
    pattern = _join(state_dir, RUNS_DIR, "*", STREAM_SEEN_DIR, "*.txt")
    runs = sorted({posixpath.basename(posixpath.dirname(posixpath.dirname(p))) for p in _match(pattern)})
    for run_id in runs:
        if run_id == keep or read_bytes(_join(run_dir(state_dir, run_id), COMMITTED_FILE)) is not None:
            continue
        commit_stream_run(state_dir, run_id)
        recovered.append(run_id)
    return recovered



STREAM_STATS_DIR = "stream-stats"


def stage_stats(state_dir: str, run_id: str, name: str, stats: dict[str, int]) -> None:
    """Stage the counts of one window pane; `name` is unique per window and pane."""
    payload = json.dumps(dict(sorted(stats.items())), indent=2) + "\n"
    write_atomic(_join(run_dir(state_dir, run_id), STREAM_STATS_DIR, f"{name}.json"), payload.encode())


def read_stream_stats(state_dir: str, run_id: str) -> dict[str, int]:
    """The counts of a stream run, summed over its window panes."""
    totals: dict[str, int] = {}
    for path in _match(_join(run_dir(state_dir, run_id), STREAM_STATS_DIR, "*.json")):
        for name, n in json.loads(read_bytes(path) or b"{}").items():
            totals[name] = totals.get(name, 0) + int(n)
    return totals
