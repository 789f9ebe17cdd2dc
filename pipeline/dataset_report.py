"""What a newsbeam dataset holds, at a glance: partitions, rows, languages, topics, artifacts, errors, runs.

Plain functions over pyarrow, no Beam: `summarize` reads Parquet footers and a few columns,
`render_text` and `render_html` format the summary for a terminal or as one self-contained page.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import posixpath
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from schemas.tables import EDIT_KINDS, TABLES

# The same names pipeline.publish writes; anything under "_" or "." is not a table.
RUNS_DIR = "_runs"
STAGING_DIR = "_staging"
SUCCESS_FILE = "_SUCCESS"
COMMIT_FILE = "_COMMIT.json"
NOT_A_TABLE = ("_", ".")
NO_TOPIC = "(none)"
DEFAULT_RUNS = 10
# Footers and manifests are small reads; on an object store their latency dominates.
_IO_THREADS = 16


class DatasetError(ValueError):
    """The path holds no newsbeam dataset, or cannot be read."""


@dataclass(frozen=True)
class PartitionStats:
    name: str  # Hive path below the table, e.g. "date=2026-11-20/language=en"
    rows: int
    files: int
    bytes: int

    def value(self, key: str) -> str | None:
        for part in self.name.split("/"):
            name, sep, value = part.partition("=")
            if sep and name == key:
                return value
        return None


@dataclass(frozen=True)
class TableStats:
    name: str
    partitions: tuple[PartitionStats, ...]  # sorted by name, so oldest date first

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def files(self) -> int:
        return sum(p.files for p in self.partitions)

    @property
    def bytes(self) -> int:
        return sum(p.bytes for p in self.partitions)

    @property
    def dates(self) -> tuple[str, str] | None:
        values = sorted(d for d in (p.value("date") for p in self.partitions) if d)
        return (values[0], values[-1]) if values else None


@dataclass(frozen=True)
class ErrorGroup:
    stage: str
    error_type: str
    rows: int
    example_source: str  # one row of the group, to show what it looks like
    example_message: str


@dataclass(frozen=True)
class RunStats:
    run_id: str
    started_at: str
    finished_at: str
    inputs_total: int | None
    documents: int
    segments: int
    errors: int
    accounted: bool | None  # None for a manifest that does not say
    mode: str = "run"  # run appends; nightly replaces its date's partitions

    @property
    def seconds(self) -> float | None:
        start, end = _parse_time(self.started_at), _parse_time(self.finished_at)
        if start is None or end is None:
            return None
        return (end - start).total_seconds()


@dataclass(frozen=True)
class DatasetSummary:
    root: str
    tables: tuple[TableStats, ...]  # documents, segments, errors: always all three, empty when absent
    languages: tuple[tuple[str, int], ...]  # documents per language partition, most first
    topics: tuple[tuple[str, int], ...]  # documents per primary topic, NO_TOPIC for none
    artifacts: tuple[tuple[str, int], ...]  # cleaning edits per kind summed over documents, most first
    errors: tuple[ErrorGroup, ...]  # most rows first
    runs: tuple[RunStats, ...]  # the last runs, newest first
    runs_total: int
    published_run: str | None  # from _SUCCESS, when the dataset has one
    published_at: str | None
    warnings: tuple[str, ...]

    def table(self, name: str) -> TableStats:
        return next(t for t in self.tables if t.name == name)


# --- reading -----------------------------------------------------------------------------------


def summarize(root: str, runs: int = DEFAULT_RUNS) -> DatasetSummary:
    """Summarize the dataset at `root` (a local path or a URI pyarrow knows: gs://, s3://, ...)."""
    fs, base = _filesystem(root)
    try:
        return _summarize(root, fs, base.rstrip("/") or "/", runs)
    except (OSError, pa.ArrowException) as exc:
        raise DatasetError(f"cannot read {root}: {exc}") from None


def _filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    if "://" not in root:
        return pafs.LocalFileSystem(), os.path.abspath(root)
    try:
        return pafs.FileSystem.from_uri(root)
    except (ValueError, NotImplementedError, OSError) as exc:
        raise DatasetError(f"cannot open {root}: {exc}") from None


def _summarize(root: str, fs: pafs.FileSystem, base: str, runs: int) -> DatasetSummary:
    info = fs.get_file_info(base)
    if info.type == pafs.FileType.NotFound:
        raise DatasetError(f"{root}: no such dataset directory")
    if info.type != pafs.FileType.Directory:
        raise DatasetError(f"{root} is not a directory")
    children = {posixpath.basename(c.path): c for c in fs.get_file_info(pafs.FileSelector(base))}
    warnings: list[str] = []

    tables: list[TableStats] = []
    datasets: dict[str, ds.Dataset] = {}
    for name, table in TABLES.items():
        child = children.get(name)
        files = _table_files(fs, child.path) if child and child.type == pafs.FileType.Directory else []
        partitioning = ds.partitioning(pa.schema([(key, pa.string()) for key in table.partition_by]), flavor="hive")
        dataset = None
        if files:
            dataset = ds.dataset(
                [f.path for f in files], filesystem=fs, format="parquet", partitioning=partitioning, partition_base_dir=child.path
            )
            datasets[name] = dataset
        tables.append(TableStats(name, _partitions(dataset, files, child.path if child else "")))

    manifests, manifest_warnings = _read_manifests(fs, posixpath.join(base, RUNS_DIR))
    warnings.extend(manifest_warnings)
    published_run, published_at = None, None
    if SUCCESS_FILE in children:
        try:
            success = _read_json(fs, children[SUCCESS_FILE].path)
            published_run, published_at = str(success.get("run_id", "")) or None, str(success.get("finished_at", "")) or None
        except (ValueError, AttributeError) as exc:
            warnings.append(f"unreadable {SUCCESS_FILE}: {exc}")
    if not datasets and not manifests and published_run is None:
        raise DatasetError(f"{root} holds no newsbeam dataset (no documents, segments or errors files, no {RUNS_DIR} manifests)")

    warnings.extend(_staging_warnings(fs, children.get(STAGING_DIR)))
    for run in manifests:
        if run.accounted is False:
            warnings.append(
                f"run {run.run_id} did not account for all its inputs: {run.inputs_total} inputs, "
                f"{run.documents} documents + {run.errors} errors"
            )

    languages: Counter = Counter()
    for partition in next(t for t in tables if t.name == "documents").partitions:
        languages[partition.value("language") or NO_TOPIC] += partition.rows
    topics, artifacts = _document_figures(datasets.get("documents"))
    newest_first = sorted(manifests, key=lambda r: (r.started_at, r.run_id), reverse=True)
    return DatasetSummary(
        root=root,
        tables=tuple(tables),
        languages=_most_first(languages),
        topics=_most_first(topics),
        artifacts=_most_first(artifacts),
        errors=_error_groups(datasets.get("errors")),
        runs=tuple(newest_first[: max(runs, 0)]),
        runs_total=len(manifests),
        published_run=published_run,
        published_at=published_at,
        warnings=tuple(warnings),
    )


def _is_hidden(relative: str) -> bool:
    return any(part.startswith(NOT_A_TABLE) for part in relative.split("/"))


def _table_files(fs: pafs.FileSystem, table_dir: str) -> list[pafs.FileInfo]:
    found = fs.get_file_info(pafs.FileSelector(table_dir, recursive=True))
    return sorted(
        (
            f
            for f in found
            if f.type == pafs.FileType.File
            and f.path.endswith(".parquet")
            and not _is_hidden(posixpath.relpath(f.path, table_dir))
        ),
        key=lambda f: f.path,
    )


def _partitions(dataset: ds.Dataset | None, files: list[pafs.FileInfo], table_dir: str) -> tuple[PartitionStats, ...]:
    if dataset is None:
        return ()
    fragments = list(dataset.get_fragments())
    with ThreadPoolExecutor(_IO_THREADS) as pool:
        rows_by_path = dict(zip([f.path for f in fragments], pool.map(lambda f: f.metadata.num_rows, fragments), strict=True))
    grouped: dict[str, list[int]] = {}  # partition -> [rows, files, bytes]
    for f in files:
        name = posixpath.dirname(posixpath.relpath(f.path, table_dir))
        figures = grouped.setdefault(name, [0, 0, 0])
        figures[0] += rows_by_path.get(f.path, 0)
        figures[1] += 1
        figures[2] += f.size or 0
    return tuple(PartitionStats(name, *figures) for name, figures in sorted(grouped.items()))


def _document_figures(dataset: ds.Dataset | None) -> tuple[Counter, Counter]:
    """Primary topics and edits per kind, from two columns of documents, one batch at a time."""
    topics: Counter = Counter()
    artifacts: Counter = Counter({kind: 0 for kind in EDIT_KINDS})
    if dataset is None:
        return topics, artifacts
    columns = [c for c in ("topic", "edit_counts") if c in dataset.schema.names]
    for batch in dataset.to_batches(columns=columns):
        if "topic" in columns:
            counts = pc.value_counts(pc.fill_null(batch.column("topic"), NO_TOPIC))
            topics.update(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)))
        if "edit_counts" in columns:
            edit_counts = batch.column("edit_counts")
            for i, field in enumerate(edit_counts.type):
                artifacts[field.name] += pc.sum(pc.struct_field(edit_counts, [i])).as_py() or 0
    return topics, artifacts


