"""Airflow DAG: one newsbeam nightly run per day, through the Apache Beam provider.

Needs apache-airflow-providers-apache-beam on the Airflow workers and a
virtualenv with newsbeam installed (`make run` makes one, or
`pip install /path/to/newsbeam`), named by the `newsbeam_python` Variable. Each DAG run ingests the day before its logical date's
end ({{ ds }} is the UTC day the run covers) and replaces that day's partitions,
so clearing and rerunning a task, or catching up with backfill, is safe.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator

JOB = str(Path(__file__).with_name("newsbeam_nightly_job.py"))

with DAG(
    dag_id="newsbeam_nightly",
    schedule="15 2 * * *",  # 02:15 UTC: the day before is complete, late entries included
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
    catchup=True,
    max_active_runs=1,  # one writer per output at a time
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=10)},
    tags=["newsbeam"],
) as dag:
    BeamRunPythonPipelineOperator(
        task_id="ingest_day",
        py_file=JOB,
        # FnApiRunner: Beam's Python direct runner on the Airflow worker. For Dataflow use
        # runner="DataflowRunner" with dataflow_config and a "setup_file" pipeline option.
        runner=Variable.get("newsbeam_runner", default_var="FnApiRunner"),
        pipeline_options={
            "date": "{{ ds }}",
            "output": Variable.get("newsbeam_output", default_var="/data/newsbeam"),
            "feeds-file": Variable.get("newsbeam_feeds_file", default_var="/etc/newsbeam/feeds.txt"),
            "input": ["/data/transcripts/{date}/*.vtt", "/data/transcripts/{date}/*.srt"],
            "lookback-hours": "24",
        },
        py_interpreter=Variable.get("newsbeam_python", default_var="/opt/newsbeam/.venv/bin/python"),
    )
