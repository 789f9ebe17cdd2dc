"""The warehouse contract: columns only grow, old and new partitions read together, schemas match the files."""
from __future__ import annotations

import json
import shutil

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from schemas.tables import SCHEMA_VERSION, TABLES
from tests.conftest import REPO, SAMPLES, run_cli

CONTRACTS = sorted((REPO / "schemas" / "contract").glob("v*.json"), key=lambda p: int(p.stem[1:]))


def test_published_columns_are_a_contract():
    """No version's column ever disappears or changes type; the current version's contract is the code's schema.

    Adding a column means a new schema version and a new contract file; readers
    with union_by_name then see old partitions with NULL in the new column.
    """
    assert CONTRACTS[-1].stem == f"v{SCHEMA_VERSION}", "write schemas/contract/vN.json for the new SCHEMA_VERSION"
    for path in CONTRACTS:
        contract = json.loads(path.read_text())
        assert contract["schema_version"] == path.stem[1:]
        for name, columns in contract["tables"].items():
            current = {c.name: [c.name, str(c.type), c.nullable] for c in TABLES[name].columns}
            for column in columns:
                assert current.get(column[0]) == column, f"{name}.{column[0]} of {path.name} was dropped or changed"
            if path == CONTRACTS[-1]:
                assert list(current) == [c[0] for c in columns], f"{name} changed: bump SCHEMA_VERSION, add a contract"


def test_every_file_carries_the_schema_version(sample_run):
    out, _ = sample_run
    files = list(out.rglob("*.parquet"))
    assert files
    for path in files:
        meta = pq.ParquetFile(path).schema_arrow.metadata
        assert meta[b"newsbeam.schema_version"] == SCHEMA_VERSION.encode()


def test_a_later_version_with_an_added_column_reads_with_the_old_one(sample_run, tmp_path):
    out, _ = sample_run
    dataset = tmp_path / "dataset"
    shutil.copytree(out, dataset)
    old_file = next((dataset / "documents").rglob("*.parquet"))
    old = pq.read_table(old_file)
    # What a version 2 writer would add: a column, and its version in the metadata.
    newer = old.append_column(pa.field("summary", pa.string()), pa.array(["a summary"] * old.num_rows))
    newer = newer.replace_schema_metadata({**old.schema.metadata, b"newsbeam.schema_version": b"2"})
    target = dataset / "documents" / "date=2026-11-21" / "language=en"
    target.mkdir(parents=True)
    pq.write_table(newer, target / "part-v2-00000.parquet")
    con = duckdb.connect()
    counts = con.execute(
        f"select summary is null, count(*) from read_parquet('{dataset}/documents/**/*.parquet', "
        "hive_partitioning=true, union_by_name=true) group by all order by 1"
    ).fetchall()
    total_old = con.execute(f"select count(*) from read_parquet('{out}/documents/**/*.parquet')").fetchone()[0]
    assert counts == [(False, old.num_rows), (True, total_old)]
    files = sorted(str(p) for p in (dataset / "documents").rglob("*.parquet"))
    unified = pa.unify_schemas([pq.read_schema(f) for f in files])
    table = ds.dataset(files, schema=unified, format="parquet").to_table(columns=["doc_id", "summary"])
    assert table.num_rows == old.num_rows + total_old and table.column("summary").null_count == total_old


@pytest.fixture(scope="module")
def every_table(tmp_path_factory):
    """A run that writes all three tables: one good sample and a glob that matches nothing."""
    out = tmp_path_factory.mktemp("every_table") / "out"
    result = run_cli("run", f"--input={SAMPLES}/seed_cnn_kursk.txt", f"--input={SAMPLES}/missing-*.vtt", f"--output={out}")
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.parametrize("table", sorted(TABLES))
def test_bigquery_schema_matches_the_parquet_columns_one_for_one(every_table, table):
    result = run_cli("schema", f"--table={table}", "--format=bigquery")
    assert result.returncode == 0, result.stderr
    fields = json.loads(result.stdout)
    parquet = pq.read_schema(next((every_table / table).rglob("*.parquet")))
    partition = list(TABLES[table].partition_by)
    assert [f["name"] for f in fields] == parquet.names + partition
    for field in fields:
        if field["name"] in partition:
            continue
        arrow_field = parquet.field(field["name"])
        assert field["mode"] == ("REPEATED" if pa.types.is_list(arrow_field.type) else "NULLABLE" if arrow_field.nullable else "REQUIRED")
        assert field.get("description") == arrow_field.metadata[b"description"].decode()