def _error_groups(dataset: ds.Dataset | None) -> tuple[ErrorGroup, ...]:
    if dataset is None:
        return ()
    columns = ["stage", "error_type", "source_uri", "message"]
    present = [c for c in columns if c in dataset.schema.names]
    groups: dict[tuple[str, str], list] = {}  # (stage, type) -> [rows, source, message]
    for batch in dataset.to_batches(columns=present):
        if not batch.num_rows:
            continue
        table = pa.Table.from_batches([batch])
        for column in columns:
            if column not in present:
                table = table.append_column(column, pa.nulls(table.num_rows, pa.string()))
        stats = table.group_by(["stage", "error_type"], use_threads=False).aggregate(
            [([], "count_all"), ("source_uri", "first"), ("message", "first")]
        )
        for stage, error_type, rows, source, message in zip(
            *(stats.column(c).to_pylist() for c in ("stage", "error_type", "count_all", "source_uri_first", "message_first")), strict=True
        ):
            group = groups.setdefault((stage or NO_TOPIC, error_type or NO_TOPIC), [0, source or "", message or ""])
            group[0] += rows
    ordered = sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    return tuple(ErrorGroup(stage, error_type, *figures) for (stage, error_type), figures in ordered)


def _read_json(fs: pafs.FileSystem, path: str) -> dict:
    with fs.open_input_stream(path) as handle:
        data = json.loads(handle.read().decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _read_manifests(fs: pafs.FileSystem, runs_dir: str) -> tuple[list[RunStats], list[str]]:
    listing = fs.get_file_info(pafs.FileSelector(runs_dir, allow_not_found=True))
    paths = sorted(f.path for f in listing if f.type == pafs.FileType.File and f.path.endswith(".json"))

    def read(path: str) -> RunStats | str:
        try:
            return _run_stats(_read_json(fs, path), posixpath.basename(path)[: -len(".json")])
        except (OSError, ValueError, TypeError) as exc:
            return f"unreadable manifest {RUNS_DIR}/{posixpath.basename(path)}: {exc}"

    with ThreadPoolExecutor(_IO_THREADS) as pool:
        results = list(pool.map(read, paths))
    return [r for r in results if isinstance(r, RunStats)], [r for r in results if isinstance(r, str)]


def _run_stats(manifest: dict, fallback_id: str) -> RunStats:
    counts = manifest.get("counts") or {}
    accounted = manifest.get("accounted")
    inputs_total = manifest.get("inputs_total")
    return RunStats(
        run_id=str(manifest.get("run_id") or fallback_id),
        started_at=str(manifest.get("started_at") or ""),
        finished_at=str(manifest.get("finished_at") or ""),
        inputs_total=int(inputs_total) if inputs_total is not None else None,
        documents=int(counts.get("documents", 0)),
        segments=int(counts.get("segments", 0)),
        errors=int(counts.get("errors", 0)),
        accounted=accounted if isinstance(accounted, bool) else None,
        mode=str(manifest.get("mode") or "run"),
    )


def _staging_warnings(fs: pafs.FileSystem, staging: pafs.FileInfo | None) -> list[str]:
    """A non-empty run directory in _staging is a run killed before it published (or one still running)."""
    if staging is None or staging.type != pafs.FileType.Directory:
        return []
    warnings = []
    for child in sorted(fs.get_file_info(pafs.FileSelector(staging.path)), key=lambda c: c.path):
        name = posixpath.basename(child.path)
        if child.type != pafs.FileType.Directory or name.startswith("."):
            continue  # the CLI's write probe is a dot file
        files = [f for f in fs.get_file_info(pafs.FileSelector(child.path, recursive=True)) if f.type == pafs.FileType.File]
        if not files:
            continue
        # A commit journal means the run passed its commit point: the next run rolls it forward.
        committed = any(posixpath.basename(f.path) == COMMIT_FILE for f in files)
        fate = "committed but not finished; the next run completes it" if committed else (
            "killed before publishing, or still running; the next run deletes it"
        )
        warnings.append(f"unpublished staging from run {name}: {len(files)} files in {STAGING_DIR}/{name} ({fate})")
    return warnings


def _most_first(counts: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda item: (-item[1], item[0])))


