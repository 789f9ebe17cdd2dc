"""The CLI contract: real files in, a partitioned dataset out, read back with DuckDB."""
import json

import duckdb
import pytest

from tests.conftest import SAMPLE_INPUTS, SAMPLES, run_cli, sample_files, staged_runs


def rows(out, table, columns="*", where="true"):
    con = duckdb.connect()
    return con.execute(
        f"select {columns} from read_parquet('{out}/{table}/**/*.parquet', hive_partitioning=true) where {where}"
    ).fetchall()


def test_layout_manifest_and_accounting(sample_run):
    out, result = sample_run
    manifests = list((out / "_runs").glob("*.json"))
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_text())
    n_inputs = len(sample_files())
    assert manifest["inputs_total"] == n_inputs
    assert manifest["counts"]["documents"] + manifest["counts"]["errors"] == n_inputs
    assert manifest["accounted"] is True
    assert {p.name for p in (out / "documents").iterdir()} == {"date=2026-11-20"}
    assert {p.name for p in (out / "documents" / "date=2026-11-20").iterdir()} == {"language=en", "language=de", "language=es", "language=fr"}
    assert not staged_runs(out)
    assert "all inputs accounted for: yes" in result.stdout


def test_seed_transcript_values(sample_run):
    out, _ = sample_run
    (doc,) = rows(out, "documents", "language, topic, title, text, format, published_at, ingested_at, n_segments, doc_id", "source_uri like '%seed_cnn_kursk.txt'")
    language, topic, title, text, fmt, published_at, ingested_at, n_segments, doc_id = doc
    assert language == "en"
    assert topic == "conflict, war and peace"
    assert title == "Ukraine advances in Russia as Moscow mayor accuses Kyiv of ‘one of largest ever’ drone attacks"
    assert "Share your thoughts" not in text and "Take a listen" not in text
    assert fmt == "txt" and published_at is None and ingested_at.tzinfo is not None
    segments = rows(out, "segments", "text, start_char, end_char, segment_language, boundary, segment_index", f"doc_id = '{doc_id}'")
    assert len(segments) == n_segments > 0
    for seg_text, start, end, seg_language, boundary, index in segments:
        assert text[start:end] == seg_text and seg_language == "en"
        assert boundary in ("turn", "topic", "size") and (index > 0 or boundary == "turn")


