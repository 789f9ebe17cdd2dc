"""The feed state directory: conditional-GET validators per feed and the seen-set of entries.

A run only stages what it learnt; commit_run() merges it once the pipeline succeeded, atomically.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from transforms.filesystem import delete, read_bytes, write_atomic
from transforms.filesystem import join as _join

# Layout, under a local path or any Beam filesystem URI:
#   seen.txt                        doc ids of every entry ingested so far, one a line, sorted
#   validators/<hash>.json          {"url", "etag", "last_modified"} of one feed
#   runs/<run_id>/new-seen.txt      doc ids this run turned into documents
#   runs/<run_id>/validators.jsonl  validators of the feeds this run fetched in full (200)
#   runs/<run_id>/retry-feeds.txt   feeds with an entry that failed: their validators are dropped
#   runs/<run_id>/stats.json        counts for the manifest (skipped as seen, bozo feeds, ...)
#   runs/<run_id>/committed.json    what commit_run did
SEEN_FILE = "seen.txt"
VALIDATORS_DIR = "validators"
RUNS_DIR = "runs"
NEW_SEEN_FILE = "new-seen.txt"
RUN_VALIDATORS_FILE = "validators.jsonl"
RETRY_FEEDS_FILE = "retry-feeds.txt"
STATS_FILE = "stats.json"
COMMITTED_FILE = "committed.json"


@dataclass(frozen=True)
class Validators:
    """What a feed's server said identifies its current version."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class CommitSummary:
    newly_seen: int  # ids added to the seen-set
    seen_total: int
    validators_updated: int
    validators_dropped: int


def run_dir(state_dir: str, run_id: str) -> str:
    return _join(state_dir, RUNS_DIR, run_id)


def seen_path(state_dir: str) -> str:
    return _join(state_dir, SEEN_FILE)


def validators_path(state_dir: str, feed_url: str) -> str:
    return _join(state_dir, VALIDATORS_DIR, hashlib.sha256(feed_url.encode()).hexdigest()[:32] + ".json")


def load_validators(state_dir: str, feed_url: str) -> Validators | None:
    """The feed's saved validators; None if there are none or the file is unreadable."""
    data = read_bytes(validators_path(state_dir, feed_url))
    if data is None:
        return None
    try:
        record = json.loads(data)
    except ValueError:
        return None  # a conditional GET is an optimisation: an unreadable record means a full fetch
    if not isinstance(record, dict) or record.get("url") != feed_url:
        return None
    return Validators(feed_url, record.get("etag") or None, record.get("last_modified") or None)


def save_validators(state_dir: str, validators: Validators) -> None:
    path = validators_path(state_dir, validators.url)
    if not validators.etag and not validators.last_modified:
        delete(path)
        return
    record = {"url": validators.url, "etag": validators.etag, "last_modified": validators.last_modified}
    write_atomic(path, json.dumps(record, sort_keys=True).encode())


def _lines(data: bytes | None) -> list[str]:
    return [line.strip() for line in (data or b"").decode("utf-8").splitlines() if line.strip()]


def load_seen(state_dir: str) -> set[str]:
    """Doc ids of every entry already ingested."""
    return set(_lines(read_bytes(seen_path(state_dir))))


def write_run_file(state_dir: str, run_id: str, name: str, lines: Iterable[str]) -> None:
    """Stage one file of a run (sorted lines, so the same run writes the same bytes)."""
    text = "".join(f"{line}\n" for line in sorted(set(lines)))
    write_atomic(_join(run_dir(state_dir, run_id), name), text.encode("utf-8"))


def write_run_stats(state_dir: str, run_id: str, stats: dict[str, int]) -> None:
    payload = json.dumps(dict(sorted(stats.items())), indent=2) + "\n"
    write_atomic(_join(run_dir(state_dir, run_id), STATS_FILE), payload.encode())


def read_run_stats(state_dir: str, run_id: str) -> dict[str, int] | None:
    """The counts a run of ReadFeedEntries recorded, or None if it wrote none."""
    data = read_bytes(_join(run_dir(state_dir, run_id), STATS_FILE))
    return None if data is None else {k: int(v) for k, v in json.loads(data).items()}


def commit_run(state_dir: str, run_id: str) -> CommitSummary:
    """After the pipeline succeeded: merge the run's newly seen ids and feed validators into the state.

    Call it after ``pipeline.run().wait_until_finish()`` returned DONE, never before: entries then
    count as seen and unchanged feeds answer 304 only once their documents were written. Feeds in
    which an entry failed lose their validators, so the next run fetches them in full and retries
    the failed entries (the seen ones are skipped). Idempotent: committing twice changes nothing.
    """
    staged = run_dir(state_dir, run_id)
    staged_seen = read_bytes(_join(staged, NEW_SEEN_FILE))
    if staged_seen is None:
        # The pipeline always stages this file, even empty: a wrong run id or state dir must not pass silently.
        raise FileNotFoundError(f"run {run_id!r} staged nothing under {staged}: was ReadFeedEntries run with this state_dir and run_id?")
    new_seen = _lines(staged_seen)
    retry = set(_lines(read_bytes(_join(staged, RETRY_FEEDS_FILE))))
    seen = load_seen(state_dir)
    added = [doc_id for doc_id in dict.fromkeys(new_seen) if doc_id not in seen]
    if added:
        seen.update(added)
        write_atomic(seen_path(state_dir), "".join(f"{d}\n" for d in sorted(seen)).encode())
    saved = dropped = 0
    for line in _lines(read_bytes(_join(staged, RUN_VALIDATORS_FILE))):
        record = json.loads(line)
        url = record["url"]
        if url in retry:
            continue
        save_validators(state_dir, Validators(url, record.get("etag"), record.get("last_modified")))
        saved += 1
    for url in retry:
        delete(validators_path(state_dir, url))
        dropped += 1
    summary = CommitSummary(len(added), len(seen), saved, dropped)
    write_atomic(_join(staged, COMMITTED_FILE), json.dumps(summary.__dict__, sort_keys=True).encode())
    return summary


# The name the ingestion issue used: it commits the seen-set and the validators together.
commit_seen = commit_run