def _parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


# --- formatting shared by both renderers ------------------------------------------------------


def _time(value: str) -> str:
    parsed = _parse_time(value)
    return f"{parsed.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC" if parsed else (value or "-")


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def _dates(table: TableStats) -> str:
    dates = table.dates
    if not dates:
        return "-"
    return dates[0] if dates[0] == dates[1] else f"{dates[0]} .. {dates[1]}"


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _yes_no(accounted: bool | None) -> str:
    return {True: "yes", False: "NO", None: "?"}[accounted]


def _one_line(text: str, limit: int = 100) -> str:
    """Untrusted text for a terminal: control characters (escapes, newlines) become spaces, long text is cut."""
    clean = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def _run_line(run: RunStats) -> str:
    inputs = "?" if run.inputs_total is None else run.inputs_total
    return (
        f"{_one_line(run.run_id, 60)}  {_one_line(run.mode, 10)}  {_time(run.started_at)}  {_seconds(run.seconds)}  {inputs} inputs -> "
        f"{run.documents} documents, {run.segments} segments, {run.errors} errors  accounted: {_yes_no(run.accounted)}"
    )


# --- text -------------------------------------------------------------------------------------


def _columns(rows: Sequence[Sequence[str]], right: Iterable[int] = (), indent: str = "  ") -> list[str]:
    right = set(right)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))).rstrip()
        for row in rows
    ]


