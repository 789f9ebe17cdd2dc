"""Warehouse DDL for the output tables, generated from schemas/tables.py.

BigQuery JSON schemas and DuckDB CREATE TABLE statements carry the same
column descriptions as the Parquet field metadata, partition columns included.
"""
from __future__ import annotations

import json

import pyarrow as pa

from schemas.tables import Table

FORMATS = ("arrow", "bigquery", "duckdb")
# Hive partition columns live in the path; warehouses see them as columns.
PARTITION_COLUMNS = {
    "date": (pa.date32(), "Partition: publication date (UTC) when known, else the run's --date."),
    "language": (pa.string(), "Partition: the document's language (ISO 639-1, or 'und')."),
}


def _columns(table: Table) -> list[tuple[str, pa.DataType, str, bool]]:
    cols = [(c.name, c.type, c.description, c.nullable) for c in table.columns]
    cols += [(name, *PARTITION_COLUMNS[name], False) for name in table.partition_by]
    return cols


def _bigquery_field(name: str, dtype: pa.DataType, description: str, nullable: bool) -> dict:
    mode = "NULLABLE" if nullable else "REQUIRED"
    if pa.types.is_list(dtype):
        field = _bigquery_field(name, dtype.value_type, description, True)
        field["mode"] = "REPEATED"
        return field
    if pa.types.is_struct(dtype):
        return {
            "name": name,
            "type": "RECORD",
            "mode": mode,
            "description": description,
            "fields": [_bigquery_field(f.name, f.type, "", True) for f in dtype],
        }
    if pa.types.is_string(dtype):
        kind = "STRING"
    elif pa.types.is_integer(dtype):
        kind = "INT64"
    elif pa.types.is_floating(dtype):
        kind = "FLOAT64"
    elif pa.types.is_boolean(dtype):
        kind = "BOOL"
    elif pa.types.is_timestamp(dtype):
        kind = "TIMESTAMP"
    elif pa.types.is_date(dtype):
        kind = "DATE"
    else:
        raise TypeError(f"no BigQuery type for {dtype}")
    field = {"name": name, "type": kind, "mode": mode}
    if description:
        field["description"] = description
    return field


def _duckdb_type(dtype: pa.DataType) -> str:
    if pa.types.is_list(dtype):
        return f"{_duckdb_type(dtype.value_type)}[]"
    if pa.types.is_struct(dtype):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duckdb_type(f.type)}' for f in dtype) + ")"
    if pa.types.is_string(dtype):
        return "VARCHAR"
    if pa.types.is_int64(dtype):
        return "BIGINT"
    if pa.types.is_int32(dtype):
        return "INTEGER"
    if pa.types.is_floating(dtype):
        return "DOUBLE"
    if pa.types.is_boolean(dtype):
        return "BOOLEAN"
    if pa.types.is_timestamp(dtype):
        return "TIMESTAMP WITH TIME ZONE"
    if pa.types.is_date(dtype):
        return "DATE"
    raise TypeError(f"no DuckDB type for {dtype}")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_schema(table: Table, fmt: str) -> str:
    """The table's schema as text in one of FORMATS."""
    if fmt == "arrow":
        schema = table.arrow_schema
        for name in table.partition_by:
            dtype, description = PARTITION_COLUMNS[name]
            schema = schema.append(pa.field(name, dtype, nullable=False, metadata={"description": description}))
        return schema.to_string(show_field_metadata=True, show_schema_metadata=True)
    if fmt == "bigquery":
        return json.dumps([_bigquery_field(*c) for c in _columns(table)], indent=2, ensure_ascii=False)
    if fmt == "duckdb":
        lines = [
            f'  "{name}" {_duckdb_type(dtype)}{"" if nullable else " NOT NULL"}'
            for name, dtype, _, nullable in _columns(table)
        ]
        comments = [
            f"COMMENT ON COLUMN {table.name}.\"{name}\" IS {_sql_string(description)};"
            for name, _, description, _ in _columns(table)
        ]
        return (
            f"CREATE TABLE {table.name} (\n" + ",\n".join(lines) + "\n);\n"
            f"COMMENT ON TABLE {table.name} IS {_sql_string(table.description)};\n" + "\n".join(comments)
        )
    raise ValueError(f"unknown schema format {fmt!r}; choose one of {', '.join(FORMATS)}")
