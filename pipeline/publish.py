"""Publish a run's staged files into the dataset with a commit journal, so readers never see half a run.

A run writes only under ``_staging/RUN_ID/``, which readers never look at
(warehouse globs cover ``documents/``, ``segments/``, ``errors/``). Once its
pipeline has succeeded, publishing

1. plans the commit: the staged files to move in, and, for the partitions the
   run owns (a nightly run owns its date), the published files to retire;
2. writes the plan and the finished manifest to ``_staging/RUN_ID/_COMMIT.json``
   in one atomic write: the commit point;
3. moves the new files in, then the retired ones out to ``_trash/RUN_ID/``;
4. writes ``_runs/RUN_ID.json`` and then ``_SUCCESS``, and deletes the staging
   and trash of the run.

A run killed before step 2 has changed nothing that readers see, and the
next run deletes its staging. A run killed after step 2 is rolled forward by
the next run (``recover``): every step is idempotent, so replaying a journal
that was half done, or done, ends in the same dataset.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import posixpath
from dataclasses import asdict, dataclass, field

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas.tables import SCHEMA_VERSION, TABLES
from transforms.filesystem import ensure_dir, is_local, read_bytes, write_atomic
from transforms.run_stats import read_file_list, read_input_count

RUNS_DIR = "_runs"
STAGING_DIR = "_staging"
TRASH_DIR = "_trash"
SUCCESS_FILE = "_SUCCESS"
COMMIT_FILE = "_COMMIT.json"
_LOG = logging.getLogger(__name__)


@dataclass
class Manifest:
    run_id: str
    started_at: str
    finished_at: str
    inputs: list[str]
    settings: dict  # newsbeam's own settings: cleaning profile, date, bounds, ...
    options: dict  # every pipeline option given
    versions: dict
    mode: str = "run"  # run (appends) or nightly (replaces the partitions of its date)
    counts: dict = field(default_factory=dict)  # table -> rows
    partitions: dict = field(default_factory=dict)  # table -> partition -> rows
    files: list[dict] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # partitions this run replaced as a whole
    retired_files: int = 0  # published files the replaced partitions held before
    feeds: dict = field(default_factory=dict)  # feed counts: fetched, not modified, bozo, skipped as seen, ...
    timings: dict = field(default_factory=dict)  # seconds: setup, pipeline, total
    metrics: dict = field(default_factory=dict)  # Beam counters of the run, where the runner reports them
    inputs_total: int | None = None
    accounted: bool = False  # inputs_total == documents + errors


@dataclass
class CommitPlan:
    """Everything a commit does, written down before any of it is done."""

    run_id: str
    moves: list[tuple[str, str]]  # staged file -> published file, paths relative to the output root
    retire: list[str]  # published files of replaced partitions, relative to the output root
    manifest: dict
    feed_state_dir: str | None = None  # whose staged feed state to commit once the files are in place


def staging_dir_for(output: str, run_id: str) -> str:
    return posixpath.join(output, STAGING_DIR, run_id)


def _match(pattern: str) -> list[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # noqa: BLE001 - Beam raises when a local directory does not exist
        return []


def _parquet_files(root: str) -> list[str]:
    """Parquet files under root, at any partition depth of the layout."""
    found: list[str] = []
    for depth in (1, 2, 3):
        found.extend(_match(posixpath.join(root, *["*"] * depth, "*.parquet")))
    return sorted(set(found))


def _children(root: str) -> list[str]:
    """Names directly under a directory (object stores: first path components under the prefix)."""
    if is_local(root):
        return sorted(os.listdir(root)) if os.path.isdir(root) else []
    return sorted({_relative(p, root).split("/", 1)[0] for p in _match(posixpath.join(root, "**"))} - {""})


def _relative(path: str, root: str) -> str:
    return path[len(root):].lstrip("/")


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


def plan_commit(
    output: str,
    run_id: str,
    manifest: Manifest,
    replace_dates: tuple[str, ...] = (),
    feed_state_dir: str | None = None,
) -> CommitPlan:
    """Count the staged files and decide what the commit moves; touches nothing."""
    staging = staging_dir_for(output, run_id)
    listed = read_file_list(staging)
    if listed is None:
        raise FileNotFoundError(f"run {run_id} staged no list of written files under {staging}")
    counts: dict[str, int] = dict.fromkeys(TABLES, 0)
    partitions: dict[str, dict[str, int]] = {}
    moves = []
    for entry in listed:
        table, partition, relative, rows = entry["table"], entry["partition"], entry["path"], entry["rows"]
        # The footer must agree with what the writer reported: a torn or foreign file stops the commit.
        if _row_count(posixpath.join(staging, relative)) != rows:
            raise ValueError(f"staged file {relative} does not hold the {rows} rows its writer reported")
        counts[table] = counts.get(table, 0) + rows
        partitions.setdefault(table, {}).setdefault(partition, 0)
        partitions[table][partition] += rows
        manifest.files.append({"table": table, "partition": partition, "path": relative, "rows": rows})
        moves.append((relative, relative))
    retire = []
    for date in replace_dates:
        for table in TABLES:
            owned = f"{table}/date={date}"
            manifest.replaced.append(owned)
            retire.extend(_relative(p, output) for p in _parquet_files(posixpath.join(output, owned)))
    manifest.retired_files = len(retire)
    manifest.inputs_total = read_input_count(staging)
    manifest.counts = counts
    manifest.partitions = partitions
    manifest.accounted = manifest.inputs_total == counts["documents"] + counts["errors"]
    return CommitPlan(run_id, moves, retire, asdict(manifest), feed_state_dir)


def _move(src: str, dst: str) -> None:
    """Rename src to dst; done already if src is gone and dst is there (a replayed journal)."""
    if FileSystems.exists(src):
        ensure_dir(posixpath.dirname(dst))
        FileSystems.rename([src], [dst])
    elif not FileSystems.exists(dst):
        raise FileNotFoundError(f"commit cannot move {src}: it is missing and {dst} does not exist")


def apply_commit(output: str, plan: CommitPlan) -> dict:
    """Carry out a journalled plan; idempotent, so a crash anywhere in it is fixed by running it again."""
    staging = staging_dir_for(output, plan.run_id)
    trash = posixpath.join(output, TRASH_DIR, plan.run_id)
    new_files = {dst for _, dst in plan.moves}
    # New files first, retired ones after: a reader in between sees a row twice, never a row missing.
    for src, dst in plan.moves:
        _move(posixpath.join(staging, src), posixpath.join(output, dst))
    for relative in plan.retire:
        if relative not in new_files and FileSystems.exists(posixpath.join(output, relative)):
            _move(posixpath.join(output, relative), posixpath.join(trash, relative))
    if plan.feed_state_dir:
        # Entries count as seen only once their rows are in the dataset.
        from transforms.feed_state import commit_run

        commit_run(plan.feed_state_dir, plan.run_id)
    manifest = dict(plan.manifest)
    write_atomic(posixpath.join(output, RUNS_DIR, f"{plan.run_id}.json"), _json(manifest))
    write_atomic(
        posixpath.join(output, SUCCESS_FILE),
        _json({k: manifest.get(k) for k in ("run_id", "mode", "finished_at", "counts", "replaced")}),
    )
    for directory in (trash, staging):
        _delete_tree(directory)
    return manifest


def _json(value) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, default=str) + "\n").encode()


def _delete_tree(directory: str) -> None:
    try:
        if FileSystems.exists(directory):
            FileSystems.delete([directory])
    except Exception:  # noqa: BLE001 - leftovers are harmless: the next run's recover() retries
        _LOG.warning("could not delete %s; the next run will", directory)


def commit(output: str, plan: CommitPlan) -> dict:
    """Write the journal (the commit point), then apply it."""
    write_atomic(posixpath.join(staging_dir_for(output, plan.run_id), COMMIT_FILE), _json(asdict(plan)))
    return apply_commit(output, plan)


def read_journal(output: str, run_id: str) -> CommitPlan | None:
    data = read_bytes(posixpath.join(staging_dir_for(output, run_id), COMMIT_FILE))
    if data is None:
        return None
    raw = json.loads(data)
    raw["moves"] = [tuple(m) for m in raw["moves"]]
    return CommitPlan(**raw)


@dataclass(frozen=True)
class Recovery:
    rolled_forward: tuple[str, ...]  # runs killed after their commit point, now completed
    discarded: tuple[str, ...]  # runs killed before it, whose staging was deleted


def recover(output: str, keep: str | None = None) -> Recovery:
    """Finish or discard what killed runs left behind; run before a new run writes anything.

    Assumes one writer at a time per output, as a nightly schedule gives.
    """
    rolled, discarded = [], []
    for run_id in _children(posixpath.join(output, STAGING_DIR)):
        if run_id == keep or run_id.startswith("."):
            continue
        plan = read_journal(output, run_id)
        if plan is not None:
            _LOG.warning("run %s was killed after its commit point; completing its commit", run_id)
            apply_commit(output, plan)
            rolled.append(run_id)
        else:
            _LOG.warning("run %s was killed before publishing; deleting its staged files", run_id)
            _delete_tree(staging_dir_for(output, run_id))
            discarded.append(run_id)
    for run_id in _children(posixpath.join(output, TRASH_DIR)):
        _delete_tree(posixpath.join(output, TRASH_DIR, run_id))
    return Recovery(tuple(dict.fromkeys(rolled)), tuple(dict.fromkeys(discarded)))


def publish(
    output: str,
    run_id: str,
    manifest: Manifest,
    replace_dates: tuple[str, ...] = (),
    feed_state_dir: str | None = None,
) -> Manifest:
    """Plan and commit a finished run; returns the manifest as written to _runs/RUN_ID.json.

    A run whose inputs do not balance (inputs != documents + errors) is not
    committed: UnaccountedRun, and the dataset stays as it was.
    """
    manifest.finished_at = dt.datetime.now(dt.timezone.utc).isoformat()
    plan = plan_commit(output, run_id, manifest, replace_dates, feed_state_dir)
    if not manifest.accounted:
        raise UnaccountedRun(
            f"{manifest.inputs_total} inputs but {manifest.counts['documents']} documents + "
            f"{manifest.counts['errors']} errors: some input was not accounted for"
        )
    commit(output, plan)
    return manifest


class UnaccountedRun(Exception):
    """The staged rows do not account for every input: publishing would lose data silently."""


def lock_output(output: str):
    """Take the output's writer lock, held while the returned file is open; RuntimeError if another run holds it.

    Local outputs only (an advisory flock on _staging/.lock): object stores have
    no locks, so there the schedule must keep to one writer (Airflow's
    max_active_runs=1). Returns the open lock file, or None.
    """
    if not is_local(output):
        return None
    import fcntl

    directory = os.path.join(output, STAGING_DIR)
    os.makedirs(directory, exist_ok=True)
    handle = open(os.path.join(directory, ".lock"), "a+")  # noqa: SIM115 - held open until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RuntimeError(f"another newsbeam run is writing to {output}; one writer at a time") from None
    return handle


def discard_staging(output: str, run_id: str) -> None:
    """A failed run's staged files go; nothing of it was published."""
    _delete_tree(staging_dir_for(output, run_id))


def published_doc_ids(output: str, dates: tuple[str, ...]) -> list[str]:
    """The doc ids the dataset's documents table holds for these dates (only that column is read)."""
    ids: set[str] = set()
    for date in dates:
        for path in _parquet_files(posixpath.join(output, "documents", f"date={date}")):
            with FileSystems.open(path) as handle:
                ids.update(pq.read_table(handle, columns=["doc_id"]).column("doc_id").to_pylist())
    return sorted(ids)