def test_column_types_are_warehouse_friendly(sample_run):
    out, _ = sample_run
    described = duckdb.connect().execute(
        f"describe select * from read_parquet('{out}/documents/**/*.parquet', hive_partitioning=true)"
    ).fetchall()
    types = {name: column_type for name, column_type, *_ in described}
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["ingested_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["topics"] == 'STRUCT("label" VARCHAR, score DOUBLE)[]'
    assert types["raw_chars"] == "BIGINT" and types["n_segments"] == "INTEGER"
    assert types["date"] == "DATE" and types["language"] == "VARCHAR"
    assert not any(t.startswith("U") for t in types.values())  # no unsigned integers


def test_timed_and_speaker_segments(sample_run):
    out, _ = sample_run
    timed_docs = f"doc_id in (select doc_id from read_parquet('{out}/documents/**/*.parquet') where timed)"
    assert {f for (f,) in rows(out, "documents", "format", "timed")} == {"srt", "vtt", "json"}
    timed = rows(out, "segments", "start_seconds, end_seconds", timed_docs)
    assert timed and all(a is not None and b is not None and a <= b for a, b in timed)
    speakers = {r[0] for r in rows(out, "segments", "speaker", "speaker is not null")}
    assert {"Maya Lindqvist", "Tomas Okafor", "SPRECHERIN", "PRÉSENTATRICE"} <= speakers


def test_doc_ids_are_stable_across_runs(sample_run, tmp_path):
    out, _ = sample_run
    second = tmp_path / "again"
    result = run_cli("run", *SAMPLE_INPUTS, f"--output={second}", "--date=2026-11-20")
    assert result.returncode == 0, result.stderr[-2000:]
    first_rows = sorted(rows(out, "segments", "segment_id, text, topic, segment_language"))
    assert first_rows == sorted(rows(second, "segments", "segment_id, text, topic, segment_language"))


RUN_COLUMNS = {"documents": "run_id, ingested_at", "segments": "run_id", "errors": "run_id, at"}


def _comparable(out):
    """Every row of every table, less the columns that name the run."""
    return {
        table: sorted(tuple(str(v) for v in r) for r in rows(out, table, f"* exclude ({RUN_COLUMNS[table]})"))
        for table in ("documents", "segments")
    }


@pytest.mark.parametrize(
    "runner_args",
    [
        ["--runner=PortableRunner", "--job_endpoint=embed", "--environment_type=LOOPBACK"],
        ["--direct_num_workers=2", "--direct_running_mode=multi_processing"],
    ],
    ids=["portable-embed", "multi-processing"],
)
def test_other_runners_produce_the_same_rows(sample_run, tmp_path, runner_args):
    out, _ = sample_run
    other = tmp_path / "other"
    result = run_cli("run", *SAMPLE_INPUTS, f"--output={other}", "--date=2026-11-20", *runner_args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _comparable(other) == _comparable(out)


def test_bad_inputs_each_become_one_errors_row(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 2)
    (bad / "undecodable.txt").write_bytes(b"\xff\xfe\x00\xd8a")
    (bad / "broken.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:xx.000\nHello\n")
    (bad / "broken.srt").write_text("1\n00:00:09,000 --> 00:00:01,000\nBackwards\n")
    (bad / "notes.json").write_text('{"title": "not a transcript"}')
    (bad / "huge.txt").write_text("word " * 400)
    (bad / "good.txt").write_text("A real transcript. It has words.")
    out = tmp_path / "out"
    result = run_cli("run", f"--input={bad}/*", f"--input={tmp_path}/missing/*.srt", f"--output={out}", "--max-bytes=1000", "--date=2026-11-20")
    assert result.returncode == 0, result.stderr[-2000:]
    errors = {(uri.rsplit("/", 1)[-1], stage, error_type) for uri, stage, error_type in rows(out, "errors", "source_uri, stage, error_type")}
    assert errors == {
        ("empty.txt", "parse", "EmptyInput"),
        ("binary.txt", "parse", "BinaryInput"),
        ("undecodable.txt", "parse", "UndecodableText"),
        ("broken.vtt", "parse", "BrokenTimings"),
        ("broken.srt", "parse", "BrokenTimings"),
        ("notes.json", "parse", "NotATranscript"),
        ("huge.txt", "read", "FileTooLarge"),
        ("*.srt", "match", "NoMatch"),
    }
    messages = [m for (m,) in rows(out, "errors", "message")]
    assert all(len(m) > 15 for m in messages)
    assert len(rows(out, "documents", "doc_id")) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--output=/tmp/x"], "--input"),
        (["run", f"--input={SAMPLES}/*.txt"], "--output"),
        (["run", f"--input={SAMPLES}/*.txt", "--output=/tmp/x", "--date=2026-13-45"], "--date"),
        (["run", f"--input={SAMPLES}/*.txt", "--output=/proc/newsbeam-cannot-write"], "not writable"),
        (["run", f"--input={SAMPLES}/*.txt", f"--output={SAMPLES}/README.md"], "is a file"),
        (["run", f"--input={SAMPLES}/*.txt", "--output=/tmp/x", "--languages=en,xx"], "--languages"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("newsbeam: error:")]
    assert len(lines) == 1 and message in lines[0]


def test_user_cleaning_data_and_profile_are_used_and_recorded(tmp_path):
    import shutil

    data = tmp_path / "cleaning"
    shutil.copytree(SAMPLES.parent / "transforms" / "data" / "cleaning", data)
    with open(data / "fillers.txt", "a", encoding="utf-8") as handle:
        handle.write("en\tclause\tbasically\n")
    (tmp_path / "in.txt").write_text("Basically, the council voted to raise fares. Um, riders will pay more.")
    out = tmp_path / "out"
    result = run_cli("run", f"--input={tmp_path}/in.txt", f"--output={out}", f"--cleaning-data={data}", "--cleaning=full")
    assert result.returncode == 0, result.stderr[-2000:]
    (text,) = rows(out, "documents", "text")[0]
    assert text == "The council voted to raise fares. Riders will pay more."
    manifest = json.loads(next((out / "_runs").glob("*.json")).read_text())
    assert manifest["settings"]["cleaning"] == "full" and manifest["settings"]["cleaning_data"] == str(data)
    bad = run_cli("run", f"--input={tmp_path}/in.txt", f"--output={out}", f"--cleaning-data={tmp_path}/nope")
    assert bad.returncode == 2 and "--cleaning-data" in bad.stderr


@pytest.mark.parametrize("table", ["documents", "segments"])
def test_schema_command_ddl_loads_the_written_files(sample_run, table):
    out, _ = sample_run
    ddl = run_cli("schema", f"--table={table}", "--format=duckdb")
    assert ddl.returncode == 0, ddl.stderr
    con = duckdb.connect()
    con.execute(ddl.stdout)
    con.execute(f"insert into {table} by name select * from read_parquet('{out}/{table}/**/*.parquet', hive_partitioning=true)")
    assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0
    bigquery = json.loads(run_cli("schema", f"--table={table}", "--format=bigquery").stdout)
    described = con.execute(f"describe {table}").fetchall()
    assert [f["name"] for f in bigquery] == [row[0] for row in described]
    assert all(f.get("description") for f in bigquery)


def test_feeds_end_to_end_with_conditional_second_run(tmp_path):
    from tests.feed_server import FeedServer, serve_podcast

    with FeedServer() as server:
        feed = serve_podcast(server, "/podcast", etag='"v1"')
        feeds_file = tmp_path / "feeds.txt"
        feeds_file.write_text(f"# our podcast\n{feed}\n\n")
        out = tmp_path / "out"
        args = ("run", f"--feeds-file={feeds_file}", f"--output={out}", "--allow-private-network")
        first = run_cli(*args)
        assert first.returncode == 0, first.stderr[-3000:]
        docs = rows(out, "documents", "source_kind, format, timed, guid, feed_title, published_at")
        assert len(docs) == 4 and {d[0] for d in docs} == {"feed"}
        assert sorted(d[1] for d in docs) == ["json", "srt", "txt", "vtt"]
        assert sum(d[2] for d in docs) == 3 and all(d[4] for d in docs)
        speakers = {s for (s,) in rows(out, "segments", "speaker", "speaker is not null")}
        assert speakers
        second = run_cli(*args)
        assert second.returncode == 0, second.stderr[-3000:]
        assert any(r.headers.get("if-none-match") == '"v1"' for r in server.requests_to("/podcast/feed.xml"))
        assert len(rows(out, "documents", "doc_id")) == 4  # nothing ingested twice
        manifests = sorted((out / "_runs").glob("*.json"))
        last = json.loads(manifests[-1].read_text())
        assert last["feeds"]["feeds_not_modified"] == 1 and last["accounted"] is True
        refused = run_cli("run", f"--feed={feed}", f"--output={tmp_path / 'refused'}")
        assert refused.returncode == 0
        (error,) = rows(tmp_path / "refused", "errors", "error_type, source_uri")
        assert error[0] == "Refused" and error[1] == feed