def _counts_block(title: str, items: Sequence[tuple[str, int]], total: int | None = None) -> list[str]:
    lines = [title]
    if not items:
        return lines + ["  (none)"]
    rows = [[_one_line(label, 60), str(n)] + ([_share(n, total)] if total is not None else []) for label, n in items]
    return lines + _columns(rows, right=(1, 2))


def render_text(summary: DatasetSummary, max_partitions: int = 20) -> str:
    """The summary for a terminal; each table lists its newest `max_partitions` partitions (0: all)."""
    lines = [f"newsbeam dataset {_one_line(summary.root, 200)}"]
    if summary.published_run:
        lines.append(f"last published run: {_one_line(summary.published_run, 60)} at {_time(summary.published_at or '')}")
    lines.append("")
    rows = [["table", "rows", "partitions", "files", "size", "dates"]]
    rows += [[t.name, str(t.rows), str(len(t.partitions)), str(t.files), _size(t.bytes), _dates(t)] for t in summary.tables]
    lines += _columns(rows, right=(1, 2, 3, 4), indent="")

    lines += ["", "partitions"]
    part_rows, notes = [], []
    for table in summary.tables:
        shown = table.partitions if max_partitions <= 0 else table.partitions[-max_partitions:]
        part_rows += [[f"{table.name}/{p.name}", _plural(p.rows, "row"), _plural(p.files, "file"), _size(p.bytes)] for p in shown]
        if len(shown) < len(table.partitions):
            notes.append(f"  {table.name}: {len(table.partitions) - len(shown)} older partitions not shown (--partitions 0 lists all)")
    lines += (_columns(part_rows, right=(1, 2, 3)) if part_rows else ["  (none)"]) + notes

    documents = summary.table("documents").rows
    lines += [""] + _counts_block("documents by language", summary.languages, documents)
    lines += [""] + _counts_block("primary topics (documents)", summary.topics, documents)
    lines += [""] + _counts_block("artifacts removed (cleaning edits by kind)", summary.artifacts)

    lines += ["", "errors by stage and type"]
    if summary.errors:
        error_rows = [
            [_one_line(e.stage, 20), _one_line(e.error_type, 40), str(e.rows), f"e.g. {_one_line(e.example_message, 80)}"]
            for e in summary.errors
        ]
        lines += _columns(error_rows, right=(2,))
    else:
        lines.append("  (none)")

    lines += ["", f"last runs ({len(summary.runs)} of {summary.runs_total}, newest first)"]
    lines += [f"  {_run_line(run)}" for run in summary.runs] or ["  (none)"]
    if summary.warnings:
        lines += ["", "warnings"] + [f"  {_one_line(w, 300)}" for w in summary.warnings]
    return "\n".join(lines)


