"""`newsbeam inspect`: its figures checked against the run manifest and DuckDB, its HTML page, its warnings."""
import datetime as dt
import json
import re
import shutil
from html.parser import HTMLParser

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.dataset_report import NO_TOPIC, DatasetError, render_html, render_text, summarize
from schemas.tables import EDIT_KINDS, TABLES
from tests.conftest import run_cli


def query(out, sql):
    """`sql` with {documents}, {segments}, {errors} standing for the tables of the dataset at `out`."""
    tables = {t: f"read_parquet('{out}/{t}/*/**/*.parquet', hive_partitioning = true)" for t in TABLES}
    return duckdb.connect().execute(sql.format(**tables)).fetchall()


def block(text, heading):
    """The lines under a heading of the text report (spacing aside), up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split() == heading.split()) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def manifest_of(out):
    (path,) = (out / "_runs").glob("*.json")
    return json.loads(path.read_text())


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside <svg> elements."""

    def __init__(self):
        super().__init__()
        self.tags, self.svg_text, self.text, self._svg_depth = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._svg_depth += tag == "svg"

    def handle_endtag(self, tag):
        self._svg_depth -= tag == "svg"

    def handle_data(self, data):
        self.text.append(data)
        if self._svg_depth:
            self.svg_text.append(data)


def parse(page):
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_text_report_matches_the_manifest_and_duckdb(sample_run):
    out, _ = sample_run
    result = run_cli("inspect", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    text, manifest = result.stdout, manifest_of(out)

    tables = {line.split()[0]: line.split()[1:] for line in block(text, "table rows partitions files size dates")}
    for table in TABLES:
        partitions = manifest["partitions"].get(table, {})
        assert tables[table][:3] == [str(manifest["counts"][table]), str(len(partitions)), str(len(partitions))]
    assert tables["documents"][-1] == "2026-11-20"

    listed = {}
    for line in block(text, "partitions"):
        path, rows = re.fullmatch(r"  (\S+)\s+(\d+) rows?\s+1 file\s+[\d.]+ (?:B|KiB)", line).groups()
        listed[path] = int(rows)
    expected = {f"{t}/{p}": n for t, parts in manifest["partitions"].items() for p, n in parts.items()}
    assert listed == expected

    documents = manifest["counts"]["documents"]
    languages = query(out, "select language, count(*) from {documents} group by all")
    assert len(languages) == 4
    for language, n in languages:
        share = f"{100 * n / documents:.0f}%"
        assert any(re.fullmatch(rf"  {language}\s+{n}\s+{share}", line) for line in block(text, "documents by language"))

    topics = block(text, "primary topics (documents)")
    for topic, n in query(out, f"select coalesce(topic, '{NO_TOPIC}'), count(*) from {{documents}} group by all"):
        assert any(re.fullmatch(rf"  {re.escape(topic)}\s+{n}\s+\d+%", line) for line in topics), topic

    sums = query(out, "select " + ", ".join(f"sum(edit_counts.{k})" for k in EDIT_KINDS) + " from {documents}")[0]
    artifacts = dict(line.split() for line in block(text, "artifacts removed (cleaning edits by kind)"))
    assert artifacts == {kind: str(n) for kind, n in zip(EDIT_KINDS, sums, strict=True)}
    assert sum(sums) > 0

    assert block(text, "errors by stage and type") == ["  (none)"]
    (run_line,) = block(text, "last runs (1 of 1, newest first)")
    assert run_line.startswith(f"  {manifest['run_id']}  run  ")
    counts = manifest["counts"]
    assert (
        f"{manifest['inputs_total']} inputs -> {counts['documents']} documents, {counts['segments']} segments, "
        f"{counts['errors']} errors  accounted: yes"
    ) in run_line
    assert "warnings" not in text


def test_summary_figures_equal_duckdb(sample_run):
    out, _ = sample_run
    summary = summarize(str(out))
    for table in TABLES:
        (n,) = query(out, f"select count(*) from {{{table}}}")[0] if summary.table(table).files else (0,)
        assert summary.table(table).rows == n
    assert dict(summary.topics) == dict(
        query(out, f"select coalesce(topic, '{NO_TOPIC}'), count(*) from {{documents}} group by all")
    )
    assert dict(summary.languages) == dict(query(out, "select language, count(*) from {documents} group by all"))
    assert [n for _, n in summary.languages] == sorted((n for _, n in summary.languages), reverse=True)
    on_disk = {p.name: p.bytes for p in summary.table("segments").partitions}
    assert on_disk == {
        str(f.parent.relative_to(out / "segments")): f.stat().st_size for f in (out / "segments").rglob("*.parquet")
    }


def test_html_report_is_one_offline_page_with_charts(sample_run, tmp_path):
    out, _ = sample_run
    report = tmp_path / "report.html"
    result = run_cli("inspect", str(out), "--html", str(report))
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"html report: {report}" in result.stdout
    page = report.read_text(encoding="utf-8")
    parsed = parse(page)

    tags = [tag for tag, _ in parsed.tags]
    assert tags.count("svg") == 4 and tags.count("rect") > 0
    captions = [t.strip() for t in parsed.text]
    for caption in ("Documents by language", "Primary topics (documents)", "Artifacts removed (cleaning edits by kind)"):
        assert caption in captions
    # Nothing is fetched: no scripts, stylesheets, frames or images, no URL in any attribute or style.
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(tags)
    assert not any(name in ("src", "href") for _, attrs in parsed.tags for name in attrs)
    assert "http:" not in page and "https:" not in page and "url(" not in page and "@import" not in page

    summary = summarize(str(out))
    svg_text = [t.strip() for t in parsed.svg_text]
    for label, n in summary.languages + summary.artifacts:
        assert label in svg_text and str(n) in svg_text
    manifest = manifest_of(out)
    assert manifest["run_id"] in captions
    for partition, rows in manifest["partitions"]["segments"].items():
        assert partition in captions and str(rows) in captions


def _rows_for(table, rows):
    schema = TABLES[table].arrow_schema
    return pa.Table.from_pylist([{f.name: row.get(f.name) for f in schema} for row in rows], schema=schema)


def _small_dataset(root, title, bad):
    now = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
    document = {
        "doc_id": "d1", "source_uri": "in/a.txt", "source_kind": "file", "format": "txt", "title": title,
        "ingested_at": now, "text": "Hello.", "raw_chars": 9, "clean_chars": 6, "language_score": 0.9,
        "topic": bad, "topics": [{"label": bad, "score": 0.9}], "n_segments": 0, "timed": False,
        "cleaning": "full", "edit_counts": {kind: 1 for kind in EDIT_KINDS}, "run_id": "r1",
    }  # fmt: skip
    error = {
        "source_uri": bad, "stage": "parse", "error_type": bad, "message": "broken\x1b[31m red\nnext line",
        "excerpt": bad, "run_id": "r1", "at": now,
    }  # fmt: skip
    for table, partition, rows in (
        ("documents", "date=2026-11-20/language=en", [document, {**document, "doc_id": "d2", "topic": None}]),
        ("errors", "date=2026-11-20", [error, {**error, "source_uri": "in/b.txt"}]),
    ):
        (root / table / partition).mkdir(parents=True)
        pq.write_table(_rows_for(table, rows), root / table / partition / "part-r1-00000.parquet")
    (root / "_runs").mkdir()
    (root / "_runs" / "r1.json").write_text(json.dumps({"run_id": bad, "started_at": "2026-11-20T01:00:00+00:00"}))


def test_untrusted_strings_are_escaped(tmp_path):
    bad = "<script>alert('x')</script><img src=x onerror=alert(1)>&amp;"
    title = '"><svg onload=alert(2)>'
    _small_dataset(tmp_path, title, bad)
    summary = summarize(str(tmp_path))
    assert dict(summary.topics) == {bad: 1, NO_TOPIC: 1}
    (group,) = summary.errors
    assert (group.stage, group.error_type, group.rows) == ("parse", bad, 2)
    assert summary.artifacts == tuple((kind, 2) for kind in sorted(EDIT_KINDS))

    page = render_html(summary)
    assert bad not in page and "<script" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp;amp;" in page
    parsed = parse(page)
    assert not {"script", "img"} & {tag for tag, _ in parsed.tags}
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert bad in "".join(parsed.svg_text)  # shown, as text
    assert title not in page  # titles are not shown; were they ever, escaped

    text = render_text(summary)
    assert "\x1b" not in text and "e.g. broken [31m red next line" in text


@pytest.mark.parametrize("make", ["missing", "empty", "file", "only_junk"])
def test_no_dataset_is_a_one_line_error(tmp_path, make):
    target = tmp_path / "out"
    if make == "empty":
        target.mkdir()
    elif make == "file":
        target.write_text("not a dataset")
    elif make == "only_junk":
        (target / "_staging").mkdir(parents=True)
        (target / "notes").mkdir()
    with pytest.raises(DatasetError):
        summarize(str(target))
    if make != "empty":
        return
    result = run_cli("inspect", str(target))
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("newsbeam: error: ") and str(target) in line


def test_hidden_dirs_are_ignored_and_leftovers_reported(sample_run, tmp_path):
    source, _ = sample_run
    out = tmp_path / "out"
    shutil.copytree(source, out)
    before = summarize(str(out))
    manifest = manifest_of(out)
    junk = b"not parquet"
    for path in (
        "documents/_tmp/part-x.parquet",
        "documents/date=2026-11-20/.part-x.parquet",
        "segments/date=2026-11-20/language=en/_staging/part-x.parquet",
        "_trash/r0/documents/date=2026-11-20/language=en/part-x.parquet",
        "_state/feeds.json",
        ".cache/x.parquet",
        "_staging/20261119T000000Z-dead00/documents/date=2026-11-19/language=en/part-x.parquet",
        "_staging/20261119T000000Z-dead00/_stats/inputs.json",
        "_staging/20261118T000000Z-c0ffee/_COMMIT.json",
        "_staging/.probe-123",
    ):
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(junk)
    (out / "_staging" / "20261117T000000Z-empty0").mkdir()
    (out / "_SUCCESS").write_text(json.dumps({"run_id": manifest["run_id"], "finished_at": manifest["finished_at"]}))
    older = {"run_id": "20261101T000000Z-000001", "started_at": "2026-11-01T00:00:00+00:00", "accounted": False,
             "inputs_total": 3, "counts": {"documents": 1, "errors": 1}, "extra": {"unknown": "key"}}  # fmt: skip
    (out / "_runs" / "zz-older.json").write_text(json.dumps(older))
    (out / "_runs" / "broken.json").write_text("{")

    after = summarize(str(out), runs=1)
    assert after.tables == before.tables
    assert (after.languages, after.topics, after.artifacts) == (before.languages, before.topics, before.artifacts)
    assert [r.run_id for r in after.runs] == [manifest["run_id"]] and after.runs_total == 2
    assert after.published_run == manifest["run_id"]

    result = run_cli("inspect", str(out), "--runs", "5")
    assert result.returncode == 0, result.stderr[-2000:]
    runs = block(result.stdout, "last runs (2 of 2, newest first)")
    assert [line.split()[0] for line in runs] == [manifest["run_id"], older["run_id"]]
    assert "accounted: NO" in runs[1]
    assert f"last published run: {manifest['run_id']} at " in result.stdout
    warnings = block(result.stdout, "warnings")
    assert len(warnings) == 4
    assert any(w.startswith("  unpublished staging from run 20261119T000000Z-dead00: 2 files") for w in warnings)
    assert any(w.startswith("  unpublished staging from run 20261118T000000Z-c0ffee: 1 files") and "committed" in w for w in warnings)
    assert any(w.startswith(f"  run {older['run_id']} did not account for all its inputs") for w in warnings)
    assert any(w.startswith("  unreadable manifest _runs/broken.json") for w in warnings)
    assert "empty0" not in result.stdout and "probe" not in result.stdout


def test_partition_listing_is_capped_in_the_text(sample_run):
    out, _ = sample_run
    text = render_text(summarize(str(out)), max_partitions=1)
    lines = block(text, "partitions")
    assert [line.split()[0] for line in lines[:2]] == ["documents/date=2026-11-20/language=fr", "segments/date=2026-11-20/language=fr"]
    assert "  documents: 3 older partitions not shown (--partitions 0 lists all)" in lines
    assert "  segments: 3 older partitions not shown (--partitions 0 lists all)" in lines
