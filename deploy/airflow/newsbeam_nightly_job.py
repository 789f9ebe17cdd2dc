"""`newsbeam nightly` as a Beam pipeline file, for Airflow's BeamRunPythonPipelineOperator (its `py_file`).

The operator runs `python newsbeam_nightly_job.py --runner=... --date=... --output=...`;
every flag goes to `newsbeam nightly` unchanged. Exit status: 0 done, 1 failed or
unaccounted inputs, 2 bad arguments.
"""
import sys

from pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main(["nightly", *sys.argv[1:]]))