# --- html -------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #d9dde5; }
.muted { color: #5c6675; } .warn { background: #fff4e0; border-left: 4px solid #e69500; padding: .5rem 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 1rem 2rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .3rem; }
svg { max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: #1d2330; }
svg rect { fill: #3b6fb6; } svg .errors rect { fill: #c0392b; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { padding: .2rem .7rem; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #9aa3b1; } tr:nth-child(even) td { background: #f4f6f9; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.stat { display: inline-block; margin: .5rem 2rem .5rem 0; } .stat b { display: block; font-size: 1.5rem; }
"""


def _bar_chart(title: str, items: Sequence[tuple[str, int]], css_class: str = "", max_bars: int = 20) -> str:
    """A horizontal bar chart as inline SVG: one bar per label, the rest folded into one bar."""
    items = list(items)
    if len(items) > max_bars:
        rest = items[max_bars - 1 :]
        items = items[: max_bars - 1] + [(f"{len(rest)} others", sum(n for _, n in rest))]
    row, bar_area = 22, 240
    labels = [label if len(label) <= 44 else label[:43] + "…" for label, _ in items]
    label_width = 10 + 7 * max([len(label) for label in labels] + [6])  # about 7 px a character at 12 px
    width, height = label_width + bar_area + 60, max(row * len(items), row) + 4
    top = max((n for _, n in items), default=0) or 1
    parts = []
    for i, ((label, n), short) in enumerate(zip(items, labels, strict=True)):
        y = i * row
        bar = round(bar_area * n / top, 1)
        parts.append(
            f'<g><title>{_e(label)}: {n}</title>'
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{_e(short)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{bar}" height="{row - 8}" rx="2"></rect>'
            f'<text x="{label_width + bar + 5}" y="{y + 15}">{n}</text></g>'
        )
    if not items:
        parts.append('<text x="0" y="15">none</text>')
    return (
        f'<figure><figcaption>{_e(title)}</figcaption>'
        f'<svg class="{_e(css_class)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">'
        + "".join(parts)
        + "</svg></figure>"
    )


def _html_table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: Iterable[int] = ()) -> str:
    numeric = set(numeric)
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(summary: DatasetSummary) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, nothing fetched; every data string escaped."""
    documents, segments, errors = (summary.table(name) for name in ("documents", "segments", "errors"))
    stats = "".join(
        f'<span class="stat"><b>{value}</b>{_e(label)}</span>'
        for value, label in (
            (documents.rows, "documents"),
            (segments.rows, "segments"),
            (errors.rows, "errors"),
            (len(summary.languages), "languages"),
            (summary.runs_total, "runs"),
        )
    )
    published = (
        f'<p class="muted">Last published run {_e(summary.published_run)} at {_e(_time(summary.published_at or ""))}.</p>'
        if summary.published_run
        else ""
    )
    warnings = (
        '<div class="warn"><b>Warnings</b><ul>' + "".join(f"<li>{_e(w)}</li>" for w in summary.warnings) + "</ul></div>"
        if summary.warnings
        else ""
    )
    charts = "".join(
        (
            _bar_chart("Documents by language", summary.languages),
            _bar_chart("Primary topics (documents)", summary.topics),
            _bar_chart("Artifacts removed (cleaning edits by kind)", summary.artifacts),
            _bar_chart("Errors by stage / type", [(f"{e.stage} / {e.error_type}", e.rows) for e in summary.errors], "errors"),
        )
    )
    tables = _html_table(
        ("table", "rows", "partitions", "files", "size", "dates"),
        ((t.name, t.rows, len(t.partitions), t.files, _size(t.bytes), _dates(t)) for t in summary.tables),
        numeric=(1, 2, 3, 4),
    )
    error_table = (
        _html_table(
            ("stage", "error type", "rows", "example source", "example message"),
            ((e.stage, e.error_type, e.rows, _one_line(e.example_source, 300), _one_line(e.example_message, 300)) for e in summary.errors),
            numeric=(2,),
        )
        if summary.errors
        else '<p class="muted">No errors rows.</p>'
    )
    runs = (
        _html_table(
            ("run", "mode", "started", "took", "inputs", "documents", "segments", "errors", "accounted"),
            (
                (
                    r.run_id,
                    r.mode,
                    _time(r.started_at),
                    _seconds(r.seconds),
                    "?" if r.inputs_total is None else r.inputs_total,
                    r.documents,
                    r.segments,
                    r.errors,
                    _yes_no(r.accounted),
                )
                for r in summary.runs
            ),
            numeric=(3, 4, 5, 6, 7),
        )
        if summary.runs
        else '<p class="muted">No run manifests.</p>'
    )
    partitions = _html_table(
        ("table", "partition", "rows", "files", "size"),
        ((t.name, p.name, p.rows, p.files, _size(p.bytes)) for t in summary.tables for p in t.partitions),
        numeric=(2, 3, 4),
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsbeam dataset {_e(summary.root)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>newsbeam dataset</h1>
<p class="muted">{_e(summary.root)}</p>
{published}{warnings}
<div>{stats}</div>
<h2>Tables</h2>
{tables}
<h2>At a glance</h2>
<div class="charts">{charts}</div>
<h2>Errors</h2>
{error_table}
<h2>Last runs ({len(summary.runs)} of {summary.runs_total}, newest first)</h2>
{runs}
<h2>Partitions</h2>
{partitions}
</body>
</html>
"""
